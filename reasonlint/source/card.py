"""The dataset card (README.md): its YAML front matter, read safely, and its body.

The Hub accepts blank lines before the opening `---`; so does this parser, and it
records where the front matter starts so card rules can say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

CARD_NAME = "README.md"


@dataclass(frozen=True, slots=True)
class Card:
    path: str
    text: str
    metadata: dict[str, Any] | None
    yaml_error: str | None = None
    yaml_error_line: int | None = None
    front_matter_line: int | None = None
    body_line: int = 1


def read_card(root: Path) -> Card | None:
    path = root / CARD_NAME
    if not path.is_file():
        return None
    return parse_card(path.read_text(encoding="utf-8", errors="replace"), CARD_NAME)


def parse_card(text: str, path: str = CARD_NAME) -> Card:
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None or lines[first].rstrip() != "---":
        return Card(path, text, None)
    end = next((i for i in range(first + 1, len(lines)) if lines[i].rstrip() == "---"), None)
    if end is None:
        return Card(path, text, None, "front matter opened with --- is never closed", first + 1, first + 1)
    block = "\n".join(lines[first + 1:end])
    try:
        loaded = YAML(typ="safe", pure=True).load(block)
    except YAMLError as error:
        line = None
        if isinstance(error, MarkedYAMLError) and error.problem_mark is not None:
            line = first + 2 + error.problem_mark.line
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        return Card(path, text, None, problem, line, first + 1, end + 2)
    if loaded is not None and not isinstance(loaded, dict):
        return Card(path, text, None, "front matter is not a mapping", first + 2, first + 1, end + 2)
    return Card(path, text, loaded or {}, None, None, first + 1, end + 2)
