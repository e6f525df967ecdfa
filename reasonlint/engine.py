"""One streaming pass over a dataset: read each row once, hand it to every active check.

The work is cut into units (file slices). Each unit is read and checked on its own,
in this process, a local worker, or a Ray task (`ray_executor`, `--executor ray`), and
returns its findings and the state of each aggregate check; states merge in unit order, so
the result does not depend on where the units ran. With
`--sample N`, the pass keeps a seeded bottom-N of rows per split (a sketch that merges
like any other state) and only those rows are checked.

Two ways to do less work on the next run. `--since REF` asks git which rows changed and
hands each file's unit the lines to read; other rows are counted, not parsed, so the
summary the dataset-level rules see stays exact. The row cache keeps each whole file's
result (findings and states, merged from its slices in a parallel run), so a file whose
bytes, rules and mapping have not changed is not read again, whatever `--jobs` is.
"""

from __future__ import annotations

import fnmatch
import hashlib
import heapq
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

from reasonlint import __version__
from reasonlint.baseline import Baseline, baseline_for_run, held_back
from reasonlint.cache import RowCache, stamp_of
from reasonlint.catalogue import Catalogue, RuleSpec
from reasonlint.checks import CheckDef, load_checks
from reasonlint.config import Settings, rule_params, rule_severity, selected_rules
from reasonlint.findings import Finding, Hit, Location, Severity, content_hash, fingerprint
from reasonlint.profile import Profiler
from reasonlint.score import score_run
from reasonlint.source.card import CARD_NAME, Card, read_card
from reasonlint.source.changes import WHOLE, LineSet, changed_lines
from reasonlint.source.containment import RefusedPath, refusal
from reasonlint.source.formats import format_of
from reasonlint.source.layout import Layout, discover_layout, single_file_layout
from reasonlint.source.mapping import ColumnMapping, Record, detect_mapping, records_of
from reasonlint.source.readers import (
    DataFileError,
    FileSlice,
    RawRow,
    ReadProblem,
    SkippedRows,
    plan_slices,
    read_slice,
    spread_sample,
)
from reasonlint.source.target import Target
from reasonlint.summary import DatasetSummary, RunReport, TableSummary
from reasonlint.suppression import parse_suppressions

_MAPPING_SAMPLE_ROWS = 400
_PARALLEL_MIN_BYTES = 8 * 1024 * 1024
ProgressCallback = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class ActiveRule:
    spec: RuleSpec
    check: CheckDef
    severity: Severity
    params: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Unit:
    table: int
    part: FileSlice
    path: str  # relative to the dataset root
    split: str
    config: str
    size: int


@dataclass(slots=True)
class UnitResult:
    findings: list[Finding] = field(default_factory=list)
    states: dict[str, Any] = field(default_factory=dict)
    rows: int = 0
    skipped: int = 0  # rows counted, not checked (`--since`)
    candidates: list[tuple[int, Location, dict[str, Any]]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class RowContext:
    """What a unit needs besides its slice; sent once to each worker."""

    rules: tuple[ActiveRule, ...]
    mappings: tuple[ColumnMapping, ...]
    sample: int | None
    seed: int
    # The rules by kind, sorted once rather than per row.
    read_rules: tuple[ActiveRule, ...] = ()
    row_rules: tuple[ActiveRule, ...] = ()
    aggregate_rules: tuple[ActiveRule, ...] = ()
    profiler: Profiler = field(default_factory=lambda: Profiler(0))
    # False where another context profiles the same rows (the model rules' actors of a Ray run).
    profiled: bool = True

    @classmethod
    def of(cls, rules: tuple[ActiveRule, ...], mappings: tuple[ColumnMapping, ...], sample: int | None,
           seed: int, profiled: bool = True) -> RowContext:
        def kind(name: str) -> tuple[ActiveRule, ...]:
            return tuple(rule for rule in rules if rule.check.kind == name)
        return cls(rules, mappings, sample, seed, kind("read"), kind("row"), kind("aggregate"), Profiler(seed),
                   profiled)


def active_rules(catalogue: Catalogue, settings: Settings) -> tuple[ActiveRule, ...]:
    checks = load_checks()
    rules = []
    for spec in selected_rules(catalogue, settings):
        check = checks.get(spec.check)
        if check is None:
            raise LookupError(f"rule {spec.code} names check {spec.check!r}, which is not registered")
        rules.append(ActiveRule(spec, check, rule_severity(spec, settings), rule_params(spec, settings)))
    return tuple(rules)


@dataclass(frozen=True, slots=True)
class Plan:
    """What a run knows before reading any row: its rules, the card, the tables and their
    column mappings, and the files to read, in order."""

    target: Target
    catalogue: Catalogue
    settings: Settings
    rules: tuple[ActiveRule, ...]
    card: Card | None
    baseline: Baseline | None
    layout: Layout
    mappings: tuple[ColumnMapping, ...]
    context: RowContext
    files: tuple[Unit, ...]

    @property
    def key(self) -> str:
        """Everything that decides a unit's result, bar the unit: rules, parameters,
        severities, mappings and seed. Cached results and shards must agree on it."""
        rule_keys = [(rule.spec.model_dump_json(), rule.check.kind, rule.severity.value,
                      stamp_of(rule.params)) for rule in self.rules]
        return stamp_of([__version__, rule_keys, [repr(m) for m in self.mappings], self.settings.seed])


def plan(target: Target, catalogue: Catalogue, settings: Settings) -> Plan:
    rules = active_rules(catalogue, settings)
    card_refused = refusal(target.root / CARD_NAME, target.boundary) if target.kind != "file" else None
    card = read_card(target.root) if target.kind != "file" and card_refused is None else None
    baseline = baseline_for_run(target, settings)  # a malformed one stops the run before the pass
    layout = single_file_layout(target.file) if target.file else discover_layout(target.root, card)
    layout = layout.contained(target.root, target.boundary)
    if card_refused is not None:
        layout = replace(layout, refused=(RefusedPath(CARD_NAME, card_refused), *layout.refused))
    mappings = tuple(_table_mapping(table.files, settings) for table in layout.tables)
    context = RowContext.of(rules, mappings, settings.sample, settings.seed)
    changes = _changes_since(target, layout, settings.since)
    files = tuple(_plan_files(target.root, layout, changes))
    return Plan(target, catalogue, settings, rules, card, baseline, layout, mappings, context, files)


def run(target: Target, catalogue: Catalogue, settings: Settings,
        progress: Callable[[int], ProgressCallback] | None = None) -> RunReport:
    """Check `target`; `progress(total_bytes)` returns a callback advanced with bytes read."""
    started = time.perf_counter()
    planned = plan(target, catalogue, settings)
    units, results = _read(planned, planned.files, _FileCache.of(planned), progress)
    return conclude(planned, units, results, started)


def run_shard(target: Target, catalogue: Catalogue, settings: Settings, shard: Shard,
              progress: Callable[[int], ProgressCallback] | None = None) -> ShardResult:
    """Read and check one shard's rows (`--shard I/N`): its part of every file. What it
    returns is what `conclude` needs; `merge_shards` joins every shard's into one report."""
    planned = plan(target, catalogue, settings)
    units, results = _read(planned, tuple(_shard_units(planned.files, shard)), None, progress)
    return ShardResult(planned.key, shard, [(u.table, u.path, u.part.start) for u in units], results)


def merge_shards(target: Target, catalogue: Catalogue, settings: Settings, shards: list[ShardResult]) -> RunReport:
    """The report of a whole run from its shards' results: they must be the shards 1..N of
    one N, made with the same rules and settings on the same dataset."""
    started = time.perf_counter()
    planned = plan(target, catalogue, settings)
    counts = {shard.shard.count for shard in shards}
    indexes = sorted(shard.shard.index for shard in shards)
    if len(counts) != 1 or indexes != list(range(1, counts.pop() + 1)):
        raise ShardError(f"the shards given are {', '.join(str(s.shard) for s in shards)}: "
                         "merge needs each of 1/N..N/N once")
    order = {unit.path: position for position, unit in enumerate(planned.files)}
    for shard in shards:
        if shard.key != planned.key or any(path not in order for _, path, _ in shard.units):
            raise ShardError(f"shard {shard.shard} was made with other rules, settings or data than this merge "
                             "(use the same options and reasonlint version for every shard and the merge)")
    parts = sorted(((order[path], start or 0, table, path, result) for shard in shards
                    for (table, path, start), result in zip(shard.units, shard.results, strict=True)),
                   key=lambda part: part[:2])
    by_path = {unit.path: unit for unit in planned.files}
    units = [by_path[path] for _, _, _, path, _ in parts]
    return conclude(planned, units, [part[4] for part in parts], started)


def _read(planned: Plan, files: tuple[Unit, ...], cache: _FileCache | None,
          progress: Callable[[int], ProgressCallback] | None) -> tuple[list[Unit], list[UnitResult]]:
    """The pass: each unit's findings and states, from the cache or read, serially or in
    workers, in file order."""
    settings, rules = planned.settings, planned.rules
    cached = [cache.load(unit) if cache else None for unit in files]
    todo = [unit for unit, result in zip(files, cached, strict=True) if result is None]
    total_bytes = sum(unit.size for unit in files)
    read_bytes = sum(unit.size for unit in todo if unit.part.lines is None)  # not counting skimmed files
    jobs = settings.jobs or os.cpu_count() or 1
    whole_files = all(unit.part.start is None for unit in todo)  # shards are not cut again
    parallel = (jobs > 1 and settings.max_rows is None and read_bytes >= _PARALLEL_MIN_BYTES and whole_files
                and not any(needs_main_process(rule) for rule in rules))
    advance = progress(total_bytes) if progress else None
    if advance:
        advance(total_bytes - sum(unit.size for unit in todo))
    if settings.executor == "ray" and todo:
        from reasonlint.ray_executor import run_on_ray

        computed = run_on_ray(planned, todo, advance)
    elif parallel:
        chunk = max(4 * 1024 * 1024, min(64 * 1024 * 1024, read_bytes // (jobs * 4)))
        computed = _run_in_workers(todo, planned.context, jobs, chunk, advance)
    else:
        computed = _run_serially(todo, planned.context, settings.max_rows, advance)
    return _in_file_order(list(files), cached, iter(computed), cache)


def conclude(planned: Plan, units: list[Unit], results: list[UnitResult], started: float) -> RunReport:
    """After the pass: merge the states, check the sample, run the dataset-level rules, hold
    back suppressed and baselined findings, score."""
    target, settings, rules, mappings = planned.target, planned.settings, planned.rules, planned.mappings
    rows_per_table = [0] * len(planned.layout.tables)
    for unit, result in zip(units, results, strict=True):
        rows_per_table[unit.table] += result.rows
    complete = settings.max_rows is None or sum(rows_per_table) < settings.max_rows

    findings = [finding for result in results for finding in result.findings]
    states = _merge_states(rules, (result.states for result in results))
    rows_checked = sum(rows_per_table) - sum(result.skipped for result in results)
    if settings.sample is not None:
        chosen = _choose_sample(results, units, rows_per_table, settings.sample)
        sampled = UnitResult()
        for table, location, raw in chosen:
            _check_row(planned.context, mappings[table], raw, partial(_same, location), sampled)
        findings.extend(sampled.findings)
        states = _merge_states(rules, [sampled.states])
        rows_checked = len(chosen)

    tables = tuple(
        TableSummary(table.config, table.split, tuple(_relative(target.root, f) for f in table.files),
                     rows_per_table[index], mappings[index])
        for index, table in enumerate(planned.layout.tables)
    )
    some_rows = not complete or rows_checked < sum(rows_per_table)  # --since, --sample, --max-rows
    summary = DatasetSummary(target.id, target.kind, planned.card, tables, planned.layout.problems, complete,
                             None if target.kind == "file" else _repository_files(target.root),
                             refused_paths=planned.layout.refused,
                             suppressions=parse_suppressions(planned.card, planned.catalogue),
                             baseline=planned.baseline,
                             judged_rules=frozenset(rule.spec.code for rule in rules
                                                    if not some_rows or rule.check.kind in ("dataset", "findings")))
    _revisit(rules, states, planned.files, mappings)  # with `--since`, the rows read are the rows wanted
    profiler = planned.context.profiler
    profile = profiler.finish(states.pop(_PROFILE, None) or profiler.start())
    findings.extend(_finish_dataset_rules(rules, states, summary))
    findings = _apply_path_ignores(findings, settings, planned.catalogue)
    findings.extend(_apply_path_ignores(_finish_findings_rules(rules, findings, summary), settings,
                                        planned.catalogue))
    measurements = _measurements(rules, states)
    # Scored before suppressions and the baseline: they quiet a check, not the data a judge reads.
    scores = score_run(summary, findings, tuple(rule.spec for rule in rules), profile, measurements,
                       len(selected_rules(planned.catalogue, _unselected(settings))))
    findings, suppressed, baselined = held_back(findings, summary.suppressions, planned.baseline)
    return RunReport(
        target=target, tables=tables, rules=tuple(rule.spec for rule in rules),
        findings=tuple(sorted(findings, key=Finding.sort_key)),
        errors=tuple(error for result in results for error in result.errors),
        rows_read=sum(rows_per_table), rows_checked=rows_checked, complete=complete,
        sample=settings.sample, seed=settings.seed, elapsed_seconds=time.perf_counter() - started,
        profile=profile, measurements=measurements, suppressed=suppressed, baselined=baselined, scores=scores,
    )


def _unselected(settings: Settings) -> Settings:
    """The settings' profile without `--select`, `--extend-select` and `--ignore`: the rules a
    score would count in a full run, so a partial one says what it left out."""
    return settings.model_copy(update={"select": None, "extend_select": [], "ignore": []})


class ShardError(Exception):
    """Shards that cannot be merged into one report: exit 2 with this message."""


@dataclass(frozen=True, slots=True)
class Shard:
    """`--shard I/N`: the I-th (from 1) of N disjoint parts of every data file."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        index, separator, count = text.partition("/")
        if not separator or not index.strip().isdigit() or not count.strip().isdigit():
            raise ShardError(f"--shard {text!r}: expected I/N, e.g. 2/4")
        shard = cls(int(index), int(count))
        if not 1 <= shard.index <= shard.count:
            raise ShardError(f"--shard {text!r}: I must be between 1 and N")
        return shard

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


@dataclass(slots=True)
class ShardResult:
    """One shard's pass: its units (table, relative path, first byte) and their results."""

    key: str
    shard: Shard
    units: list[tuple[int, str, int | None]]
    results: list[UnitResult]


def _shard_units(files: Iterable[Unit], shard: Shard) -> Iterator[Unit]:
    """Each file cut into `count` slices (row groups for Parquet, line-aligned byte ranges
    for JSONL), the shard taking the `index`-th; a file that cannot be cut (JSON, CSV) goes
    whole to one shard, by its position."""
    for position, unit in enumerate(files):
        if unit.part.lines is not None:
            raise ShardError("--shard and --since cannot be combined: --since already reads a few rows")
        try:
            parts = list(plan_slices(unit.part.path, unit.part.format, max(1, -(-unit.size // shard.count))))
        except OSError:
            parts = [unit.part]  # the read reports it
        if len(parts) == 1:
            if position % shard.count == shard.index - 1:
                yield unit
        elif shard.index <= len(parts):
            part = parts[shard.index - 1]
            yield replace(unit, part=part, size=part.size)


def _relative(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.name


def _plan_files(root: Path, layout: Layout, changes: dict[Path, LineSet] | None) -> Iterator[Unit]:
    """One unit per data file, in a fixed order; with `changes` (`--since`), each carries the
    lines to read (`FileSlice.lines`)."""
    for index, table in enumerate(layout.tables):
        for path in table.files:
            fmt = format_of(path)
            if fmt is None:
                continue
            lines = WHOLE if changes is None else changes.get(path, WHOLE)
            part = FileSlice(path, fmt, size=_size(path), lines=lines)
            yield Unit(index, part, _relative(root, path), table.split, table.config, part.size)


def slices_of(unit: Unit, chunk: int) -> Iterator[Unit]:
    """A file's unit cut into slices of about `chunk` bytes for the workers (a file read for
    a few changed lines only is not cut)."""
    if unit.part.lines is not None:
        yield unit
        return
    path, fmt = unit.part.path, unit.part.format
    parts: Iterable[FileSlice]
    try:
        parts = list(plan_slices(path, fmt, chunk)) if fmt != "jsonl" else plan_slices(path, fmt, chunk)
    except OSError:
        parts = [FileSlice(path, fmt)]  # the read reports it
    for part in parts:
        yield replace(unit, part=part, size=part.size)


def _changes_since(target: Target, layout: Layout, ref: str | None) -> dict[Path, LineSet] | None:
    if ref is None:
        return None
    files = [(path, fmt) for table in layout.tables for path in table.files if (fmt := format_of(path))]
    return changed_lines(target.root, ref, files)


class _FileCache:
    """The engine's view of the row cache: whole-file results, keyed by the run's rules and
    mappings, the file's place in the dataset and its content. Runs that read part of the
    data (`--max-rows`, `--sample`) or part of a file (`--since`) neither read nor write it."""

    def __init__(self, store: RowCache, run_key: str) -> None:
        self.store = store
        self.run_key = run_key

    @classmethod
    def of(cls, planned: Plan) -> _FileCache | None:
        settings = planned.settings
        if not settings.cache or settings.max_rows is not None or settings.sample is not None:
            return None
        store = RowCache.open()
        return None if store is None else cls(store, planned.key)

    def _key(self, unit: Unit) -> str | None:
        if unit.part.lines is not None:
            return None
        where = [unit.table, unit.path, unit.split, unit.config, unit.part.format]
        return self.store.key(unit.part.path, self.run_key, stamp_of(where))

    def load(self, unit: Unit) -> UnitResult | None:
        key = self._key(unit)
        result = self.store.load(key) if key else None
        return result if isinstance(result, UnitResult) else None

    def save(self, unit: Unit, result: UnitResult) -> None:
        key = self._key(unit)
        if key and not result.errors:  # an unreadable file is tried again next time
            self.store.save(key, result)


def _in_file_order(files: list[Unit], cached: list[UnitResult | None], computed: Iterator[UnitResult],
                   cache: _FileCache | None) -> tuple[list[Unit], list[UnitResult]]:
    """Each file's result, from the cache or from the pass (which may stop early with
    `--max-rows`); new results are saved before any state is merged (merging may change a
    state in place)."""
    units, results = [], []
    for unit, result in zip(files, cached, strict=True):
        if result is None:
            result = next(computed, None)
            if result is None:
                break
            if cache:
                cache.save(unit, result)
        units.append(unit)
        results.append(result)
    if cache:
        cache.store.prune()
    return units, results


def _repository_files(root: Path) -> tuple[str, ...]:
    return tuple(sorted(path.relative_to(root).as_posix() for path in root.rglob("*")
                        if path.is_file() and ".git" not in path.relative_to(root).parts))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _table_mapping(files: tuple[Path, ...], settings: Settings) -> ColumnMapping:
    """Infer the mapping from a sample spread over the table: up to 8 of its files, evenly
    chosen, each read at a few places (seeks and row groups, never the whole of a large file)."""
    readable = [(path, fmt) for path in files if (fmt := format_of(path)) is not None]
    chosen = sorted({len(readable) * i // 8 for i in range(8)}) if readable else []
    per_file = max(1, _MAPPING_SAMPLE_ROWS // max(1, len(chosen)))
    sample: list[dict[str, Any]] = []
    for index in chosen:
        path, fmt = readable[index]
        try:
            sample.extend(spread_sample(path, fmt, per_file))
        except DataFileError:
            continue
    return detect_mapping(sample, {str(role): column for role, column in settings.columns.items()})


def _run_serially(files: Iterable[Unit], context: RowContext, max_rows: int | None,
                  advance: ProgressCallback | None) -> list[UnitResult]:
    """One result per file, in order; fewer when `max_rows` stops the pass early."""
    results: list[UnitResult] = []
    remaining = max_rows
    for unit in files:
        if remaining is not None and remaining <= 0:
            break
        results.append(run_unit(context, unit, remaining))
        if remaining is not None:
            remaining -= results[-1].rows
        if advance:
            advance(unit.size)
    return results


def _run_in_workers(files: list[Unit], context: RowContext, jobs: int, chunk: int,
                    advance: ProgressCallback | None) -> list[UnitResult]:
    """Files are cut into slices, each submitted as soon as it is planned, so workers start
    while the rest of a large file is still being cut; each slice's result is folded into its
    file's as it arrives, in order (one result per file is what the cache keeps, whatever the
    slicing), so the slices' aggregate states are never all held at once."""
    spawn = multiprocessing.get_context("spawn")  # no fork: pyarrow's threads do not survive it
    with ProcessPoolExecutor(max_workers=jobs, mp_context=spawn,
                             initializer=_init_worker, initargs=(context,)) as pool:
        submitted = deque((index, part, pool.submit(_run_unit_in_worker, part))
                          for index, unit in enumerate(files) for part in slices_of(unit, chunk))
        per_file: list[UnitResult | None] = [None] * len(files)
        while submitted:
            index, part, future = submitted.popleft()  # a done future holds its result: drop it
            per_file[index] = absorb(context.rules, per_file[index], future.result())
            if advance:
                advance(part.size)
    return [result or UnitResult() for result in per_file]


def absorb(rules: tuple[ActiveRule, ...], into: UnitResult | None, part: UnitResult) -> UnitResult:
    """A file's result so far with its next slice's result merged in."""
    if into is None:
        return part
    into.findings.extend(part.findings)
    into.states = _merge_states(rules, (into.states, part.states))
    into.rows += part.rows
    into.skipped += part.skipped
    into.candidates.extend(part.candidates)
    into.errors.extend(part.errors)
    return into


_WORKER_CONTEXT: RowContext | None = None


def _init_worker(context: RowContext) -> None:
    global _WORKER_CONTEXT
    load_checks()
    _WORKER_CONTEXT = context


def _run_unit_in_worker(unit: Unit) -> UnitResult:
    assert _WORKER_CONTEXT is not None
    return run_unit(_WORKER_CONTEXT, unit, None)


def run_unit(context: RowContext, unit: Unit, max_rows: int | None) -> UnitResult:
    result = UnitResult()
    mapping = context.mappings[unit.table]
    base = Location(unit.path, split=unit.split, config=unit.config)
    try:
        for event in read_slice(unit.part):
            if isinstance(event, ReadProblem):
                _check_problem(context, event, base, result)
                continue
            if isinstance(event, SkippedRows):
                result.rows += event.count
                result.skipped += event.count
                continue
            result.rows += 1
            if context.sample is not None:
                _offer_candidate(result, context, _row_location(unit, event), event.raw)
            else:
                _check_row(context, mapping, event.raw, partial(_row_location, unit, event), result)
            if max_rows is not None and result.rows >= max_rows:
                break
    except DataFileError as error:
        result.errors.append(f"cannot read {unit.path}: {error}")
    return result


def _check_problem(context: RowContext, problem: ReadProblem, base: Location, result: UnitResult) -> None:
    location = replace(base, line=problem.line, row=problem.row)
    key = f"{location.path}:{problem.line}:{problem.row}:{problem.kind}"
    for rule in context.read_rules:
        for hit in rule.check.implementation(problem, **rule.params):
            result.findings.append(_finding(rule, hit, location, key))


def _same(location: Location) -> Location:
    return location


def _row_location(unit: Unit, row: RawRow) -> Location:
    return Location(unit.path, row.line, row.row, unit.split, unit.config)


def _check_row(context: RowContext, mapping: ColumnMapping, raw: dict[str, Any],
               location_of: Callable[[], Location], result: UnitResult) -> None:
    """Run the row and aggregate rules on each record of a row. The location is built only
    when something needs it: most rows of a clean dataset produce nothing."""
    location: Location | None = None
    row_key: str | None = None
    for record in records_of(raw, mapping):
        for rule in context.row_rules:
            for hit in rule.check.implementation(record, **rule.params):
                location = location or location_of()
                row_key = row_key or content_hash(raw)
                result.findings.append(_finding(rule, hit, location, row_key))
        for rule in context.aggregate_rules:
            location = location or location_of()
            _aggregate_add(result, rule, record, location)
        if not context.profiled:
            continue
        profile = result.states.get(_PROFILE)
        if profile is None:
            profile = result.states[_PROFILE] = context.profiler.start()
        context.profiler.add(profile, record, location or location_of())


def _aggregate_add(result: UnitResult, rule: ActiveRule, record: Record, location: Location) -> None:
    check = _aggregate(rule)
    state = result.states.get(rule.spec.code)
    if state is None:
        state = result.states[rule.spec.code] = check.start()
    check.add(state, record, location)


def needs_main_process(rule: ActiveRule) -> bool:
    """An aggregate that holds a device-bound resource (a language model on a GPU) sets
    `needs_main_process = True`: one copy per worker would not fit, so the pass runs serially."""
    return rule.check.kind == "aggregate" and bool(getattr(rule.check.implementation, "needs_main_process", False))


_AGGREGATES: dict[int, tuple[ActiveRule, Any]] = {}


def _aggregate(rule: ActiveRule) -> Any:
    """One aggregate instance per active rule and process: it holds the rule's parameters,
    never data. Looked up per row, so by identity; the rule is kept beside it, so a new rule
    that reuses a freed id is never given another rule's instance."""
    cached = _AGGREGATES.get(id(rule))
    if cached is None or cached[0] is not rule:
        cached = _AGGREGATES[id(rule)] = (rule, rule.check.implementation(**rule.params))
    return cached[1]


# The profile's state travels with the rules' states (rule codes never look like this).
_PROFILE = "profile"


def _merge_states(rules: tuple[ActiveRule, ...], states: Iterable[dict[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for unit_states in states:
        profile = unit_states.get(_PROFILE)
        if profile is not None:
            merged[_PROFILE] = profile if _PROFILE not in merged else Profiler.merge(merged[_PROFILE], profile)
        for rule in rules:
            state = unit_states.get(rule.spec.code)
            if state is None:
                continue
            code = rule.spec.code
            merged[code] = state if code not in merged else _aggregate(rule).merge(merged[code], state)
    return merged


def _revisit(rules: tuple[ActiveRule, ...], states: dict[str, Any], files: Iterable[Unit],
             mappings: tuple[ColumnMapping, ...]) -> None:
    """Read again the few rows that aggregates asked for (`wanted`) and hand their records
    to `revisit`, so that a check can compare candidate rows' texts (near duplicates)
    without holding every row's text in its state. Each file holding a wanted row is read
    once for all rules, up to its last wanted row."""
    wanted: dict[tuple[str, int | None, int | None], list[ActiveRule]] = {}
    for rule in rules:
        state = states.get(rule.spec.code)
        if state is None or rule.check.kind != "aggregate" or not hasattr(rule.check.implementation, "wanted"):
            continue
        for location in _aggregate(rule).wanted(state):
            wanted.setdefault((location.path, location.line, location.row), []).append(rule)
    if not wanted:
        return
    for unit in files:
        left = sum(1 for path, _, _ in wanted if path == unit.path)
        if not left:
            continue
        try:
            for event in read_slice(unit.part):
                rules_here = wanted.get((unit.path, event.line, event.row)) if isinstance(event, RawRow) else None
                if not rules_here:
                    continue
                assert isinstance(event, RawRow)
                location = _row_location(unit, event)
                for record in records_of(event.raw, mappings[unit.table]):
                    for rule in rules_here:
                        _aggregate(rule).revisit(states[rule.spec.code], record, location)
                left -= 1
                if not left:
                    break
        except DataFileError:
            continue  # the pass has reported it


def _finish_findings_rules(rules: tuple[ActiveRule, ...], findings: list[Finding],
                           summary: DatasetSummary) -> list[Finding]:
    """Rules about the other rules' findings (unused suppressions, stale baseline entries):
    they run last, over every finding, before the card's suppressions and the baseline apply."""
    found = tuple(findings)
    return [_finding(rule, hit, Location(summary.anchor_path), hit.key or "")
            for rule in rules if rule.check.kind == "findings"
            for hit in rule.check.implementation(found, summary, **rule.params)]


def _finish_dataset_rules(rules: tuple[ActiveRule, ...], states: dict[str, Any],
                          summary: DatasetSummary) -> list[Finding]:
    findings: list[Finding] = []
    for rule in rules:
        if rule.check.kind == "dataset":
            hits = rule.check.implementation(summary, **rule.params)
        elif rule.check.kind == "aggregate":
            check = _aggregate(rule)
            state = states.get(rule.spec.code)
            hits = check.finish(check.start() if state is None else state, summary)
        else:
            continue
        findings.extend(_finding(rule, hit, Location(summary.anchor_path), hit.key or "") for hit in hits)
    return findings


def _measurements(rules: tuple[ActiveRule, ...], states: dict[str, Any]) -> dict[str, Any]:
    """Figures aggregate rules publish for the report beside their findings (a loss
    distribution, say), from aggregates that define `measure(state)`, by rule code."""
    measured = {}
    for rule in rules:
        check = _aggregate(rule) if rule.check.kind == "aggregate" else None
        if check is not None and hasattr(check, "measure") and rule.spec.code in states:
            measured[rule.spec.code] = check.measure(states[rule.spec.code])
    return measured


def _finding(rule: ActiveRule, hit: Hit, where: Location, content_key: str) -> Finding:
    location = hit.location or replace(where, field=hit.field, excerpt=hit.excerpt)
    key = hit.key if hit.location is not None and hit.key else content_key
    return Finding(
        code=rule.spec.code, name=rule.spec.name, family=rule.spec.family, dimension=rule.spec.dimension,
        severity=rule.severity, message=rule.spec.message.format(**hit.facts), location=location,
        fingerprint=fingerprint(rule.spec.code, key, location.field), fix=hit.fix,
    )


def _priority(seed: int, location: Location) -> int:
    token = f"{seed}\0{location.path}\0{location.line}\0{location.row}".encode()
    return int.from_bytes(hashlib.blake2b(token, digest_size=8).digest(), "big")


def _offer_candidate(result: UnitResult, context: RowContext, location: Location, raw: dict[str, Any]) -> None:
    """Keep the `sample` rows of lowest seeded priority: a bottom-k sketch, mergeable per split."""
    assert context.sample is not None
    entry = (-_priority(context.seed, location), location, raw)
    if len(result.candidates) < context.sample:
        heapq.heappush(result.candidates, entry)  # type: ignore[arg-type]
    elif entry[0] > result.candidates[0][0]:
        heapq.heapreplace(result.candidates, entry)  # type: ignore[arg-type]


def _choose_sample(results: list[UnitResult], units: list[Unit], rows_per_table: list[int],
                   size: int) -> list[tuple[int, Location, dict[str, Any]]]:
    """Spread `size` rows over tables in proportion to their row counts (largest remainder)."""
    by_table: dict[int, list[tuple[int, Location, dict[str, Any]]]] = {}
    for unit, result in zip(units, results, strict=True):
        by_table.setdefault(unit.table, []).extend((-neg, loc, raw) for neg, loc, raw in result.candidates)
    total = sum(rows_per_table)
    if total == 0:
        return []
    quotas = {t: min(rows, size * rows // total) for t, rows in enumerate(rows_per_table)}
    remainders = sorted(((size * rows) % total, -t) for t, rows in enumerate(rows_per_table)
                        if quotas[t] < rows)
    left = min(size, total) - sum(quotas.values())
    for _, negative_table in reversed(remainders):
        if left <= 0:
            break
        quotas[-negative_table] += 1
        left -= 1
    chosen: list[tuple[int, Location, dict[str, Any]]] = []
    for table, candidates in by_table.items():
        best = heapq.nsmallest(quotas.get(table, 0), candidates, key=lambda c: c[0])
        chosen.extend((table, location, raw) for _, location, raw in best)
    return sorted(chosen, key=lambda item: item[1].sort_key())


def _apply_path_ignores(findings: list[Finding], settings: Settings, catalogue: Catalogue) -> list[Finding]:
    if not settings.per_path_ignores:
        return findings
    ignored = [(pattern, {rule.code for s in selectors for rule in catalogue.matching(s)})
               for pattern, selectors in settings.per_path_ignores.items()]
    return [f for f in findings
            if not any(f.code in codes and fnmatch.fnmatch(f.location.path, pattern) for pattern, codes in ignored)]

