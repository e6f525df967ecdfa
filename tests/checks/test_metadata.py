"""The metadata checks' fixes: applied to the card, they give the front matter the Hub reads."""

from __future__ import annotations

from collections.abc import Iterable

import yaml

from reasonlint.checks.metadata import (
    invalid_language_code,
    invalid_size_category,
    language_code_with_region,
    metadata_value_not_a_list,
    missing_competition_tag,
    misspelled_metadata_key,
    unquoted_yaml_boolean,
)
from reasonlint.findings import Edit, Hit
from reasonlint.source.card import parse_card
from reasonlint.summary import DatasetSummary


def _summary(text: str) -> DatasetSummary:
    return DatasetSummary("test", "folder", parse_card(text), (), (), True)


def _apply(text: str, edits: Iterable[Edit]) -> str:
    """Line edits applied bottom-up, as a fixer would."""
    lines = text.splitlines(keepends=True)
    for edit in sorted(edits, key=lambda e: (e.start, e.stop), reverse=True):
        lines[edit.start - 1:edit.stop - 1] = [edit.text]
    return "".join(lines)


def _fixed(text: str, hits: Iterable[Hit]) -> str:
    edits = [edit for hit in hits if hit.fix for edit in hit.fix.edits]
    return _apply(text, edits)


def _front_matter(text: str) -> object:
    """The front matter as PyYAML (huggingface_hub's parser) reads it."""
    return yaml.safe_load(text.split("---\n")[1])


def test_quoting_fix_keeps_the_rest_of_the_line() -> None:
    text = "---\nlanguage:\n  - en\n  - no   # Norwegian\nviewer: off\n---\nbody\n"
    hits = list(unquoted_yaml_boolean(_summary(text)))
    fixed = _fixed(text, hits)
    assert "  - 'no'   # Norwegian\n" in fixed
    assert _front_matter(fixed) == {"language": ["en", "no"], "viewer": "off"}


def test_quoting_fix_in_a_flow_list_and_crlf_lines() -> None:
    text = "---\r\nlanguage: [en, no]\r\n---\r\n"
    fixed = _fixed(text, unquoted_yaml_boolean(_summary(text)))
    assert fixed == "---\r\nlanguage: [en, 'no']\r\n---\r\n"


def test_region_fix_moves_the_tag_to_language_details() -> None:
    text = "---\nlanguage:\n- en-US\n- fr\nlicense: mit\n---\n# Card\n"
    hits = list(language_code_with_region(_summary(text)))
    assert len(hits) == 1 and hits[0].fix is not None
    assert _front_matter(_fixed(text, hits)) == {"language": ["en", "fr"], "license": "mit",
                                                  "language_details": ["en-US"]}


def test_region_fix_extends_an_existing_language_details_list() -> None:
    text = "---\nlanguage:\n- zh_CN\n- pt-BR\nlanguage_details:\n  - fr-FR\n---\n"
    hits = list(language_code_with_region(_summary(text)))
    assert all(hit.fix for hit in hits)
    fixed = _front_matter(_fixed(text, hits))
    assert fixed["language"] == ["zh", "pt"]  # type: ignore[index]
    assert sorted(fixed["language_details"]) == ["fr-FR", "pt-BR", "zh-CN"]  # type: ignore[index]


def test_region_fix_is_withheld_when_ambiguous() -> None:
    already_listed = "---\nlanguage:\n- en\n- en-GB\n---\n"
    assert [hit.fix for hit in language_code_with_region(_summary(already_listed))] == [None]
    two_tags_no_details = "---\nlanguage:\n- en-GB\n- fr-CA\n---\n"
    assert [hit.fix for hit in language_code_with_region(_summary(two_tags_no_details))] == [None, None]


def test_language_and_size_fixes_write_the_suggestion() -> None:
    text = "---\nlanguage:\n- English\nsize_categories:\n- 1k<n<10k\n---\n"
    hits = [*invalid_language_code(_summary(text)), *invalid_size_category(_summary(text))]
    assert _front_matter(_fixed(text, hits)) == {"language": ["en"], "size_categories": ["1K<n<10K"]}


def test_key_and_list_fixes() -> None:
    text = "---\nlanguages: en, fr\n---\n"
    renamed = _fixed(text, misspelled_metadata_key(_summary(text)))
    assert _front_matter(renamed) == {"language": "en, fr"}
    assert _front_matter(_fixed(renamed, metadata_value_not_a_list(_summary(renamed)))) == {"language": ["en", "fr"]}


def test_competition_tag_fix_for_a_list_a_missing_key_and_an_empty_list() -> None:
    tag = "reasoning-datasets-competition"
    for text, tags in [("---\ntags:\n  - math\nlicense: mit\n---\n", ["math", tag]),
                       ("---\nlicense: mit\n---\nbody\n", [tag]),
                       ("---\ntags: []\n---\n", [tag])]:
        hits = list(missing_competition_tag(_summary(text), tag=tag))
        assert len(hits) == 1 and hits[0].fix is not None, text
        assert _front_matter(_fixed(text, hits))["tags"] == tags  # type: ignore[index]


def test_cards_without_front_matter_are_skipped() -> None:
    summary = _summary("# Just a title\n")
    assert not list(unquoted_yaml_boolean(summary))
    assert not list(missing_competition_tag(summary, tag="x"))
