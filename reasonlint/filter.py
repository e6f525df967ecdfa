"""`reasonlint filter`: a cleaned copy of a dataset, with a record of every row removed and why.

The check runs once, as `check` runs it (suppressions and the baseline hold their rows back);
its row findings of the rules `[filter] drop` selects, at `drop-level` or above, mark rows to
remove. Duplicate rules report a cluster once, at its first member, so the filter applies the
two whose clusters it can resolve itself, with the rules' own keys: DUP001 keeps the first copy
of each exact duplicate row in file order, and DUP007 removes from the training split a prompt
that an evaluation split of the same config holds (evaluation splits are written first, and
never lose a row to it). One streaming pass then writes each data file again
with the kept rows only: JSONL lines are copied byte for byte, Parquet and Arrow keep their
schema and metadata, CSV its dialect, JSON its shape; every other file is copied as it is,
except links that leave the dataset, which are never followed. The destination is built in
a temporary folder beside it and renamed into place, so an interrupted run leaves none.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

from reasonlint import __version__
from reasonlint.catalogue import Catalogue, builtin_catalogue
from reasonlint.checks.dedup import row_key
from reasonlint.config import FilterSettings, Settings
from reasonlint.engine import UnitResult, conclude, plan
from reasonlint.findings import Finding
from reasonlint.fix import fix_card
from reasonlint.source.card import CARD_NAME
from reasonlint.source.containment import refusal
from reasonlint.source.formats import format_of
from reasonlint.source.mapping import ColumnMapping, records_of
from reasonlint.source.readers import BOM, is_columnar
from reasonlint.source.target import resolve_target
from reasonlint.summary import RunReport, TableSummary
from reasonlint.text.normalise import key_of

# In a hidden folder: the `datasets` file patterns (and so the Hub's viewer) skip it, so the
# record never becomes rows of a split.
RECORD_NAME = ".reasonlint/removed.jsonl"
_SKIPPED_FOLDERS = {".git", ".reasonlint", ".reasonlint_cache", "__pycache__"}
_ID_COLUMNS = ("id", "uid", "uuid", "idx", "example_id", "question_id", "problem_id", "task_id", "pid")
_DUPLICATES, _SPLIT_LEAKS, _TRAIN = "DUP001", "DUP007", "train"
_SECTION = "## Rows removed by reasonlint"


class FilterError(Exception):
    """The filter cannot run (a destination inside the source, one that exists): exit 2."""


@dataclass(slots=True)
class Removal:
    """Why one row goes: the rules and their messages."""

    codes: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)

    def add(self, code: str, message: str) -> None:
        if (code, message) not in zip(self.codes, self.messages, strict=True):
            self.codes.append(code)
            self.messages.append(message)


@dataclass(slots=True)
class FilterResult:
    destination: Path
    rows_read: int = 0
    rows_kept: int = 0
    by_rule: Counter[str] = field(default_factory=Counter)
    dropped_codes: tuple[str, ...] = ()


def drop_codes(catalogue: Catalogue, settings: FilterSettings) -> tuple[str, ...]:
    """The rule codes whose findings remove rows, from `drop`'s selectors. Of the duplicate
    rules only DUP001 and DUP007 apply (see the module's docstring): the others name a cluster
    by its first member, which is no row to remove."""
    codes: set[str] = set()
    for selector in settings.drop:
        matched = catalogue.matching(selector)
        if not matched:
            raise FilterError(f"filter.drop: {selector!r} matches no rule code, prefix, name or family")
        usable = [rule.code for rule in matched if rule.family != "dedup" or rule.code in (_DUPLICATES, _SPLIT_LEAKS)]
        if not usable:
            raise FilterError(f"filter.drop: {selector!r} reports clusters of duplicates at their first member; "
                              f"filter removes {_DUPLICATES} (exact duplicate rows, the first kept) and "
                              f"{_SPLIT_LEAKS} (prompts an evaluation split holds, from train)")
        codes.update(usable)
    return tuple(sorted(codes))


def check_destination(source: Path, destination: Path) -> None:
    """Refuse a destination that is the source, lies inside it, or already exists."""
    source, target = source.resolve(), destination.resolve()
    if target == source or source in target.parents:
        raise FilterError(f"{destination} is inside the dataset {source}: the source is never written to")
    if destination.exists():
        raise FilterError(f"{destination} exists: name a new folder (reasonlint never overwrites one)")


def removals(report: RunReport, codes: tuple[str, ...], settings: FilterSettings) -> dict[str, dict[int, Removal]]:
    """Per data file, the rows (JSONL line, or row index) the selected findings remove."""
    wanted = set(codes) - {_DUPLICATES, _SPLIT_LEAKS}
    found: dict[str, dict[int, Removal]] = {}
    for finding in report.findings:
        if finding.code not in wanted or finding.severity.rank < settings.drop_level.rank:
            continue
        where = _row_of(finding)
        if where is not None:
            found.setdefault(finding.location.path, {}).setdefault(where, Removal()).add(finding.code, finding.message)
    return found


def _row_of(finding: Finding) -> int | None:
    location = finding.location
    return location.line if location.line is not None else location.row


def write_filtered(report: RunReport, catalogue: Catalogue, settings: FilterSettings,
                   destination: Path) -> FilterResult:
    """Write the cleaned copy of the checked dataset to `destination` (a new folder)."""
    target = report.target
    source = target.root
    codes = drop_codes(catalogue, settings)
    check_destination(source, destination)
    marked = removals(report, codes, settings)
    # Evaluation splits first: a row in train and test keeps its test copy (DUP001 keeps the
    # first copy it sees), so the training split is the one that loses it.
    tables = sorted(report.tables, key=lambda table: table.split == _TRAIN)
    data_files = [path for table in tables for path in table.files]
    result = FilterResult(destination, dropped_codes=codes)
    verdicts = _Verdicts(marked, codes)
    rows_by_file: dict[str, int] = {}
    destination.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{destination.name}.partial-", dir=destination.parent))
    umask = os.umask(0)
    os.umask(umask)
    building.chmod(0o777 & ~umask)  # mkdtemp's 0700 would make the copy private
    try:
        if target.file is None:  # a folder or a Hub snapshot: everything else is copied too
            _copy_tree(source, building, target.boundary, skip=set(data_files))
        (building / RECORD_NAME).parent.mkdir(parents=True, exist_ok=True)
        with (building / RECORD_NAME).open("w", encoding="utf-8") as record:
            for table in tables:
                for relative in table.files:
                    rows = _FileFilter(source / relative, building / relative, verdicts.of(table, relative))
                    for where, removal, identifier in rows.run():
                        result.by_rule.update(set(removal.codes))  # rows per rule
                        entry = {"file": relative, ("line" if rows.by_line else "row"): where, "id": identifier,
                                 "codes": removal.codes, "messages": removal.messages}
                        record.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")
                    result.rows_read += rows.read
                    result.rows_kept += rows.kept
                    rows_by_file[relative] = rows.kept
        _fix_card(building, rows_by_file)
        _note_in_card(building / CARD_NAME, result, settings)
        os.replace(building, destination)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return result


def _copy_tree(source: Path, destination: Path, boundary: Path, skip: set[str]) -> None:
    """Copy every regular file that stays inside the dataset, but the data files (written
    filtered) and caches; links are copied as the files they lead to inside the dataset."""
    for folder, folders, files in os.walk(source):
        folders[:] = sorted(name for name in folders if name not in _SKIPPED_FOLDERS)
        for name in sorted(files):
            path = Path(folder) / name
            relative = path.relative_to(source).as_posix()
            if relative in skip or refusal(path, boundary) is not None:
                continue
            (destination / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination / relative)


Verdict = Callable[[int, Any], Removal | None]


class _Verdicts:
    """Why a row goes, or None to keep it: the findings' marks, then DUP001 (a row seen before
    in this run), then DUP007 (a training row whose prompt a kept evaluation row of the same
    config has). Kept rows are remembered, so later copies and leaks are found."""

    def __init__(self, marked: dict[str, dict[int, Removal]], codes: tuple[str, ...]) -> None:
        self.marked = marked
        self.dedupe, self.leaks = _DUPLICATES in codes, _SPLIT_LEAKS in codes
        self.seen: set[int] = set()
        self.held_out: dict[str, dict[int, str]] = {}  # per config: prompt key -> its evaluation split

    def of(self, table: TableSummary, relative: str) -> Verdict:
        marked = self.marked.get(relative, {})
        mapping = table.mapping if self.leaks and table.mapping is not None and table.mapping.has_prompt else None
        held_out = self.held_out.setdefault(table.config, {})
        training = table.split == _TRAIN

        def verdict(where: int, raw: Any) -> Removal | None:
            removal = marked.get(where)
            if removal is not None:
                return removal
            key = row_key(raw) if self.dedupe else None
            if key is not None and key in self.seen:
                return Removal([_DUPLICATES], ["exact duplicate of an earlier row"])
            prompt = _prompt_key(raw, mapping)
            if training and prompt is not None and prompt in held_out:
                return Removal([_SPLIT_LEAKS], [f"prompt also in split '{held_out[prompt]}'"])
            if key is not None:
                self.seen.add(key)
            if prompt is not None and not training:
                held_out.setdefault(prompt, table.split)
            return None

        return verdict


def _prompt_key(raw: Any, mapping: ColumnMapping | None) -> int | None:
    """The folded prompt's key, as DUP007 computes it; None without a prompt."""
    if mapping is None or not isinstance(raw, dict):
        return None
    records = records_of(raw, mapping)
    prompt = records[0].prompt if records else None
    return key_of(prompt) if prompt and prompt.strip() else None


class _FileFilter:
    """One data file written again with its kept rows, in its own format."""

    def __init__(self, source: Path, destination: Path, verdict: Verdict) -> None:
        self.source, self.destination, self.verdict = source, destination, verdict
        self.read = self.kept = 0
        self.format = format_of(source)
        self.by_line = self.format == "jsonl"

    def run(self) -> Iterator[tuple[int, Removal, Any]]:
        """Write the file; yield (line or row, why, id) for every row removed."""
        self.destination.parent.mkdir(parents=True, exist_ok=True)
        writer = {"jsonl": self._jsonl, "parquet": self._parquet, "arrow": self._arrow, "csv": self._csv,
                  "json": self._json}.get(self.format or "")
        if writer is None:
            shutil.copyfile(self.source, self.destination)
            return
        yield from writer()

    def _verdict(self, where: int, raw: Any) -> Removal | None:
        self.read += 1
        removal = self.verdict(where, raw)
        if removal is None:
            self.kept += 1
        return removal

    def _jsonl(self) -> Iterator[tuple[int, Removal, Any]]:
        with self.source.open("rb") as source, self.destination.open("wb") as out:
            for number, line in enumerate(source, start=1):
                if not line.strip():
                    out.write(line)
                    continue
                try:
                    raw = json.loads(line.removeprefix(BOM) if number == 1 else line)
                except ValueError:
                    raw = line  # a malformed line: kept unless a finding marks it
                removal = self._verdict(number, raw)
                if removal is None:
                    out.write(line)
                else:
                    yield number, removal, _identifier(raw)

    def _parquet(self) -> Iterator[tuple[int, Removal, Any]]:
        parquet = pq.ParquetFile(self.source)
        schema = parquet.schema_arrow
        with pq.ParquetWriter(self.destination, schema) as writer:
            index = 0
            for batch in parquet.iter_batches(batch_size=4096):
                keep, gone = self._batch(batch, index)
                index += batch.num_rows
                yield from gone
                writer.write_table(pa.Table.from_batches([batch.filter(pa.array(keep))], schema=schema))

    def _arrow(self) -> Iterator[tuple[int, Removal, Any]]:
        """An IPC file or stream (`datasets` writes streams), memory-mapped, a batch at a time."""
        with pa.memory_map(str(self.source)) as source:
            try:
                reader: Any = ipc.open_file(source)
                batches: Iterator[pa.RecordBatch] = (reader.get_batch(i) for i in range(reader.num_record_batches))
                new_writer: Any = ipc.new_file
            except pa.ArrowInvalid:
                source.seek(0)
                reader = ipc.open_stream(source)
                batches, new_writer = iter(reader), ipc.new_stream
            with self.destination.open("wb") as out, new_writer(out, reader.schema) as writer:
                index = 0
                for batch in batches:
                    keep, gone = self._batch(batch, index)
                    index += batch.num_rows
                    yield from gone
                    writer.write_batch(batch.filter(pa.array(keep)))

    def _batch(self, batch: pa.RecordBatch, first: int) -> tuple[list[bool], list[tuple[int, Removal, Any]]]:
        keep: list[bool] = []
        gone: list[tuple[int, Removal, Any]] = []
        for offset, raw in enumerate(batch.to_pylist()):
            removal = self._verdict(first + offset, raw)
            keep.append(removal is None)
            if removal is not None:
                gone.append((first + offset, removal, _identifier(raw)))
        return keep, gone

    def _csv(self) -> Iterator[tuple[int, Removal, Any]]:
        """Kept records are copied as the source lines they span (quoting, delimiter and line
        ends as they were); Python's csv module only finds where each record ends. Records are
        parsed and numbered as the check's reader does (pyarrow's defaults: commas, double
        quotes; a record of another width than the header is skipped there, so it has no row
        number and is copied as it is)."""
        with self.source.open(encoding="utf-8", newline="") as handle:
            text = handle.read()
        lines = io.StringIO(text).readlines()  # split where the reader splits: on "\n" only
        rows = csv.reader(io.StringIO(text.removeprefix("\ufeff")), csv.excel)
        header = next(rows, None)
        with self.destination.open("w", encoding="utf-8", newline="") as out:
            if header is None:
                return
            out.writelines(lines[: rows.line_num])
            start, index = rows.line_num, 0
            for values in rows:
                removal = None
                if len(values) == len(header):
                    raw = dict(zip(header, values, strict=True))
                    removal = self._verdict(index, raw)
                    if removal is not None:
                        yield index, removal, _identifier(raw)
                    index += 1
                if removal is None:
                    out.writelines(lines[start: rows.line_num])
                start = rows.line_num

    def _json(self) -> Iterator[tuple[int, Removal, Any]]:
        """The three shapes the reader takes: an array of rows, rows keyed by id, equal-length
        columns; JSON Lines in a .json file as JSONL. Anything else (an LFS pointer, settings)
        holds no rows and is copied as it is."""
        try:
            value = json.loads(self.source.read_bytes().removeprefix(BOM))
        except json.JSONDecodeError as error:
            if error.msg == "Extra data":
                self.by_line = True
                yield from self._jsonl()
                return
            value = None
        except (ValueError, RecursionError):
            value = None
        kept: Any
        if isinstance(value, list):
            kept = []
            for index, raw in enumerate(value):
                removal = self._verdict(index, raw)
                if removal is None:
                    kept.append(raw)
                else:
                    yield index, removal, _identifier(raw)
        elif isinstance(value, dict) and is_columnar(value):
            names = list(value)
            keep: list[int] = []
            for index in range(len(value[names[0]]) if names else 0):
                raw = {name: value[name][index] for name in names}
                removal = self._verdict(index, raw)
                if removal is None:
                    keep.append(index)
                else:
                    yield index, removal, _identifier(raw)
            kept = {name: [value[name][index] for index in keep] for name in names}
        elif isinstance(value, dict) and value and all(isinstance(item, dict) for item in value.values()):
            kept = {}
            for index, (key, raw) in enumerate(value.items()):
                removal = self._verdict(index, raw)
                if removal is None:
                    kept[key] = raw
                else:
                    yield index, removal, key
        else:
            shutil.copyfile(self.source, self.destination)
            return
        self.destination.write_text(json.dumps(kept, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _fix_card(folder: Path, rows_by_file: dict[str, int]) -> None:
    """The card fixes `check --fix` makes, on the copy: `size_categories` then says the new
    row count. The card rules read only the summary, so the copy is planned and concluded with
    the row counts the write pass kept, never read again."""
    if not (folder / CARD_NAME).is_file():
        return
    planned = plan(resolve_target(str(folder)), builtin_catalogue(),
                   Settings(select=["card", "metadata", "license"], cache=False, jobs=1))
    units = list(planned.files)
    counted = [UnitResult(rows=rows_by_file.get(unit.path, 0)) for unit in units]
    fix_card(folder, conclude(planned, units, counted, time.perf_counter()).findings, CARD_NAME, write=True)


def _identifier(raw: Any) -> Any:
    if isinstance(raw, dict):
        for name in _ID_COLUMNS:
            if raw.get(name) is not None:
                return raw[name]
    return None


def _note_in_card(card: Path, result: FilterResult, settings: FilterSettings) -> None:
    """Append what was removed to the copy's card (never the source's)."""
    if not card.is_file():
        return
    removed = result.rows_read - result.rows_kept
    lines = [f"\n{_SECTION}\n",
             f"\nThis copy was written by `reasonlint filter` (reasonlint {__version__}): {removed:,} of "
             f"{result.rows_read:,} rows removed, {result.rows_kept:,} kept. Rows with a finding of "
             f"{', '.join(settings.drop)} at level {settings.drop_level.value} or above were removed; "
             f"exact duplicate rows kept their first copy, and prompts an evaluation split holds left the "
             f"training split. Each removed row is listed in `{RECORD_NAME}`.\n"]
    if result.by_rule:
        lines.append("\n| rule | rows removed |\n| --- | --- |\n")
        lines.extend(f"| {code} | {count:,} |\n" for code, count in sorted(result.by_rule.items()))
    with card.open("a", encoding="utf-8") as handle:
        handle.write("".join(lines))
