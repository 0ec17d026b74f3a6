"""A first sync into an empty Parquet folder writes a batch none of whose ids it wrote before
(`Batch.unstored`) without looking for its stored records and cases: it stores what a sync that
looks everything up stores — with ids that come again in later batches (edited or failing) and
quarantined records among them; and a batch written again after running out of memory looks
everything up, so what its first run wrote is not added twice. A sync stopped part-way through a
batch's records is finished by the next: no record without its scores, none twice, none lost.
A first sync merges its parts FIRST_SYNC_MERGE_AT at a time (and all at its end), a later sync
MERGE_AT at a time: the same rows, one file a partition at the end."""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pytest

from cxbridge.layout import FEEDBACK, FEEDBACK_SCORES
from cxbridge.plugins.duckdb.destination import DuckDBDestination
from cxbridge.plugins.parquet import files, parts
from cxbridge.plugins.parquet.destination import ParquetDestination
from cxbridge.testing.destinations import SimulatedCrash
from tests.test_duckdb_first_sync import (
    RUN_DEPENDENT, TABLES, asking, assert_same_results, assert_unstored_until_written, shop_alone, sync, two_sources,
)  # fmt: skip
from tests.test_differential_syncs import Crash
from tests.test_loop_case_opening import CUSTOMER_SOURCE, LOOP, edited, responses, write


CONFIG = '[settings]\nbatch_size = 9\ntimezone = "UTC"\n' + CUSTOMER_SOURCE.format(name="shop") + LOOP


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Forty responses, most of them edited in later batches, some failing: read, never written, by
    the module's tests (a sync writes nothing into its data folder)."""
    rng = random.Random(11)
    now = datetime.now(timezone.utc)
    data = tmp_path_factory.mktemp("data")
    rows = responses(rng, 0, 40, now)
    again = edited(rng, rows[:25], 0.7)
    failing = [dict(row, nps="15") for row in rows[30:33]] + [dict(row, id=f"Q{n}", nps="15") for n, row in enumerate(rows[:3])]
    write(data, "shop", rows[:20] + failing[3:] + rows[20:] + again + failing[:3])
    (data / "cxbridge.toml").write_text(CONFIG)
    return data


@pytest.fixture(scope="module")
def forty(tmp_path_factory) -> Callable[[int], Path]:
    """`forty(seed)`: a data folder of the forty responses of `Random(seed)` in batches of 9, made
    once a module per seed, read and never written by the tests that share it."""
    folders: dict[int, Path] = {}

    def of(seed: int) -> Path:
        if seed not in folders:
            folders[seed] = tmp_path_factory.mktemp(f"forty-{seed}")
            write(folders[seed], "shop", responses(random.Random(seed), 0, 40, datetime.now(timezone.utc)))
            (folders[seed] / "cxbridge.toml").write_text(CONFIG)
        return folders[seed]

    return of


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> Callable[[Path], dict[str, list[str]]]:
    """`clean(data)`: what one sync never stopped stores of a module's data folder (`stored`), that
    sync made once a module per folder; ask for it with the lake's methods as they are (not
    patched by the test)."""
    lakes: dict[Path, dict[str, list[str]]] = {}

    def of(data: Path) -> dict[str, list[str]]:
        if data not in lakes:
            lake = tmp_path_factory.mktemp("clean")
            with pytest.MonkeyPatch.context() as patch:
                assert sync(data, f"parquet:///{lake}", patch).exit_code == 0
            lakes[data] = stored(lake)
        return lakes[data]

    return of


def stored(lake) -> dict[str, list[str]]:
    """Every row of the record and loop tables' files, sorted, without the run-dependent columns."""
    conn = duckdb.connect()
    tables = {}
    for table in TABLES:
        files = f"read_parquet('{lake / table}/**/*.parquet', hive_partitioning = true)"
        columns = [row[0] for row in conn.execute(f"DESCRIBE SELECT * FROM {files}").fetchall() if row[0] not in RUN_DEPENDENT]
        tables[table] = sorted(map(repr, conn.execute(f"SELECT {', '.join(columns)} FROM {files}").fetchall()))
    return tables


def test_a_first_sync_stores_what_a_sync_looking_everything_up_stores(folder, tmp_path, monkeypatch):
    runs: list[tuple[bool, set[str], set[str], set[str]]] = []  # unstored; ids written, failed, looked up
    write_batch, stored_copies = ParquetDestination._write_batch, ParquetDestination._stored_copies

    def recording(self, batch, **kinds):
        written, failed = {rows.record_id for rows in batch.records}, {item.record_id for item in batch.quarantined}
        runs.append((kinds["unstored"], written, failed, set()))
        return write_batch(self, batch, **kinds)

    def looking_up(self, source, record_ids):
        runs[-1][3].update(record_ids)
        return stored_copies(self, source, record_ids)

    monkeypatch.setattr(ParquetDestination, "_write_batch", recording)
    monkeypatch.setattr(ParquetDestination, "_stored_copies", looking_up)
    first = sync(folder, f"parquet:///{tmp_path / 'first'}", monkeypatch)
    assert first.exit_code == 0, first
    assert sum(unstored for unstored, *_ in runs) >= 4 and not all(unstored for unstored, *_ in runs)
    seen: set[str] = set()
    for _, written, failed, looked_up in runs:  # a failing record is looked for iff the sync wrote it before
        assert failed & looked_up == failed & seen
        seen |= written
    failing = [bool(failed & looked_up) for _, _, failed, looked_up in runs if failed]
    assert failing == [False, True], "Q0-Q2 never written, not looked for; three stored records failing, looked for"

    monkeypatch.setattr(ParquetDestination, "_write_batch",
                        lambda self, batch, **_: write_batch(self, batch, unstored=False, quarantined_unstored=False))  # fmt: skip
    whole = sync(folder, f"parquet:///{tmp_path / 'whole'}", monkeypatch)
    assert whole.exit_code == 0, whole
    counted = ("written", "unchanged", "quarantined", "cases_opened")
    assert [getattr(first.results[0], n) for n in counted] == [getattr(whole.results[0], n) for n in counted]
    assert first.results[0].cases_opened
    first_sync = stored(tmp_path / "first")
    assert len(first_sync["quarantine"]) == 6 and len(first_sync["feedback"]) == 40 - 3 and first_sync["loop_outbox"]
    assert first_sync == stored(tmp_path / "whole")


def test_a_batch_written_again_after_running_out_of_memory_looks_everything_up(folder, clean, tmp_path, monkeypatch):
    write_records = ParquetDestination._write_records
    failed: list[bool] = []

    def out_of_memory_once(self, *args):
        write_records(self, *args)  # its cases and records written, then DuckDB runs out
        if not failed:
            failed.append(True)
            raise duckdb.OutOfMemoryException("Out of Memory Error: simulated")

    monkeypatch.setattr(ParquetDestination, "_write_records", out_of_memory_once)
    again = sync(folder, f"parquet:///{tmp_path / 'again'}", monkeypatch)
    assert again.exit_code == 0, again
    assert failed
    monkeypatch.setattr(ParquetDestination, "_write_records", write_records)
    assert stored(tmp_path / "again") == clean(folder)



FIXED_NOW = datetime(2026, 6, 15, 12, tzinfo=timezone.utc)
"""The responses' clock where the tests count parts and merges by month: fixed, so that the months
the records fall in (and so the partitions, and the parts each gets) do not move with the day the
tests run — near a month's start, the clock's own `now` put a few records in the month before,
a partition of one part that needs no merge."""


def merges_of(monkeypatch) -> list[int]:
    """How many files each merge of the sync to come reads (recorded as it merges)."""
    sizes: list[int] = []
    merge = files.merge

    def recording(conn, sources, target):
        sizes.append(len(sources))
        return merge(conn, sources, target)

    monkeypatch.setattr(files, "merge", recording)
    return sizes


def test_a_first_sync_merges_its_parts_at_its_end_and_stores_what_merging_by_level_stores(tmp_path, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    write(data, "shop", responses(random.Random(5), 0, 60, FIXED_NOW))
    (data / "cxbridge.toml").write_text('[settings]\nbatch_size = 5\ntimezone = "UTC"\n' + CUSTOMER_SOURCE.format(name="shop") + LOOP)
    merges = merges_of(monkeypatch)
    assert sync(data, f"parquet:///{tmp_path / 'first'}", monkeypatch).exit_code == 0
    assert max(merges) == 12 and len(merges) == len(list((tmp_path / "first").glob("*/source=[a-z]*/month=*"))) + 3
    partitions = [folder for table in ("feedback", "feedback_scores", "feedback_comments")
                  for folder in (tmp_path / "first" / table).glob("source=[a-z]*/month=*")]  # fmt: skip; not EMPTY_FILE's
    assert len(partitions) >= 6 and all(len(files.folder_files(folder)) == 1 for folder in partitions)

    merges.clear()
    monkeypatch.setattr(parts, "FIRST_SYNC_MERGE_AT", parts.MERGE_AT)  # merged by level as it goes, as before
    assert sync(data, f"parquet:///{tmp_path / 'by_level'}", monkeypatch).exit_code == 0
    assert parts.MERGE_AT in merges
    assert stored(tmp_path / "first") == stored(tmp_path / "by_level")


def test_a_long_first_sync_merges_by_level_at_first_sync_merge_at_and_a_later_sync_at_merge_at(tmp_path, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    rows = responses(random.Random(6), 0, 80, FIXED_NOW)
    write(data, "shop", rows[:40])
    (data / "cxbridge.toml").write_text('[settings]\nbatch_size = 4\ntimezone = "UTC"\n' + CUSTOMER_SOURCE.format(name="shop") + LOOP)
    monkeypatch.setattr(parts, "FIRST_SYNC_MERGE_AT", 3)
    monkeypatch.setattr(parts, "MERGE_AT", 2)
    merges = merges_of(monkeypatch)
    by_level: list[int] = []  # the merges made as batches are written (not at the end)
    most: list[int] = []
    write_batch = ParquetDestination.write_batch

    def counting(self, batch):  # and the most files a folder of feedback holds after each batch
        before = len(merges)
        stats = write_batch(self, batch)
        by_level.extend(merges[before:])
        most.append(max(len(files.folder_files(f)) for f in (self.root / "feedback").glob("source=*/month=*")))
        return stats

    monkeypatch.setattr(ParquetDestination, "write_batch", counting)
    assert sync(data, f"parquet:///{tmp_path / 'lake'}", monkeypatch).exit_code == 0
    assert set(by_level) == {3} and max(most) <= 2 * 2  # ten batches: two levels of at most two parts
    by_level.clear()
    write(data, "shop", rows)  # forty new records: a sync of a lake holding records merges two parts a level
    assert sync(data, f"parquet:///{tmp_path / 'lake'}", monkeypatch).exit_code == 0
    assert set(by_level) == {2}
    assert sync(data, f"parquet:///{tmp_path / 'clean'}", monkeypatch).exit_code == 0
    assert stored(tmp_path / "lake") == stored(tmp_path / "clean")


@contextmanager
def dead_process(monkeypatch) -> Iterator[None]:
    """Inside, a SimulatedCrash ends the process: nothing of the lake's runs after it (its
    `close` lets the connection go, as a dead process's is)."""
    with monkeypatch.context() as dying, pytest.raises(SimulatedCrash):
        dying.setattr(ParquetDestination, "close", DuckDBDestination.close)
        yield


def stopped_sync(data: Path, url: str, monkeypatch, stop: type[BaseException]) -> None:
    """A sync that `stop` ends part-way: a crash (SimulatedCrash, which nothing catches, as when
    the process dies: nothing of the lake's runs after it, its connection let go as a dead
    process's is), an interrupt (KeyboardInterrupt, Ctrl-C: the sync ends the source and closes
    the lake, then stops) or an error (RuntimeError: the source fails, the sync ends with an
    error)."""
    if stop is SimulatedCrash:
        with dead_process(monkeypatch):
            sync(data, url, monkeypatch)
    elif stop is KeyboardInterrupt:
        with pytest.raises(KeyboardInterrupt):
            sync(data, url, monkeypatch)
    else:
        assert sync(data, url, monkeypatch).exit_code != 0


@pytest.mark.parametrize(("crash_at", "stop"), [(1, SimulatedCrash), (2, SimulatedCrash), (5, SimulatedCrash), (2, RuntimeError)])
def test_a_sync_stopped_between_a_records_feedback_and_its_scores_is_finished_by_the_next(
    forty, clean, tmp_path, monkeypatch, crash_at, stop
):
    """The process dies, or the batch fails, after a batch added its feedback parts and before its
    scores' parts (in the `crash_at`-th batch): the next sync stores what a sync never stopped
    stores — no record without its scores or comments, none of them twice."""
    data = forty(5)
    add_records = ParquetDestination._add_records
    feedback_writes: list[list[Path]] = []

    def dying(self, table, source, by_month):
        if table is FEEDBACK_SCORES and len(feedback_writes) >= crash_at:
            raise stop("stopped between a batch's feedback parts and its scores' parts")
        paths = add_records(self, table, source, by_month)
        feedback_writes.extend([paths] if table is FEEDBACK and paths else [])
        return paths

    monkeypatch.setattr(ParquetDestination, "_add_records", dying)
    stopped_sync(data, f"parquet:///{tmp_path / 'stopped'}", monkeypatch, stop)
    monkeypatch.setattr(ParquetDestination, "_add_records", add_records)
    assert sync(data, f"parquet:///{tmp_path / 'stopped'}", monkeypatch).exit_code == 0
    never_stopped = clean(data)
    assert len(never_stopped["feedback"]) == 40 and len(never_stopped["feedback_scores"]) > 40
    assert stored(tmp_path / "stopped") == never_stopped


@pytest.mark.parametrize("stop", [SimulatedCrash, RuntimeError])
def test_a_sync_stopped_once_a_batchs_cursor_was_saved_keeps_its_records(forty, clean, tmp_path, monkeypatch, stop):
    """The process dies, or the batch fails, after it saved its cursor and before it let its
    journal go: the journal is left to the next sync (a crash) or let go at once (an error), and
    the next sync, which reads on from that cursor, keeps the batch's records."""
    from cxbridge.layout import SYNC_STATE

    data = forty(6)
    upsert_file = ParquetDestination._upsert_file

    def dying(self, table, rows, **kwargs):  # a file's cursor is saved with its last batch
        upsert_file(self, table, rows, **kwargs)
        if table is SYNC_STATE:
            raise stop("stopped once the cursor is saved")

    monkeypatch.setattr(ParquetDestination, "_upsert_file", dying)
    stopped_sync(data, f"parquet:///{tmp_path / 'stopped'}", monkeypatch, stop)
    assert (tmp_path / "stopped" / "_cxbridge" / "batch.json").exists() == (stop is SimulatedCrash)
    monkeypatch.setattr(ParquetDestination, "_upsert_file", upsert_file)
    assert sync(data, f"parquet:///{tmp_path / 'stopped'}", monkeypatch).exit_code == 0
    assert not (tmp_path / "stopped" / "_cxbridge" / "batch.json").exists()
    assert stored(tmp_path / "stopped") == clean(data)


@pytest.mark.parametrize("stop", [SimulatedCrash, RuntimeError])
def test_a_sync_stopped_while_taking_failing_records_out_of_its_own_parts_is_finished_by_the_next(
    folder, clean, tmp_path, monkeypatch, stop
):
    """Three records the sync stored fail in its last batch, which takes their earlier version
    out of the sync's own parts at once, table by table: the process dies, or the batch fails,
    once their feedback rows are out and before their scores are. The batch is undone (their
    rows taken out of every file) and the next sync stores what a sync never stopped stores —
    no score or comment left of a record that has no feedback row."""
    take_out_of, write_batch = ParquetDestination._take_out_of, ParquetDestination.write_batch
    failing: list[bool] = []  # a batch with quarantined records is being written
    fired: list[str] = []

    def writing(self, batch):
        failing.append(bool(batch.quarantined))
        try:
            return write_batch(self, batch)
        finally:
            failing.pop()

    def dying(self, table, path):
        if table is FEEDBACK_SCORES and failing and failing[-1] and not fired:
            fired.append(path.name)
            raise stop("stopped between a failing record's feedback take-out and its scores'")
        return take_out_of(self, table, path)

    monkeypatch.setattr(ParquetDestination, "write_batch", writing)
    monkeypatch.setattr(ParquetDestination, "_take_out_of", dying)
    stopped_sync(folder, f"parquet:///{tmp_path / 'stopped'}", monkeypatch, stop)
    assert fired
    monkeypatch.setattr(ParquetDestination, "_take_out_of", take_out_of)
    assert sync(folder, f"parquet:///{tmp_path / 'stopped'}", monkeypatch).exit_code == 0
    assert stored(tmp_path / "stopped") == clean(folder)


def test_a_resync_stopped_while_taking_old_versions_out_is_finished_by_the_next(tmp_path, monkeypatch):
    """The process dies after the end of a re-sync of edited records took their old versions out
    of the feedback files and before it took them out of the scores' files: the next sync stores
    what a sync never stopped stores — each record's scores once, its new ones."""
    from cxbridge.layout import FEEDBACK_SCORES

    rng = random.Random(8)
    data = tmp_path / "data"
    data.mkdir()
    rows = responses(rng, 0, 40, datetime.now(timezone.utc))
    write(data, "shop", rows)
    (data / "cxbridge.toml").write_text(CONFIG)
    assert sync(data, f"parquet:///{tmp_path / 'stopped'}", monkeypatch).exit_code == 0
    shutil.copytree(tmp_path / "stopped", tmp_path / "clean")  # the same first sync (a lake holds no absolute path)
    write(data, "shop", edited(rng, rows, 0.8))
    take_out_of = ParquetDestination._take_out_of
    taken: list[str] = []

    def dying(self, table, path):
        if table is FEEDBACK_SCORES:
            raise SimulatedCrash("simulated crash between the feedback's take-out and the scores'")
        taken.append(table.name)
        return take_out_of(self, table, path)

    monkeypatch.setattr(ParquetDestination, "_take_out_of", dying)
    stopped_sync(data, f"parquet:///{tmp_path / 'stopped'}", monkeypatch, SimulatedCrash)
    assert "feedback" in taken
    monkeypatch.setattr(ParquetDestination, "_take_out_of", take_out_of)
    assert sync(data, f"parquet:///{tmp_path / 'stopped'}", monkeypatch).exit_code == 0
    assert sync(data, f"parquet:///{tmp_path / 'clean'}", monkeypatch).exit_code == 0
    assert stored(tmp_path / "stopped") == stored(tmp_path / "clean")


@pytest.mark.parametrize(("method", "after"), [("_begin_records", 2), ("_record_part", 1)])
def test_a_first_sync_that_dies_once_a_batch_is_journaled_or_its_first_part_moved_in_is_finished_by_the_next(
    forty, clean, tmp_path, monkeypatch, method, after
):
    """The process dies in a first sync once the second batch's journal is written (before any of
    its parts), or once the sync's first part (its first batch's deliveries) is moved in: the next
    sync stores what a sync never stopped stores. The points test_differential_syncs' seeds 24 and
    40 stopped a whole series at (now in its local campaign): their first sync and the one run again."""
    data, lake = forty(5), f"parquet:///{tmp_path / 'stopped'}"
    crash = Crash(method, after, step=0, dying=True)
    with monkeypatch.context() as dying, pytest.raises(SimulatedCrash):
        crash.arm(dying, ParquetDestination, dead_close=DuckDBDestination.close)
        sync(data, lake, monkeypatch)
    assert crash.fired
    assert sync(data, lake, monkeypatch).exit_code == 0
    assert stored(tmp_path / "stopped") == clean(data)


def test_a_first_sync_stopped_between_a_cases_events_and_the_case_is_finished_by_the_next(tmp_path, monkeypatch):
    """The process dies in the first batch after its cases' deliveries and events were added and
    before the cases themselves: the lake then holds no record and no case, yet the next sync
    does not add those events and deliveries a second time (each delivery is a message sent)."""
    from cxbridge.layout import FEEDBACK_CASES

    data = tmp_path / "data"
    data.mkdir()
    write(data, "shop", responses(random.Random(9), 0, 40, datetime.now(timezone.utc)))
    (data / "cxbridge.toml").write_text(CONFIG)
    add_rows = ParquetDestination._add_rows

    def dying(self, table, rows, *args, **kwargs):
        if table is FEEDBACK_CASES:
            raise RuntimeError("simulated crash between a batch's case events and its cases")
        return add_rows(self, table, rows, *args, **kwargs)

    monkeypatch.setattr(ParquetDestination, "_add_rows", dying)
    stopped = sync(data, f"parquet:///{tmp_path / 'stopped'}", monkeypatch)
    assert stopped.exit_code != 0
    assert list((tmp_path / "stopped" / "feedback_case_events").glob("*.parquet"))
    # The stopped sync delivers what it queued at its end, but not the deliveries whose case it
    # had not stored: they wait, unattempted, and no failure is recorded against a missing case.
    outbox = duckdb.connect().execute(
        f"SELECT status, attempts, last_error FROM read_parquet('{tmp_path / 'stopped' / 'loop_outbox'}/*.parquet')"
    ).fetchall()
    assert outbox and all(row == ("pending", 0, None) for row in outbox), outbox
    assert stopped.deliveries.without_case == len(outbox)
    monkeypatch.setattr(ParquetDestination, "_add_rows", add_rows)
    assert sync(data, f"parquet:///{tmp_path / 'stopped'}", monkeypatch).exit_code == 0
    assert sync(data, f"parquet:///{tmp_path / 'clean'}", monkeypatch).exit_code == 0
    after, clean = stored(tmp_path / "stopped"), stored(tmp_path / "clean")
    assert clean["feedback_cases"] and clean["loop_outbox"]
    assert after == clean  # the deliveries too: each tried once, by the sync that stored its case
    conn = duckdb.connect()
    for lake in ("stopped", "clean"):
        for table, key in (("loop_outbox", "delivery_id"), ("feedback_case_events", "event_id")):
            rows = f"read_parquet('{tmp_path / lake / table}/*.parquet')"
            assert conn.execute(f"SELECT COUNT(*) = COUNT(DISTINCT {key}) FROM {rows}").fetchall() == [(True,)], (lake, table)
    deliveries = "SELECT delivery_id, case_id, action FROM read_parquet('{}/loop_outbox/*.parquet') ORDER BY 1"
    stopped_deliveries = conn.execute(deliveries.format(tmp_path / "stopped")).fetchall()
    assert stopped_deliveries == conn.execute(deliveries.format(tmp_path / "clean")).fetchall()


def _opened(tables: dict[str, list[str]]) -> dict[str, list[str]]:
    """The record tables, the cases and the events that opened them (not the deliveries' events)."""
    kept = {t: rows for t, rows in tables.items() if t not in ("loop_outbox", "feedback_case_events")}
    return kept | {"opened": [row for row in tables["feedback_case_events"] if "'opened'" in row]}


def test_a_sources_first_sync_into_a_lake_other_sources_wrote_looks_up_only_what_it_wrote(tmp_path, monkeypatch):
    """A source with nothing of its own in the lake (`holds_nothing_of`) takes the first-sync path
    beside another source's records: it stores what a sync looking everything up stores, with
    copies of the other source's records among its own, ids coming again and quarantined
    records; its parts are merged as it goes (MERGE_AT), as identity reads every `feedback` file
    of the lake in each of its batches; its re-sync looks everything up."""
    data, kiosk, rng = two_sources(tmp_path)
    runs: list[tuple[str, bool, set[str], bool]] = []  # source, unstored, ids written, merges deferred
    write_batch = ParquetDestination._write_batch

    def recording(self, batch, **kinds):
        stats = write_batch(self, batch, **kinds)
        runs.append((batch.source, kinds["unstored"], {rows.record_id for rows in batch.records}, self._first_sync))
        return stats

    monkeypatch.setattr(ParquetDestination, "_write_batch", recording)
    first = sync(data, f"parquet:///{tmp_path / 'first'}", monkeypatch)
    assert first.exit_code == 0, first
    assert [r.source for r in first.results] == ["shop", "kiosk"]
    assert_unstored_until_written([(unstored, ids) for source, unstored, ids, _ in runs if source == "kiosk"])
    assert not any(deferred for source, *_, deferred in runs if source == "kiosk"), "merged as it goes beside shop's records"
    assert all(deferred for source, *_, deferred in runs if source == "shop"), "shop's first sync, alone, defers"

    monkeypatch.setattr(ParquetDestination, "_write_batch",
                        lambda self, batch, **_: write_batch(self, batch, unstored=False, quarantined_unstored=False))  # fmt: skip
    whole = sync(data, f"parquet:///{tmp_path / 'whole'}", monkeypatch)
    assert whole.exit_code == 0, whole
    assert_same_results(first, whole)
    lake = stored(tmp_path / "first")
    assert lake == stored(tmp_path / "whole")
    assert len(lake["quarantine"]) == 5 and lake["feedback_cases"]
    files_of = f"read_parquet('{tmp_path / 'first' / 'feedback'}/*/*/*.parquet')"
    assert duckdb.connect().execute(f"SELECT COUNT(*) FROM {files_of} WHERE duplicate_of IS NOT NULL").fetchall() == [(8,)]

    monkeypatch.setattr(ParquetDestination, "_write_batch", recording)
    runs.clear()
    write(data, "kiosk", edited(rng, kiosk, 0.5))
    assert sync(data, f"parquet:///{tmp_path / 'first'}", monkeypatch).exit_code == 0
    assert runs and not any(unstored for _, unstored, _, _ in runs), "a re-sync looks its records up"


def test_a_source_holds_something_in_a_lake_while_its_records_its_cases_or_cases_events_are_there(tmp_path, monkeypatch):
    """What lets a source's first sync look nothing up (`holds_nothing_of`): no record file in its
    partitions, no case of it, and no event or delivery whose case is missing (a batch stopped
    between them and its cases: the next sync looks them up, whichever source it syncs)."""
    data = shop_alone(tmp_path)
    lake = tmp_path / "lake"
    destination = ParquetDestination(f"parquet:///{lake}")
    assert destination.holds_nothing_of("shop"), "no lake yet"
    assert sync(data, f"parquet:///{lake}", monkeypatch).exit_code == 0
    holds_nothing_of = asking(destination)

    def emptied(table: str) -> None:
        for path in files.folder_files(lake / table):
            duckdb.connect().execute(f"COPY (SELECT * FROM read_parquet('{path}') LIMIT 0) TO '{path}' (FORMAT parquet)")

    assert not holds_nothing_of("shop") and holds_nothing_of("kiosk")
    for folder in (lake / "feedback").glob("source=shop"):
        for path in folder.glob("*/*.parquet"):
            path.unlink()
    assert not holds_nothing_of("shop"), "its cases are still there"
    emptied("feedback_cases")
    assert not holds_nothing_of("shop") and not holds_nothing_of("kiosk"), "events and deliveries without their case"
    emptied("feedback_case_events")
    emptied("loop_outbox")
    assert holds_nothing_of("shop") and holds_nothing_of("kiosk")
