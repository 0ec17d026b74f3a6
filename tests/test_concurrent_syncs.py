"""Syncs of one PostgreSQL destination in separate processes (a lock per source: `Destination.
lock_sources`): 8 sources synced by 8 processes at the same moment leave the tables one serial
run leaves; two syncs of one source exclude each other, the second stopping with the lock
message or, with --wait, queueing behind the first; a fresh database migrated by several
processes starting at once is migrated once; `cxbridge remove` of one source waits for a sync of
another (the whole-schema lock, which every sync holds shared), never running beside it, and a
sync started while it waits queues behind it or is refused, so overlapping syncs cannot starve it."""

from __future__ import annotations

import json
import multiprocessing
import os
import socket
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

import cxbridge
from cxbridge.plugins_host import create_host

from tests.killed_syncs import forked_call, forked_command, holding_whole_schema
from tests.local_api import FakeApi
from tests.many_sources import account, config_toml, tables, write_files
from tests.sqlite_runs import SHARED_SALT
from tests.typeform_api import TOKEN, typeform

FORMS = ("formAaaa", "formBbbb", "formCccc", "formDddd", "formEeee", "formFfff")
SOURCES = [f"web_{form[4].lower()}" for form in FORMS] + ["branch_a", "branch_b"]


@dataclass
class Started:
    """A `cxbridge` command running in a process of its own, its output and errors going to files."""

    process: multiprocessing.Process
    output: Path
    errors: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def poll(self) -> int | None:
        """Its exit code, None while it runs."""
        return self.process.exitcode


def start(folder: Path, *args: str, command: tuple[str, ...] = ("sync", "--no-progress")) -> Started:
    """`cxbridge sync ARGS` (or `command` ARGS) as a process of its own, in `folder` (with its
    cxbridge.toml): forked from a server that imported cxbridge once (tests/killed_syncs.py) — a
    new Python importing cxbridge again spent ≈ 0.45 s of CPU before its first request, most of
    what these commands cost; each is still a process of its own, with its own connections,
    locks and process id, running `cxbridge` from its command line."""
    env = {**os.environ, "TYPEFORM_TOKEN": TOKEN, "CXBRIDGE_TEST_SHARED_SALT": SHARED_SALT.get_secret_value()}
    files = tempfile.mkdtemp(prefix="command-", dir=folder)
    output, errors = Path(files) / "stdout", Path(files) / "stderr"
    process = forked_command([*command, *args], cwd=folder, output=output, errors=errors, env=env)
    return Started(process, output, errors)


def finished(started: Started) -> tuple[int, str]:
    """Its exit code, once it ended, and its output followed by its errors."""
    started.process.join(300)
    assert started.process.exitcode is not None, f"cxbridge {started.pid} still runs after 300 s"
    return started.process.exitcode, started.output.read_text() + started.errors.read_text()


@contextmanager
def gated_typeform(parties: int) -> Iterator[FakeApi]:
    """The fake Typeform whose first answer to each form waits until `parties` forms were asked:
    only syncs that run at the same time get past it (a barrier that breaks after 240 s)."""
    barrier, first = threading.Barrier(parties, timeout=240), set()
    with typeform(account(FORMS)) as api:
        original = list(api.routes)

        def gate(handler):
            def answer(seen, match):
                form = seen.path.split("/")[2] if seen.path.count("/") >= 2 else ""
                if form and form not in first:
                    first.add(form)
                    barrier.wait()
                return handler(seen, match)

            return answer

        api.routes = [(method, pattern, gate(handler)) for method, pattern, handler in original]
        yield api


def test_eight_sources_in_eight_processes_leave_the_tables_of_one_serial_run(tmp_path, postgres_database):
    write_files(tmp_path)
    concurrent_url, serial_url = postgres_database("concurrent"), postgres_database("serial")
    with gated_typeform(len(FORMS)) as api:
        (tmp_path / "cxbridge.toml").write_text(config_toml(api.url, FORMS, unpaced=True), encoding="utf-8")
        processes = [start(tmp_path, "--source", name, "--destination", concurrent_url, "--wait", "120")
                     for name in SOURCES]  # fmt: skip
        outcomes = [finished(process) for process in processes]
    assert [code for code, _ in outcomes] == [0] * len(SOURCES), outcomes
    with typeform(account(FORMS)) as api:  # no gate: one process syncs the sources one after the other
        (tmp_path / "cxbridge.toml").write_text(config_toml(api.url, FORMS, unpaced=True), encoding="utf-8")
        code, output = finished(start(tmp_path, "--destination", serial_url))
    assert code == 0, output
    concurrent, serial = data(tables(concurrent_url)), data(tables(serial_url))
    assert len(serial["feedback"]) == len(FORMS) * 5 + 2 + 2 and len(serial["quarantine"]) == 1
    assert {row[0] for row in _column(serial["sync_runs"], "source")} == set(SOURCES)
    assert concurrent == serial


def test_a_second_sync_of_the_same_source_stops_with_the_lock_message_or_waits(tmp_path, postgres_database):
    write_files(tmp_path)
    url = postgres_database("same_source")
    with web_a_reading(tmp_path, url) as (first, release):
        refused = finished(start(tmp_path, "--source", "web_a", "--destination", url))  # the first is reading
        other = finished(start(tmp_path, "--source", "branch_a", "--destination", url))
        report = cxbridge.status(destination=url, host=create_host())  # web_a is still reading, branch_a is done
        queued = start(tmp_path, "--source", "web_a", "--destination", url, "--wait", "120")
        release.set()
        assert finished(first)[0] == 0
        waited = finished(queued)
    assert refused[0] == 1
    assert f"another cxbridge sync ({socket.gethostname()}:{first.pid}:" in refused[1]
    assert ") is writing source 'web_a' to postgresql://" in refused[1]
    assert other[0] == 0, other[1]  # another source of the same destination ran meanwhile
    assert [(run["source"], run["status"]) for run in report.runs] == [("branch_a", "success"), ("web_a", "running")]
    assert waited[0] == 0, waited[1]
    rows = tables(url)
    runs = sorted((source, status, written) for source, status, written in
                  ((dict(r)["source"], dict(r)["status"], dict(r)["records_written"]) for r in rows["sync_runs"]))
    assert runs == [("branch_a", "success", 2), ("web_a", "success", 0), ("web_a", "success", 5)]


def test_a_removal_waits_for_a_sync_of_another_source_and_never_runs_beside_it(tmp_path, postgres_database):
    write_files(tmp_path)
    url = postgres_database("removal")
    (tmp_path / "cxbridge.toml").write_text(config_toml("http://127.0.0.1:9", FORMS[:1]), encoding="utf-8")
    assert finished(start(tmp_path, "--source", "branch_a", "--source", "branch_b", "--destination", url))[0] == 0
    with web_a_reading(tmp_path, url) as (syncing, release):
        removing = ("remove", "--source", "branch_b", "--destination", url)
        queued = start(tmp_path, "--wait", "120", command=removing)
        _until(lambda: _asking_for_the_whole_schema(url) or queued.poll() is not None)
        meanwhile = tables(url)  # web_a is reading; the removal is asking for the lock
        refused = finished(start(tmp_path, "--wait", "0", command=removing))
        syncing_b = ("--source", "branch_a", "--destination", url, "--wait")
        behind = [finished(start(tmp_path, *syncing_b, wait)) for wait in ("0", "1")]  # refused, not run beside web_a
        later = start(tmp_path, *syncing_b, "120")
        _until(lambda: _queued_for_the_schema(url, "ShareLock") or later.poll() is not None)
        beside = later.poll()  # None: it waits behind the removal (before: it ran beside web_a, remove still waiting)
        release.set()
        synced, removed, resynced = finished(syncing), finished(queued), finished(later)
    assert refused[0] == 1
    assert f"another cxbridge sync ({socket.gethostname()}:{syncing.pid}:" in refused[1]
    assert ") is writing to postgresql://" in refused[1]
    assert [code for code, _ in behind] == [1, 1], behind
    whole = f"another cxbridge command ({socket.gethostname()}:{queued.pid}:"  # nothing writes yet
    assert all(") is waiting for the whole of postgresql://" in output for _, output in behind), behind
    assert all(whole in output and "is writing" not in output for _, output in behind), behind
    assert beside is None, resynced
    assert resynced[0] == 0, resynced
    assert removed[0] == 0 and synced[0] == 0, (removed, synced)
    assert sorted(_column(meanwhile["feedback"], "source")) == [("branch_a",)] * 2 + [("branch_b",)] * 2
    assert _column(meanwhile["quarantine"], "source") == [("branch_b",)]
    assert ("remove",) not in _column(meanwhile["sync_runs"], "command")  # it waited: nothing removed yet
    after = tables(url)
    assert sorted(_column(after["feedback"], "source")) == [("branch_a",)] * 2 + [("web_a",)] * 5
    assert after["quarantine"] == []
    runs = sorted((dict(r)["source"], dict(r)["command"], dict(r)["status"]) for r in after["sync_runs"])
    assert runs == [("branch_a", "sync", "success")] * 2 + [("branch_b", "remove", "success"),
                    ("branch_b", "sync", "success"), ("web_a", "sync", "success")]  # fmt: skip


def test_a_refusal_names_the_command_that_holds_or_waits_for_the_schema_and_the_sync_that_writes(
    tmp_path, postgres_database
):
    """A whole-schema command (remove, erase, cases, replay) that holds the schema's lock, or
    waits for it behind a sync, is named as such — by host and process id — to a remove and to a
    sync it keeps out; a sync that writes is named as the sync it is."""
    write_files(tmp_path)
    url = postgres_database("refusals")
    (tmp_path / "cxbridge.toml").write_text(config_toml("http://127.0.0.1:9", FORMS[:1]), encoding="utf-8")
    assert finished(start(tmp_path, "--source", "branch_a", "--source", "branch_b", "--destination", url))[0] == 0
    removing, syncing_a = (
        ("remove", "--source", "branch_b", "--destination", url, "--wait", "0"),
        ("--source", "branch_a", "--destination", url, "--wait", "0"),
    )
    with whole_schema_locked(url) as holding:
        kept_out = [finished(start(tmp_path, command=removing)), finished(start(tmp_path, *syncing_a))]
    with web_a_reading(tmp_path, url) as (syncing, release), whole_schema_locked(url, held=False) as waiting:
        _until(lambda: _queued_for_the_schema(url, "ExclusiveLock"))
        behind = [finished(start(tmp_path, command=removing)), finished(start(tmp_path, *syncing_a))]
        release.set()
    assert finished(syncing)[0] == 0
    host = socket.gethostname()
    for code, output in kept_out:
        assert code == 1 and f"another cxbridge command ({host}:{holding.pid}:" in output, output
        assert ") holds the whole of postgresql://" in output and "is writing" not in output, output
    [(removal_code, removal), (sync_code, sync)] = behind
    assert removal_code == 1 and f"another cxbridge sync ({host}:{syncing.pid}:" in removal, removal
    assert ") is writing to postgresql://" in removal and "is waiting" not in removal, removal
    assert sync_code == 1 and f"another cxbridge command ({host}:{waiting.pid}:" in sync, sync
    assert ") is waiting for the whole of postgresql://" in sync and "is writing" not in sync, sync


def test_a_dry_run_of_remove_counts_once_a_running_sync_of_its_source_is_done(tmp_path, postgres_database):
    """`remove --dry-run` counts under its source's lock, as a sync of it takes it: while web_a's
    sync runs, a dry run of web_a is refused naming it, or waits for it with --wait and counts
    what it wrote; one of another source counts beside it (before: it counted at once, nothing
    of web_a stored yet, and was refused as a source the destination holds no record of)."""
    write_files(tmp_path)
    url = postgres_database("dry_run")
    (tmp_path / "cxbridge.toml").write_text(config_toml("http://127.0.0.1:9", FORMS[:1]), encoding="utf-8")
    assert finished(start(tmp_path, "--source", "branch_a", "--destination", url))[0] == 0
    counting = ("remove", "--dry-run", "--format", "json", "--destination", url, "--source")
    with web_a_reading(tmp_path, url) as (syncing, release):
        refused = finished(start(tmp_path, "web_a", "--wait", "0", command=counting))
        beside = finished(start(tmp_path, "branch_a", "--wait", "0", command=counting))
        waiting = start(tmp_path, "web_a", "--wait", "120", command=counting)
        _until(lambda: _queued_for(url, "web_a") or waiting.poll() is not None)
        early = waiting.poll()  # None: it waits for the sync
        release.set()
        assert finished(syncing)[0] == 0
        counted = finished(waiting)
    assert refused[0] == 1 and f"another cxbridge sync ({socket.gethostname()}:{syncing.pid}:" in refused[1], refused
    assert ") is writing source 'web_a' to postgresql://" in refused[1]
    assert beside[0] == 0 and json.loads(beside[1])["removed"] == 2, beside
    assert early is None and counted[0] == 0, counted
    assert json.loads(counted[1].splitlines()[0])["removed"] == 5
    assert ("remove",) not in _column(tables(url)["sync_runs"], "command")  # a dry run records nothing


def _queued_for(url: str, source: str) -> bool:
    """Whether a session waits in the server's queue for the lock of `source`'s syncs."""
    import psycopg

    with psycopg.connect(url) as conn:
        waiting = (
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objsubid = 1 "
            "AND ((classid::bigint << 32) | objid::bigint) = "
            "hashtext('cxbridge source ' || current_schema() || ' ' || %s)::bigint"
        )
        return conn.execute(waiting, [source]).fetchone()[0] > 0


@contextmanager
def whole_schema_locked(url: str, *, held: bool = True) -> Iterator[multiprocessing.Process]:
    """A process of its own in the whole-schema lock `remove` takes (`Destination.lock`), as
    long as the block lasts: yielded once it holds it (`held`) or has asked for it. Forked from
    the server of tests/killed_syncs.py (`forked_call`), not a new Python importing cxbridge."""
    process, connection = forked_call(holding_whole_schema, url)
    try:
        assert connection.recv() == "asking"
        if held:
            assert connection.recv() == "held"
        yield process
    finally:
        connection.send("done")
        process.join(120)


def test_processes_starting_on_a_fresh_database_migrate_it_once(tmp_path, postgres_database):
    write_files(tmp_path)
    url = postgres_database("fresh")
    (tmp_path / "cxbridge.toml").write_text(config_toml("http://127.0.0.1:9", ()), encoding="utf-8")
    processes = [start(tmp_path, "--source", name, "--destination", url, "--wait", "120")
                 for name in ("branch_a", "branch_b", "branch_a")]  # fmt: skip
    outcomes = [finished(process) for process in processes]
    assert all(code == 0 for code, _ in outcomes), outcomes
    import psycopg

    with psycopg.connect(url) as conn:
        names = [row[0] for row in conn.execute("SELECT name FROM cxbridge_migrations ORDER BY name")]
    assert len(names) == len(set(names)) >= 10
    assert sorted(dict(r)["source_record_id"] for r in tables(url)["feedback"]) == ["A1", "A2", "B2", "B3"]


def data(found: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    """The tables without the fingerprint of the identity rules (`sync_state` of `_cxbridge`): a
    sync that starts when two sources are stored saves it, one that starts on an empty database
    does not — bookkeeping whose presence depends on when each process started, not data."""
    state = [row for row in found["sync_state"] if ("source", "_cxbridge") not in row]
    return {**found, "sync_state": state}


@contextmanager
def web_a_reading(folder: Path, url: str) -> Iterator[tuple[Started, threading.Event]]:
    """`cxbridge sync --source web_a` into `url` as a process of its own (the cxbridge.toml of
    `folder` written for the fake Typeform), yielded once it asks for its first responses page,
    which is answered when the event yielded is set: until then it holds its locks."""
    release = threading.Event()
    with typeform(account(FORMS[:1])) as api:
        api.routes = [(method, pattern, _held_until(release, handler)) for method, pattern, handler in api.routes]
        (folder / "cxbridge.toml").write_text(config_toml(api.url, FORMS[:1], unpaced=True), encoding="utf-8")
        syncing = start(folder, "--source", "web_a", "--destination", url)
        _until(lambda: any("/responses" in path for path in api.paths()) or syncing.poll() is not None)
        try:
            yield syncing, release
        finally:
            release.set()


def _held_until(release: threading.Event, handler):
    """`handler`, whose answers to responses pages wait until `release` is set (at most 120 s)."""

    def answer(seen, match):
        if seen.path.endswith("/responses"):
            release.wait(timeout=120)
        return handler(seen, match)

    return answer


def _asking_for_the_whole_schema(url: str) -> bool:
    """Whether a session of another process asks for the schema's lock exclusively (the lock
    `cxbridge remove` takes; a sync asks for it shared): queued for it, or (cxbridge before it
    queued) its last statement tries for it."""
    import psycopg

    with psycopg.connect(url) as conn:
        asked = "SELECT pg_try_advisory_lock(hashtext('cxbridge sync ' || current_schema()))"
        sessions = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query = %s"
        return conn.execute(sessions, [asked]).fetchone()[0] > 0 or _queued_for_the_schema(url, "ExclusiveLock")


def _queued_for_the_schema(url: str, mode: str) -> bool:
    """Whether a session waits in the server's queue for the schema's lock in `mode` (pg_locks,
    not granted; a bigint advisory key is shown as its high and low 32 bits)."""
    import psycopg

    with psycopg.connect(url) as conn:
        waiting = (
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND mode = %s AND objsubid = 1 "
            "AND ((classid::bigint << 32) | objid::bigint) = hashtext('cxbridge sync ' || current_schema())::bigint"
        )
        return conn.execute(waiting, [mode]).fetchone()[0] > 0


def _column(rows: list[tuple], name: str) -> list[tuple]:
    return [tuple(value for key, value in row if key == name) for row in rows]


def _until(condition, *, seconds: float = 60) -> None:
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("the first sync never started")
        time.sleep(0.05)
