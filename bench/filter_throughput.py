"""`reasonlint filter` against `reasonlint check` alone, on the same synthetic dataset, same run.

The filter is one check plus one streaming write pass; the target is a wall time at most 1.5x
the check's and a peak memory within 1.3x of it. Both run the same rules (the default
selection, row cache off), in child processes measured by engine_throughput's wrapper.

    python bench/filter_throughput.py                          # 200k rows, JSONL and Parquet
    python bench/filter_throughput.py --rows 1000000 --repeat 1
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from engine_throughput import MB, Measurement, measure, write_dataset  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"


def run_pair(folder: Path, rows: int, jobs: int, repeat: int, scratch: Path) -> tuple[Measurement, Measurement]:
    common = ["--no-cache", "--jobs", str(jobs)]
    check = measure("check", [sys.executable, "-m", "reasonlint", "check", str(folder), "--output-format", "json",
                              "--exit-zero", *common], rows, scratch / "check.json", repeat)
    destination = scratch / "filtered"
    runs = []
    for _ in range(repeat):
        shutil.rmtree(destination, ignore_errors=True)
        runs.append(measure("filter", [sys.executable, "-m", "reasonlint", "filter", str(folder), str(destination),
                                       *common], rows, scratch / "filter.txt", 1))
    fastest = min(runs, key=lambda run: run.wall)
    print("  " + (scratch / "filter.txt").read_text().strip())
    return check, fastest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--formats", default="jsonl,parquet")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--keep-data", action="store_true")
    args = parser.parse_args()
    print(f"{'format':<8}{'run':<8}{'wall s':>8}{'rows/s':>10}{'max RSS MB':>12}{'tree RSS MB':>13}")
    for fmt in args.formats.split(","):
        folder = write_dataset(OUT, args.rows, fmt, 0, (2_000, 4_000))
        with tempfile.TemporaryDirectory(dir=OUT) as scratch:
            check, filtered = run_pair(folder, args.rows, args.jobs, args.repeat, Path(scratch))
        for run in (check, filtered):
            print(f"{fmt:<8}{run.label:<8}{run.wall:>8.1f}{run.rows_per_second:>10,.0f}"
                  f"{run.max_rss / MB:>12,.0f}{run.tree_rss / MB:>13,.0f}")
        print(f"{fmt:<8}filter/check: time {filtered.wall / check.wall:.2f}x (target 1.5x), "
              f"max RSS {filtered.max_rss / check.max_rss:.2f}x, tree RSS {filtered.tree_rss / check.tree_rss:.2f}x "
              f"(target 1.3x)")
        if not args.keep_data:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
