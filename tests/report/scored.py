"""Hand-built scores and in-process runs for the report tests.

The scores are built by hand so the reporters can be tested before (and independently
of) the scoring; `run_report` runs the real engine on a folder, with `scores` added.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from reasonlint.catalogue import builtin_catalogue
from reasonlint.config import load_settings
from reasonlint.engine import run
from reasonlint.score.model import Contribution, DimensionScore, DomainShare, Scores
from reasonlint.source.target import resolve_target
from reasonlint.summary import RunReport


def sample_scores() -> Scores:
    approach = DimensionScore("approach", 6.5, 5.0, (
        Contribution("signal:generator-model", "card names the generating model", "DeepSeek-R1 (line 12)", 1.0, 1.0),
        Contribution("signal:code-link", "card links the generation code", "line 30", 0.5, 0.5),
    ))
    domain = DimensionScore("domain", 4.0, 5.0, (
        Contribution("signal:domain", "primary domain is well explored", "math 82% of 400 prompts", -1.0, -1.0),
    ))
    quality = DimensionScore("quality", 7.3, 8.0, (
        Contribution("rule:SCH005", "SCH005 empty-field", "1 of 11 rows (9.1%)", 2.0, -0.5),
        Contribution("signal:diversity", "prompts are diverse", "distinct 4-grams 0.91", 0.5, 0.3),
        Contribution("rule:SCH001", "SCH001 malformed-record", "1 of 11 rows (9.1%)", 3.0, -0.5),
    ))
    return Scores(approach, domain, quality, overall=6.0, weights={"approach": 1.0, "domain": 1.0, "quality": 1.0},
                  domains=(DomainShare("math", 0.82), DomainShare("logic puzzles", 0.12), DomainShare("other", 0.06)),
                  rules_run=120, rules_total=140)


def run_report(target: Path, scores: Scores | None = None, **overrides: object) -> RunReport:
    """The engine's report of `target` (default settings plus `overrides`), with `scores` if given."""
    resolved = resolve_target(str(target))
    settings = load_settings(None, dict(overrides))
    report = run(resolved, builtin_catalogue(), settings)
    return replace(report, scores=scores) if scores is not None else report
