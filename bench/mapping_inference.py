"""Cost of column-role inference on a large file: the mapping is inferred from a sample spread
over the file (JSONL: seeks to 8 byte offsets; Parquet: 8 row groups), never from a full read.

    python bench/mapping_inference.py                 # 1M rows, Parquet and JSONL
    python bench/mapping_inference.py --rows 200000

Prints, per format: the file's size, the time `plan()` takes to infer the mapping (cold file
cache is not forced; run twice to see both), the bytes the process read (from /proc/self/io,
so "one read" is visible: a full read would read the whole file), and the time of a plain
full read with pyarrow beside it.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.json as pa_json
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reasonlint.catalogue import builtin_catalogue  # noqa: E402
from reasonlint.config import Settings  # noqa: E402
from reasonlint.engine import plan  # noqa: E402
from reasonlint.source.target import resolve_target  # noqa: E402

OUT = Path(__file__).resolve().parent / "out" / "mapping"


def _rows(count: int) -> list[dict[str, object]]:
    rng = random.Random(7)
    rows = []
    for _ in range(count):
        a, b = rng.randint(2, 999), rng.randint(2, 999)
        rows.append({
            "uuid": f"{rng.getrandbits(64):016x}",
            "user_prompt": f"What is {a} times {b}? Explain the steps.",
            "assistant_response": f"<think>{a} times {b}: {a} * {b} = {a * b}. Check: {a * b} / {b} = {a}.</think>"
                                  f"<answer>{a * b}</answer>",
            "gold": str(a * b),
            "source": rng.choice(["synthetic", "textbook"]),
        })
    return rows


def _bytes_read() -> int:
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    return 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep-data", action="store_true", help="keep bench/out/mapping (deleted by default)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    rows = _rows(args.rows)
    table = pa.Table.from_pylist(rows)
    parquet_dir, jsonl_dir = OUT / "parquet", OUT / "jsonl"
    for folder in (parquet_dir, jsonl_dir):
        folder.mkdir(exist_ok=True)
    pq.write_table(table, parquet_dir / "train.parquet", row_group_size=50_000)
    with (jsonl_dir / "train.jsonl").open("w") as handle:
        for row in rows:
            handle.write(json.dumps(row) + "\n")
    del rows, table
    settings = Settings(jobs=1, cache=False, select=["SCH"])
    catalogue = builtin_catalogue()
    plan(resolve_target(str(parquet_dir)), catalogue, settings)  # imports and the rule catalogue, once
    print(f"{'format':8} {'rows':>9} {'file MB':>8} {'infer s':>8} {'read MB':>8} {'full read s':>11}  mapping")
    for fmt, folder in (("parquet", parquet_dir), ("jsonl", jsonl_dir)):
        path = folder / f"train.{fmt}"
        before, started = _bytes_read(), time.perf_counter()
        planned = plan(resolve_target(str(folder)), catalogue, settings)
        infer = time.perf_counter() - started
        read = (_bytes_read() - before) / 1e6
        started = time.perf_counter()
        if fmt == "parquet":
            rows_read = sum(batch.num_rows for batch in pq.ParquetFile(path).iter_batches())
        else:
            rows_read = pa_json.read_json(path).num_rows
        full = time.perf_counter() - started
        assert rows_read == args.rows
        print(f"{fmt:8} {args.rows:>9,} {path.stat().st_size / 1e6:>8.1f} {infer:>8.3f} {read:>8.2f} {full:>11.2f}  "
              f"{planned.mappings[0].roles()}")
    if not args.keep_data:
        shutil.rmtree(OUT)


if __name__ == "__main__":
    main()
