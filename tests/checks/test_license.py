"""License checks: the shipped Hub list, suggestions, and prose mentions; plus the metadata and
license families on the real cards of ../shared/realdata."""

from __future__ import annotations

import pytest

from reasonlint.catalogue import builtin_catalogue
from reasonlint.checks.license import _agrees, _prose_licenses, hub_licenses, suggest_license
from reasonlint.config import Settings
from reasonlint.engine import run
from reasonlint.source.target import resolve_target
from tests.conftest import REALDATA


def test_shipped_list_is_the_hubs_lowercase_identifiers() -> None:
    licenses = hub_licenses()
    assert len(licenses) == 83
    assert {"apache-2.0", "mit", "cc-by-nc-4.0", "other", "unknown", "openrail++"} <= set(licenses)
    assert all(identifier == identifier.lower() for identifier in licenses)


@pytest.mark.parametrize(("value", "expected"), [
    ("apache2", ("apache-2.0", False)),
    ("Apache License 2.0", ("apache-2.0", True)),
    ("CC-BY-NC-4.0", ("cc-by-nc-4.0", True)),
    ("MIT", ("mit", True)),
    ("my-custom-terms", (None, False)),
])
def test_suggestions(value: str, expected: tuple[str | None, bool]) -> None:
    assert suggest_license(value) == expected


@pytest.mark.parametrize(("sentence", "found"), [
    ("This dataset is released under CC BY-NC-SA 4.0.", ["cc-by-nc-sa-4.0"]),
    ("Licensed under the Apache License, Version 2.0 (the License)", ["apache-2.0"]),
    ("[MIT License](https://opensource.org/licenses/MIT)", ["mit"]),
    ("We release it under CC0.", ["cc0-1.0"]),
    ("The license is unknown; see other terms.", []),
    ("The lgpl-3.0 text", ["lgpl-3.0"]),
])
def test_prose_mentions(sentence: str, found: list[str]) -> None:
    assert _prose_licenses(sentence) == found


def test_families_agree_with_their_versions() -> None:
    assert _agrees("gpl", "gpl-3.0") and _agrees("llama3", "llama3.1") and _agrees("openrail", "bigcode-openrail-m")
    assert not _agrees("gpl-3.0", "lgpl-3.0") and not _agrees("cc-by-4.0", "cc-by-nc-4.0")


def _findings(folder: str, competition: bool = False) -> list[tuple[str, int | None]]:
    """The findings of the metadata and license rules that are on by default (and the
    competition-only ones when asked)."""
    codes = [rule.code for rule in builtin_catalogue() if rule.family in ("metadata", "license")
             and (rule.default or competition)]
    settings = Settings.model_validate({"select": codes, "jobs": 1})
    report = run(resolve_target(str(REALDATA / folder)), builtin_catalogue(), settings)
    return [(finding.code, finding.location.line) for finding in report.findings]


@pytest.mark.realdata
def test_competition_profile_on_a_real_entrant() -> None:
    if not (REALDATA / "marcodsn_altered_riddles").is_dir():
        pytest.skip("../shared/realdata is not present")
    codes = {code for code, _ in _findings("marcodsn_altered_riddles", competition=True)}
    assert "META011" not in codes and "LIC005" not in codes  # tagged, apache-2.0
