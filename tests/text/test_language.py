"""The language detector: right codes, `unknown` when unsure, bounded and repeatable; and
the hashed sample the language rules detect on."""

from __future__ import annotations

import pytest

from reasonlint.checks.language import CardLanguageMismatch, TextSketch
from reasonlint.text.language import (
    UNKNOWN,
    clean,
    detect_language,
    language_shares,
    normalize_code,
    segments_of,
)

ENGLISH = "Tom starts with five apples and eats two of them, so three apples remain in the basket."
JAPANESE = "このデータセットは、様々な形式の構造化データと、それぞれに対応する簡潔な思考連鎖推論を含みます。"
CHINESE = "小明一开始有五个苹果，吃掉两个以后，篮子里还剩下三个苹果。"
FRENCH = "Marie commence avec cinq pommes et en mange deux, il lui en reste donc trois dans le panier."


@pytest.mark.parametrize(("text", "code"), [(ENGLISH, "en"), (JAPANESE, "ja"), (CHINESE, "zh"), (FRENCH, "fr")])
def test_detects_iso_639_1_codes(text: str, code: str) -> None:
    detection = detect_language(text)
    assert detection.language == code
    assert 0.5 < detection.probability <= 1.0


@pytest.mark.parametrize("text", ["", "ok", "x = 1", "```python\nprint('hello world, how are you')\n```",
                                  "$$\\frac{a}{b} = \\sum_i x_i$$ 12 + 30 = 42"])
def test_short_code_and_math_are_unknown(text: str) -> None:
    assert detect_language(text).language == UNKNOWN


def test_code_math_markup_and_urls_are_removed_before_detecting() -> None:
    text = (f"{CHINESE}\n```python\ndef solve(apples): return apples - 2  # the answer is three\n```\n"
            "$x = 5 - 2$ `len(basket)` <think> see https://example.org/apples-and-baskets [link](https://x.org)")
    cleaned = clean(text)
    assert "solve" not in cleaned and "https" not in cleaned and "len" not in cleaned and "think" not in cleaned
    assert "link" in cleaned
    assert detect_language(text).language == "zh"


def test_long_text_is_detected_on_a_few_bounded_segments() -> None:
    text = " ".join([ENGLISH] * 600)  # about 50 KB
    segments = segments_of(text, count=3, size=300)
    assert len(segments) == 3
    assert all(len(segment) <= 300 for segment in segments)
    assert detect_language(text).language == "en"


def test_detection_is_repeatable() -> None:
    mixed = f"{ENGLISH} {FRENCH}"
    assert len({detect_language(mixed) for _ in range(5)}) == 1


def test_language_shares_show_both_halves_of_a_bilingual_card() -> None:
    card = "\n\n".join([ENGLISH * 3, JAPANESE * 6])
    shares = language_shares(card, windows=6, size=150)
    assert set(shares) == {"en", "ja"}
    assert sum(shares.values()) == pytest.approx(1.0)
    assert language_shares("Too short.") == {}


@pytest.mark.parametrize(("code", "expected"), [
    ("en", "en"), ("en-US", "en"), ("EN", "en"), ("eng", "en"), ("zh-Hans", "zh"), ("zh-cn", "zh"),
    ("jpn", "ja"), ("code", None), ("multilingual", None), ("x1", None),
])
def test_normalize_code(code: str, expected: str | None) -> None:
    assert normalize_code(code) == expected


def test_sample_is_the_same_whatever_the_order_and_split_of_rows() -> None:
    texts = [f"{ENGLISH} Example number {index}." for index in range(100)]
    check = CardLanguageMismatch(sample_size=10, min_texts=1, min_share=0.5)

    whole = check.start()
    for text in texts:
        whole.offer(text)
    first, second = check.start(), check.start()
    for text in reversed(texts[:37]):
        first.offer(text)
    for text in texts[37:]:
        second.offer(text)
    merged = check.merge(second, first)
    whole.trim()
    assert list(merged.items) == list(whole.items) and len(whole.items) == 10


def test_sketch_skips_blank_texts_and_counts_duplicates_once() -> None:
    sketch = TextSketch(5)
    for text in [None, "", "   ", ENGLISH, ENGLISH]:
        sketch.offer(text)
    assert len(sketch.items) == 1
