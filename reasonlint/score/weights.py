"""The scoring catalogue: rules/scoring/weights.yaml and domains.yaml, loaded and validated.

Weights are data so that a judge of the scores can read and argue with them without
reading code; strict pydantic models make a typo (an unknown key, a missing `doc`) an error
that names the file and the key instead of a silently ignored weight.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from reasonlint.catalogue import CatalogueError, Dimension, _first_error, builtin_rules_dir


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Weight(_Strict):
    weight: float
    doc: str = Field(min_length=1)


class Signal(Weight):
    """A measured signal; `low`/`high` bound the measure mapped onto 0..weight points."""

    low: float | None = None
    high: float | None = None
    below: float = 0.0  # points (negative) when the measure is under `low`


class Overall(_Strict):
    approach: Weight
    domain: Weight
    quality: Weight


class Severities(_Strict):
    error: Weight
    warning: Weight
    info: Weight


class Findings(_Strict):
    severity: Severities
    dataset_share: Weight
    floor_share: Weight
    cap: Weight
    dimensions: dict[str, Dimension] = Field(default_factory=dict)  # family or code -> dimension
    rules: dict[str, Weight] = Field(default_factory=dict)


class Approach(_Strict):
    base: Weight
    signals: dict[str, Signal]


class DomainWeights(_Strict):
    base: Weight
    min_score: Weight
    card_label: Weight
    card_text: Weight
    trace_prior: Weight
    structured_shape: Weight
    coverage: Weight
    breadth: Weight
    bonus: dict[str, Weight]


class Quality(_Strict):
    base: Weight
    signals: dict[str, Signal]


class Weights(_Strict):
    overall: Overall
    findings: Findings
    approach: Approach
    domain: DomainWeights
    quality: Quality


class Topic(_Strict):
    weight: float = Field(gt=0)
    terms: list[str]
    patterns: list[str] = Field(default_factory=list)


class DomainSpec(_Strict):
    topics: dict[str, Topic]


class Taxonomy(_Strict):
    domains: dict[str, DomainSpec]
    card_labels: dict[str, list[str]]
    languages: dict[str, list[str]]

    @model_validator(mode="after")
    def _labels_name_domains(self) -> Taxonomy:
        unknown = sorted(set(self.card_labels) - set(self.domains))
        if unknown:
            raise ValueError(f"card_labels names unknown domains: {', '.join(unknown)}")
        if "other" not in self.domains:
            raise ValueError("domains must include 'other'")
        return self


def _load(path: Path, model: type[BaseModel]) -> Any:
    try:
        data = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
        return model.model_validate(data)
    except (OSError, YAMLError) as error:
        raise CatalogueError(f"{path}: {error}") from error
    except ValidationError as error:
        raise CatalogueError(f"{path}: {_first_error(error)}") from error


def load_weights(path: Path) -> Weights:
    weights: Weights = _load(path, Weights)
    return weights


def load_taxonomy(path: Path) -> Taxonomy:
    taxonomy: Taxonomy = _load(path, Taxonomy)
    return taxonomy


@cache
def builtin_weights() -> Weights:
    return load_weights(builtin_rules_dir() / "scoring" / "weights.yaml")


@cache
def builtin_taxonomy() -> Taxonomy:
    """The taxonomy, checked against the weights: every domain needs a bonus and vice versa."""
    path = builtin_rules_dir() / "scoring" / "domains.yaml"
    taxonomy = load_taxonomy(path)
    bonus = set(builtin_weights().domain.bonus)
    if bonus != set(taxonomy.domains):
        missing = sorted(set(taxonomy.domains) ^ bonus)
        raise CatalogueError(f"{path}: domains and weights.yaml domain.bonus differ on: {', '.join(missing)}")
    return taxonomy
