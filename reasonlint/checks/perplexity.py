"""Perplexity: a language model reads every trace and the rows whose loss stands out of the
dataset's own distribution are reported (fluent-looking nonsense, wrong language,
corrupted text above; degenerate repetition and boilerplate below).

The aggregates buffer rows (prompt, response and a compact location) and score a window
at a time, sorted by length inside the window (see reasonlint/perplexity/scoring.py).
State is arrays: about 31 bytes per row (31 MB for 1M rows) plus the unscored window, so
it pickles and merges in unit order. The model lives in the main process only
(`needs_main_process`). torch and transformers are imported when the first window is
scored, never when this module is.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from reasonlint.checks import aggregate_check, row_check
from reasonlint.config import ConfigError
from reasonlint.findings import Hit, Location, excerpt_of
from reasonlint.source.mapping import Record
from reasonlint.summary import DatasetSummary

_WINDOW = 1024  # rows scored together: long enough to sort by length, short enough to stream
_FORMATS = ("chat", "reference")
_BINS = 20


def _pair(record: Record, fmt: str) -> tuple[str, str, str] | None:
    """(prompt, response to score, field) of a record; None when either is missing. In
    `reference` format only rows the competition's loader keeps, as it reads them."""
    prompt = record.prompt
    if fmt == "reference":
        from reasonlint.perplexity.reference import parse, task_of

        text = record.response
        where = record.fields.get("response")
        if not prompt or not text or where is None:
            return None
        task = task_of(record.raw.get("task_type"), text)
        return (prompt, parse(task, text).scored, where) if task else None
    where = record.fields.get("response") or record.fields.get("trace") or record.fields.get("answer")
    if record.response is not None:
        text = record.response
    else:
        text = "\n\n".join(part for part in (record.trace, record.answer) if part)
    if not prompt or not text or where is None:
        return None
    return prompt, text, where


@dataclass(slots=True)
class LossState:
    """Per-row results in arrays, plus the window not yet scored. `place` indexes `places`
    (path, split, config); `line`/`row` are -1 when unset; `loss` is NaN until scored."""

    places: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)
    place: array[int] = field(default_factory=lambda: array("I"))
    line: array[int] = field(default_factory=lambda: array("q"))
    row: array[int] = field(default_factory=lambda: array("q"))
    field_of: array[int] = field(default_factory=lambda: array("H"))
    loss: array[float] = field(default_factory=lambda: array("f"))
    tokens: array[int] = field(default_factory=lambda: array("I"))
    truncated: array[int] = field(default_factory=lambda: array("b"))
    pending: list[tuple[int, str, str]] = field(default_factory=list)  # (row index, prompt, response)

    def location(self, index: int) -> Location:
        path, split, config = self.places[self.place[index]]
        line, row = self.line[index], self.row[index]
        return Location(path, line if line >= 0 else None, row if row >= 0 else None, split, config,
                        self.fields[self.field_of[index]])


def _index(items: list[Any], value: Any) -> int:
    try:
        return items.index(value)  # a handful of files and fields per dataset
    except ValueError:
        items.append(value)
        return len(items) - 1


class _Scoring:
    """Shared by the loss rules: the buffer, the window scoring and the merge."""

    needs_main_process = True

    def __init__(self, model: str, device: str, dtype: str, max_tokens: int, batch_tokens: int,
                 fmt: str) -> None:
        if fmt not in _FORMATS:
            raise ConfigError(f"format {fmt!r} is not one of {', '.join(_FORMATS)}")
        self.model = model
        self.device = device
        self.dtype = dtype
        self.max_tokens = max_tokens
        self.batch_tokens = batch_tokens
        self.fmt = fmt
        self._scorer: Any = None

    def scorer(self) -> Any:
        if self._scorer is None:
            from reasonlint.perplexity.model import load_model
            from reasonlint.perplexity.scoring import Scorer

            loaded = load_model(self.model, self.device, self.dtype)
            self._scorer = Scorer(loaded, fmt=self.fmt, max_tokens=self.max_tokens, batch_tokens=self.batch_tokens)
        return self._scorer

    def __getstate__(self) -> dict[str, Any]:
        return {**{k: v for k, v in self.__dict__.items() if k != "_scorer"}, "_scorer": None}

    def start(self) -> LossState:
        return LossState()

    def add(self, state: LossState, record: Record, location: Location) -> None:
        found = _pair(record, self.fmt)
        if found is None:
            return
        prompt, response, where = found
        state.place.append(_index(state.places, (location.path, location.split, location.config)))
        state.line.append(location.line if location.line is not None else -1)
        state.row.append(location.row if location.row is not None else -1)
        state.field_of.append(_index(state.fields, where))
        state.loss.append(math.nan)
        state.tokens.append(0)
        state.truncated.append(0)
        state.pending.append((len(state.loss) - 1, prompt, response))
        if len(state.pending) >= _WINDOW:
            self.flush(state)

    def flush(self, state: LossState) -> None:
        if not state.pending:
            return
        results = self.scorer().score([(prompt, response) for _, prompt, response in state.pending])
        for (index, _, _), scored in zip(state.pending, results, strict=True):
            state.loss[index] = scored.loss
            state.tokens[index] = scored.tokens
            state.truncated[index] = int(scored.truncated)
        state.pending = []

    def merge(self, a: LossState, b: LossState) -> LossState:
        offset = len(a.loss)
        places = [_index(a.places, place) for place in b.places]
        fields = [_index(a.fields, name) for name in b.fields]
        a.place.extend(places[i] for i in b.place)
        a.field_of.extend(fields[i] for i in b.field_of)
        a.line.extend(b.line)
        a.row.extend(b.row)
        a.loss.extend(b.loss)
        a.tokens.extend(b.tokens)
        a.truncated.extend(b.truncated)
        a.pending.extend((index + offset, prompt, response) for index, prompt, response in b.pending)
        if len(a.pending) >= _WINDOW:
            self.flush(a)
        return a


@dataclass(frozen=True, slots=True)
class Distribution:
    """Robust statistics of the scored rows' mean losses."""

    losses: Any  # numpy array of the scored rows' losses
    indices: Any  # their row indices in the state
    median: float
    mad: float  # scaled to a standard deviation (× 1.4826)
    p10: float
    p90: float


def _distribution(state: LossState) -> Distribution | None:
    import numpy as np

    losses = np.frombuffer(state.loss, dtype=np.float32).astype(np.float64)
    indices = np.flatnonzero(np.isfinite(losses))
    if not len(indices):
        return None
    scored = losses[indices]
    median = float(np.median(scored))
    mad = float(np.median(np.abs(scored - median))) * 1.4826
    p10, p90 = (float(v) for v in np.percentile(scored, [10, 90]))
    return Distribution(scored, indices, median, mad, p10, p90)


def _perplexity(loss: float) -> str:
    return f"{math.exp(loss):,.0f}" if loss < 700 else "overflow"


class _Outliers(_Scoring):
    """High or low loss rows by median/MAD over the dataset, with a floor on the distance
    in nats so that a very uniform dataset (tiny MAD) does not flag ordinary rows."""

    above: bool

    def __init__(self, model: str, device: str, dtype: str, max_tokens: int, batch_tokens: int, fmt: str,
                 min_mads: float, min_delta: float, min_rows: int, max_reported: int) -> None:
        super().__init__(model, device, dtype, max_tokens, batch_tokens, fmt)
        self.min_mads = min_mads
        self.min_delta = min_delta
        self.min_rows = min_rows
        self.max_reported = max_reported

    def measure(self, state: LossState) -> dict[str, Any]:
        """Loss distribution for the report: row count, centre, spread, a histogram (zeros
        and no bins when no row was scored: plain JSON has no NaN)."""
        import numpy as np

        self.flush(state)
        found = _distribution(state)
        if found is None:
            return {"rows": 0, "mean_loss": 0.0, "median_loss": 0.0, "mad_loss": 0.0,
                    "histogram": {"edges": [], "counts": []}, "truncated": 0, "model": self.model}
        counts, edges = np.histogram(found.losses, bins=_BINS)
        return {"rows": len(found.losses), "mean_loss": float(found.losses.mean()), "median_loss": found.median,
                "mad_loss": found.mad, "histogram": {"edges": [float(e) for e in edges],
                                                     "counts": [int(c) for c in counts]},
                "truncated": int(sum(state.truncated)), "model": self.model}

    def finish(self, state: LossState, summary: DatasetSummary) -> Iterator[Hit]:
        self.flush(state)
        found = _distribution(state)
        if found is None or len(found.losses) < self.min_rows:
            return
        sign = 1.0 if self.above else -1.0
        distance = (found.losses - found.median) * sign
        spread = max(found.mad, 1e-6)
        chosen = [i for i in range(len(distance))
                  if distance[i] >= self.min_delta and distance[i] / spread >= self.min_mads]
        chosen.sort(key=lambda i: -distance[i])
        for i in chosen[: self.max_reported]:
            index = int(found.indices[i])
            loss = float(found.losses[i])
            location = state.location(index)
            cut = ", truncated for scoring" if state.truncated[index] else ""
            yield Hit({"loss": f"{loss:.2f}", "perplexity": _perplexity(loss),
                       "mads": f"{distance[i] / spread:.1f}", "median": f"{found.median:.2f}",
                       "p10": f"{found.p10:.2f}", "p90": f"{found.p90:.2f}", "tokens": f"{state.tokens[index]:,}",
                       "rows": len(found.losses), "truncated": cut},
                      location=location,
                      key=f"ppl-{'high' if self.above else 'low'}:{location.path}:{location.line}:{location.row}:"
                          f"{location.field}")


@aggregate_check
class HighLossRows(_Outliers):
    """Rows the model finds far less likely than the dataset's typical row: gibberish,
    another language than the rest, mojibake, corrupted or machine-garbled text."""

    above = True

    def __init__(self, *, model: str, device: str, dtype: str, max_tokens: int, batch_tokens: int, format: str,
                 min_mads: float, min_delta: float, min_rows: int, max_reported: int) -> None:
        super().__init__(model, device, dtype, max_tokens, batch_tokens, format, min_mads, min_delta, min_rows,
                         max_reported)


@aggregate_check
class LowLossRows(_Outliers):
    """Rows the model finds far more predictable than the dataset's typical row: a phrase
    repeated until the cap, templated boilerplate, text the model has memorised."""

    above = False

    def __init__(self, *, model: str, device: str, dtype: str, max_tokens: int, batch_tokens: int, format: str,
                 min_mads: float, min_delta: float, min_rows: int, max_reported: int) -> None:
        super().__init__(model, device, dtype, max_tokens, batch_tokens, format, min_mads, min_delta, min_rows,
                         max_reported)


@dataclass(slots=True)
class CutState:
    """Rows over the scoring limit: location and token counts, in a bounded list."""

    rows: int = 0
    over: int = 0
    examples: list[tuple[Location, int, int]] = field(default_factory=list)  # (where, tokens, limit)
    pending: list[tuple[Location, str, str]] = field(default_factory=list)


@aggregate_check
class TruncatedForScoring:
    """Rows longer than the scoring limit (`max_tokens`, or the model's context when that is
    shorter): their loss reads only the first part of the response. Tokenises only: the
    model's weights are not loaded for this rule."""

    needs_main_process = True

    def __init__(self, *, model: str, max_tokens: int, format: str, max_reported: int) -> None:
        if format not in _FORMATS:
            raise ConfigError(f"format {format!r} is not one of {', '.join(_FORMATS)}")
        self.model = model
        self.max_tokens = max_tokens
        self.fmt = format
        self.max_reported = max_reported

    def start(self) -> CutState:
        return CutState()

    def add(self, state: CutState, record: Record, location: Location) -> None:
        found = _pair(record, self.fmt)
        if found is None:
            return
        prompt, response, where = found
        state.rows += 1
        # Byte-level tokenizers give at most one token per UTF-8 byte, and a chat template adds
        # well under 256: a row that short in bytes fits, and is never tokenised.
        if len(prompt.encode()) + len(response.encode()) + 256 < self.max_tokens:
            return
        state.pending.append((Location(location.path, location.line, location.row, location.split, location.config,
                                       where), prompt, response))
        if len(state.pending) >= _WINDOW:
            self.flush(state)

    def flush(self, state: CutState) -> None:
        if not state.pending:
            return
        from reasonlint.perplexity.model import load_tokenizer
        from reasonlint.perplexity.scoring import encode

        tokenizer, context = load_tokenizer(self.model)
        limit = max(8, min(self.max_tokens, context))
        pairs = [(prompt, response) for _, prompt, response in state.pending]
        encoded = encode(tokenizer, self.fmt, limit, pairs, range(len(pairs)))
        for (where, _, _), row in zip(state.pending, encoded, strict=True):
            if row.truncated:
                state.over += 1
                if len(state.examples) < self.max_reported:
                    state.examples.append((where, row.length, limit))
        state.pending = []

    def merge(self, a: CutState, b: CutState) -> CutState:
        a.rows += b.rows
        a.over += b.over
        a.examples = (a.examples + b.examples)[: self.max_reported]
        a.pending.extend(b.pending)
        if len(a.pending) >= _WINDOW:
            self.flush(a)
        return a

    def finish(self, state: CutState, summary: DatasetSummary) -> Iterator[Hit]:
        self.flush(state)
        for where, length, limit in state.examples:
            yield Hit({"tokens": f"{length:,}", "limit": f"{limit:,}", "over": state.over, "rows": state.rows},
                      location=where, key=f"ppl-cut:{where.path}:{where.line}:{where.row}:{where.field}")


@row_check
def boxed_answer_cut_by_reference_loader(record: Record) -> Iterator[Hit]:
    """The competition's SYNTHETIC-1 loader reads a math answer with the non-greedy regex
    `\\boxed\\{(.*?)\\}`: an answer with braces (`\\frac{1}{2}`, `\\sqrt{2}`) is cut at its
    first `}` and the scored reference ends in a broken `\\boxed{\\frac{1}`."""
    from reasonlint.perplexity.reference import MATH, boxed_slip, task_of

    text = record.response
    where = record.fields.get("response")
    if not text or where is None or "\\boxed{" not in text or task_of(record.raw.get("task_type"), text) != MATH:
        return
    slip = boxed_slip(text)
    if slip is not None:
        yield Hit({"field": where, "read": excerpt_of(slip.read, 60), "actual": excerpt_of(slip.actual, 60),
                   "offset": slip.offset}, field=where, excerpt=excerpt_of(text[slip.offset: slip.offset + 80]))
