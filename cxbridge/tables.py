"""The table layout every destination stores (DESIGN.md §2) and the one way a FeedbackRecord
becomes rows: column order, JSON encoding, timestamps, and the content hash that lets an
upsert skip records that did not change."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cxbridge.records import FeedbackRecord
from cxbridge.timestamps import format_timestamp

FEEDBACK_COLUMNS = (
    "record_id", "source", "connector", "stream", "source_record_id", "program", "respondent_type",
    "channel", "touchpoint", "survey_id", "survey_name", "status", "submitted_at", "updated_at",
    "location_id", "location_name", "team", "agent_id", "respondent_key", "crm_contact_id",
    "crm_account_id", "ticket_id", "language", "country", "nps", "nps_group", "csat",
    "csat_normalized", "ces", "ces_normalized", "comment", "answers", "attributes", "raw",
    "ingested_at", "sync_run_id", "schema_version", "content_hash",
)  # fmt: skip
SCORE_COLUMNS = (
    "record_id", "metric", "question_id", "question_text", "value", "scale_min", "scale_max",
    "direction", "normalized", "category", "is_primary",
)  # fmt: skip
COMMENT_COLUMNS = ("record_id", "question_id", "question_text", "text", "language")

TIMESTAMP_COLUMNS = frozenset({"submitted_at", "updated_at", "ingested_at"})
JSON_COLUMNS = frozenset({"answers", "attributes", "raw"})
LINEAGE_COLUMNS = frozenset({"ingested_at", "sync_run_id", "content_hash"})
_CONTENT_COLUMNS = tuple(column for column in FEEDBACK_COLUMNS if column not in LINEAGE_COLUMNS)


@dataclass(frozen=True)
class RecordRows:
    """One record as rows of `feedback`, `feedback_scores` and `feedback_comments`."""

    record_id: str
    feedback: tuple[Any, ...]
    scores: list[tuple[Any, ...]]
    comments: list[tuple[Any, ...]]
    content_hash: str


def to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def to_rows(record: FeedbackRecord) -> RecordRows:
    """Rows in column order; `content_hash` covers everything but lineage columns."""
    data = record.__dict__
    values: dict[str, Any] = {}
    for column in _CONTENT_COLUMNS:
        value = data[column]
        if column in TIMESTAMP_COLUMNS:
            value = format_timestamp(value)
        elif column == "answers":
            value = to_json({key: answer.__dict__ for key, answer in value.items()})
        elif column in JSON_COLUMNS:
            value = None if value is None else to_json(value)
        values[column] = value
    rid = record.record_id
    scores = [
        (rid, s.metric, s.question_id, s.question_text, s.value, s.scale_min, s.scale_max,
         s.direction, s.normalized, s.category, s.is_primary)
        for s in record.scores
    ]  # fmt: skip
    comments = [(rid, c.question_id, c.question_text, c.text, c.language) for c in record.comments]
    digest = hashlib.blake2b(to_json([list(values.values()), scores, comments]).encode(), digest_size=16).hexdigest()
    values["ingested_at"] = format_timestamp(record.ingested_at)
    values["sync_run_id"] = record.sync_run_id
    values["content_hash"] = digest
    return RecordRows(rid, tuple(values[column] for column in FEEDBACK_COLUMNS), scores, comments, digest)
