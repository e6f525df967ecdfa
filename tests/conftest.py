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
    for a .jsonl name), `{"bytes_hex": ...}` as raw bytes, and `{"prefix", "repeat", "times",
    "suffix"}` as a generated text (a 5 MB trace in a case file of a few lines)."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        elif "repeat" in content:
            text = content.get("prefix", "") + content["repeat"] * content["times"] + content.get("suffix", "")
            path.write_text(text, encoding="utf-8")
        elif "symlink" in content:
            path.symlink_to(content["symlink"])
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


def engine_rules(*args: str) -> tuple[str, ...]:
    """`args` plus `--select SCH,SIZE` unless they select rules themselves. Engine and report
    tests write data without a card; running only the engine's own rules keeps card rules
    (which would report the missing card) out of the findings they count."""
    return args if "--select" in args else (*args, "--select", "SCH,SIZE")


def run_json(*args: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    result = run_cli(*args, "--output-format", "json", **kwargs)
    assert result.stdout, result.stderr
    return result.returncode, json.loads(result.stdout)


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """The row cache is off in tests (a test that runs twice, such as serial against parallel,
    must do the work twice) and, where a test turns it on (tests/test_incremental.py), it is
    that test's own empty folder: the environment reaches `run_cli`'s children, and no test
    writes into the user's cache."""
    monkeypatch.setenv("REASONLINT_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.setenv("REASONLINT_NO_CACHE", "1")


@pytest.fixture
def realdata() -> Path:
    if not REALDATA.is_dir():
        pytest.skip("../shared/realdata is not present")
    return REALDATA


# Small datasets the output-format tests share.
GOOD_ROW = {"question": "What is 2 + 2?", "reasoning": "2 + 2 = 4.", "answer": "4"}
EMPTY_TRACE_ROW = {"question": "What is 3 + 3?", "reasoning": "", "answer": "6"}
MALFORMED_LINE = '{"question": "What is 5 + 5?", "reasoning": "5 + 5 = 10."'
# Line 1 is fine, line 2 malformed (SCH001, error), line 3 has an empty trace (SCH005, warning);
# two rows is too few (SIZE001, a warning that SIZE_AS_INFO turns into info).
MIXED_JSONL = "\n".join([json.dumps(GOOD_ROW), MALFORMED_LINE, json.dumps(EMPTY_TRACE_ROW)]) + "\n"
SIZE_AS_INFO = 'profile = "competition"\n[severity]\nSIZE001 = "info"\n'
LFS_POINTER = "version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 123\n"
DATASETS: dict[str, dict[str, Any]] = {
    "jsonl": {"train.jsonl": MIXED_JSONL, "reasonlint.toml": SIZE_AS_INFO},
    "parquet": {"train.parquet": {"rows": [GOOD_ROW, EMPTY_TRACE_ROW]}},
    "lfs-pointer": {"train.jsonl": LFS_POINTER},
}
