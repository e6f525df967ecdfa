"""Normalised, keyed word n-gram hashes: what benchmark fingerprints are made of.

Normalisation (version `NORMALISER_VERSION`) works on the UTF-8 bytes and keeps every byte
where it was, so a matched n-gram's byte span points straight into the user's own text:
- LaTeX variants are made equal: `\\dfrac`/`\\tfrac` read as `\\frac`, `\\leq`/`\\geq` as
  `\\le`/`\\ge`; `\\left`, `\\right`, `\\displaystyle`, `\\text`, `\\mathrm`, `\\quad` vanish;
- multiple-choice labels (`(A)`, `A.`, `A)`, `A:` before a space, `(a)`) vanish, so options
  that were relabelled or shuffled still match within each option;
- ASCII letters are lowercased; every other ASCII byte that is not a letter or digit
  (punctuation, `$`, braces, backslashes, operators) becomes a space, so `x+y` and `x + y`
  or `$\\frac{1}{2}$` and `\\frac 1 2` give the same tokens;
- tokens are cut by `reasonlint.text.ngrams.tokens_of` (whitespace, and each CJK character);
  every token that starts with a digit is one NUMBER token, so changed numbers still match;
  n-grams of more than n/2 NUMBER tokens (sample inputs, tables, arithmetic) say nothing
  about which problem they come from and are dropped.

Hash scheme (version `HASH_VERSION`): the n-gram hash of `ngram_hashes` over those tokens,
xored with the fixed 64-bit `KEY` and passed through the splitmix64 finaliser. Indexes hold
only these keyed hashes, without positions, so no text can be read back from them; the key
keeps them from being compared with other tools' unkeyed n-gram hashes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from reasonlint.text.ngrams import Hashes, Offsets, Tokens, ngram_hashes, tokens_of

NORMALISER_VERSION = 1
HASH_VERSION = 1
KEY = 0x5EA5_0A11_C0DE_F00D
_NUMBER = np.uint64(0x4E554D424552)  # any token that starts with a digit

# Length-preserving rewrites (same byte count in and out), applied before lowercasing.
_REWRITES = {
    b"\\dfrac": b"  frac", b"\\tfrac": b"  frac", b"\\leq": b"\\le ", b"\\geq": b"\\ge ",
    **{command: b" " * len(command) for command in (
        b"\\displaystyle", b"\\left", b"\\right", b"\\mathrm", b"\\text", b"\\qquad", b"\\quad")},
}
_REWRITE = re.compile(b"|".join(re.escape(old) for old in sorted(_REWRITES, key=len, reverse=True)))
_SPACE = np.zeros(256, dtype=bool)
_SPACE[[0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D]] = True
_LABEL_END = np.zeros(256, dtype=bool)
_LABEL_END[[ord("."), ord(")"), ord(":")]] = True
_PAD = np.array([0x20, 0x20], dtype=np.uint8)
_TABLE = bytes(
    (byte + 32 if 65 <= byte <= 90 else byte) if (byte >= 128 or chr(byte).isalnum()) else 32
    for byte in range(256)
)


@dataclass(frozen=True, slots=True)
class Grams:
    """The keyed n-gram hashes of a text; n-gram `i` spans bytes `starts[i]` to `ends[i]`
    of the text's UTF-8 encoding."""

    hashes: Hashes
    starts: Offsets
    ends: Offsets


def _without_option_labels(data: bytes) -> bytes:
    """`data` with option labels blanked: `A.`, `A)`, `A:`, `(A)` (A to J) and `(a)` (a to j),
    each after whitespace or at the start and before whitespace or at the end. Vectorised: a
    regex costs ten times as much on a 14 KB trace."""
    raw = np.frombuffer(data, dtype=np.uint8)
    # Candidates first: the letter before each `.`, `)` or `:` (a few hundred in 14 KB).
    ends = np.flatnonzero(_LABEL_END[raw[1:]]) + 1
    letter = raw[ends - 1]
    ends = ends[((letter >= 0x41) & (letter <= 0x4A)) | ((letter >= 0x61) & (letter <= 0x6A))]
    if not len(ends):
        return data
    pad = np.concatenate([_PAD, raw, _PAD])  # the text's edges read as whitespace
    at = ends + 1  # the letter, in `pad`
    letter, next1, next2, prev1, prev2 = pad[at], pad[at + 1], pad[at + 2], pad[at - 1], pad[at - 2]
    closed = _SPACE[next2]
    opened = (prev1 == 0x28) & _SPACE[prev2]
    upper = (letter <= 0x4A) & closed & (_SPACE[prev1] | opened)
    lower = (letter >= 0x61) & (next1 == 0x29) & closed & opened
    labels = ends[upper | lower] - 1
    if not len(labels):
        return data
    out = raw.copy()
    out[labels] = 0x20
    out[labels + 1] = 0x20
    out[labels[raw[np.maximum(labels - 1, 0)] == 0x28] - 1] = 0x20
    return out.tobytes()


def normalise(data: bytes) -> bytes:
    """The normalised form of UTF-8 `data`, byte for byte as long as the input."""
    if b"\\" in data:
        data = _REWRITE.sub(lambda match: _REWRITES[match.group()], data)
    data = _without_option_labels(data)
    return data.translate(_TABLE)


def keyed(hashes: Hashes) -> Hashes:
    """splitmix64(h ^ KEY) for every hash."""
    with np.errstate(over="ignore"):
        z = hashes ^ np.uint64(KEY)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def unkeyed(hashes: Hashes) -> Hashes:
    """The inverse of `keyed`: every step of the finaliser is a bijection on 64 bits. A matcher
    inverts an index's few stored hashes once, so that a text's many windows are compared
    without being keyed."""
    mask = np.uint64(0xFFFFFFFFFFFFFFFF)
    with np.errstate(over="ignore"):
        z = hashes ^ (hashes >> np.uint64(31)) ^ (hashes >> np.uint64(62))
        z = (z * np.uint64(pow(0x94D049BB133111EB, -1, 1 << 64))) & mask
        z = z ^ (z >> np.uint64(27)) ^ (z >> np.uint64(54))
        z = (z * np.uint64(pow(0xBF58476D1CE4E5B9, -1, 1 << 64))) & mask
        z = z ^ (z >> np.uint64(30)) ^ (z >> np.uint64(60))
        return z ^ np.uint64(KEY)


def grams_of(data: bytes, n: int, *, wordy_only: bool = False) -> Grams:
    """The keyed hashes of the normalised word n-grams of UTF-8 `data`, with their spans."""
    return grams_from_tokens(data, tokens_of(normalise(data)), n, wordy_only=wordy_only)


def grams_from_tokens(data: bytes, tokens: Tokens, n: int, *, wordy_only: bool = False) -> Grams:
    """As `grams_of`, from the tokens of `normalise(data)` already cut (left as they are):
    every token that starts with a digit reads as one NUMBER token; with `wordy_only`,
    without the n-grams of more than n/2 NUMBER tokens (an index never holds those, so a
    text to match need not spend time dropping them)."""
    count = len(tokens) - n + 1
    if count <= 0:
        return Grams(np.zeros(0, dtype=np.uint64), tokens.starts[:0], tokens.ends[:0])
    leading = np.frombuffer(data, dtype=np.uint8)[tokens.starts]
    numbers = (leading >= 0x30) & (leading <= 0x39)
    words = Tokens(np.where(numbers, _NUMBER, tokens.hashes), tokens.starts, tokens.ends)
    hashes = ngram_hashes(words, n)
    if wordy_only and numbers.any():
        in_window = np.cumsum(numbers, dtype=np.int32)
        in_window[n:] -= in_window[:-n].copy()
        wordy = in_window[n - 1:] <= n // 2
        kept = np.flatnonzero(wordy)
        return Grams(keyed(hashes[kept]), tokens.starts[kept], tokens.ends[kept + n - 1])
    return Grams(keyed(hashes), tokens.starts[:count], tokens.ends[n - 1: n - 1 + count])


def number_hashes(data: bytes, tokens: Tokens) -> Hashes:
    """The keyed hashes of the distinct number tokens (tokens that start with a digit) among
    the tokens of `normalise(data)`, sorted: what tells a renumbered variant from the item."""
    if not len(tokens):
        return np.zeros(0, dtype=np.uint64)
    leading = np.frombuffer(data, dtype=np.uint8)[tokens.starts]
    numbers = (leading >= 0x30) & (leading <= 0x39)
    return np.unique(keyed(tokens.hashes[numbers]))

