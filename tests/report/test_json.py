"""`--output-format json`: the versioned report contract in `reasonlint/report/output_schema.json`.

Each dataset is written into `<tmp>/ds` and checked by the real CLI from `<tmp>`.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import reasonlint
from reasonlint.report.json import output_schema
from tests.conftest import (
    DATASETS,
    EMPTY_TRACE_ROW,
    MALFORMED_LINE,
    MIXED_JSONL,
    REPO,
    engine_rules,
    run_cli,
    run_json,
    write_files,
)


def report_of(root: Path, files: dict[str, Any], *args: str) -> dict[str, Any]:
    """Write `files` into root/ds and return the JSON report of `check ds`."""
    write_files(root / "ds", files)
    code, report = run_json("check", "ds", *engine_rules(*args), cwd=root)
    assert code in (0, 1), report
    return report


def location_key(finding: dict[str, Any]) -> tuple[Any, ...]:
    """The documented order: by path, then line, then row, then field."""
    location = finding["location"]
    row = location["row"] if location["row"] is not None else -1
    return location["path"], location["line"] or 0, row, location["field"] or ""


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """The JSON report of each dataset in DATASETS, run once for the module."""
    return {name: report_of(tmp_path_factory.mktemp(name), files) for name, files in DATASETS.items()}


@pytest.fixture(scope="module")
def demo_report() -> dict[str, Any]:
    _, report = run_json("check", "fixtures/datasets/demo", cwd=REPO)
    return report


def test_shipped_output_schema_is_a_valid_json_schema() -> None:
    schema = output_schema()
    jsonschema.validators.validator_for(schema).check_schema(schema)
    assert schema["properties"]["schema_version"] == {"const": 1}


@pytest.mark.parametrize("dataset", sorted(DATASETS))
def test_json_report_validates_against_the_shipped_schema(reports: dict[str, dict[str, Any]], dataset: str) -> None:
    schema = output_schema()
    validator = jsonschema.validators.validator_for(schema)(schema)
    report = reports[dataset]
    assert report["findings"], "the dataset should produce findings to validate"
    errors = [f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(report)]
    assert not errors, "\n".join(errors)


def test_json_report_of_the_demo_dataset_validates_against_the_shipped_schema(demo_report: dict[str, Any]) -> None:
    schema = output_schema()
    jsonschema.validators.validator_for(schema)(schema).validate(demo_report)
    assert {(f["code"], f["location"]["line"]) for f in demo_report["findings"]} >= {("SCH001", 6), ("SCH005", 7)}


def test_json_report_names_schema_version_tool_and_target(reports: dict[str, dict[str, Any]]) -> None:
    report = reports["jsonl"]
    assert report["schema_version"] == 1
    assert report["tool"] == {"name": "reasonlint", "version": reasonlint.__version__}
    assert report["target"] == {"id": "ds", "kind": "folder", "revision": None, "sha": None}


def test_json_report_of_a_single_file_has_target_kind_file(tmp_path: Path) -> None:
    write_files(tmp_path / "ds", {"train.jsonl": MIXED_JSONL})
    _, report = run_json("check", "ds/train.jsonl", cwd=tmp_path)
    assert report["target"]["kind"] == "file"
    assert report["target"]["id"] == "ds/train.jsonl"
    assert {finding["location"]["path"] for finding in report["findings"]} == {"train.jsonl"}


def test_json_report_lists_tables_with_their_files_rows_and_mapping(reports: dict[str, dict[str, Any]]) -> None:
    [table] = reports["jsonl"]["tables"]
    evidence = table.pop("mapping_evidence")
    assert table == {
        "config": "default", "split": "train", "files": ["train.jsonl"], "rows": 2,
        "mapping": {"prompt": "question", "trace": "reasoning", "answer": "answer"},
    }
    assert [(item["role"], item["column"]) for item in evidence] == [
        ("prompt", "question"), ("trace", "reasoning"), ("answer", "answer")]
    assert 'name matches "question"' in evidence[0]["facts"]
    assert reports["jsonl"]["run"]["rows_read"] == 2
    assert reports["parquet"]["tables"][0]["files"] == ["train.parquet"]
    assert reports["parquet"]["tables"][0]["rows"] == 2


def test_json_report_lists_the_active_rules(tmp_path: Path) -> None:
    report = report_of(tmp_path, DATASETS["jsonl"], "--select", "SCH005,SIZE001")
    assert report["rules"] == ["SCH005", "SIZE001"]
    assert {finding["code"] for finding in report["findings"]} == {"SCH005", "SIZE001"}


@pytest.mark.parametrize("dataset", sorted(DATASETS))
def test_json_counts_equal_the_findings_per_severity(reports: dict[str, dict[str, Any]], dataset: str) -> None:
    report = reports[dataset]
    by_severity = Counter(finding["severity"] for finding in report["findings"])
    assert report["counts"] == {severity: by_severity[severity] for severity in ("error", "warning", "info")}


def test_json_counts_cover_every_severity_of_a_mixed_dataset(reports: dict[str, dict[str, Any]]) -> None:
    assert reports["jsonl"]["counts"] == {"error": 1, "warning": 1, "info": 1}


def test_json_findings_are_sorted_by_location(reports: dict[str, dict[str, Any]],
                                              demo_report: dict[str, Any]) -> None:
    # The dataset-wide SIZE001 is found last but points at the file, before its lines.
    assert [(f["code"], f["location"]["line"]) for f in reports["jsonl"]["findings"]] == [
        ("SIZE001", None), ("SCH001", 2), ("SCH005", 3)]
    for findings in (reports["jsonl"]["findings"], reports["parquet"]["findings"], demo_report["findings"]):
        assert findings == sorted(findings, key=location_key)


def test_json_findings_sort_across_files_by_path(tmp_path: Path) -> None:
    files = {"b.jsonl": MIXED_JSONL, "a.jsonl": "\n".join([MALFORMED_LINE, json.dumps(EMPTY_TRACE_ROW)]) + "\n"}
    report = report_of(tmp_path, files, "--select", "SCH001,SCH005")
    assert [(f["location"]["path"], f["location"]["line"], f["code"]) for f in report["findings"]] == [
        ("a.jsonl", 1, "SCH001"), ("a.jsonl", 2, "SCH005"), ("b.jsonl", 2, "SCH001"), ("b.jsonl", 3, "SCH005")]


def test_json_jsonl_findings_have_line_field_and_excerpt(reports: dict[str, dict[str, Any]]) -> None:
    malformed, empty = (f for f in reports["jsonl"]["findings"] if f["code"] in ("SCH001", "SCH005"))
    assert malformed["severity"] == "error"
    assert malformed["location"]["path"] == "train.jsonl"  # relative to the dataset root
    assert malformed["location"]["line"] == 2
    assert malformed["location"]["row"] is None
    assert malformed["location"]["excerpt"].startswith('{"question": "What is 5 + 5?"')
    assert empty["location"]["line"] == 3
    assert empty["location"]["field"] == "reasoning"
    assert (empty["location"]["split"], empty["location"]["config"]) == ("train", "default")
    assert empty["message"] == "trace is empty"


def test_json_parquet_findings_have_a_row_and_no_line(reports: dict[str, dict[str, Any]]) -> None:
    (empty,) = (f for f in reports["parquet"]["findings"] if f["code"] == "SCH005")
    assert empty["location"]["path"] == "train.parquet"
    assert (empty["location"]["line"], empty["location"]["row"]) == (None, 1)


def test_json_lfs_pointer_is_one_error_on_the_file(reports: dict[str, dict[str, Any]]) -> None:
    (pointer,) = reports["lfs-pointer"]["findings"]
    assert (pointer["code"], pointer["severity"]) == ("SCH003", "error")
    assert pointer["location"]["path"] == "train.jsonl"
    assert (pointer["location"]["line"], pointer["location"]["row"]) == (None, None)
    assert "123" in pointer["message"]


@pytest.mark.parametrize("dataset", ["jsonl", "parquet"])
def test_json_report_is_byte_identical_for_the_same_input(tmp_path: Path, dataset: str) -> None:
    write_files(tmp_path / "ds", DATASETS[dataset])
    first = run_cli("check", "ds", "--output-format", "json", cwd=tmp_path)
    second = run_cli("check", "ds", "--output-format", "json", cwd=tmp_path)
    assert first.stdout
    assert first.stdout == second.stdout


def test_json_report_does_not_depend_on_the_number_of_jobs(tmp_path: Path) -> None:
    write_files(tmp_path / "ds", DATASETS["jsonl"])
    one = run_cli("check", "ds", "--output-format", "json", "--jobs", "1", cwd=tmp_path)
    four = run_cli("check", "ds", "--output-format", "json", "--jobs", "4", cwd=tmp_path)
    assert one.stdout == four.stdout


def test_json_output_file_holds_the_report_and_stdout_stays_empty(tmp_path: Path) -> None:
    write_files(tmp_path / "ds", DATASETS["jsonl"])
    printed = run_cli("check", "ds", "--output-format", "json", cwd=tmp_path)
    written = run_cli("check", "ds", "--output-format", "json", "--output-file", "report.json", cwd=tmp_path)
    assert written.returncode == printed.returncode == 1
    assert written.stdout == ""
    assert (tmp_path / "report.json").read_text(encoding="utf-8") == printed.stdout


def test_scores_profile_and_measurements_validate_and_reload() -> None:
    from dataclasses import replace

    from reasonlint.catalogue import builtin_catalogue
    from reasonlint.report.json import report_dict
    from reasonlint.report.loading import report_from_dict
    from tests.report.scored import run_report, sample_scores

    measured = {"rows": 11, "mean_loss": 2.5, "mad_loss": float("nan"),
                "histogram": {"edges": [0.0, 1.0], "counts": [3, 8]}, "model": "m"}
    report = replace(run_report(REPO / "fixtures" / "datasets" / "demo", sample_scores()),
                     measurements={"PPL001": measured})
    data = json.loads(json.dumps(report_dict(report), allow_nan=False))  # NaN is not JSON: written as null
    schema = output_schema()
    jsonschema.validators.validator_for(schema)(schema).validate(data)
    assert data["scores"]["overall"] == 6.0 and data["profile"]["records"] == report.profile.records  # type: ignore[union-attr]
    assert "examples" not in data["profile"] and "prompts" not in data["profile"]  # no sample texts
    reloaded = report_from_dict(data, builtin_catalogue(), cwd=REPO)
    assert reloaded.scores == report.scores
    assert reloaded.measurements == {"PPL001": {**measured, "mad_loss": None}}
    assert reloaded.profile is not None and reloaded.profile.trace_chars == report.profile.trace_chars  # type: ignore[union-attr]
    assert reloaded.profile.examples == ()


def test_report_carries_scores_profile_and_measurements(demo_report: dict[str, Any]) -> None:
    scores = demo_report["scores"]
    assert scores is None or 0 <= scores["overall"] <= 10  # null where a run is not scored
    assert demo_report["profile"]["records"] > 0 and demo_report["measurements"] == {}
