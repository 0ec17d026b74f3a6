"""The one-writer lock of file destinations (cxbridge.local_files) follows the file, not the path
string: a sync through a symlink or another spelling of the same path waits for, or is refused
by, a sync holding the lock in another process; `cxbridge remove` of one source is refused while a
sync of another source writes the file (one writer at a time), and removes once it is done."""

from __future__ import annotations

import json
import re
import socket
import threading
from pathlib import Path

import pytest

import cxbridge
from cxbridge.config import load_config
from cxbridge.errors import DestinationLockedError
from cxbridge.events import EventKind, SyncEvent
from cxbridge.plugins_host import create_host
from tests.conftest import Workspace, survey_row
from tests.killed_syncs import duckdb_user, erasing_held, forked_call, holding_bare_lock, holding_lock
from tests.many_sources import config_toml, tables, write_files
from tests.test_concurrent_syncs import finished, start, web_a_reading

NAMES = {"sqlite": "feedback.db", "duckdb": "feedback.duckdb", "parquet": "lake"}


def held_by(command: str, pid: int | str) -> str:
    """The start of a refusal naming its holder (`cxbridge.local_files`), as a regular expression."""
    return rf"another cxbridge command \({command}, pid {pid}, holding it since \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d UTC\) is writing to"


class Holder:
    """Another process holding a destination's lock until `release`: forked from the server that
    imported cxbridge once (`tests/killed_syncs.py`), not a new Python importing it (≈ 0.3 s of CPU)."""

    def __init__(self, url: str):
        self.process, self.connection = forked_call(holding_lock, url)
        assert self.connection.recv() == "locked"

    def release(self) -> None:
        if self.process.is_alive():
            self.connection.send("release")
            self.process.join(30)
        assert self.process.exitcode == 0


@pytest.fixture
def holder():
    started: list[Holder] = []

    def hold(url: str) -> Holder:
        started.append(Holder(url))
        return started[-1]

    yield hold
    for each in started:
        each.release()


def spellings(root: Path, scheme: str) -> list[str]:
    """The same destination written three other ways: through a linked folder, through a link to
    the file itself, and with `..` in the path."""
    (root / "linked").symlink_to(root / "real", target_is_directory=True)
    (root / "real" / f"alias-{NAMES[scheme]}").symlink_to(root / "real" / NAMES[scheme])
    return [
        f"{scheme}:///{root / 'linked' / NAMES[scheme]}",
        f"{scheme}:///{root / 'real' / f'alias-{NAMES[scheme]}'}",
        f"{scheme}:///{root / 'real' / '..' / 'real' / NAMES[scheme]}",
    ]


@pytest.mark.parametrize("scheme", sorted(NAMES))
def test_another_spelling_of_a_locked_destination_is_refused(scheme, workspace: Workspace, holder):
    workspace.write_csv([survey_row(1)])
    (workspace.root / "real").mkdir()
    held = holder(f"{scheme}:///{workspace.root / 'real' / NAMES[scheme]}")
    for url in spellings(workspace.root, scheme):
        refusal = held_by("python", held.process.pid)
        with pytest.raises(DestinationLockedError, match=refusal):
            cxbridge.sync(workspace.config, destination=url, wait=0, host=create_host())


@pytest.mark.parametrize("scheme", sorted(NAMES))
def test_another_spelling_of_a_locked_destination_queues_with_wait(scheme, workspace: Workspace, holder):
    workspace.write_csv([survey_row(1), survey_row(2)])
    (workspace.root / "real").mkdir()
    held = holder(f"{scheme}:///{workspace.root / 'real' / NAMES[scheme]}")
    [_, alias, _] = spellings(workspace.root, scheme)
    host = create_host()
    config, writing, results = load_config(workspace.config, host), threading.Event(), []

    def progress(event: SyncEvent) -> None:
        if event.kind is EventKind.RUN_STARTED:  # the lock is taken and the destination open
            writing.set()

    def sync() -> None:
        results.append(cxbridge.sync(config, destination=alias, wait=60, host=host, on_progress=progress))

    queued = threading.Thread(target=sync)
    queued.start()
    assert not writing.wait(1.5)  # queued behind the other process, not writing
    held.release()
    queued.join(60)
    [result] = results
    assert writing.is_set() and [(r.read, r.written) for r in result.results] == [(2, 2)]


@pytest.mark.parametrize("scheme", ["sqlite", "duckdb"])
def test_a_removal_is_refused_while_a_sync_of_another_source_writes_the_file(scheme, tmp_path):
    write_files(tmp_path)
    url = f"{scheme}:///{tmp_path / NAMES[scheme]}"
    removing = ("remove", "--source", "branch_b", "--destination", url, "--wait", "0")
    (tmp_path / "cxbridge.toml").write_text(config_toml("http://127.0.0.1:9", ("formAaaa",)), encoding="utf-8")
    assert finished(start(tmp_path, "--source", "branch_b", "--destination", url))[0] == 0
    with web_a_reading(tmp_path, url) as (syncing, release):
        refused = finished(start(tmp_path, command=removing))  # web_a is reading
        release.set()
        assert finished(syncing)[0] == 0
    removed = finished(start(tmp_path, command=removing))
    assert refused[0] == 1
    assert re.search(rf"{held_by('cxbridge sync', '[0-9]+')} {tmp_path / NAMES[scheme]}; wait for it", refused[1]), refused[1]
    assert removed[0] == 0, removed[1]
    assert sorted({dict(row)["source"] for row in tables(url)["feedback"]}) == ["web_a"]


def test_a_refusal_names_the_file_a_link_leads_to(workspace: Workspace, holder):
    (workspace.root / "real").mkdir()
    held = holder(f"sqlite:///{workspace.root / 'real' / 'feedback.db'}")
    [_, alias, _] = spellings(workspace.root, "sqlite")
    with pytest.raises(DestinationLockedError) as refused:
        cxbridge.sync(workspace.config, destination=alias, host=create_host())
    assert re.match(
        f"{held_by('python', held.process.pid)} {re.escape(f'{workspace.root}/real/alias-feedback.db')} "
        f"{re.escape(f'(that is, {workspace.root}/real/feedback.db); wait for it to finish, or pass --wait SECONDS')}",
        str(refused.value),
    ), str(refused.value)


def test_the_lock_file_sits_beside_the_real_file(workspace: Workspace):
    (workspace.root / "real").mkdir()
    (workspace.root / "linked").symlink_to(workspace.root / "real", target_is_directory=True)
    workspace.write_csv([survey_row(1)])
    cxbridge.sync(workspace.config, destination=f"sqlite:///{workspace.root / 'linked' / 'x.db'}", host=create_host())
    assert (workspace.root / "real" / "x.db.lock").exists() and (workspace.root / "real" / "x.db").exists()


def test_a_duckdb_file_another_program_has_open_for_writing_refuses_with_the_lock_message(workspace, monkeypatch):
    from click.testing import CliRunner

    from cxbridge import plugins_host
    from cxbridge.cli.main import cli

    workspace.write_csv([survey_row(1)])
    path = workspace.root / "feedback.duckdb"
    cxbridge.sync(workspace.config, destination=f"duckdb:///{path}", host=create_host())
    other, connection = forked_call(duckdb_user, str(path))
    try:
        assert connection.recv() == "open"
        monkeypatch.setattr(plugins_host, "_host", None)
        monkeypatch.chdir(workspace.root)
        refused = CliRunner().invoke(cli, ["sync", "--no-progress", "--destination", f"duckdb:///{path}"])
    finally:
        connection.send("close")
        other.join(30)
    assert refused.exit_code == 1
    assert f"{path} is open in another process (a sync or a BI tool); DuckDB lets one process write" in refused.output
    assert "Traceback" not in refused.output and "IOException" not in refused.output


def test_a_refusal_after_waiting_says_how_long_it_waited_and_to_wait_longer(workspace: Workspace, holder, monkeypatch):
    from click.testing import CliRunner

    from cxbridge import plugins_host
    from cxbridge.cli.main import cli

    workspace.write_csv([survey_row(1)])
    held = holder(f"sqlite:///{workspace.db}")
    monkeypatch.setattr(plugins_host, "_host", None)
    monkeypatch.chdir(workspace.root)
    waited = CliRunner().invoke(cli, ["sync", "--no-progress", "--wait", "0.5"])
    refused = CliRunner().invoke(cli, ["sync", "--no-progress"])
    assert waited.exit_code == refused.exit_code == 1
    assert re.search(f"{held_by('python', held.process.pid)} {workspace.db}; it was still writing after 0.5 s of waiting",
                     waited.output), waited.output  # fmt: skip
    assert "pass a longer --wait SECONDS" in waited.output and "queue behind it" not in waited.output
    assert "wait for it to finish, or pass --wait SECONDS to queue behind it" in refused.output


def test_a_refusal_names_the_command_holding_the_file_its_pid_and_since_when(workspace: Workspace):
    """One lock file cannot say who holds it (each process trying it empties it): the holder file
    beside it does, from the command line's command without its arguments — never the contact."""
    workspace.write_csv([survey_row(1)])
    url = f"sqlite:///{workspace.db}"
    cxbridge.sync(workspace.config, destination=url, host=create_host())
    erasing, connection = forked_call(erasing_held, url)
    try:
        assert connection.recv() == "erasing"
        with pytest.raises(DestinationLockedError) as refused:
            cxbridge.sync(workspace.config, destination=url, wait=0, host=create_host())
        holder_file = workspace.root / "cxbridge.db.lock.holder"
        assert "jane" not in holder_file.read_text(encoding="utf-8")
    finally:
        connection.send("go on")
        erasing.join(60)
    assert erasing.exitcode == 4  # nothing of hers stored: the erasure ran, once the lock was its own
    message = str(refused.value)
    assert re.match(f"{held_by('cxbridge erase', erasing.pid)} {re.escape(str(workspace.db))}; ", message), message
    assert "jane" not in message and not holder_file.exists()  # let go with the lock


def test_a_holder_file_left_by_a_killed_process_is_not_believed(workspace: Workspace):
    """A process killed holding the lock leaves its holder file: the next holder that writes none
    (an older cxbridge) is refused as before, not named after a process that is gone."""
    workspace.write_csv([survey_row(1)])
    url = f"sqlite:///{workspace.db}"
    killed = Holder(url)
    killed.process.kill()
    killed.process.join(30)
    assert f'"pid": {killed.process.pid}' in (workspace.root / "cxbridge.db.lock.holder").read_text(encoding="utf-8")
    bare, connection = forked_call(holding_bare_lock, str(workspace.root / "cxbridge.db.lock"))
    try:
        assert connection.recv() == "locked"
        with pytest.raises(DestinationLockedError) as refused:
            cxbridge.sync(workspace.config, destination=url, wait=0, host=create_host())
    finally:
        connection.send("release")
        bare.join(30)
    assert str(refused.value).startswith(
        f"another cxbridge command (a sync, remove, erase, cases or replay) is writing to {workspace.db}; ")


def test_a_holder_file_naming_a_pid_now_another_process_s_is_not_believed(workspace: Workspace):
    """A holder killed by a crash leaves its file, and its pid may be given to another process
    later: the file's start time (`/proc/<pid>/stat` on Linux) then differs from that process's,
    and the refusal names no holder — as with a pid no longer running."""
    workspace.write_csv([survey_row(1)])
    url = f"sqlite:///{workspace.db}"
    bare, connection = forked_call(holding_bare_lock, str(workspace.root / "cxbridge.db.lock"))
    holder_file = workspace.root / "cxbridge.db.lock.holder"
    started = Path(f"/proc/{bare.pid}/stat").read_text(encoding="utf-8").rpartition(")")[2].split()[19]
    refusals = []
    try:
        assert connection.recv() == "locked"
        for when in (str(int(started) + 1), started):  # a later process given its pid; the process itself
            holder = {"command": "cxbridge sync", "pid": bare.pid, "started": when, "host": socket.gethostname(),
                      "since": "2026-12-07 03:00:00 UTC"}  # fmt: skip
            holder_file.write_text(json.dumps(holder), encoding="utf-8")
            with pytest.raises(DestinationLockedError) as refused:
                cxbridge.sync(workspace.config, destination=url, wait=0, host=create_host())
            refusals.append(str(refused.value))
    finally:
        connection.send("release")
        bare.join(30)
    stale, believed = refusals
    assert stale.startswith(f"another cxbridge command (a sync, remove, erase, cases or replay) is writing to {workspace.db}; ")
    assert re.match(f"{held_by('cxbridge sync', bare.pid)} ", believed), believed
