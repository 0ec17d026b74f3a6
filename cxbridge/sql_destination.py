"""A base for SQL destinations (DuckDB, PostgreSQL, Snowflake; BigQuery through its client).

The tables come from `cxbridge.layout` and the views from `cxbridge.views`, created by tracked
migrations (`cxbridge.sql_migrations`). A batch's rows (`cxbridge.sql_rows`) are bulk-loaded into
session-scoped staging tables, then merged in one transaction together with its quarantine and
cursor: records whose content hash changed replace their rows, unchanged ones are skipped, so
re-delivering a batch is harmless. An engine supplies its connection, its transactions, its bulk
loader and its dialect; everything else is here.
"""

from __future__ import annotations

import json
from abc import abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any, ClassVar

from cxbridge.command_runs import record_run
from cxbridge.destinations import Batch, Destination, LoopChanges, QuarantineItem, SyncRun, WriteStats
from cxbridge.erasure import Erased, Erasure, erase_rows, erased_of
from cxbridge.errors import DestinationError
from cxbridge.crm import id_column
from cxbridge.layout import CRM_TABLES, FEEDBACK, FEEDBACK_COMMENTS, FEEDBACK_SCORES
from cxbridge.layout import FEEDBACK_CASE_EVENTS, FEEDBACK_CASES, LOOP_OUTBOX, QUARANTINE, SYNC_RUNS, SYNC_STATE
from cxbridge.layout import ERASURES, METADATA, Column, ColumnType, Table
from cxbridge.loop.refused import note_written_table
from cxbridge.pruning import Pruned, ReadIds, Relink, prune_rows
from cxbridge.removal import Chosen, Removal, removal_rows
from cxbridge.sql_migrations import ERASURES_MIGRATION, METADATA_MIGRATION, MIGRATIONS, MIGRATIONS_TABLE, Migration, create_views
from cxbridge.sql_rows import CHANGED, LINKS, REPLACED, STAGED_TABLES, absent_keys, batch_stats, loop_change_rows
from cxbridge.sql_rows import plain, run_row, staged_rows, utc_now
from cxbridge.tables import to_json

FETCH_BATCH = 1000  # rows a streamed read (`query_rows`) holds at a time


class SQLDestination(Destination):
    """A destination with a DB-API connection; subclasses name their engine's types and loader."""

    type_names: ClassVar[Mapping[ColumnType, str]]
    placeholder: ClassVar[str] = "?"
    indexes: ClassVar[bool] = True
    keyless: ClassVar[frozenset[str]] = frozenset()  # tables created without a PRIMARY KEY
    transactional_ddl: ClassVar[bool] = True  # False where DDL commits on its own (Snowflake)
    migrations: ClassVar[tuple[Migration, ...]] = MIGRATIONS
    views_deferred: bool = False  # while a new destination's migrations run (`create_views`)

    def __init__(self, url: str, *, base_dir: Path | None = None):
        super().__init__(url, base_dir=base_dir)
        self._conn: Any = None
        self._writable = False  # opened for writing: migrations applied, so the tables exist

    @classmethod
    def in_time(cls, column: str) -> str:
        return column  # its engines store timestamps as timestamps

    # --- what an engine provides ----------------------------------------------------------

    @abstractmethod
    def connect(self, *, read_only: bool) -> Any:
        """A DB-API connection in autocommit mode; DestinationError (with what to do) if impossible."""

    @abstractmethod
    def transaction(self) -> AbstractContextManager[None]:
        """Commit what runs inside on success, roll it all back on an exception."""

    @abstractmethod
    def load_stage(self, table: Table, rows: Sequence[tuple[Any, ...]]) -> None:
        """Bulk-load `rows` (in `table`'s column order, as `cxbridge.tables` writes them:
        timestamps and JSON as text) into the empty staging table `self.stage_name(table)`."""

    def stage_name(self, table: Table) -> str:
        """The staging table of `table` in this session."""
        return f"cx_stage_{table.name}"

    def param(self, index: int) -> str:
        """The placeholder of the `index`-th bound parameter of a statement."""
        return self.placeholder

    def cursor(self) -> Any:
        """The object statements run on, inside the connection's current transaction."""
        return self.conn.cursor()

    # --- dialect an engine may override ---------------------------------------------------

    def column_sql(self, column: Column, *, staged: bool = False) -> str:
        return f"{column.name} {self.type_names[column.type]}" + (" NOT NULL" if column.required and not staged else "")

    def create_table_sql(self, table: Table) -> str:
        parts = [self.column_sql(column) for column in table.columns]
        if table.primary_key and table.name not in self.keyless:
            parts.append(f"PRIMARY KEY ({', '.join(table.primary_key)})")
        return f"CREATE TABLE IF NOT EXISTS {table.name} ({', '.join(parts)})"

    def create_stage_sql(self, table: Table, name: str) -> str:
        columns = ", ".join(self.column_sql(column, staged=True) for column in table.columns)
        return f"CREATE TEMPORARY TABLE {name} ({columns})"

    def clear_sql(self, name: str) -> str:
        return f"DELETE FROM {name}"

    def from_stage(self, column: Column) -> str:
        """SQL reading a staged column as the target column's type."""
        return column.name

    def cast(self, column: Column, expression: str) -> str:
        """SQL turning a bound parameter (timestamps and JSON as text) into the column's type."""
        return f"CAST({expression} AS {self.type_names[column.type]})"

    def json_text(self, column: str) -> str:
        """SQL for a JSON column's text, which `LIKE` can search."""
        return f"CAST({column} AS {self.type_names[ColumnType.TEXT]})"

    def add_column_sql(self, table: Table, column: Column) -> str:
        """SQL adding a (nullable) column to a table that may have it already."""
        return f"ALTER TABLE {table.name} ADD COLUMN IF NOT EXISTS {column.name} {self.type_names[column.type]}"

    def set_links_sql(self, select: str) -> str:
        """SQL setting `feedback.duplicate_of` from the (record_id, duplicate_of) rows of `select`."""
        return (
            f"UPDATE feedback SET duplicate_of = l.duplicate_of FROM ({select}) l "
            "WHERE feedback.record_id = l.record_id"
        )

    def replace_records_sql(self, select: str) -> list[str]:
        """Statements writing the `feedback` rows of `select`: new records and replacements."""
        return [self.upsert_sql(FEEDBACK, select)]

    def replace_rows_sql(self, table: Table, select: str, *, keep: Sequence[str] = ()) -> list[str]:
        """Statements writing the rows of `select` into `table`, each replacing the stored row of
        its key (except `keep` columns)."""
        return [self.upsert_sql(table, select, keep=keep)]

    def upsert_sql(self, table: Table, select: str, *, keep: Sequence[str] = ()) -> str:
        """Insert the rows of `select`, replacing those whose key exists (except `keep` columns)."""
        key = ", ".join(table.primary_key)
        updates = [c for c in table.column_names if c not in table.primary_key and c not in keep]
        sets = ", ".join(f"{column} = excluded.{column}" for column in updates)
        return f"INSERT INTO {table.name} ({', '.join(table.column_names)}) {select} ON CONFLICT ({key}) DO UPDATE SET {sets}"

    # --- connection and schema ------------------------------------------------------------

    @property
    def conn(self) -> Any:
        if self._conn is None:
            raise DestinationError(f"{self.display_name} is not open")
        return self._conn

    def open(self, *, read_only: bool = False) -> None:
        if self._conn is not None:
            return
        self._conn = self.connect(read_only=read_only)
        if not read_only:
            try:
                self.apply_migrations()
                self.create_stages()
            except Exception:
                self.close()
                raise
            self._writable = True

    def close(self) -> None:
        if self._conn is not None:
            conn, self._conn, self._writable = self._conn, None, False
            conn.close()

    def apply_migrations(self) -> None:
        """The migrations not applied yet, inside `exclusive("migrations")`: of several
        processes starting at once, one migrates and the others find it done."""
        with self.exclusive("migrations"):
            self.execute(self.create_table_sql(MIGRATIONS_TABLE))
            done = {row["name"] for row in self.fetch(f"SELECT name FROM {MIGRATIONS_TABLE.name}")}
            if not done:
                self._set_up()
                return
            for migration in self.migrations:
                if migration.name not in done:
                    with self.transaction() if self.transactional_ddl else nullcontext():
                        migration.apply(self)
                        self._record(migration)

    def _set_up(self) -> None:
        """A new destination's tables and today's views, created once each (no stored data for
        the views of earlier migrations to upgrade), and every migration recorded after them all:
        a set-up stopped part-way starts over (one transaction where DDL has them; where it has
        not, the migrations are idempotent)."""
        with self.transaction() if self.transactional_ddl else nullcontext():
            self.views_deferred = True
            try:
                for migration in self.migrations:
                    migration.apply(self)
            finally:
                self.views_deferred = False
            create_views(self)
            self._record(*self.migrations)

    def _record(self, *migrations: Migration) -> None:
        """`migrations` recorded as applied, by one statement (a new DuckDB file's 30 inserts were
        a tenth of its set-up; each is a job on BigQuery)."""
        applied_at = utc_now()
        values = [value for migration in migrations for value in (migration.name, applied_at)]
        self.execute(self.insert_values_sql(MIGRATIONS_TABLE, rows=len(migrations)), values)

    def create_stages(self) -> None:
        for table in (*STAGED_TABLES, CHANGED):
            self.execute(self.create_stage_sql(table, self.stage_name(table) if table is not CHANGED else CHANGED.name))

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.cursor().execute(sql, params) if params else self.cursor().execute(sql)

    def execute_all(self, statements: Sequence[str]) -> None:
        """Each of `statements` in order (a migration's tables or views); an engine that runs a
        script in one round trip sends them as one (BigQuery: one job, not one a statement)."""
        for statement in statements:
            self.execute(statement)

    def holds_nothing_yet(self) -> bool:
        """`holds_no_feedback` by one query, for the engines where a query is cheap (DuckDB,
        PostgreSQL; not the warehouses, which bill and record each one): False unless open."""
        if self._conn is None:
            return False
        try:
            [row] = self.fetch("SELECT EXISTS (SELECT 1 FROM feedback) OR EXISTS (SELECT 1 FROM feedback_cases) AS held")
        except Exception:  # a dataset written before the loop's tables, opened read-only (a dry run)
            return False
        return not row["held"]

    def holds_nothing_of_yet(self, source: str) -> bool:
        """`holds_nothing_of` by one query on the source columns of the records and the cases (a
        case is added in its record's transaction, its events and deliveries with it), for the
        engines where a query is cheap: False unless open."""
        if self._conn is None:
            return False
        try:
            [row] = self.fetch(
                f"SELECT EXISTS (SELECT 1 FROM feedback WHERE source = {self.param(0)}) "
                f"OR EXISTS (SELECT 1 FROM feedback_cases WHERE source = {self.param(1)}) AS held", [source, source]
            )
        except Exception:  # a dataset written before the loop's tables, opened read-only (a dry run)
            return False
        return not row["held"]

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        cursor = self.cursor()
        cursor.execute(sql, params) if params else cursor.execute(sql)
        names = [column[0].lower() for column in cursor.description]
        return [dict(zip(names, map(plain, row), strict=True)) for row in cursor.fetchall()]

    def fetch_rows(self, sql: str, params: Sequence[Any] = ()) -> Iterator[dict[str, Any]]:
        """The rows of `sql` fetched FETCH_BATCH at a time, for a reader that runs no other
        statement on this connection until it has them all (DuckDB's cursor is the connection)."""
        cursor = self.cursor()
        cursor.execute(sql, params) if params else cursor.execute(sql)
        names = [column[0].lower() for column in cursor.description]

        def rows() -> Iterator[dict[str, Any]]:
            while batch := cursor.fetchmany(FETCH_BATCH):
                for row in batch:
                    yield dict(zip(names, map(plain, row), strict=True))

        return rows()

    def insert_values_sql(self, table: Table, *, rows: int = 1) -> str:
        """SQL inserting `rows` rows of bound values, each in `table`'s column order."""

        def row(first: int) -> str:
            return "(" + ", ".join(self.cast(c, self.param(first + i)) for i, c in enumerate(table.columns)) + ")"

        values = ", ".join(row(n * len(table.columns)) for n in range(rows))
        return f"INSERT INTO {table.name} ({', '.join(table.column_names)}) VALUES {values}"

    def upsert_values_sql(self, table: Table, *, keep: Sequence[str] = ()) -> str:
        values = ", ".join(f"{self.cast(c, self.param(i))} AS {c.name}" for i, c in enumerate(table.columns))
        return self.upsert_sql(table, f"SELECT {values}", keep=keep)

    # --- writing --------------------------------------------------------------------------

    def write_batch(self, batch: Batch) -> WriteStats:
        now = utc_now()
        staged = staged_rows(batch, now)
        context_tables = [table for table in CRM_TABLES if staged[table]]
        options = self.merge_options(batch, staged)
        # a batch none of whose records can be stored, with no CRM rows, puts nothing in `cx_changed`
        # and reads nothing from it: neither emptied nor counted (its records are all new)
        changes = not (options.get("unstored") and not context_tables)
        with self.transaction():
            if changes:
                self.execute(self.clear_sql(CHANGED.name))
            self.stage(staged)
            opened = len(staged[FEEDBACK_CASES]) if options.get("unstored") else self.new_cases(staged)
            statements = self.merge_statements(context_tables, links=bool(staged[LINKS]), cases=bool(batch.cases), **options)
            self.execute_writing([*statements, *self.released_sql(batch.released)])
            written = int(self.fetch(f"SELECT COUNT(*) AS n FROM {CHANGED.name}")[0]["n"]) if changes else 0
            if options.get("unstored"):  # its records are all new, and not in `cx_changed`
                written += len(staged[FEEDBACK])
            if batch.cursor is not None:
                cursor = batch.cursor
                self.execute(
                    self.upsert_values_sql(SYNC_STATE),
                    [cursor.source, cursor.stream, to_json(cursor.value), now, batch.run_id],
                )
        return batch_stats(batch, written, cases_opened=opened)

    def new_cases(self, staged: Mapping[Table, Sequence[tuple[Any, ...]]]) -> int:
        """How many of the staged cases the merge adds (`case_opening_statements`): those whose id
        is not stored — a case stored since the batch was read is not opened again."""
        return int(self.fetch(self.new_cases_sql())[0]["n"]) if staged[FEEDBACK_CASES] else 0

    def new_cases_sql(self, columns: str = "COUNT(*) AS n") -> str:
        """SQL selecting `columns` of the staged cases whose id is not stored."""
        stage = self.stage_name(FEEDBACK_CASES)
        return f"SELECT {columns} FROM {stage} WHERE {absent_keys('case_id', FEEDBACK_CASES.name, stage)}"

    def stage(self, staged: Mapping[Table, Sequence[tuple[Any, ...]]]) -> None:
        """Each table's rows in its staging table, emptied first (the merge reads every one)."""
        for table, rows in staged.items():
            self.execute(self.clear_sql(self.stage_name(table)))
            if rows:
                self.load_stage(table, rows)

    def merge_options(self, batch: Batch, staged: Mapping[Table, Sequence[tuple[Any, ...]]]) -> dict[str, bool]:
        """`merge_statements`' options beyond what every engine passes (DuckDB: `unstored`, `quarantined`,
        `quarantine_held`, `deliveries`, `quarantined_stored`)."""
        return {}

    def merge_statements(
        self, context_tables: Sequence[Table] = (), *, links: bool = False, cases: bool = False,
        unstored: bool = False, quarantined: bool = True, quarantine_held: bool = True, deliveries: bool = True,
        quarantined_stored: bool = True,
    ) -> list[str]:  # fmt: skip
        """The SQL that moves staged rows into the tables; `cx_changed` gets the records whose
        content is new, and only their rows are replaced; the CRM tables that have staged rows
        (`context_tables`) are upserted; with `links`, the staged `duplicate_of` pointers are set;
        staged `cases` are added where none of their id is. With `unstored` (`Batch.unstored`)
        every staged record and case is added as it is, none looked for among the stored ones;
        without `quarantined`, nothing is staged in quarantine; without `quarantine_held`, the
        quarantine table holds no row for the staged records to take out; without `deliveries`, the
        staged cases queue none; without `quarantined_stored` (`Batch.quarantined_unstored`), no
        staged quarantined record has stored rows to take out."""
        changed = f"SELECT record_id FROM {CHANGED.name}"
        replaced = REPLACED  # only records stored before have old scores and comments to delete
        feedback = self.stage_name(FEEDBACK)
        quarantined_ids = f"SELECT record_id FROM {self.stage_name(QUARANTINE)}"

        def staged(table: Table, where: str = "") -> str:
            columns = ", ".join(f"{self.from_stage(column)} AS {column.name}" for column in table.columns)
            return f"SELECT {columns} FROM {self.stage_name(table)}{where}"

        only_changed = "" if unstored else f" WHERE record_id IN ({changed})"
        if unstored:  # every record new, none replaced (and none in `cx_changed`: `write_batch` counts them)
            records = [f"INSERT INTO feedback ({', '.join(FEEDBACK.column_names)}) " + staged(FEEDBACK)]
        else:
            records = [
                f"INSERT INTO {CHANGED.name} (record_id, existed) SELECT s.record_id, f.record_id IS NOT NULL "
                f"FROM {feedback} s LEFT JOIN feedback f ON f.record_id = s.record_id "
                "WHERE f.record_id IS NULL OR f.content_hash <> s.content_hash",
                f"DELETE FROM feedback_scores WHERE record_id IN ({replaced})",
                f"DELETE FROM feedback_comments WHERE record_id IN ({replaced})",
                *self.replace_records_sql(staged(FEEDBACK, only_changed)),
            ]
        return [
            *(self.case_opening_statements(staged, unstored=unstored, deliveries=deliveries) if cases else []),
            *records,
            f"INSERT INTO feedback_scores ({', '.join(FEEDBACK_SCORES.column_names)}) "
            + staged(FEEDBACK_SCORES, only_changed),
            f"INSERT INTO feedback_comments ({', '.join(FEEDBACK_COMMENTS.column_names)}) "
            + staged(FEEDBACK_COMMENTS, only_changed),
            *([f"DELETE FROM quarantine WHERE record_id IN (SELECT record_id FROM {feedback})"] if quarantine_held else []),
            *(self.replace_rows_sql(QUARANTINE, staged(QUARANTINE), keep=("first_seen",)) if quarantined else []),
            *(  # a record whose last version failed is no longer stored: one id, one place
                f"DELETE FROM {table} WHERE record_id IN ({quarantined_ids})"
                for table in (("feedback_scores", "feedback_comments", "feedback") if quarantined_stored else ())
            ),
            *(statement for table in context_tables for statement in self._context_merge(table, staged)),
            *([self.set_links_sql(staged(LINKS))] if links else []),
        ]

    def released_sql(self, record_ids: Sequence[str]) -> list[str]:
        """Statements dropping the quarantine rows of `record_ids` (`Batch.released`: hex digests,
        safe as SQL literals), `ids_per_query` at a time."""
        size = self.ids_per_query
        chunks = [record_ids[start : start + size] for start in range(0, len(record_ids), size)]
        listed = [", ".join(f"'{record_id}'" for record_id in chunk) for chunk in chunks]
        return [f"DELETE FROM quarantine WHERE record_id IN ({ids})" for ids in listed]

    def case_opening_statements(
        self, staged: Callable[[Table, str], str], *, unstored: bool = False, deliveries: bool = True
    ) -> list[str]:
        """New cases with their events and deliveries, each row only where its key is not stored,
        and events and deliveries only of cases not stored yet (re-delivery adds nothing); with
        `unstored`, every one (none of their records is stored, so none of their keys is)."""

        def adding(table: Table, key: str) -> str:
            if unstored:
                return f"INSERT INTO {table.name} ({', '.join(table.column_names)}) " + staged(table, "")
            stage = self.stage_name(table)
            absent = [absent_keys("case_id", FEEDBACK_CASES.name, stage)]
            if table is not FEEDBACK_CASES:
                absent.append(absent_keys(key, table.name, stage))
            where = f" WHERE {' AND '.join(absent)}"
            return f"INSERT INTO {table.name} ({', '.join(table.column_names)}) " + staged(table, where)

        return [
            *([adding(LOOP_OUTBOX, "delivery_id")] if deliveries else []),
            adding(FEEDBACK_CASE_EVENTS, "event_id"), adding(FEEDBACK_CASES, "case_id"),
        ]  # fmt: skip

    def write_loop(self, changes: LoopChanges) -> None:
        staged = loop_change_rows(changes)
        with self.transaction():
            self.stage(staged)
            self.execute_writing(self.loop_change_statements(staged))

    def execute_writing(self, statements: Sequence[str]) -> None:
        """Each of `statements`; the failure of one names the table it writes (`note_written_table`)."""
        for statement in statements:
            try:
                self.execute(statement)
            except Exception as exc:
                note_written_table(exc, statement)
                raise

    def loop_change_statements(self, staged: Mapping[Table, Sequence[tuple[Any, ...]]]) -> list[str]:
        """Staged case and delivery rows replace the stored ones; staged events are added."""

        def select(table: Table) -> str:
            columns = ", ".join(f"{self.from_stage(column)} AS {column.name}" for column in table.columns)
            return f"SELECT {columns} FROM {self.stage_name(table)}"

        statements = [
            statement
            for table in (FEEDBACK_CASES, LOOP_OUTBOX)
            if staged[table]
            for statement in self.replace_rows_sql(table, select(table))
        ]
        if staged[FEEDBACK_CASE_EVENTS]:
            columns = ", ".join(FEEDBACK_CASE_EVENTS.column_names)
            statements.append(f"INSERT INTO {FEEDBACK_CASE_EVENTS.name} ({columns}) {select(FEEDBACK_CASE_EVENTS)}")
        return statements

    def _context_merge(self, table: Table, staged: Callable[[Table, str], str]) -> list[str]:
        """CRM rows that are new or changed (by content hash) go into `cx_changed` (as
        `crm_accounts:<source>:<id>`, so they count as written) and only they are upserted."""
        key = id_column(table.name)
        changed_key = f"CONCAT('{table.name}:', {{s}}source, ':', {{s}}{key})"
        return [
            f"INSERT INTO {CHANGED.name} (record_id, existed) SELECT {changed_key.format(s='s.')}, FALSE "
            f"FROM {self.stage_name(table)} s LEFT JOIN {table.name} t ON t.source = s.source AND t.{key} = s.{key} "
            f"WHERE t.{key} IS NULL OR t.content_hash <> s.content_hash",
            *self.replace_rows_sql(table, staged(table, f" WHERE {changed_key.format(s='')} IN (SELECT record_id FROM {CHANGED.name})")),
        ]

    def save_run(self, run: SyncRun) -> None:
        with self.transaction():
            self.execute(self.upsert_values_sql(SYNC_RUNS), run_row(run))

    def release_quarantine(self, record_ids: Sequence[str]) -> None:
        ids = list(record_ids)
        with self.transaction():
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ", ".join(self.param(i) for i in range(len(chunk)))
                self.execute(f"DELETE FROM quarantine WHERE record_id IN ({marks})", chunk)

    def write_metadata(self, values: Mapping[str, str | None]) -> None:
        now = utc_now()
        with self.transaction():
            for name, value in values.items():
                if value is None:
                    self.execute(f"DELETE FROM {METADATA.name} WHERE name = {self.param(0)}", [name])
                else:
                    self.execute(self.upsert_values_sql(METADATA), [name, value, now])

    def erase(
        self, keys: Sequence[str], *, addresses: Sequence[str] = (), phones: Sequence[str] = (),
        requesters: Mapping[str, Sequence[str]] | None = None, dry_run: bool = False, run: SyncRun | None = None,
        former: Sequence[str] = (),
    ) -> Erasure:
        with nullcontext() if dry_run else self.transaction():
            erasure = erase_rows(self, keys, former=former, addresses=addresses, phones=phones, requesters=requesters,
                                 now=utc_now(), dry_run=dry_run)  # fmt: skip
            if run is not None and not dry_run:
                record_run(self, run, removed=erasure.records)
            return erasure

    prunes = True

    def prune(self, source: str, read: ReadIds, *, relink: Relink | None = None, dry_run: bool = False) -> Pruned:
        with nullcontext() if dry_run else self.transaction():
            return prune_rows(self, source, read, relink=relink, dry_run=dry_run)

    def remove(
        self, chosen: Chosen, *, relink: Relink | None = None, dry_run: bool = False, run: SyncRun | None = None
    ) -> Removal:
        with nullcontext() if dry_run else self.transaction():
            return removal_rows(self, chosen, relink=relink, dry_run=dry_run, run=run)

    # --- reading --------------------------------------------------------------------------

    def read_metadata(self) -> dict[str, str]:
        if not self._applied(METADATA_MIGRATION):
            return {}
        return {row["name"]: row["value"] for row in self.fetch(f"SELECT name, value FROM {METADATA.name}")}

    def erased(self) -> Erased:
        if not self._applied(ERASURES_MIGRATION):
            return Erased()
        return erased_of(self.fetch(f"SELECT kind, erased_id FROM {ERASURES.name}"))

    def _applied(self, migration: str) -> bool:
        """Whether `migration` was applied: a destination opened read-only may predate it."""
        return self._writable or any(
            row["name"] == migration for row in self.fetch(f"SELECT name FROM {MIGRATIONS_TABLE.name}")
        )

    def get_cursor(self, source: str, stream: str) -> Any:
        where = f"source = {self.param(0)} AND stream = {self.param(1)}"
        rows = self.fetch(f"SELECT cursor FROM sync_state WHERE {where}", [source, stream])
        return None if not rows or rows[0]["cursor"] is None else json.loads(rows[0]["cursor"])

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        return self.fetch(sql, params)

    def query_rows(self, sql: str, params: Sequence[Any] = ()) -> Iterator[dict[str, Any]]:
        return self.fetch_rows(sql, params)

    def quarantined(self, *, source: str | None = None) -> Iterator[QuarantineItem]:
        where, params = (f" WHERE source = {self.param(0)}", [source]) if source else ("", [])
        rows = self.fetch(f"SELECT * FROM quarantine{where} ORDER BY first_seen, record_id", params)
        yield from map(QuarantineItem.from_row, rows)
