"""Meta-tests: the YAML catalogue and the registered checks must not drift apart."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from reasonlint.catalogue import (
    FAMILY_PREFIXES,
    Catalogue,
    CatalogueError,
    builtin_catalogue,
    builtin_presets,
    load_rule_file,
)
from reasonlint.checks import load_checks
from tests.conftest import REPO, run_cli

CATALOGUE = builtin_catalogue()
RULES = list(CATALOGUE)


def test_catalogue_is_not_empty_and_codes_are_unique() -> None:
    assert len(RULES) >= 8
    assert len({rule.code for rule in RULES}) == len(RULES)


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_rule_names_a_registered_check_with_the_same_parameters(rule) -> None:  # type: ignore[no-untyped-def]
    check = load_checks().get(rule.check)
    assert check is not None, f"{rule.code} names unknown check {rule.check!r}"
    assert set(check.parameters) == set(rule.parameters), (
        f"{rule.code}: YAML declares {sorted(rule.parameters)}, check {rule.check} takes {sorted(check.parameters)}"
    )


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_rule_has_docs_and_test_cases(rule) -> None:  # type: ignore[no-untyped-def]
    for part in ("what", "why", "bad", "good", "fix"):
        assert getattr(rule.docs, part).strip(), f"{rule.code} docs.{part} is empty"
    assert rule.code.startswith(FAMILY_PREFIXES[rule.family])
    cases = REPO / "fixtures" / "rule_cases" / f"{rule.code}.yml"
    assert cases.is_file(), f"{rule.code} has no test cases in {cases}"
    text = cases.read_text(encoding="utf-8")
    assert "expect: []" in text and "expect:\n" in text, f"{rule.code} needs a failing and a passing case"


@pytest.mark.parametrize("name", sorted(builtin_presets()))
def test_preset_names_existing_rules_and_parameters(name: str) -> None:
    preset = builtin_presets()[name]
    for selector in preset.extend_select:
        assert CATALOGUE.matching(selector), f"{name}: {selector!r} matches no rule"
    for code, values in preset.rules.items():
        rule = CATALOGUE.get(code)
        assert rule is not None, f"{name}: {code!r} is not a rule"
        rule.resolved_params(values)  # raises on an unknown parameter or a wrong type


def test_every_check_is_used_by_a_rule() -> None:
    used = {rule.check for rule in RULES}
    unused = sorted(name for name, check in load_checks().items()
                    if check.implementation.__module__.startswith("reasonlint.") and name not in used)
    assert not unused, f"registered checks no rule uses: {unused}"


def test_invalid_rule_file_error_names_file_and_rule(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(
        "family: trace\nrules:\n  - code: SCH900\n    name: Bad Name\n    dimension: quality\n"
        "    severity: error\n    check: empty_field\n    message: m\n"
        "    docs: {what: a, why: b, bad: c, good: d, fix: e}\n",
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError, match=r"mine\.yaml: SCH900: name"):
        load_rule_file(path, "test")


def test_duplicate_codes_are_refused() -> None:
    with pytest.raises(CatalogueError, match="defined twice"):
        Catalogue([RULES[0], RULES[0]])


def test_listing_rules_does_not_import_heavy_modules() -> None:
    code = ("import sys; from click.testing import CliRunner; from reasonlint.cli import main; "
            "r = CliRunner().invoke(main, ['rule', '--all']); assert r.exit_code == 0, r.output; "
            "heavy = [m for m in ('torch', 'transformers', 'datasets', 'pyarrow') if m in sys.modules]; "
            "print(','.join(heavy))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_rule_command_explains_a_rule_and_rejects_unknown_codes() -> None:
    result = run_cli("rule", "SCH001")
    assert result.returncode == 0
    assert "malformed-record" in result.stdout and "Fix:" in result.stdout and "Fails:" in result.stdout
    unknown = run_cli("rule", "NOPE999")
    assert unknown.returncode == 2
    assert "NOPE999" in unknown.stderr


def test_rule_command_names_the_profile_that_turns_an_opt_in_rule_on() -> None:
    assert run_cli("rule", "SIZE001").stdout.splitlines()[0] == (
        "SIZE001 too-few-examples (size, warning, quality, opt-in; on in profile competition)")
    as_json = json.loads(run_cli("rule", "SIZE001", "--output-format", "json").stdout)
    assert as_json["profiles"] == ["competition"] and as_json["default"] is False
    assert json.loads(run_cli("rule", "SCH001", "--output-format", "json").stdout)["profiles"] == []


@pytest.mark.slow
def test_wheel_ships_the_catalogue(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp_path), str(REPO)],
                   check=True, capture_output=True)
    wheel = next(tmp_path.glob("reasonlint-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    shipped = {name.removeprefix("reasonlint/rules/") for name in names if name.startswith("reasonlint/rules/")}
    assert shipped == {path.relative_to(REPO / "rules").as_posix() for path in (REPO / "rules").rglob("*.yaml")}
    assert "presets/competition.yaml" in shipped
    assert "reasonlint/report/output_schema.json" in names
