"""Inline suppressions in the dataset card: `<!-- reasonlint: ignore CODE[,CODE...] reason -->`.

The card is the dataset's own settings file, and the one its readers (and a competition's
judges) see, so a suppression there must say why: a comment with no reason, or naming no
known rule, suppresses nothing and is itself reported (SUP002). A valid comment turns off
the rules it names for the whole dataset, like `--ignore`, but visibly; one that turned off
nothing is reported (SUP001), as ruff's RUF100 reports unused `noqa`.

Comments are found on the card's lines as the card parser numbers them (`str.splitlines`),
outside fenced code blocks and inline code spans (a card that documents the syntax does
not use it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from reasonlint.catalogue import Catalogue
from reasonlint.findings import Finding
from reasonlint.source.card import Card

SUPPRESSION_FAMILY = "suppression"
_COMMENT = re.compile(r"<!--\s*reasonlint\s*:(?P<body>.*?)-->")
_IGNORE = re.compile(r"^\s*ignore(?:\s+(?P<selectors>\S+))?(?:\s+(?P<reason>.*?))?\s*$", re.DOTALL)
_FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")


@dataclass(frozen=True, slots=True)
class Suppression:
    """One `reasonlint:` comment of the card, resolved against the catalogue.

    `codes` are the rule codes it turns off (empty when it is invalid: no reason, or no
    known rule); `selectors` are the words it named, in order, and `resolved` maps each one
    that named a suppressible rule to the codes it covers.
    """

    line: int  # 1-based card line
    start: int  # column span of the comment on that line
    stop: int
    text: str  # the comment as written
    selectors: tuple[str, ...]
    resolved: tuple[tuple[str, tuple[str, ...]], ...]
    reason: str
    problem: str | None  # why the comment is invalid, or None

    @property
    def codes(self) -> frozenset[str]:
        if self.problem is not None:
            return frozenset()
        return frozenset(code for _, codes in self.resolved for code in codes)


@dataclass(frozen=True, slots=True)
class Comment:
    """A `<!-- reasonlint: ... -->` comment as found, before the catalogue is consulted."""

    line: int
    start: int
    stop: int
    text: str
    body: str


def card_comments(card: Card) -> Iterator[Comment]:
    """Every `reasonlint:` comment of the card, outside fenced code and inline code spans."""
    fence: str | None = None
    for number, line in enumerate(card.text.splitlines(), start=1):
        opening = _FENCE.match(line)
        if fence is not None:
            if opening and opening["fence"][0] == fence[0] and len(opening["fence"]) >= len(fence) \
                    and not opening["info"].strip():
                fence = None
            continue
        if opening and not (opening["fence"][0] == "`" and "`" in opening["info"]):
            fence = opening["fence"]
            continue
        visible = _CODE_SPAN.sub(lambda span: " " * len(span.group(0)), line)
        for match in _COMMENT.finditer(visible):
            yield Comment(number, match.start(), match.end(), line[match.start():match.end()], match["body"])


def parse_suppressions(card: Card | None, catalogue: Catalogue) -> tuple[Suppression, ...]:
    """The card's suppression comments, each resolved (codes) or with its problem."""
    if card is None:
        return ()
    return tuple(_resolve(comment, catalogue) for comment in card_comments(card))


def _resolve(comment: Comment, catalogue: Catalogue) -> Suppression:
    match = _IGNORE.match(comment.body)
    if match is None:
        directive = comment.body.split()[0] if comment.body.split() else ""
        return Suppression(comment.line, comment.start, comment.stop, comment.text, (), (), "",
                           f"'{directive}' is not a directive (expected 'ignore')"
                           if directive else "names no rule")
    selectors = tuple(s for s in (match["selectors"] or "").split(",") if s)
    reason = (match["reason"] or "").strip()
    resolved: list[tuple[str, tuple[str, ...]]] = []
    unknown: list[str] = []
    unsuppressible: list[str] = []
    for selector in selectors:
        rules = [] if selector == "ALL" else catalogue.matching(selector)
        if not rules:
            unknown.append(selector)
        elif any(rule.family == SUPPRESSION_FAMILY for rule in rules):
            unsuppressible.append(selector)
        else:
            resolved.append((selector, tuple(sorted(rule.code for rule in rules))))
    problems = []
    if not selectors:
        problems.append("names no rule")
    if unknown:
        problems.append(f"{_quoted(unknown)} {'is not a rule' if len(unknown) == 1 else 'are not rules'}")
    if unsuppressible:
        problems.append(f"{_quoted(unsuppressible)} cannot be suppressed in the card")
    if selectors and not reason:
        problems.append("gives no reason")
    return Suppression(comment.line, comment.start, comment.stop, comment.text, selectors, tuple(resolved),
                       reason, "; ".join(problems) or None)


def _quoted(words: Sequence[str]) -> str:
    return ", ".join(f"'{word}'" for word in words)


def suppressed_codes(suppressions: Iterable[Suppression]) -> frozenset[str]:
    """The codes the card's valid comments turn off."""
    return frozenset(code for suppression in suppressions for code in suppression.codes)


def is_suppressible(finding: Finding) -> bool:
    """Suppression findings are never suppressed by the comments they are about (nor
    baselined): `--ignore SUP001` turns them off."""
    return finding.family != SUPPRESSION_FAMILY


def without_suppressed(findings: Sequence[Finding],
                       suppressions: Iterable[Suppression]) -> tuple[list[Finding], int]:
    """The findings the card's comments do not suppress, and how many they do."""
    codes = suppressed_codes(suppressions)
    kept = [f for f in findings if not (f.code in codes and is_suppressible(f))]
    return kept, len(findings) - len(kept)
