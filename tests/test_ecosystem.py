"""The ecosystem check (bench/ecosystem.py) over the real datasets that are present: every
error-level finding must be one the hand audit in bench/ecosystem.yaml accounts for.

A new rule, or a change that makes a rule find more at error level on real data, fails here
until its findings are opened, judged and recorded in the audit file. Skipped when
../shared/realdata and ../shared/realdata-more are both absent.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import REPO, SHARED

pytestmark = pytest.mark.realdata


@pytest.mark.skipif(not (SHARED / "realdata").is_dir() and not (SHARED / "realdata-more").is_dir(),
                    reason="no real datasets beside the checkout")
def test_no_unexplained_error_level_finding_on_real_data() -> None:
    result = subprocess.run([sys.executable, "bench/ecosystem.py"], cwd=REPO, capture_output=True, text=True,
                            check=False)
    unexplained = [line for line in result.stdout.splitlines() if line.startswith("UNEXPLAINED")]
    assert result.returncode == 0 and not unexplained, "\n".join(unexplained) or result.stderr[-2000:]
    assert "datasets; findings:" in result.stdout
