"""Answer comparison: exact fast paths, and math-verify behind a hard timeout."""

from __future__ import annotations

import time

import pytest

from reasonlint.answers.verify import DIFFERENT, EQUAL, TIMEOUT, VerifierPool, normalize, quick_compare


@pytest.mark.parametrize(("gold", "predicted", "expected"), [
    ("15", "015", True),
    ("1,000", "1000", True),
    ("10{,}000", "10000", True),
    ("0.50", ".5", True),
    ("15", "16", False),
    ("10", "10\\text{ cm}", True),
    ("10 m", "10 cm", None),
    ("Yes", "\\text{yes}", True),
    ("no", "True", False),
    ("B", "(B)", True),
    ("B", "C", False),
    ("\\frac{1}{2}", "\\dfrac{1}{2}", True),
    ("\\frac{1}{2}", "0.5", True),
    ("2/4", "\\frac{1}{2}", True),
    ("\\sqrt{2}", "\\sqrt 2", None),
    ("x+1", "1+x", None),
])
def test_fast_paths_decide_only_what_they_decide_exactly(gold: str, predicted: str, expected: bool | None) -> None:
    assert quick_compare(gold, predicted) is expected


def test_choice_letter_against_option_text() -> None:
    options = ("A) Berlin", "B) Paris", "C) Rome")
    assert quick_compare("Paris", "B", options) is True
    assert quick_compare("B", "Rome", options) is False


def test_normalize_strips_only_presentation() -> None:
    assert normalize("$\\left( 1, 2 \\right)$.") == "(1,2)"


@pytest.mark.slow
def test_pool_verifies_and_survives_a_hanging_item() -> None:
    pool = VerifierPool(timeout=1.0)
    try:
        started = time.perf_counter()
        outcomes = pool.verify([("\\frac{1}{2}", "0.5"), ("2^{2^{2^{100}}}", "5"), ("x+1", "1+x"), ("3", "4")])
        assert outcomes == [EQUAL, TIMEOUT, EQUAL, DIFFERENT]
        assert time.perf_counter() - started < 30
    finally:
        pool.close()
