"""Checks on the card's license: present, a Hub identifier, complete when custom, and not
contradicted by the card's own prose.

The Hub accepts only the identifiers of its license list (lowercase, not SPDX), shipped in
`reasonlint/data/hub_licenses.tsv`; `other` needs `license_name` and `license_link`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any

from rapidfuzz import fuzz, process

from reasonlint.checks import dataset_check
from reasonlint.checks.metadata import card_line, card_metadata, replace_value
from reasonlint.findings import Fix, Hit, Location
from reasonlint.source.card import Card
from reasonlint.summary import DatasetSummary

# Identifiers too generic to recognise in prose, or that say nothing about the terms.
_NOT_IN_PROSE = frozenset({"other", "unknown", "cc"})
# How prose names some licenses, beyond their identifiers and the Hub's names.
_PROSE_ALIASES = {
    "apache-license-version-2-0": "apache-2.0",
    "apache-license-v2-0": "apache-2.0",
    "apache-v2": "apache-2.0",
    "cc0": "cc0-1.0",
    "gplv3": "gpl-3.0",
    "gplv2": "gpl-2.0",
    "agplv3": "agpl-3.0",
}
# A sentence that says something is licensed.
_LICENSING = re.compile(r"\b(?:licen[cs]ed|released|distributed|available|published|provided)\s+under\b"
                        r"|\blicen[cs]e\b", re.IGNORECASE)
# A sentence that speaks of this dataset, not of what it was built from.
_SELF = re.compile(r"\b(?:this|our|we|these)\b|\bthe (?:dataset|data|corpus)\b", re.IGNORECASE)
_ABOUT_SOURCES = re.compile(
    r"\b(?:source|sources|original|originally|upstream|derived|derivative|based on|adapted|inherits?|"
    r"models?|weights|code|third[- ]party|respective|subject to|terms of|taken from|comes? from)\b",
    re.IGNORECASE)
_URL = re.compile(r"\]\([^)]*\)|https?://\S+|www\.\S+")
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")
_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_SUGGEST_SCORE = 85


@cache
def hub_licenses() -> dict[str, str]:
    """The Hub's license identifiers and their names, from the shipped list."""
    text = (resources.files("reasonlint") / "data" / "hub_licenses.tsv").read_text(encoding="utf-8")
    licenses = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            identifier, _, name = line.partition("\t")
            licenses[identifier] = name
    return licenses


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9+]", "", text.lower())


def _dashed(text: str) -> str:
    """Lowercase words joined by dashes: `CC BY-NC 4.0` and `cc-by-nc-4.0` both give `cc-by-nc-4-0`."""
    return "-".join(re.findall(r"[a-z0-9+]+", text.lower()))


@cache
def _by_squashed() -> dict[str, str]:
    """Identifiers and names with case and punctuation removed, to the identifier."""
    table: dict[str, str] = {}
    for identifier, name in hub_licenses().items():
        table.setdefault(_squash(identifier), identifier)
        table.setdefault(_squash(name), identifier)
    return table


def suggest_license(value: str) -> tuple[str | None, bool]:
    """(closest Hub identifier, whether it is certain): certain when only case or punctuation
    differ from an identifier or a name, else a close fuzzy match, else None."""
    squashed = _squash(value)
    exact = _by_squashed().get(squashed)
    if exact is not None:
        return exact, True
    match = process.extractOne(squashed, list(_by_squashed()), scorer=fuzz.ratio, score_cutoff=_SUGGEST_SCORE)
    return (_by_squashed()[match[0]], False) if match else (None, False)


def _licenses(metadata: dict[str, Any]) -> list[tuple[Any, str | int, Any]]:
    value = metadata.get("license")
    if isinstance(value, list):
        return [(value, index, item) for index, item in enumerate(value)]
    return [] if value is None else [(metadata, "license", value)]


def _declared(metadata: dict[str, Any]) -> list[str]:
    return [str(value) for _, _, value in _licenses(metadata) if isinstance(value, str) and value.strip()]


@dataset_check
def missing_license(summary: DatasetSummary) -> Iterator[Hit]:
    """No license means no one may reuse the data; the Hub shows none."""
    found = card_metadata(summary)
    if found is None:
        return
    card, metadata = found
    if not _declared(metadata):
        line = card.line_of("license") if "license" in metadata else card.front_matter_line
        yield Hit({}, location=Location(card.path, line=line), key="license")


@dataset_check
def unknown_license_id(summary: DatasetSummary) -> Iterator[Hit]:
    """License values that are not among the Hub's identifiers (SPDX spellings, names, wrong case)."""
    found = card_metadata(summary)
    if found is None:
        return
    card, metadata = found
    for container, key, value in _licenses(metadata):
        if not isinstance(value, str) or not value.strip() or value in hub_licenses():
            continue
        suggestion, certain = suggest_license(value)
        hint = ""
        if value.lower() in hub_licenses():
            hint = f" (identifiers are lowercase: '{value.lower()}')"
        elif suggestion:
            hint = f" (did you mean '{suggestion}'?)"
        edit = replace_value(card, container, key, value, suggestion) if suggestion and certain else None
        yield Hit({"value": value, "hint": hint}, location=Location(card.path, line=card_line(card, container, key)),
                  key=f"license:{value}", fix=Fix(f"write '{suggestion}'", (edit,)) if edit else None)


def _missing_other_fields(metadata: dict[str, Any]) -> list[str]:
    return [field for field in ("license_name", "license_link")
            if not isinstance(metadata.get(field), str) or not metadata[field].strip()]


@dataset_check
def license_other_without_name_or_link(summary: DatasetSummary) -> Iterator[Hit]:
    """`other` names no terms by itself: the Hub needs `license_name` and `license_link`."""
    found = card_metadata(summary)
    if found is None:
        return
    card, metadata = found
    if "other" not in _declared(metadata):
        return
    missing = _missing_other_fields(metadata)
    if missing:
        yield Hit({"missing": " and ".join(missing)}, location=Location(card.path, line=card.line_of("license")),
                  key="other")


def _prose_licenses(sentence: str) -> list[str]:
    """Hub identifiers named in a sentence, longest first and without overlaps."""
    dashed = _dashed(_URL.sub(" ", sentence))
    spans: list[tuple[int, int, str]] = []
    candidates = {**{_dashed(name): identifier for identifier, name in hub_licenses().items()},
                  **{_dashed(identifier): identifier for identifier in hub_licenses()}, **_PROSE_ALIASES}
    for phrase, identifier in candidates.items():
        if identifier in _NOT_IN_PROSE or not phrase:
            continue
        for match in re.finditer(rf"(?<![a-z0-9+]){re.escape(phrase)}(?![a-z0-9+])", dashed):
            spans.append((match.start(), match.end(), identifier))
    kept: list[tuple[int, int, str]] = []
    for start, stop, identifier in sorted(spans, key=lambda span: span[0] - span[1]):
        if all(stop <= other_start or start >= other_stop for other_start, other_stop, _ in kept):
            kept.append((start, stop, identifier))
    return [identifier for _, _, identifier in sorted(kept)]


def _agrees(stated: str, declared: str) -> bool:
    """Same license, or one names the family of the other (`gpl` and `gpl-3.0`, `llama3` and `llama3.1`)."""
    a, b = _dashed(stated), _dashed(declared)
    pattern = r"(?<![a-z0-9+]){}(?![a-z0-9+])"
    return bool(re.search(pattern.format(re.escape(a)), b) or re.search(pattern.format(re.escape(b)), a))


def _body_sentences(card: Card) -> Iterator[tuple[int, str, bool]]:
    """(card line, sentence, whether under a License heading) for prose outside code blocks."""
    fenced = False
    license_level: int | None = None  # the level of the License heading we are under
    for offset, text in enumerate(card.text.splitlines()[card.body_line - 1:]):
        if _FENCE.match(text):
            fenced = not fenced
            continue
        heading = None if fenced else _HEADING.match(text)
        if heading:
            level = len(heading.group(1))
            if license_level is None or level <= license_level:
                license_level = level if re.search(r"licen[cs]", heading.group(2), re.IGNORECASE) else None
            continue
        if fenced:
            continue
        for sentence in _SENTENCE_END.split(text):
            if sentence.strip():
                yield card.body_line + offset, sentence, license_level is not None


@dataset_check
def license_contradicted_in_body(summary: DatasetSummary) -> Iterator[Hit]:
    """Prose that licenses this dataset under terms other than the metadata's. Conservative:
    only sentences that license this dataset (or sit under a License heading), never those
    about sources, models or code."""
    found = card_metadata(summary)
    if found is None:
        return
    card, metadata = found
    declared = [value for value in _declared(metadata) if value not in ("other", "unknown")]
    if not declared or len(declared) != len(_declared(metadata)):
        return
    for line, sentence, under_heading in _body_sentences(card):
        if _ABOUT_SOURCES.search(sentence):
            continue
        if not under_heading and not (_LICENSING.search(sentence) and _SELF.search(sentence)):
            continue
        stated = _prose_licenses(sentence)
        if stated and not any(_agrees(one, other) for one in stated for other in declared):
            yield Hit({"stated": ", ".join(stated), "declared": ", ".join(declared)},
                      location=Location(card.path, line=line), key=f"body:{line}")


@dataset_check
def license_unclear_for_research(summary: DatasetSummary) -> Iterator[Hit]:
    """A license that does not establish that the data may be used for research."""
    found = card_metadata(summary)
    if found is None:
        return
    card, metadata = found
    declared = _declared(metadata)
    if not declared:
        state = "is missing"
    elif "unknown" in declared:
        state = "is 'unknown'"
    elif "other" in declared and "license_link" in _missing_other_fields(metadata):
        state = "is 'other' without a license_link"
    else:
        return
    line = card.line_of("license") if "license" in metadata else card.front_matter_line
    yield Hit({"state": state}, location=Location(card.path, line=line), key="research")
