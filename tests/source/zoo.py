"""The schema zoo: small fixtures that copy the column layouts of published reasoning and
instruction datasets (tests/source/schema_zoo/*.yaml, each naming the dataset it imitates and
the mapping a careful reader would give it). Shared by the mapping and planted-defect tests
and by bench/schema_zoo.py, which prints the role accuracy."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from ruamel.yaml import YAML

ZOO = Path(__file__).resolve().parent / "schema_zoo"
ROLES = ("messages", "prompt", "trace", "response", "answer", "reference", "options")


@dataclass(frozen=True)
class Layout:
    name: str
    imitates: str
    format: str
    expect: dict[str, str]
    rows: list[dict[str, Any]]

    @property
    def file_name(self) -> str:
        return f"train.{self.format}"

    def write(self, folder: Path, rows: list[dict[str, Any]] | None = None) -> Path:
        """The rows as one data file of the layout's format in `folder` (a dataset folder)."""
        rows = self.rows if rows is None else rows
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / self.file_name
        if self.format == "jsonl":
            path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
        elif self.format == "json":
            path.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
        elif self.format == "parquet":
            pq.write_table(pa.Table.from_pylist(rows), path)
        elif self.format == "csv":
            columns = list(dict.fromkeys(name for row in rows for name in row))
            with path.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.DictWriter(handle, fieldnames=columns)
                writer.writeheader()
                writer.writerows(rows)
        else:
            raise ValueError(f"{self.name}: unknown format {self.format}")
        return folder


def load_zoo() -> list[Layout]:
    layouts = []
    for path in sorted(ZOO.glob("*.yaml")):
        data = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
        layouts.append(Layout(data["name"], data["imitates"], data["format"], dict(data["expect"]), data["rows"]))
    return layouts


def role_agreement(expected: dict[str, str], found: dict[str, str]) -> tuple[int, int, list[str]]:
    """Roles right, roles judged (every role either side maps), and what differs."""
    judged = [role for role in ROLES if role in expected or role in found]
    wrong = [f"{role}: expected {expected.get(role)}, got {found.get(role)}" for role in judged
             if expected.get(role) != found.get(role)]
    return len(judged) - len(wrong), len(judged), wrong
