"""`reasonlint filter`: a cleaned copy with a record of what went, the source untouched."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from reasonlint.catalogue import builtin_catalogue
from reasonlint.config import FilterSettings, Settings
from reasonlint.engine import run
from reasonlint.filter import RECORD_NAME, FilterError, _FileFilter, write_filtered
from reasonlint.source.target import resolve_target
from tests.conftest import run_cli, run_json, write_files

GOOD = [{"id": n, "question": f"What is {n} times 7?", "response": f"<think>{n} times 7 is {7 * n}.</think> "
         f"The answer is \\boxed{{{7 * n}}}.", "gt": str(7 * n)} for n in range(1, 7)]
CUT = {"id": 20, "question": "What is 9 times 7?", "response": "<think>9 times 7 is sixty-three, so the product we "
       "need is sixty-three and we then need to check the", "gt": "63"}
WRONG = {"id": 21, "question": "What is 6 times 9?", "response": "<think>6 times 9 is 54.</think> The answer is "
         "\\boxed{45}.", "gt": "54"}
ROWS = [GOOD[0], CUT, GOOD[1], WRONG, GOOD[2], dict(GOOD[0]), GOOD[3]]  # line 6 repeats line 1
CARD = "---\nlicense: mit\nsize_categories:\n- 1K<n<10K\n---\n# Times tables\n\nProducts with their reasoning.\n"


def _digest(root: Path) -> dict[str, str]:
    return {str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(root.rglob("*")) if path.is_file()}


def _filter(source: Path, destination: Path, *args: str) -> Any:
    return run_cli("filter", str(source), str(destination), "--no-cache", *args)


def test_jsonl_round_trip_keeps_lines_byte_for_byte_and_records_what_went(tmp_path: Path) -> None:
    source = write_files(tmp_path / "ds", {"train.jsonl": {"rows": ROWS}, "README.md": CARD})
    before = _digest(source)
    result = _filter(source, tmp_path / "clean")
    assert result.returncode == 0, result.stderr
    assert "kept 4 of 7 rows, removed 3 (ANS004 1, DUP001 1, TRC005 1)" in result.stdout

    assert _digest(source) == before  # the source is never written to
    lines = (source / "train.jsonl").read_bytes().splitlines(keepends=True)
    kept = (tmp_path / "clean" / "train.jsonl").read_bytes().splitlines(keepends=True)
    assert kept == [lines[0], lines[2], lines[4], lines[6]]
    record = [json.loads(line) for line in (tmp_path / "clean" / RECORD_NAME).read_text().splitlines()]
    assert [(entry["line"], entry["id"], entry["codes"]) for entry in record] == [
        (2, 20, ["TRC005"]), (4, 21, ["ANS004"]), (6, 1, ["DUP001"])]
    assert "answer '45' disagrees with reference '54'" in record[1]["messages"][0]

    # Round trip: the copy has none of the removed rows' findings; its card says what went and
    # its size category the new count.
    code, report = run_json("check", str(tmp_path / "clean"), "--exit-zero")
    assert not [f for f in report["findings"] if f["code"] in ("TRC005", "ANS004", "DUP001")]
    assert [table["files"] for table in report["tables"]] == [["train.jsonl"]]  # the record is not data
    card = (tmp_path / "clean" / "README.md").read_text()
    assert "## Rows removed by reasonlint" in card and "| TRC005 | 1 |" in card
    assert "- n<1K" in card and "1K<n<10K" not in card


def test_parquet_keeps_its_schema_and_metadata(tmp_path: Path) -> None:
    source = tmp_path / "ds"
    source.mkdir()
    schema = pa.schema([("id", pa.int64()), ("question", pa.string()), ("response", pa.string()),
                        ("gt", pa.string())], metadata={b"origin": b"times-tables v2"})
    table = pa.Table.from_pylist(ROWS, schema=schema)
    pq.write_table(table, source / "train.parquet", row_group_size=3)
    result = _filter(source, tmp_path / "clean")
    assert result.returncode == 0, result.stderr

    written = pq.read_table(tmp_path / "clean" / "train.parquet")
    assert written.schema.equals(schema, check_metadata=True)
    assert written.to_pylist() == [ROWS[0], ROWS[2], ROWS[4], ROWS[6]]
    record = [json.loads(line) for line in (tmp_path / "clean" / RECORD_NAME).read_text().splitlines()]
    assert [(entry["row"], entry["codes"]) for entry in record] == [(1, ["TRC005"]), (3, ["ANS004"]),
                                                                   (5, ["DUP001"])]


def test_csv_keeps_its_dialect(tmp_path: Path) -> None:
    source = tmp_path / "ds"
    source.mkdir()
    lines = ["id,question,response,gt\n"] + [
        f"{row['id']},{row['question']},\"{row['response']}\",{row['gt']}\n" for row in ROWS]
    (source / "train.csv").write_text("".join(lines), encoding="utf-8")
    result = _filter(source, tmp_path / "clean", "--drop", "ANS004")
    assert result.returncode == 0, result.stderr
    written = (tmp_path / "clean" / "train.csv").read_text(encoding="utf-8")
    # The removed row aside, every line as it was: delimiter, quoting and line ends kept.
    assert written == "".join(line for index, line in enumerate(lines) if index != 4)


def test_drop_selection_and_level_from_the_config_file(tmp_path: Path) -> None:
    source = write_files(tmp_path / "ds", {
        "train.jsonl": {"rows": ROWS},
        "reasonlint.toml": '[filter]\ndrop = ["TRC005"]\ndrop-level = "error"\n'})
    result = _filter(source, tmp_path / "clean")
    assert result.returncode == 0, result.stderr
    assert "kept 6 of 7 rows, removed 1 (TRC005 1)" in result.stdout
    assert (tmp_path / "clean" / "reasonlint.toml").is_file()  # other files are copied as they are


def test_a_destination_inside_the_source_or_one_that_exists_is_refused(tmp_path: Path) -> None:
    source = write_files(tmp_path / "ds", {"train.jsonl": {"rows": ROWS}})
    before = _digest(source)
    inside = _filter(source, source / "clean")
    assert inside.returncode == 2 and "inside the dataset" in inside.stderr
    (tmp_path / "taken").mkdir()
    taken = _filter(source, tmp_path / "taken")
    assert taken.returncode == 2 and "exists" in taken.stderr
    assert _digest(source) == before


def test_an_interrupted_write_leaves_no_destination(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = write_files(tmp_path / "ds", {"a.jsonl": {"rows": ROWS}, "b.jsonl": {"rows": GOOD}})
    report = run(resolve_target(str(source)), builtin_catalogue(), Settings(cache=False, jobs=1))
    original = _FileFilter._jsonl
    calls = []

    def failing_on_the_second_file(self: _FileFilter) -> Any:
        calls.append(self.source.name)
        if len(calls) == 2:
            raise OSError("disk full")
        return original(self)

    monkeypatch.setattr(_FileFilter, "_jsonl", failing_on_the_second_file)
    with pytest.raises(OSError, match="disk full"):
        write_filtered(report, builtin_catalogue(), FilterSettings(), tmp_path / "clean")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["ds"]  # no DEST, no partial folder


def test_a_selector_that_matches_no_rule_is_an_error(tmp_path: Path) -> None:
    source = write_files(tmp_path / "ds", {"train.jsonl": {"rows": ROWS}})
    report = run(resolve_target(str(source)), builtin_catalogue(), Settings(cache=False, jobs=1))
    with pytest.raises(FilterError, match="'NOPE' matches no rule"):
        write_filtered(report, builtin_catalogue(), FilterSettings(drop=["NOPE"]), tmp_path / "clean")


def test_a_prompt_in_train_and_test_leaves_train_never_test(tmp_path: Path) -> None:
    """DUP007 is reported at the test row; the filter removes the training copy, whichever
    file comes first, and keeps the test split whole."""
    leaked = dict(GOOD[4], id=30)
    source = write_files(tmp_path / "ds", {"data/train.jsonl": {"rows": [GOOD[0], GOOD[1], dict(GOOD[4]), GOOD[5]]},
                                          "data/test.jsonl": {"rows": [GOOD[2], leaked]}})
    result = _filter(source, tmp_path / "clean")
    assert result.returncode == 0, result.stderr
    assert "removed 1 (DUP007 1)" in result.stdout
    assert (tmp_path / "clean" / "data/test.jsonl").read_bytes() == (source / "data/test.jsonl").read_bytes()
    record = [json.loads(line) for line in (tmp_path / "clean" / RECORD_NAME).read_text().splitlines()]
    assert record == [{"file": "data/train.jsonl", "line": 3, "id": 5, "codes": ["DUP007"],
                       "messages": ["prompt also in split 'test'"]}]
    code, report = run_json("check", str(tmp_path / "clean"), "--exit-zero")
    assert not [f for f in report["findings"] if f["code"] == "DUP007"]


def test_json_files_keep_their_shape_and_json_lines_stay_lines(tmp_path: Path) -> None:
    """A .json file of JSON Lines (seen on huatuo_med and reasoneval in ../shared) is filtered
    line by line; equal-length columns stay columns; an LFS pointer (sky_t1) is no rows."""
    columns = {name: [row[name] for row in ROWS] for name in ROWS[0]}
    lines = "".join(json.dumps(row) + "\n" for row in ROWS)
    source = write_files(tmp_path / "ds", {"lines/train.json": lines, "columns/train.json": json.dumps(columns)})
    result = _filter(source, tmp_path / "clean", "--drop", "TRC005")
    assert result.returncode == 0, result.stderr
    assert "kept 12 of 14 rows, removed 2 (TRC005 2)" in result.stdout
    assert (tmp_path / "clean" / "lines/train.json").read_text() == "".join(
        line for index, line in enumerate(lines.splitlines(keepends=True)) if index != 1)
    written = json.loads((tmp_path / "clean" / "columns/train.json").read_text())
    assert written == {name: [value for index, value in enumerate(values) if index != 1]
                       for name, values in columns.items()}


def test_cluster_rules_are_refused_and_a_folder_without_rows_writes_nothing(tmp_path: Path) -> None:
    source = write_files(tmp_path / "ds", {"train.jsonl": {"rows": ROWS}})
    near = _filter(source, tmp_path / "clean", "--drop", "DUP006")
    assert near.returncode == 2 and "'DUP006' reports clusters of duplicates at their first member" in near.stderr
    card_only = write_files(tmp_path / "card", {"README.md": CARD})
    empty = _filter(card_only, tmp_path / "clean")
    assert empty.returncode == 2 and "no rows read, so nothing to filter" in empty.stderr
    assert not (tmp_path / "clean").exists()


def test_rows_held_by_the_baseline_are_kept(tmp_path: Path) -> None:
    source = write_files(tmp_path / "ds", {"train.jsonl": {"rows": ROWS}})
    baseline = tmp_path / "baseline.json"
    adopted = run_cli("check", str(source), "--no-cache", "--add-baseline", "--baseline", str(baseline))
    assert adopted.returncode == 0, adopted.stderr
    result = _filter(source, tmp_path / "clean", "--baseline", str(baseline), "--drop", "trace,answer")
    assert result.returncode == 0, result.stderr
    assert "kept 7 of 7 rows, removed 0" in result.stdout
    assert (tmp_path / "clean" / "train.jsonl").read_bytes() == (source / "train.jsonl").read_bytes()


def test_csv_rows_are_numbered_as_the_check_numbers_them(tmp_path: Path) -> None:
    """A record of the wrong width has no row number in the check (its reader skips it): the
    rows after it must keep the check's numbers, or the filter would remove the wrong row."""
    source = tmp_path / "ds"
    source.mkdir()
    records = [f"{row['id']},{row['question']},\"{row['response']}\",{row['gt']}\n" for row in ROWS]
    lines = ["id,question,response,gt\n", "99,a stray record with too few fields\n", *records]
    (source / "train.csv").write_text("".join(lines), encoding="utf-8")
    result = _filter(source, tmp_path / "clean", "--drop", "ANS004")
    assert result.returncode == 0, result.stderr
    written = (tmp_path / "clean" / "train.csv").read_text(encoding="utf-8")
    assert written == "".join(line for index, line in enumerate(lines) if index != 5)  # WRONG, row 3
    record = [json.loads(line) for line in (tmp_path / "clean" / RECORD_NAME).read_text().splitlines()]
    assert [(entry["row"], entry["id"]) for entry in record] == [(3, "21")]
