"""Trace language: traces that switch script mid-way (DeepSeek-R1's language mixing:
Chinese phrases inside an English trace), and traces in another language than their
prompt or than the card declares (on a deterministic sample of rows, see `RowSample`).

Judged by script, not by a language detector: counting letters of each script is exact,
needs no sampling and costs a `str.isascii` call (about a microsecond for 8 KB) on the
ASCII traces that are most of an English dataset, so it runs on every row. A text longer
than `budget` characters is read in eight evenly spaced windows. Latin letters are never a
minority script (variable names, units and terms fill Chinese traces legitimately), nor is
Greek (math).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from reasonlint.checks import aggregate_check, row_check
from reasonlint.checks.language import declared_languages
from reasonlint.findings import Hit, Location, excerpt_of
from reasonlint.sketch import BottomK
from reasonlint.source.mapping import Record
from reasonlint.summary import DatasetSummary
from reasonlint.text.language import (
    SCRIPTS,
    UNKNOWN,
    Detection,
    detect_segments,
    letter_weight,
    script_of,
    segments_of,
)

_RUN = re.compile("|".join(f"(?P<s{index}>[{chars}]+)" for index, chars in enumerate(SCRIPTS.values())))
_ANY = re.compile("[" + "".join(SCRIPTS.values()) + "]")
_NAMES = {f"s{index}": name for index, name in enumerate(SCRIPTS)}
_WINDOWS = 8


@row_check
def mixed_script_trace(record: Record, *, min_chars: int, budget: int) -> Iterator[Hit]:
    """A trace whose main script is one, holding runs of another script the prompt does not use."""
    text = record.trace if record.trace is not None else record.response
    where = record.fields.get("trace") or record.fields.get("response")
    if not text or where is None or text.isascii():
        return
    if len(text) > budget:
        size = budget // _WINDOWS
        step = (len(text) - size) // (_WINDOWS - 1)
        text = "".join(text[index * step: index * step + size] for index in range(_WINDOWS))
    if _ANY.search(text) is None:
        return
    letters: dict[str, int] = {}
    runs: dict[str, list[str]] = {}
    for match in _RUN.finditer(text):
        script = _NAMES[str(match.lastgroup)]
        letters[script] = letters.get(script, 0) + len(match.group())
        runs.setdefault(script, []).append(match.group())
    if not letters:
        return
    # ASCII characters stand in for Latin letters: exact enough to tell the main script, and
    # one C call instead of a regex over every word.
    letters["Latin"] = len(text.encode("ascii", "ignore"))
    main = max(letters, key=lambda script: (letters[script], script))
    prompt = record.prompt or ""
    mixed = sorted((count, script) for script, count in letters.items()
                   if script not in (main, "Latin") and count >= min_chars
                   and not re.search(f"[{SCRIPTS[script]}]", prompt))  # quoting or translating
    if not mixed:
        return
    count, script = mixed[-1]
    example = max(runs[script], key=len)
    others = f" and {len(mixed) - 1} other scripts" if len(mixed) > 1 else ""
    yield Hit({"count": count, "script": script, "runs": len(runs[script]), "main": main, "others": others,
               "example": excerpt_of(example, 30)}, field=where, excerpt=excerpt_of(example))


@dataclass(slots=True)
class RowSample(BottomK[tuple[Location, tuple[str, ...], tuple[str, ...]]]):
    """Rows kept by the hash of their prompt and trace, with the cleaned segments of both."""

    def offer(self, prompt: str, trace: str, location: Location) -> None:
        self.keep(f"{prompt}\0{trace}", lambda: (location, segments_of(prompt), segments_of(trace)))


@dataclass(frozen=True, slots=True)
class SampledRow:
    location: Location
    prompt: Detection
    trace: Detection
    letters: int  # in the fewer-lettered of the two texts' segments


class _TraceLanguageSample:
    """Shared by the trace-language rules: a sample of rows, detected at the end. Detecting
    every trace of a million-row dataset would cost minutes; a seeded-by-hash sample of
    `sample_size` rows finds a systematic problem and points at real rows."""

    def __init__(self, *, sample_size: int, min_probability: float, same_script: bool, min_letters: int,
                 max_reported: int) -> None:
        self.sample_size = sample_size
        self.min_probability = min_probability
        self.same_script = same_script
        self.min_letters = min_letters
        self.max_reported = max_reported

    def confidently_different(self, row: SampledRow, language: str) -> bool:
        """The trace's language differs from `language`, and the detector can be trusted on it:
        another script; or, when `same_script` is on, prose long enough (`min_letters`). Two
        languages of one script are off by default: data in a prompt (JSON, CSV, formulas) and
        short formulaic text read as French or Afrikaans as readily as English."""
        if row.trace.language == language:
            return False
        if script_of(row.trace.language) != script_of(language):
            return True
        return self.same_script and row.letters >= self.min_letters

    def start(self) -> RowSample:
        return RowSample(self.sample_size)

    def add(self, state: RowSample, record: Record, location: Location) -> None:
        trace = record.trace if record.trace is not None else record.response
        if record.prompt and trace and record.prompt.strip() and trace.strip():
            field_name = record.fields.get("trace") or record.fields.get("response")
            state.offer(record.prompt, trace, replace(location, field=field_name))

    def merge(self, first: RowSample, second: RowSample) -> RowSample:
        first.merge(second)
        return first

    def detected_rows(self, state: RowSample) -> list[SampledRow]:
        """Sampled rows whose trace language was detected with confidence, in file order."""
        state.trim()
        rows = []
        for location, prompt_segments, trace_segments in state.items.values():
            trace = detect_segments(trace_segments)
            if trace.language != UNKNOWN and trace.probability >= self.min_probability:
                letters = min(sum(map(letter_weight, prompt_segments)), sum(map(letter_weight, trace_segments)))
                rows.append(SampledRow(location, detect_segments(prompt_segments), trace, letters))
        return sorted(rows, key=lambda row: row.location.sort_key())

    def hits(self, rows: list[SampledRow], detected: int,
             facts: Callable[[SampledRow], dict[str, Any]]) -> Iterator[Hit]:
        for row in rows[: self.max_reported]:
            where = row.location
            yield Hit({**facts(row), "count": len(rows), "sampled": detected}, location=where,
                      key=f"{where.path}:{where.line}:{where.row}:{where.field}")


@aggregate_check
class TracePromptLanguageMismatch(_TraceLanguageSample):
    """A trace in another language than its prompt (a Chinese trace for an English question)."""

    def finish(self, state: RowSample, summary: DatasetSummary) -> Iterator[Hit]:
        rows = self.detected_rows(state)
        differing = [row for row in rows if row.prompt.language != UNKNOWN
                     and row.prompt.probability >= self.min_probability
                     and self.confidently_different(row, row.prompt.language)]
        yield from self.hits(differing, len(rows), lambda row: {
            "trace": row.trace.language, "prompt": row.prompt.language})


@aggregate_check
class TraceLanguageNotDeclared(_TraceLanguageSample):
    """Traces in a language the card's `language:` does not declare. When the data's main
    language is itself undeclared, LANG002 says so once; this rule then stays silent."""

    def finish(self, state: RowSample, summary: DatasetSummary) -> Iterator[Hit]:
        card = summary.card
        declared = declared_languages(card.metadata.get("language")) if card is not None and card.metadata else []
        if not declared:
            return
        rows = self.detected_rows(state)
        counts = Counter(row.trace.language for row in rows)
        if not counts or counts.most_common(1)[0][0] not in declared:
            return
        undeclared = [row for row in rows if all(self.confidently_different(row, code) for code in declared)]
        yield from self.hits(undeclared, len(rows), lambda row: {
            "trace": row.trace.language, "declared": ", ".join(declared)})

