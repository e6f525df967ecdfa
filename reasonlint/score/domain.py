"""The dataset's domain(s) over the taxonomy of rules/scoring/domains.yaml, offline and fast.

It runs at the end of every run, so it is a weighted lexicon rather than a model: each
sampled prompt scores every domain by the weights of the distinct terms and patterns it
contains, plus a prior the whole dataset shares (labels and prose of the card, the domains
of the trace heads, outputs that are JSON/XML/YAML/CSV); the
prompt gets the best domain, or `other` when none reaches `min_score`. The prior lets a
dataset whose prompts range widely but whose card and traces say what it is (a tetralemma
set asking about photosynthesis and billionaires) land in its declared domain, while a
card that claims a domain its prompts do not show cannot outweigh them alone. Words are cut
by one regular expression per text and matched against sets, so 400 prompts of 1,500
characters cost a few milliseconds. The prompts' languages are measured too, as an axis of
their own: a set in several languages is not thereby "multilingual" (translation tasks are),
and a German legal exam is legal.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt

from reasonlint.score.model import DomainShare
from reasonlint.score.weights import DomainWeights, Taxonomy, builtin_taxonomy, builtin_weights
from reasonlint.source.card import Card
from reasonlint.text.ngrams import ngram_hashes, tokens_of

_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*(?:\+\+)?")
# Lowercase ASCII bytes pass through; punctuation (and the batch separator, NUL) becomes a
# space, so `knight.` and `knight` are the same word while `c++`, `year-old` and `#include`
# stay whole.
_BYTE_TABLE = np.arange(256, dtype=np.uint8)
_BYTE_TABLE[list(b".,;:!?()[]{}\"'`*<>|/\\=$%&~^@_\0")] = ord(" ")
# The opening of a prompt or trace says what it is about, and the end of a chat-templated
# prompt holds the user's question; reading only these keeps the cost of 400 prompts and
# 200 trace heads at a few milliseconds.
_HEAD_CHARS = 300
_SHAPE_CHARS = 1_500
_CARD_TEXT_CHARS = 6_000
# Output shapes of structured extraction, found by plain substring search (a regular
# expression with `^` costs more than the rest of the classifier): an XML declaration, a
# fenced block in a data format, a line opening a JSON object or array.
_STRUCTURED = ("<?xml", "```json", "```xml", "```yaml", "```toml", "```csv", "\n{\n", '\n{"', "\n[\n", "\n[{")
_LETTER = re.compile(r"[^\W\d_]")
_SCRIPTS = tuple((code, re.compile(f"[{low}-{high}]")) for code, low, high in (
    ("zh", "\u4e00", "\u9fff"), ("ja", "\u3040", "\u30ff"), ("ko", "\uac00", "\ud7af"),
    ("ru", "\u0400", "\u04ff"), ("ar", "\u0600", "\u06ff"), ("hi", "\u0900", "\u097f")))
OTHER = "other"


@dataclass(frozen=True, slots=True)
class Evidence:
    """One dataset-wide push towards a domain: where it came from and how much it adds."""

    domain: str
    source: str  # e.g. "card tags: law", "62% of trace heads", "48% of outputs are structured"
    score: float


@dataclass(frozen=True, slots=True)
class DomainResult:
    shares: tuple[DomainShare, ...]  # largest first
    topics: dict[str, tuple[str, ...]]  # per domain: the topics its prompts touch, in taxonomy order
    topic_counts: dict[str, int]  # per domain: how many topics the taxonomy lists
    evidence: tuple[Evidence, ...]
    items: int  # prompts (or trace heads, or 0 for the card alone) classified
    languages: dict[str, float]  # share of prompts per detected language

    def coverage(self, domain: str) -> float:
        total = self.topic_counts.get(domain, 0)
        return len(self.topics.get(domain, ())) / total if total else 0.0


Hits = dict[tuple[int, int], float]  # (domain, topic) -> summed weights of distinct terms


@dataclass(frozen=True, slots=True)
class _Table:
    """Hashes of the terms of one length in words, sorted, with the term id of each."""

    hashes: npt.NDArray[np.uint64]
    ids: npt.NDArray[np.intp]


@dataclass(frozen=True, slots=True)
class Lexicon:
    """The taxonomy compiled for matching: hashed terms by length in words, and patterns.

    Texts are matched in one batch: joined, cut into word hashes by the vectorised
    `reasonlint.text.ngrams` (the hasher every n-gram measure shares) and looked up with
    `np.isin`, so Python only touches the few words that are terms. Per-text Python work
    (splitting, set intersections) cost four times more on 400 prompts.
    """

    domains: tuple[str, ...]
    topics: tuple[tuple[str, ...], ...]  # per domain index
    tables: dict[int, _Table]  # words in the term -> its table
    entries: tuple[tuple[tuple[int, int, float], ...], ...]  # term id -> (domain, topic, weight)
    languages: tuple[tuple[str, ...], ...]  # term id -> the languages it marks (function words)
    # (anchor, pattern, domain, topic, weight): the pattern's leading literal character is
    # looked for first (`in` is far cheaper than a search), then the pattern itself.
    patterns: tuple[tuple[str, re.Pattern[str], int, int, float], ...]
    labels: tuple[tuple[str, int], ...]  # (" card label ", domain)

    def match(self, text: str, *, whole: bool = False) -> Hits:
        """The (domain, topic) pairs `text` touches, each with the summed weights of its
        distinct terms; only the head and tail of `text` unless `whole`."""
        return self.read_all([text], whole=whole)[0][0]

    def read_all(self, texts: Sequence[str], *, whole: bool = False) -> list[tuple[Hits, str | None]]:
        """`match` and the language (see `_language`) of each text, in one batch."""
        pieces = [text if whole or len(text) <= 2 * _HEAD_CHARS else f"{text[:_HEAD_CHARS]}\n{text[-_HEAD_CHARS:]}"
                  for text in texts]
        pieces = [piece.replace("\0", " ") for piece in pieces]
        results: list[tuple[Hits, dict[str, int]]] = [({}, {}) for _ in pieces]
        if not pieces:
            return []
        raw = np.frombuffer("\0".join(pieces).lower().encode("utf-8", "surrogatepass"), dtype=np.uint8)
        bounds = np.flatnonzero(raw == 0)
        tokens = tokens_of(_BYTE_TABLE[raw].tobytes())
        item = np.searchsorted(bounds, tokens.starts)
        for n, table in self.tables.items():
            if len(tokens) < n:
                continue
            hashes = tokens.hashes if n == 1 else ngram_hashes(tokens, n)
            # A binary search in the small sorted table: `np.isin` would sort the text's hashes.
            slots = np.minimum(np.searchsorted(table.hashes, hashes), len(table.hashes) - 1)
            found = np.flatnonzero(table.hashes[slots] == hashes)
            if n > 1:
                found = found[item[found] == item[found + n - 1]]
            ids = table.ids[slots[found]]
            for index, term in set(zip(item[found].tolist(), ids.tolist(), strict=True)):
                hits, languages = results[index]
                for domain, topic, weight in self.entries[term]:
                    hits[(domain, topic)] = hits.get((domain, topic), 0.0) + weight
                for code in self.languages[term]:
                    languages[code] = languages.get(code, 0) + 1
        joined = "\0".join(pieces)
        starts = list(itertools.accumulate((len(piece) + 1 for piece in pieces[:-1]), initial=0))
        for anchor, pattern, domain, topic, weight in self.patterns:
            if anchor not in joined:
                continue
            for index in {bisect.bisect_right(starts, found.start()) - 1 for found in pattern.finditer(joined)}:
                hits = results[index][0]
                hits[(domain, topic)] = hits.get((domain, topic), 0.0) + weight
        return [(hits, _language(piece, languages)) for piece, (hits, languages) in zip(pieces, results, strict=True)]

    def scores(self, hits: Hits) -> list[float]:
        scores = [0.0] * len(self.domains)
        for (domain, _), weight in hits.items():
            scores[domain] += weight
        return scores


def _language(text: str, counts: dict[str, int]) -> str | None:
    """A non-Latin script when most letters are in one, else the language with most of its
    function words (at least two), else None."""
    if counts:
        best = min(counts, key=lambda code: (-counts[code], code))
        if counts[best] >= 2:
            return best
    if not text.isascii():
        letters = len(_LETTER.findall(text))
        for code, script in _SCRIPTS:
            if letters and len(script.findall(text)) * 2 > letters:
                return code
    return None


def _term_hashes(terms: Sequence[str]) -> list[tuple[int, int]]:
    """(words in the term, the hash `read_all` computes for that run of words) per term, hashed
    in one batch the way `read_all` hashes texts."""
    raw = np.frombuffer("\0".join(terms).lower().encode("utf-8", "surrogatepass"), dtype=np.uint8)
    tokens = tokens_of(_BYTE_TABLE[raw].tobytes())
    item = np.searchsorted(np.flatnonzero(raw == 0), tokens.starts)
    first = np.searchsorted(item, np.arange(len(terms)))
    counts = np.bincount(item, minlength=len(terms))
    by_length = {n: tokens.hashes if n == 1 else ngram_hashes(tokens, n) for n in set(counts.tolist()) if n}
    found = []
    for term, start, n in zip(terms, first.tolist(), counts.tolist(), strict=True):
        if not n:
            raise ValueError(f"term {term!r} has no words")
        found.append((n, int(by_length[n][start])))
    return found


def _normal(label: str) -> str:
    return " " + " ".join(_WORD.findall(label.lower().replace("_", " "))) + " "


def compile_lexicon(taxonomy: Taxonomy) -> Lexicon:
    domains = tuple(taxonomy.domains)
    places = [(d, t, topic.weight, term) for d, spec in enumerate(taxonomy.domains.values())
              for t, topic in enumerate(spec.topics.values()) for term in dict.fromkeys(topic.terms)]
    functions = [(code, word) for code, words in taxonomy.languages.items() for word in dict.fromkeys(words)]
    keys = _term_hashes([term for *_, term in places] + [word for _, word in functions])
    ids: dict[tuple[int, int], int] = {}
    for key in keys:
        ids.setdefault(key, len(ids))
    entries: list[list[tuple[int, int, float]]] = [[] for _ in ids]
    languages: list[list[str]] = [[] for _ in ids]
    for (d, t, weight, _), key in zip(places, keys, strict=False):
        entries[ids[key]].append((d, t, weight))
    for (code, _), key in zip(functions, keys[len(places):], strict=True):
        languages[ids[key]].append(code)
    patterns: list[tuple[str, re.Pattern[str], int, int, float]] = []
    topics = []
    for d, spec in enumerate(taxonomy.domains.values()):
        topics.append(tuple(spec.topics))
        for t, topic in enumerate(spec.topics.values()):
            for pattern in topic.patterns:
                patterns.append((_anchor(pattern), re.compile(pattern), d, t, topic.weight))
    tables = {}
    for n in sorted({n for n, _ in ids}):
        pairs = sorted((hashed, index) for (length, hashed), index in ids.items() if length == n)
        tables[n] = _Table(np.array([hashed for hashed, _ in pairs], dtype=np.uint64),
                           np.array([index for _, index in pairs], dtype=np.intp))
    labels = tuple((_normal(label), domains.index(domain))
                   for domain, values in taxonomy.card_labels.items() for label in values)
    return Lexicon(domains, tuple(topics), tables, tuple(tuple(entry) for entry in entries),
                   tuple(tuple(codes) for codes in languages), tuple(patterns), labels)


def _anchor(pattern: str) -> str:
    """The literal character every match of `pattern` starts with, or '' (always search)."""
    first, rest = pattern[:1], pattern[1:2]
    if first == "\\" and rest and not rest.isalnum():
        return rest
    return first if first and first not in ".^$*+?{}[]()|\\" else ""


@cache
def builtin_lexicon() -> Lexicon:
    return compile_lexicon(builtin_taxonomy())


def card_labels(card: Card | None) -> list[tuple[str, str]]:
    """(where, value) of the card's naming metadata and title: task_categories, tags,
    pretty_name and the first heading."""
    if card is None:
        return []
    found: list[tuple[str, str]] = []
    metadata: Any = card.metadata if isinstance(card.metadata, dict) else {}
    for key in ("task_categories", "task_ids", "tags", "pretty_name"):
        value = metadata.get(key)
        values = value if isinstance(value, list) else [value]
        found.extend((key, str(item)) for item in values if isinstance(item, str) and item.strip())
    if card.sections:
        found.append(("title", card.sections[0].title))
    return found


def detect_domains(card: Card | None, prompts: Sequence[str], traces: Sequence[str],
                   lexicon: Lexicon | None = None, weights: DomainWeights | None = None) -> DomainResult:
    """Classify each sampled prompt (trace heads when there are no prompts, the card alone when
    there is neither) and return the shares; deterministic for the same inputs."""
    lexicon = lexicon or builtin_lexicon()
    weights = weights or builtin_weights().domain
    domains = lexicon.domains
    other = domains.index(OTHER)
    minimum = weights.min_score.weight
    evidence: list[Evidence] = []

    labelled: dict[int, list[str]] = {}
    for where, value in card_labels(card):
        normal = _normal(value)
        for label, domain in lexicon.labels:
            if label in normal and value not in labelled.setdefault(domain, []):
                labelled[domain].append(f"{where}: {value}")
    for domain, sources in labelled.items():
        evidence.append(Evidence(domains[domain], "card " + ", ".join(sources[:3]), weights.card_label.weight))
    if card is not None and card.body.strip():
        card_scores = lexicon.scores(lexicon.match(card.body[:_CARD_TEXT_CHARS], whole=True))
        card_scores[other] = 0.0
        total = sum(card_scores)
        if total:
            for domain, score in enumerate(card_scores):
                if score / total >= 0.1:
                    evidence.append(Evidence(domains[domain], f"card prose ({score / total:.0%} of its domain terms)",
                                             weights.card_text.weight * score / total))
    trace_hits = [hits for hits, _ in lexicon.read_all(traces)]
    trace_votes = Counter(_best(lexicon.scores(hits), minimum, other) for hits in trace_hits)
    for domain, count in sorted(trace_votes.items()):
        if domain != other and count / len(traces) >= 0.1:
            evidence.append(Evidence(domains[domain], f"{count / len(traces):.0%} of trace heads",
                                     weights.trace_prior.weight * count / len(traces)))
    if traces:
        structured = sum(1 for trace in traces if _structured(trace[:_SHAPE_CHARS])) / len(traces)
        if structured >= 0.1 and "structured extraction" in domains:
            evidence.append(Evidence("structured extraction", f"{structured:.0%} of outputs hold JSON/XML/YAML/CSV",
                                     weights.structured_shape.weight * structured))
    readings = lexicon.read_all(prompts) or [(hits, None) for hits in trace_hits]
    languages = Counter(language for _, language in readings[:len(prompts)] if language is not None)
    named = sum(languages.values())
    language_shares = {code: count / named for code, count in languages.most_common()} if named else {}

    prior = [0.0] * len(domains)
    for item in evidence:
        prior[domains.index(item.domain)] += item.score
    items = list(prompts) or list(traces)
    votes: Counter[int] = Counter()
    touched: dict[int, set[int]] = {}
    for hits, _ in readings:
        scores = lexicon.scores(hits)
        domain = _best([score + bias for score, bias in zip(scores, prior, strict=True)], minimum, other)
        votes[domain] += 1
        touched.setdefault(domain, set()).update(topic for (d, topic) in hits if d == domain)
    if not items:
        domain = _best(prior, minimum, other)
        votes[domain] += 1
        if card is not None and domain != other:
            hits = lexicon.match(card.body[:_CARD_TEXT_CHARS], whole=True)
            touched[domain] = {topic for (d, topic) in hits if d == domain}
    total = sum(votes.values())
    order = sorted(votes, key=lambda domain: (-votes[domain], domain))
    shares = tuple(DomainShare(domains[domain], round(votes[domain] / total, 4)) for domain in order)
    topics = {domains[d]: tuple(lexicon.topics[d][t] for t in sorted(found)) for d, found in touched.items()}
    return DomainResult(shares, topics, {name: len(lexicon.topics[d]) for d, name in enumerate(domains)},
                        tuple(sorted(evidence, key=lambda item: (-item.score, item.domain, item.source))),
                        len(items), language_shares)


def _structured(head: str) -> bool:
    return head.lstrip().startswith(("{", "[{", "<?xml")) or any(marker in head for marker in _STRUCTURED)


def _best(scores: Iterable[float], minimum: float, other: int) -> int:
    """The index of the highest score (the first on ties), or `other` below `minimum`."""
    best, top = other, minimum - 1e-9
    for index, score in enumerate(scores):
        if score > top:
            best, top = index, score
    return best
