"""Throughput and peak memory of `reasonlint check` with the cheap rules, against a plain read.

Why: the engine reads every row once and hands it to every active rule. With only the cheap
rules selected (`--select SCH,SIZE`: schema and size, no text analysis) almost all of its time
should be reading, so it is compared with a plain read of the same rows into Python objects.
Target: the engine costs at most 3x the plain read, and its memory does not grow with the data
(1M rows within 1.3x the peak RSS of 100k rows).

What it does:
1. Writes a seeded, synthetic reasoning dataset (`question`, a 2-4 KB `reasoning` trace made
   of varied sentences, `answer`, `source`; one row in 200 has an empty trace, so SCH005
   finds something) as JSONL or Parquet under `--out`.
2. Runs each measurement as a child process and records:
   - wall time and rows/s;
   - max RSS: `/usr/bin/time`'s "Maximum resident set size" (else `ru_maxrss` of
     `getrusage(RUSAGE_CHILDREN)` in a bare wrapper). The kernel folds reaped descendants
     into it as a maximum, so with `--jobs 2` it is the peak of the largest single process
     (the main process or one worker), not the sum;
   - main HWM: the main process's own peak (`VmHWM` in /proc), sampled every 0.2 s;
   - tree RSS: the peak of the summed RSS of the main process and its workers, sampled.
3. Baselines: pyarrow (`pyarrow.json.open_json` streaming blocks, or `ParquetFile.iter_batches`)
   then `to_pylist()` per record batch, the plain read the target is measured against; and,
   for JSONL, `json.loads` per line, which is the engine's own parsing without the engine.
4. Engine: `python -m reasonlint check <folder> --select SCH,SIZE --output-format json
   --exit-zero --jobs J` for each J in `--jobs`; the report's `rows_read` is checked.
5. With `--scale`: the engine on 100k and 1M rows (about 3 GB of JSONL), peak memory of each
   and their ratio. When the disk is short, the scale run uses shorter traces and says so.

Run: python bench/engine_throughput.py [--rows 200000] [--format jsonl|parquet] [--scale]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

CHEAP_RULES = "SCH,SIZE"
SCALE_ROWS = (100_000, 1_000_000)
TRACE_BYTES = (2048, 4096)
EMPTY_TRACE_EVERY = 200
PYARROW_BATCH_ROWS = 1024  # the engine's own batch size for Parquet
SAMPLE_SECONDS = 0.2
SPEED_TARGET = 3.0
MEMORY_TARGET = 1.3
MB = 1024 * 1024

# ---------------------------------------------------------------------------------------------
# The synthetic dataset


_TOPICS = ["train", "tank", "garden", "ladder", "budget", "recipe", "triangle", "clock", "river",
           "library", "factory", "orchard", "bicycle", "battery", "market", "staircase"]
_QUESTIONS = [
    "A {topic} problem: if {a} units grow by {c}% and then {b} are removed, how many remain?",
    "Two {topic}s start {a} km apart and close at {b} km/h and {c} km/h. When do they meet?",
    "What is the remainder when {a}^{c} is divided by {b}?",
    "A {topic} holds {a} litres and drains at {c} litres per minute while filling at {b}. How long until it is full?",
    "How many ways can {c} people be seated around a {topic} table with {a} seats?",
    "Is {a}{b} prime? Justify the answer for the {topic} puzzle.",
]
_SENTENCES = [
    "First, restate what is given: {a} and {b}, with a rate of {c} per step.",
    "Let x be the unknown quantity; then {a}x + {b} = {d}, so x = ({d} - {b}) / {a}.",
    "Check the units: km divided by km/h gives hours, so the answer is a time.",
    "Hmm, wait. That would make the {topic} hold a negative amount, which cannot be right.",
    "Let me recompute: {a} × {c} = {e}, and {e} + {b} = {f}.",
    "So the difference is {f} − {a} = {g}, which matches the earlier estimate of about {g}.",
    "Alternatively, think of it modulo {c}: {a} ≡ {h} (mod {c}), so the powers cycle.",
    "The cycle length is {c}, hence only the remainder of the exponent matters here.",
    "Consider the edge case where {b} is zero; the formula still holds, so no special case is needed.",
    "By symmetry the two halves contribute equally, which halves the work: {e} / 2 = {i}.",
    "I should double-check the arithmetic before moving on → {a} + {b} + {c} = {j}.",
    "This contradicts the assumption, so the {topic} must be counted once, not twice.",
    "Okay, the pieces fit: each step uses only what was established before it.",
    "A quick sanity check with small numbers (a=2, b=3) gives 5, as expected.",
    "Rounding is not allowed here, so keep the fraction {a}/{c} exact until the end.",
    "Now combine the cases: {g} from the first and {h} from the second, {k} in total.",
]
_ANSWERS = ["{a}", "{g}", "{k} minutes", "x = {i}", "No", "Yes", "{e}/{c}", "{j} ways"]
_SOURCES = ["synthetic-math", "synthetic-logic", "distilled-r1", "distilled-qwq"]
_POOL_SIZE = 8192


@dataclass(frozen=True, slots=True)
class RowMaker:
    """Seeded row generator: pre-filled sentence pools, sampled per row, so rows vary cheaply."""

    rng: random.Random
    questions: list[str]
    sentences: list[str]
    answers: list[str]

    @classmethod
    def seeded(cls, seed: int) -> RowMaker:
        rng = random.Random(seed)

        def fill(templates: list[str]) -> list[str]:
            return [rng.choice(templates).format(**_numbers(rng)) for _ in range(_POOL_SIZE)]

        return cls(rng, fill(_QUESTIONS), fill(_SENTENCES), fill(_ANSWERS))

    def row(self, index: int, trace_bytes: tuple[int, int]) -> dict[str, object]:
        target = self.rng.randint(*trace_bytes)
        sentences = self.rng.choices(self.sentences, k=target // 60 + 1)
        paragraphs = [" ".join(sentences[start:start + 5]) for start in range(0, len(sentences), 5)]
        trace = "\n\n".join(paragraphs)[:target]
        return {
            "id": f"bench-{index:08d}",
            "question": self.rng.choice(self.questions),
            "reasoning": "" if index % EMPTY_TRACE_EVERY == EMPTY_TRACE_EVERY - 1 else trace,
            "answer": self.rng.choice(self.answers),
            "source": self.rng.choice(_SOURCES),
        }


def _numbers(rng: random.Random) -> dict[str, object]:
    values: dict[str, object] = {name: rng.randint(2, 999) for name in "abcdefghijk"}
    values["topic"] = rng.choice(_TOPICS)
    return values


def rows_of(count: int, seed: int, trace_bytes: tuple[int, int]) -> Iterator[dict[str, object]]:
    maker = RowMaker.seeded(seed)
    return (maker.row(index, trace_bytes) for index in range(count))


def write_dataset(out: Path, rows: int, fmt: str, seed: int, trace_bytes: tuple[int, int]) -> Path:
    """Write `rows` rows to `<out>/<name>/train.<fmt>`, once; return the dataset folder."""
    folder = out / f"rows{rows}-{fmt}-seed{seed}-trace{trace_bytes[0]}-{trace_bytes[1]}"
    done = folder / ".complete"
    if done.exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    path = folder / f"train.{fmt}"
    started = time.perf_counter()
    if fmt == "jsonl":
        with path.open("w", encoding="utf-8") as handle:
            for row in rows_of(rows, seed, trace_bytes):
                handle.write(json.dumps(row, ensure_ascii=False))
                handle.write("\n")
    else:
        _write_parquet(path, rows_of(rows, seed, trace_bytes))
    os.sync()  # so that writeback does not overlap the timings
    done.touch()
    print(f"wrote {path} ({rows:,} rows, {path.stat().st_size / MB:,.0f} MB) "
          f"in {time.perf_counter() - started:.0f} s", flush=True)
    return folder


def _write_parquet(path: Path, rows: Iterator[dict[str, object]], group_rows: int = 10_000) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    while batch := list(itertools.islice(rows, group_rows)):
        table = pa.Table.from_pylist(batch)
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    if writer is not None:
        writer.close()


def data_file(folder: Path) -> Path:
    return next(path for path in folder.iterdir() if path.name.startswith("train."))


def warm_page_cache(folder: Path) -> None:
    """Read the data once, so that every measured run reads it from memory, not disk."""
    with data_file(folder).open("rb") as handle:
        while handle.read(64 * MB):
            pass


# ---------------------------------------------------------------------------------------------
# Baseline reads, run as child processes of this script (`--child-read METHOD PATH`)


def read_with_pyarrow(path: Path) -> int:
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        batches = pq.ParquetFile(path).iter_batches(batch_size=PYARROW_BATCH_ROWS)
    else:
        import pyarrow.json as pa_json

        batches = pa_json.open_json(path)
    return sum(len(batch.to_pylist()) for batch in batches)


def read_with_json_loads(path: Path) -> int:
    rows = 0
    with path.open("rb") as handle:
        for line in handle:
            if line.strip():
                json.loads(line)
                rows += 1
    return rows


CHILD_READS: dict[str, Callable[[Path], int]] = {"pyarrow": read_with_pyarrow, "json": read_with_json_loads}


# ---------------------------------------------------------------------------------------------
# Measuring a child process


@dataclass(frozen=True, slots=True)
class Measurement:
    label: str
    rows: int
    wall: float
    cpu: float  # user + system seconds of the main process and its reaped workers
    max_rss: int  # bytes: the largest single process of the tree (rusage ru_maxrss)
    main_hwm: int  # bytes: the main process's own peak, sampled
    tree_rss: int  # bytes: peak of the summed RSS of the main process and its workers, sampled

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.wall


# Fallback where GNU time is missing: a bare interpreter that runs the command and writes the
# rusage of its reaped children like `time -f "%M %U %S"`; its own few MB are the floor of max RSS.
_RUSAGE_WRAPPER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.call(sys.argv[2:])\n"
    "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "open(sys.argv[1], 'w').write(f'{usage.ru_maxrss} {usage.ru_utime} {usage.ru_stime}')\n"
    "sys.exit(code)\n"
)


def rusage_wrapper(report: Path) -> list[str]:
    """A command prefix that writes the child's max RSS (KB), user and system seconds to `report`.

    A small wrapper process is needed: a child started straight from this script would count
    this script's own peak RSS (Linux keeps the high-water mark across fork/vfork and exec).
    """
    if Path("/usr/bin/time").exists():  # GNU time: %M is -v's "Maximum resident set size"
        return ["/usr/bin/time", "-f", "%M %U %S", "-o", str(report)]
    return [sys.executable, "-S", "-c", _RUSAGE_WRAPPER, str(report)]


class TreeSampler(threading.Thread):
    """Polls /proc under a wrapper process: the VmHWM of its child (the main process) and the
    summed RSS of all its descendants (the main process and its workers)."""

    def __init__(self, wrapper: int) -> None:
        super().__init__(daemon=True)
        self.wrapper = wrapper
        self.main_hwm = 0
        self.tree_rss = 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(SAMPLE_SECONDS):
            parents = _parents()
            main = [pid for pid, parent in parents.items() if parent == self.wrapper]
            descendants = _descendants(self.wrapper, parents)
            self.main_hwm = max(self.main_hwm, sum(_status_kb(pid, "VmHWM") * 1024 for pid in main))
            self.tree_rss = max(self.tree_rss, sum(_status_kb(pid, "VmRSS") * 1024 for pid in descendants))

    def stop(self) -> None:
        self._done.set()
        self.join()


def _parents() -> dict[int, int]:
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    return parents


def _descendants(root: int, parents: dict[int, int]) -> list[int]:
    found = [root]
    for pid in found:
        found.extend(child for child, parent in parents.items() if parent == pid)
    return found[1:]


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0  # gone, or a zombie


def measure(label: str, command: list[str], rows: int, stdout: Path, repeat: int) -> Measurement:
    """Run `command` `repeat` times: the fastest run's times, the highest memory figures."""
    print(f"  running {label}: {' '.join(command)}", flush=True)
    runs = [_measure_once(label, command, rows, stdout) for _ in range(repeat)]
    fastest = min(runs, key=lambda run: run.wall)
    return replace(fastest, max_rss=max(run.max_rss for run in runs), main_hwm=max(run.main_hwm for run in runs),
                   tree_rss=max(run.tree_rss for run in runs))


def _measure_once(label: str, command: list[str], rows: int, stdout: Path) -> Measurement:
    """Run `command` to completion under the rusage wrapper; its stdout goes to `stdout`."""
    rusage_report = stdout.with_suffix(".rusage")
    with stdout.open("wb") as sink:
        started = time.perf_counter()
        wrapper = subprocess.Popen(rusage_wrapper(rusage_report) + command, stdout=sink)
        sampler = TreeSampler(wrapper.pid)
        sampler.start()
        code = wrapper.wait()
        wall = time.perf_counter() - started
        sampler.stop()
    if code != 0:
        raise SystemExit(f"{label} failed with exit code {code}: {' '.join(command)}")
    max_rss_kb, user, system = rusage_report.read_text().splitlines()[-1].split()
    return Measurement(label, rows, wall, float(user) + float(system), int(max_rss_kb) * 1024,
                       sampler.main_hwm, sampler.tree_rss)


def measure_plain_read(method: str, folder: Path, rows: int, scratch: Path, repeat: int) -> Measurement:
    output = scratch / f"plain-{method}.txt"
    command = [sys.executable, __file__, "--child-read", method, str(data_file(folder))]
    measurement = measure(f"plain read: {method}", command, rows, output, repeat)
    read = int(output.read_text())
    if read != rows:
        raise SystemExit(f"plain read ({method}) read {read:,} rows, expected {rows:,}")
    return measurement


def measure_engine(folder: Path, rows: int, jobs: int, scratch: Path, repeat: int) -> Measurement:
    output = scratch / f"engine-{folder.name}-jobs{jobs}.json"
    command = [sys.executable, "-m", "reasonlint", "check", str(folder), "--select", CHEAP_RULES,
               "--output-format", "json", "--exit-zero", "--jobs", str(jobs)]
    measurement = measure(f"engine --jobs {jobs}", command, rows, output, repeat)
    report = json.loads(output.read_text(encoding="utf-8"))
    if report["run"]["rows_read"] != rows:
        raise SystemExit(f"the engine read {report['run']['rows_read']:,} rows, expected {rows:,}")
    return measurement


# ---------------------------------------------------------------------------------------------
# Reporting


_COLUMNS = f"{'wall s':>8}{'cpu s':>8}{'rows/s':>9}{'max RSS MB':>12}{'main HWM MB':>13}{'tree RSS MB':>13}"
_LEGEND = ("cpu s: user + system of the main process and its workers. max RSS: the largest single process "
           "(/usr/bin/time %M); main HWM: the main process's own peak; tree RSS: main + workers summed "
           f"(HWM and tree sampled every {SAMPLE_SECONDS} s).")


def _figures(run: Measurement) -> str:
    return (f"{run.wall:>8.2f}{run.cpu:>8.2f}{run.rows_per_second:>9,.0f}{run.max_rss / MB:>12,.0f}"
            f"{run.main_hwm / MB:>13,.0f}{run.tree_rss / MB:>13,.0f}")


def print_throughput(title: str, baseline: Measurement, runs: list[Measurement]) -> None:
    print(f"\n{title}")
    header = f"{'run':<22}{_COLUMNS}{'wall/plain':>12}{'cpu/plain':>11}"
    print(header)
    print("-" * len(header))
    for run in runs:
        print(f"{run.label:<22}{_figures(run)}{run.wall / baseline.wall:>11.2f}x{run.cpu / baseline.cpu:>10.2f}x")
    print(_LEGEND)
    for run in runs:
        if run.label.startswith("engine"):
            ratio = run.wall / baseline.wall
            verdict = "meets" if ratio <= SPEED_TARGET else "MISSES"
            print(f"{run.label}: wall time {ratio:.2f}x the {baseline.label}; "
                  f"{verdict} the target of <= {SPEED_TARGET:g}x")


def print_scaling(title: str, runs: dict[int, list[Measurement]]) -> None:
    print(f"\n{title}")
    header = f"{'rows':>10}  {'run':<16}{_COLUMNS}"
    print(header)
    print("-" * len(header))
    for rows, measurements in runs.items():
        for run in measurements:
            print(f"{rows:>10,}  {run.label:<16}{_figures(run)}")
    print(_LEGEND)
    small, large = (runs[rows] for rows in SCALE_ROWS)
    for before, after in zip(small, large, strict=True):
        for name, first, second in (("max RSS", before.max_rss, after.max_rss),
                                    ("tree RSS", before.tree_rss, after.tree_rss)):
            ratio = second / first
            verdict = "meets" if ratio <= MEMORY_TARGET else "MISSES"
            print(f"{after.label}: {name} at {SCALE_ROWS[1]:,} / {SCALE_ROWS[0]:,} rows = {ratio:.2f}x; "
                  f"{verdict} the target of <= {MEMORY_TARGET:g}x")


# ---------------------------------------------------------------------------------------------
# The runs


def run_throughput(args: argparse.Namespace, scratch: Path) -> None:
    folder = write_dataset(args.out, args.rows, args.format, args.seed, TRACE_BYTES)
    size = data_file(folder).stat().st_size
    print(f"throughput on {args.rows:,} rows ({size / MB:,.0f} MB of {args.format})", flush=True)
    warm_page_cache(folder)
    methods = ["pyarrow", "json"] if args.format == "jsonl" else ["pyarrow"]
    baselines = [measure_plain_read(method, folder, args.rows, scratch, args.repeat) for method in methods]
    engines = [measure_engine(folder, args.rows, jobs, scratch, args.repeat) for jobs in args.jobs]
    title = (f"{args.rows:,} rows, {size / MB:,.0f} MB {args.format}, rules {CHEAP_RULES}, "
             f"{os.cpu_count()} cores; ratio vs {baselines[0].label}")
    print_throughput(title, baselines[0], baselines + engines)


def run_scaling(args: argparse.Namespace, scratch: Path) -> None:
    trace_bytes = scale_trace_bytes(args.out, args.format)
    runs: dict[int, list[Measurement]] = {}
    for rows in SCALE_ROWS:
        folder = write_dataset(args.out, rows, args.format, args.seed, trace_bytes)
        warm_page_cache(folder)
        runs[rows] = [measure_engine(folder, rows, jobs, scratch, args.repeat) for jobs in args.jobs]
    print_scaling(f"memory scaling, {args.format}, traces of {trace_bytes[0]}-{trace_bytes[1]} bytes", runs)


def scale_trace_bytes(out: Path, fmt: str) -> tuple[int, int]:
    """The usual trace sizes, or shorter ones where the disk cannot hold 1M rows of them."""
    out.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(out).free
    row_overhead = 400  # question, answer, id, source and JSON syntax
    needed = (sum(SCALE_ROWS) * (sum(TRACE_BYTES) // 2 + row_overhead)) * 1.2  # 20% margin
    if fmt == "parquet" or needed <= free:  # Parquet compresses these rows well below JSONL
        return TRACE_BYTES
    scale = free / needed
    shorter = (max(128, int(TRACE_BYTES[0] * scale)), max(256, int(TRACE_BYTES[1] * scale)))
    print(f"note: {free / 1e9:.1f} GB free, {needed / 1e9:.1f} GB needed: the scale run uses "
          f"traces of {shorter[0]}-{shorter[1]} bytes instead of {TRACE_BYTES[0]}-{TRACE_BYTES[1]}")
    return shorter


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000, help="rows in the throughput dataset (default 200000)")
    parser.add_argument("--format", choices=["jsonl", "parquet"], default="jsonl")
    parser.add_argument("--jobs", type=lambda text: [int(j) for j in text.split(",")], default=[1, 2],
                        help="comma-separated --jobs values for the engine (default 1,2)")
    parser.add_argument("--scale", action="store_true",
                        help=f"also measure memory on {SCALE_ROWS[0]:,} and {SCALE_ROWS[1]:,} rows")
    parser.add_argument("--skip-throughput", action="store_true", help="with --scale: only the scale run")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs per measurement: the fastest time and the highest memory are kept (default 1)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out",
                        help="where datasets are written and reused (default bench/out, git-ignored)")
    parser.add_argument("--keep-data", action="store_true", help="keep the datasets for the next run")
    parser.add_argument("--child-read", nargs=2, metavar=("METHOD", "PATH"), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main() -> None:
    args = parse_args()
    if args.child_read:
        method, path = args.child_read
        print(CHILD_READS[method](Path(path)))
        return
    args.out = args.out.resolve()
    existing = set(args.out.iterdir()) if args.out.exists() else set()
    try:
        with tempfile.TemporaryDirectory(prefix="reasonlint-bench-") as scratch:
            if not args.skip_throughput:
                run_throughput(args, Path(scratch))
            if args.scale:
                run_scaling(args, Path(scratch))
    finally:
        if not args.keep_data and args.out.exists():
            for folder in set(args.out.iterdir()) - existing:
                shutil.rmtree(folder)


if __name__ == "__main__":
    main()
