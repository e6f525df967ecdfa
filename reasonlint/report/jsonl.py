"""One JSON object per finding per line (the `finding` objects of the JSON report)."""

from __future__ import annotations

import json
from typing import TextIO

from reasonlint.report import Reporter
from reasonlint.report.json import finding_dict
from reasonlint.summary import RunReport


class JsonLinesReporter(Reporter):
    name = "jsonl"

    def render(self, report: RunReport, out: TextIO) -> None:
        for finding in report.findings:
            out.write(json.dumps(finding_dict(finding), ensure_ascii=False) + "\n")
