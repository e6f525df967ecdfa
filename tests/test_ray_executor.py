"""`--executor ray` on a real local Ray instance: the report is the single-process one, a dead
worker's slice is retried, and a slice that keeps failing ends the run with exit 2."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reasonlint.catalogue import builtin_catalogue, load_rule_file
from reasonlint.config import Settings
from reasonlint.engine import run
from reasonlint.report.json import report_dict
from reasonlint.source.target import resolve_target
from tests import ray_faults
from tests.conftest import REPO, run_cli

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def local_ray() -> Iterator[Any]:
    """One local instance for the module's in-process runs (the engine joins it, as it joins a
    cluster named by --ray-address); its workers import this checkout's tests package."""
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False,
             runtime_env={"env_vars": {"PYTHONPATH": str(REPO)}})
    yield ray
    ray.shutdown()


def _comparable(report: dict[str, Any]) -> dict[str, Any]:
    report.get("run", {}).pop("elapsed_seconds", None)
    return report


def _multi_file(root: Path) -> Path:
    """Three files of one split with one row in each of them (in the last slice of the first,
    which is cut into three slices of about 1 MB)."""
    root.mkdir()
    for name, count, pad in (("a.jsonl", 1_500, 60), ("b.jsonl", 300, 1), ("c.jsonl", 300, 1)):
        with (root / name).open("w", encoding="utf-8") as out:
            for index in range(count):
                same = index == (1_400 if name == "a.jsonl" else 0)
                question = "What is 1 plus 1?" if same else f"{name}: what is {index} plus {index * 3}?"
                steps = " ".join(f"Step {step}: {index} plus {step * 3} is {index + step * 3}." for step in range(pad))
                trace = "<think>1 plus 1 is 2.</think>" if same else (
                    f"<think>We add {index} and {index * 3}. {steps}" + ("" if index % 97 == 5 else "</think>"))
                out.write(json.dumps({"question": question, "reasoning": trace,
                                      "answer": "2" if same else str(index * 4)}) + "\n")
    return root


def _report(target: Path, **settings: Any) -> dict[str, Any]:
    catalogue = settings.pop("catalogue", builtin_catalogue())
    result = run(resolve_target(str(target)), catalogue, Settings(cache=False, **settings))
    return _comparable(report_dict(result))


def test_a_ray_run_gives_the_single_process_report_on_real_data(realdata: Path) -> None:
    """Through the CLI, which starts its own local instance, on a ../shared/realdata folder."""
    folder = realdata / "rinkaname_tetralemma_reasoning"
    reports = []
    for options in (("--jobs", "1"), ("--executor", "ray", "--jobs", "2")):
        done = run_cli("check", str(folder), "--no-cache", "--output-format", "json", *options)
        assert done.returncode in (0, 1), done.stderr
        reports.append(_comparable(json.loads(done.stdout)))
    assert reports[0] == reports[1]
    assert any(finding["code"] == "DUP001" for finding in reports[0]["findings"])


def test_cross_file_duplicates_are_found_across_slices_and_nodes(tmp_path: Path, local_ray: Any) -> None:
    data = _multi_file(tmp_path / "data")
    single = _report(data, jobs=1)
    on_ray = _report(data, executor="ray")
    assert on_ray == single
    duplicates = [f for f in single["findings"] if f["code"] == "DUP001"]
    assert [(f["location"]["path"], f["message"]) for f in duplicates] == [
        ("a.jsonl", "row repeated in 3 rows: also b.jsonl:1, c.jsonl:1")]
    assert {f["location"]["path"] for f in single["findings"] if f["code"] == "TRC007"} == {
        "a.jsonl", "b.jsonl", "c.jsonl"}  # row findings from every file and slice


def _with_crash_rule(tmp_path: Path, marker: str) -> dict[str, Any]:
    rule_file = tmp_path / "crash.yaml"
    rule_file.write_text(ray_faults.RULES, encoding="utf-8")
    catalogue = builtin_catalogue().extended(load_rule_file(rule_file, source=str(rule_file)))
    return {"catalogue": catalogue, "extend_select": ["TRC900"],
            "rules": {"TRC900": {"marker": marker, "driver": os.getpid()}}}


def _with_crash_row(root: Path) -> Path:
    data = _multi_file(root)
    with (data / "b.jsonl").open("a", encoding="utf-8") as out:
        out.write(json.dumps({"question": "CRASH-HERE: what is 2 plus 2?", "reasoning": "<think>4</think>",
                              "answer": "4"}) + "\n")
    return data


def test_a_worker_killed_mid_run_is_retried_and_the_report_is_unchanged(tmp_path: Path, local_ray: Any) -> None:
    data = _with_crash_row(tmp_path / "data")
    marker = tmp_path / "crashed-once"
    single = _report(data, jobs=1, **_with_crash_rule(tmp_path, str(marker)))
    on_ray = _report(data, executor="ray", **_with_crash_rule(tmp_path, str(marker)))
    assert marker.exists()  # a worker did die on b.jsonl
    assert on_ray == single
    assert on_ray["errors"] == []


def test_a_slice_that_always_fails_ends_the_run_with_exit_2_naming_it(tmp_path: Path, local_ray: Any) -> None:
    data = _with_crash_row(tmp_path / "data")
    catalogue_settings = _with_crash_rule(tmp_path, "")
    result = run(resolve_target(str(data)), catalogue_settings.pop("catalogue"),
                 Settings(cache=False, executor="ray", **catalogue_settings))
    assert len(result.errors) == 1
    assert result.errors[0].startswith("cannot check b.jsonl on the cluster")
    assert "WorkerCrashedError" in result.errors[0] or "died" in result.errors[0]


def test_ray_refuses_options_it_cannot_honour(tmp_path: Path) -> None:
    data = _multi_file(tmp_path / "data")
    done = run_cli("check", str(data), "--no-cache", "--executor", "ray", "--max-rows", "10")
    assert done.returncode == 2 and "leave out --max-rows" in done.stderr
