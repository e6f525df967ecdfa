"""Checks on the dataset card's shape: that there is one, that its YAML front matter is where
and what the Hub expects, that it documents what a reader needs, and that no template text
was left unfilled.

Every hit points at a line of README.md (or at the file itself when the card is missing);
fixes only add scaffolding or delete blank lines, never write the author's prose.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from reasonlint.checks import dataset_check
from reasonlint.findings import Edit, Fix, Hit, Location
from reasonlint.source.card import CARD_NAME, Card
from reasonlint.source.sections import (
    SECTION_KINDS,
    STUB_HEADINGS,
    placeholders_in,
    section_status,
    unfenced_body_lines,
)
from reasonlint.summary import DatasetSummary

# What a section stub holds: the Hub template's own placeholder, so that the unfilled-template
# rule and the section rules keep reporting it until someone writes the section.
STUB_TEXT = "[More Information Needed]"


@dataset_check
def card_missing(summary: DatasetSummary) -> Iterator[Hit]:
    if summary.card is None and summary.target_kind != "file":
        yield Hit({}, location=Location(CARD_NAME), key="no-card")


@dataset_check
def card_without_front_matter(summary: DatasetSummary) -> Iterator[Hit]:
    card = summary.card
    if card is not None and card.metadata is None and card.yaml_error is None:
        yield Hit({}, location=Location(card.path, line=1), key="no-front-matter")


@dataset_check
def front_matter_not_at_top(summary: DatasetSummary) -> Iterator[Hit]:
    """Blank lines before the opening `---`: the Hub's regex skips them, but python-frontmatter
    and Jekyll-style parsers require `---` on line 1 and read no metadata at all."""
    card = summary.card
    if card is None or card.front_matter_line is None or card.front_matter_line == 1:
        return
    blank = card.front_matter_line - 1
    fix = Fix(f"Delete the {blank} blank line{'s' if blank > 1 else ''} before the front matter",
              (Edit(card.path, 1, card.front_matter_line, ""),))
    yield Hit({"line": card.front_matter_line, "blank": blank, "lines": "line" if blank == 1 else "lines"},
              location=Location(card.path, line=1), key="front-matter-offset", fix=fix)


@dataset_check
def invalid_front_matter(summary: DatasetSummary) -> Iterator[Hit]:
    """The front matter does not load: a YAML syntax error, a block never closed, or YAML
    that is not a mapping. The Hub then shows no metadata and ignores `configs`."""
    card = summary.card
    if card is None or card.yaml_error is None:
        return
    # The parser words its own structural problems ("front matter … never closed", "… is not a
    # mapping"); everything else is the YAML library's message.
    error = card.yaml_error
    detail = error if error.startswith("front matter") else f"front matter is not valid YAML: {error}"
    line = card.yaml_error_line or card.front_matter_line or 1
    yield Hit({"detail": detail}, location=Location(card.path, line=line), key=f"yaml:{error}")


@dataset_check
def missing_required_sections(summary: DatasetSummary, *, required: list[str]) -> Iterator[Hit]:
    """Sections every published dataset needs (the competition asks for more): missing, or
    holding only template placeholders."""
    yield from _section_hits(summary.card, required)


@dataset_check
def missing_recommended_sections(summary: DatasetSummary, *, recommended: list[str]) -> Iterator[Hit]:
    """Sections a good card has but many useful cards still lack; reported as information."""
    yield from _section_hits(summary.card, recommended)


def _section_hits(card: Card | None, kinds: list[str]) -> Iterator[Hit]:
    unknown = [kind for kind in kinds if kind not in SECTION_KINDS]
    if unknown:
        raise ValueError(f"unknown section kind {unknown[0]!r} (kinds: {', '.join(SECTION_KINDS)})")
    if card is None:
        return  # the card-missing rule reports it once
    append_at = len(card.text.splitlines()) + 1
    for kind in sorted(set(kinds), key=SECTION_KINDS.index):
        status = section_status(card, kind)
        if status.present:
            continue
        if status.empty is not None:
            section = status.empty
            yield Hit({"detail": f"{kind} section '{section.title}' (line {section.line}) is empty"},
                      location=Location(card.path, line=section.line), key=f"empty:{kind}")
            continue
        heading = STUB_HEADINGS[kind]
        fix = Fix(f"Append a '## {heading}' section to fill in",
                  (Edit(card.path, append_at, append_at, f"\n## {heading}\n\n{STUB_TEXT}\n"),))
        yield Hit({"detail": f"no {kind} section"}, location=Location(card.path), key=f"missing:{kind}", fix=fix)


@dataset_check
def unfilled_template_text(summary: DatasetSummary) -> Iterator[Hit]:
    """Template placeholders left in the card, one hit per line with a count per snippet.

    Per line, as ruff reports each occurrence: each hit is a place to edit (an editor or a
    GitHub annotation jumps to it), and a card that kept a whole template shows as many hits
    as lines to fill or delete. Code blocks and HTML comments are skipped (readers do not
    see comments, and code may use `{{ }}` legitimately)."""
    card = summary.card
    if card is None:
        return
    lines = card.text.splitlines()
    scanned: list[tuple[int, str, bool]] = []
    if card.front_matter_line is not None:
        scanned += [(number, lines[number - 1], True) for number in range(card.front_matter_line + 1,
                                                                           min(card.body_line - 1, len(lines) + 1))]
    scanned += [(number, text, False) for number, text in unfenced_body_lines(card)]
    for number, text, front_matter in scanned:
        found = placeholders_in(text, front_matter=front_matter)
        if not found:
            continue
        counts = Counter(found)
        listed = ", ".join(f"'{snippet}'" + (f" ×{count}" if count > 1 else "") for snippet, count in counts.items())
        yield Hit({"found": listed}, location=Location(card.path, line=number), key=f"{number}:{text.strip()}")
