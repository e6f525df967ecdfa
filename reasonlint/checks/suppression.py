"""Checks on the card's `reasonlint: ignore` comments and on the baseline (SUP): both hide
findings, so what they hide must stay true. They read every other rule's findings, before
the comments and the baseline apply."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence

from reasonlint.baseline import match_baseline
from reasonlint.checks import findings_check
from reasonlint.findings import Edit, Finding, Fix, Hit, Location
from reasonlint.summary import DatasetSummary
from reasonlint.suppression import Suppression, without_suppressed


@findings_check
def unused_suppression(findings: Sequence[Finding], summary: DatasetSummary) -> Iterator[Hit]:
    """A valid comment whose rules ran over the whole dataset and found nothing: it hides
    nothing now and would hide a new problem of that kind later, unseen."""
    card = summary.card
    if card is None:
        return
    found = {finding.code for finding in findings}
    lines = card.text.splitlines()
    for suppression in summary.suppressions:
        if suppression.problem is not None:
            continue
        unused = [selector for selector, codes in suppression.resolved
                  if any(code in summary.judged_rules for code in codes) and not any(code in found for code in codes)]
        if not unused:
            continue
        yield Hit({"selectors": ", ".join(unused)}, location=Location(card.path, line=suppression.line),
                  key=f"unused:{suppression.text}:{','.join(unused)}",
                  fix=_removal(card.path, lines[suppression.line - 1], suppression, unused))


def _removal(path: str, line: str, suppression: Suppression, unused: list[str]) -> Fix:
    """Drop the unused selectors from the comment, or the whole comment (and its line, when
    it is alone on it) when none is used."""
    kept = [selector for selector in suppression.selectors if selector not in unused]
    before, after = line[:suppression.start].lstrip("\ufeff"), line[suppression.stop:]  # fix.py keeps a BOM
    if kept:
        comment = f"<!-- reasonlint: ignore {','.join(kept)} {suppression.reason} -->"
        return Fix(f"Remove {', '.join(unused)} from the suppression comment",
                   (Edit(path, suppression.line, suppression.line + 1, before + comment + after),))
    if not before.strip() and not after.strip():
        return Fix("Delete the unused suppression comment's line",
                   (Edit(path, suppression.line, suppression.line + 1, ""),))
    joined = before.rstrip() + (" " if before.strip() and after.strip() else "") + after.lstrip()
    return Fix("Delete the unused suppression comment", (Edit(path, suppression.line, suppression.line + 1, joined),))


@findings_check
def invalid_suppression(findings: Sequence[Finding], summary: DatasetSummary) -> Iterator[Hit]:
    """A `reasonlint:` comment that suppresses nothing as written: no reason, no known rule,
    or not an `ignore`. Its author meant to hide something; it must not fail silently."""
    card = summary.card
    if card is None:
        return
    for suppression in summary.suppressions:
        if suppression.problem is not None:
            yield Hit({"problem": suppression.problem}, location=Location(card.path, line=suppression.line),
                      key=f"invalid:{suppression.text}")


@findings_check
def stale_baseline_entries(findings: Sequence[Finding], summary: DatasetSummary) -> Iterator[Hit]:
    """Baseline entries that match no finding: the rows were fixed or removed. Only rules
    that ran over every row are judged (with `--since` or `--sample`, row rules are not)."""
    baseline = summary.baseline
    if baseline is None:
        return
    unsuppressed, _ = without_suppressed(findings, summary.suppressions)
    _, _, left = match_baseline(unsuppressed, baseline)
    per_code: Counter[str] = Counter()
    for (code, _), count in left.items():
        if code in summary.judged_rules:
            per_code[code] += count
    total = sum(per_code.values())
    if not total:
        return
    listing = ", ".join(f"{code} ×{count}" for code, count in sorted(per_code.items(), key=lambda kv: (-kv[1], kv[0])))
    yield Hit({"count": total, "entries": "entry" if total == 1 else "entries",
               "match": "matches" if total == 1 else "match", "codes": listing},
              location=Location(baseline.path), key="stale-baseline-entries")
