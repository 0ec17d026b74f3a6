"""Which records of a batch open a case: those that meet a rule now and did not before — new
records, and stored ones whose new version newly meets one. A record re-read unchanged, one
already cased, or one that met a rule as stored (a full refresh, a replay) opens nothing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from cxbridge.destinations import Batch, Destination
from cxbridge.loop.cases import OpenedCase, open_case
from cxbridge.loop.lookup import rows_with
from cxbridge.loop.rules import Match, RuleConfig, Subject, first_match
from cxbridge.tables import COMMENT_COLUMNS, FEEDBACK_COLUMNS, SCORE_COLUMNS, RecordRows
from cxbridge.timestamps import parse_timestamp

SUBJECT_COLUMNS = (
    "record_id", "source", "program", "respondent_type", "submitted_at", "location_id", "team", "agent_id",
    "comment", "content_hash",
)  # fmt: skip


def subject_of(rows: RecordRows) -> Subject:
    """A record just read, as the rules see it."""
    fields = dict(zip(FEEDBACK_COLUMNS, rows.feedback, strict=True))
    scores = [dict(zip(SCORE_COLUMNS, score, strict=True)) for score in rows.scores]
    texts = [comment[COMMENT_COLUMNS.index("text")] for comment in rows.comments]
    return Subject(fields, scores, _with_primary(fields, texts))


def _with_primary(fields: dict[str, Any], texts: list[str]) -> list[str]:
    comment = fields.get("comment")
    return texts if not comment or comment in texts else [comment, *texts]


def cases_to_open(
    batch: Batch, rules: Sequence[tuple[str, RuleConfig]], destination: Destination, *, now: datetime | None = None
) -> list[OpenedCase]:
    """The cases this batch's records open, given what `destination` already holds."""
    if not rules or not batch.records:
        return []
    now = now or parse_timestamp(batch.started_at)
    assert now is not None
    latest = {rows.record_id: rows for rows in batch.records}
    matched = {rid: (rows, m) for rid, rows in latest.items() if (m := first_match(rules, subject_of(rows), now=now))}
    if not matched:
        return []
    state = StoredState.read(destination, list(matched))
    opened = []
    for rid, (rows, match) in matched.items():
        if rid in state.cased:
            continue
        stored = state.subjects.get(rid)
        if stored is not None and (
            stored.fields.get("content_hash") == rows.content_hash or first_match(rules, stored, now=now)
        ):
            continue  # unchanged, or it met a rule before this version: not new feedback
        opened.append(_case(rows, match, batch))
    return opened


def _case(rows: RecordRows, match: Match, batch: Batch) -> OpenedCase:
    fields = dict(zip(FEEDBACK_COLUMNS, rows.feedback, strict=True))
    return open_case(
        record=fields,
        rule=match.rule,
        matched=match.matched,
        owner=match.config.owner_for(fields),
        sla_hours=match.config.sla_hours,
        actions=match.config.actions,
        opened_at=batch.started_at,
        run_id=batch.run_id,
    )


class StoredState:
    """What a destination holds of some records: which have a case, and how the others are
    stored (as rule subjects), read through `Destination.query` in any dialect."""

    def __init__(self, cased: set[str], subjects: dict[str, Subject]):
        self.cased = cased
        self.subjects = subjects

    @classmethod
    def read(cls, destination: Destination, record_ids: list[str]) -> StoredState:
        if not destination.exists():
            return cls(set(), {})
        try:
            cased = {row["record_id"] for row in rows_with(destination, "feedback_cases", ("record_id",), "record_id", record_ids)}
        except Exception:  # a destination last written before cases existed, read as is by a dry run, has none
            cased = set()
        rest = [rid for rid in record_ids if rid not in cased]
        fields = {row["record_id"]: row for row in rows_with(destination, "feedback", SUBJECT_COLUMNS, "record_id", rest)}
        scores: dict[str, list[dict[str, Any]]] = {}
        texts: dict[str, list[str]] = {}
        if fields:
            for row in rows_with(destination, "feedback_scores", SCORE_COLUMNS, "record_id", list(fields)):
                scores.setdefault(row["record_id"], []).append(row)
            for row in rows_with(destination, "feedback_comments", ("record_id", "text"), "record_id", list(fields)):
                texts.setdefault(row["record_id"], []).append(row["text"])
        subjects = {
            rid: Subject(row, scores.get(rid, []), _with_primary(row, texts.get(rid, []))) for rid, row in fields.items()
        }
        return cls(cased, subjects)
