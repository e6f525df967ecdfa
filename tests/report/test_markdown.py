"""`--output-format markdown`: scores, counts and top findings with links, under 1 MiB."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from reasonlint.findings import Finding, Location, Severity
from reasonlint.report.github import ranked_annotations
from reasonlint.report.markdown import RULE_ROWS, relative_link, summary_markdown
from reasonlint.source.target import Target
from reasonlint.summary import RunReport
from tests.conftest import REPO, run_cli
from tests.report.scored import sample_scores


def _report(findings: list[Finding]) -> RunReport:
    return RunReport(Target(REPO, "folder", "."), (), (), tuple(findings), (), 10, 10, True, None, 0, 0.0)


def _finding(code: str, severity: Severity, line: int, message: str = "bad") -> Finding:
    return Finding(code, f"rule-{code.lower()}", "schema", "quality", severity, message,
                   Location("data/train.jsonl", line=line), f"{line:016x}")


def test_scores_table_leads_with_overall_and_domain() -> None:
    report = _report([_finding("SCH001", Severity.ERROR, 3)])
    text = summary_markdown(replace(report, scores=sample_scores()), ranked_annotations(report))
    lines = text.splitlines()
    assert lines[2] == "**Score 6.0/10** · primary domain: math (math 82%, logic puzzles 12%, other 6%)"
    assert "| Approach | 6.5 | +1.0 card names the generating model (DeepSeek-R1 (line 12)) |" in lines
    assert "| Quality | 7.3 | -0.5 SCH005 empty-field (1 of 11 rows (9.1%)) |" in lines
    assert "_Scored from 120 of 140 rules._" in lines


def test_top_findings_list_errors_first_with_links_to_their_lines() -> None:
    report = _report([_finding("SCH005", Severity.WARNING, 1), _finding("SCH001", Severity.ERROR, 9)])
    text = summary_markdown(report, ranked_annotations(report), link=relative_link)
    rows = [line for line in text.splitlines() if line.startswith("| [`")]
    assert rows[0].startswith("| [`data/train.jsonl:9`](data/train.jsonl#L9) | SCH001 rule-sch001 | error |")
    assert rows[1].startswith("| [`data/train.jsonl:1`](data/train.jsonl#L1) | SCH005")
    assert "| SCH001 rule-sch001 | error | 1 |" in text  # the counts per rule
    assert "**Score" not in text  # no scores, no scores table


def test_rule_table_is_capped() -> None:
    report = _report([_finding(f"SCH{index:03d}", Severity.INFO, index) for index in range(RULE_ROWS + 5)])
    text = summary_markdown(report, ranked_annotations(report))
    assert "| … 5 more rules | | |" in text


def test_many_long_findings_stay_under_one_mib() -> None:
    report = _report([_finding("SCH001", Severity.ERROR, index + 1, "x" * 5000) for index in range(2000)])
    text = summary_markdown(report, ranked_annotations(report), rows=2000, link=relative_link)
    assert len(text.encode("utf-8")) <= 1024 * 1024
    assert text.rstrip().endswith("more not shown (see the report file)")


def test_links_quote_paths() -> None:
    assert relative_link("data/my file.jsonl", 4) == "data/my%20file.jsonl#L4"
    assert relative_link("README.md", None) == "README.md"


def test_cli_writes_markdown(tmp_path: Path) -> None:
    result = run_cli("check", str(REPO / "fixtures" / "datasets" / "demo"), "--output-format", "markdown",
                     cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("## reasonlint: ")
    assert "SCH001 malformed-record | error |" in result.stdout
