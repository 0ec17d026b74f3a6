"""Lock rows in the warehouse (`cxbridge.lock_rows`) on Snowflake, under fakesnow: separate
destinations on separate connections stand for separate processes (fakesnow keeps one database
per Python process, so they are threads of this one). Two syncs of one source exclude each
other, syncs of different sources run side by side, `--wait` queues, the whole-destination lock
waits for every sync, a dead holder's lock is taken over once expired, and processes opening a
fresh schema at once migrate it once. A waiting whole-destination lock keeps syncs started
meanwhile out on both engines (BigQuery on the local API with its engine); BigQuery's lock
statements: tests/test_bigquery_destination.py."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import cxbridge
from cxbridge.cli.main import cli
from cxbridge.errors import DestinationLockedError
from cxbridge.lock_rows import LOCKS, RowLockedDestination
from cxbridge.plugins.snowflake.destination import SnowflakeDestination
from tests.many_sources import config_toml, write_files
from tests.sqlite_runs import SHARED_SALT
from tests.snowflake_emulator import emulated_snowflake


URL = "snowflake://loader:pw-123@acme-eu1/CX_{name}/FEEDBACK?warehouse=LOAD_WH&role=LOADER"


@pytest.fixture(scope="module")
def snowflake():
    """Snowflake destinations on one fakesnow session (tests/snowflake_emulator.py), one database
    per name; each its own staging tables, as several may write at once."""
    with emulated_snowflake():
        yield lambda name: SnowflakeDestination(URL.format(name=name.upper()))


@pytest.fixture(autouse=True)
def quick_polls(monkeypatch):
    monkeypatch.setattr(RowLockedDestination, "lock_poll", 0.05)


def rows(destination: SnowflakeDestination) -> list[dict]:
    """The lock table as it is now, read on a connection of its own."""
    other = destination.lock_connection()
    try:
        return other.fetch(f"SELECT name, holder, expires_at FROM {LOCKS.name} ORDER BY name")
    finally:
        other.close()


def test_two_syncs_of_one_source_exclude_each_other_and_other_sources_run_beside(snowflake):
    first, second, third = snowflake("same"), snowflake("same"), snowflake("same")
    with first.lock_sources(["nps"]):
        with pytest.raises(DestinationLockedError) as refused:
            with second.lock_sources(["nps", "csat"]):
                pass
        with third.lock_sources(["csat"]):  # another source: at the same time
            held = {row["name"]: row["holder"] for row in rows(first)}
            assert sorted(held) == ["source csat", "source nps"] and held["source csat"] != held["source nps"]
    message = str(refused.value)
    assert "another cxbridge sync (" in message and "is writing source 'nps' to snowflake://loader:***@" in message
    assert "pass --wait SECONDS to queue behind it" in message and "expires 300 s after its last renewal" in message
    assert "pw-123" not in message and "pw-123" not in repr(rows(first))
    holder = message.split("(", 1)[1].split(")", 1)[0]
    assert holder.count(":") == 2 and holder.split(":")[1].isdigit(), "host:pid:random, nothing else"
    assert rows(first) == [], "every lock let go, the refused one's 'csat' too"


def test_wait_queues_behind_the_sync_of_the_same_source(snowflake):
    first, second = snowflake("queue"), snowflake("queue")
    entered = threading.Event()

    def queued() -> None:
        with second.lock_sources(["nps"], wait=60):
            entered.set()

    with first.lock_sources(["nps"]):
        waiting = threading.Thread(target=queued)
        waiting.start()
        assert not entered.wait(1.0), "not while the first holds the source"
    waiting.join(timeout=60)
    assert entered.is_set()


def test_the_whole_destination_lock_waits_for_every_sync_and_keeps_them_out(snowflake):
    sync, cases = snowflake("whole"), snowflake("whole")
    with sync.lock_sources(["nps"]):
        with pytest.raises(DestinationLockedError, match="is writing source 'nps' to snowflake://"):
            with cases.lock():
                pass
    with cases.lock():
        with pytest.raises(DestinationLockedError, match=r"\) holds the whole of snowflake://"):
            with sync.lock_sources(["csat"]):
                pass
        with pytest.raises(DestinationLockedError) as waited:
            with sync.lock_sources(["csat"], wait=0.2):
                pass
        sync.open(read_only=True)
        assert sync.lock_held() is True and sync.source_lock_held("csat") is False
        sync.close()
    message = str(waited.value)
    assert "had not finished after 0.2 s of waiting: run again once it is done, or pass a longer --wait" in message
    assert "queue behind it" not in message and message.endswith("expires 300 s after its last renewal)")


def test_a_dead_holders_lock_is_taken_over_once_it_expired(snowflake):
    left, later = snowflake("expiry"), snowflake("expiry")
    with left.lock_sources(["csat"]):  # the table is there: a row as a killed process leaves it
        db = left.lock_connection()
        db.execute(
            f"INSERT INTO {LOCKS.name} (name, holder, acquired_at, expires_at) VALUES "
            "('source nps', 'gone:1:dead', '2020-01-01T00:00:00Z'::TIMESTAMP_TZ, '2020-01-01T00:05:00Z'::TIMESTAMP_TZ)"
        )
        db.close()
    with later.lock_sources(["nps"]):
        (row,) = rows(later)
        assert row["name"] == "source nps" and row["holder"] != "gone:1:dead"
        assert row["expires_at"] > "2026"
        later.open(read_only=True)
        assert later.source_lock_held("nps") is True
        later.close()
    later.open(read_only=True)
    assert later.source_lock_held("nps") is False and later.lock_held() is False
    later.close()


def test_a_long_sync_renews_its_lock(snowflake, monkeypatch):
    monkeypatch.setattr(RowLockedDestination, "lock_renewal", 0.2)
    holder = snowflake("renewal")
    with holder.lock_sources(["nps"]):
        (before,) = rows(holder)
        deadline = time.monotonic() + 30
        while rows(holder)[0]["expires_at"] == before["expires_at"] and time.monotonic() < deadline:
            time.sleep(0.1)
        (after,) = rows(holder)
    assert after["expires_at"] > before["expires_at"] and after["holder"] == before["holder"]


def test_processes_opening_a_fresh_schema_at_once_migrate_it_once(snowflake):
    openers = [snowflake("fresh") for _ in range(3)]
    with openers[0].lock_sources(["nps"]):  # fakesnow cannot create one database from two threads at once
        pass
    failures: list[BaseException] = []

    def migrate(destination: SnowflakeDestination) -> None:
        try:
            destination.open()
            destination.close()
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=migrate, args=(d,)) for d in openers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    openers[0].open(read_only=True)
    applied = openers[0].query("SELECT name, COUNT(*) AS n FROM cxbridge_migrations GROUP BY name")
    openers[0].close()
    assert len(applied) == len(SnowflakeDestination.migrations) and {row["n"] for row in applied} == {1}


def test_sync_and_the_cli_stop_with_the_lock_message_while_another_sources_sync_runs(snowflake, tmp_path, monkeypatch):
    monkeypatch.setenv("CXBRIDGE_TEST_SHARED_SALT", SHARED_SALT.get_secret_value())
    monkeypatch.chdir(tmp_path)
    write_files(tmp_path)
    Path("cxbridge.toml").write_text(config_toml("http://127.0.0.1:9", forms=()), encoding="utf-8")
    url = snowflake("cli").url
    with snowflake("cli").lock_sources(["branch_a"]):
        result = cxbridge.sync(sources=["branch_b"], destination=url)
        assert [(r.source, r.status, r.written) for r in result.results] == [("branch_b", "success", 2)]
        with pytest.raises(DestinationLockedError, match="is writing source 'branch_a' to"):
            cxbridge.sync(sources=["branch_a"], destination=url)
        refused = CliRunner().invoke(cli, ["sync", "--no-progress", "--source", "branch_a", "--destination", url])
    assert refused.exit_code == 1
    assert "another cxbridge sync (" in refused.output and "is writing source 'branch_a'" in refused.output
    assert "Traceback" not in refused.output and "pw-123" not in refused.output
    queued = CliRunner().invoke(cli, ["sync", "--no-progress", "--source", "branch_a", "--destination", url,
                                      "--wait", "30"])  # fmt: skip
    assert queued.exit_code == 0, queued.output


def test_status_shows_a_run_whose_source_lock_is_gone_as_abandoned(snowflake):
    from datetime import datetime, timezone

    from cxbridge.destinations import SyncRun
    from cxbridge.status_report import recent_runs

    syncing, reader = snowflake("status"), snowflake("status")
    started = datetime(2026, 1, 5, 8, tzinfo=timezone.utc)
    with syncing.lock_sources(["nps"]):
        syncing.open()
        syncing.save_run(SyncRun("run1", "nps", "csv", started))  # running, as a killed sync leaves it
        syncing.close()
        reader.open(read_only=True)
        assert [row["status"] for row in recent_runs(reader, limit=5)] == ["running"]
        reader.close()
    reader.open(read_only=True)
    assert [row["status"] for row in recent_runs(reader, limit=5)] == ["abandoned"]
    reader.close()


@pytest.fixture(scope="module")
def bigquery():
    """BigQuery destinations on the local API with its engine (tests/bigquery_api.py), one
    dataset per name."""
    from google.oauth2.credentials import Credentials

    from cxbridge.plugins.bigquery.destination import BigQueryDestination
    from tests.bigquery_api import fake_bigquery
    from tests.bigquery_engine import Engine

    with fake_bigquery(engine=Engine()) as api:
        yield lambda name: BigQueryDestination(
            f"bigquery://acme-cx/{name}?location=EU", credentials=Credentials(token="ya29.pw-123"),
            client_options={"api_endpoint": api.url},
        )  # fmt: skip


@pytest.mark.parametrize("engine", ["snowflake", "bigquery"])
def test_a_waiting_whole_destination_lock_keeps_out_syncs_started_meanwhile(engine, request, monkeypatch):
    """Per-source syncs that keep overlapping must not starve `remove`/`cases`/`replay`: while
    the whole-destination lock waits for a running sync, its `destination` row is there (renewed
    as held rows are), a sync of another source started meanwhile is refused or queues behind
    it, and the whole-destination lock gets in once the running sync ends."""
    monkeypatch.setattr(RowLockedDestination, "lock_renewal", 0.05)
    warehouse = request.getfixturevalue(engine)
    sync_a, cases, sync_b = warehouse("claim"), warehouse("claim"), warehouse("claim")
    entered, leave, b_entered = threading.Event(), threading.Event(), threading.Event()
    order: list[str] = []

    def whole() -> None:
        with cases.lock(wait=60):
            order.append("whole")
            entered.set()
            leave.wait(60)

    def queued_b() -> None:
        with sync_b.lock_sources(["csat"], wait=60):
            order.append("csat")
            b_entered.set()

    def claim() -> dict | None:
        return next((row for row in rows(cases) if row["name"] == "destination"), None)

    waiting, later = threading.Thread(target=whole), threading.Thread(target=queued_b)
    deadline = time.monotonic() + 10
    try:
        with sync_a.lock_sources(["nps"]):
            waiting.start()
            # the claim's row is taken, then marked WAITING once it sees the running sync: wait for the mark
            while ((first := claim()) is None or not first["holder"].endswith(" (waiting)")) and time.monotonic() < deadline:
                time.sleep(0.01)
            assert first is not None, "the waiting whole-destination lock keeps its row"
            with pytest.raises(DestinationLockedError) as refused:
                with sync_b.lock_sources(["csat"]):
                    pass
            message = str(refused.value)  # nothing writes yet: a whole-destination command waits
            holder = first["holder"].removesuffix(" (waiting)")
            assert first["holder"] == f"{holder} (waiting)", "the claim's row says it waits"
            assert f"another cxbridge command ({holder}) is waiting for the whole of {engine}://" in message
            assert "is writing" not in message and "pass --wait SECONDS to queue behind it" in message
            assert "pw-123" not in message
            reader = warehouse("claim")  # what `cxbridge status` asks: each running run's own source
            reader.open(read_only=True)
            try:
                assert reader.source_lock_held("nps") is True and reader.source_lock_held("csat") is False
            finally:
                reader.close()
            later.start()
            while claim()["expires_at"] == first["expires_at"] and time.monotonic() < deadline:
                time.sleep(0.01)
            assert claim()["expires_at"] > first["expires_at"], "renewed while it waits"
            assert not entered.is_set() and not b_entered.is_set(), "neither beside the running sync"
        assert entered.wait(30), "the whole destination once the running sync let go"
        # the queued sync takes its source's row and lets go of it on each look: only the whole
        # destination's row says who holds
        assert not b_entered.is_set() and [(row["name"], row["holder"]) for row in rows(cases) if row["name"] == "destination"] == [
            ("destination", holder)]  # fmt: skip
        with pytest.raises(DestinationLockedError, match=rf"\({holder}\) holds the whole of {engine}://"):
            with sync_b.lock_sources(["nps"]):
                pass
    finally:
        leave.set()
        for thread in (waiting, later):
            if thread.ident is not None:
                thread.join(timeout=30)
    assert order == ["whole", "csat"] and rows(cases) == []


@pytest.mark.parametrize("engine", ["snowflake", "bigquery"])
@pytest.mark.parametrize("command", ["remove", "erase"])
def test_status_shows_a_removal_holding_the_destination_running_and_once_let_go_rolled_back(engine, command, request):
    """`cxbridge remove` and `erase` hold the whole destination's lock, not a source's: `status`
    shows theirs `running` while it is held — a sync killed earlier abandoned beside it, as its
    source's lock is free — and, once it is let go with the row still `running` (a process
    killed before its one transaction), abandoned and rolled back (tests/test_remove.py has it
    with real processes on SQLite and PostgreSQL)."""
    from datetime import datetime, timedelta, timezone

    from cxbridge.command_runs import EVERY_SOURCE
    from cxbridge.destinations import SyncRun
    from cxbridge.status_report import ROLLED_BACK, recent_runs

    warehouse = request.getfixturevalue(engine)
    removing, reader = warehouse(f"{command}_live"), warehouse(f"{command}_live")
    started = datetime(2026, 1, 5, 8, tzinfo=timezone.utc)

    def shown() -> list[tuple[str, str, str | None]]:
        reader.open(read_only=True)
        try:
            return [(row["command"], row["status"], row["error"]) for row in recent_runs(reader, limit=5)]
        finally:
            reader.close()

    with removing.lock():
        removing.open()
        removing.save_run(SyncRun("run1", "nps", "csv", started))  # a sync killed before: `running` for ever
        removing.save_run(SyncRun("run2", "nps" if command == "remove" else EVERY_SOURCE, "csv",
                                  started + timedelta(hours=1), command=command))  # fmt: skip
        removing.close()
        live = shown()
    assert live == [(command, "running", None), ("sync", "abandoned", None)]
    assert shown() == [(command, "abandoned", ROLLED_BACK), ("sync", "abandoned", None)]
