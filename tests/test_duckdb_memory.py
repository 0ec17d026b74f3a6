"""DuckDB's buffer pool during a sync: small between batches, sized for each batch while it is
merged and committed. A fixed 64 MB failed 30,000 responses with 5 KB comments (DuckDB's
OutOfMemoryException), and a 64 MB commit 300 responses with 1 MB comments (a checkpoint that
could not pin a block of them); here the same happens at a smaller scale with a smaller base.
A write that needs more than its limit anyway runs again under DuckDB's own."""

from __future__ import annotations

import logging
import math
import random
import sqlite3

import duckdb

import cxbridge
from cxbridge.plugins_host import create_host
from cxbridge.sql_rows import CHANGED
from cxbridge.plugins.duckdb.destination import DuckDBDestination
from tests.conftest import Workspace
from tests.test_report import write_dataset

RAN_AGAIN = "writing it again under DuckDB's own limit"
WORDS = ["service", "slow", "friendly", "price", "store", "queue", "refund", "staff", "clean", "late"]


def long_comment_rows(count: int, words: int) -> list[list[str]]:
    """Responses with comments of `words` random words (`choices`: a word at a time, the 4.8M
    words of 120 comments of 40,000 took 1.3 s of CPU, against 0.4)."""
    rng = random.Random(5)
    return [
        [f"R{n}", "2025-03-02T10:00:00Z", f"S{n % 4}", str(n % 11), "Satisfied", "4",
         " ".join(rng.choices(WORDS, k=words)), f"p{n}@example.com"]
        for n in range(count)
    ]  # fmt: skip


def synced_comments(workspace: Workspace, rows: list[list[str]], caplog) -> dict[str, str]:
    """Each response's comment as DuckDB stores it, after a sync of `rows` that writes them all
    within the room of each batch (no write runs again under DuckDB's own limit)."""
    workspace.write_csv(rows)
    path = workspace.root / "cx.duckdb"
    with caplog.at_level(logging.INFO, logger=DuckDBDestination.__module__):
        [result] = workspace.sync(destination=f"duckdb:///{path}").results
    assert (result.status, result.written, result.quarantined) == ("success", len(rows), 0)
    assert RAN_AGAIN not in caplog.text
    with duckdb.connect(str(path), read_only=True) as conn:
        return dict(conn.execute("SELECT f.source_record_id, c.text FROM feedback_comments c "
                                 "JOIN feedback f USING (record_id)").fetchall())  # fmt: skip


def test_batches_larger_than_the_base_memory_limit_are_written_whole(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(DuckDBDestination, "memory_limit_mb", 8)
    workspace = Workspace(tmp_path, batch_size=4000)
    rows = long_comment_rows(4000, words=700)  # about 4.5 KB of comment each: 18 MB a batch
    assert synced_comments(workspace, rows, caplog) == {row[0]: row[6] for row in rows}


def test_the_limit_follows_the_batch_and_returns_to_the_base(tmp_path):
    destination = DuckDBDestination(f"duckdb:///{tmp_path / 'cx.duckdb'}")
    destination.open()
    try:

        def limit_mb() -> float:
            [(text,)] = destination.conn.execute("SELECT current_setting('memory_limit')").fetchall()
            number, unit = text.split()
            return float(number) * {"MiB": 1, "GiB": 1024, "KiB": 1 / 1024}[unit]

        base = limit_mb()
        destination.stage({CHANGED: [(f"id{n}" * 50, False) for n in range(20_000)]})  # 4.9 MB of text
        narrow = limit_mb()
        destination._unstage()
        after = limit_mb()
        destination.stage({CHANGED: [("w" * 5000, False) for _ in range(1000)]})  # 5 MB of wide text
        wide = limit_mb()
        destination._unstage()
    finally:
        destination.close()
    narrow_text = sum(len(f"id{n}" * 50) for n in range(20_000))
    assert base == DuckDBDestination.memory_limit_mb
    assert narrow == base + math.ceil((narrow_text + 4 * 20_000 + 8 * 20_000) / 2**20)  # room of its size once
    assert after == base
    assert wide == base + math.ceil((4 * 5_000_000 + 4 * 1000 + 8 * 1000) / 2**20)  # wide texts four times


def test_wide_texts_are_merged_and_checkpointed_within_their_room(tmp_path, monkeypatch, caplog):
    """Comments of 260 KB, which DuckDB keeps in blocks of their own, under a base far below a
    batch's 10 MB: merged and checkpointed within the room of wide texts, stored whole. (The case
    that failed before, 300 responses with 1 MB comments in one batch, needs a 300 MB CSV: run by
    hand, see bench/JOURNAL.md.) Two batches: the second written and checkpointed beside the first's
    wide texts, as a third was."""
    monkeypatch.setattr(DuckDBDestination, "memory_limit_mb", 8)
    monkeypatch.setattr(DuckDBDestination, "checkpoint_memory_mb", 8)
    workspace = Workspace(tmp_path, batch_size=40)
    rows = long_comment_rows(80, words=40_000)  # about 260 KB of comment each: 10 MB a batch
    assert synced_comments(workspace, rows, caplog) == {row[0]: row[6] for row in rows}


def test_a_write_that_does_not_fit_runs_again_under_duckdbs_own_limit(tmp_path, monkeypatch, caplog):
    """A batch's merge takes memory by its joins as well as by its rows: under a 6 MiB base the
    fixed data set of tests/test_report.py (six sources, cases opened) runs out (under 12 MiB
    until each source's first sync looked nothing up). The write is rolled back and runs again
    under DuckDB's own limit, and the base doubles; a look-up that runs out (identity's, its
    join and its rows) runs again too. The sync stores what a sync into SQLite stores, each row
    once. The file is set up by the sync's own connection: one opened from disk (written from
    the template, or synced before) ran out of the 6 MiB base saving its run, a write not retried."""
    monkeypatch.setattr(DuckDBDestination, "memory_limit_mb", 6)
    monkeypatch.setattr(DuckDBDestination, "from_template", False)
    config = write_dataset(tmp_path)
    duckdb_path, sqlite_path = tmp_path / "cx.duckdb", tmp_path / "cx.db"
    with caplog.at_level(logging.INFO, logger=DuckDBDestination.__module__):
        assert cxbridge.sync(config, destination=f"duckdb:///{duckdb_path}", host=create_host()).exit_code == 0
    assert caplog.text.count(RAN_AGAIN) == 1  # 6 MiB (and 7 with its batch's room), then 12 for the writes after it
    assert "reading it again under DuckDB's own limit" in caplog.text
    assert cxbridge.sync(config, destination=f"sqlite:///{sqlite_path}", host=create_host()).exit_code == 0
    queries = [
        "SELECT record_id, source, duplicate_of FROM feedback",
        "SELECT record_id, question_id, metric, value, normalized FROM feedback_scores",
        "SELECT case_id, source, rule, status FROM feedback_cases",
        "SELECT case_id, kind, to_value FROM feedback_case_events",
    ]
    with duckdb.connect(str(duckdb_path), read_only=True) as conn:
        in_duckdb = [sorted(conn.execute(query).fetchall(), key=repr) for query in queries]
    with sqlite3.connect(sqlite_path) as conn:
        in_sqlite = [sorted(conn.execute(query).fetchall(), key=repr) for query in queries]
    assert all(in_duckdb) and in_duckdb == in_sqlite


def test_the_log_is_checkpointed_by_size_and_by_its_wide_texts(tmp_path, monkeypatch, caplog):
    """A commit checkpoints once the log passes `checkpoint_threshold_mb` (not DuckDB's 16 MiB:
    each checkpoint compresses the last row groups again), and at once when the wide texts
    committed since the last one pass `wide_checkpoint_mb`, whose room each commit gets."""
    path = tmp_path / "cx.duckdb"
    destination = DuckDBDestination(f"duckdb:///{path}")
    destination.open()
    try:
        [(threshold,)] = destination.conn.execute("SELECT current_setting('checkpoint_threshold')").fetchall()
    finally:
        destination.close()
    assert threshold == f"{DuckDBDestination.checkpoint_threshold_mb}.0 MiB"

    monkeypatch.setattr(DuckDBDestination, "wide_checkpoint_mb", 1)
    checkpoints = []
    measured = DuckDBDestination._log_size

    def log_size(self):
        size = measured(self)
        checkpoints.append(size)
        return size

    monkeypatch.setattr(DuckDBDestination, "_log_size", log_size)
    workspace = Workspace(tmp_path, batch_size=40)
    rows = long_comment_rows(120, words=4_000)  # about 26 KB of comment each: 1 MB of wide texts a batch
    assert synced_comments(workspace, rows, caplog) == {row[0]: row[6] for row in rows}
    after_commits = checkpoints[1::2]  # each commit reads the log's size before and after
    assert 0 in after_commits  # a log emptied by the checkpoint of the wide texts, far below 256 MiB


def test_docs_give_the_log_sizes_the_destination_checkpoints_at():
    from pathlib import Path

    text = " ".join((Path(__file__).parents[1] / "docs" / "destinations.md").read_text(encoding="utf-8").split())
    assert (f"once it passes {DuckDBDestination.checkpoint_threshold_mb} MiB" in text
            and f"or {DuckDBDestination.wide_checkpoint_mb} MiB of wide texts" in text)  # fmt: skip


def test_a_sync_writes_on_one_thread_and_readers_keep_every_thread(tmp_path):
    """A writing connection runs DuckDB on one thread (its statements are small next to the
    Python that builds a batch); a read-only one, as reports and BI tools open the file, keeps
    DuckDB's default of a thread per core."""
    path = tmp_path / "cx.duckdb"
    destination = DuckDBDestination(f"duckdb:///{path}")
    threads = "SELECT current_setting('threads')"
    destination.open()
    try:
        assert destination.conn.execute(threads).fetchall() == [(1,)]
    finally:
        destination.close()
    with duckdb.connect() as default:
        [(cores,)] = default.execute(threads).fetchall()
    destination.open(read_only=True)
    try:
        assert destination.conn.execute(threads).fetchall() == [(cores,)]
    finally:
        destination.close()
