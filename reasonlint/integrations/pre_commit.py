"""The pre-commit hooks' entry: `python -m reasonlint.integrations.pre_commit [check options] [FILES]`.

pre-commit passes the hook's `args` and then the matching file names; `reasonlint check`
takes one dataset. Rules such as duplicates look across files, so a data file is never
checked alone: each file stands for its dataset, the nearest folder above it (up to the
current directory, the repository root) holding a `README.md` card, else the repository
root. Each dataset is checked once, whole, with the given options, in concise form
(`path:line: CODE [severity] message`); the exit status is the worst of the checks.
With no file names (the manual full run) the repository root is checked.
`--families card,license,metadata` (first) keeps the default and profile rules of those
families only: `--select card` would also turn on the family's opt-in rules.

Hooks must work offline (pre-commit.ci gives them no network): the checks run with the
Hugging Face libraries in offline mode, and only local folders are ever checked.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from reasonlint.catalogue import builtin_catalogue
from reasonlint.source.card import CARD_NAME
from reasonlint.source.formats import FORMATS


def split_arguments(arguments: list[str]) -> tuple[list[str], list[str]]:
    """(check options, file names): the file names are the trailing arguments that name an
    existing card or data file, which no option value of `reasonlint check` does (`--config`
    takes a `.toml`)."""
    cut = len(arguments)
    while cut > 0 and _is_dataset_file(arguments[cut - 1]):
        cut -= 1
    return arguments[:cut], arguments[cut:]


def _is_dataset_file(argument: str) -> bool:
    path = Path(argument)
    return (not argument.startswith("-") and path.is_file()
            and (path.name == CARD_NAME or path.suffix.lower() in FORMATS))


def dataset_root(file: Path, top: Path) -> Path:
    """The nearest folder from `file` up to `top` that holds a card, else `top`."""
    folder = file.resolve().parent
    while folder != top and top in folder.parents:
        if (folder / CARD_NAME).is_file():
            return folder
        folder = folder.parent
    return top


def dataset_roots(files: list[str], top: Path) -> list[Path]:
    """Each dataset once, in the order its first file came."""
    return list(dict.fromkeys(dataset_root(Path(file), top) for file in files))


def only_families(options: list[str]) -> list[str]:
    """`--families A,B` as `--ignore` of every other built-in family."""
    if options[:1] != ["--families"] or len(options) < 2:
        return options
    kept = {family.strip() for family in options[1].split(",")}
    others = sorted({rule.family for rule in builtin_catalogue()} - kept)
    return [*(["--ignore", ",".join(others)] if others else []), *options[2:]]


def main(argv: list[str] | None = None) -> int:
    options, files = split_arguments(list(sys.argv[1:] if argv is None else argv))
    options = only_families(options)
    top = Path.cwd().resolve()
    roots = dataset_roots(files, top) if files else [top]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    if "--output-format" not in options and not any(o.startswith("--output-format=") for o in options):
        options = [*options, "--output-format", "concise"]
    worst = 0
    for root in roots:
        target = Path(os.path.relpath(root, top)).as_posix()
        status = subprocess.run([sys.executable, "-m", "reasonlint", "check", target, *options], env=env).returncode
        worst = max(worst, status)
    return worst


if __name__ == "__main__":
    sys.exit(main())
