"""Locks kept as rows of a table in the warehouse (`cxbridge_locks`), for destinations with no
lock of their own that other processes and machines could see (BigQuery, Snowflake).

A lock is a row named `source NAME` (one source's sync), `destination` (the whole destination:
case commands, quarantine replay) or `section NAME` (work one writer at a time may do: the
migrations, a new dataset's salt, identity, the outbox). It is taken by one MERGE that inserts
the row or takes over an expired one; the warehouse runs such statements on one table one after
the other, so the number of rows it changed (1 or 0) says whether this process got the lock. A
holder renews its rows while it works; the rows of a process that died expire `lease` seconds
after their last renewal and are then taken over. Times are the warehouse's own clock.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from abc import abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from functools import partial
from pathlib import Path
from typing import ClassVar

from cxbridge.errors import DestinationLockedError
from cxbridge.layout import Column, ColumnType, Table
from cxbridge.sql_destination import SQLDestination

LOCKS = Table(
    "cxbridge_locks",
    (
        Column("name", required=True),
        Column("holder", required=True),
        Column("acquired_at", ColumnType.TIMESTAMP, True),
        Column("expires_at", ColumnType.TIMESTAMP, True),
    ),
    primary_key=("name",),
)
WHOLE = "destination"
SOURCE = "source "
SECTION = "section "
WAITING = " (waiting)"
"""After the holder in the `destination` row of a whole-destination command that waits for
running syncs (a claim), until it takes the lock: refusals say which of the two it is."""
CONFLICTS = ("concurrent update", "serialize access", "conflict", "duplicate key")
"""Words of the error a warehouse gives the loser of two lock statements run at once (BigQuery:
'Could not serialize access to table … due to concurrent update'): that try did not get it."""

log = logging.getLogger(__name__)


def holder_name() -> str:
    """Who holds a lock, as `status` and the lock message show it: host, process id and a random
    part (two destinations of one process are two holders). Nothing secret."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class LockSession:
    """Lock rows of one holder, on a connection of their own (so they can be renewed while the
    destination's connection works), which the next session of the destination takes over
    (`RowLockedDestination.idle_lock_connection`)."""

    def __init__(self, destination: RowLockedDestination):
        self.destination = destination
        self.holder = holder_name()
        self.held: list[str] = []
        self.waiting = False  # the rows held are a claim, marked WAITING
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None
        idle = destination.idle_lock_connection()
        self._db: RowLockedDestination = idle or destination.lock_connection()
        if idle is None:
            self._db.execute(self._db.create_table_sql(LOCKS))

    def try_take(self, name: str) -> bool:
        """The lock `name` if it is free or expired (one statement; a concurrent one may win)."""
        db, later = self._db, self._db.seconds_from_now(self.destination.lock_lease)
        sql = (
            f"MERGE INTO {LOCKS.name} t USING (SELECT {db.param(0)} AS name) s ON t.name = s.name "
            f"WHEN MATCHED AND {db.is_past('t.expires_at')} THEN UPDATE SET holder = {db.param(1)}, "
            f"acquired_at = CURRENT_TIMESTAMP(), expires_at = {later} "
            "WHEN NOT MATCHED THEN INSERT (name, holder, acquired_at, expires_at) "
            f"VALUES (s.name, {db.param(2)}, CURRENT_TIMESTAMP(), {later})"
        )
        try:
            taken = db.changed_rows(sql, [name, self.written, self.written]) == 1
        except Exception as exc:  # the engine's own error type: only a lost race is expected here
            if not _lost_race(exc):
                raise
            taken = False
        if taken:
            self.held.append(name)
        return taken

    def others(self) -> dict[str, str]:
        """Every lock another holder holds now (not expired), by name: its holder."""
        rows = self._db.fetch(f"SELECT name, holder FROM {LOCKS.name} WHERE NOT ({self._db.is_past('expires_at')})")
        return {row["name"]: row["holder"] for row in rows if row["holder"].removesuffix(WAITING) != self.holder}

    @property
    def written(self) -> str:
        """The holder as the rows of this session say it: marked WAITING while they are a claim."""
        return self.holder + WAITING if self.waiting else self.holder

    def mark(self, *, waiting: bool) -> None:
        """The rows held marked as a claim that waits (`waiting`), or as held; left as they are
        should a concurrent statement win (only a refusal's wording depends on the mark)."""
        if waiting == self.waiting:
            return
        marked = self.holder + WAITING if waiting else self.holder
        try:
            self._db.execute(f"UPDATE {LOCKS.name} SET holder = {self._db.param(0)} WHERE holder = {self._db.param(1)}",
                             [marked, self.written])  # fmt: skip
        except Exception as exc:
            if not _lost_race(exc):
                raise
            return
        self.waiting = waiting

    def release(self) -> None:
        if self.held:
            self._db.execute(f"DELETE FROM {LOCKS.name} WHERE holder = {self._db.param(0)}", [self.written])
            self.held, self.waiting = [], False

    def renew(self) -> int:
        """Move the expiry of every lock of this holder on by a lease; the number still held."""
        later = self._db.seconds_from_now(self.destination.lock_lease)
        return self._db.changed_rows(
            f"UPDATE {LOCKS.name} SET expires_at = {later} WHERE holder = {self._db.param(0)}", [self.written]
        )

    def start_renewing(self) -> None:
        self._renewer = threading.Thread(target=self._keep_renewing, name="cxbridge-lock-renewal", daemon=True)
        self._renewer.start()

    def _keep_renewing(self) -> None:
        while not self._stop.wait(self.destination.lock_renewal):
            try:
                if self.renew() < len(self.held):
                    log.warning("cxbridge lost a lock on %s: it expired before it was renewed",
                                self.destination.display_name)  # fmt: skip
            except Exception as exc:  # the next renewal tries again; the lease leaves time for it
                log.warning("cxbridge could not renew its locks on %s: %s", self.destination.display_name, exc)

    def close(self) -> None:
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join()
        try:
            self.release()
        except BaseException:
            self._db.close()
            raise
        self.destination.keep_lock_connection(self._db)


def _lost_race(exc: Exception) -> bool:
    """Whether the engine's error says a concurrent statement on the table won (CONFLICTS)."""
    return any(word in str(exc).lower() for word in CONFLICTS)


def _wait_for(
    session: LockSession,
    names: Sequence[str],
    *,
    wait: float,
    blocked_by: Callable[[dict[str, str]], str | None],
    refused: Callable[[str, str], Exception],
    claim: bool = False,
) -> None:
    """Every lock of `names`, and none that `blocked_by` names held by another holder; all or
    none are kept. Tried again (after a read shows them free) until `wait` seconds passed.

    With `claim`, the locks of `names`, once taken, are kept (and renewed, as held locks are)
    while only `blocked_by` names a lock: the whole destination's row waits for the running
    syncs as a claim, which a sync starting meanwhile respects as it does the held row, so
    syncs that keep overlapping cannot keep it out; meanwhile they are marked WAITING.

    A lock taken is read back: should the engine ever let two MERGEs both insert a row of one
    name, each holder reads after its own insert, so at least one of them sees the other's row
    and lets go of its own (both may, and try again); never do both keep it."""
    renewed = time.monotonic()
    deadline = renewed + wait
    while True:
        missing = next((name for name in names if name not in session.held and not session.try_take(name)), None)
        others = session.others()
        taken = missing or next((name for name in names if name in others), None)
        blocker = taken or blocked_by(others)
        if blocker is None:
            session.mark(waiting=False)
            return
        if taken or not claim:
            session.release()
        else:
            session.mark(waiting=True)
        while True:
            if time.monotonic() >= deadline:
                raise refused(blocker, others.get(blocker, "?"))
            time.sleep(min(session.destination.lock_poll, max(deadline - time.monotonic(), 0.01)))
            if session.held and time.monotonic() - renewed >= session.destination.lock_renewal:
                renewed = time.monotonic()
                if session.renew() < len(session.held):  # expired meanwhile: taken again
                    session.release()
                    break
            others = session.others()
            if not any(name in others for name in names) and blocked_by(others) is None:
                break


class RowLockedDestination(SQLDestination):
    """A SQL destination whose locks are rows of `cxbridge_locks`: syncs of different sources
    run at once, in other processes and on other machines; two of one source exclude each other."""

    lock_lease: ClassVar[float] = 300
    """Seconds a lock holds without renewal: a process that died leaves its locks this long."""
    lock_renewal: ClassVar[float] = 60
    """Seconds between renewals of the locks a process holds."""
    lock_poll: ClassVar[float] = 2
    """Seconds between looks at a lock another process holds, while waiting for it."""

    def __init__(self, url: str, *, base_dir: Path | None = None):
        super().__init__(url, base_dir=base_dir)
        self._idle_locks: list[RowLockedDestination] = []
        self._idle_guard = threading.Lock()  # sessions of a shared destination may end on several threads

    @classmethod
    @abstractmethod
    def seconds_from_now(cls, seconds: float) -> str:
        """SQL for the timestamp `seconds` after now."""

    def changed_rows(self, sql: str, params: Sequence[object] = ()) -> int:
        """Run a DML statement; the number of rows it inserted, changed or deleted."""
        cursor = self.cursor()
        cursor.execute(sql, params) if params else cursor.execute(sql)
        return cursor.rowcount

    def lock_connection(self) -> RowLockedDestination:
        """Another instance of this destination, connected (the schema or dataset made if need
        be) but not migrated: lock statements run there."""
        other = self.beside()
        assert isinstance(other, RowLockedDestination)
        other._conn = other.connect(read_only=False)
        return other

    def idle_lock_connection(self) -> RowLockedDestination | None:
        """The lock connection a finished session of this destination left, if any: every batch
        takes a lock row (the identity section; BigQuery's write section too), and a connection
        each was a sign-in a batch on Snowflake, a client and a datasets.insert on BigQuery."""
        with self._idle_guard:
            return self._idle_locks.pop() if self._idle_locks else None

    def keep_lock_connection(self, db: RowLockedDestination) -> None:
        """`db` for the next session while this destination is open (closed with it), else closed."""
        with self._idle_guard:
            if self._conn is not None:
                self._idle_locks.append(db)
                return
        db.close()

    def close(self) -> None:
        with self._idle_guard:
            idle, self._idle_locks = self._idle_locks, []
        for db in idle:
            db.close()
        super().close()

    @contextmanager
    def _locked(
        self,
        names: Sequence[str],
        *,
        wait: float,
        blocked_by: Callable[[dict[str, str]], str | None],
        claim: bool = False,
    ) -> Iterator[None]:
        session = LockSession(self)
        try:
            refused = partial(self._refusal, waited=wait)
            _wait_for(session, names, wait=wait, blocked_by=blocked_by, refused=refused, claim=claim)
            session.start_renewing()
            yield
        finally:
            session.close()

    def lock(self, *, wait: float = 0) -> AbstractContextManager[None]:
        """The whole destination: taken when no sync of any source holds its lock. Its row is
        kept while it waits, so syncs starting meanwhile wait behind it (or are refused)."""

        def running_sync(others: dict[str, str]) -> str | None:
            return next((name for name in sorted(others) if name.startswith(SOURCE) or name == WHOLE), None)

        return self._locked([WHOLE], wait=wait, blocked_by=running_sync, claim=True)

    def lock_sources(self, sources: Sequence[str], *, wait: float = 0) -> AbstractContextManager[None]:
        """Each source's lock row; none while `lock` (the whole destination) is held elsewhere."""
        names = [SOURCE + name for name in sorted(set(sources))]

        def whole(others: dict[str, str]) -> str | None:
            return WHOLE if WHOLE in others else None

        return self._locked(names, wait=wait, blocked_by=whole)

    def exclusive(self, name: str) -> AbstractContextManager[None]:
        """The lock row of a section, waited for as long as it takes (a dead holder's expires)."""
        return self._locked([SECTION + name], wait=float("inf"), blocked_by=lambda others: None)

    def _refusal(self, name: str, holder: str, *, waited: float) -> DestinationLockedError:
        whole = name == WHOLE  # held, or kept as a claim (marked WAITING) while its command waits for running syncs
        target = self.display_name if whole else f"source {name.removeprefix(SOURCE)!r} to {self.display_name}"
        return DestinationLockedError.refusal(
            target, waited=waited, holder=holder.removesuffix(WAITING), whole=whole, waiting=holder.endswith(WAITING),
            note=f" (the lock of a process that died expires {self.lock_lease:g} s after its last renewal)",
        )  # fmt: skip

    def _held_locks(self) -> dict[str, str] | None:
        """The locks held now, read on this destination's connection; None where the table is
        not there (a dataset no sync of this version has written)."""
        try:
            rows = self.fetch(f"SELECT name, holder FROM {LOCKS.name} WHERE NOT ({self.is_past('expires_at')})")
        except Exception:  # the engine's own "no such table" error
            return None
        return {row["name"]: row["holder"] for row in rows}

    def lock_held(self) -> bool | None:
        """Whether a source's row or the `destination` row is held — that one also while it is a
        claim waiting for syncs (`status` judges runs by `source_lock_held`, each its own row)."""
        held = self._held_locks()
        return None if held is None else any(name == WHOLE or name.startswith(SOURCE) for name in held)

    def source_lock_held(self, source: str) -> bool | None:
        held = self._held_locks()
        return None if held is None else SOURCE + source in held
