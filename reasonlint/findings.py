"""Findings: what a rule reports, and where.

A check returns a `Hit` (the measured facts and, for dataset-level checks, where);
the engine turns it into a `Finding` by adding the rule's identity, the configured
severity and the row's location, so that no check has to know about any of them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any


class Severity(str, Enum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


@dataclass(frozen=True, slots=True)
class Location:
    """Where a finding points: a path relative to the dataset root, plus line or row.

    `line` is 1-based and set for JSONL files and the card; `row` is the 0-based row
    index within the file for columnar and JSON files. `field` names the column or
    nested path (`messages[2].content`, `response[3]`).
    """

    path: str
    line: int | None = None
    row: int | None = None
    split: str | None = None
    config: str | None = None
    field: str | None = None
    excerpt: str | None = None

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line or 0, self.row if self.row is not None else -1, self.field or "")

    def __str__(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
        elif self.row is not None:
            where += f"[row {self.row}]"
        return where


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace lines `start`..`stop - 1` (1-based) of a text file with `text`; `start == stop`
    inserts before line `start` (one past the last line appends). Line edits keep every
    other byte of the file as it was."""

    path: str
    start: int
    stop: int
    text: str


@dataclass(frozen=True, slots=True)
class Fix:
    """A safe, mechanical repair of the card (never of data): what it does and its edits."""

    description: str
    edits: tuple[Edit, ...]


@dataclass(frozen=True, slots=True)
class Hit:
    """What a check found: facts for the rule's message template, and optionally where.

    Row checks leave `location` unset (the engine knows the row) and may name the
    `field`; dataset checks that point at a file or a row give a full `location`.
    `key` identifies the hit for its fingerprint when there is no row to hash.
    """

    facts: dict[str, Any] = field(default_factory=dict)
    field: str | None = None
    excerpt: str | None = None
    location: Location | None = None
    key: str | None = None
    fix: Fix | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    name: str
    family: str
    dimension: str
    severity: Severity
    message: str
    location: Location
    fingerprint: str
    fix: Fix | None = None

    def sort_key(self) -> tuple[Any, ...]:
        return (*self.location.sort_key(), self.code, self.message)

    def with_severity(self, severity: Severity) -> Finding:
        return replace(self, severity=severity)


def content_hash(raw: Any) -> str:
    """A stable hash of a row's content, independent of key order and file position."""
    text = json.dumps(raw, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def fingerprint(code: str, content_key: str, field: str | None) -> str:
    """Rule + row content (+ field): survives row reordering, changes when the row does."""
    digest = hashlib.sha256(f"{code}\0{content_key}\0{field or ''}".encode()).hexdigest()
    return digest[:16]


def excerpt_of(text: str | None, limit: int = 80) -> str | None:
    """A one-line, bounded excerpt for display."""
    if text is None:
        return None
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
