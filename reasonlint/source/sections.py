"""What a dataset card's sections are about, recognised by meaning rather than one exact heading.

Cards are written from several templates (the Hub's 2021 and 2023 templates, the competition's
brief, free-form READMEs, Chinese and Japanese cards), so "is there a limitations section?"
cannot be answered by looking for `## Limitations`. A heading is normalised (lowercase,
punctuation dropped) and matched against a small table of words per kind, with simple
inflections (`use`, `uses`, `usage`, `using`); a section whose text is only template
placeholders, HTML comments, sub-headings or empty `**Label:**` lines counts as empty.
Unfilled template text is recognised here too, since "empty" depends on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reasonlint.source.card import Card, Section

# Section kinds, in the order findings and stubs list them.
SECTION_KINDS: tuple[str, ...] = ("description", "purpose", "creation", "uses", "limitations", "license", "citation")

# Overrides first: headings whose words would otherwise suggest a wrong kind.
# "Considerations for Using the Data" and "Out-of-Scope Use" are about limits, not uses.
_OVERRIDES: tuple[tuple[re.Pattern[str], frozenset[str]], ...] = (
    (re.compile(r"\bout of scope\b|\bconsiderations?\b|\bmisuse\b"), frozenset({"limitations"})),
    (re.compile(r"\bcuration rationale\b"), frozenset({"purpose", "creation"})),
    # The 2023 template's "Dataset Sources" lists links (repository, paper), not how data was made.
    (re.compile(r"^dataset sources?\b"), frozenset()),
)

_KIND_PATTERNS: dict[str, re.Pattern[str]] = {
    "description": re.compile(
        r"\b(?:summary|description|overview|about|introduction|intro|abstract|tl dr|tldr)\b"
        r"|概要|概述|简介|簡介|介绍|介紹|説明|说明|概览"),
    "purpose": re.compile(
        r"\b(?:purpose|purposes|motivation|motivations|scope|goals?|objectives?|aims?|rationale|why)\b"
        r"|目的|动机|動機|目标|目標"),
    "creation": re.compile(
        r"\b(?:creation|created|create|creating|curation|curated|curating|how (?:it|this|we) (?:was|were)? ?"
        r"(?:made|built|created|generated)|methodology|methods?|collection|collected|collecting|generation|"
        r"generated|generating|generate|sources?|pipeline|construction|constructed|building|recipe|procedure|"
        r"process|processing|distillation|distilled|synthesis|synthetic data generation|annotations?)\b"
        r"|作成|生成|构建|構築|蒸馏|蒸留|收集|収集|制作|製作|来源|出典"),
    "uses": re.compile(
        r"\b(?:uses?|usage|using|how to use|applications?|use cases?|examples? uses?|intended uses?|"
        r"direct use|downstream|loading|load|quick ?start|getting started|supported tasks?)\b"
        r"|用途|使用|使い方|应用|応用|利用|读取|読み込み"),
    "limitations": re.compile(
        r"\b(?:limitations?|limits?|bias|biases|risks?|caveats?|known issues?|issues|ethical|ethics statement|"
        r"social impact|disclaimers?|warnings?|shortcomings?)\b"
        r"|局限|限制|制限|制約|限界|偏见|偏差|风险|リスク|注意事项|注意事項"),
    "license": re.compile(
        r"\b(?:license|licence|licensing|licenses|licences|terms of use)\b|许可|許可|ライセンス|协议"),
    "citation": re.compile(r"\b(?:citation|citations|cite|citing|bibtex|how to cite)\b|引用"),
}

STUB_HEADINGS: dict[str, str] = {
    "description": "Dataset Description",
    "purpose": "Purpose",
    "creation": "Dataset Creation",
    "uses": "Uses",
    "limitations": "Limitations",
    "license": "License",
    "citation": "Citation",
}

# Unfilled template text, case-insensitive: the Hub templates' placeholders, bracketed
# prompts to the author (`[Insert …]`, `[Your …]`, but not Markdown links `[Your guide](…)`),
# `[optional]` heading marks, the default recommendation sentence, and Jinja leftovers.
PLACEHOLDER = re.compile(
    r"\[(?:more information needed|needs? more information|more info needed|information needed)\]"
    r"|\[(?:insert|your|add|enter|fill in|describe|todo|tbd)\b[^\]\n]{0,80}\](?!\()"
    r"|\[optional\]"
    r"|\[@?github-username\]|<github-username>"
    r"|(?:users should be made aware of the risks, biases and limitations of the dataset\. )?"
    r"more information needed for further recommendations\.?"
    r"|dataset card for dataset name",
    re.IGNORECASE,
)
# Case-sensitive: "your name" in prose is fine, the capitalised form is a template's.
_YOUR_NAME = re.compile(r"\bYour Name\b")
# Jinja leftovers from huggingface_hub's card templates: `{{ pretty_name | default(…) }}`,
# `{% if … %}`. BibTeX's `{{Open Thoughts}}` is not one (capitals, spaces, usually fenced).
_JINJA = re.compile(r"\{\{\s*[a-z_][a-z0-9_.]*\s*(?:\|[^{}\n]*)?\}\}|\{%-?\s*[a-z]+\b[^%\n]*%\}")
# The metadata template's `license: {license}` / `- {lang_0}` in front matter.
_YAML_PLACEHOLDER = re.compile(r"(?:^\s*-\s*|:\s+)(\{[a-z_][a-z0-9_]*\})\s*(?:#.*)?$")

_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_HEADING_LINE = re.compile(r"^\s*#{1,6}\s.*$", re.MULTILINE)
_LABEL_LINE = re.compile(r"^\s*(?:[-*+]\s*)?\*\*[^*\n]+\*\*\s*:?\s*$", re.MULTILINE)
_FENCE = re.compile(r"^\s*(```|~~~)")
_WORD = re.compile(r"\w")
_NOT_WORD = re.compile(r"[\W_]+")
# A label line standing in for a heading: `**Limitations**`, `__Uses:__`, or a bare short line
# such as "Intended uses" directly followed by its text (cards written outside the template).
_BOLD_LABEL = re.compile(r"^\s*(?:\*\*|__)([^*_\n]{1,60}?):?(?:\*\*|__):?\s*$")
_BARE_LABEL = re.compile(r"^\s*([^\s#>|*_`\-+\d][^.!?:;|`\[\]()<>]{0,50}?):?\s*$")
_BARE_LABEL_WORDS = 5


def normalize_heading(title: str) -> str:
    """Lowercase words separated by single spaces: `"Bias, Risks, and Limitations 🚧"` →
    `"bias risks and limitations"`."""
    return _NOT_WORD.sub(" ", title.lower()).strip()


def kinds_of(title: str) -> frozenset[str]:
    """The section kinds a heading names (several for "Curation Rationale"), by its words."""
    words = normalize_heading(title)
    for pattern, kinds in _OVERRIDES:
        if pattern.search(words):
            return kinds
    return frozenset(kind for kind, pattern in _KIND_PATTERNS.items() if pattern.search(words))


def has_content(text: str) -> bool:
    """Whether Markdown text says anything once template scaffolding is removed: HTML
    comments and tags, images, placeholders, headings and bare `**Label:**` lines."""
    for pattern in (_COMMENT, _IMAGE, _TAG, PLACEHOLDER, _YOUR_NAME, _JINJA):
        text = pattern.sub(" ", text)
    text = _LABEL_LINE.sub("", _HEADING_LINE.sub("", text))
    return bool(_WORD.search(text))


def placeholders_in(line: str, *, front_matter: bool = False) -> list[str]:
    """The unfilled template snippets on one card line, in order."""
    found = [m.group(0) for m in PLACEHOLDER.finditer(line)]
    found += [m.group(0) for m in _YOUR_NAME.finditer(line)]
    found += [m.group(0) for m in _JINJA.finditer(line)]
    if front_matter:
        found += [m.group(1) for m in _YAML_PLACEHOLDER.finditer(line)]
    return found


def unfenced_body_lines(card: Card) -> list[tuple[int, str]]:
    """(1-based line, text) of the card's body outside fenced code blocks and HTML comments:
    the prose a reader sees."""
    return [(number, text) for number, text, fenced in body_lines(card) if not fenced]


def body_lines(card: Card) -> list[tuple[int, str, bool]]:
    """(1-based line, text without HTML comments, inside a code fence?) of the card's body;
    fence markers themselves count as fenced."""
    lines = card.text.splitlines()
    out: list[tuple[int, str, bool]] = []
    fenced = in_comment = False
    for index in range(card.body_line - 1, len(lines)):
        line = lines[index]
        if not in_comment and _FENCE.match(line):
            fenced = not fenced
            out.append((index + 1, line, True))
            continue
        if fenced:
            out.append((index + 1, line, True))
            continue
        visible, in_comment = _strip_comments(line, in_comment)
        out.append((index + 1, visible, False))
    return out


def _strip_comments(line: str, in_comment: bool) -> tuple[str, bool]:
    """The part of `line` outside `<!-- … -->`, and whether a comment is still open after it."""
    kept: list[str] = []
    position = 0
    while position < len(line):
        if in_comment:
            end = line.find("-->", position)
            if end < 0:
                return "".join(kept), True
            position, in_comment = end + 3, False
        else:
            start = line.find("<!--", position)
            if start < 0:
                kept.append(line[position:])
                break
            kept.append(line[position:start])
            position, in_comment = start + 4, True
    return "".join(kept), in_comment


@dataclass(frozen=True, slots=True)
class SectionStatus:
    """How a card covers one kind: `present` (some matching text says something), else the
    first matching `empty` section, else neither (missing)."""

    kind: str
    present: bool
    empty: Section | None


def intro_text(card: Card) -> str:
    """The text before the first heading, plus the text directly under a leading `# Title`:
    where most cards put their one-paragraph description."""
    lines = card.text.splitlines()
    sections = card.sections
    if not sections:
        return "\n".join(lines[card.body_line - 1:])
    head = lines[card.body_line - 1: sections[0].line - 1]
    if sections[0].level == 1:
        stop = sections[1].line - 1 if len(sections) > 1 else len(lines)
        head += lines[sections[0].line: stop]
    return "\n".join(head)


def label_sections(card: Card) -> tuple[Section, ...]:
    """Label lines used as headings outside Markdown heading syntax, as sections (level 7)
    holding the text up to the next heading or label. A label must follow a blank line, be
    followed by text, and name a section kind (bare lines: at most five words)."""
    visible = body_lines(card)
    headings = {section.line for section in card.sections}
    labels: list[tuple[int, str]] = []
    for position, (number, line, fenced) in enumerate(visible):
        previous_blank = position == 0 or not visible[position - 1][1].strip()
        next_text = position + 1 < len(visible) and visible[position + 1][1].strip() != ""
        if fenced or number in headings or not (previous_blank and next_text):
            continue
        title = _label_title(line)
        if title is None or not kinds_of(title):
            continue
        labels.append((position, title))
    stops = sorted({position for position, (number, _, _) in enumerate(visible) if number in headings}
                   | {position for position, _ in labels})
    sections = []
    for position, title in labels:
        stop = next((other for other in stops if other > position), len(visible))
        text = "\n".join(line for _, line, _ in visible[position + 1: stop]).strip()
        sections.append(Section(7, title, visible[position][0], text))
    return tuple(sections)


def _label_title(line: str) -> str | None:
    bold = _BOLD_LABEL.match(line)
    if bold:
        return bold.group(1).strip()
    bare = _BARE_LABEL.match(line)
    if bare and len(bare.group(1).split()) <= _BARE_LABEL_WORDS:
        return bare.group(1).strip()
    return None


def section_status(card: Card, kind: str) -> SectionStatus:
    candidates = sorted((*card.sections, *label_sections(card)), key=lambda section: section.line)
    matching = [section for section in candidates if kind in kinds_of(section.title)]
    if any(has_content(section.text) for section in matching):
        return SectionStatus(kind, True, None)
    if kind == "description" and has_content(intro_text(card)):
        return SectionStatus(kind, True, None)
    return SectionStatus(kind, False, matching[0] if matching else None)
