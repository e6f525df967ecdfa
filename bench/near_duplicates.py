"""Near-duplicate search: reasonlint's MinHash LSH pass (DUP006's functions and parameters)
against datasketch's MinHashLSH, on one synthetic corpus with planted near-duplicate pairs.

    python bench/near_duplicates.py               # 50,000 docs of ~14 KB
    python bench/near_duplicates.py --docs 5000   # a quick try

Docs are words drawn (Zipf-like) from a seeded vocabulary; a planted pair copies a doc and
replaces 5-10% of its words in bursts of 1-12 words (scattered single-word edits would put
5-gram Jaccard far below 0.8 for both tools). Recall is measured on all planted pairs and
on those whose exact 5-gram Jaccard is at least 0.8, the threshold both tools are tuned for;
precision over the pairs each tool reports. datasketch is not a reasonlint dependency:
`pip install datasketch` to run the comparison (without it only our pass runs).
"""

from __future__ import annotations

import argparse
import random
import time

import numpy as np

from reasonlint.checks.dedup import BATCH, CONFIRM_CHARS, LSH_WEIGHTS, confirm, lsh_candidates, stars
from reasonlint.text.minhash import MinHasher, band_keys, optimal_bands, signature_keys
from reasonlint.text.normalise import fold

THRESHOLD, NUM_PERM, NGRAM, MIN_RATIO = 0.8, 128, 5, 90.0
ROW_STATE_BYTES = 11 * 8 + 8 + 26  # band keys, exact key, location table (see reasonlint/checks/dedup.py)


def corpus(docs: int, words: int, pairs: int, seed: int) -> tuple[list[str], list[tuple[int, int]]]:
    rng = random.Random(seed)
    vocabulary = [f"{rng.choice('bcdfghklmnprstvz')}{rng.choice('aeiou')}{index}" for index in range(20000)]
    weights = [1 / (rank + 10) for rank in range(len(vocabulary))]
    texts = [" ".join(rng.choices(vocabulary, weights, k=words)) for _ in range(docs - pairs)]
    planted = []
    for source in rng.sample(range(len(texts)), pairs):
        copy = texts[source].split()
        budget = int(len(copy) * rng.uniform(0.05, 0.10))
        while budget > 0:
            run = min(budget, rng.randint(1, 12))
            start = rng.randrange(len(copy) - run)
            copy[start: start + run] = rng.choices(vocabulary, weights, k=run)
            budget -= run
        texts.append(" ".join(copy))
        planted.append((source, len(texts) - 1))
    return texts, planted


def ours(texts: list[str]) -> tuple[set[tuple[int, int]], float]:
    started = time.perf_counter()
    hasher = MinHasher(NUM_PERM, NGRAM)
    bands, rows = optimal_bands(THRESHOLD, NUM_PERM, LSH_WEIGHTS)
    keys = np.zeros((len(texts), bands), dtype=np.uint64)
    exact = np.zeros(len(texts), dtype=np.uint64)
    for start in range(0, len(texts), BATCH):  # signed in batches, as the rule does
        signatures, _ = hasher.signatures(texts[start: start + BATCH])
        keys[start: start + len(signatures)] = band_keys(signatures, bands, rows)
        exact[start: start + len(signatures)] = signature_keys(signatures)
    candidates = lsh_candidates(keys, exact)
    wanted = {index for pair in candidates for index in pair}
    folded = {index: fold(texts[index][:CONFIRM_CHARS]) for index in wanted}  # the rule's revisit
    found = set()
    for group in stars(confirm(candidates, folded, MIN_RATIO)):
        found.update((group[0], other) for other in group[1:])
    return found, time.perf_counter() - started


def theirs(texts: list[str]) -> tuple[set[tuple[int, int]], float]:
    from datasketch import MinHash, MinHashLSH

    started = time.perf_counter()
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    found = set()
    for index, text in enumerate(texts):
        words = text.split()
        shingles = [" ".join(words[i: i + NGRAM]).encode() for i in range(max(len(words) - NGRAM + 1, 1))]
        signature = MinHash(num_perm=NUM_PERM)
        signature.update_batch(shingles)
        found.update((other, index) for other in lsh.query(signature))
        lsh.insert(index, signature)
    return found, time.perf_counter() - started


def jaccard(hasher: MinHasher, a: str, b: str) -> float:
    left, right = set(hasher.shingles(a).tolist()), set(hasher.shingles(b).tolist())
    return len(left & right) / len(left | right)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=50_000)
    parser.add_argument("--words", type=int, default=2_000, help="words per doc (~14 KB at 2,000)")
    parser.add_argument("--pairs", type=int, default=0, help="planted pairs (default: 1%% of docs)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    pairs = args.pairs or max(args.docs // 100, 10)
    texts, planted = corpus(args.docs, args.words, pairs, args.seed)
    hasher = MinHasher(NUM_PERM, NGRAM)
    above = {pair for pair in planted if jaccard(hasher, texts[pair[0]], texts[pair[1]]) >= THRESHOLD}
    size = sum(len(text) for text in texts) / len(texts)
    print(f"corpus: {len(texts):,} docs, mean {size / 1024:.1f} KB, {len(planted)} planted pairs "
          f"({len(above)} with 5-gram Jaccard >= {THRESHOLD})")
    runs = [("reasonlint", ours)]
    try:
        import datasketch  # noqa: F401

        runs.append(("datasketch", theirs))
    except ImportError:
        print("datasketch is not installed (pip install datasketch): only reasonlint runs")
    planted_set = set(planted)
    speeds = {}
    for name, run in runs:
        found, seconds = run(texts)
        true = found & planted_set
        speeds[name] = len(texts) / seconds
        print(f"{name:>11}: {seconds:7.1f} s, {speeds[name]:8,.0f} docs/s, recall {len(true) / len(planted):.3f} "
              f"(>= {THRESHOLD}: {len(true & above) / max(len(above), 1):.3f}), "
              f"precision {len(true) / max(len(found), 1):.3f} ({len(found)} pairs)")
    if len(speeds) == 2:
        print(f"speed-up: {speeds['reasonlint'] / speeds['datasketch']:.1f}x")
    print(f"state: {ROW_STATE_BYTES} bytes/row, {ROW_STATE_BYTES * 1_000_000 / 2**20:.0f} MiB for 1M rows "
          "(+ the candidate rows' folded texts during confirmation)")


if __name__ == "__main__":
    main()
