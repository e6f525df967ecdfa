"""The text formats (`concise`, `full`), `jsonl`, `--statistics`, and the exit codes.

Each dataset is written into `<tmp>/ds` and checked by the real CLI from `<tmp>`, so paths
print as `ds/<file>`.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EMPTY_TRACE_ROW, GOOD_ROW, MIXED_JSONL, REPO, engine_rules, run_cli, run_json, write_files

MIXED: dict[str, Any] = {"train.jsonl": MIXED_JSONL}
# Only warnings: an empty trace in row 1 of a Parquet file, and too few rows.
PARQUET: dict[str, Any] = {"train.parquet": {"rows": [GOOD_ROW, EMPTY_TRACE_ROW]}}
# Only info: the same two findings, configured down to info.
INFO_ONLY: dict[str, Any] = {**PARQUET, "reasonlint.toml": '[severity]\nSCH005 = "info"\nSIZE001 = "info"\n'}
# Nothing to find: 100 well-formed rows.
CLEAN: dict[str, Any] = {"train.jsonl": {"rows": [
    {"question": f"What is {n} + 1?", "reasoning": f"{n} + 1 = {n + 1}.", "answer": str(n + 1)} for n in range(100)]}}

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def check(root: Path, files: dict[str, Any], *args: str) -> subprocess.CompletedProcess[str]:
    """Write `files` into root/ds and run `reasonlint check ds ARGS` from root."""
    write_files(root / "ds", files)
    return run_cli("check", "ds", *engine_rules(*args), cwd=root)


def plain(text: str) -> str:
    """Terminal output without colour codes, in case the environment forces colour."""
    return _ANSI.sub("", text)


# --- concise -------------------------------------------------------------------------------

def test_concise_prints_path_line_code_severity_field_and_message(tmp_path: Path) -> None:
    lines = check(tmp_path, MIXED, "--output-format", "concise").stdout.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("ds/train.jsonl: SIZE001 [warning] 2 rows")
    assert lines[1].startswith("ds/train.jsonl:2: SCH001 [error] record cannot be read: ")
    assert lines[2] == "ds/train.jsonl:3: SCH005 [warning] [reasoning] trace is empty"


def test_concise_names_the_row_of_a_parquet_finding(tmp_path: Path) -> None:
    lines = check(tmp_path, PARQUET, "--output-format", "concise").stdout.splitlines()
    assert "ds/train.parquet:row 1: SCH005 [warning] [reasoning] trace is empty" in lines


def test_concise_paths_are_relative_to_the_current_directory(tmp_path: Path) -> None:
    write_files(tmp_path / "ds", MIXED)
    (tmp_path / "elsewhere").mkdir()
    result = run_cli("check", str(tmp_path / "ds"), "--output-format", "concise", cwd=tmp_path / "elsewhere")
    assert "../ds/train.jsonl:3: SCH005 [warning] [reasoning] trace is empty" in result.stdout.splitlines()


def test_concise_prints_one_line_per_finding_when_a_message_holds_a_newline(tmp_path: Path) -> None:
    # SCH004's message lists the column names, and this one has a newline in it.
    result = check(tmp_path, {"train.jsonl": {"rows": [{"weird\ncolumn": "v"}]}}, "--output-format", "concise")
    lines = result.stdout.splitlines()
    assert len(lines) == 2, lines  # SCH004 and SIZE001
    assert all(line.startswith("ds/train.jsonl: ") for line in lines), lines


# --- full ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def full_mixed(tmp_path_factory: pytest.TempPathFactory) -> str:
    return plain(check(tmp_path_factory.mktemp("full"), MIXED).stdout)


def test_full_is_the_default_format_and_starts_with_the_target_and_its_mapping(full_mixed: str) -> None:
    lines = full_mixed.splitlines()
    assert lines[0] == "ds"
    assert lines[1].strip() == "default/train: train.jsonl: 2 rows; prompt=question trace=reasoning answer=answer"


def test_full_groups_findings_under_their_file_once(full_mixed: str) -> None:
    assert full_mixed.splitlines().count("ds/train.jsonl") == 1


def test_full_shows_line_code_name_field_and_excerpt(full_mixed: str) -> None:
    lines = full_mixed.splitlines()
    malformed = lines.index(next(line for line in lines if "SCH001" in line))
    assert re.match(r"^\s+line 2\s+SCH001 malformed-record record cannot be read: ", lines[malformed])
    assert lines[malformed + 1].strip().startswith('│ {"question": "What is 5 + 5?"')
    assert any(re.match(r"^\s+line 3\s+SCH005 empty-field reasoning: trace is empty$", line) for line in lines)


def counts_line(output: str) -> str:
    """The counts line: the last one, or the one before the scores that end a scored run."""
    lines = output.splitlines()
    scored = [index for index, line in enumerate(lines) if line.startswith("Approach ")]
    return lines[scored[-1] - 2] if scored else lines[-1]


def test_full_ends_with_the_counts_then_the_scores(full_mixed: str) -> None:
    last = counts_line(full_mixed)
    assert re.match(r"^3 findings \(1 error, 2 warnings, 0 info\) in 2 rows, \d+ rules, \d+\.\ds$", last), last
    lines = full_mixed.splitlines()
    if lines[-1] != last:  # scored: the three criteria, then the overall score and the domain
        assert [line.split()[0] for line in lines[-4:]] == ["Approach", "Domain", "Quality", "Overall"]
        assert re.search(r"domain: \S", lines[-1])


def test_full_names_the_row_of_a_parquet_finding(tmp_path: Path) -> None:
    output = plain(check(tmp_path, PARQUET, "--output-format", "full").stdout)
    assert any(re.match(r"^\s+row 1\s+SCH005 empty-field reasoning: trace is empty$", line)
               for line in output.splitlines())


def test_full_prints_data_that_looks_like_markup_as_it_is(tmp_path: Path) -> None:
    output = plain(check(tmp_path, {"train.jsonl": {"rows": [{"[bold]col[/bold]": "v"}]}}).stdout)
    assert "(columns: [bold]col[/bold])" in output


def test_full_reports_a_clean_dataset_with_zero_findings(tmp_path: Path) -> None:
    result = check(tmp_path, CLEAN)
    assert result.returncode == 0
    assert counts_line(plain(result.stdout)).startswith("0 findings (0 errors, 0 warnings, 0 info) in 100 rows")


# --- jsonl ---------------------------------------------------------------------------------

def test_jsonl_prints_the_json_reports_findings_one_per_line(tmp_path: Path) -> None:
    lines = check(tmp_path, MIXED, "--output-format", "jsonl").stdout.splitlines()
    _, report = run_json("check", "ds", *engine_rules(), cwd=tmp_path)
    assert [json.loads(line) for line in lines] == report["findings"]
    assert len(lines) == 3


def test_jsonl_prints_nothing_for_a_clean_dataset(tmp_path: Path) -> None:
    assert check(tmp_path, CLEAN, "--output-format", "jsonl").stdout == ""


# --- --statistics --------------------------------------------------------------------------

TWO_EMPTY_TRACES: dict[str, Any] = {"train.jsonl": MIXED_JSONL + json.dumps(EMPTY_TRACE_ROW | {"answer": "7"}) + "\n"}


def test_statistics_counts_findings_per_rule_most_frequent_first(tmp_path: Path) -> None:
    result = check(tmp_path, TWO_EMPTY_TRACES, "--output-format", "concise", "--statistics")
    assert result.stdout.splitlines() == [
        "2\tSCH005\t[warning] empty-field",
        "1\tSCH001\t[error] malformed-record",
        "1\tSIZE001\t[warning] too-few-examples",
    ]
    assert result.returncode == 1  # the findings still decide the exit code


def test_statistics_right_aligns_the_counts(tmp_path: Path) -> None:
    rows = [GOOD_ROW] + [EMPTY_TRACE_ROW | {"answer": str(n)} for n in range(12)]
    result = check(tmp_path, {"train.jsonl": {"rows": rows}}, "--statistics", "--select", "SCH005,SIZE001")
    assert result.stdout.splitlines() == [
        "12\tSCH005\t[warning] empty-field", " 1\tSIZE001\t[warning] too-few-examples"]


@pytest.mark.parametrize("output_format", ["json", "jsonl"])
def test_statistics_as_json_for_the_json_formats(tmp_path: Path, output_format: str) -> None:
    result = check(tmp_path, TWO_EMPTY_TRACES, "--output-format", output_format, "--statistics")
    assert json.loads(result.stdout) == [
        {"code": "SCH005", "name": "empty-field", "severity": "warning", "count": 2},
        {"code": "SCH001", "name": "malformed-record", "severity": "error", "count": 1},
        {"code": "SIZE001", "name": "too-few-examples", "severity": "warning", "count": 1},
    ]


def test_statistics_show_the_configured_severity(tmp_path: Path) -> None:
    result = check(tmp_path, INFO_ONLY, "--statistics")
    assert sorted(result.stdout.splitlines()) == [
        "1\tSCH005\t[info] empty-field", "1\tSIZE001\t[info] too-few-examples"]


def test_statistics_print_nothing_for_a_clean_dataset(tmp_path: Path) -> None:
    assert check(tmp_path, CLEAN, "--statistics").stdout == ""


# --- exit codes ----------------------------------------------------------------------------

def test_exit_code_is_0_without_findings(tmp_path: Path) -> None:
    result = check(tmp_path, CLEAN, "--output-format", "concise")
    assert (result.returncode, result.stdout) == (0, "")


def test_exit_code_is_0_with_only_findings_below_the_fail_level(tmp_path: Path) -> None:
    result = check(tmp_path, INFO_ONLY, "--output-format", "concise")
    assert result.stdout  # the info findings are printed
    assert result.returncode == 0


def test_exit_code_is_1_with_findings_at_or_above_the_fail_level(tmp_path: Path) -> None:
    assert check(tmp_path / "errors", MIXED, "--output-format", "concise").returncode == 1
    assert check(tmp_path / "warnings", PARQUET, "--output-format", "concise").returncode == 1
    assert check(tmp_path / "info", INFO_ONLY, "--output-format", "concise", "--fail-level", "info").returncode == 1


def test_exit_code_is_0_with_only_warnings_and_fail_level_error(tmp_path: Path) -> None:
    assert check(tmp_path / "warnings", PARQUET, "--output-format", "concise", "--fail-level", "error").returncode == 0
    assert check(tmp_path / "errors", MIXED, "--output-format", "concise", "--fail-level", "error").returncode == 1


def test_exit_zero_gives_0_despite_errors(tmp_path: Path) -> None:
    result = check(tmp_path, MIXED, "--output-format", "concise", "--exit-zero")
    assert "SCH001 [error]" in result.stdout
    assert result.returncode == 0


def test_exit_code_is_2_for_a_missing_target_with_a_one_line_error_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dataset"
    result = run_cli("check", str(missing), "--output-format", "concise", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert str(missing) in result.stderr


@pytest.mark.parametrize("output_format", ["full", "json", "sarif", "github"])
def test_exit_code_is_2_for_a_missing_target_whatever_the_format(tmp_path: Path, output_format: str) -> None:
    result = run_cli("check", "no-such-dataset", "--output-format", output_format, "--exit-zero", cwd=tmp_path)
    assert result.returncode == 2
    assert "no-such-dataset" in result.stderr


def test_exit_code_of_the_demo_dataset_is_1() -> None:
    result = run_cli("check", "fixtures/datasets/demo", "--output-format", "concise", cwd=REPO)
    assert result.returncode == 1
    assert "fixtures/datasets/demo/data/train.jsonl:6: SCH001 [error]" in result.stdout


def test_full_report_ends_with_the_scores_and_the_domain() -> None:
    import io
    from dataclasses import replace

    from reasonlint.report.full import FullReporter
    from tests.report.scored import run_report, sample_scores

    report = run_report(REPO / "fixtures" / "datasets" / "demo")
    out = io.StringIO()
    FullReporter().render(replace(report, scores=sample_scores()), out)
    lines = out.getvalue().rstrip().splitlines()
    assert lines[-4].startswith("Approach   6.5/10  +1.0 card names the generating model")
    assert lines[-2].startswith("Quality    7.3/10  -0.5 SCH005 empty-field")
    assert lines[-1] == ("Overall    6.0/10 (from 120 of 140 rules)  domain: math "
                         "(math 82%, logic puzzles 12%, other 6%)")
    plain = io.StringIO()
    FullReporter().render(replace(report, scores=None), plain)
    assert "Overall" not in plain.getvalue()
