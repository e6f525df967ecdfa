"""`check --shard I/N` then `merge`: the shards' report is the whole run's report."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli, run_json


def _dataset(root: Path) -> Path:
    root.mkdir()
    with (root / "train.jsonl").open("w", encoding="utf-8") as out:
        for index in range(600):
            question = "What is 1 plus 1?" if index % 150 == 0 else f"What is {index} plus {index * 7}?"
            trace = f"<think>We add {index} and {index * 7}. " + "Check the sum. " * (index % 9)
            trace += "" if index % 97 == 3 else "</think>"  # a few unclosed think tags
            row = {"question": question, "reasoning": trace, "answer": str(index * 8)}
            if index % 150 == 0:  # the same row four times, once in each third of the file
                row = {"question": question, "reasoning": "<think>1 plus 1 is 2.</think>", "answer": "2"}
            out.write(json.dumps(row) + "\n")
    (root / "extra.json").write_text(json.dumps([{"question": "What is 1 plus 1?", "reasoning": "<think>2</think>",
                                                  "answer": "2"}]), encoding="utf-8")
    return root


def _without_timing(report: dict) -> dict:
    report["run"].pop("elapsed_seconds", None)
    return report


def test_merged_shards_give_the_report_of_the_whole_run(tmp_path: Path) -> None:
    dataset = _dataset(tmp_path / "data")
    parts = []
    for index in (1, 2, 3):
        part = tmp_path / f"part{index}.shard"
        done = run_cli("check", str(dataset), "--shard", f"{index}/3", "--output-file", str(part))
        assert done.returncode == 0, done.stderr
        assert f"shard {index}/3:" in done.stderr
        parts.append(str(part))
    merged_code, merged = run_json("merge", str(dataset), *reversed(parts))  # any order
    whole_code, whole = run_json("check", str(dataset))
    assert merged_code == whole_code == 1
    assert _without_timing(merged) == _without_timing(whole)
    assert any(f["code"] == "DUP001" for f in whole["findings"])  # duplicates across shards are found


def test_merge_refuses_missing_shards_and_other_settings(tmp_path: Path) -> None:
    dataset = _dataset(tmp_path / "data")
    parts = [tmp_path / f"part{index}.shard" for index in (1, 2)]
    for index, part in enumerate(parts, start=1):
        assert run_cli("check", str(dataset), "--shard", f"{index}/2", "--output-file", str(part)).returncode == 0
    missing = run_cli("merge", str(dataset), str(parts[0]))
    assert missing.returncode == 2 and "merge needs each of 1/N..N/N once" in missing.stderr
    other = run_cli("merge", str(dataset), *map(str, parts), "--select", "TRC")
    assert other.returncode == 2 and "made with other rules, settings or data" in other.stderr
    foreign = tmp_path / "foreign.shard"
    foreign.write_bytes(b"not a shard")
    assert "not a shard file" in run_cli("merge", str(dataset), str(foreign)).stderr


def test_shard_needs_an_output_file_and_a_valid_spec(tmp_path: Path) -> None:
    dataset = _dataset(tmp_path / "data")
    assert "--output-file" in run_cli("check", str(dataset), "--shard", "1/2").stderr
    bad = run_cli("check", str(dataset), "--shard", "3/2", "--output-file", str(tmp_path / "p"))
    assert bad.returncode == 2 and "between 1 and N" in bad.stderr
