"""Checks of what the card's prose says about the data against the data itself: row counts,
file names, column names and file formats.

Cards are written once and the data changes after; a card that promises 250 rows, a
`data.jsonl` and a `model` column, beside 700 rows in `benchmark.jsonl` without that
column, misleads every reader. These checks read only claims they can tie to the data
(a number followed by a row noun, a file name with a data extension, a backticked name in
a list of fields) and stay quiet on everything else: a missed claim costs less than a
false alarm on a good card.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

from reasonlint.checks import dataset_check
from reasonlint.findings import Hit, Location
from reasonlint.source.card import Card
from reasonlint.summary import DatasetSummary, TableSummary

_FENCE = re.compile(r"^\s*(```|~~~)")
_LIST_ITEM = re.compile(r"^(\s*)(?:[-*+]|\d+[.)])\s+(.*)$")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")


@dataclass(frozen=True, slots=True)
class _Line:
    """One body line of the card, with what kind of Markdown it is and the titles of the
    sections it is in (outermost first)."""

    number: int
    text: str
    kind: str  # prose, list, table, heading, quote, code, html, blank
    sections: tuple[str, ...]
    subsections: tuple[str, ...]  # the same without the level-1 title, which names the whole card


def _body_lines(card: Card) -> list[_Line]:
    lines = card.text.splitlines()
    result: list[_Line] = []
    fenced = False
    stack: list[tuple[int, str]] = []
    for index in range(card.body_line - 1, len(lines)):
        text = lines[index]
        number = index + 1
        if _FENCE.match(text):
            fenced = not fenced
            result.append(_Line(number, text, "code", tuple(t for _, t in stack),
                                tuple(t for level, t in stack if level > 1)))
            continue
        heading = None if fenced else _HEADING.match(text)
        if heading:
            level = len(text) - len(text.lstrip("#"))
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, heading.group(1)))
        sections = tuple(title for _, title in stack)
        subsections = tuple(title for level, title in stack if level > 1)
        stripped = text.strip()
        if fenced:
            kind = "code"
        elif heading:
            kind = "heading"
        elif not stripped:
            kind = "blank"
        elif stripped.startswith(">"):
            kind = "quote"
        elif _TABLE_ROW.match(text):
            kind = "table"
        elif stripped.startswith("<"):
            kind = "html"
        elif _LIST_ITEM.match(text):
            kind = "list"
        else:
            kind = "prose"
        result.append(_Line(number, text, kind, sections, subsections))
    return result


# ---------------------------------------------------------------------------------------------
# Row counts

_ROW_NOUNS = r"rows?|examples?|samples?|problems?|questions?|entries|entry|records?|instances?|items?|traces?|pairs?"
_TRACE_NOUNS = {"trace", "traces", "sample", "samples"}
_NUMBER = (r"(?P<number>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s?"
           r"(?P<scale>[kKmM](?![\w-])|thousand\b|million\b)?(?P<plus>\+)?")
_FORWARD = re.compile(rf"(?<![\w.$#/=-]){_NUMBER}\s+(?P<gap>(?:[A-Za-z][\w'-]*\s+){{0,4}}?)"
                      rf"(?P<noun>{_ROW_NOUNS})\b", re.I)
_REVERSE = re.compile(rf"(?:\b[A-Za-z]+\s+)?\b(?P<noun>{_ROW_NOUNS})\**\s*[:：=]\s*\**\s*(?<![\w.])"
                      rf"{_NUMBER}(?![\w.%]|,\d)", re.I)
# Words between the number and the noun that make it count something else ("1000 tokens of
# examples", "5 domains of problems").
_GAP_BREAKS = {
    "of", "from", "in", "per", "each", "with", "and", "or", "to", "than", "for", "by", "at", "on",
    "tokens", "token", "words", "word", "characters", "chars", "steps", "step", "lines", "line", "turns",
    "languages", "models", "model", "epochs", "hours", "minutes", "seconds", "days", "bytes", "times",
    "sources", "source", "datasets", "dataset", "categories", "domains", "types", "subjects", "topics",
    "classes", "labels", "tasks", "benchmarks", "files", "shards", "splits", "columns", "fields",
}
_AFTER_BREAK = re.compile(r"^\s*(?:per|each|for each|for every|of each|in each)\b", re.I)
_SENTENCE_BREAK = re.compile(
    r"\b(?:from|of|in) the (?:original|source|parent|upstream)\b|\bsource (?:data|dataset|datasets|set)\b"
    r"|\boriginal (?:data|dataset|set|benchmark|corpus)\b"
    r"|\b(?:sampled|selected|drawn|taken|derived|extracted|collected|filtered|subset) (?:from|of)\b"
    r"|\b(?:removed|discarded|dropped|excluded|filtered out|deduplicated|rejected|out of)\b"
    r"|\b(?:average|avg|mean|median|accuracy)\b|%", re.I)
_SKIPPED_SECTIONS = re.compile(
    r"citation|reference|related|evaluat|result|leaderboard|performance|acknowledg|changelog|update"
    r"|news|history|source data|curation|collection", re.I)
_LOWER_BOUND = re.compile(r"(?:over|more than|at least|above|>|≥)\s*$", re.I)
_UPPER_BOUND = re.compile(r"(?:up to|under|below|fewer than|less than|at most|<|≤)\s*$", re.I)
_APPROXIMATE = re.compile(r"(?:about|around|approximately|approx\.?|roughly|nearly|almost|some|~|≈)\s*$", re.I)
_SPLIT_WORDS = {
    "train": re.compile(r"\btrain(?:ing)?\b", re.I),
    "test": re.compile(r"\btest(?:ing)?\b", re.I),
    "validation": re.compile(r"\b(?:validation|valid|val|dev|development)\b", re.I),
}
_SPLIT_NAMES = {"train": {"train", "training"}, "test": {"test", "testing"},
                "validation": {"validation", "valid", "val", "dev", "development"}}
_TOTAL_WORDS = re.compile(r"\b(?:total|overall|in all|altogether|all splits)\b", re.I)
_SCALES = {"k": 1_000, "thousand": 1_000, "m": 1_000_000, "million": 1_000_000}


@dataclass(frozen=True, slots=True)
class _Claim:
    phrase: str
    low: float
    high: float
    value: float
    noun: str


def _claims_in(sentence: str) -> Iterator[_Claim]:
    if _SENTENCE_BREAK.search(sentence):
        return
    for pattern in (_FORWARD, _REVERSE):
        for match in pattern.finditer(sentence):
            if pattern is _FORWARD and (
                any(word.lower() in _GAP_BREAKS for word in match.group("gap").split())
                or _AFTER_BREAK.match(sentence[match.end():])
            ):
                continue
            claim = _claim(match, sentence[max(0, match.start() - 25):match.start()])
            if claim is not None:
                yield claim


def _claim(match: re.Match[str], before: str) -> _Claim | None:
    written = match.group("number").replace(",", "")
    scale_word = (match.group("scale") or "").lower()
    scale = _SCALES.get(scale_word, 1)
    value = float(written) * scale
    if value < 1 or (scale == 1 and "." in written):
        return None
    decimals = len(written.split(".")[1]) if "." in written else 0
    slack = 0.0
    if scale > 1:  # "1.2k" is anything that rounds to it, and rounded figures are rough
        slack = max(0.5 * scale * 10 ** -decimals, 0.05 * value)
    low, high = value - slack, value + slack
    if match.group("plus") or _LOWER_BOUND.search(before):
        high = float("inf")
    elif _UPPER_BOUND.search(before):
        low = 0.0
    elif _APPROXIMATE.search(before):
        low, high = min(low, value * 0.9), max(high, value * 1.1)
    phrase = " ".join(match.group(0).split())
    return _Claim(phrase, low, high, value, match.group("noun").lower())


def _sentences(text: str) -> list[str]:
    return [part for part in re.split(r"(?<=[.!?。])\s+", text) if part.strip()]


def _count_texts(card: Card) -> Iterator[tuple[int, str]]:
    """Card lines that may state this dataset's size: prose and list items outside code,
    quotes, tables and sections about sources, evaluation or citations; plus the free-text
    YAML fields (dataset_info has rules of its own)."""
    for key in ("pretty_name", "description"):
        value = card.metadata.get(key) if card.metadata else None
        number = card.line_of(key)
        if isinstance(value, str) and number is not None:
            yield number, value
    for line in _body_lines(card):
        if line.kind in ("prose", "list", "heading") and not any(_SKIPPED_SECTIONS.search(t) for t in line.subsections):
            yield line.number, line.text


def _split_scope(sentence: str) -> str | None:
    """`None` for the whole dataset, a split name, or '' when the sentence is ambiguous."""
    if _TOTAL_WORDS.search(sentence):
        return None
    named = [split for split, pattern in _SPLIT_WORDS.items() if pattern.search(sentence)]
    if len(named) > 1:
        return ""
    return named[0] if named else None


def _fits(claim: _Claim, actual: int) -> bool:
    if claim.low <= actual <= claim.high:
        return True
    # A trace or sample count may count several generations per row.
    return claim.noun in _TRACE_NOUNS and actual > 0 and claim.value % actual == 0 and claim.value / actual <= 64


def _per_split(tables: tuple[TableSummary, ...]) -> str:
    parts = [f"{t.config}/{t.split}: {t.rows}" if len({x.config for x in tables}) > 1 else f"{t.split}: {t.rows}"
             for t in tables]
    return ", ".join(parts)


@dataset_check
def card_row_count(summary: DatasetSummary) -> Iterator[Hit]:
    """Row counts stated in the card's prose against the rows read, by split when the
    sentence names one; only when every row was read."""
    card = summary.card
    if card is None or summary.rows_total in (None, 0) or not summary.tables:
        return
    configs: dict[str, int] = {}
    for table in summary.tables:
        configs[table.config] = configs.get(table.config, 0) + table.rows
    totals = {*configs.values(), summary.rows_total or 0}
    seen: dict[str, int] = {}
    for number, text in _count_texts(card):
        for sentence in _sentences(text):
            hit = _row_count_hit(sentence, summary, totals)
            if hit is None:
                continue
            claim, scope, actual, splits = hit
            key = f"rows:{claim}:{scope}"
            seen[key] = seen.get(key, 0) + 1
            yield Hit({"claim": claim, "scope": f" in {scope}" if scope else "", "actual": actual, "splits": splits},
                      location=Location(card.path, line=number), key=f"{key}:{seen[key]}")
            break  # one finding per line


def _row_count_hit(sentence: str, summary: DatasetSummary, totals: set[int]) -> tuple[str, str, int, str] | None:
    for claim in _claims_in(sentence):
        scope = _split_scope(sentence)
        if scope == "":
            return None
        if scope is None:
            if not any(_fits(claim, total) for total in totals):
                return claim.phrase, "", summary.rows_total or 0, _per_split(summary.tables)
            continue
        tables = tuple(t for t in summary.tables if t.split.lower() in _SPLIT_NAMES[scope])
        if not tables:
            continue  # a split the data does not have: other rules report the layout
        if not any(_fits(claim, table.rows) for table in tables):
            return claim.phrase, tables[0].split, tables[0].rows, _per_split(summary.tables)
    return None


# ---------------------------------------------------------------------------------------------
# File names

_URL = re.compile(r"\b(?:https?|ftp|hf|s3|gs)://\S+|\bwww\.\S+")
_URL_LINK = re.compile(r"\[[^\]]*\]\(\s*(?:https?|ftp|hf|s3|gs)://[^)]*\)|<(?:https?|ftp)://[^>]*>")
_FILE_NAME = re.compile(
    r"(?<![\w./@:-])((?:[\w.-]+/)*[\w-][\w.-]*\.(?:jsonl|json|parquet|csv|arrow)(?:\.(?:gz|zst|bz2|xz))?)(?![\w/])",
    re.I)
_PLACEHOLDER = re.compile(r"^(?:path/to/|your|my[_-]|example|sample[_-]?file|foo|bar)", re.I)
_NOT_DATA = {"config.json", "tokenizer.json", "tokenizer_config.json", "generation_config.json",
             "special_tokens_map.json", "package.json", "adapter_config.json", "preprocessor_config.json",
             "vocab.json", "trainer_state.json", "added_tokens.json"}


def _exists(name: str, files: set[str]) -> bool:
    name = name.lstrip("./") if name.startswith("./") else name
    if "/" in name:
        return name in files or any(path.endswith("/" + name) for path in files)
    return any(PurePosixPath(path).name == name for path in files)


@dataset_check
def card_missing_file(summary: DatasetSummary) -> Iterator[Hit]:
    """Data file names in the card's prose, code spans and relative links that are not in
    the dataset folder. Links to other sites and code blocks are not read."""
    card = summary.card
    if card is None or summary.repository_files is None:
        return
    files = set(summary.repository_files)
    data_files = sorted({f for table in summary.tables for f in table.files})
    shown = ", ".join(data_files[:3]) + (", …" if len(data_files) > 3 else "") if data_files else "none"
    for line in _body_lines(card):
        if line.kind in ("code", "blank"):
            continue
        text = _URL.sub(" ", _URL_LINK.sub(" ", line.text))
        reported: set[str] = set()
        for match in _FILE_NAME.finditer(text):
            name = match.group(1)
            if (name in reported or _PLACEHOLDER.match(name) or name.lower() in _NOT_DATA
                    or ".." in name or _exists(name, files)):
                continue
            reported.add(name)
            yield Hit({"name": name, "files": shown}, location=Location(card.path, line=line.number),
                      key=f"file:{name}")


# ---------------------------------------------------------------------------------------------
# Column names

_FIELD_WORDS = re.compile(
    r"field|column|schema|structure|data format|record format|feature|attribute|\bkeys?\b"
    r"|字段|列|フィールド|構造|スキーマ|结构|格式", re.I)
_FIELD_INTRO = re.compile(r"(?:contains?|includes?|following|consists? of|has|with)\b[^:：]*[:：]\s*$", re.I)
_DEFINITION = re.compile(r"^(?:\*\*)?`(?P<name>[^`]+)`(?:\*\*)?\s*(?:[:：(—–-]|$)")
_CODE_SPAN = re.compile(r"`([^`]+)`")
_CODE_SPAN_LIST = re.compile(
    r"^(?:`[^`]+`\s*(?:\([^)]*\))?\s*,\s*)+(?:(?:and|or)\s+)?`[^`]+`\s*(?:\([^)]*\))?[.;]?\s*$")
_IDENTIFIER = re.compile(r"^[A-Za-z_][\w.-]{0,63}$")
_HEADER_FIELD = re.compile(r"^(?:field|column|key|feature|attribute)s?(?:\s+name)?$", re.I)
_HEADER_DETAIL = re.compile(r"^(?:d?type|description|meaning|content|format)s?$", re.I)
_FILE_SUFFIXES = {"ipynb", "py", "md", "txt", "json", "jsonl", "csv", "tsv", "parquet", "arrow", "yaml", "yml",
                  "zip", "gz", "tar", "png", "jpg", "pdf", "sh", "html", "toml"}
_MESSAGE_KEYS = {"role", "content", "from", "value", "system", "user", "assistant", "human", "gpt"}


def _field_name(raw: str) -> str | None:
    """The column a backticked name refers to (`metadata.format` is `metadata`); None for
    what is not an identifier (file names, tags, phrases)."""
    name = raw.strip().strip("*").strip()
    if not _IDENTIFIER.match(name) or name.rsplit(".", 1)[-1].lower() in _FILE_SUFFIXES:
        return None
    return name.split(".")[0]


def _field_list_candidates(lines: list[_Line], data_folders: frozenset[str] = frozenset()
                           ) -> Iterator[tuple[int, int, list[str]]]:
    """(block, line, names) for each list item or table row that describes fields: a
    top-level item opening with a backticked name, or a list of backticked names, in a
    section about fields or after an intro line that announces them; the first cells of a
    table whose header says Field (or Name beside Type or Description). A list after an
    intro line that names another folder (`model_outputs/`, none of `data_folders`)
    describes that folder's records, not the data (seen on realdata/marcodsn_altered_riddles)."""
    intro_is_fields = False
    elsewhere = False
    block_indent: int | None = None
    header_is_fields: bool | None = None
    block = 0
    for line in lines:
        in_field_section = any(_FIELD_WORDS.search(title) for title in line.sections)
        if line.kind == "table":
            cells = [cell.strip().strip("`* ") for cell in line.text.strip().strip("|").split("|")]
            if header_is_fields is None:
                block += 1
                header_is_fields = in_field_section and _is_field_header(cells)
            elif header_is_fields and not set(cells[0]) <= set("-: "):
                name = _field_name(cells[0])
                if name is not None:
                    yield block, line.number, [name]
            continue
        header_is_fields = None
        if line.kind == "blank":
            continue
        if line.kind != "list":
            stripped = line.text.strip()
            intro_is_fields = bool(_FIELD_INTRO.search(stripped)) or (
                len(stripped) < 80 and bool(_FIELD_WORDS.search(stripped)) and not stripped.endswith("."))
            elsewhere = any(span.endswith("/") and span.strip("/") not in data_folders
                            for span in _CODE_SPAN.findall(stripped))
            block_indent = None
            block += 1
            continue
        item = _LIST_ITEM.match(line.text)
        if item is None or elsewhere or not (intro_is_fields or in_field_section):
            continue
        indent = len(item.group(1).expandtabs(4))
        block_indent = indent if block_indent is None else min(block_indent, indent)
        if indent > block_indent:
            continue  # nested keys of a struct or a message list
        body = item.group(2).strip()
        if _CODE_SPAN_LIST.match(body):
            names = [_field_name(span) for span in _CODE_SPAN.findall(body)]
        else:
            definition = _DEFINITION.match(body)
            names = [_field_name(definition.group("name"))] if definition else []
        found = [name for name in names if name is not None]
        if found:
            yield block, line.number, found


def _is_field_header(cells: list[str]) -> bool:
    first = cells[0].lower()
    if first in ("name", "names"):
        return any(_HEADER_DETAIL.match(cell) for cell in cells[1:])
    return bool(_HEADER_FIELD.match(first))


@dataset_check
def card_missing_column(summary: DatasetSummary) -> Iterator[Hit]:
    """Backticked names in the card's lists and tables of fields that no table has as a
    column (compared ignoring case), one finding per list or table at its first such
    line; message keys and split/config names are left alone."""
    card = summary.card
    mapped = [table.mapping for table in summary.tables if table.mapping is not None and table.rows > 0]
    if card is None or not mapped:
        return
    columns: list[str] = []
    for mapping in mapped:
        columns.extend(column for column in mapping.columns if column not in columns)
    known = {column.lower() for column in columns} | _MESSAGE_KEYS
    known |= {table.split.lower() for table in summary.tables} | {table.config.lower() for table in summary.tables}
    shown = ", ".join(columns[:12]) + (", …" if len(columns) > 12 else "")
    blocks: dict[int, tuple[int, list[str]]] = {}
    folders = frozenset(part for table in summary.tables for path in table.files
                        for part in PurePosixPath(str(path)).parts[:-1])
    for block, number, names in _field_list_candidates(_body_lines(card), folders):
        missing = [name for name in names if name.lower() not in known]
        if missing:
            _, found = blocks.setdefault(block, (number, []))
            found.extend(name for name in missing if name not in found)
    for number, missing in blocks.values():
        yield Hit({"names": ", ".join(missing), "s": "s" if len(missing) > 1 else "", "columns": shown},
                  location=Location(card.path, line=number), key="columns:" + ",".join(missing))


# ---------------------------------------------------------------------------------------------
# File formats

_FORMAT_WORDS = re.compile(r"(?<![.\w])(JSONL|JSON[ -]Lines|Parquet|Arrow)(?![\w.])", re.I)
_CONVERSION = re.compile(r"convert|export|transform|変換|转换", re.I)
_FORMAT_OF_EXTENSION = {".jsonl": "JSONL", ".parquet": "Parquet", ".arrow": "Arrow", ".json": "JSON",
                        ".csv": "CSV", ".tsv": "CSV"}


@dataset_check
def card_other_format(summary: DatasetSummary) -> Iterator[Hit]:
    """A file format the card names (JSONL, Parquet, Arrow) that none of the data files
    has; reported once per format, at its first mention outside code blocks."""
    card = summary.card
    loaded = sorted({f for table in summary.tables for f in table.files})
    if card is None or not loaded:
        return
    formats = {_FORMAT_OF_EXTENSION.get(PurePosixPath(f.removesuffix(".gz")).suffix.lower(), "") for f in loaded}
    actual = ", ".join(sorted(f for f in formats if f))
    shown = ", ".join(loaded[:3]) + (", …" if len(loaded) > 3 else "")
    reported: set[str] = set()
    for line in _body_lines(card):
        if line.kind in ("code", "blank", "html") or _CONVERSION.search(line.text):
            continue
        words = {_format_key(word) for word in _FORMAT_WORDS.findall(_URL.sub(" ", line.text))}
        if words & formats:
            continue  # the line names the real format too ("Parquet and JSONL")
        for claimed in sorted(words - formats - reported):
            reported.add(claimed)
            yield Hit({"claimed": claimed, "actual": actual, "files": shown},
                      location=Location(card.path, line=line.number), key=f"format:{claimed}")


def _format_key(word: str) -> str:
    word = word.lower()
    return "JSONL" if word.startswith("json") else word.capitalize()
