"""Checks on one normalized record at a time."""

from __future__ import annotations

from collections.abc import Iterator

from reasonlint.checks import row_check
from reasonlint.findings import Hit
from reasonlint.source.mapping import Record

_TEXT_ROLES = ("prompt", "response", "trace", "answer", "reference")


@row_check
def empty_field(record: Record, *, roles: list[str]) -> Iterator[Hit]:
    """Mapped columns that hold null or only whitespace (derived trace/answer are not columns)."""
    for role in roles:
        if role not in record.fields or role not in _TEXT_ROLES:
            continue
        if role in ("trace", "answer") and record.fields[role] == record.fields.get("response"):
            continue  # split out of the response by markers: the trace rules judge those
        value = getattr(record, role)
        if value is None or not value.strip():
            state = "null" if value is None else "empty"
            yield Hit({"role": role, "state": state}, field=record.fields[role])
