"""Card-against-data checks on summaries built by hand: counts that need many rows, and
targets that are not local folders."""

from __future__ import annotations

import pytest

from reasonlint.checks.card_data import card_missing_file, card_row_count
from reasonlint.source.card import parse_card
from reasonlint.source.mapping import ColumnMapping
from reasonlint.summary import DatasetSummary, TableSummary


def _summary(card: str, rows: dict[tuple[str, str], int], target: str = "user/name", kind: str = "hub",
             complete: bool = True, files: tuple[str, ...] | None = None) -> DatasetSummary:
    tables = tuple(TableSummary(config, split, (f"{config}/{split}.jsonl",), count, ColumnMapping(("question",)))
                   for (config, split), count in rows.items())
    return DatasetSummary(target_id=target, target_kind=kind, card=parse_card(card), tables=tables,
                          layout_problems=(), complete=complete, repository_files=files)


@pytest.mark.parametrize(("claim", "rows", "reported"), [
    ("contains 1.2k problems", 1180, False),
    ("contains 1.2k problems", 1249, False),
    ("contains 1.2k problems", 1300, True),
    ("contains 10,000 samples", 10_000, False),
    ("contains 10,000 samples", 9_998, True),
    ("contains 1000+ examples", 4_000, False),
    ("contains about 900 examples", 950, False),
    ("contains up to 500 examples", 120, False),
    ("contains 800 traces", 100, False),  # 8 generations per row
    ("contains 2M rows", 1_990_000, False),
])
def test_claims_within_rounding_pass(claim: str, rows: int, reported: bool) -> None:
    hits = list(card_row_count(_summary(f"# Data\n\nThis dataset {claim}.\n", {("default", "train"): rows})))
    assert bool(hits) is reported


def test_any_config_total_may_match() -> None:
    # seen on card_openthoughts_114k: two configs of 113,957 rows each, "114k examples"
    summary = _summary("Open dataset with 114k high-quality examples.\n",
                       {("default", "train"): 113_957, ("metadata", "train"): 113_957})
    assert list(card_row_count(summary)) == []


def test_split_named_compares_that_split_and_reports_facts() -> None:
    summary = _summary("Training examples: 192\n\nTest examples: 5\n",
                       {("default", "train"): 900})
    hits = list(card_row_count(summary))
    assert [(hit.location.line if hit.location else None, hit.facts) for hit in hits] == [
        (1, {"claim": "Training examples: 192", "scope": " in train", "actual": 900, "splits": "train: 900"})
    ]


def test_counts_are_not_compared_when_reading_stopped_early() -> None:
    summary = _summary("The dataset contains 250 examples.\n", {("default", "train"): 3}, complete=False)
    assert list(card_row_count(summary)) == []


def test_missing_files_are_judged_against_the_repository_listing() -> None:
    card = "- `data.jsonl`: everything\n"
    assert list(card_missing_file(_summary(card, {("default", "train"): 1}, kind="file"))) == []
    files = ("README.md", "benchmark.jsonl")
    hits = list(card_missing_file(_summary(card, {("default", "train"): 1}, files=files)))
    assert [hit.facts["name"] for hit in hits] == ["data.jsonl"]
    assert list(card_missing_file(_summary(card, {("default", "train"): 1}, files=(*files, "data/data.jsonl")))) == []
