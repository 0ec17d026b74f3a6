"""`duckdb:///path.duckdb`: an embedded analytical database, the analyst's favourite.

A batch's rows become NumPy arrays registered under the staging names (`staging`: no row-by-row
inserts, no copy into DuckDB's memory, no pyarrow), and the merge reads them in one DuckDB
transaction with the cursor. DuckDB lets one process open a file for writing; BI tools read it between syncs (or
read-only while no sync runs).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, TypeVar

from cxbridge.destinations import IDENTITY_LOOKUPS, IDENTITY_SELECT, Batch, LoopChanges, WriteStats
from cxbridge.errors import ConfigError, DestinationError, DestinationLockedError
from cxbridge.layout import (
    CRM_TABLES,
    FEEDBACK,
    FEEDBACK_COMMENTS,
    FEEDBACK_SCORES,
    LOOP_OUTBOX,
    LOOP_TABLES,
    QUARANTINE,
    Column,
    ColumnType,
    Table,
)
from cxbridge.local_files import file_lock, file_lock_held, lock_holder, made_whole, path_of
from cxbridge.plugins.duckdb.new_file import template
from cxbridge.plugins.duckdb.staging import column_arrays
from cxbridge.sql_destination import SQLDestination
from cxbridge.sql_migrations import MIGRATIONS, MIGRATIONS_TABLE, Migration
from cxbridge.sql_rows import CHANGED, REPLACED, absent_keys, utc_now

TYPE_NAMES = {
    ColumnType.TEXT: "VARCHAR",
    ColumnType.INTEGER: "BIGINT",
    ColumnType.REAL: "DOUBLE",
    ColumnType.BOOLEAN: "BOOLEAN",
    ColumnType.TIMESTAMP: "TIMESTAMPTZ",
    ColumnType.JSON: "JSON",
}


ID_TABLE = Table("ids", (FEEDBACK.column("record_id"),), ())
"""A relation of ids the queries picking rows by a batch's keys join to (`_register_ids`)."""
RECORD_TABLES = (FEEDBACK, FEEDBACK_SCORES, FEEDBACK_COMMENTS, QUARANTINE, *LOOP_TABLES)
GROWING_TABLES = (*RECORD_TABLES, *CRM_TABLES)
"""Tables that grow with the records (the CRM ones with the accounts and contacts they name)."""
READ_EMPTY = (FEEDBACK, FEEDBACK_SCORES, FEEDBACK_COMMENTS, QUARANTINE)
"""Staged tables a merge may read with no rows (`SQLDestination.merge_statements` reads the CRM
ones and the links only when they have some, the loop's when one of them has)."""
KEYLESS_MIGRATION = "duckdb_0001_keyless_growing_tables"
KEYLESS_CRM_MIGRATION = "duckdb_0002_keyless_crm_tables"
Changes = TypeVar("Changes", Batch, LoopChanges)
log = logging.getLogger(__name__)


def drop_keys(destination: SQLDestination, tables: Sequence[Table]) -> None:
    """The `tables` of a file created with their PRIMARY KEYs, rebuilt without them (DuckDB
    cannot drop a constraint): same rows and columns, views unchanged (they read by name). A new
    file's set-up (`views_deferred`) makes them keyless: nothing to look up."""
    if destination.views_deferred:
        return
    keyed = {
        row["table_name"]
        for row in destination.fetch(
            "SELECT table_name FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY' AND database_name = current_database()"
        )
    }
    for table in tables:
        if table.name not in keyed:
            continue
        rebuilt = Table(f"{table.name}_rebuilt", table.columns, primary_key=())
        columns = ", ".join(table.column_names)
        destination.execute(destination.create_table_sql(rebuilt))
        destination.execute(f"INSERT INTO {rebuilt.name} ({columns}) SELECT {columns} FROM {table.name}")
        destination.execute(f"DROP TABLE {table.name}")
        destination.execute(f"ALTER TABLE {rebuilt.name} RENAME TO {table.name}")


def import_duckdb() -> Any:
    try:
        import duckdb
    except ImportError:
        raise ConfigError("the duckdb destination needs DuckDB: pip install 'cxbridge[duckdb]'") from None
    return duckdb


@contextmanager
def under_duckdbs_own_limit(conn: Any) -> Iterator[None]:
    """What runs inside runs under DuckDB's own memory limit (80 % of the RAM), the connection's
    limit set back after: a statement that ran out under a writing connection's limit, run again."""
    [(limit,)] = conn.execute("SELECT current_setting('memory_limit')").fetchall()
    conn.execute("RESET memory_limit")
    try:
        yield
    finally:
        conn.execute(f"SET memory_limit = '{limit}'")


class DuckDBDestination(SQLDestination):
    """`duckdb:///cxbridge.duckdb` (relative to the config file) or `duckdb:////abs/path.duckdb`."""

    name = "duckdb"
    batch_size = 10_000  # a transaction (and a load) costs more than its rows here
    first_batch_size = 1_500
    """A first sync's batches look nothing up (`Batch.unstored`), so a smaller one costs only its
    statements and commit; its Python rows are what a sync holds besides DuckDB's checkpointing
    commit, the peak (bench/JOURNAL.md, "DuckDB's first sync in small batches, measured again")."""
    ids_per_query = 10_000  # a query scans a column (Parquet: every file of a table): a batch's ids at once
    scans_for_ids = True
    type_names = TYPE_NAMES
    indexes = False  # DuckDB scans with zone maps; ART indexes only slow bulk merges
    keyless = frozenset(table.name for table in GROWING_TABLES)
    """Tables that grow with the records, created without a PRIMARY KEY: DuckDB keeps a key's ART
    index whole in memory (it cannot be evicted and counts against `memory_limit`: the loop's
    keys alone cost about 125 bytes per case). The merge keeps their keys unique: records,
    cases, deliveries, CRM rows and quarantined records replace the stored rows of their keys (through
    `replace_records_sql` and `replace_rows_sql`), opened cases, their events and deliveries are
    added only where their key is absent, and an event is a new random id."""
    migrations = (
        *MIGRATIONS,
        Migration(KEYLESS_MIGRATION, lambda destination: drop_keys(destination, RECORD_TABLES)),
        Migration(KEYLESS_CRM_MIGRATION, lambda destination: drop_keys(destination, CRM_TABLES)),
    )
    from_template = True
    """A new file is written from one set up once a process (`new_file`); False sets it up."""
    memory_limit_mb = 32
    """DuckDB's buffer pool while a sync writes, between batches and beside the room of the batch
    staged (`_fit_memory_limit`); what does not fit spills to `<file>.tmp` beside the file. A
    batch's merge works on the batch (its joins build on the batch's keys) and the growing tables
    keep no key index, so what DuckDB holds stays flat however large the tables. A write that
    needs more runs again under DuckDB's own limit (`_within_memory`)."""
    checkpoint_memory_mb = 48
    """The pool while a transaction commits (beside the room of the wide texts not checkpointed
    yet): a commit checkpoints once the log passes `checkpoint_threshold_mb`, and a checkpoint
    that cannot pin a block invalidates the database for the rest of the process — at 16 MiB it
    failed on the bench's 100k-record file, at 24 MiB on its 1M one (with DuckDB's 16 MiB
    threshold)."""
    checkpoint_threshold_mb = 256
    """The write-ahead log's size from which a commit checkpoints (DuckDB's default: 16 MiB, every
    other batch of the bench). Each checkpoint compresses the tables' last row groups again, so
    its cost grows with how often it runs: the bench's 1M records merged from Arrow spent 61.0 s
    of CPU in the commits at 16 MiB, 28.4 s at 256 MiB (bench/JOURNAL.md, "the DuckDB floor").
    Wide texts still checkpoint every `wide_checkpoint_mb` (`transaction`)."""
    wide_checkpoint_mb = 16
    """Wide texts committed since the last checkpoint from which a commit checkpoints at once:
    the room a commit gets grows with them (`_commit_limit_mb`), bounded as under DuckDB's 16 MiB
    threshold."""
    staged_memory_factor = 1
    """Room for a batch while it merges, per byte of its values (30,000 responses with 5 KB
    comments, 155 MB of CSV, needed once their size)."""
    wide_memory_factor = 4
    """Room per character of a batch's wide texts (`WIDE_TEXT`, kept in blocks of their own):
    300 responses with 1 MB comments needed four times their size to merge, and again to commit."""

    _limit_mb = 0
    """The memory_limit set on a writing connection (none on others, nor on Parquet's)."""
    _unread: frozenset[Table] = frozenset()
    """Stages of the batch being written that no statement reads when empty (`merge_options`)."""
    _quarantine_empty: bool | None = None
    """Whether the open connection's quarantine table holds no row; None: not asked yet (`_quarantine_held`)."""

    def __init__(self, url: str, *, base_dir: Path | None = None):
        super().__init__(url, base_dir=base_dir)
        self.path = path_of(url, self.base_dir, kind="DuckDB", example="duckdb:///cxbridge.duckdb")
        self._registered: set[str] = set()
        self._staged_bytes = 0
        self._staged_wide = 0
        self._unchecked_wide = 0  # characters of wide texts committed or staged since the last checkpoint
        self._limit_mb = 0
        self._base_mb = self.memory_limit_mb  # doubled by each write that did not fit (`_within_memory`)
        self._made = False  # the open wrote a new file from the template (`connect`)

    @classmethod
    def day_of(cls, column: str) -> str:
        return f"strftime({column}, '%Y-%m-%d')"

    @classmethod
    def iso_week_of(cls, day: str) -> str:
        return f"strftime(CAST({day} AS DATE), '%G-W%V')"

    @classmethod
    def days_since(cls, column: str) -> str:
        return f"CAST(FLOOR((epoch(now()) - epoch({column})) / 86400) AS INTEGER)"

    @classmethod
    def json_integer(cls, column: str, key: str) -> str:
        path = f"{column}, '$.{key}'"
        return f"CASE WHEN json_type({path}) IN ('UBIGINT', 'BIGINT') THEN CAST(json_extract_string({path}) AS BIGINT) END"

    @classmethod
    def json_string(cls, column: str, key: str) -> str:
        path = f"{column}, '$.{key}'"
        return f"CASE WHEN json_type({path}) = 'VARCHAR' THEN json_extract_string({path}) END"

    @classmethod
    def as_number(cls, expression: str) -> str:
        return f"CAST({expression} AS DOUBLE)"

    @classmethod
    def is_past(cls, column: str) -> str:
        return f"{column} < now()"

    @classmethod
    def hours_between(cls, start: str, end: str) -> str:
        return f"((epoch({end}) - epoch({start})) / 3600.0)"

    def replace_records_sql(self, select: str) -> list[str]:
        columns = ", ".join(FEEDBACK.column_names)  # by name: a column added later sits last in older files
        return [f"DELETE FROM feedback WHERE record_id IN ({REPLACED})", f"INSERT INTO feedback ({columns}) {select}"]

    def replace_rows_sql(self, table: Table, select: str, *, keep: Sequence[str] = ()) -> list[str]:
        """A keyless table's stored rows updated by key (except `keep` columns), then the rows of
        keys not stored added; a keyed one upserts."""
        if table.name not in self.keyless:
            return super().replace_rows_sql(table, select, keep=keep)
        updated = [c for c in table.column_names if c not in table.primary_key and c not in keep]
        sets = ", ".join(f"{column} = s.{column}" for column in updated)
        same_key = " AND ".join(f"{table.name}.{key} = s.{key}" for key in table.primary_key)
        columns = ", ".join(table.column_names)
        return [
            f"UPDATE {table.name} SET {sets} FROM ({select}) s WHERE {same_key}",
            f"INSERT INTO {table.name} ({columns}) SELECT {columns} FROM ({select}) s "
            f"WHERE {absent_keys(', '.join(table.primary_key), table.name, f'({select}) n')}",
        ]

    def exists(self) -> bool:
        return self.path.exists()

    def holds_no_feedback(self) -> bool:
        return self.holds_nothing_yet()

    def holds_nothing_of(self, source: str) -> bool:
        return self.holds_nothing_of_yet(source)

    def rows_with(
        self, table: str, columns: Iterable[str], key: str, ids: Sequence[str], *, condition: str = ""
    ) -> list[dict[str, Any]]:
        """The loop's look-ups of a batch's records and cases: the ids registered as a relation the
        table is semi-joined to, built on the ids. Listed as 10,000 literals, DuckDB planned a
        query of constants: on the bench's 1M Parquet lake +52 MB and 0.41 s of CPU a look-up,
        joined +15 MB and 0.14 s; on its 1M DuckDB file see bench/JOURNAL.md, "DuckDB — the loop's
        look-ups joined"."""
        found: list[dict[str, Any]] = []
        selected, size, where = ", ".join(columns), self.ids_per_query, f"{condition} AND " if condition else ""
        for start in range(0, len(ids), size):
            self._register_ids("cx_lookup", ids[start : start + size])
            try:
                with self._built_on_keys():
                    found += self._looked_up(
                        f"SELECT {selected} FROM {self.qualified(table)} "
                        f"WHERE {where}{key} IN (SELECT record_id FROM cx_lookup)"
                    )
            finally:
                self.conn.unregister("cx_lookup")
        return found

    def _looked_up(self, sql: str) -> list[dict[str, Any]]:
        """A look-up's rows. Its join's hash table and its rows (identity's carry each record's
        answers) take memory beside the pool's cached blocks, so one that runs out under the
        writing connection's limit runs again under DuckDB's own, then the limit is set back:
        look-ups run between a sync's transactions, and a small one needs no more room than a
        large one's retry."""
        try:
            return self.query(sql)
        except import_duckdb().OutOfMemoryException:
            if not self._limit_mb:
                raise
            log.info("%s: a look-up needed more than DuckDB's %d MiB; reading it again under DuckDB's own limit",
                     self.path, self._limit_mb)  # fmt: skip
        with under_duckdbs_own_limit(self.conn):
            return self.query(sql)

    def identity_rows(self, column: str, values: Sequence[str]) -> list[dict[str, Any]]:
        """Cross-source identity's look-ups of a batch's keys, joined as the loop's are (`rows_with`):
        one query a column a batch. Listed 500 to a query, each query scanning `feedback`'s
        column, they took half a second source's first sync (bench/JOURNAL.md, "DuckDB — a
        source's first sync into a file other sources wrote")."""
        assert column in IDENTITY_LOOKUPS, column
        return self.rows_with("feedback", IDENTITY_SELECT, column, sorted(set(values)))

    @contextmanager
    def _built_on_keys(self) -> Iterator[None]:
        """Around a query picking the rows of a table by a batch's keys (`key IN (SELECT … FROM` a
        registered relation`)`): DuckDB's optimizer (its `build_side_probe_side` pass) turned such
        a semi-join around and built its hash table on the stored side, so that on the 1M-record
        Parquet lake each look-up of 10,000 case ids held all 780,699 stored ones (+54 MB, 0.16 s
        of CPU); built on the keys, +9 MB and 0.07 s. A DuckDB without that pass plans as it does."""
        try:
            self.conn.execute("SET disabled_optimizers = 'build_side_probe_side'")
        except import_duckdb().Error:
            yield
            return
        try:
            yield
        finally:
            self.conn.execute("RESET disabled_optimizers")

    def _register_ids(self, name: str, ids: Sequence[str]) -> None:
        """A one-column relation of record ids, readable as `name` in this session's SQL."""
        self.conn.register(name, column_arrays(ID_TABLE, [(record_id,) for record_id in ids]).arrays)

    def lock(self, *, wait: float = 0) -> AbstractContextManager[None]:
        return file_lock(self.path, wait=wait)

    def lock_held(self) -> bool:
        return file_lock_held(self.path)

    def connect(self, *, read_only: bool) -> Any:
        duckdb = import_duckdb()
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            failures = (duckdb.Error, DestinationError)  # the template's own set-up: this file is set up as before
            self._made = self.from_template and made_whole(self.path, lambda: template(type(self)), failures=failures)
        try:
            conn = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise self._opened_elsewhere(read_only=read_only) from None
            raise DestinationError(f"cannot open {self.path}: {exc}") from None
        conn.execute("SET TimeZone = 'UTC'")
        conn.execute("SET enable_progress_bar = false")  # DuckDB draws it on stdout, into a command's output
        if not read_only:
            conn.execute("SET pandas_analyze_sample = 0")  # staged columns read as text, cast by `from_stage`
            # One thread while writing, as the Parquet destination: a batch's statements are small
            # next to the Python that builds it, and a second thread only added its scheduling —
            # −4 to −7 % CPU on the bench's 100k and 1M syncs, no slower by the clock, 4 MB lower
            # at 1M; −8 % user and −30 % system time over the conformance suite's small batches
            # (bench/JOURNAL.md, "DuckDB — one thread while writing"). Reads keep every thread.
            conn.execute("SET threads = 1")
            conn.execute(f"SET memory_limit = '{self._base_mb}MiB'")
            self._limit_mb = self._base_mb
            spill = str(self.path).replace("'", "''") + ".tmp"
            conn.execute(f"SET temp_directory = '{spill}'")
            conn.execute(f"SET checkpoint_threshold = '{self.checkpoint_threshold_mb}MiB'")
        return conn

    def apply_migrations(self) -> None:
        """A file written from the template (`connect`) has every migration: dated now, as set up."""
        if self._made:
            self.execute(f"UPDATE {MIGRATIONS_TABLE.name} SET applied_at = {self.param(0)}", [utc_now()])
        else:
            super().apply_migrations()

    def _opened_elsewhere(self, *, read_only: bool) -> DestinationLockedError:
        """The refusal of a file another process has open for writing: a cxbridge command named by
        its lock's holder file (`lock_holder`), which a reader (`status`, `report`) waits for, or
        a program cxbridge does not know (a BI tool, the DuckDB CLI), to close."""
        if read_only and (holder := lock_holder(self.path)):
            return DestinationLockedError(
                f"{self.path} is being written by another cxbridge command ({holder}), and DuckDB lets no other "
                "process open a file while one writes it, not even to read: this command cannot read it until "
                "that one ends; run it again then (on SQLite and PostgreSQL `status` shows a running sync's "
                "committed counts meanwhile)"
            )
        return DestinationLockedError(
            f"{self.path} is open in another process (a sync or a BI tool); DuckDB lets one "
            "process write at a time: close it there and run again"
        )

    def close(self) -> None:
        with self._invalidation_reported():
            try:
                if self._conn is not None and self._limit_mb:  # DuckDB checkpoints what the log holds as it closes
                    self._set_limit(self._commit_limit_mb())
            finally:
                super().close()
                self._limit_mb = 0
                self._quarantine_empty = None

    @contextmanager
    def _invalidation_reported(self) -> Iterator[None]:
        """DuckDB's FatalException (an internal error, such as a checkpoint that could not get
        memory) invalidates the database for the rest of the process: every later statement
        fails the same way. It is a DestinationError that says what is kept and what to do."""
        try:
            yield
        except import_duckdb().FatalException as exc:
            first_line = str(exc).strip().splitlines()[0]
            raise DestinationError(
                f"DuckDB stopped writing {self.path} after an internal error ({first_line}); every batch "
                "committed before it is kept (DuckDB replays its log when the file is opened next): "
                "run the sync again"
            ) from None

    def _commit_limit_mb(self) -> int:
        return self.checkpoint_memory_mb + math.ceil(self.wide_memory_factor * self._unchecked_wide / 2**20)

    def cursor(self) -> Any:
        return self.conn  # a DuckDB cursor is a separate connection with its own transaction

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._invalidation_reported():
            self.conn.begin()
            try:
                yield
            except BaseException:
                self.conn.rollback()
                raise
            self._unstage(fit=False)  # the batch's arrays let go, the pool set for the commit (which may checkpoint)
            self._set_limit(self._commit_limit_mb())
            log_size = self._log_size()
            try:
                self.conn.commit()
                if self._unchecked_wide > self.wide_checkpoint_mb * 2**20:
                    self.conn.execute("CHECKPOINT")
            finally:
                if self._log_size() < log_size:  # the commit checkpointed: the log starts again
                    self._unchecked_wide = 0
                self._fit_memory_limit()

    def _log_size(self) -> int:
        """Bytes of the file's write-ahead log (a checkpoint empties it)."""
        try:
            return Path(f"{self.path}.wal").stat().st_size
        except OSError:
            return 0

    def create_stages(self) -> None:
        self.execute(self.create_stage_sql(CHANGED, CHANGED.name))  # the staged rows are NumPy arrays (`stage`)

    def create_stage_sql(self, table: Table, name: str) -> str:
        columns = ", ".join(self.column_sql(column, staged=True) for column in table.columns)
        return f"CREATE OR REPLACE TEMPORARY TABLE {name} ({columns})"

    def clear_sql(self, name: str) -> str:
        """`cx_changed` (the one staging table here) made anew: DuckDB keeps deleted rows in a
        table until it is checkpointed, and a temporary one never is — emptied by DELETE, it grew
        by a batch's ids each batch (spilled to disk beyond `memory_limit`)."""
        return self.create_stage_sql(CHANGED, name)

    def stage(self, staged: Mapping[Table, Sequence[tuple[Any, ...]]]) -> None:
        """Each table's rows as NumPy arrays registered under its staging name: the merge reads
        them where they are, without copying them into DuckDB's memory first. A table without
        rows is left out unless a statement reads it empty (`READ_EMPTY`, and the loop's tables
        once one of them has rows), and so are the quarantine's and the outbox's when
        `merge_options` leaves out every statement reading them (`_unread`): registering one
        binds it, ≈ 1 ms, and unregistering it costs besides (bench/JOURNAL.md, "DuckDB's first
        sync in small batches, measured again")."""
        cases = any(staged.get(table) for table in LOOP_TABLES)
        for table, rows in staged.items():
            if not rows and (table in self._unread or table not in READ_EMPTY and not (cases and table in LOOP_TABLES)):
                continue
            arrays, nbytes, wide = column_arrays(table, rows)
            self.conn.register(self.stage_name(table), arrays)
            self._registered.add(self.stage_name(table))
            self._staged_bytes += nbytes
            self._staged_wide += wide
            self._unchecked_wide += wide
        self._fit_memory_limit()

    def _fit_memory_limit(self) -> None:
        """The buffer pool sized for the batch staged: `memory_limit_mb` plus room for its values
        (as Arrow would hold them, `column_arrays`), `staged_memory_factor` times their size and
        `wide_memory_factor` times that of its wide texts. DuckDB copies a batch's values into its
        own blocks as it merges them: with a fixed 64 MB, 30,000 responses with 5 KB comments
        failed with DuckDB's OutOfMemoryException (tests/test_duckdb_memory.py). Back to
        `memory_limit_mb` once the batch is merged (`_unstage`, before the commit), which lets
        DuckDB evict what it cached meanwhile. A bench batch (17–18 MB of values, none wide) gets
        32 + 18 MiB: four times its size (64 + 72 MiB, the rule until 2026-12-03) filled with
        cached blocks of the 1M-record file and peaked 39 MB higher."""
        room = self.staged_memory_factor * self._staged_bytes
        room += (self.wide_memory_factor - self.staged_memory_factor) * self._staged_wide
        self._set_limit(self._base_mb + math.ceil(room / 2**20))

    def _set_limit(self, limit_mb: int) -> None:
        if self._limit_mb and limit_mb != self._limit_mb:  # a writing connection's (Parquet's sets none)
            self.conn.execute(f"SET memory_limit = '{limit_mb}MiB'")
            self._limit_mb = limit_mb

    def load_stage(self, table: Table, rows: Sequence[tuple[Any, ...]]) -> None:
        self.stage({table: rows})

    def from_stage(self, column: Column) -> str:
        """A staged column as its type: each staged object array (text, integers, booleans) is read
        as text (`pandas_analyze_sample` 0) and cast. DuckDB otherwise works out an object
        array's type from a sample of up to 1,000 of its values each time a statement binds the
        relation (36 of `feedback`'s 41 columns): ≈ 12 ms of CPU a batch, at 10,000 records as at
        2,000 (bench/JOURNAL.md, "DuckDB's fixed cost a batch")."""
        if column.type in (ColumnType.TIMESTAMP, ColumnType.JSON, ColumnType.INTEGER, ColumnType.BOOLEAN):
            return f"CAST({column.name} AS {TYPE_NAMES[column.type]})"
        return column.name

    def merge_options(self, batch: Batch, staged: Mapping[Table, Sequence[tuple[Any, ...]]]) -> dict[str, bool]:
        """Statements that would only look for stored rows a batch cannot have, read an empty
        stage, or take records out of an empty quarantine, left out: each scans its table or binds
        a batch's stage, a fixed cost a batch (bench/JOURNAL.md, "the DuckDB sync's CPU time" and
        "DuckDB's fixed cost a batch")."""
        quarantined, deliveries = bool(staged[QUARANTINE]), bool(staged[LOOP_OUTBOX])
        held = self._quarantine_held()
        self._quarantine_empty = self._quarantine_empty and not quarantined  # rolled back: still counted as held
        self._unread = frozenset(table for table, read in ((QUARANTINE, quarantined), (LOOP_OUTBOX, deliveries)) if not read)
        return {"unstored": batch.unstored, "quarantined": quarantined, "quarantine_held": held, "deliveries": deliveries,
                "quarantined_stored": quarantined and not batch.quarantined_unstored}  # fmt: skip

    def _quarantine_held(self) -> bool:
        """Whether the quarantine table may hold rows: asked once a connection, then False until a
        batch quarantines records (this connection is the file's one writer)."""
        if self._quarantine_empty is None:
            self._quarantine_empty = not self.fetch("SELECT EXISTS (SELECT 1 FROM quarantine) AS held")[0]["held"]
        return not self._quarantine_empty

    def write_batch(self, batch: Batch) -> WriteStats:
        return self._within_memory(super().write_batch, batch)

    def write_loop(self, changes: LoopChanges) -> None:
        self._within_memory(super().write_loop, changes)

    def _within_memory(self, write: Callable[[Changes], Any], changes: Changes) -> Any:
        """`write(changes)` (one transaction) under the limit. A query's hash joins take memory
        by DuckDB's threads as well as by their rows (a 3-record batch opening cases needed
        34 MiB on two cores), so a write that runs out is rolled back and runs again under DuckDB's
        own limit, and the base doubles for the writes after it."""
        try:
            return write(changes)
        except import_duckdb().OutOfMemoryException:
            if not self._limit_mb:
                raise
            log.info("%s: a write needed more than DuckDB's %d MiB; writing it again under DuckDB's own limit",
                     self.path, self._limit_mb)  # fmt: skip
        finally:
            self._unstage()
        self._base_mb *= 2
        self._limit_mb = 0  # no `_set_limit` while the write runs again
        self.conn.execute("RESET memory_limit")
        try:
            return write(changes)
        finally:
            self._unstage()
            self.conn.execute(f"SET memory_limit = '{self._base_mb}MiB'")
            self._limit_mb = self._base_mb

    def _unstage(self, *, fit: bool = True) -> None:
        """Let the batch's arrays go (they hold its rows until unregistered), and unless not to
        `fit`, the pool back to its base."""
        while self._registered and self._conn is not None:
            self.conn.unregister(self._registered.pop())
        self._staged_bytes = self._staged_wide = 0
        self._unread = frozenset()
        if fit and self._conn is not None:
            self._fit_memory_limit()
