"""Apply the fixes that findings carry to the card, or show them as a diff.

Edits are line edits on the card only (data files are never touched). They are applied to
the file's own text, so every byte outside the edited lines stays as it was: line endings
(CRLF cards), a missing final newline, a BOM. Fixes whose edits overlap an earlier fix (in
report order) are skipped and counted; running `--fix` again applies them, as in ruff.
"""

from __future__ import annotations

import codecs
import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from reasonlint.findings import Edit, Finding, Fix

_NEWLINES = ("\r\n", "\r", "\n")


class FixError(Exception):
    """A file that cannot be fixed safely (not UTF-8); the message is one line."""


@dataclass(slots=True)
class FixPlan:
    """The fixes chosen from a report: accepted edits per path, and what was left out."""

    edits: dict[str, list[Edit]] = field(default_factory=dict)
    fixed: int = 0  # findings whose fix is applied
    skipped: int = 0  # fixes that overlap an earlier one
    refused: int = 0  # fixes that would edit something other than the card, or lines out of range


def _ending(line: str) -> str:
    return next((newline for newline in _NEWLINES if line.endswith(newline)), "")


def split_lines(text: str) -> list[str]:
    """Lines with their endings, numbered as the card parser numbers them (`str.splitlines`)."""
    return text.splitlines(keepends=True)


def _conflicts(edit: Edit, other: Edit) -> bool:
    """Two replaced ranges that share a line, or an insertion inside a replaced range. Two
    insertions at one place do not conflict: they go in report order (missing sections
    appended one after the other)."""
    if edit.start == edit.stop and other.start == other.stop:
        return False
    if edit.start == edit.stop:
        return other.start < edit.start < other.stop
    if other.start == other.stop:
        return edit.start < other.start < edit.stop
    return edit.start < other.stop and other.start < edit.stop


def plan_fixes(findings: Iterable[Finding], card_path: str, line_counts: dict[str, int]) -> FixPlan:
    """Choose fixes in report order: refuse those that edit anything but the card or lines
    that do not exist (`line_counts`: lines per path), skip those that overlap a chosen one."""
    plan = FixPlan()
    for finding in findings:
        fix: Fix | None = finding.fix
        if fix is None or not fix.edits:
            continue
        if any(edit.path != card_path or not _in_range(edit, line_counts.get(edit.path)) for edit in fix.edits):
            plan.refused += 1
            continue
        chosen = plan.edits.get(card_path, [])
        if any(_conflicts(edit, other) for edit in fix.edits for other in chosen):
            plan.skipped += 1
            continue
        plan.edits.setdefault(card_path, []).extend(fix.edits)
        plan.fixed += 1
    return plan


def _in_range(edit: Edit, lines: int | None) -> bool:
    return lines is not None and 1 <= edit.start <= edit.stop <= lines + 1


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    """The text with each edit's lines replaced. The new lines take the line ending of the
    lines they replace (or of the line before), and the file keeps its final newline, or
    its lack of one. Edits must not overlap (see `plan_fixes`)."""
    lines = split_lines(text)
    default = next((_ending(line) for line in lines if _ending(line)), "\n")
    out: list[str] = []
    position = 1
    for edit in sorted(edits, key=lambda e: (e.start, e.stop)):  # stable: insertions keep their order
        out.extend(lines[position - 1:edit.start - 1])
        near = lines[edit.start - 1] if edit.start <= len(lines) else (lines[-1] if lines else "")
        newline = _ending(near) or (_ending(lines[edit.start - 2]) if 1 < edit.start <= len(lines) + 1 else "")
        newline = newline or default
        new = [line.rstrip("\r\n") + newline for line in edit.text.splitlines()]
        if edit.stop > len(lines) and lines and not _ending(lines[-1]):  # keep the lack of a final newline
            if new and out and not _ending(out[-1]):
                out[-1] += newline  # appending after a last line that had no newline
            if new:
                new[-1] = new[-1][: -len(newline)]
            elif out:
                out[-1] = out[-1][: len(out[-1]) - len(_ending(out[-1]))]  # the last line was deleted
        out.extend(new)
        position = edit.stop
    out.extend(lines[position - 1:])
    return "".join(out)


def read_text(path: Path) -> tuple[str, bool]:
    """The file's text as written (no newline translation) and whether it starts with a BOM."""
    data = path.read_bytes()
    bom = data.startswith(codecs.BOM_UTF8)
    try:
        return data[len(codecs.BOM_UTF8) if bom else 0:].decode("utf-8"), bom
    except UnicodeDecodeError as error:
        raise FixError(f"{path.name} is not UTF-8 (byte 0x{data[error.start]:02x} at offset {error.start})") from None


def write_text(path: Path, text: str, bom: bool) -> None:
    path.write_bytes((codecs.BOM_UTF8 if bom else b"") + text.encode("utf-8"))


def unified_diff(path: str, old: str, new: str) -> str:
    """A `diff -u` of two texts, with `\\ No newline at end of file` where one ends without."""
    lines = []
    for line in difflib.unified_diff(split_lines(old), split_lines(new), f"a/{path}", f"b/{path}"):
        lines.append(line if _ending(line) else line + "\n\\ No newline at end of file\n")
    return "".join(lines)


@dataclass(frozen=True, slots=True)
class FixOutcome:
    plan: FixPlan
    diff: str  # empty when nothing changes
    changed: tuple[str, ...]  # paths whose text changes


def fix_card(root: Path, findings: Iterable[Finding], card_path: str, write: bool) -> FixOutcome:
    """Plan the fixes of `findings` on `root/card_path`; write them when `write` is set."""
    path = root / card_path
    if not path.is_file():
        return FixOutcome(plan_fixes([], card_path, {}), "", ())
    text, bom = read_text(path)
    plan = plan_fixes(findings, card_path, {card_path: len(split_lines(text))})
    edits = plan.edits.get(card_path)
    new = apply_edits(text, edits) if edits else text
    if new == text:
        return FixOutcome(plan, "", ())
    if write:
        write_text(path, new, bom)
    return FixOutcome(plan, unified_diff(card_path, text, new), (card_path,))
