"""Card-shape checks beyond the rule cases: single-file targets, the fixes' edits, real cards."""

from __future__ import annotations

from pathlib import Path

import pytest

from reasonlint.catalogue import builtin_catalogue
from reasonlint.config import Settings
from reasonlint.engine import run
from reasonlint.findings import Edit, Finding
from reasonlint.source.target import resolve_target
from tests.conftest import write_files

CARD_RULES = ["CARD001", "CARD002", "CARD003", "CARD004", "CARD005", "CARD006", "CARD007"]
ROW = {"train.jsonl": '{"question": "a", "reasoning": "r"}\n'}


def _check(target: Path, *codes: str, **config: object) -> list[Finding]:
    settings = Settings.model_validate({**config, "select": list(codes), "jobs": 1})
    return list(run(resolve_target(str(target)), builtin_catalogue(), settings).findings)


def test_single_file_target_expects_no_card(tmp_path: Path) -> None:
    write_files(tmp_path, ROW)
    assert _check(tmp_path / "train.jsonl", "CARD001") == []
    assert [f.code for f in _check(tmp_path, "CARD001")] == ["CARD001"]


def test_front_matter_fix_deletes_the_blank_lines(tmp_path: Path) -> None:
    write_files(tmp_path, {**ROW, "README.md": "\n\n---\nlicense: mit\n---\n"})
    (finding,) = _check(tmp_path, "CARD003")
    assert finding.fix is not None
    assert finding.fix.edits == (Edit("README.md", 1, 3, ""),)


def test_missing_section_fix_appends_a_stub_the_rules_still_report(tmp_path: Path) -> None:
    card = "---\nlicense: mit\n---\n# Sums\nTwo-number sums.\n"
    write_files(tmp_path, {**ROW, "README.md": card})
    (finding,) = _check(tmp_path, "CARD006")
    assert finding.fix is not None
    (edit,) = finding.fix.edits
    assert (edit.start, edit.stop) == (6, 6)
    assert edit.text == "\n## Limitations\n\n[More Information Needed]\n"

    (tmp_path / "README.md").write_text(card + edit.text, encoding="utf-8")
    after = _check(tmp_path, "CARD006", "CARD007")
    assert [(f.code, f.location.line) for f in after] == [("CARD006", 7), ("CARD007", 9)]
    assert "is empty" in after[0].message


def test_unknown_section_kind_names_the_known_ones(tmp_path: Path) -> None:
    write_files(tmp_path, {**ROW, "README.md": "# Sums\nText.\n"})
    with pytest.raises(ValueError, match="unknown section kind 'summary'.*description, purpose"):
        _check(tmp_path, "CARD005", rules={"CARD005": {"required": ["summary"]}})


# What each real card should get from CARD001–CARD007 with the default rules (line of each finding;
# None for a missing section). Good cards (gsm8k, OpenThoughts) get only what they really lack.
REAL_CARDS: dict[str, list[tuple[str, int | None]]] = {
    "card_openthoughts_114k": [("CARD006", None)],
    "card_hf2023_gsm8k": [("CARD006", 171)] + [("CARD007", line) for line in
                                                (86, 87, 95, 143, 155, 161, 169, 175, 179, 183, 189)],
    "card_hf2023_raldblox_cotlin": [("CARD005", None), ("CARD006", None)],
    "u-10bei__structured_data_with_cot_dataset_v2": [("CARD005", None), ("CARD006", None)],
    "u-10bei__structured_data_with_cot_dataset_512_v2": [("CARD006", None), ("CARD003", 1)],
    "rinkaname_tetralemma_reasoning": [("CARD006", None), ("CARD002", 1)],
    "card_chinese_deepseek_r1_distill_110k": [("CARD002", 1)],
    "marcodsn_altered_riddles": [],
}


@pytest.mark.parametrize("folder", sorted(REAL_CARDS))
def test_real_cards(realdata: Path, folder: str) -> None:
    if not (realdata / folder / "README.md").is_file():
        pytest.skip(f"{folder} is not present")
    findings = _check(realdata / folder, *CARD_RULES, max_rows=10)
    def order(hit: tuple[str, int | None]) -> tuple[int, str]:
        return hit[1] or 0, hit[0]

    assert sorted(((f.code, f.location.line) for f in findings), key=order) == sorted(REAL_CARDS[folder], key=order)
