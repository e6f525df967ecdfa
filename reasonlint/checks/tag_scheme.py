"""A dataset's own block scheme, inferred from its rows, and the rows that break it.

Structured-reasoning datasets invent their tags (`<Thought>…</Thought><Output>…</Output>`,
`<reason>`, `<tension>`, `<deconstruction>`, `<conclusion>`). TRC009 checks a scheme the
user declares; this rule needs no declaration: the tags that open and close in most rows
are the scheme, their usual order is its order, and a block found in nearly every row is
required. A row is kept as its location and an interned signature (its tags' counts in the
order they open), a few bytes a row, so the scheme is judged after the pass without the texts.
"""

from __future__ import annotations

import re
from array import array
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from reasonlint.checks import aggregate_check
from reasonlint.checks.dedup import Rows
from reasonlint.findings import Hit, Location
from reasonlint.source.mapping import Record
from reasonlint.summary import DatasetSummary
from reasonlint.text.tags import PAIRS

_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9_-]{0,30})>")
# Tags that are markup, not a reasoning scheme, and the pairs the TRC001-TRC006 rules own.
_MARKUP = frozenset(
    "p b i u s a br hr em strong code pre span div li ul ol table thead tbody tr td th sup sub img "
    "h1 h2 h3 h4 h5 h6 html head body title script style blockquote center small big font".split())
_OWNED = frozenset(pair.open[1:-1] for pair in PAIRS if _TAG.fullmatch(pair.open))  # think, answer
_MAX_TAGS = 16  # distinct tag names kept per row


# A row's tags: (name, opens, closes) in the order of their first opening (closings only last).
Signature = tuple[tuple[str, int, int], ...]


@dataclass(slots=True)
class SchemeState:
    """Rows with text, rows where each tag opens and closes, and per row with a tag (or with
    none) its location and interned signature: a few bytes a row, whatever the texts."""

    rows: int = 0
    balanced: Counter[str] = field(default_factory=Counter)
    places: Rows = field(default_factory=Rows)
    signature_of: array[int] = field(default_factory=lambda: array("I"))
    signatures: dict[Signature, int] = field(default_factory=dict)
    field_name: str | None = None


def signature_of(text: str) -> Signature:
    found: dict[str, list[int]] = {}
    for match in _TAG.finditer(text):
        closing, name = bool(match.group(1)), match.group(2)
        if name.lower() in _MARKUP or name in _OWNED:
            continue
        entry = found.get(name)
        if entry is None:
            if len(found) >= _MAX_TAGS:
                continue
            entry = found[name] = [0, 0, -1]
        if closing:
            entry[1] += 1
        else:
            entry[0] += 1
            if entry[2] < 0:
                entry[2] = match.start()
    ordered = sorted(found.items(), key=lambda item: (item[1][2] < 0, item[1][2]))
    return tuple((name, opens, closes) for name, (opens, closes, _) in ordered)


@aggregate_check
class InferredBlockScheme:
    """Rows that break the block scheme most rows follow: a block never closed or closed
    twice, a required block missing or doubled, blocks out of their usual order."""

    def __init__(self, *, min_share: float, required_share: float, min_rows: int) -> None:
        self.min_share = min_share
        self.required_share = required_share
        self.min_rows = min_rows

    def start(self) -> SchemeState:
        return SchemeState()

    def add(self, state: SchemeState, record: Record, location: Location) -> None:
        if (record.generation or 0) > 0 and record.response is None:
            return
        text = record.response if record.response is not None else record.trace
        where = record.fields.get("response") or record.fields.get("trace")
        if text is None or where is None:
            return
        state.rows += 1
        state.field_name = state.field_name or where
        signature = signature_of(text) if "<" in text else ()
        state.balanced.update(name for name, opens, closes in signature if opens and opens == closes)
        state.places.append(location, record.generation)
        state.signature_of.append(state.signatures.setdefault(signature, len(state.signatures)))

    def merge(self, a: SchemeState, b: SchemeState) -> SchemeState:
        a.rows += b.rows
        a.balanced.update(b.balanced)
        a.places.extend(b.places)
        renumber = {index: a.signatures.setdefault(signature, len(a.signatures))
                    for signature, index in b.signatures.items()}
        a.signature_of.extend(renumber[index] for index in b.signature_of)
        a.field_name = a.field_name or b.field_name
        return a

    def finish(self, state: SchemeState, summary: DatasetSummary) -> Iterator[Hit]:
        if state.rows < self.min_rows:
            return
        scheme = [name for name, count in state.balanced.items() if count >= self.min_share * state.rows]
        if not scheme:
            return
        required = {name for name in scheme if state.balanced[name] >= self.required_share * state.rows}
        counts = Counter(state.signature_of)
        by_index = {index: signature for signature, index in state.signatures.items()}
        repeated = Counter(name for index, rows in counts.items() for name, opens, _ in by_index[index]
                           for _ in range(rows) if name in scheme and opens > 1)
        single = {name for name in scheme if repeated[name] < 0.1 * state.balanced[name]}
        order = _usual_order(by_index, counts, scheme)
        described = "".join(f"<{name}>" for name in order)
        verdicts = {index: _problems(signature, order, required, single) for index, signature in by_index.items()}
        for position, index in enumerate(state.signature_of):
            problems = verdicts[index]
            if problems:
                column = state.places.field_of(position, state.field_name)
                yield Hit({"field": column, "scheme": described, "rows": min(state.balanced[name] for name in scheme),
                           "total": state.rows, "detail": "; ".join(problems)},
                          field=column, location=state.places.location(position, column),
                          key=":".join(str(part) for part in state.places.key(position)))


def _usual_order(signatures: dict[int, Signature], counts: Counter[int], scheme: list[str]) -> list[str]:
    """The scheme's tags by their median rank of first opening, over the rows that hold them."""
    ranks: dict[str, Counter[int]] = {name: Counter() for name in scheme}
    for index, signature in signatures.items():
        opened = [name for name, opens, _ in signature if name in ranks and opens]
        for rank, name in enumerate(opened):
            ranks[name][rank] += counts[index]
    return sorted(scheme, key=lambda name: (_median(ranks[name]), name))


def _median(values: Counter[int]) -> int:
    half, seen = sum(values.values()) / 2, 0
    for value in sorted(values):
        seen += values[value]
        if seen >= half:
            return value
    return 0


def _problems(signature: Signature, order: list[str], required: set[str], single: set[str]) -> list[str]:
    tags = {name: (opens, closes) for name, opens, closes in signature}
    problems = []
    for name in order:
        opens, closes = tags.get(name, (0, 0))
        if opens == 0 and closes == 0:
            if name in required:
                problems.append(f"no <{name}>")
        elif opens > closes:
            problems.append(f"<{name}> opened {opens}, closed {closes}")
        elif closes > opens:
            problems.append(f"</{name}> {closes} times, <{name}> {opens}")
        elif opens > 1 and name in single:
            problems.append(f"{opens} <{name}> blocks")
    seen_order = [name for name, opens, _ in signature if name in order and opens]
    if seen_order != [name for name in order if name in seen_order]:
        problems.append("blocks in the order " + "".join(f"<{name}>" for name in seen_order))
    return problems
