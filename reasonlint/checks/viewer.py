"""Will the Hub's viewer (and `load_dataset`) load each split, given how its column types vary?

The `datasets` JSON builder infers the features from the first file of a split, where rows
of differing types are stored as `Json` and differing struct key sets too, and then casts
every later file to those features. A later file whose values do not cast (a list where the
first file had strings, a struct with a new key, a column the first file never had, any
value where the first file only had nulls) stops the whole split with a cast error.

The aggregate here keeps, per split, file and column, one inferred type (a small tree of
tuples, unified as rows arrive) and the rows where that type changed; never the rows. The
cast rules mirror datasets 5.2 and are checked against the real loader in the tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from reasonlint.checks import aggregate_check
from reasonlint.findings import Hit, Location
from reasonlint.source.mapping import Record
from reasonlint.summary import DatasetSummary

# An inferred type: ("null",) ("bool",) ("int",) ("float", has_fraction) ("str", all_integer_text)
# ("list", element) ("struct", ((key, type), ...), keys_differ) or ("json",), where `datasets`
# stores mixed values as JSON text.
Type = tuple[Any, ...]
NULL: Type = ("null",)
BOOL: Type = ("bool",)
INT: Type = ("int",)
JSON: Type = ("json",)
_INTEGER_TEXT = re.compile(r"[+-]?\d+")
_INT_START = frozenset("+-0123456789")
_TEXT: Type = ("str", False)
_INT_TEXT: Type = ("str", True)
_FLOAT: Type = ("float", False)
_FRACTION: Type = ("float", True)
_EMPTY_STRUCT: Type = ("struct", (), True)
_NUMBERS = frozenset({"bool", "int", "float"})
_ARROW_NAMES = {"int": "int64", "float": "float64", "str": "string"}

# state: {(config, split): {path: FileTypes}}; FileTypes = [line_based, {column: type},
# {column: [(type, line, row), ...]}], the second list holding each change of the type.
FileTypes = list[Any]
State = dict[tuple[str, str], dict[str, FileTypes]]


def type_of(value: Any) -> Type:
    """The type pyarrow's JSON reader would give this value. Dispatches on the exact type, as
    this runs for every value of every row."""
    kind = type(value)
    if kind is str:
        return _INT_TEXT if value[:1] in _INT_START and _INTEGER_TEXT.fullmatch(value) else _TEXT
    if kind is dict:
        if not value:
            return _EMPTY_STRUCT
        fields = [(str(key), type_of(item)) for key, item in value.items()]
        fields.sort()
        return ("struct", tuple(fields), False)
    if kind is list:
        element = NULL
        for item in value:
            element = unify(element, type_of(item))
        return ("list", element)
    if value is None:
        return NULL
    if kind is bool:
        return BOOL
    if kind is int:
        return INT
    if kind is float:
        return _FRACTION if not value.is_integer() else _FLOAT
    return _TEXT


def unify(first: Type, second: Type) -> Type:
    """The type of a column holding both: numbers widen, nulls vanish, struct keys merge (marked
    as differing), and anything else mixes into JSON."""
    if first == second or second == NULL:
        return first
    if first == NULL:
        return second
    head, other = first[0], second[0]
    if head == other:
        if head == "float":
            return ("float", first[1] or second[1])
        if head == "str":
            return _INT_TEXT if first[1] and second[1] else _TEXT  # the constants: `add` tests identity
        if head == "list":
            return ("list", unify(first[1], second[1]))
        if head == "struct":
            a, b = dict(first[1]), dict(second[1])
            fields = tuple(sorted((key, unify(a.get(key, NULL), b.get(key, NULL))) for key in a.keys() | b.keys()))
            return ("struct", fields, first[2] or second[2] or a.keys() != b.keys())
        return first
    if {head, other} == {"int", "float"}:
        return first if head == "float" else second
    return JSON


def as_features(kind: Type) -> Type:
    """The first file's type as `datasets` stores it: structs whose rows had differing keys
    (or none) become JSON."""
    if kind[0] == "list":
        return ("list", as_features(kind[1]))
    if kind[0] == "struct":
        if kind[2]:
            return JSON
        return ("struct", tuple((key, as_features(item)) for key, item in kind[1]), False)
    return kind


def cast_problem(source: Type, target: Type, path: str) -> tuple[str, Type, Type | None] | None:
    """Where a value of type `source` cannot be cast to the features' `target`: (path, the
    source type there, the target type there, None when the target lacks the key)."""
    if target == JSON or source == NULL:
        return None
    if source == JSON:
        source = ("str", False)  # mixed values in a later file are re-encoded as JSON text
    head, wanted = source[0], target[0]
    if wanted == "null":
        return path, source, target
    if wanted in ("int", "float"):
        fits = head in ("bool", "int") or (head == "float" and (wanted == "float" or not source[1]))
        return None if fits or (head == "str" and source[1]) else (path, source, target)
    if wanted == "bool":
        return None if head in _NUMBERS else (path, source, target)
    if wanted == "str":
        # top-level struct columns are dumped to JSON text by the builder; nested ones are not
        return None if head in _NUMBERS or head == "str" or (head == "struct" and "." not in path
                                                             and "[]" not in path) else (path, source, target)
    if wanted == "list":
        return cast_problem(source[1], target[1], f"{path}[]") if head == "list" else (path, source, target)
    if head != "struct":
        return path, source, target
    fields = dict(target[1])
    for key, item in source[1]:
        if key not in fields:
            return f"{path}.{key}", item, None
        problem = cast_problem(item, fields[key], f"{path}.{key}")
        if problem:
            return problem
    return None


def render(kind: Type | None) -> str:
    """A short Arrow-like name: `list<string>`, `struct{x, y}`."""
    if kind is None:
        return "absent"
    head = kind[0]
    if head == "list":
        return f"list<{render(kind[1])}>"
    if head == "struct":
        keys = [key for key, _ in kind[1]]
        shown = ", ".join(keys[:4]) + (", …" if len(keys) > 4 else "")
        return f"struct{{{shown}}}"
    return _ARROW_NAMES.get(head, str(head))


@aggregate_check
class viewer_cast_error:
    """Column types that change between the files of a split in a way `datasets` cannot cast."""

    def start(self) -> State:
        return {}

    def add(self, state: State, record: Record, location: Location) -> None:
        if record.generation not in (None, 0):
            return  # one row, several generations: its types are already counted
        files = state.setdefault((location.config or "", location.split or ""), {})
        entry = files.get(location.path)
        if entry is None:
            entry = files[location.path] = [location.line is not None, {}, {}]
        columns, changes = entry[1], entry[2]
        for column, value in record.raw.items():
            current = columns.get(column)
            if current is JSON or (current is _TEXT and type(value) is str):
                continue  # the common cases, which no value can change: skip typing the value
            kind = type_of(value)
            merged = kind if current is None else unify(current, kind)
            if merged != current:
                columns[column] = merged
                changes.setdefault(column, []).append((merged, location.line, location.row))

    def merge(self, first: State, second: State) -> State:
        for table, files in second.items():
            into = first.setdefault(table, {})
            for path, entry in files.items():
                if path not in into:
                    into[path] = entry
                    continue
                mine = into[path]
                mine[0] = mine[0] and entry[0]
                for column, steps in entry[2].items():
                    for kind, line, row in steps:
                        current = mine[1].get(column)
                        merged = kind if current is None else unify(current, kind)
                        if merged != current:
                            mine[1][column] = merged
                            mine[2].setdefault(column, []).append((merged, line, row))
        return first

    def finish(self, state: State, summary: DatasetSummary) -> Iterable[Hit]:
        for table in summary.tables:
            files = state.get((table.config, table.split))
            if not files or not all(entry[0] for entry in files.values()):
                continue  # JSON-array files are read whole, without a cast: not modelled here
            ordered = [path for path in table.files if path in files]
            yield from _table_hits(table.config, table.split, ordered, files)


def _table_hits(config: str, split: str, ordered: list[str], files: dict[str, FileTypes]) -> Iterator[Hit]:
    """One hit per column: the first later file whose type does not cast to the first file's.
    Columns the first file lacks are one hit per file (a file of another schema in the split
    is one defect), naming the first and counting the rest."""
    reference = ordered[0]
    features = {column: as_features(kind) for column, kind in files[reference][1].items()}
    reported: set[str] = set()
    for path in ordered[1:]:
        absent: list[tuple[str, Any, int | None, int | None]] = []
        for column, steps in files[path][2].items():
            if column in reported:
                continue
            for kind, line, row in steps:
                target = features.get(column)
                if target is None:
                    absent.append((column, kind, line, row))
                    reported.add(column)
                    break
                problem = cast_problem(kind, target, column)
                if problem is None:
                    continue
                reported.add(column)
                yield _hit(config, split, reference, path, problem, line, row)
                break
        if absent:
            column, kind, line, row = absent[0]
            more = [name for name, *_ in absent[1:]]
            field = column + (f" (and {len(more)} more: {', '.join(more)})" if more else "")
            yield _hit(config, split, reference, path, (field, kind, None), line, row)


def _hit(config: str, split: str, reference: str, path: str, problem: tuple[str, Any, Any],
         line: int | None, row: int | None) -> Hit:
    field, found, expected = problem
    return Hit(
        {"field": field, "found": render(found), "expected": render(expected), "reference": reference,
         "table": f"{config}/{split}"},
        location=Location(path, line=line, row=None if line is not None else row, split=split,
                          config=config, field=field.split(" (and ")[0]),
        key=f"{config}/{split}/{field.split(' (and ')[0]}",
    )
