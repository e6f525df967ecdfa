"""The check registry: rules in `rules/*.yaml` name a check here by its function name.

Five kinds, by what a check reads:
- `read`: a `ReadProblem` from a reader (malformed line, LFS pointer, unparseable file);
- `row`: one `Record`, returning hits on that row;
- `aggregate`: every `Record` through mergeable state (start, add, merge, finish), so
  one run can be split across processes and machines;
- `dataset`: the `DatasetSummary` (card, tables, row counts, mapping) once, at the end;
- `findings`: every other rule's findings and the summary, after all of them ran and before
  the card's suppressions and the baseline apply (unused suppressions, stale baseline entries).

A check's rule parameters are its keyword-only arguments (for an aggregate, those of its
constructor); the catalogue meta-tests compare them with the YAML. Third-party packages
register checks by exposing a module in the `reasonlint.checks` entry-point group.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib.metadata import entry_points
from typing import Any, Literal

CheckKind = Literal["read", "row", "aggregate", "dataset", "findings"]
ENTRY_POINT_GROUP = "reasonlint.checks"


@dataclass(frozen=True, slots=True)
class CheckDef:
    name: str
    kind: CheckKind
    implementation: Any  # a function, or an aggregate class
    parameters: tuple[str, ...]


CHECKS: dict[str, CheckDef] = {}


def _register(kind: CheckKind) -> Callable[[Any], Any]:
    def decorator(implementation: Any) -> Any:
        name = implementation.__name__
        signature = inspect.signature(implementation.__init__ if kind == "aggregate" else implementation)
        parameters = tuple(p.name for p in signature.parameters.values() if p.kind is inspect.Parameter.KEYWORD_ONLY)
        existing = CHECKS.get(name)
        if existing is not None and existing.implementation is not implementation:
            raise ValueError(f"check {name!r} is registered twice ({implementation.__module__})")
        CHECKS[name] = CheckDef(name, kind, implementation, parameters)
        return implementation

    return decorator


read_check = _register("read")
row_check = _register("row")
aggregate_check = _register("aggregate")
dataset_check = _register("dataset")
findings_check = _register("findings")


@cache
def load_checks() -> dict[str, CheckDef]:
    """Import every built-in check module (each registers its checks) and every plugin
    module; return the registry."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")

    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        entry_point.load()
    return CHECKS
