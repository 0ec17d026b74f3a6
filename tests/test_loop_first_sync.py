"""A first sync into an empty SQLite file (or Parquet folder) asks it about none of the records it has not
written itself (`cxbridge.loop.written`), and still opens exactly the cases worked out from the
rules — also for a record whose id comes again in a later batch of the same file. And a case
stored by then (a batch read before another writer stored it) is left as it is, its event and
deliveries not added again."""

from __future__ import annotations

import random
import sqlite3
from datetime import datetime, timezone

import pytest

import cxbridge
from cxbridge.destinations import Batch
from cxbridge.identity import record_id
from cxbridge.loop import opening
from cxbridge.loop.cases import CaseOpening
from cxbridge.loop.written import WrittenIds
from cxbridge.plugins.parquet.destination import ParquetDestination
from cxbridge.plugins.sqlite.destination import SQLiteDestination
from cxbridge.plugins_host import create_host
from tests.local_api import Reply, fake_api
from tests.test_loop_case_opening import CUSTOMER_SOURCE, LOOP, Ledger, _digest, edited, responses, write


def test_every_id_added_may_have_been_written_and_few_others():
    written = WrittenIds()
    added = [record_id("shop", "rows", f"R{n}") for n in range(20_000)]
    written.check_in(added)
    assert written.maybe_written(added) == added
    others = [record_id("shop", "rows", f"X{n}") for n in range(20_000)]
    assert len(written.maybe_written(others)) <= 100  # 24 expected: 20,000 × (1 − e^(−20,000 / 2^24))



def test_checking_ids_in_adds_them_and_names_those_added_before():
    written = WrittenIds()
    first = [record_id("shop", "rows", f"R{n}") for n in range(5_000)]
    again = [record_id("shop", "rows", f"R{n}") for n in range(4_000, 9_000)]
    assert len(written.check_in(first)) <= 25  # none was added before: only a rare collision in one pass
    before = written.check_in(again)
    assert set(first[4_000:]) <= set(before) and len(before) <= 1_000 + 25  # those of `first`, rarely another
    assert written.maybe_written(first + again) == first + again


def test_with_fingerprints_every_id_added_is_named_and_almost_no_other():
    written = WrittenIds(prints=True)
    added = [record_id("shop", "rows", f"R{n}") for n in range(200_000)]
    for start in range(0, len(added), 10_000):
        assert not written.check_in(added[start : start + 5_000]) or start  # the first call: nothing before
        written.check_in(added[start + 5_000 : start + 10_000])
    assert written.maybe_written(added) == added
    assert written.check_in(added[:3] + added[-3:]) == added[:3] + added[-3:]
    others = [record_id("shop", "rows", f"X{n}") for n in range(200_000)]
    bloom = WrittenIds()
    bloom.check_in(added)
    assert len(bloom.maybe_written(others)) > 1_000  # the filter alone: about 2,350 (1.2 %)
    assert len(written.maybe_written(others)) <= 3  # 0.05 expected: 2,350 × 200,000 / 2^32


@pytest.mark.parametrize("engine", ["sqlite", "parquet"])
def test_a_first_sync_looks_up_only_ids_it_wrote_and_opens_the_worked_out_cases(tmp_path, monkeypatch, engine):
    now = datetime.now(timezone.utc)
    rng = random.Random(7)
    folder = tmp_path / "data"
    folder.mkdir()
    first = responses(rng, 0, 45, now)
    again = edited(rng, first[:30], 0.7)  # the same ids later in the file, most with other answers
    write(folder, "shop", first + again)
    config = folder / "cxbridge.toml"
    config.write_text('[settings]\nbatch_size = 9\ntimezone = "UTC"\n' + CUSTOMER_SOURCE.format(name="shop") + LOOP)
    asked: list[str] = []
    read = opening.StoredState.read.__func__

    def recording(cls, destination, record_ids):
        asked.extend(record_ids)
        return read(cls, destination, record_ids)

    monkeypatch.setattr(opening.StoredState, "read", classmethod(recording))
    url = f"sqlite:///{folder / 'cx.db'}" if engine == "sqlite" else f"parquet:///{folder / 'lake'}"
    with fake_api() as hook:
        hook.route("POST", "/ops")(lambda seen, match: Reply(200, "ok"))
        monkeypatch.setenv("CX_HOOK_URL", hook.url + "/ops")
        result = cxbridge.sync(config, destination=url, host=create_host())
    assert result.exit_code == 0, result

    ledger = Ledger(now)
    expected = ledger.synced({"shop": first + again}, run=1)
    assert expected and result.results[0].cases_opened == expected
    destination = SQLiteDestination(url) if engine == "sqlite" else ParquetDestination(url)
    destination.open(read_only=True)
    try:
        cases = destination.query("SELECT case_id, record_id, rule, matched FROM feedback_cases")
        stored = {row["case_id"]: (row["record_id"], row["rule"], row["matched"]) for row in cases}
        opened = destination.query("SELECT event_id, case_id, note FROM feedback_case_events WHERE kind = 'opened'")
        events = sorted((row["event_id"], row["case_id"], row["note"]) for row in opened)
    finally:
        destination.close()
    assert stored == {case: (want["record_id"], want["rule"], want["matched"]) for case, want in ledger.cases.items()}
    assert events == sorted(
        (_digest("opened", case, size=8), case, f"rule {want['rule']}: {want['matched']}")
        for case, want in ledger.cases.items()
    )
    repeated = {record_id("shop", "rows", row["id"]) for row in again}
    assert asked and set(asked) <= repeated, "only ids written before in the same sync are looked up"


def batch_opening(*natives: str, said: str) -> Batch:
    """A batch of cases only, each opened by `refunds` (with its action) for record `native`."""
    batch = Batch(run_id="run-1", source="shop", stream="rows")
    opening = CaseOpening(opened_at=batch.started_at, run_id=batch.run_id)
    batch.cases = [
        opening.open(record_id("shop", "rows", native), "shop", "S1", "refunds", f"{said} {native}", None, 8.0, ["ops"])
        for native in natives
    ]
    return batch


def test_a_case_stored_since_the_batch_was_read_is_kept_with_its_one_event(tmp_path):
    destination = SQLiteDestination(f"sqlite:///{tmp_path / 'cx.db'}")
    destination.open()
    try:
        destination.write_batch(batch_opening("R1", said="said"))
        destination.write_batch(batch_opening("R1", "R2", said="also"))  # R1's case is stored by now
        with sqlite3.connect(tmp_path / "cx.db") as conn:
            cases = sorted(conn.execute("SELECT record_id, matched FROM feedback_cases"))
            events = sorted(conn.execute("SELECT case_id, note FROM feedback_case_events"))
            deliveries = sorted(conn.execute("SELECT case_id, action FROM loop_outbox"))
    finally:
        destination.close()
    one, two = record_id("shop", "rows", "R1"), record_id("shop", "rows", "R2")
    assert cases == sorted([(one, "said R1"), (two, "also R2")])
    first, second = _digest("case", one, size=8), _digest("case", two, size=8)
    assert events == sorted([(first, "rule refunds: said R1"), (second, "rule refunds: also R2")])
    assert deliveries == sorted([(first, "ops"), (second, "ops")])
