"""The GitHub Action's report step: `python -m reasonlint.integrations.action --report FILE`.

The action checks once with `--output-format json`; this step turns that report into
what GitHub shows: ranked annotations within GitHub's limits (lines the pull request
changed first), the SARIF file for code scanning, a markdown job summary, and the step
outputs. It reads the runner's files from the environment (`GITHUB_OUTPUT`,
`GITHUB_STEP_SUMMARY`, `GITHUB_EVENT_PATH`) and never the network.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

from reasonlint.catalogue import builtin_catalogue
from reasonlint.findings import Severity
from reasonlint.report.github import Annotation, ChangedLines, ranked_annotations, render_annotations
from reasonlint.report.loading import ReportError, report_from_dict
from reasonlint.report.sarif import SarifReporter
from reasonlint.summary import RunReport

SUMMARY_LIMIT_BYTES = 1024 * 1024  # GitHub refuses a step summary above 1 MiB
SUMMARY_ROWS = 20  # the top of the ranking; the report file has the rest
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


def changed_lines(event_path: Path | None, cwd: Path) -> ChangedLines | None:
    """Lines the pull request added, per path relative to `cwd`, from `git diff` against the
    base commit named in the event payload; None outside a pull request or when the base
    commit is not in the checkout (fetch it with `fetch-depth: 2` or more)."""
    if event_path is None or not event_path.is_file():
        return None
    try:
        pull_request = json.loads(event_path.read_text(encoding="utf-8")).get("pull_request")
    except (OSError, ValueError):
        return None
    if not isinstance(pull_request, dict):
        return None
    base = (pull_request.get("base") or {}).get("sha")
    # actions/checkout checks out the merge commit, whose first parent is the base branch.
    for revision in [base, "HEAD^1"] if base else ["HEAD^1"]:
        diff = _git(cwd, "-c", "core.quotePath=false", "diff", "--unified=0", "--no-color", "--no-ext-diff",
                    "--no-renames", revision, "HEAD", "--")
        if diff is not None:
            top = _git(cwd, "rev-parse", "--show-toplevel")
            return _parse_diff(diff, Path(top.strip()) if top else cwd, cwd)
    return None


def _git(cwd: Path, *args: str) -> str | None:
    try:
        result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout if result.returncode == 0 else None


def _parse_diff(diff: str, top: Path, cwd: Path) -> ChangedLines:
    changed: dict[str, set[int]] = {}
    current: set[int] | None = None
    for line in diff.splitlines():
        if line.startswith("+++ "):
            name = line[4:]
            current = None
            if name.startswith("b/"):
                path = Path(os.path.relpath(top / name[2:], cwd)).as_posix()
                current = changed.setdefault(path, set())
        elif line.startswith("Binary files ") and " and b/" in line:
            name = line.rsplit(" and b/", 1)[1].removesuffix(" differ")
            changed.setdefault(Path(os.path.relpath(top / name, cwd)).as_posix(), set())
        elif current is not None and (match := _HUNK.match(line)):
            start, count = int(match[1]), int(match[2] or 1)
            current.update(range(start, start + count))
    return {path: frozenset(lines) for path, lines in changed.items()}


def _cell(text: str) -> str:
    """Table-cell text: one line, no pipe to end the cell, no HTML to render."""
    flat = " ".join(text.split())
    return flat.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def _where(annotation: Annotation) -> str:
    if annotation.file is None:
        return ""
    return f"`{annotation.file}:{annotation.line}`" if annotation.line is not None else f"`{annotation.file}`"


def summary_markdown(report: RunReport, ranked: list[Annotation], rows: int = SUMMARY_ROWS,
                     limit: int = SUMMARY_LIMIT_BYTES) -> str:
    """Counts per severity and the first `rows` ranked findings, cut with a `… N more` line so
    the text stays under `limit` bytes."""
    counts = report.counts()
    total = len(report.findings)
    lines = [f"## reasonlint: {total} finding{'' if total == 1 else 's'} in `{_cell(report.target.id)}`", "",
             "| severity | findings |", "| --- | --- |"]
    lines += [f"| {severity.value} | {counts[severity.value]} |"
              for severity in sorted(Severity, key=lambda s: -s.rank)]
    if report.errors:
        lines += ["", f"**Could not check** ({len(report.errors)}):", ""]
        lines += [f"- {_cell(error)}" for error in report.errors]
    findings = [annotation for annotation in ranked if annotation.file is not None]
    if findings:
        lines += ["", "| where | rule | severity | message |", "| --- | --- | --- | --- |"]
    used = len("\n".join(lines).encode("utf-8")) + 200  # room for the closing line
    shown = 0
    for annotation in findings[:rows]:
        row = f"| {_where(annotation)} | {_cell(annotation.title)} | {annotation.kind} | {_cell(annotation.message)} |"
        size = len(row.encode("utf-8")) + 1
        if used + size > limit:
            break
        lines.append(row)
        used += size
        shown += 1
    if len(findings) > shown:
        lines += ["", f"… {len(findings) - shown} more not shown (see the report file)"]
    return "\n".join(lines) + "\n"


def write_outputs(path: Path, outputs: dict[str, str]) -> None:
    """Append `name=value` lines to `$GITHUB_OUTPUT` (the delimiter form for multi-line values)."""
    with path.open("a", encoding="utf-8") as out:
        for name, value in outputs.items():
            if "\n" in value or "\r" in value:
                delimiter = f"ghadelimiter_{uuid.uuid4()}"
                out.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
            else:
                out.write(f"{name}={value}\n")


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value) if value else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reasonlint.integrations.action", description=__doc__)
    parser.add_argument("--report", type=Path, required=True, help="the JSON report of `reasonlint check`")
    parser.add_argument("--sarif", type=Path, help="write the SARIF log here")
    parser.add_argument("--annotations", choices=["on", "off"], default="on")
    args = parser.parse_args(argv)
    try:
        report = report_from_dict(json.loads(args.report.read_text(encoding="utf-8")), builtin_catalogue())
    except (OSError, ValueError, KeyError, TypeError, ReportError) as error:
        print(f"reasonlint action: cannot read the report {args.report}: {error}", file=sys.stderr)
        return 2
    changed = changed_lines(_env_path("GITHUB_EVENT_PATH"), Path.cwd())
    if args.annotations == "on":
        render_annotations(report, sys.stdout, changed)
    outputs: dict[str, Any] = {"findings": len(report.findings), "errors": report.counts()["error"],
                               "score": "", "report-path": args.report.resolve(), "sarif-path": ""}
    if args.sarif is not None:
        args.sarif.parent.mkdir(parents=True, exist_ok=True)
        with args.sarif.open("w", encoding="utf-8") as out:
            SarifReporter().render(report, out)
        outputs["sarif-path"] = args.sarif.resolve()
    summary = _env_path("GITHUB_STEP_SUMMARY")
    if summary is not None:
        with summary.open("a", encoding="utf-8") as out:
            out.write(summary_markdown(report, ranked_annotations(report, changed)))
    github_output = _env_path("GITHUB_OUTPUT")
    if github_output is not None:
        write_outputs(github_output, {name: str(value) for name, value in outputs.items()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
