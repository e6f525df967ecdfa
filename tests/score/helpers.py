"""Run the engine on a folder and score it the way `engine.run` will once `score_run` is wired in."""

from __future__ import annotations

from pathlib import Path

from reasonlint.catalogue import builtin_catalogue
from reasonlint.config import Settings
from reasonlint.engine import run
from reasonlint.score import score_run
from reasonlint.score.model import Scores
from reasonlint.source.card import read_card
from reasonlint.source.target import resolve_target
from reasonlint.summary import DatasetSummary


def scores_of(folder: Path, **settings: object) -> Scores:
    target = resolve_target(str(folder))
    report = run(target, builtin_catalogue(), Settings(jobs=1, **settings))  # type: ignore[arg-type]
    summary = DatasetSummary(target.id, target.kind, read_card(target.root) if target.kind != "file" else None,
                             report.tables, (), report.complete)
    assert report.profile is not None
    return score_run(summary, report.findings, report.rules, report.profile, report.measurements,
                     len(builtin_catalogue()))
