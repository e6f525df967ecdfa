"""Checks on final answers: can one be found, does it agree with the reference, does a
code or JSON answer parse, do several generations of one prompt repeat or all miss.

Verification design: an aggregate, not a row check. A row check has nowhere to keep a
process or a batch, so it would pay one round trip per row; the aggregate decides most
rows in microseconds with the exact fast paths of `reasonlint.answers.verify`, queues the
rest as short (location, gold, predicted, key) items (answers longer than
`max_answer_chars` are not sent), and sends them to its own math-verify child process in
batches of `_BATCH`, pipelined: the next full batch collects the previous one, so rows
keep streaming while the child works. A unit's state ships with its unsent items and its
batch in flight, and `finish` verifies those in the main process. State holds the
findings (as a row check's output would) and at most two batches of short items per unit.
Outcomes depend only on the pair, and fingerprints hash the prompt and the answers, so
`--jobs 1` and `--jobs 2` give the same findings.

ANS004, ANS005 and ANS011 each verify on their own: one check yields one rule's hits, so
the math-verify share of the work is paid once per enabled rule. Dataset content is never
executed: code answers and tests go to `ast.parse` only, JSON to `json.loads`.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from reasonlint.answers.extract import (
    FinalAnswer,
    extract_final_answer,
    final_code_block,
    last_boxed,
    last_match,
    reference_defect,
)
from reasonlint.answers.verify import DIFFERENT, EQUAL, TIMEOUT, UNPARSABLE, VerifierPool, quick_compare
from reasonlint.checks import aggregate_check, row_check
from reasonlint.findings import Hit, Location
from reasonlint.source.mapping import Record
from reasonlint.summary import DatasetSummary

_BATCH = 256
_FIELD_VALUE_CHARS = 40
_EXCERPT = 60

_ENTRY_COLUMNS = ("entry_point", "fn_name", "function_name")
_TEST_COLUMNS = ("test", "tests", "test_list", "test_code", "input_output", "test_cases")
_SCHEMA_COLUMNS = ("schema", "json_schema", "output_schema")
_ASSERT_CALL = re.compile(r"^\s*assert\s+(?:not\s+)?\(?\s*([A-Za-z_]\w*)\s*\(", re.MULTILINE)
_OUTPUT_LINE = re.compile(r"^(?:Output|Final output|Result):[ \t]*\n", re.MULTILINE | re.IGNORECASE)
_JSON_FENCE = re.compile(r"```(?:json)?\s*\n(.*?)```", re.DOTALL)
# How a JSON value opens: an object's first key (or `{}`), an array's first value (or `[]`).
_JSON_START = re.compile(r'^(?:\{\s*(?:"|\})|\[\s*(?:[\[{"\]\d-]|true\b|false\b|null\b))')


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _EXCERPT else text[: _EXCERPT - 1] + "…"


def answer_source(record: Record) -> tuple[str | None, bool, str | None]:
    """(text, whole_field, field) to look for the final answer in: a dedicated answer
    column, else what follows the reasoning, else the response or the trace. A response
    whose reasoning sits in its own column is the answer itself (`whole_field`)."""
    if "answer" in record.fields:  # a dedicated answer column, even when empty (SCH005's then)
        return record.answer, True, record.fields["answer"]
    own_trace = "trace" in record.fields and record.fields["trace"] != record.fields.get("response")
    if record.answer is not None:
        return record.answer, own_trace, record.fields.get("response")
    if record.response is not None:
        return record.response, own_trace, record.fields.get("response")
    return record.trace, False, record.fields.get("trace")


def final_answer(record: Record) -> FinalAnswer | None:
    text, whole_field, _ = answer_source(record)
    return extract_final_answer(text, whole_field=whole_field)


def gold_answer(record: Record) -> str | None:
    """The reference's answer: a worked reference solution is reduced to its final answer."""
    if record.reference is None or not record.reference.strip():
        return None
    found = extract_final_answer(record.reference, whole_field=True)
    return found.text if found is not None else record.reference.strip()


def _verifiable(found: FinalAnswer) -> bool:
    """A marked answer always; a whole answer column or response only when it is a short
    value (`42`, `\\frac{1}{2}`, `B`), not a sentence; never a code block."""
    if found.kind == "code":
        return False  # a program's answer is what it prints, not its text
    return found.kind != "field" or (len(found.text) <= _FIELD_VALUE_CHARS and len(found.text.split()) <= 3)


def _row_key(location: Location) -> str:
    return f"{location.path}:{location.line}:{location.row}"


def _pair_key(record: Record, gold: str, predicted: str) -> str:
    token = f"{record.prompt or ''}\0{gold}\0{predicted}\0{record.generation}".encode("utf-8", "surrogatepass")
    return hashlib.blake2b(token, digest_size=8).hexdigest()


# ---------------------------------------------------------------- extraction


@dataclass(slots=True)
class MissingState:
    """Rows judged, rows with a final answer, and (location, chars) of those without one."""

    rows: int = 0
    found: int = 0
    missing: list[tuple[Location, int]] = field(default_factory=list)


@aggregate_check
class NoFinalAnswer:
    """Rows that promise an answer (a reference or an answer column) but state none. Judged
    against the dataset's own habit: when fewer than `min_share` of the rows state a final
    answer, the set is not written with answer markers (human-written solutions, judged by
    their reference column), ANS002 gives the share and no row is singled out."""

    def __init__(self, *, min_share: float) -> None:
        self.min_share = min_share

    def start(self) -> MissingState:
        return MissingState()

    def add(self, state: MissingState, record: Record, location: Location) -> None:
        if record.reference is None and "answer" not in record.fields:
            return
        if "answer" in record.fields and not (record.answer or "").strip():
            return  # an empty answer column is SCH005's
        text, _, where = answer_source(record)
        if text is None:
            return
        state.rows += 1
        if final_answer(record) is not None:
            state.found += 1
            return
        boxed = last_boxed(text)
        if boxed is None or boxed.closed:  # an unclosed one is ANS003's
            state.missing.append((replace(location, field=where), len(text)))

    def merge(self, a: MissingState, b: MissingState) -> MissingState:
        a.rows += b.rows
        a.found += b.found
        a.missing.extend(b.missing)
        return a

    def finish(self, state: MissingState, summary: DatasetSummary) -> Iterator[Hit]:
        if state.rows == 0 or state.found < self.min_share * state.rows:
            return
        order = sorted(state.missing, key=lambda item: (item[0].path, item[0].line or 0, item[0].row or 0))
        for place, chars in order:
            yield Hit({"chars": chars}, field=place.field, location=place, key=_row_key(place))


@row_check
def malformed_reference(record: Record, *, max_answer_chars: int) -> Iterator[Hit]:
    """A reference answer that does not read as an answer (`4:30p..`, `(+5)(b+2)`): the
    finding is about the reference, which ANS004 then does not compare. Once per row."""
    gold = gold_answer(record)
    if gold is None or len(gold) > max_answer_chars or (record.generation or 0) > 0:
        return
    reason = reference_defect(gold)
    if reason is not None:
        yield Hit({"reference": _short(gold), "reason": reason}, field=record.fields.get("reference"))


@row_check
def unclosed_boxed(record: Record) -> Iterator[Hit]:
    text, _, where = answer_source(record)
    if not text:
        return
    boxed = last_boxed(text)
    if boxed is not None and not boxed.closed:
        yield Hit({"start": _short(boxed.content)}, field=where, excerpt=_short(boxed.content))


@dataclass(slots=True)
class ShareState:
    rows: int = 0
    kinds: Counter[str] = field(default_factory=Counter)


@aggregate_check
class FinalAnswerShare:
    """How many rows have an extractable final answer, by how it was found; reported when
    some rows have one and others do not."""

    def __init__(self) -> None:
        pass

    def start(self) -> ShareState:
        return ShareState()

    def add(self, state: ShareState, record: Record, location: Location) -> None:
        if record.response is None and record.answer is None and record.trace is None:
            return
        state.rows += 1
        found = final_answer(record)
        state.kinds[found.kind if found is not None else "none"] += 1

    def merge(self, a: ShareState, b: ShareState) -> ShareState:
        a.rows += b.rows
        a.kinds.update(b.kinds)
        return a

    def finish(self, state: ShareState, summary: DatasetSummary) -> Iterator[Hit]:
        found = state.rows - state.kinds["none"]
        if found == 0 or found == state.rows:
            return  # every row has one (a clean set stays quiet), or the set is not one with answers
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(
            state.kinds.items(), key=lambda item: (-item[1], item[0])) if kind != "none") or "none"
        yield Hit({"found": found, "rows": state.rows, "share": found / state.rows, "kinds": kinds},
                  location=Location(summary.anchor_path), key="final-answer-share")


# ---------------------------------------------------------------- verification


@dataclass(slots=True)
class VerifyState:
    """Findings so far (outcome, location, facts, key), the items still to verify, and the
    batch sent to this process's math-verify child but not yet collected. A state shipped
    from a worker still lists that batch, so it is verified again at `finish`."""

    found: list[tuple[str, Location, dict[str, Any], str]] = field(default_factory=list)
    pending: list[tuple[Location, str, str, str]] = field(default_factory=list)
    inflight: list[tuple[Location, str, str, str]] = field(default_factory=list)


class _Verification:
    """Shared by ANS004 (disagreement) and ANS005 (cannot verify): each reports its outcomes.

    Batches are pipelined: when `_BATCH` items are queued, the previous batch's outcomes are
    collected (by then usually done) and the new batch sent, so rows keep streaming while
    the child verifies."""

    reports: frozenset[str] = frozenset()

    def __init__(self, *, timeout: float, max_answer_chars: int) -> None:
        self.timeout = timeout
        self.max_answer_chars = max_answer_chars
        self._pool: VerifierPool | None = None
        self._owner: VerifyState | None = None  # the state whose batch is in flight

    def start(self) -> VerifyState:
        return VerifyState()

    def add(self, state: VerifyState, record: Record, location: Location) -> None:
        gold = gold_answer(record)
        if gold is None or reference_defect(gold) is not None:
            return  # a reference that does not read as an answer is ANS012's finding
        found = final_answer(record)
        if found is None:
            return  # ANS001 reports a missing answer
        if len(gold) > self.max_answer_chars or not _verifiable(found):
            return  # free-text answers and references: nothing to verify against
        _, _, where = answer_source(record)
        place = replace(location, field=where)
        predicted = found.text
        if len(predicted) > self.max_answer_chars:
            reason = f"answer is {len(predicted)} chars, over {self.max_answer_chars}"
            state.found.append(("long", place, {"reason": reason, "answer": _short(predicted),
                                                "reference": _short(gold)}, _pair_key(record, gold, predicted)))
            return
        decided = quick_compare(gold, predicted, record.options)
        if decided is True:
            return
        key = _pair_key(record, gold, predicted)
        if decided is False:
            self._record(state, DIFFERENT, place, gold, predicted, key)
            return
        state.pending.append((place, gold, predicted, key))
        if len(state.pending) >= _BATCH:
            self._collect(apply=True)
            self._send(state)

    def _record(self, state: VerifyState, outcome: str, place: Location, gold: str, predicted: str,
                key: str) -> None:
        if outcome == EQUAL:
            return
        reason = {UNPARSABLE: "cannot parse the answer or the reference",
                  TIMEOUT: f"could not verify in {self.timeout:g} s"}.get(outcome, "")
        state.found.append((outcome, place, {"answer": _short(predicted), "reference": _short(gold),
                                             "reason": reason}, key))

    def _send(self, state: VerifyState) -> None:
        if self._pool is None:
            self._pool = VerifierPool(self.timeout)
        state.inflight, state.pending = state.pending, []
        self._owner = state
        self._pool.submit([(gold, predicted) for _, gold, predicted, _ in state.inflight])

    def _collect(self, *, apply: bool) -> None:
        """Outcomes of the batch in flight, recorded on the state that sent it when `apply`."""
        owner, self._owner = self._owner, None
        if owner is None or self._pool is None or not self._pool.busy:
            return
        outcomes = self._pool.collect()
        if not apply:
            return
        for (place, gold, predicted, key), outcome in zip(owner.inflight, outcomes, strict=True):
            self._record(owner, outcome, place, gold, predicted, key)
        owner.inflight = []

    def merge(self, a: VerifyState, b: VerifyState) -> VerifyState:
        a.found.extend(b.found)
        a.pending.extend(b.pending)
        a.inflight.extend(b.inflight)
        return a

    def finish(self, state: VerifyState, summary: DatasetSummary) -> Iterator[Hit]:
        try:
            self._collect(apply=self._owner is state)
            state.pending = state.inflight + state.pending
            state.inflight = []
            while state.pending:
                rest = state.pending[_BATCH:]
                state.pending = state.pending[:_BATCH]
                self._send(state)
                self._collect(apply=True)
                state.pending = rest
        finally:
            self._owner = None
            if self._pool is not None:
                self._pool.close()
                self._pool = None
        for outcome, place, facts, key in state.found:
            if outcome in self.reports:
                yield Hit(facts, field=place.field, location=place, key=key)


@aggregate_check
class AnswerDisagreesWithReference(_Verification):
    reports = frozenset({DIFFERENT})


@aggregate_check
class UnverifiableAnswer(_Verification):
    reports = frozenset({UNPARSABLE, TIMEOUT, "long"})


# ---------------------------------------------------------------- code answers


def _column(record: Record, names: Iterable[str]) -> tuple[str, Any] | None:
    for name in names:
        value = record.raw.get(name)
        if value is not None and value != "":
            return name, value
    return None


def _python_block(record: Record) -> tuple[str, str | None] | None:
    """The final fenced code block when it is Python (labelled so, or unlabelled in a row
    that has tests or an entry point)."""
    text, _, where = answer_source(record)
    if not text:
        return None
    block = final_code_block(text)
    if block is None:
        return None
    language, code = block
    coded_row = _column(record, _TEST_COLUMNS) is not None or _column(record, _ENTRY_COLUMNS) is not None
    if language in ("python", "py", "python3") or (not language and coded_row):
        return code, where
    return None


def _syntax_error(code: str) -> SyntaxError | None:
    try:
        ast.parse(code)
    except SyntaxError as error:
        return error
    except (ValueError, RecursionError, MemoryError) as error:  # null bytes, absurd nesting
        return SyntaxError(type(error).__name__)
    return None


@row_check
def code_answer_does_not_parse(record: Record) -> Iterator[Hit]:
    found = _python_block(record)
    if found is None:
        return
    code, where = found
    error = _syntax_error(code)
    if error is not None:
        yield Hit({"error": error.msg, "line": error.lineno or 0}, field=where)


def _defined_names(code: str) -> set[str] | None:
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return {node.name for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}


def _expected_name(record: Record) -> tuple[str, str] | None:
    entry = _column(record, _ENTRY_COLUMNS)
    if entry is not None and isinstance(entry[1], str) and entry[1].isidentifier():
        return entry[1], entry[0]
    tests = _column(record, _TEST_COLUMNS)
    if tests is not None:
        text = "\n".join(tests[1]) if isinstance(tests[1], list) else str(tests[1])
        names = [name for name in _ASSERT_CALL.findall(text[:20_000])
                 if name not in {"isinstance", "len", "abs", "set", "sorted", "math", "round", "all", "any"}]
        if names:
            return Counter(names).most_common(1)[0][0], tests[0]
    return None


@row_check
def code_answer_misses_entry_point(record: Record) -> Iterator[Hit]:
    found = _python_block(record)
    if found is None:
        return
    expected = _expected_name(record)
    if expected is None:
        return
    names = _defined_names(found[0])
    if names is None or expected[0] in names:
        return
    yield Hit({"name": expected[0], "source": expected[1],
               "defined": ", ".join(sorted(names)[:5]) or "nothing"}, field=found[1])


@row_check
def malformed_tests_field(record: Record) -> Iterator[Hit]:
    found = _column(record, _TEST_COLUMNS)
    if found is None:
        return
    name, value = found
    if name in ("input_output", "test_cases") and isinstance(value, str):
        try:
            json.loads(value)
        except json.JSONDecodeError as problem:
            yield Hit({"column": name, "error": f"not JSON: {problem.msg}"}, field=name)
        except RecursionError:
            yield Hit({"column": name, "error": "not JSON: nested too deeply"}, field=name)
        return
    items = value if isinstance(value, list) else [value]
    for index, item in enumerate(items):
        if not isinstance(item, str):
            continue
        syntax = _syntax_error(item)
        if syntax is not None:
            where = name if not isinstance(value, list) else f"{name}[{index}]"
            yield Hit({"column": where, "error": f"{syntax.msg} (line {syntax.lineno or 0})"}, field=where)
            return


# ---------------------------------------------------------------- structured answers


def _json_answer(record: Record) -> tuple[str, str | None] | None:
    """The answer's JSON text when the answer is meant as JSON: a ```json block, a text that
    opens as JSON does (`{"`, `[{`, `[1`, … — not `[asy]` or `[corrected]`), or whose last
    "Output:" line is followed by one, or any answer in a row that gives a schema."""
    text, _, where = answer_source(record)
    if not text:
        return None
    stripped = text.strip()
    fenced = last_match(_JSON_FENCE.finditer(stripped[-20_000:]))
    if "```json" in stripped[-20_000:] and fenced is not None:
        return fenced.group(1), where
    if _JSON_START.match(stripped):
        return stripped, where
    output = last_match(_OUTPUT_LINE.finditer(stripped[-20_000:]))
    if output is not None:
        body = stripped[-20_000:][output.end():].strip()
        if _JSON_START.match(body):
            return body, where
    if _column(record, _SCHEMA_COLUMNS) is not None:
        return stripped, where
    return None


def _json_lines(text: str) -> bool:
    """Every non-empty line a JSON value of its own."""
    try:
        for line in text.splitlines():
            if line.strip():
                json.loads(line)
    except (json.JSONDecodeError, RecursionError):
        return False
    return True


@row_check
def invalid_json_answer(record: Record) -> Iterator[Hit]:
    found = _json_answer(record)
    if found is None:
        return
    text, where = found
    try:
        value = json.loads(text)
    except json.JSONDecodeError as problem:
        if problem.msg == "Extra data" and _json_lines(text):
            return  # several values, one per line: tool calls, JSON Lines
        yield Hit({"problem": f"does not parse as JSON: {problem.msg}"}, field=where, excerpt=_short(text))
        return
    except RecursionError:
        yield Hit({"problem": "is nested too deeply to parse"}, field=where, excerpt=_short(text))
        return
    schema = _column(record, _SCHEMA_COLUMNS)
    if schema is None or importlib.util.find_spec("jsonschema") is None:
        return  # schema validation needs jsonschema; without it only parsing is checked
    import jsonschema

    schema_value = schema[1]
    if isinstance(schema_value, str):
        try:
            schema_value = json.loads(schema_value)
        except ValueError:
            return
    if not isinstance(schema_value, dict):
        return
    try:
        jsonschema.validate(value, schema_value)
    except jsonschema.ValidationError as error:
        yield Hit({"problem": f"does not match {schema[0]}: {_short(error.message)}"}, field=where)
    except jsonschema.SchemaError:
        return


# ---------------------------------------------------------------- several generations


def _digest(text: str | None) -> str:
    return hashlib.blake2b((text or "").encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


@dataclass(slots=True)
class GenerationState:
    """The row being read (records of a row arrive together) and the findings so far."""

    row: str | None = None
    location: Location | None = None
    digests: list[str] = field(default_factory=list)
    found: list[tuple[Location, dict[str, Any], str]] = field(default_factory=list)


@aggregate_check
class DuplicateGenerations:
    """Identical generations of one prompt: a sampling bug or a copied answer."""

    def __init__(self) -> None:
        pass

    def start(self) -> GenerationState:
        return GenerationState()

    def add(self, state: GenerationState, record: Record, location: Location) -> None:
        if record.generation is None:
            return
        row = _row_key(location)
        if row != state.row:
            self._close(state)
            state.row, state.location = row, replace(location, field=record.fields.get("response"))
        state.digests.append(_digest(record.response if record.response is not None else record.trace))

    def _close(self, state: GenerationState) -> None:
        if state.location is not None and len(state.digests) > len(set(state.digests)):
            counts = Counter(state.digests)
            groups = sorted((count for count in counts.values() if count > 1), reverse=True)
            first = [i for i, d in enumerate(state.digests) if counts[d] > 1]
            location = replace(state.location, field=_list_column(state.location.field))
            state.found.append((location, {
                "duplicates": sum(groups) - len(groups), "generations": len(state.digests),
                "groups": " + ".join(str(g) for g in groups), "first": first[0]},
                "dup:" + "".join(sorted(state.digests))))
        state.row, state.location, state.digests = None, None, []

    def merge(self, a: GenerationState, b: GenerationState) -> GenerationState:
        self._close(a)
        self._close(b)
        a.found.extend(b.found)
        return a

    def finish(self, state: GenerationState, summary: DatasetSummary) -> Iterator[Hit]:
        self._close(state)
        for location, facts, key in state.found:
            yield Hit(facts, field=location.field, location=location, key=key)


def _list_column(field_name: str | None) -> str | None:
    return field_name.split("[", 1)[0] if field_name else field_name


@dataclass(slots=True)
class PromptState:
    """Per row: generations seen, whether one is known correct, items still to verify."""

    row: str | None = None
    location: Location | None = None
    gold: str = ""
    generations: int = 0
    correct: bool = False
    pending: list[str] = field(default_factory=list)
    rows: list[tuple[Location, str, int, list[str], str]] = field(default_factory=list)


@aggregate_check
class NoGenerationAgrees(_Verification):
    """Prompts with several generations of which none agrees with the reference."""

    def start(self) -> PromptState:  # type: ignore[override]
        return PromptState()

    def add(self, state: PromptState, record: Record, location: Location) -> None:  # type: ignore[override]
        if record.generation is None:
            return
        gold = gold_answer(record)
        if gold is None or reference_defect(gold) is not None:
            return
        row = _row_key(location)
        if row != state.row:
            self._close(state)
            state.row, state.gold = row, gold
            state.location = replace(location, field=_list_column(record.fields.get("response")))
        state.generations += 1
        if state.correct:
            return
        found = final_answer(record)
        if found is None or not _verifiable(found) or len(found.text) > self.max_answer_chars:
            return
        decided = quick_compare(gold, found.text, record.options)
        if decided is True:
            state.correct = True
            state.pending = []
        elif decided is None and len(gold) <= self.max_answer_chars:
            state.pending.append(found.text)

    def _close(self, state: PromptState) -> None:
        if state.location is not None and not state.correct and state.generations > 1:
            key = hashlib.blake2b(f"{state.row}\0{state.gold}".encode(), digest_size=8).hexdigest()
            state.rows.append((state.location, state.gold, state.generations, state.pending, key))
        state.row, state.location, state.generations, state.correct, state.pending = None, None, 0, False, []

    def merge(self, a: PromptState, b: PromptState) -> PromptState:  # type: ignore[override]
        self._close(a)
        self._close(b)
        a.rows.extend(b.rows)
        return a

    def finish(self, state: PromptState, summary: DatasetSummary) -> Iterator[Hit]:  # type: ignore[override]
        self._close(state)
        items = [(gold, predicted) for _, gold, _, pending, _ in state.rows for predicted in pending]
        outcomes: list[str] = []
        try:
            for start in range(0, len(items), _BATCH):
                if self._pool is None:
                    self._pool = VerifierPool(self.timeout)
                try:
                    outcomes.extend(self._pool.verify(items[start: start + _BATCH]))
                except RuntimeError:
                    outcomes.extend([TIMEOUT] * len(items[start: start + _BATCH]))
        finally:
            if self._pool is not None:
                self._pool.close()
                self._pool = None
        position = 0
        for location, gold, generations, pending, key in state.rows:
            results = outcomes[position: position + len(pending)]
            position += len(pending)
            if EQUAL in results:
                continue
            unsure = sum(outcome in (TIMEOUT, UNPARSABLE) for outcome in results)
            yield Hit({"generations": generations, "reference": _short(gold),
                       "unsure": f" ({unsure} could not be verified)" if unsure else ""},
                      field=location.field, location=location, key=key)
