"""A dataset's own grader verdicts, checked where they can be decided.

Distillation and evaluation sets often carry a correctness column written by a script or an
LLM judge (`score`, `correct`, `is_solved`, `check_ans`, `true_false`). Where the verdict can
be checked exactly (the answer is empty, or it compares with the reference without sympy:
the same number, fraction, letter or normalised text), a verdict that says otherwise is a
label that teaches the wrong thing to whoever filters or rewards with it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from reasonlint.answers.extract import reference_defect
from reasonlint.answers.verify import quick_compare
from reasonlint.checks import row_check
from reasonlint.checks.answer import answer_source, final_answer, gold_answer
from reasonlint.findings import Hit, excerpt_of
from reasonlint.source.mapping import Record

_TRUE = frozenset({"true", "correct", "right", "yes", "pass", "passed", "1"})
_FALSE = frozenset({"false", "incorrect", "wrong", "no", "fail", "failed", "0"})


def verdict_of(value: Any) -> bool | None:
    """A grader's verdict: booleans and the words for them; None for anything else (a 1-10
    score, a judge's essay)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        return True if word in _TRUE else False if word in _FALSE else None
    return None


def _grader(record: Record, columns: list[str]) -> tuple[str, bool] | None:
    """(field, verdict) of the first grader column the row has, per generation for lists."""
    wanted = {name.lower() for name in columns}
    for name, value in record.raw.items():
        if name.lower() not in wanted:
            continue
        where = name
        if isinstance(value, list):
            if record.generation is None or record.generation >= len(value):
                continue
            value, where = value[record.generation], f"{name}[{record.generation}]"
        verdict = verdict_of(value)
        if verdict is not None:
            return where, verdict
    return None


@row_check
def grader_verdict_contradicted(record: Record, *, columns: list[str], max_answer_chars: int) -> Iterator[Hit]:
    """A grader column that marks an empty answer correct, or whose verdict the reference
    contradicts on a pair decided exactly."""
    graded = _grader(record, columns)
    gold = gold_answer(record)
    if graded is None or gold is None or reference_defect(gold) is not None or len(gold) > max_answer_chars:
        return
    where, verdict = graded
    text, _, answered_in = answer_source(record)
    if answered_in is None:
        return  # no column holds the answer: nothing to judge the verdict by
    found = final_answer(record)
    if not (text or "").strip():
        if verdict:
            yield Hit({"column": where, "detail": "marks an empty answer correct"}, field=where)
        return
    if found is None or len(found.text) > max_answer_chars or found.kind == "code":
        return
    decided = quick_compare(gold, found.text, record.options)
    if decided is None or decided == verdict:
        return
    said, truth = ("correct", "differs from") if verdict else ("wrong", "equals")
    yield Hit({"column": where, "detail": f"marks answer '{excerpt_of(found.text, 60)}' {said}, but it {truth} "
                                          f"reference '{excerpt_of(gold, 60)}'"}, field=where)
