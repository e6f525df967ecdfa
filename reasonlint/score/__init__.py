"""Approach, Domain and Quality: the competition's three criteria, scored from a run.

`score_run` is pure: the same summary, findings, profile and rules give the same scores.
Every point comes from a weight of rules/scoring/weights.yaml times a measured fact, and is
kept as a `Contribution`, so a score can always be explained (see `explain`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from reasonlint.catalogue import RuleSpec
from reasonlint.findings import Finding
from reasonlint.profile import DatasetProfile
from reasonlint.score.domain import DomainResult, detect_domains
from reasonlint.score.model import Contribution, Dimension, DimensionScore, LanguageShare, Scores
from reasonlint.score.signals import Measure, approach_signals, quality_signals
from reasonlint.score.weights import Signal, Weights, builtin_weights
from reasonlint.summary import DatasetSummary

__all__ = ["score_run"]

_MINOR_SHARE = 0.05  # domains below this share are one line of the explanation, not one each


def score_run(summary: DatasetSummary, findings: Sequence[Finding], rules: Sequence[RuleSpec],
              profile: DatasetProfile, measurements: dict[str, Any], rules_total: int,
              weights: Weights | None = None) -> Scores:
    """The three scores and the overall one. `rules` are the rules that ran (only their
    findings count, and the scores say how many of `rules_total` that was); `measurements`
    are what aggregate rules published (kept for signals that will read them)."""
    weights = weights or builtin_weights()
    penalties = _finding_penalties(summary, findings, profile, weights)
    domains = detect_domains(summary.card, profile.prompts, profile.traces, weights=weights.domain)

    approach = [_presence(name, measure, weights.approach.signals[name])
                for name, measure in approach_signals(summary).items()]
    quality = [_banded(name, measure, weights.quality.signals[name])
               for name, measure in quality_signals(profile).items()]
    dimensions = {
        "approach": _dimension("approach", weights.approach.base.weight, approach + penalties["approach"]),
        "domain": _dimension("domain", weights.domain.base.weight, _domain_points(domains, weights)
                             + penalties["domain"]),
        "quality": _dimension("quality", weights.quality.base.weight, quality + penalties["quality"]),
    }
    overall_weights = {name: getattr(weights.overall, name).weight for name in ("approach", "domain", "quality")}
    total = sum(overall_weights.values())
    overall = sum(dimensions[name].score * weight for name, weight in overall_weights.items()) / total
    languages = tuple(LanguageShare(code, round(share, 4)) for code, share in domains.languages.items())
    return Scores(dimensions["approach"], dimensions["domain"], dimensions["quality"], round(overall, 1),
                  overall_weights, domains.shares, len(rules), rules_total, languages)


def _dimension(name: Dimension, base: float, contributions: list[Contribution]) -> DimensionScore:
    ordered = tuple(sorted(contributions, key=lambda item: (-abs(item.points), item.source, item.label)))
    score = min(10.0, max(0.0, base + sum(item.points for item in ordered)))
    return DimensionScore(name, round(score, 1), base, ordered)


def _presence(name: str, measure: Measure, signal: Signal) -> Contribution:
    return Contribution(f"signal:{name}", signal.doc, measure.detail, signal.weight,
                        round(signal.weight * measure.value, 3))


def _banded(name: str, measure: Measure, signal: Signal) -> Contribution:
    """Weight × where the measure lies between `low` and `high` (`below` under `low`)."""
    low = signal.low if signal.low is not None else 0.0
    high = signal.high if signal.high is not None else 1.0
    if measure.value < low:
        points = signal.below
    else:
        points = signal.weight * min(1.0, (measure.value - low) / (high - low) if high > low else 1.0)
    return Contribution(f"signal:{name}", signal.doc, measure.detail, signal.weight, round(points, 3))


def _domain_points(domains: DomainResult, weights: Weights) -> list[Contribution]:
    table = weights.domain
    points: list[Contribution] = []
    evidence = {item.domain: item.source for item in domains.evidence}
    minor = [share for share in domains.shares if share.share < _MINOR_SHARE]
    for share in domains.shares:
        if share.share < _MINOR_SHARE:
            continue
        bonus = table.bonus[share.name]
        detail = f"{share.share:.0%} of {domains.items} sampled prompts" if domains.items else "from the card alone"
        if share.name in evidence:
            detail += f"; {evidence[share.name]}"
        points.append(Contribution(f"signal:domain:{share.name}", f"domain {share.name}: {bonus.doc}", detail,
                                   bonus.weight, round(bonus.weight * share.share, 3)))
    if minor:
        points.append(Contribution(
            "signal:domain:minor", f"domains under {_MINOR_SHARE:.0%} of the prompts, each by its bonus",
            ", ".join(f"{share.name} {share.share:.1%}" for share in minor), 0.0,
            round(sum(table.bonus[share.name].weight * share.share for share in minor), 3)))
    if domains.shares:
        primary = domains.shares[0].name
        if primary != "other":
            touched = domains.topics.get(primary, ())
            coverage = domains.coverage(primary)
            points.append(Contribution(
                "signal:coverage", table.coverage.doc,
                f"{len(touched)} of {domains.topic_counts[primary]} {primary} topics: {', '.join(touched) or 'none'}",
                table.coverage.weight, round(table.coverage.weight * coverage, 3)))
        further = [share.name for share in domains.shares[1:] if share.name != "other" and share.share >= 0.15][:2]
        if further:
            points.append(Contribution("signal:breadth", table.breadth.doc, f"also {', '.join(further)}",
                                       table.breadth.weight, round(table.breadth.weight * len(further), 3)))
    return points


def _finding_penalties(summary: DatasetSummary, findings: Sequence[Finding], profile: DatasetProfile,
                       weights: Weights) -> dict[str, list[Contribution]]:
    """Per rule: its weight × the share of rows its findings touch (distinct rows; a finding
    without a row counts as `dataset_share`), at least `floor_share`, at most `cap` points."""
    table = weights.findings
    rows = profile.records or summary.rows_total or 0
    card_path = summary.card.path if summary.card is not None else None
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_rule[finding.code].append(finding)
    penalties: dict[str, list[Contribution]] = {"approach": [], "domain": [], "quality": []}
    for code in sorted(by_rule):
        items = by_rule[code]
        first = items[0]
        severity = max((item.severity for item in items), key=lambda severity: severity.rank)
        override = table.rules.get(code)
        weight = override.weight if override else getattr(table.severity, severity.value).weight
        located = {(item.location.path, item.location.line, item.location.row) for item in items
                   if item.location.path != card_path and (item.location.line is not None
                                                           or item.location.row is not None)}
        wide = len(items) - sum(1 for item in items if (item.location.path, item.location.line,
                                                         item.location.row) in located)
        share = min(1.0, len(located) / rows) if rows else 0.0
        parts = []
        if located:
            parts.append(f"{len(located):,} of {rows:,} rows ({share:.1%})" if rows else f"{len(located):,} rows")
        if wide:
            share = max(share, table.dataset_share.weight)
            parts.append(f"{wide} dataset-level finding{'s' if wide > 1 else ''}")
        share = max(share, table.floor_share.weight)
        points = -min(table.cap.weight, weight * share)
        dimension = table.dimensions.get(code) or table.dimensions.get(first.family) or first.dimension
        if dimension not in penalties:
            dimension = "quality"
        penalties[dimension].append(Contribution(f"rule:{code}", f"{code} {first.name} ({severity.value})",
                                                 "; ".join(parts), weight, round(points, 3)))
    return penalties
