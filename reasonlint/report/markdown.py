"""`--output-format markdown`: a compact summary for a pull-request comment or a CI job summary.

The scores, the counts per severity and per rule, and the top findings (errors first) with
links to their lines. GitHub refuses a step summary above 1 MiB, so the text is cut to
`limit` bytes whatever the size of the run, with a line that says how much was left out.
The GitHub Action's job summary is this same text (`summary_markdown`), with links to the
repository at the checked commit instead of relative ones.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import TextIO
from urllib.parse import quote

from reasonlint.findings import Severity
from reasonlint.report import Reporter, printable
from reasonlint.report.github import Annotation, ranked_annotations
from reasonlint.score.model import Scores
from reasonlint.summary import RunReport

SUMMARY_LIMIT_BYTES = 1024 * 1024  # GitHub refuses a step summary above 1 MiB
SUMMARY_ROWS = 20  # the top of the ranking; the report file has the rest
RULE_ROWS = 30  # rules listed in the counts table

# The link to a file's line, or None for no link.
LineLink = Callable[[str, int | None], str | None]


def relative_link(path: str, line: int | None) -> str:
    """`path#Lline`: code hosts and most markdown viewers open the file at the line."""
    return quote(path) + (f"#L{line}" if line is not None else "")


def _cell(text: str) -> str:
    """Table-cell text: one line, no pipe to end the cell, no HTML to render."""
    flat = printable(" ".join(text.split()))
    return flat.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def _where(annotation: Annotation, link: LineLink | None) -> str:
    if annotation.file is None:
        return ""
    text = f"`{annotation.file}:{annotation.line}`" if annotation.line is not None else f"`{annotation.file}`"
    target = link(annotation.file, annotation.line) if link is not None else None
    return f"[{text}]({target})" if target else text


def _scores_lines(scores: Scores) -> list[str]:
    domains = ", ".join(f"{share.name} {share.share:.0%}" for share in scores.domains[:3]) or "none detected"
    languages = ", ".join(f"{share.name} {share.share:.0%}" for share in scores.languages[:3])
    language = f" · languages: {_cell(languages)}" if languages else ""
    lines = [f"**Score {scores.overall:.1f}/10** · primary domain: {_cell(scores.primary_domain)} ({_cell(domains)})"
             f"{language}",
             "", "| criterion | score | moved most by |", "| --- | --- | --- |"]
    for dimension in scores.dimensions:
        top = next((item for item in dimension.contributions if round(item.points, 1) != 0), None)
        moved = f"{top.points:+.1f} {_cell(top.label)} ({_cell(top.detail)})" if top else "—"
        lines.append(f"| {dimension.dimension.title()} | {dimension.score:.1f} | {moved} |")
    if scores.rules_run < scores.rules_total:
        lines += ["", f"_Scored from {scores.rules_run} of {scores.rules_total} rules._"]
    return lines + [""]


def _rule_lines(report: RunReport) -> list[str]:
    counts = Counter((finding.code, finding.name, finding.severity) for finding in report.findings)
    ranked = sorted(counts.items(), key=lambda item: (-item[0][2].rank, -item[1], item[0][0]))
    lines = ["", "| rule | severity | findings |", "| --- | --- | --- |"]
    lines += [f"| {code} {name} | {severity.value} | {count:,} |" for (code, name, severity), count
              in ranked[:RULE_ROWS]]
    if len(ranked) > RULE_ROWS:
        lines.append(f"| … {len(ranked) - RULE_ROWS} more rules | | |")
    return lines


def summary_markdown(report: RunReport, ranked: list[Annotation], rows: int = SUMMARY_ROWS,
                     limit: int = SUMMARY_LIMIT_BYTES, link: LineLink | None = None) -> str:
    """The scores, counts per severity and rule, and the first `rows` ranked findings (each
    linked by `link`), cut with a `… N more` line so the text stays under `limit` bytes."""
    counts = report.counts()
    total = len(report.findings)
    lines = [f"## reasonlint: {total} finding{'' if total == 1 else 's'} in `{_cell(report.target.id)}`", ""]
    if report.scores is not None:
        lines += _scores_lines(report.scores)
    lines += ["| severity | findings |", "| --- | --- |"]
    lines += [f"| {severity.value} | {counts[severity.value]} |"
              for severity in sorted(Severity, key=lambda s: -s.rank)]
    if report.findings:
        lines += _rule_lines(report)
    if report.errors:
        lines += ["", f"**Could not check** ({len(report.errors)}):", ""]
        lines += [f"- {_cell(error[:500])}" for error in report.errors[:rows]]
    findings = [annotation for annotation in ranked if annotation.file is not None]
    if findings:
        lines += ["", "| where | rule | severity | message |", "| --- | --- | --- | --- |"]
    used = len("\n".join(lines).encode("utf-8")) + 200  # room for the closing line
    shown = 0
    for annotation in findings[:rows]:
        row = (f"| {_where(annotation, link)} | {_cell(annotation.title)} | {annotation.kind} | "
               f"{_cell(annotation.message)} |")
        size = len(row.encode("utf-8")) + 1
        if used + size > limit:
            break
        lines.append(row)
        used += size
        shown += 1
    if len(findings) > shown:
        lines += ["", f"… {len(findings) - shown} more not shown (see the report file)"]
    return "\n".join(lines) + "\n"


class MarkdownReporter(Reporter):
    name = "markdown"
    rows = 50

    def render(self, report: RunReport, out: TextIO) -> None:
        out.write(summary_markdown(report, ranked_annotations(report), rows=self.rows, link=relative_link))
