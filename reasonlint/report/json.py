"""The JSON report: a versioned contract (see `output_schema.json` beside this file).

Bump `SCHEMA_VERSION` on any change that could break a consumer; additions of optional
keys do not. The report holds no timings, so the same input gives the same bytes.
"""

from __future__ import annotations

import json
import math
from importlib import resources
from typing import Any, TextIO

from reasonlint import __version__
from reasonlint.findings import Finding
from reasonlint.profile import DatasetProfile
from reasonlint.report import Reporter
from reasonlint.source.roles import RoleEvidence
from reasonlint.summary import RunReport

SCHEMA_VERSION = 1
PROFILE_TEXTS = ("prompts", "traces", "examples")  # left out of the JSON report


def output_schema() -> dict[str, Any]:
    return json.loads((resources.files("reasonlint.report") / "output_schema.json").read_text(encoding="utf-8"))


def finding_dict(finding: Finding) -> dict[str, Any]:
    location = finding.location
    result: dict[str, Any] = {
        "code": finding.code,
        "name": finding.name,
        "family": finding.family,
        "dimension": finding.dimension,
        "severity": finding.severity.value,
        "message": finding.message,
        "location": {
            "path": location.path, "line": location.line, "row": location.row, "split": location.split,
            "config": location.config, "field": location.field, "excerpt": location.excerpt,
        },
        "fingerprint": finding.fingerprint,
    }
    if finding.fix is not None:
        result["fix"] = {
            "description": finding.fix.description,
            "edits": [{"path": e.path, "start": e.start, "stop": e.stop, "text": e.text} for e in finding.fix.edits],
        }
    return result


def evidence_dict(evidence: RoleEvidence) -> dict[str, Any]:
    return {"role": evidence.role, "column": evidence.column, "score": evidence.score, "facts": list(evidence.facts),
            "runner_up": evidence.runner_up, "runner_up_score": evidence.runner_up_score, "manual": evidence.manual}


def report_dict(report: RunReport) -> dict[str, Any]:
    target = report.target
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "reasonlint", "version": __version__},
        "target": {"id": target.id, "kind": target.kind, "revision": target.revision, "sha": target.sha},
        "run": {"rows_read": report.rows_read, "rows_checked": report.rows_checked, "complete": report.complete,
                "sample": report.sample, "seed": report.seed, **_held_back(report)},
        "tables": [
            {"config": t.config, "split": t.split, "files": list(t.files), "rows": t.rows,
             "mapping": t.mapping.roles() if t.mapping else {},
             "mapping_evidence": [evidence_dict(e) for e in t.mapping.evidence] if t.mapping else []}
            for t in report.tables
        ],
        "rules": [rule.code for rule in report.rules],
        "counts": report.counts(),
        "errors": list(report.errors),
        "findings": [finding_dict(finding) for finding in report.findings],
        "scores": report.scores.to_json() if report.scores is not None else None,
        "profile": profile_dict(report.profile) if report.profile is not None else None,
        "measurements": {code: _plain(value) for code, value in sorted(report.measurements.items())},
    }


def profile_dict(profile: DatasetProfile) -> dict[str, Any]:
    """The profile's figures without its sample texts (prompts, trace heads, example rows):
    those are for the HTML report, and would make the JSON report large and leak data."""
    data = profile.to_json()
    for key in PROFILE_TEXTS:
        del data[key]
    return data


def _plain(value: Any) -> Any:
    """A measurement as JSON values: numpy scalars and arrays, tuples and mappings converted,
    NaN (a loss over no rows) as null."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return _plain(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return None  # NaN and infinities are not JSON
    return value


def _held_back(report: RunReport) -> dict[str, int]:
    """How many findings the card's comments and the baseline held back: keys present only
    when some were, so reports of datasets that use neither read as before."""
    counts = {"suppressed": report.suppressed, "baselined": report.baselined}
    return {key: count for key, count in counts.items() if count}


class JsonReporter(Reporter):
    name = "json"

    def render(self, report: RunReport, out: TextIO) -> None:
        json.dump(report_dict(report), out, indent=2, ensure_ascii=False)
        out.write("\n")
