"""GitHub Actions workflow commands: `::error file=…,line=…,title=…::message`.

Escaping follows the runner's rules: in the message `%`, CR and LF are encoded; in
property values `:` and `,` are encoded too, or the command is cut at them.
"""

from __future__ import annotations

from typing import TextIO

from reasonlint.findings import Severity
from reasonlint.report import Reporter, display_path
from reasonlint.summary import RunReport

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


class GithubReporter(Reporter):
    name = "github"

    def render(self, report: RunReport, out: TextIO) -> None:
        for finding in report.findings:
            location = finding.location
            properties = [f"file={escape_property(display_path(report, finding))}"]
            if location.line is not None:
                properties.append(f"line={location.line}")
            properties.append(f"title={escape_property(f'{finding.code} {finding.name}')}")
            where = f"row {location.row}: " if location.line is None and location.row is not None else ""
            field = f"{location.field}: " if location.field else ""
            message = escape_data(f"{where}{field}{finding.message}")
            out.write(f"::{_COMMAND[finding.severity]} {','.join(properties)}::{message}\n")
        for error in report.errors:
            out.write(f"::error title=reasonlint could not check::{escape_data(error)}\n")
