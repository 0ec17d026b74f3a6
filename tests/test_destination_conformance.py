"""The destination conformance suite run against every first-party destination."""

from __future__ import annotations

import pytest

from cxbridge.plugins.bigquery.destination import BigQueryDestination
from cxbridge.plugins.duckdb.destination import DuckDBDestination
from cxbridge.plugins.parquet.destination import ParquetDestination
from cxbridge.plugins.postgres.destination import PostgresDestination
from cxbridge.plugins.sqlite.destination import SQLiteDestination
from cxbridge.testing.destinations import DestinationConformance


class TestSQLite(DestinationConformance):
    @pytest.fixture
    def destination_factory(self, tmp_path):
        return lambda name: SQLiteDestination(f"sqlite:///{tmp_path / name}.db")


class TestDuckDB(DestinationConformance):
    @pytest.fixture
    def destination_factory(self, tmp_path):
        return lambda name: DuckDBDestination(f"duckdb:///{tmp_path / name}.duckdb")


class TestPostgres(DestinationConformance):
    @pytest.fixture
    def destination_factory(self, postgres_database):
        return lambda name: PostgresDestination(postgres_database(name))


class TestParquet(DestinationConformance):
    @pytest.fixture
    def destination_factory(self, tmp_path):
        return lambda name: ParquetDestination(f"parquet:///{tmp_path / name}")


class TestBigQuery(DestinationConformance):
    """On the local BigQuery API with its DuckDB engine (tests/bigquery_engine.py)."""

    @pytest.fixture
    def destination_factory(self):
        from google.oauth2.credentials import Credentials

        from tests.bigquery_api import fake_bigquery
        from tests.bigquery_engine import Engine

        with fake_bigquery(engine=Engine()) as api:
            yield lambda name: BigQueryDestination(
                f"bigquery://acme-cx/{name}",
                credentials=Credentials(token="t"),
                client_options={"api_endpoint": api.url},
            )
