"""Mixed-script traces: cheap on ASCII, bounded on huge texts."""

from __future__ import annotations

import time
from types import MappingProxyType

from reasonlint.checks.trace_language import mixed_script_trace
from reasonlint.source.mapping import Record


def _record(trace: str, prompt: str = "What is 7*8?") -> Record:
    return Record(prompt=prompt, response=None, trace=trace, answer=None, reference=None, messages=None,
                  fields=MappingProxyType({"trace": "reasoning", "prompt": "question"}), raw={})


def test_mixing_far_into_a_long_trace_is_found_in_windows() -> None:
    trace = "We compute the product step by step. " * 20_000 + "我们需要计算乘积也就是五十六" * 50
    started = time.perf_counter()
    hits = list(mixed_script_trace(_record(trace), min_chars=10, budget=262144))
    assert time.perf_counter() - started < 0.5
    assert hits and hits[0].facts["script"] == "Han/Kana" and hits[0].facts["main"] == "Latin"


def test_ascii_and_greek_pass() -> None:
    assert not list(mixed_script_trace(_record("plain ascii " * 1000), min_chars=10, budget=262144))
    assert not list(mixed_script_trace(_record("θ = π/6 and α + β = γ " * 50), min_chars=10, budget=262144))
