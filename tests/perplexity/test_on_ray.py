"""The model rules on Ray: an actor holds the real SmolLM2 model (on a CPU worker here: the
cluster has no GPU) while tasks run the other rules; the report is the single-process one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reasonlint.catalogue import builtin_catalogue
from reasonlint.config import Settings
from reasonlint.engine import run
from reasonlint.report.json import report_dict
from reasonlint.source.target import resolve_target
from tests.perplexity.conftest import rows_of, write_dataset

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def local_ray() -> Iterator[Any]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield ray
    ray.shutdown()


def test_the_model_rules_run_in_an_actor_and_the_report_is_unchanged(loaded: Any, local_ray: Any,
                                                                     tmp_path: Path) -> None:
    root = write_dataset(tmp_path / "data", rows_of("clean.jsonl")[:22] + rows_of("planted.jsonl"))
    reports = []
    for executor in ("local", "ray"):
        settings = Settings.model_validate({"select": ["PPL001", "PPL002", "TRC"], "jobs": 1, "device": "cpu",
                                            "cache": False, "executor": executor})
        report = report_dict(run(resolve_target(str(root)), builtin_catalogue(), settings))
        report["run"].pop("elapsed_seconds", None)
        reports.append(report)
    assert reports[1] == reports[0]
    assert sorted(f["location"]["line"] for f in reports[0]["findings"] if f["code"] == "PPL001") == [23, 24, 25, 26]
    assert reports[0]["measurements"]["PPL001"]["rows"] == 26  # every row scored once, by the actor
