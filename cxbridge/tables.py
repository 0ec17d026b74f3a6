"""The table layout every destination stores (DESIGN.md §2) and the one way a FeedbackRecord
becomes rows: column order, JSON encoding, timestamps, and the content hash that lets an
upsert skip records that did not change."""

from __future__ import annotations

import hashlib
import marshal
from dataclasses import dataclass
from typing import Any

from cxbridge.json_text import to_json
from cxbridge.records import FeedbackRecord
from cxbridge.timestamps import format_timestamp

FEEDBACK_COLUMNS = (
    "record_id", "source", "connector", "stream", "source_record_id", "program", "respondent_type",
    "channel", "touchpoint", "survey_id", "survey_name", "wave", "status", "submitted_at", "submitted_local_date",
    "updated_at", "location_id", "location_name", "team", "agent_id", "respondent_key", "crm_contact_id",
    "crm_account_id", "ticket_id", "language", "country", "nps", "nps_group", "csat",
    "csat_normalized", "ces", "ces_normalized", "comment", "answers", "attributes", "raw",
    "schema_version", "ingested_at", "sync_run_id", "content_hash", "duplicate_of",
)  # fmt: skip
SCORE_COLUMNS = (
    "record_id", "metric", "question_id", "question_text", "value", "scale_min", "scale_max",
    "direction", "normalized", "category", "is_primary", "question_key",
)  # fmt: skip
COMMENT_COLUMNS = ("record_id", "question_id", "question_text", "text", "language")

TIMESTAMP_COLUMNS = frozenset({"submitted_at", "updated_at", "ingested_at"})
DATE_COLUMNS = frozenset({"submitted_local_date"})  # stored as 'YYYY-MM-DD' text in every destination
JSON_COLUMNS = frozenset({"answers", "attributes", "raw"})
LINEAGE_COLUMNS = ("ingested_at", "sync_run_id", "content_hash")  # after the content, outside the hash
IDENTITY_COLUMNS = ("duplicate_of",)  # the last: set by cross-source identity (cxbridge.resolver), outside the hash
CONTENT_COLUMNS = FEEDBACK_COLUMNS[: -len(LINEAGE_COLUMNS) - len(IDENTITY_COLUMNS)]
"""The feedback columns a record's content hash covers, in table order (`content_rows`'s `values`)."""
assert FEEDBACK_COLUMNS[len(CONTENT_COLUMNS) :] == LINEAGE_COLUMNS + IDENTITY_COLUMNS


@dataclass(frozen=True)
class RecordRows:
    """One record as rows of `feedback`, `feedback_scores` and `feedback_comments`."""

    record_id: str
    feedback: tuple[Any, ...]
    scores: list[tuple[Any, ...]]
    comments: list[tuple[Any, ...]]
    content_hash: str


def _content_hash(*parts: Any) -> str:
    """A change detector, not an id: marshal format 0 (no references, no interning flags) is fast
    and gives equal bytes for equal rows; were a Python release to change it, unchanged records
    would be rewritten once, harmlessly."""
    return hashlib.blake2b(marshal.dumps(parts, 0), digest_size=16).hexdigest()


def packed(items: tuple[Any, ...] | list[Any]) -> bytes:
    """The items as `_content_hash` writes them within a tuple or list, one after another."""
    return b"".join([marshal.dumps(item, 0) for item in items])


def packed_row(size: int, items: bytes) -> bytes:
    """A tuple of `size` items as `_content_hash` writes it, from its `packed` items."""
    return b"(" + _count(size) + items


def _count(size: int) -> bytes:
    return _COUNTS[size] if size < 64 else size.to_bytes(4, "little")  # marshal's 32-bit length of a tuple or list


_COUNTS = [size.to_bytes(4, "little") for size in range(64)]


_THREE = packed_row(3, b"")  # the hashed tuple's head: (values, scores, comments)


_TIMESTAMP_AT = [i for i, column in enumerate(CONTENT_COLUMNS) if column in TIMESTAMP_COLUMNS]
_DATE_AT = [i for i, column in enumerate(CONTENT_COLUMNS) if column in DATE_COLUMNS]
_ANSWERS_AT = CONTENT_COLUMNS.index("answers")
_JSON_AT = [i for i, column in enumerate(CONTENT_COLUMNS) if column in JSON_COLUMNS and column != "answers"]


def to_rows(record: FeedbackRecord, *, ingested_at: str, run_id: str) -> RecordRows:
    """Rows in column order, with the run's lineage; `content_hash` covers everything else. A
    record's `duplicate_of` is written empty: the batch's identity links set it."""
    data = record.__dict__
    values = [data[column] for column in CONTENT_COLUMNS]
    for at in _TIMESTAMP_AT:
        values[at] = format_timestamp(values[at])
    for at in _DATE_AT:
        if values[at] is not None:
            values[at] = values[at].isoformat()
    values[_ANSWERS_AT] = to_json({key: answer.__dict__ for key, answer in values[_ANSWERS_AT].items()})
    for at in _JSON_AT:
        if values[at] is not None:
            values[at] = to_json(values[at])
    rid = record.record_id
    scores = [
        (rid, s.metric, s.question_id, s.question_text, s.value, s.scale_min, s.scale_max,
         s.direction, s.normalized, s.category, s.is_primary, s.question_key)
        for s in record.scores
    ]  # fmt: skip
    comments = [(rid, c.question_id, c.question_text, c.text, c.language) for c in record.comments]
    return content_rows(values, scores, comments, ingested_at=ingested_at, run_id=run_id)


def content_rows(
    values: list[Any], scores: list[tuple[Any, ...]], comments: list[tuple[Any, ...]], *, ingested_at: str, run_id: str,
    packed_scores: bytes | None = None,
) -> RecordRows:
    """A record's rows from its content, laid out as `to_rows` lays it out (`values`: the
    feedback columns before the lineage, stored form), with the run's lineage and content hash.
    `packed_scores`: the score rows as `_content_hash` writes them (`packed_row`, one after
    another), when the caller kept their parts written — the same hash for less work."""
    if packed_scores is None:
        digest = _content_hash(values, scores, comments)
    else:
        content = b"".join((_THREE, marshal.dumps(values, 0), b"[", _count(len(scores)), packed_scores,
                            marshal.dumps(comments, 0)))  # fmt: skip
        digest = hashlib.blake2b(content, digest_size=16).hexdigest()
    rows = _new(RecordRows)  # RecordRows(…) without the frozen dataclass's five object.__setattr__ calls
    fields = rows.__dict__
    fields["record_id"], fields["feedback"] = values[0], (*values, ingested_at, run_id, digest, None)
    fields["scores"], fields["comments"], fields["content_hash"] = scores, comments, digest
    return rows


_new = object.__new__
