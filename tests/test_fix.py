"""`check --fix` and `--diff`: line edits on the card, byte for byte, never on data.

The end-to-end tests use a tiny plugin rule (entry point + `rule-files`) whose fix quotes a
`- no` list item, so they do not depend on which built-in rules carry fixes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from reasonlint.findings import Edit, Finding, Fix, Location, Severity
from reasonlint.fix import apply_edits, plan_fixes, unified_diff
from reasonlint.report.json import output_schema
from tests.conftest import SHARED, run_cli, write_files


def _edit(start: int, stop: int, text: str, path: str = "README.md") -> Edit:
    return Edit(path, start, stop, text)


@pytest.mark.parametrize(("text", "edits", "expected"), [
    ("a\nb\nc\n", [_edit(2, 3, "B\n")], "a\nB\nc\n"),
    ("a\r\nb\r\nc", [_edit(2, 3, "B\n")], "a\r\nB\r\nc"),
    ("a\r\nb\r\nc", [_edit(3, 4, "C\nD\n")], "a\r\nb\r\nC\r\nD"),
    ("a\r\nb", [_edit(3, 3, "c\n")], "a\r\nb\r\nc"),
    ("a\nb\n", [_edit(3, 3, "c\n")], "a\nb\nc\n"),
    ("a\nb\nc", [_edit(3, 4, "")], "a\nb"),
    ("\n\n---\nx: 1\n", [_edit(1, 3, "")], "---\nx: 1\n"),
    ("a\nb\n", [_edit(1, 1, "z\n"), _edit(1, 2, "A\n")], "z\nA\nb\n"),
    ("a\nb\n", [_edit(2, 3, "B")], "a\nB\n"),
    ("", [_edit(1, 1, "x\n")], "x\n"),
], ids=["replace", "crlf-kept", "crlf-last-line-without-newline", "append-without-final-newline",
        "append", "delete-last-line-without-newline", "delete-leading-blank-lines", "insert-and-replace",
        "text-without-newline", "empty-file"])
def test_apply_edits(text: str, edits: list[Edit], expected: str) -> None:
    assert apply_edits(text, edits) == expected


def _finding(*edits: Edit) -> Finding:
    return Finding("TST001", "t", "card", "quality", Severity.WARNING, "m", Location("README.md"), "0" * 16,
                   Fix("fix it", edits))


def test_plan_skips_overlapping_fixes_and_refuses_data_edits() -> None:
    findings = [_finding(_edit(2, 4, "x\n")), _finding(_edit(3, 4, "y\n")), _finding(_edit(4, 4, "z\n")),
                _finding(_edit(1, 2, "w\n", path="train.jsonl")), _finding(_edit(9, 9, "v\n")),
                _finding(_edit(4, 4, "u\n"))]
    plan = plan_fixes(findings, "README.md", {"README.md": 5, "train.jsonl": 5})
    assert (plan.fixed, plan.skipped, plan.refused) == (3, 1, 2)
    assert plan.edits["README.md"] == [_edit(2, 4, "x\n"), _edit(4, 4, "z\n"), _edit(4, 4, "u\n")]


def test_insertions_at_one_place_go_in_report_order() -> None:
    text = "# Card\nintro\n"
    edits = [_edit(3, 3, "## Uses\n"), _edit(3, 3, "## Limitations\n")]
    assert apply_edits(text, edits) == "# Card\nintro\n## Uses\n## Limitations\n"
    assert apply_edits(text.rstrip("\n"), edits) == "# Card\nintro\n## Uses\n## Limitations"


def test_unified_diff_marks_a_missing_final_newline() -> None:
    diff = unified_diff("README.md", "a\nb", "a\nB")
    assert diff.splitlines() == ["--- a/README.md", "+++ b/README.md", "@@ -1,2 +1,2 @@", " a", "-b",
                                 "\\ No newline at end of file", "+B", "\\ No newline at end of file"]


PLUGIN = '''
import re

from reasonlint.checks import dataset_check
from reasonlint.findings import Edit, Fix, Hit, Location


@dataset_check
def unquoted_no_plugin(summary):
    """Quotes `- no` list items; `# touch data` asks for an (refused) edit of the data file."""
    card = summary.card
    if card is None:
        return
    for number, line in enumerate(card.text.splitlines(), start=1):
        found = re.fullmatch(r"(\\s*- )no", line)
        if found:
            fix = Fix("quote 'no'", (Edit(card.path, number, number + 1, f"{found[1]}'no'\\n"),))
            yield Hit({"line": number}, location=Location(card.path, line=number), key=str(number), fix=fix)
        if line == "# touch data":
            fix = Fix("rewrite data", (Edit("train.jsonl", 1, 2, "{}\\n"),))
            yield Hit({"line": number}, location=Location(card.path, line=number), key="data", fix=fix)
'''

PLUGIN_RULES = '''
family: card
rules:
  - code: CARD901
    name: unquoted-no-plugin
    dimension: quality
    severity: warning
    check: unquoted_no_plugin
    message: "line {line}: unquoted no"
    docs: {what: A plugin test., why: A plugin test., bad: "-", good: "-", fix: "-"}
'''

CONFIG = 'rule-files = ["plugin_rules.yaml"]\nselect = ["CARD901"]\n'
# Comments, odd key order, CRLF endings, trailing spaces, non-ASCII and no final newline.
CARD = ("---\r\n# a comment\r\npretty_name: Ünïcode  \r\nlanguage:\r\n- en\r\n- no  # Norwegian\r\n- no\r\n"
        "license: mit\r\ntags:\r\n  - no\r\n---\r\n\r\n# Title\r\nbody without final newline")


def _dataset(tmp_path: Path, card: bytes) -> tuple[Path, dict[str, str]]:
    site = tmp_path / "site"
    write_files(site, {
        "fixplugin.py": PLUGIN,
        "fixplugin-0.1.dist-info/METADATA": "Metadata-Version: 2.1\nName: fixplugin\nVersion: 0.1\n",
        "fixplugin-0.1.dist-info/entry_points.txt": "[reasonlint.checks]\nfixplugin = fixplugin\n",
    })
    data = tmp_path / "data"
    write_files(data, {"train.jsonl": '{"question": "q", "reasoning": "r"}\n', "reasonlint.toml": CONFIG,
                       "plugin_rules.yaml": PLUGIN_RULES})
    (data / "README.md").write_bytes(card)
    return data, {"PYTHONPATH": str(site)}


def test_fix_round_trips_the_card_byte_for_byte_except_the_fixed_lines(tmp_path: Path) -> None:
    original = b"\xef\xbb\xbf" + CARD.encode("utf-8")
    data, env = _dataset(tmp_path, original)
    result = run_cli("check", str(data), "--fix", "--output-format", "json", env=env)
    assert result.stderr.strip() == "fixed 2 findings"
    expected = original.replace(b"\r\n- no\r\nlicense", b"\r\n- 'no'\r\nlicense")
    expected = expected.replace(b"  - no\r\n", b"  - 'no'\r\n")
    assert (data / "README.md").read_bytes() == expected
    assert result.returncode == 0 and json.loads(result.stdout)["findings"] == []


def test_diff_prints_the_fix_and_writes_nothing(tmp_path: Path) -> None:
    data, env = _dataset(tmp_path, CARD.encode("utf-8"))
    result = run_cli("check", str(data), "--diff", env=env)
    assert result.returncode == 1, result.stderr
    assert (data / "README.md").read_bytes() == CARD.encode("utf-8")
    changed = [line for line in result.stdout.splitlines() if line[:1] in "+-" and line[:3] not in ("---", "+++")]
    assert changed == ["-- no", "+- 'no'", "-  - no", "+  - 'no'"]
    assert result.stderr.strip() == "would fix 2 findings"
    run_cli("check", str(data), "--fix", env=env)
    again = run_cli("check", str(data), "--diff", env=env)
    assert (again.returncode, again.stdout) == (0, "")


def test_fix_refuses_edits_of_data_files_and_reports_what_remains(tmp_path: Path) -> None:
    data, env = _dataset(tmp_path, b"---\nlanguage:\n- no\n---\n# touch data\n")
    result = run_cli("check", str(data), "--fix", "--output-format", "json", env=env)
    assert result.stderr.strip() == "fixed 1 finding (1 refused as they edit a file other than the card)"
    assert (data / "train.jsonl").read_text() == '{"question": "q", "reasoning": "r"}\n'
    remaining = json.loads(result.stdout)["findings"]
    assert [f["location"]["line"] for f in remaining] == [5] and result.returncode == 1


def test_json_and_sarif_reports_carry_the_fix(tmp_path: Path) -> None:
    data, env = _dataset(tmp_path, b"---\nlanguage:\n- no\n---\n")
    report = json.loads(run_cli("check", str(data), "--output-format", "json", env=env).stdout)
    schema = output_schema()
    jsonschema.validators.validator_for(schema)(schema).validate(report)
    assert report["findings"][0]["fix"] == {"description": "quote 'no'", "edits": [
        {"path": "README.md", "start": 3, "stop": 4, "text": "- 'no'\n"}]}
    sarif = json.loads(run_cli("check", str(data), "--output-format", "sarif", env=env).stdout)
    [fix] = sarif["runs"][0]["results"][0]["fixes"]
    assert fix["artifactChanges"][0]["replacements"] == [{
        "deletedRegion": {"startLine": 3, "startColumn": 1, "endLine": 4, "endColumn": 1},
        "insertedContent": {"text": "- 'no'\n"}}]
    schema_path = SHARED / "schemas" / "sarif-schema-2.1.0.json"
    if schema_path.is_file():
        sarif_schema: dict[str, Any] = json.loads(schema_path.read_text(encoding="utf-8"))
        jsonschema.validators.validator_for(sarif_schema, default=jsonschema.Draft7Validator)(sarif_schema).validate(
            sarif)


def test_fix_refuses_a_hub_target_without_downloading() -> None:
    result = run_cli("check", "someone/some-dataset", "--fix")
    assert result.returncode == 2
    assert result.stderr.strip() == ("reasonlint: error: --fix and --diff change local files only, "
                                     "and someone/some-dataset is not a local folder or file")


def test_fix_with_nothing_to_fix_says_so(tmp_path: Path) -> None:
    data, env = _dataset(tmp_path, b"---\nlicense: mit\n---\n")
    result = run_cli("check", str(data), "--fix", env=env)
    assert (result.returncode, result.stderr.strip()) == (0, "fixed 0 findings")
    assert (data / "README.md").read_bytes() == b"---\nlicense: mit\n---\n"


def test_fix_with_a_built_in_rule_quotes_norwegian_in_a_crlf_card(tmp_path: Path) -> None:
    card = (b"---\r\n# keys in odd order\r\npretty_name: X\r\nlanguage:\r\n- en\r\n- no  # Norwegian\r\n"
            b"license: mit\r\n---\r\nend")
    write_files(tmp_path, {"train.jsonl": '{"question": "q", "reasoning": "r"}\n'})
    (tmp_path / "README.md").write_bytes(card)
    result = run_cli("check", str(tmp_path), "--select", "META002", "--fix", "--output-format", "json")
    assert result.stderr.strip() == "fixed 1 finding"
    assert (tmp_path / "README.md").read_bytes() == card.replace(b"- no  #", b"- 'no'  #")
    assert (result.returncode, json.loads(result.stdout)["findings"]) == (0, [])
