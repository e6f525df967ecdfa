"""`--output-format github`: GitHub Actions workflow commands, one per finding, escaped as the
runner expects (`%`, CR, LF in the message; also `:` and `,` in property values).

Each dataset is written into `<tmp>/ds` and checked by the real CLI from `<tmp>`, so files
are named `ds/<file>`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reasonlint.report.github import escape_data, escape_property
from tests.conftest import (
    EMPTY_TRACE_ROW,
    GOOD_ROW,
    MIXED_JSONL,
    REPO,
    SIZE_AS_INFO,
    engine_rules,
    run_cli,
    write_files,
)


def github_lines(root: Path, files: dict[str, Any], *args: str) -> list[str]:
    """Write `files` into root/ds and return the stdout lines of `check ds --output-format github`."""
    write_files(root / "ds", files)
    result = run_cli("check", "ds", "--output-format", "github", *engine_rules(*args), cwd=root)
    assert result.returncode in (0, 1), result.stderr
    return result.stdout.splitlines()


@pytest.fixture(scope="module")
def mixed_lines(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The commands for an error on line 2, a warning on line 3 and an info on the file."""
    files = {"train.jsonl": MIXED_JSONL, "reasonlint.toml": SIZE_AS_INFO}
    return github_lines(tmp_path_factory.mktemp("mixed"), files)


def line_for(lines: list[str], code: str) -> str:
    (found,) = (line for line in lines if f",title={code} " in line)
    return found


@pytest.mark.parametrize(("text", "escaped"), [
    ("plain text: a, b", "plain text: a, b"),  # `:` and `,` are fine in the message
    ("100%", "100%25"),
    ("one\ntwo", "one%0Atwo"),
    ("one\r\ntwo", "one%0D%0Atwo"),
    ("%0A is not a newline", "%250A is not a newline"),  # `%` first, so nothing is decoded twice
])
def test_escape_data_encodes_percent_and_line_breaks(text: str, escaped: str) -> None:
    assert escape_data(text) == escaped


@pytest.mark.parametrize(("text", "escaped"), [
    ("data/train.jsonl", "data/train.jsonl"),
    ("a:b", "a%3Ab"),
    ("a,b", "a%2Cb"),
    ("50%\r\n", "50%25%0D%0A"),
    ("odd,name:1%.jsonl", "odd%2Cname%3A1%25.jsonl"),
    ("%3A", "%253A"),
])
def test_escape_property_also_encodes_colon_and_comma(text: str, escaped: str) -> None:
    assert escape_property(text) == escaped


def test_github_error_is_an_error_command_with_file_line_and_title(mixed_lines: list[str]) -> None:
    assert line_for(mixed_lines, "SCH001").startswith(
        "::error file=ds/train.jsonl,line=2,title=SCH001 malformed-record::record cannot be read: ")


def test_github_warnings_are_warning_commands_with_the_field(mixed_lines: list[str]) -> None:
    assert line_for(mixed_lines, "SCH005") == (
        "::warning file=ds/train.jsonl,line=3,title=SCH005 empty-field::reasoning: trace is empty")


def test_github_info_findings_are_notice_commands(mixed_lines: list[str]) -> None:
    notice = line_for(mixed_lines, "SIZE001")
    assert notice.startswith("::notice file=ds/train.jsonl,title=SIZE001 too-few-examples::")
    assert ",line=" not in notice  # a dataset-wide finding has no line


def test_github_prints_one_command_per_finding_errors_first(mixed_lines: list[str]) -> None:
    assert [line.split(" ", 1)[0] for line in mixed_lines] == ["::error", "::warning", "::notice"]


def test_github_parquet_row_findings_name_the_row_in_the_message(tmp_path: Path) -> None:
    lines = github_lines(tmp_path, {"train.parquet": {"rows": [GOOD_ROW, EMPTY_TRACE_ROW]}})
    assert line_for(lines, "SCH005") == (
        "::warning file=ds/train.parquet,title=SCH005 empty-field::row 1: reasoning: trace is empty")


def test_github_escapes_file_names_and_messages(tmp_path: Path) -> None:
    # A column name with `%` and a newline ends up in SCH004's message; the file name has `,` and `:`.
    lines = github_lines(tmp_path, {"odd,name:1.jsonl": {"rows": [{"weird%col\nx": "v"}]}})
    assert len(lines) == 2  # SCH004 and SIZE001: a raw newline would have split a command
    unmapped = line_for(lines, "SCH004")
    assert unmapped.startswith("::error file=ds/odd%2Cname%3A1.jsonl,title=SCH004 unmapped-columns::")
    message = unmapped.split("::", 2)[2]
    assert "weird%25col%0Ax" in message
    assert "\r" not in unmapped


def test_github_output_for_the_demo_dataset() -> None:
    result = run_cli("check", "fixtures/datasets/demo", "--output-format", "github", cwd=REPO)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert line_for(lines, "SCH001").startswith(
        "::error file=fixtures/datasets/demo/data/train.jsonl,line=6,title=SCH001 malformed-record::")
    assert line_for(lines, "SCH005") == ("::warning file=fixtures/datasets/demo/data/train.jsonl,line=7,"
                                         "title=SCH005 empty-field::reasoning: trace is empty")
    assert line_for(lines, "SIZE001").startswith(
        "::warning file=fixtures/datasets/demo/README.md,title=SIZE001 too-few-examples::")
