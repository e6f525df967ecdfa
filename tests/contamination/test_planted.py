"""Planted contamination: the shipped indexes find benchmark items in every disguise and stay
silent on clean rows and on older competition problems. Reads ../shared/benchmarks at test
time (nothing from it is committed); run with `-s` to see the recall table."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from reasonlint.contamination.index import matcher_for, resolve
from reasonlint.contamination.short_items import normal_tokens
from tests.conftest import REALDATA, run_cli
from tests.contamination.disguises import (
    BENCHMARKS,
    DISGUISES,
    aime_lookalike,
    clean_problem,
    filler,
    load_items,
    shuffled_options,
)

pytestmark = pytest.mark.skipif(not (BENCHMARKS / "gpqa_diamond.zip").is_file(),
                                reason="../shared/benchmarks is not present")
MIN_COVERAGE, MIN_MATCHES = 0.5, 6  # the rules' defaults
TARGETS = {"verbatim": 0.95, "prefixed": 0.95, "quoted": 0.95, "reformatted": 0.95,
           "changed numbers": 0.8, "shuffled options": 0.8}


def _found(text: str, names: list[str]) -> tuple[str, str] | None:
    match = matcher_for(resolve(names)).match(text, min_coverage=MIN_COVERAGE, min_matches=MIN_MATCHES)
    return None if match is None else (match.benchmark, match.item)


def test_recall_per_disguise() -> None:
    items = load_items()
    rng = random.Random(5)
    recall: dict[str, float] = {}
    renumbered: dict[str, float] = {}
    for name, disguise in {**DISGUISES, "shuffled options": shuffled_options}.items():
        planted = [(bench, text) for bench, texts in items.items() for text in texts
                   if name != "shuffled options" or bench == "gpqa_diamond"]
        found = variants = 0
        for bench, text in planted:
            match = matcher_for(resolve([])).match(disguise(text, rng), min_coverage=MIN_COVERAGE,
                                                   min_matches=MIN_MATCHES)
            if match is not None and match.benchmark == bench:
                found += 1
                variants += match.renumbered
        recall[name] = found / len(planted)
        renumbered[name] = variants / max(found, 1)
        print(f"{name:17s} recall {recall[name]:.3f} ({found}/{len(planted)}), "
              f"read as renumbered (CON004) {renumbered[name]:.3f}")
    for name, target in TARGETS.items():
        assert recall[name] >= target, name
    # Renumbered copies are CON004's variants (measured 0.749: items with fewer than two numbers,
    # or whose new numbers happen to be among their old ones, stay CON001's); the other
    # disguises keep the numbers, so they stay CON001's leaks.
    assert renumbered["changed numbers"] >= 0.7
    assert all(share <= 0.01 for name, share in renumbered.items() if name != "changed numbers"), renumbered


SHORT_TOKENS = 24  # items this short have at most 17 informative 8-grams: n-grams alone miss many


def _short_items() -> list[tuple[str, str]]:
    return [(bench, text) for bench, texts in load_items().items() for text in texts
            if len(normal_tokens(text.encode("utf-8"))) <= SHORT_TOKENS]


def test_short_item_recall_per_disguise() -> None:
    """Short items ("Simplify $\\sqrt{242}$.") are matched whole, numbers kept: every disguise
    but renumbering finds them (renumbered, a short item is another exercise)."""
    planted = _short_items()
    assert len(planted) >= 100
    rng = random.Random(7)
    for name, disguise in DISGUISES.items():
        found = sum(_found(disguise(text, rng), []) is not None for _, text in planted)
        recall = found / len(planted)
        print(f"short items, {name:15s} recall {recall:.3f} ({found}/{len(planted)})")
        if name != "changed numbers":
            assert recall >= 0.95, name


def test_shared_instruction_alone_does_not_match_a_short_item() -> None:
    texts = ["Express your answer as a common fraction.", "Express your answer in simplest radical form.",
             "What is the value of $x$? Express your answer as a common fraction.",
             "Compute the sum. Express your answer in base 9."]
    assert [_found(text, []) for text in texts] == [None] * len(texts)


def test_every_math500_problem_as_a_prompt_is_flagged(tmp_path: Path) -> None:
    """The real-data check: a file of all 500 MATH-500 problems, each as a prompt."""
    problems = load_items()["math500"]
    data = tmp_path / "ds" / "train.jsonl"
    data.parent.mkdir()
    data.write_text("".join(json.dumps({"question": text, "answer": "0"}) + "\n" for text in problems),
                    encoding="utf-8")
    result = run_cli("check", str(data.parent), "--select", "CON001", "--output-format", "json")
    findings = json.loads(result.stdout)["findings"]
    flagged = {finding["location"]["line"] for finding in findings}
    print(f"MATH-500 as prompts: {len(flagged)}/{len(problems)} flagged")
    assert len(flagged) / len(problems) >= 0.98


def test_false_positives_on_clean_rows() -> None:
    rng = random.Random(6)
    clean = [f"{clean_problem(rng)}\n<think>{filler(rng, 30)}</think>" for _ in range(2000)]
    train = REALDATA / "openai_gsm8k" / "train.jsonl"
    if train.is_file():
        lines = train.read_text(encoding="utf-8").split("\n")
        clean += [json.loads(line)["answer"] for line in lines[:3000] if line.strip()]
    flagged = sum(_found(text, []) is not None for text in clean)
    print(f"clean rows: {flagged} of {len(clean)} flagged")
    assert flagged <= 0.01 * len(clean)


def test_false_positives_on_older_competition_problems() -> None:
    """MATH (2021, so older than every AIME/AMC index) and invented look-alikes that share
    AIME boilerplate, against the 2023-2025 competition indexes only."""
    competitions = ["aime2024", "aime2025", "amc2023"]
    older = load_items()["math500"]
    rng = random.Random(7)
    lookalikes = [aime_lookalike(rng) for _ in range(500)]
    flagged_older = [i for i, text in enumerate(older) if _found(text, competitions)]
    flagged_lookalikes = sum(_found(text, competitions) is not None for text in lookalikes)
    print(f"MATH-500 vs 2023-2025 competitions: {len(flagged_older)} of {len(older)} flagged {flagged_older}; "
          f"look-alikes: {flagged_lookalikes} of {len(lookalikes)}")
    assert len(flagged_older) <= 0.01 * len(older)
    assert flagged_lookalikes <= 0.01 * len(lookalikes)


@pytest.mark.realdata
def test_gsm8k_train_against_gsm8k_test() -> None:
    """Every train question that covers a test item: printed for review. The known ones are
    templated twins (same story, other names and numbers), which is what the rule is for."""
    train = REALDATA / "openai_gsm8k" / "train.jsonl"
    if not train.is_file():
        pytest.skip("../shared/realdata/openai_gsm8k is not present")
    lines = [line for line in train.read_text(encoding="utf-8").split("\n") if line.strip()]
    matcher = matcher_for(resolve(["gsm8k_test"]))
    matches = []
    for number, line in enumerate(lines, start=1):
        found = matcher.match(json.loads(line)["question"], min_coverage=MIN_COVERAGE, min_matches=MIN_MATCHES)
        if found is not None:
            matches.append((number, found.item, found.coverage))
            print(f"train.jsonl:{number} covers {found.coverage:.0%} of gsm8k_test:{found.item}")
    assert len(lines) == 7473
    assert len(matches) <= 10
