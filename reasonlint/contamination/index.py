"""Fingerprint indexes: build, save, load, and match a text against them.

An index file (`.npz`, loaded with `allow_pickle=False`) holds, per benchmark item, the
sorted set of its keyed n-gram hashes (see `normalise`), concatenated in `hashes` (uint64)
with `offsets` (int64, items + 1) marking each item's run, the item `ids` (str), and `meta`
(a JSON string: format, benchmark name, n, normaliser and hash versions, the `common_df`
used, the source file's sha256, item count). Items of at most `SHORT_MAX_TOKENS` tokens also
get one keyed hash of their whole normalised text with numbers kept and one of their first
three tokens (`short_items`, `short_hashes`, `short_anchors`, `short_lengths`; see `short_items`).
Every item's distinct numbers are kept as keyed hashes too (`number_hashes`, with
`number_offsets` marking each item's run), so that a match can tell the item from a variant
with other numbers (GSM8K's train set holds many such siblings of its test items). No
positions and no text are stored.

N-grams shared by `common_df` or more items are boilerplate (AIME's "relatively prime
positive integers", LiveCodeBench's prompt wrapper, GPQA's instruction line): they are
dropped when an index is built, and again across all indexes a run loads, so a row is
scored only on what is particular to one item.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from reasonlint.contamination.normalise import HASH_VERSION, NORMALISER_VERSION, grams_from_tokens, number_hashes
from reasonlint.contamination.short_items import ShortItems, anchor_hash, normal_tokens, whole_item_hash
from reasonlint.text.ngrams import Hashes, Tokens

FORMAT = "reasonlint-fingerprints/3"
DEFAULT_N = 8
DEFAULT_COMMON_DF = 4
# Texts are scanned up to this many bytes (1 MiB): the cost stays linear and bounded on
# runaway traces, and a copied problem sits near the start of a prompt or a solution.
MAX_BYTES = 1 << 20
_TABLE_BITS = 22


@dataclass(frozen=True, slots=True)
class FingerprintIndex:
    """One benchmark's fingerprints: item `i`'s hashes are `hashes[offsets[i]:offsets[i + 1]]`."""

    name: str
    n: int
    ids: tuple[str, ...]
    hashes: Hashes
    offsets: npt.NDArray[np.int64]
    common_df: int
    source_sha256: str
    # Short items: their numbers (into `ids`), whole-text hashes, anchors and token counts.
    short_items: npt.NDArray[np.int32]
    short_hashes: Hashes
    short_anchors: Hashes
    short_lengths: npt.NDArray[np.int32]
    # Item `i`'s distinct numbers: `number_hashes[number_offsets[i]:number_offsets[i + 1]]`.
    number_hashes: Hashes
    number_offsets: npt.NDArray[np.int64]

    @classmethod
    def build(cls, name: str, items: Iterable[tuple[str, str]], *, n: int = DEFAULT_N,
              common_df: int = DEFAULT_COMMON_DF, source_sha256: str = "") -> FingerprintIndex:
        """Fingerprint `(id, text)` items; n-grams in `common_df` or more items are dropped."""
        ids: list[str] = []
        sets: list[Hashes] = []
        numbers: list[Hashes] = []
        short: list[tuple[int, int, int, int]] = []
        for item_id, text in items:
            data = text.encode("utf-8", "surrogatepass")
            tokens = normal_tokens(data)
            sets.append(np.unique(grams_from_tokens(data, tokens, n, wordy_only=True).hashes))
            numbers.append(number_hashes(data, tokens))
            whole = whole_item_hash(text)
            if whole is not None:
                short.append((len(ids), whole[0], anchor_hash(text), whole[1]))
            ids.append(str(item_id))
        sets = _drop_common(sets, common_df)
        offsets = np.zeros(len(sets) + 1, dtype=np.int64)
        np.cumsum([len(s) for s in sets], out=offsets[1:])
        hashes = np.concatenate(sets) if sets else np.zeros(0, dtype=np.uint64)
        return cls(name, n, tuple(ids), hashes.astype(np.uint64), offsets, common_df, source_sha256,
                   np.array([item for item, _, _, _ in short], dtype=np.int32),
                   np.array([value for _, value, _, _ in short], dtype=np.uint64),
                   np.array([anchor for _, _, anchor, _ in short], dtype=np.uint64),
                   np.array([length for _, _, _, length in short], dtype=np.int32),
                   *_concatenated(numbers))

    def save(self, path: Path) -> None:
        meta = {"format": FORMAT, "name": self.name, "n": self.n, "normaliser": NORMALISER_VERSION,
                "hash": HASH_VERSION, "common_df": self.common_df, "source_sha256": self.source_sha256,
                "items": len(self.ids)}
        with path.open("wb") as handle:
            np.savez_compressed(handle, hashes=self.hashes, offsets=self.offsets,
                                ids=np.array(self.ids, dtype=np.str_), meta=np.array(json.dumps(meta)),
                                short_items=self.short_items, short_hashes=self.short_hashes,
                                short_anchors=self.short_anchors, short_lengths=self.short_lengths,
                                number_hashes=self.number_hashes, number_offsets=self.number_offsets)

    @classmethod
    def load(cls, path: Path) -> FingerprintIndex:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            if meta.get("format") != FORMAT or meta.get("normaliser") != NORMALISER_VERSION \
                    or meta.get("hash") != HASH_VERSION:
                raise ValueError(f"{path}: not a fingerprint index this reasonlint reads "
                                 f"(format {meta.get('format')!r}, normaliser {meta.get('normaliser')!r}); "
                                 "rebuild it with `reasonlint fingerprints build`")
            return cls(meta["name"], int(meta["n"]), tuple(str(i) for i in data["ids"]),
                       data["hashes"].astype(np.uint64), data["offsets"].astype(np.int64),
                       int(meta["common_df"]), str(meta["source_sha256"]), data["short_items"].astype(np.int32),
                       data["short_hashes"].astype(np.uint64), data["short_anchors"].astype(np.uint64),
                       data["short_lengths"].astype(np.int32), data["number_hashes"].astype(np.uint64),
                       data["number_offsets"].astype(np.int64))

    def item_sets(self) -> list[Hashes]:
        return [self.hashes[a:b] for a, b in zip(self.offsets[:-1], self.offsets[1:], strict=True)]

    def item_numbers(self) -> list[Hashes]:
        return [self.number_hashes[a:b]
                for a, b in zip(self.number_offsets[:-1], self.number_offsets[1:], strict=True)]


def _concatenated(sets: Sequence[Hashes]) -> tuple[Hashes, npt.NDArray[np.int64]]:
    """Sets as one array and the offsets of their runs."""
    offsets = np.zeros(len(sets) + 1, dtype=np.int64)
    np.cumsum([len(s) for s in sets], out=offsets[1:])
    flat = np.concatenate(sets).astype(np.uint64) if sets else np.zeros(0, dtype=np.uint64)
    return flat, offsets


def _drop_common(sets: Sequence[Hashes], common_df: int) -> list[Hashes]:
    """Each set without the hashes found in `common_df` or more of the sets."""
    if not sets:
        return []
    values, counts = np.unique(np.concatenate(sets), return_counts=True)
    common = values[counts >= common_df]
    if not len(common):
        return list(sets)
    return [s[~np.isin(s, common, assume_unique=True)] for s in sets]


@dataclass(frozen=True, slots=True)
class Match:
    """The item a text covers best: `coverage` of its `size` informative n-grams were found
    (`matched`), between bytes `start` and `stop` of the text's UTF-8 encoding; `whole` when
    a short item was found whole with its numbers (then `size` counts its tokens)."""

    benchmark: str
    item: str
    coverage: float
    matched: int
    size: int
    start: int
    stop: int
    whole: bool = False
    numbers: int = 0  # the item's distinct numbers
    numbers_found: int = 0  # how many of them the text holds

    @property
    def renumbered(self) -> bool:
        """The text has the item's words but not its numbers: fewer than half of two or more."""
        return not self.whole and self.numbers >= 2 and 2 * self.numbers_found < self.numbers


class Matcher:
    """All items of a set of indexes that share one `n`, as one sorted hash array with each
    hash's item number, for vectorised lookup (searchsorted, then a bincount per item)."""

    def __init__(self, indexes: Sequence[FingerprintIndex]) -> None:
        self.n = indexes[0].n
        common_df = min(index.common_df for index in indexes)
        self.names: list[str] = []
        self.ids: list[str] = []
        self.numbers: list[Hashes] = []
        sets: list[Hashes] = []
        short_owners: list[npt.NDArray[np.int32]] = []
        for index in indexes:
            short_owners.append(index.short_items + np.int32(len(self.ids)))
            self.names.extend([index.name] * len(index.ids))
            self.ids.extend(index.ids)
            sets.extend(index.item_sets())
            self.numbers.extend(index.item_numbers())
        self.short = ShortItems(np.concatenate([index.short_hashes for index in indexes]),
                                np.concatenate([index.short_anchors for index in indexes]),
                                np.concatenate([index.short_lengths for index in indexes]),
                                np.concatenate(short_owners))
        self.sets = _drop_common(sets, common_df)
        self.sizes = np.array([len(s) for s in self.sets], dtype=np.int64)
        owners = np.repeat(np.arange(len(self.sets), dtype=np.int32), self.sizes)
        flat = np.concatenate(self.sets) if self.sets else np.zeros(0, dtype=np.uint64)
        order = np.argsort(flat, kind="stable")
        self.hashes = flat[order]
        self.owners = owners[order]
        # A 4 MiB presence table on the top 22 bits: most of a row's n-grams are in no
        # item and are dismissed by one gather, before any binary search.
        self.present = np.zeros(1 << _TABLE_BITS, dtype=bool)
        self.present[self.hashes >> np.uint64(64 - _TABLE_BITS)] = True

    def match(self, data: bytes, *, min_coverage: float, min_matches: int) -> Match | None:
        """The item with the highest coverage at or above `min_coverage` (and at least
        `min_matches` n-grams) in UTF-8 `data`, else a short item found whole, or None."""
        tokens = normal_tokens(data[:MAX_BYTES])
        found = self._by_ngrams(data[:MAX_BYTES], tokens, min_coverage, min_matches)
        if found is not None or not len(self.short):
            return found
        whole = self.short.find(tokens)
        if whole is None:
            return None
        last = whole.first + whole.length - 1
        return Match(self.names[whole.owner], self.ids[whole.owner], 1.0, whole.length, whole.length,
                     int(tokens.starts[whole.first]), int(tokens.ends[last]), whole=True)

    def _by_ngrams(self, data: bytes, tokens: Tokens, min_coverage: float, min_matches: int) -> Match | None:
        if not len(self.hashes):
            return None
        grams = grams_from_tokens(data, tokens, self.n)
        if len(grams.hashes) < min_matches:
            return None
        maybe = grams.hashes[self.present[grams.hashes >> np.uint64(64 - _TABLE_BITS)]]
        if len(maybe) < min_matches:
            return None
        found = np.searchsorted(self.hashes, maybe)
        found[found == len(self.hashes)] = 0
        hit = self.hashes[found] == maybe
        if np.count_nonzero(hit) < min_matches:
            return None
        queries = np.unique(maybe[hit])
        low = np.searchsorted(self.hashes, queries, "left")
        high = np.searchsorted(self.hashes, queries, "right")
        spans = high - low
        # Every (query, item) pair: position low[q] + k for k < spans[q].
        positions = np.repeat(low - np.cumsum(spans) + spans, spans) + np.arange(spans.sum())
        items, counts = np.unique(self.owners[positions], return_counts=True)
        coverage = counts / self.sizes[items]
        good = (coverage >= min_coverage) & (counts >= min_matches)
        if not good.any():
            return None
        candidates = np.flatnonzero(good)
        best = candidates[np.lexsort((-counts[candidates], -coverage[candidates]))[0]]
        item = int(items[best])
        inside = np.flatnonzero(np.isin(grams.hashes, self.sets[item]))
        numbers = self.numbers[item]
        found = int(np.count_nonzero(np.isin(numbers, number_hashes(data, tokens)))) if len(numbers) else 0
        return Match(self.names[item], self.ids[item], float(coverage[best]), int(counts[best]),
                     int(self.sizes[item]), int(grams.starts[inside[0]]), int(grams.ends[inside[-1]]),
                     numbers=len(numbers), numbers_found=found)


class MatcherSet:
    """The matchers of the indexes a run uses, one per n-gram size."""

    def __init__(self, indexes: Sequence[FingerprintIndex]) -> None:
        by_n: dict[int, list[FingerprintIndex]] = {}
        for index in indexes:
            by_n.setdefault(index.n, []).append(index)
        self.matchers = [Matcher(group) for group in by_n.values()]

    def match(self, text: str, *, min_coverage: float, min_matches: int) -> Match | None:
        data = text.encode("utf-8", "surrogatepass")
        found = [m.match(data, min_coverage=min_coverage, min_matches=min_matches) for m in self.matchers]
        matches = [m for m in found if m is not None]
        return max(matches, key=lambda m: (m.coverage, m.matched)) if matches else None


def shipped_dir() -> Path:
    from importlib import resources

    return Path(str(resources.files("reasonlint") / "data" / "fingerprints"))


def shipped_names() -> list[str]:
    return sorted(path.stem for path in shipped_dir().glob("*.npz"))


def is_index_path(name: str) -> bool:
    """Whether a `benchmarks` entry names an index file rather than a shipped index."""
    return "/" in name or name.endswith(".npz")


def resolve(benchmarks: Sequence[str]) -> tuple[str, ...]:
    """Index paths for `benchmarks` (shipped names or paths to `.npz` files; empty: every
    shipped index), resolved so that equal selections share one loaded matcher. Checks
    call this for every row: the file system is asked once per selection."""
    return _resolve(tuple(benchmarks))


@cache
def _resolve(benchmarks: tuple[str, ...]) -> tuple[str, ...]:
    names = list(benchmarks) or shipped_names()
    paths = []
    for name in names:
        path = Path(name) if is_index_path(name) else shipped_dir() / f"{name}.npz"
        if not path.is_file():
            raise ValueError(f"benchmark {name!r} is neither a shipped index ({', '.join(shipped_names())}) "
                             "nor an index file")
        paths.append(str(path.resolve()))
    return tuple(sorted(set(paths)))


@cache
def matcher_for(paths: tuple[str, ...]) -> MatcherSet:
    """Load the indexes once per process, on first use."""
    return MatcherSet([FingerprintIndex.load(Path(path)) for path in paths])
