"""A Parquet re-sync of edited records adds their new versions as parts and takes the old ones out
of the files it found once, at the end of the source (`cxbridge.plugins.parquet.takeouts`): it
stores what taking them out batch by batch stores, with records edited twice in one sync, moved
to another month or failing at last; no reader of cxbridge's sees a record twice, nor none of
it, between batches; a sync stopped once its batches were saved and before the take-out is
finished by the next; a batch stopped part-way leaves its records' old versions whole until the
next sync writes them again."""

from __future__ import annotations

import json
import random
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pytest

import cxbridge
from cxbridge.config import config_from_dict
from cxbridge.layout import FEEDBACK_SCORES, QUARANTINE
from cxbridge.plugins.parquet import destination as parquet
from cxbridge.plugins.parquet.destination import ParquetDestination
from cxbridge.plugins_host import create_host
from cxbridge.testing.destinations import SimulatedCrash
from tests.test_duckdb_first_sync import RUN_DEPENDENT
from tests.test_loop_case_opening import CUSTOMER_SOURCE, LOOP, edited, responses, write
from tests.test_parquet_first_sync import dead_process, stopped_sync, stored, sync

ROWS = 40


@pytest.fixture(scope="module")
def first_synced(tmp_path_factory) -> Path:
    """A folder whose CSV is synced once into `lake` beside it, and is then to be edited
    (`edits.json`): most records changed, a few moved to another month, the first six changed
    again in a later batch and three come again unchanged, three failing at last."""
    rng = random.Random(21)
    root = tmp_path_factory.mktemp("first_synced")
    folder = root / "data"
    folder.mkdir()
    rows = responses(rng, 0, ROWS, datetime.now(timezone.utc))
    write(folder, "shop", rows)
    (folder / "cxbridge.toml").write_text('[settings]\nbatch_size = 9\ntimezone = "UTC"\n' + CUSTOMER_SOURCE.format(name="shop") + LOOP)
    changed = edited(rng, rows, 0.8)
    moved = [dict(row, submitted="2021-03-04T05:06:07Z") for row in changed[10:14]]
    failing = [dict(row, nps="15") for row in changed[30:33]]
    repeated = [row for row, before in zip(changed[14:30], rows[14:30]) if row != before][:3]
    again = edited(rng, changed[:6], 1.0) + repeated
    folder.joinpath("edits.json").write_text(json.dumps(changed[:10] + moved + changed[14:30] + failing + changed[33:] + again))
    with pytest.MonkeyPatch.context() as monkeypatch:
        assert sync(folder, f"parquet:///{root / 'lake'}", monkeypatch).exit_code == 0
    return root


@pytest.fixture
def data(tmp_path, first_synced) -> Path:
    """The folder of the first sync, a copy of the test's own (a lake and a folder hold no absolute path)."""
    return shutil.copytree(first_synced / "data", tmp_path / "data")


@pytest.fixture
def synced(data, tmp_path, first_synced) -> Callable[..., None]:
    """Lakes of the test's own, each as the first sync left it (copies), then the CSV edited."""

    def lakes(*names: str) -> None:
        for name in names:
            shutil.copytree(first_synced / "lake", tmp_path / name)
        write(data, "shop", json.loads(data.joinpath("edits.json").read_text()))

    return lakes


@pytest.fixture(scope="module")
def clean(first_synced, tmp_path_factory) -> dict[str, list[str]]:
    """What a re-sync never stopped stores (`stored`): the first sync's lake synced once with the
    CSV edited, for the tests that stop a re-sync to compare with."""
    root = tmp_path_factory.mktemp("clean")
    data = shutil.copytree(first_synced / "data", root / "data")
    shutil.copytree(first_synced / "lake", root / "lake")
    write(data, "shop", json.loads(data.joinpath("edits.json").read_text()))
    with pytest.MonkeyPatch.context() as monkeypatch:
        assert sync(data, f"parquet:///{root / 'lake'}", monkeypatch).exit_code == 0
    return stored(root / "lake")


def once_each(lake) -> None:
    """Every record stored once: one feedback row, one score a question."""
    conn = duckdb.connect()
    for table, key in (("feedback", "record_id"), ("feedback_scores", "record_id, question_id")):
        rows = f"read_parquet('{lake / table}/**/*.parquet')"
        assert conn.execute(f"SELECT {key} FROM {rows} GROUP BY {key} HAVING COUNT(*) > 1").fetchall() == []


def test_a_resync_takes_out_what_taking_out_batch_by_batch_takes_out(data, synced, tmp_path, monkeypatch):
    synced("deferred", "per_batch")
    rewritten: list[str] = []
    take_out_of = ParquetDestination._take_out_of

    def counting(self, table, path):
        if path.name == "part-0.parquet":  # a file the first sync left (it merged its parts into it)
            rewritten.append(str(path))
        return take_out_of(self, table, path)

    monkeypatch.setattr(ParquetDestination, "_take_out_of", counting)
    first = sync(data, f"parquet:///{tmp_path / 'deferred'}", monkeypatch)
    deferred, rewritten[:] = list(rewritten), []
    monkeypatch.setattr(parquet, "TAKE_OUT_AT", 1)
    second = sync(data, f"parquet:///{tmp_path / 'per_batch'}", monkeypatch)
    assert first.exit_code == second.exit_code == 0
    assert max(Counter(deferred).values()) == 1 and len(rewritten) > len(deferred)
    counted = ("written", "unchanged", "quarantined", "cases_opened")
    assert [getattr(first.results[0], n) for n in counted] == [getattr(second.results[0], n) for n in counted]
    result = stored(tmp_path / "deferred")
    assert len(result["feedback"]) == ROWS - 3 and len(result["quarantine"]) == 3
    assert result == stored(tmp_path / "per_batch")
    assert not (tmp_path / "deferred" / "_cxbridge" / "takeouts").exists()


def test_readers_see_each_record_once_between_batches(data, synced, tmp_path, monkeypatch):
    synced("lake")
    lake = tmp_path / "lake"
    write_batch = ParquetDestination._write_batch
    pending: list[int] = []

    def checking(self, batch, **kinds):
        stats = write_batch(self, batch, **kinds)
        pending.append(len(self._takeouts))
        with reading(lake) as reader:
            for destination in (self, reader):
                for table in ("feedback", "feedback_scores", "feedback_comments"):
                    key = "record_id, question_id" if table == "feedback_scores" else "record_id"
                    twice = f"SELECT {key} FROM {table} GROUP BY {key} HAVING COUNT(*) > 1"
                    assert destination.fetch(twice) == [], table
                assert destination.fetch("SELECT COUNT(*) AS n FROM feedback")[0]["n"] >= ROWS - 3
        return stats

    monkeypatch.setattr(ParquetDestination, "_write_batch", checking)
    result = sync(data, f"parquet:///{lake}", monkeypatch)
    assert result.exit_code == 0, result.results[0].error
    assert max(pending) > 0  # old versions were waiting to be taken out while readers read
    once_each(lake)


@contextmanager
def reading(lake) -> Iterator[ParquetDestination]:
    """A read-only reader of cxbridge's (`report`, `status`) of the lake."""
    reader = ParquetDestination(f"parquet:///{lake}")
    reader.open(read_only=True)
    try:
        yield reader
    finally:
        reader.close()


def read_twice(lake) -> list[dict]:
    """The records a read-only reader of cxbridge's (`report`, `status`) sees more than once."""
    with reading(lake) as reader:
        return reader.fetch("SELECT record_id FROM feedback GROUP BY record_id HAVING COUNT(*) > 1")


def test_a_resync_stopped_after_its_batches_were_saved_and_before_the_take_out_is_finished_by_the_next(
    data, synced, clean, tmp_path, monkeypatch
):
    """The process dies once every batch saved its cursor and before the end of the source took
    the old versions out: a reader meanwhile sees each record once, and the next sync (which
    reads nothing again) takes them out first."""
    synced("stopped")
    stopped = tmp_path / "stopped"
    take_out_named = ParquetDestination._take_out_named

    def dying(self):
        if self._takeouts:
            raise SimulatedCrash("simulated crash before the take-out")

    monkeypatch.setattr(ParquetDestination, "_take_out_named", dying)
    with pytest.raises(SimulatedCrash):
        sync(data, f"parquet:///{stopped}", monkeypatch)
    assert list((stopped / "_cxbridge" / "takeouts").glob("*.json"))
    assert read_twice(stopped) == []

    monkeypatch.setattr(ParquetDestination, "_take_out_named", take_out_named)
    again = sync(data, f"parquet:///{stopped}", monkeypatch)
    assert again.exit_code == 0 and again.results[0].written == 0
    assert not (stopped / "_cxbridge" / "takeouts").exists()
    once_each(stopped)
    assert stored(stopped) == clean


def test_a_take_out_that_fails_at_the_end_of_the_source_is_left_to_the_next_sync(
    data, synced, clean, tmp_path, monkeypatch, caplog
):
    """The end of the source cannot rewrite the files (a full disk): the sync still succeeds, as
    with a failed merge, and says what other engines see meanwhile; cxbridge's readers see each
    record once, and the next sync takes the old versions out first."""
    synced("full")
    full = tmp_path / "full"
    take_out_named = ParquetDestination._take_out_named

    def disk_full(self):
        if self._takeouts:
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(ParquetDestination, "_take_out_named", disk_full)
    result = sync(data, f"parquet:///{full}", monkeypatch)
    assert result.exit_code == 0 and result.results[0].written
    warned = [r.getMessage() for r in caplog.records if "could not take the old versions" in r.getMessage()]
    assert warned and "No space left on device" in warned[0] and "see both versions" in warned[0]
    assert list((full / "_cxbridge" / "takeouts").glob("*.json"))
    assert read_twice(full) == []

    monkeypatch.setattr(ParquetDestination, "_take_out_named", take_out_named)
    assert sync(data, f"parquet:///{full}", monkeypatch).exit_code == 0
    assert not (full / "_cxbridge" / "takeouts").exists()
    once_each(full)
    assert stored(full) == clean


RECORD_TABLES = ("feedback", "feedback_scores", "feedback_comments")


def rows_by_record(lake) -> dict[str, dict[str, list[str]]]:
    """Each record's rows in the record tables' files (what any engine reads), sorted, without
    the run-dependent columns."""
    conn = duckdb.connect()
    found: dict[str, dict[str, list[str]]] = {}
    for table in RECORD_TABLES:
        rows = f"read_parquet('{lake / table}/**/*.parquet', hive_partitioning = true)"
        columns = [row[0] for row in conn.execute(f"DESCRIBE SELECT * FROM {rows}").fetchall() if row[0] not in RUN_DEPENDENT]
        for row in conn.execute(f"SELECT record_id, {', '.join(columns)} FROM {rows}").fetchall():
            found.setdefault(row[0], {name: [] for name in RECORD_TABLES})[table].append(repr(row))
    return {rid: {table: sorted(rows) for table, rows in tables.items()} for rid, tables in found.items()}


def read_records(lake) -> dict[str, tuple]:
    """What a reader of cxbridge's (`report`, `status`) reads of each record: its content hash,
    scores and comments, each row once (a record read twice fails)."""
    read: dict[str, tuple] = {}
    with reading(lake) as reader:
        for row in reader.fetch("SELECT record_id, content_hash FROM feedback"):
            assert row["record_id"] not in read, row
            read[row["record_id"]] = (row["content_hash"], [], [])
        for table, column in (("feedback_scores", "value"), ("feedback_comments", "text")):
            for row in reader.fetch(f"SELECT record_id, question_id, {column} AS v FROM {table} ORDER BY 1, 2"):
                read[row["record_id"]][1 if table == "feedback_scores" else 2].append((row["question_id"], row["v"]))
    return read


def undone_by_the_next_open(lake) -> None:
    """Open the lake for writing and close it, as the next sync begins: a batch cut short is undone."""
    with ParquetDestination(f"parquet:///{lake}") as writer:
        writer.open()


def assert_read_as_before(lake, before: dict[str, tuple], stopped: list[str]) -> None:
    """A reader reads every record once, and those of the stopped batch as `before`."""
    read = read_records(lake)
    assert sorted(read) == sorted(before)
    assert {rid: read[rid] for rid in stopped} == {rid: before[rid] for rid in stopped}


def record_ids(lake) -> list[str]:
    rows = f"read_parquet('{lake / 'feedback'}/**/*.parquet')"
    return sorted(rid for (rid,) in duckdb.connect().execute(f"SELECT record_id FROM {rows}").fetchall())


@pytest.mark.parametrize(("stop_at", "stop", "undo_fails"), [
    ("scores", SimulatedCrash, False), ("quarantine", SimulatedCrash, False), ("scores", KeyboardInterrupt, False),
    ("quarantine", RuntimeError, False), ("scores", RuntimeError, True),
])  # each undo (the next open, the lake's close, write_batch) once, the next open's at both points  # fmt: skip
def test_a_resync_batch_stopped_part_way_leaves_its_records_old_versions_whole(
    data, synced, clean, tmp_path, monkeypatch, caplog, stop, stop_at, undo_fails
):
    """A re-sync's second batch stops — the process dies, the user interrupts it, or the batch
    fails — after adding its records' feedback parts and before their scores' (`scores`), or
    after naming their old versions to be taken out, as it writes the quarantine (`quarantine`).
    Once the batch is undone (as the error or the interrupt propagates; after a crash, or an
    undo that failed too, by the next open for writing) every record is there once, and those
    of the stopped batch as the first sync stored them, for every engine reading the files: as a
    rolled-back transaction leaves a database. Until then cxbridge's readers read the lake so.
    The next sync then stores what a sync never stopped stores."""
    synced("stopped")
    lake = tmp_path / "stopped"
    first_sync = rows_by_record(lake)
    first_sync_read = read_records(lake)
    begin_records, add_records, upsert_parts = (
        ParquetDestination._begin_records, ParquetDestination._add_records, ParquetDestination._upsert_parts
    )  # fmt: skip
    batches: list[list[str]] = []
    named: list[int] = []  # TakeOuts' entries as the second batch began, and as it stopped

    def journaling(self, batch, ids, *args, **kinds):
        batches.append(ids)
        named.extend([self._takeouts.entries] if len(batches) == 2 else [])
        return begin_records(self, batch, ids, *args, **kinds)

    def stopping(self, table):
        if len(batches) == 2 and table is {"scores": FEEDBACK_SCORES, "quarantine": QUARANTINE}[stop_at]:
            named.append(self._takeouts.entries)
            raise stop(f"stopped before writing {table.name}")

    def adding(self, table, *args):
        stopping(self, table)
        return add_records(self, table, *args)

    def upserting(self, table, *args, **kwargs):
        stopping(self, table)
        return upsert_parts(self, table, *args, **kwargs)

    monkeypatch.setattr(ParquetDestination, "_begin_records", journaling)
    monkeypatch.setattr(ParquetDestination, "_add_records", adding)
    monkeypatch.setattr(ParquetDestination, "_upsert_parts", upserting)
    take_out_of_parts = ParquetDestination._take_out_of_parts

    def disk_full(*_):
        raise OSError(28, "No space left on device")

    if undo_fails:  # the batch fails, and so does its undo: as it propagates, at the end of the source, at the close
        monkeypatch.setattr(ParquetDestination, "_take_out_of_parts", disk_full)
    stopped_sync(data, f"parquet:///{lake}", monkeypatch, stop)
    for name, method in (("_begin_records", begin_records), ("_add_records", add_records), ("_upsert_parts", upsert_parts),
                         ("_take_out_of_parts", take_out_of_parts)):  # fmt: skip
        monkeypatch.setattr(ParquetDestination, name, method)
    assert (named[1] > named[0]) == (stop_at == "quarantine")  # the stopped batch named old versions
    if undo_fails:  # said, and left to the next open: nothing merged or taken out over the journal
        assert "could not take out the rows of a batch that failed part-way" in caplog.text
        assert any(path.name != "part-0.parquet" for path in (lake / "feedback").glob("*/*/*.parquet"))
    if stop is SimulatedCrash or undo_fails:  # readers leave the batch out; the next open for writing undoes it
        assert (lake / "_cxbridge" / "batch.json").exists()
        assert_read_as_before(lake, first_sync_read, batches[1])
        undone_by_the_next_open(lake)
    assert not (lake / "_cxbridge" / "batch.json").exists()
    assert_read_as_before(lake, first_sync_read, batches[1])

    stopped_ids = set(batches[1])
    assert stopped_ids and record_ids(lake) == sorted(first_sync)  # every record once
    after = rows_by_record(lake)
    assert {rid: after[rid] for rid in stopped_ids} == {rid: first_sync[rid] for rid in stopped_ids}

    assert sync(data, f"parquet:///{lake}", monkeypatch).exit_code == 0
    once_each(lake)
    assert stored(lake) == clean



@pytest.mark.parametrize("stop", [OSError, SimulatedCrash])
def test_a_batch_stopped_after_linking_stored_copies_sets_their_links_back(tmp_path, monkeypatch, stop):
    """branch_b's 30 responses are stored; branch_a, a new source of the same export, comes
    first by name, so its first batch points branch_b's records at its copies (`duplicate_of`)
    and then stops as it writes the quarantine: it fails (a full disk), or the process dies.
    Undone, the batch's records are gone and branch_b's links are set back: the views count each
    response once, as before the batch, not none of them (a copy pointing at a record that is
    not there) — and so does a reader after the crash, before the undo. The next sync stores
    what a sync never stopped stores."""
    from tests.test_cross_source_identity import csv_source, write_rows

    rows = [[f"R_{n:03d}", f"2025-03-{n % 28 + 1:02d}T09:00:00Z", n % 11, f"p{n}@example.com", ""] for n in range(1, 31)]
    write_rows(tmp_path / "export.csv", rows)
    both = {"branch_a": csv_source("export.csv"), "branch_b": csv_source("export.csv")}

    def synced(lake: str, sources: dict) -> int:
        settings = config_from_dict({"sources": sources}, create_host(), path=tmp_path / "cxbridge.toml")
        return cxbridge.sync(settings, destination=f"parquet:///{tmp_path / lake}", host=create_host()).exit_code

    def responses(lake: str) -> list[tuple]:
        with reading(tmp_path / lake) as reader:
            return [tuple(row.values()) for row in reader.fetch("SELECT source, responses FROM nps_by_month ORDER BY 1")]

    assert synced("lake", {"branch_b": both["branch_b"]}) == 0
    assert responses("lake") == [("branch_b", 30)]
    linked: list[int] = []  # the links each call set
    failed: list[bool] = []
    upsert_parts, set_links = ParquetDestination._upsert_parts, ParquetDestination._set_links

    def linking(self, links):
        linked.append(sum(of is not None for of in links.values()))
        return set_links(self, links)

    def disk_full(self, table, *args, **kwargs):
        if table is QUARANTINE and linked and not failed:
            failed.append(True)
            raise stop(28, "No space left on device") if stop is OSError else stop("the process dies")
        return upsert_parts(self, table, *args, **kwargs)

    monkeypatch.setattr(ParquetDestination, "_set_links", linking)
    monkeypatch.setattr(ParquetDestination, "_upsert_parts", disk_full)
    if stop is SimulatedCrash:
        with dead_process(monkeypatch):
            synced("lake", both)
    else:
        assert synced("lake", both) != 0
    assert failed and linked[0] == 30  # branch_b's 30 pointed at branch_a's copies, then the batch stopped
    monkeypatch.setattr(ParquetDestination, "_upsert_parts", upsert_parts)
    monkeypatch.setattr(ParquetDestination, "_set_links", set_links)
    assert responses("lake") == [("branch_b", 30)]  # not none: branch_b's records pointing at absent copies
    if stop is SimulatedCrash:
        undone_by_the_next_open(tmp_path / "lake")
    assert copies(tmp_path / "lake") == [("branch_b", 0)]
    assert synced("lake", both) == 0 and synced("clean", both) == 0
    assert responses("lake") == responses("clean") == [("branch_a", 30)]
    assert copies(tmp_path / "lake") == copies(tmp_path / "clean") == [("branch_a", 0), ("branch_b", 30)]


def copies(lake) -> list[tuple[str, int]]:
    """Each source's records pointing at a copy (`duplicate_of` set), as any engine reads them."""
    rows = f"read_parquet('{lake}/feedback/**/*.parquet')"
    return duckdb.connect().execute(
        f"SELECT source, COUNT(duplicate_of) FROM {rows} GROUP BY source ORDER BY source"
    ).fetchall()
