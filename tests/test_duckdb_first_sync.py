"""A first sync into an empty DuckDB file writes a batch none of whose ids it wrote before
(`Batch.unstored`) without looking for stored rows or cases, and leaves out the statements of
an empty quarantine stage: it stores exactly what the whole merge stores — with ids that come
again in later batches (edited or failing) and quarantined records among them."""

from __future__ import annotations

import random
from datetime import datetime, timezone
from typing import Any

import duckdb

import cxbridge
from cxbridge.layout import LOOP_OUTBOX, QUARANTINE
from cxbridge.plugins.duckdb.destination import DuckDBDestination
from cxbridge.plugins_host import create_host
from cxbridge.sql_destination import SQLDestination
from tests.local_api import Reply, fake_api
from tests.test_loop_case_opening import CUSTOMER_SOURCE, LOOP, edited, responses, write

RUN_DEPENDENT = {
    "ingested_at", "sync_run_id", "run_id", "opened_at", "due_at", "updated_at", "event_at", "created_at",
    "next_attempt_at", "last_attempt_at", "delivered_at", "first_seen", "last_seen", "applied_at", "started_at",
    "finished_at", "event_id",
}  # fmt: skip
TABLES = ("feedback", "feedback_scores", "feedback_comments", "feedback_cases", "feedback_case_events",
          "loop_outbox", "quarantine")  # fmt: skip


def stored(path: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the record and loop tables, sorted, without the run-dependent columns."""
    conn = duckdb.connect(str(path), read_only=True)
    try:
        tables = {}
        for table in TABLES:
            columns = [row[0] for row in conn.execute(f"DESCRIBE {table}").fetchall() if row[0] not in RUN_DEPENDENT]
            tables[table] = sorted(map(repr, conn.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()))
        return tables
    finally:
        conn.close()


def sync(folder, url, monkeypatch) -> Any:
    with fake_api() as hook:
        hook.route("POST", "/ops")(lambda seen, match: Reply(200, "ok"))
        monkeypatch.setenv("CX_HOOK_URL", hook.url + "/ops")
        return cxbridge.sync(folder / "cxbridge.toml", destination=url, host=create_host())


def test_a_first_sync_stores_what_the_whole_merge_stores(tmp_path, monkeypatch):
    now = datetime.now(timezone.utc)
    rng = random.Random(11)
    folder = tmp_path / "data"
    folder.mkdir()
    rows = responses(rng, 0, 40, now)
    again = edited(rng, rows[:25], 0.7)  # the same ids in later batches, most with other answers
    failing = [dict(row, nps="15") for row in rows[30:33]] + [dict(row, id=f"Q{n}", nps="15") for n, row in enumerate(rows[:3])]
    write(folder, "shop", rows[:20] + failing[3:] + rows[20:] + again + failing[:3])
    (folder / "cxbridge.toml").write_text(
        '[settings]\nbatch_size = 9\ntimezone = "UTC"\n' + CUSTOMER_SOURCE.format(name="shop") + LOOP
    )
    written: list[tuple[bool, list[str], set[str]]] = []
    taken_out: list[bool] = []  # per batch quarantining records: whether its merge takes their stored rows out
    write_batch, merge_options = DuckDBDestination.write_batch, DuckDBDestination.merge_options

    def recording(self, batch):
        written.append((batch.unstored, [rows.record_id for rows in batch.records], {q.record_id for q in batch.quarantined}))
        return write_batch(self, batch)

    def options(self, batch, staged):
        chosen = merge_options(self, batch, staged)
        if batch.quarantined:
            taken_out.append(chosen["quarantined_stored"])
        return chosen

    monkeypatch.setattr(DuckDBDestination, "write_batch", recording)
    monkeypatch.setattr(DuckDBDestination, "merge_options", options)
    first = sync(folder, f"duckdb:///{tmp_path / 'first.duckdb'}", monkeypatch)
    assert first.exit_code == 0, first
    seen: set[str] = set()
    expected_taken_out = []
    for unstored, ids, failed in written:
        assert unstored == (not seen & set(ids)), "a batch is unstored exactly when none of its ids was written before"
        if failed:
            expected_taken_out.append(bool(seen & failed))
        seen |= set(ids)
    assert sum(unstored for unstored, *_ in written) >= 4 and not all(unstored for unstored, *_ in written)
    # Q0-Q2 were never written: nothing to take out; the three stored records failing later are taken out
    assert taken_out == expected_taken_out == [False, True]

    monkeypatch.setattr(DuckDBDestination, "write_batch", write_batch)
    monkeypatch.setattr(DuckDBDestination, "merge_options", SQLDestination.merge_options)  # the whole merge
    result = sync(folder, f"duckdb:///{tmp_path / 'whole.duckdb'}", monkeypatch)
    assert result.exit_code == 0, result
    counted = ("written", "unchanged", "quarantined", "cases_opened")
    assert [getattr(first.results[0], n) for n in counted] == [getattr(result.results[0], n) for n in counted]
    first_sync, whole = stored(tmp_path / "first.duckdb"), stored(tmp_path / "whole.duckdb")
    assert len(first_sync["quarantine"]) == 6 and len(first_sync["feedback"]) == 40 - 3 and first_sync["feedback_cases"]
    assert first_sync == whole


def test_a_first_sync_takes_records_out_of_a_quarantine_filled_before(tmp_path, monkeypatch):
    """A file holding only quarantined records is synced as a first sync; the records, valid
    now, leave the quarantine (the destination asks once whether it holds any row)."""
    rng = random.Random(9)
    folder = tmp_path / "data"
    folder.mkdir()
    rows = responses(rng, 0, 12, datetime.now(timezone.utc))
    write(folder, "shop", [dict(row, nps="15") for row in rows])
    (folder / "cxbridge.toml").write_text('[settings]\ntimezone = "UTC"\n' + CUSTOMER_SOURCE.format(name="shop") + LOOP)
    url = f"duckdb:///{tmp_path / 'out.duckdb'}"
    assert sync(folder, url, monkeypatch).results[0].quarantined == 12
    before = stored(tmp_path / "out.duckdb")
    assert len(before["quarantine"]) == 12 and not before["feedback"]
    write(folder, "shop", rows)
    assert sync(folder, url, monkeypatch).results[0].written == 12
    after = stored(tmp_path / "out.duckdb")
    assert len(after["feedback"]) == 12 and not after["quarantine"]


def test_a_batch_registers_an_empty_quarantine_or_outbox_stage_only_where_a_statement_reads_it(tmp_path, monkeypatch):
    """The quarantine's and the outbox's stages are read only by statements a batch with such rows
    runs (`merge_options`): registered then, and left out of the other batches, which store the same."""
    rng = random.Random(12)
    folder = tmp_path / "data"
    folder.mkdir()
    rows = responses(rng, 0, 30, datetime.now(timezone.utc))
    write(folder, "shop", rows[:10] + [dict(row, nps="15") for row in rows[10:13]] + rows[13:])
    (folder / "cxbridge.toml").write_text(
        '[settings]\nbatch_size = 5\ntimezone = "UTC"\n' + CUSTOMER_SOURCE.format(name="shop") + LOOP
    )
    seen: list[tuple[bool, bool, set[str]]] = []
    stage = DuckDBDestination.stage

    def recording(self, staged):
        stage(self, staged)
        if QUARANTINE in staged:  # a batch's stages, not a loop change's
            seen.append((bool(staged[QUARANTINE]), bool(staged[LOOP_OUTBOX]), set(self._registered)))

    monkeypatch.setattr(DuckDBDestination, "stage", recording)
    result = sync(folder, f"duckdb:///{tmp_path / 'out.duckdb'}", monkeypatch)
    assert result.exit_code == 0, result
    quarantine, outbox = "cx_stage_quarantine", "cx_stage_loop_outbox"
    for quarantined, deliveries, registered in seen:
        assert (quarantine in registered) == quarantined and (outbox in registered) == deliveries
        assert "cx_stage_feedback" in registered and "cx_stage_feedback_scores" in registered
    assert {q for q, _, _ in seen} == {True, False} and {d for _, d, _ in seen} == {True, False}, "both kinds of batch"
    monkeypatch.setattr(DuckDBDestination, "stage", stage)
    monkeypatch.setattr(DuckDBDestination, "merge_options", SQLDestination.merge_options)  # every stage read
    whole = sync(folder, f"duckdb:///{tmp_path / 'whole.duckdb'}", monkeypatch)
    assert whole.exit_code == 0, whole
    assert stored(tmp_path / "out.duckdb") == stored(tmp_path / "whole.duckdb")


def two_sources(tmp_path) -> tuple[Any, list[dict[str, str]], random.Random]:
    """A config of shop's 24 responses, then kiosk's: eight copies of shop's (same id, same
    answers), 24 of its own, twelve read again (most edited) and five failing (two of its
    records, three never valid), in batches of 7, the loop's rules on. The folder, kiosk's rows
    and the generator (for a re-sync's edits)."""
    now = datetime.now(timezone.utc)
    rng = random.Random(23)
    folder = tmp_path / "data"
    folder.mkdir()
    shop = responses(rng, 0, 24, now)
    kiosk = shop[:8] + responses(rng, 100, 24, now)
    again = edited(rng, kiosk[10:22], 0.7)
    failing = [dict(row, nps="15") for row in kiosk[26:28]] + [dict(row, id=f"Q{n}", nps="15") for n, row in enumerate(kiosk[:3])]
    write(folder, "shop", shop)
    write(folder, "kiosk", kiosk[:16] + failing[2:] + kiosk[16:] + again + failing[:2])
    (folder / "cxbridge.toml").write_text(
        '[settings]\nbatch_size = 7\ntimezone = "UTC"\n' + CUSTOMER_SOURCE.format(name="shop")
        + CUSTOMER_SOURCE.format(name="kiosk") + LOOP
    )  # fmt: skip
    return folder, kiosk, rng


def assert_unstored_until_written(batches: list[tuple[bool, set[str]]]) -> None:
    """Each batch (unstored, its record ids) is unstored exactly when none of its ids was written
    before, some are and some are not."""
    seen: set[str] = set()
    for unstored, ids in batches:
        assert unstored == (not seen & ids), "a batch is unstored exactly when none of its ids was written before"
        seen |= ids
    assert sum(unstored for unstored, _ in batches) >= 4 and not all(unstored for unstored, _ in batches)


def assert_same_results(first: Any, whole: Any) -> None:
    counted = ("written", "unchanged", "quarantined", "cases_opened")
    assert [[getattr(r, n) for n in counted] for r in first.results] == [[getattr(r, n) for n in counted] for r in whole.results]


def test_a_sources_first_sync_into_a_file_other_sources_wrote_looks_up_only_what_it_wrote(tmp_path, monkeypatch):
    """A source with no record and no case of its own stored (`holds_nothing_of`) takes the
    first-sync path although another source's records and cases are in the file: its ids derive
    from its name, so only what it wrote itself can be stored. It stores what the whole merge
    stores — with copies of the other source's records among its own (`duplicate_of` pointers),
    ids coming again in later batches and quarantined records; its re-sync looks everything up."""
    folder, kiosk, rng = two_sources(tmp_path)
    written: list[tuple[str, bool, set[str]]] = []
    write_batch = DuckDBDestination.write_batch

    def recording(self, batch):
        written.append((batch.source, batch.unstored, {rows.record_id for rows in batch.records}))
        return write_batch(self, batch)

    monkeypatch.setattr(DuckDBDestination, "write_batch", recording)
    url = f"duckdb:///{tmp_path / 'first.duckdb'}"
    first = sync(folder, url, monkeypatch)
    assert first.exit_code == 0, first
    assert [r.source for r in first.results] == ["shop", "kiosk"]
    assert_unstored_until_written([(unstored, ids) for source, unstored, ids in written if source == "kiosk"])

    monkeypatch.setattr(DuckDBDestination, "write_batch", write_batch)
    monkeypatch.setattr(DuckDBDestination, "merge_options", SQLDestination.merge_options)  # the whole merge
    whole = sync(folder, f"duckdb:///{tmp_path / 'whole.duckdb'}", monkeypatch)
    assert whole.exit_code == 0, whole
    assert_same_results(first, whole)
    first_sync = stored(tmp_path / "first.duckdb")
    assert first_sync == stored(tmp_path / "whole.duckdb")
    assert len(first_sync["quarantine"]) == 5 and first_sync["feedback_cases"]
    conn = duckdb.connect(str(tmp_path / "first.duckdb"), read_only=True)
    try:  # the copies point at one record of each pair, across the two sources
        pointed = conn.execute("SELECT COUNT(*) FROM feedback WHERE duplicate_of IS NOT NULL").fetchall()[0][0]
    finally:
        conn.close()
    assert pointed == 8

    monkeypatch.setattr(DuckDBDestination, "merge_options", DuckDBDestination.__dict__["merge_options"])
    monkeypatch.setattr(DuckDBDestination, "write_batch", recording)
    written.clear()
    write(folder, "kiosk", edited(rng, kiosk, 0.5))
    assert sync(folder, url, monkeypatch).exit_code == 0
    assert written and not any(unstored for _, unstored, _ in written), "a re-sync looks its records up"


def shop_alone(tmp_path) -> Any:
    """A config of one source, shop, of 20 responses, the loop's rules on: its folder."""
    folder = tmp_path / "data"
    folder.mkdir()
    write(folder, "shop", responses(random.Random(5), 0, 20, datetime.now(timezone.utc)))
    (folder / "cxbridge.toml").write_text('[settings]\ntimezone = "UTC"\n' + CUSTOMER_SOURCE.format(name="shop") + LOOP)
    return folder


def asking(destination: Any) -> Any:
    """`destination.holds_nothing_of` as a function of the source, the destination opened for each question."""

    def holds_nothing_of(source: str) -> bool:
        destination.open()
        try:
            return destination.holds_nothing_of(source)
        finally:
            destination.close()

    return holds_nothing_of


def test_a_source_holds_something_in_a_file_while_its_records_or_its_cases_are_stored(tmp_path, monkeypatch):
    """What lets a source's first sync look nothing up (`Destination.holds_nothing_of`): none of
    its records and none of its cases (a case outlives an erased record) in the file."""
    folder = shop_alone(tmp_path)
    path = tmp_path / "out.duckdb"
    destination = DuckDBDestination(f"duckdb:///{path}")
    assert not destination.holds_nothing_of("shop"), "unknown before it is open"
    assert sync(folder, f"duckdb:///{path}", monkeypatch).exit_code == 0
    holds_nothing_of = asking(destination)
    assert not holds_nothing_of("shop") and holds_nothing_of("kiosk")
    conn = duckdb.connect(str(path))
    try:
        assert conn.execute("SELECT COUNT(*) FROM feedback_cases").fetchall()[0][0] > 0
        conn.execute("DELETE FROM feedback")
    finally:
        conn.close()
    assert not holds_nothing_of("shop"), "its cases are still stored"
    conn = duckdb.connect(str(path))
    try:
        conn.execute("DELETE FROM feedback_cases")
    finally:
        conn.close()
    assert holds_nothing_of("shop")
