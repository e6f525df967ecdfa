"""Section kinds by meaning, and what counts as an empty section."""

from __future__ import annotations

import pytest

from reasonlint.source.card import parse_card
from reasonlint.source.sections import has_content, kinds_of, label_sections, section_status


@pytest.mark.parametrize(("title", "kinds"), [
    ("Dataset Summary", {"description"}),
    ("📖 Overview", {"description"}),
    ("Motivation", {"purpose"}),
    ("Curation Rationale", {"purpose", "creation"}),
    ("How it was made", {"creation"}),
    ("Data Curation Recipe", {"creation"}),
    ("Source Data", {"creation"}),
    ("Dataset Sources [optional]", set()),  # links to the repository and paper
    ("Example uses", {"uses"}),
    ("How to Use", {"uses"}),
    ("Loading Data", {"uses"}),
    ("Considerations for Using the Data", {"limitations"}),
    ("Out-of-Scope Use", {"limitations"}),
    ("Bias, Risks, and Limitations", {"limitations"}),
    ("Other Known Limitations", {"limitations"}),
    ("Licensing Information", {"license"}),
    ("Citation Information", {"citation"}),
    ("局限性", {"limitations"}),
    ("生成方法", {"creation"}),
    ("Dataset Structure", set()),
    ("Contributions", set()),
])
def test_kinds_of(title: str, kinds: set[str]) -> None:
    assert kinds_of(title) == kinds


@pytest.mark.parametrize(("text", "expected"), [
    ("[More Information Needed]", False),
    ("<!-- Provide a summary. -->\n\n- **Curated by:** [More Information Needed]\n### Sub\n**BibTeX:**", False),
    ("Users should be made aware of the risks, biases and limitations of the dataset. "
     "More information needed for further recommendations.", False),
    ("![diagram](diagram.png)", False),
    ("- **Homepage:** https://example.org", True),
    ("只有正整数。", True),
])
def test_has_content(text: str, expected: bool) -> None:
    assert has_content(text) is expected


def test_label_lines_need_a_blank_line_before_and_text_after() -> None:
    card = parse_card("# T\nIntro.\n\nLimitations\n- narrow\n\nLicense\n\nMIT\nUses of this are many and varied here\n")
    assert [(s.line, s.title) for s in label_sections(card)] == [(4, "Limitations")]


def test_description_may_be_the_text_under_the_title() -> None:
    assert section_status(parse_card("# Sums\nTwo-number sums.\n## Files\n"), "description").present
    assert not section_status(parse_card("# Sums\n## Files\nx\n"), "description").present
