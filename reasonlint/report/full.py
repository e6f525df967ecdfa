"""The default terminal report: what was read and how it mapped, findings grouped by
file with their excerpts, then the counts."""

from __future__ import annotations

from itertools import groupby
from typing import TextIO

from rich.console import Console
from rich.markup import escape as escape_markup

from reasonlint.findings import Severity
from reasonlint.report import Reporter, display_path, mapping_text, printable
from reasonlint.score.model import Scores
from reasonlint.summary import RunReport


def escape(text: str) -> str:
    """Data as rich prints it literally: no markup, no emoji codes, no escape sequences."""
    return escape_markup(printable(text))


_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


class FullReporter(Reporter):
    name = "full"

    def render(self, report: RunReport, out: TextIO) -> None:
        console = Console(file=out, highlight=False, soft_wrap=True, emoji=False)
        target = report.target
        revision = f" @ {target.sha}" if target.sha else ""
        console.print(f"[bold]{escape(target.id)}[/]{escape(revision)}")
        for line, table in zip(mapping_text(report), report.tables, strict=True):
            console.print(f"  {escape(line)}", style="dim")
            for evidence in table.mapping.evidence if table.mapping else ():
                console.print(f"    {escape(evidence.describe())}", style="dim")
        console.print()
        for path, findings in groupby(report.findings, key=lambda f: display_path(report, f)):
            console.print(f"[bold underline]{escape(path)}[/]")
            for finding in findings:
                location = finding.location
                where = (f"line {location.line}" if location.line is not None
                         else f"row {location.row}" if location.row is not None else "")
                field = f" {location.field}:" if location.field else ""
                console.print(
                    f"  [dim]{where:>10}[/]  [{_STYLE[finding.severity]}]{finding.code}[/] "
                    f"[dim]{finding.name}[/]{escape(field)} {escape(finding.message)}"
                )
                if location.excerpt:
                    console.print(f"  {'':>10}  [dim]│ {escape(location.excerpt)}[/]")
            console.print()
        for error in report.errors:
            console.print(f"[bold red]could not check:[/] {escape(error)}")
        counts = report.counts()
        checked = (f"{report.rows_checked:,} of {report.rows_read:,} rows (seeded sample, seed {report.seed})"
                   if report.sample else f"{report.rows_read:,} rows" + ("" if report.complete else " (stopped early)"))
        console.print(
            f"[bold]{_plural(len(report.findings), 'finding')}[/] "
            f"([red]{_plural(counts['error'], 'error')}[/], [yellow]{_plural(counts['warning'], 'warning')}[/], "
            f"[cyan]{counts['info']} info[/]{_held_back(report)}) in {checked}, {len(report.rules)} rules, "
            f"{report.elapsed_seconds:.1f}s"
        )
        if report.scores is not None:
            _print_scores(console, report.scores)


def _held_back(report: RunReport) -> str:
    """`; 3 suppressed, 40 in the baseline`: what the card's comments and the baseline hid."""
    parts = [f"{report.suppressed} suppressed" if report.suppressed else "",
             f"{report.baselined} in the baseline" if report.baselined else ""]
    shown = ", ".join(part for part in parts if part)
    return f"; {shown}" if shown else ""


def _print_scores(console: Console, scores: Scores) -> None:
    """The run's last lines: each criterion's score with what moved it most, the overall
    score and the domain, so a terminal user sees the judgement without another command."""
    console.print()
    for dimension in scores.dimensions:
        top = next((item for item in dimension.contributions if round(item.points, 1) != 0), None)
        moved = f"  [dim]{top.points:+.1f} {escape(top.label)} ({escape(top.detail)})[/]" if top else ""
        console.print(f"[bold]{dimension.dimension.title():<9}[/] {dimension.score:4.1f}/10{moved}")
    shares = ", ".join(f"{share.name} {share.share:.0%}" for share in scores.domains[:4]) or "none detected"
    partial = (f" [dim](from {scores.rules_run} of {scores.rules_total} rules)[/]"
               if scores.rules_run < scores.rules_total else "")
    languages = ", ".join(f"{share.name} {share.share:.0%}" for share in scores.languages[:4])
    language = f"  languages: [dim]{escape(languages)}[/]" if languages else ""
    console.print(f"[bold]{'Overall':<9} {scores.overall:4.1f}/10[/]{partial}  "
                  f"domain: [bold]{escape(scores.primary_domain)}[/] [dim]({escape(shares)})[/]{language}")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
