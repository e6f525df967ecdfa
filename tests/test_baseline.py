"""The baseline: `--add-baseline` records the findings a dataset has, later runs report only
new ones, and entries that match nothing any more are reported (SUP003)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reasonlint.baseline import BASELINE_NAME, Baseline, BaselineEntry, match_baseline
from reasonlint.findings import Finding, Location, Severity
from tests.conftest import run_cli, run_json, write_files

SECRET = "Which prime follows 7919?"
BAD = {"question": SECRET, "reasoning": ""}
OTHER_BAD = {"question": "What is 6 * 7?", "reasoning": ""}
GOOD = {"question": "What is 2 + 2?", "reasoning": "2 + 2 = 4."}
RULES = ("--select", "SCH,SUP")


def _jsonl(*rows: dict[str, str]) -> str:
    return "".join(json.dumps(row) + "\n" for row in rows)


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    return write_files(tmp_path / "data", {"train.jsonl": _jsonl(GOOD, BAD, OTHER_BAD)})


def _add_baseline(root: Path, *args: str) -> str:
    result = run_cli("check", str(root), "--add-baseline", *RULES, *args)
    assert result.returncode == 0, result.stderr
    return result.stderr


def test_add_baseline_writes_fingerprints_only_and_later_runs_hide_them(dataset: Path) -> None:
    assert run_json("check", str(dataset), *RULES)[0] == 1
    assert f"wrote 2 entries to {dataset / BASELINE_NAME}" in _add_baseline(dataset)
    text = (dataset / BASELINE_NAME).read_text(encoding="utf-8")
    assert SECRET not in text and "7919" not in text and "train.jsonl" not in text
    data = json.loads(text)
    assert data["version"] == 1 and [entry["code"] for entry in data["entries"]] == ["SCH005", "SCH005"]

    code, report = run_json("check", str(dataset), *RULES)
    assert (code, report["findings"], report["run"]["baselined"]) == (0, [], 2)
    code, report = run_json("check", str(dataset), *RULES, "--no-baseline")
    assert code == 1 and len(report["findings"]) == 2


def test_a_new_bad_row_is_reported(dataset: Path) -> None:
    _add_baseline(dataset)
    with (dataset / "train.jsonl").open("a", encoding="utf-8") as file:
        file.write(_jsonl({"question": "What is 9 - 3?", "reasoning": ""}))
    code, report = run_json("check", str(dataset), *RULES)
    assert code == 1
    assert [(f["code"], f["location"]["line"]) for f in report["findings"]] == [("SCH005", 4)]


def test_identical_rows_are_counted_so_a_third_copy_is_reported(tmp_path: Path) -> None:
    root = write_files(tmp_path, {"train.jsonl": _jsonl(GOOD, BAD, BAD)})
    _add_baseline(root)
    assert json.loads((root / BASELINE_NAME).read_text())["entries"][0]["count"] == 2
    (root / "train.jsonl").write_text(_jsonl(BAD, GOOD, BAD, BAD), encoding="utf-8")
    _, report = run_json("check", str(root), *RULES)
    assert [f["location"]["line"] for f in report["findings"]] == [4]  # the later copy


def test_removing_a_baselined_bad_row_reports_the_stale_entry(dataset: Path) -> None:
    _add_baseline(dataset)
    (dataset / "train.jsonl").write_text(_jsonl(GOOD, OTHER_BAD), encoding="utf-8")
    code, report = run_json("check", str(dataset), *RULES)
    assert code == 0  # info
    [finding] = report["findings"]
    assert finding["code"] == "SUP003" and finding["location"]["path"] == BASELINE_NAME
    assert finding["message"] == ("1 baseline entry matches no finding (SCH005 ×1); "
                                  "run --add-baseline again to drop them")
    _add_baseline(dataset)
    assert len(json.loads((dataset / BASELINE_NAME).read_text())["entries"]) == 1
    assert run_json("check", str(dataset), *RULES)[1]["findings"] == []


def test_rows_not_checked_do_not_make_entries_stale(dataset: Path) -> None:
    _add_baseline(dataset)
    _, report = run_json("check", str(dataset), *RULES, "--max-rows", "1")
    assert report["findings"] == []


def test_the_file_is_byte_identical_across_runs_and_row_orders(dataset: Path) -> None:
    _add_baseline(dataset)
    first = (dataset / BASELINE_NAME).read_bytes()
    _add_baseline(dataset)
    assert (dataset / BASELINE_NAME).read_bytes() == first
    (dataset / "train.jsonl").write_text(_jsonl(OTHER_BAD, GOOD, BAD), encoding="utf-8")
    _add_baseline(dataset)
    assert (dataset / BASELINE_NAME).read_bytes() == first
    assert first.endswith(b"]\n}\n")


def test_baseline_option_names_another_file(dataset: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "known.json"
    assert "wrote 2 entries" in _add_baseline(dataset, "--baseline", str(elsewhere))
    assert not (dataset / BASELINE_NAME).exists()
    assert run_json("check", str(dataset), *RULES)[0] == 1
    assert run_json("check", str(dataset), *RULES, "--baseline", str(elsewhere))[0] == 0
    missing = run_cli("check", str(dataset), "--baseline", str(tmp_path / "nope.json"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr


@pytest.mark.parametrize(("content", "error"), [
    ("{not json", "not JSON"),
    ('{"entries": []}', 'expected "version": 1'),
    ('{"version": 1, "entries": [{"code": "SCH005", "fingerprint": "xyz", "count": 1}]}', "entry 0 is not"),
])
def test_malformed_baseline_is_a_config_error(dataset: Path, content: str, error: str) -> None:
    (dataset / BASELINE_NAME).write_text(content, encoding="utf-8")
    result = run_cli("check", str(dataset), *RULES)
    assert result.returncode == 2 and error in result.stderr and "reasonlint: error: baseline" in result.stderr


def test_add_baseline_refuses_what_it_cannot_record(dataset: Path) -> None:
    for args, words in [((str(dataset / "train.jsonl"),), "is not one"),
                        (("someone/some-dataset",), "is not one"),
                        ((str(dataset), "--max-rows", "1"), "cannot be used with --max-rows"),
                        ((str(dataset), "--fix"), "cannot be combined with --fix")]:
        result = run_cli("check", *args, "--add-baseline")
        assert result.returncode == 2 and words in result.stderr, (args, result.stderr)
    assert not (dataset / BASELINE_NAME).exists()


def _finding(code: str, fingerprint: str, line: int, family: str = "schema") -> Finding:
    return Finding(code, "name", family, "quality", Severity.WARNING, "m", Location("a.jsonl", line=line), fingerprint)


def test_match_baseline_is_a_multiset_and_never_holds_back_suppression_findings() -> None:
    baseline = Baseline(BASELINE_NAME, (BaselineEntry("SCH005", "a" * 16, 1), BaselineEntry("SUP001", "b" * 16, 1),
                                        BaselineEntry("SCH001", "c" * 16, 2)))
    findings = [_finding("SCH005", "a" * 16, 1), _finding("SCH005", "a" * 16, 2),
                _finding("SUP001", "b" * 16, 3, "suppression")]
    kept, held, left = match_baseline(findings, baseline)
    assert [f.location.line for f in kept] == [2, 3] and held == 1
    assert dict(left) == {("SUP001", "b" * 16): 1, ("SCH001", "c" * 16): 2}
