"""Inline suppressions in the card: `<!-- reasonlint: ignore CODE reason -->` hides a rule's
findings; unused (SUP001) and invalid (SUP002) comments are reported; `--fix` removes
unused ones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reasonlint.catalogue import builtin_catalogue
from reasonlint.config import Settings
from reasonlint.engine import run
from reasonlint.source.card import parse_card
from reasonlint.source.target import resolve_target
from reasonlint.summary import RunReport
from reasonlint.suppression import card_comments, parse_suppressions
from tests.conftest import run_cli, write_files

# Blank lines before the front matter (CARD003).
OFFSET_CARD = "\n---\nlicense: mit\n---\n# Data\n"
REASON = "our site generator reads the front matter from line 2"


def _run(root: Path, **settings: Any) -> RunReport:
    values = {"select": ["CARD003", "CARD002", "SUP"], "jobs": 1, **settings}
    return run(resolve_target(str(root)), builtin_catalogue(), Settings.model_validate(values))


def _codes(report: RunReport) -> list[tuple[str, int | None]]:
    return [(f.code, f.location.line) for f in report.findings]


def test_a_card_comment_suppresses_its_rules_findings(tmp_path: Path) -> None:
    root = write_files(tmp_path, {"README.md": OFFSET_CARD + f"<!-- reasonlint: ignore CARD003 {REASON} -->\n"})
    assert _codes(_run(write_files(tmp_path / "plain", {"README.md": OFFSET_CARD}))) == [("CARD003", 1)]
    report = _run(root)
    assert (_codes(report), report.suppressed) == ([], 1)
    by_name = write_files(tmp_path / "by-name", {
        "README.md": OFFSET_CARD + f"<!-- reasonlint: ignore front-matter-not-at-top {REASON} -->\n"})
    assert _codes(_run(by_name)) == []


def test_unused_and_invalid_comments_are_reported_at_their_lines(tmp_path: Path) -> None:
    card = ("---\nlicense: mit\n---\n# Data\n"
            f"<!-- reasonlint: ignore CARD003 {REASON} -->\n"   # line 5: unused, front matter is at the top
            "<!-- reasonlint: ignore CARD002 -->\n"            # line 6: no reason
            "```\n<!-- reasonlint: ignore CARD003 -->\n```\n")  # in a code block: not read
    report = _run(write_files(tmp_path, {"README.md": card}))
    assert _codes(report) == [("SUP001", 5), ("SUP002", 6)]
    assert report.findings[1].message == "reasonlint comment gives no reason"


def test_a_comment_without_a_reason_suppresses_nothing(tmp_path: Path) -> None:
    root = write_files(tmp_path, {"README.md": OFFSET_CARD + "<!-- reasonlint: ignore CARD003 -->\n"})
    report = _run(root)
    assert _codes(report) == [("CARD003", 1), ("SUP002", 6)] and report.suppressed == 0


def test_suppression_findings_can_be_ignored_like_any_rule(tmp_path: Path) -> None:
    root = write_files(tmp_path, {"README.md": "---\nlicense: mit\n---\n<!-- reasonlint: ignore CARD003 -->\n"})
    assert _codes(_run(root, ignore=["SUP002"])) == []


def test_fix_deletes_an_unused_comment_alone_on_its_line_and_trims_shared_ones(tmp_path: Path) -> None:
    card = ("---\nlicense: mit\n---\n"
            f"<!-- reasonlint: ignore CARD003 {REASON} -->\n"
            f"# Data <!-- reasonlint: ignore CARD003 {REASON} --> here\n"
            "Text.\n")
    root = write_files(tmp_path, {"README.md": card})
    result = run_cli("check", str(root), "--select", "CARD003,SUP", "--fix")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "fixed 2 findings" in result.stderr
    assert (root / "README.md").read_text(encoding="utf-8") == "---\nlicense: mit\n---\n# Data here\nText.\n"


def test_fix_drops_only_the_unused_codes_of_a_comment(tmp_path: Path) -> None:
    root = write_files(tmp_path, {"README.md": OFFSET_CARD + f"<!-- reasonlint: ignore CARD002,CARD003 {REASON} -->\n"})
    report = _run(root)
    [finding] = report.findings
    assert finding.code == "SUP001" and finding.message == "suppression of CARD002 matches no finding"
    assert finding.fix is not None
    assert [edit.text for edit in finding.fix.edits] == [f"<!-- reasonlint: ignore CARD003 {REASON} -->"]


def test_summary_line_counts_what_was_held_back(tmp_path: Path) -> None:
    root = write_files(tmp_path, {"README.md": OFFSET_CARD + f"<!-- reasonlint: ignore CARD003 {REASON} -->\n"})
    result = run_cli("check", str(root), "--select", "CARD003,SUP")
    assert result.returncode == 0 and "0 findings (0 errors, 0 warnings, 0 info; 1 suppressed)" in result.stdout


def test_comments_in_fences_and_code_spans_are_not_read() -> None:
    card = parse_card("\n".join([
        "<!-- reasonlint: ignore A one -->",        # 1: read
        "````md",                                   # a four-backtick fence ...
        "```",                                      # ... that a shorter fence does not close
        "<!-- reasonlint: ignore B two -->",
        "````",
        "~~~",
        "<!-- reasonlint: ignore C three -->",
        "~~~",
        "`<!-- reasonlint: ignore D four -->` and <!-- reasonlint: ignore E five -->",  # 9: E only
        "<!-- reasonlint : ignore F six --><!--reasonlint: ignore G seven-->",          # 10: both
    ]) + "\n")
    assert [(c.line, c.body.split()[1]) for c in card_comments(card)] == [(1, "A"), (9, "E"), (10, "F"), (10, "G")]


def test_suppressions_resolve_codes_names_and_families() -> None:
    card = parse_card("<!-- reasonlint: ignore SCH005,trivial-thinking,card reasons -->\n")
    [suppression] = parse_suppressions(card, builtin_catalogue())
    assert suppression.problem is None and suppression.reason == "reasons"
    assert {"SCH005", "TRC011", "CARD003"} <= suppression.codes
