"""Find the final answer of a response: `\\boxed{…}`, an "Answer:" line, GSM8K `#### N`, a
multiple-choice letter, or a final fenced code block.

Every search is bounded so that a 5 MB trace costs about what a 5 KB one does: `\\boxed{`
is found with `rfind` (C speed over the whole text), its braces are matched within
`MAX_BOXED_CHARS`, and the line-based markers are looked for only in the last
`TAIL_CHARS` of the text, where a final answer sits.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

TAIL_CHARS = 4000
MAX_BOXED_CHARS = 4000
_BOXED = "\\boxed{"
_BRACES = re.compile(r"[{}]")
_GSM8K = re.compile(r"^####\s*(.+?)\s*$", re.MULTILINE)
_ANSWER_LINE = re.compile(
    r"(?:final answer|answer)\s*(?:is|:)\s*[:\-]?\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE)
_LETTER = re.compile(r"^\(?([A-J])\)?[.):]?$")
# An option quoted with its label: `B)230`, `(C) 12 hours`, `D. Paris`.
_LABELLED_OPTION = re.compile(r"^\(?([A-J])(?:\)|\.(?=\s))\s*\S")
_LETTER_PHRASE = re.compile(
    r"(?i:answer|option|choice)\s*(?:is|:)?\s*[:\-]?\s*\(?\*{0,2}([A-J])\*{0,2}\)?(?![A-Za-z0-9])")
_FENCE = re.compile(r"^[ \t]*```[ \t]*([\w+#.-]*)[^\n]*\n(.*?)^[ \t]*```", re.MULTILINE | re.DOTALL)


def last_match(matches: Iterator[re.Match[str]]) -> re.Match[str] | None:
    """The last of `finditer`'s matches, or None."""
    tail = deque(matches, maxlen=1)
    return tail[0] if tail else None


@dataclass(frozen=True, slots=True)
class FinalAnswer:
    """An extracted answer: how it was found (`boxed`, `answer-line`, `gsm8k`, `choice`,
    `code`, `field`) and its text, stripped."""

    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class Boxed:
    """The last `\\boxed{` of a text: its content, or `closed=False` when its braces never
    balance (within `MAX_BOXED_CHARS`)."""

    content: str
    closed: bool
    offset: int


def last_boxed(text: str) -> Boxed | None:
    """The last `\\boxed{…}`, with nested braces matched; None when there is none."""
    start = text.rfind(_BOXED)
    if start < 0:
        return None
    body = start + len(_BOXED)
    depth = 1
    window = text[body: body + MAX_BOXED_CHARS]
    for match in _BRACES.finditer(window):
        depth += 1 if match.group() == "{" else -1
        if depth == 0:
            return Boxed(window[: match.start()].strip(), True, start)
    return Boxed(window[:80], False, start)


def final_code_block(text: str) -> tuple[str, str] | None:
    """(language, code) of the last fenced block in the tail of `text`; None when there is none."""
    tail = text[-4 * TAIL_CHARS:]
    last = last_match(_FENCE.finditer(tail))
    if last is None:
        return None
    return last.group(1).lower(), last.group(2)


def extract_final_answer(text: str | None, *, whole_field: bool = False) -> FinalAnswer | None:
    """The final answer of `text`, best evidence first; `whole_field` accepts a short
    one-line text as the answer itself (a dedicated answer column)."""
    if not text:
        return None
    boxed = last_boxed(text)
    if boxed is not None and boxed.closed and boxed.content:
        return FinalAnswer("boxed", boxed.content)
    tail = text[-TAIL_CHARS:]
    found = last_match(_GSM8K.finditer(tail))
    if found is not None:
        return FinalAnswer("gsm8k", found.group(1))
    stripped = tail.strip()
    found = last_match(_ANSWER_LINE.finditer(tail))
    if whole_field and stripped and (found is None or "\n" in stripped):
        letter = _LETTER.match(stripped)
        return FinalAnswer("choice", letter.group(1)) if letter else FinalAnswer("field", text.strip())
    if found is not None:
        value = found.group(1).strip().strip("*").strip()
        letter = _LETTER.match(value.rstrip(".")) or _LABELLED_OPTION.match(value)
        if letter:
            return FinalAnswer("choice", letter.group(1))
        if value:
            return FinalAnswer("answer-line", value.rstrip("."))
    found = last_match(_LETTER_PHRASE.finditer(tail[-400:]))
    if found is not None:
        return FinalAnswer("choice", found.group(1))
    code = final_code_block(text)
    if code is not None:
        return FinalAnswer("code", code[1])
    return None
