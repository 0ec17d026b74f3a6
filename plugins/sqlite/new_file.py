"""A new SQLite file written from one set up once a process, not migrated 35 times.

Running the migrations' DDL took a new file about 15 ms of CPU; writing a template's bytes and
opening them about 4 (bench/README.md, "ttime19"). The bytes are written under a name of their
own beside the file and linked to the file's name only if nothing is there yet, so a file
appears whole and another program's file is never overwritten; `record_now` then dates its
migrations at the time it was made."""

from __future__ import annotations

import sqlite3
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from cxbridge.local_files import made_whole
from cxbridge.plugins.sqlite.schema import apply_migrations
from cxbridge.plugins.sqlite.sqlite_utils_lean import Database

_TEMPLATE: dict[tuple[str, ...], bytes] = {}
"""This process's new file by its connection's pragmas: bytes, which a forked child may share;
threads that both find none each make it, the same (no lock to be held across a fork)."""


def _template(pragmas: tuple[str, ...]) -> bytes:
    """A new file's bytes, set up as a new file was before (its pragmas, then every migration)
    in a temporary folder of this process's and read back."""
    if pragmas not in _TEMPLATE:
        with tempfile.TemporaryDirectory(prefix="cxbridge-sqlite-") as folder:
            path = Path(folder) / "new.db"
            conn = sqlite3.connect(path, isolation_level=None)
            try:
                for pragma in pragmas:
                    conn.execute(pragma)
                conn.execute("BEGIN IMMEDIATE")
                apply_migrations(Database(conn))
                conn.execute("COMMIT")
            finally:
                conn.close()
            _TEMPLATE[pragmas] = path.read_bytes()
    return _TEMPLATE[pragmas]


def made_from_template(path: Path, pragmas: list[str]) -> bool:
    """Whether a new file was made at `path` (there was none) as the migrations would make it;
    False where a file is there already or the folder cannot take one (the caller then
    migrates as before, and names what failed)."""
    return made_whole(path, lambda: _template(tuple(pragmas)), failures=(sqlite3.Error,))


def record_now(db: Database) -> None:
    """The new file's migrations recorded as applied now, not when the template was made."""
    db.execute("UPDATE _sqlite_migrations SET applied_at = ?", [str(datetime.now(timezone.utc))])
