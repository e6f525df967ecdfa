"""The dataset card (README.md): its YAML front matter, read safely and with line numbers,
and its Markdown body cut into sections.

The Hub accepts blank lines before the opening `---`; so does this parser, and it records
where the front matter starts so card rules can say so. The front matter is loaded with
ruamel.yaml's round-trip loader: it builds only plain mappings, lists and scalars (never
objects), and keeps each key's line, so findings point at the line to edit, and quoted
scalars stay distinguishable from plain ones (`no` versus `'no'`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

CARD_NAME = "README.md"
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


@dataclass(frozen=True, slots=True)
class Section:
    """A Markdown heading and the text under it, up to the next heading of the same or a
    higher level (so a section's text includes its subsections)."""

    level: int
    title: str
    line: int  # 1-based line of the heading in the card
    text: str


@dataclass(frozen=True, slots=True)
class Card:
    path: str
    text: str
    metadata: dict[str, Any] | None  # a ruamel CommentedMap: a dict that knows its lines
    yaml_error: str | None = None
    yaml_error_line: int | None = None
    front_matter_line: int | None = None  # the opening `---`
    body_line: int = 1  # first line after the closing `---`
    sections: tuple[Section, ...] = field(default_factory=tuple)

    @property
    def body(self) -> str:
        return "\n".join(self.text.splitlines()[self.body_line - 1:])

    def line_of(self, *keys: str | int) -> int | None:
        """The card line of a front-matter value: `line_of("language", 0)` is the line of the
        first language. None when the path does not exist."""
        node: Any = self.metadata
        line = None
        for key in keys:
            if isinstance(node, CommentedMap) and key in node:
                line = node.lc.key(key)[0]
            elif isinstance(node, CommentedSeq) and isinstance(key, int) and 0 <= key < len(node):
                line = node.lc.item(key)[0]
            else:
                return None
            node = node[key]
        if line is None or self.front_matter_line is None:
            return None
        return self.front_matter_line + 1 + line


def read_card(root: Path) -> Card | None:
    path = root / CARD_NAME
    if not path.is_file():
        return None
    return parse_card(path.read_text(encoding="utf-8", errors="replace"), CARD_NAME)


def parse_card(text: str, path: str = CARD_NAME) -> Card:
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None or lines[first].rstrip() != "---":
        return Card(path, text, None, sections=_sections(lines, 0))
    end = next((i for i in range(first + 1, len(lines)) if lines[i].rstrip() == "---"), None)
    if end is None:
        return Card(path, text, None, "front matter opened with --- is never closed", first + 1, first + 1)
    block = "\n".join(lines[first + 1:end])
    sections = _sections(lines, end + 1)
    try:
        loaded = YAML(typ="rt", pure=True).load(block)
    except YAMLError as error:
        line = None
        if isinstance(error, MarkedYAMLError) and error.problem_mark is not None:
            line = first + 2 + error.problem_mark.line
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        return Card(path, text, None, problem, line, first + 1, end + 2, sections)
    if loaded is not None and not isinstance(loaded, dict):
        return Card(path, text, None, "front matter is not a mapping", first + 2, first + 1, end + 2, sections)
    return Card(path, text, loaded if loaded is not None else CommentedMap(), None, None, first + 1, end + 2,
                sections)


def _sections(lines: list[str], start: int) -> tuple[Section, ...]:
    """Headings outside fenced code blocks, each with its text."""
    headings: list[tuple[int, int, str]] = []  # (index, level, title)
    fenced = False
    for index in range(start, len(lines)):
        if _FENCE.match(lines[index]):
            fenced = not fenced
            continue
        match = None if fenced else _HEADING.match(lines[index])
        if match:
            headings.append((index, len(match.group(1)), match.group(2).strip()))
    sections = []
    for position, (index, level, title) in enumerate(headings):
        stop = next((other for other, other_level, _ in headings[position + 1:] if other_level <= level), len(lines))
        sections.append(Section(level, title, index + 1, "\n".join(lines[index + 1:stop]).strip()))
    return tuple(sections)
