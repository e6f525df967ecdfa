"""The JSONL reader: values exactly as `json.loads` gives them, and slices that agree with a
whole-file read on every row and line number."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reasonlint.source.readers import FileSlice, RawRow, ReadProblem, plan_slices, read_slice

# orjson refuses or rounds these; the reader must fall back to json.loads for them.
EDGE_LINES = [
    '{"answer": 123456789012345678901234567890}',
    '{"answer": -9223372036854775809}',
    '{"answer": NaN, "score": Infinity}',
    '{"text": "\\ud800 lone surrogate"}',
    '{"nested": {"deep": [1, 2.5, {"big": 99999999999999999999}]}}',
    '{"duplicate": 1, "duplicate": 2}',
]


@pytest.mark.parametrize("line", EDGE_LINES)
def test_values_match_the_standard_library(tmp_path: Path, line: str) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    (event,) = read_slice(FileSlice(path, "jsonl"))
    assert isinstance(event, RawRow)
    assert repr(event.raw) == repr(json.loads(line))  # repr: NaN != NaN, and 1e30 == int(1e30) is False


def test_errors_keep_the_standard_library_message_and_line(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text('{"a": 1}\n\n{"a": tru}\n{"a": 2\n', encoding="utf-8")
    events = list(read_slice(FileSlice(path, "jsonl")))
    problems = [event for event in events if isinstance(event, ReadProblem)]
    assert [(p.line, p.detail) for p in problems] == [
        (3, "invalid JSON: Expecting value at column 7"),
        (4, "invalid JSON: the line ends before the value is complete (truncated, or split over lines)"),
    ]


def test_slices_give_the_rows_and_lines_of_a_whole_read(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    lines = []
    for index in range(3000):
        lines.append("" if index % 97 == 0 else "not json" if index % 211 == 0 else json.dumps({"i": index}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    slices = list(plan_slices(path, "jsonl", chunk_bytes=4096))
    assert len(slices) > 5
    assert sum(part.size for part in slices) == path.stat().st_size

    def seen(parts: list[FileSlice]) -> list[tuple[str, int | None, object]]:
        return [(type(e).__name__, e.line, e.raw if isinstance(e, RawRow) else e.detail)
                for part in parts for e in read_slice(part)]

    assert seen(slices) == seen([FileSlice(path, "jsonl")])
