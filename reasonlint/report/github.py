"""GitHub Actions workflow commands: `::error file=…,line=…,title=…::message`.

Escaping follows the runner's rules: in the message `%`, CR and LF are encoded; in
property values `:` and `,` are encoded too, or the command is cut at them.

GitHub shows at most 10 error, 10 warning and 10 notice annotations per step (50 per
job) and drops the rest without a word. So the commands are ranked (run errors first,
then findings on lines the pull request changed, then by location) and, when a kind
overflows, the last shown slot of that kind says how many more were not shown. This
module is the one place that ranking and those limits live: `--output-format github`
and the GitHub Action (`reasonlint.integrations.action`) both print through it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TextIO

from reasonlint.findings import Finding, Severity
from reasonlint.report import Reporter, display_path
from reasonlint.summary import RunReport

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
_PLURAL = {"error": "errors", "warning": "warnings", "notice": "notices"}
# GitHub's display limit per kind and step; three kinds (30) stay under its 50 per job.
SHOWN_PER_KIND = 10

# Lines the change under review added, per path relative to the current directory (what
# `display_path` gives); an empty set means the file changed but no line is known (binary).
ChangedLines = Mapping[str, frozenset[int]]


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


@dataclass(frozen=True, slots=True)
class Annotation:
    """One workflow command before escaping; `changed` ranks it (0: on a changed line,
    1: in a changed file without a line, 2: elsewhere)."""

    kind: str  # "error", "warning" or "notice"
    message: str
    title: str
    file: str | None = None
    line: int | None = None
    changed: int = 2

    def command(self) -> str:
        properties = []
        if self.file is not None:
            properties.append(f"file={escape_property(self.file)}")
        if self.line is not None:
            properties.append(f"line={self.line}")
        properties.append(f"title={escape_property(self.title)}")
        return f"::{self.kind} {','.join(properties)}::{escape_data(self.message)}"


def finding_annotation(report: RunReport, finding: Finding, changed: ChangedLines | None = None) -> Annotation:
    location = finding.location
    path = display_path(report, finding)
    where = f"row {location.row}: " if location.line is None and location.row is not None else ""
    field = f"{location.field}: " if location.field else ""
    return Annotation(_COMMAND[finding.severity], f"{where}{field}{finding.message}",
                      f"{finding.code} {finding.name}", path, location.line, _change_rank(path, location.line, changed))


def _change_rank(path: str, line: int | None, changed: ChangedLines | None) -> int:
    """0: on a line the change added; 1: in a changed file, at no line (a Parquet row, the
    whole file); 2: elsewhere, including unchanged lines of a changed file (older problems)."""
    if changed is None or path not in changed:
        return 2
    if line is None:
        return 1
    return 0 if line in changed[path] else 2


def ranked_annotations(report: RunReport, changed: ChangedLines | None = None) -> list[Annotation]:
    """Every annotation of the run, most important first: errors that stopped a check,
    then errors, warnings and notices; within a kind, changed lines first, then location."""
    run_errors = [Annotation("error", error, "reasonlint could not check") for error in report.errors]
    order = {"error": 0, "warning": 1, "notice": 2}
    indexed = sorted(enumerate(finding_annotation(report, f, changed) for f in report.findings),
                     key=lambda item: (order[item[1].kind], item[1].changed, item[0]))
    return run_errors + [annotation for _, annotation in indexed]  # report order is location order


def shown_annotations(annotations: Iterable[Annotation], per_kind: int = SHOWN_PER_KIND) -> list[Annotation]:
    """At most `per_kind` commands of each kind, in the given order; when a kind has more,
    its last slot becomes `… N more errors not shown`, so GitHub drops nothing silently."""
    by_kind: dict[str, list[Annotation]] = {}
    for annotation in annotations:
        by_kind.setdefault(annotation.kind, []).append(annotation)
    shown: list[Annotation] = []
    for kind, group in by_kind.items():
        if len(group) <= per_kind:
            shown.extend(group)
            continue
        shown.extend(group[: per_kind - 1])
        hidden = len(group) - (per_kind - 1)
        shown.append(Annotation(kind, f"… {hidden} more {_PLURAL[kind]} not shown (see the full report)",
                                f"reasonlint: {hidden} more {_PLURAL[kind]}"))
    return shown


def render_annotations(report: RunReport, out: TextIO, changed: ChangedLines | None = None) -> None:
    for annotation in shown_annotations(ranked_annotations(report, changed)):
        out.write(annotation.command() + "\n")


class GithubReporter(Reporter):
    name = "github"

    def render(self, report: RunReport, out: TextIO) -> None:
        render_annotations(report, out)
