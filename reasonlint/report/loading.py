"""Read a JSON report (`--output-format json`) back into a `RunReport`.

The GitHub Action checks once, writing JSON, and derives the SARIF file, the annotations
and the job summary from that file with the same reporters the CLI uses, rather than
running the check again per format.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reasonlint.catalogue import Catalogue
from reasonlint.findings import Edit, Finding, Fix, Location, Severity
from reasonlint.profile import DatasetProfile
from reasonlint.report.json import PROFILE_TEXTS, SCHEMA_VERSION
from reasonlint.score.model import Scores
from reasonlint.source.target import Target
from reasonlint.summary import RunReport, TableSummary


class ReportError(Exception):
    """The file is not a JSON report this version can read; the message names why."""


def report_from_dict(data: dict[str, Any], catalogue: Catalogue, cwd: Path | None = None) -> RunReport:
    """The run `data` describes. A local target's id is the path as typed, so it is resolved
    against `cwd` (the directory the check ran in); rules missing from `catalogue` (a user's
    rule file) are left out of `rules`, and their findings still appear."""
    if data.get("schema_version") != SCHEMA_VERSION:
        raise ReportError(f"report schema version {data.get('schema_version')!r}, expected {SCHEMA_VERSION}")
    target = data["target"]
    base = cwd or Path.cwd()
    if target["kind"] == "hub":
        resolved = Target(root=base, kind="hub", id=target["id"], revision=target["revision"], sha=target["sha"])
    else:
        path = (base / target["id"]).resolve()
        root = path if target["kind"] == "folder" else path.parent
        resolved = Target(root=root, kind=target["kind"], id=target["id"],
                          file=path if target["kind"] == "file" else None)
    run = data["run"]
    rules = tuple(spec for spec in (catalogue.get(code) for code in data["rules"]) if spec is not None)
    return RunReport(
        target=resolved,
        tables=tuple(TableSummary(t["config"], t["split"], tuple(t["files"]), t["rows"], None)
                     for t in data["tables"]),
        rules=rules,
        findings=tuple(_finding(finding) for finding in data["findings"]),
        errors=tuple(data["errors"]),
        rows_read=run["rows_read"], rows_checked=run["rows_checked"], complete=run["complete"],
        sample=run["sample"], seed=run["seed"], elapsed_seconds=0.0,
        profile=_profile(data.get("profile")), measurements=dict(data.get("measurements") or {}),
        scores=Scores.from_json(data["scores"]) if data.get("scores") else None,
    )


def _profile(data: dict[str, Any] | None) -> DatasetProfile | None:
    """The profile's figures; its sample texts are not in the JSON report, so they come back empty."""
    if not data:
        return None
    return DatasetProfile.from_json({**data, **{key: [] for key in PROFILE_TEXTS}})


def _finding(data: dict[str, Any]) -> Finding:
    fix = data.get("fix")
    return Finding(
        code=data["code"], name=data["name"], family=data["family"], dimension=data["dimension"],
        severity=Severity(data["severity"]), message=data["message"], location=Location(**data["location"]),
        fingerprint=data["fingerprint"],
        fix=Fix(fix["description"], tuple(Edit(**edit) for edit in fix["edits"])) if fix else None,
    )
