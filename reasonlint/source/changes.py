"""Which rows of a dataset changed since a git revision (`--since REF`).

Asked of git itself, with fixed argument lists (never a shell) and NUL-separated names, so
that any file name is read right. For each data file the answer is one of:

- `UNCHANGED`: the file is the same as at REF; its rows are counted, never parsed;
- `WHOLE`: the file is new since REF, untracked, stored with Git LFS, or a format whose rows
  are not lines (Parquet, Arrow, a JSON array, CSV whose values may span lines): read it all;
- a set of 1-based line numbers: the lines of a JSONL file added or changed since REF (the
  new side of `git diff --unified=0`).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Final

from reasonlint.config import ConfigError

UNCHANGED: Final = frozenset[int]()
WHOLE: Final = None
LineSet = frozenset[int] | None  # UNCHANGED, WHOLE or the changed lines

_HUNK = re.compile(rb"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@", re.MULTILINE)
_LINE_FORMATS = ("jsonl",)  # formats whose rows are lines, so a diff's line numbers name rows
_DIFF_OPTIONS = ("--no-color", "--no-ext-diff", "--no-textconv", "--no-renames", "--ignore-submodules")


class ChangesError(ConfigError):
    """`--since` cannot be answered (not a git checkout, unknown revision): like any invalid
    setting, exit 2 with this one-line message."""


def changed_lines(folder: Path, ref: str, files: Iterable[tuple[Path, str]]) -> dict[Path, LineSet]:
    """What changed since `ref` in each `(path, format)` of `files` (paths under `folder`)."""
    top = _work_tree(folder)
    _check_ref(top, ref)
    by_name = {_name_in(top, path): (path, fmt) for path, fmt in files}
    if not by_name:
        return {}
    scope = _name_in(top, folder) or "."  # one pathspec for the whole dataset, however many files
    changes: dict[Path, LineSet] = {path: UNCHANGED for path, _ in by_name.values()}
    status = _git(top, "diff", "--name-status", "-z", *_DIFF_OPTIONS, ref, "--", scope).split(b"\0")
    modified = []
    for code, name in zip(status[0::2], status[1::2], strict=False):
        decoded = name.decode("utf-8", "surrogateescape")
        if decoded not in by_name:
            continue
        path, fmt = by_name[decoded]
        if code == b"M" and fmt in _LINE_FORMATS:
            modified.append(decoded)
        elif code != b"D":
            changes[path] = WHOLE  # added, type changed, or a format read whole
    untracked = _git(top, "ls-files", "-z", "--others", "--full-name", "--", scope).split(b"\0")
    for name in filter(None, untracked):
        decoded = name.decode("utf-8", "surrogateescape")
        if decoded in by_name:
            changes[by_name[decoded][0]] = WHOLE
    lfs = _lfs_files(top, modified)
    for modified_name in modified:
        path = by_name[modified_name][0]
        if modified_name in lfs:
            changes[path] = WHOLE  # the diff is of the pointer, not of the rows
        else:
            diff = _git(top, "diff", "--unified=0", *_DIFF_OPTIONS, ref, "--", modified_name)
            changes[path] = _new_side_lines(diff)
    return changes


def _new_side_lines(diff: bytes) -> frozenset[int]:
    """The new-side line numbers of each hunk `@@ -a,b +c,d @@` (d lines from c; d=0 deletes)."""
    lines: set[int] = set()
    for match in _HUNK.finditer(diff):
        start, count = int(match[1]), int(match[2]) if match[2] is not None else 1
        lines.update(range(start, start + count))
    return frozenset(lines)


def _work_tree(folder: Path) -> Path:
    try:
        top = _git(folder, "rev-parse", "--show-toplevel").decode("utf-8", "surrogateescape").strip()
    except ChangesError:
        raise ChangesError(f"--since needs a git checkout, and {folder} is not inside one") from None
    return Path(top)


def _check_ref(top: Path, ref: str) -> None:
    if ref.startswith("-"):  # never let a revision be read as an option
        raise ChangesError(f"--since {ref!r}: not a revision")
    try:
        _git(top, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except ChangesError:
        raise ChangesError(f"--since {ref!r}: no such revision in {top}") from None


def _lfs_files(top: Path, names: list[str]) -> set[str]:
    """The names git stores through the LFS filter (`filter=lfs` in .gitattributes)."""
    if not names:
        return set()
    fields = _git(top, "check-attr", "-z", "filter", "--", *names).split(b"\0")
    return {name.decode("utf-8", "surrogateescape")
            for name, _, value in zip(fields[0::3], fields[1::3], fields[2::3], strict=False) if value == b"lfs"}


def _name_in(top: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(top.resolve()).as_posix()
    except ValueError:
        raise ChangesError(f"--since: {path} is outside the git checkout at {top}") from None


def _git(where: Path, *args: str) -> bytes:
    try:
        completed = subprocess.run(["git", "-C", str(where), *args], capture_output=True, check=False)
    except OSError as error:
        raise ChangesError(f"--since needs git: {error.strerror or error}") from None
    if completed.returncode != 0:
        message = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ChangesError(message[0] if message else f"git {args[0]} failed")
    return completed.stdout
