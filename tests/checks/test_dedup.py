from __future__ import annotations

import pickle
from typing import Any

from reasonlint.checks.dedup import (
    ExactDuplicateRows,
    IdenticalResponses,
    NearDuplicates,
    PromptInSeveralSplits,
    SameTraceDifferentPrompts,
    TemplatedTraces,
    skeleton,
)
from reasonlint.findings import Location
from reasonlint.source.mapping import detect_mapping, records_of
from reasonlint.summary import DatasetSummary

_LONG = ("A train leaves the station at three in the afternoon and travels at sixty miles per hour for two "
         "hours along a straight track. How far does the train travel in total before it {}?")
_FOUR = ["It is 4, since two plus two is four.", "it is 4 since two plus two is four"]
ROWS: list[dict[str, Any]] = [
    {"question": "What is 2+2?", "response": _FOUR},
    {"question": _LONG.format("stops"), "response": "It travels 120 miles, as sixty times two is 120."},
    {"question": "What is 2+2?", "response": _FOUR},
    {"question": "What is 3+3?", "response": "It travels 120 miles, as sixty times two is 120."},
    {"question": _LONG.format("halts"), "response": "Sixty miles an hour for two hours: 120 miles."},
    # The same response to the same prompt in another row (generations alike within row 1 are ANS010's).
    {"question": "What is 2+2?", "response": "It is 4, since two plus two is four!", "source": "rerun"},
]
SUMMARY = DatasetSummary("t", "folder", None, (), (), True)


def _checks() -> list[Any]:
    return [
        ExactDuplicateRows(max_locations=5), IdenticalResponses(max_locations=5),
        SameTraceDifferentPrompts(min_chars=10, max_locations=5), PromptInSeveralSplits(max_locations=5),
        TemplatedTraces(lines=5, words=3, min_share=0.3, min_rows=1),
        NearDuplicates(role="prompt", threshold=0.8, num_perm=128, ngram=5, min_ratio=90.0, max_chars=65536,
                       max_candidates=1000, max_locations=5),
    ]


def _state(check: Any, rows: range) -> Any:
    mapping = detect_mapping(ROWS)
    state = check.start()
    for index in rows:
        split = "test" if index == 2 else "train"
        for record in records_of(ROWS[index], mapping):
            check.add(state, record, Location("train.jsonl", index + 1, None, split, "default"))
    return pickle.loads(pickle.dumps(state))  # states cross process boundaries


def _messages(check: Any, state: Any) -> list[str]:
    if hasattr(check, "wanted"):
        mapping = detect_mapping(ROWS)
        for location in list(check.wanted(state)):
            assert location.line is not None
            for record in records_of(ROWS[location.line - 1], mapping):
                check.revisit(state, record, location)
    return [f"{hit.location}: {check.__class__.__name__}" for hit in check.finish(state, SUMMARY)]


def test_merged_parts_report_what_one_part_does() -> None:
    for check in _checks():
        whole = _messages(check, _state(check, range(len(ROWS))))
        merged = check.merge(_state(check, range(2)), _state(check, range(2, len(ROWS))))
        assert _messages(check, merged) == whole


def test_each_rule_finds_its_planted_case() -> None:
    found = {message for check in _checks() for message in _messages(check, _state(check, range(len(ROWS))))}
    assert found == {
        "train.jsonl:1: ExactDuplicateRows",
        "train.jsonl:1: IdenticalResponses",
        "train.jsonl:2: SameTraceDifferentPrompts",
        "train.jsonl:3: PromptInSeveralSplits",
        "train.jsonl:2: NearDuplicates",
    }


def test_skeleton_masks_digits_and_keeps_labels() -> None:
    trace = "Approach:\n1. Task: make JSON\n2. Complexity: 3 fields\nthen we write it out\n"
    assert skeleton(trace, 5, 3) == "approach: | 0. task: | 0. complexity: | then we write"
    assert skeleton("one line only", 5, 3) is None
