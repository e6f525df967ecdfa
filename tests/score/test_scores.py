"""Scores order datasets the way a judge would, say why, and stay the same for the same input.

The realdata tests build small folders in tmp_path from ../shared/realdata rows and cards
(never copied into the project) and assert orderings, not fixed numbers.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reasonlint.catalogue import CatalogueError
from reasonlint.score.explain import explain
from reasonlint.score.model import Scores
from reasonlint.score.weights import builtin_rules_dir, load_weights
from tests.conftest import write_files
from tests.score.helpers import scores_of

ROWS = 300


def _rows(path: Path, count: int = ROWS) -> list[dict[str, object]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line, _ in zip(handle, range(count), strict=False)]


def _folder(root: Path, name: str, rows: list[dict[str, object]], card: Path | None) -> Path:
    files: dict[str, object] = {"train.jsonl": {"rows": rows}}
    if card is not None:
        files["README.md"] = card.read_text(encoding="utf-8")
    return write_files(root / name, files)


@pytest.fixture(scope="module")
def gsm8k(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Scores]:
    from tests.conftest import REALDATA

    if not REALDATA.is_dir():
        pytest.skip("../shared/realdata is not present")
    root = tmp_path_factory.mktemp("gsm8k")
    rows = _rows(REALDATA / "openai_gsm8k" / "train.jsonl")
    truncated = [{**row, "answer": str(row["answer"])[: len(str(row["answer"])) // 2]} for row in rows]
    folders = {
        "good card, clean": _folder(root, "good", rows, REALDATA / "card_hf2023_gsm8k" / "README.md"),
        "no card, clean": _folder(root, "bare", rows, None),
        "stub card, truncated": _folder(root, "bad", truncated, REALDATA / "card_hf2023_raldblox_cotlin" / "README.md"),
    }
    return {name: scores_of(folder) for name, folder in folders.items()}


@pytest.mark.realdata
def test_complete_card_and_clean_traces_beat_stub_card_and_truncated_traces(gsm8k: dict[str, Scores]) -> None:
    good, bad = gsm8k["good card, clean"], gsm8k["stub card, truncated"]
    assert good.overall > bad.overall
    assert good.approach.score > bad.approach.score
    assert good.quality.score > bad.quality.score
    assert good.primary_domain == bad.primary_domain == "math"


@pytest.mark.realdata
def test_a_good_card_raises_approach_only(gsm8k: dict[str, Scores]) -> None:
    carded, bare = gsm8k["good card, clean"], gsm8k["no card, clean"]
    assert carded.approach.score > bare.approach.score + 2
    raised = {item.source for item in carded.approach.contributions if item.points > 0}
    assert {"signal:creation_section", "signal:limitations"} <= raised


@pytest.mark.realdata
def test_planted_unclosed_think_tags_lower_quality(realdata: Path, tmp_path: Path) -> None:
    rows = _rows(realdata / "rinkaname_financial_reasoning" / "train.jsonl")
    broken = [{**row, "cot": str(row["cot"]).replace("</think>", "")} if index % 3 == 0 else row
              for index, row in enumerate(rows)]
    clean = scores_of(_folder(tmp_path, "clean", rows, None))
    planted = scores_of(_folder(tmp_path, "planted", broken, None))
    assert planted.quality.score < clean.quality.score
    lowered = [item for item in planted.quality.contributions if item.source.startswith("rule:") and item.points < 0]
    assert any(item.source.startswith("rule:TRC") for item in lowered), lowered


@pytest.mark.realdata
def test_realdata_orderings_a_judge_would_defend(realdata: Path) -> None:
    scores = {name: scores_of(realdata / name, max_rows=1000) for name in (
        "openai_gsm8k", "huatuogpt_o1_medical_demo", "luckyiitr_r1_distill_pcmb_traces",
        "rinkaname_tetralemma_reasoning", "rinkaname_financial_reasoning")}
    # An under-explored domain scores above another grade-school math set.
    assert scores["huatuogpt_o1_medical_demo"].domain.score > scores["openai_gsm8k"].domain.score
    assert scores["rinkaname_financial_reasoning"].domain.score > scores["openai_gsm8k"].domain.score
    # Provenance columns (teacher model, verification status) count for the creation method.
    assert scores["luckyiitr_r1_distill_pcmb_traces"].approach.score > scores["openai_gsm8k"].approach.score
    # A card that describes the dataset beats none (financial's dataset.md is not a card).
    tetralemma, financial = scores["rinkaname_tetralemma_reasoning"], scores["rinkaname_financial_reasoning"]
    assert tetralemma.approach.score > financial.approach.score


def test_same_input_same_scores_and_explained(tmp_path: Path) -> None:
    rows = [{"question": f"What is {a} + {b}? Explain each step.",
             "reasoning": f"<think>\nStep 1: take {a}.\nStep 2: add {b}.\nStep 3: the sum is {a + b}.\n</think>",
             "answer": str(a + b)} for a in range(12) for b in range(12)]
    folder = write_files(tmp_path / "sums", {"train.jsonl": {"rows": rows}})
    first, second = scores_of(folder), scores_of(folder)
    assert first == second
    assert Scores.from_json(first.to_json()) == first
    text = explain(first)
    for dimension in first.dimensions:
        assert f"{dimension.dimension.capitalize()} {dimension.score:.1f} / 10" in text
    assert "signal: answer verifiability: 144 of 144 rows carry an answer or reference  weight 1.5" in text
    assert "domains: math 100%" in text
    partial = scores_of(folder, select=["TRC"])
    assert partial.rules_run < partial.rules_total
    assert f"scored with {partial.rules_run} of {partial.rules_total} rules" in explain(partial)


def test_every_weight_has_a_doc_and_a_typo_names_file_and_key(tmp_path: Path) -> None:
    text = (builtin_rules_dir() / "scoring" / "weights.yaml").read_text(encoding="utf-8")
    load_weights(builtin_rules_dir() / "scoring" / "weights.yaml")
    typo = tmp_path / "weights.yaml"
    typo.write_text(text.replace("  dataset_share:", "  dataset_shares:"), encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"weights\.yaml: findings\.dataset_share"):
        load_weights(typo)
