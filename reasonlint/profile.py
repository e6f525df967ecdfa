"""What the data looks like, measured in the same pass as the rules.

The scores and the HTML report need more than findings: how long traces are, what the
prompts are about, how many rows carry an answer, and a few rows a judge would read.
`Profiler` gathers that as one more mergeable state beside the aggregate rules' (start,
add, merge, finish), so it costs a few microseconds a row and does not depend on how the
work is split. Samples are bottom-k sketches keyed by seed and row, so the same input and
seed give the same profile.
"""

from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from reasonlint.findings import Location
from reasonlint.sketch import BottomK, hash_of
from reasonlint.source.mapping import Record

# Character-length bins for the trace and prompt histograms: wide enough for one-line
# answers and 100k-character traces, few enough to draw.
LENGTH_EDGES = (0, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000)
PROMPT_SAMPLE = 400  # prompts kept for the domain classifier and the diversity measures
TRACE_SAMPLE = 200  # trace heads kept for languages and diversity
EXAMPLES = 40  # rows rendered in the report's judge's sample
_PROMPT_CHARS = 1_500
_TRACE_CHARS = 4_000
_ANSWER_CHARS = 600


@dataclass(frozen=True, slots=True)
class Histogram:
    """Counts per bin of `edges` (the last bin is open-ended), with exact total, sum and maximum."""

    edges: tuple[int, ...]
    counts: tuple[int, ...]
    total: int
    mean: float
    maximum: int

    def quantile(self, q: float) -> int:
        """The lower edge of the bin holding quantile `q` (a bound, not an exact value)."""
        target = q * self.total
        seen = 0
        for edge, count in zip(self.edges, self.counts, strict=True):
            seen += count
            if count and seen >= target:
                return edge
        return self.edges[-1]


@dataclass(frozen=True, slots=True)
class ExampleRow:
    """A row as a judge reads it: its place and its texts, each cut to a readable length."""

    location: Location
    generation: int | None
    prompt: str | None
    trace: str | None
    answer: str | None
    reference: str | None
    cut: bool  # True when a text was shortened


@dataclass(frozen=True, slots=True)
class DatasetProfile:
    records: int  # one per generation, as the rules see them
    with_prompt: int
    with_trace: int
    with_answer: int
    with_reference: int
    trace_chars: Histogram  # the trace, or the whole response when there is no separate trace
    prompt_chars: Histogram
    prompts: tuple[str, ...]  # seeded sample, each cut to _PROMPT_CHARS
    traces: tuple[str, ...]  # seeded sample of trace heads
    examples: tuple[ExampleRow, ...]  # seeded judge's sample, in file order

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DatasetProfile:
        def histogram(value: dict[str, Any]) -> Histogram:
            return Histogram(tuple(value["edges"]), tuple(value["counts"]), value["total"], value["mean"],
                             value["maximum"])

        examples = tuple(ExampleRow(**{**example, "location": Location(**example["location"])})
                         for example in data["examples"])
        return cls(data["records"], data["with_prompt"], data["with_trace"], data["with_answer"],
                   data["with_reference"], histogram(data["trace_chars"]), histogram(data["prompt_chars"]),
                   tuple(data["prompts"]), tuple(data["traces"]), examples)


@dataclass(slots=True)
class _Lengths:
    counts: list[int] = field(default_factory=lambda: [0] * len(LENGTH_EDGES))
    total: int = 0
    sum: int = 0
    maximum: int = 0

    def add(self, length: int) -> None:
        self.counts[bisect.bisect_right(LENGTH_EDGES, length) - 1] += 1
        self.total += 1
        self.sum += length
        self.maximum = max(self.maximum, length)

    def merge(self, other: _Lengths) -> None:
        self.counts = [a + b for a, b in zip(self.counts, other.counts, strict=True)]
        self.total += other.total
        self.sum += other.sum
        self.maximum = max(self.maximum, other.maximum)

    def histogram(self) -> Histogram:
        return Histogram(LENGTH_EDGES, tuple(self.counts), self.total, self.sum / self.total if self.total else 0.0,
                         self.maximum)


@dataclass(slots=True)
class ProfileState:
    present: Counter[str] = field(default_factory=Counter)
    records: int = 0
    trace_chars: _Lengths = field(default_factory=_Lengths)
    prompt_chars: _Lengths = field(default_factory=_Lengths)
    prompts: BottomK[str] = field(default_factory=lambda: BottomK(PROMPT_SAMPLE))
    traces: BottomK[str] = field(default_factory=lambda: BottomK(TRACE_SAMPLE))
    examples: BottomK[ExampleRow] = field(default_factory=lambda: BottomK(EXAMPLES))


def _cut(text: str | None, limit: int) -> str | None:
    return text if text is None or len(text) <= limit else text[:limit]


class Profiler:
    """The profile's start/add/merge/finish, seeded like `--sample`."""

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def start(self) -> ProfileState:
        return ProfileState()

    def add(self, state: ProfileState, record: Record, location: Location) -> None:
        state.records += 1
        trace = record.trace or record.response
        state.present["prompt"] += bool(record.prompt)
        state.present["trace"] += bool(trace)
        state.present["answer"] += bool(record.answer)
        state.present["reference"] += bool(record.reference)
        if record.prompt:
            state.prompt_chars.add(len(record.prompt))
        if trace:
            state.trace_chars.add(len(trace))
        # One hash per record orders all three samples: rows, not texts, are sampled, so a
        # prompt repeated by many rows is as likely to be drawn as it is common.
        digest = hash_of(f"{self.seed}\0{location.path}\0{location.line}\0{location.row}\0{record.generation}")
        if record.prompt and not record.generation:
            state.prompts.keep_hashed(digest, lambda: record.prompt[:_PROMPT_CHARS])  # type: ignore[index]
        if trace:
            state.traces.keep_hashed(digest, lambda: trace[:_TRACE_CHARS])
        state.examples.keep_hashed(digest, lambda: self._example(record, location))

    @staticmethod
    def _example(record: Record, location: Location) -> ExampleRow:
        trace = record.trace or record.response
        texts = ((record.prompt, _PROMPT_CHARS), (trace, _TRACE_CHARS), (record.answer, _ANSWER_CHARS),
                 (record.reference, _ANSWER_CHARS))
        cut = any(text is not None and len(text) > limit for text, limit in texts)
        return ExampleRow(location, record.generation, _cut(record.prompt, _PROMPT_CHARS), _cut(trace, _TRACE_CHARS),
                          _cut(record.answer, _ANSWER_CHARS), _cut(record.reference, _ANSWER_CHARS), cut)

    @staticmethod
    def merge(state: ProfileState, other: ProfileState) -> ProfileState:
        state.present.update(other.present)
        state.records += other.records
        state.trace_chars.merge(other.trace_chars)
        state.prompt_chars.merge(other.prompt_chars)
        state.prompts.merge(other.prompts)
        state.traces.merge(other.traces)
        state.examples.merge(other.examples)
        return state

    def finish(self, state: ProfileState) -> DatasetProfile:
        def sample(sketch: BottomK[Any]) -> list[Any]:
            sketch.trim()
            return [sketch.items[digest] for digest in sorted(sketch.items)]

        examples = sorted(sample(state.examples), key=lambda example: example.location.sort_key())
        return DatasetProfile(
            records=state.records, with_prompt=state.present["prompt"], with_trace=state.present["trace"],
            with_answer=state.present["answer"], with_reference=state.present["reference"],
            trace_chars=state.trace_chars.histogram(), prompt_chars=state.prompt_chars.histogram(),
            prompts=tuple(sample(state.prompts)), traces=tuple(sample(state.traces)), examples=tuple(examples),
        )
