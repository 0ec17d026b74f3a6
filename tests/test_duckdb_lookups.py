"""The loop's look-ups on DuckDB and on Parquet (its subclass): a batch's ids registered as a
relation the table is semi-joined to (`DuckDBDestination.rows_with`) read the rows the same ids
listed as literals read (`Destination.rows_with`)."""

from __future__ import annotations

import pytest

from cxbridge.destinations import Destination
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
def test_the_loops_look_ups_read_the_rows_a_list_of_literals_reads(tmp_path, monkeypatch, engine, per_query):
    """A query at a time (SQL promises no order either way: the loop reads them by key), with ids
    never stored and ids given twice."""
    kind, url = DESTINATIONS[engine]
    deliver(kind(url.format(tmp_path)))
    monkeypatch.setattr(kind, "ids_per_query", per_query)
    destination = kind(url.format(tmp_path))
    destination.open()
    try:
        for table, key in LOOKED_UP:
            stored = sorted({row[key] for row in destination.query(f"SELECT {key} FROM {table}")})
            assert stored, table
            ids = [*stored[::2], "0" * 32, *stored[:1]]  # half of them, one never stored, one twice
            listed = Destination.rows_with(destination, table, ["*"], key, ids)
            assert {row[key] for row in listed} == set(stored[::2]), table
            assert _in_order(destination.rows_with(table, ["*"], key, ids)) == _in_order(listed), table
    finally:
        destination.close()


def _in_order(rows: list[dict]) -> list[list[tuple[str, str]]]:
    return sorted([(name, repr(value)) for name, value in row.items()] for row in rows)
