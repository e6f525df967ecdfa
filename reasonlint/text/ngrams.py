"""Vectorised token and n-gram hashing over UTF-8 bytes, shared by every n-gram measure
(repetition loops, duplicate shingles, benchmark fingerprints).

Per-word work in Python (splitting, hashing each word string, hashing tuples) costs
about 0.4 µs a word, too much for every row of a million-row dataset; here the bytes are
hashed with numpy instead: a polynomial prefix hash over the bytes (wrapping uint64
arithmetic, with the multiplier's inverse modulo 2**64) gives the hash of every token in
a few vector operations, and n shifted multiply-xor passes combine token hashes into
n-gram hashes. Whitespace only separates tokens, so `a  b` and `a\\nb` are the same bigram,
as they are for `str.split`; each CJK character (kana, ideographs, Hangul) is a token of
its own, so text without spaces is cut into comparable units.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt

_MULTIPLIER = 0x100000001B3  # the 64-bit FNV prime: odd, so invertible modulo 2**64
_MIX = 0x9E3779B97F4A7C15  # the golden-ratio constant, to spread token lengths
# UTF-8 lead bytes of three-byte characters from U+3000 to U+D7FF: kana, CJK ideographs,
# Hangul. Each such character is a token of its own.
_CJK_LEAD_LOW, _CJK_LEAD_HIGH = 0xE3, 0xED

Hashes = npt.NDArray[np.uint64]
Offsets = npt.NDArray[np.intp]


@dataclass(frozen=True, slots=True)
class Tokens:
    """The tokens of a byte string: one hash per token and its byte span `[starts, ends)`."""

    hashes: Hashes
    starts: Offsets
    ends: Offsets

    def __len__(self) -> int:
        return len(self.hashes)


def tokens_of(data: bytes) -> Tokens:
    """Hash every whitespace-separated token (and every CJK character) of `data`."""
    if not data:
        empty = np.zeros(0, dtype=np.intp)
        return Tokens(np.zeros(0, dtype=np.uint64), empty, empty)
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
    # A token ends at the next whitespace or the next token's start, whichever comes first.
    blanks = np.append(np.flatnonzero(space), len(raw))
    ends = np.minimum(blanks[np.searchsorted(blanks, starts)], np.append(starts[1:], len(raw)))
    up, down = powers(1 << len(raw).bit_length())
    with np.errstate(over="ignore"):
        # Token hash: sum of byte[k] * P**(end - 1 - k) over the token, wrapping modulo 2**64,
        # from prefix sums of byte[k] * P**-k; mixed with the length against collisions.
        prefix = np.zeros(len(raw) + 1, dtype=np.uint64)
        np.cumsum(raw.astype(np.uint64) * down[: len(raw)], out=prefix[1:])
        words = (prefix[ends] - prefix[starts]) * up[ends - 1]
        words ^= (ends - starts).astype(np.uint64) * np.uint64(_MIX)
    return Tokens(words, starts, ends)


def ngram_hashes(tokens: Tokens, n: int) -> Hashes:
    """The hash of each run of `n` consecutive tokens (empty when there are fewer); n-gram
    `i` covers tokens `i .. i + n - 1`, so its byte span is `starts[i]` to `ends[i + n - 1]`."""
    count = len(tokens) - n + 1
    if count <= 0:
        return np.zeros(0, dtype=np.uint64)
    words = tokens.hashes
    hashes = words[:count].copy()
    with np.errstate(over="ignore"):
        for offset in range(1, n):
            hashes *= np.uint64(_MULTIPLIER)
            hashes ^= words[offset: offset + count]
    return hashes


@cache
def powers(size: int) -> tuple[Hashes, Hashes]:
    """P**k and P**-k modulo 2**64 for k < size (a power of two, so a handful of arrays
    serve every text)."""
    inverse = pow(_MULTIPLIER, -1, 1 << 64)
    with np.errstate(over="ignore"):
        up = np.full(size, _MULTIPLIER, dtype=np.uint64)
        up[0] = 1
        np.cumprod(up, out=up)
        inverses = np.full(size, inverse, dtype=np.uint64)
        inverses[0] = 1
        np.cumprod(inverses, out=inverses)
    return up, inverses
