"""Which records of a batch open a case: those that meet a rule now and did not before — new
records, and stored ones whose new version newly meets one. A record re-read unchanged, one
already cased, or one that met a rule as stored (a full refresh, a replay) opens nothing.

The work is per batch: the rules are compiled once per sync (`CaseRules`) and read the batch's
rows as they will be written; the destination is asked once per batch (in chunks of ids) about
the records that met a rule — except, in a first sync, about those the sync has not written
itself (`WrittenIds`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cxbridge.destinations import Batch, Destination
from cxbridge.loop.cases import CaseOpening, OpenedCase
from cxbridge.loop.lookup import rows_with
from cxbridge.loop.matching import CaseRules, StoredRows
from cxbridge.loop.written import WrittenIds
from cxbridge.tables import COMMENT_COLUMNS, FEEDBACK_COLUMNS, SCORE_COLUMNS
from cxbridge.timestamps import parse_timestamp

SUBJECT_COLUMNS = (
    "record_id", "source", "program", "respondent_type", "submitted_at", "location_id", "team", "agent_id",
    "comment", "content_hash",
)  # fmt: skip
_RECORD_ID, _SOURCE, _LOCATION = (FEEDBACK_COLUMNS.index(c) for c in ("record_id", "source", "location_id"))
_CONTENT_HASH = FEEDBACK_COLUMNS.index("content_hash")


def cases_to_open(
    batch: Batch, rules: CaseRules, destination: Destination, *, now: datetime | None = None,
    written: WrittenIds | None = None,
) -> list[OpenedCase]:  # fmt: skip
    """The cases this batch's records open, given what `destination` already holds. With
    `written` (the ids this source's sync wrote before, into a destination that held no records
    and no cases when it began), an id it never wrote is known not to be stored: only the
    others are looked up. The batch's ids are added to it."""
    if not rules or not batch.records:
        return []
    now = now or parse_timestamp(batch.started_at)
    assert now is not None
    first_match = rules.at(now).first_match
    latest = {rows.record_id: rows for rows in batch.records}  # a record read twice: the last one counts
    matched = [(rid, rows, found) for rid, rows in latest.items() if (found := first_match(rows))]
    asked = [rid for rid, _, _ in matched]
    if written is not None:
        asked = written.maybe_written(asked)
        written.add(latest)
    if not matched:
        return []
    state = StoredState.read(destination, asked) if asked else StoredState(set(), {})
    cased, records = state.cased, state.records
    open_case = CaseOpening(opened_at=batch.started_at, run_id=batch.run_id).open
    opened = []
    for rid, rows, (rule, reason) in matched:
        if rid in cased:
            continue
        if records:
            stored = records.get(rid)
            if stored is not None and (stored.feedback[_CONTENT_HASH] == rows.content_hash or first_match(stored)):
                continue  # unchanged, or it met a rule before this version: not new feedback
        feedback = rows.feedback
        opened.append(open_case(rid, feedback[_SOURCE], feedback[_LOCATION], rule.name, reason,
                                rule.owner_of(feedback), rule.sla_hours, rule.actions))  # fmt: skip
    return opened


class StoredState:
    """What a destination holds of some records: which have a case, and how the others are
    stored (as rule subjects), read through `Destination.query` in any dialect."""

    def __init__(self, cased: set[str], records: dict[str, StoredRows]):
        self.cased = cased
        self.records = records

    @classmethod
    def read(cls, destination: Destination, record_ids: list[str]) -> StoredState:
        if not destination.exists():
            return cls(set(), {})
        try:
            cased = {
                row["record_id"]
                for row in rows_with(destination, "feedback_cases", ("record_id",), "record_id", record_ids)
            }
        except Exception:  # a destination last written before cases existed, read as is by a dry run, has none
            cased = set()
        rest = [rid for rid in record_ids if rid not in cased]
        fields = {
            row["record_id"]: row for row in rows_with(destination, "feedback", SUBJECT_COLUMNS, "record_id", rest)
        }
        scores: dict[str, list[tuple[Any, ...]]] = {}
        comments: dict[str, list[tuple[Any, ...]]] = {}
        if fields:
            for row in rows_with(destination, "feedback_scores", SCORE_COLUMNS, "record_id", list(fields)):
                scores.setdefault(row["record_id"], []).append(_in_order(row, SCORE_COLUMNS))
            for row in rows_with(destination, "feedback_comments", ("record_id", "text"), "record_id", list(fields)):
                comments.setdefault(row["record_id"], []).append(_in_order(row, COMMENT_COLUMNS))
        records = {
            rid: StoredRows(_in_order(row, FEEDBACK_COLUMNS), scores.get(rid, []), comments.get(rid, []))
            for rid, row in fields.items()
        }
        return cls(cased, records)


def _in_order(row: dict[str, Any], columns: tuple[str, ...]) -> tuple[Any, ...]:
    """A row read by column name as a table row: its columns in `columns`' order, None where not read."""
    return tuple(row.get(column) for column in columns)
