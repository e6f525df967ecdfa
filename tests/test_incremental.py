"""Incremental runs: `--since REF` checks only the rows git says changed; the row cache makes
a second run over unchanged data skip the row work without changing the report."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from reasonlint import engine
from reasonlint.catalogue import builtin_catalogue
from reasonlint.config import load_settings
from reasonlint.source.target import resolve_target
from reasonlint.summary import RunReport
from tests.conftest import run_cli, run_json, write_files

GOOD = [{"question": f"What is {i} + 1?", "reasoning": f"{i} + 1 = {i + 1}.", "answer": str(i + 1)}
        for i in range(40)]
EMPTY = {"question": "What is 9 + 9?", "reasoning": "", "answer": "18"}


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
                   check=True, capture_output=True)


def _repository(root: Path, files: dict[str, Any]) -> Path:
    write_files(root, files)
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "data")
    return root


def _lines(rows: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(row) + "\n" for row in rows)


def _row_findings(report: dict[str, Any]) -> list[tuple[str, str, int | None, int | None]]:
    return sorted((f["code"], f["location"]["path"], f["location"].get("line"), f["location"].get("row"))
                  for f in report["findings"] if f["code"] in ("SCH001", "SCH005"))


def _check(root: Path, *args: str) -> dict[str, Any]:
    _, report = run_json("check", str(root), "--select", "SCH,SIZE", *args)
    return report


# --since ----------------------------------------------------------------------------------------

def test_since_checks_appended_rows_only_and_counts_every_row(tmp_path: Path) -> None:
    old = [*GOOD[:20], EMPTY, *GOOD[20:]]  # line 21: an old defect, not this change's
    _repository(tmp_path, {"train.jsonl": _lines(old)})
    with (tmp_path / "train.jsonl").open("a", encoding="utf-8") as out:
        out.write(_lines([GOOD[0], EMPTY]) + '{"question": "cut\n')
    since = _check(tmp_path, "--since", "HEAD")
    full = _check(tmp_path)
    assert _row_findings(since) == [("SCH001", "train.jsonl", 44, None), ("SCH005", "train.jsonl", 43, None)]
    assert ("SCH005", "train.jsonl", 21, None) in _row_findings(full)
    assert since["run"]["rows_read"] == full["run"]["rows_read"] == 43
    assert since["run"]["rows_checked"] == 2
    assert since["tables"] == full["tables"]


def test_since_reads_changed_rows_in_the_middle_by_their_new_line_numbers(tmp_path: Path) -> None:
    _repository(tmp_path, {"train.jsonl": _lines(GOOD)})
    rows = [*GOOD[:5], *GOOD[7:]]  # lines 6 and 7 deleted: everything after moves up by two
    rows[10] = EMPTY  # then line 11 changed
    (tmp_path / "train.jsonl").write_text(_lines(rows), encoding="utf-8")
    since = _check(tmp_path, "--since", "HEAD")
    assert _row_findings(since) == [("SCH005", "train.jsonl", 11, None)]
    assert since["run"]["rows_checked"] == 1
    assert since["run"]["rows_read"] == 38


def test_since_reads_a_new_file_whole_and_skips_unchanged_files(tmp_path: Path) -> None:
    # blank and malformed lines in the unchanged file: counted as a full read counts them
    _repository(tmp_path, {"data/train.jsonl": _lines(GOOD[:10]) + "\n" + '{"question": \n' + _lines([EMPTY])})
    _git(tmp_path, "commit", "-q", "--allow-empty", "-m", "nothing")
    write_files(tmp_path, {"data/test.jsonl": {"rows": [GOOD[0], EMPTY]}})  # untracked
    since = _check(tmp_path, "--since", "HEAD~1")
    full = _check(tmp_path)
    assert _row_findings(since) == [("SCH005", "data/test.jsonl", 2, None)]
    assert since["tables"] == full["tables"]
    assert since["run"]["rows_read"] == full["run"]["rows_read"] == 13
    assert since["run"]["rows_checked"] == 2


def test_since_reads_a_changed_parquet_file_whole(tmp_path: Path) -> None:
    _repository(tmp_path, {"data/train.parquet": {"rows": [EMPTY, *GOOD[:3]]},
                           "data/test.parquet": {"rows": [EMPTY, *GOOD[:5]]}})
    pq.write_table(pa.Table.from_pylist([EMPTY, *GOOD[:3], EMPTY]), tmp_path / "data" / "train.parquet")
    since = _check(tmp_path, "--since", "HEAD")
    assert _row_findings(since) == [("SCH005", "data/train.parquet", None, 0),
                                    ("SCH005", "data/train.parquet", None, 4)]
    assert since["run"]["rows_read"] == 11  # test.parquet's 6 from its metadata
    assert since["run"]["rows_checked"] == 5


def test_since_outside_a_git_checkout_is_a_usage_error(tmp_path: Path) -> None:
    write_files(tmp_path, {"train.jsonl": {"rows": GOOD}})
    result = run_cli("check", str(tmp_path), "--since", "HEAD", env={"GIT_CEILING_DIRECTORIES": str(tmp_path.parent)})
    assert result.returncode == 2
    assert "--since needs a git checkout" in result.stderr


@pytest.mark.parametrize("ref", ["no-such-branch", "--output=x"])
def test_since_an_unknown_revision_is_a_usage_error(tmp_path: Path, ref: str) -> None:
    _repository(tmp_path, {"train.jsonl": _lines(GOOD)})
    result = run_cli("check", str(tmp_path), f"--since={ref}")
    assert result.returncode == 2
    assert f"--since {ref!r}" in result.stderr
    assert not (tmp_path / "x").exists()


# the cache ---------------------------------------------------------------------------------------

@pytest.fixture
def cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The cache turned on, in this test's own folder."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("REASONLINT_CACHE_DIR", str(folder))
    monkeypatch.delenv("REASONLINT_NO_CACHE")
    return folder


def _run(root: Path, **overrides: Any) -> RunReport:
    settings = load_settings(None, {"select": ["SCH", "SIZE"], "jobs": 1, **overrides})
    return engine.run(resolve_target(str(root)), builtin_catalogue(), settings)


def _same(a: RunReport, b: RunReport) -> bool:
    return (a.findings, a.tables, a.errors, a.rows_read, a.rows_checked) == (
        b.findings, b.tables, b.errors, b.rows_read, b.rows_checked)


class _CountUnits:
    """Stands in for the engine's row work, counting the files it is asked to read."""

    def __init__(self) -> None:
        self.read: list[str] = []
        self.real = engine.run_unit

    def __call__(self, context: Any, unit: Any, max_rows: int | None) -> Any:
        self.read.append(unit.path)
        return self.real(context, unit, max_rows)


@pytest.fixture
def row_work(monkeypatch: pytest.MonkeyPatch) -> _CountUnits:
    counter = _CountUnits()
    monkeypatch.setattr(engine, "run_unit", counter)
    return counter


def test_cache_second_run_skips_the_row_work_and_gives_the_same_report(
        tmp_path: Path, cache: Path, row_work: _CountUnits) -> None:
    data = write_files(tmp_path / "data", {"train.jsonl": _lines([*GOOD, EMPTY]) + '{"cut\n',
                                           "test.parquet": {"rows": [EMPTY, *GOOD[:3]]}})
    first = _run(data)
    assert sorted(row_work.read) == ["test.parquet", "train.jsonl"]
    second = _run(data)
    assert sorted(row_work.read) == ["test.parquet", "train.jsonl"]  # nothing read again
    assert _same(first, second)
    assert {f.code for f in second.findings} >= {"SCH001", "SCH005"}
    assert not any(cache.rglob("*.jsonl")) and set(os.listdir(data)) == {"train.jsonl", "test.parquet"}


def test_cache_gives_the_same_json_report_through_the_command_line(tmp_path: Path, cache: Path) -> None:
    data = write_files(tmp_path / "data", {"train.jsonl": _lines([*GOOD, EMPTY])})
    first, second = _check(data), _check(data)
    assert first == second
    assert any((cache / "rows-v1" / "entries").rglob("*"))


def test_cache_entry_is_invalidated_by_a_data_change(tmp_path: Path, cache: Path, row_work: _CountUnits) -> None:
    data = write_files(tmp_path / "data", {"train.jsonl": _lines(GOOD), "test.jsonl": _lines(GOOD[:5])})
    _run(data)
    text = (data / "train.jsonl").read_text(encoding="utf-8")
    (data / "train.jsonl").write_text(text.replace('"1 + 1 = 2."', '""'), encoding="utf-8")  # same size
    row_work.read.clear()
    report = _run(data)
    assert row_work.read == ["train.jsonl"]
    assert [(f.code, f.location.line) for f in report.findings if f.code == "SCH005"] == [("SCH005", 2)]


def test_cache_entry_is_invalidated_by_a_parameter_change(tmp_path: Path, cache: Path, row_work: _CountUnits) -> None:
    data = write_files(tmp_path / "data", {"train.jsonl": _lines([*GOOD, EMPTY])})
    assert any(f.code == "SCH005" for f in _run(data).findings)
    report = _run(data, rules={"SCH005": {"roles": ["prompt"]}})
    assert len(row_work.read) == 2
    assert not any(f.code == "SCH005" for f in report.findings)


def test_no_cache_neither_reads_nor_writes_it(tmp_path: Path, cache: Path, row_work: _CountUnits) -> None:
    data = write_files(tmp_path / "data", {"train.jsonl": _lines(GOOD)})
    _run(data, cache=False)
    assert not cache.exists()
    _run(data)  # writes the entry
    _run(data, cache=False)  # and does not use it
    assert len(row_work.read) == 3


def test_corrupt_cache_entries_are_ignored_and_rewritten(tmp_path: Path, cache: Path, row_work: _CountUnits) -> None:
    data = write_files(tmp_path / "data", {"train.jsonl": _lines([*GOOD, EMPTY])})
    first = _run(data)
    entries = [path for path in (cache / "rows-v1" / "entries").rglob("*") if path.is_file()]
    for path in entries:
        path.write_bytes(b"not a pickle")
    assert _same(_run(data), first)
    assert _same(_run(data), first)
    assert len(row_work.read) == 2  # the corrupt entry read again, the rewritten one used


@pytest.mark.slow
def test_cache_written_by_a_parallel_run_serves_a_serial_one(tmp_path: Path, cache: Path) -> None:
    rows = [{"question": f"Q{i}?", "reasoning": "" if i % 1009 == 7 else "think. " * 150, "answer": str(i)}
            for i in range(9_000)]
    data = write_files(tmp_path / "data", {"train.jsonl": _lines(rows)})  # > 8 MB: sliced for the workers
    parallel = _run(data, jobs=2)
    def fail(*args: Any) -> None:
        raise AssertionError("the file was read again")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engine, "run_unit", fail)
        serial = _run(data)
    assert _same(parallel, serial)
    assert sum(f.code == "SCH005" for f in serial.findings) == 9


def test_clean_removes_the_cache_and_says_what(tmp_path: Path, cache: Path) -> None:
    data = write_files(tmp_path / "data", {"train.jsonl": _lines(GOOD)})
    _check(data)
    assert (cache / "rows-v1").is_dir()
    result = run_cli("clean")
    assert result.returncode == 0
    assert result.stdout.startswith(f"removed {cache / 'rows-v1'} (")
    assert not cache.exists()
    assert run_cli("clean").stdout.startswith("nothing to remove")
