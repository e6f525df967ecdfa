"""The data profile: the same figures whatever the split of the work, and what it measures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reasonlint.catalogue import builtin_catalogue
from reasonlint.config import Settings
from reasonlint.engine import run
from reasonlint.findings import Location
from reasonlint.profile import EXAMPLES, Profiler
from reasonlint.source.mapping import Record
from reasonlint.source.target import resolve_target


def _record(index: int) -> Record:
    return Record(prompt=f"What is {index} + {index}?", response=None, trace="add " * (index % 300),
                  answer=str(2 * index) if index % 3 else None, reference=None, messages=(), fields={},
                  raw={}, generation=None)


def _profile(parts: list[range], seed: int = 0):
    profiler = Profiler(seed)
    states = []
    for part in parts:
        state = profiler.start()
        for index in part:
            profiler.add(state, _record(index), Location("train.jsonl", line=index + 1))
        states.append(state)
    merged = states[0]
    for state in states[1:]:
        merged = Profiler.merge(merged, state)
    return profiler.finish(merged)


def test_split_and_merged_profile_equals_the_one_pass_profile() -> None:
    whole = _profile([range(3000)])
    assert _profile([range(0, 1234), range(1234, 2000), range(2000, 3000)]) == whole
    assert whole.records == 3000 and whole.with_prompt == 3000 and whole.with_answer == 2000
    assert whole.trace_chars.total == 3000 - 10  # rows with index % 300 == 0 have an empty trace
    assert len(whole.examples) == EXAMPLES
    assert [e.location.line for e in whole.examples] == sorted(e.location.line for e in whole.examples)


def test_the_seed_changes_the_sample_and_nothing_else() -> None:
    first, second = _profile([range(3000)], seed=0), _profile([range(3000)], seed=1)
    assert first.trace_chars == second.trace_chars and first.records == second.records
    assert first.examples != second.examples


def test_long_texts_are_cut_and_marked(tmp_path: Path) -> None:
    rows = [{"question": "Why?", "reasoning": "because " * 2000, "answer": "so"}]
    (tmp_path / "train.jsonl").write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")
    report = run(resolve_target(str(tmp_path / "train.jsonl")), builtin_catalogue(), Settings())
    assert report.profile is not None
    (example,) = report.profile.examples
    assert example.cut and example.trace is not None and len(example.trace) < len(rows[0]["reasoning"])
    assert report.profile.trace_chars.maximum == len(rows[0]["reasoning"])


@pytest.mark.slow
def test_parallel_run_gives_the_serial_profile(tmp_path: Path) -> None:
    with (tmp_path / "train.jsonl").open("w", encoding="utf-8") as out:
        for index in range(12_000):  # > 8 MB: the engine uses workers
            out.write(json.dumps({"question": f"Q{index}?", "reasoning": f"Step {index}. " + "think. " * 140,
                                  "answer": str(index)}) + "\n")
    target = resolve_target(str(tmp_path))
    serial = run(target, builtin_catalogue(), Settings(select=["SCH"], jobs=1))
    parallel = run(target, builtin_catalogue(), Settings(select=["SCH"], jobs=2))
    assert serial.profile == parallel.profile
    assert serial.profile is not None and serial.profile.records == 12_000
