"""Which files make which config and split: the card's `configs` when present, else the
file-name conventions of `datasets` itself (its own pattern functions are used, so the
answer is the one the Hub's viewer gets).

`datasets` takes two seconds to import, so it is imported here, lazily, and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reasonlint.source.card import Card
from reasonlint.source.containment import RefusedPath, refusal, relative_name
from reasonlint.source.formats import format_of

DEFAULT_CONFIG = "default"
DEFAULT_SPLIT = "train"
# The `datasets` loaders reasonlint reads, and the formats its readers use for them.
_READABLE_MODULES = {"json", "parquet", "csv", "arrow"}
# What `Dataset.save_to_disk` writes beside its Arrow files: metadata, not data the loader skips.
_SAVE_TO_DISK_FILES = {"dataset_info.json", "state.json"}


@dataclass(frozen=True, slots=True)
class DataTable:
    """One config/split: the files that make it, in load order."""

    config: str
    split: str
    files: tuple[Path, ...]


@dataclass(frozen=True, slots=True)
class Layout:
    tables: tuple[DataTable, ...]
    # Facts about the layout that rules report: configs matching no file, unread formats.
    problems: tuple[str, ...] = field(default_factory=tuple)
    # Data files left unread because they lead outside the dataset or are not regular files.
    refused: tuple[RefusedPath, ...] = field(default_factory=tuple)

    def contained(self, root: Path, boundary: Path) -> Layout:
        """This layout without the files that must not be opened, which move to `refused`."""
        refused = {path: reason for table in self.tables for path in table.files
                   if (reason := refusal(path, boundary)) is not None}
        if not refused:
            return self
        tables = tuple(DataTable(table.config, table.split, kept) for table in self.tables
                       if (kept := tuple(path for path in table.files if path not in refused)))
        named = tuple(RefusedPath(relative_name(path, root), reason) for path, reason in refused.items())
        return Layout(tables, self.problems, self.refused + named)


def single_file_layout(path: Path) -> Layout:
    """One file as the default train split; a file of no data format (a card named as the
    target) makes no table, so the run reports that nothing was read instead of passing."""
    if format_of(path) is None:
        hint = "; to check a card, name its folder" if path.suffix.lower() == ".md" else ""
        return Layout((), (f"{path.name}: reasonlint does not read it as data{hint}",))
    return Layout((DataTable(DEFAULT_CONFIG, DEFAULT_SPLIT, (path,)),))


def discover_layout(root: Path, card: Card | None) -> Layout:
    configs = card.metadata.get("configs") if card and card.metadata else None
    problems: list[str] = []
    tables: list[DataTable] = []
    if isinstance(configs, list) and configs:
        for index, config in enumerate(configs):
            tables.extend(_config_tables(root, config, index, problems))
        if not tables:
            tables = _convention_tables(root, problems)
            if tables:
                problems.append("no config of the card matches a file; read by file-name conventions instead")
    else:
        tables = _convention_tables(root, problems)
    return Layout(tuple(tables), tuple(problems))


def _config_tables(root: Path, config: Any, index: int, problems: list[str]) -> list[DataTable]:
    from datasets.data_files import sanitize_patterns

    if not isinstance(config, dict):
        problems.append(f"configs[{index}] is not a mapping")
        return []
    name = str(config.get("config_name", DEFAULT_CONFIG))
    base = root / str(config["data_dir"]) if config.get("data_dir") else root
    data_files = config.get("data_files")
    try:
        patterns = sanitize_patterns(data_files) if data_files is not None else _default_patterns(base)
    except (ValueError, TypeError) as error:
        problems.append(f"configs[{index}] ({name}): data_files is not valid: {str(error).strip().splitlines()[0]}")
        return []
    tables = []
    for split, split_patterns in patterns.items():
        files = _resolve(base, list(split_patterns), f"configs[{index}] ({name}) split {split}", problems)
        if files:
            tables.append(DataTable(name, str(split), files))
    return tables


def _default_patterns(base: Path) -> dict[str, list[str]]:
    from datasets.data_files import EmptyDatasetError, get_data_patterns

    try:
        return get_data_patterns(str(base))
    except EmptyDatasetError:
        return {}


def _convention_tables(root: Path, problems: list[str]) -> list[DataTable]:
    tables = []
    for split, split_patterns in _default_patterns(root).items():
        files = _resolve(root, list(split_patterns), f"split {split}", problems)
        if files:
            tables.append(DataTable(DEFAULT_CONFIG, str(split), files))
    return tables


def _resolve(base: Path, patterns: list[str], label: str, problems: list[str]) -> tuple[Path, ...]:
    """Resolve patterns the way `datasets` does, keep the files of the dominant format."""
    from datasets.data_files import DataFilesList
    from datasets.load import infer_module_for_data_files_list
    from datasets.packaged_modules import _ALL_ALLOWED_EXTENSIONS, _MODULE_TO_EXTENSIONS

    try:
        files = DataFilesList.from_patterns(patterns, base_path=str(base), allowed_extensions=_ALL_ALLOWED_EXTENSIONS)
    except FileNotFoundError:
        files = []
    if not files:
        problems.append(f"{label}: data_files {', '.join(map(repr, patterns))} match no file")
        return ()
    module, _ = infer_module_for_data_files_list(files)
    if module not in _READABLE_MODULES:
        loader = module or "unknown"
        problems.append(f"{label}: files are read by the {loader} loader, which reasonlint does not read")
        return ()
    kept = files.filter(extensions=_MODULE_TO_EXTENSIONS[module])
    skipped = sorted(path for path in set(files) - set(kept)
                     if format_of(Path(path)) is not None and Path(path).name not in _SAVE_TO_DISK_FILES)
    if skipped:
        names = ", ".join(_relative(base, Path(path)) for path in skipped[:5])
        problems.append(f"{label}: not loaded, as the {module} loader ignores them: {names}")
    return tuple(Path(path) for path in kept if format_of(Path(path)) is not None)


def _relative(base: Path, path: Path) -> str:
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return path.as_posix()
