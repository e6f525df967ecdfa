"""`--output-format html`: one self-contained page a dataset author (or a judge) reads.

Everything is inline (CSS, SVG charts drawn here, a few lines of JS for filtering), so the
file works offline and loads nothing from anywhere. Every text that comes from the dataset
goes through `html.escape`: a row holding `<script>` is shown, never run. The page stays
small whatever the run: each rule lists at most `LOCATIONS_PER_RULE` locations (and the
whole page at most `LOCATIONS_TOTAL`), and the judge's sample is the profile's examples,
already cut to a readable length.
"""

from __future__ import annotations

import html
import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from reasonlint import __version__
from reasonlint.findings import Finding, Location, Severity
from reasonlint.profile import DatasetProfile, ExampleRow, Histogram
from reasonlint.report import Reporter, mapping_text
from reasonlint.score.model import DimensionScore, Scores
from reasonlint.summary import RunReport
from reasonlint.text.language import detect_language

LOCATIONS_PER_RULE = 200
LOCATIONS_TOTAL = 4_000  # ~1.5 MB of location rows at most, whatever the number of rules
CHART_BARS = 15  # categories drawn per chart; the rest are summed into "other"
CONTRIBUTIONS_SHOWN = 12
_TEXT_CHARS = 300  # a finding's message or excerpt as listed

_SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
_FAMILY_ORDER = ("schema", "card", "metadata", "license", "size", "trace", "answer", "language", "dedup",
                 "contamination", "perplexity", "domain")


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _cut(text: str, limit: int = _TEXT_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _where(location: Location) -> str:
    where = str(location)
    return f"{where} {location.field}" if location.field else where


def _example_key(location: Location) -> tuple[str, int | None, int | None]:
    """Rows are matched by file and line (JSONL) or file and row (Parquet, CSV)."""
    return (location.path, location.line, None) if location.line is not None else (location.path, None, location.row)


# ---------------------------------------------------------------------------- charts


def bar_chart(title: str, bars: Sequence[tuple[str, float]], *, unit: str = "", colors: Sequence[str] = (),
              note: str = "") -> str:
    """A horizontal bar chart as inline SVG: one labelled bar per (label, value)."""
    if not bars or not any(value for _, value in bars):
        return (f'<figure class="chart"><figcaption>{_e(title)}</figcaption>'
                f'<p class="empty">nothing to draw</p></figure>')
    label_width, bar_width, value_width, height = 200, 300, 70, 22
    top = max(value for _, value in bars) or 1.0
    rows = []
    for index, (label, value) in enumerate(bars):
        y = index * height
        width = max(1.0, bar_width * value / top) if value else 0.0
        color = colors[index] if index < len(colors) else "#4f6bed"
        shown = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
        rows.append(
            f'<g transform="translate(0,{y})"><title>{_e(label)}: {_e(shown)}{_e(unit)}</title>'
            f'<text x="{label_width - 8}" y="15" text-anchor="end" class="lbl">{_e(_cut(label, 25))}</text>'
            f'<rect x="{label_width}" y="3" width="{width:.1f}" height="{height - 6}" rx="3" fill="{color}"/>'
            f'<text x="{label_width + width + 6:.1f}" y="15" class="val">{_e(shown)}{_e(unit)}</text></g>'
        )
    total_height = len(bars) * height + 4
    svg = (f'<svg role="img" aria-label="{_e(title)}" viewBox="0 0 {label_width + bar_width + value_width} '
           f'{total_height}" width="100%" preserveAspectRatio="xMinYMin meet">{"".join(rows)}</svg>')
    caption = f'<p class="note">{_e(note)}</p>' if note else ""
    return f'<figure class="chart"><figcaption>{_e(title)}</figcaption>{svg}{caption}</figure>'


def _top(counter: Counter[str], limit: int = CHART_BARS) -> list[tuple[str, float]]:
    ranked = sorted(counter.items(), key=lambda item: (-item[1], item[0]))
    bars: list[tuple[str, float]] = [(name, float(count)) for name, count in ranked[:limit]]
    rest = sum(count for _, count in ranked[limit:])
    return bars + ([("other", float(rest))] if rest else [])


def _length_label(low: float, high: float | None) -> str:
    def short(value: float) -> str:
        return f"{value / 1000:g}k" if value >= 1000 else f"{value:g}"

    return f"≥ {short(low)}" if high is None else f"{short(low)}–{short(high)}"


def _histogram_bars(edges: Sequence[float], counts: Sequence[int]) -> list[tuple[str, float]]:
    """Bins from the first to the last non-empty one; `edges` has one entry per bin (the last
    open-ended) or one more than the bins (closed)."""
    filled = [index for index, count in enumerate(counts) if count]
    if not filled:
        return []
    bars = []
    for index in range(filled[0], filled[-1] + 1):
        high = edges[index + 1] if index + 1 < len(edges) else None
        bars.append((_length_label(edges[index], high), float(counts[index])))
    return bars


def _loss_label(low: float, high: float | None) -> str:
    return f"≥ {low:.2f}" if high is None else f"{low:.2f}–{high:.2f}"


def _charts(report: RunReport, languages: Counter[str]) -> list[str]:
    profile, scores = report.profile, report.scores
    charts = []
    if profile is not None:
        trace: Histogram = profile.trace_chars
        charts.append(bar_chart("Trace length (characters)", _histogram_bars(trace.edges, trace.counts),
                                note=f"{trace.total:,} traces, mean {trace.mean:,.0f}, longest {trace.maximum:,}"))
        charts.append(bar_chart("Trace languages", _top(languages),
                                note=f"detected on {sum(languages.values())} sampled traces"))
    if scores is not None and scores.domains:
        charts.append(bar_chart("Domains", [(share.name, round(share.share * 100, 1)) for share in scores.domains],
                                unit="%", colors=["#2f9e77"] * len(scores.domains),
                                note=f"primary domain: {scores.primary_domain}"))
    per_rule: Counter[str] = Counter(f"{finding.code} {finding.name}" for finding in report.findings)
    worst: dict[str, Severity] = {}
    for finding in report.findings:
        key = f"{finding.code} {finding.name}"
        if key not in worst or finding.severity.rank > worst[key].rank:
            worst[key] = finding.severity
    bars = _top(per_rule)
    palette = {Severity.ERROR: "#d64545", Severity.WARNING: "#e0a31b", Severity.INFO: "#4f8fd6"}
    charts.append(bar_chart("Findings per rule", bars,
                            colors=[palette[worst[label]] if label in worst else "#999" for label, _ in bars]))
    charts.extend(_loss_charts(report.measurements))
    return charts


def _loss_charts(measurements: dict[str, Any]) -> list[str]:
    """One chart per distinct loss distribution: the perplexity rules share one pass over the
    same model, so their published histograms are usually the same and are drawn once."""
    shared: dict[str, tuple[list[str], dict[str, Any]]] = {}
    for code, measured in sorted(measurements.items()):
        histogram = measured.get("histogram") if isinstance(measured, dict) else None
        if not histogram or not histogram.get("counts"):
            continue
        key = json.dumps([histogram, measured.get("model")], sort_keys=True, default=str)
        shared.setdefault(key, ([], measured))[0].append(code)
    charts = []
    for codes, measured in shared.values():
        edges, counts = measured["histogram"].get("edges") or [], measured["histogram"]["counts"]
        bins = [index for index, count in enumerate(counts) if count]
        bars = [(_loss_label(edges[index], edges[index + 1] if index + 1 < len(edges) else None),
                 float(counts[index])) for index in range(bins[0], bins[-1] + 1)] if bins else []
        facts = [f"{key.replace('_', ' ')} {measured[key]:.3f}" for key in ("mean_loss", "median_loss", "mad_loss")
                 if isinstance(measured.get(key), int | float) and math.isfinite(measured[key])]
        if isinstance(measured.get("rows"), int):
            facts.insert(0, f"{measured['rows']:,} rows")
        if measured.get("truncated"):
            facts.append(f"{measured['truncated']:,} truncated")
        if measured.get("model"):
            facts.append(f"model {measured['model']}")
        charts.append(bar_chart(f"Loss per token ({', '.join(codes)})", bars, colors=["#8a5cd1"] * len(bars),
                                note=", ".join(facts)))
    return charts


# ---------------------------------------------------------------------------- sections


def _score_class(score: float) -> str:
    return "good" if score >= 7 else "fair" if score >= 4 else "poor"


def _dimension_card(dimension: DimensionScore, weight: float | None) -> str:
    """The score, what moved it (largest effect first) and, folded away, what was looked for
    and moved nothing: a card without a limitations section shows up there, not as a +0.0 row."""
    moved = [item for item in dimension.contributions if round(item.points, 1) != 0]
    unmoved = [item for item in dimension.contributions if round(item.points, 1) == 0]
    rows = []
    for item in moved[:CONTRIBUTIONS_SHOWN]:
        sign = "up" if item.points > 0 else "down"
        rows.append(f'<tr class="{sign}"><td class="pts">{item.points:+.1f}</td><td>{_e(item.label)}'
                    f'<div class="detail">{_e(item.detail)}</div></td></tr>')
    hidden = len(moved) - CONTRIBUTIONS_SHOWN
    more = f'<p class="note">+{hidden} smaller contributions</p>' if hidden > 0 else ""
    weight_text = f" · weight {weight:g}" if weight is not None else ""
    table = (f'<details open><summary>what moved it</summary><table class="contrib">{"".join(rows)}</table>{more}'
             f'</details>' if rows else '<p class="note">nothing moved it from the base</p>')
    if unmoved:
        items = "".join(f'<tr><td>{_e(item.label)}<div class="detail">{_e(item.detail)}</div></td></tr>'
                        for item in unmoved)
        table += (f'<details class="unmoved"><summary>looked for, no effect ({len(unmoved)})</summary>'
                  f'<table class="contrib">{items}</table></details>')
    return (f'<div class="score-card"><h3>{_e(dimension.dimension.title())}</h3>'
            f'<div class="score {_score_class(dimension.score)}">{dimension.score:.1f}<span>/10</span></div>'
            f'<div class="gauge"><div class="fill {_score_class(dimension.score)}" '
            f'style="width:{dimension.score * 10:.0f}%"></div></div>'
            f'<p class="note">base {dimension.base:g}{_e(weight_text)}</p>{table}</div>')


def _scores_section(scores: Scores | None) -> str:
    if scores is None:
        return ('<section id="scores"><h2>Scores</h2><p class="note">This run has no scores '
                '(a report reloaded without them, or scoring was not run).</p></section>')
    domains = ", ".join(f"{share.name} {share.share:.0%}" for share in scores.domains[:5]) or "none detected"
    partial = (f" Scored from {scores.rules_run} of {scores.rules_total} rules: a partial selection."
               if scores.rules_run < scores.rules_total else "")
    cards = "".join(_dimension_card(dimension, scores.weights.get(dimension.dimension))
                    for dimension in scores.dimensions)
    return (f'<section id="scores"><h2>Scores</h2><div class="scores">'
            f'<div class="score-card overall"><h3>Overall</h3>'
            f'<div class="score big {_score_class(scores.overall)}">{scores.overall:.1f}<span>/10</span></div>'
            f'<p><b>Primary domain:</b> {_e(scores.primary_domain)}</p><p class="note">{_e(domains)}</p>'
            f'<p class="note">{_e(partial.strip())}</p></div>{cards}</div></section>')


def _counts_line(report: RunReport) -> str:
    counts = report.counts()
    checked = (f"{report.rows_checked:,} of {report.rows_read:,} rows (seeded sample, seed {report.seed})"
               if report.sample else f"{report.rows_read:,} rows" + ("" if report.complete else " (stopped early)"))
    return (f'<span class="pill error">{_plural(counts["error"], "error")}</span>'
            f'<span class="pill warning">{_plural(counts["warning"], "warning")}</span>'
            f'<span class="pill info">{counts["info"]:,} info</span>'
            f'<span class="meta">{_e(checked)} · {len(report.rules)} rules</span>')


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def _finding_item(finding: Finding) -> str:
    location = finding.location
    excerpt = (f'<div class="excerpt">{_e(_cut(location.excerpt))}</div>' if location.excerpt else "")
    return (f'<li><code class="loc">{_e(_where(location))}</code> {_e(_cut(finding.message))}{excerpt}</li>')


def _findings_section(report: RunReport) -> str:
    if not report.findings and not report.errors:
        return '<section id="findings"><h2>Findings</h2><p class="clean">No findings.</p></section>'
    by_family: dict[str, dict[str, list[Finding]]] = defaultdict(lambda: defaultdict(list))
    for finding in report.findings:
        by_family[finding.family][finding.code].append(finding)
    order = {family: index for index, family in enumerate(_FAMILY_ORDER)}
    budget = LOCATIONS_TOTAL
    parts = ['<section id="findings"><h2>Findings</h2>',
             '<div class="filters"><input id="filter" type="search" placeholder="filter rules, e.g. TRC or think" '
             'aria-label="filter findings"> '
             + "".join(f'<label><input type="checkbox" class="sev" value="{severity.value}" checked> '
                       f'{severity.value}</label> ' for severity in Severity) + "</div>"]
    for error in report.errors:
        parts.append(f'<p class="run-error"><b>could not check:</b> {_e(error)}</p>')
    for family in sorted(by_family, key=lambda name: (order.get(name, len(order)), name)):
        rules = by_family[family]
        total = sum(len(found) for found in rules.values())
        parts.append(f'<div class="family"><h3>{_e(family)} <span class="count">{total:,}</span></h3>')
        for code in sorted(rules, key=lambda code: (_SEVERITY_ORDER[rules[code][0].severity], code)):
            found = rules[code]
            first = found[0]
            shown = min(len(found), LOCATIONS_PER_RULE, max(budget, 0))
            budget -= shown
            items = "".join(_finding_item(finding) for finding in found[:shown])
            more = (f'<li class="more">+{len(found) - shown:,} more (see the JSON report for every location)</li>'
                    if len(found) > shown else "")
            parts.append(
                f'<details class="rule" data-severity="{first.severity.value}" '
                f'data-text="{_e(f"{code} {first.name} {family}".lower())}">'
                f'<summary><span class="badge {first.severity.value}">{first.severity.value}</span> '
                f'<code>{_e(code)}</code> <b>{_e(first.name)}</b> <span class="count">{len(found):,}</span>'
                f'<span class="dim">{_e(first.dimension)}</span>'
                f'<span class="hint">{_e(_cut(first.message, 120))}</span></summary><ul>{items}{more}</ul></details>'
            )
        parts.append("</div>")
    parts.append("</section>")
    return "".join(parts)


def _text_block(title: str, text: str | None, *, collapsible: bool = False) -> str:
    if text is None:
        return ""
    body = f'<pre class="text">{_e(text)}</pre>' if text else '<p class="note">(empty)</p>'
    if collapsible:
        return f'<details class="trace"><summary>{_e(title)} · {len(text):,} characters</summary>{body}</details>'
    return f'<div class="block"><h4>{_e(title)}</h4>{body}</div>'


def _example(example: ExampleRow, findings: Sequence[Finding]) -> str:
    location = example.location
    where = str(location) + (f" · generation {example.generation}" if example.generation is not None else "")
    split = f" · {location.config}/{location.split}" if location.split else ""
    inline = "".join(f'<li><span class="badge {finding.severity.value}">{_e(finding.code)}</span> '
                     f'{_e(finding.name)}{_e(": " + finding.location.field if finding.location.field else "")}'
                     f' — {_e(_cut(finding.message))}</li>' for finding in findings[:20])
    flagged = f'<ul class="inline-findings">{inline}</ul>' if findings else ""
    status = "" if findings else ' <span class="clean">· no findings</span>'
    cut = ' <span class="note">(texts shortened)</span>' if example.cut else ""
    return (f'<article class="example{" flagged" if findings else ""}"><header><code>{_e(where)}</code>'
            f'<span class="note">{_e(split)}</span>{status}{cut}</header>{flagged}'
            f'{_text_block("Prompt", example.prompt)}{_text_block("Reasoning trace", example.trace, collapsible=True)}'
            f'{_text_block("Answer", example.answer)}{_text_block("Reference", example.reference)}</article>')


def _sample_section(report: RunReport) -> str:
    profile = report.profile
    if profile is None or not profile.examples:
        return ('<section id="sample"><h2>Judge\'s sample</h2><p class="note">No rows were profiled '
                'in this run.</p></section>')
    by_row: dict[tuple[str, int | None, int | None], list[Finding]] = {
        _example_key(example.location): [] for example in profile.examples}
    for finding in report.findings:
        if finding.location.line is not None or finding.location.row is not None:
            found = by_row.get(_example_key(finding.location))
            if found is not None:
                found.append(finding)
    flagged = sum(1 for example in profile.examples if by_row.get(_example_key(example.location)))
    articles = "".join(_example(example, by_row.get(_example_key(example.location), []))
                       for example in profile.examples)
    return (f'<section id="sample"><h2>Judge\'s sample</h2><p class="note">{len(profile.examples)} rows drawn '
            f'with seed {report.seed}, in file order; {flagged} carry findings.</p>{articles}</section>')


def _data_section(report: RunReport, profile: DatasetProfile | None) -> str:
    rows = []
    for table, line in zip(report.tables, mapping_text(report), strict=True):
        roles = table.mapping.roles() if table.mapping else {}
        described = ", ".join(f"<b>{_e(role)}</b> ← <code>{_e(column)}</code>" for role, column in roles.items())
        files = ", ".join(table.files[:3]) + (f" (+{len(table.files) - 3} files)" if len(table.files) > 3 else "")
        rows.append(f'<tr title="{_e(line)}"><td>{_e(table.config)}/{_e(table.split)}</td><td>{_e(files)}</td>'
                    f'<td class="num">{table.rows:,}</td><td>{described or "nothing mapped"}</td></tr>')
    table_html = ('<table class="mapping"><thead><tr><th>config/split</th><th>files</th><th>rows</th>'
                  f'<th>column roles</th></tr></thead><tbody>{"".join(rows)}</tbody></table>' if rows
                  else '<p class="note">No data tables were found.</p>')
    figures = ""
    if profile is not None and profile.records:
        def share(count: int) -> str:
            return f"{count:,} ({count / profile.records:.0%})"

        figures = (f'<p class="note">{profile.records:,} records: prompt in {share(profile.with_prompt)}, '
                   f'trace in {share(profile.with_trace)}, answer in {share(profile.with_answer)}, '
                   f'reference in {share(profile.with_reference)}.</p>')
    return f'<section id="data"><h2>Data and column mapping</h2>{table_html}{figures}</section>'


def languages_of(texts: Iterable[str]) -> Counter[str]:
    """The detected language of each sampled trace (a few ms each: the report's cost, not the pass's)."""
    return Counter(detect_language(text).language for text in texts)


# ---------------------------------------------------------------------------- page

_CSS = """
:root{--bg:#f6f7fb;--card:#fff;--ink:#1d2433;--muted:#667085;--line:#e4e7ee;--err:#d64545;--warn:#c98a0b;
--info:#3b7dd8;--good:#2f9e77;--fair:#d69e2e;--poor:#d64545}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--ink);
font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif}
header.top{background:#1d2433;color:#fff;padding:18px 32px}header.top h1{margin:0;font-size:20px}
header.top .target{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:17px;color:#c9d4ff}
header.top .meta{color:#b8c0d0;margin-left:10px}nav{margin-top:8px}nav a{color:#c9d4ff;margin-right:16px;
text-decoration:none}main{max-width:1200px;margin:0 auto;padding:8px 24px 48px}
section{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:16px 22px;margin:18px 0}
h2{margin:4px 0 12px;font-size:19px}h3{margin:6px 0;font-size:16px}h4{margin:8px 0 4px;font-size:13px;
text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
.pill{display:inline-block;border-radius:999px;padding:1px 10px;margin-right:6px;font-size:13px;font-weight:600}
.pill.error{background:#fde2e2;color:#a61b1b}.pill.warning{background:#fdf0d2;color:#8a5a00}
.pill.info{background:#e1ecfb;color:#1f4f96}
.scores{display:grid;grid-template-columns:repeat(4,1fr);gap:14px}
@media (max-width:900px){.scores{grid-template-columns:1fr 1fr}}
.score-card{border:1px solid var(--line);border-radius:8px;padding:12px 14px}
.score-card.overall{background:#f1f4ff}
.score{font-size:34px;font-weight:700;line-height:1.1}.score.big{font-size:46px}.score span{font-size:15px;
color:var(--muted);font-weight:400;margin-left:2px}.good{color:var(--good)}.fair{color:var(--fair)}
.poor{color:var(--poor)}.gauge{height:8px;background:#eceff5;border-radius:4px;margin:6px 0}
.gauge .fill{height:8px;border-radius:4px}.fill.good{background:var(--good)}.fill.fair{background:var(--fair)}
.fill.poor{background:var(--poor)}table.contrib{width:100%;border-collapse:collapse;font-size:13px}
table.contrib td{border-top:1px solid var(--line);padding:3px 4px;vertical-align:top}
td.pts{font-weight:700;white-space:nowrap;font-variant-numeric:tabular-nums}tr.up td.pts{color:var(--good)}
tr.down td.pts{color:var(--poor)}details.unmoved summary{color:var(--muted);font-size:13px}
.detail{color:var(--muted);font-size:12px}
.note{color:var(--muted);font-size:13px;margin:4px 0}.clean{color:var(--good);font-size:13px}
.charts{display:grid;grid-template-columns:1fr 1fr;gap:14px}@media (max-width:900px){.charts{grid-template-columns:1fr}}
figure.chart{margin:0;border:1px solid var(--line);border-radius:8px;padding:10px 12px}
figcaption{font-weight:600;margin-bottom:6px}svg text{font:12px system-ui,sans-serif;fill:#344054}
svg text.val{fill:var(--muted)}.empty{color:var(--muted)}
.filters{margin-bottom:10px}.filters input[type=search]{padding:5px 9px;border:1px solid var(--line);
border-radius:6px;width:280px;margin-right:10px}.filters label{margin-right:8px;font-size:14px}
.family h3 .count,.rule .count{color:var(--muted);font-weight:400;font-size:13px;margin-left:6px}
details.rule{border:1px solid var(--line);border-radius:6px;margin:5px 0;padding:4px 10px}
details.rule summary{cursor:pointer}details.rule ul{margin:6px 0;padding-left:18px;font-size:14px}
details.rule li{margin:2px 0}.dim{float:right;color:var(--muted);font-size:12px}
.hint{display:block;color:var(--muted);font-size:13px;margin-left:22px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
details.rule[open] .hint{display:none}
.badge{display:inline-block;border-radius:4px;padding:0 6px;font-size:12px;font-weight:600;color:#fff}
.badge.error{background:var(--err)}.badge.warning{background:var(--warn)}.badge.info{background:var(--info)}
code,pre{font-family:ui-monospace,Menlo,Consolas,monospace}code.loc{color:#344054;background:#f2f4f7;
padding:0 4px;border-radius:3px;font-size:13px}.excerpt{color:var(--muted);font-family:ui-monospace,monospace;
font-size:12px;white-space:pre-wrap;word-break:break-word;border-left:3px solid var(--line);padding-left:6px}
li.more{color:var(--muted);list-style:none}.run-error{color:var(--err)}
article.example{border:1px solid var(--line);border-left:4px solid var(--good);border-radius:6px;
padding:8px 14px;margin:12px 0}article.example.flagged{border-left-color:var(--warn)}
article.example header code{font-weight:600}ul.inline-findings{margin:6px 0;padding-left:4px;list-style:none;
font-size:14px}pre.text{white-space:pre-wrap;word-break:break-word;background:#fafbfc;border:1px solid var(--line);
border-radius:6px;padding:8px 10px;margin:0;font-size:13px;max-height:420px;overflow:auto}
details.trace{margin:8px 0}details.trace summary{cursor:pointer;font-size:13px;font-weight:600;
text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
table.mapping{border-collapse:collapse;width:100%;font-size:14px}table.mapping th,table.mapping td{
border-bottom:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}td.num{text-align:right}
footer{color:var(--muted);font-size:12px;text-align:center;margin-top:20px}
"""

# Filters the findings by text and severity; nothing else runs.
_JS = """
(function(){var box=document.getElementById('filter');if(!box){return;}
var checks=Array.prototype.slice.call(document.querySelectorAll('input.sev'));
var rules=Array.prototype.slice.call(document.querySelectorAll('details.rule'));
function apply(){var text=box.value.trim().toLowerCase();var on={};
checks.forEach(function(c){on[c.value]=c.checked;});
rules.forEach(function(r){var show=on[r.dataset.severity]&&(!text||r.dataset.text.indexOf(text)>=0);
r.style.display=show?'':'none';});}
box.addEventListener('input',apply);checks.forEach(function(c){c.addEventListener('change',apply);});})();
"""


def render_html(report: RunReport) -> str:
    target = report.target
    revision = f" @ {target.sha}" if target.sha else ""
    languages = languages_of(report.profile.traces) if report.profile is not None else Counter()
    charts = "".join(_charts(report, languages))
    body = [
        f'<header class="top"><h1>reasonlint report</h1><div><span class="target">{_e(target.id)}'
        f'{_e(revision)}</span></div><div style="margin-top:6px">{_counts_line(report)}</div>'
        '<nav><a href="#scores">Scores</a><a href="#charts">Charts</a><a href="#findings">Findings</a>'
        '<a href="#sample">Judge\'s sample</a><a href="#data">Data</a></nav></header><main>',
        _scores_section(report.scores),
        f'<section id="charts"><h2>Charts</h2><div class="charts">{charts}</div></section>',
        _findings_section(report),
        _sample_section(report),
        _data_section(report, report.profile),
        f'<footer>reasonlint {_e(__version__)} · seed {report.seed}</footer></main>',
    ]
    title = f"reasonlint: {target.id}"
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{_e(title)}</title><style>{_CSS}</style></head><body>{"".join(body)}'
            f'<script>{_JS}</script></body></html>\n')


class HtmlReporter(Reporter):
    name = "html"

    def render(self, report: RunReport, out: TextIO) -> None:
        out.write(render_html(report))

