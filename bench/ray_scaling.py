"""`check --executor ray` against `check --jobs` on one machine, and what more nodes would give.

The issue's target: on this machine, a local Ray instance with 2 CPUs costs at most 15% more
wall time than `--jobs 2` (the same slices, the same rules, the row cache off). Both run as
child processes on the same synthetic dataset, in the same run.

The Ray run is a child of this script that runs the engine's own plan, pass and conclusion
with `executor="ray"` and times each phase: Ray's start, the plan, the pass (slices on the
cluster) and the conclusion (merging the states, the near-duplicate revisit, the dataset rules:
serial, in the driver); its wall time, process start included, is compared with `--jobs`'s.
From the phases it prints the expected wall time of 1M and 10M rows on 1, 4 and 16 nodes, under
the assumptions printed with the table.

With `--perplexity` (a GPU machine): the perplexity rules through a GPU actor against the
single-process run on the same GPU, same run (`--perplexity-rows` rows, default 2,000).

    python bench/ray_scaling.py                       # 1M rows of JSONL
    python bench/ray_scaling.py --rows 200000 --perplexity
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from engine_throughput import MB, Measurement, measure, write_dataset  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"
TARGET_OVERHEAD = 0.15
NODE_CPUS = 16  # the nodes of the projected table
PROJECTED_ROWS = (1_000_000, 10_000_000)
PROJECTED_NODES = (1, 4, 16)


def _check(folder: Path, rows: int, label: str, options: list[str], scratch: Path) -> Measurement:
    command = [sys.executable, "-m", "reasonlint", "check", str(folder), "--output-format", "json", "--exit-zero",
               "--no-cache", *options]
    output = scratch / f"{label.replace(' ', '-')}.json"
    measured = measure(label, command, rows, output, 1)
    report = json.loads(output.read_text(encoding="utf-8"))
    if report["run"]["rows_read"] != rows or report["errors"]:
        raise SystemExit(f"{label}: read {report['run']['rows_read']:,} rows, errors {report['errors']}")
    return measured


def _phases(folder: Path, cpus: int) -> dict[str, float]:
    """Run the child that times a Ray run's phases; return its figures."""
    import subprocess

    done = subprocess.run([sys.executable, __file__, "--child-phases", str(folder), "--cpus", str(cpus)],
                          capture_output=True, text=True, check=True)
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def child_phases(folder: Path, cpus: int) -> None:
    """In a child process: a Ray run, phase by phase, through the engine's own functions."""
    import ray

    from reasonlint.catalogue import builtin_catalogue
    from reasonlint.config import Settings
    from reasonlint.engine import _read, conclude, plan
    from reasonlint.source.target import resolve_target

    started = time.perf_counter()
    ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False, configure_logging=False)
    ray_start = time.perf_counter() - started
    settings = Settings(cache=False, executor="ray")
    clock = time.perf_counter()
    planned = plan(resolve_target(str(folder)), builtin_catalogue(), settings)
    planning = time.perf_counter() - clock
    clock = time.perf_counter()
    units, results = _read(planned, planned.files, None, None)
    passing = time.perf_counter() - clock
    clock = time.perf_counter()
    report = conclude(planned, units, results, clock)
    concluding = time.perf_counter() - clock
    ray.shutdown()
    print(json.dumps({"ray_start": ray_start, "plan": planning, "pass": passing, "conclude": concluding,
                      "rows": report.rows_read, "cpus": cpus}))


def projection(figures: dict[str, float]) -> list[str]:
    """Expected wall seconds: start + plan + pass spread over every CPU + the serial conclusion,
    the pass and conclusion scaled linearly in rows."""
    rows, cpu_seconds_per_row = figures["rows"], figures["pass"] * figures["cpus"] / figures["rows"]
    lines = [f"{'rows':>12}" + "".join(f"{f'{nodes} node' + ('s' if nodes > 1 else ''):>12}"
                                       for nodes in PROJECTED_NODES)]
    for projected in PROJECTED_ROWS:
        scale = projected / rows
        cells = []
        for nodes in PROJECTED_NODES:
            wall = (figures["ray_start"] + figures["plan"] + projected * cpu_seconds_per_row / (nodes * NODE_CPUS)
                    + figures["conclude"] * scale)
            cells.append(f"{wall:>11,.0f}s")
        lines.append(f"{projected:>12,}" + "".join(cells))
    lines.append(f"measured here: {rows:,.0f} rows; Ray start {figures['ray_start']:.1f} s, "
                 f"plan {figures['plan']:.1f} s, "
                 f"pass {figures['pass']:.1f} s on {figures['cpus']:.0f} CPUs ({cpu_seconds_per_row * 1e6:,.0f} "
                 f"CPU-us a row), conclusion {figures['conclude']:.1f} s (serial, in the driver)")
    lines.append(f"assumed: {NODE_CPUS} CPUs a node, each as fast as one here; data on a filesystem every node "
                 "reads at the pass's rate; the pass and the conclusion linear in rows; the plan and Ray's start "
                 "fixed; the driver's memory for the dedup states grows with rows (10M rows: 10x the 1M figure)")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--format", default="jsonl", choices=("jsonl", "parquet"))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--perplexity", action="store_true", help="Also the perplexity rules on a GPU actor.")
    parser.add_argument("--perplexity-rows", type=int, default=2_000)
    parser.add_argument("--keep-data", action="store_true")
    parser.add_argument("--child-phases", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--cpus", type=int, default=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_phases:
        child_phases(args.child_phases, args.cpus)
        return

    folder = write_dataset(OUT, args.rows, args.format, 0, (2_000, 4_000))
    with tempfile.TemporaryDirectory(dir=OUT) as scratch:
        jobs = _check(folder, args.rows, f"jobs {args.jobs}", ["--jobs", str(args.jobs)], Path(scratch))
    print(f"  running the Ray run, phase by phase (a local instance with {args.jobs} CPUs)", flush=True)
    started = time.perf_counter()
    figures = _phases(folder, args.jobs)
    ray_wall = time.perf_counter() - started
    if figures["rows"] != args.rows:
        raise SystemExit(f"the Ray run read {figures['rows']:,.0f} rows, expected {args.rows:,}")
    print(f"{'run':<22}{'wall s':>8}{'rows/s':>10}")
    print(f"{jobs.label:<22}{jobs.wall:>8.1f}{jobs.rows_per_second:>10,.0f}   (max RSS {jobs.max_rss / MB:,.0f} MB)")
    print(f"{f'ray {args.jobs} cpus':<22}{ray_wall:>8.1f}{args.rows / ray_wall:>10,.0f}")
    overhead = ray_wall / jobs.wall - 1
    print(f"Ray's overhead: {overhead:+.1%} of --jobs {args.jobs}'s wall time (target at most "
          f"{TARGET_OVERHEAD:.0%}): {'met' if overhead <= TARGET_OVERHEAD else 'NOT met'}")
    print("\nprojected wall time of `check --executor ray` (default rules):")
    print("\n".join(projection(figures)))
    if args.perplexity:
        _perplexity(args.perplexity_rows, args.format)
    if not args.keep_data:
        shutil.rmtree(folder, ignore_errors=True)


def _perplexity(rows: int, fmt: str) -> None:
    """The perplexity rules alone: one process on the GPU against a Ray run whose GPU actor
    holds the model, same data, same run."""
    folder = write_dataset(OUT, rows, fmt, 1, (2_000, 4_000))
    options = ["--select", "PPL", "--device", "auto"]
    with tempfile.TemporaryDirectory(dir=OUT) as scratch:
        single = _check(folder, rows, "perplexity, 1 process", options + ["--jobs", "1"], Path(scratch))
        actor = _check(folder, rows, "perplexity, GPU actor", options + ["--executor", "ray"], Path(scratch))
    for run in (single, actor):
        print(f"{run.label:<22}{run.wall:>8.1f}{run.rows_per_second:>10,.0f}")
    print(f"GPU actor / single process: {actor.rows_per_second / single.rows_per_second:.2f}x rows/s")


if __name__ == "__main__":
    main()
