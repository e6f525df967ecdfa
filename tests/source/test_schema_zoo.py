"""Role inference on the schema zoo: layouts of published datasets, each with its expected
mapping, written in their own formats and read through the real readers and engine.

Mapping errors matter as missed defects, so they are measured that way too: each layout gets
planted defects (an unclosed <think>, a duplicated example, a trace cut mid-sentence) in the
field that holds its output, and the trace and dedup rules must find them.
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from reasonlint.catalogue import builtin_catalogue
from reasonlint.config import Settings
from reasonlint.engine import plan, run
from reasonlint.source.target import resolve_target
from tests.conftest import run_cli
from tests.source.zoo import Layout, load_zoo, role_agreement

ACCURACY_TARGET = 0.95
RECALL_TARGET = 0.9
PLANTED_RULES = ["TRC001", "TRC002", "TRC003", "TRC004", "TRC005", "TRC007", "TRC009", "TRC020",
                 "DUP001", "DUP002", "DUP005"]
ZOO = load_zoo()


def _mapping_of(layout: Layout, folder: Path) -> dict[str, str]:
    layout.write(folder)
    planned = plan(resolve_target(str(folder)), builtin_catalogue(), Settings(jobs=1, cache=False, select=["SCH"]))
    return planned.mappings[0].roles()


def test_zoo_has_forty_distinct_layouts_in_every_format() -> None:
    assert len({layout.name for layout in ZOO}) == len(ZOO) >= 40
    assert {layout.format for layout in ZOO} == {"jsonl", "json", "parquet", "csv"}
    assert any("messages" in layout.expect for layout in ZOO)


def test_role_accuracy_over_the_zoo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    right = judged = 0
    misses = []
    for layout in ZOO:
        correct, total, wrong = role_agreement(layout.expect, _mapping_of(layout, tmp_path / layout.name))
        right, judged = right + correct, judged + total
        misses.extend(f"{layout.name}: {item}" for item in wrong)
    accuracy = right / judged
    with capsys.disabled():
        print(f"\nschema zoo: {len(ZOO)} layouts, role accuracy {right}/{judged} = {accuracy:.3f}")
        for miss in misses:
            print(f"  miss {miss}")
    assert accuracy >= ACCURACY_TARGET, misses


def _output_place(layout: Layout, row: dict[str, Any]) -> tuple[Any, Any] | None:
    """(container, key) of the text holding the layout's output in `row`: the last assistant
    turn, the trace, or the (first generation of the) response."""
    expect = layout.expect
    if "messages" in expect:
        turns = row[expect["messages"]]
        for turn in reversed(turns):
            if str(turn.get("role", turn.get("from"))) in ("assistant", "gpt", "model"):
                return turn, "content" if "content" in turn else "value"
        return None
    column = expect.get("trace") or expect.get("response")
    if column is None:
        return None
    value = row[column]
    if isinstance(value, list) and value:
        if isinstance(value[0], dict):
            return value[0], "response"
        return (value, 0) if isinstance(value[0], str) else None
    return (row, column) if isinstance(value, str) and not value.lstrip().startswith("[") else None


def _plant(layout: Layout, defect: str) -> list[dict[str, Any]] | None:
    """The layout's rows with one defect planted in row 1 (a copy of row 0 for duplicates), or
    None where the layout has no output text to plant it in."""
    rows = copy.deepcopy(layout.rows)
    place = _output_place(layout, rows[1])
    if place is None:
        return None
    container, key = place
    text = str(container[key])
    if defect == "unclosed-think":
        for tag in ("</think>", "<|end_of_thought|>", "</reasoning>", "</Thought>"):
            text = text.replace(tag, "")
        container[key] = "<think>\n" + text.replace("<think>", "")
    elif defect == "truncated":
        body = text.replace("</think>", " ").replace("<think>", " ")
        cut = body[: int(len(body) * 0.8)].rsplit(" ", 1)[0]
        if len(cut) < 220:
            return None
        container[key] = cut.rstrip(" .,;") + ", and so the value of the"
    elif defect == "duplicate":
        twin = copy.deepcopy(rows[0])
        roles = set(layout.expect.values())
        for name, value in twin.items():  # other metadata, same example
            if name not in roles and isinstance(value, str) and value:
                twin[name] = value + " (copy)"
            elif name not in roles and isinstance(value, int) and not isinstance(value, bool):
                twin[name] = value + 1000
        rows.insert(1, twin)
    return rows


def _count(layout: Layout, rows: list[dict[str, Any]], folder: Path) -> Counter[str]:
    layout.write(folder, rows)
    report = run(resolve_target(str(folder)), builtin_catalogue(),
                 Settings(jobs=1, cache=False, select=PLANTED_RULES))
    return Counter(finding.code for finding in report.findings)


@pytest.mark.slow
def test_planted_defects_are_found_in_every_layout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    found: Counter[str] = Counter()
    planted: Counter[str] = Counter()
    missed = []
    for layout in ZOO:
        clean = _count(layout, layout.rows, tmp_path / layout.name / "clean")
        for defect, codes in (("unclosed-think", ("TRC",)), ("truncated", ("TRC020",)),
                              ("duplicate", ("DUP001", "DUP002", "DUP005"))):
            rows = _plant(layout, defect)
            if rows is None:
                continue
            planted[defect] += 1
            counts = _count(layout, rows, tmp_path / layout.name / defect)
            if any(counts[code] > clean[code] for code in counts if code.startswith(codes)):
                found[defect] += 1
            else:
                missed.append(f"{layout.name}: {defect} ({json.dumps(dict(counts))})")
    recall = sum(found.values()) / sum(planted.values())
    with capsys.disabled():
        print(f"\nplanted defects found: {sum(found.values())}/{sum(planted.values())} = {recall:.3f}; "
              + ", ".join(f"{defect} {found[defect]}/{planted[defect]}" for defect in planted))
        for miss in missed:
            print(f"  missed {miss}")
    assert recall >= RECALL_TARGET, missed


def test_json_report_carries_the_mapping_evidence(tmp_path: Path) -> None:
    layout = next(layout for layout in ZOO if layout.name == "medical-mcq-r1-distill")
    folder = layout.write(tmp_path / "d")
    result = run_cli("check", str(folder), "--output-format", "json", "--select", "SCH")
    [table] = json.loads(result.stdout)["tables"]
    evidence = {item["role"]: item for item in table["mapping_evidence"]}
    assert table["mapping"] == layout.expect
    assert evidence["response"]["column"] == "reason"
    assert any("reasoning tag" in fact for fact in evidence["response"]["facts"])
    assert any("option letters" in fact for fact in evidence["reference"]["facts"])
    full = run_cli("check", str(folder), "--select", "SCH").stdout
    assert "response ← reason (" in full


def test_manual_columns_override_and_the_report_says_so(tmp_path: Path) -> None:
    layout = next(layout for layout in ZOO if layout.name == "medical-mcq-r1-distill")
    folder = layout.write(tmp_path / "d")
    result = run_cli("check", str(folder), "--column", "answer=answer", "--output-format", "json", "--select", "SCH")
    [table] = json.loads(result.stdout)["tables"]
    assert table["mapping"]["answer"] == "answer"
    assert [item["manual"] for item in table["mapping_evidence"] if item["role"] == "answer"] == [True]
    assert "answer ← answer (set by hand)" in run_cli("check", str(folder), "--column", "answer=answer",
                                                      "--select", "SCH").stdout
