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
import posixpath
import re
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

from reasonlint.catalogue import builtin_catalogue
from reasonlint.report.github import ChangedLines, ranked_annotations, render_annotations
from reasonlint.report.loading import ReportError, report_from_dict
from reasonlint.report.markdown import LineLink, summary_markdown
from reasonlint.report.sarif import SarifReporter

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


def repository_link(cwd: Path) -> LineLink | None:
    """Links to the checked commit on the code host (`$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/blob/$GITHUB_SHA/…`),
    for paths relative to `cwd`; None outside a runner, where the summary keeps plain locations."""
    server, repository, sha = (os.environ.get(name) for name in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY",
                                                                   "GITHUB_SHA"))
    if not (server and repository and sha):
        return None
    top = _git(cwd, "rev-parse", "--show-toplevel")
    prefix = Path(os.path.relpath(cwd, top.strip())).as_posix() if top else "."
    base = f"{server.rstrip('/')}/{repository}/blob/{sha}/"

    def link(path: str, line: int | None) -> str | None:
        inside = posixpath.normpath(posixpath.join(prefix, path))
        if inside.startswith("../") or inside == "..":
            return None  # outside the repository
        return base + quote(inside) + (f"#L{line}" if line is not None else "")

    return link


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
                               "score": f"{report.scores.overall:.1f}" if report.scores is not None else "",
                               "report-path": args.report.resolve(), "sarif-path": ""}
    if args.sarif is not None:
        args.sarif.parent.mkdir(parents=True, exist_ok=True)
        with args.sarif.open("w", encoding="utf-8") as out:
            SarifReporter().render(report, out)
        outputs["sarif-path"] = args.sarif.resolve()
    summary = _env_path("GITHUB_STEP_SUMMARY")
    if summary is not None:
        with summary.open("a", encoding="utf-8") as out:
            out.write(summary_markdown(report, ranked_annotations(report, changed), link=repository_link(Path.cwd())))
    github_output = _env_path("GITHUB_OUTPUT")
    if github_output is not None:
        write_outputs(github_output, {name: str(value) for name, value in outputs.items()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
