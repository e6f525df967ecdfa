"""One view of a row, whatever the schema.

`detect_mapping` looks at column names and a sample of values and decides which column
holds the prompt, the reasoning trace, the response, the final answer and the reference
(gold) answer, or which holds a chat message list. `records_of` turns a raw row into one
`Record` per generation, with `<think>` and OpenThoughts markers split into trace and
answer, so that every check reads the same fields.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

ROLES = ("messages", "prompt", "trace", "response", "answer", "reference")

# Candidate column names per role, best first, compared after `_normalise`.
_PROMPT = ["prompt", "problem", "question", "query", "instruction", "input", "quiz", "user"]
_TRACE = [
    "reasoning", "reasoning_content", "thinking", "thoughts", "thought", "cot", "chain_of_thought",
    "complex_cot", "deepseek_reasoning", "gemini_thinking_trajectory", "reasoning_trace", "rationale",
]
_RESPONSE = [
    "response", "responses", "output", "outputs", "completion", "completions", "generation",
    "generations", "model_output", "deepseek_solution", "gemini_attempt", "assistant",
]
_REFERENCE = [
    "ground_truth", "gt", "gold", "gold_answer", "ground_true_answer", "reference_answer",
    "correct_answer", "expected_answer", "reference",
]
_ANSWER = ["final_answer", "answer", "answer_text"]
# Where no response or trace column exists, these hold the whole worked solution (GSM8K, MATH).
_SOLUTION = ["solution", "answer", "output", "target"]
# When the response is mapped, these hold the gold answer if nothing better does (OpenR1-Math).
_LATE_REFERENCE = ["answer", "solution"]

_MESSAGE_ROLE = {"human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant",
                 "model": "assistant", "bot": "assistant", "chatgpt": "assistant", "system": "system"}
_THOUGHT_BEGIN, _THOUGHT_END = "<|begin_of_thought|>", "<|end_of_thought|>"
_SOLUTION_BEGIN, _SOLUTION_END = "<|begin_of_solution|>", "<|end_of_solution|>"
_THINK_OPEN, _THINK_CLOSE = "<think>", "</think>"


def _normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


@dataclass(frozen=True, slots=True)
class ColumnMapping:
    """Which column plays which role; `None` where nothing maps."""

    columns: tuple[str, ...]
    messages: str | None = None
    prompt: str | None = None
    trace: str | None = None
    response: str | None = None
    answer: str | None = None
    reference: str | None = None
    messages_have_response: bool = False
    manual: frozenset[str] = frozenset()
    notes: tuple[str, ...] = ()

    def roles(self) -> dict[str, str]:
        return {role: column for role in ROLES if (column := getattr(self, role)) is not None}

    @property
    def has_prompt(self) -> bool:
        return self.prompt is not None or self.messages is not None

    @property
    def has_output(self) -> bool:
        return self.messages_have_response or self.trace is not None or self.response is not None


@dataclass(frozen=True, slots=True)
class Record:
    """The normalized view of one generation of one row.

    `trace` is the reasoning and `answer` what follows it. When the response carries no
    reasoning markers and there is no separate reasoning column, the whole response is the
    trace and `answer` is None. `fields` maps each role to the place in the raw row it came
    from (`messages[2].content`, `response[3]`), for locations.
    """

    prompt: str | None
    response: str | None
    trace: str | None
    answer: str | None
    reference: str | None
    messages: tuple[dict[str, str | None], ...] | None
    fields: Mapping[str, str]
    raw: Mapping[str, Any] = field(repr=False)
    generation: int | None = None


def _value_kind(value: Any) -> str:
    if isinstance(value, str):
        return "text"
    if isinstance(value, list) and value:
        if all(isinstance(item, dict) for item in value) and _looks_like_messages(value):
            return "messages"
        if all(isinstance(item, str) or item is None for item in value):
            return "text-list"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "number"
    return "other" if value is not None else "null"


def _looks_like_messages(items: list[dict[str, Any]]) -> bool:
    return all(("role" in item or "from" in item) and ("content" in item or "value" in item) for item in items)


def _column_kinds(sample: Iterable[Mapping[str, Any]]) -> tuple[list[str], dict[str, str]]:
    """Columns in first-seen order, and each column's dominant non-null value kind."""
    columns: dict[str, dict[str, int]] = {}
    for raw in sample:
        for name, value in raw.items():
            counts = columns.setdefault(name, {})
            kind = _value_kind(value)
            if kind != "null":
                counts[kind] = counts.get(kind, 0) + 1
    kinds = {name: max(counts, key=lambda k: counts[k]) if counts else "null" for name, counts in columns.items()}
    return list(columns), kinds


def detect_mapping(sample: Sequence[Mapping[str, Any]], manual: Mapping[str, str] | None = None) -> ColumnMapping:
    """Assign roles to columns: by hand where configured, else by name and value kind."""
    columns, kinds = _column_kinds(sample)
    manual = dict(manual or {})
    notes = [f"columns.{role} names {column!r}, which is not a column here"
             for role, column in manual.items() if column not in kinds]
    chosen: dict[str, str] = {role: column for role, column in manual.items() if column in kinds}
    taken = set(chosen.values())
    by_name: dict[str, str] = {}
    for column in columns:
        by_name.setdefault(column, column)
        by_name.setdefault(_normalise(column), column)

    def pick(role: str, candidates: list[str], accept: tuple[str, ...]) -> None:
        if role in chosen:
            return
        for candidate in candidates:
            column = by_name.get(candidate)
            if column is not None and column not in taken and kinds.get(column) in accept:
                chosen[role] = column
                taken.add(column)
                return

    if "messages" not in chosen:
        message_columns = [c for c in columns if kinds[c] == "messages" and c not in taken]
        if message_columns:
            chosen["messages"] = message_columns[0]
            taken.add(message_columns[0])
    text, texts = ("text",), ("text", "text-list")
    scalar = ("text", "number")
    if "messages" not in chosen:
        pick("prompt", _PROMPT, text)
    pick("trace", _TRACE, texts)
    pick("response", _RESPONSE, texts)
    pick("reference", _REFERENCE, scalar)
    if "messages" not in chosen and "trace" not in chosen and "response" not in chosen:
        pick("response", _SOLUTION, text)
    if "response" in chosen or "messages" in chosen:
        pick("reference", _LATE_REFERENCE, scalar)
    else:
        pick("answer", _ANSWER, scalar)
    messages_have_response = "messages" in chosen and any(
        turn["role"] == "assistant" for raw in sample for turn in _messages_of(raw.get(chosen["messages"]))
    )
    return ColumnMapping(columns=tuple(columns), messages_have_response=messages_have_response,
                         manual=frozenset(manual), notes=tuple(notes), **chosen)


def as_text(value: Any) -> str | None:
    """Row values as text: strings as they are, scalars printed, structures as JSON."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float, bool)):
        return str(value)
    return json.dumps(value, ensure_ascii=False, default=str)


def split_reasoning(text: str | None) -> tuple[str | None, str | None]:
    """Split a response into (trace, answer) at `<think>` or OpenThoughts markers.

    An R1-style output that carries only `</think>` (its template injected the opening
    tag) has its trace before the closing tag. An unclosed `<think>` has no answer.
    """
    if text is None:
        return None, None
    if _THOUGHT_BEGIN in text or _THOUGHT_END in text:
        begin = text.find(_THOUGHT_BEGIN)
        start = begin + len(_THOUGHT_BEGIN) if begin >= 0 else 0
        end = text.find(_THOUGHT_END, start)
        trace = text[start:end] if end >= 0 else text[start:]
        solution = text.find(_SOLUTION_BEGIN)
        answer: str | None
        if solution >= 0:
            finish = text.find(_SOLUTION_END, solution)
            answer = text[solution + len(_SOLUTION_BEGIN): finish if finish >= 0 else None]
        else:
            answer = text[end + len(_THOUGHT_END):] if end >= 0 else None
        return trace, answer
    close = text.find(_THINK_CLOSE)
    opening = text.find(_THINK_OPEN)
    if close >= 0:
        start = opening + len(_THINK_OPEN) if 0 <= opening < close else 0
        return text[start:close], text[close + len(_THINK_CLOSE):]
    if opening >= 0:
        return text[opening + len(_THINK_OPEN):], None
    return text, None


def _messages_of(value: Any) -> tuple[dict[str, str | None], ...]:
    turns = []
    for item in value if isinstance(value, list) else []:
        if not isinstance(item, dict):
            continue
        role = str(item.get("role", item.get("from", ""))).lower()
        content = item.get("content", item.get("value"))
        if isinstance(content, list):  # content parts: [{"type": "text", "text": ...}]
            content = "".join(part.get("text", "") for part in content if isinstance(part, dict))
        turn = {"role": _MESSAGE_ROLE.get(role, role), "content": as_text(content)}
        reasoning = item.get("reasoning_content") or item.get("reasoning") or item.get("thinking")
        if isinstance(reasoning, str):
            turn["reasoning"] = reasoning
        turns.append(turn)
    return tuple(turns)


def records_of(raw: Mapping[str, Any], mapping: ColumnMapping) -> list[Record]:
    """One record per generation of the row (one when the response is a single text)."""
    fields: dict[str, str] = {}
    messages = None
    prompt = response = trace = None
    if mapping.messages is not None:
        column = mapping.messages
        messages = _messages_of(raw.get(column))
        key = "content"
        if isinstance(raw.get(column), list) and raw[column] and isinstance(raw[column][0], dict):
            key = "content" if "content" in raw[column][0] else "value"
        fields["messages"] = column
        last_assistant = max((i for i, t in enumerate(messages) if t["role"] == "assistant"), default=None)
        before = len(messages) if last_assistant is None else last_assistant
        users = [i for i, turn in enumerate(messages[:before]) if turn["role"] == "user"]
        if users:
            prompt = messages[users[-1]]["content"]
            fields["prompt"] = f"{column}[{users[-1]}].{key}"
        if last_assistant is not None:
            response = messages[last_assistant]["content"]
            fields["response"] = f"{column}[{last_assistant}].{key}"
            trace = messages[last_assistant].get("reasoning")
            if trace is not None:
                fields["trace"] = fields["response"]
    if mapping.prompt is not None:
        prompt = as_text(raw.get(mapping.prompt))
        fields["prompt"] = mapping.prompt
    reference = as_text(raw.get(mapping.reference)) if mapping.reference else None
    if mapping.reference:
        fields["reference"] = mapping.reference
    answer_column = as_text(raw.get(mapping.answer)) if mapping.answer else None
    if mapping.answer:
        fields["answer"] = mapping.answer

    responses: list[tuple[int | None, str | None]] = (
        _generations(raw, mapping.response) if mapping.response else [(None, response)])
    traces = _generations(raw, mapping.trace) if mapping.trace else None
    if traces is not None and len(traces) != len(responses) and mapping.response:
        traces = None if len(traces) != 1 else traces * len(responses)
    if traces is not None and not mapping.response:
        responses = [(index, None) for index, _ in traces]

    records = []
    own_trace: str | None
    own_answer: str | None
    for position, (index, text) in enumerate(responses):
        record_fields = dict(fields)
        if mapping.response:
            record_fields["response"] = mapping.response if index is None else f"{mapping.response}[{index}]"
        if traces is not None:
            trace_index, own_trace = traces[position]
            trace_column = str(mapping.trace)
            record_fields["trace"] = trace_column if trace_index is None else f"{trace_column}[{trace_index}]"
            own_answer = answer_column if mapping.answer else text
        elif trace is not None:
            own_trace, own_answer = trace, text
        else:
            own_trace, own_answer = split_reasoning(text)
        records.append(Record(
            prompt=prompt, response=text, trace=own_trace, answer=own_answer, reference=reference,
            messages=messages, fields=record_fields, raw=raw, generation=index,
        ))
    return records


def _generations(raw: Mapping[str, Any], column: str) -> list[tuple[int | None, str | None]]:
    value = raw.get(column)
    if isinstance(value, list):
        return [(index, as_text(item)) for index, item in enumerate(value)] or [(None, None)]
    return [(None, as_text(value))]
