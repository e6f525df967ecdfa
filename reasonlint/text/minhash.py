"""MinHash signatures and LSH banding over word n-gram shingles, for near-duplicate search.

A text's shingles are the hashes of its word 5-grams (`reasonlint.text.ngrams`, casefolded
bytes); its signature is, for each of `num_perm` universal hash functions `a*x + b` (mod
2**64, top 32 bits kept: multiply-shift hashing), the minimum over the shingles. Two
signatures agree in a position with probability equal to the Jaccard similarity of the
shingle sets. The work is a few numpy passes over a (permutations x shingles) block, with
no Python per shingle, which is where datasketch spends its time.

LSH cuts the signature into `bands` of `rows` values and hashes each band to one 64-bit key;
texts that share any band key are candidate pairs. Only the band keys need keeping per row
(9 to 11 x 8 bytes at a 0.8 threshold), not the signature or the text.

Cost is bounded: only the first `max_chars` characters are shingled (64 K by default, about
10,000 shingles), so a 5 MB trace costs what a 64 KB one does; two texts that agree on
their first 64 K characters are near duplicates for this purpose.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np
import numpy.typing as npt

from reasonlint.text.ngrams import Hashes, Tokens, ngram_hashes, tokens_of

Signature = npt.NDArray[np.uint32]
Indices = npt.NDArray[np.intp]
_BLOCK = 1024  # shingles per block: keeps the (permutations x block) array in cache
_MIX_A = np.uint64(0xBF58476D1CE4E5B9)
_MIX_B = np.uint64(0x94D049BB133111EB)


@cache
def optimal_bands(threshold: float, num_perm: int, weights: tuple[float, float] = (0.5, 0.5)) -> tuple[int, int]:
    """(bands, rows) with bands * rows <= num_perm that minimise the weighted sum of the
    false-positive area (below `threshold`) and the false-negative area (above it) of the
    S-curve `1 - (1 - s**rows)**bands`: datasketch's choice, so both find the same pairs."""
    best = (1, 1)
    best_error = float("inf")
    below = np.linspace(0.0, threshold, 2001)
    above = np.linspace(threshold, 1.0, 2001)
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            false_positive = np.trapezoid(1 - (1 - below**rows) ** bands, below)
            false_negative = np.trapezoid((1 - above**rows) ** bands, above)
            error = float(weights[0] * false_positive + weights[1] * false_negative)
            if error < best_error:
                best_error, best = error, (bands, rows)
    return best


class MinHasher:
    """Signatures over word `ngram`-grams with `num_perm` seeded permutations."""

    def __init__(self, num_perm: int = 128, ngram: int = 5, *, seed: int = 1, max_chars: int = 65536) -> None:
        self.num_perm = num_perm
        self.ngram = ngram
        self.max_chars = max_chars
        self._a, self._b = _permutations(num_perm, seed)
        # Reused for every block: a fresh (permutations x block) array per text costs more in
        # page faults than the arithmetic does.
        self._buffer = np.empty((num_perm, _BLOCK), dtype=np.uint64)

    def shingles(self, text: str) -> Hashes:
        """The n-gram hashes of the casefolded text (one shingle for a text shorter than n words)."""
        tokens = tokens_of(text[: self.max_chars].casefold().encode("utf-8", "surrogatepass"))
        owner = np.zeros(len(tokens), dtype=np.intp)
        return self._shingles(tokens, owner, np.array([len(tokens)]))[0]

    def signature(self, text: str) -> Signature | None:
        """The MinHash signature of `text`, or None when it has no words."""
        signatures, has_words = self.signatures([text])
        return signatures[0] if has_words[0] else None

    def signatures(self, texts: Sequence[str]) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.bool_]]:
        """The signatures of many texts at once, one row each, and which texts have words
        (a text without any has a meaningless row). The texts are joined into one byte
        string and go through each numpy pass together: per text, a pass costs more in
        call overhead than in arithmetic for anything shorter than a few kilobytes."""
        parts = [text[: self.max_chars].casefold().encode("utf-8", "surrogatepass") for text in texts]
        # A newline between texts: whitespace, so no token spans two texts.
        begins = np.cumsum([0] + [len(part) + 1 for part in parts[:-1]], dtype=np.intp)
        tokens = tokens_of(b"\n".join(parts))
        owner = np.searchsorted(begins, tokens.starts, side="right") - 1
        counts = np.bincount(owner, minlength=len(parts))
        shingles, shingle_owner = self._shingles(tokens, owner, counts)
        minimum = np.full((self.num_perm, len(parts)), np.iinfo(np.uint64).max, dtype=np.uint64)
        a, b = self._a[:, None], self._b[:, None]
        with np.errstate(over="ignore"):
            for start in range(0, len(shingles), _BLOCK):
                part = shingles[None, start: start + _BLOCK]
                block = self._buffer[:, : part.shape[1]]
                np.multiply(a, part, out=block)
                np.add(block, b, out=block)
                # Shingles are grouped by text: take each text's minimum within the block.
                owners = shingle_owner[start: start + _BLOCK]
                firsts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
                ids = owners[firsts]
                minimum[:, ids] = np.minimum(minimum[:, ids], np.minimum.reduceat(block, firsts, axis=1))
        return (minimum >> np.uint64(32)).astype(np.uint32).T, counts > 0

    def _shingles(self, tokens: Tokens, owner: Indices,
                  counts: Indices) -> tuple[Hashes, Indices]:
        """Every text's n-gram hashes, grouped by text, with the text of each; a text of
        fewer than n words (but some) has one shingle, its whole run of words."""
        n = self.ngram
        grams = ngram_hashes(tokens, n)
        within = owner[: len(grams)] == owner[n - 1:] if len(grams) else np.zeros(0, dtype=bool)
        shingles, shingle_owner = [grams[within]], [owner[: len(grams)][within]]
        firsts = np.cumsum(counts) - counts
        for text in np.flatnonzero((counts > 0) & (counts < n)).tolist():
            span = slice(int(firsts[text]), int(firsts[text] + counts[text]))
            short = Tokens(tokens.hashes[span], tokens.starts[span], tokens.ends[span])
            shingles.append(ngram_hashes(short, len(short)))
            shingle_owner.append(np.array([text], dtype=np.intp))
        joined_owner = np.concatenate(shingle_owner)
        order = np.argsort(joined_owner, kind="stable")
        return np.concatenate(shingles)[order], joined_owner[order]


def signature_keys(signatures: npt.NDArray[np.uint32]) -> Hashes:
    """A 64-bit key per signature (row): texts with the same shingles share it and can
    stand for each other, e.g. in the LSH buckets."""
    return band_keys(signatures, 1, signatures.shape[-1])[..., 0]


def band_keys(signatures: Signature, bands: int, rows: int) -> Hashes:
    """One 64-bit key per band (per row of `signatures` when it is a matrix): a seeded linear
    hash of the band's values, mixed with the band index and finalised (splitmix64), so
    equal bands of different index never meet."""
    weights, offsets = _band_weights(rows, bands)
    values = signatures[..., : bands * rows].reshape(*signatures.shape[:-1], bands, rows).astype(np.uint64)
    with np.errstate(over="ignore"):
        keys = (values * weights).sum(axis=-1, dtype=np.uint64) + offsets
        keys ^= keys >> np.uint64(30)
        keys *= _MIX_A
        keys ^= keys >> np.uint64(27)
        keys *= _MIX_B
        keys ^= keys >> np.uint64(31)
    return keys


def candidate_pairs(keys: Hashes) -> npt.NDArray[np.int64]:
    """Pairs `(first, other)` of rows (indices into `keys`, shape rows x bands) that share a
    band key, as an (m, 2) array without repeats. Each bucket pairs its first row with every
    other one rather than all pairs: linear in the bucket's size, and a cluster stays
    connected through its first member."""
    count, bands = keys.shape if keys.ndim == 2 else (0, 0)
    found: list[npt.NDArray[np.int64]] = []
    for band in range(bands):
        order = np.argsort(keys[:, band], kind="stable")
        ordered = keys[order, band]
        starts = np.ones(count, dtype=bool)
        starts[1:] = ordered[1:] != ordered[:-1]
        group_first = order[np.maximum.accumulate(np.where(starts, np.arange(count), 0))]
        members = ~starts
        if members.any():
            found.append(np.stack([group_first[members], order[members]], axis=1).astype(np.int64))
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = np.concatenate(found)
    pairs.sort(axis=1)
    return np.unique(pairs, axis=0)


def estimated_jaccard(a: Signature, b: Signature) -> float:
    """The share of positions where two signatures agree: an estimate of the Jaccard similarity."""
    return float(np.mean(a == b))


@cache
def _permutations(num_perm: int, seed: int) -> tuple[Hashes, Hashes]:
    generator = np.random.default_rng(seed)
    high = np.iinfo(np.uint64).max
    a = generator.integers(1, high, size=num_perm, dtype=np.uint64, endpoint=True) | np.uint64(1)
    b = generator.integers(0, high, size=num_perm, dtype=np.uint64, endpoint=True)
    return a, b


@cache
def _band_weights(rows: int, bands: int) -> tuple[Hashes, Hashes]:
    generator = np.random.default_rng(0x5EED)
    high = np.iinfo(np.uint64).max
    weights = generator.integers(1, high, size=rows, dtype=np.uint64, endpoint=True) | np.uint64(1)
    offsets = generator.integers(0, high, size=bands, dtype=np.uint64, endpoint=True)
    return weights, offsets
