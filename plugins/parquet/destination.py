"""`parquet:///folder`: a Hive-partitioned Parquet lake (by source and month) that DuckDB, Spark,
Athena and BigQuery external tables read as is.

There are no transactions across files, so a batch adds its cases as new part files, then its
records as a part file in each partition they enter, then names their older copies in the files
the sync found to be taken out once at the end of the source (`takeouts`: readers of this
connection leave them out meanwhile), then updates the quarantine, and the cursor last: a crash
leaves every file whole and the cursor behind the data, and the re-run's content-hash comparison
finishes what was left. A record's rows span three tables, so the records a batch adds are named
in `_cxbridge/batch.json` until its cursor is saved; a sync that finds it there takes those
records' rows out, and reads them again from the cursor before them. A batch never rewrites what earlier batches stored (unless it changes it), so its cost does
not grow with the folder; the parts a sync adds are merged `MERGE_AT` at a time and at the end
of each source's sync (`files.merge`, journaled against crashes). Reports, views and `status` run
in an in-memory DuckDB over the files; `_cxbridge/views.sql` gives BI tools the same views. cxbridge never writes
`feedback_followups/`: every Parquet file users put there is a follow-up table (docs/bi.md).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from glob import glob
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, timezone
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from cxbridge.crm import ContextRow, id_column
from cxbridge.destinations import Batch, LoopChanges, SyncRun, WriteStats
from cxbridge.layout import (
    CRM_TABLES,
    FEEDBACK,
    FEEDBACK_CASE_EVENTS,
    FEEDBACK_CASES,
    FEEDBACK_COMMENTS,
    FEEDBACK_FOLLOWUPS,
    FEEDBACK_SCORES,
    LOOP_OUTBOX,
    METADATA,
    QUARANTINE,
    SYNC_RUNS,
    SYNC_STATE,
    TABLES,
    TABLES_BY_NAME,
    Table,
)
from cxbridge.local_files import file_lock, file_lock_held, path_of
from cxbridge.plugins.duckdb.destination import TYPE_NAMES, DuckDBDestination, import_duckdb
from cxbridge.plugins.duckdb.staging import column_arrays
from cxbridge.plugins.parquet import files
from cxbridge.plugins.parquet.files import PARTITIONED, literal
from cxbridge.plugins.parquet.takeouts import TAKE_OUT_AT, TakeOuts
from cxbridge.sql_rows import LINKS, quarantine_row, run_row
from cxbridge.question_keys import key_updates
from cxbridge.tables import to_json
from cxbridge.timestamps import format_timestamp
from cxbridge.views import VIEW_NAMES, view_sql

MIGRATIONS = (
    "0001_table_folders", "0002_bi_views", "0003_crm_tables", "0004_crm_views", "0005_followup_files",
    "0006_local_dates", "0007_metadata", "0008_population_views", "0009_cross_source_identity", "0010_loop_tables",
    "0011_loop_views", "0012_question_keys", "0013_ranking_views", "0014_waves", "0015_loop_parts",
    "0016_quarantine_parts",
)  # fmt: skip
VIEW_MIGRATIONS = {  # the migrations that changed views.sql
    "0002_bi_views", "0004_crm_views", "0005_followup_files", "0006_local_dates", "0008_population_views",
    "0009_cross_source_identity", "0010_loop_tables", "0011_loop_views", "0012_question_keys", "0013_ranking_views",
    "0014_waves", "0015_loop_parts",  # 0015: the loop's tables read every file of their folders
    "0016_quarantine_parts",  # 0016: and so does the quarantine
}  # fmt: skip
PART_TABLES = (FEEDBACK_CASE_EVENTS, LOOP_OUTBOX, FEEDBACK_CASES, QUARANTINE)
"""The one-folder tables that grow with the records (the loop's: a case for most unhappy answers;
the quarantine: every record that fails): like the record tables, batches add part files to
their folders instead of rewriting them."""
MERGE_AT = 8
"""Parts of one level a sync has added to a folder that it merges into one part of the next level
(a batch's parts are level 0, a merge of eight of them level 1, …): a folder holds at most seven
parts a level during a sync (about fifteen at 1M records), and each row is rewritten once a level.
Every lookup of a batch opens each file of a table: on the bench's 100k lake, a 10,000-id lookup
of `feedback` over 120 files took 5× the CPU and 40–80 MB more than over 12. Eight rather than
four: the bench's 1M first sync (which looks nothing up) rewrites each row at one level less,
−9 % CPU for +1–4 MB at the peak (bench/README.md, "Parquet — zstd at level 1, a batch staged
once")."""
MAX_FILES = 8
"""Files a folder keeps after a sync: past that, the end of a sync merges them all into one, so
a lake synced daily does not gather a file per partition a day (each merge rewrites the folder
once every MAX_FILES syncs, not every sync)."""
VIEW_TABLES = {table.name: table for table in (*TABLES, METADATA)}
"""The tables, each a view over its files."""
VIEW_NAMES_HERE = frozenset((*VIEW_TABLES, *VIEW_NAMES))
_SOURCE = FEEDBACK.column_names.index("source")
_SUBMITTED = FEEDBACK.column_names.index("submitted_at")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
log = logging.getLogger(__name__)


def typed(table: Table, columns: Sequence[str] | None = None) -> str:
    """The columns cast from staged text (timestamps, JSON) to their Parquet types."""
    names = columns or table.column_names
    return ", ".join(f"CAST({name} AS {TYPE_NAMES[table.column(name).type]}) AS {name}" for name in names)


def empty_select(table: Table) -> str:
    return f"SELECT {', '.join(f'CAST(NULL AS {TYPE_NAMES[c.type]}) AS {c.name}' for c in table.columns)} WHERE false"


class ParquetDestination(DuckDBDestination):
    """`parquet:///lake` (relative to the config file) or `parquet:////abs/lake`."""

    name = "parquet"
    memory_limit_mb = 32
    """DuckDB's memory while a sync writes the lake, beside the room of the batch written
    (`DuckDBDestination._fit_memory_limit`); what does not fit spills to `<lake>.tmp` beside the
    folder, and a file too wide for it is written under DuckDB's own limit (`files.copy`). 32
    with row groups of 4,000 rows (`files.WRITE_OPTIONS`); 24 and 16 failed a merge of the 1M
    bench lake's parts with DuckDB's OutOfMemoryException."""

    def __init__(self, url: str, *, base_dir: Path | None = None):
        super(DuckDBDestination, self).__init__(url, base_dir=base_dir)
        self._registered, self._staged_bytes, self._staged_wide, self._unchecked_wide = set(), 0, 0, 0
        self._base_mb = self.memory_limit_mb
        self.root = path_of(url, self.base_dir, kind="Parquet", example="parquet:///feedback-lake")
        self.path = self.root
        self._migrations_file = self.root / "_cxbridge" / "migrations.json"
        self._stored: dict[str, list[tuple[str, Path]]] = {}  # record id → (hash, file) of this batch's
        self._defined: dict[str, str] = {}  # view name → the SQL it was defined with on this connection
        self._parts: dict[Path, list[Path]] = {}  # folder → the parts this connection added there
        self._levels: dict[Path, int] = {}  # those of them that are merges of its parts: how deep
        self._own_parts: set[Path] = set()  # every part this connection added
        self._takeouts = TakeOuts(self.root)
        self._by_name = False  # the record tables' files read by column name (a lake not migrated yet)
        self._writing = False

    def exists(self) -> bool:
        return self._migrations_file.exists()

    def lock(self, *, wait: float = 0) -> AbstractContextManager[None]:
        return file_lock(self.root, wait=wait)

    def lock_held(self) -> bool:
        return file_lock_held(self.root)

    def connect(self, *, read_only: bool) -> Any:
        conn = import_duckdb().connect()
        conn.execute("SET TimeZone = 'UTC'")
        return conn

    def open(self, *, read_only: bool = False) -> None:
        if self._conn is not None:
            return
        self._conn = self.connect(read_only=read_only)
        self._defined = {}
        self._by_name = read_only and self._migrations_pending()
        self._parts, self._levels, self._own_parts, self._takeouts = {}, {}, set(), TakeOuts(self.root)
        self._writing = not read_only
        self._takeouts.load()
        if read_only and self._takeouts:  # a sync under way, or stopped, has not taken them out yet: not read
            self._exclude(self._takeouts.ids)
        if not read_only:
            # One thread while writing: each of DuckDB's threads reads and writes row groups of its
            # own, which doubled a sync's peak memory on two cores, and a sync's CPU time does
            # not grow with one (reports and status, read-only, keep every thread).
            self._conn.execute("SET threads = 1")
            self._conn.execute(f"SET temp_directory = {literal(str(self.root) + '.tmp')}")
            self._conn.execute(f"SET memory_limit = '{self._base_mb}MiB'")
            self._limit_mb = self._base_mb
            files.finish_merges(self.root)
            self._apply_migrations()
            self._take_out_named()
            self._undo_unfinished_batch()

    def close(self) -> None:
        if self._conn is not None and self._writing and (self._parts or self._takeouts):
            try:
                self._take_out_named()
            except Exception as exc:  # noqa: BLE001 - journaled: the next sync takes them out first
                log.warning("could not take the old versions of records out of %s: %s", self.root, exc)
            self._merge_parts(final=True)
        super().close()

    # --- schema: folders, empty tables, views ---------------------------------------------

    def _migrations_done(self) -> list[str]:
        return json.loads(self._migrations_file.read_text()) if self._migrations_file.exists() else []

    def _migrations_pending(self) -> bool:
        """Whether a sync of an older cxbridge wrote this lake last: its files may lack columns
        added since, which a read-only open reads as nulls (only a sync migrates the files)."""
        return self.exists() and not set(MIGRATIONS) <= set(self._migrations_done())

    def _apply_migrations(self) -> None:
        done = self._migrations_done()
        if not {"0001_table_folders", "0003_crm_tables", "0010_loop_tables"} <= set(done):
            for table in TABLES:
                if table not in PARTITIONED and not files.table_file(self.root, table).exists():
                    files.replace_atomically(self.conn, empty_select(table), files.table_file(self.root, table))
        if not {"0006_local_dates", "0009_cross_source_identity", "0014_waves"} <= set(done):
            self._add_columns()
        if "0012_question_keys" not in done:
            self._add_question_keys()
        if "0007_metadata" not in done and not files.table_file(self.root, METADATA).exists():
            files.replace_atomically(self.conn, empty_select(METADATA), files.table_file(self.root, METADATA))
        if not VIEW_MIGRATIONS <= set(done):
            (self.root / "_cxbridge").mkdir(parents=True, exist_ok=True)
            (self.root / "_cxbridge" / "views.sql").write_text(self._views_script(), encoding="utf-8")
        if done != list(MIGRATIONS):
            self._migrations_file.write_text(json.dumps(list(MIGRATIONS)), encoding="utf-8")

    def _add_columns(self) -> None:
        """The columns feedback gained since a file was written, in every such file:
        `submitted_local_date` (0006), the UTC day of `submitted_at` (the month the record was
        counted in until then), `duplicate_of` (0009) and `wave` (0014), empty."""
        columns = files.file_columns(FEEDBACK)
        empty = "CAST(NULL AS VARCHAR)"
        added = {"submitted_local_date": self.day_of("submitted_at"), "duplicate_of": empty, "wave": empty}
        for path in sorted(glob(files.partition_glob(self.root, FEEDBACK))):
            source = f"read_parquet({literal(path)})"
            present = {row[0] for row in self.conn.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
            if not present >= set(columns):
                select = ", ".join(c if c in present else f"{added[c]} AS {c}" for c in columns)
                files.replace_atomically(self.conn, f"SELECT {select} FROM {source} ORDER BY record_id", Path(path))

    def _add_question_keys(self) -> None:
        """`question_key` in every scores file written before it: each answer's automatic key
        (`cxbridge.question_keys`), from its record's survey id or source, as a sync writes it."""
        columns = files.file_columns(FEEDBACK_SCORES)
        for path in sorted(glob(files.partition_glob(self.root, FEEDBACK_SCORES))):
            scores = f"read_parquet({literal(path)})"
            present = {row[0] for row in self.conn.execute(f"DESCRIBE SELECT * FROM {scores}").fetchall()}
            if "question_key" in present:
                continue
            source, month = files.partition_of(Path(path).parent)
            records = files.partition_dir(self.root, FEEDBACK, source, month)
            survey = (
                f"(SELECT record_id, survey_id FROM read_parquet({literal(files.folder_glob(records))}, "
                "hive_partitioning = false))"
                if files.folder_files(records)
                else "(SELECT CAST(NULL AS VARCHAR) AS record_id, CAST(NULL AS VARCHAR) AS survey_id)"
            )
            keyed = f"SELECT s.*, COALESCE(f.survey_id, {literal(source)}) AS namespace FROM {scores} s " \
                    f"LEFT JOIN {survey} f ON f.record_id = s.record_id"  # fmt: skip
            groups = self.conn.execute(
                f"SELECT DISTINCT namespace, question_id, scale_min, scale_max FROM ({keyed})"
            ).fetchall()
            cases = [
                f"WHEN namespace = {literal(p[4])} AND question_id = {literal(p[1])} AND scale_min = {float(p[2])!r} "
                f"AND scale_max = {float(p[3])!r} THEN {literal(p[0])}"
                for _, p in key_updates(groups, lambda _: "?")
            ]
            key = f"CASE {' '.join(cases)} END" if cases else "CAST(NULL AS VARCHAR)"
            select = ", ".join(f"{key} AS question_key" if c == "question_key" else c for c in columns)
            files.replace_atomically(self.conn, f"SELECT {select} FROM ({keyed}) ORDER BY record_id", Path(path))

    def _table_select(self, table: Table, root: Path | None = None) -> str:
        root = root or self.root
        if table is FEEDBACK_FOLLOWUPS:
            pattern = literal(files.followup_glob(root))
            return f"SELECT {typed(table)} FROM read_parquet({pattern}, union_by_name = true)"
        if table in PART_TABLES:
            if root == self.root and not files.folder_files(root / table.name):
                return empty_select(table)  # a lake written before the table existed, read as it is
            return f"SELECT * FROM read_parquet({literal(files.folder_glob(root / table.name))})"
        if table not in PARTITIONED:
            if root == self.root and not files.table_file(root, table).exists():
                return empty_select(table)  # a lake written before the table existed, read as it is
            return f"SELECT * FROM read_parquet({literal(files.table_file(root, table))})"
        pattern = files.partition_glob(root, table)
        if root == self.root and not files.has_files(pattern):
            return empty_select(table)
        # Not union_by_name: it reads every file's footer each time a query binds the view (10 ms
        # against 2 over the 52 feedback files of tests/test_report.py's lake). Every file cxbridge
        # writes here has the table's columns, of one type each (a sync migrates older files
        # first); only a lake an older cxbridge wrote, opened to read before a sync, needs it.
        options = "hive_partitioning = true, hive_types = {'source': VARCHAR, 'month': VARCHAR}"
        if self._by_name:
            options += ", union_by_name = true"
        select = f"SELECT {', '.join(table.column_names)} FROM read_parquet({literal(pattern)}, {options}"
        if root == self.root and (named := self._takeouts.of_table(root / table.name)):
            listed = ", ".join(literal(path) for path in named)
            return (f"{select}, filename = true) WHERE filename NOT IN ({listed}) "
                    "OR record_id NOT IN (SELECT record_id FROM cx_takeout)")  # fmt: skip
        return f"{select})"

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        self._define_views(sql)
        return super().fetch(sql, params)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._define_views(sql)
        super().execute(sql, params)

    def _define_views(self, sql: str) -> None:
        """The tables and views `sql` names, and those they read, each defined (again) only when
        its SQL changed on this connection (a table's changes when its first file appears). DuckDB
        binds every read_parquet of a view as it creates it (the record tables read each file's
        footer): defining all of them at every open took 0.37 s CPU on a lake of 120 files, most
        of a report's time."""
        defined: set[str] = set()
        for name in _names_in(sql):
            self._define_view(name, defined)

    def _define_view(self, name: str, defined: set[str]) -> None:
        """One table or view, after what it reads (DuckDB binds a view to them as it creates it)."""
        defined.add(name)
        sql = self._table_select(VIEW_TABLES[name]) if name in VIEW_TABLES else self._view_sql[name]
        for read in _names_in(sql):
            if read not in defined:
                self._define_view(read, defined)
        if self._defined.get(name) != sql:
            self.conn.execute(f"CREATE OR REPLACE VIEW {name} AS {sql}")
            self._defined[name] = sql

    @cached_property
    def _view_sql(self) -> dict[str, str]:
        return view_sql(self)

    def _views_script(self) -> str:
        """Every table and view over this folder, for `duckdb -init _cxbridge/views.sql` run in it."""
        statements = [f"CREATE OR REPLACE VIEW {t.name} AS {self._table_select(t, Path('.'))};" for t in (*TABLES, METADATA)]
        statements += [f"CREATE OR REPLACE VIEW {name} AS {sql.strip()};" for name, sql in view_sql(self).items()]
        return "-- cxbridge tables and BI views over this Parquet folder (DuckDB SQL); run from the folder.\n" + (
            "\n\n".join(statements) + "\n"
        )

    # --- writing --------------------------------------------------------------------------

    def write_batch(self, batch: Batch) -> WriteStats:
        runs: list[Batch] = []

        def write(batch: Batch) -> WriteStats:  # a re-run adds what is not there yet: it looks everything up
            runs.append(batch)
            return self._write_batch(batch, unstored=batch.unstored and len(runs) == 1)

        return self._within_memory(write, batch)

    def _write_batch(self, batch: Batch, *, unstored: bool) -> WriteStats:
        """With `unstored` (`Batch.unstored`), the batch's records and cases are not looked for
        among the stored ones (each look-up reads a key column of every file of its table); its
        quarantined records still are (an earlier batch may have stored them)."""
        records = list({rows.record_id: rows for rows in batch.records}.values())
        now = format_timestamp(datetime.now(timezone.utc))
        quarantined = list({item.record_id: item for item in batch.quarantined}.values())
        self._open_cases(batch, unstored=unstored)  # before the records: a crash in between leaves no record without its case
        asked = [] if unstored else [r.record_id for r in records]
        self._stored = self._stored_copies(batch.source, asked + [q.record_id for q in quarantined])
        changed = [r for r in records if [h for h, _ in self._stored.get(r.record_id, [])] != [r.content_hash]]
        dropped = [item.record_id for item in quarantined if item.record_id in self._stored]  # its last version failed
        if changed:  # until the batch's cursor is saved, its records' rows may be part-written
            self._begin_records(batch, [r.record_id for r in changed], now)
        if changed or dropped:
            self._write_records(batch.source, changed, dropped)
        if batch.links:
            self._set_links(batch.links)
        if batch.records or batch.quarantined:
            rows = [quarantine_row(item, now, batch.run_id) for item in quarantined]
            released = [rows.record_id for rows in batch.records]
            self._upsert_parts(QUARANTINE, rows, keep=("first_seen",), delete=released)
        context = self._changed_context(batch)
        for table in CRM_TABLES:
            if rows := [row.values for row in context if row.table == table.name]:
                self._upsert_file(table, rows)
        if batch.cursor is not None:
            cursor = batch.cursor
            self._upsert_file(SYNC_STATE, [(cursor.source, cursor.stream, to_json(cursor.value), now, batch.run_id)])
        self._batch_journal.unlink(missing_ok=True)
        if len(self._takeouts) >= TAKE_OUT_AT:
            self._take_out_named()
        self._merge_parts(final=False)
        written = len(changed) + len(context)
        return WriteStats(written, len(batch.records) + len(batch.context) - written, len(batch.quarantined))

    def _open_cases(self, batch: Batch, *, unstored: bool) -> None:
        """The batch's cases whose id is not stored, their deliveries and events first: a crash
        part-way leaves the case missing, and the re-run adds what is not there. With
        `unstored`, none is (their ids are the batch's records')."""
        if not batch.cases:
            return
        stored = set() if unstored else self._present(FEEDBACK_CASES, [opened.case_id for opened in batch.cases])
        new = [opened for opened in batch.cases if opened.case_id not in stored]
        for table, rows in (
            (LOOP_OUTBOX, [delivery for opened in new for delivery in opened.deliveries]),
            (FEEDBACK_CASE_EVENTS, [opened.event for opened in new]),
        ):
            if rows and unstored:
                self._add_rows(table, rows)
            elif rows:
                self._upsert_parts(table, rows, replace=False)
        if new:  # their ids are not stored (above): not looked up again
            self._add_rows(FEEDBACK_CASES, [opened.case for opened in new])

    def holds_no_feedback(self) -> bool:
        """No record file, and no row in the cases' files nor in their deliveries' and events',
        which a batch adds before its cases (`_open_cases`: a sync stopped in between leaves
        them without their case, and the re-run must look them up, not add them again). The
        loop then asks only about the records this sync wrote: a first sync looks nothing up."""
        if not self.exists():
            return True
        if self._conn is None or files.has_files(files.partition_glob(self.root, FEEDBACK)):
            return False
        loop_files = [path for table in (FEEDBACK_CASES, FEEDBACK_CASE_EVENTS, LOOP_OUTBOX)
                      for path in files.folder_files(self.root / table.name)]  # fmt: skip
        if not loop_files:
            return True
        counted = " UNION ALL ".join(f"SELECT COUNT(*) AS n FROM read_parquet({literal(path)})" for path in loop_files)
        return not self.conn.execute(f"SELECT SUM(n) FROM ({counted})").fetchall()[0][0]

    def _present(self, table: Table, keys: Sequence[str]) -> set[str]:
        """Those of these keys (of a loop table's single-column key) that its files hold."""
        (key,) = table.primary_key
        folder = self.root / table.name
        if not keys or not files.folder_files(folder):
            return set()
        self._register_ids("cx_keys", keys)
        try:
            with self._built_on_keys():
                found = self.conn.execute(
                    f"SELECT {key} FROM read_parquet({literal(files.folder_glob(folder))}) "
                    f"WHERE {key} IN (SELECT record_id FROM cx_keys)"
                ).fetchall()
        finally:
            self.conn.unregister("cx_keys")
        return {row[0] for row in found}

    def _upsert_parts(
        self,
        table: Table,
        rows: list[tuple[Any, ...]],
        *,
        replace: bool = True,
        keep: Sequence[str] = (),
        delete: Sequence[str] = (),
    ) -> None:
        """Merge rows into a one-folder table by its (single-column, first) key: each stored row
        they replace in the file holding it, keeping its `keep` columns (unless not `replace`:
        those rows are left out), the others added as a new part; stored rows whose key is in
        `delete` (and not among the rows) are taken out. Every file is replaced whole, and a key
        stays in one file."""
        stored = self._present(table, [row[0] for row in rows])
        added = [row for row in rows if row[0] not in stored]
        replaced = [row for row in rows if row[0] in stored] if replace else []
        if replaced or delete:
            self._rewrite_holding(table, replaced, keep, delete)
        if added:
            self._add_rows(table, added)

    def _add_rows(self, table: Table, rows: list[tuple[Any, ...]]) -> None:
        """Rows whose keys a one-folder table does not hold, as a new part of it."""
        self.conn.register("cx_rows", self._staged_arrays(table, rows))
        try:
            self._add_part(self.root / table.name, f"SELECT {typed(table)} FROM cx_rows")
        finally:
            self.conn.unregister("cx_rows")

    def _rewrite_holding(
        self, table: Table, rows: list[tuple[Any, ...]], keep: Sequence[str], delete: Sequence[str]
    ) -> None:
        """Rewrite each file of a one-folder table holding a key of `rows` or `delete`: those
        rows replaced (their `keep` columns as stored), the deleted ones left out. A part left
        empty is removed, unless it is the folder's last file (the table's view reads the folder)."""
        (key,) = table.primary_key
        folder = self.root / table.name
        self.conn.register("cx_rows", self._staged_arrays(table, rows))
        self._register_ids("cx_delete", delete)
        try:
            touched = f"(SELECT {key} FROM cx_rows UNION ALL SELECT record_id AS {key} FROM cx_delete)"
            columns = ", ".join(f"COALESCE(o.{c}, n.{c}) AS {c}" if c in keep else f"n.{c}" for c in table.column_names)
            for path in self._files_holding(folder, key, touched):
                old = f"read_parquet({literal(path)})"
                select = (
                    f"SELECT * FROM {old} WHERE {key} NOT IN (SELECT {key} FROM cx_rows) "
                    f"AND {key} NOT IN (SELECT record_id FROM cx_delete) UNION ALL "
                    f"SELECT {columns} FROM (SELECT {typed(table)} FROM cx_rows) n JOIN {old} o USING ({key})"
                )
                emptied = not self.conn.execute(f"SELECT COUNT(*) FROM ({select})").fetchall()[0][0]
                if emptied and len(files.folder_files(folder)) > 1:
                    path.unlink()
                else:
                    files.replace_atomically(self.conn, select, path)
        finally:
            self.conn.unregister("cx_rows")
            self.conn.unregister("cx_delete")

    def _files_holding(self, folder: Path, key: str, relation: str) -> list[Path]:
        """The files of a folder holding a row whose `key` is in `relation` (same column name)."""
        if not files.folder_files(folder):
            return []
        with self._built_on_keys():
            found = self.conn.execute(
                f"SELECT DISTINCT filename FROM read_parquet({literal(files.folder_glob(folder))}, filename = true, "
                f"hive_partitioning = false) WHERE {key} IN (SELECT {key} FROM {relation})"
            ).fetchall()
        return sorted(Path(filename) for (filename,) in found)

    def _add_part(self, folder: Path, select: str) -> Path:
        """Write the rows of `select` as a new part file of a folder."""
        part = files.new_part(folder)
        files.replace_atomically(self.conn, select, part)
        self._parts.setdefault(folder, []).append(part)
        self._own_parts.add(part)
        return part

    def _merge_parts(self, *, final: bool) -> None:
        """Merge the parts this connection added to each folder: MERGE_AT parts of one level into
        one of the next; at the end of a sync (`final`) all of them into one, then every file of
        a folder holding more than MAX_FILES. A failed merge leaves the parts (the rows are
        stored either way) and is logged, not raised: the next sync merges them."""
        for folder, written in list(self._parts.items()):
            parts = [part for part in written if part.exists()]
            done = final
            try:
                if final:
                    if len(parts) > 1:
                        files.merge(self.conn, parts, parts[0])
                    if len(stored := files.folder_files(folder)) > MAX_FILES and not self._takeouts.of_table(folder):
                        files.merge(self.conn, stored, stored[0])
                level = 0
                while not final and len(same := [p for p in parts if self._levels.get(p, 0) == level]) >= MERGE_AT:
                    files.merge(self.conn, same, same[0])
                    self._levels[same[0]] = level = level + 1
                    parts = [part for part in parts if part not in same[1:]]
            except Exception as exc:  # noqa: BLE001 - housekeeping: the data is stored whole either way
                log.warning("could not merge the part files of %s: %s", folder, exc)
                done = True  # leave this folder's parts to the next sync
            if done:
                del self._parts[folder]
            else:
                self._parts[folder] = parts

    def write_loop(self, changes: LoopChanges) -> None:
        """Events, deliveries, then cases, each file replaced atomically (there are no
        transactions across files; a re-run replaces the same keys)."""
        self._within_memory(self._write_loop, changes)

    def _write_loop(self, changes: LoopChanges) -> None:
        for table, rows in (
            (FEEDBACK_CASE_EVENTS, changes.events), (LOOP_OUTBOX, changes.deliveries), (FEEDBACK_CASES, changes.cases)
        ):  # fmt: skip
            if rows:
                self._upsert_parts(table, list({row[0]: row for row in rows}.values()))

    def _changed_context(self, batch: Batch) -> list[ContextRow]:
        """The batch's CRM rows that are new or differ from the stored ones (by content hash)."""
        latest = {(row.table, row.key): row for row in batch.context}
        stored: set[tuple[str, str, str, str]] = set()
        for table in {table for table, _ in latest}:
            file = literal(files.table_file(self.root, TABLES_BY_NAME[table]))
            rows = self.conn.execute(
                f"SELECT source, {id_column(table)}, content_hash FROM read_parquet({file})"
            ).fetchall()
            stored |= {(table, source, identifier, digest) for source, identifier, digest in rows}
        return [row for (table, key), row in latest.items() if (table, *key, row.content_hash) not in stored]

    def _stored_copies(self, source: str, record_ids: list[str]) -> dict[str, list[tuple[str, Path]]]:
        """The content hash and file of every stored copy of these records (but the old versions
        named to be taken out)."""
        pattern = files.partition_glob(self.root, FEEDBACK, source)
        stored: dict[str, list[tuple[str, Path]]] = {}
        if not record_ids or not files.has_files(pattern):
            return stored
        self._register_ids("cx_ids", record_ids)
        try:
            with self._built_on_keys():
                found = self.conn.execute(
                    f"SELECT record_id, content_hash, filename FROM read_parquet({literal(pattern)}, filename = true) "
                    "WHERE record_id IN (SELECT record_id FROM cx_ids)"
                ).fetchall()
        finally:
            self.conn.unregister("cx_ids")
        for record_id, content_hash, filename in found:
            if not self._takeouts.holds(record_id, path := Path(filename)):
                stored.setdefault(record_id, []).append((content_hash, path))
        return stored

    @property
    def _batch_journal(self) -> Path:
        return self.root / "_cxbridge" / "batch.json"

    def _begin_records(self, batch: Batch, record_ids: list[str], now: str) -> None:
        """Name the records whose rows the batch is about to add (a partition's feedback part,
        then its scores' and comments' parts), and the cursor row that says it ended. A crash in
        between would leave a record whose content hash is stored but not all of its rows, which
        the re-run's comparison takes as unchanged: `_undo_unfinished_batch` takes them out."""
        cursor = batch.cursor
        entry = {
            "source": batch.source,
            "record_ids": record_ids,
            "ends_with": None if cursor is None else [cursor.stream, to_json(cursor.value), now, batch.run_id],
        }
        files.write_atomically(self._batch_journal, json.dumps(entry))

    def _undo_unfinished_batch(self) -> None:
        """Take out of the record tables every row of the records a batch cut short by a crash
        was writing (`_begin_records`), unless its cursor was saved: the re-run reads them again
        from the cursor before it and writes them whole."""
        journal = self._batch_journal
        if not journal.exists():
            return
        entry = json.loads(journal.read_text(encoding="utf-8"))
        if not self._cursor_saved(entry["source"], entry["ends_with"]):
            log.warning("%s: a sync stopped while writing %d records; their rows are taken out and written again",
                        self.root, len(entry["record_ids"]))  # fmt: skip
            self._register_ids("cx_changed", entry["record_ids"])
            try:
                for table in PARTITIONED:
                    for folder in sorted((self.root / table.name / f"source={entry['source']}").glob("month=*")):
                        self._take_out(table, *files.partition_of(folder), added=set())
            finally:
                self.conn.unregister("cx_changed")
        journal.unlink()

    def _cursor_saved(self, source: str, ends_with: list[str] | None) -> bool:
        state = files.table_file(self.root, SYNC_STATE)
        if ends_with is None or not state.exists():
            return False
        stream, cursor, now, run_id = ends_with
        return bool(self.conn.execute(
            f"SELECT COUNT(*) FROM read_parquet({literal(state)}) WHERE source = ? AND stream = ? AND cursor = ? "
            "AND updated_at = CAST(? AS TIMESTAMP) AND sync_run_id = ?", [source, stream, cursor, now, run_id],
        ).fetchall()[0][0])  # fmt: skip

    def _write_records(self, source: str, changed: list, dropped: list[str]) -> None:
        """Add the changed records as a part file in each partition (of each record table) they
        enter, then name their older copies in the files the sync found, and the dropped records',
        to be taken out at the end of the source (`TakeOuts`), and take those in parts the sync
        added out at once. A crash in between leaves a record twice, which the re-run writes
        again once."""
        stale = [r.record_id for r in changed if r.record_id in self._stored] + dropped
        by_month = sorted(_by_month(source, changed).items(), key=lambda item: str(item[0]))
        staged = {table: self._staged_by_month(table, by_month) for table in PARTITIONED}
        added: set[Path] = set()
        for month, _ in by_month:
            for table in PARTITIONED:
                if month in staged[table]:
                    added.add(self._add_records(table, source, month, staged[table][month]))
        copies = [(rid, path) for rid in stale for _, path in self._stored.get(rid, [])]
        self._name_takeouts([(rid, path) for rid, path in copies if path not in self._own_parts])
        own = [(rid, path) for rid, path in copies if path in self._own_parts]
        self._register_ids("cx_changed", [rid for rid, _ in own])
        try:
            for partition in sorted({files.partition_of(path.parent) for _, path in own}, key=str):
                for table in PARTITIONED:
                    self._take_out(table, *partition, added, within=self._own_parts)
        finally:
            self.conn.unregister("cx_changed")

    def _name_takeouts(self, copies: list[tuple[str, Path]]) -> None:
        """Name these old copies, in files the sync found, to be taken out (`TakeOuts`): every
        file the sync found in their partitions, of each record table (a record's scores and
        comments are in its feedback row's partition). Readers of this connection no longer see
        them (`_table_select`)."""
        if not copies:
            return
        found = []
        for source, month in {files.partition_of(path.parent) for _, path in copies}:
            for table in PARTITIONED:
                folder = files.partition_dir(self.root, table, source, month)
                found += [path for path in files.folder_files(folder) if path not in self._own_parts]
        self._exclude(self._takeouts.add([rid for rid, _ in copies], found))

    def _exclude(self, record_ids: Iterable[str]) -> None:
        """Add these ids to `cx_takeout`, the ids the views leave out of the files named with them."""
        self.conn.execute("CREATE TABLE IF NOT EXISTS cx_takeout (record_id VARCHAR)")
        self._register_ids("cx_named", sorted(record_ids))
        try:
            self.conn.execute("INSERT INTO cx_takeout SELECT record_id FROM cx_named")
        finally:
            self.conn.unregister("cx_named")

    def _take_out_named(self) -> None:
        """Rewrite each file named in `TakeOuts` that holds one of its records without them, then
        forget them (the journal last: a crash part-way takes out the rest at the next open)."""
        if not self._takeouts:
            return
        self._register_ids("cx_changed", sorted(self._takeouts.ids))
        try:
            for path in sorted(self._takeouts.files):
                if path.exists():
                    self._take_out_of(TABLES_BY_NAME[path.relative_to(self.root).parts[0]], path)
        finally:
            self.conn.unregister("cx_changed")
        self._takeouts.clear()
        self.conn.execute("DROP TABLE IF EXISTS cx_takeout")

    def _staged_by_month(self, table: Table, by_month: list) -> dict[str | None, dict[str, Any]]:
        """A record table's rows staged once, in month order, and each month's as slices of them
        (DuckDB converts every row of a registered array each time a query scans it: one array
        filtered by month was read in whole twelve times a batch)."""
        rows = [row for _, tables in by_month for row in tables[table]]
        arrays = self._staged_arrays(table, rows)
        slices, start = {}, 0
        for month, tables in by_month:
            end = start + len(tables[table])
            if end > start:
                slices[month] = {name: array[start:end] for name, array in arrays.items()}
            start = end
        return slices

    def _add_records(self, table: Table, source: str, month: str | None, arrays: dict[str, Any]) -> Path:
        """One partition's rows of a record table (it has some), as a new part file there."""
        self.conn.register("cx_new", arrays)
        try:
            incoming = f"SELECT {typed(table, files.file_columns(table))} FROM cx_new ORDER BY record_id"
            return self._add_part(files.partition_dir(self.root, table, source, month), incoming)
        finally:
            self.conn.unregister("cx_new")

    def _take_out(
        self, table: Table, source: str, month: str | None, added: set[Path], *, within: set[Path] | None = None
    ) -> None:
        """Rewrite each file of a partition (of those `within`, if given) holding a record of
        `cx_changed` without it (the parts this batch added hold the new versions and stay)."""
        folder = files.partition_dir(self.root, table, source, month)
        if within is not None and not any(path in within for path in files.folder_files(folder)):
            return
        for path in self._files_holding(folder, "record_id", "cx_changed"):
            if path not in added and (within is None or path in within):
                self._take_out_of(table, path)

    def _take_out_of(self, table: Table, path: Path) -> None:
        """Rewrite one file of a record table holding records of `cx_changed` without them (the
        others in the order it holds them), or remove it if none is left."""
        source = f"read_parquet({literal(path)}, hive_partitioning = false)"
        changed = "record_id IN (SELECT record_id FROM cx_changed)"
        with self._built_on_keys():
            [(held, rows)] = self.conn.execute(f"SELECT COUNT(*) FILTER ({changed}), COUNT(*) FROM {source}").fetchall()
        if held and held == rows:
            files.remove_partition_file(path)
        elif held:
            files.replace_atomically(
                self.conn, f"SELECT {', '.join(files.file_columns(table))} FROM {source} WHERE NOT {changed}", path
            )

    def _set_links(self, links: dict[str, str | None]) -> None:
        """Set `duplicate_of` of these records, rewriting each feedback file that holds one."""
        pattern = files.partition_glob(self.root, FEEDBACK)
        if not files.has_files(pattern):
            return
        self.conn.register("cx_links", self._staged_arrays(LINKS, sorted(links.items())))
        try:
            with self._built_on_keys():
                found = self.conn.execute(
                    f"SELECT DISTINCT filename FROM read_parquet({literal(pattern)}, filename = true) "
                    "WHERE record_id IN (SELECT record_id FROM cx_links)"
                ).fetchall()
            linked = "CASE WHEN l.record_id IS NULL THEN f.duplicate_of ELSE l.duplicate_of END AS duplicate_of"
            columns = ", ".join(linked if c == "duplicate_of" else f"f.{c}" for c in files.file_columns(FEEDBACK))
            for (filename,) in sorted(found):
                select = (
                    f"SELECT {columns} FROM read_parquet({literal(filename)}) f "
                    "LEFT JOIN cx_links l ON l.record_id = f.record_id ORDER BY f.record_id"
                )
                files.replace_atomically(self.conn, select, Path(filename))
        finally:
            self.conn.unregister("cx_links")

    def _upsert_file(self, table: Table, rows: list[tuple[Any, ...]], *, delete: Sequence[str] = ()) -> None:
        """Merge rows into a one-file table by its primary key, dropping the rows whose
        (single-column) key is in `delete`."""
        key = ", ".join(table.primary_key)
        self.conn.register("cx_rows", self._staged_arrays(table, rows))
        self._register_ids("cx_delete", delete)
        try:
            old = f"read_parquet({literal(files.table_file(self.root, table))})"
            select = (
                f"SELECT {typed(table)} FROM cx_rows UNION ALL "
                f"SELECT * FROM {old} WHERE ({key}) NOT IN (SELECT ({key}) FROM cx_rows) "
                f"AND {table.primary_key[0]} NOT IN (SELECT record_id FROM cx_delete)"
            )
            files.replace_atomically(self.conn, select, files.table_file(self.root, table))
        finally:
            self.conn.unregister("cx_rows")
            self.conn.unregister("cx_delete")

    def _staged_arrays(self, table: Table, rows: Sequence[tuple[Any, ...]]) -> dict[str, Any]:
        """`rows` as arrays to register, DuckDB's memory limit widened by their room until the
        write or loop change ends (`_written`)."""
        arrays, nbytes, wide = column_arrays(table, rows)
        self._staged_bytes += nbytes
        self._staged_wide += wide
        self._fit_memory_limit()
        return arrays

    @contextmanager
    def _written(self) -> Iterator[None]:
        try:
            yield
        finally:
            self._staged_bytes = self._staged_wide = 0
            self._fit_memory_limit()

    def save_run(self, run: SyncRun) -> None:
        if run.finished_at is not None:  # the end of a source's sync: take out, merge the parts it added
            self._take_out_named()
            self._merge_parts(final=True)
        with self._written():
            self._upsert_file(SYNC_RUNS, [tuple(run_row(run))])

    def read_metadata(self) -> dict[str, str]:
        file = files.table_file(self.root, METADATA)
        if not file.exists():
            return {}
        return dict(self.conn.execute(f"SELECT name, value FROM read_parquet({literal(file)})").fetchall())

    def write_metadata(self, values: Mapping[str, str | None]) -> None:
        now = format_timestamp(datetime.now(timezone.utc))
        rows = [(name, value, now) for name, value in values.items() if value is not None]
        with self._written():
            self._upsert_file(METADATA, rows, delete=[name for name, value in values.items() if value is None])

    def release_quarantine(self, record_ids: Sequence[str]) -> None:
        with self._written():
            self._upsert_parts(QUARANTINE, [], delete=list(record_ids))


@lru_cache(maxsize=256)
def _names_in(sql: str) -> frozenset[str]:
    """The tables and views whose name is a word of `sql` (a word that only looks like one, in a
    string or a column name, costs a definition, never a wrong answer)."""
    return frozenset(word for word in map(str.lower, _WORD.findall(sql)) if word in VIEW_NAMES_HERE)


def _month(feedback: tuple[Any, ...]) -> str | None:
    submitted = feedback[_SUBMITTED]
    return submitted[:7] if submitted else None


def _by_month(source: str, changed: list) -> dict[str | None, dict[Table, list[tuple[Any, ...]]]]:
    """The rows of the changed records by the month of their record, then by record table (a
    feedback row in its own source's partitions only)."""
    months: dict[str | None, dict[Table, list[tuple[Any, ...]]]] = {}
    for r in changed:
        month = _month(r.feedback)
        if (tables := months.get(month)) is None:
            tables = months[month] = {table: [] for table in PARTITIONED}
        if r.feedback[_SOURCE] == source:
            tables[FEEDBACK].append(r.feedback)
        tables[FEEDBACK_SCORES] += r.scores
        tables[FEEDBACK_COMMENTS] += r.comments
    return months
