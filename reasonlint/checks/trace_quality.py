"""Trace quality: generations cut off at a limit, degenerate loops, and lengths that stand
out from the dataset's own distribution.

Row checks read only the end of a text or bounded windows of it, so a 5 MB trace costs
about what an 8 KB one does. The length rules are aggregates over a log-length histogram
(1% bins: a few hundred integers whatever the row count) plus bounded lists of example
rows; both merge in any order.
"""

from __future__ import annotations

import bisect
import heapq
import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from reasonlint.checks import aggregate_check, row_check
from reasonlint.findings import Hit, Location, excerpt_of
from reasonlint.source.mapping import Record
from reasonlint.summary import DatasetSummary
from reasonlint.text.repetition import ngram_repetition
from reasonlint.text.tags import scan

# --- truncation -------------------------------------------------------------------------

# Endings that close a text: sentence punctuation (Latin and CJK), closing brackets and
# quotes, math delimiters, markdown emphasis, code fences, digits (`#### 72`, `= 15`).
_CLOSED = frozenset(".!?。！？…:;)]}>\"'”’»*`$|_~%°")
# Endings that promise more: a comma, an opening bracket, an operator.
_OPEN_ENDINGS = frozenset(",([{=+–—\\^")
# English words no complete sentence ends with.
_DANGLING = frozenset(
    "the an of to and or but with for from in on at by as that which whose whether if than "
    "because since while when where so we is are was were be this these its their our".split())
_NOT_PROSE = re.compile(r"^\s*(?:[-*+>#|•·‣◦▪●○■□✓✔]|\d+[.)]\s|[A-Za-z][.)]\s)")
_WORD = re.compile(r"[(\"'“]?[^\W\d_]+(?:['’-][^\W\d_]+)*[,.;:!?)\"'”]*")
_TIGHT_COMMA = re.compile(r",[^\s\d]")  # CSV rows; `1,000` is neither prose nor a cut
_FENCE = re.compile(r"^[ \t]*(?:```|~~~)", re.M)
_SENTENCE_END = re.compile(r"[.!?。！？][\s\"')\]]")
_TAIL = 2000  # characters of the end read to judge it
# A line that introduces the final answer: what follows it is a value, not a sentence to finish.
_ANSWER_INTRO = re.compile(r"\b(?:final answer|answer|answers|result)\b[^\n:：]{0,20}[:：][ \t]*(?:\n|\S)",
                           re.IGNORECASE)
_FINISH_COLUMNS = ("finish_reason", "stop_reason")
_LIMIT_REASONS = frozenset({"length", "max_tokens", "max_length"})


@row_check
def truncated_text(record: Record, *, min_chars: int, min_words: int) -> Iterator[Hit]:
    """A trace or answer that stops mid-sentence: generation hit its token limit, or the text
    was cut when it was stored. Judged on the last line only and conservatively: digits,
    closing punctuation or brackets, math, list items, headings, tables and CJK endings pass.
    An output that ends inside an open reasoning block is TRC005's finding, not this one's."""
    if record.response is not None and any(s.present and s.truncated for s in scan(record.response).pairs):
        return
    seen: set[tuple[str, str]] = set()
    for role in ("trace", "answer"):
        text = getattr(record, role)
        where = record.fields.get(role) or record.fields.get("response")
        if text is None or len(text) < min_chars or where is None or (where, text) in seen:
            continue
        seen.add((where, text))
        reason = _cut_reason(text, min_words)
        if reason is not None:
            tail = text.rstrip()[-60:]
            yield Hit({"role": role, "reason": reason, "ending": excerpt_of(tail, 60)}, field=where,
                      excerpt=excerpt_of(tail))


def _cut_reason(text: str, min_words: int) -> str | None:
    """Why `text` looks cut off, or None when its ending is complete or cannot be judged."""
    tail = text[-_TAIL:].rstrip()
    if not tail:
        return None
    fences = list(_FENCE.finditer(text)) if (text.count("```") + text.count("~~~")) % 2 == 1 else []
    if len(fences) % 2 == 1:
        after = text[fences[-1].end():]
        # A fence left open with nothing after it, or one the final answer follows, is a stray
        # fence in a finished text (seen on medicalgpt_numina_cot_sharegpt, fingpt_cot_zh_stock_arrow).
        if after.strip() and "\\boxed{" not in after:
            return "inside an unclosed code block"
    last_line = tail[tail.rfind("\n") + 1:].strip()
    before = tail[: tail.rfind("\n")].rstrip() if "\n" in tail else ""
    if _ANSWER_INTRO.search(last_line) or _ANSWER_INTRO.search(before[-80:] + "\n"):
        return None  # the last line states the answer ("So the answer is:\n<span>"): it ends there
    last = last_line[-1:]
    if not last or last in _CLOSED or last.isdigit() or last >= "\u2e80" or _NOT_PROSE.match(last_line):
        return None
    words = last_line.split()
    if len(_TIGHT_COMMA.findall(last_line)) >= 2 or sum(1 for w in words if _WORD.fullmatch(w)) < 0.6 * len(words):
        return None  # data (CSV, JSON, code), not prose: it ends as its format does
    if last in _OPEN_ENDINGS and len(words) >= 3 and set(last_line) != {last}:
        return f"after {last!r}"
    if not last.isalpha():
        return None
    final = words[-1].lower()
    if final in _DANGLING and len(words) >= 3:
        return f"after {final!r}"
    # A long sentence that ends in a plain word, in a text that does end its sentences. What
    # follows the last line's own sentence end is judged alone: a short tail after a finished
    # sentence is a signature (`…, as desired. - Spacesam`, seen on AoPS solutions), not a cut.
    ends = list(_SENTENCE_END.finditer(last_line + " "))
    fragment = last_line[ends[-1].end():].split() if ends else words
    if len(fragment) >= min_words and final.isalpha() and len(final) > 1 and _SENTENCE_END.search(tail):
        return "mid-sentence"
    return None


@row_check
def finish_reason_length(record: Record) -> Iterator[Hit]:
    """A `finish_reason` or `stop_reason` column that says the generation hit its limit: the
    text is cut, whatever its ending looks like."""
    for column in _FINISH_COLUMNS:
        value = record.raw.get(column)
        where = column
        if isinstance(value, list) and record.generation is not None and record.generation < len(value):
            value = value[record.generation]
            where = f"{column}[{record.generation}]"
        if isinstance(value, str) and value.strip().lower() in _LIMIT_REASONS:
            yield Hit({"column": where, "value": value}, field=where)
            return


# --- degeneration -----------------------------------------------------------------------


@row_check
def repetition_loop(record: Record, *, ngram: int, min_ratio: float, min_repeats: int,
                    budget: int) -> Iterator[Hit]:
    """A generation stuck in a loop, by open-r1's n-gram repetition measure: most of its
    n-grams repeat, and one of them many times."""
    for role in ("trace", "answer"):
        text = getattr(record, role)
        where = record.fields.get(role) or record.fields.get("response")
        if not text or where is None or len(text) < ngram * min_repeats:
            continue
        found = ngram_repetition(text, ngram, budget=budget)
        if found is None or found.ratio < min_ratio or found.top_count < min_repeats:
            continue
        sampled = "" if found.measured >= len(text) else f" in {found.measured:,} of {len(text):,} chars sampled"
        yield Hit({"role": role, "n": ngram, "count": found.top_count, "ratio": f"{found.ratio:.0%}",
                   "sampled": sampled, "ngram": excerpt_of(found.top, 60)}, field=where,
                  excerpt=excerpt_of(found.top))
        return


@row_check
def runaway_boxed(record: Record, *, max_boxed: int) -> Iterator[Hit]:
    """Dozens of `\\boxed{}` in one answer: the model kept emitting final answers."""
    text = record.answer if record.answer is not None else record.response
    where = record.fields.get("answer") or record.fields.get("response")
    if text is None or where is None:
        return
    count = text.count("\\boxed")
    if count > max_boxed:
        yield Hit({"count": count, "max_boxed": max_boxed}, field=where)


# --- lengths ----------------------------------------------------------------------------

_BIN = math.log(1.01)  # 1% wide log-length bins


def _bin_of(length: int) -> int:
    return int(math.log(length) / _BIN) if length > 0 else -1


def _length_of_bin(index: int) -> float:
    return math.exp((index + 0.5) * _BIN) if index >= 0 else 0.0


def _trace_of(record: Record) -> tuple[str, str] | None:
    """The text whose length is measured, and where it is: the trace, else the response."""
    for role in ("trace", "response"):
        text = getattr(record, role)
        where = record.fields.get(role)
        if text is not None and where is not None:
            return text, where
    return None


@dataclass(slots=True)
class LengthState:
    """A histogram of log lengths and bounded lists of example rows."""

    bins: Counter[int] = field(default_factory=Counter)
    rows: int = 0
    longest: int = 0
    # (length, location, field) of the longest and shortest rows, `keep` each at most.
    high: list[tuple[int, Location, str]] = field(default_factory=list)
    low: list[tuple[int, Location, str]] = field(default_factory=list)


def _rank(item: tuple[int, Location, str]) -> tuple[int, tuple[str, int, int, str]]:
    return item[0], item[1].sort_key()


def _quantile(bins: Counter[int], rows: int, share: float) -> int:
    """The histogram bin that holds the `share` quantile."""
    target = share * (rows - 1)
    seen = 0
    for index in sorted(bins):
        seen += bins[index]
        if seen > target:
            return index
    return 0


class _Lengths:
    """Shared by the length rules: the histogram and the extreme rows."""

    keep: int

    def start(self) -> LengthState:
        return LengthState()

    def add(self, state: LengthState, record: Record, location: Location) -> None:
        found = _trace_of(record)
        if found is None or not found[0]:
            return
        text, where = found
        length = len(text)
        state.rows += 1
        state.bins[_bin_of(length)] += 1
        state.longest = max(state.longest, length)
        self._offer(state, (length, location, where))

    def _offer(self, state: LengthState, item: tuple[int, Location, str]) -> None:
        """Keep the `keep` longest (ascending) and shortest rows, ties broken by location."""
        high, low = state.high, state.low
        if len(high) < self.keep or _rank(item) > _rank(high[0]):
            bisect.insort(high, item, key=_rank)
            if len(high) > self.keep:
                del high[0]
        if len(low) < self.keep or _rank(item) < _rank(low[-1]):
            bisect.insort(low, item, key=_rank)
            if len(low) > self.keep:
                del low[-1]

    def merge(self, a: LengthState, b: LengthState) -> LengthState:
        a.bins.update(b.bins)
        a.rows += b.rows
        a.longest = max(a.longest, b.longest)
        a.high = heapq.nlargest(self.keep, a.high + b.high, key=_rank)[::-1]
        a.low = heapq.nsmallest(self.keep, a.low + b.low, key=_rank)
        return a


@aggregate_check
class LengthsAtCap(_Lengths):
    """Many traces end within 2% of the longest one, far more than the lengths just below
    predict: the generation's token limit cut them, and the cap shows as a spike. A spike
    needs a distribution to stand out of: when (nearly) every trace has the same length, as
    in templated or synthetic data, there is no sign of a cap, and nothing is reported."""

    def __init__(self, *, min_rows: int, min_share: float, factor: float, examples: int) -> None:
        self.min_rows = min_rows
        self.min_share = min_share
        self.factor = factor
        self.keep = max(examples, 1)

    def finish(self, state: LengthState, summary: DatasetSummary) -> Iterator[Hit]:
        if not state.rows or state.longest <= 0:
            return
        top = _bin_of(state.longest)
        at_cap = sum(state.bins.get(index, 0) for index in (top - 1, top))
        below = sum(state.bins.get(index, 0) for index in range(top - 11, top - 1)) / 10
        expected = 2 * below
        if at_cap < self.min_rows or at_cap / state.rows < self.min_share or at_cap < self.factor * (expected + 1):
            return
        if state.rows - at_cap < self.min_rows:
            return  # no spread below the top: uniform lengths, not a cap
        floor = state.longest / 1.02
        examples = [item for item in reversed(state.high) if item[0] >= floor]
        if not examples:
            return
        _, location, where = examples[0]
        others = ", ".join(str(item[1]) for item in examples[1:])
        yield Hit({"count": at_cap, "rows": state.rows, "share": f"{at_cap / state.rows:.1%}",
                   "cap": f"{state.longest:,}", "expected": f"{expected:.1f}",
                   "examples": f"; also {others}" if others else ""},
                  location=Location(location.path, location.line, location.row, location.split, location.config,
                                    where),
                  key=f"length-cap:{state.longest}:{at_cap}")


@aggregate_check
class LengthOutliers(_Lengths):
    """Traces far longer or shorter than the dataset's own: robust z-score on log length
    (median and MAD from the histogram) and a ratio to the median, both required."""

    def __init__(self, *, min_z: float, min_ratio: float, max_reported: int, min_rows: int) -> None:
        self.min_z = min_z
        self.min_ratio = min_ratio
        self.keep = max(max_reported, 1)
        self.min_rows = min_rows

    def finish(self, state: LengthState, summary: DatasetSummary) -> Iterator[Hit]:
        if state.rows < self.min_rows:
            return
        median = _length_of_bin(_quantile(state.bins, state.rows, 0.5))
        p99 = _length_of_bin(_quantile(state.bins, state.rows, 0.99))
        centre = math.log(median)
        middle = _bin_of(round(median))
        spread: Counter[int] = Counter()
        for index, count in state.bins.items():
            spread[abs(index - middle)] += count
        mad = max(_quantile(spread, state.rows, 0.5), 1) * _BIN * 1.4826
        found = []
        for length, location, where in set(state.high + state.low):
            z = (math.log(length) - centre) / mad if length > 0 else -math.inf
            ratio = length / median
            if abs(z) >= self.min_z and (ratio >= self.min_ratio or ratio <= 1 / self.min_ratio):
                found.append((abs(z), length, location, where, z, ratio))
        found.sort(key=lambda item: (-item[0], item[2].sort_key()))
        for _, length, location, where, z, ratio in found[: self.keep]:
            times = f"{ratio:.0f}× the median" if ratio >= 1 else f"1/{1 / ratio:.0f} of the median"
            yield Hit({"length": f"{length:,}", "times": times, "median": f"{median:,.0f}",
                       "p99": f"{p99:,.0f}", "z": f"{z:+.1f}", "rows": state.rows},
                      location=Location(location.path, location.line, location.row, location.split,
                                        location.config, where),
                      key=f"length-outlier:{location.path}:{location.line}:{location.row}:{where}")


# --- stored text -------------------------------------------------------------------------------

# A backslash-n, -t or -quote written as two characters where the character was meant: followed
# by what starts a line (a capital, a digit, a list mark, another escape, a space) or the end.
# `\neq`, `\nabla`, `\theta`, `\text` (LaTeX) are followed by a lower-case letter and do not count.
_ESCAPE = re.compile(r'\\[nt](?=[A-Z0-9\\*#>|\-\s(]|$)|\\"')
_ESCAPE_ROLES = ("prompt", "trace", "response", "answer")


@dataclass(slots=True)
class EscapeState:
    rows: Counter[str] = field(default_factory=Counter)  # texts judged, per role
    escaped: Counter[str] = field(default_factory=Counter)  # of them, stored double-escaped
    first: dict[str, tuple[Location, str]] = field(default_factory=dict)  # role -> where first seen


@aggregate_check
class EscapedText:
    """Text fields whose line breaks, tabs or quotes are stored as the two-character escape
    sequences (`\\n`) and never as the characters: a double-escaped export. Counted per
    role over the dataset and reported once per role, with the share of rows."""

    def __init__(self, *, min_chars: int, min_escapes: int) -> None:
        self.min_chars = min_chars
        self.min_escapes = min_escapes

    def start(self) -> EscapeState:
        return EscapeState()

    def add(self, state: EscapeState, record: Record, location: Location) -> None:
        seen: set[str] = set()
        for role in _ESCAPE_ROLES:
            text = getattr(record, role)
            where = record.fields.get(role)
            if not text or len(text) < self.min_chars or where is None or text in seen:
                continue
            seen.add(text)
            state.rows[role] += 1
            if "\n" not in text and len(_ESCAPE.findall(text, 0, 20_000)) >= self.min_escapes:
                state.escaped[role] += 1
                state.first.setdefault(role, (replace(location, field=where), where))

    def merge(self, a: EscapeState, b: EscapeState) -> EscapeState:
        a.rows.update(b.rows)
        a.escaped.update(b.escaped)
        for role, first in b.first.items():
            a.first.setdefault(role, first)
        return a

    def finish(self, state: EscapeState, summary: DatasetSummary) -> Iterator[Hit]:
        for role in _ESCAPE_ROLES:
            count = state.escaped[role]
            if not count:
                continue
            location, where = state.first[role]
            yield Hit({"role": role, "field": where, "count": count, "rows": state.rows[role],
                       "share": count / state.rows[role], "noun": "row" if count == 1 else "rows"},
                      location=location, key=f"escaped-{role}")


# --- scraped noise ----------------------------------------------------------------------

_CODE_FENCE_BLOCK = re.compile(r"```.*?(?:```|\Z)", re.S)
_NOISE = {
    # Not the reserved example domains (RFC 2606): generated records use them as data
    # (seen on the u-10bei folders of realdata: 564 Faker addresses in JSON to convert).
    "e-mail address": re.compile(r"\b[\w.+-]+@(?!example\.)[A-Za-z0-9-]+\.[A-Za-z]{2,}\b"),
    "URL": re.compile(r"\bhttps?://\S+|\bwww\.[A-Za-z0-9-]+\.\S+"),
    # Not `(C) by …`: that is an option label (seen on realdata/luckyiitr_r1_distill_pcmb_traces).
    "copyright line": re.compile(r"(?:©|\bcopyright\b)\s*(?:\d{4}|by\b)|\ball rights reserved\b", re.I),
    "signature": re.compile(r"(?:^|\n)[ \t]*[-–—~][ \t]*[A-Z][\w.]{2,30}[ \t]*\Z"),
}


@row_check
def scraped_noise(record: Record) -> Iterator[Hit]:
    """Text a scraper carried along: e-mail addresses, URLs, copyright lines, a signature
    at the end (`- Spacesam` under an AoPS solution). Code blocks are not read. Once per
    text."""
    seen: set[str] = set()
    for role in ("trace", "response", "reference"):
        text = getattr(record, role)
        where = record.fields.get(role)
        if not text or where is None or text in seen or (role == "reference" and (record.generation or 0) > 0):
            continue
        seen.add(text)
        prose = _CODE_FENCE_BLOCK.sub(" ", text) if "```" in text else text
        found = [(kind, match) for kind, pattern in _NOISE.items() if (match := pattern.search(prose))]
        if found:
            kinds = ", ".join(kind for kind, _ in found)
            example = found[0][1].group().strip()
            yield Hit({"field": where, "kinds": kinds, "example": excerpt_of(example, 60)}, field=where,
                      excerpt=excerpt_of(example))
