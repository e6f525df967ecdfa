"""Settings from `reasonlint.toml` or `[tool.reasonlint]` in `pyproject.toml`, then the
command line (which wins). Validation is strict: an unknown key, rule code, role or
parameter is an error that names it and the file it came from.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from reasonlint.catalogue import Catalogue, CatalogueError, Preset, RuleSpec, builtin_presets, load_rule_file
from reasonlint.findings import Severity

Role = Literal["messages", "prompt", "trace", "response", "answer", "reference"]
CONFIG_FILES = ("reasonlint.toml", "pyproject.toml")


class ConfigError(Exception):
    """Invalid configuration: exit 2 with this one-line message."""


class FilterSettings(BaseModel):
    """What `reasonlint filter` removes (the `[filter]` table): rows with a finding of a rule
    matched by `drop` at `drop-level` or above. The duplicate rules apply by cluster, whatever
    their level: DUP001 keeps the first of each exact duplicate row, DUP007 removes from train
    the prompts an evaluation split holds."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True,
                              alias_generator=lambda name: name.replace("_", "-"))

    drop: list[str] = Field(default_factory=lambda: ["trace", "answer", "dedup", "contamination"])
    drop_level: Severity = Severity.ERROR


class Settings(BaseModel):
    """Everything a run can be told; keys are kebab-case in files (`extend-select`)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True,
                              alias_generator=lambda name: name.replace("_", "-"))

    profile: str = "default"  # or the name of a preset in rules/presets/
    select: list[str] | None = None
    extend_select: list[str] = Field(default_factory=list)
    ignore: list[str] = Field(default_factory=list)
    severity: dict[str, Severity] = Field(default_factory=dict)
    per_path_ignores: dict[str, list[str]] = Field(default_factory=dict)
    columns: dict[Role, str] = Field(default_factory=dict)
    rules: dict[str, dict[str, Any]] = Field(default_factory=dict)
    rule_files: list[str] = Field(default_factory=list)
    fail_level: Severity = Severity.WARNING
    sample: int | None = Field(default=None, ge=1)
    max_rows: int | None = Field(default=None, ge=1)
    seed: int = 0
    jobs: int | None = Field(default=None, ge=1)
    # Where the pass runs: this machine's processes, or a Ray cluster (`--executor ray`; the
    # `ray` extra), an existing one at `ray_address` or a local instance with `jobs` CPUs.
    executor: Literal["local", "ray"] = "local"
    ray_address: str | None = None
    # The benchmark fingerprint indexes the contamination rules use: shipped names or paths
    # to indexes built with `reasonlint fingerprints build` (None: every shipped one).
    benchmarks: list[str] | None = None
    # Check only the rows added or changed since this git revision (`--since REF`).
    since: str | None = None
    # Keep whole-file results in the user's cache folder between runs (`--no-cache`: False).
    cache: bool = True
    # The baseline of known findings (`--baseline PATH`, relative to the settings file here;
    # None: .reasonlint-baseline.json in the dataset folder when there is one), and whether to
    # apply it (`--no-baseline`: False).
    baseline: str | None = None
    use_baseline: bool = True
    # Turn on the opt-in perplexity family (the same as `extend-select = ["perplexity"]`).
    perplexity: bool = False
    # The language model the perplexity rules read traces with, and how (`--model`, ...).
    model: str | None = None
    device: Literal["auto", "cpu", "cuda", "mps"] | None = None
    dtype: Literal["auto", "float32", "bfloat16", "float16"] | None = None
    max_tokens: int | None = Field(default=None, ge=16)
    batch_tokens: int | None = Field(default=None, ge=16)
    filter: FilterSettings = Field(default_factory=FilterSettings)  # `reasonlint filter`
    source: str | None = Field(default=None, exclude=True)  # the file these came from


def find_config_file(*folders: Path) -> Path | None:
    """The first `reasonlint.toml`, or `pyproject.toml` with a `[tool.reasonlint]` table."""
    for folder in folders:
        for name in CONFIG_FILES:
            path = folder / name
            if path.is_file() and (name == "reasonlint.toml" or "reasonlint" in _read_toml(path).get("tool", {})):
                return path
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: {error}") from error


def load_settings(path: Path | None, overrides: dict[str, Any]) -> Settings:
    """File values, then command-line overrides (only the keys given)."""
    values: dict[str, Any] = {}
    if path is not None:
        data = _read_toml(path)
        values = data.get("tool", {}).get("reasonlint", {}) if path.name == "pyproject.toml" else data
        if isinstance(values.get("benchmarks"), list):  # index files named in a file are relative to it
            from reasonlint.contamination.index import is_index_path

            values["benchmarks"] = [str(path.parent / name) if isinstance(name, str) and is_index_path(name)
                                    else name for name in values["benchmarks"]]
    for key, value in overrides.items():
        if key == "extend_select":
            values["extend-select"] = [*values.get("extend-select", []), *value]
        elif key == "ignore":
            values["ignore"] = [*values.get("ignore", []), *value]
        elif key == "columns":
            values["columns"] = {**values.get("columns", {}), **value}
        else:
            values[key.replace("_", "-")] = value
    try:
        settings = Settings.model_validate(values)
    except ValidationError as error:
        first = error.errors()[0]
        key = ".".join(str(part) for part in first["loc"])
        where = str(path) if path else "command line"
        raise ConfigError(f"{where}: {key}: {first['msg']}") from None
    return settings.model_copy(update={"source": str(path) if path else None})


def extend_catalogue(catalogue: Catalogue, settings: Settings, base: Path) -> Catalogue:
    """Add the user's own rule files (rules of existing check kinds)."""
    extra: list[RuleSpec] = []
    for name in settings.rule_files:
        path = (base / name) if not Path(name).is_absolute() else Path(name)
        try:
            extra.extend(load_rule_file(path, source=str(path)))
        except CatalogueError as error:
            raise ConfigError(str(error)) from None
    try:
        return catalogue.extended(extra) if extra else catalogue
    except CatalogueError as error:
        raise ConfigError(str(error)) from None


def selected_rules(catalogue: Catalogue, settings: Settings) -> list[RuleSpec]:
    """`select` (or the default rules and the profile's) plus `extend-select`, minus `ignore`."""
    where = settings.source or "command line"

    def expand(selectors: list[str], key: str) -> set[str]:
        codes: set[str] = set()
        for selector in selectors:
            matched = catalogue.matching(selector)
            if not matched:
                raise ConfigError(f"{where}: {key}: {selector!r} matches no rule code, prefix, name or family")
            codes.update(rule.code for rule in matched)
        return codes

    preset = active_preset(settings)
    if settings.select is None:
        chosen = {rule.code for rule in catalogue if rule.default} | expand(preset.extend_select, "profile")
    else:
        chosen = expand(settings.select, "select")
    chosen |= expand(settings.extend_select, "extend-select")
    if settings.perplexity:
        chosen |= expand(["perplexity"], "perplexity")
    chosen -= expand(settings.ignore, "ignore")
    for key in (*settings.severity, *settings.rules):
        if catalogue.get(key) is None:
            raise ConfigError(f"{where}: {key!r} is not a rule code or name")
    for pattern, selectors in settings.per_path_ignores.items():
        expand(selectors, f"per-path-ignores.{pattern}")
    return [rule for rule in catalogue if rule.code in chosen]


def active_preset(settings: Settings) -> Preset:
    """The profile's preset; the default profile is the rules' own defaults."""
    if settings.profile == "default":
        return Preset(description="the rules' own defaults")
    presets = builtin_presets()
    if settings.profile not in presets:
        known = ", ".join(["default", *presets])
        raise ConfigError(f"{settings.source or 'command line'}: profile {settings.profile!r} is not one of {known}")
    return presets[settings.profile]


# Settings that are run-wide choices rather than one rule's: every rule with a parameter of
# the same name gets the setting's value (when it is set), so `--model` reaches every
# perplexity rule and `--benchmarks` every contamination rule.
RUN_WIDE_PARAMETERS = ("benchmarks", "model", "device", "dtype", "max_tokens", "batch_tokens")


def rule_params(rule: RuleSpec, settings: Settings) -> dict[str, Any]:
    preset = active_preset(settings).rules
    overrides = {**preset.get(rule.name, {}), **preset.get(rule.code, {})}
    for name in RUN_WIDE_PARAMETERS:
        value = getattr(settings, name)
        if value is not None and name in rule.parameters:
            overrides[name] = value
    overrides |= {**settings.rules.get(rule.name, {}), **settings.rules.get(rule.code, {})}
    try:
        params = rule.resolved_params(overrides)
        if "benchmarks" in params:  # an unknown index is a configuration error
            from reasonlint.contamination.index import resolve as resolve_benchmarks

            resolve_benchmarks(params["benchmarks"])
    except ValueError as error:
        raise ConfigError(f"{settings.source or 'command line'}: rules.{rule.code}: {error}") from None
    return params


def rule_severity(rule: RuleSpec, settings: Settings) -> Severity:
    return settings.severity.get(rule.code) or settings.severity.get(rule.name) or rule.severity
