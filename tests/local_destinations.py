"""The destinations a test runs on this machine — a SQLite file, a DuckDB file, a Parquet lake in
the test's folder, or a new database on the tests' PostgreSQL server — made by one function, so
that a test parametrized over them says only which kinds it runs on."""

from __future__ import annotations

from collections.abc import Callable
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
