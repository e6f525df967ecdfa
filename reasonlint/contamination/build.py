"""Read a benchmark file into `(id, text)` items for `FingerprintIndex.build`.

Reads JSONL (also gzipped), JSON (a list of rows, or columns), CSV and Parquet, and a zip
holding any of them (`password` for encrypted ones, as GPQA ships). Members of a zip are
read in memory: nothing is unpacked to disk.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

ID_FIELDS = ("unique_id", "task_id", "question_id", "id")
TEXT_FIELDS = ("problem", "question", "prompt", "text")
_SUFFIXES = (".jsonl.gz", ".jsonl", ".json", ".csv", ".parquet")


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_rows(path: Path, password: str | None = None) -> list[dict[str, Any]]:
    """Every row of `path`, whatever its format."""
    if path.suffix == ".zip":
        rows: list[dict[str, Any]] = []
        with zipfile.ZipFile(path) as archive:
            pwd = password.encode() if password else None
            for member in sorted(archive.namelist()):
                if member.endswith(_SUFFIXES) and not member.startswith("__MACOSX/"):
                    rows.extend(_parse(member, archive.read(member, pwd=pwd)))
        return rows
    return _parse(path.name, path.read_bytes())


def _parse(name: str, data: bytes) -> list[dict[str, Any]]:
    if name.endswith(".gz"):
        data, name = gzip.decompress(data), name[:-3]
    if name.endswith(".jsonl"):
        return [json.loads(line) for line in data.decode("utf-8").split("\n") if line.strip()]
    if name.endswith(".json"):
        value = json.loads(data)
        if isinstance(value, dict) and all(isinstance(v, list) for v in value.values()):
            keys = list(value)
            return [dict(zip(keys, row, strict=True)) for row in zip(*value.values(), strict=True)]
        if isinstance(value, dict):
            value = next((v for v in value.values() if isinstance(v, list)), [value])
        return [row for row in value if isinstance(row, dict)]
    if name.endswith(".csv"):
        return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    if name.endswith(".parquet"):
        import pyarrow.parquet as pq

        return pq.read_table(io.BytesIO(data)).to_pylist()
    raise ValueError(f"{name}: not a benchmark file (jsonl, jsonl.gz, json, csv, parquet or zip)")


def items_of(rows: Sequence[Mapping[str, Any]], id_field: str | None = None,
             text_fields: Sequence[str] = ()) -> Iterator[tuple[str, str]]:
    """`(id, text)` per row: the id field (default: the first of `ID_FIELDS` present, else
    the row number) and the text fields joined by blank lines (default: the first of
    `TEXT_FIELDS` present)."""
    if not rows:
        return
    first = rows[0]
    id_field = id_field or next((f for f in ID_FIELDS if f in first), None)
    fields = list(text_fields) or [f for f in TEXT_FIELDS if f in first][:1]
    if not fields:
        raise ValueError(f"no text field: pass --text-field (columns: {', '.join(first)})")
    for number, row in enumerate(rows):
        missing = [f for f in fields if f not in row]
        if missing:
            raise ValueError(f"row {number}: no field {missing[0]!r}")
        text = "\n\n".join(str(row[f]) for f in fields if row[f] is not None)
        yield (str(row[id_field]) if id_field and row.get(id_field) is not None else str(number)), text
