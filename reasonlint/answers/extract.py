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
_BOXES = ("\\boxed{", "\\fbox{")
# A brace, or a backslash escape to step over: `\{` is a literal brace (`\left\{`), while
# `\\{` is a line break and then a group.
_BRACES = re.compile(r"\\.|[{}]", re.DOTALL)
_GSM8K = re.compile(r"(?:^|(?<=\s))####\s*(.+?)\s*$", re.MULTILINE)  # also after a sentence
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
    """The last `\\boxed{…}` (or `\\fbox{…}`, its plain-TeX twin), with nested braces matched;
    None when there is none."""
    start, opener = max((text.rfind(box), box) for box in _BOXES)
    if start < 0:
        return None
    body = start + len(opener)
    depth = 1
    window = text[body: body + MAX_BOXED_CHARS]
    for match in _BRACES.finditer(window):
        brace = match.group()
        if len(brace) == 2:
            continue
        depth += 1 if brace == "{" else -1
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


# At most this many words (a value with its unit, `x = 5`), no more characters: what follows
# "answer is" after the last box is then a value, not a sentence about the answer.
_STATED_VALUE_WORDS, _STATED_VALUE_CHARS = 4, 40


def _states_a_value(value: str) -> bool:
    value = value.strip().strip("*").strip().rstrip(".")
    return bool(value) and len(value) <= _STATED_VALUE_CHARS and len(value.split()) <= _STATED_VALUE_WORDS


def extract_final_answer(text: str | None, *, whole_field: bool = False) -> FinalAnswer | None:
    """The final answer of `text`, best evidence first; `whole_field` accepts a short
    one-line text as the answer itself (a dedicated answer column)."""
    if not text:
        return None
    tail = text[-TAIL_CHARS:]
    base = len(text) - len(tail)
    boxed = last_boxed(text)
    marked = last_match(_GSM8K.finditer(tail))
    found = last_match(_ANSWER_LINE.finditer(tail))
    if boxed is not None and boxed.closed and boxed.content:
        # A `#### N` or "The answer is: N" line after the last box states the answer last
        # (seen on realdata-more/reasoneval_mr_math_invalid_errors: a boxed 3, then "The answer is: 2.").
        end = boxed.offset + len("\\boxed{") + len(boxed.content)
        # Only a statement of a value counts: "We may check our answer: $17\cdot 44 = 748$, so our
        # answer is correct." after \boxed{44} is a check of the boxed answer (seen on MATH-500's
        # human solutions, the old-competition control), not another answer.
        later = [match for match in (marked, found) if match is not None and base + match.start() > end
                 and "\\boxed" not in match.group(1) and _states_a_value(match.group(1))]
        if not later:
            return FinalAnswer("boxed", boxed.content)
        last = max(later, key=lambda match: match.start())
        value = last.group(1).strip().strip("*").strip().rstrip(".")
        if value:
            return FinalAnswer("gsm8k" if last is marked else "answer-line", value)
        return FinalAnswer("boxed", boxed.content)
    if marked is not None:
        return FinalAnswer("gsm8k", marked.group(1))
    stripped = tail.strip()
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


# `)` and `]` close either of `(` and `[`: intervals such as `[0, 1)` are half-open.
_PAIRS = {")": "([", "]": "([", "}": "{"}
_DOUBLED_END = re.compile(r"([.,;:])\1$")
_OPERATOR_AFTER_OPENING = re.compile(r"[([{]\s*[+*/^=]")
_OPERATOR_AT_END = re.compile(r"[+*/^=(\[{,]$")


def reference_defect(text: str) -> str | None:
    """Why a reference answer does not read as an answer (`4:30p..`, `(+5)(b+2)`, `(x+1`), or
    None. Only a short value is judged: a worked solution is reduced to its final answer first."""
    value = text.strip().strip("$").strip()
    if not value:
        return None
    if _DOUBLED_END.search(value) and not value.endswith("..."):
        return f"it ends in {value[-2:]!r}"
    depth: list[str] = []
    for char in re.sub(r"\\.", "", value):  # escaped `\{` and `\\` are not brackets
        if char in "([{":
            depth.append(char)
        elif char in _PAIRS and (not depth or depth.pop() not in _PAIRS[char]):
            return f"its {char!r} closes nothing"
    if depth:
        return f"its {depth[-1]!r} is never closed"
    if (operator := _OPERATOR_AFTER_OPENING.search(value)) is not None:
        return f"an operator has no left operand ({operator.group()!r})"
    if _OPERATOR_AT_END.search(value):
        return f"it ends on {value[-1]!r}"
    return None
