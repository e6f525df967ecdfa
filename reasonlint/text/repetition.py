"""Repetition measures for degenerate generations (loops that repeat until the token cap).

The measure is the one open-r1's repetition penalty uses: split the lower-cased text into
words, take every n-gram, and count the share of n-grams that repeat an earlier one
(`1 - unique / total`). Text without spaces between words (Chinese, Japanese) is cut into
one token per CJK character instead, so a Chinese loop reads like an English one.

Tokens and n-grams are hashed with numpy (`reasonlint.text.ngrams`), and sorting the
hashes counts them. The cost is linear and bounded: a text longer than `budget`
characters is measured on a few evenly spaced windows (always including its end, where
loops sit), so a 5 MB trace costs what a 64 KB one does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from reasonlint.text.ngrams import Hashes, ngram_hashes, tokens_of

_WINDOWS = 4


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
    tokens = tokens_of(data)
    if len(tokens) < n:
        return None
    count = len(tokens) - n + 1
    return ngram_hashes(tokens, n), tokens.starts[:count], tokens.ends[n - 1:]
