"""Trace structure checks: reasoning tags in the raw output, in separate trace columns and in
prompts; declared block schemes; empty thinking and answers left inside it.

The raw output is the response (or the assistant turn): that is where `<think>` and the
OpenThoughts markers live, and where the mapping split the trace from the answer. A trace
read from its own column carries no tags of its own; tags there are stray. Every check
reads the same cached `scan` of a text, so six rules on one response cost one pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from reasonlint.checks import aggregate_check, row_check
from reasonlint.findings import Hit, Location, excerpt_of
from reasonlint.source.mapping import Record
from reasonlint.summary import DatasetSummary
from reasonlint.text.tags import ORDERED, SOLUTION, THINK, THOUGHT, PairStructure, scan, scan_blocks


def _output(record: Record) -> tuple[str, str] | None:
    """The raw model output and where it came from, if the row has one."""
    if record.response is None:
        return None
    return record.response, record.fields.get("response", "response")


def _separate_trace(record: Record) -> tuple[str, str] | None:
    """A trace read from its own column (or a message's reasoning key), not split from the output."""
    if record.trace is None or "trace" not in record.fields:
        return None
    return record.trace, record.fields["trace"]


def _present(record: Record) -> Iterator[tuple[str, PairStructure]]:
    output = _output(record)
    if output is None:
        return
    text, where = output
    for structure in scan(text).pairs:
        if structure.present:
            yield where, structure


@row_check
def unbalanced_reasoning_tags(record: Record) -> Iterator[Hit]:
    """Opening and closing tags of a pair differ in number (R1 style and a cut text aside)."""
    for where, s in _present(record):
        if s.unbalanced:
            yield Hit({"field": where, "opens": s.opens, "open": s.pair.open, "closes": s.closes,
                       "close": s.pair.close}, field=where)


@row_check
def nested_reasoning_tags(record: Record) -> Iterator[Hit]:
    """A block opens inside an open block of the same pair."""
    for where, s in _present(record):
        if s.nested:
            yield Hit({"field": where, "open": s.pair.open, "offset": s.nested_at, "outer": s.nested_in,
                       "nested": s.nested}, field=where)


@row_check
def repeated_reasoning_block(record: Record) -> Iterator[Hit]:
    """More than one well-formed block of a pair that an output holds once."""
    for where, s in _present(record):
        if s.repeated:
            yield Hit({"field": where, "blocks": s.blocks, "open": s.pair.open, "close": s.pair.close},
                      field=where)


@row_check
def closing_tag_before_opening(record: Record) -> Iterator[Hit]:
    """The first closing tag comes before the first opening one."""
    for where, s in _present(record):
        if s.close_before_open:
            yield Hit({"field": where, "close": s.pair.close, "offset": s.first_close, "open": s.pair.open,
                       "opened": s.first_open}, field=where)


@row_check
def unclosed_block_at_end(record: Record) -> Iterator[Hit]:
    """The text ends inside an opened block: the generation was cut."""
    for where, s in _present(record):
        if s.truncated:
            after = scan(record.response or "").length - s.open_at - len(s.pair.open)
            yield Hit({"field": where, "open": s.pair.open, "offset": s.open_at, "after": after,
                       "close": s.pair.close}, field=where)


@row_check
def blocks_out_of_order(record: Record) -> Iterator[Hit]:
    """An answer or solution block that starts before the reasoning block before it has closed."""
    output = _output(record)
    if output is None:
        return
    text, where = output
    result = scan(text)
    for reasoning, after in ORDERED:
        first, then = result.of(reasoning), result.of(after)
        if then.first_open >= 0 and then.first_open < first.last_close:
            yield Hit({"field": where, "open": after.open, "offset": then.first_open, "close": reasoning.close,
                       "closed": first.last_close}, field=where)


def _wrapper(text: str) -> tuple[int, int] | None:
    """The span of a single `<think>`/thought pair wrapping the whole text, if it is one."""
    stripped = text.strip()
    for pair in (THINK, THOUGHT):
        if stripped.startswith(pair.open) and stripped.endswith(pair.close):
            s = scan(text).of(pair)
            if s.opens == 1 and s.closes == 1:
                start = text.index(pair.open)
                return start, text.rindex(pair.close) + len(pair.close)
    return None


@row_check
def tags_in_separate_trace(record: Record) -> Iterator[Hit]:
    """Reasoning tags inside a trace that has its own column, other than one pair wrapping it all."""
    trace = _separate_trace(record)
    if trace is None:
        return
    text, where = trace
    result = scan(text)
    if not result.any:
        return
    wrapper = _wrapper(text)
    wrapped = {pair.name for pair in (THINK, THOUGHT) if wrapper and text[wrapper[0]:].startswith(pair.open)}
    stray = [s for s in result.pairs if s.present and s.pair.name not in wrapped]
    if not stray:
        return
    count = sum(s.opens + s.closes for s in stray)
    offset, tag = min((at, tag) for s in stray
                      for at, tag in ((s.first_open, s.pair.open), (s.first_close, s.pair.close)) if at >= 0)
    yield Hit({"field": where, "count": count, "tag": tag, "offset": offset}, field=where)


@row_check
def reasoning_tag_in_prompt(record: Record) -> Iterator[Hit]:
    """A prompt left inside an open reasoning block (a generation prefix), or with closing tags
    that close nothing. Balanced mentions (`enclose it in <think> </think>`) are instructions."""
    if not record.prompt:
        return
    where = record.fields.get("prompt", "prompt")
    result = scan(record.prompt)
    for s in result.pairs:
        if s.depth > 0:
            detail = (f"{s.pair.open} at offset {s.open_at} is never closed "
                      f"({result.length - s.open_at - len(s.pair.open)} characters follow it)")
        elif s.closes > s.opens:
            detail = f"{s.closes} {s.pair.close} but {s.opens} {s.pair.open}"
        else:
            continue
        yield Hit({"field": where, "detail": detail}, field=where)


_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
_WORD = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+")


def _words(text: str, limit: int) -> int:
    """Words in `text`, counting no further than `limit` (each CJK character is a word)."""
    count = 0
    for _ in _WORD.finditer(text):
        count += 1
        if count >= limit:
            break
    return count


def _thinking(record: Record) -> tuple[str, str] | None:
    """The thinking and its field: a separate trace, or a block the output marks with tags."""
    separate = _separate_trace(record)
    if separate is not None:
        text, where = separate
        wrapper = _wrapper(text)
        if wrapper is not None:
            inner = text[wrapper[0]:wrapper[1]]
            for pair in (THINK, THOUGHT):
                inner = inner.removeprefix(pair.open).removesuffix(pair.close)
            text = inner
        return text, where
    output = _output(record)
    if output is None or record.trace is None:
        return None
    result = scan(output[0])
    if not (result.of(THINK).present or result.of(THOUGHT).present):
        return None
    return record.trace, output[1]


@row_check
def trivial_thinking(record: Record, *, min_words: int) -> Iterator[Hit]:
    """A thinking block that is empty or a few words long."""
    thinking = _thinking(record)
    if thinking is None:
        return
    text, where = thinking
    if "trace" in record.fields and not text.strip():
        return  # an empty trace column: SCH005 reports it
    words = _words(text, min_words)
    if words < min_words:
        yield Hit({"field": where, "words": words, "minimum": min_words}, field=where,
                  excerpt=excerpt_of(text))


_ANSWER_MARK = re.compile(
    r"\\boxed\s*\{[^\n]{0,60}|\bfinal answer\b[^\n]{0,60}|\banswer\s*\**\s*[:：][^\n]{0,60}|####[ \t]*\S[^\n]{0,40}",
    re.I | re.M)
_TAIL = 400


def _empty_after(record: Record) -> tuple[str, str, str] | None:
    """(field, the tag after which nothing follows, the trace) for outputs whose answer is blank."""
    output = _output(record)
    if output is None or "trace" in record.fields or record.answer is None or record.answer.strip():
        return None
    result = scan(output[0])
    if result.of(SOLUTION).present:
        after = SOLUTION.open
    elif result.of(THOUGHT).closes:
        after = THOUGHT.close
    elif result.of(THINK).closes:
        after = THINK.close
    else:
        return None
    return output[1], after, record.trace or ""


@row_check
def answer_only_in_thinking(record: Record) -> Iterator[Hit]:
    """Nothing after the thinking, whose last lines hold the final answer."""
    empty = _empty_after(record)
    if empty is None:
        return
    where, after, trace = empty
    marks = list(_ANSWER_MARK.finditer(trace[-_TAIL:]))
    if marks:
        yield Hit({"field": where, "after": after, "answer": excerpt_of(marks[-1].group(), 40)}, field=where)


@row_check
def nothing_after_thinking(record: Record) -> Iterator[Hit]:
    """Nothing after the thinking, and no answer at its end either."""
    empty = _empty_after(record)
    if empty is None:
        return
    where, after, trace = empty
    if not _ANSWER_MARK.search(trace[-_TAIL:]):
        yield Hit({"field": where, "after": after}, field=where)


@row_check
def declared_blocks_broken(record: Record, *, blocks: list[str], optional: list[str], repeatable: list[str],
                           ordered: bool) -> Iterator[Hit]:
    """The user's declared block scheme, checked on the output (or the trace when there is none):
    each block present unless optional, once unless repeatable, closed by its own tag, in order."""
    if not blocks:
        return
    source = _output(record) or _separate_trace(record)
    if source is None:
        return
    text, where = source
    found = scan_blocks(text, blocks)
    problems: dict[str, list[str]] = {name: [] for name in blocks}
    for name, block in found.items():
        if block.opens == 0 and block.closes == 0:
            if name not in optional:
                problems[name].append(f"no <{name}>")
            continue
        if block.opens != block.closes:
            problems[name].append(f"{block.opens} <{name}> but {block.closes} </{name}>")
        elif block.opens > 1 and name not in repeatable:
            problems[name].append(f"{block.opens} <{name}> blocks")
        problems[name].extend(block.problems)
    if ordered:
        latest: tuple[int, str] | None = None  # the furthest declared block seen so far, by text order
        for block in sorted((b for b in found.values() if b.first_open >= 0), key=lambda b: b.first_open):
            rank = blocks.index(block.name)
            if latest is not None and rank < blocks.index(latest[1]):
                problems[block.name].append(
                    f"<{block.name}> at offset {block.first_open} after <{latest[1]}> at offset {latest[0]}")
            elif latest is None or rank > blocks.index(latest[1]):
                latest = (block.first_open, block.name)
    for name in blocks:
        if problems[name]:
            yield Hit({"field": where, "block": name, "detail": "; ".join(problems[name])}, field=where)


@dataclass(slots=True)
class _Styles:
    """Per table: responses opening with `<think>` and those carrying only `</think>`, with the
    first few locations of each."""

    opened: int = 0
    close_only: int = 0
    opened_at: list[Location] = field(default_factory=list)
    close_only_at: list[Location] = field(default_factory=list)


@aggregate_check
class MixedThinkStyles:
    """R1-style outputs (only `</think>`: the template injected the opening tag) are fine when
    every output of a table does it; a table that mixes them with `<think>`-opened outputs
    trains a model on two formats."""

    def __init__(self, *, max_locations: int) -> None:
        self.max_locations = max_locations

    def start(self) -> dict[tuple[str | None, str | None], _Styles]:
        return {}

    def add(self, state: dict[tuple[str | None, str | None], _Styles], record: Record, location: Location) -> None:
        output = _output(record)
        if output is None or "</think>" not in output[0] and "<think>" not in output[0]:
            return
        think = scan(output[0]).of(THINK)
        if think.opens == 0 and think.closes == 0:
            return
        styles = state.setdefault((location.config, location.split), _Styles())
        where = replace(location, field=output[1])
        if think.opens == 0:
            styles.close_only += 1
            if len(styles.close_only_at) < self.max_locations:
                styles.close_only_at.append(where)
        else:
            styles.opened += 1
            if len(styles.opened_at) < self.max_locations:
                styles.opened_at.append(where)

    def merge(self, a: dict[tuple[str | None, str | None], _Styles],
              b: dict[tuple[str | None, str | None], _Styles]) -> dict[tuple[str | None, str | None], _Styles]:
        for key, other in b.items():
            mine = a.setdefault(key, _Styles())
            mine.opened += other.opened
            mine.close_only += other.close_only
            mine.opened_at = (mine.opened_at + other.opened_at)[: self.max_locations]
            mine.close_only_at = (mine.close_only_at + other.close_only_at)[: self.max_locations]
        return a

    def finish(self, state: dict[tuple[str | None, str | None], _Styles], summary: DatasetSummary) -> Iterator[Hit]:
        for (config, split), styles in sorted(state.items(), key=lambda item: (str(item[0][0]), str(item[0][1]))):
            if not styles.opened or not styles.close_only:
                continue
            total = styles.opened + styles.close_only
            if styles.close_only <= styles.opened:
                count, style, rest, where = styles.close_only, "carry only </think>", "open with <think>", \
                    styles.close_only_at
            else:
                count, style, rest, where = styles.opened, "open with <think>", "carry only </think>", styles.opened_at
            examples = ", ".join(f"{location} {location.field}" for location in where)
            yield Hit({"count": count, "total": total, "style": style, "rest": rest, "examples": examples},
                      location=where[0], key=f"think-style:{config}:{split}")
