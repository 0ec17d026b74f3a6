"""The destinations a test runs on this machine — a SQLite file, a DuckDB file, a Parquet lake in
the test's folder, or a new database on the tests' PostgreSQL server — made by one function, so
that a test parametrized over them says only which kinds it runs on."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from cxbridge.destinations import Destination

LOCAL_KINDS = ("sqlite", "duckdb", "postgresql", "parquet")


def destination_url(kind: str, folder: Path, request: pytest.FixtureRequest, name: str) -> str:
    """The URL of a new destination of `kind`: files in `folder`, or a PostgreSQL database `name`."""
    if kind == "postgresql":
        return request.getfixturevalue("postgres_database")(name)
    return {"sqlite": f"sqlite:///{folder / f'{name}.db'}", "duckdb": f"duckdb:///{folder / f'{name}.duckdb'}",
            "parquet": f"parquet:///{folder / 'lake'}"}[kind]  # fmt: skip


def destination_maker(kind: str, folder: Path, request: pytest.FixtureRequest, name: str) -> Callable[[], Destination]:
    """A function making a new destination object for the one place `destination_url` names."""
    from cxbridge.plugins.duckdb.destination import DuckDBDestination
    from cxbridge.plugins.parquet.destination import ParquetDestination
    from cxbridge.plugins.postgres.destination import PostgresDestination
    from cxbridge.plugins.sqlite.destination import SQLiteDestination

    url = destination_url(kind, folder, request, name)
    make = {"sqlite": SQLiteDestination, "duckdb": DuckDBDestination, "postgresql": PostgresDestination,
            "parquet": ParquetDestination}[kind]  # fmt: skip
    return lambda: make(url)


def make_view_stale(destination: Destination, view: str, *, now: str, before: str, migration: str) -> None:
    """Leave `view` as a destination written before `migration` had it — its SQL `before` where
    the code now writes `now` — and the migration unrecorded, so that the next open applies it
    again. `migration` is its name after the number, the same on every engine (`store_names`)."""
    import json

    from cxbridge.plugins.parquet.destination import ParquetDestination
    from cxbridge.plugins.sqlite.destination import SQLiteDestination

    if isinstance(destination, ParquetDestination):  # a lake's queries define views anew; BI tools read the script
        script = destination.root / "_cxbridge" / "views.sql"
        script.write_text(script.read_text(encoding="utf-8").replace(now.strip(), before.strip()), encoding="utf-8")
        done = json.loads(destination._migrations_file.read_text())
        destination._migrations_file.write_text(json.dumps([name for name in done if not name.endswith(f"_{migration}")]))
        return
    sqlite = isinstance(destination, SQLiteDestination)
    execute = destination.db.execute if sqlite else destination.execute  # type: ignore[attr-defined]
    execute(f"DROP VIEW {view}")
    execute(f"CREATE VIEW {view} AS {before}")
    execute(f"DELETE FROM {'_sqlite_migrations' if sqlite else 'cxbridge_migrations'} WHERE name LIKE '%_{migration}'")
    if sqlite:
        destination.db.conn.commit()  # type: ignore[attr-defined]


@contextmanager
def view_made_again(
    make: Callable[[], Destination], view: str, *, sql: Callable[[Destination], str], older: Callable[[str], str],
    migration: str,
) -> Iterator[Destination]:
    """A destination whose `view` an older cxbridge made — `older` of the SQL `sql` writes now,
    `make_view_stale` — opened again: yields it open, the migration applied by the open, and
    checks that a Parquet lake's `_cxbridge/views.sql` (what BI tools read) holds the view as now."""
    from cxbridge.plugins.parquet.destination import ParquetDestination

    destination = make()
    destination.open()
    try:
        now = sql(destination)
        before = older(now)
        assert before != now
        make_view_stale(destination, view, now=now, before=before, migration=migration)
    finally:
        destination.close()
    destination = make()
    destination.open()
    try:
        yield destination
        if isinstance(destination, ParquetDestination):
            assert now.strip() in (destination.root / "_cxbridge" / "views.sql").read_text(encoding="utf-8")
    finally:
        destination.close()
