"""Turn what the user typed into a local folder or file to read.

A path that exists is local. `user/name` or `user/name@revision` is a Hub dataset,
fetched with `huggingface_hub.snapshot_download` (card and data files only) and then read
like a local folder; the resolved commit sha goes into every report.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from reasonlint.source.card import CARD_NAME
from reasonlint.source.formats import FORMATS

_HUB_ID = re.compile(r"^(?P<repo>[\w.-]+/[\w.-]+)(?:@(?P<revision>[\w./-]+))?$")
_DOWNLOAD_PATTERNS = [CARD_NAME, *(f"*{ext}" for ext in FORMATS), *(f"**/*{ext}" for ext in FORMATS)]


class TargetError(Exception):
    """The target cannot be checked at all (exit 2); the message is one line naming the cause."""


@dataclass(frozen=True, slots=True)
class Target:
    root: Path
    kind: str  # "folder", "file" or "hub"
    id: str
    revision: str | None = None
    sha: str | None = None
    file: Path | None = None

    @property
    def boundary(self) -> Path:
        """What no file read for this target may resolve outside of: the dataset folder, or
        for a Hub snapshot the repository's cache folder (its files link into `blobs/`)."""
        if self.kind == "hub" and self.root.parent.name == "snapshots":
            return self.root.parent.parent
        return self.root


def resolve_target(spec: str) -> Target:
    path = Path(spec)
    if path.exists():
        if path.is_dir():
            return Target(root=path.resolve(), kind="folder", id=spec)
        # The folder the file is named in, not where a link leads: a link out of it is refused.
        root = path.absolute().parent.resolve()
        return Target(root=root, kind="file", id=spec, file=root / path.name)
    match = _HUB_ID.match(spec)
    looks_local = spec.startswith((".", "/")) or path.suffix.lower() in FORMATS or Path(path.parts[0]).is_dir()
    if match is None or looks_local:
        raise TargetError(f"{spec}: no such file or folder, and not a Hub dataset id (user/name[@revision])")
    return _download(match["repo"], match["revision"])


def _download(repo: str, revision: str | None) -> Target:
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import (
        GatedRepoError,
        HfHubHTTPError,
        HFValidationError,
        IncompleteSnapshotError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    label = f"{repo}@{revision}" if revision else repo
    try:
        folder = snapshot_download(
            repo_id=repo, repo_type="dataset", revision=revision,
            allow_patterns=_DOWNLOAD_PATTERNS, token=os.environ.get("HF_TOKEN") or None,
        )
    except HFValidationError as error:
        raise TargetError(f"{label}: not a valid Hub dataset id: {str(error).splitlines()[0]}") from None
    except IncompleteSnapshotError:
        raise TargetError(f"{label}: the Hub cannot be reached and the cached copy is incomplete") from None
    except GatedRepoError:
        raise TargetError(f"{label}: the dataset is gated; accept its terms on the Hub and set HF_TOKEN") from None
    except RepositoryNotFoundError:
        raise TargetError(f"{label}: no such dataset on the Hub (or it is private and HF_TOKEN is not set)") from None
    except RevisionNotFoundError:
        raise TargetError(f"{label}: the dataset has no revision {revision!r}") from None
    except LocalEntryNotFoundError:
        raise TargetError(f"{label}: the Hub cannot be reached and the dataset is not in the local cache") from None
    except HfHubHTTPError as error:
        raise TargetError(f"{label}: the Hub answered {str(error).splitlines()[0]}") from None
    except OSError as error:
        raise TargetError(f"{label}: download failed: {error}") from None
    root = Path(folder)
    return Target(root=root, kind="hub", id=repo, revision=revision, sha=root.name)
