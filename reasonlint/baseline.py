"""The baseline: findings a dataset already had when it adopted reasonlint, so that later
runs report only new ones (as detekt's and semgrep's baselines, ruff's `--add-noqa`).

`.reasonlint-baseline.json` in the dataset folder holds one entry per (rule code, finding
fingerprint) with a count: identical rows give identical fingerprints, so the baseline is a
multiset, and two copies of a known bad row do not hide a third. It holds no row text and
no paths: a fingerprint is the rule plus the row's content (or a dataset-level finding's
key), so entries survive reordered rows and moved or renamed files, and a changed row is a
new finding. Entries that match no finding any more are reported (SUP003), so the file
shrinks as the data is fixed.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from reasonlint import __version__
from reasonlint.config import ConfigError, Settings
from reasonlint.findings import Finding
from reasonlint.source.containment import refusal
from reasonlint.source.target import Target
from reasonlint.suppression import Suppression, is_suppressible, without_suppressed

BASELINE_NAME = ".reasonlint-baseline.json"
BASELINE_VERSION = 1
_CODE = re.compile(r"^[A-Z]{2,5}[0-9]{3}$")
_FINGERPRINT = re.compile(r"^[0-9a-f]{16}$")


@dataclass(frozen=True, slots=True, order=True)
class BaselineEntry:
    code: str
    fingerprint: str
    count: int


@dataclass(frozen=True, slots=True)
class Baseline:
    path: str  # where findings about the file point: relative to the dataset root when inside it
    entries: tuple[BaselineEntry, ...]

    def counts(self) -> Counter[tuple[str, str]]:
        return Counter({(entry.code, entry.fingerprint): entry.count for entry in self.entries})


def _explicit_path(settings: Settings) -> Path | None:
    """`--baseline PATH` (made absolute by the command line) or `baseline = ...` in a settings
    file, relative to that file."""
    if settings.baseline is None:
        return None
    path = Path(settings.baseline)
    if not path.is_absolute() and settings.source:
        path = Path(settings.source).parent / path
    return path


def baseline_for_run(target: Target, settings: Settings) -> Baseline | None:
    """The baseline this run applies: the named file (which must exist), else the dataset
    folder's own if there is one; None with `--no-baseline` or for a single data file."""
    if not settings.use_baseline:
        return None
    path = _explicit_path(settings)
    if path is None:
        if target.kind == "file":
            return None
        path = target.root / BASELINE_NAME
        if not path.is_file() and not path.is_symlink():
            return None
        reason = refusal(path, target.boundary)
        if reason is not None:
            raise ConfigError(f"baseline {BASELINE_NAME} is {reason}; not read")
    elif not path.is_file():
        raise ConfigError(f"baseline {path} does not exist (run --add-baseline to write it)")
    return load_baseline(path, _shown(path, target.root))


def baseline_to_write(target: Target, settings: Settings) -> Path:
    """Where `--add-baseline` writes: the named file, or the dataset folder's default. Only a
    whole local folder has one: a Hub snapshot is not the user's to edit, and a run that
    reads part of the rows would record part of the findings."""
    if target.kind == "hub":
        raise ConfigError(f"--add-baseline writes into a local dataset folder, and {target.id} is a Hub dataset")
    if target.kind == "file":
        raise ConfigError(f"--add-baseline writes into a dataset folder, and {target.id} is a single file")
    partial = [option for option, value in (("--since", settings.since), ("--sample", settings.sample),
                                            ("--max-rows", settings.max_rows)) if value is not None]
    if partial:
        raise ConfigError(f"--add-baseline records every finding of the dataset, so it cannot be used with "
                          f"{', '.join(partial)}")
    return _explicit_path(settings) or target.root / BASELINE_NAME


def _shown(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def load_baseline(path: Path, shown: str) -> Baseline:
    """Read and validate a baseline file; anything unexpected is a ConfigError (exit 2)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"baseline {path}: {error}") from None
    except json.JSONDecodeError as error:
        raise ConfigError(f"baseline {path}: not JSON: {error}") from None
    if not isinstance(data, dict) or data.get("version") != BASELINE_VERSION:
        raise ConfigError(f"baseline {path}: not a reasonlint baseline (expected \"version\": {BASELINE_VERSION})")
    raw_entries = data.get("entries")
    if not isinstance(raw_entries, list):
        raise ConfigError(f"baseline {path}: \"entries\" is not a list")
    entries = []
    for index, raw in enumerate(raw_entries):
        if not (isinstance(raw, dict) and set(raw) == {"code", "fingerprint", "count"}
                and isinstance(raw["code"], str) and _CODE.match(raw["code"])
                and isinstance(raw["fingerprint"], str) and _FINGERPRINT.match(raw["fingerprint"])
                and type(raw["count"]) is int and raw["count"] >= 1):
            raise ConfigError(f"baseline {path}: entry {index} is not "
                              "{\"code\": CODE, \"fingerprint\": 16 hex digits, \"count\": a positive integer}")
        entries.append(BaselineEntry(raw["code"], raw["fingerprint"], raw["count"]))
    return Baseline(shown, tuple(sorted(entries)))


def entries_of(findings: Iterable[Finding]) -> tuple[BaselineEntry, ...]:
    """The baseline of these findings: one entry per (code, fingerprint) with its count,
    sorted. Suppression findings are never recorded: they are about the card's comments
    and the baseline itself."""
    counts = Counter((f.code, f.fingerprint) for f in findings if is_suppressible(f))
    return tuple(sorted(BaselineEntry(code, fp, count) for (code, fp), count in counts.items()))


def render_baseline(entries: Sequence[BaselineEntry]) -> str:
    """Stable JSON, one entry per line (diffs of the file read as added and dropped
    findings), with a trailing newline: the same findings always give the same bytes."""
    lines = [json.dumps({"code": e.code, "fingerprint": e.fingerprint, "count": e.count}) for e in entries]
    body = ",\n".join(f"    {line}" for line in lines)
    return (f"{{\n  \"version\": {BASELINE_VERSION},\n"
            f"  \"tool\": {json.dumps({'name': 'reasonlint', 'version': __version__})},\n"
            f"  \"entries\": [" + (f"\n{body}\n  " if lines else "") + "]\n}\n")


def write_baseline(path: Path, findings: Iterable[Finding]) -> int:
    """Write the baseline of `findings`; returns how many findings it records."""
    entries = entries_of(findings)
    text = render_baseline(entries)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8", newline="\n")
    os.replace(temporary, path)
    return sum(entry.count for entry in entries)


def match_baseline(findings: Sequence[Finding], baseline: Baseline | None
                   ) -> tuple[list[Finding], int, Counter[tuple[str, str]]]:
    """The findings the baseline does not hold, how many it holds, and the entries (with
    counts) that matched nothing. Findings are taken in order, so with more copies than
    the baseline counts, the later ones are reported."""
    if baseline is None:
        return list(findings), 0, Counter()
    left = baseline.counts()
    kept = []
    for finding in findings:
        key = (finding.code, finding.fingerprint)
        if left[key] > 0 and is_suppressible(finding):
            left[key] -= 1
        else:
            kept.append(finding)
    return kept, len(findings) - len(kept), +left


def held_back(findings: Sequence[Finding], suppressions: Sequence[Suppression], baseline: Baseline | None
              ) -> tuple[list[Finding], int, int]:
    """The findings to report: without those the card suppresses, then without those in the
    baseline; with the two counts."""
    unsuppressed, suppressed = without_suppressed(findings, suppressions)
    kept, baselined, _ = match_baseline(sorted(unsuppressed, key=Finding.sort_key), baseline)
    return kept, suppressed, baselined
