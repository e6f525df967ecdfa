"""The command line: parse options, load settings, run the engine, hand the report to a reporter.

Heavy modules (the engine, pyarrow, `datasets`) are imported inside `check` only, so
`reasonlint rule` answers instantly.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from reasonlint import __version__
from reasonlint.catalogue import Catalogue, CatalogueError, RuleSpec, builtin_catalogue, builtin_presets
from reasonlint.config import ConfigError, Settings, extend_catalogue, find_config_file, load_settings
from reasonlint.findings import Severity
from reasonlint.fix import FixError, FixPlan, fix_card
from reasonlint.report import REPORTER_MODULES
from reasonlint.source.card import CARD_NAME

if TYPE_CHECKING:
    from reasonlint.source.target import Target
    from reasonlint.summary import RunReport

_SEVERITIES = [severity.value for severity in Severity]


def _codes(values: tuple[str, ...]) -> list[str]:
    return [code.strip() for value in values for code in value.split(",") if code.strip()]


def _fail(message: str) -> None:
    click.echo(f"reasonlint: error: {message}", err=True)
    sys.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="reasonlint")
def main() -> None:
    """A linter for reasoning datasets: cards, traces, answers, duplicates, contamination."""


def _apply(options: list[Callable[[Any], Any]]) -> Callable[[Any], Any]:
    """Decorate a command with a list of options (in the order `--help` shows them)."""
    def decorate(command: Any) -> Any:
        for option in reversed(options):
            command = option(command)
        return command
    return decorate


# What a run is told: shared by `check`, `merge` and `explain-score`, so the three agree on
# the rules and settings of one run.
_RUN_OPTIONS = [
    click.option("--profile", help="Rule set: `default` (what every published dataset needs) or "
                                    "`competition` (also the Reasoning Datasets Competition's requirements)."),
    click.option("--select", multiple=True, help="Rules to run: codes, prefixes, names or families (comma-separated)."),
    click.option("--extend-select", multiple=True, help="Rules to run in addition to the selection."),
    click.option("--ignore", multiple=True, help="Rules not to run."),
    click.option("--column", "columns", multiple=True, metavar="ROLE=COLUMN",
                  help="Map a column by hand: prompt, trace, response, answer, reference or messages."),
    click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                  help="Settings file (default: reasonlint.toml or pyproject.toml in the dataset folder, then here)."),
    click.option("--sample", type=click.IntRange(min=1), help="Check a seeded sample of N rows, spread over splits."),
    click.option("--max-rows", type=click.IntRange(min=1), help="Read at most N rows, in file order."),
    click.option("--seed", type=int, help="Seed for sampling (default 0)."),
    click.option("--jobs", type=click.IntRange(min=1), help="Worker processes (default: all cores)."),
    click.option("--executor", type=click.Choice(["local", "ray"]),
                  help="Where the pass runs: local processes (default), or a Ray cluster (needs the `ray` extra; "
                       "rules that need the model run in actors on its GPU workers)."),
    click.option("--ray-address", metavar="ADDRESS",
                  help="With --executor ray: the cluster to join (e.g. auto, or host:6379); default: a local Ray "
                       "instance with --jobs CPUs."),
    click.option("--benchmarks", multiple=True,
                  help="Benchmark indexes for the contamination rules: shipped names or index files built with "
                       "`reasonlint fingerprints build` (comma-separated; default: every shipped one)."),
    click.option("--since", metavar="REF",
                  help="In a git checkout: check only the rows added or changed since the revision REF "
                       "(dataset-level rules still see every file)."),
    click.option("--model", help="Perplexity rules: the language model, a Hub id, a local folder or a GGUF file "
                                   "(default: the small CPU model the rules name)."),
    click.option("--device", type=click.Choice(["auto", "cpu", "cuda", "mps"]),
                  help="Perplexity rules: where the model runs (default auto: a GPU when there is one)."),
    click.option("--dtype", type=click.Choice(["auto", "float32", "bfloat16", "float16"]),
                  help="Perplexity rules: the model's number type (default auto: bfloat16 on CUDA, else float32)."),
    click.option("--max-tokens", type=click.IntRange(min=16), help="Perplexity rules: tokens scored per row; "
                  "longer rows are reported as truncated for scoring."),
    click.option("--batch-tokens", type=click.IntRange(min=16), help="Perplexity rules: tokens per forward pass."),
    click.option("--no-cache", is_flag=True, help="Neither read nor write the cache of results of unchanged files."),
    click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path),
                  help="Baseline file to apply or write (default: .reasonlint-baseline.json in the dataset folder)."),
    click.option("--no-baseline", is_flag=True, help="Report every finding, also those in the baseline."),
]
_OUTPUT_OPTIONS = [
    click.option("--output-format", type=click.Choice(REPORTER_MODULES), default="full", show_default=True),
    click.option("--output-file", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here."),
    click.option("--statistics", is_flag=True, help="Print how many findings each rule produced."),
    click.option("--fail-level", type=click.Choice(_SEVERITIES),
                  help="Exit 1 on findings at or above this (default warning)."),
    click.option("--exit-zero", is_flag=True, help="Exit 0 even with findings (2 still means could not check)."),
]


@main.command()
@click.argument("target")
@_apply(_RUN_OPTIONS)
@_apply(_OUTPUT_OPTIONS)
@click.option("--add-baseline", is_flag=True,
              help="Record every current finding in the dataset folder's .reasonlint-baseline.json (or --baseline "
                   "PATH); later runs report only findings not in it.")
@click.option("--fix", "apply_fixes", is_flag=True,
              help="Apply the findings' fixes to the card (never to data), then report what remains.")
@click.option("--diff", "show_diff", is_flag=True,
              help="Print the fixes as a unified diff and change nothing (exit 1 if there is something to fix).")
@click.option("--shard", metavar="I/N", help="Check only the I-th of N parts of every data file and write the "
              "part's result to --output-file, for `reasonlint merge` (one machine or GPU per shard).")
def check(target: str, config_path: Path | None, output_format: str, output_file: Path | None,
          statistics: bool, exit_zero: bool, apply_fixes: bool, show_diff: bool, add_baseline: bool,
          shard: str | None, **options: Any) -> None:
    """Check TARGET: a dataset folder, a data file, or a Hub dataset `user/name[@revision]`."""
    from reasonlint.engine import ShardError, run
    from reasonlint.source.target import TargetError

    try:
        if (apply_fixes or show_diff) and not Path(target).exists():  # a Hub id: never downloaded for this
            _fail(f"--fix and --diff change local files only, and {target} is not a local folder or file")
        if add_baseline and (apply_fixes or show_diff or not Path(target).is_dir()):
            _fail(f"--add-baseline writes into a local dataset folder, and {target} is not one"
                  if not Path(target).is_dir() else "--add-baseline cannot be combined with --fix or --diff")
        if shard is not None and (output_file is None or apply_fixes or show_diff or add_baseline):
            _fail("--shard writes the part's result to --output-file (and cannot be combined with --fix, "
                  "--diff or --add-baseline)")
        resolved, settings, catalogue = _load(target, config_path, options)
        if shard is not None and settings.executor == "ray":
            _fail("--shard splits a run for schedulers without Ray: with --executor ray, leave it out")
        if shard is not None:
            assert output_file is not None
            _write_shard(resolved, catalogue, settings, shard, output_file)
        report = (_add_baseline(resolved, catalogue, settings) if add_baseline
                  else run(resolved, catalogue, settings, progress=_progress_bar()))
        if show_diff or apply_fixes:
            outcome = fix_card(resolved.root, report.findings, CARD_NAME, write=apply_fixes)
            if show_diff:
                sys.stdout.write(outcome.diff)
                _echo_fix_counts(outcome.plan, "would fix", len(outcome.changed) > 0)
                sys.exit(1 if outcome.changed else 0)
            if outcome.changed:
                report = run(resolved, catalogue, settings, progress=_progress_bar())
            _echo_fix_counts(outcome.plan, "fixed", len(outcome.changed) > 0)
    except (TargetError, ConfigError, CatalogueError, FixError, ShardError, OSError) as error:
        _fail(str(error))  # OSError: a card or output file that cannot be written
        return
    _render_and_exit(report, settings, output_format, output_file, statistics, exit_zero)


@main.command()
@click.argument("target")
@click.argument("shards", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_apply(_RUN_OPTIONS)
@_apply(_OUTPUT_OPTIONS)
def merge(target: str, shards: tuple[Path, ...], config_path: Path | None, output_format: str,
          output_file: Path | None, statistics: bool, exit_zero: bool, **options: Any) -> None:
    """Join the results of `check TARGET --shard I/N --output-file PART` (every I of one N,
    made with the same options as this command) into the report of the whole dataset."""
    from reasonlint.engine import ShardError, merge_shards
    from reasonlint.source.target import TargetError

    try:
        resolved, settings, catalogue = _load(target, config_path, options)
        report = merge_shards(resolved, catalogue, settings, [_read_shard(path) for path in shards])
    except (TargetError, ConfigError, CatalogueError, ShardError, OSError) as error:
        _fail(str(error))
        return
    _render_and_exit(report, settings, output_format, output_file, statistics, exit_zero)


@main.command("filter")
@click.argument("source")
@click.argument("destination", type=click.Path(file_okay=False, path_type=Path))
@_apply(_RUN_OPTIONS)
@click.option("--drop", multiple=True,
              help="Rules whose row findings remove the row: codes, prefixes, names or families (comma-separated; "
                   "default: trace, answer, dedup, contamination). Duplicates apply by cluster, whatever their "
                   "level: DUP001 keeps the first of each exact duplicate row, DUP007 removes from train the "
                   "prompts an evaluation split holds.")
@click.option("--drop-level", type=click.Choice(_SEVERITIES),
              help="Least severity of a finding that removes its row (default error).")
def filter_command(source: str, destination: Path, config_path: Path | None, drop: tuple[str, ...],
                   drop_level: str | None, **options: Any) -> None:
    """Write a cleaned copy of SOURCE to DESTINATION (a new folder): the rows the selected rules
    report removed, every other byte kept, and `.reasonlint/removed.jsonl` listing each removed
    row and why. SOURCE is never changed."""
    from reasonlint.engine import run
    from reasonlint.filter import RECORD_NAME, FilterError, check_destination, write_filtered
    from reasonlint.source.target import TargetError

    try:
        resolved, settings, catalogue = _load(source, config_path, options)
        if settings.sample or settings.max_rows or settings.since:
            _fail("filter checks every row: --sample, --max-rows and --since would keep rows never checked")
        updates = {key: value for key, value in (("drop", _codes(drop)), ("drop_level", drop_level)) if value}
        if updates:
            settings = settings.model_copy(update={"filter": settings.filter.model_copy(update=updates)})
        check_destination(resolved.root if resolved.file is None else resolved.file.parent, destination)
        report = run(resolved, catalogue, settings, progress=_progress_bar())
        if report.errors:
            for problem in report.errors:
                click.echo(f"reasonlint: could not check: {problem}", err=True)
            click.echo("reasonlint: nothing written: a copy of rows that were not all checked is not clean", err=True)
            sys.exit(2)
        if not any(table.rows for table in report.tables):
            _fail(f"{source}: no rows read, so nothing to filter (nothing written)")
        for table in report.tables:
            if table.mapping is not None and not table.mapping.has_output:
                click.echo(f"reasonlint: {table.config}/{table.split}: no output column mapped: the trace and "
                           f"answer rules read nothing there (set one with --column)", err=True)
        result = write_filtered(report, catalogue, settings.filter, destination)
    except (TargetError, ConfigError, CatalogueError, FilterError, OSError) as error:
        _fail(str(error))
        return
    removed = result.rows_read - result.rows_kept
    by_rule = ", ".join(f"{code} {count:,}" for code, count in sorted(result.by_rule.items())) or "none"
    click.echo(f"{_display(destination)}: kept {result.rows_kept:,} of {result.rows_read:,} rows, removed "
               f"{removed:,} ({by_rule}); dropping {', '.join(settings.filter.drop)} at "
               f"{settings.filter.drop_level.value} or above; record: {_display(destination / RECORD_NAME)}")
    sys.exit(0)


@main.command("explain-score")
@click.argument("target")
@_apply(_RUN_OPTIONS)
def explain_score(target: str, config_path: Path | None, **options: Any) -> None:
    """Check TARGET and explain its Approach, Domain and Quality scores: every signal that
    raised them and every rule whose findings lowered them, with the weights."""
    from reasonlint.engine import run
    from reasonlint.score.explain import explain
    from reasonlint.source.target import TargetError

    try:
        resolved, settings, catalogue = _load(target, config_path, options)
        report = run(resolved, catalogue, settings, progress=_progress_bar())
    except (TargetError, ConfigError, CatalogueError, OSError) as error:
        _fail(str(error))
        return
    if report.scores is not None:
        click.echo(explain(report.scores))
    for problem in report.errors:
        click.echo(f"reasonlint: could not check: {problem}", err=True)
    sys.exit(2 if report.errors else 0)


def _load(target: str, config_path: Path | None, options: dict[str, Any]) -> tuple[Target, Settings, Catalogue]:
    """The target, the settings (file, then command line) and the catalogue with the user's rules."""
    from reasonlint.source.target import resolve_target

    overrides = _overrides(options)
    resolved = resolve_target(target)
    path = config_path or find_config_file(resolved.root, Path.cwd())
    settings = load_settings(path, overrides)
    catalogue = extend_catalogue(builtin_catalogue(), settings, path.parent if path else Path.cwd())
    return resolved, settings, catalogue


def _render_and_exit(report: RunReport, settings: Settings, output_format: str, output_file: Path | None,
                     statistics: bool, exit_zero: bool) -> None:
    from reasonlint.report import reporter
    from reasonlint.report.statistics import render_statistics

    with ExitStack() as stack:
        out = stack.enter_context(output_file.open("w", encoding="utf-8")) if output_file else sys.stdout
        if statistics:
            render_statistics(report, out, as_json=output_format in ("json", "jsonl"))
        else:
            reporter(output_format).render(report, out)
    for problem in report.errors:
        click.echo(f"reasonlint: could not check: {problem}", err=True)
    sys.exit(report.exit_code(settings.fail_level, exit_zero))


# A shard file is reasonlint's own pickle of a part's results: merge only files you made.
_SHARD_MAGIC = b"reasonlint-shard\n"


def _write_shard(target: Target, catalogue: Catalogue, settings: Settings, shard: str, output: Path) -> None:
    """Run one shard, write its result to `output`, say so, and exit (2 if rows were unreadable)."""
    import pickle

    from reasonlint.engine import Shard, run_shard

    part = run_shard(target, catalogue, settings, Shard.parse(shard), progress=_progress_bar())
    output.write_bytes(_SHARD_MAGIC + pickle.dumps(part, protocol=pickle.HIGHEST_PROTOCOL))
    rows = sum(result.rows for result in part.results)
    click.echo(f"shard {part.shard}: {rows:,} rows read, wrote {_display(output)}", err=True)
    errors = [error for result in part.results for error in result.errors]
    for problem in errors:
        click.echo(f"reasonlint: could not check: {problem}", err=True)
    sys.exit(2 if errors else 0)


def _read_shard(path: Path) -> Any:
    import pickle

    from reasonlint.engine import ShardError, ShardResult

    data = path.read_bytes()
    if not data.startswith(_SHARD_MAGIC):
        raise ShardError(f"{path}: not a shard file written by `reasonlint check --shard`")
    try:
        part = pickle.loads(data[len(_SHARD_MAGIC):])
    except Exception as error:  # noqa: BLE001 - a truncated or foreign file, whatever pickle says
        raise ShardError(f"{path}: unreadable shard file ({error})") from None
    if not isinstance(part, ShardResult):
        raise ShardError(f"{path}: not a shard file written by `reasonlint check --shard`")
    return part


def _add_baseline(target: Target, catalogue: Catalogue, settings: Settings) -> RunReport:
    """Run without the baseline and record every finding in it; exit 0. A run that could not
    read everything writes nothing and returns its report (exit 2 with the reasons)."""
    from reasonlint.baseline import baseline_to_write, write_baseline
    from reasonlint.engine import run

    destination = baseline_to_write(target, settings)
    report = run(target, catalogue, settings.model_copy(update={"use_baseline": False}), progress=_progress_bar())
    if report.errors:
        return report
    count = write_baseline(destination, report.findings)
    click.echo(f"wrote {count} entr{'y' if count == 1 else 'ies'} to {_display(destination)}", err=True)
    sys.exit(0)


def _display(path: Path) -> str:
    """A path as the user would type it: relative to the working folder when inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def _echo_fix_counts(plan: FixPlan, verb: str, changed: bool) -> None:
    """`fixed N findings` on stderr, with what was skipped or refused and why."""
    notes = []
    if plan.skipped:
        notes.append(f"{plan.skipped} skipped as they overlap another fix (run --fix again)")
    if plan.refused:
        notes.append(f"{plan.refused} refused as they edit a file other than the card")
    suffix = f" ({'; '.join(notes)})" if notes else ""
    count = plan.fixed if changed else 0
    click.echo(f"{verb} {count} finding{'' if count == 1 else 's'}{suffix}", err=True)


def _overrides(options: dict[str, Any]) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    for key in ("select", "extend_select", "ignore", "benchmarks"):
        if options[key]:
            overrides[key] = _codes(options[key])
    columns = {}
    for item in options["columns"]:
        role, separator, column = item.partition("=")
        if not separator or not column:
            _fail(f"--column {item!r}: expected ROLE=COLUMN")
        columns[role.strip()] = column.strip()
    if columns:
        overrides["columns"] = columns
    for key in ("profile", "fail_level", "sample", "max_rows", "seed", "jobs", "executor", "ray_address", "since",
                "model", "device", "dtype", "max_tokens", "batch_tokens"):
        if options.get(key) is not None:
            overrides[key] = options[key]
    if options["no_cache"]:
        overrides["cache"] = False
    if options["baseline"] is not None:
        overrides["baseline"] = str(options["baseline"].resolve())
    if options["no_baseline"]:
        overrides["use_baseline"] = False
    return overrides


def _progress_bar() -> Any:
    """A rich progress bar on stderr, or None when stderr is not a terminal."""
    from rich.console import Console

    console = Console(stderr=True)
    if not console.is_terminal:
        return None
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    def start(total: int) -> Any:
        progress = Progress("checking", BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                            console=console, transient=True)
        progress.start()
        task = progress.add_task("rows", total=total)

        def advance(amount: int) -> None:
            progress.advance(task, amount)
            if progress.finished:
                progress.stop()

        return advance

    return start


@main.command()
@click.argument("code", required=False)
@click.option("--all", "show_all", is_flag=True, help="Every rule.")
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rule(code: str | None, show_all: bool, output_format: str) -> None:
    """Explain a rule: what it checks, why it matters, an example, how to fix."""
    catalogue = builtin_catalogue()
    if show_all or code is None:
        rules = list(catalogue)
    else:
        found = catalogue.get(code)
        if found is None:
            _fail(f"{code!r} is not a rule code or name (see `reasonlint rule --all`)")
            return
        rules = [found]
    profiles = _profiles_turning_on(catalogue)
    if output_format == "json":
        payload = [{**_rule_dict(spec), "profiles": profiles.get(spec.code, [])} for spec in rules]
        click.echo(json.dumps(payload if show_all or code is None else payload[0], indent=2))
        return
    click.echo("\n\n".join(_rule_text(spec, profiles.get(spec.code, [])) for spec in rules))


def _profiles_turning_on(catalogue: Catalogue) -> dict[str, list[str]]:
    """Rule code -> the profiles whose preset selects it (what makes an opt-in rule run)."""
    turned_on: dict[str, list[str]] = {}
    for name, preset in builtin_presets().items():
        for selector in preset.extend_select:
            for spec in catalogue.matching(selector):
                turned_on.setdefault(spec.code, []).append(name)
    return turned_on


def _rule_dict(spec: RuleSpec) -> dict[str, Any]:
    return spec.model_dump(mode="json", exclude={"source"})


def _rule_text(spec: RuleSpec, profiles: list[str]) -> str:
    docs = spec.docs
    status = "" if spec.default else ", opt-in" + "".join(f"; on in profile {name}" for name in profiles)
    lines = [
        f"{spec.code} {spec.name} ({spec.family}, {spec.severity.value}, {spec.dimension}{status})",
        "",
        f"What: {docs.what}",
        f"Why: {docs.why}",
        "",
        "Fails:",
        *(f"    {line}" for line in docs.bad.rstrip().splitlines()),
        "Passes:",
        *(f"    {line}" for line in docs.good.rstrip().splitlines()),
        "",
        f"Fix: {docs.fix}",
        f"Message: {spec.message}",
    ]
    if spec.parameters:
        lines.append("Parameters:")
        lines.extend(f"    {name} ({param.type}, default {param.default!r}): {param.doc}"
                     for name, param in spec.parameters.items())
    return "\n".join(lines)


@main.command()
def clean() -> None:
    """Remove reasonlint's cache of results (in the user's cache folder, never in a dataset)."""
    from reasonlint.cache import clean as remove_cache

    folder, files, size = remove_cache()
    if files:
        click.echo(f"removed {folder} ({files} files, {size:,} bytes)")
    else:
        click.echo(f"nothing to remove: {folder} holds no cache")


@main.group()
def fingerprints() -> None:
    """Benchmark fingerprint indexes for the contamination rules."""


@fingerprints.command("build")
@click.argument("name")
@click.option("--from", "source", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Benchmark file: jsonl, jsonl.gz, json, csv, parquet, or a zip of one.")
@click.option("--id-field", default=None, help="Column holding the item id (default: unique_id, task_id, "
              "question_id or id, else the row number).")
@click.option("--text-field", "text_fields", multiple=True, help="Column(s) to fingerprint (default: problem, "
              "question, prompt or text, the first present).")
@click.option("--password", default=None, help="Password of an encrypted zip.")
@click.option("--ngram", default=None, type=click.IntRange(3, 32), help="Words per n-gram (default 8).")
@click.option("--output", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="Index file to write (default: NAME.npz).")
def fingerprints_build(name: str, source: Path, id_field: str | None, text_fields: tuple[str, ...],
                       password: str | None, ngram: int | None, output: Path | None) -> None:
    """Build the fingerprint index NAME from a benchmark file (keyed n-gram hashes, no text)."""
    from reasonlint.contamination.build import items_of, read_rows, sha256_of
    from reasonlint.contamination.index import DEFAULT_N, FingerprintIndex

    if not name.replace("_", "").replace("-", "").isalnum():
        _fail(f"{name!r}: use letters, digits, '-' and '_' for an index name")
        return
    try:
        rows = read_rows(source, password)
        index = FingerprintIndex.build(name, items_of(rows, id_field, text_fields), n=ngram or DEFAULT_N,
                                       source_sha256=sha256_of(source))
    except (ValueError, KeyError, RuntimeError, OSError) as error:
        _fail(f"{source}: {error}")
        return
    target = output or Path(f"{name}.npz")
    index.save(target)
    click.echo(f"{target}: {len(index.ids)} items, {len(index.hashes)} n-gram hashes (n={index.n}), "
               f"{target.stat().st_size:,} bytes")
