"""The tables of DESIGN.md §2 described once, with engine-neutral column types, so every SQL
destination creates the same columns in the same order in its own dialect."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from cxbridge.crm import ACCOUNT_COLUMNS, CONTACT_COLUMNS
from cxbridge.tables import COMMENT_COLUMNS, FEEDBACK_COLUMNS, SCORE_COLUMNS


class ColumnType(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    REAL = "real"
    BOOLEAN = "boolean"
    TIMESTAMP = "timestamp"  # UTC
    JSON = "json"


T = ColumnType


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType = T.TEXT
    required: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    indexes: tuple[tuple[str, ...], ...] = ()

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def column(self, name: str) -> Column:
        return next(column for column in self.columns if column.name == name)


def _columns(names: tuple[str, ...], types: Mapping[str, ColumnType], required: set[str]) -> tuple[Column, ...]:
    return tuple(Column(name, types.get(name, T.TEXT), name in required) for name in names)


IDENTITY_INDEXES = (("source_record_id",), ("respondent_key",), ("duplicate_of",))
"""What cross-source identity looks records up by (cxbridge.resolver)."""

FEEDBACK = Table(
    "feedback",
    _columns(
        FEEDBACK_COLUMNS,
        {
            "submitted_at": T.TIMESTAMP, "updated_at": T.TIMESTAMP, "ingested_at": T.TIMESTAMP,
            "nps": T.INTEGER, "csat": T.REAL, "csat_normalized": T.REAL, "ces": T.REAL,
            "ces_normalized": T.REAL, "answers": T.JSON, "attributes": T.JSON, "raw": T.JSON,
            "schema_version": T.INTEGER,
        },
        {"record_id", "source", "connector", "stream", "source_record_id", "program", "status", "ingested_at",
         "sync_run_id", "schema_version", "content_hash"},
    ),
    primary_key=("record_id",),
    indexes=(("submitted_at",), ("source", "stream"), ("location_id",), *IDENTITY_INDEXES),
)  # fmt: skip

FEEDBACK_SCORES = Table(
    "feedback_scores",
    _columns(
        SCORE_COLUMNS,
        {"value": T.REAL, "scale_min": T.REAL, "scale_max": T.REAL, "normalized": T.REAL, "is_primary": T.BOOLEAN},
        {"record_id", "metric", "question_id", "value", "scale_min", "scale_max", "direction", "normalized",
         "is_primary"},
    ),
    primary_key=("record_id", "question_id", "metric"),
    indexes=(("metric", "is_primary"), ("question_key",)),
)  # fmt: skip

FEEDBACK_COMMENTS = Table(
    "feedback_comments",
    _columns(COMMENT_COLUMNS, {}, {"record_id", "question_id", "text"}),
    primary_key=("record_id", "question_id"),
)

FEEDBACK_FOLLOWUPS = Table(
    "feedback_followups",
    (Column("record_id", required=True), Column("followed_up_at", T.TIMESTAMP, True), Column("owner"), Column("note")),
    primary_key=("record_id",),
)

SYNC_RUNS = Table(
    "sync_runs",
    (
        Column("run_id", required=True), Column("source", required=True), Column("connector", required=True),
        Column("started_at", T.TIMESTAMP, True), Column("finished_at", T.TIMESTAMP), Column("status", required=True),
        Column("records_read", T.INTEGER, True), Column("records_written", T.INTEGER, True),
        Column("records_unchanged", T.INTEGER, True), Column("records_quarantined", T.INTEGER, True),
        Column("error"), Column("full_refresh", T.BOOLEAN, True),
        Column("records_skipped", T.INTEGER),  # last: where a migration adds it; null in runs from before it
        Column("records_pruned", T.INTEGER),  # after it, as migrations add them; null in a run without --prune
        Column("command"),  # sync, import, replay, remove or erase: null in runs from before it
    ),
    primary_key=("run_id", "source"),
)  # fmt: skip

SYNC_STATE = Table(
    "sync_state",
    (
        Column("source", required=True), Column("stream", required=True), Column("cursor"),
        Column("updated_at", T.TIMESTAMP, True), Column("sync_run_id", required=True),
    ),
    primary_key=("source", "stream"),
)  # fmt: skip

QUARANTINE = Table(
    "quarantine",
    (
        Column("record_id", required=True), Column("source", required=True), Column("stream", required=True),
        Column("source_record_id"), Column("raw", T.JSON), Column("error", required=True), Column("field"),
        Column("context", T.JSON), Column("first_seen", T.TIMESTAMP, True), Column("last_seen", T.TIMESTAMP, True),
        Column("run_id", required=True), Column("kind"),  # the rule it breaks (DataError.kind); NULL if none named
    ),
    primary_key=("record_id",),
    indexes=(("source", "stream"),),
)  # fmt: skip

CRM_ACCOUNTS = Table(
    "crm_accounts",
    _columns(ACCOUNT_COLUMNS, {"annual_revenue": T.REAL, "updated_at": T.TIMESTAMP, "attributes": T.JSON,
                               "ingested_at": T.TIMESTAMP},
             {"source", "account_id", "content_hash", "ingested_at", "sync_run_id"}),
    primary_key=("source", "account_id"),
    indexes=(("account_id",),),
)  # fmt: skip

CRM_CONTACTS = Table(
    "crm_contacts",
    _columns(CONTACT_COLUMNS, {"updated_at": T.TIMESTAMP, "attributes": T.JSON, "ingested_at": T.TIMESTAMP},
             {"source", "contact_id", "content_hash", "ingested_at", "sync_run_id"}),
    primary_key=("source", "contact_id"),
    indexes=(("contact_id",), ("respondent_key",)),
)  # fmt: skip

METADATA = Table(
    "cxbridge_metadata",
    (Column("name", required=True), Column("value"), Column("updated_at", T.TIMESTAMP, True)),
    primary_key=("name",),
)
"""Settings of the dataset kept with its data (its respondent salt): name → value."""
FEEDBACK_CASES = Table(
    "feedback_cases",
    (
        Column("case_id", required=True), Column("record_id", required=True), Column("source", required=True),
        Column("location_id"), Column("rule", required=True), Column("matched"), Column("status", required=True),
        Column("owner"), Column("opened_at", T.TIMESTAMP, True), Column("due_at", T.TIMESTAMP),
        Column("first_contact_at", T.TIMESTAMP), Column("resolved_at", T.TIMESTAMP),
        Column("informed_at", T.TIMESTAMP), Column("closed_at", T.TIMESTAMP), Column("close_reason"),
        Column("external_ref"), Column("updated_at", T.TIMESTAMP, True), Column("sync_run_id", required=True),
        Column("opened_local_date"),
    ),
    primary_key=("case_id",),
    indexes=(("record_id",), ("status",)),
)  # fmt: skip

FEEDBACK_CASE_EVENTS = Table(
    "feedback_case_events",
    (
        Column("event_id", required=True), Column("case_id", required=True), Column("event_at", T.TIMESTAMP, True),
        Column("actor", required=True), Column("kind", required=True), Column("from_value"), Column("to_value"),
        Column("note"),
    ),
    primary_key=("event_id",),
    indexes=(("case_id",),),
)  # fmt: skip

LOOP_OUTBOX = Table(
    "loop_outbox",
    (
        Column("delivery_id", required=True), Column("case_id", required=True), Column("action", required=True),
        Column("status", required=True), Column("attempts", T.INTEGER, True), Column("created_at", T.TIMESTAMP, True),
        Column("next_attempt_at", T.TIMESTAMP), Column("last_attempt_at", T.TIMESTAMP),
        Column("delivered_at", T.TIMESTAMP), Column("external_ref"), Column("last_error"),
    ),
    primary_key=("delivery_id",),
    indexes=(("status",),),
)  # fmt: skip

ERASURES = Table(
    "erasures",
    (Column("kind", required=True), Column("erased_id", required=True), Column("erased_at", T.TIMESTAMP, True)),
    primary_key=("kind", "erased_id"),
)
"""The tombstones of `cxbridge erase` (`cxbridge.erasure`): the respondent keys and record ids
erased, never a contact, so that later syncs skip what a source still holds of them."""

INITIAL_TABLES = (FEEDBACK, FEEDBACK_SCORES, FEEDBACK_COMMENTS, FEEDBACK_FOLLOWUPS, SYNC_RUNS, SYNC_STATE, QUARANTINE)
CRM_TABLES = (CRM_ACCOUNTS, CRM_CONTACTS)  # added by the third migration
LOOP_TABLES = (FEEDBACK_CASES, FEEDBACK_CASE_EVENTS, LOOP_OUTBOX)  # added by the fifth: close the loop
TABLES = (*INITIAL_TABLES, *CRM_TABLES, *LOOP_TABLES)
TABLES_BY_NAME = {table.name: table for table in TABLES}
