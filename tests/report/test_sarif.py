"""`--output-format sarif`: valid SARIF 2.1.0 that code-scanning tools can ingest.

Each dataset is written into `<tmp>/ds` and checked by the real CLI from `<tmp>`, so
artifact URIs are `ds/<file>`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.conftest import (
    DATASETS,
    EMPTY_TRACE_ROW,
    GOOD_ROW,
    MALFORMED_LINE,
    MIXED_JSONL,
    REPO,
    SHARED,
    engine_rules,
    run_cli,
    run_json,
    write_files,
)

SARIF_SCHEMA = SHARED / "schemas" / "sarif-schema-2.1.0.json"


def sarif_of(tmp_path: Path, files: dict[str, Any], *args: str) -> dict[str, Any]:
    """Write `files` into tmp_path/ds and return the parsed SARIF log for `check ds`."""
    write_files(tmp_path / "ds", files)
    result = run_cli("check", "ds", "--output-format", "sarif", *engine_rules(*args), cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    log: dict[str, Any] = json.loads(result.stdout)
    return log


def results_by_rule(log: dict[str, Any]) -> dict[str, dict[str, Any]]:
    results = log["runs"][0]["results"]
    by_rule = {result["ruleId"]: result for result in results}
    assert len(by_rule) == len(results), "expected one result per rule in this dataset"
    return by_rule


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """The SARIF log of each dataset in DATASETS, run once for the module."""
    return {name: sarif_of(tmp_path_factory.mktemp(name), files) for name, files in DATASETS.items()}


@pytest.fixture(scope="module")
def jsonl_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The JSON report of the `jsonl` dataset, to compare the SARIF log with."""
    root = tmp_path_factory.mktemp("jsonl-json")
    write_files(root / "ds", DATASETS["jsonl"])
    _, report = run_json("check", "ds", *engine_rules(), cwd=root)
    return report


def sarif_validator() -> jsonschema.protocols.Validator:
    if not SARIF_SCHEMA.is_file():
        pytest.skip(f"{SARIF_SCHEMA} is not present")
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
    validator_class.check_schema(schema)
    return validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)


@pytest.mark.parametrize("dataset", sorted(DATASETS))
def test_sarif_output_validates_against_the_sarif_2_1_0_schema(logs: dict[str, dict[str, Any]],
                                                               dataset: str) -> None:
    validator = sarif_validator()
    log = logs[dataset]
    assert log["runs"][0]["results"], "the dataset should produce findings to validate"
    errors = sorted(validator.iter_errors(log), key=lambda error: list(error.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_sarif_output_of_the_demo_dataset_validates_and_points_at_its_bad_line() -> None:
    validator = sarif_validator()
    result = run_cli("check", "fixtures/datasets/demo", "--output-format", "sarif", cwd=REPO)
    log = json.loads(result.stdout)
    assert not list(validator.iter_errors(log))
    [malformed] = [result for result in log["runs"][0]["results"] if result["ruleId"] == "SCH001"]
    physical = malformed["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "fixtures/datasets/demo/data/train.jsonl"
    assert physical["region"]["startLine"] == 6


def test_sarif_log_names_the_version_and_the_tool(logs: dict[str, dict[str, Any]]) -> None:
    import reasonlint

    log = logs["jsonl"]
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "reasonlint"
    assert driver["version"] == reasonlint.__version__


def test_sarif_has_one_rule_descriptor_per_active_rule_with_its_docs(logs: dict[str, dict[str, Any]],
                                                                    jsonl_report: dict[str, Any]) -> None:
    descriptors = logs["jsonl"]["runs"][0]["tool"]["driver"]["rules"]
    ids = [descriptor["id"] for descriptor in descriptors]
    assert ids == jsonl_report["rules"]
    assert len(set(ids)) == len(ids)
    for descriptor in descriptors:
        assert descriptor["name"], descriptor["id"]
        assert descriptor["shortDescription"]["text"].strip(), descriptor["id"]
        assert descriptor["help"]["text"].strip(), descriptor["id"]
        assert descriptor["help"]["markdown"].strip(), descriptor["id"]


def test_sarif_rule_descriptors_follow_the_selection(tmp_path: Path) -> None:
    log = sarif_of(tmp_path, DATASETS["jsonl"], "--select", "SCH001,SIZE001")
    descriptors = log["runs"][0]["tool"]["driver"]["rules"]
    assert [descriptor["id"] for descriptor in descriptors] == ["SCH001", "SIZE001"]
    assert {result["ruleId"] for result in log["runs"][0]["results"]} == {"SCH001", "SIZE001"}


def test_sarif_results_carry_rule_id_and_the_index_of_its_descriptor(logs: dict[str, dict[str, Any]]) -> None:
    log = logs["jsonl"]
    descriptors = log["runs"][0]["tool"]["driver"]["rules"]
    results = log["runs"][0]["results"]
    assert {result["ruleId"] for result in results} == {"SCH001", "SCH005", "SIZE001"}
    for result in results:
        assert descriptors[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["message"]["text"].strip()


def test_sarif_levels_map_error_warning_info_to_error_warning_note(logs: dict[str, dict[str, Any]]) -> None:
    by_rule = results_by_rule(logs["jsonl"])
    assert by_rule["SCH001"]["level"] == "error"
    assert by_rule["SCH005"]["level"] == "warning"
    assert by_rule["SIZE001"]["level"] == "note"  # configured as info in reasonlint.toml


def test_sarif_jsonl_findings_have_their_line_as_start_line(logs: dict[str, dict[str, Any]]) -> None:
    by_rule = results_by_rule(logs["jsonl"])
    for code, line in (("SCH001", 2), ("SCH005", 3)):
        physical = by_rule[code]["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uri"] == "ds/train.jsonl"
        assert physical["region"] == {"startLine": line}
        assert "row" not in by_rule[code].get("properties", {})
    assert by_rule["SCH005"]["properties"]["field"] == "reasoning"


def test_sarif_dataset_findings_point_at_the_file_without_a_region(logs: dict[str, dict[str, Any]]) -> None:
    physical = results_by_rule(logs["jsonl"])["SIZE001"]["locations"][0]["physicalLocation"]
    assert physical == {"artifactLocation": {"uri": "ds/train.jsonl"}}


def test_sarif_parquet_row_findings_have_no_start_line_and_carry_the_row_in_properties(
        logs: dict[str, dict[str, Any]]) -> None:
    result = results_by_rule(logs["parquet"])["SCH005"]
    physical = result["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "ds/train.parquet"
    assert "region" not in physical
    assert result["properties"]["row"] == 1
    assert result["properties"]["field"] == "reasoning"
    assert result["properties"]["split"] == "train"


def test_sarif_results_have_partial_fingerprints_equal_to_the_json_fingerprints(
        logs: dict[str, dict[str, Any]], jsonl_report: dict[str, Any]) -> None:
    sarif_prints = [result["partialFingerprints"] for result in logs["jsonl"]["runs"][0]["results"]]
    assert all(len(prints) >= 1 and all(prints.values()) for prints in sarif_prints)
    expected = [finding["fingerprint"] for finding in jsonl_report["findings"]]
    assert [next(iter(prints.values())) for prints in sarif_prints] == expected


def test_sarif_fingerprints_survive_moving_the_row(tmp_path: Path) -> None:
    """Code scanning matches alerts across runs by fingerprint: a row that moves keeps its alert."""
    before = results_by_rule(sarif_of(tmp_path / "before", {"train.jsonl": MIXED_JSONL}))["SCH005"]
    moved = "\n".join([json.dumps(EMPTY_TRACE_ROW), json.dumps(GOOD_ROW), MALFORMED_LINE]) + "\n"
    after = results_by_rule(sarif_of(tmp_path / "after", {"train.jsonl": moved}))["SCH005"]
    assert before["locations"][0]["physicalLocation"]["region"]["startLine"] == 3
    assert after["locations"][0]["physicalLocation"]["region"]["startLine"] == 1
    assert after["partialFingerprints"] == before["partialFingerprints"]


def test_sarif_lfs_pointer_is_an_error_on_the_file(logs: dict[str, dict[str, Any]]) -> None:
    result = results_by_rule(logs["lfs-pointer"])["SCH003"]
    assert result["level"] == "error"
    assert result["locations"][0]["physicalLocation"] == {"artifactLocation": {"uri": "ds/train.jsonl"}}
    assert "123" in result["message"]["text"]


def test_sarif_artifact_uri_is_percent_encoded(tmp_path: Path) -> None:
    """SARIF's `uri` must be a valid URI reference (SARIF 2.1.0 §3.4.3): a space or `#` in a
    file name has to be percent-encoded, or viewers cut the path at the `#` (a fragment)."""
    log = sarif_of(tmp_path, {"my data#1.jsonl": MIXED_JSONL})
    uris = {result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for result in log["runs"][0]["results"]}
    assert uris == {"ds/my%20data%231.jsonl"}
