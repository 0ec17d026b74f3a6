"""A destination written before cases existed gets their tables on its next sync (migration
0009 and 0010 on SQL destinations, 0010 and 0011 on Parquet), and the feedback it already held opens no case: only what is new does."""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest

from cxbridge.layout import LOOP_TABLES
from cxbridge.views import LOOP_VIEWS
from cxbridge.plugins.duckdb.destination import DuckDBDestination
from cxbridge.plugins.parquet.destination import ParquetDestination
from cxbridge.plugins.postgres.destination import PostgresDestination
from cxbridge.plugins.sqlite.destination import SQLiteDestination
from cxbridge.testing.destinations import deliver, expected_cases, stored_cases

LOOP_NAMES = [table.name for table in LOOP_TABLES]
CASE_READERS = (*LOOP_VIEWS, "detractor_queue", "employee_followup_queue")
"""The views that read the case tables (the queues since SQL migration 0016): dropped with them,
as PostgreSQL drops no table a view reads; migration 0010 makes them all again."""


def as_before_cases_sqlite(path) -> None:
    with sqlite3.connect(path) as conn:
        for name in CASE_READERS:
            conn.execute(f"DROP VIEW {name}")
        for name in LOOP_NAMES:
            conn.execute(f"DROP TABLE {name}")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name IN ('0009_loop_tables', '0010_loop_views', '0034_case_local_months')")


def as_before_cases_sql(destination) -> None:
    destination.open()
    try:
        for name in CASE_READERS:
            destination.execute(f"DROP VIEW {name}")
        for name in LOOP_NAMES:
            destination.execute(f"DROP TABLE {name}")
        destination.execute("DELETE FROM cxbridge_migrations WHERE name IN ('0009_loop_tables', '0010_loop_views', '0029_case_local_months')")
    finally:
        destination.close()


def as_before_cases_parquet(root) -> None:
    for name in LOOP_NAMES:
        shutil.rmtree(root / name)
    marker = root / "_cxbridge" / "migrations.json"
    marker.write_text(json.dumps([m for m in json.loads(marker.read_text()) if m not in ("0010_loop_tables", "0011_loop_views")]))


def sqlite_case(tmp_path, postgres_database):
    path = tmp_path / "old.db"
    return lambda: SQLiteDestination(f"sqlite:///{path}"), lambda: as_before_cases_sqlite(path)


def duckdb_case(tmp_path, postgres_database):
    factory = lambda: DuckDBDestination(f"duckdb:///{tmp_path / 'old.duckdb'}")  # noqa: E731
    return factory, lambda: as_before_cases_sql(factory())


def postgres_case(tmp_path, postgres_database):
    url = postgres_database("old")
    factory = lambda: PostgresDestination(url)  # noqa: E731
    return factory, lambda: as_before_cases_sql(factory())


def parquet_case(tmp_path, postgres_database):
    return lambda: ParquetDestination(f"parquet:///{tmp_path / 'lake'}"), lambda: as_before_cases_parquet(tmp_path / "lake")


@pytest.mark.parametrize("make", [sqlite_case, duckdb_case, postgres_case, parquet_case], ids=lambda f: f.__name__)
def test_an_existing_destination_gets_case_tables_and_its_history_opens_no_case(make, tmp_path, request):
    postgres_database = request.getfixturevalue("postgres_database") if make is postgres_case else None
    factory, downgrade = make(tmp_path, postgres_database)
    deliver(factory())
    downgrade()
    destination = factory()
    destination.open(read_only=True)  # read as it is (a report before the next sync)
    try:
        assert destination.query("SELECT COUNT(*) AS n FROM feedback")[0]["n"] > 0
    finally:
        destination.close()
    results = deliver(factory(), version=2)
    before = expected_cases(1)
    added = {rid: case for rid, case in expected_cases(2).items() if rid not in before}
    assert [r.cases_opened for r in results] == [len(added), 0]
    assert stored_cases(factory())[0] == added
    destination = factory()
    destination.open(read_only=True)
    try:
        destination.query("SELECT record_id FROM detractor_queue LIMIT 1")  # made again: no error
    finally:
        destination.close()


@pytest.mark.parametrize("make", [sqlite_case, duckdb_case, postgres_case, parquet_case], ids=lambda f: f.__name__)
def test_a_dry_run_reads_a_destination_written_before_cases_as_it_is(make, tmp_path, request):
    """A dry run migrates nothing: on a destination last written before cases existed it finds no
    case table, so no record has a case yet — the one place the loop reads none (a failed read of
    an existing case table is no such place: it fails the batch)."""
    postgres_database = request.getfixturevalue("postgres_database") if make is postgres_case else None
    factory, downgrade = make(tmp_path, postgres_database)
    deliver(factory())
    downgrade()
    results = deliver(factory(), version=2, dry_run=True)
    assert [r.status for r in results] == ["success", "success"]
    if make is parquet_case:  # a lake's views read a missing table as empty: its folder says
        assert not (tmp_path / "lake" / "feedback_cases").exists(), "a dry run made no case table"
        return
    destination = factory()
    destination.open(read_only=True)
    try:
        assert not destination.has_column("feedback_cases", "record_id"), "a dry run made no case table"
    finally:
        destination.close()
