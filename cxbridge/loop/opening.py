"""Which records of a batch open a case: those that meet a rule now and did not before — new
records, and stored ones whose new version newly meets one. A record re-read unchanged, one
already cased, or one that met a rule as stored (a full refresh, a replay) opens nothing.

The work is per batch: the rules are compiled once per sync (`CaseRules`) and read the batch's
rows as they will be written; the destination is asked once per batch (in chunks of ids) about
the records that met a rule."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cxbridge.destinations import Batch, Destination
from cxbridge.loop.cases import CaseOpening, OpenedCase
from cxbridge.loop.lookup import rows_with
from cxbridge.loop.matching import CaseRules, StoredRows
from cxbridge.tables import COMMENT_COLUMNS, FEEDBACK_COLUMNS, SCORE_COLUMNS
from cxbridge.timestamps import parse_timestamp

SUBJECT_COLUMNS = (
    "record_id", "source", "program", "respondent_type", "submitted_at", "location_id", "team", "agent_id",
    "comment", "content_hash",
)  # fmt: skip
_RECORD_ID, _SOURCE, _LOCATION = (FEEDBACK_COLUMNS.index(c) for c in ("record_id", "source", "location_id"))
_CONTENT_HASH = FEEDBACK_COLUMNS.index("content_hash")


def cases_to_open(
    batch: Batch, rules: CaseRules, destination: Destination, *, now: datetime | None = None
) -> list[OpenedCase]:
    """The cases this batch's records open, given what `destination` already holds."""
    if not rules or not batch.records:
        return []
    now = now or parse_timestamp(batch.started_at)
    assert now is not None
    check = rules.at(now)
    latest = {rows.record_id: rows for rows in batch.records}  # a record read twice: the last one counts
    matched = {rid: (rows, found) for rid, rows in latest.items() if (found := check.first_match(rows))}
    if not matched:
        return []
    state = StoredState.read(destination, list(matched))
    opening = CaseOpening(opened_at=batch.started_at, run_id=batch.run_id)
    opened = []
    for rid, (rows, (rule, reason)) in matched.items():
        if rid in state.cased:
            continue
        stored = state.records.get(rid)
        if stored is not None and (stored.feedback[_CONTENT_HASH] == rows.content_hash or check.first_match(stored)):
            continue  # unchanged, or it met a rule before this version: not new feedback
        feedback = rows.feedback
        opened.append(opening.open(
            record_id=rid, source=feedback[_SOURCE], location_id=feedback[_LOCATION], rule=rule.name, matched=reason,
            owner=rule.owner_of(feedback), sla_hours=rule.sla_hours, actions=rule.actions,
        ))  # fmt: skip
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
