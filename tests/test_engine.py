"""The engine end to end: parallel parity, sampling, row limits, plugins with mergeable state."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from reasonlint.catalogue import builtin_catalogue
from reasonlint.config import Settings
from reasonlint.engine import run
from reasonlint.findings import Severity
from reasonlint.source.target import Target
from tests.conftest import engine_rules, run_cli, run_json, write_files


def _big_jsonl(path: Path, rows: int) -> None:
    """About 1 KB a row, with a malformed line and an empty trace every 997 and 1009 rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for index in range(rows):
            if index % 997 == 500:
                out.write('{"question": "broken", "reasoning": \n')
                continue
            trace = "" if index % 1009 == 7 else f"Step {index}: " + "reason carefully. " * 55
            out.write(json.dumps({"question": f"Q{index}?", "reasoning": trace, "answer": str(index)}) + "\n")


@pytest.mark.slow
def test_parallel_run_gives_the_same_report_as_a_serial_one(tmp_path: Path) -> None:
    _big_jsonl(tmp_path / "data" / "train.jsonl", 12_000)  # > 8 MB: the engine uses workers
    serial_code, serial = run_json("check", str(tmp_path), "--jobs", "1")
    parallel_code, parallel = run_json("check", str(tmp_path), "--jobs", "2")
    assert serial_code == parallel_code == 1
    assert serial == parallel
    lines = [f["location"]["line"] for f in serial["findings"] if f["code"] == "SCH001"]
    assert lines == [i + 1 for i in range(12_000) if i % 997 == 500]
    assert serial["run"]["rows_read"] == 12_000 - len(lines)


def test_sample_is_seeded_spread_over_splits_and_stable(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "train.jsonl": {"rows": [{"question": f"t{i}", "reasoning": "" if i % 2 else "r"} for i in range(300)]},
        "test.jsonl": {"rows": [{"question": f"e{i}", "reasoning": "" if i % 2 else "r"} for i in range(100)]},
    })
    _, first = run_json("check", str(tmp_path), "--sample", "40", "--seed", "3", "--select", "SCH005")
    _, again = run_json("check", str(tmp_path), "--sample", "40", "--seed", "3", "--select", "SCH005")
    _, other = run_json("check", str(tmp_path), "--sample", "40", "--seed", "4", "--select", "SCH005")
    assert first == again
    assert first["run"] | {"sample": None} == {"rows_read": 400, "rows_checked": 40, "complete": True,
                                               "sample": None, "seed": 3}
    lines = {(f["location"]["split"], f["location"]["line"]) for f in first["findings"]}
    other_lines = {(f["location"]["split"], f["location"]["line"]) for f in other["findings"]}
    assert lines != other_lines
    # 40 of 400 rows: 30 from train, 10 from test; about half of them have an empty trace
    assert {split for split, _ in lines} == {"train", "test"}
    assert 0 < len(lines) < 40


def test_max_rows_stops_reading_and_marks_the_count_unknown(tmp_path: Path) -> None:
    write_files(tmp_path, {"train.jsonl": {"rows": [{"question": "q", "reasoning": "r"}] * 50}})
    code, report = run_json("check", str(tmp_path), "--max-rows", "10", "--select", "SIZE001")
    assert report["run"]["rows_read"] == 10 and report["run"]["complete"] is False
    assert code == 0  # SIZE001 cannot judge a partial read
    _, full = run_json("check", str(tmp_path), "--select", "SIZE001")
    assert [f["code"] for f in full["findings"]] == ["SIZE001"]


def test_exit_codes(tmp_path: Path) -> None:
    write_files(tmp_path / "clean", {"train.jsonl": {"rows": [{"question": "q", "reasoning": "r"}] * 100}})
    write_files(tmp_path / "dirty", {"train.jsonl": '{"question": "q", "reasoning": ""}\n'})
    assert run_cli("check", str(tmp_path / "clean"), *engine_rules()).returncode == 0
    assert run_cli("check", str(tmp_path / "dirty"), *engine_rules()).returncode == 1
    assert run_cli("check", str(tmp_path / "dirty"), "--fail-level", "error", *engine_rules()).returncode == 0
    assert run_cli("check", str(tmp_path / "dirty"), "--exit-zero", *engine_rules()).returncode == 0
    missing = run_cli("check", str(tmp_path / "absent"))
    assert missing.returncode == 2
    assert missing.stderr.count("\n") == 1 and "absent" in missing.stderr


def test_file_the_os_cannot_read_means_could_not_check(tmp_path: Path) -> None:
    missing = tmp_path / "vanished.jsonl"  # listed, then gone before it was read
    target = Target(root=tmp_path, kind="file", id=str(missing), file=missing)
    report = run(target, builtin_catalogue(), Settings(jobs=1))
    assert report.errors == ("cannot read vanished.jsonl: No such file or directory",)
    assert report.exit_code(Severity.WARNING) == 2
    assert report.exit_code(Severity.WARNING, exit_zero=True) == 2


PLUGIN = '''
from reasonlint.checks import aggregate_check
from reasonlint.findings import Hit


@aggregate_check
class answer_is_forty_two:
    """Counts records whose answer is the given value (a mergeable sum) and reads their
    prompts again after the pass (wanted + revisit), as near-duplicate checks do."""

    def __init__(self, *, value: str) -> None:
        self.value = value

    def start(self):
        return {"count": 0, "where": [], "prompts": []}

    def add(self, state, record, location):
        if record.answer == self.value:
            state["count"] += 1
            state["where"].append(location)

    def merge(self, first, second):
        return {"count": first["count"] + second["count"], "where": first["where"] + second["where"],
                "prompts": []}

    def wanted(self, state):
        return state["where"]

    def revisit(self, state, record, location):
        assert location in state["where"]
        state["prompts"].append(f"{location.line}:{record.prompt}")

    def finish(self, state, summary):
        yield Hit({"count": state["count"], "value": self.value, "prompts": ", ".join(state["prompts"])},
                  key="count")
'''

PLUGIN_RULES = '''
family: answer
rules:
  - code: ANS901
    name: answers-of-a-value
    dimension: quality
    severity: info
    check: answer_is_forty_two
    parameters:
      value: {type: str, default: "42", doc: The answer to count.}
    message: "{count} answers are {value}: {prompts}"
    docs: {what: Counts answers., why: A plugin test., bad: "-", good: "-", fix: "-"}
'''


@pytest.mark.slow
def test_entry_point_plugin_with_user_rules_merges_state_across_workers(tmp_path: Path) -> None:
    site = tmp_path / "site"
    write_files(site, {
        "fortytwo_plugin.py": PLUGIN,
        "fortytwo_plugin-0.1.dist-info/METADATA": "Metadata-Version: 2.1\nName: fortytwo-plugin\nVersion: 0.1\n",
        "fortytwo_plugin-0.1.dist-info/entry_points.txt": "[reasonlint.checks]\nfortytwo = fortytwo_plugin\n",
    })
    data = tmp_path / "data"
    _big_jsonl(data / "train.jsonl", 12_000)
    write_files(data, {"reasonlint.toml": textwrap.dedent('''
        rule-files = ["plugin_rules.yaml"]
        extend-select = ["ANS901"]
        select = ["ANS901"]
        [rules.ANS901]
        value = "4242"
    '''), "plugin_rules.yaml": PLUGIN_RULES})
    env = {"PYTHONPATH": str(site)}
    reports = [run_json("check", str(data), "--jobs", jobs, env=env)[1] for jobs in ("1", "2")]
    assert reports[0] == reports[1]
    assert [f["message"] for f in reports[0]["findings"]] == ["1 answers are 4242: 4243:Q4242?"]


def test_a_card_named_as_the_target_is_not_a_silent_pass(tmp_path: Path) -> None:
    # Seen in the issue 18 audit: `reasonlint check card/README.md` read a 0-row table and exited 0.
    card = tmp_path / "README.md"
    card.write_text("---\nlicense: mit\n---\n# A card\n", encoding="utf-8")
    code, report = run_json("check", str(card))
    assert code == 1
    [finding] = [f for f in report["findings"] if f["code"] == "SCH006"]
    assert "README.md: reasonlint does not read it as data; to check a card, name its folder" in finding["message"]
