"""Settings files and command-line overrides: strict, named errors; command line wins."""

from __future__ import annotations

from pathlib import Path

import pytest

from reasonlint.catalogue import builtin_catalogue
from reasonlint.config import ConfigError, Settings, find_config_file, load_settings, rule_params, selected_rules
from tests.conftest import run_cli, run_json, write_files

DIRTY_ROWS = {"rows": [{"question": "q", "reasoning": ""}] * 3}


def _codes(settings: Settings) -> set[str]:
    return {rule.code for rule in selected_rules(builtin_catalogue(), settings)}


def test_profile_adds_its_preset_rules_and_a_selection_overrides_it() -> None:
    assert "SIZE001" not in _codes(Settings())
    assert "SIZE001" in _codes(Settings(profile="competition"))
    assert _codes(Settings(profile="competition", select=["SCH005"])) == {"SCH005"}
    with pytest.raises(ConfigError, match="profile 'contest' is not one of default, competition"):
        _codes(Settings(profile="contest"))


def test_select_by_family_prefix_and_name_minus_ignore() -> None:
    schema = {rule.code for rule in builtin_catalogue() if rule.family == "schema"}
    assert _codes(Settings(select=["schema"], ignore=["SCH005"])) == schema - {"SCH005"}
    assert {"SCH001", "SCH007"} <= schema
    assert _codes(Settings(select=["too-few-examples"])) == {"SIZE001"}
    assert _codes(Settings(select=["SIZE"], extend_select=["SCH00"])) >= {"SIZE001", "SCH001"}


@pytest.mark.parametrize(("settings", "message"), [
    ({"select": ["NOPE"]}, "select: 'NOPE' matches no rule"),
    ({"severity": {"XYZ001": "error"}}, "'XYZ001' is not a rule code or name"),
    ({"per-path-ignores": {"*.csv": ["BOGUS"]}}, "per-path-ignores.*.csv: 'BOGUS'"),
])
def test_unknown_codes_are_named(settings: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("*", r"\*").replace(".", r"\.")):
        _codes(Settings.model_validate(settings))


def test_unknown_key_and_bad_parameter_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "reasonlint.toml"
    path.write_text('selekt = ["SCH"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"reasonlint\.toml: selekt: Extra inputs are not permitted"):
        load_settings(path, {})
    path.write_text('[rules.SIZE001]\nminimum = "many"\n', encoding="utf-8")
    settings = load_settings(path, {})
    with pytest.raises(ConfigError, match=r"reasonlint\.toml: rules\.SIZE001: expected int"):
        rule_params(builtin_catalogue().rules["SIZE001"], settings)


def test_pyproject_table_is_found_only_when_present(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    assert find_config_file(tmp_path) is None
    (tmp_path / "pyproject.toml").write_text("[tool.reasonlint]\nignore = ['SIZE001']\n", encoding="utf-8")
    assert find_config_file(tmp_path) == tmp_path / "pyproject.toml"
    assert load_settings(tmp_path / "pyproject.toml", {}).ignore == ["SIZE001"]


def test_dataset_folder_config_applies_and_command_line_wins(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "train.jsonl": DIRTY_ROWS,
        "reasonlint.toml": 'select = ["SCH"]\nfail-level = "error"\n[severity]\nSCH005 = "info"\n',
    })
    code, report = run_json("check", str(tmp_path))
    assert code == 0
    assert {(f["code"], f["severity"]) for f in report["findings"]} == {("SCH005", "info")}
    code, _ = run_json("check", str(tmp_path), "--fail-level", "info")
    assert code == 1


def test_per_path_ignores_drop_findings_of_matching_files(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "data/train.jsonl": DIRTY_ROWS,
        "data/legacy-train.jsonl": DIRTY_ROWS,
        "reasonlint.toml": '[per-path-ignores]\n"data/legacy-*" = ["SCH005"]\n',
    })
    _, report = run_json("check", str(tmp_path), "--select", "SCH005")
    assert {f["location"]["path"] for f in report["findings"]} == {"data/train.jsonl"}


def test_column_option_maps_by_hand(tmp_path: Path) -> None:
    write_files(tmp_path, {"train.jsonl": {"rows": [{"riddle": "r", "why": ""}]}})
    _, report = run_json("check", str(tmp_path), "--column", "prompt=riddle", "--column", "trace=why")
    assert report["tables"][0]["mapping"] == {"prompt": "riddle", "trace": "why"}
    assert "SCH005" in {f["code"] for f in report["findings"]}
    bad = run_cli("check", str(tmp_path), "--column", "prompt")
    assert bad.returncode == 2 and "ROLE=COLUMN" in bad.stderr
    wrong_role = run_cli("check", str(tmp_path), "--column", "question=riddle")
    assert wrong_role.returncode == 2 and "columns.question" in wrong_role.stderr


def test_benchmarks_select_the_contamination_indexes_and_files_name_them_relative_to_themselves(
        tmp_path: Path) -> None:
    catalogue = builtin_catalogue()
    con001, con002 = catalogue.get("CON001"), catalogue.get("CON002")
    assert con001 is not None and con002 is not None
    settings = Settings(benchmarks=["aime2024", "math500"])
    assert rule_params(con001, settings)["benchmarks"] == rule_params(con002, settings)["benchmarks"] \
        == ["aime2024", "math500"]
    assert rule_params(con001, Settings(benchmarks=["aime2024"], rules={"CON001": {"benchmarks": ["gpqa_diamond"]}})
                       )["benchmarks"] == ["gpqa_diamond"]  # a rule's own setting is more specific
    with pytest.raises(ConfigError, match="benchmark 'aime1999' is neither a shipped index"):
        rule_params(con001, Settings(benchmarks=["aime1999"]))

    config = write_files(tmp_path, {"evals/reasonlint.toml": 'benchmarks = ["private.npz", "aime2025"]\n'})
    settings = load_settings(config / "evals" / "reasonlint.toml", {})
    assert settings.benchmarks == [str(config / "evals" / "private.npz"), "aime2025"]
    result = run_cli("check", str(config), "--config", str(config / "evals" / "reasonlint.toml"), "--select", "CON")
    assert result.returncode == 2 and "private.npz' is neither a shipped index" in result.stderr
