"""A first sync — a source beginning into a destination that holds no record and no case of it,
empty or written by other sources — runs in batches of the destination's `first_batch_size`
(DuckDB: smaller ones, which lower its peak memory; its batches look nothing up then), unless
`[settings] batch_size` is set; a re-sync runs in batches of `batch_size`."""

from __future__ import annotations

import random
from datetime import datetime, timezone

import pytest

import cxbridge
from cxbridge.destinations import Destination
from cxbridge.plugins.duckdb.destination import DuckDBDestination
from cxbridge.plugins.parquet.destination import ParquetDestination
from cxbridge.plugins.sqlite.destination import SQLiteDestination
from cxbridge.plugins_host import create_host
from tests.test_duckdb_first_sync import stored
from tests.test_loop_case_opening import CUSTOMER_SOURCE, responses, write

SOURCES = ("shop", "web")
FIRST, LATER = 3, 7  # small sizes, so that a few dozen records make several batches of each


def batches(folder, url, monkeypatch, cls: type[Destination], *, sources=()) -> list[tuple[str, int]]:
    """Each batch the sync wrote: its source and how many records it read (stored or quarantined)."""
    seen: list[tuple[str, int]] = []
    write_batch = cls.write_batch

    def recording(self, batch):
        if batch.source in SOURCES:  # not the batches cxbridge writes of its own (`_cxbridge`)
            seen.append((batch.source, len(batch.records) + len(batch.quarantined)))
        return write_batch(self, batch)

    monkeypatch.setattr(cls, "write_batch", recording)
    result = cxbridge.sync(folder / "cxbridge.toml", sources=sources, destination=url, host=create_host())
    monkeypatch.setattr(cls, "write_batch", write_batch)
    assert result.exit_code == 0, result
    return seen


def sizes(count: int, size: int) -> list[int]:
    """The batches `count` records read in order make at `size` a batch: the last one, with the
    file's cursor, holds what is left (none, when `size` divides `count`)."""
    return [size] * (count // size) + [count % size]


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setattr(DuckDBDestination, "first_batch_size", FIRST)
    monkeypatch.setattr(DuckDBDestination, "batch_size", LATER)
    rng = random.Random(5)
    now = datetime.now(timezone.utc)
    folder = tmp_path / "data"
    folder.mkdir()
    rows = responses(rng, 0, 20, now)
    write(folder, "shop", rows[:17] + [dict(rows[17], nps="15")] + rows[18:])  # one record quarantined
    write(folder, "web", responses(rng, 100, 11, now))
    return folder


def config(folder, settings: str = "") -> None:
    (folder / "cxbridge.toml").write_text(
        f'[settings]\ntimezone = "UTC"\n{settings}' + CUSTOMER_SOURCE.format(name="shop") + CUSTOMER_SOURCE.format(name="web")
    )


def test_a_first_sync_into_duckdb_runs_in_its_first_sync_batches_and_a_re_sync_in_its_batches(folder, tmp_path, monkeypatch):
    config(folder)
    url = f"duckdb:///{tmp_path / 'out.duckdb'}"
    first = batches(folder, url, monkeypatch, DuckDBDestination)
    # shop begins into an empty file; web into one holding shop's records, but none of its own
    assert first == [("shop", n) for n in sizes(20, FIRST)] + [("web", n) for n in sizes(11, FIRST)]

    rng = random.Random(6)
    write(folder, "shop", responses(rng, 0, 20, datetime.now(timezone.utc)) + responses(rng, 200, 9, datetime.now(timezone.utc)))
    again = batches(folder, url, monkeypatch, DuckDBDestination)
    assert again == [("shop", n) for n in sizes(29, LATER)], "a re-sync keeps the destination's batch size"
    counts = {table: len(rows) for table, rows in stored(tmp_path / "out.duckdb").items()}
    assert counts["feedback"] == 20 + 9 + 11 and counts["quarantine"] == 0  # the failing record passes now


def test_a_source_added_to_a_config_later_begins_in_first_sync_batches(folder, tmp_path, monkeypatch):
    config(folder)
    url = f"duckdb:///{tmp_path / 'out.duckdb'}"
    assert batches(folder, url, monkeypatch, DuckDBDestination, sources=("shop",)) == [("shop", n) for n in sizes(20, FIRST)]
    write(folder, "shop", responses(random.Random(8), 0, 20, datetime.now(timezone.utc)))  # read again: edited
    later = batches(folder, url, monkeypatch, DuckDBDestination)
    assert later == [("shop", n) for n in sizes(20, LATER)] + [("web", n) for n in sizes(11, FIRST)]


def test_a_set_batch_size_holds_for_a_first_sync_too(folder, tmp_path, monkeypatch):
    config(folder, "batch_size = 4\n")
    first = batches(folder, f"duckdb:///{tmp_path / 'out.duckdb'}", monkeypatch, DuckDBDestination)
    assert first == [("shop", n) for n in sizes(20, 4)] + [("web", n) for n in sizes(11, 4)]


def test_a_first_sync_into_a_parquet_lake_runs_in_its_batches_not_duckdbs_first_sync_ones(folder, tmp_path, monkeypatch):
    """ParquetDestination is built on DuckDBDestination, but not on its first-sync batch size."""
    config(folder)
    first = batches(folder, f"parquet:///{tmp_path / 'lake'}", monkeypatch, ParquetDestination)
    assert first == [("shop", n) for n in sizes(20, LATER)] + [("web", n) for n in sizes(11, LATER)]


def test_a_destination_without_a_first_sync_size_runs_a_first_sync_in_its_batches(folder, tmp_path, monkeypatch):
    assert SQLiteDestination.first_batch_size is None
    monkeypatch.setattr(SQLiteDestination, "batch_size", LATER)
    config(folder)
    first = batches(folder, f"sqlite:///{tmp_path / 'out.db'}", monkeypatch, SQLiteDestination)
    assert first == [("shop", n) for n in sizes(20, LATER)] + [("web", n) for n in sizes(11, LATER)]


def test_first_sync_batches_store_what_batches_of_the_destination_size_store(folder, tmp_path, monkeypatch):
    """The same rows, counts and cases whichever size a first sync's batches have."""
    config(folder)
    small = batches(folder, f"duckdb:///{tmp_path / 'small.duckdb'}", monkeypatch, DuckDBDestination)
    monkeypatch.setattr(DuckDBDestination, "first_batch_size", None)
    large = batches(folder, f"duckdb:///{tmp_path / 'large.duckdb'}", monkeypatch, DuckDBDestination)
    assert len(small) > len(large)
    assert stored(tmp_path / "small.duckdb") == stored(tmp_path / "large.duckdb")
