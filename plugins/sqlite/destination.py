"""The embedded default destination: one SQLite file, WAL mode so BI tools can read during a sync."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timezone
from functools import cache
from itertools import chain
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any, TypeVar

from cxbridge.crm import ACCOUNT_COLUMNS, CONTACT_COLUMNS, ContextRow, id_column
from cxbridge.command_runs import record_run
from cxbridge.destinations import Batch, Destination, LoopChanges, QuarantineItem, SyncRun, WriteStats
from cxbridge.erasure import Erased, Erasure, erase_rows, erased_of
from cxbridge.errors import DestinationError
from cxbridge.layout import (
    CRM_ACCOUNTS, CRM_CONTACTS, ERASURES, FEEDBACK, FEEDBACK_CASE_EVENTS, FEEDBACK_CASES, FEEDBACK_COMMENTS, FEEDBACK_SCORES,
    LOOP_OUTBOX, Table,
)  # fmt: skip
from cxbridge.local_files import file_lock, file_lock_held
from cxbridge.loop.cases import OPENED_CASE_COLUMNS, OPENING_EVENT_COLUMNS
from cxbridge.local_files import path_of as local_path_of
from cxbridge.plugins.sqlite.read_only import make_side_files_writable, what_is_read_only
from cxbridge.plugins.sqlite.new_file import made_from_template, record_now
from cxbridge.plugins.sqlite.schema import apply_migrations
from cxbridge.plugins.sqlite.sqlite_utils_lean import Database
from cxbridge.pruning import Pruned, ReadIds, Relink, prune_rows
from cxbridge.removal import Chosen, Removal, removal_rows
from cxbridge.tables import COMMENT_COLUMNS, FEEDBACK_COLUMNS, SCORE_COLUMNS, RecordRows, to_json
from cxbridge.timestamps import format_timestamp

MAX_VARIABLES = 900  # under SQLite's oldest default limit of 999 bound parameters
WRITE_ATTEMPTS = 3
STORAGE_FAILURES = {
    sqlite3.SQLITE_FULL: "the disk is full: free space on it (or sync into a file on another disk) and run the sync again",
    sqlite3.SQLITE_IOERR: "the disk failed to read or write it: check the disk and run the sync again",
    sqlite3.SQLITE_READONLY: "it cannot be written (a read-only file or folder): give the sync write access and run it again",
    sqlite3.SQLITE_CORRUPT: "the file is damaged: restore it from a backup, or sync into a new file",
}
"""SQLite's result codes for a file or disk that cannot take the write, and what to do."""
Result = TypeVar("Result")


def _insert_sql(table: str, columns: Sequence[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"


_ON_STORED_FEEDBACK = " ON CONFLICT (record_id) DO UPDATE SET " + ", ".join(
    f"{column} = excluded.{column}" for column in FEEDBACK_COLUMNS[1:]
)  # every column: one the INSERT leaves out takes its default, NULL, in `excluded` too


def _upsert_sql(table: str, columns: Sequence[str], key: Sequence[str]) -> str:
    updates = ", ".join(f"{column} = excluded.{column}" for column in columns if column not in key)
    return f"{_insert_sql(table, columns)} ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}"


_ADD = "INSERT OR ROLLBACK"
"""How a batch adds rows, many a statement: a row that breaks a constraint rolls the whole
transaction back, as `_write` does after any failure. SQLite then keeps no statement journal —
the original of every page a plain INSERT of many rows changes, kept until the statement ends in
case it fails halfway, and spilled to a temporary file past 64 KiB: two writes a page, about four
a record of the Qualtrics bench (issue 19). An upsert's DO UPDATE keeps one whatever the verb."""

_REPLACE_CASE = _upsert_sql(FEEDBACK_CASES.name, FEEDBACK_CASES.column_names, FEEDBACK_CASES.primary_key)
_REPLACE_DELIVERY = _upsert_sql(LOOP_OUTBOX.name, LOOP_OUTBOX.column_names, LOOP_OUTBOX.primary_key)
_ADD_EVENT = _insert_sql(FEEDBACK_CASE_EVENTS.name, FEEDBACK_CASE_EVENTS.column_names)


@cache
def _adding(table: Table, columns: tuple[str, ...], verb: str, after: str) -> str:
    """`verb INTO table (columns) VALUES (…) after`."""
    return _insert_sql(table.name, columns).replace("INSERT", verb, 1) + after


def _filled_columns(
    table: Table, candidates: tuple[str, ...], rows: list[tuple[Any, ...]], *, verb: str = "INSERT", after: str = ""
) -> tuple[str, list[tuple[Any, ...]]]:
    """The INSERT of the rows' columns among `candidates` that some row fills, and those columns
    (each a tuple of its cells, row by row: `_insert_columns`); the others get their default,
    NULL. Python 3.11's sqlite3 binds a None parameter through its adapter look-up, which costs
    as much as a few hundred bytes of text (an AttributeError raised and cleared each time); most
    columns of a case just opened are empty.

    `rows` (at least one) are whole rows of `table`, turned into columns once (one `zip`): a
    column the first row fills is filled, only those it leaves empty are counted (issue 19: a
    Python test per cell cost 16,000 instructions a record of the bench; the rows cut to the
    filled columns, then turned again for the statements' constant columns, 3,000 more)."""
    columns, first, size = list(zip(*rows)), rows[0], len(rows)
    filled = [
        (column, at) for column, at in zip(candidates, map(table.column_names.index, candidates))
        if first[at] is not None or columns[at].count(None) != size
    ]  # fmt: skip
    return _adding(table, tuple(column for column, _ in filled), verb, after), [columns[at] for _, at in filled]


def _insert_all(conn: sqlite3.Connection, sql: str, rows: Sequence[Sequence[Any]]) -> int:
    """`conn.executemany(sql, rows)` for an `INSERT … (columns) VALUES (?, …) …` of one row:
    `_insert_columns` of the rows' columns."""
    return _insert_columns(conn, sql, list(zip(*rows))) if rows else 0


def _insert_columns(conn: sqlite3.Connection, sql: str, columns: list[tuple[Any, ...]]) -> int:
    """`conn.executemany(sql, zip(*columns))` for an `INSERT … (columns) VALUES (?, …) …` of
    one row, given the rows' columns (each a tuple of as many cells), as statements of many rows
    each (`VALUES (…), (…)`, within MAX_VARIABLES): the rows stored, in the same order, and the
    number of rows it inserted or updated. Python's sqlite3 steps, resets and hands the GIL back
    and forth once per statement, and SQLite opens and closes the table's cursors and halts once
    per statement (issue 19: ~5,000 instructions a row). A column holding the same text or
    integer in every row is bound once a statement (named first, its mark numbered: `(?1, ?2, ?,
    ?), (?1, ?2, ?, ?)`): SQLite copies each value bound into memory of its own (~700
    instructions a value)."""
    before, names, after = _rows_statement(sql)
    size = len(columns[0]) if columns else 0
    same = _same_columns(columns, size)
    varying = [column for at, column in enumerate(columns) if at not in same]
    held, width = [columns[at][0] for at in same], len(varying)
    values = list(chain.from_iterable(zip(*varying)))  # the varying cells, row by row: a statement's are a slice
    per = max(1, (MAX_VARIABLES - len(same)) // max(1, width))
    changed = 0
    for start in range(0, size, per):
        statement = _many_rows(before, names, after, same, min(per, size - start))
        changed += conn.execute(statement, held + values[start * width : (start + per) * width]).rowcount
    return changed


def _same_columns(columns: list[tuple[Any, ...]], size: int) -> tuple[int, ...]:
    """The columns holding the same text, or the same integer, in every one of several rows."""
    if size < 2:
        return ()
    return tuple(
        at for at, cells in enumerate(columns)
        if (kind := type(first := cells[0])) in _BOUND_ONCE
        and cells[-1] == first and cells.count(first) == size  # the last cell first: most columns differ there
        and (kind is str or set(map(type, cells)) == {kind})  # 1 == True == 1.0: a number's kind checked
    )  # fmt: skip


_BOUND_ONCE = frozenset((str, int, bool))


@cache
def _rows_statement(sql: str) -> tuple[str, tuple[str, ...], str]:
    """An `INSERT … (columns) VALUES (?, …) …` of one row as (what goes before its columns, the
    columns, what goes after its row)."""
    head, found, rest = sql.partition(" VALUES (")
    before, opened, named = head.partition(" (")
    marks, closed, after = rest.partition(")")
    columns = tuple(named.removesuffix(")").split(", "))
    if not (found and opened and closed and named.endswith(")") and marks.split(", ") == ["?"] * len(columns)):
        raise ValueError(f"not an INSERT of one row of marks: {sql}")
    return before, columns, after


@cache
def _many_rows(before: str, columns: tuple[str, ...], after: str, same: tuple[int, ...], count: int) -> str:
    """`count` rows of marks, the `same` columns named first and their marks numbered (`?1`…), so
    that the rows' plain marks (`?`) number on from there."""
    varying = [column for at, column in enumerate(columns) if at not in same]
    named = ", ".join([columns[at] for at in same] + varying)
    row = "(" + ", ".join([f"?{number}" for number in range(1, len(same) + 1)] + ["?"] * len(varying)) + ")"
    return f"{before} ({named}) VALUES " + ", ".join([row] * count) + after


_FIRST = itemgetter(0)  # a row's key: events and deliveries are keyed by their first column
_CASE_ROW = itemgetter(0)  # an opened case's row: case ids are unique, so rows sort by them without a property call
_RECORD_ID, _FEEDBACK_ROW = attrgetter("record_id"), attrgetter("feedback")
_SCORE_ROWS, _COMMENT_ROWS = attrgetter("scores"), attrgetter("comments")
_ADD_PENDING_DELIVERY = _insert_sql(LOOP_OUTBOX.name, LOOP_OUTBOX.column_names).replace("INSERT", "INSERT OR IGNORE", 1)


def _now() -> str:
    return format_timestamp(datetime.now(timezone.utc))  # type: ignore[return-value]


def path_of(url: str, base_dir: Path) -> Path:
    """`sqlite:///relative.db` or `sqlite:////absolute/path.db` as a path."""
    return local_path_of(url, base_dir, kind="SQLite", example="sqlite:///cxbridge.db or sqlite:////abs/path.db")


class SQLiteDestination(Destination):
    """`sqlite:///path.db` — the embedded default (`cxbridge.db` in the working directory)."""

    name = "sqlite"
    busy_timeout: float = 30.0
    """Seconds a write waits for another program's write transaction before SQLite says busy."""
    batch_size = 10_000
    """Records a transaction commits. Keys arrive in random order, so on a large file each record
    dirties a page of every key and identity index (about five) and a commit writes each dirty
    page to the WAL whatever the rows in it: 10,000 records share more pages than 1,000 (bench
    1M: 40 % fewer bytes written, with `wal_pages`)."""
    cache_kib: int = 64 * 1024
    """Page cache of the writing connection (SQLite's default is 2 MiB). Records arrive in
    random key order, so each batch touches pages all over the primary-key and identity indexes;
    with 2 MiB most of them are read back from the file for every batch (half the write side's
    CPU time went in those reads at 50,000 records). Durability is the same: the cache holds
    pages, the WAL and `synchronous` decide what survives."""
    wal_pages: int = 100_000
    """Pages (4 KiB) the WAL grows to before a commit copies them into the file (SQLite's default
    is 1,000, which a batch on a large file passes at every commit). A page dirtied again by a
    later batch is then copied once, and the WAL and the file are synced once per checkpoint
    instead of once per batch; the WAL goes when the sync closes the file."""

    def __init__(self, url: str, *, base_dir: Path | None = None):
        super().__init__(url, base_dir=base_dir)
        self.path = path_of(url, self.base_dir)
        self._db: Database | None = None

    @property
    def db(self) -> Database:
        if self._db is None:
            raise DestinationError(f"{self.display_name} is not open")
        return self._db

    def exists(self) -> bool:
        return self.path.exists()

    def holds_no_feedback(self) -> bool:
        if self._db is None:
            return not self.exists()
        try:
            row = self._db.conn.execute("SELECT EXISTS (SELECT 1 FROM feedback) OR EXISTS (SELECT 1 FROM feedback_cases)")
            return not row.fetchone()[0]
        except sqlite3.Error:  # a file written before the loop's tables, opened read-only
            return False

    def open(self, *, read_only: bool = False) -> None:
        if self._db is not None:
            return
        try:
            if read_only:
                conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, isolation_level=None,
                                       check_same_thread=False)  # fmt: skip
            else:  # used by one thread at a time, not always the one that opened it (`cxbridge.jobs`)
                self.path.parent.mkdir(parents=True, exist_ok=True)
                made = made_from_template(self.path, self.writer_pragmas())
                make_side_files_writable(self.path)
                conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
            self._db = Database(conn)
            if read_only and not self._has_table("feedback"):  # a reader pointed at another file
                raise DestinationError(
                    f"{self.path} holds no cxbridge tables; point --db or [destination] at the file `cxbridge sync` writes"
                )
            if not read_only:
                for pragma in self.writer_pragmas():
                    self._db.execute(pragma)
                self._write(lambda: record_now(self.db) if made else apply_migrations(self.db))
        except sqlite3.Error as exc:
            self.close()
            fix = "; point --db or [destination] at the file `cxbridge sync` writes" if "not a database" in str(exc) else ""
            raise DestinationError(f"cannot open {self.path}: {exc}{fix}") from None
        except DestinationError:
            self.close()
            raise

    @classmethod
    def writer_pragmas(cls) -> list[str]:
        """How the writing connection writes (bench/run.py's floor writes with the same)."""
        return ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL", f"PRAGMA cache_size = {-cls.cache_kib}",
                f"PRAGMA wal_autocheckpoint = {cls.wal_pages}"]  # fmt: skip

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def lock(self, *, wait: float = 0) -> AbstractContextManager[None]:
        return file_lock(self.path, wait=wait)

    def lock_held(self) -> bool:
        return file_lock_held(self.path)

    def get_cursor(self, source: str, stream: str) -> Any:
        if not self._has_table("sync_state"):
            return None
        row = self.db.execute(
            "SELECT cursor FROM sync_state WHERE source = ? AND stream = ?", [source, stream]
        ).fetchone()
        return None if row is None or row[0] is None else json.loads(row[0])

    def _write(self, work: Callable[[], Result]) -> Result:
        """Run `work` in one transaction that takes the write lock up front (BEGIN IMMEDIATE).

        A deferred transaction that reads before it writes fails at once with `database is
        locked` when another program (a follow-up insert) committed in between, and busy_timeout
        cannot help it; asking for the lock first makes SQLite wait for that program instead.
        A transaction that still ends busy is rolled back whole and run again."""
        conn, attempt = self.db.conn, 1
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    result = work()
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
                return result
            except sqlite3.Error as exc:
                code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
                if code in STORAGE_FAILURES:
                    failure = what_is_read_only(self.path) if code == sqlite3.SQLITE_READONLY else STORAGE_FAILURES[code]
                    raise DestinationError(
                        f"cannot write {self.path}: {failure} (SQLite: {exc}); "
                        "the transaction that failed was rolled back, every one before it is kept"
                    ) from None
                if code != sqlite3.SQLITE_BUSY:
                    raise
                if attempt == WRITE_ATTEMPTS:
                    raise DestinationError(
                        f"{self.path} stayed locked by another program's write for {attempt} × "
                        f"{self.busy_timeout:g} s; end the transaction that program holds open "
                        "(a BI tool or a script writing the file) and run again"
                    ) from None
                time.sleep(attempt / 2)
                attempt += 1

    def write_batch(self, batch: Batch) -> WriteStats:
        return self._write(lambda: self._write_batch(batch))

    def _write_batch(self, batch: Batch) -> WriteStats:
        conn = self.db.conn
        opened = self._open_cases(batch)
        changed, replaced = self._changed(batch)
        if replaced:
            ids = [(record_id,) for record_id in replaced]
            conn.executemany("DELETE FROM feedback_scores WHERE record_id = ?", ids)
            conn.executemany("DELETE FROM feedback_comments WHERE record_id = ?", ids)
        if changed:
            # new records added, stored ones upserted: the new take the same rowids as in one upsert
            # of all in key order (a DO UPDATE keeps its row's), and their INSERT keeps no journal
            again = set(replaced)
            if added := [rows.feedback for rows in changed if rows.record_id not in again] if again else list(
                map(_FEEDBACK_ROW, changed)
            ):
                _insert_columns(conn, *_filled_columns(FEEDBACK, FEEDBACK_COLUMNS, added, verb=_ADD))
            if again and (stored := [rows.feedback for rows in changed if rows.record_id in again]):
                _insert_columns(conn, *_filled_columns(FEEDBACK, FEEDBACK_COLUMNS, stored, verb=_ADD,
                                                   after=_ON_STORED_FEEDBACK))  # fmt: skip
            if scores := list(chain.from_iterable(map(_SCORE_ROWS, changed))):
                _insert_columns(conn, *_filled_columns(FEEDBACK_SCORES, SCORE_COLUMNS, scores, verb=_ADD))
            if comments := list(chain.from_iterable(map(_COMMENT_ROWS, changed))):
                _insert_columns(conn, *_filled_columns(FEEDBACK_COMMENTS, COMMENT_COLUMNS, comments, verb=_ADD))
        if batch.records and self._has_quarantine(batch):
            conn.executemany(
                "DELETE FROM quarantine WHERE record_id = ?", [(rows.record_id,) for rows in batch.records]
            )
        self._quarantine(batch)
        if batch.released:
            conn.executemany("DELETE FROM quarantine WHERE record_id = ?", [(rid,) for rid in batch.released])
        if batch.quarantined:  # its last version failed: the record is no longer stored
            ids = [(item.record_id,) for item in batch.quarantined]
            for table in ("feedback_scores", "feedback_comments", "feedback"):
                conn.executemany(f"DELETE FROM {table} WHERE record_id = ?", ids)
        context = self._changed_context(batch)
        for table, columns in ((CRM_ACCOUNTS, ACCOUNT_COLUMNS), (CRM_CONTACTS, CONTACT_COLUMNS)):
            if rows := [row.values for row in context if row.table == table.name]:
                conn.executemany(_upsert_sql(table.name, columns, table.primary_key), rows)
        if batch.links:
            conn.executemany(
                "UPDATE feedback SET duplicate_of = ? WHERE record_id = ?",
                [(duplicate_of, record_id) for record_id, duplicate_of in sorted(batch.links.items())],
            )
        if batch.cursor is not None:
            conn.execute(
                "INSERT INTO sync_state (source, stream, cursor, updated_at, sync_run_id) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (source, stream) DO UPDATE SET cursor = excluded.cursor, "
                "updated_at = excluded.updated_at, sync_run_id = excluded.sync_run_id",
                [batch.cursor.source, batch.cursor.stream, to_json(batch.cursor.value), _now(), batch.run_id],
            )
        written = len(changed) + len(context)
        return WriteStats(written, len(batch.records) + len(batch.context) - written, len(batch.quarantined), opened)

    def _open_cases(self, batch: Batch) -> int:
        """The batch's cases whose id is not stored yet, with their events and deliveries, each
        table's rows added in one `executemany`. The cases go first, those already stored left
        as they are; when one was (a case stored since the batch was read), the new ones are
        told apart by their rowid, above the largest before. Returns how many were added."""
        if not batch.cases:
            return 0
        conn, cases = self.db.conn, sorted(batch.cases, key=_CASE_ROW)  # in key order, as records
        before = conn.execute(f"SELECT MAX(rowid) FROM {FEEDBACK_CASES.name}").fetchone()[0] or 0
        added = _insert_columns(conn, *_filled_columns(FEEDBACK_CASES, OPENED_CASE_COLUMNS, [o.case for o in cases],
                                                       verb=_ADD, after=" ON CONFLICT (case_id) DO NOTHING"))  # fmt: skip
        if added != len(cases):
            new_ids = {row[0] for row in conn.execute(f"SELECT case_id FROM {FEEDBACK_CASES.name} WHERE rowid > ?", [before])}
            cases = [opened for opened in cases if opened.case_id in new_ids]
        events = sorted([opened.event for opened in cases], key=_FIRST)
        _insert_columns(conn, *_filled_columns(FEEDBACK_CASE_EVENTS, OPENING_EVENT_COLUMNS, events,
                                               verb="INSERT OR IGNORE"))  # fmt: skip
        if deliveries := [delivery for opened in cases for delivery in opened.deliveries]:
            _insert_all(conn, _ADD_PENDING_DELIVERY, sorted(deliveries, key=_FIRST))
        return len(cases)

    def write_loop(self, changes: LoopChanges) -> None:
        def write() -> None:
            conn = self.db.conn
            conn.executemany(_REPLACE_CASE, changes.cases)
            conn.executemany(_REPLACE_DELIVERY, changes.deliveries)
            conn.executemany(_ADD_EVENT, changes.events)

        self._write(write)

    def _changed(self, batch: Batch) -> tuple[list[RecordRows], list[str]]:
        """The batch's records whose content differs from what is stored (new ones included), in
        the order of their ids, and the ids among them that are stored already (their old scores
        and comments go). Ids are hashes: in the order they are read, a batch's key entries land
        all over each key's B-tree, and on a large file a page dirtied early may be written out
        to make room (cache spill) and dirtied again later; in key order each B-tree's pages are
        visited once a batch (issue 19, bench/JOURNAL.md "a batch's rows in key order")."""
        latest = dict(zip(map(_RECORD_ID, batch.records), batch.records))  # a record read twice: last wins
        select = "SELECT record_id, content_hash FROM feedback WHERE record_id IN ({})"
        stored: dict[str, str] = dict(self._rows_where_in(select, list(latest)))
        if not stored:  # all new (a first sync): every record changed
            return list(map(latest.__getitem__, sorted(latest))), []
        changed = [latest[rid] for rid in sorted(latest) if stored.get(rid) != latest[rid].content_hash]
        return changed, [rows.record_id for rows in changed if rows.record_id in stored]

    def _rows_where_in(self, select: str, ids: list[str]) -> Iterator[tuple[Any, ...]]:
        """The rows of `select`, whose `IN ({})` is filled with `ids`, queried in chunks that stay
        within SQLite's bound-parameter limit."""
        for start in range(0, len(ids), MAX_VARIABLES):
            chunk = ids[start : start + MAX_VARIABLES]
            yield from self.db.conn.execute(select.format(", ".join("?" * len(chunk))), chunk)

    def _changed_context(self, batch: Batch) -> list[ContextRow]:
        """The batch's CRM rows that are new or differ from what is stored (by content hash)."""
        latest = {(row.table, row.key): row for row in batch.context}  # read twice: the last one wins
        changed = []
        for (table, (source, identifier)), row in latest.items():
            stored = self.db.conn.execute(
                f"SELECT content_hash FROM {table} WHERE source = ? AND {id_column(table)} = ?", [source, identifier]
            ).fetchone()
            if stored is None or stored[0] != row.content_hash:
                changed.append(row)
        return changed

    def _has_quarantine(self, batch: Batch) -> bool:
        query = "SELECT 1 FROM quarantine WHERE source = ? AND stream = ? LIMIT 1"
        return self.db.conn.execute(query, [batch.source, batch.stream]).fetchone() is not None

    def _quarantine(self, batch: Batch) -> None:
        if not batch.quarantined:
            return
        now = _now()
        self.db.conn.executemany(
            "INSERT INTO quarantine (record_id, source, stream, source_record_id, raw, error, field, context, "
            "first_seen, last_seen, run_id, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (record_id) DO UPDATE SET raw = excluded.raw, error = excluded.error, "
            "field = excluded.field, context = excluded.context, last_seen = excluded.last_seen, "
            "run_id = excluded.run_id, kind = excluded.kind",
            [
                (item.record_id, item.source, item.stream, item.source_record_id, to_json(item.raw), item.error,
                 item.field, to_json(item.context), now, now, batch.run_id, item.kind)
                for item in batch.quarantined
            ],
        )  # fmt: skip

    def save_run(self, run: SyncRun) -> None:
        row = {
            "run_id": run.run_id,
            "source": run.source,
            "connector": run.connector,
            "started_at": format_timestamp(run.started_at),
            "finished_at": format_timestamp(run.finished_at),
            "status": run.status,
            "records_read": run.records_read,
            "records_written": run.records_written,
            "records_unchanged": run.records_unchanged,
            "records_quarantined": run.records_quarantined,
            "error": run.error,
            "full_refresh": run.full_refresh,
            "records_skipped": run.records_skipped,
            "records_pruned": run.records_pruned,
            "command": run.command,
        }
        self._write(lambda: self.db["sync_runs"].upsert(row, pk=("run_id", "source")))
        if run.records_written:
            self._write(self._refresh_statistics)

    def _refresh_statistics(self) -> None:
        """Table statistics sampled from about 400 rows an index (milliseconds at any size).
        Without them SQLite serves detractor_queue's joins to feedback_scores through the metric
        index for every record, which is quadratic: 50,000 records took minutes, 0.1 s with them."""
        self.db.execute("PRAGMA analysis_limit = 400")
        self.db.execute("ANALYZE")

    def read_metadata(self) -> dict[str, str]:
        if not self._has_table("cxbridge_metadata"):
            return {}
        return dict(self.db.execute("SELECT name, value FROM cxbridge_metadata").fetchall())

    def write_metadata(self, values: Mapping[str, str | None]) -> None:
        now = _now()

        def write() -> None:
            for name, value in values.items():
                if value is None:
                    self.db.conn.execute("DELETE FROM cxbridge_metadata WHERE name = ?", [name])
                else:
                    self.db.conn.execute(_upsert_sql("cxbridge_metadata", ("name", "value", "updated_at"), ("name",)),
                                         [name, value, now])  # fmt: skip

        self._write(write)

    def erase(
        self, keys: Sequence[str], *, addresses: Sequence[str] = (), phones: Sequence[str] = (),
        requesters: Mapping[str, Sequence[str]] | None = None, dry_run: bool = False, run: SyncRun | None = None,
        former: Sequence[str] = (),
    ) -> Erasure:
        """With `secure_delete` (off in SQLite's default build), the erased rows' bytes are zeroed in
        the file, not left in free space; the WAL's older frames go at the checkpoint after it."""
        people = {"former": former, "addresses": addresses, "phones": phones, "requesters": requesters}
        if dry_run:
            return erase_rows(self, keys, **people, now=_now(), dry_run=True)
        self.db.execute("PRAGMA secure_delete = ON")

        def erased_and_recorded() -> Erasure:
            erasure = erase_rows(self, keys, **people, now=_now())
            if run is not None:
                record_run(self, run, removed=erasure.records)
            return erasure

        erased = self._write(erased_and_recorded)
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return erased

    prunes = True

    def prune(self, source: str, read: ReadIds, *, relink: Relink | None = None, dry_run: bool = False) -> Pruned:
        if dry_run:
            return prune_rows(self, source, read, dry_run=True)
        return self._write(lambda: prune_rows(self, source, read, relink=relink))

    def remove(
        self, chosen: Chosen, *, relink: Relink | None = None, dry_run: bool = False, run: SyncRun | None = None
    ) -> Removal:
        if dry_run:
            return removal_rows(self, chosen, dry_run=True)
        return self._write(lambda: removal_rows(self, chosen, relink=relink, run=run))

    def erased(self) -> Erased:
        if self._db is None or not self._has_table(ERASURES.name):
            return Erased()
        return erased_of(self.query(f"SELECT kind, erased_id FROM {ERASURES.name}"))

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """One statement, in the transaction of the `_write` that runs it."""
        self.db.conn.execute(sql, params)

    @classmethod
    def json_text(cls, column: str) -> str:
        return column  # JSON is stored as text

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        return list(self.db.query(sql, params))

    def query_rows(self, sql: str, params: Sequence[Any] = ()) -> Iterator[dict[str, Any]]:
        return self.db.query(sql, params)

    def quarantined(self, *, source: str | None = None) -> Iterator[QuarantineItem]:
        if not self._has_table("quarantine"):
            return
        where, params = ("WHERE source = ?", [source]) if source else ("", [])
        first_seen = self.in_time("first_seen")
        rows = self.db.query(f"SELECT * FROM quarantine {where} ORDER BY {first_seen}, record_id", params)
        yield from map(QuarantineItem.from_row, rows)

    def release_quarantine(self, record_ids: Sequence[str]) -> None:
        ids = [(record_id,) for record_id in record_ids]
        self._write(lambda: self.db.conn.executemany("DELETE FROM quarantine WHERE record_id = ?", ids))

    def _has_table(self, name: str) -> bool:
        return self.db[name].exists()
