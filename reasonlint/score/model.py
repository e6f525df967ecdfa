"""The scores a run ends with: one per judging criterion, each with what moved it.

A score is a base plus signed contributions, clamped to 0..10. Every contribution names
its source (a signal measured on the card or the data, or a rule's findings), its weight
from the catalogue and the measured fact behind it, so `explain-score` and the reports can
say exactly why a dataset scored what it did.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Dimension = Literal["approach", "domain", "quality"]


@dataclass(frozen=True, slots=True)
class Contribution:
    """One thing that moved a score."""

    source: str  # "signal:<name>" (raised or lowered by a measurement) or "rule:<CODE>" (findings)
    label: str  # what it is, e.g. "card names the generating model" or "TRC003 unclosed-think-tag"
    detail: str  # the measured fact, e.g. "142 of 1,000 rows (14.2%)"
    weight: float  # the weight from the catalogue
    points: float  # the signed effect on the 0..10 score


@dataclass(frozen=True, slots=True)
class DimensionScore:
    dimension: Dimension
    score: float  # 0..10, rounded to one decimal
    base: float
    contributions: tuple[Contribution, ...]  # largest effect first


@dataclass(frozen=True, slots=True)
class DomainShare:
    """A domain of the taxonomy and the share of sampled prompts classified into it."""

    name: str  # e.g. "math", "medicine", "logic puzzles"
    share: float  # 0..1


@dataclass(frozen=True, slots=True)
class LanguageShare:
    """A language (ISO 639-1) and the share of sampled prompts written in it: its own axis,
    beside the domains, so a Bangla math set is math in Bangla, not "multilingual"."""

    name: str
    share: float  # 0..1


@dataclass(frozen=True, slots=True)
class Scores:
    approach: DimensionScore
    domain: DimensionScore
    quality: DimensionScore
    overall: float  # weighted mean of the three, one decimal
    weights: dict[str, float]  # the overall weight of each dimension
    domains: tuple[DomainShare, ...]  # detected domains, largest share first
    rules_run: int  # how many rules ran: a score from a partial selection says so
    rules_total: int
    languages: tuple[LanguageShare, ...] = ()  # detected prompt languages, largest share first

    @property
    def dimensions(self) -> tuple[DimensionScore, DimensionScore, DimensionScore]:
        return self.approach, self.domain, self.quality

    @property
    def primary_domain(self) -> str:
        return self.domains[0].name if self.domains else "other"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Scores:
        def dimension(value: dict[str, Any]) -> DimensionScore:
            return DimensionScore(value["dimension"], value["score"], value["base"],
                                  tuple(Contribution(**item) for item in value["contributions"]))

        return cls(dimension(data["approach"]), dimension(data["domain"]), dimension(data["quality"]),
                   data["overall"], dict(data["weights"]), tuple(DomainShare(**item) for item in data["domains"]),
                   data["rules_run"], data["rules_total"],
                   tuple(LanguageShare(**item) for item in data.get("languages", ())))
