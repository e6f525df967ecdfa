"""The GitHub Action, run step by step as the runner would.

The test reads `action.yml`, evaluates each step's `if:`, substitutes the `${{ … }}`
expressions it uses (inputs, `github.action_path`, `github.workspace`, earlier steps'
outputs), and runs the `run:` steps with bash as GitHub does (`-eo pipefail`), each with
its own `GITHUB_OUTPUT` file and a shared `GITHUB_STEP_SUMMARY`. `uses:` steps (setup-python)
are skipped: with `install: false` the action uses the reasonlint this test runs under.
The workspace is a git repository whose head commit appends 40 lines to the fixture's
data, and the event payload is a pull request from the base commit, so the findings on
those lines must be annotated first.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from reasonlint.findings import Location, Severity
from reasonlint.integrations.action import changed_lines, main, repository_link, write_outputs
from reasonlint.report.github import ranked_annotations
from reasonlint.report.json import report_dict
from reasonlint.report.markdown import summary_markdown
from reasonlint.source.target import Target
from reasonlint.summary import RunReport
from tests.conftest import REPO
from tests.report.scored import sample_scores
from tests.report.test_sarif import sarif_validator

ACTION = REPO / "action.yml"
FIXTURE = REPO / "fixtures" / "datasets" / "many-findings"
BASE_LINES = 100  # the base commit holds the first 100 lines; the pull request adds the other 40
SERVER, SHA = "SERVER", "0123abcd"  # the runner's code host and commit, for the summary's links
_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")

pytestmark = pytest.mark.skipif(shutil.which("git") is None or shutil.which("bash") is None,
                                reason="needs git and bash")


@dataclass
class ActionRun:
    steps: list[tuple[str, int, str]]  # (step name, exit status, stdout) of each step run
    skipped: list[str]
    outputs: dict[str, str]  # the action's outputs
    summary: str

    def stdout_of(self, name: str) -> str:
        (found,) = (stdout for step, _, stdout in self.steps if step == name)
        return found


def read_outputs(path: Path) -> dict[str, str]:
    """`name=value` lines and `name<<DELIMITER` blocks, as the runner reads `$GITHUB_OUTPUT`."""
    outputs: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    index = 0
    while index < len(lines):
        line = lines[index]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, index + 1)
            outputs[name] = "\n".join(lines[index + 1:end])
            index = end + 1
            continue
        name, _, value = line.partition("=")
        outputs[name] = value
        index += 1
    return outputs


def evaluate(expression: str, context: dict[str, Any]) -> Any:
    """The few expression forms action.yml uses: `inputs.x`, `github.x`, `steps.id.outputs.x`,
    string literals, `==`, `!=`, `&&` and `always()`."""
    def value(match: re.Match[str]) -> str:
        parts = match[0].split(".")
        found: Any = context
        for part in parts:
            found = found.get(part, "") if isinstance(found, dict) else ""
        return repr(found)

    python = re.sub(r"\b(inputs|github|steps)(\.[\w-]+)+", value, expression)
    python = python.replace("&&", " and ").replace("||", " or ").replace("always()", "True")
    return eval(python, {"__builtins__": {}}, {})  # noqa: S307 - the test's own action.yml


def substitute(text: str, context: dict[str, Any]) -> str:
    return _EXPRESSION.sub(lambda match: str(evaluate(match[1], context)), text)


def run_action(workspace: Path, event: Path, inputs: dict[str, str], tmp: Path) -> ActionRun:
    action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    given = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()} | inputs
    context: dict[str, Any] = {"inputs": given, "steps": {},
                               "github": {"action_path": str(REPO), "workspace": str(workspace)}}
    summary = tmp / "summary.md"
    summary.touch()
    base_env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
                "GITHUB_WORKSPACE": str(workspace), "GITHUB_EVENT_PATH": str(event),
                "GITHUB_EVENT_NAME": "pull_request", "GITHUB_STEP_SUMMARY": str(summary),
                "RUNNER_TEMP": str(tmp / "runner-temp"), "GITHUB_ACTIONS": "true",
                "GITHUB_SERVER_URL": SERVER, "GITHUB_REPOSITORY": "owner/repo", "GITHUB_SHA": SHA}
    (tmp / "runner-temp").mkdir()
    ran: list[tuple[str, int, str]] = []
    skipped: list[str] = []
    for index, step in enumerate(action["runs"]["steps"]):
        name = step.get("name", f"step {index}")
        condition = step.get("if")
        if "uses" in step or (condition is not None and not evaluate(condition, context)):
            skipped.append(name)
            continue
        output = tmp / f"output-{index}"
        output.touch()
        script = tmp / f"step-{index}.sh"
        script.write_text(substitute(step["run"], context), encoding="utf-8")
        env = {**base_env, "GITHUB_OUTPUT": str(output),
               **{key: substitute(str(value), context) for key, value in step.get("env", {}).items()}}
        result = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                                cwd=workspace, env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode in (0, 1), f"{name}: {result.returncode}\n{result.stdout}\n{result.stderr}"
        ran.append((name, result.returncode, result.stdout))
        if "id" in step:
            context["steps"][step["id"]] = {"outputs": read_outputs(output)}
            assert context["steps"][step["id"]]["outputs"].get("status", "0") in ("0", "1"), result.stderr
    outputs = {name: substitute(spec["value"], context) for name, spec in action["outputs"].items()}
    return ActionRun(ran, skipped, outputs, summary.read_text(encoding="utf-8"))


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c",
                           "commit.gpgsign=false", *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout.strip()


@pytest.fixture(scope="module")
def action_run(tmp_path_factory: pytest.TempPathFactory) -> ActionRun:
    tmp = tmp_path_factory.mktemp("action")
    workspace = tmp / "workspace"
    shutil.copytree(FIXTURE, workspace / "ds")
    data = workspace / "ds" / "data" / "train.jsonl"
    lines = data.read_text(encoding="utf-8").splitlines(keepends=True)
    data.write_text("".join(lines[:BASE_LINES]), encoding="utf-8")
    git(workspace, "init", "-q")
    git(workspace, "add", "-A")
    git(workspace, "commit", "-q", "-m", "base")
    base = git(workspace, "rev-parse", "HEAD")
    data.write_text("".join(lines), encoding="utf-8")
    git(workspace, "commit", "-q", "-am", "append 40 rows")
    event = tmp / "event.json"
    event.write_text(json.dumps({"action": "opened", "number": 1, "pull_request": {
        "number": 1, "base": {"sha": base, "ref": "main"}, "head": {"sha": git(workspace, "rev-parse", "HEAD")}}}))
    return run_action(workspace, event, {"target": "ds", "install": "false"}, tmp)


def commands(run: ActionRun, kind: str) -> list[str]:
    return [line for line in run.stdout_of("Report").splitlines() if line.startswith(f"::{kind} ")]


def test_action_skips_setup_and_install_when_told_to_use_the_installed_reasonlint(action_run: ActionRun) -> None:
    assert action_run.skipped == ["Set up Python", "Install reasonlint"]
    assert [name for name, _, _ in action_run.steps] == ["Check the dataset", "Report", "Verdict"]


def test_action_fails_on_findings_in_its_last_step_only(action_run: ActionRun) -> None:
    assert [status for _, status, _ in action_run.steps] == [0, 0, 1]


def test_action_outputs_count_findings_and_errors_and_name_the_files(action_run: ActionRun) -> None:
    outputs = action_run.outputs
    report = json.loads(Path(outputs["report-path"]).read_text(encoding="utf-8"))
    score = f"{report['scores']['overall']:.1f}" if report["scores"] else ""
    assert (outputs["findings"], outputs["errors"], outputs["score"]) == ("28", "14", score)
    assert report["counts"] == {"info": 0, "warning": 14, "error": 14}


def test_action_sarif_file_validates_against_the_sarif_schema(action_run: ActionRun) -> None:
    validator = sarif_validator()
    log = json.loads(Path(action_run.outputs["sarif-path"]).read_text(encoding="utf-8"))
    assert not list(validator.iter_errors(log))
    results = log["runs"][0]["results"]
    assert len(results) == 28
    assert {result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for result in results} == {
        "ds/data/train.jsonl"}


def test_action_annotates_at_most_ten_per_kind_and_says_how_many_more(action_run: ActionRun) -> None:
    errors, warnings = commands(action_run, "error"), commands(action_run, "warning")
    assert len(errors) == len(warnings) == 10
    assert commands(action_run, "notice") == []
    assert errors[-1] == "::error title=reasonlint%3A 5 more errors::… 5 more errors not shown (see the full report)"
    assert warnings[-1].endswith("::… 5 more warnings not shown (see the full report)")


def test_action_annotates_the_rows_the_pull_request_added_first(action_run: ActionRun) -> None:
    lines = [int(re.search(r",line=(\d+),", command)[1]) for command in commands(action_run, "error")[:-1]]  # type: ignore[index]
    assert lines == [107, 117, 127, 137, 7, 17, 27, 37, 47]  # added lines, then by location
    first = commands(action_run, "error")[0]
    assert first.startswith("::error file=ds/data/train.jsonl,line=107,title=SCH001 malformed-record::")
    warned = [int(re.search(r",line=(\d+),", command)[1]) for command in commands(action_run, "warning")[:4]]  # type: ignore[index]
    assert warned == [103, 113, 123, 133]


def test_action_summary_counts_severities_and_lists_the_top_findings(action_run: ActionRun) -> None:
    summary = action_run.summary
    assert summary.startswith("## reasonlint: 28 findings in `ds`\n")
    assert "| error | 14 |" in summary and "| warning | 14 |" in summary and "| info | 0 |" in summary
    rows = [line for line in summary.splitlines() if line.startswith("| [`ds/")]
    assert len(rows) == 20
    assert rows[0].startswith(f"| [`ds/data/train.jsonl:107`]({SERVER}/owner/repo/blob/{SHA}/ds/data/train.jsonl#L107)"
                              " | SCH001 malformed-record | error | record cannot be read")
    assert "| SCH001 malformed-record | error | 14 |" in summary  # the counts per rule
    assert summary.rstrip().endswith("… 8 more not shown (see the report file)")
    assert len(summary.encode("utf-8")) < 1024 * 1024


def _report(count: int, message: str) -> RunReport:
    from reasonlint.findings import Finding

    findings = tuple(Finding("SCH001", "malformed-record", "schema", "quality", Severity.ERROR, message,
                             Location("train.jsonl", line=index + 1), f"{index:016x}") for index in range(count))
    return RunReport(Target(REPO, "folder", "."), (), (), findings, (), count, count, True, None, 0, 0.0)


def test_summary_stays_under_its_byte_limit_and_says_how_many_it_cut() -> None:
    report = _report(30, "x" * 1000)
    text = summary_markdown(report, ranked_annotations(report), rows=30, limit=8000)
    assert len(text.encode("utf-8")) <= 8000
    shown = sum(1 for line in text.splitlines() if line.startswith("| `train.jsonl:"))
    assert 0 < shown < 30
    assert text.rstrip().endswith(f"… {30 - shown} more not shown (see the report file)")


def test_summary_cells_cannot_break_the_table_or_inject_html() -> None:
    report = _report(1, "a | b\n<img src=x>")
    row = next(line for line in summary_markdown(report, ranked_annotations(report)).splitlines()
               if line.startswith("| `train.jsonl:1`"))
    assert row.endswith("| a \\| b &lt;img src=x&gt; |")


def test_outputs_with_line_breaks_use_the_delimiter_form(tmp_path: Path) -> None:
    path = tmp_path / "output"
    write_outputs(path, {"one": "1", "two": "a\nb"})
    assert read_outputs(path) == {"one": "1", "two": "a\nb"}
    assert path.read_text(encoding="utf-8").startswith("one=1\ntwo<<ghadelimiter_")


def test_changed_lines_is_none_outside_a_pull_request(tmp_path: Path) -> None:
    event = tmp_path / "push.json"
    event.write_text(json.dumps({"ref": "refs/heads/main"}))
    assert changed_lines(event, tmp_path) is None
    assert changed_lines(None, tmp_path) is None


def test_score_output_and_summary_carry_the_overall_score(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    report = replace(_report(2, "bad"), scores=sample_scores())
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report_dict(report)), encoding="utf-8")
    for name in ("GITHUB_SERVER_URL", "GITHUB_EVENT_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "output"))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    assert main(["--report", str(path), "--annotations", "off"]) == 0
    assert read_outputs(tmp_path / "output")["score"] == "6.0"
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert "**Score 6.0/10** · primary domain: math" in summary
    assert "| `train.jsonl:1` |" in summary  # no code host known: plain locations


def test_repository_links_point_at_the_commit_and_stay_inside_the_repository(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_SERVER_URL", "SERVER/")
    monkeypatch.setenv("GITHUB_REPOSITORY", "owner/repo")
    monkeypatch.setenv("GITHUB_SHA", SHA)
    link = repository_link(tmp_path)  # not a git checkout: paths are taken as from the repository root
    assert link is not None
    assert link("ds/my data.jsonl", 3) == f"SERVER/owner/repo/blob/{SHA}/ds/my%20data.jsonl#L3"
    assert link("README.md", None) == f"SERVER/owner/repo/blob/{SHA}/README.md"
    assert link("../elsewhere.jsonl", 1) is None
    monkeypatch.delenv("GITHUB_SHA")
    assert repository_link(tmp_path) is None
