"""DuckDB's memory while a sync writes a Parquet lake: a limit beside the room of the batch
written, and files too wide for it written under DuckDB's own limit (`files.copy`)."""

from __future__ import annotations

import duckdb

from cxbridge import api
from cxbridge.plugins.parquet import files
from cxbridge.plugins.parquet.destination import ParquetDestination
from cxbridge.plugins_host import create_host
from cxbridge.testing.destinations import assert_same, snapshot
from tests.conftest import Workspace, share_salt, survey_row
from tests.test_duckdb_memory import long_comment_rows


def test_rows_too_wide_for_the_limit_are_written_whole_and_the_limit_kept(tmp_path):
    conn = duckdb.connect()
    conn.execute("SET threads = 1")
    conn.execute("SET memory_limit = '4MiB'")
    select = "SELECT range AS n, repeat('x', 3000000) || range::VARCHAR AS t FROM range(12)"
    target = tmp_path / "wide.parquet"
    try:  # what the retry is for: this COPY does not fit 4 MiB
        conn.execute(f"COPY ({select}) TO '{tmp_path / 'plain.parquet'}' ({files.WRITE_OPTIONS})")
        raise AssertionError("the COPY fitted 4 MiB: the test no longer exercises the retry")
    except duckdb.OutOfMemoryException:
        pass
    files.copy(conn, select, target)
    [(limit,)] = conn.execute("SELECT current_setting('memory_limit')").fetchall()
    assert limit == "4.0 MiB"
    conn.execute("RESET memory_limit")
    stored = conn.execute(f"SELECT n, t FROM read_parquet('{target}') ORDER BY n").fetchall()
    assert stored == [(n, "x" * 3_000_000 + str(n)) for n in range(12)]


def test_a_sync_of_wide_comments_under_a_small_limit_stores_them_whole(tmp_path, monkeypatch):
    """Under an 8 MiB base the first batch's look-up of its cases runs out (the lake's DuckDB
    holds blocks of the comments written): that write runs again under DuckDB's own limit
    (`DuckDBDestination._within_memory`), and every comment is stored whole, once. Two batches
    (the second looks up among the first's comments) run out as three did, at two thirds of the CPU."""
    monkeypatch.setattr(ParquetDestination, "memory_limit_mb", 8)
    workspace = Workspace(tmp_path, batch_size=40)
    rows = long_comment_rows(80, words=40_000)  # about 260 KB of comment each: 10 MB a batch, two batches
    workspace.write_csv(rows)
    lake = tmp_path / "lake"
    [result] = workspace.sync(destination=f"parquet:///{lake}").results
    assert (result.status, result.written, result.quarantined) == ("success", 80, 0), result.error
    conn = duckdb.connect()
    stored = dict(conn.execute(
        f"SELECT f.source_record_id, c.text FROM read_parquet('{lake}/feedback_comments/**/*.parquet') c "
        f"JOIN read_parquet('{lake}/feedback/**/*.parquet') f USING (record_id)"
    ).fetchall())  # fmt: skip
    assert stored == {row[0]: row[6] for row in rows}
    assert not (tmp_path / "lake.tmp").exists() or not any((tmp_path / "lake.tmp").iterdir())


def test_a_batch_that_runs_out_of_memory_after_some_of_its_parts_is_written_again_whole(tmp_path, monkeypatch):
    """A write that runs out of memory runs again under DuckDB's own limit; when it ran out after
    the batch's feedback parts and before its scores', the second run must not take those
    records as stored and unchanged: the part-written rows are taken out first, and the lake
    holds what a sync that never ran out writes."""
    workspace = Workspace(tmp_path, batch_size=25)
    share_salt(monkeypatch, workspace)
    workspace.write_csv([survey_row(n) for n in range(1, 61)])
    clean, tested = f"parquet:///{tmp_path / 'clean'}", f"parquet:///{tmp_path / 'tested'}"
    assert workspace.sync(destination=clean).results[0].status == "success"

    real_add_records, added = ParquetDestination._add_records, []

    def running_out_once(self, table, source, by_month):
        added.append(table.name)
        if added == ["feedback", "feedback_scores"]:  # the first batch, its feedback parts written
            raise duckdb.OutOfMemoryException("Out of Memory Error: the test's")
        return real_add_records(self, table, source, by_month)

    monkeypatch.setattr(ParquetDestination, "_add_records", running_out_once)
    [result] = workspace.sync(destination=tested).results
    assert (result.status, result.written) == ("success", 60), result.error
    assert added[:3] == ["feedback", "feedback_scores", "feedback"], added  # it ran out, and ran again

    host = create_host()  # the tables: the views and reports read them
    expected, actual = (snapshot(api.open_destination(url, host=host), views=False) for url in (clean, tested))
    assert_same(actual.without("sync_runs"), expected.without("sync_runs"), label="ran out of memory once")
