"""A pull request that appends 100 rows to a 200k-row JSONL: `--since` against a full run,
and a second full run over a warm cache.

Why: issue 8 asks that such a pull request be checked with `--since` at least 20x faster
than the full run, with the same findings on the new rows; and that a second run over
unchanged data skip the row work (the cache).

What it does:
1. Writes a seeded synthetic reasoning dataset (`question`, a varied 300-700 byte
   `reasoning`, `answer`) of `--rows` rows to `train.jsonl` in a temporary git repository and
   commits it; then appends `--new` rows, one in four with a defect (an empty trace, an
   unclosed `<think>`, a missing answer), and commits again.
2. For `--jobs 1` and the default jobs: a full run (`check <repo> --output-format json`, the
   default rules, an empty cache folder) and a `--since HEAD~1` run, each a child process as a
   user runs it; wall times and their ratio.
3. The full run again, over the cache the first full run wrote (default jobs).
4. Checks: the findings located on the new rows (line > rows) are the same in the full run and
   the `--since` run; the `--since` run reports nothing on old rows; both read the same row
   count; the warm run's report equals the cold one's.

Run: python bench/incremental.py [--rows 200000] [--new 100]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TARGET = 20.0
WORDS = ("we add the two numbers then check the sum so the result is first next carry digit "
         "multiply divide subtract value total answer step verify again therefore").split()


def row(rng: random.Random, index: int, defect: str | None = None) -> dict[str, str]:
    a, b = rng.randint(1, 9999), rng.randint(1, 9999)
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(50, 110)))
    reasoning = f"<think>{words}. {a} + {b} = {a + b}.</think>"
    answer = str(a + b)
    if defect == "empty":
        reasoning = ""
    elif defect == "unclosed":
        reasoning = reasoning.removesuffix("</think>")
    elif defect == "no-answer":
        answer = ""
    return {"question": f"Item {index}: what is {a} + {b}?", "reasoning": reasoning, "answer": answer}


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def make_repository(repo: Path, rows: int, new: int, seed: int) -> None:
    rng = random.Random(seed)
    data = repo / "train.jsonl"
    with data.open("w", encoding="utf-8") as out:
        for index in range(rows):
            out.write(json.dumps(row(rng, index)) + "\n")
    git(repo, "init", "-q")
    git(repo, "-c", "user.name=bench", "-c", "user.email=bench@example.invalid", "add", "train.jsonl")
    git(repo, "-c", "user.name=bench", "-c", "user.email=bench@example.invalid", "commit", "-qm", "data")
    defects = ("empty", "unclosed", "no-answer", None)
    with data.open("a", encoding="utf-8") as out:
        for index in range(rows, rows + new):
            out.write(json.dumps(row(rng, index, defects[index % 4] if index % 8 < 4 else None)) + "\n")
    git(repo, "-c", "user.name=bench", "-c", "user.email=bench@example.invalid", "commit", "-qam", "100 rows")


def check(repo: Path, cache: Path, *args: str) -> tuple[float, dict[str, Any]]:
    env = {**os.environ, "REASONLINT_CACHE_DIR": str(cache)}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "reasonlint", "check", str(repo), "--output-format", "json",
                           "--exit-zero", *args], capture_output=True, text=True, env=env, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"reasonlint failed ({done.returncode}): {done.stderr[-2000:]}")
    return elapsed, json.loads(done.stdout)


def row_findings(report: dict[str, Any], after_line: int) -> set[tuple[str, int, str]]:
    return {(f["code"], f["location"]["line"], f["message"]) for f in report["findings"]
            if f["location"]["path"] == "train.jsonl" and (f["location"].get("line") or 0) > after_line}


def comparable(report: dict[str, Any]) -> str:
    return json.dumps(report, sort_keys=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--new", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="reasonlint-incremental-") as scratch:
        repo, caches = Path(scratch) / "dataset", Path(scratch) / "caches"
        repo.mkdir()
        make_repository(repo, args.rows, args.new, args.seed)
        size = (repo / "train.jsonl").stat().st_size
        print(f"train.jsonl: {args.rows:,} + {args.new} rows, {size / 1e6:.0f} MB; cpus: {os.cpu_count()}")
        ok = True
        cold: dict[str, Any] = {}
        for jobs in (["--jobs", "1"], []):
            label = "jobs 1" if jobs else "default jobs"
            full_s, full = check(repo, caches / label.replace(" ", "-"), *jobs)
            since_s, since = check(repo, caches / f"{label.replace(' ', '-')}-since", "--since", "HEAD~1", *jobs)
            new_full, new_since = row_findings(full, args.rows), row_findings(since, args.rows)
            old_in_since = row_findings(since, 0) - new_since
            same = new_full == new_since and not old_in_since and full["run"]["rows_read"] == since["run"]["rows_read"]
            ok &= same and full_s / since_s >= TARGET
            print(f"{label}: full {full_s:.1f} s ({full['run']['rows_checked']:,} rows checked), "
                  f"--since HEAD~1 {since_s:.2f} s ({since['run']['rows_checked']:,} rows checked), "
                  f"speedup {full_s / since_s:.0f}x (target {TARGET:.0f}x); findings on the new rows: "
                  f"{len(new_full)} full, {len(new_since)} --since, same: {same}")
            if not jobs:
                cold = full
                warm_s, warm = check(repo, caches / label.replace(" ", "-"), *jobs)
                equal = comparable(warm) == comparable(cold)
                ok &= equal
                print(f"{label}: full run over a warm cache {warm_s:.2f} s ({full_s / warm_s:.0f}x faster), "
                      f"same report: {equal}")
        print("PASS" if ok else "FAIL")
        sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
