"""The data file formats reasonlint reads, by extension (no heavy imports here)."""

from __future__ import annotations

from pathlib import Path

FORMATS = {".jsonl": "jsonl", ".json": "json", ".parquet": "parquet", ".csv": "csv", ".arrow": "arrow"}


def format_of(path: Path) -> str | None:
    return FORMATS.get(path.suffix.lower())
