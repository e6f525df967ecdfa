"""Final-answer extraction: every format, and bounded work on hostile texts."""

from __future__ import annotations

import time

import pytest

from reasonlint.answers.extract import FinalAnswer, extract_final_answer, final_code_block, last_boxed


@pytest.mark.parametrize(("text", "expected"), [
    ("so \\boxed{4} then \\boxed{\\frac{1}{2}}.", FinalAnswer("boxed", "\\frac{1}{2}")),
    ("\\boxed{\\{1, 2\\} \\cup {3}}", FinalAnswer("boxed", "\\{1, 2\\} \\cup {3}")),
    ("3 + 4 = <<3+4=7>>7\n#### 7", FinalAnswer("gsm8k", "7")),
    ("work\nThe final answer is 12.", FinalAnswer("answer-line", "12")),
    ("work\nAnswer: (C)", FinalAnswer("choice", "C")),
    ("so I choose option **D** here", FinalAnswer("choice", "D")),
    ("code:\n```python\nprint(1)\n```\n", FinalAnswer("code", "print(1)\n")),
])
def test_each_answer_format_is_found(text: str, expected: FinalAnswer) -> None:
    assert extract_final_answer(text) == expected


def test_prose_has_no_answer_and_a_lowercase_article_is_not_a_choice() -> None:
    assert extract_final_answer("The answer is a bit subtle, so let me explain") == FinalAnswer(
        "answer-line", "a bit subtle, so let me explain")
    assert extract_final_answer("Nothing to see here.") is None
    assert extract_final_answer(None) is None


def test_a_dedicated_answer_field_is_the_answer() -> None:
    assert extract_final_answer("42", whole_field=True) == FinalAnswer("field", "42")
    assert extract_final_answer("(B)", whole_field=True) == FinalAnswer("choice", "B")


def test_unclosed_boxed_is_reported_as_such() -> None:
    boxed = last_boxed("so \\boxed{\\frac{3}{4}")
    assert boxed is not None and not boxed.closed and boxed.content == "\\frac{3}{4}"
    assert extract_final_answer("so \\boxed{\\frac{3}{4}") is None


def test_five_megabyte_trace_is_fast() -> None:
    text = "Let me think about this step by step. {" * 130_000 + "\\boxed{" + "x{" * 1000
    started = time.perf_counter()
    assert extract_final_answer(text) is None
    assert final_code_block(text) is None
    found = extract_final_answer(text + "}" * 1001 + "\n\\boxed{42}")
    assert found == FinalAnswer("boxed", "42")
    assert time.perf_counter() - started < 0.5
