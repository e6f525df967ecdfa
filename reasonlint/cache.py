"""The row cache: results of whole data files kept between runs, so that a second run over
unchanged data skips the row work.

An entry is one file's result (findings and aggregate states, pickled), stored under a key
made of the run's key (reasonlint's version and code, the active rules with their severities
and parameters, the column mappings, the seed: see `engine._FileCache`), the file's place in
the dataset, and the SHA-256 of the file's bytes. Hashing a large file costs a read, so the
hash is remembered beside the file's stat (size, mtime_ns, ctime_ns, inode, the fields git's
index trusts): it is reused while all four are the same and computed again when any differs.
ctime cannot be set back by tools that copy timestamps, so a rewritten file is hashed again.

The cache lives in the user's cache folder (`$REASONLINT_CACHE_DIR`, else
`$XDG_CACHE_HOME/reasonlint`, else `~/.cache/reasonlint`), never beside the data. Entries not
used for `MAX_AGE_DAYS` are dropped, then the least recently used until the entries fit in
`MAX_BYTES`. `REASONLINT_NO_CACHE=1` turns it off for every run. A cache that cannot be read
or written is no cache: a run never fails for it, and an entry that does not unpickle to
what was stored is ignored and written again.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import pickle
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import reasonlint

LAYOUT = "rows-v1"  # the folder this module owns inside the cache folder; `clean` removes only it
MAX_AGE_DAYS = 30
MAX_BYTES = 1024 * 1024 * 1024
_TAG = "CACHEDIR.TAG"
_TAG_TEXT = "Signature: 8a477f597d28d172789f06886806bc55\n# reasonlint's cache; `reasonlint clean` removes it.\n"


def cache_folder() -> Path:
    """Where the cache lives, from the environment (see the module's docstring)."""
    explicit = os.environ.get("REASONLINT_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "reasonlint"


def stamp_of(value: Any) -> str:
    """A hash of a JSON-able value (parameters, mappings). A string that names an existing
    file (a fingerprint index given as a parameter) also stamps that file's size and mtime,
    so that rebuilding the file at the same path is a different configuration."""
    def files(item: Any) -> Any:
        if isinstance(item, str) and item and os.path.isfile(item):
            info = os.stat(item)
            return [item, info.st_size, info.st_mtime_ns]
        if isinstance(item, list | tuple):
            return [files(part) for part in item]
        if isinstance(item, dict):
            return {str(key): files(part) for key, part in item.items()}
        return item
    text = json.dumps(files(value), sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()


@functools.cache
def code_stamp() -> str:
    """reasonlint's version and the stat of its installed files: a changed check invalidates
    the cache even when the version number did not move (an editable install)."""
    package = Path(reasonlint.__file__).parent
    stats = sorted((path.relative_to(package).as_posix(), path.stat().st_size, path.stat().st_mtime_ns)
                   for path in package.rglob("*") if path.is_file() and "__pycache__" not in path.parts)
    return stamp_of([reasonlint.__version__, stats])


@dataclass
class RowCache:
    folder: Path  # the LAYOUT folder
    wrote: int = 0

    @classmethod
    def open(cls) -> RowCache | None:
        """The cache, or None where it is turned off (`REASONLINT_NO_CACHE`, as `--no-cache`
        for every run) or cannot be created."""
        if os.environ.get("REASONLINT_NO_CACHE"):
            return None
        folder = cache_folder() / LAYOUT
        try:
            (folder / "entries").mkdir(parents=True, exist_ok=True)
            (folder / "stamps").mkdir(exist_ok=True)
            tag = folder.parent / _TAG
            if not tag.exists():
                tag.write_text(_TAG_TEXT, encoding="utf-8")  # backup tools skip tagged folders
        except OSError:
            return None
        return cls(folder)

    def key(self, path: Path, *parts: str) -> str | None:
        """The entry key for `path` read under `parts`; None when the file cannot be read."""
        content = self._content_hash(path)
        if content is None:
            return None
        return hashlib.sha256("\0".join([code_stamp(), *parts, content]).encode()).hexdigest()

    def load(self, key: str) -> Any | None:
        entry = self._entry(key)
        try:
            with entry.open("rb") as handle:
                stored_key, value = pickle.load(handle)
        except FileNotFoundError:
            return None
        except Exception:  # noqa: BLE001 - a corrupt or foreign entry is a miss, rewritten later
            return None
        if stored_key != key:
            return None
        with contextlib.suppress(OSError):
            os.utime(entry)  # last used, for pruning
        return value

    def save(self, key: str, value: Any) -> None:
        if self._write(self._entry(key), pickle.dumps((key, value), protocol=pickle.HIGHEST_PROTOCOL)):
            self.wrote += 1

    def prune(self, now: float | None = None) -> None:
        """Drop entries unused for MAX_AGE_DAYS, then the least recently used beyond MAX_BYTES.
        Only after a run that wrote something: a run that only reads leaves the cache alone."""
        if not self.wrote:
            return
        now = time.time() if now is None else now
        oldest = now - MAX_AGE_DAYS * 86400
        entries = []
        for path in [*self.folder.glob("entries/*/*"), *self.folder.glob("stamps/*")]:
            with contextlib.suppress(OSError):
                info = path.stat()
                if info.st_mtime < oldest:
                    path.unlink()
                elif path.parent.parent.name == "entries":
                    entries.append((info.st_mtime, info.st_size, path))
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries):
            if total <= MAX_BYTES:
                break
            with contextlib.suppress(OSError):
                path.unlink()
                total -= size

    def _entry(self, key: str) -> Path:
        return self.folder / "entries" / key[:2] / key

    def _content_hash(self, path: Path) -> str | None:
        try:
            info = path.stat()
        except OSError:
            return None
        stat = [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino]
        stamp = self.folder / "stamps" / hashlib.sha256(os.fsencode(path.resolve())).hexdigest()
        try:
            remembered = json.loads(stamp.read_text(encoding="utf-8"))
            if remembered["stat"] == stat:
                with contextlib.suppress(OSError):
                    os.utime(stamp)
                return str(remembered["sha256"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
        try:
            with path.open("rb") as handle:
                digest = hashlib.file_digest(handle, "sha256").hexdigest()
        except OSError:
            return None
        self._write(stamp, json.dumps({"stat": stat, "sha256": digest}).encode())
        return digest

    @staticmethod
    def _write(path: Path, data: bytes) -> bool:
        """Write through a temporary file and a rename, so a reader never sees half an entry."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(data)
                os.replace(temporary, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise
        except OSError:
            return False
        return True


def clean() -> tuple[Path, int, int]:
    """Remove the cache; returns the folder, and how many files and bytes were removed."""
    folder = cache_folder() / LAYOUT
    files = [path for path in folder.rglob("*") if path.is_file()] if folder.is_dir() else []
    size = sum(path.stat().st_size for path in files)
    if folder.is_dir():
        shutil.rmtree(folder)
    tag = folder.parent / _TAG
    if tag.is_file() and not any(path != tag for path in folder.parent.iterdir()):
        tag.unlink()
        with contextlib.suppress(OSError):
            folder.parent.rmdir()
    return folder, len(files), size
