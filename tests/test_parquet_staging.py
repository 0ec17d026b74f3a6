"""A batch's rows of a Parquet record table (up to `records.COPY_ROWS`) are written by one
partitioned COPY into a staging folder under `_cxbridge/staging/`, each file then renamed into its
partition as the next part: one COPY a table however many months the batch spans, each file
holding its partition's rows, and what a stopped sync left staged removed when the lake is next
opened for writing."""

from __future__ import annotations

import random
import shutil
from datetime import datetime, timezone
from types import SimpleNamespace

import duckdb
import numpy as np
import pytest

from cxbridge.plugins.parquet import files, records
from cxbridge.plugins.parquet.destination import ParquetDestination
from cxbridge.plugins.parquet.files import PARTITIONED
from tests.conftest import Workspace, share_salt, survey_row
from tests.test_duckdb_first_sync import sync
from tests.test_loop_case_opening import CUSTOMER_SOURCE, LOOP, responses, write
from tests.test_parquet_first_sync import stored


class TracedConnection:
    """A DuckDB connection that keeps every statement it runs."""

    def __init__(self, conn, statements: list[str]):
        self._conn, self._statements = conn, statements

    def execute(self, sql, *args):
        self._statements.append(sql)
        return self._conn.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self._conn, name)


def synced_by_copies(tmp_path, monkeypatch, lake: str) -> list[str]:
    """The COPY statements of a sync of 60 records, one batch, five in each month of 2025."""
    statements: list[str] = []
    connect = ParquetDestination.connect
    monkeypatch.setattr(
        ParquetDestination, "connect", lambda self, **kw: TracedConnection(connect(self, **kw), statements)
    )
    workspace = Workspace(tmp_path, batch_size=100)
    share_salt(monkeypatch, workspace)
    workspace.write_csv([survey_row(n) for n in range(1, 61)])
    [result] = workspace.sync(destination=f"parquet:///{tmp_path / lake}").results
    assert (result.status, result.written) == ("success", 60), result.error
    assert not (tmp_path / lake / files.STAGING).exists(), "nothing left staged"
    return [sql for sql in statements if sql.startswith("COPY")]


def test_a_batch_spanning_twelve_months_writes_each_record_table_by_one_copy(tmp_path, monkeypatch):
    copies = synced_by_copies(tmp_path, monkeypatch, "lake")
    partitioned = [sql for sql in copies if "PARTITION_BY" in sql]
    assert len(partitioned) == 3 and all(str(tmp_path / "lake" / files.STAGING) in sql for sql in partitioned)
    record_folders = [f"{tmp_path / 'lake' / table.name}/" for table in PARTITIONED]
    batch_copies = [sql for sql in copies if str(files.EMPTY_FILE.parent) not in sql]  # not the migrations' empty files
    assert not [sql for sql in batch_copies if any(folder in sql for folder in record_folders)], "none into their folders"
    for table in ("feedback", "feedback_scores"):
        assert len(list((tmp_path / "lake" / table / "source=survey").glob("month=2025-*/part-0.parquet"))) == 12


def test_a_batch_holding_more_than_copy_rows_of_a_table_writes_it_by_a_copy_a_month(tmp_path, monkeypatch):
    """COPY_ROWS 30: the 60 feedback rows, 180 scores and 40 comments by a COPY a month each, the
    feedback and scores into twelve partitions; the lake holds what a partitioned COPY a table writes."""
    synced_by_copies(tmp_path, monkeypatch, "partitioned")
    monkeypatch.setattr(records, "COPY_ROWS", 30)
    copies = synced_by_copies(tmp_path, monkeypatch, "by_month")
    for table in ("feedback", "feedback_scores"):
        into = [sql for sql in copies if f"{tmp_path / 'by_month' / table}/source=survey/month=2025-" in sql]
        assert len(into) == 12, table
    assert not [sql for sql in copies if "PARTITION_BY" in sql]
    assert stored(tmp_path / "by_month") == stored(tmp_path / "partitioned")


@pytest.mark.parametrize("rows", [300, 12_000])
def test_each_partitions_file_holds_its_rows_and_an_index_without_rows_has_none(tmp_path, rows):
    """Partitions 0, 2 and 3 (none for 1) of rows staged in no order, on one thread: each file
    holds its partition's rows, every one once, spanning vectors and row groups at 12,000; the
    staging folder goes."""
    conn = duckdb.connect()
    conn.execute("SET threads = 1")
    rng = random.Random(3)
    staged = [(rng.choice([0, 2, 3]), f"{rng.getrandbits(64):016x}") for _ in range(rows)]
    conn.register("cx_rows", {
        "record_id": np.array([record_id for _, record_id in staged], dtype=object),
        files.PARTITION: np.array([index for index, _ in staged], dtype=np.int32),
    })  # fmt: skip
    select = f"SELECT CAST(record_id AS VARCHAR) AS record_id, {files.PARTITION} FROM cx_rows"
    with files.staged_partitions(conn, select, tmp_path) as written:
        assert [index for index, _ in written] == [0, 2, 3]
        for index, path in written:
            stored = conn.execute(f"SELECT * FROM read_parquet('{path}', hive_partitioning = false)").fetchall()
            assert sorted(stored) == sorted((record_id,) for i, record_id in staged if i == index), f"partition {index}"
    assert not (tmp_path / files.STAGING).exists()


def test_a_sync_stopped_while_moving_staged_parts_in_is_finished_by_the_next_which_removes_them(tmp_path, monkeypatch):
    """The process dies after renaming two of a batch's staged files into their partitions: the
    others stay staged (as a killed process leaves them), where no reader looks; the next sync
    removes them as it opens the lake and stores what a sync never stopped stores."""
    data = tmp_path / "data"
    data.mkdir()
    write(data, "shop", responses(random.Random(5), 0, 40, datetime.now(timezone.utc)))
    (data / "cxbridge.toml").write_text(
        '[settings]\nbatch_size = 9\ntimezone = "UTC"\n' + CUSTOMER_SOURCE.format(name="shop") + LOOP
    )
    move_in_part, moved = files.move_in_part, []

    def dying(staged, folder):
        if len(moved) == 2:
            raise RuntimeError("simulated crash while moving a batch's parts in")
        moved.append(staged)
        return move_in_part(staged, folder)

    def rmtree_but_staging(path, **options):  # a killed process removes nothing
        if files.STAGING.parts[-1] not in path.parts:
            shutil.rmtree(path, **options)

    monkeypatch.setattr(files, "move_in_part", dying)
    monkeypatch.setattr(files, "shutil", SimpleNamespace(rmtree=rmtree_but_staging))
    lake = tmp_path / "stopped"
    assert sync(data, f"parquet:///{lake}", monkeypatch).exit_code != 0
    assert list((lake / files.STAGING).rglob("*.parquet")), "the crash left staged files"
    monkeypatch.undo()
    assert sync(data, f"parquet:///{lake}", monkeypatch).exit_code == 0
    assert not (lake / files.STAGING).exists()
    assert sync(data, f"parquet:///{tmp_path / 'clean'}", monkeypatch).exit_code == 0
    assert stored(lake) == stored(tmp_path / "clean")
