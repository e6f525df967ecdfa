"""Trace-quality checks on hostile inputs: huge, binary and space-less texts finish fast."""

from __future__ import annotations

import json
import time
from pathlib import Path

from reasonlint.catalogue import builtin_catalogue
from reasonlint.config import Settings
from reasonlint.engine import run
from reasonlint.source.target import resolve_target

CODES = ["TRC020", "TRC021", "TRC022", "TRC023", "TRC024", "TRC025", "LANG005"]


def _check(tmp_path: Path, rows: list[dict[str, str]]) -> list[str]:
    (tmp_path / "train.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    settings = Settings.model_validate({"select": CODES, "jobs": 1})
    report = run(resolve_target(str(tmp_path)), builtin_catalogue(), settings)
    return [f"{finding.code}:{finding.location.line}" for finding in report.findings]


def test_hostile_rows_finish_quickly(tmp_path: Path) -> None:
    loop = "wait, let me recompute this value once more. " * 110_000  # a 5 MB looping trace
    rows = [
        {"question": "loop?", "reasoning": loop + "and the", "answer": "\\boxed{" * 50},
        {"question": "junk?", "reasoning": bytes(range(1, 256)).decode("latin-1") * 4000},
        {"question": "line?", "reasoning": "x" * 1_000_000},
        {"question": "mix?", "reasoning": ("English prose here. 中文混合在这里。" * 30_000)},
    ]
    started = time.perf_counter()
    found = _check(tmp_path, rows)
    assert time.perf_counter() - started < 10
    assert "TRC024:1" in found and "TRC025:1" in found and "TRC020:1" in found
    assert "TRC024:3" not in found
