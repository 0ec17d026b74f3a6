"""A file read whole again (edited, replaced by a newer export, read with another mapping): the
records and quarantined rows its earlier reads stored that this read did not produce.

Rows keyed by their content (no id column) change ids when a key cell is corrected (a timestamp,
an e-mail), which an edit and a newer export saved over the file look alike in: the old record
may be a typo's or a response the newer export no longer holds. So they stay, and the sync
says how many, of which file, and what to do (`left_over`). One case is unambiguous: every row
the earlier reads stored of the file was read again, and each quarantined row not read again has
its place — the same file, sheet and row number — held by a row read now that differs from it
only in the cell its quarantine names. That is the fix `quarantine list` asks for, and those
quarantine entries go (`Leftovers.fixed`). A newer export lacks rows of the one it replaced,
and its row at a quarantined row's place is another response, so it never looks so.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from cxbridge.destinations import Batch, Destination, QuarantineItem
from cxbridge.pruning import ReadIds
from cxbridge.tables import FEEDBACK_COLUMNS
from cxbridge.tabular.table import header_key

_RAW = FEEDBACK_COLUMNS.index("raw")
Place = tuple[str | None, int]
"""A row's sheet (None in a file of one table) and number."""


@dataclass
class Leftovers:
    """Of a source's stream, per file read whole again: what its earlier reads stored that this read did not produce."""

    records: dict[str, int] = field(default_factory=dict)
    quarantined: dict[str, int] = field(default_factory=dict)
    fixed: list[str] = field(default_factory=list)
    """The quarantined rows fixed in their file, now read at their place, the file otherwise read as before: their entries go."""

    def warnings(self, *, prunes: bool = True, imported: bool = False) -> list[str]:
        """One per file (`left_over`); `prunes`: whether the destination can (`Destination.prunes`);
        `imported`: read by `cxbridge import`, which has no `--prune`."""
        return [left_over(file, self.records.get(file, 0), self.quarantined.get(file, 0), prunes=prunes,
                          imported=imported) for file in sorted({*self.records, *self.quarantined})]  # fmt: skip


def leftovers(
    destination: Destination, source: str, stream: str, files: Mapping[str, Collection[str | None]], read: ReadIds,
    *, pending: Batch | None = None,
) -> Leftovers:  # fmt: skip
    """What the earlier reads of `files` (raw's `file`, with the sheets read whole) stored of
    `source`'s `stream` and `read` lacks; `pending`, a batch read but not written yet, counts as read."""
    found, was_read = Leftovers(), _Read(read, pending)
    for file, sheets in sorted(files.items()):
        entries = _quarantined(destination, source, stream, file, sheets)
        stale = [item for item in entries if item.record_id not in was_read]
        now = {_place(item.context): item.raw for item in entries if item.record_id in was_read}
        wanted, left, fresh = {_place(item.context) for item in stale}, 0, []
        for row in _stored(destination, source, stream, file):
            if row["sheet"] not in sheets:
                continue
            if row["record_id"] not in was_read:
                left += 1
            elif _place(row) in wanted:
                fresh.append(row["record_id"])
        if fresh:
            rows = destination.rows_with("feedback", ["record_id", "raw"], "record_id", fresh)
            now.update((_place(raw), raw) for raw in (_json(row["raw"]) for row in rows) if isinstance(raw, dict))
        if wanted:
            now.update((_place(raw), raw) for raw in was_read.raws if raw.get("file") == file
                       and raw.get("sheet") in sheets and _place(raw) in wanted)  # fmt: skip
        if not left and all(_fixed_in_place(item, now.get(_place(item.context))) for item in stale):
            found.fixed += [item.record_id for item in stale]
            continue
        if left:
            found.records[file] = left
        if stale:
            found.quarantined[file] = len(stale)
    return found


class _Read:
    """The ids read: those of the batches written (`ReadIds`) and of `pending`, the one not written yet."""

    def __init__(self, read: ReadIds, pending: Batch | None):
        self.read, self.pending = read, pending
        self.ids: set[str] = set()
        if pending is not None:
            self.ids = {rows.record_id for rows in pending.records} | {item.record_id for item in pending.quarantined}

    def __contains__(self, record_id: object) -> bool:
        return record_id in self.ids or record_id in self.read

    @cached_property
    def raws(self) -> list[dict[str, Any]]:
        """The raw rows of the pending batch's records."""
        records = self.pending.records if self.pending is not None else []
        return [raw for rows in records if isinstance(raw := _json(rows.feedback[_RAW]), dict)]


def left_over(file: str, records: int, quarantined: int, *, prunes: bool = True, imported: bool = False) -> str:
    """The warning that the earlier read of `file`, read whole again, stored rows this read did not produce."""
    parts = [f"{count} {noun}{'s' * (count != 1)}" for count, noun in
             ((records, "record"), (quarantined, "quarantined row")) if count]  # fmt: skip
    one = records + quarantined == 1
    return (
        f"{file} was read whole again and {' and '.join(parts)} of its earlier read {'is' if one else 'are'} not "
        "in it now: if the file was edited (a corrected time or e-mail gives a row a new id), "
        f"{_removal(one, prunes=prunes, imported=imported)}; if a newer export replaced it, nothing to do "
        f"({'it is' if one else 'they are'} kept)"
    )


def _removal(one: bool, *, prunes: bool, imported: bool) -> str:
    if prunes and imported:
        return "prune its source with `cxbridge sync --full-refresh --prune` (docs/cli.md#cxbridge-import says how)"
    if prunes:
        return f"run `cxbridge sync --full-refresh --prune` to remove {'it' if one else 'them'}"
    return "sync with `--full-refresh` into a new, empty destination, which holds only what the files hold now"


def _quarantined(
    destination: Destination, source: str, stream: str, file: str, sheets: Collection[str | None]
) -> list[QuarantineItem]:
    d = destination
    where = f"source = {d.param(0)} AND stream = {d.param(1)} AND {d.json_string('context', 'file')} = {d.param(2)}"
    rows = d.query_rows(f"SELECT * FROM quarantine WHERE {where}", [source, stream, file])
    return [entry for entry in map(QuarantineItem.from_row, rows) if entry.where.get("sheet") in sheets]


def _stored(destination: Destination, source: str, stream: str, file: str) -> Iterator[dict[str, Any]]:
    d = destination
    where = f"source = {d.param(0)} AND stream = {d.param(1)} AND {d.json_string('raw', 'file')} = {d.param(2)}"
    columns = f"record_id, {d.json_string('raw', 'sheet')} AS sheet, {d.json_integer('raw', 'row')} AS row"
    return d.query_rows(f"SELECT {columns} FROM feedback WHERE {where}", [source, stream, file])


def _fixed_in_place(item: QuarantineItem, now: Any) -> bool:
    """The row read now at the quarantined row's place holds the same cells but the one its quarantine names."""
    before, after = item.raw.get("values") if isinstance(item.raw, dict) else None, (now or {}).get("values")
    if not isinstance(before, dict) or not isinstance(after, dict) or before.keys() != after.keys() or not item.field:
        return False
    changed = {key for key in before if before[key] != after[key]}
    return changed == {header_key(item.field)}


def _place(where: Any) -> Place:
    row = where.get("row")
    return where.get("sheet"), int(row) if row is not None else -1


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value
