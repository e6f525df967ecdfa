"""Which column plays which role, inferred from evidence: names and content together.

Hand-kept name lists cannot keep up with the Hub (`user_prompt`/`assistant_response`, a
`reason` column of R1 traces beside a one-letter `gen_ans`, a list column named `code`
holding generations). So each column gets a score per role from two kinds of evidence:

- its name, split into tokens and looked up in `rules/mapping/roles.yaml`;
- its content over a sample of rows: reasoning markers, lengths, question shape, short
  answer-shaped values, option letters that index an options column, values equal to the
  final answer of another column, lists of strings (generations), lists of turns (messages).

Roles are then given out in a fixed order (messages, prompt, trace and response together,
options, reference and answer), each to the best column left, and every decision keeps its
evidence and its runner-up so the report can say why.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict
from ruamel.yaml import YAML

from reasonlint.catalogue import builtin_rules_dir
from reasonlint.source.column_profile import ColumnProfile, last_boxed, profile_columns

_TOKEN_SPLIT = re.compile(r"[^0-9A-Za-z\u00c0-\uffff]+|(?<=[a-z])(?=[A-Z][a-z])")
_MODEL_TOKENS = ("gen", "pred", "predicted", "prediction", "model", "extracted", "executed", "execution")
_GOLD_TOKENS = ("gold", "truth", "gt", "reference", "ref", "expected", "correct", "key", "label", "target",
                "标准答案", "参考答案", "正解")

AGAINST = -1.0  # content evidence that rules a role out
_PLAIN_NAME = 0.55  # a name weight that maps an output on its own (`solution`, not `original_answer`)
_ENOUGH = 8  # values a column needs before its content can rule a role out: fewer are no evidence
ROLE_ORDER = ("messages", "prompt", "trace", "response", "options", "reference", "answer")


class _RoleNames(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    exact: list[str]
    tokens: dict[str, float]


class _Weights(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: float
    content: float
    never: float
    minimum: float


class RoleTable(BaseModel):
    """rules/mapping/roles.yaml, validated."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    affixes: list[str]
    roles: dict[str, _RoleNames]
    never: list[str]
    never_prefix: list[str]
    weights: _Weights


@cache
def role_table() -> RoleTable:
    path = builtin_rules_dir() / "mapping" / "roles.yaml"
    return RoleTable.model_validate(YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8")))


@dataclass(frozen=True, slots=True)
class RoleEvidence:
    """Why `column` got `role`: its score, the facts measured, and the best other column."""

    role: str
    column: str
    score: float
    facts: tuple[str, ...]
    runner_up: str | None = None
    runner_up_score: float | None = None
    manual: bool = False

    def describe(self) -> str:
        if self.manual:
            return f"{self.role} ← {self.column} (set by hand)"
        why = "; ".join(self.facts) or "no evidence"
        other = f"; runner-up {self.runner_up} ({self.runner_up_score:.2f})" if self.runner_up else ""
        return f"{self.role} ← {self.column} ({why}; score {self.score:.2f}{other})"


def _tokens(name: str) -> list[str]:
    return [token.lower() for token in _TOKEN_SPLIT.split(name) if token]


def name_scores(name: str, table: RoleTable) -> tuple[dict[str, float], dict[str, str], bool]:
    """Per role, the name's score and the token (or whole name) that earned it; and whether
    the name carries a `never` token."""
    tokens = _tokens(name)
    joined, compact = "_".join(tokens), "".join(tokens)
    scores: dict[str, float] = {}
    why: dict[str, str] = {}
    for role, names in table.roles.items():
        if joined in names.exact or compact in names.exact or name in names.exact:
            scores[role], why[role] = 1.0, name
            continue
        best, token_why = 0.0, ""
        for token in tokens:
            weight = names.tokens.get(token, 0.0)
            if weight > best:
                best, token_why = weight, token
        if best:
            scores[role], why[role] = best, token_why
    meaningful = [token for token in tokens if token not in table.affixes] or tokens
    if len(meaningful) > 1:  # "Open-ended Verifiable Question" is less surely the prompt than "question"
        scores = {role: value if value == 1.0 and why[role] == name else value * 0.9 for role, value in scores.items()}
    # The head noun decides (`cot_type` is a type, `answer_id` an id), and so does a verdict prefix (`is_`, `check_`).
    never = meaningful[-1] in table.never or meaningful[0] in table.never_prefix
    return scores, why, never


def _content(role: str, p: ColumnProfile, context: _Context) -> tuple[float, list[str]]:
    """The content score of `p` for `role` (0..1) and the facts that gave it; AGAINST where the
    content rules the role out (the wrong kind of value, ids, one template repeated), which no
    name overrides. Few or tiny values are no evidence either way: the name decides."""
    facts: list[str] = []
    text_like = p.kind in ("text", "text-list")
    enough = p.seen >= _ENOUGH
    if role == "messages":
        return (1.0, [f"lists of {p.list_items:.0f} chat turns on average"]) if p.kind == "messages" else (AGAINST, [])
    if role == "options":
        if p.kind == "options":
            return 1.0, ["option structs (label/text)"]
        if p.kind == "text-list" and 2 <= p.list_items <= 10 and p.median_chars <= 300 and context.named(p, role):
            return 0.8, [f"lists of {p.list_items:.1f} short strings"]
        if p.kind == "text" and p.options_block_share >= 0.5:
            return 0.7, ["texts listing A) B) options"]
        return AGAINST if p.kind not in ("text", "text-list") else 0.0, []
    if not text_like and role not in ("reference", "answer"):
        return AGAINST, []
    if role in ("prompt", "trace", "response") and p.distinct_share < 0.5 and enough:
        # One template repeated (a fixed system prompt, a "Let's think step by step" head) is
        # no such column, unless its name says it is (then the rows are what repeats).
        return (0.0 if context.named(p, role) else AGAINST), []
    if role in ("prompt", "trace", "response") and p.id_like_share > 0.5 and enough:
        return AGAINST, []  # ids, urls, model names, codes
    if p.median_chars < 1:
        return 0.0, []  # empty values say nothing: the name decides
    if role == "prompt":
        if p.kind != "text":
            return AGAINST, []
        score = 0.45 * p.question_share + 0.25 * (1 - p.tag_share) + 0.2 * p.distinct_share
        score += 0.1 * (p.answer_shape_share < 0.5)
        if not context.named(p, role) and p.question_share < 0.8:
            score *= 0.5  # unnamed, a text is a prompt only when nearly every value reads as one
        if p.question_share >= 0.3:
            facts.append(f"{p.question_share:.0%} of values read as a question or an instruction")
        if p.tag_share >= 0.5:
            score *= 0.3
        return score, facts
    if role in ("trace", "response"):
        if p.answer_shape_share > 0.6 and enough:
            if role == "trace":
                return AGAINST, []
            return 0.0, []  # short replies ("Four.") can be responses, but only a name says so
        score = 0.0
        if p.tag_share >= 0.3:
            score = 0.6 + 0.4 * p.tag_share
            facts.append(f"{p.tag_share:.0%} of sampled values open or close a reasoning tag")
        elif p.marker_share >= 0.3:
            score = 0.4 + 0.3 * p.marker_share
            facts.append(f"{p.marker_share:.0%} of sampled values hold reasoning phrases")
        if p.median_chars >= 200:
            score = max(score, 0.45 if role == "response" else 0.3)
            facts.append(f"median {p.median_chars:,.0f} characters")
        elif p.median_chars >= 20 and p.answer_shape_share < 0.3:
            score = max(score, 0.35 if role == "response" else 0.15)
            facts.append(f"median {p.median_chars:,.0f} characters")
        if role == "response":
            if p.after_share >= 0.5:
                score = 1.0
                facts.append(f"{p.after_share:.0%} close their reasoning and go on to an answer")
            if p.conclusion_share >= 0.3:
                score = max(score, 0.55)
                facts.append(f"{p.conclusion_share:.0%} state a final answer")
            if p.kind == "text-list":
                facts.append(f"lists of {p.list_items:.1f} generations")
            # A generated output beats a gold solution: without markers, a column loses to one with them.
        elif p.tag_share < 0.3 and p.marker_share < 0.3:
            score *= 0.6
        elif p.after_share >= 0.5:  # reasoning closed and then the answer: one whole response
            if enough:
                return AGAINST, []
            score *= 0.5
        score += 0.1 * min(1.0, p.median_chars / 1000) if score else 0.0
        return min(score, 1.0), facts
    # reference and answer: short answer-shaped values, option letters, numbers.
    if p.kind == "number":  # a gold number (GSM8K-style) only where the name says answer: else an id or a count
        return (0.7, ["numeric values"]) if context.named(p, role) or context.named(p, "answer") else (AGAINST, [])
    if p.kind != "text":
        return AGAINST, []
    score = 0.0
    if p.answer_shape_share >= 0.5:
        # A short value is an answer only where the name says so: else a state, a country, a label.
        named = context.named(p, "answer") or context.named(p, "reference")
        score = (0.5 + 0.4 * p.answer_shape_share) * (1.0 if named else 0.35)
        facts.append(f"{p.answer_shape_share:.0%} short answer-shaped values")
        if p.distinct_share < 0.3 and p.seen >= _ENOUGH and p.verdict_share < 0.9:
            score *= 0.5  # a handful of labels repeated: a category (`Level 3`, `math`), not answers
    if context.has_options and p.letter_share >= 0.7:
        score = max(score, 0.95)
        facts.append(f"{p.letter_share:.0%} option letters indexing {context.options_column}")
    matched = context.boxed_match(p)
    if matched:
        score = max(score, 0.9)
        facts.append(f"equals the final answer of {matched}")
    if p.kind == "text" and p.median_chars > 40 and role == "reference" and p.name not in context.generated:
        if p.conclusion_share >= 0.5:
            score = max(score, 0.5)
            facts.append(f"{p.conclusion_share:.0%} worked solutions ending in a final answer")
        else:
            score = max(score, 0.35)
    return score, facts


@dataclass(slots=True)
class _Context:
    profiles: list[ColumnProfile]
    generated: set[str]
    names: dict[str, Any]
    has_options: bool = False
    options_column: str = ""

    def shares_prompt_qualifier(self, p: ColumnProfile, prompt: str | None) -> bool:
        """Whether `p`'s name opens with the prompt's qualifier (`altered_` in `altered_riddle`)."""
        if prompt is None or prompt == p.name:
            return False
        head, mine = _tokens(prompt), _tokens(p.name)
        return len(head) > 1 and len(mine) > 1 and head[0] == mine[0]

    def named(self, p: ColumnProfile, role: str) -> bool:
        """Whether `p`'s name speaks for `role` ("gold": a gold-answer token)."""
        if role == "gold":
            return any(token in _GOLD_TOKENS for token in _tokens(p.name))
        return self.names[p.name][0].get(role, 0.0) > 0

    def boxed_match(self, candidate: ColumnProfile) -> str | None:
        """Another column whose `\\boxed{}` answers equal `candidate`'s values in most rows."""
        if candidate.kind != "text" or not candidate.values:
            return None
        for other in self.profiles:
            if other is candidate or other.kind not in ("text", "text-list"):
                continue
            pairs = list(zip(candidate.values, other.values, strict=False))
            hits = sum(1 for mine, theirs in pairs
                       if (found := last_boxed(theirs)) is not None and found == mine.strip())
            if pairs and hits / len(pairs) >= 0.5:
                return other.name
        return None


@dataclass(frozen=True, slots=True)
class Inference:
    roles: dict[str, str]
    evidence: tuple[RoleEvidence, ...]
    # For a role no column won: the text columns left, best first, to name in the fix.
    candidates: dict[str, tuple[str, ...]]


def infer_roles(sample: Sequence[Mapping[str, Any]], manual: Mapping[str, str],
                blocked: frozenset[str] = frozenset()) -> Inference:
    """Assign roles to the sample's columns; `manual` ones (from `--column` or config) first,
    and none of the `blocked` roles."""
    table = role_table()
    profiles = profile_columns(sample)
    by_name = {p.name: p for p in profiles}
    names = {p.name: name_scores(p.name, table) for p in profiles}
    generated = {p.name for p in profiles if p.kind in ("text", "text-list") and p.tag_share >= 0.3}
    context = _Context(profiles, generated, names)
    chosen: dict[str, str] = {}
    evidence: list[RoleEvidence] = []
    for role, column in manual.items():
        if column in by_name:
            chosen[role] = column
            evidence.append(RoleEvidence(role, column, 1.0, (), manual=True))
    weights = table.weights

    def score(role: str, p: ColumnProfile) -> tuple[float, list[str]]:
        role_names, why, never = names[p.name]
        content, facts = _content(role, p, context)
        named = role_names.get(role, 0.0)
        total = weights.name * named + weights.content * max(content, 0.0) + (weights.never if never else 0.0)
        if named:
            facts = [f'name matches "{why[role]}"', *facts]
        if role not in ("prompt", "messages", "options") and context.shares_prompt_qualifier(p, chosen.get("prompt")):
            total += 0.05  # `altered_reasoning` beside the prompt `altered_riddle`, not `original_reasoning`
        if role in ("trace", "response") and context.named(p, "gold"):
            total *= 0.3  # `gt_cot`, `reference_solution`: the gold side, not an output
        if role == "response" and context.generated and p.name not in context.generated:
            total *= 0.3  # a generated trace beats a gold solution as the response
        if content == AGAINST or (content == 0.0 and named < _PLAIN_NAME and role in ("trace", "response")):
            # No name maps a column its content rules out; with no content evidence either way,
            # only a name that plainly says trace or response (not `original_answer`) does.
            return min(total, weights.minimum - 0.01), facts
        return total, facts

    def give(role: str, exclude: set[str] | None = None) -> None:
        if role in chosen or role in blocked:
            return
        taken = set(chosen.values()) | (exclude or set())
        ranked = sorted(((score(role, p), index, p.name) for index, p in enumerate(profiles) if p.name not in taken),
                        key=lambda item: (-item[0][0], item[1]))
        if not ranked or ranked[0][0][0] < weights.minimum:
            return
        (best, facts), _, column = ranked[0]
        runner = ranked[1] if len(ranked) > 1 and ranked[1][0][0] > 0 else None
        chosen[role] = column
        evidence.append(RoleEvidence(role, column, round(best, 3), tuple(facts),
                                     runner[2] if runner else None, round(runner[0][0], 3) if runner else None))

    give("messages")
    if "messages" not in chosen:
        give("prompt")
        _give_outputs(chosen, blocked, profiles, score, weights.minimum, evidence)
        _answer_not_response(chosen, profiles, names, evidence)
    give("options")
    if "options" in chosen:
        context.has_options, context.options_column = True, chosen["options"]
    has_output = any(role in chosen for role in ("messages", "trace", "response"))
    if has_output:
        _give_answers(chosen, profiles, names, give, context.has_options)
    else:
        give("reference")
    order = {role: index for index, role in enumerate(ROLE_ORDER)}
    evidence.sort(key=lambda item: order.get(item.role, len(order)))
    # Ids, hashes and model names are no one's prompt or response (seen on realdata-more/
    # pfmt_bench_fin_ja_gpt4o_answers: `--column response=answer_id` was suggested).
    free = [p for p in profiles if p.name not in chosen.values() and p.kind in ("text", "text-list")
            and p.id_like_share < 0.5]
    candidates = {role: tuple(name for _, _, name in sorted(
        (-score(role, p)[0], index, p.name) for index, p in enumerate(free) if score(role, p)[0] > 0)[:3])
        for role in ("prompt", "response") if role not in chosen}
    return Inference({role: chosen[role] for role in ROLE_ORDER if role in chosen}, tuple(evidence), candidates)


def _give_outputs(chosen: dict[str, str], blocked: frozenset[str], profiles: list[ColumnProfile], score: Any,
                  minimum: float, evidence: list[RoleEvidence]) -> None:
    """Trace and response together: the pair (either may be absent) with the best total, so a
    `reason` column of R1 traces is the trace beside a short answer column, and a response
    holding `<think>…</think>` is one response rather than a trace and nothing."""
    taken = set(chosen.values())
    free = [p for p in profiles if p.name not in taken and p.kind in ("text", "text-list")]
    options: list[tuple[float, str | None, str | None]] = [(0.0, None, None)]
    scored = {(role, p.name): score(role, p) for p in free for role in ("trace", "response")}
    for trace in [None, *free]:
        for response in [None, *free]:
            if trace is not None and response is not None and trace.name == response.name:
                continue
            if ("trace" in chosen or "trace" in blocked) and trace is not None or (
                    "response" in chosen or "response" in blocked) and response is not None:
                continue
            parts = [scored[("trace", trace.name)][0] if trace else None,
                     scored[("response", response.name)][0] if response else None]
            if any(part is not None and part < minimum for part in parts):
                continue
            total = sum(part for part in parts if part is not None)
            options.append((total, trace.name if trace else None, response.name if response else None))
    options.sort(key=lambda item: -item[0])  # stable: ties keep column order
    _, trace_name, response_name = options[0]
    for role, column in (("trace", trace_name), ("response", response_name)):
        if column is None:
            continue
        value, facts = scored[(role, column)]
        rivals = sorted(((scored[(role, p.name)][0], p.name) for p in free if p.name != column), reverse=True)
        runner = rivals[0] if rivals and rivals[0][0] > 0 else None
        chosen[role] = column
        evidence.append(RoleEvidence(role, column, round(value, 3), tuple(facts),
                                     runner[1] if runner else None, round(runner[0], 3) if runner else None))


def _answer_not_response(chosen: dict[str, str], profiles: list[ColumnProfile], names: dict[str, Any],
                         evidence: list[RoleEvidence]) -> None:
    """Beside a trace, a short column named as an answer (`answer`, `final_answer`) is the
    trace's own final answer; a longer one is the response that follows the reasoning."""
    column = chosen.get("response")
    if column is None or "trace" not in chosen or "answer" in chosen:
        return
    scores = names[column][0]
    profile = next(p for p in profiles if p.name == column)
    if scores.get("answer", 0.0) > scores.get("response", 0.0) and profile.answer_shape_share >= 0.5:
        chosen["answer"] = chosen.pop("response")
        evidence[:] = [replace(item, role="answer") if item.role == "response" else item for item in evidence]


def _give_answers(chosen: dict[str, str], profiles: list[ColumnProfile], names: dict[str, Any], give: Any,
                  options: bool) -> None:
    """The short columns beside an output. A name that says the model's own (`gen_ans`,
    `pred`) is the answer and the rest the gold reference. Otherwise a plain `answer` is the
    gold reference beside a response (or messages) and in a multiple-choice set (its letters
    index the options); beside a trace alone (question/reasoning/answer) it is the final
    answer that trace reached, unless its name says gold (`gt`, `expected`, `correct`)."""
    def name_says(role: str, tokens: tuple[str, ...]) -> set[str]:
        return {p.name for p in profiles if names[p.name][0].get(role, 0.0) >= 0.5
                and any(token in tokens for token in _tokens(p.name))}

    gold = name_says("reference", _GOLD_TOKENS)
    model_own = name_says("answer", _MODEL_TOKENS) - gold
    everyone = {p.name for p in profiles}
    if model_own:
        give("answer", exclude=everyone - model_own)
        give("reference", exclude=model_own)
    elif "response" in chosen or "messages" in chosen or options:
        give("reference")
    else:
        give("reference", exclude=everyone - gold)
        give("answer", exclude=gold)
