"""A new DuckDB file's set-up — every table and today's views made once, no key looked for to
drop, every migration recorded by one statement — gives the schema a file of an older version
gets by migrating step by step: the same tables, columns, views, indexes and constraints. A new
file written from the process's template (plugins/duckdb/new_file.py) has that schema too."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import duckdb
import pytest

from cxbridge.plugins.duckdb.destination import GROWING_TABLES, DuckDBDestination
from cxbridge.sql_destination import SQLDestination
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
    attributes = {"migrations": MIGRATIONS[:count], "keyless": frozenset(), "from_template": False}
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
    """The catalog of a new file set up by its migrations, not written from a template."""
    path = tmp_path_factory.mktemp("fresh") / "cx.duckdb"
    destination = DuckDBDestination(f"duckdb:///{path}")
    destination.from_template = False
    opened_once(destination)
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


def test_a_new_file_is_written_from_the_template_with_the_set_up_schema_its_migrations_dated_now(
    fresh, tmp_path, monkeypatch
):
    opened_once(DuckDBDestination(f"duckdb:///{tmp_path / 'first.duckdb'}"))  # the process's template, made if not yet
    set_up: list[SQLDestination] = []
    monkeypatch.setattr(SQLDestination, "_set_up", lambda self: set_up.append(self))
    made_after = datetime.now(timezone.utc)

    opened_once(DuckDBDestination(f"duckdb:///{tmp_path / 'new.duckdb'}"))

    assert set_up == [], "a new file is written from the template, not set up again"
    assert catalog(tmp_path / "new.duckdb") == fresh
    conn = duckdb.connect(str(tmp_path / "new.duckdb"), read_only=True)
    [(earliest, count)] = conn.execute("SELECT min(applied_at), count(*) FROM cxbridge_migrations").fetchall()
    conn.close()
    assert count == len(DuckDBDestination.migrations) and earliest >= made_after, "dated when the file was made"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["first.duckdb", "new.duckdb"], "no hidden copy left"
