"""The loop's and cross-source identity's look-ups on DuckDB and on Parquet (its subclass): a
batch's ids or keys registered as a relation the table is semi-joined to
(`DuckDBDestination.rows_with`, `identity_rows`) read the rows the same values listed in the
query read (`Destination.rows_with`, `Destination.identity_rows`)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from cxbridge.destinations import IDENTITY_LOOKUPS, Destination
from cxbridge.plugins.duckdb.destination import DuckDBDestination
from cxbridge.plugins.parquet.destination import ParquetDestination
from cxbridge.testing.destinations import deliver

LOOKED_UP = [
    ("feedback", "record_id"), ("feedback_scores", "record_id"), ("feedback_comments", "record_id"),
    ("feedback_cases", "record_id"), ("feedback_cases", "case_id"), ("feedback_case_events", "case_id"),
    ("loop_outbox", "case_id"),
]  # fmt: skip
DESTINATIONS = {
    "duckdb": (DuckDBDestination, "duckdb:///{}/out.duckdb"),
    "parquet": (ParquetDestination, "parquet:///{}/lake"),
}


@pytest.mark.parametrize("engine", DESTINATIONS)
@pytest.mark.parametrize("per_query", [10_000, 3])
def test_the_loops_look_ups_read_the_rows_a_list_of_literals_reads(tmp_path, monkeypatch, engine, per_query, delivery):
    """A query at a time (SQL promises no order either way: the loop reads them by key), with ids
    never stored and ids given twice."""
    with delivered(tmp_path, monkeypatch, engine, per_query, delivery) as destination:
        for table, key in LOOKED_UP:
            stored = sorted({row[key] for row in destination.query(f"SELECT {key} FROM {table}")})
            assert stored, table
            ids = [*stored[::2], "0" * 32, *stored[:1]]  # half of them, one never stored, one twice
            listed = Destination.rows_with(destination, table, ["*"], key, ids)
            assert {row[key] for row in listed} == set(stored[::2]), table
            assert _in_order(destination.rows_with(table, ["*"], key, ids)) == _in_order(listed), table


@pytest.mark.parametrize("engine", DESTINATIONS)
@pytest.mark.parametrize("per_query", [10_000, 3])
def test_identitys_look_ups_read_the_rows_a_query_of_placeholders_reads(
    tmp_path, monkeypatch, engine, per_query, delivery
):
    """Every column identity looks records up by, with keys never stored, given twice, and a
    key no SQL literal could hold as it is."""
    with delivered(tmp_path, monkeypatch, engine, per_query, delivery) as destination:
        for column in sorted(IDENTITY_LOOKUPS):
            stored = sorted({row[column] for row in destination.query(f"SELECT {column} FROM feedback")} - {None})
            assert stored or column in ("duplicate_of", "ticket_id", "respondent_key"), column
            values = [*stored[::2], "O'Brien \\ 'x'", "0" * 32, *stored[:1]]
            placeholders = Destination.identity_rows(destination, column, values)
            assert {row[column] for row in placeholders} == set(stored[::2]), column
            assert _in_order(destination.identity_rows(column, values)) == _in_order(placeholders), column


@pytest.fixture(scope="module")
def delivery(tmp_path_factory) -> Callable[[str], Path]:
    """The folder holding the conformance suite's delivery into an engine, delivered once for
    the module: the look-ups only read it, each test a copy of its own."""
    folders: dict[str, Path] = {}

    def folder(engine: str) -> Path:
        if engine not in folders:
            folders[engine] = tmp_path_factory.mktemp(f"delivered-{engine}")
            kind, url = DESTINATIONS[engine]
            deliver(kind(url.format(folders[engine])))
        return folders[engine]

    return folder


@contextmanager
def delivered(tmp_path, monkeypatch, engine: str, per_query: int, delivery) -> Iterator[Destination]:
    """The engine's destination holding the conformance suite's delivery, open, `per_query` ids a look-up."""
    kind, url = DESTINATIONS[engine]
    shutil.copytree(delivery(engine), tmp_path, dirs_exist_ok=True)
    monkeypatch.setattr(kind, "ids_per_query", per_query)
    destination = kind(url.format(tmp_path))
    destination.open()
    try:
        yield destination
    finally:
        destination.close()


def _in_order(rows: list[dict]) -> list[list[tuple[str, str]]]:
    return sorted([(name, repr(value)) for name, value in row.items()] for row in rows)
