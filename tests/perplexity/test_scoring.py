"""The perplexity scorer and rules on the real SmolLM2-135M GGUF (CPU, float32).

Kept small for a 2-core CI: a few dozen short rows, one model load per session."""

from __future__ import annotations

import math
import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from reasonlint.catalogue import builtin_catalogue
from reasonlint.config import ConfigError, Settings
from reasonlint.engine import run
from reasonlint.source.target import resolve_target
from tests.conftest import REPO
from tests.perplexity.conftest import pairs_of, rows_of, write_dataset


def _scorer(loaded: Any, **options: Any) -> Any:
    from reasonlint.perplexity.scoring import Scorer

    # each test measures afresh, never reads another's memoised results
    return Scorer(loaded, **{"fmt": "chat", "max_tokens": 2048, "batch_tokens": 8192, "remember": False, **options})


def test_planted_gibberish_and_wrong_language_rows_are_flagged(loaded: Any, tmp_path: Path) -> None:
    # the first 22 clean rows, as in fixtures/rule_cases/PPL001.yml: scored once per process
    clean, planted = rows_of("clean.jsonl")[:22], rows_of("planted.jsonl")
    root = write_dataset(tmp_path / "data", clean + planted)
    settings = Settings.model_validate({"select": ["PPL001", "PPL002"], "jobs": 1, "device": "cpu"})
    report = run(resolve_target(str(root)), builtin_catalogue(), settings)
    high = sorted(f.location.line for f in report.findings if f.code == "PPL001")
    low = [f for f in report.findings if f.code == "PPL002"]
    # lines 23-26: gibberish, mojibake, Finnish, Vietnamese; the 22 clean rows pass
    assert high == [23, 24, 25, 26], [f.message for f in report.findings]
    assert low == []
    assert all("MADs above the dataset median" in f.message for f in report.findings)
    measured = report.measurements["PPL001"]
    assert measured["rows"] == 26 and sum(measured["histogram"]["counts"]) == 26


def test_measure_gives_the_loss_distribution(loaded: Any) -> None:
    from reasonlint.checks.perplexity import HighLossRows
    from reasonlint.findings import Location

    check = HighLossRows(model="smollm2-135m-gguf", device="cpu", dtype="float32", max_tokens=2048,
                         batch_tokens=8192, format="chat", min_mads=4.0, min_delta=1.0, min_rows=5, max_reported=5)
    from reasonlint.source.mapping import Record

    state = check.start()
    for line, (prompt, response) in enumerate(pairs_of(rows_of("clean.jsonl")[:8]), start=1):
        record = Record(prompt, response, None, None, None, None, {"prompt": "question", "response": "response"}, {})
        check.add(state, record, Location("train.jsonl", line=line))
    state = pickle.loads(pickle.dumps(state))  # states travel between processes
    measured = check.measure(state)
    assert measured["rows"] == 8 and measured["truncated"] == 0 and measured["model"] == "smollm2-135m-gguf"
    assert 0.5 < measured["median_loss"] < 3.0 and measured["mad_loss"] > 0
    assert sum(measured["histogram"]["counts"]) == 8 and len(measured["histogram"]["edges"]) == 21


def test_batched_loss_equals_one_row_at_a_time(loaded: Any) -> None:
    pairs = pairs_of(rows_of("clean.jsonl")[:4] + rows_of("planted.jsonl")[:2])
    batched = _scorer(loaded).score(pairs)
    alone = _scorer(loaded, batch_tokens=1).score(pairs)
    assert [b.tokens for b in batched] == [a.tokens for a in alone]
    assert max(abs(b.loss - a.loss) for b, a in zip(batched, alone, strict=True)) < 1e-4


def test_loss_reads_response_positions_only(loaded: Any) -> None:
    import torch
    import torch.nn.functional as functional

    from reasonlint.perplexity.scoring import render_context

    prompt, response = pairs_of(rows_of("clean.jsonl"))[0]
    scorer = _scorer(loaded)
    (ours,) = scorer.score([(prompt, response)])
    tokenizer = loaded.tokenizer
    context = tokenizer(render_context(tokenizer, prompt, "chat"), add_special_tokens=False)["input_ids"]
    answer = tokenizer(response, add_special_tokens=False)["input_ids"]
    assert ours.tokens == len(answer)
    ids = torch.tensor([context + answer])
    with torch.inference_mode():
        logits = loaded.model(input_ids=ids).logits[0].float()
    by_position = functional.cross_entropy(logits[:-1], ids[0, 1:], reduction="none")
    response_only = float(by_position[len(context) - 1:].mean())
    assert abs(ours.loss - response_only) < 1e-4
    assert abs(ours.loss - float(by_position.mean())) > 1e-3  # prompt positions would change it

    # a different prompt changes the loss (the response is conditioned on it) but not what is counted
    (other,) = scorer.score([("qzx vprtl jkwe fnord blax quorp " * 4, response)])
    assert other.tokens == ours.tokens and abs(other.loss - ours.loss) > 1e-3
    # the gibberish prompt's own tokens cost far more than the response's: none of them leaked in
    assert other.loss < 3.0


def test_rows_over_the_limit_are_cut_and_marked(loaded: Any) -> None:
    prompt, response = pairs_of(rows_of("clean.jsonl"))[0]
    long = " ".join([response] * 8)
    (cut,) = _scorer(loaded, max_tokens=128).score([(prompt, long)])
    assert cut.truncated and cut.length > 128 and 0 < cut.tokens < 128
    assert math.isfinite(cut.loss)


def test_unknown_model_is_one_config_error(loaded: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from reasonlint.perplexity.model import load_model

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ConfigError, match="no such GGUF file"):
        load_model(str(tmp_path / "missing.gguf"))
    with pytest.raises(ConfigError, match="cannot be loaded"):
        load_model(str(tmp_path / "not-a-model-folder"))


def test_cli_exits_2_on_a_model_that_cannot_load(loaded: Any, tmp_path: Path) -> None:
    root = write_dataset(tmp_path / "data", rows_of("clean.jsonl")[:3])
    result = subprocess.run([sys.executable, "-m", "reasonlint", "check", str(root), "--select", "PPL001",
                             "--model", str(tmp_path / "missing.gguf")], capture_output=True, text=True,
                            cwd=REPO, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert result.returncode == 2, result.stderr
    assert "missing.gguf" in result.stderr + result.stdout


def test_rule_catalogue_does_not_import_torch() -> None:
    code = ("import sys; from reasonlint.checks import load_checks; load_checks(); "
            "import reasonlint.perplexity.model, reasonlint.perplexity.scoring; "
            "assert 'torch' not in sys.modules and 'transformers' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)
