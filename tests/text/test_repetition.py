"""The n-gram repetition measure: exact against a plain Python count, bounded on huge texts."""

from __future__ import annotations

import time
from collections import Counter

from reasonlint.text.repetition import ngram_repetition, windows_of


def _reference(text: str, n: int) -> tuple[int, int, int]:
    words = text.lower().split()
    counts = Counter(zip(*(words[offset:] for offset in range(n)), strict=False))
    total = sum(counts.values())
    return total, total - len(counts), max(counts.values())


def test_matches_open_r1_measure_on_words() -> None:
    text = "The cat sat on the mat.\n\nThe  cat sat on the MAT. and then it left " * 7
    found = ngram_repetition(text, 3)
    assert found is not None
    assert (found.ngrams, found.repeats, found.top_count) == _reference(text, 3)
    assert found.ratio == found.repeats / found.ngrams


def test_cjk_characters_are_tokens() -> None:
    found = ngram_repetition("我们需要重新计算。" * 20, 8)
    assert found is not None and found.top_count >= 19 and "我们" in found.top


def test_too_few_tokens_gives_none() -> None:
    assert ngram_repetition("one two three", 8) is None
    assert ngram_repetition("", 8) is None
    assert ngram_repetition("x" * 1_000_000, 8) is None


def test_huge_texts_are_windowed_and_fast() -> None:
    text = "wait let me recompute this value again " * 130_000  # about 5 MB
    started = time.perf_counter()
    found = ngram_repetition(text, 8, budget=65536)
    assert time.perf_counter() - started < 0.5
    assert found is not None and found.measured <= 65536 and found.ratio > 0.9
    assert windows_of(text, 65536)[-1] == text[-16384:]


def test_binary_junk_does_not_crash() -> None:
    junk = bytes(range(256)).decode("latin-1") * 4000 + "\udcff"
    assert ngram_repetition(junk, 8) is not None
