"""A check that kills the process it runs in, for the Ray executor's failure tests.

It acts only in a worker (never in the test process, whose pid it is given) and only on rows
whose prompt holds `CRASH-HERE`: the first time when `marker` names a file (which it then
creates, so the retried task goes through), every time when `marker` is empty."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from reasonlint.checks import row_check
from reasonlint.findings import Hit
from reasonlint.source.mapping import Record

RULES = """\
family: trace
rules:
  - code: TRC900
    name: crash-on-row
    dimension: quality
    severity: warning
    check: crash_on_row
    parameters:
      marker:
        type: str
        default: ""
        doc: A file created at the first crash; empty to crash every time.
      driver:
        type: int
        default: 0
        doc: The test process's pid, where the check never crashes.
    message: "{detail}"
    docs:
      what: Kills its worker on a marked row.
      why: To test that a dead worker's slice is retried, and that one that keeps failing ends the run.
      bad: CRASH-HERE
      good: any other prompt
      fix: none
"""


@row_check
def crash_on_row(record: Record, *, marker: str, driver: int) -> Iterator[Hit]:
    if record.prompt and "CRASH-HERE" in record.prompt and os.getpid() != driver:
        if not marker or not Path(marker).exists():
            if marker:
                Path(marker).touch()
            os._exit(1)
    return iter(())
