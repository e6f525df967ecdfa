"""One view of a row, whatever the schema.

`detect_mapping` looks at column names and a sample of values and decides which column
holds the prompt, the reasoning trace, the response, the final answer and the reference
(gold) answer, or which holds a chat message list. `records_of` turns a raw row into one
`Record` per generation, with `<think>` and OpenThoughts markers split into trace and
answer, so that every check reads the same fields.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reasonlint.source.column_profile import generation_text, options_of
from reasonlint.source.roles import RoleEvidence, infer_roles

ROLES = ("messages", "prompt", "trace", "response", "answer", "reference", "options")

_MESSAGE_ROLE = {"human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant",
                 "model": "assistant", "bot": "assistant", "chatgpt": "assistant", "system": "system"}
_THOUGHT_BEGIN, _THOUGHT_END = "<|begin_of_thought|>", "<|end_of_thought|>"
_SOLUTION_BEGIN, _SOLUTION_END = "<|begin_of_solution|>", "<|end_of_solution|>"
_THINK_OPEN, _THINK_CLOSE = "<think>", "</think>"


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
    options: str | None = None
    messages_have_response: bool = False
    manual: frozenset[str] = frozenset()
    notes: tuple[str, ...] = ()
    # Why each role went to its column (and the runner-up), for the report.
    evidence: tuple[RoleEvidence, ...] = ()
    # For the prompt or response when nothing won them: the likeliest columns, best first.
    candidates: tuple[tuple[str, tuple[str, ...]], ...] = ()

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
    options: tuple[str, ...] = ()  # the multiple-choice options, in letter order


def detect_mapping(sample: Sequence[Mapping[str, Any]], manual: Mapping[str, str] | None = None) -> ColumnMapping:
    """Assign roles to columns: by hand where configured, else from name and content evidence
    (reasonlint/source/roles.py)."""
    manual = dict(manual or {})
    columns = list(dict.fromkeys(name for raw in sample for name in raw))
    notes = [f"columns.{role} names {column!r}, which is not a column here"
             for role, column in manual.items() if column not in columns]
    # A role set by hand to a column that is not there stays unmapped (and is reported), never guessed.
    inference = infer_roles(sample, {role: column for role, column in manual.items() if column in columns},
                            blocked=frozenset(role for role, column in manual.items() if column not in columns))
    chosen = inference.roles
    messages_have_response = "messages" in chosen and any(
        turn["role"] == "assistant" for raw in sample for turn in _messages_of(raw.get(chosen["messages"]))
    )
    return ColumnMapping(columns=tuple(columns), messages_have_response=messages_have_response,
                         manual=frozenset(manual), notes=tuple(notes), evidence=inference.evidence,
                         candidates=tuple(inference.candidates.items()), **chosen)


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


_REASONING_PARTS = frozenset({"reasoning", "thinking", "thought"})


def _parts_text(parts: list[Any]) -> tuple[str, str | None]:
    """(text, reasoning) of a turn's typed content parts: the text parts one per line (a tool
    call's JSON counts as text), the reasoning parts apart; a part's text is under `text` or
    `value` (LLaMA-Factory's typed parts, seen on realdata-more/llamafactory_reason_tool_use_50)."""
    texts: list[str] = []
    thoughts: list[str] = []
    for part in parts:
        if not isinstance(part, dict):
            continue
        value = part.get("text", part.get("value", part.get("thinking", "")))
        value = value if isinstance(value, str) else as_text(value) or ""
        (thoughts if part.get("type") in _REASONING_PARTS else texts).append(value)
    return "\n".join(texts), ("\n".join(thoughts) if thoughts else None)


def _messages_of(value: Any) -> tuple[dict[str, str | None], ...]:
    turns = []
    for item in value if isinstance(value, list) else []:
        if not isinstance(item, dict):
            continue
        role = str(item.get("role", item.get("from", ""))).lower()
        content = item.get("content", item.get("value"))
        reasoning = item.get("reasoning_content") or item.get("reasoning") or item.get("thinking")
        if isinstance(content, list):  # typed parts: [{"type": "text", "text": …}], LLaMA-Factory's "value"
            content, typed_reasoning = _parts_text(content)
            reasoning = reasoning or typed_reasoning
        turn = {"role": _MESSAGE_ROLE.get(role, role), "content": as_text(content)}
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
    options = options_of(raw.get(mapping.options)) if mapping.options else ()
    reference = _gold(raw.get(mapping.reference), options) if mapping.reference else None
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
        if mapping.answer and traces is None:
            own_answer = answer_column  # a column of the model's own final answers (`gen_ans`, `executed`)
        records.append(Record(
            prompt=prompt, response=text, trace=own_trace, answer=own_answer, reference=reference,
            messages=messages, fields=record_fields, raw=raw, generation=index, options=options,
        ))
    return records


def _gold(value: Any, options: tuple[str, ...]) -> str | None:
    """The reference as text; with options, an integer index (MMLU's `answer: 2`) is its letter."""
    if options and isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(options):
        return chr(ord("A") + value)
    return as_text(value)


def _generations(raw: Mapping[str, Any], column: str) -> list[tuple[int | None, str | None]]:
    value = raw.get(column)
    if isinstance(value, list):
        return [(index, as_text(generation_text(item) or item)) for index, item in enumerate(value)] or [(None, None)]
    return [(None, as_text(value))]
