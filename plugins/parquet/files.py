"""The folder a Parquet destination writes: one sub-folder per table, Hive-partitioned by source
and month for the record tables, every file written beside and renamed into place, so a reader
sees a file whole or not at all.

    feedback/source=store_survey/month=2025-01/part-0.parquet
    feedback/source=store_survey/month=__HIVE_DEFAULT_PARTITION__/part-0.parquet   (no date)
    feedback_scores/…, feedback_comments/…   (in the partition of their record)
    sync_runs/data.parquet, sync_state/data.parquet, quarantine/data.parquet
    feedback_cases/data.parquet, feedback_case_events/data.parquet, loop_outbox/data.parquet
    feedback_followups/data.parquet (empty), feedback_followups/*.parquet   (written by users)

The record tables, the loop's tables and the quarantine grow by part files (`part-1.parquet`,
`part-2.parquet`, …): a batch adds one per folder it writes instead of rewriting what is stored,
so its cost does not grow with the folder; a record table's parts of a batch are written by a
partitioned COPY (up to `records.COPY_ROWS` rows) into a fresh folder under
`_cxbridge/staging/`, where no reader looks, each then renamed into its partition
(`staged_partitions`, `move_in_part`). `merge` puts a folder's parts back into one file; since
no two files can be swapped for one atomically, it writes a journal first (`.merging.json`: the
file written beside and the parts it replaces) and `finish_merges` completes or forgets a merge
a crash cut short (and removes what a crash left staged).

`source` lives in the folder names, not in the files, as Hive layouts expect; every query engine
that reads Hive partitions (DuckDB, Spark, Athena, BigQuery external tables) gets it back.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cxbridge.layout import FEEDBACK, FEEDBACK_COMMENTS, FEEDBACK_SCORES, Table
from cxbridge.plugins.duckdb.destination import TYPE_NAMES, import_duckdb, under_duckdbs_own_limit

PARTITIONED = (FEEDBACK, FEEDBACK_SCORES, FEEDBACK_COMMENTS)
PARTITION_KEYS = ("source", "month")
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
PART_FILE = "part-0.parquet"
DATA_FILE = "data.parquet"
JOURNAL = ".merging.json"
EMPTY_FILE = Path("source=_none", "month=_none", ".empty.parquet")
"""Under each record table's folder: a file of no row with the table's file columns (written at
every migration and whenever it is gone, `write_empty_file`), so that the table's glob in
`_cxbridge/views.sql` matches a file before the table's first record — DuckDB fails on a glob
matching nothing. DuckDB's glob reads it (no row); Python's `glob.glob`, through which every
count and walk of the partitions here goes, skips a name starting with a dot; no source name
starts with `_`."""
STAGING = Path("_cxbridge", "staging")
"""Under the lake: the folders partitioned COPYs write into, outside every table's folder."""
PARTITION = "cx_partition"
"""The column a partitioned COPY writes by: the index of a row's partition folder in a list the
writer keeps (an integer, so no source or month value is ever encoded into a folder name by
DuckDB's rules)."""
WRITE_OPTIONS = "FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, ROW_GROUP_SIZE 4000"
"""Row groups of 4,000 rows: DuckDB reads (and a merge rewrites) a file a row group at a time,
and a feedback row with its raw JSON is about a kilobyte, so DuckDB's default 122,880-row groups
held ≈ 100 MB at once (a 1M-record sync's merges peaked at 300 MB against 130 MB with 10,000).
4,000 rather than 10,000 (with `ParquetDestination.memory_limit_mb` 32 rather than 48) took the
1M bench sync's peak from 211 to 193–196 MB (5,000: 198–199), for files 7.5 % larger (feedback
10 %; 5,000 the same) and up to 7 % more CPU (bench/JOURNAL.md, "Parquet — row groups of 5,000
and a 32 MiB pool"). zstd at level 1, not DuckDB's default 3: on the bench's feedback files level 1
wrote 23 % faster, was read 30 % faster and was 8 % smaller (bench/JOURNAL.md, "Parquet — zstd at
level 1, a batch staged once")."""
_PART = re.compile(r"part-(\d+)\.parquet")


def literal(text: str | os.PathLike[str]) -> str:
    """A SQL string literal."""
    return "'" + str(text).replace("'", "''") + "'"


def file_columns(table: Table) -> tuple[str, ...]:
    """The columns stored in the files: partition keys live in the folder names."""
    return tuple(name for name in table.column_names if name not in PARTITION_KEYS)


def typed(table: Table, columns: Sequence[str] | None = None) -> str:
    """The columns cast from staged text (timestamps, JSON) to their Parquet types."""
    names = columns or table.column_names
    return ", ".join(f"CAST({name} AS {TYPE_NAMES[table.column(name).type]}) AS {name}" for name in names)


def empty_select(table: Table, columns: Sequence[str] | None = None) -> str:
    names = columns or table.column_names
    return f"SELECT {', '.join(f'CAST(NULL AS {TYPE_NAMES[table.column(n).type]}) AS {n}' for n in names)} WHERE false"


def write_empty_file(conn: object, root: Path, table: Table) -> None:
    """A record table's EMPTY_FILE, with its file columns as they are now."""
    replace_atomically(conn, empty_select(table, file_columns(table)), root / table.name / EMPTY_FILE)


def partition_dir(root: Path, table: Table, source: str, month: str | None) -> Path:
    return root / table.name / f"source={source}" / f"month={month or NULL_PARTITION}"


def partition_of(path: Path) -> tuple[str, str | None]:
    """(source, month) of a partition folder."""
    source = path.parent.name.removeprefix("source=")
    month = path.name.removeprefix("month=")
    return source, None if month == NULL_PARTITION else month


def table_file(root: Path, table: Table) -> Path:
    return root / table.name / DATA_FILE


def folder_glob(folder: Path) -> str:
    """Every file of a table folder (a partition's, or a one-folder table's: its `data.parquet`
    and its parts)."""
    return str(folder / "*.parquet")


def folder_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.parquet")) if folder.is_dir() else []


def new_part(folder: Path) -> Path:
    """The next part file's name in a folder: one more than the highest part there."""
    numbers = [number for path in folder_files(folder) if (number := part_number(path)) is not None]
    return folder / f"part-{max(numbers) + 1 if numbers else 0}.parquet"


def part_number(path: Path) -> int | None:
    """The number of a part file (`new_part`); None for a file of another name."""
    return int(m.group(1)) if (m := _PART.fullmatch(path.name)) else None


def followup_glob(root: Path) -> str:
    """Every follow-up file: cxbridge creates an empty `data.parquet`, users add files beside it."""
    return str(root / "feedback_followups" / "*.parquet")


def partition_glob(root: Path, table: Table, source: str = "*") -> str:
    return str(root / table.name / f"source={source}" / "*" / "*.parquet")


def listed(paths: Sequence[Path]) -> str:
    """Files as a DuckDB list of literals, for `read_parquet`."""
    return "[" + ", ".join(literal(path) for path in paths) + "]"


def has_files(pattern: str) -> bool:
    from glob import glob

    return bool(glob(pattern))


def replace_atomically(conn: object, select_sql: str, target: Path) -> None:
    """Write the rows of `select_sql` to `target` so that readers see the old file or the new
    one, never half of either."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        copy(conn, select_sql, temporary)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def copy(conn: Any, select_sql: str, path: Path, *, options: str = "") -> None:
    """Write the rows of `select_sql` to the Parquet file `path` (with `options` partitioning
    them, to the files of the new folder `path`). Under the connection's `memory_limit`
    (ParquetDestination's while writing); rows too wide for it (a row group of 1 MB comments) are
    written again under DuckDB's own limit, as they were before it was set."""
    statement = f"COPY ({select_sql}) TO {literal(path)} ({WRITE_OPTIONS}{', ' + options if options else ''})"
    try:
        conn.execute(statement)
    except import_duckdb().OutOfMemoryException:
        if path.is_dir():  # the partitions written before it ran out: written again whole
            shutil.rmtree(path)
        with under_duckdbs_own_limit(conn):
            conn.execute(statement)


@contextmanager
def staged_partitions(conn: Any, select_sql: str, root: Path) -> Iterator[list[tuple[int, Path]]]:
    """The rows of `select_sql` written by one COPY partitioned by its column PARTITION (left out
    of the files) into a fresh folder under the lake's STAGING, as (partition index, file) in index
    order (an index with no row has no file); the folder and whatever is left in it removed after.
    Twelve partitions of a 20-row batch took 61 ms CPU as twelve COPYs, 33 ms as one. A file's
    rows come in no particular order: DuckDB's partitioned writer does not keep its input's order
    within a partition, and its COPY option ORDER_BY cost as much again as the rest of the COPY
    (nothing reads a part in order; a merge concatenates its parts). No reader globs STAGING; what
    a crash leaves there goes at the next open for writing (`finish_merges`)."""
    folder = root / STAGING / uuid.uuid4().hex
    folder.parent.mkdir(parents=True, exist_ok=True)
    partitioned = f"PARTITION_BY ({PARTITION}), WRITE_PARTITION_COLUMNS false, FILENAME_PATTERN 'part'"
    try:
        copy(conn, select_sql, folder, options=partitioned)
        written = folder.glob(f"{PARTITION}=*/*.parquet")
        yield sorted((int(path.parent.name.removeprefix(f"{PARTITION}=")), path) for path in written)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        with contextlib.suppress(OSError):  # the lake keeps no empty staging folder between batches
            folder.parent.rmdir()


def move_in_part(staged: Path, folder: Path) -> Path:
    """A file written elsewhere on the lake's disk renamed into `folder` as its next part: readers
    see it whole or not at all."""
    folder.mkdir(parents=True, exist_ok=True)
    part = new_part(folder)
    os.replace(staged, part)
    return part


def merge(conn: object, sources: Sequence[Path], target: Path) -> None:
    """Replace the files `sources` of one folder by `target` holding all their rows (`target` may
    be one of them). The rows are written beside first, then the journal names that file and the
    sources; renaming it to `target` is the moment the merge happens, and the sources left are
    removed after. A crash leaves either the journal with the file beside (nothing happened:
    `finish_merges` forgets it) or without it (the merge happened: `finish_merges` removes the
    sources still there); readers in between the rename and the removals may see a row twice."""
    folder = target.parent
    temporary = folder / f".{target.name}.{uuid.uuid4().hex}.tmp"
    journal = folder / JOURNAL
    files = listed(sources)
    try:
        copy(conn, f"SELECT * FROM read_parquet({files}, hive_partitioning = false)", temporary)
        _write_journal(journal, temporary, [path for path in sources if path != target])
        os.replace(temporary, target)
    except BaseException:
        journal.unlink(missing_ok=True)  # first: a journal whose file is gone means "merged"
        temporary.unlink(missing_ok=True)
        raise
    _finish(journal)


def _write_journal(journal: Path, temporary: Path, replaced: list[Path]) -> None:
    write_atomically(journal, json.dumps({"written": temporary.name, "replaces": [path.name for path in replaced]}))


def write_atomically(path: Path, text: str) -> None:
    """`path` holding `text`, or as it was: written beside, then renamed into place."""
    beside = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    beside.write_text(text, encoding="utf-8")
    os.replace(beside, path)


def _finish(journal: Path) -> None:
    entry = json.loads(journal.read_text(encoding="utf-8"))
    if not (journal.parent / entry["written"]).exists():  # renamed into place: the merge happened
        for name in entry["replaces"]:
            (journal.parent / name).unlink(missing_ok=True)
    (journal.parent / entry["written"]).unlink(missing_ok=True)
    journal.unlink()


def finish_merges(root: Path) -> None:
    """Complete (or forget) the merges a crash cut short, and remove files a crash left half
    written beside their table or staged (`staged_partitions`): run before anything else writes."""
    for journal in sorted([*root.glob(f"*/{JOURNAL}"), *root.glob(f"*/*/*/{JOURNAL}")]):
        _finish(journal)
    for leftover in [*root.glob("*/.*.tmp"), *root.glob("*/*/*/.*.tmp")]:
        leftover.unlink(missing_ok=True)
    shutil.rmtree(root / STAGING, ignore_errors=True)


def remove_partition_file(target: Path) -> None:
    target.unlink(missing_ok=True)
    for folder in (target.parent, target.parent.parent):
        try:
            folder.rmdir()
        except OSError:
            break
