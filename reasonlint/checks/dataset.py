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
    """Tables whose rows were read but give no prompt, or no trace/response, to check: every
    row rule is blind there. The hit names the likeliest columns and the `--column` that maps one."""
    for table in summary.tables:
        if table.rows == 0 or table.mapping is None:
            continue
        mapping = table.mapping
        missing = [(label, role) for label, role, present in (("prompt", "prompt", mapping.has_prompt),
                                                              ("trace or response", "response", mapping.has_output))
                   if not present]
        if not missing:
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
    for problem in summary.layout_problems:
        yield Hit({"detail": problem}, location=Location(summary.anchor_path), key=problem)


@dataset_check
def no_data_files(summary: DatasetSummary) -> Iterator[Hit]:
    if not summary.tables:
        yield Hit({"detail": "no data file in a format reasonlint reads (.jsonl .json .parquet .csv .arrow)"},
                  location=Location(summary.anchor_path), key="none")


@dataset_check
def refused_paths(summary: DatasetSummary) -> Iterator[Hit]:
    """Paths left unopened because they lead outside the dataset or are not regular files."""
    for refused in summary.refused_paths:
        yield Hit({"path": refused.path, "reason": refused.reason}, location=Location(refused.path), key=refused.path)
