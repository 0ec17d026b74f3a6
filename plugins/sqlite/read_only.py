"""A database file the sync may not write, and the files SQLite keeps beside it.

A connection to a read-only database (a sync refused, `cxbridge status` or `report` reading it)
makes its `-wal` and `-shm` files with the database's own mode and, being read-only, leaves
them behind: once the database is writable again they still refuse every write ("attempt to
write a readonly database"). The sync gives them the database's mode before it opens it, as
SQLite would have made them, and names what it still may not write."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

SIDE_SUFFIXES = ("-wal", "-shm")


def side_files(path: Path) -> list[Path]:
    """The write-ahead log and the shared-memory index of the database at `path`, if there."""
    return [side for side in (path.with_name(path.name + suffix) for suffix in SIDE_SUFFIXES) if side.exists()]


def make_side_files_writable(path: Path) -> None:
    """The side files of a writable database given its mode where they are read-only; one of
    another account's is left as it is (the write then names it)."""
    if not path.exists() or not os.access(path, os.W_OK):
        return
    for side in side_files(path):
        if not os.access(side, os.W_OK):
            with contextlib.suppress(OSError):
                side.chmod(path.stat().st_mode & 0o777)


def what_is_read_only(path: Path) -> str:
    """Which file (or folder) of the database refuses the write, and what to do."""
    if not os.access(path, os.W_OK):
        names = [path.name]
    else:
        names = [side.name for side in side_files(path) if not os.access(side, os.W_OK)]
    if not names:
        return f"the folder {path.parent} is read-only: give the sync write access to it and run it again"
    verb, it = ("is", "it") if len(names) == 1 else ("are", "them")
    return f"{' and '.join(names)} {verb} read-only: give the sync write access to {it} and run it again"
