"""Checks on the card's YAML front matter as the Hub reads it: key names, value shapes,
language codes, size buckets and the `dataset_info` block against the data actually read.

The Hub validates metadata on its own servers; these checks follow its published card
specification offline. Findings point at the card line to edit, and where the repair is
mechanical they carry a line edit that keeps the rest of the card byte for byte.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import ScalarString

from reasonlint.checks import dataset_check
from reasonlint.findings import Edit, Fix, Hit, Location
from reasonlint.source.card import Card
from reasonlint.summary import DatasetSummary, TableSummary

# Keys the Hub does not read, and the key it reads instead: plurals, singulars and
# hyphenated spellings seen on real cards. Wrong case of any known key is caught apart.
_MISSPELLED_KEYS = {
    "languages": "language",
    "licenses": "license",
    "license_names": "license_name",
    "license_url": "license_link",
    "license-name": "license_name",
    "license-link": "license_link",
    "tag": "tags",
    "task_category": "task_categories",
    "task-categories": "task_categories",
    "task_id": "task_ids",
    "task-ids": "task_ids",
    "size_category": "size_categories",
    "size-categories": "size_categories",
    "source_dataset": "source_datasets",
    "language_creator": "language_creators",
    "annotation_creators": "annotations_creators",
    "pretty-name": "pretty_name",
    "dataset_infos": "dataset_info",
    "config": "configs",
}
# The keys of the Hub's dataset card specification.
_HUB_KEYS = frozenset({
    "language", "license", "license_name", "license_link", "license_details", "tags", "annotations_creators",
    "language_creators", "language_details", "pretty_name", "size_categories", "source_datasets",
    "task_categories", "task_ids", "paperswithcode_id", "configs", "dataset_info", "extra_gated_fields",
    "extra_gated_prompt", "multilinguality", "viewer",
})
# Plain scalars that PyYAML (YAML 1.1, used by huggingface_hub and datasets) turns into booleans.
_YAML11_BOOLEANS = {
    **dict.fromkeys(("yes", "Yes", "YES", "on", "On", "ON"), True),
    **dict.fromkeys(("no", "No", "NO", "off", "Off", "OFF"), False),
}
# Language values the Hub accepts besides ISO 639 codes. `code`, which the old `datasets`
# tagging app offered, is not one: source code is not a language the Hub's filter knows.
_SPECIAL_LANGUAGES = frozenset({"multilingual"})
_TAG_WITH_SUBTAGS = re.compile(r"^([A-Za-z]{2,3})((?:[-_][A-Za-z0-9]{2,8})+)$")
# The Hub's size buckets, with the row counts each covers ([low, high)).
_SIZE_BUCKETS = (
    ("n<1K", 0, 10**3), ("1K<n<10K", 10**3, 10**4), ("10K<n<100K", 10**4, 10**5),
    ("100K<n<1M", 10**5, 10**6), ("1M<n<10M", 10**6, 10**7), ("10M<n<100M", 10**7, 10**8),
    ("100M<n<1B", 10**8, 10**9), ("1B<n<10B", 10**9, 10**10), ("10B<n<100B", 10**10, 10**11),
    ("100B<n<1T", 10**11, 10**12), ("n>1T", 10**12, None),
)
# Fields the specification gives as lists: a comma-separated string there is one value.
_LIST_FIELDS = (
    "language", "license", "tags", "task_categories", "task_ids", "size_categories", "language_details",
    "annotations_creators", "language_creators", "multilinguality", "source_datasets",
)


# --- reading the front matter -------------------------------------------------------------

def card_metadata(summary: DatasetSummary) -> tuple[Card, CommentedMap] | None:
    """The card and its parsed front matter, or None (missing or broken front matter is
    another rule's finding)."""
    card = summary.card
    if card is None or not isinstance(card.metadata, CommentedMap):
        return None
    return card, card.metadata


def card_line(card: Card, container: Any, key: str | int) -> int | None:
    """The 1-based card line where the value at `container[key]` starts."""
    position = _position(container, key)
    if position is None or card.front_matter_line is None:
        return None
    return card.front_matter_line + 1 + position[0]


def _position(container: Any, key: str | int) -> tuple[int, int] | None:
    """(0-based line within the front matter, column) of a value, as ruamel records it."""
    try:
        if isinstance(container, CommentedMap):
            line, column = container.lc.value(key)
        elif isinstance(container, CommentedSeq) and isinstance(key, int):
            line, column = container.lc.item(key)
        else:
            return None
    except (KeyError, IndexError, TypeError):
        return None
    if line is None or column is None:
        return None
    return int(line), int(column)


def _card_lines(card: Card) -> list[str]:
    return card.text.splitlines(keepends=True)


def _token_at(card: Card, container: Any, key: str | int) -> tuple[int, int, str] | None:
    """(card line, column, line text) of a value's first character."""
    line = card_line(card, container, key)
    position = _position(container, key)
    lines = _card_lines(card)
    if line is None or position is None or not 1 <= line <= len(lines):
        return None
    return line, position[1], lines[line - 1]


def replace_value(card: Card, container: Any, key: str | int, old: str, new: str) -> Edit | None:
    """A one-line edit putting `new` where the scalar `old` is written, or None when the
    value is not written as `old` on one line (quoted, folded, or moved)."""
    found = _token_at(card, container, key)
    if found is None:
        return None
    line, column, text = found
    if text[column:column + len(old)] != old:
        return None
    return Edit(card.path, line, line + 1, text[:column] + new + text[column + len(old):])


def _is_plain(card: Card, container: Any, key: str | int, value: Any) -> bool:
    """A plain (unquoted) scalar string: not a quoted ruamel scalar, and written as itself."""
    if not isinstance(value, str) or isinstance(value, ScalarString):
        return False
    found = _token_at(card, container, key)
    return found is None or found[2][found[1]:found[1] + len(value)] == value


def _scalars(node: Any, path: str) -> Iterator[tuple[Any, str | int, Any, str]]:
    """Every scalar under `node`: (container, key, value, dotted path)."""
    if isinstance(node, dict):
        for key, value in node.items():
            child = f"{path}.{key}" if path else str(key)
            if isinstance(value, dict | list):
                yield from _scalars(value, child)
            else:
                yield node, key, value, child
    elif isinstance(node, list):
        for index, value in enumerate(node):
            child = f"{path}[{index}]"
            if isinstance(value, dict | list):
                yield from _scalars(value, child)
            else:
                yield node, index, value, child


def _values(metadata: CommentedMap, key: str) -> list[tuple[Any, str | int, Any]]:
    """A field's values as (container, key, value): one for a scalar, one per list item."""
    value = metadata.get(key)
    if isinstance(value, list):
        return [(value, index, item) for index, item in enumerate(value)]
    if value is None:
        return []
    return [(metadata, key, value)]


def _closing_line(card: Card) -> int:
    """The card line of the closing `---` (new keys are inserted before it)."""
    return card.body_line - 1


def _append_item(card: Card, sequence: CommentedSeq, item: str) -> Edit | None:
    """An edit adding `- item` after the last item of a block sequence written one item a line."""
    if not sequence or sequence.fa.flow_style():
        return None
    found = _token_at(card, sequence, len(sequence) - 1)
    if found is None:
        return None
    line, column, text = found
    prefix = text[:column]
    if not prefix.rstrip().endswith("-") or text.rstrip("\r\n")[column:] != str(sequence[-1]):
        return None
    ending = text[len(text.rstrip("\r\n")):] or "\n"
    return Edit(card.path, line + 1, line + 1, prefix + item + ending)


# --- key names and value shapes -------------------------------------------------------------

@dataset_check
def misspelled_metadata_key(summary: DatasetSummary) -> Iterator[Hit]:
    """Top-level keys the Hub ignores because they are plural, singular or wrongly cased
    spellings of the key it reads."""
    found = card_metadata(summary)
    if found is None:
        return
    card, metadata = found
    for key in metadata:
        if not isinstance(key, str):
            continue
        expected = _MISSPELLED_KEYS.get(key.lower()) or (key.lower() if key.lower() in _HUB_KEYS else None)
        if expected is None or expected == key:
            continue
        line = card.line_of(key)
        fix = None
        if expected not in metadata and line is not None:
            text = _card_lines(card)[line - 1]
            if text.startswith(f"{key}:"):
                fix = Fix(f"rename '{key}' to '{expected}'",
                          (Edit(card.path, line, line + 1, expected + text[len(key):]),))
        yield Hit({"key": key, "expected": expected}, location=Location(card.path, line=line),
                  key=f"key:{key}", fix=fix)


@dataset_check
def unquoted_yaml_boolean(summary: DatasetSummary) -> Iterator[Hit]:
    """`no`, `yes`, `on`, `off` written plain: PyYAML reads them as booleans, so `language: - no`
    (Norwegian) reaches huggingface_hub and datasets as `False`."""
    found = card_metadata(summary)
    if found is None:
        return
    card, metadata = found
    for container, key, value, path in _scalars(metadata, ""):
        if not isinstance(value, str) or value not in _YAML11_BOOLEANS or not _is_plain(card, container, key, value):
            continue
        edit = replace_value(card, container, key, value, f"'{value}'")
        yield Hit({"path": path, "value": value, "boolean": str(_YAML11_BOOLEANS[value]).lower()},
                  location=Location(card.path, line=card_line(card, container, key)), key=f"bool:{path}",
                  fix=Fix(f"quote '{value}'", (edit,)) if edit else None)


@dataset_check
def metadata_value_not_a_list(summary: DatasetSummary) -> Iterator[Hit]:
    """A list field written as one comma-separated string: the Hub reads one value
    (`language: en, fr` is the single, invalid language 'en, fr')."""
    found = card_metadata(summary)
    if found is None:
        return
    card, metadata = found
    for field in _LIST_FIELDS:
        value = metadata.get(field)
        if not isinstance(value, str) or "," not in value:
            continue
        items = [item.strip() for item in value.split(",") if item.strip()]
        line = card_line(card, metadata, field)
        fix = None
        if line is not None and line == card.line_of(field):
            text = _card_lines(card)[line - 1]
            if text.rstrip("\r\n") == f"{field}: {value}":
                ending = text[len(text.rstrip("\r\n")):] or "\n"
                block = f"{field}:{ending}" + "".join(f"- {item}{ending}" for item in items)
                fix = Fix(f"write {field} as a list", (Edit(card.path, line, line + 1, block),))
        yield Hit({"field": field, "value": value, "count": len(items)}, location=Location(card.path, line=line),
                  key=f"list:{field}", fix=fix)


# --- language ----------------------------------------------------------------------------------

@cache
def _iso639_codes() -> frozenset[str]:
    """ISO 639-1, 639-2 (terminologic and bibliographic, collective codes included) and 639-3."""
    import pycountry

    codes: set[str] = set()
    for language in pycountry.languages:
        codes.update(getattr(language, attribute) for attribute in ("alpha_2", "alpha_3", "bibliographic")
                     if hasattr(language, attribute))
    codes.update(family.alpha_3 for family in pycountry.language_families)
    return frozenset(codes)


@cache
def _codes_by_name() -> dict[str, str]:
    """Language names (lowercase) to their shortest ISO 639 code."""
    import pycountry

    names: dict[str, str] = {}
    for language in pycountry.languages:
        code = getattr(language, "alpha_2", None) or language.alpha_3
        for attribute in ("name", "common_name"):
            name = getattr(language, attribute, None)
            if name:
                names.setdefault(name.lower(), code)
    return names


def _is_language(code: str) -> bool:
    return code in _iso639_codes() or code in _SPECIAL_LANGUAGES


def _subtagged(value: str) -> tuple[str, str] | None:
    """(ISO 639 base, BCP-47 tag) of a code with a region or script subtag, like `en-US` or `zh_CN`."""
    match = _TAG_WITH_SUBTAGS.match(value)
    if match is None or not _is_language(match.group(1).lower()):
        return None
    base = match.group(1).lower()
    return base, base + match.group(2).replace("_", "-")


@dataset_check
def empty_language(summary: DatasetSummary) -> Iterator[Hit]:
    """`language:` with nothing under it: the key is there, so someone meant to fill it."""
    found = card_metadata(summary)
    if found is None:
        return
    card, metadata = found
    if "language" in metadata and metadata["language"] in (None, "", []):
        shown = "[]" if metadata["language"] == [] else "empty"
        yield Hit({"value": shown}, location=Location(card.path, line=card.line_of("language")), key="language")


@dataset_check
def invalid_language_code(summary: DatasetSummary) -> Iterator[Hit]:
    """Language values that are not ISO 639 codes: names (`English`), wrong case (`EN`),
    made-up codes. Codes with a region (`en-US`) are another rule's."""
    found = card_metadata(summary)
    if found is None:
        return
    card, metadata = found
    for container, key, value in _values(metadata, "language"):
        if not isinstance(value, str) or not value or _is_language(value) or _subtagged(value):
            continue
        suggestion = value.lower() if _is_language(value.lower()) else _codes_by_name().get(value.strip().lower())
        hint = f" (did you mean '{suggestion}'?)" if suggestion else ""
        if value == "code":
            hint = " (source code is not a language: name the natural language, and the programming language in tags)"
        edit = replace_value(card, container, key, value, suggestion) if suggestion else None
        yield Hit({"value": value, "hint": hint}, location=Location(card.path, line=card_line(card, container, key)),
                  key=f"language:{value}", fix=Fix(f"write '{suggestion}'", (edit,)) if edit else None)


@dataset_check
def language_code_with_region(summary: DatasetSummary) -> Iterator[Hit]:
    """`en-US` or `zh_CN` under `language`: the Hub reads ISO 639 codes there and keeps
    BCP-47 tags in `language_details`."""
    found = card_metadata(summary)
    if found is None:
        return
    card, metadata = found
    entries = [(container, key, value, tagged) for container, key, value in _values(metadata, "language")
               if isinstance(value, str) and not _is_language(value) and (tagged := _subtagged(value))]
    plain = {value for _, _, value in _values(metadata, "language") if isinstance(value, str) and _is_language(value)}
    details = metadata.get("language_details")
    for container, key, value, (base, tag) in entries:
        fix = None
        # Only when unambiguous: the base is not listed already, and language_details is absent
        # (and this is the only tag to move) or a block list that lacks the tag.
        if base not in plain:
            replaced = replace_value(card, container, key, value, base)
            added: Edit | None = None
            if details is None and len(entries) == 1:
                line = _closing_line(card)
                added = Edit(card.path, line, line, f"language_details:\n- {tag}\n")
            elif isinstance(details, CommentedSeq) and tag not in details:
                added = _append_item(card, details, tag)
            if replaced and added:
                fix = Fix(f"write '{base}' and add '{tag}' to language_details", (replaced, added))
        yield Hit({"value": value, "base": base, "tag": tag},
                  location=Location(card.path, line=card_line(card, container, key)), key=f"region:{value}", fix=fix)


# --- size ----------------------------------------------------------------------------------------

def _buckets_for(rows: int) -> set[str]:
    """The bucket of a row count; a count exactly on a boundary fits both neighbours."""
    fitting = set()
    for name, low, high in _SIZE_BUCKETS:
        if low <= rows and (high is None or rows < high):
            fitting.add(name)
        if high == rows:
            fitting.add(name)
    return fitting


def _bucket(rows: int) -> str:
    return next(name for name, low, high in _SIZE_BUCKETS if low <= rows and (high is None or rows < high))


def _comparable_row_counts(summary: DatasetSummary) -> list[int]:
    """Row counts the card's size_categories may describe (all configs together, or the
    largest config), or [] when what was read is not all of the card's data."""
    found = card_metadata(summary)
    if found is None or not summary.tables or summary.layout_problems or summary.rows_total is None:
        return []
    per_config: dict[str, int] = {}
    for table in summary.tables:
        per_config[table.config] = per_config.get(table.config, 0) + table.rows
    declared = {name for name, _, _ in _dataset_info_entries(found[1])}
    if declared - set(per_config) or summary.rows_total == 0:
        return []
    return sorted({summary.rows_total, max(per_config.values())})


@dataset_check
def invalid_size_category(summary: DatasetSummary) -> Iterator[Hit]:
    """Values outside the Hub's buckets (`unknown`, `5K`), which its size filter does not list."""
    found = card_metadata(summary)
    if found is None:
        return
    card, metadata = found
    counts = _comparable_row_counts(summary)
    buckets = {name for name, _, _ in _SIZE_BUCKETS}
    for container, key, value in _values(metadata, "size_categories"):
        if not isinstance(value, str) or value in buckets:
            continue
        suggestion = next((name for name in buckets if name.lower() == value.lower()), None)
        if suggestion is None and len(counts) == 1:
            suggestion = _bucket(counts[0])
        hint = f" (did you mean '{suggestion}'?)" if suggestion else ""
        edit = replace_value(card, container, key, value, suggestion) if suggestion else None
        yield Hit({"value": value, "hint": hint}, location=Location(card.path, line=card_line(card, container, key)),
                  key=f"size:{value}", fix=Fix(f"write '{suggestion}'", (edit,)) if edit else None)


@dataset_check
def wrong_size_category(summary: DatasetSummary) -> Iterator[Hit]:
    """A valid bucket that is not the bucket of the rows read (compared only when every file
    the card describes was read)."""
    found = card_metadata(summary)
    counts = _comparable_row_counts(summary)
    if found is None or not counts:
        return
    card, metadata = found
    entries = _values(metadata, "size_categories")
    declared = [value for _, _, value in entries]
    buckets = {name for name, _, _ in _SIZE_BUCKETS}
    if not declared or not all(isinstance(value, str) and value in buckets for value in declared):
        return
    fitting = set().union(*(_buckets_for(count) for count in counts))
    if fitting & set(declared):
        return
    rows = summary.rows_total or counts[-1]
    bucket = _bucket(rows)
    container, key, value = entries[0]
    edit = replace_value(card, container, key, value, bucket) if len(entries) == 1 else None
    yield Hit({"declared": ", ".join(declared), "rows": rows, "bucket": bucket},
              location=Location(card.path, line=card_line(card, container, key)), key="size_categories",
              fix=Fix(f"write '{bucket}'", (edit,)) if edit else None)


# --- dataset_info against the data ---------------------------------------------------------------

def _dataset_info_entries(metadata: CommentedMap) -> list[tuple[str, Any, tuple[str | int, ...]]]:
    """(config name, entry, path from the top) of each `dataset_info` block: one mapping, or
    a list of mappings each naming its `config_name`."""
    info = metadata.get("dataset_info")
    if isinstance(info, dict):
        return [(str(info.get("config_name") or "default"), info, ("dataset_info",))]
    if isinstance(info, list):
        return [(str(entry.get("config_name") or "default"), entry, ("dataset_info", index))
                for index, entry in enumerate(info) if isinstance(entry, dict)]
    return []


def _tables_by_config(summary: DatasetSummary) -> dict[str, dict[str, TableSummary]]:
    tables: dict[str, dict[str, TableSummary]] = {}
    for table in summary.tables:
        tables.setdefault(table.config, {})[table.split] = table
    return tables


@dataset_check
def dataset_info_num_examples_mismatch(summary: DatasetSummary) -> Iterator[Hit]:
    """`dataset_info` split sizes that differ from the rows read for that config and split."""
    found = card_metadata(summary)
    if found is None or not summary.complete:
        return
    card, metadata = found
    tables = _tables_by_config(summary)
    for config, entry, _path in _dataset_info_entries(metadata):
        splits = entry.get("splits")
        if not isinstance(splits, list) or config not in tables:
            continue
        for split_entry in splits:
            if not isinstance(split_entry, dict):
                continue
            table = tables[config].get(str(split_entry.get("name")))
            declared = split_entry.get("num_examples")
            if table is None or not isinstance(declared, int) or isinstance(declared, bool) or declared == table.rows:
                continue
            edit = replace_value(card, split_entry, "num_examples", str(declared), str(table.rows))
            yield Hit({"config": config, "split": table.split, "declared": declared, "rows": table.rows},
                      location=Location(card.path, line=card_line(card, split_entry, "num_examples"),
                                        split=table.split, config=config),
                      key=f"num_examples:{config}/{table.split}",
                      fix=Fix(f"set num_examples to {table.rows}", (edit,)) if edit else None)


def _feature_lines(card: Card, features: Any) -> list[tuple[str, int | None]]:
    """(name, card line of its `name:`) of each top-level feature, in the list form or the
    older mapping form."""
    if isinstance(features, list):
        return [(str(feature["name"]), card_line(card, feature, "name")) for feature in features
                if isinstance(feature, dict) and "name" in feature]
    if isinstance(features, CommentedMap):
        return [(str(name), card.front_matter_line + 1 + features.lc.key(name)[0]
                 if card.front_matter_line is not None else None) for name in features]
    return []


@dataset_check
def dataset_info_features_mismatch(summary: DatasetSummary) -> Iterator[Hit]:
    """`dataset_info.features` naming columns the data lacks, or missing columns it has."""
    found = card_metadata(summary)
    if found is None:
        return
    card, metadata = found
    tables = _tables_by_config(summary)
    for config, entry, path in _dataset_info_entries(metadata):
        features = _feature_lines(card, entry.get("features"))
        columns: list[str] = []
        for table in tables.get(config, {}).values():
            if table.rows and table.mapping is not None:
                columns.extend(column for column in table.mapping.columns if column not in columns)
        if not features or not columns:
            continue
        for name, line in features:
            if name not in columns:
                yield Hit({"config": config, "detail": f"feature '{name}' is not a column of the data"},
                          location=Location(card.path, line=line, config=config), key=f"feature:{config}/{name}")
        names = {name for name, _ in features}
        missing = [column for column in columns if column not in names]
        if missing:
            yield Hit({"config": config, "detail": f"columns not in features: {', '.join(missing)}"},
                      location=Location(card.path, line=card.line_of(*path, "features"), config=config),
                      key=f"columns:{config}")


# --- competition -------------------------------------------------------------------------------

@dataset_check
def missing_competition_tag(summary: DatasetSummary, *, tag: str) -> Iterator[Hit]:
    """The Reasoning Datasets Competition finds entries by their tag."""
    found = card_metadata(summary)
    if found is None:
        return
    card, metadata = found
    tags = metadata.get("tags")
    values = tags if isinstance(tags, list) else [tags] if isinstance(tags, str) else []
    if tag in values:
        return
    edit: Edit | None = None
    line = card.line_of("tags")
    if "tags" not in metadata:
        closing = _closing_line(card)
        edit = Edit(card.path, closing, closing, f"tags:\n- {tag}\n")
        line = card.front_matter_line
    elif isinstance(tags, CommentedSeq) and tags:
        edit = _append_item(card, tags, tag)
    elif line is not None and _card_lines(card)[line - 1].rstrip() in ("tags:", "tags: []"):
        edit = Edit(card.path, line, line + 1, f"tags:\n- {tag}\n")
    yield Hit({"tag": tag}, location=Location(card.path, line=line), key="tag",
              fix=Fix(f"add the tag '{tag}'", (edit,)) if edit else None)
