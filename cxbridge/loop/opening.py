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
from cxbridge.loop.cases import CaseOpening, OpenedCase, case_id
from cxbridge.loop.lookup import rows_with
from cxbridge.loop.matching import CaseRules, CompiledRule, RulesAt, StoredRows
from cxbridge.tables import COMMENT_COLUMNS, FEEDBACK_COLUMNS, SCORE_COLUMNS, RecordRows
from cxbridge.timestamps import parse_timestamp

SUBJECT_COLUMNS = (
    "record_id", "source", "program", "respondent_type", "submitted_at", "location_id", "team", "agent_id",
    "comment", "content_hash",
)  # fmt: skip
_RECORD_ID, _SOURCE, _LOCATION = (FEEDBACK_COLUMNS.index(c) for c in ("record_id", "source", "location_id"))
_CONTENT_HASH = FEEDBACK_COLUMNS.index("content_hash")
_Matched = tuple[RecordRows, tuple[CompiledRule, str]]  # a record of the batch, the first rule it meets and why


def cases_to_open(
    batch: Batch, rules: CaseRules, destination: Destination, *, now: datetime | None = None,
    maybe_stored: set[str] | None = None,
) -> list[OpenedCase]:  # fmt: skip
    """The cases this batch's records open, given what `destination` already holds. With
    `maybe_stored` (of the batch's ids, those this source's sync may have written before, into a
    destination that held no records and no cases when it began: `WrittenIds.check_in`), an id
    not in it is known not to be stored: only the others are looked up."""
    if not rules or not batch.records:
        return []
    now = now or parse_timestamp(batch.started_at)
    assert now is not None
    rules_now = rules.at(now)
    latest = {rows.record_id: rows for rows in batch.records}  # a record read twice: the last one counts
    subjects = list(latest.values())
    first = rules_now.first_matches(subjects)
    matched = [(rows, found) for rows, found in zip(subjects, first) if found]
    if not matched:
        return []
    asked = [rows.record_id for rows, _ in matched]
    if maybe_stored is not None:
        asked = [record_id for record_id in asked if record_id in maybe_stored]
    if asked:
        matched = _new_feedback(matched, StoredState.read(destination, asked), rules_now)
    return CaseOpening(opened_at=batch.started_at, run_id=batch.run_id, timezone=batch.timezone).open_all(
        (rows.record_id, (feedback := rows.feedback)[_SOURCE], feedback[_LOCATION], rule.name, reason,
         rule.owner_of(feedback), rule.sla_hours, rule.actions)
        for rows, (rule, reason) in matched
    )  # fmt: skip


def cased_copies(destination: Destination, opened: list[OpenedCase], copies: dict[str, list[str]]) -> set[str]:
    """The records among those `opened` cases for whose response another copy already has a
    case (`copies`: each record's other copies, `Resolution.copies`): one case per response,
    whichever of its copies opened it."""
    others = {record_id: copies[record_id] for c in opened if (record_id := c.record_id) in copies}
    if not others:
        return set()
    asked = [case_id(copy) for copied in others.values() for copy in copied]
    cased = {row["record_id"] for row in rows_with(destination, "feedback_cases", ("record_id",), "case_id", asked)}
    return {record_id for record_id, copied in others.items() if cased.intersection(copied)}


def _new_feedback(matched: list[_Matched], state: StoredState, rules_now: RulesAt) -> list[_Matched]:
    """The matched records that are new feedback, given what is stored: not cased, and not
    stored already unchanged or as a version that met a rule itself."""
    records = state.records
    stored = [(rows, old) for rows, _ in matched if (old := records.get(rows.record_id)) is not None]
    changed = [(rows, old) for rows, old in stored if old.feedback[_CONTENT_HASH] != rows.content_hash]
    met_before = rules_now.first_matches([old for _, old in changed])
    newly = {rows.record_id for (rows, _), found in zip(changed, met_before) if found is None}
    passed = state.cased | {rows.record_id for rows, _ in stored if rows.record_id not in newly}
    return [pair for pair in matched if pair[0].record_id not in passed] if passed else matched


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
        cased: set[str] = set()  # a destination last written before cases existed, read as is by a dry run, has none
        if destination.has_column("feedback_cases", "record_id"):  # by the cases' key: a case's id is derived
            case_ids = list(map(case_id, record_ids))  # from its record's id (no index of record ids needed)
            cased = {row["record_id"] for row in rows_with(destination, "feedback_cases", ("record_id",), "case_id", case_ids)}
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
