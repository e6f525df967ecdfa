"""The plain-text explanation of a run's scores: what `reasonlint explain-score` prints."""

from __future__ import annotations

from reasonlint.score.model import Scores


def explain(scores: Scores) -> str:
    """Per criterion: the score, its base and every contribution, largest effect first; then
    the domains with their shares, and how many rules the scores rest on."""
    lines = [f"overall {scores.overall:.1f} / 10  (weights: "
             + ", ".join(f"{name} {weight:g}" for name, weight in scores.weights.items()) + ")"]
    if scores.rules_run < scores.rules_total:
        lines.append(f"scored with {scores.rules_run} of {scores.rules_total} rules: a partial selection")
    for dimension in scores.dimensions:
        lines.append("")
        lines.append(f"{dimension.dimension.capitalize()} {dimension.score:.1f} / 10  (base {dimension.base:g})")
        for item in dimension.contributions:
            kind, _, name = item.source.partition(":")
            what = item.label if kind == "rule" else name.replace("_", " ")
            lines.append(f"  {item.points:+.2f}  {kind}: {what}: {item.detail}  weight {item.weight:g}")
        if not dimension.contributions:
            lines.append("  (nothing moved it)")
    lines.append("")
    lines.append("domains: " + (", ".join(f"{share.name} {share.share:.0%}" for share in scores.domains) or "none"))
    lines.append("languages: " + (", ".join(f"{share.name} {share.share:.0%}" for share in scores.languages)
                                  or "none detected"))
    return "\n".join(lines) + "\n"
