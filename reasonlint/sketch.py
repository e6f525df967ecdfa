"""A bottom-k sketch: the deterministic sample that aggregate checks keep.

Entries are kept by the smallest 64-bit hashes of their keys, so the sample is the same
whatever the order of rows, the split of the work over processes or the run, two entries
with one key count once, and two sketches merge into the sketch of their union.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

V = TypeVar("V")


def hash_of(key: str) -> int:
    """The stable 64-bit hash that orders a sketch's entries."""
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big")


@dataclass(slots=True)
class BottomK(Generic[V]):
    """The `limit` entries with the smallest key hashes seen so far. Holds up to twice the
    limit between trims, so most offers cost one hash; `value_of` runs only for keys that
    enter, which after the first few thousand rows is almost none."""

    limit: int
    items: dict[int, V] = field(default_factory=dict)
    threshold: int | None = None  # hashes at or above this can no longer enter

    def keep(self, key: str, value_of: Callable[[], V]) -> None:
        self.keep_hashed(hash_of(key), value_of)

    def keep_hashed(self, digest: int, value_of: Callable[[], V]) -> None:
        """`keep` for a key already hashed with `hash_of`: one hash can serve several sketches."""
        if (self.threshold is not None and digest >= self.threshold) or digest in self.items:
            return
        self.items[digest] = value_of()
        if len(self.items) >= 2 * self.limit:
            self.trim()

    def trim(self) -> None:
        kept = sorted(self.items)[: self.limit]
        self.items = {digest: self.items[digest] for digest in kept}
        self.threshold = kept[-1] if len(kept) >= self.limit else None

    def merge(self, other: BottomK[V]) -> BottomK[V]:
        self.items.update(other.items)
        self.trim()
        return self
