"""Repetition measures for degenerate generations (loops that repeat until the token cap).

The measure is the one open-r1's repetition penalty uses: split the lower-cased text into
words, take every n-gram, and count the share of n-grams that repeat an earlier one
(`1 - unique / total`). Text without spaces between words (Chinese, Japanese) is cut into
one token per CJK character instead, so a Chinese loop reads like an English one.

Per-word work in Python (splitting, hashing each word string, hashing tuples) costs
about 0.4 µs a word, too much for every row of a million-row dataset; here the UTF-8
bytes are hashed with numpy instead: a polynomial prefix hash over the bytes (wrapping
uint64 arithmetic, with the multiplier's inverse modulo 2**64) gives the hash of every
token in a few vector operations, n shifted multiply-xor passes combine them into n-gram
hashes, and sorting the hashes counts them. Whitespace only separates tokens, so `a  b`
and `a\nb` are the same bigram, as they are for `str.split`. The cost is linear and
bounded: a text longer than `budget` characters is measured on a few evenly spaced
windows (always including its end, where loops sit), so a 5 MB trace costs what a 64 KB
one does.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt

_WINDOWS = 4
_MULTIPLIER = 0x100000001B3  # the 64-bit FNV prime: odd, so invertible modulo 2**64
_MIX = 0x9E3779B97F4A7C15  # the golden-ratio constant, to spread token lengths
# UTF-8 lead bytes of three-byte characters from U+3000 to U+D7FF: kana, CJK ideographs,
# Hangul. Each such character is a token of its own.
_CJK_LEAD_LOW, _CJK_LEAD_HIGH = 0xE3, 0xED

Hashes = npt.NDArray[np.uint64]


@dataclass(frozen=True, slots=True)
class Repetition:
    """How repetitive a text is: `repeats` of its `ngrams` n-grams repeat an earlier one;
    `top` is the most repeated n-gram, seen `top_count` times. `measured` is the number of
    characters measured (less than the text's length when it was sampled in windows)."""

    n: int
    ngrams: int
    repeats: int
    top: str
    top_count: int
    measured: int

    @property
    def ratio(self) -> float:
        """open-r1's repetition measure: the share of n-grams that are repeats."""
        return self.repeats / self.ngrams if self.ngrams else 0.0


def windows_of(text: str, budget: int, count: int = _WINDOWS) -> list[str]:
    """The whole text when it fits `budget`, else `count` evenly spaced windows of
    `budget // count` characters, the last one ending at the end of the text."""
    if len(text) <= budget:
        return [text]
    size = budget // count
    step = (len(text) - size) / (count - 1)
    return [text[int(index * step): int(index * step) + size] for index in range(count)]


def ngram_repetition(text: str, n: int = 8, *, budget: int = 65536) -> Repetition | None:
    """The n-gram repetition of `text`, or None when it has fewer than `n` tokens.
    N-grams never span two windows."""
    parts: list[Hashes] = []
    spans: list[tuple[bytes, npt.NDArray[np.intp], npt.NDArray[np.intp]]] = []
    measured = 0
    for window in windows_of(text, budget):
        measured += len(window)
        data = window.encode("utf-8", "surrogatepass").lower()
        found = _ngram_hashes(data, n)
        if found is not None:
            parts.append(found[0])
            spans.append((data, found[1], found[2]))
    if not parts:
        return None
    hashes = np.concatenate(parts) if len(parts) > 1 else parts[0]
    unique, counts = np.unique(hashes, return_counts=True)
    best = int(counts.argmax())
    position = int(np.argmax(hashes == unique[best]))
    top = ""
    for data, starts, stops in spans:  # the window that holds the top n-gram's first copy
        if position < len(starts):
            top = " ".join(data[starts[position]:stops[position]].decode("utf-8", "replace").split())
            break
        position -= len(starts)
    return Repetition(n, len(hashes), len(hashes) - len(unique), top, int(counts[best]), measured)


def _ngram_hashes(data: bytes, n: int) -> tuple[Hashes, npt.NDArray[np.intp], npt.NDArray[np.intp]] | None:
    """Hash of each n-gram of tokens in `data`, with its byte span."""
    if not data:
        return None
    raw = np.frombuffer(data, dtype=np.uint8)
    space = (raw == 0x20) | ((raw >= 0x09) & (raw <= 0x0D))
    cjk = (raw >= _CJK_LEAD_LOW) & (raw <= _CJK_LEAD_HIGH)
    # A token starts after whitespace, at a CJK character, and right after a CJK character.
    start = ~space
    start[1:] &= space[:-1] | cjk[1:]
    after_cjk = np.flatnonzero(cjk) + 3
    after_cjk = after_cjk[after_cjk < len(raw)]
    start[after_cjk] |= ~space[after_cjk]
    starts = np.flatnonzero(start)
    if len(starts) < n:
        return None
    # A token ends at the next whitespace or the next token's start, whichever comes first.
    blanks = np.append(np.flatnonzero(space), len(raw))
    ends = np.minimum(blanks[np.searchsorted(blanks, starts)], np.append(starts[1:], len(raw)))
    powers, inverse_powers = _powers(1 << len(raw).bit_length())
    with np.errstate(over="ignore"):
        # Token hash: sum of byte[k] * P**(end - 1 - k) over the token, wrapping modulo 2**64,
        # from prefix sums of byte[k] * P**-k; mixed with the length against collisions.
        prefix = np.zeros(len(raw) + 1, dtype=np.uint64)
        np.cumsum(raw.astype(np.uint64) * inverse_powers[: len(raw)], out=prefix[1:])
        words = (prefix[ends] - prefix[starts]) * powers[ends - 1]
        words ^= (ends - starts).astype(np.uint64) * np.uint64(_MIX)
        count = len(starts) - n + 1
        hashes = words[:count].copy()
        for offset in range(1, n):
            hashes *= np.uint64(_MULTIPLIER)
            hashes ^= words[offset: offset + count]
    return hashes, starts[:count], ends[n - 1:]


@cache
def _powers(size: int) -> tuple[Hashes, Hashes]:
    """P**k and P**-k modulo 2**64 for k < size (a power of two, so a handful of arrays
    serve every text)."""
    inverse = pow(_MULTIPLIER, -1, 1 << 64)
    with np.errstate(over="ignore"):
        powers = np.full(size, _MULTIPLIER, dtype=np.uint64)
        powers[0] = 1
        np.cumprod(powers, out=powers)
        inverses = np.full(size, inverse, dtype=np.uint64)
        inverses[0] = 1
        np.cumprod(inverses, out=inverses)
    return powers, inverses
