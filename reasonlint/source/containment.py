"""Never read outside the dataset.

reasonlint runs in CI on pull requests from strangers, and what it reads can reach the
report (excerpts, annotations, SARIF). A data file or card that is a symbolic link to
`/etc/shadow` or `/proc/self/environ`, or a FIFO that blocks the reader forever, must not
be opened: such a path is refused, and the finding names the path, never what it points to.

The boundary is the dataset folder, or for a Hub snapshot the repository's folder in the
Hugging Face cache (a snapshot's files are links into its `blobs/`).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

_SPECIAL_FILES = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


@dataclass(frozen=True, slots=True)
class RefusedPath:
    """A path inside the dataset that reasonlint will not open, and why (no content of it)."""

    path: str  # as the dataset names it, relative to its root
    reason: str


def refusal(path: Path, boundary: Path) -> str | None:
    """Why `path` must not be opened, or None for a regular file that resolves inside `boundary`.

    Checked on the resolved path, so a link to a link, or a linked folder on the way, is
    judged by where it finally lands.
    """
    try:
        resolved = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return "a symbolic link that points to nothing (or loops)" if path.is_symlink() else None
    if not resolved.is_relative_to(boundary.resolve()):
        return "a symbolic link to a path outside the dataset folder"
    try:
        mode = os.stat(resolved).st_mode
    except OSError:
        return None  # the reader reports what the operating system says
    for test, kind in _SPECIAL_FILES:
        if test(mode):
            return f"{kind}, not a regular file"
    return None


def relative_name(path: Path, root: Path) -> str:
    """`path` as the dataset names it: relative to `root` without resolving any link."""
    try:
        return Path(os.path.abspath(path)).relative_to(os.path.abspath(root)).as_posix()
    except ValueError:
        return path.name
