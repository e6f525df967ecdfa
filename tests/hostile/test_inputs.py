"""Hostile files: each is a clear, located finding and the run goes on, within a time bound
(generous: a guard against hangs, not a benchmark), and data never drives the terminal."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

from reasonlint.catalogue import builtin_catalogue
from reasonlint.config import Settings
from reasonlint.engine import run
from reasonlint.report import reporter
from reasonlint.source.target import resolve_target
from tests.conftest import GOOD_ROW, run_cli, write_files

TEXT_FORMATS = ("full", "concise", "github", "markdown")


def test_json_nested_past_the_limit_is_a_located_finding_not_a_crash(tmp_path: Path) -> None:
    deep = '{"question": ' + "[" * 100_000 + "]" * 100_000 + "}\n"
    write_files(tmp_path / "ds", {"train.jsonl": json.dumps(GOOD_ROW) + "\n" + deep + json.dumps(GOOD_ROW) + "\n"})
    write_files(tmp_path / "array", {"train.json": "[" + '{"question": ' + "[" * 100_000 + "]" * 100_000 + "}]"})
    started = time.perf_counter()
    result = run_cli("check", str(tmp_path / "ds"), "--select", "SCH", "--output-format", "json")
    assert time.perf_counter() - started < 60
    assert result.returncode == 1, result.stderr[-2000:]
    report = json.loads(result.stdout)
    deep_findings = [(f["location"]["path"], f["location"]["line"]) for f in report["findings"]
                     if "nested more than 100 levels" in f["message"]]
    assert deep_findings == [("train.jsonl", 2)]
    assert report["run"]["rows_read"] == 2
    result = run_cli("check", str(tmp_path / "array"), "--select", "SCH", "--output-format", "json")
    assert result.returncode == 1, result.stderr[-2000:]
    assert any("nested more than 100 levels" in f["message"] for f in json.loads(result.stdout)["findings"])


def test_csv_cell_of_ten_megabytes_is_read(tmp_path: Path) -> None:
    rows = "question,reasoning\n" + "".join(f"q{i}?,r{i}\n" for i in range(3))
    rows += 'q big?,"' + "step " * 2_000_000 + '"\nq4?,r4\n'
    write_files(tmp_path / "ds", {"train.csv": rows})
    result = run_cli("check", str(tmp_path / "ds"), "--select", "SCH", "--output-format", "json")
    report = json.loads(result.stdout)
    assert report["run"]["rows_read"] == 5
    assert not [f for f in report["findings"] if f["code"] == "SCH002"], report["findings"]


def test_escape_sequences_and_markup_in_data_are_shown_escaped_in_every_text_format(tmp_path: Path) -> None:
    """ANSI colours, a cursor move, a bidi override, rich markup and an emoji code in a column
    name and in a cell: every text format shows them as text, none as what they do."""
    hostile = "\x1b[31mRED\x1b[0m \x1b[2J \u202ereversed :x: [bold]loud[/bold] \r\x07"
    rows = [{"question": f"What is {i} + {i}?", f"odd\x1b[1m{hostile}": hostile, "reasoning": ""}
            for i in range(3)]
    folder = write_files(tmp_path / "ds", {"train.jsonl": {"rows": rows}})
    report = run(resolve_target(str(folder)), builtin_catalogue(), Settings(jobs=1, cache=False, select=["SCH"]))
    assert report.findings
    for fmt in TEXT_FORMATS:
        out = io.StringIO()
        reporter(fmt).render(report, out)
        text = out.getvalue()
        for raw in ("\x1b", "\u202e", "\x07", "\r", "❌"):
            assert raw not in text, (fmt, raw)
    full = run_cli("check", str(folder), "--select", "SCH").stdout
    assert "\x1b" not in full and "\\x1b[31m" in full
