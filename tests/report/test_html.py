"""`--output-format html`: one self-contained, escaped, bounded page.

The scores are built by hand (tests/report/scored.py) so the page is tested with and
without them; the size test checks a generated 100k-row file with a finding on every row.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import replace
from pathlib import Path

import pytest

from reasonlint.report.github import ranked_annotations
from reasonlint.report.html import LOCATIONS_PER_RULE, bar_chart, render_html
from reasonlint.report.markdown import relative_link, summary_markdown
from reasonlint.summary import RunReport
from tests.conftest import REPO, run_cli, write_files
from tests.report.scored import run_report, sample_scores

HOSTILE = "<script>alert('row')</script><img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def demo() -> RunReport:
    return run_report(REPO / "fixtures" / "datasets" / "demo", sample_scores())


@pytest.fixture(scope="module")
def demo_page(demo: RunReport) -> str:
    return render_html(demo)


def external_references(page: str) -> list[str]:
    """Every src/href attribute of a tag that is not an in-page anchor or a data: URI."""
    attributes = re.findall(r"""<[a-z][^<>]*?\s(?:src|href)\s*=\s*["']?([^"'\s>]+)""", page, re.I)
    return [value for value in attributes
            if not value.startswith(("#", "data:"))]


def test_page_is_self_contained(demo_page: str) -> None:
    assert external_references(demo_page) == []
    assert "<link" not in demo_page and "@import" not in demo_page and "url(" not in demo_page
    assert demo_page.count("<script") == 1 and "<script>" in demo_page  # the one inline filter


def test_page_shows_the_three_scores_overall_and_domain(demo_page: str) -> None:
    for text in ("Approach", "Domain", "Quality", "Overall", "6.5", "4.0", "7.3", "6.0",
                 "Primary domain:</b> math", "card names the generating model", "+1.0", "-0.5",
                 "Scored from 120 of 140 rules"):
        assert text in demo_page, text


def test_page_lists_findings_by_family_and_rule_with_locations(demo: RunReport, demo_page: str) -> None:
    for finding in demo.findings:
        assert f"<code>{finding.code}</code>" in demo_page
    assert "data/train.jsonl:7 reasoning" in demo_page  # SCH005's location and field
    families = re.findall(r'<div class="family"><h3>(\w+)', demo_page)
    assert families[0] == "schema" and len(families) == len(set(families))


def test_page_draws_the_charts_and_the_column_mapping(demo_page: str) -> None:
    for title in ("Trace length (characters)", "Trace languages", "Domains", "Findings per rule"):
        assert f"<figcaption>{title}</figcaption>" in demo_page
    assert demo_page.count("<svg") == 4
    assert "<b>prompt</b> ← <code>question</code>" in demo_page
    assert "<b>trace</b> ← <code>reasoning</code>" in demo_page


def test_sample_rows_show_prompt_collapsible_trace_answer_and_their_findings(demo: RunReport,
                                                                           demo_page: str) -> None:
    articles = re.findall(r'<article class="example[^"]*">.*?</article>', demo_page, re.S)
    assert demo.profile is not None and len(articles) == len(demo.profile.examples) > 5
    (empty,) = [article for article in articles if "data/train.jsonl:7<" in article]
    assert 'class="badge warning">SCH005</span>' in empty and "example flagged" in empty
    (first,) = [article for article in articles if "data/train.jsonl:2<" in article]
    assert "What is 7 * 8?" in first and '<details class="trace">' in first and "no findings" in first
    assert "<h4>Answer</h4>" in first


def test_dataset_text_is_escaped_and_never_runs(tmp_path: Path) -> None:
    rows = [{"question": HOSTILE, "reasoning": f"think {HOSTILE}", "answer": "</pre></details><b>4</b>"}]
    write_files(tmp_path / "ds", {"data/train.jsonl": {"rows": rows}})
    page = render_html(run_report(tmp_path / "ds", sample_scores()))
    assert "<script>alert" not in page and "<img src=x" not in page and "</pre></details><b>4" not in page
    assert "&lt;script&gt;alert(&#x27;row&#x27;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in page
    assert external_references(page) == []


def test_page_without_scores_or_profile_says_so(demo: RunReport) -> None:
    page = render_html(replace(demo, scores=None, profile=None))
    assert "This run has no scores" in page and "No rows were profiled" in page
    assert "<figcaption>Findings per rule</figcaption>" in page and "Trace length" not in page


def test_page_draws_the_loss_distribution_when_perplexity_ran(demo: RunReport) -> None:
    measured = {"rows": 11, "mean_loss": 2.31, "median_loss": 2.2, "mad_loss": 0.4, "truncated": 0,
                "histogram": {"edges": [0.0, 1.0, 2.0, 3.0, 4.0], "counts": [0, 3, 6, 2]}, "model": "smollm2"}
    empty = {**measured, "rows": 0, "mean_loss": math.nan, "histogram": {"edges": [], "counts": []}}
    page = render_html(replace(demo, measurements={"PPL001": measured, "PPL002": measured, "PPL003": empty}))
    (chart,) = re.findall(r"<figcaption>Loss per token.*?</figure>", page, re.S)  # drawn once, empty one left out
    assert chart.startswith("<figcaption>Loss per token (PPL001, PPL002)</figcaption>")
    assert "1.00–2.00" in chart and "3.00–4.00" in chart and "mean loss 2.310" in chart and "smollm2" in chart


def test_bar_chart_scales_bars_to_the_largest_value() -> None:
    svg = bar_chart("t", [("a", 10.0), ("b", 5.0)])
    widths = [float(width) for width in re.findall(r'<rect x="\d+" y="3" width="([\d.]+)"', svg)]
    assert widths == [300.0, 150.0]
    assert "nothing to draw" in bar_chart("t", [])


@pytest.fixture(scope="module")
def large_run(tmp_path_factory: pytest.TempPathFactory) -> RunReport:
    """100k rows, each with an empty trace, so SCH005 fires on every row."""
    root = tmp_path_factory.mktemp("large")
    data = root / "ds" / "data" / "train.jsonl"
    data.parent.mkdir(parents=True)
    with data.open("w", encoding="utf-8") as out:
        for index in range(100_000):
            out.write(json.dumps({"question": f"What is {index} + 1? {HOSTILE}", "reasoning": "",
                                  "answer": str(index + 1)}) + "\n")
    return run_report(root / "ds", sample_scores(), select=["SCH005"])


def test_report_of_a_100k_row_run_stays_under_5_mb(large_run: RunReport) -> None:
    assert len(large_run.findings) == 100_000
    page = render_html(large_run)
    assert len(page.encode("utf-8")) < 5_000_000
    assert page.count("<li><code class=\"loc\">") == LOCATIONS_PER_RULE
    assert f"+{100_000 - LOCATIONS_PER_RULE:,} more" in page
    assert "<script>alert" not in page


def test_markdown_of_a_100k_row_run_stays_under_1_mib(large_run: RunReport) -> None:
    text = summary_markdown(large_run, ranked_annotations(large_run), rows=100_000, link=relative_link)
    assert len(text.encode("utf-8")) < 1024 * 1024
    assert "| warning | 100000 |" in text and "more not shown" in text


def test_cli_writes_the_page_to_the_output_file(tmp_path: Path) -> None:
    result = run_cli("check", str(REPO / "fixtures" / "datasets" / "demo"), "--output-format", "html",
                     "--output-file", "report.html", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")


def test_signals_that_moved_nothing_are_folded_away(demo: RunReport) -> None:
    from reasonlint.score.model import Contribution

    scores = sample_scores()
    nothing = Contribution("signal:limitations", "the card discusses limitations", "no such section", 0.5, 0.0)
    approach = replace(scores.approach, contributions=(nothing,))
    page = render_html(replace(demo, scores=replace(scores, approach=approach)))
    card = page[page.index("<h3>Approach</h3>"):page.index("<h3>Domain</h3>")]
    assert "nothing moved it from the base" in card and "+0.0" not in card
    assert "looked for, no effect (1)" in card and "the card discusses limitations" in card
