"""Output formats: one module per format, each a `Reporter` registered by name.

Adding a format means adding a module here and importing it in `REPORTER_MODULES`;
the CLI lists whatever is registered.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import ClassVar, TextIO

from reasonlint.findings import Finding
from reasonlint.summary import RunReport

REPORTER_MODULES = ("full", "concise", "json", "jsonl", "github", "sarif", "html", "markdown")


class Reporter:
    """Renders a finished run. Subclasses set `name` and implement `render`."""

    name: ClassVar[str]
    REGISTRY: ClassVar[dict[str, type[Reporter]]] = {}

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        Reporter.REGISTRY[cls.name] = cls

    def render(self, report: RunReport, out: TextIO) -> None:
        raise NotImplementedError


def reporter(name: str) -> Reporter:
    for module in REPORTER_MODULES:
        importlib.import_module(f"reasonlint.report.{module}")
    return Reporter.REGISTRY[name]()


def display_path(report: RunReport, finding: Finding) -> str:
    """A local finding's path from the current directory (clickable, and what code hosts
    expect); a Hub finding's path within the repository."""
    if report.target.kind == "hub":
        return finding.location.path
    absolute = report.target.root / finding.location.path
    try:
        return Path(os.path.relpath(absolute)).as_posix()
    except ValueError:  # another drive on Windows
        return absolute.as_posix()


def mapping_text(report: RunReport) -> list[str]:
    """One line per config/split: its files, row count and column roles."""
    lines = []
    for table in report.tables:
        roles = table.mapping.roles() if table.mapping else {}
        described = " ".join(f"{role}={column}" for role, column in roles.items()) or "nothing mapped"
        files = ", ".join(table.files[:3]) + (f" (+{len(table.files) - 3} files)" if len(table.files) > 3 else "")
        lines.append(f"{table.config}/{table.split}: {files}: {table.rows:,} rows; {described}")
    return lines
