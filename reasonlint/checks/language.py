"""Language checks: the language the card is written in and the language it declares,
against the language the data is written in.

The data's language is measured on a bounded, deterministic sample: a bottom-k sketch
keeps the prompts and traces with the smallest hashes of their text, so the sample is the
same whatever the order of rows, the split of the work over processes or the run, and
two copies of a templated prompt count once. Detection runs at the end, on at most
`sample_size` texts of a few hundred characters each.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from reasonlint.checks import aggregate_check
from reasonlint.findings import Hit, Location
from reasonlint.sketch import BottomK
from reasonlint.source.mapping import Record
from reasonlint.summary import DatasetSummary
from reasonlint.text.language import UNKNOWN, detect_segments, language_shares, normalize_code, segments_of


@dataclass(slots=True)
class TextSketch(BottomK[tuple[str, ...]]):
    """Prompts and traces kept as detection segments, by the hash of their text."""

    def offer(self, text: str | None) -> None:
        if text and text.strip():
            self.keep(text, lambda: segments_of(text))


@dataclass(frozen=True, slots=True)
class DataLanguage:
    """What the sample says: the most common language, its share of the texts whose
    language was detected, and how many that was."""

    language: str
    share: float
    detected: int

    def describe(self) -> str:
        return f"{self.language} {self.share:.0%} of {self.detected} sampled texts"


class _LanguageSample:
    """Shared by the language rules: sample prompts and traces (or responses) and detect
    the data's dominant language at the end."""

    def __init__(self, *, sample_size: int, min_texts: int, min_share: float) -> None:
        self.sample_size = sample_size
        self.min_texts = min_texts
        self.min_share = min_share

    def start(self) -> TextSketch:
        return TextSketch(self.sample_size)

    def add(self, state: TextSketch, record: Record, location: Location) -> None:
        state.offer(record.prompt)
        state.offer(record.trace if record.trace is not None else record.response)

    def merge(self, a: TextSketch, b: TextSketch) -> TextSketch:
        a.merge(b)
        return a

    def data_language(self, state: TextSketch) -> DataLanguage | None:
        """The dominant language, or None when too few texts were detected or no language
        has `min_share` of them (mixed data says nothing about a card)."""
        state.trim()
        counts = Counter(detect_segments(segments).language for segments in state.items.values())
        counts.pop(UNKNOWN, None)
        detected = sum(counts.values())
        if detected < self.min_texts:
            return None
        language, count = min(counts.items(), key=lambda item: (-item[1], item[0]))
        share = count / detected
        return DataLanguage(language, share, detected) if share >= self.min_share else None


@aggregate_check
class CardLanguageMismatch(_LanguageSample):
    """The card's prose is in one language and the data in another."""

    def finish(self, state: TextSketch, summary: DatasetSummary) -> Iterator[Hit]:
        card = summary.card
        if card is None:
            return
        shares = language_shares(card.body)
        if not shares:
            return
        data = self.data_language(state)
        if data is None or shares.get(data.language, 0.0) >= 0.2:
            return  # same language, or a bilingual card that covers it
        card_language, card_share = next(iter(shares.items()))
        yield Hit({"card": f"{card_language} {card_share:.0%}", "data": data.describe()},
                  location=Location(card.path, line=_first_body_line(card.text, card.body_line)),
                  key=f"card-language:{card_language}:{data.language}")


@aggregate_check
class DeclaredLanguageMismatch(_LanguageSample):
    """The `language:` of the card's YAML does not include the data's dominant language."""

    def finish(self, state: TextSketch, summary: DatasetSummary) -> Iterator[Hit]:
        card = summary.card
        if card is None or not card.metadata or "language" not in card.metadata:
            return
        declared = declared_languages(card.metadata["language"])
        if not declared:
            return
        data = self.data_language(state)
        if data is None or data.language in declared:
            return
        yield Hit({"declared": ", ".join(declared), "data": data.describe()},
                  location=Location(card.path, line=card.line_of("language")),
                  key=f"declared-language:{','.join(declared)}:{data.language}")


def declared_languages(value: Any) -> list[str]:
    """The card's `language:` value as ISO 639-1 codes where they have one, in order."""
    values = value if isinstance(value, list) else [value]
    codes = [normalize_code(item) for item in values if isinstance(item, str)]
    return list(dict.fromkeys(code for code in codes if code is not None))


def _first_body_line(text: str, body_line: int) -> int:
    """The first non-blank line after the front matter: where a reader meets the prose."""
    for number, line in enumerate(text.splitlines()[body_line - 1:], start=body_line):
        if line.strip():
            return number
    return body_line
