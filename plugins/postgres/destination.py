"""`postgresql://user@host/db`: PostgreSQL through psycopg 3.

Each batch is COPied into temporary staging tables and merged with `INSERT … ON CONFLICT` in the
same transaction as the cursor, so a crash leaves the last committed batch and nothing else.
A session advisory lock keeps a second sync out while BI tools keep reading. PostgreSQL cannot
store the NUL character (U+0000) in text nor in JSONB: it is left out of what is written here
(`without_nul`); the other destinations keep it.
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from cxbridge.errors import ConfigError, DestinationError, DestinationLockedError
from cxbridge.layout import ColumnType, Table
from cxbridge.lock_rows import holder_name
from cxbridge.loop.cases import LATER_EVENTS
from cxbridge.sql_destination import FETCH_BATCH, SQLDestination
from cxbridge.sql_migrations import MIGRATIONS, Migration
from cxbridge.sql_rows import plain

TYPE_NAMES = {
    ColumnType.TEXT: "TEXT",
    ColumnType.INTEGER: "BIGINT",
    ColumnType.REAL: "DOUBLE PRECISION",
    ColumnType.BOOLEAN: "BOOLEAN",
    ColumnType.TIMESTAMP: "TIMESTAMPTZ",
    ColumnType.JSON: "JSONB",
}
UNREAD_INDEXES = (
    "feedback_submitted_at", "feedback_scores_question_key", "feedback_scores_metric", "feedback_location",
    "feedback_cases_record_id", "feedback_cases_status",
)  # fmt: skip
"""Indexes no query of cxbridge needs (SQLite's migrations 0014–0016, docs/destinations.md)."""
PARTIAL_INDEXES = (
    ("feedback", "duplicate_of", "duplicate_of IS NOT NULL"),
    ("feedback", "respondent_key", "respondent_key IS NOT NULL"),
    ("feedback_case_events", "case_id", LATER_EVENTS),
)
"""Indexes kept for the rows their look-ups ask for (SQLite's 0014 and 0017)."""
INDEXES_THAT_PAY = "postgresql_0001_indexes_that_pay"
_CURSOR_NUMBERS = itertools.count()  # a server-side cursor's name is unique in its session
_NUL_ESCAPE = re.compile(r"(?<!\\)((?:\\\\)*)\\u0000")
"""`\\u0000` in JSON text, where its backslash is not itself escaped (`\\\\u0000` is a backslash and `u0000`)."""


def without_nul(table: Table) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    """A row of `table` as PostgreSQL takes it: NUL characters left out of its text, and their
    escapes (`\\u0000`) out of its JSON."""
    json_places = frozenset(n for n, column in enumerate(table.columns) if column.type is ColumnType.JSON)

    def storable(row: tuple[Any, ...]) -> tuple[Any, ...]:
        if not any(type(value) is str and ("\x00" in value or "\\u0000" in value) for value in row):
            return row
        return tuple(
            value if type(value) is not str
            else _NUL_ESCAPE.sub(r"\1", value) if n in json_places
            else value.replace("\x00", "")
            for n, value in enumerate(row)
        )  # fmt: skip

    return storable


def keep_indexes_that_pay(destination: SQLDestination) -> None:
    """The indexes SQLite keeps (bench/JOURNAL.md "Issue 19: the case tables' indexes"): every
    record and case a sync writes costs an entry in each."""
    for index in UNREAD_INDEXES:
        destination.execute(f"DROP INDEX IF EXISTS {index}")
    for table, column, condition in PARTIAL_INDEXES:
        destination.execute(f"DROP INDEX IF EXISTS {table}_{column}")
        destination.execute(f"CREATE INDEX {table}_{column} ON {table} ({column}) WHERE {condition}")


HOLDER_PREFIX = "cxbridge "
"""The `application_name` of a session that locks, before its holder (`lock_rows.holder_name`)."""
LOCK_KEY = "hashtext('cxbridge sync ' || current_schema())"
"""The schema's sync lock: taken exclusively by `lock`, shared by `lock_sources`."""


def _source_key(source: str) -> str:
    """The advisory key of one source's sync (source names are config-checked identifiers)."""
    assert source.isidentifier(), source
    return f"hashtext('cxbridge source ' || current_schema() || ' {source}')"


@contextmanager
def _advisory(
    conn: Any, keys: Sequence[tuple[str, str]], *, wait: float, refused: Callable[[str], Exception]
) -> Iterator[None]:
    """Session advisory locks, each `(key, label)` waited for in the server's queue until `wait`
    seconds passed (then `refused(label)`, with those taken let go; `wait` 0 only tries); a label
    of `_shared` takes its key shared. Queued, not retried: the server lets no later request that
    conflicts with a waiting one past it, so the exclusive lock of `remove` is not starved by
    shared ones of syncs that keep starting, which wait behind it instead."""
    deadline, held = time.monotonic() + wait, []
    try:
        for key, label in keys:
            kind = "_shared" if label == "_shared" else ""
            if not _taken(conn, f"advisory_lock{kind}({key})", seconds=deadline - time.monotonic()):
                raise refused(label)
            held.append((key, kind))
        yield
    finally:
        try:
            for key, kind in reversed(held):
                conn.execute(f"SELECT pg_advisory_unlock{kind}({key})")
        except import_psycopg().OperationalError:
            pass  # the session ended (a server restart, an administrator): its locks ended with it


def _taken(conn: Any, lock: str, *, seconds: float) -> bool:
    """Whether `pg_{lock}` was granted within `seconds`, or at once where they are none left.
    `lock_timeout` bounds the wait of one statement for any lock, advisory ones too."""
    if seconds <= 0:
        return conn.execute(f"SELECT pg_try_{lock}").fetchone()[0]
    try:
        with conn.transaction():  # a session lock outlives the transaction that waited for it
            conn.execute(f"SET LOCAL lock_timeout = '{max(round(seconds * 1000), 1)}ms'")
            conn.execute(f"SELECT pg_{lock}")
    except import_psycopg().errors.LockNotAvailable:
        return False
    return True


def _advisory_of(key: str) -> str:
    """SQL: the row `l` of pg_locks is the advisory lock `key` of this database (pg_locks shows a
    bigint key as its high and low 32 bits)."""
    return (
        "l.locktype = 'advisory' AND l.objsubid = 1 "
        "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
        f"AND ((l.classid::bigint << 32) | l.objid::bigint) = ({key})::bigint"
    )


def _lockers(conn: Any, key: str) -> list[tuple[str, bool, str]]:
    """Every other session's hold of, or request for, the advisory lock `key`: its mode, whether
    granted and who (the holder a cxbridge session is named by, else the server process id)."""
    rows = conn.execute(
        "SELECT l.mode, l.granted, a.application_name, l.pid FROM pg_locks l LEFT JOIN pg_stat_activity a "
        f"ON a.pid = l.pid WHERE {_advisory_of(key)} AND l.pid <> pg_backend_pid() ORDER BY l.pid"
    ).fetchall()
    return [(mode, granted, (app or "").removeprefix(HOLDER_PREFIX) if (app or "").startswith(HOLDER_PREFIX)
             else f"server process {pid}") for mode, granted, app, pid in rows]  # fmt: skip


def import_psycopg() -> Any:
    try:
        import psycopg
    except ImportError:
        raise ConfigError("the postgresql destination needs psycopg 3: pip install 'cxbridge[postgres]'") from None
    return psycopg


class PostgresDestination(SQLDestination):
    """`postgresql://user:${PASSWORD}@host:5432/db` (any libpq URI; `postgres://` works too)."""

    name = "postgresql"
    type_names = TYPE_NAMES
    placeholder = "%s"
    concurrent_writers = True
    migrations = (*MIGRATIONS, Migration(INDEXES_THAT_PAY, keep_indexes_that_pay))

    @property
    def conninfo(self) -> str:
        """The URL as libpq takes it (`postgresql+psycopg://` and `postgres://` spelled plainly)."""
        parts = urlsplit(self.url)
        return urlunsplit(("postgresql", *parts[1:]))

    @classmethod
    def day_of(cls, column: str) -> str:
        return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD')"

    @classmethod
    def iso_week_of(cls, day: str) -> str:
        return f"to_char(CAST({day} AS DATE), 'IYYY-\"W\"IW')"

    @classmethod
    def days_since(cls, column: str) -> str:
        return f"CAST(FLOOR(EXTRACT(EPOCH FROM (now() - {column})) / 86400) AS INTEGER)"

    @classmethod
    def json_integer(cls, column: str, key: str) -> str:
        return f"CASE WHEN jsonb_typeof({column} -> '{key}') = 'number' THEN ({column} ->> '{key}')::numeric END"

    @classmethod
    def json_string(cls, column: str, key: str) -> str:
        return f"CASE WHEN jsonb_typeof({column} -> '{key}') = 'string' THEN {column} ->> '{key}' END"

    @classmethod
    def by_code_point(cls, expression: str) -> str:
        return f'({expression}) COLLATE "C"'  # the database's own collation may sort by language

    @classmethod
    def as_number(cls, expression: str) -> str:
        return f"CAST({expression} AS DOUBLE PRECISION)"

    @classmethod
    def is_past(cls, column: str) -> str:
        return f"{column} < now()"

    @classmethod
    def hours_between(cls, start: str, end: str) -> str:
        return f"(EXTRACT(EPOCH FROM ({end} - {start})) / 3600.0)"

    @classmethod
    def rounded(cls, expression: str, digits: int) -> str:
        return f"ROUND(CAST({expression} AS NUMERIC), {digits})"  # round(double precision) is half to even

    @classmethod
    def whole_units(cls, expression: str, decimals: int) -> str:
        return f"ROUND(CAST({expression} AS NUMERIC) * {10**decimals}, 0)"

    @classmethod
    def rounded_ratio(cls, numerator: str, denominator: str, digits: int) -> str:
        """In NUMERIC, whose division is exact to 16 significant digits at least."""
        scale = 10**digits
        quotient = f"CAST({numerator} AS NUMERIC) * {scale} / NULLIF({denominator}, 0)"
        return f"ROUND(ROUND({quotient}, 0) / {scale}, {digits})"

    def connect(self, *, read_only: bool) -> Any:
        psycopg = import_psycopg()
        try:
            conn = psycopg.connect(self.conninfo, autocommit=True, connect_timeout=15)
        except psycopg.Error as exc:
            raise DestinationError(f"cannot connect to {self.display_name}: {str(exc).strip()}") from None
        conn.execute("SET TIME ZONE 'UTC'")
        if read_only:
            conn.execute("SET default_transaction_read_only = on")
        return conn

    def fetch_rows(self, sql: str, params: Sequence[Any] = ()) -> Iterator[dict[str, Any]]:
        """The rows of `sql` from a cursor on the server, FETCH_BATCH a round trip (psycopg's
        client-side cursor receives the whole result at `execute`). The cursor lives in a
        transaction, the caller's or its own, which ends once the rows are read or the iterator
        is closed or dropped."""
        rows = self._streamed(sql, params)
        next(rows)  # the query runs now: its error is raised by the call, as on the other engines
        return rows  # type: ignore[return-value]

    def _streamed(self, sql: str, params: Sequence[Any]) -> Iterator[dict[str, Any] | None]:
        with self.conn.transaction(), self.conn.cursor(name=f"cxbridge_rows_{next(_CURSOR_NUMBERS)}") as cursor:
            cursor.itersize = FETCH_BATCH
            cursor.execute(sql, params or None)
            names = [column[0].lower() for column in cursor.description]
            yield None
            for row in cursor:
                yield dict(zip(names, map(plain, row), strict=True))

    def exists(self) -> bool:
        if self._writable:
            return True
        with self.connect(read_only=True) as conn:
            return conn.execute("SELECT to_regclass('cxbridge_migrations') IS NOT NULL").fetchone()[0]

    def holds_no_feedback(self) -> bool:
        return self.holds_nothing_yet()

    @contextmanager
    def lock(self, *, wait: float = 0) -> Iterator[None]:
        """The whole schema, exclusively: no sync of any source runs meanwhile."""
        with self._lock_session() as conn:
            with _advisory(conn, [(LOCK_KEY, "")], wait=wait, refused=partial(self._refusal, conn, waited=wait)):
                yield

    @contextmanager
    def lock_sources(self, sources: Sequence[str], *, wait: float = 0) -> Iterator[None]:
        """The schema shared (syncs of other sources run beside this one; `lock` waits for them
        all) and each source exclusively: session advisory locks, so they hold across processes
        and machines and end with the session of a process that dies."""
        keys = [(LOCK_KEY, "_shared")] + [(_source_key(name), name) for name in sorted(set(sources))]
        with self._lock_session() as conn:
            with _advisory(conn, keys, wait=wait, refused=partial(self._refusal, conn, waited=wait)):
                yield

    def _lock_session(self) -> Any:
        """A connection for locks, named `cxbridge HOST:PID:RANDOM` (`application_name`, which
        pg_stat_activity shows anyone): a refusal names the holder by it."""
        conn = self.connect(read_only=False)
        conn.execute("SELECT set_config('application_name', %s, false)", [HOLDER_PREFIX + holder_name()])
        return conn

    def _refusal(self, conn: Any, label: str, *, waited: float) -> DestinationLockedError:
        """Who kept the lock of `label` from this session, as pg_locks shows it now: a source's
        lock ("NAME") is held by another sync of it; the schema's ("" exclusively, "_shared" as a
        sync asks) by a whole-schema command that holds it or waits for it in the server's queue
        (where no later request gets past it), or by syncs, which hold it shared."""
        refusal, name = DestinationLockedError.refusal, self.display_name
        if label not in ("", "_shared"):
            holders = [who for mode, granted, who in _lockers(conn, _source_key(label)) if granted]
            return refusal(f"source {label!r} to {name}", waited=waited, holder=", ".join(holders))
        lockers = _lockers(conn, LOCK_KEY)
        command, syncs, queued = (
            ", ".join(who for mode, granted, who in lockers if (mode, granted) == wanted)
            for wanted in (("ExclusiveLock", True), ("ShareLock", True), ("ExclusiveLock", False))
        )
        if command or (queued and (label == "_shared" or not syncs)):
            return refusal(name, waited=waited, holder=command or queued, whole=True, waiting=not command)
        if label == "_shared":  # let go meanwhile: which of the two is no longer known
            return refusal(name, waited=waited, whole=True)
        return refusal(f"to {name}", waited=waited, holder=syncs)

    @contextmanager
    def exclusive(self, name: str) -> Iterator[None]:
        """A session advisory lock of this schema named `name`, waited for: it holds across
        processes and machines, and is let go with the session if the process dies."""
        key = f"hashtext('cxbridge {name} ' || current_schema())"
        self.execute(f"SELECT pg_advisory_lock({key})")
        try:
            yield
        finally:
            self.execute(f"SELECT pg_advisory_unlock({key})")

    def lock_held(self) -> bool:
        """Whether a session holds the sync lock of this schema (pg_locks shows a bigint advisory
        key as its high and low 32 bits); a killed sync's session, and its lock, end with it."""
        return self._advisory_held(LOCK_KEY)

    def source_lock_held(self, source: str) -> bool | None:
        return self._advisory_held(_source_key(source)) if source.isidentifier() else None

    def _advisory_held(self, key: str) -> bool:
        rows = self.fetch(f"SELECT EXISTS (SELECT 1 FROM pg_locks l WHERE l.granted AND {_advisory_of(key)}) AS held")
        return bool(rows[0]["held"])

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction; the server failing it (a lost connection, a full disk) is a
        DestinationError that says what is kept and what to do."""
        try:
            with self.conn.transaction():
                yield
        except import_psycopg().OperationalError as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise DestinationError(
                f"{self.display_name} could not complete a write ({reason}); the transaction was rolled "
                "back and every one before it is kept: run the sync again once the server takes writes"
            ) from None

    def clear_sql(self, name: str) -> str:
        return f"TRUNCATE {name}"

    def load_stage(self, table: Table, rows: Sequence[tuple[Any, ...]]) -> None:
        columns = ", ".join(table.column_names)
        storable = without_nul(table)
        with self.conn.cursor().copy(f"COPY {self.stage_name(table)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(storable(row))


class PostgresAliasDestination(PostgresDestination):
    """`postgres://…`, the other common spelling of a PostgreSQL URL."""

    name = "postgres"
