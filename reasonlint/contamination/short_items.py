"""Whole-item matching for short benchmark items, numbers kept.

Word 8-grams with numbers masked survive renumbering, and are right for long items; a short
item has too few informative 8-grams to reach the rules' `min_matches`, and with numbers
masked it is boilerplate ("Compute $58_9 - 18_9.$ Express your answer in base $9.$").
So every item of at most `SHORT_MAX_TOKENS` normalised tokens also gets one keyed hash of
its whole token sequence with its numbers as they are, and a text is searched for it as a
contiguous run of tokens: the hash of its first three tokens (its anchor) marks where a text
may hold it, and a polynomial rolling hash over the text's tokens gives the window of the
item's own length there in a few vector operations. The item's own words
and numbers must all be there, in order; a shared instruction alone never matches.

A very short item (fewer than `MIN_ALONE_TOKENS` tokens, "Simplify $\\sqrt{242}$.") is
only matched where it is a fifth of the text or more: inside a long trace those few tokens
are a step of some other solution, not the item.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from reasonlint.contamination.normalise import keyed, normalise, unkeyed
from reasonlint.text.ngrams import Hashes, Tokens, powers, tokens_of

SHORT_MAX_TOKENS = 64
MIN_ALONE_TOKENS = 6
ANCHOR_TOKENS = 3
_SHARE_OF_TEXT = 5  # a shorter item must be at least 1/_SHARE_OF_TEXT of the text's tokens
_LENGTH_MIX = np.uint64(0x9E3779B97F4A7C15)
_TABLE_BITS = 20


def normal_tokens(data: bytes) -> Tokens:
    """The tokens of normalised UTF-8 `data`, numbers as they are."""
    return tokens_of(normalise(data))


def window_hashes(tokens: Tokens, length: int) -> Hashes:
    """The keyed hash of every run of `length` consecutive tokens (window `i` starts at token `i`)."""
    return keyed(_Windows(tokens).of(length))


class _Windows:
    """Rolling hashes over one text's tokens, unkeyed: the prefix sums are computed once, and
    each window then costs a few vector operations."""

    def __init__(self, tokens: Tokens) -> None:
        self.count = len(tokens)
        self.up, down = powers(1 << (self.count + 1).bit_length())
        self.prefix = np.zeros(self.count + 1, dtype=np.uint64)
        with np.errstate(over="ignore"):
            np.cumsum(tokens.hashes * down[: self.count], out=self.prefix[1:])

    def of(self, length: int) -> Hashes:
        """Every window of `length` tokens."""
        count = self.count - length + 1
        if count <= 0 or length <= 0:
            return np.zeros(0, dtype=np.uint64)
        with np.errstate(over="ignore"):  # `at` for every start, with slices rather than gathers
            windows = (self.prefix[length:] - self.prefix[:count]) * self.up[length - 1: length - 1 + count]
            windows ^= np.uint64(length) * _LENGTH_MIX
        return windows

    def at(self, starts: npt.NDArray[np.intp], lengths: npt.NDArray[np.intp]) -> Hashes:
        """The windows of `lengths[i]` tokens from token `starts[i]` (each within the text)."""
        ends = starts + lengths
        with np.errstate(over="ignore"):
            windows = (self.prefix[ends] - self.prefix[starts]) * self.up[ends - 1]
            windows ^= lengths.astype(np.uint64) * _LENGTH_MIX
        return windows


def whole_item_hash(text: str) -> tuple[int, int] | None:
    """(hash, token count) of a short item's whole normalised text; None for a long one (or
    one of fewer than `ANCHOR_TOKENS` tokens, which says nothing of where it comes from)."""
    tokens = normal_tokens(text.encode("utf-8", "surrogatepass"))
    if not ANCHOR_TOKENS <= len(tokens) <= SHORT_MAX_TOKENS:
        return None
    return int(window_hashes(tokens, len(tokens))[0]), len(tokens)


def anchor_hash(text: str) -> int:
    """The keyed hash of a short item's first `ANCHOR_TOKENS` tokens: where a text may hold it."""
    return int(window_hashes(normal_tokens(text.encode("utf-8", "surrogatepass")), ANCHOR_TOKENS)[0])


@dataclass(frozen=True, slots=True)
class WholeMatch:
    """Item `owner` found whole, as tokens `first` to `first + length - 1` of the text."""

    owner: int
    first: int
    length: int


class ShortItems:
    """The short items of a set of indexes (their stored hashes unkeyed once, here), found by
    the hash of their first tokens (the anchor). A text's anchor windows are computed in one
    pass and almost all dismissed by a presence table on the hashes' top bits; only where an
    anchor is found is the whole item, of its own length, compared."""

    def __init__(self, hashes: Hashes, anchors: Hashes, lengths: npt.NDArray[np.int32],
                 owners: npt.NDArray[np.int32]) -> None:
        anchors, hashes = unkeyed(anchors), unkeyed(hashes)  # compared with a text's unkeyed windows
        order = np.lexsort((-lengths, anchors))  # by anchor, longest item first
        self.anchors, self.hashes = anchors[order], hashes[order]
        self.lengths, self.owners = lengths[order].astype(np.intp), owners[order]
        self.present = np.zeros(1 << _TABLE_BITS, dtype=bool)
        self.present[self.anchors >> np.uint64(64 - _TABLE_BITS)] = True

    def __len__(self) -> int:
        return len(self.hashes)

    def find(self, tokens: Tokens) -> WholeMatch | None:
        """The first short item (longest first at one place) that `tokens` hold whole, or None."""
        if not len(self.hashes) or len(tokens) < ANCHOR_TOKENS:
            return None
        windows = _Windows(tokens)
        anchors = windows.of(ANCHOR_TOKENS)
        places = np.flatnonzero(self.present[anchors >> np.uint64(64 - _TABLE_BITS)])
        if not len(places):
            return None
        low = np.searchsorted(self.anchors, anchors[places], "left")
        spans = np.searchsorted(self.anchors, anchors[places], "right") - low
        # Every (place, item with that anchor) pair, in text order and longest item first.
        at = np.repeat(places, spans)
        candidates = np.repeat(low - np.cumsum(spans) + spans, spans) + np.arange(spans.sum())
        lengths = self.lengths[candidates]
        fits = (at + lengths <= len(tokens)) & (
            (lengths >= MIN_ALONE_TOKENS) | (lengths * _SHARE_OF_TEXT >= len(tokens)))
        at, candidates, lengths = at[fits], candidates[fits], lengths[fits]
        whole = np.flatnonzero(windows.at(at, lengths) == self.hashes[candidates])
        if not len(whole):
            return None
        best = candidates[whole[0]]
        return WholeMatch(int(self.owners[best]), int(at[whole[0]]), int(self.lengths[best]))
