"""Shared test helpers: build small datasets on disk, run the real CLI, find ../shared."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
REALDATA = SHARED / "realdata"


def write_files(root: Path, files: dict[str, Any]) -> Path:
    """Write a dataset folder: text values as they are, `{"rows": [...]}` as Parquet (or JSONL
    for a .jsonl name), `{"bytes_hex": ...}` as raw bytes."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        elif "bytes_hex" in content:
            path.write_bytes(bytes.fromhex(content["bytes_hex"]))
        elif name.endswith(".parquet"):
            pq.write_table(pa.Table.from_pylist(content["rows"]), path)
        else:
            path.write_text("".join(json.dumps(row) + "\n" for row in content["rows"]), encoding="utf-8")
    return root


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `reasonlint` as a user would, in a child process."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "reasonlint", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=300)


def run_json(*args: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    result = run_cli(*args, "--output-format", "json", **kwargs)
    assert result.stdout, result.stderr
    return result.returncode, json.loads(result.stdout)


@pytest.fixture
def realdata() -> Path:
    if not REALDATA.is_dir():
        pytest.skip("../shared/realdata is not present")
    return REALDATA
