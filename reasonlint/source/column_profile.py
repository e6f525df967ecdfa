"""What a sample of rows says about each column, for role inference (reasonlint/source/roles.py).

One pass over the sample measures, per column: the dominant kind of value (text, a list of
generations, chat turns, options, numbers, JSON held in a string), lengths, reasoning tags and
phrases, whether the text goes on after its reasoning closes, the share shaped as a question,
as a short answer, as an option letter or an id, and how many values are distinct. Role
scoring reads these figures only, never the rows.
"""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reasonlint.answers import extract

_MARKERS = re.compile(
    r"<think>|</think>|<\|begin_of_thought\|>|<\|end_of_thought\|>|<reasoning>|</reasoning>|<thought>|</thought>"
    r"|<thinking>|</thinking>|\bStep 1\b|\bLet me\b|\bLet's think\b|\bOkay, so\b|\bAlright,|\bHmm\b|\bWait,",
    re.IGNORECASE)
_TAG_MARKERS = re.compile(r"<think>|</think>|<\|begin_of_thought\|>|<reasoning>|<thought>|<thinking>", re.IGNORECASE)
_CONCLUSION = re.compile(r"\\boxed\s*\{|(?:^|\s)####\s*\S|\b(?:final answer|the answer is)\b|答案|答え",
                         re.IGNORECASE | re.MULTILINE)
_QUESTION = re.compile(r"[?？]\s*$|[?？]\s*(?:\n|$)|^(?:what|how|why|which|who|when|where|find|compute|calculate|"
                       r"solve|determine|evaluate|prove|show|write|explain|given|let|suppose|if|translate|"
                       r"summari[sz]e|describe|classify|implement|create|generate|list|name|identify|simplify)\b",
                       re.IGNORECASE)
_OPTION_LETTER = re.compile(r"^\(?([A-Ja-j])[).:]?$")
_ANSWER_SHAPE = re.compile(r"^(?:[-+]?\$?[\d.,/\\{}^a-z()\s+*-]{1,40}\$?|[A-J]|yes|no|true|false|"
                           r"\\[A-Za-z]+.{0,40}|\$.{1,40}\$)$", re.IGNORECASE)
_OPTIONS_BLOCK = re.compile(r"(?:^|\n|\s)\(?A[).:]\s.+(?:\n|\s)\(?B[).:]\s", re.DOTALL)
_ID_LIKE = re.compile(r"^[A-Za-z0-9_.:/#-]{1,80}$")
_AFTER_REASONING = re.compile(r"(?:</think>|<\|end_of_thought\|>|</reasoning>|</thought>|</thinking>)\s*\S",
                              re.IGNORECASE)
_VERDICT = re.compile(r"^(?:yes|no|maybe|true|false|是|否)$", re.IGNORECASE)
_SAMPLE_TEXT = 4000  # characters of each value read for evidence


@dataclass(frozen=True, slots=True)
class ColumnProfile:
    """What a sample says about one column."""

    name: str
    kind: str  # text, text-list, messages, number, bool, options, other, null
    seen: int
    median_chars: float
    marker_share: float  # values with reasoning markers (tags, "Let me", "Step 1")
    tag_share: float  # values with reasoning tags (<think>, <|begin_of_thought|>, …)
    after_share: float  # values that go on after the reasoning closes: a whole response, not a trace
    conclusion_share: float  # values that state a final answer (\boxed, ####, "the answer is")
    question_share: float  # values shaped as a question or an instruction
    answer_shape_share: float  # short values shaped as an answer (number, LaTeX, letter, yes/no)
    letter_share: float  # option letters (or small integer indexes)
    id_like_share: float  # single tokens without spaces (ids, urls, model names, codes)
    multiline_share: float
    distinct_share: float
    list_items: float  # mean items per value for lists
    options_block_share: float  # texts listing `A) … B) …` options
    verdict_share: float  # yes/no/maybe/true/false values
    values: tuple[str, ...]  # the first values as text, for cross-column comparisons


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, str):
        return _json_string_kind(value) or "text"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, list):
        if not value:
            return "null"
        if all(isinstance(item, dict) for item in value):
            if all(_is_turn(item) for item in value):
                return "messages"
            return "text-list" if all(generation_text(item) is not None for item in value) else "other"
        if all(isinstance(item, str) or item is None for item in value):
            return "text-list"
        return "other"
    if isinstance(value, dict) and _dict_options(value) is not None:
        return "options"
    return "other"


def _json_string_kind(value: str) -> str | None:
    """A string that holds JSON: a list of strings reads as a list of generations (APPS'
    `solutions`), anything else as a structure (`input_output` test cases, metadata)."""
    stripped = value.strip()
    if not stripped or stripped[0] not in "[{" or stripped[-1] not in "]}":
        return None
    try:
        parsed = json.loads(stripped)
    except ValueError:
        return None
    if isinstance(parsed, list) and parsed and all(isinstance(item, str) for item in parsed):
        return "text-list"
    return "json" if isinstance(parsed, (list, dict)) else None


GENERATION_KEYS = ("response", "text", "content", "output", "completion", "generation")


def generation_text(item: Any) -> str | None:
    """The text of one generation: a string, or a record holding it (`{"response_model": …,
    "response": "…"}` in natural_reasoning's `responses`)."""
    if isinstance(item, str):
        return item
    if isinstance(item, dict):
        return next((item[key] for key in GENERATION_KEYS if isinstance(item.get(key), str)), None)
    return None


def _is_turn(item: Mapping[str, Any]) -> bool:
    return ("role" in item or "from" in item) and ("content" in item or "value" in item)


def _dict_options(value: Mapping[str, Any]) -> list[str] | None:
    """`{"text": [...], "label": [...]}` (ARC, CommonsenseQA) or `{"A": "...", "B": "..."}`."""
    texts = value.get("text")
    if isinstance(texts, list) and texts and all(isinstance(item, str) for item in texts):
        return texts
    if value and all(isinstance(key, str) and _OPTION_LETTER.match(key) for key in value) and all(
            isinstance(item, str) for item in value.values()):
        return [str(value[key]) for key in sorted(value)]
    return None


_OPTION_LINE = re.compile(r"(?:^|\n|\s)\(?([A-J])[).:]\s*(.+?)(?=\s\(?[A-J][).:]\s|\n|$)")


def options_of(value: Any) -> tuple[str, ...]:
    """The options of a multiple-choice column in letter order: a list of strings, a
    label/text struct, a letter-keyed dict, or a text block of `A) … B) …` lines."""
    if isinstance(value, list):
        return tuple(str(item) for item in value if isinstance(item, (str, int, float)))
    if isinstance(value, dict):
        return tuple(_dict_options(value) or ())
    if isinstance(value, str):
        return tuple(text.strip() for _, text in _OPTION_LINE.findall(value))
    return ()


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        if _json_string_kind(value) == "text-list":
            return [item[:_SAMPLE_TEXT] for item in json.loads(value)]
        return [value[:_SAMPLE_TEXT]]
    if isinstance(value, list):
        return [text[:_SAMPLE_TEXT] for item in value if (text := generation_text(item)) is not None]
    if value is None:
        return []
    return [str(value)[:_SAMPLE_TEXT]]


def _share(items: Sequence[str], test: Any) -> float:
    return sum(1 for item in items if test(item)) / len(items) if items else 0.0


def _reads_as_question(text: str) -> bool:
    stripped = text.strip()
    return bool(_QUESTION.search(stripped[-300:]) or _QUESTION.match(stripped))


def _answer_shaped(text: str) -> bool:
    return len(text) <= 40 and "\n" not in text and bool(_ANSWER_SHAPE.match(text.strip()))


def _option_letter(text: str) -> bool:
    """`B`, `(c)`, `D.`, or a small index (`2`)."""
    return bool(_OPTION_LETTER.match(text.strip())) or (text.isdigit() and int(text) < 10)


def _id_like(text: str) -> bool:
    """One token without spaces (an id, a url, a model name, a code) that is not a number."""
    return bool(_ID_LIKE.match(text)) and not text.replace(".", "").isdigit()


def last_boxed(text: str) -> str | None:
    """The content of the last closed `\\boxed{}` in `text`, stripped."""
    found = extract.last_boxed(text)
    return found.content if found is not None and found.closed else None


def profile_columns(sample: Sequence[Mapping[str, Any]]) -> list[ColumnProfile]:
    """One profile per column, in first-seen order."""
    values: dict[str, list[Any]] = {}
    for raw in sample:
        for name, value in raw.items():
            values.setdefault(name, []).append(value)
    profiles = []
    for name, column in values.items():
        kinds: dict[str, int] = {}
        for value in column:
            kind = _kind(value)
            if kind != "null":
                kinds[kind] = kinds.get(kind, 0) + 1
        kind = max(kinds, key=lambda k: kinds[k]) if kinds else "null"
        present = [value for value in column if _kind(value) == kind]
        texts = [text for value in present for text in _texts(value)]
        whole = [_texts(value)[0] if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
                 for value in present]
        firsts = [(_texts(value) or [""])[0] for value in present] if kind in ("text", "text-list") else whole
        lengths = [len(text) for text in texts] or [0]
        list_items = statistics.fmean(len(value) for value in present) if kind in ("text-list", "messages") else 0.0
        profiles.append(ColumnProfile(
            name=name, kind=kind, seen=len(present), median_chars=statistics.median(lengths),
            marker_share=_share(texts, _MARKERS.search), tag_share=_share(texts, _TAG_MARKERS.search),
            after_share=_share(texts, _AFTER_REASONING.search),
            conclusion_share=_share(texts, _CONCLUSION.search),
            question_share=_share(texts, _reads_as_question),
            answer_shape_share=_share(whole, _answer_shaped),
            letter_share=_share(whole, _option_letter),
            id_like_share=_share(whole, _id_like),
            multiline_share=_share(texts, lambda t: "\n" in t.strip()),
            distinct_share=len(set(whole)) / len(whole) if whole else 0.0,
            list_items=list_items, values=tuple(firsts[:50]),
            options_block_share=_share(whole, _OPTIONS_BLOCK.search) if kind == "text" else 0.0,
            verdict_share=_share(whole, lambda t: bool(_VERDICT.match(t.strip()))),
        ))
    return profiles


