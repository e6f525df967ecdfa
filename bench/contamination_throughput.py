"""Contamination pass vs an open-r1-style 8-gram decontamination, on one synthetic corpus.

Rows are ~14 KB of seeded, generated math-like text; one row in 20 has a benchmark item
planted in its middle, in one of six disguises (verbatim, prefixed, quoted, reformatted,
changed numbers, shuffled options for GPQA). Both passes run on one core over the same
texts: ours is `MatcherSet.match` (what CON001/CON002 call) against every shipped index;
the peer lowercases, splits on whitespace and looks every 8-gram string up in a Python set
built from the same benchmark texts (any overlap flags the row). Benchmark texts are read
from ../shared/benchmarks at run time.

    python bench/contamination_throughput.py --rows 20000
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reasonlint.contamination.index import matcher_for, resolve  # noqa: E402
from tests.contamination.disguises import DISGUISES, clean_problem, filler, load_items, shuffled_options  # noqa: E402

ROW_BYTES = 14_000


def corpus(rows: int, seed: int) -> tuple[list[str], dict[int, tuple[str, str]]]:
    """The texts, and for each planted row its (benchmark, disguise)."""
    rng = random.Random(seed)
    items = [(bench, text) for bench, texts in load_items().items() for text in texts]
    disguises = {**DISGUISES, "shuffled options": shuffled_options}
    texts: list[str] = []
    planted: dict[int, tuple[str, str]] = {}
    for row in range(rows):
        parts = [clean_problem(rng)]
        size = len(parts[0])
        while size < ROW_BYTES:
            parts.append(filler(rng, 8))
            size += len(parts[-1])
        if row % 20 == 7:
            name = list(disguises)[(row // 20) % len(disguises)]
            bench, text = rng.choice([i for i in items if name != "shuffled options" or i[0] == "gpqa_diamond"])
            parts.insert(len(parts) // 2, disguises[name](text, rng))
            planted[row] = (bench, name)
        texts.append("\n".join(parts))
    return texts, planted


def eight_gram_set(n: int = 8) -> set[str]:
    grams: set[str] = set()
    for texts in load_items().values():
        for text in texts:
            words = text.lower().split()
            grams.update(" ".join(words[i: i + n]) for i in range(len(words) - n + 1))
    return grams


def peer_flags(text: str, grams: set[str], n: int = 8) -> bool:
    words = text.lower().split()
    return not grams.isdisjoint({" ".join(words[i: i + n]) for i in range(len(words) - n + 1)})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    texts, planted = corpus(args.rows, args.seed)
    megabytes = sum(len(t) for t in texts) / 1e6
    print(f"{len(texts):,} rows, {megabytes:,.0f} MB, {len(planted)} planted")

    start = time.perf_counter()
    matcher = matcher_for(resolve([]))
    setup_ours = time.perf_counter() - start
    start = time.perf_counter()
    ours = [matcher.match(t, min_coverage=0.5, min_matches=6) for t in texts]
    time_ours = time.perf_counter() - start

    start = time.perf_counter()
    grams = eight_gram_set()
    setup_peer = time.perf_counter() - start
    start = time.perf_counter()
    peer = [peer_flags(t, grams) for t in texts]
    time_peer = time.perf_counter() - start

    print(f"{'':18s} {'rows/s':>8s} {'setup s':>8s} {'recall':>7s} {'false +':>8s}")
    for label, flags, seconds, setup in (
            ("reasonlint", [m is not None and (i not in planted or m.benchmark == planted[i][0])
                            for i, m in enumerate(ours)], time_ours, setup_ours),
            ("8-gram set", peer, time_peer, setup_peer)):
        recall = sum(flags[i] for i in planted) / len(planted)
        false = sum(f for i, f in enumerate(flags) if i not in planted)
        print(f"{label:18s} {len(texts) / seconds:8,.0f} {setup:8.2f} {recall:7.3f} {false:8d}")
    print("recall per disguise (reasonlint / 8-gram set):")
    names = sorted({name for _, name in planted.values()})
    for name in names:
        rows = [i for i, (_, disguise) in planted.items() if disguise == name]
        ok = sum(ours[i] is not None and ours[i].benchmark == planted[i][0] for i in rows)  # type: ignore[union-attr]
        print(f"  {name:17s} {ok / len(rows):.3f} / {sum(peer[i] for i in rows) / len(rows):.3f} ({len(rows)} rows)")


if __name__ == "__main__":
    main()
