"""One line per finding: `path:line: CODE [severity] message`, like compilers and ruff."""

from __future__ import annotations

from typing import TextIO

from reasonlint.report import Reporter, display_path, printable
from reasonlint.summary import RunReport


class ConciseReporter(Reporter):
    name = "concise"

    def render(self, report: RunReport, out: TextIO) -> None:
        for finding in report.findings:
            where = display_path(report, finding)
            location = finding.location
            if location.line is not None:
                where += f":{location.line}"
            elif location.row is not None:
                where += f":row {location.row}"
            field = f" [{_one_line(location.field)}]" if location.field else ""
            out.write(f"{where}: {finding.code} [{finding.severity.value}]{field} {_one_line(finding.message)}\n")
        for error in report.errors:
            out.write(f"error: {error}\n")


def _one_line(text: str) -> str:
    """Messages and fields quote data (column names), which may hold line breaks and escape
    sequences."""
    return printable(text)
