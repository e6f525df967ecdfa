"""What dataset-level checks and reports know about a run once all rows are read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from reasonlint.catalogue import RuleSpec
from reasonlint.findings import Finding, Severity
from reasonlint.source.card import Card
from reasonlint.source.containment import RefusedPath
from reasonlint.source.mapping import ColumnMapping
from reasonlint.source.target import Target

if TYPE_CHECKING:
    from reasonlint.baseline import Baseline
    from reasonlint.profile import DatasetProfile
    from reasonlint.score.model import Scores
    from reasonlint.suppression import Suppression


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
    # For the rules about findings (SUP): the card's `reasonlint: ignore` comments, the
    # baseline this run applies, and the rules whose findings this run saw in full (every
    # rule that ran, or only dataset-level ones when part of the rows were checked), so that
    # a suppression or baseline entry is called unused only where its findings were looked for.
    suppressions: tuple[Suppression, ...] = ()
    baseline: Baseline | None = None
    judged_rules: frozenset[str] = frozenset()
    # Files of the dataset left unopened: links out of it, FIFOs, devices (named, never read).
    refused_paths: tuple[RefusedPath, ...] = ()

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
    profile: DatasetProfile | None = None  # what the data looks like (None in a report reloaded without it)
    measurements: dict[str, Any] = field(default_factory=dict)  # figures aggregate rules publish, by code
    scores: Scores | None = None  # Approach, Domain, Quality (None in a report reloaded without them)
    suppressed: int = 0  # findings the card's `reasonlint: ignore` comments held back
    baselined: int = 0  # findings held back as they are in the baseline

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
