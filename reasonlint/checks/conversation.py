"""The turn order of conversations: what a chat template cannot render, or renders wrong."""

from __future__ import annotations

from collections.abc import Iterator

from reasonlint.checks import row_check
from reasonlint.findings import Hit
from reasonlint.source.mapping import Record


@row_check
def broken_turn_order(record: Record) -> Iterator[Hit]:
    """Two user turns in a row, an assistant turn that repeats the one before it, or a
    conversation (one with an assistant turn) that ends on a user turn. Once per row."""
    turns = record.messages
    column = record.fields.get("messages")
    if not turns or column is None or (record.generation or 0) > 0:
        return
    problems: list[tuple[int, str]] = []  # (the turn at fault, what is wrong)
    for index in range(1, len(turns)):
        before, turn = turns[index - 1], turns[index]
        if turn["role"] == before["role"] == "user":
            problems.append((index, f"turns {index - 1} and {index} are both user turns"))
        elif turn["role"] == before["role"] == "assistant" and (turn["content"] or "").strip() \
                and (turn["content"] or "").strip() == (before["content"] or "").strip():
            problems.append((index, f"assistant turn {index} repeats turn {index - 1}"))
    if turns[-1]["role"] == "user" and any(turn["role"] == "assistant" for turn in turns):
        problems.append((len(turns) - 1, f"the conversation ends on a user turn ({len(turns) - 1})"))
    if problems:
        yield Hit({"field": column, "detail": "; ".join(text for _, text in problems)},
                  field=f"{column}[{problems[0][0]}]")
