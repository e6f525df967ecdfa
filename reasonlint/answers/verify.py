"""Compare a predicted answer with a reference: exact fast paths first, math-verify in a
separate process for the rest.

The fast paths decide only what they decide exactly (identical normalized strings, plain
numbers and fractions (`a/b`, `\\frac{a}{b}`) compared as exact rationals so `015` equals
`15` and `2/4` equals `\\frac{1}{2}`, numbers with the same or no unit,
yes/no, multiple-choice letters and option texts); everything else returns None and goes
to math-verify. math-verify's own timeout uses signals, which work only on a main thread,
and sympy can sit inside one C call for ever (`2^(2^(2^100))`), so `VerifierPool` runs it
in a child process and kills the child when one item takes longer than its timeout.
"""

from __future__ import annotations

import multiprocessing
import re
import time
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

EQUAL, DIFFERENT, UNPARSABLE, TIMEOUT = "equal", "different", "unparsable", "timeout"

_TEXT_WRAP = re.compile(r"\\(?:text|textbf|mathrm|mbox|mathbf)\s*\{([^{}]*)\}")
_SPACING = re.compile(r"\\[,;:! ]|\\q?quad|\\left|\\right|\s+")
_NUMBER = re.compile(r"^[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?$")
_NUMBER_UNIT = re.compile(
    r"^([-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)\s*(?:\^\\circ|°)?\s*([a-zA-Z][a-zA-Z .]{0,24})?$")
_FRACTION = re.compile(r"^([-+]?)(?:\\frac\{(\d{1,30})\}\{(\d{1,30})\}|(\d{1,30})/(\d{1,30}))$")
_LETTER = re.compile(r"^\(?([A-J])\)?[.)]?$")
# An option quoted with its label (`A)59`, `(C) 12 hours`, `option A) 1584`): the label is the choice.
_LABELLED = re.compile(r"^(?:option\s*)?\(?([A-J])\)")
_PARENTHESISED_NUMBER = re.compile(r"^\((\d+)\)$")  # AIME-style `(051)`
# A relation (`a^2 + b^2 \leq 2`): a proved statement, which an answer may state among others.
_RELATION = re.compile(r"\\(?:le|ge|leq|geq|neq|lt|gt)(?![a-z])|[<>=]")
_START_TIMEOUT = 120.0
_YES_NO = {"yes": True, "true": True, "no": False, "false": False}


def normalize(text: str) -> str:
    """Strip what never changes an answer's value: `$`, spacing commands, `\\left`/`\\right`,
    `\\text{…}` wrappers, `\\dfrac`, a trailing period."""
    text = text.strip().rstrip(".").strip().strip("$").strip()
    text = _TEXT_WRAP.sub(r"\1", text)
    text = text.replace("{,}", ",").replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac").replace("\\%", "%")
    text = _SPACING.sub("", text)
    return _PARENTHESISED_NUMBER.sub(r"\1", text.rstrip("."))


def _number(text: str) -> Decimal | None:
    if not text or not _NUMBER.match(text) or text in {"+", "-", "."}:
        return None
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def _rational(text: str) -> Fraction | None:
    """A plain number, `a/b` or `\\frac{a}{b}` (with a sign) as an exact fraction."""
    match = _FRACTION.match(text)
    if match is None:
        number = _number(text)
        return None if number is None else Fraction(number)
    sign, numerator, denominator = match.group(1), match.group(2) or match.group(4), match.group(3) or match.group(5)
    if int(denominator) == 0:
        return None
    value = Fraction(int(numerator), int(denominator))
    return -value if sign == "-" else value


def _number_with_unit(text: str) -> tuple[Decimal, str] | None:
    match = _NUMBER_UNIT.match(text.strip().strip("$").replace("\\text{", "").replace("}", "").replace("\\ ", " "))
    if match is None:
        return None
    value = _number(match.group(1))
    return None if value is None else (value, (match.group(2) or "").strip().lower())


def _letter(text: str) -> str | None:
    match = _LETTER.match(text.strip())
    return match.group(1) if match else None


def choice_text(letter: str, options: Sequence[str]) -> str | None:
    """The option a letter names, when the row lists its options."""
    index = ord(letter) - ord("A")
    return str(options[index]) if 0 <= index < len(options) else None


def quick_compare(gold: str, predicted: str, options: Sequence[str] = ()) -> bool | None:
    """True or False where the answer is decided exactly without sympy, else None."""
    gold_norm, pred_norm = normalize(gold), normalize(predicted)
    if gold_norm == pred_norm:
        return True
    if _RELATION.search(gold_norm) and gold_norm in pred_norm.split(","):
        return True  # the reference boxes one part of the statement the answer proves whole
    if gold_norm.lower() in _YES_NO and pred_norm.lower() in _YES_NO:
        return _YES_NO[gold_norm.lower()] == _YES_NO[pred_norm.lower()]
    gold_letter, pred_letter = _letter(gold_norm), _letter(pred_norm)
    if gold_letter and not pred_letter and (labelled := _LABELLED.match(predicted.strip().strip("'\"`"))):
        pred_letter = labelled.group(1)
    if gold_letter and pred_letter:
        return gold_letter == pred_letter
    if options and (gold_letter or pred_letter):
        letter, other = (gold_letter, pred_norm) if gold_letter else (pred_letter, gold_norm)
        named = choice_text(letter or "", options)
        if named is not None:
            named_norm = normalize(re.sub(r"^\(?[A-J][.):]\s*", "", named))
            return named_norm.lower() == re.sub(r"^\(?[A-J][.):]\s*", "", other).lower()
    gold_number, pred_number = _rational(gold_norm), _rational(pred_norm)
    if gold_number is not None and pred_number is not None:
        return gold_number == pred_number
    gold_unit, pred_unit = _number_with_unit(gold), _number_with_unit(predicted)
    if gold_unit is not None and pred_unit is not None and (
            not gold_unit[1] or not pred_unit[1] or gold_unit[1] == pred_unit[1]):
        return gold_unit[0] == pred_unit[0]
    return None


def _serve(connection: Connection) -> None:
    """The child: verify (gold, predicted) pairs as they come, one reply per item, until None."""
    import logging

    from math_verify import parse, verify

    logging.getLogger("math_verify").setLevel(logging.CRITICAL)  # it logs "timeout disabled" per call
    connection.send("ready")
    while True:
        batch = connection.recv()
        if batch is None:
            return
        for gold, predicted in batch:
            try:
                gold_parsed = parse(f"\\boxed{{{gold}}}", parsing_timeout=None)  # type: ignore[arg-type]
                pred_parsed = parse(f"\\boxed{{{predicted}}}", parsing_timeout=None)  # type: ignore[arg-type]
                if not gold_parsed or not pred_parsed:
                    outcome = UNPARSABLE
                else:
                    outcome = EQUAL if verify(gold_parsed, pred_parsed, timeout_seconds=None) else DIFFERENT
            except Exception:  # sympy raises anything on odd input: that is "cannot parse"
                outcome = UNPARSABLE
            connection.send(outcome)


class VerifierPool:
    """One child process running math-verify, started on first use, with a hard per-item
    timeout: an item that overruns has its child killed and is reported as TIMEOUT, and a
    fresh child takes the rest of the batch. Items go over in batches, replies come one
    by one, so the cost per item is one small pickle each way."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._process: BaseProcess | None = None
        self._connection: Connection | None = None
        self._inflight: list[tuple[str, str]] | None = None
        self._sent = False

    def _start(self) -> Connection:
        if self._connection is None:
            context = multiprocessing.get_context("spawn")
            parent, child = context.Pipe()
            process = context.Process(target=_serve, args=(child,), daemon=True, name="reasonlint-verify")
            process.start()
            child.close()
            self._process, self._connection = process, parent
            # The child imports sympy before it answers: that start is not an item's time.
            try:
                ready = parent.poll(_START_TIMEOUT) and parent.recv() == "ready"
            except (EOFError, OSError):
                ready = False
            if not ready:
                self._kill()
                raise RuntimeError("the math-verify process did not start")
        return self._connection

    def close(self) -> None:
        self._inflight = None
        if self._connection is not None:
            try:
                self._connection.send(None)
            except OSError:
                pass
            self._connection.close()
        if self._process is not None:
            self._process.join(timeout=1)
            if self._process.is_alive():
                self._process.kill()
                self._process.join()
        self._process = self._connection = None

    def _kill(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.join()
        if self._connection is not None:
            self._connection.close()
        self._process = self._connection = None

    @property
    def busy(self) -> bool:
        return self._inflight is not None

    def submit(self, items: Sequence[tuple[str, str]]) -> None:
        """Send a batch and return at once; `collect` waits for its outcomes. One batch at a time."""
        assert self._inflight is None, "collect the batch in flight first"
        self._inflight = list(items)
        self._sent = False
        try:
            self._start().send(self._inflight)
            self._sent = True
        except (RuntimeError, OSError):
            self._kill()

    def collect(self) -> list[str]:
        """One outcome per item of the batch in flight: EQUAL, DIFFERENT, UNPARSABLE or TIMEOUT.
        The timeout runs from the later of the call and the previous reply."""
        items, self._inflight = self._inflight or [], None
        outcomes: list[str] = []
        sent = self._sent
        while len(outcomes) < len(items):
            try:
                connection = self._start()
                if not sent:
                    connection.send(items[len(outcomes):])
            except (RuntimeError, OSError):
                self._kill()
                return outcomes + [TIMEOUT] * (len(items) - len(outcomes))
            sent = False
            deadline = time.monotonic() + self.timeout
            while len(outcomes) < len(items):
                if connection.poll(max(0.0, deadline - time.monotonic())):
                    try:
                        outcomes.append(connection.recv())
                    except (EOFError, OSError):  # the child died on this item
                        outcomes.append(UNPARSABLE)
                        self._kill()
                        break
                    deadline = time.monotonic() + self.timeout
                else:
                    outcomes.append(TIMEOUT)
                    self._kill()
                    break
        return outcomes

    def verify(self, items: Sequence[tuple[str, str]]) -> list[str]:
        """Submit and collect one batch."""
        self.submit(items)
        return self.collect()
