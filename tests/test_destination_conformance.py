"""The destination conformance suite run against every first-party destination, and its clock-free
comparison of views that compute ages at query time."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from cxbridge.plugins.bigquery.destination import BigQueryDestination
from cxbridge.plugins.duckdb.destination import DuckDBDestination
from cxbridge.plugins.parquet.destination import ParquetDestination
from cxbridge.plugins.postgres.destination import PostgresDestination
from cxbridge.plugins.sqlite.destination import SQLiteDestination
from cxbridge.source_result import SourceResult
from cxbridge.testing import destinations as conformance
from cxbridge.testing.destinations import DestinationConformance, DestinationFactory, assert_same, deliver, snapshot
from tests.postgres_server import copy_database, drop_database

LOCAL = (SQLiteDestination, DuckDBDestination, ParquetDestination)
"""Engines whose whole state is their file or folder (`path`)."""
FIRST_DATASET = "first_delivery"
"""The BigQuery dataset of a class's first delivery: a name that its copies' SQL can lose."""


@pytest.fixture(scope="class")
def first_deliveries() -> Iterator[dict[tuple[type, bool], tuple[Any, list[SourceResult]]]]:
    """(engine, copies) -> its class's first delivery of the sample (`deliver_first`) and its
    results. The delivery: the path of a local engine's, alone in its folder, the server URL and
    name of a PostgreSQL database, kept as a template until the class ends, or the local BigQuery
    engine holding FIRST_DATASET."""
    firsts: dict[tuple[type, bool], tuple[Any, list[SourceResult]]] = {}
    yield firsts
    for (engine, _), (database, _) in firsts.items():
        if engine is PostgresDestination:
            drop_database(*database)


class Conformance(DestinationConformance):
    """The suite, delivering version 1 once per class into each engine (the SQLite reference too)
    and handing each test that goes on from it — or compares it — its own copy of that closed
    destination, with that delivery's results."""

    @pytest.fixture
    def delivered(self, first_deliveries, tmp_path_factory, request):
        def copy_of_first(factory: DestinationFactory, name: str, *, copies: bool = False) -> list[SourceResult]:
            destination = factory(name)
            first = type(destination), copies
            if isinstance(destination, PostgresDestination):
                server, database = request.getfixturevalue("postgres_url"), urlsplit(destination.url).path[1:]
                if first not in first_deliveries:
                    results = self.deliver_first(destination, copies=copies)
                    first_deliveries[first] = (server, f"first_{database}"), results
                    copy_database(server, f"first_{database}", template=database)
                else:
                    copy_database(server, database, template=first_deliveries[first][0][1])
            elif isinstance(destination, BigQueryDestination):
                if first not in first_deliveries:
                    first_deliveries[first] = self._delivered_on_bigquery(copies)
                request.getfixturevalue("bigquery_engine").copy_dataset(
                    first_deliveries[first][0], FIRST_DATASET, to=destination.dataset
                )
            elif isinstance(destination, LOCAL):
                if first not in first_deliveries:
                    engine = type(destination)
                    path = tmp_path_factory.mktemp(f"first-{engine.__name__}") / destination.path.name
                    results = self.deliver_first(engine(destination.url.replace(str(destination.path), str(path))),
                                                 copies=copies)  # fmt: skip
                    first_deliveries[first] = path, results
                copy_with_side_files(first_deliveries[first][0], destination.path)
            else:
                return self.deliver_first(destination, copies=copies)
            return first_deliveries[first][1]

        return copy_of_first

    def _delivered_on_bigquery(self, copies: bool) -> tuple[Any, list[SourceResult]]:
        """A local BigQuery engine holding the sample (`deliver_first`) in FIRST_DATASET, and the results."""
        from tests.bigquery_api import fake_bigquery
        from tests.bigquery_engine import Engine

        with fake_bigquery(engine=Engine()) as api:
            results = self.deliver_first(bigquery_destination(api.url, FIRST_DATASET), copies=copies)
            return api.engine, results


def copy_with_side_files(source: Path, path: Path) -> None:
    """Copy the file or folder `source` to `path`, and its side files (named after it: `-wal`,
    `.lock`, ...) beside it, named after `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for item in source.parent.iterdir():
        target = path.with_name(path.name + item.name.removeprefix(source.name))
        (shutil.copytree if item.is_dir() else shutil.copy2)(item, target)


class TestSQLite(Conformance):
    @pytest.fixture
    def destination_factory(self, tmp_path):
        return lambda name: SQLiteDestination(f"sqlite:///{tmp_path / name}.db")


class TestDuckDB(Conformance):
    batch_size = 20  # three batches a source, not nine: nothing DuckDB writes counts batches (−40 % CPU a delivery)

    @pytest.fixture
    def destination_factory(self, tmp_path):
        return lambda name: DuckDBDestination(f"duckdb:///{tmp_path / name}.duckdb")


class TestPostgres(Conformance):
    @pytest.fixture
    def destination_factory(self, postgres_database):
        return lambda name: PostgresDestination(postgres_database(name))


class TestParquet(Conformance):
    batch_size = 20  # three batches a source, not nine, which merged no parts during a sync either (MERGE_AT,
    # made small in tests/test_differential_syncs.py); a sync's parts still merge at its end (−35 % CPU a delivery)

    @pytest.fixture
    def destination_factory(self, tmp_path):
        return lambda name: ParquetDestination(f"parquet:///{tmp_path / name}")


class TestBigQuery(Conformance):
    """On the local BigQuery API with its DuckDB engine (tests/bigquery_engine.py)."""

    batch_size = 20  # three batches a source, not nine: a batch is several load and query jobs (+34 % CPU at 7)

    @pytest.fixture
    def bigquery_engine(self):
        from tests.bigquery_engine import Engine

        return Engine()

    @pytest.fixture
    def destination_factory(self, bigquery_engine):
        from tests.bigquery_api import fake_bigquery

        with fake_bigquery(engine=bigquery_engine) as api:
            yield lambda name: bigquery_destination(api.url, name)


def bigquery_destination(api_url: str, dataset: str) -> BigQueryDestination:
    """The dataset on the local BigQuery API at `api_url`."""
    from google.oauth2.credentials import Credentials

    return BigQueryDestination(
        f"bigquery://acme-cx/{dataset}", credentials=Credentials(token="t"), client_options={"api_endpoint": api_url}
    )


def a_day_later(path, views=tuple(conformance.CLOCK_COLUMNS)) -> None:
    """Rewrite the stored views of a SQLite file that read the clock (every view with an age, the
    follow-up and loop queues too) to compute it as if it were a day later."""
    with sqlite3.connect(path) as conn:
        for view in views:
            (sql,) = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", [view]).fetchone()
            assert "julianday('now')" in sql, view
            conn.execute(f"DROP VIEW {view}")
            conn.execute(sql.replace("julianday('now')", "julianday('now', '+1 day')"))


def test_snapshots_taken_a_day_apart_compare_equal(tmp_path, monkeypatch):
    deliver(SQLiteDestination(f"sqlite:///{tmp_path / 'today.db'}"))
    shutil.copy2(tmp_path / "today.db", tmp_path / "tomorrow.db")  # a delivery's whole state, closed
    a_day_later(tmp_path / "tomorrow.db")
    today = snapshot(SQLiteDestination(f"sqlite:///{tmp_path / 'today.db'}"))
    monkeypatch.setattr(conformance, "now", lambda: datetime.now(timezone.utc) + timedelta(days=1))
    tomorrow = snapshot(SQLiteDestination(f"sqlite:///{tmp_path / 'tomorrow.db'}"))
    assert_same(tomorrow.results, today.results, label="a day later")
    ages = {name: _ages(tmp_path / f"{name}.db") for name in ("today", "tomorrow")}
    assert ages["today"] and {key: age + 1 for key, age in ages["today"].items()} == ages["tomorrow"]


def test_a_wrong_age_in_the_detractor_queue_fails_the_suite(tmp_path):
    deliver(SQLiteDestination(f"sqlite:///{tmp_path / 'late.db'}"))
    a_day_later(tmp_path / "late.db", views=["detractor_queue"])
    with pytest.raises(AssertionError, match=r"detractor_queue\.age_days is \d+ for submitted_at"):
        snapshot(SQLiteDestination(f"sqlite:///{tmp_path / 'late.db'}"))


def _ages(path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        return dict(conn.execute("SELECT record_id, age_days FROM detractor_queue WHERE age_days IS NOT NULL"))


def test_a_remove_of_its_own_that_leaves_the_older_reading_fails_the_suite(tmp_path):
    """A destination whose `remove` takes the records but not the reading step of `removal_rows`."""
    from cxbridge import removal

    class Forgetful(SQLiteDestination):
        def remove(self, chosen, *, relink=None, dry_run=False, run=None):
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(removal, "emptied", lambda db, source: None)
                return super().remove(chosen, relink=relink, dry_run=dry_run, run=run)

    suite = TestSQLite()
    factory = lambda name: Forgetful(f"sqlite:///{tmp_path / name}.db")  # noqa: E731
    with pytest.raises(AssertionError, match="calls cxbridge.readings.emptied"):
        suite.test_a_removal_that_leaves_a_source_no_record_records_todays_reading(
            factory, lambda f, name: suite.deliver_first(f(name))
        )
