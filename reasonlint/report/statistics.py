"""`--statistics`: how many findings each rule produced, instead of the findings."""

from __future__ import annotations

import json
from collections import Counter
from typing import TextIO

from reasonlint.summary import RunReport


def render_statistics(report: RunReport, out: TextIO, as_json: bool) -> None:
    counts = Counter(finding.code for finding in report.findings)
    first = {finding.code: finding for finding in reversed(report.findings)}  # the configured severity
    rows = [
        {"code": code, "name": first[code].name, "severity": first[code].severity.value, "count": count}
        for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]
    if as_json:
        json.dump(rows, out, indent=2)
        out.write("\n")
        return
    width = max((len(str(row["count"])) for row in rows), default=1)
    for row in rows:
        out.write(f"{row['count']:>{width}}\t{row['code']}\t[{row['severity']}] {row['name']}\n")
