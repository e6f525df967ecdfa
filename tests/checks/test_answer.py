"""Answer checks through the engine: parity across processes, hostile rows, real data."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

import pytest

from reasonlint.catalogue import builtin_catalogue
from reasonlint.config import Settings
from reasonlint.engine import run
from reasonlint.source.target import resolve_target
from tests.conftest import run_json, write_files


def _answers_jsonl(path: Path, rows: int) -> None:
    """About 1 KB a row; every 101st answer wrong, every 211th a fraction, every 307th
    unclosed, every 50th row with duplicate generations."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for index in range(rows):
            gold = f"\\frac{{{index}}}{{7}}" if index % 211 == 0 else str(index)
            answer = str(index + 1) if index % 101 == 0 else gold
            tail = f"\\boxed{{{answer}" if index % 307 == 0 else f"\\boxed{{{answer}}}"
            response = f"<think>{'think hard. ' * 80}</think> so {tail}"
            value: object = [response, response] if index % 50 == 0 else response
            out.write(json.dumps({"question": f"Q{index}?", "response": value, "gt": gold}) + "\n")


@pytest.mark.slow
def test_jobs_one_and_two_give_the_same_answer_findings(tmp_path: Path) -> None:
    _answers_jsonl(tmp_path / "data" / "train.jsonl", 9_000)  # > 8 MB: the engine uses workers
    _, serial = run_json("check", str(tmp_path), "--jobs", "1", "--select", "ANS")
    _, parallel = run_json("check", str(tmp_path), "--jobs", "2", "--select", "ANS")
    assert serial["findings"] == parallel["findings"]
    counts = Counter(f["code"] for f in serial["findings"])
    assert counts["ANS004"] == len([i for i in range(9_000) if i % 101 == 0 and i % 307]) + len(
        [i for i in range(0, 9_000, 50) if i % 101 == 0 and i % 307 == 0])
    assert counts["ANS003"] == len(range(0, 9_000, 307)) + len([i for i in range(0, 9_000, 50) if i % 307 == 0])
    assert counts["ANS010"] == len(range(0, 9_000, 50))


def test_five_megabyte_trace_and_binary_junk_do_not_stall_the_run(tmp_path: Path) -> None:
    huge = "<think>" + "Let me reconsider {the} step. " * 175_000 + "</think> \\boxed{" + "2^{" * 500
    write_files(tmp_path, {"train.jsonl": {"rows": [
        {"question": "q", "response": huge, "gt": "4"},
        {"question": "q", "response": "\x00\x01\ufffd\x1b[31m" * 1000 + "\\boxed{\x00}", "gt": "\x07"},
        {"question": "q", "response": "```python\n" + "\x00" * 100 + "\n```", "test": "assert f(1)"},
    ]}})
    started = time.perf_counter()
    report = run(resolve_target(str(tmp_path)), builtin_catalogue(), Settings(select=["ANS"], jobs=1))
    assert time.perf_counter() - started < 30
    codes = Counter(f.code for f in report.findings)
    assert codes["ANS003"] == 1  # the unclosed box at the end of the 5 MB trace
    assert codes["ANS006"] == 1  # null bytes are a parse error, never a crash


def test_gsm8k_train_is_clean(realdata: Path) -> None:
    report = run(resolve_target(str(realdata / "openai_gsm8k")), builtin_catalogue(),
                 Settings(select=["ANS"], jobs=1))
    assert report.findings == ()


def test_simplerl_repeated_generations_and_unsolved_prompts(realdata: Path) -> None:
    report = run(resolve_target(str(realdata / "simplerl_math_cot_maj8_100")), builtin_catalogue(),
                 Settings(select=["ANS010", "ANS011"], jobs=1))
    rows = [json.loads(line) for line in (realdata / "simplerl_math_cot_maj8_100" / "math_cot_100.jsonl").open()]
    duplicated = {i + 1 for i, row in enumerate(rows) if len(set(row["response"])) < len(row["response"])}
    assert len(duplicated) == 34
    assert {f.location.line for f in report.findings if f.code == "ANS010"} == duplicated
    # The dataset's own scores give 4 prompts 0/8 correct; on line 73 generation 7 answers
    # 10000 for the reference 10{,}000, which its grader missed; line 4's reference `4:30p..`
    # is broken (ANS012's finding), so its 8 right answers are not compared with it.
    assert sorted(f.location.line for f in report.findings if f.code == "ANS011") == [85, 86]
