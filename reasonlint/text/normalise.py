"""Normalised text and its 64-bit key, for exact-duplicate detection.

Two texts that differ only in case, spacing or punctuation are the same example to a
trainer (`What is 2+2?` and `what is 2 + 2`); folding them before hashing makes such
copies collide. The key is 8 bytes, so duplicate checks keep one integer per row
instead of its text.

Folding runs on every row, so it works on UTF-8 bytes with `bytes.translate` (a few
microseconds for 10 KB, against hundreds for a regular expression over the string): ASCII
punctuation becomes a space, except a minus sign before a digit (`x = -2` and `x = 2`
differ); other scripts' punctuation is kept as it is.
"""

from __future__ import annotations

import hashlib
import re
import string
from functools import lru_cache

_SIGN = re.compile(rb"-(?=\d)")
_SPACES = re.compile(rb"  +")
_BLANK = string.punctuation.encode() + string.whitespace.encode()
# Punctuation and whitespace to spaces; NUL, which marks a kept minus sign, back to `-`.
_TABLE = bytes.maketrans(_BLANK + b"\x00", b" " * len(_BLANK) + b"-")


def folded_bytes(text: str) -> bytes:
    """The UTF-8 bytes of the case folded text, ASCII punctuation turned into spaces (so
    `2+2` and `2 + 2` agree), whitespace runs collapsed to one space."""
    data = text.casefold().encode("utf-8", "surrogatepass").replace(b"\x00", b" ")
    return _SPACES.sub(b" ", _SIGN.sub(b"\x00", data).translate(_TABLE)).strip(b" ")


def fold(text: str) -> str:
    """`folded_bytes` as text."""
    return folded_bytes(text).decode("utf-8", "surrogatepass")


@lru_cache(maxsize=64)
def key_of(text: str) -> int:
    """A 64-bit hash of the folded text (an int below 2**64). Cached: several duplicate
    rules key the same prompt and output of a row, and folding is the costly part."""
    return int.from_bytes(hashlib.blake2b(folded_bytes(text), digest_size=8).digest(), "little")


def hash64(text: str) -> int:
    """A 64-bit blake2b hash of `text`: stable across processes and runs."""
    digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little")
