"""The reference-loss formatting of SYNTHETIC-1-style rows, as the DISTILLED_REASONING_3B
competition scores them, and the slips of its loader.

The competition's loader keeps `verifiable_math` and `code_output_prediction` rows. It
takes the answer of a math row with the non-greedy regex `\\boxed\\{(.*?)\\}` (last
match) and cuts the trace before that `\\boxed{answer}`; a code row's answer is the last
`{"output": "…"}`, removed once from the text. The scored response is the trace with the
answer put back; the context is a fixed system prompt and the question in the model's
chat template. We reproduce that reading (the scores are the ones a model would get) and
report where it goes wrong: `\\boxed{\\frac{1}{2}}` is read as `\\frac{1`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SYSTEM_PROMPT = (
    "You are a reflective AI capable of using extended chains of thought to consider the problem thoroughly and "
    "deliberate through systematic reasoning to arrive at a correct solution before answering. Enclose your "
    "internal monologue in <think> ... </think> tags, then provide your final answer in the format that the user "
    "requests."
)
_BOXED = re.compile(r"\\boxed\{(.*?)\}")
_OUTPUT = re.compile(r'{"output": "(.*?)"}')
MATH, CODE_OUTPUT = "verifiable_math", "code_output_prediction"


@dataclass(frozen=True, slots=True)
class Parsed:
    """The loader's reading of one assistant message: trace, answer and the scored text."""

    trace: str
    answer: str
    scored: str


def task_of(task_type: object, response: str) -> str | None:
    """The row's task as the loader sees it: the `task_type` column, else guessed from the
    answer's shape (a `\\boxed{}` or an `{"output": …}`); None for rows it would drop."""
    if isinstance(task_type, str):
        return task_type if task_type in (MATH, CODE_OUTPUT) else None
    if "\\boxed{" in response:
        return MATH
    if '{"output": "' in response:
        return CODE_OUTPUT
    return None


def parse(task: str, response: str) -> Parsed:
    """Trace and answer the competition's loader reads, and the response text it scores
    (the trace with the answer re-appended in its own wrapper)."""
    if task == MATH:
        matches = _BOXED.findall(response)
        answer = matches[-1] if matches else ""
        trace = response
        if answer:
            cut = response.rfind(f"\\boxed{{{answer}}}")
            trace = response[:cut].strip() if cut > -1 else response
        scored = f"{trace}\n\n\\boxed{{{answer}}}" if answer else trace
        return Parsed(trace, answer, scored.strip())
    outputs = _OUTPUT.findall(response)
    answer = outputs[-1] if outputs else ""
    trace = response.replace(f'{{"output": "{answer}"}}', "", 1) if answer else response
    scored = f'{trace.strip()}\n\n{{"output": "{answer}"}}' if answer else trace
    return Parsed(trace, answer, scored.strip())


@dataclass(frozen=True, slots=True)
class BoxedSlip:
    """The answer the loader reads from the last `\\boxed{` match, and the one there is."""

    read: str
    actual: str
    offset: int


def boxed_slip(response: str) -> BoxedSlip | None:
    """Where the non-greedy `\\boxed{` regex stops at an inner `}`: the answer it returns is
    a prefix of the balanced one (`\\frac{1` of `\\frac{1}{2}`)."""
    matches = list(_BOXED.finditer(response))
    if not matches:
        return None
    last = matches[-1]
    start = last.start(1)
    depth = 1
    for index in range(start, len(response)):
        char = response[index]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                actual = response[start:index]
                return BoxedSlip(last.group(1), actual, last.start()) if actual != last.group(1) else None
    return None
