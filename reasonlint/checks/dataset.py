"""Checks on the dataset as a whole, from its summary."""

from __future__ import annotations

from collections.abc import Iterator

from reasonlint.checks import dataset_check
from reasonlint.findings import Hit, Location
from reasonlint.summary import DatasetSummary


@dataset_check
def too_few_rows(summary: DatasetSummary, *, minimum: int) -> Iterator[Hit]:
    if summary.rows_total is not None and 0 < summary.rows_total < minimum:
        per_split = ", ".join(f"{t.split}: {t.rows}" for t in summary.tables)
        yield Hit({"rows": summary.rows_total, "minimum": minimum, "splits": per_split},
                  location=Location(summary.anchor_path), key="rows")


@dataset_check
def unmapped_columns(summary: DatasetSummary) -> Iterator[Hit]:
    """Tables whose rows were read but give neither a prompt nor a trace/response (every row
    rule is blind there), or where a role mapped by hand names a column that does not exist.
    The hit names the likeliest columns and the `--column` that maps them."""
    yield from _mapping_gaps(summary, both=True)


@dataset_check
def partly_mapped_table(summary: DatasetSummary) -> Iterator[Hit]:
    """Tables with prompts but no trace/response (RL prompt sets, benchmarks), or outputs with
    no prompt: the rules of the other side skip their rows, which is worth knowing but often
    by design."""
    yield from _mapping_gaps(summary, both=False)


def _mapping_gaps(summary: DatasetSummary, *, both: bool) -> Iterator[Hit]:
    for table in summary.tables:
        if table.rows == 0 or table.mapping is None:
            continue
        mapping = table.mapping
        missing = [(label, role) for label, role, present in (("prompt", "prompt", mapping.has_prompt),
                                                              ("trace or response", "response", mapping.has_output))
                   if not present]
        if not missing or (len(missing) == 2 or bool(mapping.notes)) != both:
            continue
        candidates = dict(mapping.candidates)
        fixes: list[str] = []
        used: set[str] = set()
        for _, role in missing:  # one column per role: a prompt is not also its own response
            column = next((name for name in candidates.get(role, ()) if name not in used), None)
            if column is not None:
                fixes.append(f"--column {role}={column}")
                used.add(column)
        named = "; ".join(f"{label} candidates: {', '.join(candidates[role])}" for label, role in missing
                          if candidates.get(role))
        notes = "".join(f"; {note}" for note in mapping.notes)
        yield Hit(
            {"missing": " and ".join(label for label, _ in missing), "columns": ", ".join(mapping.columns) or "none",
             "config": table.config, "split": table.split, "notes": notes,
             "candidates": f"; {named}" if named else "",
             "fix": f"; try {' '.join(fixes)}" if fixes else ""},
            location=Location(table.files[0], split=table.split, config=table.config),
            key=f"{table.config}/{table.split}",
        )


@dataset_check
def data_files_not_loaded(summary: DatasetSummary) -> Iterator[Hit]:
    """Layout facts; with no data file read at all they are part of SCH006's one finding."""
    if not summary.tables:
        return
    for problem in summary.layout_problems:
        yield Hit({"detail": problem}, location=Location(summary.anchor_path), key=problem)


@dataset_check
def no_data_files(summary: DatasetSummary) -> Iterator[Hit]:
    if not summary.tables:
        unread = [problem for problem in summary.layout_problems if "reasonlint does not read" in problem]
        detail = "no data file in a format reasonlint reads (.jsonl .json .parquet .csv .arrow)"
        yield Hit({"detail": detail + "".join(f"; {problem}" for problem in unread)},
                  location=Location(summary.anchor_path), key="none")


@dataset_check
def refused_paths(summary: DatasetSummary) -> Iterator[Hit]:
    """Paths left unopened because they lead outside the dataset or are not regular files."""
    for refused in summary.refused_paths:
        yield Hit({"path": refused.path, "reason": refused.reason}, location=Location(refused.path), key=refused.path)
