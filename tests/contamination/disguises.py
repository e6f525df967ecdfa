"""Seeded disguises of benchmark items and clean look-alike rows, shared by the planted
contamination test and bench/contamination_throughput.py. Clean texts are generated here
from templates; benchmark texts are read at run time from ../shared/benchmarks only."""

from __future__ import annotations

import json
import random
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[2].parent / "shared" / "benchmarks"
GPQA_PASSWORD = b"deserted-untie-orchid"  # the official GPQA release password (SOURCES.md)

_NUMBER = re.compile(r"\d+")
_OPTION = re.compile(r"^([A-D])\. (.*)$", re.M)


def load_items() -> dict[str, list[str]]:
    """Benchmark name -> item texts (as the shipped indexes fingerprint them)."""
    def jsonl(name: str, field: str) -> list[str]:
        lines = (BENCHMARKS / name).read_text(encoding="utf-8").split("\n")
        return [json.loads(line)[field] for line in lines if line.strip()]

    with zipfile.ZipFile(BENCHMARKS / "gpqa_diamond.zip") as archive:
        raw = archive.read("gpqa_diamond.jsonl", pwd=GPQA_PASSWORD).decode("utf-8")
    import gzip

    humaneval = gzip.decompress((BENCHMARKS / "humaneval.jsonl.gz").read_bytes()).decode("utf-8")
    return {
        "aime2024": jsonl("aime2024.jsonl", "problem"),
        "aime2025": jsonl("aime2025.jsonl", "problem"),
        "amc2023": jsonl("amc23.jsonl", "problem"),
        "math500": jsonl("math500.jsonl", "problem"),
        "gsm8k_test": jsonl("gsm8k_test.jsonl", "question"),
        "gpqa_diamond": [json.loads(line)["question"] for line in raw.split("\n") if line.strip()],
        "humaneval": [json.loads(line)["prompt"] for line in humaneval.split("\n") if line.strip()],
        "livecodebench_v5": jsonl("livecodebench_v5_2408_2502.jsonl", "prompt"),
    }


def verbatim(text: str, rng: random.Random) -> str:
    return text


def prefixed(text: str, rng: random.Random) -> str:
    prefix = rng.choice(["Solve the following problem step by step.", "Please reason carefully and put the final "
                         "answer in \\boxed{}.", "Question:", "You are a helpful assistant. Here is a task for you:"])
    return f"{prefix}\n\n{text}"


def quoted(text: str, rng: random.Random) -> str:
    return (f"<think>\nThe problem says: \"{text}\"\nSo I need to set up the quantities first. "
            f"{filler(rng, 6)}\n</think>\nThe answer follows from the steps above.")


def reformatted(text: str, rng: random.Random) -> str:
    text = text.replace("\\frac", "\\dfrac").replace("$", "")
    return re.sub(r"\s+", lambda m: rng.choice([" ", "  ", "\n", " \n "]), text)


def changed_numbers(text: str, rng: random.Random) -> str:
    return _NUMBER.sub(lambda m: str(int(m.group()) + rng.randint(1, 9)), text)


def shuffled_options(text: str, rng: random.Random) -> str:
    """Options shuffled and relabelled `(A)`-style (GPQA's own are `A. ...` lines)."""
    options = _OPTION.findall(text)
    if len(options) < 2:
        return text
    bodies = [body for _, body in options]
    rng.shuffle(bodies)
    stem = text[: _OPTION.search(text).start()]  # type: ignore[union-attr]
    rest = text[_OPTION.search(text[::1]).start():]  # type: ignore[union-attr]
    tail = rest.split("\n\n", 1)[1] if "\n\n" in rest else ""
    labelled = "\n".join(f"({label}) {body}" for label, body in zip("ABCD", bodies, strict=False))
    return f"{stem}{labelled}\n\n{tail}"


DISGUISES: dict[str, Callable[[str, random.Random], str]] = {
    "verbatim": verbatim, "prefixed": prefixed, "quoted": quoted, "reformatted": reformatted,
    "changed numbers": changed_numbers,
}

_NAMES = ["Alice", "Bob", "Chen", "Dana", "Emeka", "Farah", "Goran", "Hana"]
_THINGS = ["marbles", "stamps", "apples", "tickets", "books", "coins", "pencils", "shells"]
_STEPS = [
    "Let {a} be the number of {t}; then {a} + {b} = {c}.", "Multiplying both sides by {b} gives {c}.",
    "We check the case {a} = {b} separately, and it leads to a contradiction.",
    "By the triangle inequality the side is at most {c}.", "Hence the remainder modulo {b} is {a}.",
    "Substituting $x = \\frac{{{a}}}{{{b}}}$ into the equation gives {c}.",
    "{n} has {a} {t} and gives {b} of them to a friend, so {n} keeps {c}.",
    "The sum of the first {a} terms of the sequence is {c}.", "Squaring, $x^2 + {a}x = {c}$.",
]


def filler(rng: random.Random, sentences: int) -> str:
    return " ".join(rng.choice(_STEPS).format(a=rng.randint(2, 99), b=rng.randint(2, 99), c=rng.randint(2, 999),
                                              t=rng.choice(_THINGS), n=rng.choice(_NAMES))
                    for _ in range(sentences))


def clean_problem(rng: random.Random) -> str:
    name, thing = rng.choice(_NAMES), rng.choice(_THINGS)
    return (f"{name} has {rng.randint(5, 90)} {thing}. {name} buys {rng.randint(2, 20)} more each week for "
            f"{rng.randint(2, 9)} weeks and then gives away a third of them. How many {thing} does {name} have now?")


def aime_lookalike(rng: random.Random) -> str:
    """An invented AIME-style problem built around the boilerplate of real ones."""
    shape = rng.choice([
        "Let $x$ and $y$ be positive real numbers such that $x^{a} + y^{b} = {c}$ and $xy = {d}$. "
        "The value of $x + y$ can be written as $\\frac{{m}}{{n}}$, where $m$ and $n$ are relatively prime "
        "positive integers. Find $m + n$.",
        "A bag contains {a} red and {b} blue balls. Two balls are drawn at random without replacement. "
        "The probability that both are red is $\\frac{{m}}{{n}}$, where $m$ and $n$ are relatively prime "
        "positive integers. Find $m+n$.",
        "Find the number of ordered pairs $(a,b)$ of integers such that $1 \\le a < b \\le {c}$ and "
        "$a + b$ divides $ab + {d}$. Find the remainder when this number is divided by $1000$.",
        "In triangle $ABC$, $AB = {a}$, $BC = {b}$, and $CA = {c}$. The radius of the circle tangent to "
        "$AB$ and $AC$ can be written as $\\frac{{m\\sqrt{{p}}}}{{n}}$, where $m$, $n$, and $p$ are positive "
        "integers, $m$ and $n$ are relatively prime, and $p$ is not divisible by the square of any prime. "
        "Find $m+n+p$.",
    ])
    return (shape.replace("{a}", str(rng.randint(2, 30))).replace("{b}", str(rng.randint(2, 30)))
            .replace("{c}", str(rng.randint(10, 999))).replace("{d}", str(rng.randint(2, 99))))
