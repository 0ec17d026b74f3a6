"""The folder a Parquet destination writes: one sub-folder per table, Hive-partitioned by source
and month for the record tables, every file replaced atomically (written beside, then renamed).

    feedback/source=store_survey/month=2025-01/part-0.parquet
    feedback/source=store_survey/month=__HIVE_DEFAULT_PARTITION__/part-0.parquet   (no date)
    feedback_scores/…, feedback_comments/…   (in the partition of their record)
    sync_runs/data.parquet, sync_state/data.parquet, quarantine/data.parquet
    feedback_cases/data.parquet, feedback_case_events/data.parquet, loop_outbox/data.parquet
    feedback_followups/data.parquet (empty), feedback_followups/*.parquet   (written by users)

`source` lives in the folder names, not in the files, as Hive layouts expect; every query engine
that reads Hive partitions (DuckDB, Spark, Athena, BigQuery external tables) gets it back.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from cxbridge.layout import FEEDBACK, FEEDBACK_COMMENTS, FEEDBACK_SCORES, Table

PARTITIONED = (FEEDBACK, FEEDBACK_SCORES, FEEDBACK_COMMENTS)
PARTITION_KEYS = ("source", "month")
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
PART_FILE = "part-0.parquet"
DATA_FILE = "data.parquet"


def literal(text: str | os.PathLike[str]) -> str:
    """A SQL string literal."""
    return "'" + str(text).replace("'", "''") + "'"


def file_columns(table: Table) -> tuple[str, ...]:
    """The columns stored in the files: partition keys live in the folder names."""
    return tuple(name for name in table.column_names if name not in PARTITION_KEYS)


def partition_dir(root: Path, table: Table, source: str, month: str | None) -> Path:
    return root / table.name / f"source={source}" / f"month={month or NULL_PARTITION}"


def partition_of(path: Path) -> tuple[str, str | None]:
    """(source, month) of a partition folder."""
    source = path.parent.name.removeprefix("source=")
    month = path.name.removeprefix("month=")
    return source, None if month == NULL_PARTITION else month


def table_file(root: Path, table: Table) -> Path:
    return root / table.name / DATA_FILE


def followup_glob(root: Path) -> str:
    """Every follow-up file: cxbridge creates an empty `data.parquet`, users add files beside it."""
    return str(root / "feedback_followups" / "*.parquet")


def partition_glob(root: Path, table: Table, source: str = "*") -> str:
    return str(root / table.name / f"source={source}" / "*" / "*.parquet")


def has_files(pattern: str) -> bool:
    from glob import glob

    return bool(glob(pattern))


def replace_atomically(conn: object, select_sql: str, target: Path) -> None:
    """Write the rows of `select_sql` to `target` so that readers see the old file or the new
    one, never half of either."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        conn.execute(f"COPY ({select_sql}) TO {literal(temporary)} (FORMAT parquet, COMPRESSION zstd)")  # type: ignore[attr-defined]
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def remove_partition_file(target: Path) -> None:
    target.unlink(missing_ok=True)
    for folder in (target.parent, target.parent.parent):
        try:
            folder.rmdir()
        except OSError:
            break
