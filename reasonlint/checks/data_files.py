"""Checks on what the readers could not turn into rows."""

from __future__ import annotations

from collections.abc import Iterator

from reasonlint.checks import read_check
from reasonlint.findings import Hit
from reasonlint.source.readers import ReadProblem


@read_check
def malformed_record(problem: ReadProblem) -> Iterator[Hit]:
    if problem.kind == "malformed-record":
        yield Hit({"detail": problem.detail}, excerpt=problem.excerpt)


@read_check
def unparseable_file(problem: ReadProblem) -> Iterator[Hit]:
    if problem.kind == "unparseable-file":
        yield Hit({"detail": problem.detail})


@read_check
def lfs_pointer(problem: ReadProblem) -> Iterator[Hit]:
    if problem.kind == "lfs-pointer":
        yield Hit({"detail": problem.detail})


@read_check
def keyed_records(problem: ReadProblem) -> Iterator[Hit]:
    if problem.kind == "keyed-records":
        yield Hit({"detail": problem.detail})


@read_check
def not_rows(problem: ReadProblem) -> Iterator[Hit]:
    if problem.kind == "not-rows":
        yield Hit({"detail": problem.detail})
