"""What dataset-level checks and reports know about a run once all rows are read."""

from __future__ import annotations

from dataclasses import dataclass

from reasonlint.catalogue import RuleSpec
from reasonlint.findings import Finding, Severity
from reasonlint.source.card import Card
from reasonlint.source.mapping import ColumnMapping
from reasonlint.source.target import Target


@dataclass(frozen=True, slots=True)
class TableSummary:
    config: str
    split: str
    files: tuple[str, ...]  # relative to the dataset root
    rows: int  # rows read (all of them, also when only a sample is checked)
    mapping: ColumnMapping | None


@dataclass(frozen=True, slots=True)
class DatasetSummary:
    target_id: str
    target_kind: str  # "folder", "file" or "hub": a single file has no card to expect
    card: Card | None
    tables: tuple[TableSummary, ...]
    layout_problems: tuple[str, ...]
    complete: bool  # False when --max-rows stopped reading early
    # Every file of the dataset folder or Hub snapshot (relative, POSIX), so that checks
    # can compare the card with the repository without touching the file system; None for
    # a single-file target.
    repository_files: tuple[str, ...] | None = None

    @property
    def rows_total(self) -> int | None:
        """Rows in the dataset, or None when reading stopped early and the count is unknown."""
        return sum(table.rows for table in self.tables) if self.complete else None

    @property
    def anchor_path(self) -> str:
        """Where dataset-wide findings point: the card if there is one, else the first data file."""
        if self.card is not None:
            return self.card.path
        return next((table.files[0] for table in self.tables if table.files), ".")


@dataclass(frozen=True, slots=True)
class RunReport:
    """Everything a reporter renders: the target, what was read, the rules, the findings."""

    target: Target
    tables: tuple[TableSummary, ...]
    rules: tuple[RuleSpec, ...]
    findings: tuple[Finding, ...]
    errors: tuple[str, ...]  # what could not be checked at all (exit 2)
    rows_read: int
    rows_checked: int
    complete: bool
    sample: int | None
    seed: int
    elapsed_seconds: float

    def counts(self) -> dict[str, int]:
        counts = {severity.value: 0 for severity in Severity}
        for finding in self.findings:
            counts[finding.severity.value] += 1
        return counts

    def exit_code(self, fail_level: Severity, exit_zero: bool = False) -> int:
        if self.errors:
            return 2
        if exit_zero:
            return 0
        return 1 if any(f.severity.rank >= fail_level.rank for f in self.findings) else 0
