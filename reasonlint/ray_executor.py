"""`--executor ray`: the pass's slices as Ray tasks, the model rules in actors on GPU workers.

The slices are the ones `--jobs` cuts (line-aligned byte ranges of JSONL, row groups of
Parquet, whole files otherwise). Each becomes a task that runs the rules that need no model
on it and returns the same result a local worker returns; rules that hold a language model
(`needs_main_process`) run in actors instead, one per GPU of the cluster (or one on a CPU
worker when it has none), each loading its model once and reading the slices sent to it.
A file's slice results are merged in file order by the engine's own `absorb`, and the run
ends in `conclude`, as `reasonlint merge` does: the report is the one a single machine gives.

Failure is never silent. A task whose worker dies is retried (`MAX_RETRIES`); a slice that
still fails is named in the run's errors, which ends the run with exit 2.

Every worker reads the same bytes: a local path on a filesystem the nodes share, or for a
Hub target, the one revision the driver resolved, which a node without the file fetches into
its own cache (`local_copy`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reasonlint.config import ConfigError
from reasonlint.source.readers import FileSlice

if TYPE_CHECKING:
    from reasonlint.engine import Plan, RowContext, Unit, UnitResult

# Retries of a task whose worker process died (Ray's own count); a Python error in a check
# is not retried: it would fail the same way again.
MAX_RETRIES = 3


class RayExecutorError(ConfigError):
    """`--executor ray` without the `ray` extra, or with options it cannot honour: exit 2."""


@dataclass(frozen=True, slots=True)
class HubSource:
    """Where a node without the driver's files fetches them: one repository at one revision."""

    repo_id: str
    revision: str
    root: Path  # the driver's snapshot folder, which unit paths are under


def run_on_ray(planned: Plan, files: list[Unit], advance: Callable[[int], None] | None) -> list[UnitResult]:
    """One result per file of `files`, in order, computed on the cluster."""
    from reasonlint.engine import RowContext, UnitResult, absorb, needs_main_process, slices_of

    settings = planned.settings
    if settings.max_rows is not None or any(unit.part.start is not None for unit in files):
        raise RayExecutorError("--executor ray plans its own slices: leave out --max-rows (rows in file order, "
                               "one process) and --shard (for schedulers without Ray)")
    ray = _import_ray()
    started_here = not ray.is_initialized()
    if started_here:
        ray.init(address=settings.ray_address, num_cpus=None if settings.ray_address else settings.jobs,
                 include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        context = planned.context
        model_rules = tuple(rule for rule in context.rules if needs_main_process(rule))
        cpu_rules = tuple(rule for rule in context.rules if not needs_main_process(rule))
        hub = _hub_source(planned)
        cpu_context = ray.put(RowContext.of(cpu_rules, context.mappings, context.sample, context.seed))
        # With --sample, the slices only offer rows to the sample, which the driver checks with
        # every rule: a second reader of each slice would offer every row twice.
        model_context = RowContext.of(model_rules, context.mappings, context.sample, context.seed, profiled=False)
        actors = _model_actors(ray, model_context, hub) if model_rules and context.sample is None else []
        check_slice = ray.remote(max_retries=MAX_RETRIES, retry_exceptions=False)(_check_slice)
        chunk = _chunk_bytes(ray, sum(unit.size for unit in files))
        submitted: list[tuple[int, Unit, list[Any]]] = []
        for index, unit in enumerate(files):
            for part in slices_of(unit, chunk):
                refs = [check_slice.remote(cpu_context, part, hub)]
                if actors:  # in turn, over every file's slices
                    refs.append(actors[len(submitted) % len(actors)].check.remote(part))
                submitted.append((index, part, refs))
        per_file: list[UnitResult | None] = [None] * len(files)
        for index, part, refs in submitted:
            for ref in refs:
                per_file[index] = absorb(context.rules, per_file[index], _result_of(ray, ref, part))
            if advance:
                advance(part.size)
        return [result or UnitResult() for result in per_file]
    finally:
        if started_here:
            ray.shutdown()


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise RayExecutorError("--executor ray needs Ray: pip install 'reasonlint[ray]'") from None
    return ray


def _result_of(ray: Any, ref: Any, part: Unit) -> UnitResult:
    """The slice's result, or an empty one carrying the error that ends the run with exit 2."""
    from reasonlint.engine import UnitResult

    try:
        result: UnitResult = ray.get(ref)
        return result
    except ray.exceptions.RayError as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return UnitResult(errors=[f"cannot check {describe(part)} on the cluster (retried up to {MAX_RETRIES} "
                                  f"times if its worker died): {type(error).__name__}: {reason}"])


def describe(unit: Unit) -> str:
    """The slice, as the report names it: its file and its bytes or row groups."""
    part = unit.part
    if part.start is None:
        return unit.path
    what = "bytes" if part.format == "jsonl" else "row groups"
    return f"{unit.path} ({what} {part.start:,}–{part.stop:,})" if part.stop is not None else \
        f"{unit.path} ({what} from {part.start:,})"


def _chunk_bytes(ray: Any, total: int) -> int:
    """About four slices per CPU of the cluster, each 1 to 64 MB: enough tasks to balance the
    nodes, few enough that scheduling stays a small share of the time."""
    cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
    return max(1024 * 1024, min(64 * 1024 * 1024, total // (cpus * 4) or 1))


def _hub_source(planned: Plan) -> HubSource | None:
    target = planned.target
    if target.kind != "hub" or not target.sha:
        return None
    return HubSource(target.id, target.sha, target.root)


def _check_slice(context: RowContext, unit: Unit, hub: HubSource | None) -> UnitResult:
    """A Ray task: the rules that need no model on one slice."""
    from reasonlint.checks import load_checks
    from reasonlint.engine import run_unit

    load_checks()
    return run_unit(context, local_copy(unit, hub), None)


class _ModelWorker:
    """A Ray actor holding the model rules; the model loads on its first slice and stays."""

    def __init__(self, context: RowContext, hub: HubSource | None) -> None:
        from reasonlint.checks import load_checks

        load_checks()
        self.context, self.hub = context, hub

    def check(self, unit: Unit) -> UnitResult:
        """The model rules' findings and states on one slice. The slice's task reads the same
        rows and reports their count and read errors; they are not counted twice."""
        from reasonlint.engine import run_unit

        result = run_unit(self.context, local_copy(unit, self.hub), None)
        result.rows = result.skipped = 0
        result.errors.clear()
        return result


def _model_actors(ray: Any, context: RowContext, hub: HubSource | None) -> list[Any]:
    """One actor per GPU of the cluster, or one on a CPU worker when there is none."""
    gpus = int(ray.cluster_resources().get("GPU", 0))
    actor = ray.remote(max_restarts=MAX_RETRIES, max_task_retries=MAX_RETRIES)(_ModelWorker)
    if gpus:
        return [actor.options(num_gpus=1).remote(context, hub) for _ in range(gpus)]
    return [actor.options(num_cpus=1).remote(context, hub)]


def local_copy(unit: Unit, hub: HubSource | None) -> Unit:
    """The unit with a path this node can read: as it is when the file is here (a shared
    filesystem, or the driver's node), else, for a Hub target, the file of the driver's
    revision fetched into this node's cache."""
    path = unit.part.path
    if hub is None or os.path.exists(path):
        return unit
    from huggingface_hub import hf_hub_download

    relative = Path(path).relative_to(hub.root).as_posix()
    local = hf_hub_download(hub.repo_id, relative, repo_type="dataset", revision=hub.revision)
    part: FileSlice = replace(unit.part, path=Path(local))
    return replace(unit, part=part)

