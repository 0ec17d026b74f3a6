"""The rows SQL destinations stage, write and read back, and the engine-free SQL that merges them:
the staging tables, a batch's or a loop change's rows by table, the quarantine and sync-run rows,
values read back as SQLite returns them, and the anti-join and `MERGE` statements the engines share."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

from cxbridge.crm import latest_rows
from cxbridge.destinations import Batch, LoopChanges, QuarantineItem, SyncRun, WriteStats
from cxbridge.layout import CRM_TABLES, FEEDBACK, FEEDBACK_COMMENTS, FEEDBACK_SCORES, LOOP_TABLES, QUARANTINE
from cxbridge.layout import FEEDBACK_CASE_EVENTS, FEEDBACK_CASES, LOOP_OUTBOX, Column, ColumnType, Table
from cxbridge.tables import to_json
from cxbridge.timestamps import format_timestamp

LINKS = Table("feedback_links", (Column("record_id", required=True), Column("duplicate_of")), primary_key=())
"""Staged only: a batch's `duplicate_of` pointers (`Batch.links`), set after its records are merged."""
STAGED_TABLES = (FEEDBACK, FEEDBACK_SCORES, FEEDBACK_COMMENTS, QUARANTINE, *CRM_TABLES, LINKS, *LOOP_TABLES)
CHANGED = Table("cx_changed", (Column("record_id"), Column("existed", ColumnType.BOOLEAN)), primary_key=())
REPLACED = f"SELECT record_id FROM {CHANGED.name} WHERE existed"


def plain(value: Any) -> Any:
    """A value as SQLite would return it, so every destination reads back alike."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return format_timestamp(value if value.tzinfo else value.replace(tzinfo=timezone.utc))
    if isinstance(value, date):
        return value.isoformat()
    return value


def utc_now() -> str:
    return format_timestamp(datetime.now(timezone.utc))  # type: ignore[return-value]

def batch_stats(batch: Batch, written: int, *, cases_opened: int) -> WriteStats:
    """Stats of a batch whose new or changed records and CRM rows number `written`, and whose
    cases added number `cases_opened`."""
    return WriteStats(written, len(batch.records) + len(batch.context) - written, len(batch.quarantined), cases_opened)


def staged_rows(batch: Batch, now: str) -> dict[Table, list[tuple[Any, ...]]]:
    """The rows a batch puts into each staging table (a record read twice: the last one wins)."""
    records = list({rows.record_id: rows for rows in batch.records}.values())
    quarantined = list({item.record_id: item for item in batch.quarantined}.values())
    return {
        FEEDBACK: [rows.feedback for rows in records],
        FEEDBACK_SCORES: [score for rows in records for score in rows.scores],
        FEEDBACK_COMMENTS: [comment for rows in records for comment in rows.comments],
        QUARANTINE: [quarantine_row(item, now, batch.run_id) for item in quarantined],
        **{table: latest_rows(batch.context, table.name) for table in CRM_TABLES},
        LINKS: sorted(batch.links.items()),
        FEEDBACK_CASES: [opened.case for opened in batch.cases],
        FEEDBACK_CASE_EVENTS: [opened.event for opened in batch.cases],
        LOOP_OUTBOX: [delivery for opened in batch.cases for delivery in opened.deliveries],
    }


def loop_change_rows(changes: LoopChanges) -> dict[Table, list[tuple[Any, ...]]]:
    """The rows of a loop change by table; a case or delivery given twice: the last one wins."""
    return {
        FEEDBACK_CASES: list({row[0]: row for row in changes.cases}.values()),
        FEEDBACK_CASE_EVENTS: list({row[0]: row for row in changes.events}.values()),
        LOOP_OUTBOX: list({row[0]: row for row in changes.deliveries}.values()),
    }


def quarantine_row(item: QuarantineItem, now: str, run_id: str) -> tuple[Any, ...]:
    return (
        item.record_id, item.source, item.stream, item.source_record_id, to_json(item.raw), item.error,
        item.field, to_json(item.context), now, now, run_id, item.kind,
    )  # fmt: skip


def run_row(run: SyncRun) -> list[Any]:
    return [
        run.run_id, run.source, run.connector, format_timestamp(run.started_at), format_timestamp(run.finished_at),
        run.status, run.records_read, run.records_written, run.records_unchanged, run.records_quarantined,
        run.error, run.full_refresh, run.records_skipped, run.records_pruned, run.command,
    ]  # fmt: skip


def absent_keys(key: str, table: str, stage: str) -> str:
    """SQL true for a staged row whose `key` (a column, or several as "a, b") is not stored in
    `table`. The stored keys are looked up among the staged ones first, so the anti-join's build
    side is the batch's few keys, never the whole table (DuckDB planned `NOT EXISTS` with every
    stored key in a hash table: its memory grew with the table). Keys are required columns, so
    `NOT IN` meets no NULL."""
    row = f"({key})" if "," in key else key
    return f"{row} NOT IN (SELECT {key} FROM {table} WHERE {row} IN (SELECT {key} FROM {stage}))"


def merge_links_sql(select: str) -> str:
    """`MERGE` setting `feedback.duplicate_of` from the (record_id, duplicate_of) rows of `select`
    (Snowflake, BigQuery)."""
    return (
        f"MERGE INTO feedback t USING ({select}) s ON t.record_id = s.record_id "
        "WHEN MATCHED THEN UPDATE SET duplicate_of = s.duplicate_of"
    )


def merge_sql(table: Table, select: str, *, keep: Sequence[str] = ()) -> str:
    """`MERGE` of the rows of `select` into `table` by its primary key (Snowflake, BigQuery)."""
    on = " AND ".join(f"t.{key} = s.{key}" for key in table.primary_key)
    updates = [c for c in table.column_names if c not in table.primary_key and c not in keep]
    columns = ", ".join(table.column_names)
    return (
        f"MERGE INTO {table.name} t USING ({select}) s ON {on} "
        f"WHEN MATCHED THEN UPDATE SET {', '.join(f'{c} = s.{c}' for c in updates)} "
        f"WHEN NOT MATCHED THEN INSERT ({columns}) VALUES ({', '.join(f's.{c}' for c in table.column_names)})"
    )


def empty_stage_options(batch: Batch, staged: Mapping[Table, Sequence[tuple[Any, ...]]]) -> dict[str, bool]:
    """`SQLDestination.merge_statements`' options leaving out the statements that read the
    quarantine's or the outbox's stage when the batch staged nothing there, and those taking out
    stored rows of quarantined records a first sync never stored (`Batch.quarantined_unstored`)."""
    quarantined = bool(staged[QUARANTINE])
    return {"quarantined": quarantined, "deliveries": bool(staged[LOOP_OUTBOX]),
            "quarantined_stored": quarantined and not batch.quarantined_unstored}  # fmt: skip
