"""The measured facts the scores rest on, besides findings: what the card says about how
the data was made (Approach) and what the sampled rows look like (Quality).

Each signal is a `Measure`: a value in 0..1 (or a raw figure mapped by the weight's
`low`/`high`) and the fact behind it in words, so that `explain-score` can say why.
Card signals look for the words a judge looks for (a creation section, a model name, a
code link); they read the card's prose and headings only, never the data.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from reasonlint.profile import DatasetProfile
from reasonlint.source.card import Card
from reasonlint.summary import DatasetSummary
from reasonlint.text.ngrams import ngram_hashes, tokens_of

_DIVERSITY_CHARS = 1_500  # of each sampled text: enough to tell a template from varied prose


@dataclass(frozen=True, slots=True)
class Measure:
    value: float  # 0..1 for presence and shares; the raw figure for banded signals
    detail: str  # the fact, e.g. "card names DeepSeek-R1, GPT-4o"


_CREATION_TITLE = re.compile(
    r"creat|curat|generat|pipeline|method|recipe|collection|construct|how .*made|process|distill|蒸馏|生成|作成|構築",
    re.IGNORECASE)
_MODELS = re.compile(
    r"\b(?:deepseek[- ]?(?:r1|v3|v2\.5|coder)?|gpt-?4o?(?:-mini)?|gpt-?3\.5|gpt-?5|o1(?:-mini|-preview)?|o3(?:-mini)?|"
    r"claude(?:[- ][\w.]+)?|gemini(?:[- ][\d.]+)?(?:[- ](?:pro|flash))?|qwen[\w.-]*|qwq[\w.-]*|llama[\w.-]*|"
    r"mistral[\w.-]*|mixtral[\w.-]*|phi-\d[\w.-]*|gemma[\w.-]*|grok[\w.-]*|command-r[\w.-]*)",
    re.IGNORECASE)
_PROMPTS = re.compile(r"\b(?:system prompt|prompt template|prompts? (?:used|we used|was|were)|we prompted|prompting)"
                      r"|^```", re.IGNORECASE | re.MULTILINE)
_SEEDS = re.compile(r"\b(?:seed (?:data|questions|problems|set|prompts)|sourced from|derived from|collected from|"
                    r"taken from|based on the|drawn from|originally from|source datasets?)\b", re.IGNORECASE)
_FILTERING = re.compile(r"\b(?:filter(?:ed|ing)?|dedup(?:licated|lication)?|verif(?:y|ied|ication)|validat(?:ed|ion)|"
                        r"rejection sampling|decontaminat\w*|quality control|checked|judged|graded)\b", re.IGNORECASE)
_CODE_LINK = re.compile(r"github\.com/[\w.-]+/[\w.-]+|gitlab\.com/[\w.-]+/[\w.-]+|\bcurator\b", re.IGNORECASE)
_SCALE = re.compile(r"\b(?:gpu[- ]hours?|\$\s?\d[\d,.]*|\d[\d,.]*\s?(?:k|m|b)?\s?tokens|cost|api calls?|"
                    r"\d[\d,.]*\s?(?:examples|samples|rows|problems|questions))\b", re.IGNORECASE)
_LIMITS = re.compile(r"limitation|bias|caveat|known issues|局限", re.IGNORECASE)
_SETTINGS = re.compile(r"\b(?:temperature|top[-_ ]p|max[-_ ]tokens|random seed|seed\s*=|sampling parameters)\b",
                       re.IGNORECASE)
# Column names (lowercased, words joined by `_`) that record where a row came from or how it
# was checked: whole words only, so `Open-ended Verifiable Question` is not one.
_PROVENANCE = re.compile(r"(?:^|_)(?:model|teacher|generator|source|verification|verified|is_correct|correct|score|"
                         r"scores|reward|judge|judgement|temperature|pass_rate)(?:_|$)")
_STEP = re.compile(r"^\s*(?:\d+[.)]|[-*•]|step \d|#{1,4} |<\w+>|first,|second,|then,|finally,)",
                   re.IGNORECASE | re.MULTILINE)


def _found(pattern: re.Pattern[str], text: str, what: str, limit: int = 3) -> Measure:
    names: list[str] = []
    for match in pattern.finditer(text):
        name = match.group(0).strip()
        if name.lower() not in (seen.lower() for seen in names):
            names.append(name)
        if len(names) >= limit:
            break
    return Measure(1.0 if names else 0.0, f"{what}: {', '.join(names)}" if names else f"none found ({what})")


def approach_signals(summary: DatasetSummary) -> dict[str, Measure]:
    """What the card and the columns say about how the data was made."""
    card: Card | None = summary.card
    body = card.body if card is not None else ""
    signals: dict[str, Measure] = {}
    prose = len(body.strip())
    signals["card_body"] = Measure(1.0 if prose >= 400 else 0.0, f"card body of {prose:,} characters")
    creation = [section for section in (card.sections if card else ()) if _CREATION_TITLE.search(section.title)]
    creation_text = "\n".join(section.text for section in creation)
    signals["creation_section"] = Measure(
        1.0 if creation_text.strip() else 0.0,
        f"section '{creation[0].title}' (line {creation[0].line})" if creation
        else "no section on how the data was made")
    columns = [column for table in summary.tables if table.mapping for column in table.mapping.columns]
    signals["generating_model"] = _found(_MODELS, body, "models named")
    signals["prompts"] = _found(_PROMPTS, creation_text or body, "prompts described", 1)
    seeds = _found(_SEEDS, body, "sources named", 2)
    metadata = card.metadata if card is not None and isinstance(card.metadata, dict) else {}
    if not seeds.value and metadata.get("source_datasets"):
        seeds = Measure(1.0, f"source_datasets: {metadata.get('source_datasets')}")
    signals["seed_sources"] = seeds
    signals["filtering"] = _found(_FILTERING, body, "filtering/verification steps")
    signals["code_link"] = _found(_CODE_LINK, body, "code linked", 1)
    signals["scale_cost"] = _found(_SCALE, body, "scale/cost stated", 2)
    signals["limitations"] = _found(_LIMITS, " ".join(section.title for section in (card.sections if card else ())),
                                    "limitations section", 1)
    provenance = sorted({column for column in columns
                         if _PROVENANCE.search(re.sub(r"[\W_]+", "_", column.lower()).strip("_"))})
    signals["provenance_columns"] = Measure(
        min(1.0, len(provenance) / 2), f"provenance columns: {', '.join(provenance[:5])}" if provenance
        else "no provenance columns (generator model, verification, scores)")
    signals["reproducibility"] = _found(_SETTINGS, body, "sampling settings", 2)
    return signals


def distinct_trigram_ratio(texts: Sequence[str], chars: int = _DIVERSITY_CHARS) -> float | None:
    """Distinct word 3-grams over all word 3-grams of the first `chars` of each text (None
    under 50 3-grams): near 1 for varied texts, low for templated ones. Hashed in one batch,
    dropping the 3-grams that straddle two texts."""
    if not texts:
        return None
    raw = "\0".join(text[:chars].replace("\0", " ") for text in texts).encode("utf-8", "surrogatepass")
    tokens = tokens_of(raw.replace(b"\0", b" "))
    hashes = ngram_hashes(tokens, 3)
    item = np.searchsorted(np.flatnonzero(np.frombuffer(raw, dtype=np.uint8) == 0), tokens.starts)
    hashes = hashes[item[: len(hashes)] == item[2: 2 + len(hashes)]]
    if len(hashes) < 50:
        return None
    return float(len(np.unique(hashes)) / len(hashes))


def quality_signals(profile: DatasetProfile) -> dict[str, Measure]:
    """Diversity, verifiability, trace length and structure, measured on the profile."""
    signals: dict[str, Measure] = {}
    for name, texts, what in (("prompt_diversity", profile.prompts, "prompts"),
                              ("trace_diversity", profile.traces, "traces")):
        ratio = distinct_trigram_ratio(texts)
        if ratio is not None:
            signals[name] = Measure(ratio, f"{ratio:.0%} distinct word 3-grams in {len(texts)} sampled {what}")
    records = profile.records
    if records:
        answered = max(profile.with_answer, profile.with_reference)
        signals["answer_verifiability"] = Measure(answered / records,
                                                  f"{answered:,} of {records:,} rows carry an answer or reference")
        signals["trace_presence"] = Measure(profile.with_trace / records,
                                            f"{profile.with_trace:,} of {records:,} rows carry a trace")
    if profile.trace_chars.total:
        median = profile.trace_chars.quantile(0.5)
        signals["trace_length"] = Measure(float(median), f"median trace length {median:,}+ characters")
    if profile.traces:
        structured = sum(1 for trace in profile.traces if len(_STEP.findall(trace)) >= 3)
        signals["trace_structure"] = Measure(structured / len(profile.traces),
                                             f"{structured} of {len(profile.traces)} sampled traces show steps "
                                             "or blocks")
    return signals
