"""Duplicates: repeated rows, responses and traces, prompts shared across splits, near
duplicates, and templated traces.

Every check keeps compact state: per row a few 64-bit keys of folded text
(`reasonlint.text.normalise`) in `array` columns plus a location table (a path index, line,
row, split index and generation: 26 bytes), never the text or a `Location` object per row.
States merge by concatenation in unit order, so clusters and their first members are the
same whatever the split of the work. A cluster is reported once, at its first member, with
the count and the other members' locations. Near duplicates keep only their LSH band keys
and read the few candidate rows again (`wanted`/`revisit`) to confirm them with rapidfuzz.
"""

from __future__ import annotations

import os
import re
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz

from reasonlint.checks import aggregate_check
from reasonlint.findings import Hit, Location, excerpt_of
from reasonlint.sketch import BottomK
from reasonlint.source.mapping import Record, as_text
from reasonlint.summary import DatasetSummary
from reasonlint.text.minhash import MinHasher, band_keys, candidate_pairs, optimal_bands, signature_keys
from reasonlint.text.normalise import fold, hash64, key_of

Indices = npt.NDArray[np.int64]
# LSH bands weigh missed pairs above false candidates (datasketch weighs both 0.5): rapidfuzz
# confirms every candidate, so a false one costs a comparison, a missed one a finding.
# At Jaccard 0.8 and 128 permutations: 11 bands of 11 rows, not datasketch's 9 of 13.
LSH_WEIGHTS = (0.3, 0.7)
_NONE = -1


# --- shared pieces ----------------------------------------------------------------------


@dataclass(slots=True)
class Rows:
    """A compact location table: one entry per added record."""

    paths: list[str] = field(default_factory=list)
    places: list[tuple[str | None, str | None]] = field(default_factory=list)  # (split, config)
    path_index: array[int] = field(default_factory=lambda: array("I"))
    line: array[int] = field(default_factory=lambda: array("q"))
    row: array[int] = field(default_factory=lambda: array("q"))
    place: array[int] = field(default_factory=lambda: array("H"))
    generation: array[int] = field(default_factory=lambda: array("i"))

    def __len__(self) -> int:
        return len(self.line)

    def append(self, location: Location, generation: int | None) -> None:
        if not self.paths or self.paths[-1] != location.path:
            if location.path not in self.paths:
                self.paths.append(location.path)
        place = (location.split, location.config)
        if not self.places or self.places[-1] != place:
            if place not in self.places:
                self.places.append(place)
        self.path_index.append(self.paths.index(location.path))
        self.line.append(_NONE if location.line is None else location.line)
        self.row.append(_NONE if location.row is None else location.row)
        self.place.append(self.places.index(place))
        self.generation.append(_NONE if generation is None else generation)

    def extend(self, other: Rows) -> None:
        path_map = array("I", (self._intern(self.paths, path) for path in other.paths))
        place_map = array("H", (self._intern(self.places, place) for place in other.places))
        self.path_index.extend(path_map[index] for index in other.path_index)
        self.place.extend(place_map[index] for index in other.place)
        self.line.extend(other.line)
        self.row.extend(other.row)
        self.generation.extend(other.generation)

    @staticmethod
    def _intern(table: list, value: object) -> int:  # type: ignore[type-arg]
        if value not in table:
            table.append(value)
        return table.index(value)

    def location(self, index: int, role_field: str | None = None) -> Location:
        split, config = self.places[self.place[index]]
        line, row = self.line[index], self.row[index]
        return Location(self.paths[self.path_index[index]], None if line == _NONE else line,
                        None if row == _NONE else row, split, config, role_field)

    def key(self, index: int) -> tuple[str, int | None, int | None]:
        line, row = self.line[index], self.row[index]
        return self.paths[self.path_index[index]], None if line == _NONE else line, None if row == _NONE else row

    def field_of(self, index: int, column: str | None) -> str | None:
        generation = self.generation[index]
        if column is None:
            return None
        return column if generation == _NONE else f"{column}[{generation}]"

    def describe(self, index: int, column: str | None = None) -> str:
        """`train.jsonl:17`, with the generation's column when the row has several."""
        where = str(self.location(index))
        return where if self.generation[index] == _NONE or column is None else f"{where} {self.field_of(index, column)}"


def _keys(values: array[int]) -> npt.NDArray[np.uint64]:
    return np.frombuffer(values, dtype=np.uint64) if len(values) else np.zeros(0, dtype=np.uint64)


def clusters(keys: npt.NDArray[np.uint64], valid: npt.NDArray[np.bool_] | None = None) -> list[Indices]:
    """Indices sharing a key, groups of two or more, in order of their first member;
    members in order too. `valid` masks out entries that have no key."""
    indices = np.arange(len(keys), dtype=np.int64) if valid is None else np.flatnonzero(valid).astype(np.int64)
    if len(indices) < 2:
        return []
    order = indices[np.argsort(keys[indices], kind="stable")]
    ordered = keys[order]
    cuts = np.flatnonzero(ordered[1:] != ordered[:-1]) + 1
    groups = [group for group in np.split(order, cuts) if len(group) > 1]
    groups.sort(key=lambda group: int(group[0]))
    return groups


def _listing(rows: Rows, members: Iterable[int], limit: int, column: str | None = None) -> str:
    members = list(members)
    shown = ", ".join(rows.describe(index, column) for index in members[:limit])
    more = len(members) - limit
    return shown + (f" +{more} more" if more > 0 else "")


def response_text(record: Record) -> str | None:
    """The whole output: the response, else the trace and answer columns together."""
    if record.response is not None:
        return record.response
    parts = [part for part in (record.trace, record.answer) if part is not None]
    return "\n".join(parts) if parts else None


def trace_text(record: Record) -> tuple[str | None, str | None]:
    """The reasoning and where it is: the trace, else the response."""
    if record.trace is not None:
        return record.trace, record.fields.get("trace") or record.fields.get("response")
    return record.response, record.fields.get("response")


def row_key(raw: object) -> int:
    """The key of a whole row: every column's folded value, by column name. Several rules
    key the same row in turn, so the last row's key is kept (by identity of the row)."""
    if _LAST_ROW and _LAST_ROW[0][0] is raw:
        return _LAST_ROW[0][1]
    if not isinstance(raw, dict):
        key = key_of(as_text(raw) or "")
    else:
        key = hash64("\x00".join(f"{name}\x01{fold(as_text(raw[name]) or '')}" for name in sorted(raw)))
    _LAST_ROW[:] = [(raw, key)]
    return key


_LAST_ROW: list[tuple[object, int]] = []


def _first_of_row(record: Record) -> bool:
    return record.generation is None or record.generation == 0


def _column(record: Record, role: str) -> str | None:
    """The column of a role without the generation index (`response[3]` -> `response`)."""
    return _strip(record.fields.get(role))


_GENERATION_INDEX = re.compile(r"\[\d+\]$")


def _strip(where: str | None) -> str | None:
    if where is None or not where.endswith("]"):
        return where
    return _GENERATION_INDEX.sub("", where)


def _distinct_members(group: Indices, row_keys: npt.NDArray[np.uint64], generations: array[int]) -> list[int]:
    """Members of a cluster, one per (whole-row key, generation): copies of a whole row are
    DUP001's and count once here."""
    seen: set[tuple[int, int]] = set()
    kept = []
    for index in group.tolist():
        identity = (int(row_keys[index]), generations[index])
        if identity not in seen:
            seen.add(identity)
            kept.append(index)
    return kept


# --- whole rows -------------------------------------------------------------------------


@dataclass(slots=True)
class RowState:
    rows: Rows = field(default_factory=Rows)
    keys: array[int] = field(default_factory=lambda: array("Q"))


@aggregate_check
class ExactDuplicateRows:
    """Rows equal in every column once case, spacing and punctuation are folded: the same
    example twice, which overweights it in training and inflates the row count."""

    def __init__(self, *, max_locations: int) -> None:
        self.max_locations = max_locations

    def start(self) -> RowState:
        return RowState()

    def add(self, state: RowState, record: Record, location: Location) -> None:
        if _first_of_row(record):
            state.rows.append(location, None)
            state.keys.append(row_key(record.raw))

    def merge(self, a: RowState, b: RowState) -> RowState:
        a.rows.extend(b.rows)
        a.keys.extend(b.keys)
        return a

    def finish(self, state: RowState, summary: DatasetSummary) -> Iterator[Hit]:
        keys = _keys(state.keys)
        groups = clusters(keys)
        rows, files = state.rows, state.rows.path_index
        subsets = _subset_files(groups, files)
        for subset, container in sorted(subsets.items()):
            first = next(int(member) for group in groups for member in group if files[int(member)] == subset)
            count = sum(1 for index in range(len(rows)) if files[index] == subset)
            detail = (f"all {count} rows of {rows.paths[subset]} repeat rows of {rows.paths[container]} "
                      f"(a copy or a filtered subset of it)")
            yield Hit({"detail": detail}, location=rows.location(first), key=f"subset:{rows.paths[subset]}")
        for group in groups:
            members = [int(member) for member in group
                       if files[int(member)] not in subsets
                       or all(files[int(other)] == files[int(member)] for other in group)]
            if len(members) < 2:
                continue
            detail = f"row repeated in {len(members)} rows: also {_listing(rows, members[1:], self.max_locations)}"
            yield Hit({"detail": detail}, location=rows.location(members[0]),
                      key=f"row:{int(keys[members[0]]):016x}")


def _subset_files(groups: list[Indices], files: array[int]) -> dict[int, int]:
    """{file: the file that holds a copy of every one of its rows}, for files of two rows or
    more: one finding says so instead of one per row (a split written twice, once filtered)."""
    sizes = Counter(files)
    shared: dict[tuple[int, int], int] = Counter()
    for group in groups:
        present = {files[int(member)] for member in group}
        for member in group:
            for other in present - {files[int(member)]}:
                shared[files[int(member)], other] += 1
    subsets: dict[int, int] = {}
    for (subset, container), count in sorted(shared.items()):
        if count == sizes[subset] >= 2 and subset not in subsets and subsets.get(container) != subset:
            subsets[subset] = container
    return subsets


# --- prompts and responses --------------------------------------------------------------


@dataclass(slots=True)
class PairState:
    """Per record: the prompt's, the output's (response or trace) and the whole row's key;
    `has` marks records that have both a prompt and an output."""

    rows: Rows = field(default_factory=Rows)
    prompt: array[int] = field(default_factory=lambda: array("Q"))
    output: array[int] = field(default_factory=lambda: array("Q"))
    row: array[int] = field(default_factory=lambda: array("Q"))
    has: array[int] = field(default_factory=lambda: array("b"))
    columns: dict[str, str] = field(default_factory=dict)  # role -> column, for messages


class _Pairs:
    """Shared by the rules that compare prompts with outputs."""

    role = "response"
    min_chars = 0
    # Which keys a rule reads: hashing a long output costs more than the rest of `add`.
    wants_output = True
    wants_row = True

    def start(self) -> PairState:
        return PairState()

    def _output(self, record: Record) -> str | None:
        return response_text(record) if self.role == "response" else trace_text(record)[0]

    def add(self, state: PairState, record: Record, location: Location) -> None:
        prompt, output = record.prompt, self._output(record)
        usable = prompt is not None and output is not None and len(output.strip()) >= max(self.min_chars, 1)
        state.rows.append(location, record.generation)
        state.has.append(1 if usable else 0)
        context = context_of(record) if usable else ""
        keyed = f"{prompt}\0{context}" if context else prompt
        state.prompt.append(key_of(keyed) if usable and keyed is not None else 0)
        state.output.append(key_of(output) if usable and output is not None and self.wants_output else 0)
        state.row.append(row_key(record.raw) if usable and self.wants_row else 0)
        if "prompt" not in state.columns and (prompt_column := _column(record, "prompt")) is not None:
            state.columns["prompt"] = prompt_column
        if self.role not in state.columns:
            output_column = (_column(record, "response") or _column(record, "trace") if self.role == "response"
                             else _strip(trace_text(record)[1]))
            if output_column is not None:
                state.columns[self.role] = output_column

    def merge(self, a: PairState, b: PairState) -> PairState:
        a.rows.extend(b.rows)
        for name in ("prompt", "output", "row", "has"):
            getattr(a, name).extend(getattr(b, name))
        for role, column in b.columns.items():
            a.columns.setdefault(role, column)
        return a

    @staticmethod
    def arrays(state: PairState) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64],
                                          npt.NDArray[np.uint64], npt.NDArray[np.bool_]]:
        has = np.frombuffer(state.has, dtype=np.int8).astype(bool) if len(state.has) else np.zeros(0, dtype=bool)
        return _keys(state.prompt), _keys(state.output), _keys(state.row), has


def _combine(a: npt.NDArray[np.uint64], b: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """One 64-bit key for a pair of keys."""
    with np.errstate(over="ignore"):
        mixed = a * np.uint64(0x9E3779B97F4A7C15) ^ b
        mixed ^= mixed >> np.uint64(29)
        return mixed * np.uint64(0xBF58476D1CE4E5B9)


@aggregate_check
class IdenticalResponses(_Pairs):
    """The same output twice for the same prompt in two rows (generations of one row alike are
    ANS010's): sampling produced nothing new, and the copy weighs the example double."""

    def __init__(self, *, max_locations: int) -> None:
        self.max_locations = max_locations

    def finish(self, state: PairState, summary: DatasetSummary) -> Iterator[Hit]:
        prompt, output, row, has = self.arrays(state)
        column = state.columns.get("response")
        for group in clusters(_combine(prompt, output), has):
            members = _distinct_members(group, row, state.rows.generation)
            if len(members) < 2 or len({state.rows.key(member) for member in members}) == 1:
                continue  # generations of one row alike are ANS010's finding
            first = members[0]
            yield Hit({"count": len(members), "others": _listing(state.rows, members[1:], self.max_locations, column)},
                      location=state.rows.location(first, state.rows.field_of(first, column)),
                      key=f"response:{int(prompt[first]):016x}:{int(output[first]):016x}")


@aggregate_check
class SeveralResponsesPerPrompt(_Pairs):
    """How many prompts carry several different responses: a statistic, as sampling many
    answers per question is a design (OpenThoughts3 keeps 16)."""

    wants_row = False

    def __init__(self) -> None:
        pass

    def finish(self, state: PairState, summary: DatasetSummary) -> Iterator[Hit]:
        prompt, output, _, has = self.arrays(state)
        if not has.any():
            return
        pairs = np.unique(np.stack([prompt[has], output[has]], axis=1), axis=0)
        prompts, distinct = np.unique(pairs[:, 0], return_counts=True)
        several = prompts[distinct > 1]
        if len(several) == 0:
            return
        chosen = has & np.isin(prompt, several)
        first = int(np.flatnonzero(chosen)[0])
        counts = distinct[distinct > 1]
        yield Hit({"prompts": f"{len(several):,}", "low": int(counts.min()), "high": int(counts.max()),
                   "responses": f"{int(chosen.sum()):,}", "total": f"{len(prompts):,}"},
                  location=state.rows.location(first, state.columns.get("prompt")),
                  key=f"several-responses:{len(several)}")


@aggregate_check
class MoreSamplesThanExpected(_Pairs):
    """Prompts with more responses than the dataset's declared samples per prompt: a
    pipeline that ran twice or merged two shards."""

    wants_output = wants_row = False

    def __init__(self, *, expected_samples: int, max_locations: int) -> None:
        self.expected = expected_samples
        self.max_locations = max_locations

    def finish(self, state: PairState, summary: DatasetSummary) -> Iterator[Hit]:
        if self.expected <= 0:
            return
        prompt, _, _, has = self.arrays(state)
        for group in clusters(prompt, has):
            if len(group) > self.expected:
                first = int(group[0])
                yield Hit({"count": len(group), "expected": self.expected,
                           "others": _listing(state.rows, group[1:].tolist(), self.max_locations)},
                          location=state.rows.location(first, state.columns.get("prompt")),
                          key=f"samples:{int(prompt[first]):016x}")


@aggregate_check
class SameTraceDifferentPrompts(_Pairs):
    """One reasoning text under different prompts: copy-pasted or misaligned rows, whose
    trace cannot answer every question it is attached to."""

    role = "trace"

    def __init__(self, *, min_chars: int, max_locations: int) -> None:
        self.min_chars = min_chars
        self.max_locations = max_locations

    def finish(self, state: PairState, summary: DatasetSummary) -> Iterator[Hit]:
        prompt, output, row, has = self.arrays(state)
        column = state.columns.get("trace")
        for group in clusters(output, has):
            members = _distinct_members(group, row, state.rows.generation)
            prompts = {int(prompt[index]) for index in members}
            if len(prompts) < 2:
                continue
            first = members[0]
            yield Hit({"count": len(members), "prompts": len(prompts),
                       "others": _listing(state.rows, members[1:], self.max_locations, column)},
                      location=state.rows.location(first, state.rows.field_of(first, column)),
                      key=f"trace:{int(output[first]):016x}")


# --- leakage ----------------------------------------------------------------------------

_TRAIN = "train"


@aggregate_check
class PromptInSeveralSplits(_Pairs):
    """The same prompt in the training split and an evaluation split of one config: scores
    on that split measure memory, not skill."""

    def __init__(self, *, max_locations: int) -> None:
        self.max_locations = max_locations

    def add(self, state: PairState, record: Record, location: Location) -> None:
        if not _first_of_row(record) or record.prompt is None or not record.prompt.strip():
            return
        state.rows.append(location, None)
        state.prompt.append(key_of(record.prompt))
        column = _column(record, "prompt")
        if column is not None:
            state.columns.setdefault("prompt", column)

    def finish(self, state: PairState, summary: DatasetSummary) -> Iterator[Hit]:
        prompt = _keys(state.prompt)
        places = np.frombuffer(state.rows.place, dtype=np.uint16) if len(state.rows) else np.zeros(0, np.uint16)
        for group in clusters(prompt):
            by_config: dict[str | None, dict[str | None, list[int]]] = {}
            for index in group.tolist():
                split, config = state.rows.places[int(places[index])]
                by_config.setdefault(config, {}).setdefault(split, []).append(index)
            for splits in by_config.values():
                if len(splits) < 2:
                    continue
                reported = next((name for name in splits if name != _TRAIN), None)
                first = splits[reported][0]
                others = [index for name, members in splits.items() if name != reported for index in members]
                yield Hit({"split": reported, "others_split": ", ".join(str(n) for n in splits if n != reported),
                           "others": _listing(state.rows, others, self.max_locations)},
                          location=state.rows.location(first, state.columns.get("prompt")),
                          key=f"leak:{int(prompt[first]):016x}:{reported}")


# --- near duplicates --------------------------------------------------------------------


# Characters of a candidate compared by rapidfuzz (its cost grows with the product of the
# lengths): the held texts and the comparisons stay bounded when long traces are candidates.
CONFIRM_CHARS = 8192
# A seeded sample of texts' heads and tails, to find the boilerplate every text shares.
_AFFIX_SAMPLE, _AFFIX_CHARS, _AFFIX_MIN_SAMPLE = 64, 4096, 16


@dataclass(slots=True)
class NearState:
    """Per signed text: its band keys (bands x 8 bytes), its signature's key and its location.
    `pending` holds the texts added since the last batch was signed (at most `BATCH`);
    `texts` holds the folded texts of candidate rows, filled by `revisit`, and `heads` the
    folded instruction of those that open with one (`instruction_of`)."""

    rows: Rows = field(default_factory=Rows)
    bands: array[int] = field(default_factory=lambda: array("Q"))
    exact: array[int] = field(default_factory=lambda: array("Q"))
    pending: list[str] = field(default_factory=list)
    affixes: BottomK[tuple[str, str]] = field(default_factory=lambda: BottomK(_AFFIX_SAMPLE))
    column: str | None = None
    candidates: list[tuple[int, int]] = field(default_factory=list)
    lookup: dict[tuple[str, int | None, int | None], list[int]] = field(default_factory=dict)
    texts: dict[int, str] = field(default_factory=dict)
    heads: dict[int, str] = field(default_factory=dict)
    contexts: dict[int, str] = field(default_factory=dict)
    answers: dict[int, str] = field(default_factory=dict)


# Texts signed together: numpy's per-call overhead, not the arithmetic, dominates one short
# text's signature (about 250 µs alone, 30 µs in a batch of 256).
BATCH = 256
_ASCII_SPACE = " \t\n\r\x0b\x0c"  # what separates tokens (`reasonlint.text.ngrams`)


def near_text(record: Record, role: str) -> tuple[str | None, str | None]:
    """The text compared for near duplicates, and its column."""
    if role == "prompt":
        return record.prompt, _column(record, "prompt")
    if role == "trace":
        text, where = trace_text(record)
        return text, _strip(where)
    return response_text(record), _column(record, "response")


# Columns that hold part of a task beside its question: the same question over another table,
# passage or image is another task (seen on realdata-more/pot_tatqa_cot_outputs, tabmwp,
# pot_svamp and mathvista: 51 false near-duplicate and duplicate findings).
_CONTEXT_WORDS = frozenset(
    "table tables passage passages context contexts text document documents paragraph article story "
    "image images img picture caption choices options tools table_title".split())
_NAME_PARTS = re.compile(r"[^A-Za-z]+|(?<=[a-z])(?=[A-Z])")


def context_of(record: Record) -> str:
    """The row's context columns (tables, passages, images, options) that no role maps, as
    one text; empty when there are none."""
    mapped = {where.split("[")[0].split(".")[0] for where in record.fields.values()}
    parts = []
    for name, value in record.raw.items():
        if name in mapped or value is None:
            continue
        words = {part.lower() for part in _NAME_PARTS.split(name) if part}
        if name.lower() in _CONTEXT_WORDS or words & _CONTEXT_WORDS:
            parts.append(f"{name}\0{as_text(value) or ''}")
    return "\0".join(parts)


_HEAD_CHARS = 300  # longest first line read as an instruction over the input below it


def instruction_of(text: str) -> str | None:
    """The folded first line of a text that is a short instruction over a long input
    ("Convert the following XML to TOML:" and the XML), else None."""
    head, newline, rest = text.partition("\n")
    if not newline or not head.strip() or len(head) > _HEAD_CHARS or len(rest.strip()) < 3 * len(head):
        return None
    return fold(head)


_CONFLICT_RATIO = 99.0  # prompts this close with different answers are one prompt, answered twice


def confirm(pairs: Iterable[tuple[int, int]], texts: dict[int, str], min_ratio: float,
            heads: dict[int, str] | None = None, contexts: dict[int, str] | None = None,
            answers: dict[int, str] | None = None) -> list[tuple[int, int]]:
    """The candidate pairs whose folded texts are near (rapidfuzz ratio >= `min_ratio`) but
    not equal (exact copies are the exact rules' findings), and that do not give different
    instructions over one input: "… into JSON" and "… into TOML" over the same XML are two
    tasks (seen on the u-10bei folders of realdata, 65 findings); nor texts that differ in
    their numbers only (2018 and 2019, seen on realdata-more/pot_tatqa_cot_outputs); nor the same question over
    another table, passage or image (`context_of`); nor an edit that changes the reference
    answer (altered riddles, realdata/marcodsn_altered_riddles), unless the two prompts differ
    by a character or two (`_CONFLICT_RATIO`): then one prompt has two answers."""
    heads, contexts, answers = heads or {}, contexts or {}, answers or {}
    confirmed = []
    for a, b in pairs:
        left, right = texts.get(a), texts.get(b)
        if left is None or right is None or left == right:
            continue
        if a in heads and b in heads and heads[a] != heads[b]:
            continue
        if _DIGITS.sub("#", left) == _DIGITS.sub("#", right):
            continue  # only numbers differ: another instance of a template (another year, price, count)
        if contexts.get(a, "") != contexts.get(b, "") and not fuzz.ratio(contexts.get(a, ""), contexts.get(b, ""),
                                                                         score_cutoff=min_ratio):
            continue
        different_answers = a in answers and b in answers and answers[a] != answers[b]
        if fuzz.ratio(left, right, score_cutoff=_CONFLICT_RATIO if different_answers else min_ratio):
            confirmed.append((a, b))
    return confirmed


def stars(pairs: Iterable[tuple[int, int]]) -> list[list[int]]:
    """Clusters in which every member was confirmed against the first (the earliest text).
    Near-likeness does not chain (a ~ b and b ~ c leave a and c apart), and clusters grown
    by chaining swallow whole datasets of templated texts."""
    clusters: dict[int, list[int]] = {}
    placed: set[int] = set()
    for a, b in sorted(pairs):
        if b in placed or (a in placed and a not in clusters):
            continue
        clusters.setdefault(a, [a]).append(b)
        placed.update((a, b))
    return sorted(clusters.values())


def shared_affixes(samples: Iterable[tuple[str, str]]) -> tuple[str, str]:
    """The folded prefix and suffix that every sampled text shares (a chat template, an
    instruction wrapper), or empty ones for a sample too small to tell boilerplate from a
    few texts' likeness."""
    heads, tails = [], []
    for head, tail in samples:
        heads.append(fold(head))
        tails.append(fold(tail)[::-1])
    if len(heads) < _AFFIX_MIN_SAMPLE:
        return "", ""
    return os.path.commonprefix(heads), os.path.commonprefix(tails)[::-1]


def without_affixes(text: str, prefix: str, suffix: str) -> str:
    """`text` without the boilerplate: it says nothing about whether two rows are the same
    example, and a long one makes any two rows look alike."""
    start = len(prefix) if prefix and text.startswith(prefix) else 0
    stop = len(text) - len(suffix) if suffix and text.endswith(suffix) else len(text)
    return text[start: max(start, stop)]


def lsh_candidates(bands: npt.NDArray[np.uint64], exact: npt.NDArray[np.uint64]) -> list[tuple[int, int]]:
    """Candidate pairs of distinct texts: rows with one exact key stand for their copies."""
    if len(exact) < 2:
        return []
    _, representatives = np.unique(exact, return_index=True)
    representatives.sort()
    pairs = candidate_pairs(bands[representatives])
    return [(int(representatives[a]), int(representatives[b])) for a, b in pairs.tolist()]


@aggregate_check
class NearDuplicates:
    """Texts that are almost the same (a word changed, a sentence added): MinHash LSH over
    word 5-grams finds candidates, rapidfuzz confirms them on the folded texts."""

    def __init__(self, *, role: str, threshold: float, num_perm: int, ngram: int, min_ratio: float,
                 max_chars: int, max_candidates: int, max_locations: int) -> None:
        self.role = role
        self.hasher = MinHasher(num_perm, ngram, max_chars=max_chars)
        self.bands, self.band_rows = optimal_bands(threshold, num_perm, LSH_WEIGHTS)
        self.min_ratio = min_ratio
        self.max_chars = max_chars
        self.max_candidates = max_candidates
        self.max_locations = max_locations

    def start(self) -> NearState:
        return NearState()

    def add(self, state: NearState, record: Record, location: Location) -> None:
        if self.role == "prompt" and not _first_of_row(record):
            return
        text, column = near_text(record, self.role)
        if not text or not text.strip(_ASCII_SPACE):
            return  # no words, no shingles
        state.rows.append(location, None if self.role == "prompt" else record.generation)
        state.pending.append(text[: self.max_chars])
        state.affixes.keep(f"{location.path}:{location.line}:{location.row}:{record.generation}",
                           lambda: (text[:_AFFIX_CHARS], text[-_AFFIX_CHARS:]))
        state.column = state.column or column
        if len(state.pending) >= BATCH:
            self._sign(state)

    def _sign(self, state: NearState) -> None:
        """Sign the pending texts and keep only their band keys and signature keys."""
        if not state.pending:
            return
        signatures, _ = self.hasher.signatures(state.pending)
        state.bands.frombytes(band_keys(signatures, self.bands, self.band_rows).tobytes())
        state.exact.frombytes(signature_keys(signatures).tobytes())
        state.pending.clear()

    def merge(self, a: NearState, b: NearState) -> NearState:
        self._sign(a)
        self._sign(b)
        a.rows.extend(b.rows)
        a.bands.extend(b.bands)
        a.exact.extend(b.exact)
        a.affixes.merge(b.affixes)
        a.column = a.column or b.column
        return a

    def wanted(self, state: NearState) -> Iterator[Location]:
        self._sign(state)
        bands = _keys(state.bands).reshape(-1, self.bands)
        state.candidates = lsh_candidates(bands, _keys(state.exact))[: self.max_candidates]
        members = sorted({index for pair in state.candidates for index in pair})
        for index in members:
            state.lookup.setdefault(state.rows.key(index), []).append(index)
        for key in state.lookup:
            yield Location(key[0], key[1], key[2])

    def revisit(self, state: NearState, record: Record, location: Location) -> None:
        for index in state.lookup.get((location.path, location.line, location.row), []):
            generation = state.rows.generation[index]
            if generation != _NONE and record.generation != generation:
                continue
            if self.role == "prompt" and not _first_of_row(record):
                continue
            text, _ = near_text(record, self.role)
            if text:
                state.texts[index] = fold(text[:CONFIRM_CHARS])
                head = instruction_of(text)
                if head is not None:
                    state.heads[index] = head
                if self.role == "prompt" and (context := context_of(record)):
                    state.contexts[index] = fold(context[:CONFIRM_CHARS])
                gold = record.reference if record.reference is not None else record.answer
                if self.role == "prompt" and gold:
                    state.answers[index] = fold(gold[:CONFIRM_CHARS])

    def finish(self, state: NearState, summary: DatasetSummary) -> Iterator[Hit]:
        prefix, suffix = shared_affixes(state.affixes.items.values())
        texts = {index: without_affixes(text, prefix, suffix) for index, text in state.texts.items()}
        for group in stars(confirm(state.candidates, texts, self.min_ratio, state.heads, state.contexts,
                                     state.answers)):
            first = group[0]
            column = state.column
            ratio = min(fuzz.ratio(texts[first], texts[other]) for other in group[1:])
            yield Hit({"role": self.role, "count": len(group), "ratio": f"{ratio:.1f}",
                       "others": _listing(state.rows, group[1:], self.max_locations, column)},
                      location=state.rows.location(first, state.rows.field_of(first, column)),
                      key=f"near:{int(state.exact[first]):016x}")


# --- templated traces -------------------------------------------------------------------

_DIGITS = re.compile(r"\d+")
_LABEL_CHARS = 40


def skeleton(text: str, lines: int, words: int) -> str | None:
    """The shape of a trace's first `lines` non-empty lines: each line's label up to a colon
    (within 40 characters), else its first `words` words, casefolded, digits masked. None
    for a trace of fewer than three lines, which has no shape to share."""
    kept: list[str] = []
    for line in text[: 200 * lines].splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        colon = stripped.find(":", 0, _LABEL_CHARS)
        head = stripped[: colon + 1] if colon > 0 else " ".join(stripped.split()[:words])
        kept.append(_DIGITS.sub("0", head.casefold()))
        if len(kept) == lines:
            break
    return " | ".join(kept) if len(kept) >= 3 else None


@dataclass(slots=True)
class SkeletonState:
    rows: Rows = field(default_factory=Rows)
    keys: array[int] = field(default_factory=lambda: array("Q"))
    traces: int = 0
    column: str | None = None
    top: int = 0
    template: str | None = None


@aggregate_check
class TemplatedTraces:
    """Most traces share one skeleton (the same labelled lines in the same order): the model
    learns to fill a template rather than to reason."""

    def __init__(self, *, lines: int, words: int, min_share: float, min_rows: int) -> None:
        self.lines = lines
        self.words = words
        self.min_share = min_share
        self.min_rows = min_rows

    def start(self) -> SkeletonState:
        return SkeletonState()

    def add(self, state: SkeletonState, record: Record, location: Location) -> None:
        text, where = trace_text(record)
        if not text:
            return
        state.traces += 1
        shape = skeleton(text, self.lines, self.words)
        if shape is not None:
            state.rows.append(location, record.generation)
            state.keys.append(hash64(shape))
            state.column = state.column or _strip(where)

    def merge(self, a: SkeletonState, b: SkeletonState) -> SkeletonState:
        a.rows.extend(b.rows)
        a.keys.extend(b.keys)
        a.traces += b.traces
        a.column = a.column or b.column
        return a

    def _top(self, state: SkeletonState) -> tuple[int, int, int] | None:
        """(first member, count, distinct skeletons) of the commonest skeleton, when it
        passes the thresholds."""
        keys = _keys(state.keys)
        if state.traces < self.min_rows or not len(keys):
            return None
        values, first, counts = np.unique(keys, return_index=True, return_counts=True)
        best = int(np.lexsort((first, -counts))[0])
        count = int(counts[best])
        if count / state.traces < self.min_share or count < 2:
            return None
        return int(first[best]), count, len(values)

    def wanted(self, state: SkeletonState) -> Iterator[Location]:
        top = self._top(state)
        if top is not None:
            state.top = top[0]
            yield state.rows.location(top[0])

    def revisit(self, state: SkeletonState, record: Record, location: Location) -> None:
        text, _ = trace_text(record)
        generation = state.rows.generation[state.top]
        if text and state.template is None and (generation == _NONE or record.generation == generation):
            state.template = skeleton(text, self.lines, self.words)

    def finish(self, state: SkeletonState, summary: DatasetSummary) -> Iterator[Hit]:
        top = self._top(state)
        if top is None:
            return
        first, count, distinct = top
        yield Hit({"share": f"{count / state.traces:.0%}", "count": f"{count:,}", "rows": f"{state.traces:,}",
                   "distinct": f"{distinct:,}", "template": excerpt_of(state.template or "?", 120)},
                  location=state.rows.location(first, state.rows.field_of(first, state.column)),
                  key=f"template:{int(_keys(state.keys)[first]):016x}")
