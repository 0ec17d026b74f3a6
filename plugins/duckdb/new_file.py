"""A new DuckDB file written from one set up once a process, not set up again.

Setting a file up (its tables, its views' binding, the migrations recorded) took about 100 ms of
CPU; writing a template's bytes and opening them about 25 (bench/README.md, "ttime20"). The
bytes are written whole beside the file and linked to its name (`made_whole`); the open then
dates the migrations at the time the file was made (`DuckDBDestination.apply_migrations`)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cxbridge.plugins.duckdb.destination import DuckDBDestination

_TEMPLATE: dict[tuple[type, tuple[str, ...]], bytes] = {}
"""This process's new file by destination class and its migrations: bytes, which a forked child
may share; threads that both find none each make it, the same (no lock to be held across a fork)."""


def template(cls: type[DuckDBDestination]) -> bytes:
    """A new file's bytes, set up by `cls` as a new file was before, in a temporary folder of this
    process's, closed (checkpointed: no log beside it) and read back."""
    key = (cls, tuple(migration.name for migration in cls.migrations))
    if key not in _TEMPLATE:
        with tempfile.TemporaryDirectory(prefix="cxbridge-duckdb-") as folder:
            path = Path(folder) / "new.duckdb"
            destination = cls(f"duckdb:///{path}")
            destination.from_template = False
            destination.open()
            destination.close()
            _TEMPLATE[key] = path.read_bytes()
    return _TEMPLATE[key]
