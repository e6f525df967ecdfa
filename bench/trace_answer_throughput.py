"""Rows/s of the trace and answer rules, with answer verification on every row, beside a
plain loop of math-verify over the same (gold, answer) pairs on one core.

Why: ANS004/ANS005 compare every answer with the reference. math-verify alone runs a few
hundred to a thousand simple items/s on one core, so verification must not cost more than
that loop; the exact fast paths (same normalized text, numbers as decimals) decide most
rows without sympy, and the rest go to math-verify processes in batches.
Target: at least 1,000 rows/s on a 2-core machine for `--select trace,answer`.

What it does:
1. Writes a seeded synthetic dataset of `--rows` rows of about 8 KB as JSONL under `--out`:
   `question`, `response` = `<think>` trace + an answer ending in `\\boxed{…}`, and a
   `reference` column. Answers: 70% integers (some with a leading zero), 15% fractions (half
   as `\\dfrac`, half as `a/b`, which only math-verify equates), 10% other LaTeX (roots, pi,
   powers), 5% wrong or malformed (a wrong value, an unclosed `\\boxed{`, no answer).
2. Runs `python -m reasonlint check DIR --select trace,answer --output-format json
   --exit-zero --jobs J` for each J in `--jobs` (whatever trace rules exist at the time),
   and reports wall time, rows/s and the findings per code.
3. Runs `math_verify.verify(parse(gold), parse(answer))` over the same pairs in this
   process (one core), on the first `--mv-pairs` rows, and reports items/s and the time
   the whole dataset would take that way.

Run: python bench/trace_answer_throughput.py [--rows 100000] [--jobs 1 2] [--keep-data]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

WORDS = ("we", "consider", "the", "sum", "of", "both", "terms", "then", "divide", "by", "two", "so",
         "that", "each", "side", "is", "equal", "wait", "let", "me", "check", "again", "carefully",
         "factor", "expand", "substitute", "value", "into", "equation", "which", "gives", "result")


def _answer(rng: random.Random) -> tuple[str, str, str]:
    """(reference, boxed text in the response, kind)."""
    roll = rng.random()
    n = rng.randint(1, 9999)
    if roll < 0.70:
        gold = str(n)
        return gold, (f"0{gold}" if rng.random() < 0.05 else gold), "int"
    if roll < 0.85:
        a, b = rng.randint(1, 99), rng.randint(2, 99)
        shown = f"\\dfrac{{{a}}}{{{b}}}" if rng.random() < 0.5 else f"{a}/{b}"
        return f"\\frac{{{a}}}{{{b}}}", shown, "fraction"
    if roll < 0.95:
        k = rng.randint(2, 50)
        gold = rng.choice([f"{k}\\sqrt{{2}}", f"{k}\\pi", f"2^{{{k}}}", f"\\sqrt{{{k * k + 1}}}"])
        return gold, gold.replace("\\sqrt{2}", "\\sqrt 2"), "latex"
    bad = rng.random()
    if bad < 0.5:
        return str(n), str(n + 1), "wrong"
    if bad < 0.8:
        return str(n), f"{n}", "unclosed"
    return str(n), "", "missing"


def _trace(rng: random.Random, size: int) -> str:
    sentences = []
    length = 0
    while length < size:
        sentence = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 18))).capitalize() + "."
        sentences.append(sentence)
        length += len(sentence) + 1
    return " ".join(sentences)


def write_dataset(folder: Path, rows: int, seed: int) -> tuple[list[tuple[str, str]], Counter[str]]:
    """Write `rows` rows; return the (gold, boxed answer) pairs and the kinds written."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    pairs: list[tuple[str, str]] = []
    kinds: Counter[str] = Counter()
    # A pool of traces keeps generation fast; each row still gets its own mix.
    traces = [_trace(rng, 7400) for _ in range(64)]
    with (folder / "train.jsonl").open("w", encoding="utf-8") as out:
        for index in range(rows):
            gold, shown, kind = _answer(rng)
            kinds[kind] += 1
            ending = {"unclosed": f"so the answer is \\boxed{{{shown}",
                      "missing": "so the answer follows from the above"}.get(
                kind, f"so the answer is \\boxed{{{shown}}}.")
            response = f"<think>\n{traces[index % 64]}\n</think>\n\nSumming up, {ending}"
            out.write(json.dumps({"question": f"Problem {index}: compute the value of expression {n_words(rng)}.",
                                  "response": response, "reference": gold}) + "\n")
            pairs.append((gold, shown))
    return pairs, kinds


def n_words(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(12))


def run_engine(folder: Path, jobs: int) -> tuple[float, dict[str, object]]:
    command = [sys.executable, "-m", "reasonlint", "check", str(folder), "--select", "trace,answer",
               "--output-format", "json", "--exit-zero", "--jobs", str(jobs)]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if not result.stdout:
        raise SystemExit(f"reasonlint failed:\n{result.stderr[-2000:]}")
    return elapsed, json.loads(result.stdout)


def plain_math_verify(pairs: list[tuple[str, str]]) -> float:
    """Items/s of math-verify alone on one core (import and warm-up not counted)."""
    from math_verify import parse, verify

    verify(parse("\\boxed{1}"), parse("\\boxed{1}"))
    started = time.perf_counter()
    for gold, answer in pairs:
        verify(parse(f"\\boxed{{{gold}}}"), parse(f"\\boxed{{{answer}}}"))
    return len(pairs) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--mv-pairs", type=int, default=5_000, help="pairs for the plain math-verify loop")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out")
    parser.add_argument("--keep-data", action="store_true")
    args = parser.parse_args()

    folder = args.out / f"trace_answer_{args.rows}_{args.seed}"
    started = time.perf_counter()
    pairs, kinds = write_dataset(folder, args.rows, args.seed)
    size = (folder / "train.jsonl").stat().st_size
    print(f"dataset: {args.rows:,} rows, {size / 2**20:,.0f} MiB ({size / args.rows / 1024:.1f} KB/row), "
          f"written in {time.perf_counter() - started:.1f} s; answers: "
          + ", ".join(f"{kind} {count}" for kind, count in kinds.most_common()))
    print(f"machine: {os.cpu_count()} cores")
    try:
        for jobs in args.jobs:
            elapsed, report = run_engine(folder, jobs)
            run_info = report.get("run", {})
            findings = report.get("findings", [])
            assert isinstance(run_info, dict) and isinstance(findings, list)
            codes = Counter(str(finding["code"]) for finding in findings)
            print(f"reasonlint --select trace,answer --jobs {jobs}: {elapsed:7.1f} s  "
                  f"{args.rows / elapsed:8,.0f} rows/s  (rows read {run_info.get('rows_read')}; findings "
                  + ", ".join(f"{code} {count}" for code, count in sorted(codes.items())) + ")")
        sample = [pair for pair in pairs if pair[1]][: args.mv_pairs]
        rate = plain_math_verify(sample)
        print(f"plain math-verify loop, 1 core: {rate:8,.0f} items/s on {len(sample):,} pairs "
              f"(all {args.rows:,} rows: {args.rows / rate:.0f} s)")
    finally:
        if not args.keep_data:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
