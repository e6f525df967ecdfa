"""Stream rows out of data files, with locations, never stopping at a bad record.

Every reader yields `RawRow`s and `ReadProblem`s. A malformed JSONL line or CSV row is a
problem at its line and the rest of the file is still read; a file that cannot be parsed
at all is one problem. Large files are read in `FileSlice`s (byte ranges of JSONL, row-group
ranges of Parquet) so that one file can be shared between worker processes.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import orjson
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from reasonlint.findings import excerpt_of

LFS_POINTER_PREFIX = b"version https://git-lfs"
BOM = b"\xef\xbb\xbf"
_BATCH_ROWS = 1024
_CHUNK_BYTES = 32 * 1024 * 1024
_INT64_LIMIT = float(2**63)
# Deeper rows are refused at read time, so that no check, cache or report walks a value nested
# past what Python's recursion (and JSON encoders) can take; real rows nest a few levels.
MAX_DEPTH = 100
_TOO_DEEP = f"values nested more than {MAX_DEPTH} levels deep; not read"

ProblemKind = Literal["malformed-record", "unparseable-file", "lfs-pointer", "keyed-records", "not-rows"]
# A JSON object with at most this many keys, nearly all plain values, is a statistics or
# settings file (`trace_stats.json`), not a data file that failed to parse.
_SETTINGS_MAX_KEYS = 64


@dataclass(frozen=True, slots=True)
class RawRow:
    raw: dict[str, Any]
    line: int | None
    row: int | None


@dataclass(frozen=True, slots=True)
class ReadProblem:
    kind: ProblemKind
    line: int | None
    row: int | None
    detail: str
    excerpt: str | None = None


@dataclass(frozen=True, slots=True)
class SkippedRows:
    """Rows counted but not read: those a slice's `lines` leaves out (`--since`)."""

    count: int


@dataclass(frozen=True, slots=True)
class FileSlice:
    """A part of one data file: a byte range of JSONL (starting at `first_line`) or a range of
    Parquet row groups (starting at row `first_row`); `None` bounds mean the whole file.
    `size` is its share of the file in bytes, for progress. `lines`, when set, are the only
    lines to read (JSONL); every other row is counted, never parsed, and for other formats an
    empty set means count the rows only."""

    path: Path
    format: str
    start: int | None = None
    stop: int | None = None
    first_line: int = 1
    first_row: int = 0
    size: int = 0
    lines: frozenset[int] | None = None


class DataFileError(OSError):
    """The operating system could not read a data file (missing, permission): not a data defect."""


def lfs_pointer_size(path: Path) -> int | None:
    """The object size if the file is a Git-LFS pointer instead of data, else None."""
    try:
        with path.open("rb") as handle:
            head = handle.read(512)
    except OSError as error:
        raise DataFileError(error.strerror or str(error)) from error
    if not head.startswith(LFS_POINTER_PREFIX):
        return None
    for line in head.decode("ascii", "replace").splitlines():
        if line.startswith("size "):
            return int(line[5:].strip()) if line[5:].strip().isdigit() else 0
    return 0


def plan_slices(path: Path, fmt: str, chunk_bytes: int = _CHUNK_BYTES) -> Iterator[FileSlice]:
    """Cut a file into slices that can be read independently and in any process. Slices are
    yielded as they are found, so the first can be read while the rest are still planned."""
    size = path.stat().st_size
    if fmt == "jsonl" and size > chunk_bytes:
        yield from _jsonl_slices(path, size, chunk_bytes)
    elif fmt == "parquet":
        yield from _parquet_slices(path, size, chunk_bytes)
    else:
        yield FileSlice(path, fmt, size=size)


def _jsonl_slices(path: Path, size: int, chunk_bytes: int) -> Iterator[FileSlice]:
    """Byte ranges ending at line boundaries; counting the newlines of each gives the next
    slice's first line number."""
    start, line = 0, 1
    with path.open("rb") as handle:
        while start < size:
            handle.seek(min(start + chunk_bytes, size))
            if handle.tell() < size:
                handle.readline()  # move to the next line boundary
            stop = handle.tell()
            yield FileSlice(path, "jsonl", start, stop, first_line=line, size=stop - start)
            handle.seek(start)
            line += _count_newlines(handle, stop - start)
            start = stop


def _count_newlines(handle: Any, length: int) -> int:
    count, remaining = 0, length
    while remaining > 0:
        block = handle.read(min(remaining, 8 * 1024 * 1024))
        if not block:
            break
        count += block.count(b"\n")
        remaining -= len(block)
    return count


def _parquet_slices(path: Path, size: int, chunk_bytes: int) -> list[FileSlice]:
    try:
        metadata = pq.ParquetFile(path).metadata
    except (pa.ArrowException, OSError):
        return [FileSlice(path, "parquet", size=size)]  # the reader reports the problem
    total_rows = max(1, metadata.num_rows)
    slices, group, first_row = [], 0, 0
    while group < metadata.num_row_groups:
        stop, group_bytes, rows = group, 0, 0
        while stop < metadata.num_row_groups and (stop == group or group_bytes < chunk_bytes):
            group_bytes += metadata.row_group(stop).total_byte_size
            rows += metadata.row_group(stop).num_rows
            stop += 1
        share = size * rows // total_rows
        slices.append(FileSlice(path, "parquet", group, stop, first_row=first_row, size=share))
        group, first_row = stop, first_row + rows
    return slices or [FileSlice(path, "parquet", size=size)]


def spread_sample(path: Path, fmt: str, count: int, places: int = 8) -> list[dict[str, Any]]:
    """About `count` rows from `places` points spread over the file, for inferring its columns'
    roles without reading it all: JSONL by seeking to byte offsets (a partial line skipped),
    Parquet from evenly spaced row groups, other formats from the start (they are parsed whole
    by their readers anyway). Unreadable records are left out; I/O failures raise DataFileError."""
    quota = max(1, -(-count // places))
    try:
        if lfs_pointer_size(path) is not None:
            return []
        if fmt == "jsonl":
            return _jsonl_spread(path, quota, places)
        if fmt == "parquet":
            try:
                # A buffered stream reads a row group's pages as they are decoded, not its whole column chunks.
                parquet = pq.ParquetFile(path, buffer_size=256 * 1024, pre_buffer=False)
                groups = sorted({parquet.num_row_groups * i // places for i in range(places)})
                rows: list[dict[str, Any]] = []
                for group in groups if parquet.num_row_groups else []:
                    batch = next(parquet.iter_batches(batch_size=quota, row_groups=[group]), None)
                    rows.extend(batch.to_pylist() if batch is not None else [])
                return rows
            except pa.ArrowException:
                return []
    except OSError as error:
        if isinstance(error, DataFileError):
            raise
        raise DataFileError(error.strerror or str(error)) from error
    rows = []
    for event in read_slice(FileSlice(path, fmt)):
        if isinstance(event, RawRow):
            rows.append(event.raw)
            if len(rows) >= count:
                break
    return rows


def _jsonl_spread(path: Path, quota: int, places: int) -> list[dict[str, Any]]:
    """Up to `quota` rows from each of `places` byte ranges, a range's rows being the lines
    that start inside it (so no row is taken twice, however small the file)."""
    size = path.stat().st_size
    starts = sorted({size * i // places for i in range(places)})
    rows: list[dict[str, Any]] = []
    with path.open("rb") as handle:
        for start, stop in zip(starts, [*starts[1:], size], strict=True):
            handle.seek(start)
            if start:
                handle.readline()  # the rest of a line that began before this range
            taken = 0
            while taken < quota and handle.tell() < stop:
                line = handle.readline()
                if not line:
                    break
                event = _parse_json_line(line.removeprefix(BOM), 0) if line.strip() else None
                if isinstance(event, RawRow):
                    rows.append(event.raw)
                    taken += 1
    return rows


def read_slice(part: FileSlice) -> Iterator[RawRow | ReadProblem | SkippedRows]:
    """Yield the rows and problems of one slice, and `SkippedRows` only when `part.lines` is
    set; raises DataFileError only for I/O failures."""
    try:
        pointer = lfs_pointer_size(part.path) if part.start in (None, 0) else None
        if pointer is not None:
            yield ReadProblem("lfs-pointer", None, None, f"a Git-LFS pointer to a {pointer:,}-byte object")
            return
        if part.lines is None:
            yield from _READERS[part.format](part)
        elif part.format == "jsonl":
            yield from _read_jsonl_lines(part, part.lines)
        else:
            yield SkippedRows(_count_rows(part))
    except OSError as error:
        if isinstance(error, DataFileError):
            raise
        raise DataFileError(error.strerror or str(error)) from error


def _jsonl_lines(part: FileSlice) -> Iterator[tuple[int, bytes]]:
    """The numbered lines of a JSONL slice (a BOM on line 1 removed), blank ones included."""
    with part.path.open("rb") as handle:
        position = part.start or 0
        handle.seek(position)
        line_number = part.first_line
        for line in handle:
            if part.stop is not None and position >= part.stop:
                break
            position += len(line)
            if line_number == 1 and line.startswith(BOM):
                line = line[len(BOM):]
            yield line_number, line
            line_number += 1


def _read_jsonl(part: FileSlice) -> Iterator[RawRow | ReadProblem]:
    for line_number, line in _jsonl_lines(part):
        if line.strip():
            yield _parse_json_line(line, line_number)


def _read_jsonl_lines(part: FileSlice, wanted: frozenset[int]) -> Iterator[RawRow | ReadProblem | SkippedRows]:
    """Parse only the `wanted` lines; count the others. A line is counted as a row without
    parsing when it looks like an object (`{...}`); anything else is parsed, so that a blank,
    truncated or non-object line is not counted, as a full read would not count it."""
    skipped = 0
    for line_number, line in _jsonl_lines(part):
        if line_number in wanted:
            if skipped:
                yield SkippedRows(skipped)
                skipped = 0
            if line.strip():
                yield _parse_json_line(line, line_number)
        else:
            skipped += _counts_as_row(line)
    if skipped:
        yield SkippedRows(skipped)


def _counts_as_row(line: bytes) -> bool:
    stripped = line.strip()
    if not stripped:
        return False
    if stripped[:1] == b"{" and stripped[-1:] == b"}":
        return True
    return isinstance(_parse_json_line(line, 0), RawRow)


def _count_rows(part: FileSlice) -> int:
    """The rows of a slice, read as cheaply as its format allows (Parquet: from the metadata)."""
    try:
        if part.format == "parquet":
            metadata = pq.ParquetFile(part.path).metadata
            groups = range(metadata.num_row_groups) if part.start is None else range(part.start, part.stop or 0)
            return sum(metadata.row_group(group).num_rows for group in groups)
        if part.format == "csv":
            reader = pa_csv.open_csv(part.path, parse_options=pa_csv.ParseOptions(
                newlines_in_values=True, invalid_row_handler=lambda row: "skip"))
            return sum(batch.num_rows for batch in reader)
    except pa.ArrowException:
        return 0  # a file that cannot be read has no rows, as in a full read
    return sum(isinstance(event, RawRow) for event in _READERS[part.format](part))


def _parse_json_line(line: bytes, line_number: int) -> RawRow | ReadProblem:
    """orjson parses the common case about twice as fast as `json.loads`. What it refuses (NaN,
    lone surrogates, real errors) or turns into a float (integers past 64 bits) goes to
    `json.loads`, whose values and error messages are the reference."""
    try:
        value = orjson.loads(line)
        rounded, too_deep = _inspect(value, MAX_DEPTH)
        if rounded:
            raise orjson.JSONDecodeError("integer past 64 bits", "", 0)
    except (orjson.JSONDecodeError, RecursionError):
        text = line.strip()
        try:
            value = json.loads(text)
        except ValueError as error:  # JSONDecodeError and UnicodeDecodeError
            excerpt = excerpt_of(text.decode("utf-8", "replace"))
            return ReadProblem("malformed-record", line_number, None, _json_error_text(error), excerpt)
        except RecursionError:
            return ReadProblem("malformed-record", line_number, None, _TOO_DEEP)
        too_deep = _inspect(value, MAX_DEPTH)[1]
    if too_deep:
        return ReadProblem("malformed-record", line_number, None, _TOO_DEEP)
    if not isinstance(value, dict):
        return ReadProblem("malformed-record", line_number, None, f"a JSON {_json_kind(value)}, not an object")
    return RawRow(value, line_number, None)


def _inspect(value: Any, limit: int) -> tuple[bool, bool]:
    """One walk over a parsed value, without recursion: whether it holds a float at or beyond
    2**63 (orjson's reading of an integer past 64 bits, to be parsed again by `json`), and
    whether its containers nest deeper than `limit`. Only containers are stacked, so a flat
    row costs one pass over its values."""
    rounded = False
    stack = [(value, 1)] if type(value) is dict or type(value) is list else []
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return rounded, True
        for child in item.values() if type(item) is dict else item:
            kind = type(child)
            if kind is dict or kind is list:
                stack.append((child, depth + 1))
            elif kind is float and not rounded and abs(child) >= _INT64_LIMIT:
                rounded = True
    return rounded, False


def _json_error_text(error: ValueError) -> str:
    if isinstance(error, json.JSONDecodeError):
        if error.pos >= len(error.doc):
            return "invalid JSON: the line ends before the value is complete (truncated, or split over lines)"
        # json's "Unterminated string starting at" already ends in "at"
        return f"invalid JSON: {error.msg.removesuffix(' at')} at column {error.colno}"
    if isinstance(error, UnicodeDecodeError):
        return f"not UTF-8: byte 0x{error.object[error.start]:02x} at offset {error.start}"
    return f"invalid JSON: {error}"


def _json_kind(value: Any) -> str:
    return {list: "array", str: "string", bool: "boolean", type(None): "null"}.get(type(value), "number")


def _read_json(part: FileSlice) -> Iterator[RawRow | ReadProblem]:
    """A .json file holds an array of rows, an object of equal-length columns, or JSON Lines
    (the three shapes the `datasets` JSON loader accepts)."""
    data = part.path.read_bytes()
    if data.startswith(BOM):
        data = data[len(BOM):]
    try:
        value = json.loads(data)
    except ValueError as error:
        if isinstance(error, json.JSONDecodeError) and error.msg == "Extra data":
            yield from _read_jsonl(part)
            return
        yield ReadProblem("unparseable-file", getattr(error, "lineno", None), None, _json_error_text(error))
        return
    except RecursionError:
        yield ReadProblem("unparseable-file", None, None, _TOO_DEEP)
        return
    if _inspect(value, MAX_DEPTH + 1)[1]:  # the file's own array or object of rows, then the rows
        yield ReadProblem("unparseable-file", None, None, _TOO_DEEP)
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict):
                yield RawRow(item, None, index)
            else:
                yield ReadProblem("malformed-record", None, index, f"a JSON {_json_kind(item)}, not an object")
    elif isinstance(value, dict) and is_columnar(value):
        columns = list(value)
        for index in range(len(value[columns[0]]) if columns else 0):
            yield RawRow({name: value[name][index] for name in columns}, None, index)
    elif isinstance(value, dict) and len(value) >= 2 and all(isinstance(item, dict) for item in value.values()):
        first = next(iter(value))
        yield ReadProblem("keyed-records", None, None,
                          f"a JSON object of {len(value):,} records keyed by id (first key {first!r})")
        for index, item in enumerate(value.values()):
            yield RawRow(item, None, index)
    elif isinstance(value, dict) and _is_settings(value):
        keys = ", ".join(list(value)[:4]) + (", …" if len(value) > 4 else "")
        yield ReadProblem("not-rows", None, None, f"a JSON object of {len(value)} settings or statistics ({keys})")
    elif isinstance(value, dict):
        yield ReadProblem(
            "unparseable-file", None, None,
            f"a JSON object with {len(value)} keys that is neither a list of rows nor equal-length columns",
        )
    else:
        yield ReadProblem("unparseable-file", None, None, f"a JSON {_json_kind(value)}, not rows")


def _is_settings(value: dict[str, Any]) -> bool:
    """A few keys, nearly all holding numbers, strings or small objects: statistics or settings."""
    if len(value) > _SETTINGS_MAX_KEYS:
        return False
    small = sum(1 for item in value.values() if not isinstance(item, (list, dict)) or len(item) <= 16)
    return small >= 0.9 * len(value)


def is_columnar(value: dict[str, Any]) -> bool:
    lengths = {len(column) if isinstance(column, list) else -1 for column in value.values()}
    return len(lengths) == 1 and -1 not in lengths


def _read_parquet(part: FileSlice) -> Iterator[RawRow | ReadProblem]:
    try:
        parquet = pq.ParquetFile(part.path)
        groups = None if part.start is None else list(range(part.start, part.stop or part.start))
        batches = parquet.iter_batches(batch_size=_BATCH_ROWS, row_groups=groups)
        yield from _rows_of_batches(batches, part.first_row)
    except pa.ArrowException as error:
        yield ReadProblem("unparseable-file", None, None, f"not readable as Parquet: {error}")


def _read_csv(part: FileSlice) -> Iterator[RawRow | ReadProblem]:
    """CSV through pyarrow, values with newlines allowed. Rows with the wrong number of fields
    are skipped and reported; pyarrow cannot number lines then, so they are found again by
    Python's csv module, which only runs when there is such a row."""
    bad_rows: list[Any] = []
    try:
        yield from _rows_of_batches(_csv_batches(part.path, bad_rows), 0)
    except pa.ArrowException as error:
        yield ReadProblem("unparseable-file", None, None, f"not readable as CSV: {error}")
    if bad_rows:
        lines = _csv_lines_with_wrong_width(part.path)
        for index, row in enumerate(bad_rows):
            line = row.number if row.number is not None else (lines[index] if index < len(lines) else None)
            detail = f"{row.actual_columns} fields where the header has {row.expected_columns}"
            yield ReadProblem("malformed-record", line, None, detail, excerpt_of(row.text))


def _csv_batches(path: Path, bad_rows: list[Any]) -> Iterator[pa.RecordBatch]:
    """The CSV's record batches, rows of the wrong width skipped into `bad_rows`. pyarrow
    cannot parse a row larger than its block (a 10 MB cell: "straddling object"), so the block
    grows and the file is read again before it is called unreadable; rows already yielded are
    not yielded twice, and `bad_rows` holds those of the last, complete read."""
    block, done = 4 * 1024 * 1024, 0

    def skip_invalid(row: Any) -> str:
        bad_rows.append(row)
        return "skip"

    while True:
        bad_rows.clear()
        try:
            reader = pa_csv.open_csv(path, read_options=pa_csv.ReadOptions(block_size=block),
                                     parse_options=pa_csv.ParseOptions(newlines_in_values=True,
                                                                       invalid_row_handler=skip_invalid))
            seen = 0
            for batch in reader:
                if seen + batch.num_rows > done:
                    fresh = batch.slice(max(0, done - seen))
                    done = seen + batch.num_rows
                    yield fresh
                seen += batch.num_rows
            return
        except pa.ArrowInvalid as error:
            if "straddling" not in str(error) or block > path.stat().st_size:
                raise
            block *= 4


def _csv_lines_with_wrong_width(path: Path) -> list[int]:
    """The first line of each record whose field count differs from the header's."""
    lines = []
    with path.open(newline="", encoding="utf-8", errors="replace") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        start = reader.line_num + 1
        for record in reader:
            if len(record) != len(header):
                lines.append(start)
            start = reader.line_num + 1
    return lines


def _read_arrow(part: FileSlice) -> Iterator[RawRow | ReadProblem]:
    """`.arrow` files written by `datasets` are IPC streams; plain IPC files are accepted too."""
    try:
        with pa.memory_map(os.fspath(part.path)) as source:
            try:
                reader: Any = pa.ipc.open_stream(source)
                batches = iter(reader)
            except pa.ArrowInvalid:
                source.seek(0)
                file_reader = pa.ipc.open_file(source)
                batches = (file_reader.get_batch(i) for i in range(file_reader.num_record_batches))
            yield from _rows_of_batches(batches, 0)
    except pa.ArrowException as error:
        yield ReadProblem("unparseable-file", None, None, f"not readable as Arrow: {error}")


def _rows_of_batches(batches: Iterator[pa.RecordBatch], first_row: int) -> Iterator[RawRow]:
    row_index = first_row
    for batch in batches:
        for raw in batch.to_pylist():
            yield RawRow(raw, None, row_index)
            row_index += 1


_READERS = {"jsonl": _read_jsonl, "json": _read_json, "parquet": _read_parquet, "csv": _read_csv, "arrow": _read_arrow}
