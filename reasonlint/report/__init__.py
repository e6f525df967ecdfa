"""Output formats: one module per format, each a `Reporter` registered by name.

Adding a format means adding a module here and importing it in `REPORTER_MODULES`;
the CLI lists whatever is registered.
"""

from __future__ import annotations

import importlib
import os
import re
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


# C0 and C1 controls, DEL, and the bidirectional overrides that reorder what a terminal or a
# diff view shows ("Trojan source"): never written raw into a text report.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """`text` for a terminal or a text file: escape sequences and other control characters
    (ANSI colours, cursor moves, a bell, `\\r` overwriting the line, `\\n` splitting it) shown
    escaped, as `\\x1b`, `\\n` or `\\u202e`; data never drives the reader's terminal."""
    return _CONTROL.sub(_escaped, text)


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char)
    if named is not None:
        return named
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


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
