"""Schema detection and record building, one known schema per case."""

from __future__ import annotations

import json
from typing import Any

import pytest

from reasonlint.source.mapping import detect_mapping, records_of, split_reasoning

SCHEMAS: list[tuple[str, dict[str, Any], dict[str, str], dict[str, Any]]] = [
    # (name, row, expected mapping, expected fields of the first record)
    ("sharegpt-conversations",
     {"conversations": [{"from": "human", "value": "2+2?"}, {"from": "gpt", "value": "<think>2+2=4</think>4"}]},
     {"messages": "conversations"},
     {"prompt": "2+2?", "trace": "2+2=4", "answer": "4"}),
    ("openai-messages-with-system",
     {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi?"},
                   {"role": "assistant", "content": "Hello."}]},
     {"messages": "messages"},
     {"prompt": "Hi?", "response": "Hello.", "trace": "Hello.", "answer": None}),
    ("problem-solution-answer",
     {"problem": "Find x.", "solution": "x = 3 because ...", "answer": "3"},
     {"prompt": "problem", "response": "solution", "reference": "answer"},
     {"prompt": "Find x.", "trace": "x = 3 because ...", "reference": "3"}),
    ("question-cot-answer",
     {"question": "Q?", "cot": "<think>step</think>", "answer": "A"},
     {"prompt": "question", "trace": "cot", "answer": "answer"},
     {"trace": "<think>step</think>", "answer": "A"}),
    ("instruction-output",
     {"instruction": "Sort 3,1,2.", "input": "", "output": "1,2,3"},
     {"prompt": "instruction", "response": "output"},
     {"response": "1,2,3"}),
    ("prompt-response-r1-closing-tag-only",
     {"prompt": "Q?", "response": "I think hard.\n</think>\n\nThe answer is 5."},
     {"prompt": "prompt", "response": "response"},
     {"trace": "I think hard.\n", "answer": "\n\nThe answer is 5."}),
    ("separate-complex-cot-column",
     {"Question": "Q?", "Complex_CoT": "Let me think.", "Response": "Do X.", "Ground-True Answer": "X"},
     {"prompt": "Question", "trace": "Complex_CoT", "response": "Response", "reference": "Ground-True Answer"},
     {"trace": "Let me think.", "answer": "Do X.", "reference": "X"}),
    ("deepseek-reasoning-and-solution",
     {"problem": "P", "deepseek_reasoning": "R", "deepseek_solution": "S", "ground_truth_solution": "G"},
     {"prompt": "problem", "trace": "deepseek_reasoning", "response": "deepseek_solution",
      "reference": "ground_truth_solution"},
     {"trace": "R", "answer": "S"}),
    ("openthoughts-markers",
     {"question": "Q", "response": "<|begin_of_thought|>T<|end_of_thought|><|begin_of_solution|>S<|end_of_solution|>"},
     {"prompt": "question", "response": "response"},
     {"trace": "T", "answer": "S"}),
    ("gsm8k-answer-holds-the-worked-solution",
     {"question": "Q", "answer": "3 + 4 = <<3+4=7>>7\n#### 7"},
     {"prompt": "question", "response": "answer"},
     {"trace": "3 + 4 = <<3+4=7>>7\n#### 7", "answer": None}),
    ("numeric-gold-answer",
     {"question": "Q", "generations": ["<think>a</think>1"], "answer": 1},
     {"prompt": "question", "response": "generations", "reference": "answer"},
     {"reference": "1", "trace": "a", "answer": "1"}),
]


@pytest.mark.parametrize(("row", "expected", "fields"), [s[1:] for s in SCHEMAS], ids=[s[0] for s in SCHEMAS])
def test_schema_is_detected_and_normalised(row: dict[str, Any], expected: dict[str, str],
                                           fields: dict[str, Any]) -> None:
    mapping = detect_mapping([row])
    assert mapping.roles() == expected
    record = records_of(row, mapping)[0]
    for name, value in fields.items():
        assert getattr(record, name) == value, name


def test_list_valued_generations_give_one_record_each_keeping_the_row() -> None:
    row = {"question": "Q", "response": ["<think>a</think>1", "<think>b</think>2"], "gt": "1"}
    records = records_of(row, detect_mapping([row]))
    assert [(r.generation, r.trace, r.answer, r.fields["response"]) for r in records] == [
        (0, "a", "1", "response[0]"), (1, "b", "2", "response[1]")]
    assert all(r.raw is row and r.reference == "1" for r in records)


def test_parallel_trace_and_response_lists_are_zipped() -> None:
    row = {"prompt": "Q", "reasoning": ["r0", "r1"], "response": ["a0", "a1"]}
    records = records_of(row, detect_mapping([row]))
    assert [(r.trace, r.answer) for r in records] == [("r0", "a0"), ("r1", "a1")]


def test_manual_mapping_wins_over_detection() -> None:
    row = {"question": "Q", "altered_riddle": "R", "altered_reasoning": "T"}
    mapping = detect_mapping([row], {"prompt": "altered_riddle", "trace": "altered_reasoning"})
    assert mapping.roles() == {"prompt": "altered_riddle", "trace": "altered_reasoning"}
    assert mapping.manual == {"prompt", "trace"}


def test_nothing_mappable_is_a_mapping_not_an_error() -> None:
    mapping = detect_mapping([{"a": 1, "b": [1, 2]}])
    assert not mapping.has_prompt and not mapping.has_output
    assert records_of({"a": 1}, mapping)[0].prompt is None


def test_escaped_slash_in_json_is_a_plain_closing_tag() -> None:
    row = json.loads('{"prompt": "Q", "response": "<think>x<\\/think>y"}')
    record = records_of(row, detect_mapping([row]))[0]
    assert (record.trace, record.answer) == ("x", "y")


@pytest.mark.parametrize(("text", "expected"), [
    ("<think>a</think>b", ("a", "b")),
    ("a</think>b", ("a", "b")),
    ("<think>never closed", ("never closed", None)),
    ("no markers", ("no markers", None)),
    ("<|begin_of_thought|>t<|end_of_thought|>after", ("t", "after")),
    (None, (None, None)),
])
def test_split_reasoning(text: str | None, expected: tuple[str | None, str | None]) -> None:
    assert split_reasoning(text) == expected


def test_huge_trace_is_split_in_linear_time() -> None:
    text = "<think>" + "word " * 1_000_000 + "</think>done"
    trace, answer = split_reasoning(text)
    assert answer == "done" and trace is not None and len(trace) == 5_000_000
