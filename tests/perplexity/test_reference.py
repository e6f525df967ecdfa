"""The SYNTHETIC-1 reference formatting and its loader's slips: text only, no model."""

from __future__ import annotations

from reasonlint.perplexity.reference import CODE_OUTPUT, MATH, boxed_slip, parse, task_of


def test_fraction_answer_is_cut_at_its_first_brace() -> None:
    slip = boxed_slip("so it is \\boxed{\\frac{1}{2}}.")
    assert slip is not None
    assert (slip.read, slip.actual) == ("\\frac{1", "\\frac{1}{2}")


def test_last_boxed_decides_and_plain_answers_pass() -> None:
    assert boxed_slip("first \\boxed{\\frac{1}{2}} then \\boxed{0.5}") is None
    assert boxed_slip("\\boxed{42}") is None
    assert boxed_slip("no answer here") is None


def test_loader_reading_is_reproduced() -> None:
    parsed = parse(MATH, "<think>half</think> The answer is \\boxed{\\frac{1}{2}}.")
    assert parsed.answer == "\\frac{1"
    assert parsed.trace == "<think>half</think> The answer is"
    assert parsed.scored.endswith("\\boxed{\\frac{1}")
    code = parse(CODE_OUTPUT, 'Trace.\n{"output": "3"}')
    assert (code.answer, code.scored) == ("3", 'Trace.\n\n{"output": "3"}')


def test_task_type_column_wins_over_the_guess() -> None:
    assert task_of("verifiable_math", "no box") == MATH
    assert task_of("code_output_prediction", "\\boxed{1}") == CODE_OUTPUT
    assert task_of("llm_judgeable_groundtruth_similarity", "\\boxed{1}") is None
    assert task_of(None, "\\boxed{1}") == MATH
    assert task_of(None, "plain text") is None
