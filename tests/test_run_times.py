"""The newest run, the oldest quarantined record and a stream's latest quarantine are found in
time, not as text: SQLite keeps `format_timestamp`'s text, a fraction written only when there is
one, and as text `…T10:00:00Z` is greater than `…T10:00:00.500000Z`. Each test stores both widths through the path that writes
them (save_run, write_batch) and expects the order of the times."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from cxbridge.destinations import Batch, QuarantineItem, SyncRun
from cxbridge.freshness import QuarantineLimit, stale_sources
from cxbridge.plugins.sqlite import destination as sqlite_destination
from cxbridge.plugins.sqlite.destination import SQLiteDestination
from cxbridge.status_report import recent_runs, status_of
from cxbridge.timestamps import format_timestamp

SECOND = datetime(2026, 1, 1, 10, 0, 0, tzinfo=timezone.utc)
HALF_PAST = SECOND + timedelta(microseconds=500_000)


@pytest.fixture
def destination(tmp_path):
    destination = SQLiteDestination(f"sqlite:///{tmp_path / 'runs.db'}")
    destination.open()
    yield destination
    destination.close()


def run(run_id: str, started: datetime, *, status: str = "success", quarantined: int = 0) -> SyncRun:
    return SyncRun(run_id=run_id, source="shop", connector="csv", started_at=started, status=status,
                   finished_at=started, records_read=10, records_quarantined=quarantined)  # fmt: skip


def quarantine_seen_at(destination, monkeypatch, **seen_by_native: datetime) -> None:
    """Quarantine a record of shop/rows per native id, each first and last seen at its time."""
    for native, seen in seen_by_native.items():
        monkeypatch.setattr(sqlite_destination, "_now", lambda seen=seen: format_timestamp(seen))
        batch = Batch(run_id=f"run-{native}", source="shop", stream="rows", started_at=format_timestamp(seen))
        batch.add_quarantined(QuarantineItem(record_id=f"id-{native}", source="shop", stream="rows",
                                             source_record_id=native, raw={}, error="no score"))  # fmt: skip
        destination.write_batch(batch)


def test_status_lists_the_run_started_later_in_the_second_first(destination):
    destination.save_run(run("run-second", SECOND))
    destination.save_run(run("run-half-past", HALF_PAST))
    assert [row["run_id"] for row in recent_runs(destination, limit=2)] == ["run-half-past", "run-second"]
    assert [row["run_id"] for row in recent_runs(destination, limit=1)] == ["run-half-past"]


def test_the_last_success_is_the_latest_in_its_second(destination):
    destination.save_run(run("run-second", SECOND))
    destination.save_run(run("run-half-past", HALF_PAST))
    age = timedelta(seconds=1)
    now = SECOND + timedelta(milliseconds=1_300)  # 1.3 s after the first run, 0.8 s after the last
    assert now - HALF_PAST <= age < now - SECOND
    assert stale_sources(destination, age=age, now=now) == []


def test_the_quarantine_of_the_last_run_is_the_latest_run_s(destination):
    destination.save_run(run("run-second", SECOND, status="failed", quarantined=9))
    destination.save_run(run("run-half-past", HALF_PAST, quarantined=0))
    assert stale_sources(destination, max_quarantined=QuarantineLimit(5), now=HALF_PAST) == []


def test_quarantined_records_are_listed_first_seen_first(destination, monkeypatch):
    quarantine_seen_at(destination, monkeypatch, R1=HALF_PAST, R2=SECOND)
    assert [item.source_record_id for item in destination.quarantined()] == ["R2", "R1"]


def test_status_gives_each_stream_s_quarantine_its_latest_last_seen(destination, monkeypatch):
    quarantine_seen_at(destination, monkeypatch, R1=HALF_PAST, R2=SECOND)
    stored = {row["source_record_id"]: row["last_seen"] for row in destination.query("SELECT * FROM quarantine")}
    assert stored == {"R1": "2026-01-01T10:00:00.500000Z", "R2": "2026-01-01T10:00:00Z"}  # both widths, as text
    assert status_of(destination).quarantine == [
        {"source": "shop", "stream": "rows", "kind": None, "records": 2, "last_seen": "2026-01-01T10:00:00.500000Z"}
    ]
