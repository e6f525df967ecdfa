"""One streaming pass over a dataset: read each row once, hand it to every active check.

The work is cut into units (file slices). Each unit is read and checked on its own,
in this process or a worker, and returns its findings and the state of each aggregate
check; states merge in unit order, so the result does not depend on `--jobs`. With
`--sample N`, the pass keeps a seeded bottom-N of rows per split (a sketch that merges
like any other state) and only those rows are checked.
"""

from __future__ import annotations

import fnmatch
import hashlib
import heapq
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

from reasonlint.catalogue import Catalogue, RuleSpec
from reasonlint.checks import CheckDef, load_checks
from reasonlint.config import Settings, rule_params, rule_severity, selected_rules
from reasonlint.findings import Finding, Hit, Location, Severity, content_hash, fingerprint
from reasonlint.source.card import read_card
from reasonlint.source.formats import format_of
from reasonlint.source.layout import Layout, discover_layout, single_file_layout
from reasonlint.source.mapping import ColumnMapping, Record, detect_mapping, records_of
from reasonlint.source.readers import DataFileError, FileSlice, RawRow, ReadProblem, plan_slices, read_slice
from reasonlint.source.target import Target
from reasonlint.summary import DatasetSummary, RunReport, TableSummary

_MAPPING_SAMPLE_ROWS = 200
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

    @classmethod
    def of(cls, rules: tuple[ActiveRule, ...], mappings: tuple[ColumnMapping, ...], sample: int | None,
           seed: int) -> RowContext:
        def kind(name: str) -> tuple[ActiveRule, ...]:
            return tuple(rule for rule in rules if rule.check.kind == name)
        return cls(rules, mappings, sample, seed, kind("read"), kind("row"), kind("aggregate"))


def active_rules(catalogue: Catalogue, settings: Settings) -> tuple[ActiveRule, ...]:
    checks = load_checks()
    rules = []
    for spec in selected_rules(catalogue, settings):
        check = checks.get(spec.check)
        if check is None:
            raise LookupError(f"rule {spec.code} names check {spec.check!r}, which is not registered")
        rules.append(ActiveRule(spec, check, rule_severity(spec, settings), rule_params(spec, settings)))
    return tuple(rules)


def run(target: Target, catalogue: Catalogue, settings: Settings,
        progress: Callable[[int], ProgressCallback] | None = None) -> RunReport:
    """Check `target`; `progress(total_bytes)` returns a callback advanced with bytes read."""
    started = time.perf_counter()
    rules = active_rules(catalogue, settings)
    card = read_card(target.root) if target.kind != "file" else None
    layout = single_file_layout(target.file) if target.file else discover_layout(target.root, card)
    mappings = tuple(_table_mapping(table.files, settings) for table in layout.tables)
    context = RowContext.of(rules, mappings, settings.sample, settings.seed)

    total_bytes = sum(_size(path) for table in layout.tables for path in table.files)
    jobs = settings.jobs or os.cpu_count() or 1
    parallel = jobs > 1 and settings.max_rows is None and total_bytes >= _PARALLEL_MIN_BYTES
    advance = progress(total_bytes) if progress else None
    if parallel:
        chunk = max(4 * 1024 * 1024, min(64 * 1024 * 1024, total_bytes // (jobs * 4)))
        units, results = _run_in_workers(_plan_units(target.root, layout, chunk), context, jobs, advance)
    else:
        units, results = _run_serially(_plan_units(target.root, layout, None), context, settings.max_rows, advance)
    rows_per_table = [0] * len(layout.tables)
    for unit, result in zip(units, results, strict=True):
        rows_per_table[unit.table] += result.rows
    complete = settings.max_rows is None or sum(rows_per_table) < settings.max_rows

    findings = [finding for result in results for finding in result.findings]
    states = _merge_states(rules, (result.states for result in results))
    rows_checked = sum(rows_per_table)
    if settings.sample is not None:
        chosen = _choose_sample(results, units, rows_per_table, settings.sample)
        sampled = UnitResult()
        for table, location, raw in chosen:
            _check_row(context, mappings[table], raw, partial(_same, location), sampled)
        findings.extend(sampled.findings)
        states = _merge_states(rules, [sampled.states])
        rows_checked = len(chosen)

    tables = tuple(
        TableSummary(table.config, table.split, tuple(_relative(target.root, f) for f in table.files),
                     rows_per_table[index], mappings[index])
        for index, table in enumerate(layout.tables)
    )
    summary = DatasetSummary(target.id, target.kind, card, tables, layout.problems, complete,
                             None if target.kind == "file" else _repository_files(target.root))
    findings.extend(_finish_dataset_rules(rules, states, summary))
    findings = _apply_path_ignores(findings, settings, catalogue)
    return RunReport(
        target=target, tables=tables, rules=tuple(rule.spec for rule in rules),
        findings=tuple(sorted(findings, key=Finding.sort_key)),
        errors=tuple(error for result in results for error in result.errors),
        rows_read=sum(rows_per_table), rows_checked=rows_checked, complete=complete,
        sample=settings.sample, seed=settings.seed, elapsed_seconds=time.perf_counter() - started,
    )


def _relative(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.name


def _plan_units(root: Path, layout: Layout, chunk: int | None) -> Iterator[Unit]:
    """Units of work in a fixed order: whole files when `chunk` is None (a serial run needs
    no cutting), else slices of about `chunk` bytes."""
    for index, table in enumerate(layout.tables):
        for path in table.files:
            fmt = format_of(path)
            if fmt is None:
                continue
            relative = _relative(root, path)
            parts: Iterable[FileSlice]
            if chunk is None:
                parts = [FileSlice(path, fmt, size=_size(path))]
            else:
                try:
                    parts = list(plan_slices(path, fmt, chunk)) if fmt != "jsonl" else plan_slices(path, fmt, chunk)
                except OSError:
                    parts = [FileSlice(path, fmt)]  # the read reports it
            for part in parts:
                yield Unit(index, part, relative, table.split, table.config, part.size)


def _repository_files(root: Path) -> tuple[str, ...]:
    return tuple(sorted(path.relative_to(root).as_posix() for path in root.rglob("*")
                        if path.is_file() and ".git" not in path.relative_to(root).parts))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _table_mapping(files: Iterable[Path], settings: Settings) -> ColumnMapping:
    """Detect the mapping from the first rows of the table's first readable file."""
    sample: list[dict[str, Any]] = []
    for path in files:
        fmt = format_of(path)
        if fmt is None:
            continue
        try:
            for event in read_slice(FileSlice(path, fmt)):
                if isinstance(event, RawRow):
                    sample.append(event.raw)
                    if len(sample) >= _MAPPING_SAMPLE_ROWS:
                        break
        except DataFileError:
            continue
        if sample:
            break
    return detect_mapping(sample, {str(role): column for role, column in settings.columns.items()})


def _run_serially(units: Iterable[Unit], context: RowContext, max_rows: int | None,
                  advance: ProgressCallback | None) -> tuple[list[Unit], list[UnitResult]]:
    done: list[Unit] = []
    results: list[UnitResult] = []
    remaining = max_rows
    for unit in units:
        if remaining is not None and remaining <= 0:
            break
        results.append(_run_unit(context, unit, remaining))
        done.append(unit)
        if remaining is not None:
            remaining -= results[-1].rows
        if advance:
            advance(unit.size)
    return done, results


def _run_in_workers(units: Iterable[Unit], context: RowContext, jobs: int,
                    advance: ProgressCallback | None) -> tuple[list[Unit], list[UnitResult]]:
    """Each unit is submitted as soon as it is planned, so workers start while the rest of
    a large file is still being cut; results are taken in unit order."""
    spawn = multiprocessing.get_context("spawn")  # no fork: pyarrow's threads do not survive it
    with ProcessPoolExecutor(max_workers=jobs, mp_context=spawn,
                             initializer=_init_worker, initargs=(context,)) as pool:
        submitted = [(unit, pool.submit(_run_unit_in_worker, unit)) for unit in units]
        results = []
        for unit, future in submitted:
            results.append(future.result())
            if advance:
                advance(unit.size)
    return [unit for unit, _ in submitted], results


_WORKER_CONTEXT: RowContext | None = None


def _init_worker(context: RowContext) -> None:
    global _WORKER_CONTEXT
    load_checks()
    _WORKER_CONTEXT = context


def _run_unit_in_worker(unit: Unit) -> UnitResult:
    assert _WORKER_CONTEXT is not None
    return _run_unit(_WORKER_CONTEXT, unit, None)


def _run_unit(context: RowContext, unit: Unit, max_rows: int | None) -> UnitResult:
    result = UnitResult()
    mapping = context.mappings[unit.table]
    base = Location(unit.path, split=unit.split, config=unit.config)
    try:
        for event in read_slice(unit.part):
            if isinstance(event, ReadProblem):
                _check_problem(context, event, base, result)
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


def _aggregate_add(result: UnitResult, rule: ActiveRule, record: Record, location: Location) -> None:
    check = _aggregate(rule)
    state = result.states.get(rule.spec.code)
    if state is None:
        state = result.states[rule.spec.code] = check.start()
    check.add(state, record, location)


_AGGREGATES: dict[int, tuple[ActiveRule, Any]] = {}


def _aggregate(rule: ActiveRule) -> Any:
    """One aggregate instance per active rule and process: it holds the rule's parameters,
    never data. Looked up per row, so by identity; the rule is kept beside it, so a new rule
    that reuses a freed id is never given another rule's instance."""
    cached = _AGGREGATES.get(id(rule))
    if cached is None or cached[0] is not rule:
        cached = _AGGREGATES[id(rule)] = (rule, rule.check.implementation(**rule.params))
    return cached[1]


def _merge_states(rules: tuple[ActiveRule, ...], states: Iterable[dict[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for unit_states in states:
        for rule in rules:
            state = unit_states.get(rule.spec.code)
            if state is None:
                continue
            code = rule.spec.code
            merged[code] = state if code not in merged else _aggregate(rule).merge(merged[code], state)
    return merged


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

