"""SARIF 2.1.0: one rule descriptor per active rule (from the catalogue docs), one result
per finding, with the row fingerprint as a partial fingerprint for code-scanning dedup."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any, TextIO
from urllib.parse import quote

from reasonlint import __version__
from reasonlint.catalogue import RuleSpec
from reasonlint.findings import Finding, Severity
from reasonlint.report import Reporter, display_path
from reasonlint.summary import RunReport

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def rule_descriptor(rule: RuleSpec) -> dict[str, Any]:
    docs = rule.docs
    markdown = (f"**What**: {docs.what}\n\n**Why**: {docs.why}\n\n**Bad**:\n```\n{docs.bad.rstrip()}\n```\n\n"
                f"**Good**:\n```\n{docs.good.rstrip()}\n```\n\n**Fix**: {docs.fix}")
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": docs.what},
        "fullDescription": {"text": docs.why},
        "help": {"text": docs.fix, "markdown": markdown},
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        "properties": {"family": rule.family, "dimension": rule.dimension, "tags": [rule.family, rule.dimension]},
    }


def _result(report: RunReport, finding: Finding, rule_index: dict[str, int]) -> dict[str, Any]:
    location = finding.location
    physical: dict[str, Any] = {"artifactLocation": {"uri": quote(display_path(report, finding))}}
    if location.line is not None:
        physical["region"] = {"startLine": location.line}
    properties = {key: value for key, value in (("row", location.row), ("split", location.split),
                                                ("config", location.config), ("field", location.field),
                                                ("excerpt", location.excerpt)) if value is not None}
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "level": _LEVEL[finding.severity],
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": physical}],
        "partialFingerprints": {"reasonlintFingerprint/v1": finding.fingerprint},
    }
    if finding.code in rule_index:
        result["ruleIndex"] = rule_index[finding.code]
    if properties:
        result["properties"] = properties
    if finding.fix is not None:
        result["fixes"] = [_fix(report, finding)]
    return result


def _display(report: RunReport, finding: Finding, path: str) -> str:
    return display_path(report, replace(finding, location=replace(finding.location, path=path)))


def _fix(report: RunReport, finding: Finding) -> dict[str, Any]:
    """Line edits as SARIF replacements: the deleted region runs from column 1 of the first
    replaced line to column 1 of the line after (empty for an insertion)."""
    assert finding.fix is not None
    changes: dict[str, list[dict[str, Any]]] = {}
    for edit in finding.fix.edits:
        changes.setdefault(edit.path, []).append({
            "deletedRegion": {"startLine": edit.start, "startColumn": 1, "endLine": edit.stop, "endColumn": 1},
            "insertedContent": {"text": edit.text},
        })
    return {
        "description": {"text": finding.fix.description},
        "artifactChanges": [{"artifactLocation": {"uri": quote(_display(report, finding, path))},
                             "replacements": replacements} for path, replacements in changes.items()],
    }


class SarifReporter(Reporter):
    name = "sarif"

    def render(self, report: RunReport, out: TextIO) -> None:
        rule_index = {rule.code: index for index, rule in enumerate(report.rules)}
        run: dict[str, Any] = {
            "tool": {"driver": {"name": "reasonlint", "version": __version__, "semanticVersion": __version__,
                                "rules": [rule_descriptor(rule) for rule in report.rules]}},
            "invocations": [{
                "executionSuccessful": not report.errors,
                "toolExecutionNotifications": [
                    {"level": "error", "message": {"text": error}} for error in report.errors
                ],
            }],
            "results": [_result(report, finding, rule_index) for finding in report.findings],
            "properties": {"target": report.target.id, "revision": report.target.revision,
                           "sha": report.target.sha},
        }
        json.dump({"version": "2.1.0", "runs": [run]}, out, indent=2, ensure_ascii=False)
        out.write("\n")
