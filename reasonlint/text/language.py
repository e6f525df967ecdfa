"""Deterministic language identification for cards and traces.

langdetect samples n-grams at random; with a seeded factory the same text always gives
the same answer, so two runs over the same data give the same report. Long texts are
never detected whole: a few bounded segments (start, middle, end) say as much about the
language as 50 KB do, at a fraction of the cost. Code, math, markup and URLs are removed
first, as they read as English (or as nothing) whatever the prose around them is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

UNKNOWN = "unknown"

_FENCED = re.compile(r"^[ \t]*(```|~~~).*?(^[ \t]*\1[^\n]*$|\Z)", re.S | re.M)
_THINK_TAGS = re.compile(r"</?[A-Za-z][\w:-]*(?:\s[^<>]*)?/?>|<\|[^|<>]*\|>")
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_DISPLAY_MATH = re.compile(r"\$\$.*?\$\$|\\\[.*?\\\]|\\begin\{(\w+\*?)\}.*?\\end\{\1\}", re.S)
_INLINE_MATH = re.compile(r"\$[^$\n]{1,200}\$|\\\(.*?\\\)", re.S)
_LATEX_COMMAND = re.compile(r"\\[A-Za-z]+\*?(\{[^{}]*\})?")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_URL = re.compile(r"(?:https?|ftp)://\S+|www\.\S+|\S+@\S+\.\w+")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$", re.M)
_SYMBOLS = re.compile(r"[\d_=+*/\\^<>{}\[\]()|#~`$%&@;:\"'.,!?-]+")
_SPACE = re.compile(r"\s+")
_LETTER = re.compile(r"[^\W\d_]")
# langdetect reports Chinese by script; the Hub (and ISO 639-1) says `zh` for both.
_ALIASES = {"zh-cn": "zh", "zh-tw": "zh"}
# langdetect averages 7 randomly smoothed passes by default; on the few hundred characters
# detected here 3 give the same top language at about half the cost.
_TRIALS = 3
# Raw characters cleaned per segment of a long text: room for the code and markup removed.
_RAW_FACTOR = 8


@dataclass(frozen=True, slots=True)
class Detection:
    """An ISO 639-1 code (or `unknown`) and how sure the detector is (0..1)."""

    language: str
    probability: float


UNDETECTED = Detection(UNKNOWN, 0.0)


def clean(text: str) -> str:
    """Prose only: drop fenced and inline code, math, markup tags, links' targets, URLs,
    tables, digits and symbols, which say nothing about the natural language."""
    text = _FENCED.sub(" ", text)
    text = _DISPLAY_MATH.sub(" ", text)
    text = _INLINE_MATH.sub(" ", text)
    text = _INLINE_CODE.sub(" ", text)
    text = _IMAGE.sub(" ", text)
    text = _LINK.sub(r"\1", text)
    text = _URL.sub(" ", text)
    text = _TABLE_ROW.sub(" ", text)
    text = _THINK_TAGS.sub(" ", text)
    text = _LATEX_COMMAND.sub(" ", text)
    text = _SYMBOLS.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


def segments_of(text: str, *, count: int = 3, size: int = 300) -> tuple[str, ...]:
    """Up to `count` windows of about `size` characters, spread from start to end of the
    cleaned text and cut at spaces, so detection cost is bounded whatever the length. A
    long text is cut into raw windows first and only those are cleaned, so a 50 KB trace
    costs what a 7 KB one does."""
    if len(text) <= count * size * _RAW_FACTOR:
        return _windows(clean(text), count, size)
    pieces = (_windows(clean(window), 1, size) for window in _windows(text, count, size * _RAW_FACTOR))
    return tuple(piece[0] for piece in pieces if piece)


def _windows(cleaned: str, count: int, size: int) -> tuple[str, ...]:
    if len(cleaned) <= size * count:
        if count == 1 or len(cleaned) <= size:
            return (cleaned,) if cleaned else ()
        count = -(-len(cleaned) // size)
    step = (len(cleaned) - size) / max(count - 1, 1)
    windows = []
    for index in range(count):
        start = int(index * step)
        stop = start + size
        if start > 0:
            space = cleaned.find(" ", start, start + 40)
            start = space + 1 if space >= 0 else start
        if stop < len(cleaned):
            space = cleaned.rfind(" ", stop - 40, stop)
            stop = space if space > start else stop
        windows.append(cleaned[start:stop])
    return tuple(windows)


def detect_segments(segments: Sequence[str], *, min_letters: int = 20) -> Detection:
    """The language of already cleaned segments, detected together (langdetect samples a
    fixed number of n-grams, so one pass over three segments costs about what one segment
    costs); `unknown` when they hold fewer than `min_letters` letters (CJK count twice)."""
    return _detect_joined(" ".join(segment for segment in segments if segment), min_letters)


# Letters of each script other than Latin (Greek letters count as Latin: they fill math), and
# the script each language is written in (Latin when not listed). A detection must agree with
# the script most of the text's letters are in: langdetect reads a Chinese prompt with an
# English "Question:" prefix as Korean or Vietnamese (seen on realdata-more/lawyer_llama_fakao_gpt4_zh
# and huatuo_med_instruct_zh).
SCRIPTS = {
    "Han/Kana": "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff",
    "Hangul": "\u1100-\u11ff\uac00-\ud7af",
    "Cyrillic": "\u0400-\u04ff",
    "Arabic": "\u0600-\u06ff",
    "Hebrew": "\u05d0-\u05ea",
    "Devanagari": "\u0900-\u0963\u0966-\u097f",  # the danda (U+0964/5) is Bengali's too
    "Bengali": "\u0980-\u09ff",
    "Thai": "\u0e00-\u0e7f",
}
SCRIPT_OF_LANGUAGE = {
    **dict.fromkeys(("zh", "ja"), "Han/Kana"), "ko": "Hangul", "th": "Thai", "he": "Hebrew",
    **dict.fromkeys(("ru", "uk", "bg", "mk"), "Cyrillic"), **dict.fromkeys(("ar", "fa", "ur"), "Arabic"),
    **dict.fromkeys(("hi", "mr", "ne"), "Devanagari"), "bn": "Bengali",
}
_SCRIPT_LETTERS = {name: re.compile(f"[{chars}]") for name, chars in SCRIPTS.items()}


def script_of(language: str) -> str:
    return SCRIPT_OF_LANGUAGE.get(language, "Latin")


def main_script(text: str) -> str:
    """The script most of the letters of `text` are in; a Han, Kana or Hangul character weighs
    two letters, as in `letter_weight` (one carries about a word)."""
    counts = {name: len(pattern.findall(text)) for name, pattern in _SCRIPT_LETTERS.items()}
    counts["Latin"] = len(_LETTER.findall(text)) - sum(counts.values())
    for name in ("Han/Kana", "Hangul"):
        counts[name] *= 2
    return max(counts, key=lambda name: (counts[name], name == "Latin"))


@lru_cache(maxsize=4096)
def _detect_joined(text: str, min_letters: int) -> Detection:
    """Memoised: two language rules over the same sample detect each text once. The most
    probable language written in the text's own main script; unknown when there is none."""
    if letter_weight(text) < min_letters:
        return UNDETECTED
    script = main_script(text)
    ranked = [(language, probability) for language, probability in _probabilities(text)
              if script_of(language) == script]
    if not ranked:
        return UNDETECTED
    language, probability = ranked[0]
    return Detection(language, round(probability, 4))


def detect_language(text: str, *, min_letters: int = 20, segments: int = 3, size: int = 300) -> Detection:
    """Detect the language of any text (a card, a prompt, a 50 KB trace): clean it, take
    a few bounded segments, detect those."""
    return detect_segments(segments_of(text, count=segments, size=size), min_letters=min_letters)


def language_shares(text: str, *, windows: int = 12, size: int = 300, min_letters: int = 100) -> dict[str, float]:
    """Each language's share of a long text (a card body), by letters, from up to `windows`
    windows detected one by one, so a bilingual card shows both languages; empty when the
    text has fewer than `min_letters` letters of prose."""
    weights: dict[str, int] = {}
    for window in _windows(clean(text), windows, size):
        detection = _detect_joined(window, 20)
        if detection.language != UNKNOWN:
            weights[detection.language] = weights.get(detection.language, 0) + letter_weight(window)
    total = sum(weights.values())
    if total < min_letters:
        return {}
    return {language: weight / total for language, weight in sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))}


def normalize_code(code: str) -> str | None:
    """An ISO 639-1 code from what cards and detectors say (`en`, `en-US`, `eng`, `zh-cn`,
    `zh-Hans`); None for values that name no language (`code`, `multilingual`)."""
    primary = re.split(r"[-_]", code.strip().lower(), maxsplit=1)[0]
    if not primary.isalpha():
        return None
    if len(primary) == 2:
        return _ALIASES.get(code.strip().lower(), primary)
    if len(primary) == 3:
        import pycountry

        found = pycountry.languages.get(alpha_3=primary)
        alpha_2 = getattr(found, "alpha_2", None) if found is not None else None
        return str(alpha_2) if alpha_2 else None
    return None


def letter_weight(segment: str) -> int:
    """Letters, with CJK and Hangul characters counting twice: one of them carries about as
    much evidence as a short word."""
    return sum(2 if char >= "\u2e80" else 1 for char in _LETTER.findall(segment))


def _probabilities(segment: str) -> list[tuple[str, float]]:
    from langdetect.lang_detect_exception import LangDetectException

    detector = _factory().create()
    detector.n_trial = _TRIALS
    detector.append(segment)
    try:
        ranked = detector.get_probabilities()
    except LangDetectException:
        return []
    merged: dict[str, float] = {}
    for item in ranked:
        language = _ALIASES.get(item.lang, item.lang)
        merged[language] = merged.get(language, 0.0) + float(item.prob)
    return sorted(merged.items(), key=lambda pair: (-pair[1], pair[0]))


@cache
def _factory() -> Any:
    """langdetect's profiles, loaded once per process (about half a second), in a factory
    of our own whose seed makes every detection repeatable without touching the global one."""
    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    factory.seed = 0
    return factory
