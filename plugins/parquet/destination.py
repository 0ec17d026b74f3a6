"""`parquet:///folder`: a Hive-partitioned Parquet lake (by source and month) that DuckDB, Spark,
Athena and BigQuery external tables read as is.

There are no transactions across files, so a batch adds its cases as new part files, then its
records as a part file in each partition they enter (a record table's written by partitioned
COPYs into `_cxbridge/staging/`, each file then renamed into its partition), then names their
older copies in the files the sync found to be taken out once at the end of the source
(`takeouts`: readers of this connection leave them out meanwhile), then updates the quarantine,
and the cursor last: a crash leaves every file whole and the cursor behind the data, and the re-run's content-hash comparison
finishes what was left. A record's rows span three tables, so the records a batch adds are named
in `_cxbridge/batch.json` until its cursor is saved; a sync that finds it there takes those
records' rows out, and reads them again from the cursor before them. A batch never rewrites what earlier batches stored (unless it changes it), so its cost does
not grow with the folder; the parts a sync adds are merged `MERGE_AT` at a time (a first sync's
`FIRST_SYNC_MERGE_AT`) and at the end of each source's sync (`files.merge`, journaled against crashes). Reports, views and `status` run
in an in-memory DuckDB over the files; `_cxbridge/views.sql` gives BI tools the same views. cxbridge never writes
`feedback_followups/`: every Parquet file users put there is a follow-up table (docs/bi.md).

`ParquetDestination` opens and closes the lake and runs a batch through one mixin per part of
the lake: `migrations` (an older cxbridge's files brought up to date), `views` (the tables and
views over the files), `records` (the record tables' parts, take-outs and batch journal),
`folder_tables` (the loop's tables, the quarantine, the one-file tables) and `parts` (part files
added and merged).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, timezone
from glob import glob
from pathlib import Path
from typing import Any

from cxbridge.crm import ContextRow, id_column
from cxbridge.destinations import Batch, Destination, LoopChanges, SyncRun, WriteStats
from cxbridge.layout import (
    CRM_TABLES,
    FEEDBACK,
    FEEDBACK_CASE_EVENTS,
    FEEDBACK_CASES,
    LOOP_OUTBOX,
    METADATA,
    QUARANTINE,
    SYNC_RUNS,
    SYNC_STATE,
    TABLES_BY_NAME,
    Table,
)
from cxbridge.local_files import file_lock, file_lock_held, path_of
from cxbridge.plugins.duckdb.destination import DuckDBDestination, import_duckdb
from cxbridge.plugins.duckdb.staging import column_arrays
from cxbridge.plugins.parquet import files
from cxbridge.plugins.parquet.batch_journal import BatchJournal
from cxbridge.plugins.parquet.files import literal
from cxbridge.plugins.parquet.folder_tables import FolderTables
from cxbridge.plugins.parquet.migrations import LakeMigrations
from cxbridge.plugins.parquet.parts import PartFiles
from cxbridge.plugins.parquet.records import RecordTables
from cxbridge.plugins.parquet.takeouts import TAKE_OUT_AT, TakeOuts
from cxbridge.plugins.parquet.views import LakeViews
from cxbridge.sql_rows import quarantine_row, run_row
from cxbridge.tables import to_json
from cxbridge.timestamps import format_timestamp

log = logging.getLogger(__name__)


class ParquetDestination(
    LakeMigrations, LakeViews, RecordTables, BatchJournal, FolderTables, PartFiles, DuckDBDestination
):
    """`parquet:///lake` (relative to the config file) or `parquet:////abs/lake`."""

    name = "parquet"
    first_batch_size = None
    """A first sync runs in batches of `batch_size`, as a re-sync does: DuckDB's smaller first-sync
    batches (its peak memory is its checkpointing commits, which a lake has not) would write a
    part a month a table every 1,500 records — inherited by mistake, they made the 1M bench's
    first sync take 529 s of CPU, against 179 s in batches of 10,000 (bench/JOURNAL.md, "Parquet
    at 1M and 300k")."""
    memory_limit_mb = 32
    """DuckDB's memory while a sync writes the lake, beside the room of the batch written
    (`DuckDBDestination._fit_memory_limit`); what does not fit spills to `<lake>.tmp` beside the
    folder, and a file too wide for it is written under DuckDB's own limit (`files.copy`). 32
    with row groups of 4,000 rows (`files.WRITE_OPTIONS`); 24 and 16 failed a merge of the 1M
    bench lake's parts with DuckDB's OutOfMemoryException."""

    erase = Destination.erase  # refused: no transaction spans the lake's files
    erased = Destination.erased
    prunes, prune, remove = False, Destination.prune, Destination.remove  # refused, before a sync reads: no transaction spans the lake's files

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
        self._keys_built = False  # `_build_on_keys`
        self._first_sync = False  # a batch of this source's sync was `Batch.unstored`, no other source's records stored
        self._cases_opened = 0  # of the batch being written (`write_batch`): the cases added
        self._kept: dict[str, int] = {}  # per source: the cases its last failed batch added (`cases_kept`)
        self._alone_sources: dict[str, bool] = {}  # `_alone`
        self._unread_parts: dict[str, set[Path]] = {}  # a reader's: record table → parts of a batch cut short
        self._links_unread = False  # a reader's: the links that batch set read as they were (`cx_links_before`)

    def exists(self) -> bool:
        return self._migrations_file.exists()

    def lock(self, *, wait: float = 0) -> AbstractContextManager[None]:
        return file_lock(self.root, wait=wait)

    def lock_held(self) -> bool:
        return file_lock_held(self.root)

    def connect(self, *, read_only: bool) -> Any:
        conn = import_duckdb().connect()
        conn.execute("SET TimeZone = 'UTC'")
        conn.execute("SET enable_progress_bar = false")  # DuckDB draws it on stdout, into a command's output
        return conn

    def open(self, *, read_only: bool = False) -> None:
        if self._conn is not None:
            return
        self._conn = self.connect(read_only=read_only)
        self._defined = {}
        self._by_name = read_only and self._migrations_pending()
        self._parts, self._levels, self._own_parts, self._takeouts = {}, {}, set(), TakeOuts(self.root)
        self._first_sync, self._alone_sources = False, {}
        self._writing, self._keys_built = not read_only, False
        self._unread_parts, self._links_unread = {}, False
        unfinished = self._unfinished_batch() if read_only else None
        self._takeouts.load(before=(unfinished or {}).get("takeouts_from"))
        if read_only and self._takeouts:  # a sync under way, or stopped, has not taken them out yet: not read
            self._exclude(self._takeouts.ids)
        if unfinished:
            self._hide_unfinished_batch(unfinished)
        if not read_only:
            # One thread while writing: each of DuckDB's threads reads and writes row groups of its
            # own, which doubled a sync's peak memory on two cores, and a sync's CPU time does
            # not grow with one (reports and status, read-only, keep every thread).
            self._conn.execute("SET threads = 1")
            self._keys_built = self._build_on_keys()
            # Staged object arrays read as text, with no sample of their values' types at each bind
            # (36 parts a batch bound them): every column is cast to its type as it is written
            # (`files.typed`), every key is text. −5 % instructions at 4,000 records (bench/JOURNAL.md,
            # "Parquet — a first sync's parts merged at its end"); DuckDB's connection does the same.
            self._conn.execute("SET pandas_analyze_sample = 0")
            self._conn.execute(f"SET temp_directory = {literal(str(self.root) + '.tmp')}")
            self._conn.execute(f"SET memory_limit = '{self._base_mb}MiB'")
            self._limit_mb = self._base_mb
            files.finish_merges(self.root)
            self._apply_migrations()
            self._undo_unfinished_batch()  # first: it forgets the old versions the batch named
            self._take_out_named()

    def _build_on_keys(self) -> bool:
        """Every query of the writing connection built on its keys: DuckDB's pass that turns a
        join around is off from the open (`DuckDBDestination._built_on_keys`, which a reader sets
        around each look-up). Its look-ups each took a SET and a RESET besides their query: 16
        of the ~60 calls into DuckDB of a small re-sync's batch. Its other joins are semi- and
        anti-joins against a batch's keys (or the ids named to be taken out), or are ordered by
        DuckDB's join order pass, which stays on. False on a DuckDB without that pass."""
        try:
            self._conn.execute("SET disabled_optimizers = 'build_side_probe_side'")
        except import_duckdb().Error:
            return False
        return True

    @contextmanager
    def _built_on_keys(self) -> Iterator[None]:
        if self._keys_built:  # set once, at the open (`_build_on_keys`)
            yield
            return
        with super()._built_on_keys():
            yield

    def close(self) -> None:
        if self._conn is not None and self._writing:
            self._end_source()
        super().close()

    def _end_source(self) -> None:
        """The end of a source's sync (`save_run`) or of the connection (an interrupted sync:
        Ctrl-C): a batch cut short undone first (`_undo_failed_batch`), then the old versions
        named taken out and this connection's parts merged. If that undo failed, nothing is
        merged: the next open undoes the batch first, by the part numbers its journal names,
        which hold while nothing merges, as after a crash."""
        self._undo_failed_batch()
        if self._batch_journal.exists():
            return
        self._take_out_or_leave_named()
        self._merge_parts(final=True)

    def _take_out_or_leave_named(self) -> None:
        """The end of a source's take-out (`_take_out_named`); if it fails (a full disk), the
        old versions stay named and the sync goes on, as with a failed merge: cxbridge's readers
        leave them out, the next sync takes them out before anything else, and meanwhile other
        engines reading the files see both versions of those records — which the warning says."""
        named = len(self._takeouts)
        try:
            self._take_out_named()
        except Exception as exc:  # noqa: BLE001 - journaled under _cxbridge/takeouts/
            log.warning(
                "could not take the old versions of %d changed records out of %s (%s): the next sync "
                "takes them out first; until then engines other than cxbridge reading the files see "
                "both versions of those records", named, self.root, exc,
            )  # fmt: skip

    # --- writing --------------------------------------------------------------------------

    def write_batch(self, batch: Batch) -> WriteStats:
        runs: list[Batch] = []
        self._cases_opened = 0  # counted across a re-run: the cases its first run added are stored then

        def write(batch: Batch) -> WriteStats:  # a re-run adds what is not there yet: it looks everything up
            runs.append(batch)
            first = len(runs) == 1
            return self._write_batch(batch, unstored=batch.unstored and first,
                                     quarantined_unstored=batch.quarantined_unstored and first)  # fmt: skip

        try:
            return dataclasses.replace(self._within_memory(write, batch), cases_opened=self._cases_opened)
        except Exception:  # the engine fails the source and goes on: no record of it left part-written
            self._kept[batch.source] = self._cases_opened  # its cases stay (`_open_cases`): counted by the engine
            self._undo_failed_batch()
            raise

    def cases_kept(self, source: str) -> int:
        return self._kept.pop(source, 0)

    def _undo_failed_batch(self) -> None:
        """Take out the rows of a batch that raised part-way (`_undo_unfinished_batch`) before
        anything else reads or writes the lake; if that fails too, the next batch or sync does."""
        try:
            self._undo_unfinished_batch()
        except Exception as exc:  # noqa: BLE001 - the journal stays: the next batch, or the next open, takes them out
            log.warning("%s: could not take out the rows of a batch that failed part-way (%s): the next batch "
                        "or sync takes them out first", self.root, exc)  # fmt: skip

    def _write_batch(self, batch: Batch, *, unstored: bool, quarantined_unstored: bool) -> WriteStats:
        """With `unstored` (`Batch.unstored`), the batch's records and cases are not looked for
        among the stored ones (each look-up reads a key column of every file of its table); with
        `quarantined_unstored` (`Batch.quarantined_unstored`), nor are its quarantined records (else
        an earlier batch may have stored them)."""
        self._undo_unfinished_batch()  # one this connection began and could not take out (a write run again)
        records = list({rows.record_id: rows for rows in batch.records}.values())
        now = format_timestamp(datetime.now(timezone.utc))
        quarantined = list({item.record_id: item for item in batch.quarantined}.values())
        self._open_cases(batch, unstored=unstored)  # before the records: a crash in between leaves no record without its case
        asked = [] if unstored else [r.record_id for r in records]
        failed = [] if quarantined_unstored else [q.record_id for q in quarantined]
        self._stored = self._stored_copies(batch.source, asked + failed)
        changed = [r for r in records if [h for h, _ in self._stored.get(r.record_id, [])] != [r.content_hash]]
        dropped = [item.record_id for item in quarantined if item.record_id in self._stored]  # its last version failed
        if changed or dropped:  # until the batch's cursor is saved, its records' rows may be part-written
            self._begin_records(batch, [r.record_id for r in changed], dropped, now, unstored=unstored)
            self._write_records(batch.source, changed, dropped)
        if batch.links:
            self._set_links(batch.links)
        if batch.records or batch.quarantined or batch.released:
            rows = [quarantine_row(item, now, batch.run_id) for item in quarantined]
            released = [rows.record_id for rows in batch.records] + batch.released
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
        self._first_sync = self._first_sync or (batch.unstored and self._alone(batch.source))
        self._merge_parts(final=False, first_sync=self._first_sync)
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
            self._cases_opened += len(new)

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
        listed = files.listed(loop_files)  # three tables: their columns by name
        return not self.conn.execute(f"SELECT COUNT(*) FROM read_parquet({listed}, union_by_name = true)").fetchall()[0][0]

    def holds_nothing_of(self, source: str) -> bool:
        """No record file in the source's partitions, no case of the source, and no event or
        delivery without its case (a batch adds them before its cases, `_open_cases`: a sync
        stopped in between leaves them, and the re-run must look them up, not add them again)."""
        if not self.exists():
            return True
        if self._conn is None or files.has_files(files.partition_glob(self.root, FEEDBACK, source)):
            return False
        loop = {table: files.folder_files(self.root / table.name) for table in (FEEDBACK_CASES, FEEDBACK_CASE_EVENTS, LOOP_OUTBOX)}
        if not loop[FEEDBACK_CASES]:
            return not any(loop.values())
        cases = f"read_parquet({files.listed(loop[FEEDBACK_CASES])})"
        held = [f"EXISTS (SELECT 1 FROM {cases} WHERE source = ?)"] + [
            f"EXISTS (SELECT 1 FROM read_parquet({files.listed(paths)}) WHERE case_id NOT IN (SELECT case_id FROM {cases}))"
            for table, paths in loop.items() if table is not FEEDBACK_CASES and paths
        ]  # fmt: skip
        return not self.conn.execute(f"SELECT {' OR '.join(held)}", [source]).fetchall()[0][0]

    def _alone(self, source: str) -> bool:
        """Whether no other source's records are in the lake (asked once a source and connection):
        only then does a first sync leave its parts unmerged until its end
        (`parts.FIRST_SYNC_MERGE_AT`) — beside other sources' records, cross-source identity
        reads every `feedback` file in each batch, this sync's parts among them."""
        if source not in self._alone_sources:
            own = f"source={source}"
            found = (Path(path) for path in glob(files.partition_glob(self.root, FEEDBACK)))
            self._alone_sources[source] = all(path.parent.parent.name == own for path in found)
        return self._alone_sources[source]

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
            self._end_source()
            self._first_sync = False
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
