"""Benchmark contamination: rows that contain a benchmark item, and canary strings.

Each text is matched against the fingerprint indexes (`reasonlint.contamination`): the
keyed hashes of its normalised word 8-grams are looked up in one sorted array of every
item's hashes, and an item is reported when the text covers at least `min_coverage` of its
informative n-grams; a short item is reported when the text holds it whole, numbers kept.
The prompt is scanned once per row (a row with 16 generations has one prompt); outputs are
scanned per generation. Indexes load once per process, on first use.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

from reasonlint.checks import row_check
from reasonlint.contamination.index import Match, matcher_for, resolve
from reasonlint.findings import Hit, excerpt_of
from reasonlint.source.mapping import Record

# The BIG-bench canary GUID, stored as its SHA-256 only: files that contain the GUID itself
# are dropped by crawlers and corpus filters that honour canaries, and reasonlint's own
# source must stay readable by them. Any GUID-shaped string is hashed and compared.
_CANARY_GUID_SHA256 = "2c7c9d047919c8e41df91d6f40f34afc8c8d6661d369a0676bcb5edad38b6452"
_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
_CANARY_SENTENCE = re.compile(r"benchmark\s+data\s+should\s+never\s+appear\s+in\s+training\s+corpora", re.I)


@lru_cache(maxsize=64)
def _match(text: str, paths: tuple[str, ...], min_coverage: float, min_matches: int) -> Match | None:
    """Memoised per (text, indexes, thresholds): every generation of a row shares its prompt,
    which is matched once."""
    return matcher_for(paths).match(text, min_coverage=min_coverage, min_matches=min_matches)


def _hit(match: Match, text: str, where: str) -> Hit:
    data = text.encode("utf-8", "surrogatepass")
    span = data[match.start: match.stop].decode("utf-8", "replace")
    coverage = "all" if match.whole else f"{match.coverage:.0%}"
    return Hit({"field": where, "coverage": coverage, "benchmark": match.benchmark,
                "item": f"{match.benchmark}:{match.item}", "matched": match.matched, "size": match.size,
                "span": excerpt_of(span, 60)}, field=where, excerpt=excerpt_of(span))


@row_check
def benchmark_item_in_prompt(record: Record, *, benchmarks: list[str], min_coverage: float,
                             min_matches: int) -> Iterator[Hit]:
    """A prompt that holds a benchmark item (once per row, not once per generation)."""
    where = record.fields.get("prompt")
    if not record.prompt or where is None or (record.generation or 0) > 0:
        return
    found = _match(record.prompt, resolve(benchmarks), min_coverage, min_matches)
    if found is not None and not found.renumbered:
        yield _hit(found, record.prompt, where)


@row_check
def benchmark_variant_in_prompt(record: Record, *, benchmarks: list[str], min_coverage: float,
                                min_matches: int) -> Iterator[Hit]:
    """A prompt with a benchmark item's words but not its numbers: a template sibling (GSM8K's
    train set holds many of its test items'), not the item itself. Once per row."""
    where = record.fields.get("prompt")
    if not record.prompt or where is None or (record.generation or 0) > 0:
        return
    found = _match(record.prompt, resolve(benchmarks), min_coverage, min_matches)
    if found is not None and found.renumbered:
        hit = _hit(found, record.prompt, where)
        hit.facts.update({"numbers": found.numbers, "numbers_found": found.numbers_found})
        yield hit


@row_check
def benchmark_item_in_output(record: Record, *, benchmarks: list[str], min_coverage: float,
                             min_matches: int) -> Iterator[Hit]:
    """A response or trace that holds a benchmark item its own prompt does not: the model
    recites a benchmark problem, or a solution quotes one."""
    paths = resolve(benchmarks)
    in_prompt = _match(record.prompt, paths, min_coverage, min_matches) if record.prompt else None
    seen: list[str] = []
    for role in ("response", "trace"):
        text = getattr(record, role)
        where = record.fields.get(role) or record.fields.get("response")
        if not text or where is None or any(text in other for other in seen):
            continue
        seen.append(text)
        found = _match(text, paths, min_coverage, min_matches)
        if found is not None and (in_prompt is None or (found.benchmark, found.item)
                                  != (in_prompt.benchmark, in_prompt.item)):
            yield _hit(found, text, where)
            return


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")


def _canary_in(text: str) -> str | None:
    if _CANARY_SENTENCE.search(text):
        return "canary sentence"
    for guid in _GUID.findall(text):
        if hashlib.sha256(guid.lower().encode()).hexdigest() == _CANARY_GUID_SHA256:
            return "BIG-bench canary GUID"
    return None


@row_check
def benchmark_canary(record: Record) -> Iterator[Hit]:
    """A benchmark canary (the BIG-bench GUID, alone or prefixed as GPQA does, or its
    sentence) anywhere in the row: the row was copied from benchmark data. One per row."""
    if (record.generation or 0) > 0:
        return
    for where, text in _strings(record.raw, ""):
        kind = _canary_in(text)
        if kind is not None:
            yield Hit({"field": where, "kind": kind}, field=where, excerpt=excerpt_of(text))
            return
