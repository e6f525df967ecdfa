"""Trace structure rules beyond the rule cases: hostile sizes and the real datasets."""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from pathlib import Path

from reasonlint.catalogue import builtin_catalogue
from reasonlint.checks.trace import (
    nothing_after_thinking,
    reasoning_tag_in_prompt,
    trivial_thinking,
    unbalanced_reasoning_tags,
    unclosed_block_at_end,
)
from reasonlint.config import Settings
from reasonlint.engine import run
from reasonlint.findings import Finding
from reasonlint.source.mapping import detect_mapping, records_of
from reasonlint.source.target import resolve_target
from tests.conftest import write_files

STRUCTURE = [f"TRC{number:03d}" for number in range(1, 14)]
TETRALEMMA = ["reason", "exception", "tension", "categorization", "deconstruction", "conclusion"]


def _check(target: Path, codes: list[str], **config: object) -> list[Finding]:
    settings = Settings.model_validate({**config, "select": codes, "jobs": 1})
    return list(run(resolve_target(str(target)), builtin_catalogue(), settings).findings)


def _record(**raw: object):  # type: ignore[no-untyped-def]
    return records_of(raw, detect_mapping([raw]))[0]


def test_five_megabyte_truncated_trace_is_reported_quickly() -> None:
    record = _record(question="q", response="<think>" + "step " * 1_000_000)
    started = time.perf_counter()
    hits = list(unclosed_block_at_end(record)) + list(unbalanced_reasoning_tags(record))
    hits += list(trivial_thinking(record, min_words=5)) + list(nothing_after_thinking(record))
    assert time.perf_counter() - started < 1.0
    assert [hit.facts["after"] for hit in hits] == [5_000_000]


def test_thousands_of_tags_in_a_prompt_cost_one_pass() -> None:
    record = _record(question="<think></think>" * 5000 + "<think>", response="ok")
    started = time.perf_counter()
    [hit] = reasoning_tag_in_prompt(record)
    assert time.perf_counter() - started < 0.5
    assert hit.facts["detail"] == "<think> at offset 75000 is never closed (0 characters follow it)"


def test_per_row_cost_of_all_structure_rules_on_8kb_traces(tmp_path: Path) -> None:
    trace = ("Let me think about this step by step. " * 215)[:8000]
    rows = [{"question": f"What is {i} + {i}?", "response": f"<think>{trace}</think> The answer is {2 * i}."}
            for i in range(2000)]
    write_files(tmp_path, {"train.jsonl": "".join(json.dumps(row) + "\n" for row in rows)})
    assert _check(tmp_path, STRUCTURE) == []


# --- real data (../shared/realdata; skipped when absent) ------------------------------------------


def test_tetralemma_declared_scheme_finds_the_broken_blocks(realdata: Path) -> None:
    findings = _check(realdata / "rinkaname_tetralemma_reasoning", ["TRC009"],
                      rules={"TRC009": {"blocks": TETRALEMMA}})

    rows: dict[str, set[int | None]] = {}
    for finding in findings:
        counts = re.search(r"(\d+) <(\w+)> but (\d+) </\2>", finding.message)
        if counts:
            rows.setdefault(counts.group(2), set()).add(finding.location.row)
    # SOURCES.md: <deconstruction> missing/duplicated in 63 rows, <conclusion> in 50.
    assert len(rows["deconstruction"]) == 63
    assert len(rows["conclusion"]) == 50
    assert {finding.severity.value for finding in findings} == {"error"}
    assert Counter(finding.location.field for finding in findings) == {"Reasoning": len(findings)}


def test_tetralemma_without_a_declared_scheme_is_quiet(realdata: Path) -> None:
    assert _check(realdata / "rinkaname_tetralemma_reasoning", ["TRC009"]) == []


def test_logic_rl_prompts_end_in_a_dangling_think(realdata: Path) -> None:
    findings = _check(realdata / "logic_rl_knights_knaves_3ppl", STRUCTURE)

    assert {finding.code for finding in findings} == {"TRC010"}
    assert len(findings) == 900
    assert all(finding.message.endswith("is never closed (0 characters follow it)") for finding in findings)
    assert {finding.location.field for finding in findings} == {"prompt[0].content"}


def test_clean_control_and_tagless_datasets_get_nothing(realdata: Path) -> None:
    for folder in ("openai_gsm8k", "rinkaname_financial_reasoning", "huatuogpt_o1_medical_demo",
                   "simplerl_math_cot_maj8_100", "luckyiitr_r1_distill_pcmb_traces"):
        assert _check(realdata / folder, STRUCTURE) == [], folder
