"""The rule catalogue: `rules/*.yaml` loaded into frozen, validated `RuleSpec`s.

Rules are data (code, name, family, severity, parameters, message, docs); checks are
code. Keeping them apart lets `reasonlint rule`, SARIF descriptors and the docs read
one source, and lets users add rules of existing check kinds in their own YAML.
This module imports nothing heavy: listing rules must stay instant.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from reasonlint.findings import Severity

FAMILY_PREFIXES: dict[str, str] = {
    "card": "CARD",
    "license": "LIC",
    "metadata": "META",
    "schema": "SCH",
    "size": "SIZE",
    "dedup": "DUP",
    "trace": "TRC",
    "answer": "ANS",
    "contamination": "CON",
    "language": "LANG",
    "perplexity": "PPL",
    "domain": "DOM",
    "suppression": "SUP",
}
Family = Literal[
    "card", "license", "metadata", "schema", "size", "dedup",
    "trace", "answer", "contamination", "language", "perplexity", "domain", "suppression",
]
Dimension = Literal["approach", "domain", "quality"]
ParamType = Literal["int", "float", "str", "bool", "list[str]"]

_PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "int": (int,),
    "float": (int, float),
    "str": (str,),
    "bool": (bool,),
    "list[str]": (list,),
}
_CODE_RE = re.compile(r"^[A-Z]{2,5}\d{3}$")
_NAME_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class CatalogueError(Exception):
    """A rule file that does not load or validate; the message names file and rule."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ParamSpec(_Strict):
    type: ParamType
    default: Any
    doc: str = Field(min_length=1)

    @model_validator(mode="after")
    def _default_has_type(self) -> ParamSpec:
        self.validate_value(self.default)
        return self

    def validate_value(self, value: Any) -> Any:
        """Return the value if it has this parameter's type, else raise ValueError."""
        if isinstance(value, bool) and self.type != "bool":
            raise ValueError(f"expected {self.type}, got a boolean")
        if not isinstance(value, _PYTHON_TYPES[self.type]):
            raise ValueError(f"expected {self.type}, got {type(value).__name__} {value!r}")
        if isinstance(value, list) and not all(isinstance(item, str) for item in value):
            raise ValueError(f"expected a list of strings, got {value!r}")
        return float(value) if isinstance(value, int) and self.type == "float" else value


class RuleDocs(_Strict):
    what: str = Field(min_length=1)
    why: str = Field(min_length=1)
    bad: str = Field(min_length=1)
    good: str = Field(min_length=1)
    fix: str = Field(min_length=1)


class RuleSpec(_Strict):
    code: str
    name: str
    family: Family
    dimension: Dimension
    severity: Severity
    check: str = Field(min_length=1)
    default: bool = True
    parameters: dict[str, ParamSpec] = Field(default_factory=dict)
    message: str = Field(min_length=1)
    docs: RuleDocs
    source: str = "builtin"

    @field_validator("code")
    @classmethod
    def _code_shape(cls, code: str) -> str:
        if not _CODE_RE.match(code):
            raise ValueError(f"code {code!r} is not a family prefix and three digits (e.g. TRC001)")
        return code

    @field_validator("name")
    @classmethod
    def _name_shape(cls, name: str) -> str:
        if not _NAME_RE.match(name):
            raise ValueError(f"name {name!r} is not kebab-case")
        return name

    @model_validator(mode="after")
    def _prefix_matches_family(self) -> RuleSpec:
        prefix = FAMILY_PREFIXES[self.family]
        if not self.code.startswith(prefix) or not self.code[len(prefix):].isdigit():
            raise ValueError(f"code {self.code} does not start with {prefix}, the prefix of family {self.family}")
        return self

    def resolved_params(self, overrides: dict[str, Any]) -> dict[str, Any]:
        """Defaults merged with user values, each validated against its declared type."""
        params = {name: spec.default for name, spec in self.parameters.items()}
        for name, value in overrides.items():
            if name not in self.parameters:
                known = ", ".join(self.parameters) or "none"
                raise ValueError(f"{self.code} has no parameter {name!r} (parameters: {known})")
            params[name] = self.parameters[name].validate_value(value)
        return params


class _RuleFile(_Strict):
    family: Family
    rules: list[dict[str, Any]]


class Catalogue:
    """All known rules, by code, in a stable order."""

    def __init__(self, rules: Iterable[RuleSpec]):
        self.rules: dict[str, RuleSpec] = {}
        names: dict[str, str] = {}
        for rule in sorted(rules, key=lambda r: r.code):
            if rule.code in self.rules:
                raise CatalogueError(f"rule code {rule.code} is defined twice ({rule.source})")
            if rule.name in names:
                raise CatalogueError(f"rule name {rule.name} is used by {names[rule.name]} and {rule.code}")
            self.rules[rule.code] = rule
            names[rule.name] = rule.code

    def __iter__(self):
        return iter(self.rules.values())

    def __len__(self) -> int:
        return len(self.rules)

    def get(self, code_or_name: str) -> RuleSpec | None:
        key = code_or_name.strip()
        if key.upper() in self.rules:
            return self.rules[key.upper()]
        return next((rule for rule in self.rules.values() if rule.name == key), None)

    def matching(self, selector: str) -> list[RuleSpec]:
        """Rules matched by a selector: `ALL`, a family name, a code, or a code prefix."""
        if selector == "ALL":
            return list(self.rules.values())
        if selector in FAMILY_PREFIXES:
            return [rule for rule in self.rules.values() if rule.family == selector]
        by_name = self.get(selector)
        if by_name is not None:
            return [by_name]
        return [rule for rule in self.rules.values() if rule.code.startswith(selector.upper())]

    def extended(self, rules: Iterable[RuleSpec]) -> Catalogue:
        return Catalogue([*self.rules.values(), *rules])


def builtin_rules_dir() -> Path:
    """The catalogue folder: inside the installed wheel, or `rules/` of a source checkout."""
    packaged = resources.files("reasonlint") / "rules"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "rules"


class Preset(BaseModel):
    """A named set of rules and parameters on top of the defaults (`--profile NAME`), from
    `rules/presets/NAME.yaml`."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    description: str = Field(min_length=1)
    extend_select: list[str] = Field(default_factory=list, alias="extend-select")
    rules: dict[str, dict[str, Any]] = Field(default_factory=dict)


@cache
def builtin_presets() -> dict[str, Preset]:
    presets = {}
    for path in sorted((builtin_rules_dir() / "presets").glob("*.yaml")):
        try:
            presets[path.stem] = Preset.model_validate(YAML(typ="safe", pure=True).load(path.read_text("utf-8")))
        except (OSError, YAMLError) as error:
            raise CatalogueError(f"{path}: {error}") from error
        except ValidationError as error:
            raise CatalogueError(f"{path}: {_first_error(error)}") from error
    return presets


def load_rule_file(path: Path, source: str) -> list[RuleSpec]:
    yaml = YAML(typ="safe", pure=True)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"))
        parsed = _RuleFile.model_validate(data)
    except (OSError, YAMLError) as error:
        raise CatalogueError(f"{path}: {error}") from error
    except ValidationError as error:
        raise CatalogueError(f"{path}: {_first_error(error)}") from error
    specs = []
    for index, raw in enumerate(parsed.rules):
        label = raw.get("code", f"rule #{index + 1}") if isinstance(raw, dict) else f"rule #{index + 1}"
        try:
            specs.append(RuleSpec.model_validate({**raw, "family": parsed.family, "source": source}))
        except ValidationError as error:
            raise CatalogueError(f"{path}: {label}: {_first_error(error)}") from error
    return specs


def _first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}" if where else first["msg"]


@cache
def builtin_catalogue() -> Catalogue:
    folder = builtin_rules_dir()
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise CatalogueError(f"no rule files found in {folder}")
    return Catalogue(spec for path in files for spec in load_rule_file(path, source=f"builtin:{path.name}"))
