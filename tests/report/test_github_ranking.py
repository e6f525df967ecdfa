"""Ranking and GitHub's display limits for annotations (`reasonlint.report.github`)."""

from __future__ import annotations

from reasonlint.findings import Finding, Location, Severity
from reasonlint.report.github import Annotation, ranked_annotations, shown_annotations
from reasonlint.source.target import Target
from reasonlint.summary import RunReport
from tests.conftest import REPO


def report(*findings: tuple[Severity, str, int | None], errors: tuple[str, ...] = ()) -> RunReport:
    made = tuple(Finding("SCH001", "malformed-record", "schema", "quality", severity, "m",
                         Location(path, line=line), f"{index:016x}")
                 for index, (severity, path, line) in enumerate(findings))
    return RunReport(Target(REPO, "folder", "."), (), (), made, errors, 0, 0, True, None, 0, 0.0)


def test_run_errors_then_errors_warnings_notices() -> None:
    ranked = ranked_annotations(report((Severity.INFO, "a.jsonl", 1), (Severity.WARNING, "a.jsonl", 2),
                                       (Severity.ERROR, "a.jsonl", 3), errors=("cannot read",)))
    assert [(a.kind, a.line) for a in ranked] == [("error", None), ("error", 3), ("warning", 2), ("notice", 1)]


def test_changed_lines_first_then_changed_files_then_location() -> None:
    ranked = ranked_annotations(
        report((Severity.ERROR, "a.jsonl", 1), (Severity.ERROR, "b.parquet", None), (Severity.ERROR, "c.jsonl", 5),
               (Severity.ERROR, "c.jsonl", 9)),
        changed={"c.jsonl": frozenset({9}), "b.parquet": frozenset()})
    assert [(a.file, a.line) for a in ranked] == [("c.jsonl", 9), ("b.parquet", None), ("a.jsonl", 1),
                                                  ("c.jsonl", 5)]


def test_at_most_ten_per_kind_with_the_tenth_saying_how_many_more() -> None:
    many = [Annotation("error", f"e{i}", "t") for i in range(12)] + [Annotation("notice", "n", "t")] * 10
    shown = shown_annotations(many)
    errors = [a for a in shown if a.kind == "error"]
    assert len(errors) == 10 and [a.message for a in errors[:9]] == [f"e{i}" for i in range(9)]
    assert errors[-1].message == "… 3 more errors not shown (see the full report)"
    assert len([a for a in shown if a.kind == "notice"]) == 10  # exactly ten: all shown


def test_an_annotation_escapes_its_properties_and_message() -> None:
    command = Annotation("warning", "50%\nnext", "X1 a,b", "d:/x,y.jsonl", 3).command()
    assert command == "::warning file=d%3A/x%2Cy.jsonl,line=3,title=X1 a%2Cb::50%25%0Anext"
