"""A new DuckDB file's set-up — every table and today's views made once, no key looked for to
drop, every migration recorded by one statement — gives the schema a file of an older version
gets by migrating step by step: the same tables, columns, views, indexes and constraints."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest

from cxbridge.plugins.duckdb.destination import GROWING_TABLES, DuckDBDestination
from cxbridge.sql_migrations import MIGRATIONS

CATALOG = {
    "tables": "SELECT table_name, temporary FROM duckdb_tables() WHERE database_name = current_database()",
    "columns": "SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns "
    "WHERE table_catalog = current_database()",
    "views": "SELECT view_name, sql FROM duckdb_views() WHERE database_name = current_database() AND NOT internal",
    "indexes": "SELECT index_name, table_name, sql FROM duckdb_indexes() WHERE database_name = current_database()",
    "constraints": "SELECT table_name, constraint_type, constraint_column_names, expression FROM duckdb_constraints() "
    "WHERE database_name = current_database()",
    "migrations": "SELECT name FROM cxbridge_migrations",
}


def older(count: int) -> type[DuckDBDestination]:
    """A cxbridge that knew the first `count` migrations only (with today's tables and views),
    and made every table with its PRIMARY KEY."""
    attributes = {"migrations": MIGRATIONS[:count], "keyless": frozenset()}
    return type(f"DuckDBWith{count}Migrations", (DuckDBDestination,), attributes)


def catalog(path: Any) -> dict[str, list[tuple[Any, ...]]]:
    """The file's schema as DuckDB's catalog functions and information_schema list it, sorted
    (a column added by a migration sits last in an older file's table: orders differ)."""
    conn = duckdb.connect(str(path), read_only=True)
    try:
        return {name: sorted(map(repr, conn.execute(sql).fetchall())) for name, sql in CATALOG.items()}
    finally:
        conn.close()


def opened_once(destination: DuckDBDestination) -> None:
    destination.open()
    destination.close()


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> dict[str, list[tuple[Any, ...]]]:
    path = tmp_path_factory.mktemp("fresh") / "cx.duckdb"
    opened_once(DuckDBDestination(f"duckdb:///{path}"))
    return catalog(path)


@pytest.mark.parametrize("count", [9, 13, 18, len(MIGRATIONS)])  # from the loop's tables on: today's views read them
def test_a_new_file_has_the_schema_of_one_migrated_from_an_older_version(fresh, tmp_path, count):
    url = f"duckdb:///{tmp_path / 'old.duckdb'}"
    opened_once(older(count)(url))
    assert catalog(tmp_path / "old.duckdb") != fresh  # an older schema indeed: keyed tables, fewer migrations

    opened_once(DuckDBDestination(url))

    assert catalog(tmp_path / "old.duckdb") == fresh


def test_a_new_file_records_every_migration_once_and_keys_no_growing_table(fresh):
    assert fresh["migrations"] == sorted(repr((migration.name,)) for migration in DuckDBDestination.migrations)
    keyed = {eval(row)[0] for row in fresh["constraints"] if "'PRIMARY KEY'" in row}
    assert keyed and keyed.isdisjoint(table.name for table in GROWING_TABLES)
