"""SCH008 against the real `datasets` loader: the rule fires exactly when `load_dataset` fails.

Each case is a split of JSON Lines files (rows per file, in file order); the folder is
loaded the way the Hub's viewer loads it, from its path, into a cache in the test's tmp dir.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reasonlint.catalogue import builtin_catalogue
from reasonlint.checks.viewer import JSON, as_features, cast_problem, render, type_of, unify, viewer_cast_error
from reasonlint.config import Settings
from reasonlint.engine import run
from reasonlint.findings import Location
from reasonlint.source.mapping import Record
from reasonlint.source.target import resolve_target

# name: (rows of part-0, rows of part-1, ...)
CASES: dict[str, tuple[list[dict[str, Any]], ...]] = {
    "int-and-float-rows-in-one-file": ([{"a": 1}, {"a": 1.5}],),
    "int-then-fraction": ([{"a": 1}], [{"a": 1.5}]),
    "int-then-integral-float": ([{"a": 1}], [{"a": 2.0}]),
    "float-then-int": ([{"a": 1.5}], [{"a": 1}]),
    "int-and-str-rows-in-one-file": ([{"a": 1}, {"a": "x"}],),
    "int-then-str": ([{"a": 1}], [{"a": "x"}]),
    "int-then-integer-text": ([{"a": 1}], [{"a": "5"}]),
    "str-then-int": ([{"a": "x"}], [{"a": 1}]),
    "str-then-list": ([{"a": "x"}], [{"a": ["x"]}]),
    "str-and-list-rows-in-one-file": ([{"a": "x"}, {"a": ["x"]}],),
    "str-and-list-mixed-in-a-later-file": ([{"a": "x"}], [{"a": "y"}, {"a": [1]}]),
    "list-then-str": ([{"a": ["x"]}], [{"a": "x"}]),
    "bool-then-int": ([{"a": True}], [{"a": 1}]),
    "bool-then-str": ([{"a": True}], [{"a": "x"}]),
    "null-then-str": ([{"a": None}], [{"a": "x"}]),
    "null-and-str-then-list": ([{"a": None}, {"a": "x"}], [{"a": ["y"]}]),
    "str-then-null": ([{"a": "x"}], [{"a": None}]),
    "key-missing-in-later-rows": ([{"a": 1, "b": "x"}, {"a": 2}], [{"a": 2}]),
    "new-column-in-later-file": ([{"a": 1}], [{"a": 1, "b": "x"}]),
    "new-null-column-in-later-file": ([{"a": 1}], [{"a": 1, "b": None}]),
    "struct-keys-differ-in-one-file": ([{"a": {"x": 1}}, {"a": {"y": "s"}}],),
    "struct-keys-differ-between-files": ([{"a": {"x": 1}}], [{"a": {"y": "s"}}]),
    "struct-with-fewer-keys-later": ([{"a": {"x": 1, "y": 2}}], [{"a": {"x": 1}}]),
    "struct-with-more-keys-later": ([{"a": {"x": 1}}], [{"a": {"x": 1, "y": 2}}]),
    "struct-keys-reordered": ([{"a": {"x": 1, "y": "s"}}], [{"a": {"y": "t", "x": 2}}]),
    "struct-then-str": ([{"a": {"x": 1}}], [{"a": "s"}]),
    "str-then-struct": ([{"a": "x"}], [{"a": {"x": 1}}]),
    "nested-int-then-fraction": ([{"a": {"x": 1}}], [{"a": {"x": 1.5}}]),
    "nested-null-then-str": ([{"a": {"x": None}}], [{"a": {"x": "s"}}]),
    "list-of-str-then-list-of-int": ([{"a": ["x"]}], [{"a": [1]}]),
    "list-of-int-then-list-of-str": ([{"a": [1]}], [{"a": ["x"]}]),
    "empty-list-then-list-of-str": ([{"a": []}], [{"a": ["x"]}]),
    "list-of-str-then-empty-list": ([{"a": ["x"]}], [{"a": []}]),
    "messages-with-a-new-key-later": (
        [{"messages": [{"role": "user", "content": "q"}]}],
        [{"messages": [{"role": "user", "content": "q", "reasoning": "r"}]}],
    ),
    "same-types-everywhere": ([{"q": "a", "n": 1}], [{"q": "b", "n": 2}], [{"q": "c", "n": None}]),
}


def _write(root: Path, files: tuple[list[dict[str, Any]], ...]) -> None:
    (root / "data").mkdir(parents=True)
    for index, rows in enumerate(files):
        text = "".join(json.dumps(row) + "\n" for row in rows)
        (root / "data" / f"part-{index}.jsonl").write_text(text, encoding="utf-8")


def _loads(root: Path, cache: Path) -> bool:
    import datasets

    datasets.disable_progress_bars()
    try:
        datasets.load_dataset(str(root), cache_dir=str(cache))
    except Exception:  # noqa: BLE001 - any failure is what the viewer shows
        return False
    return True


@pytest.mark.parametrize("name", list(CASES))
def test_rule_fires_exactly_when_datasets_fails(name: str, tmp_path: Path) -> None:
    root = tmp_path / "ds"
    _write(root, CASES[name])
    report = run(resolve_target(str(root)), builtin_catalogue(), Settings.model_validate({"select": ["SCH008"],
                                                                                         "jobs": 1}))
    fired = [f for f in report.findings if f.code == "SCH008"]
    loads = _loads(root, tmp_path / "cache")
    assert not fired == loads, f"datasets loads: {loads}; findings: {[f.message for f in fired]}"
    assert sorted(p.name for p in root.rglob("*")) == sorted(["data", *(f"part-{i}.jsonl"
                                                                       for i in range(len(CASES[name])))])


def test_finding_names_file_line_and_nested_key(tmp_path: Path) -> None:
    _write(tmp_path, ([{"m": {"x": 1}}], [{"m": {"x": 2}}, {"m": {"x": 3, "y": "s"}}]))
    report = run(resolve_target(str(tmp_path)), builtin_catalogue(), Settings.model_validate({"select": ["SCH008"]}))
    [finding] = report.findings
    assert (finding.location.path, finding.location.line, finding.location.field) == ("data/part-1.jsonl", 2, "m.y")
    assert finding.message == "m.y is string here, but absent in data/part-0.jsonl, the first file of default/train"


def _state_of(rows: list[tuple[str, int, dict[str, Any]]]) -> Any:
    check = viewer_cast_error()
    state = check.start()
    for path, line, raw in rows:
        record = Record(None, None, None, None, None, None, {}, raw)
        check.add(state, record, Location(path, line=line, split="train", config="default"))
    return state


def test_merging_slices_gives_the_state_of_one_pass() -> None:
    rows = [("a.jsonl", 1, {"x": 1}), ("a.jsonl", 2, {"x": None}), ("a.jsonl", 3, {"x": 1.5}),
            ("b.jsonl", 1, {"x": "s"}), ("b.jsonl", 2, {"x": [1]})]
    check = viewer_cast_error()
    whole = _state_of(rows)
    for cut in range(1, len(rows)):
        assert check.merge(_state_of(rows[:cut]), _state_of(rows[cut:])) == whole


def test_types_unify_like_pyarrow() -> None:
    assert unify(type_of(1), type_of(1.5)) == ("float", True)
    assert unify(type_of("x"), type_of(["x"])) == JSON
    assert as_features(unify(type_of({"x": 1}), type_of({"y": 1}))) == JSON
    assert cast_problem(type_of([1.5]), type_of([1]), "a") == ("a[]", ("float", True), ("int",))
    assert render(type_of({"a": [None], "b": 1})) == "struct{a, b}"
    assert render(type_of([["x"]])) == "list<list<string>>"
