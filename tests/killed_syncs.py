"""`cxbridge sync` processes killed by SIGKILL from inside, after their k-th committed batch (at
once or a few milliseconds later), or held after a committed batch for the test to look at and
kill, each forked from a server process that imported cxbridge once (multiprocessing's
forkserver): a process that starts Python and imports cxbridge again spent 0.45 s of CPU before
its first batch, most of what a killed sync costs. What is killed is still a process of its own,
with its own connections and files, running `cxbridge sync` from its command line; the server
imports modules only, and none that starts a thread."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import cxbridge
import cxbridge.api  # imported once, in the server the syncs are forked from
import cxbridge.cli.launch
import cxbridge.cli.main  # noqa: F401
import cxbridge.plugins_host
from cxbridge.hookspecs import hookimpl
from cxbridge.plugins.sqlite.destination import SQLiteDestination
from cxbridge.plugins_host import get_host
from cxbridge.sql_destination import SQLDestination

PRELOADED = [
    __name__,
    "cxbridge.plugins.csv_source",
    *(f"cxbridge.plugins.{engine}.destination" for engine in ("sqlite", "duckdb", "postgres", "parquet")),
    "duckdb",
    "numpy",
    "psycopg",
    "cxbridge.http.client",
    "cxbridge.plugins.typeform.source",
]
"""What the server imports: this module (cxbridge's API and command line), the CSV source, the
engines' modules, NumPy (which DuckDB's and Parquet's staging import in each sync: ≈ 0.09 s of CPU
a process), and the HTTP client with the Typeform connector test_concurrent_syncs' syncs read
(httpx with its rich, tenacity: ≈ 0.1 s of CPU a command) — not pyarrow, whose import starts
threads a fork would not copy (NumPy's OpenBLAS starts its own pool, which it shuts down around a
fork and the syncs never call on). The plugins are found and loaded in each sync, as `cxbridge
sync` does."""


class KillAfterBatch:
    def __init__(self, batches: int, delay: float):
        self.batches, self.delay, self.committed = batches, delay, 0

    @hookimpl
    def on_sync_event(self, event):
        if event.kind != "batch_committed":
            return
        self.committed += 1
        if self.committed == self.batches:
            if self.delay:
                threading.Timer(self.delay, os.kill, (os.getpid(), signal.SIGKILL)).start()
            else:
                os.kill(os.getpid(), signal.SIGKILL)


class KillWhenRunFinished:
    """SIGKILL once the run finished: every batch and link committed, no action delivered yet,
    the cases of copies linked not closed yet."""

    @hookimpl
    def on_sync_event(self, event):
        if event.kind == "run_finished":
            os.kill(os.getpid(), signal.SIGKILL)


class HoldAfterBatch:
    """Holds the sync after each committed batch, having created `held`, until `release` exists."""

    def __init__(self, held: str, release: str):
        self.held, self.release = Path(held), Path(release)

    @hookimpl
    def on_sync_event(self, event):
        if event.kind == "batch_committed":
            self.held.touch()
            while not self.release.exists():
                time.sleep(0.02)


def _command_with(
    args: list[str], cwd: str, env: dict[str, str], output: str, plugin: object | None, errors: str | None
) -> None:
    """In the forked process: `cxbridge ARGS` in `cwd` with `env` (and `plugin`), its output to the
    file `output` (its standard error too, or to the file `errors`)."""
    written = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(written, 1), os.dup2(os.open(errors, os.O_WRONLY | os.O_CREAT | os.O_TRUNC) if errors else written, 2)
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    if plugin is not None:
        get_host().pm.register(plugin)
    sys.argv = ["cxbridge", *args]
    cxbridge.cli.launch.main()


def forked_command(
    args: list[str], *, cwd: Path, output: Path, plugin: object | None = None, env: dict[str, str] | None = None,
    errors: Path | None = None,
) -> multiprocessing.Process:  # fmt: skip
    """`cxbridge ARGS` started in `cwd`, in a process of its own forked from the server, with
    `env` (else this process's environment) and `plugin`, its output to the file `output` (its
    standard error too, unless to the file `errors`)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOADED)  # taken when the server starts (the first call)
    environment = dict(os.environ if env is None else env)
    process = context.Process(target=_command_with,
                              args=(args, str(cwd), environment, str(output), plugin, errors and str(errors)))  # fmt: skip
    process.start()
    return process


def _called(target: Callable[..., None], connection: Connection, args: tuple[Any, ...]) -> None:
    sys.argv = ["-c"]  # as `python -c` has it: the program a holder file names is `python`
    target(connection, *args)


def holding_lock(connection: Connection, url: str) -> None:
    """In a process of `forked_call`: the lock of the destination `url` held, and the destination
    open, from "locked" sent until anything is received."""
    destination = cxbridge.api.open_destination(url)
    with destination.lock(), destination:  # closed before the lock is released, as a sync does
        destination.open()
        connection.send("locked")
        connection.recv()


def holding_whole_schema(connection: Connection, url: str) -> None:
    """In a process of `forked_call`: the whole-schema lock `remove` takes of the PostgreSQL
    destination `url` (`Destination.lock`), "asking" sent before it asks for it and "held" once it
    holds it, until anything is received."""
    from cxbridge.plugins.postgres.destination import PostgresDestination

    connection.send("asking")
    with PostgresDestination(url).lock(wait=120):
        connection.send("held")
        connection.recv()


def holding_bare_lock(connection: Connection, path: str) -> None:
    """In a process of `forked_call`: the lock file `path` held as no cxbridge of this version takes
    it (it writes no holder file), from "locked" sent until anything is received."""
    from filelock import FileLock

    with FileLock(path):
        connection.send("locked")
        connection.recv()


def erasing_held(connection: Connection, url: str) -> None:
    """In a process of `forked_call`: `cxbridge erase jane.doe@example.com` from `url`, its output
    dropped, holding the lock in the erasure from "erasing" sent until anything is received."""
    from cxbridge.plugins.sqlite.destination import SQLiteDestination

    erase = SQLiteDestination.erase

    def holding(self, keys, **options):
        connection.send("erasing")
        connection.recv()
        return erase(self, keys, **options)

    SQLiteDestination.erase = holding
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    cxbridge.cli.main.cli(["erase", "jane.doe@example.com", "--destination", url], prog_name="cxbridge")


def duckdb_user(connection: Connection, path: str) -> None:
    """In a process of `forked_call`: the DuckDB file `path` open for writing, as the DuckDB CLI or
    a BI tool opens it, from "open" sent until anything is received."""
    import duckdb

    with duckdb.connect(path):
        connection.send("open")
        connection.recv()


def _sync_in(cwd: str, env: dict[str, str], plugin: object, config: str, url: str) -> None:
    """In a process of `forked_call`: `cxbridge.sync(config)` into `url`, refusing a held lock at
    once, in `cwd` with `env` and `plugin` registered."""
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    host = cxbridge.plugins_host.create_host()
    host.pm.register(plugin)
    cxbridge.sync(config, destination=url, host=host, wait=0)


class CrashAfterFirstBatch:
    @hookimpl
    def on_sync_event(self, event):
        if event.kind == "batch_committed":
            os._exit(9)  # the process dies between batches, like a kill -9


def crashing_sync(connection: Connection, config: str, url: str, cwd: str, env: dict[str, str]) -> None:
    """In a process of `forked_call`: a sync that dies (exit code 9) after its first committed batch."""
    _sync_in(cwd, env, CrashAfterFirstBatch(), config, url)


class SendAfterBatch:
    """Sends "batch" after each committed batch, then holds the sync until `release` exists."""

    def __init__(self, connection: Connection, release: str):
        self.connection, self.release, self.sending = connection, Path(release), threading.Lock()

    @hookimpl
    def on_sync_event(self, event):
        if event.kind == "batch_committed":
            with self.sending:  # a parallel sync's sources send from their threads
                self.connection.send("batch")
            while not self.release.exists():
                time.sleep(0.02)


def slow_sync(connection: Connection, config: str, url: str, release: str, cwd: str, env: dict[str, str]) -> None:
    """In a process of `forked_call`: a sync held after each committed batch until `release`
    exists (`SendAfterBatch`), Ctrl-C interrupting it (exit code 130) as in a terminal; a refusal
    sent as "error: MESSAGE" (its exit code)."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        _sync_in(cwd, env, SendAfterBatch(connection, release), config, url)
    except cxbridge.CxbridgeError as exc:
        connection.send(f"error: {exc}")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)


def held_cli_sync(connection: Connection, args: list[str], cwd: str, env: dict[str, str], errors: str) -> None:
    """In a process of `forked_call`: `cxbridge ARGS` in `cwd` with `env`, its standard error to
    the file `errors`, held after each committed batch (`SendAfterBatch`) until the file
    `released` in `cwd` exists, which it creates once told to stop (a parallel run's held sources
    go on then); Ctrl-C interrupting it as in a terminal."""
    from cxbridge import pipeline

    released, stop = Path(cwd) / "released", pipeline.Stopping.stop

    def stop_then_release(self, interruption):
        stop(self, interruption)
        released.touch()

    pipeline.Stopping.stop = stop_then_release
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    os.dup2(os.open(errors, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 2)
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    get_host().pm.register(SendAfterBatch(connection, str(released)))
    sys.argv = ["cxbridge", *args]
    cxbridge.cli.launch.main()


def after_deletes(execute, count: int, deleted: list[str], error: BaseException | None = None, *,
                  counted=lambda sql: sql.startswith("DELETE")):  # fmt: skip
    """`execute` that, once it ran `count` DELETE statements (those `counted`), raises `error` (or
    SIGKILLs the process)."""

    def stopping(self, sql, params=()):
        execute(self, sql, params)
        if counted(sql):
            deleted.append(sql)
            if len(deleted) == count:
                if error is None:
                    os.kill(os.getpid(), signal.SIGKILL)
                raise error

    return stopping


def after_pruning(execute, count: int, deleted: list[str], error: BaseException | None = None):
    """`execute` that, once it ran `count` of a prune's DELETE statements (by listed ids, where
    a batch's take ids from its staging tables), raises `error` (or SIGKILLs the process)."""
    return after_deletes(execute, count, deleted, error, counted=lambda sql: sql.startswith("DELETE FROM")
                         and "WHERE record_id IN (" in sql and "IN (SELECT" not in sql)  # fmt: skip


def _killed_after(deletes: int, stopping=after_deletes) -> None:
    """SQLite and the SQL engines SIGKILL this process once they ran `deletes` DELETE statements
    (those `stopping` counts)."""
    for cls in (SQLiteDestination, SQLDestination):
        cls.execute = stopping(cls.execute, deletes, [])


def erasure_killed(connection: Connection, url: str, deletes: int, key: str) -> None:
    """In a process of `forked_call`: `api.erase([key])` from `url`, killed after `deletes` DELETEs."""
    _killed_after(deletes)
    cxbridge.api.erase([key], destination=url)


def prune_killed(connection: Connection, url: str, deletes: int, config: str) -> None:
    """In a process of `forked_call`: a full refresh of the source `survey` of `config` into `url`
    with `--prune`, killed after `deletes` of the prune's DELETEs."""
    _killed_after(deletes, after_pruning)
    cxbridge.api.sync(config, destination=url, sources=["survey"], full_refresh=True, prune=True)


def removal_killed(connection: Connection, url: str, deletes: int, config: str) -> None:
    """In a process of `forked_call`: `api.remove("survey", config)` from `url`, killed after
    `deletes` of its DELETEs by listed ids."""
    _killed_after(deletes, after_pruning)
    cxbridge.api.remove("survey", config, destination=url)


def removal_killed_before_its_transaction(connection: Connection, url: str, config: str) -> None:
    """In a process of `forked_call`: `api.remove("survey", config)` from `url`, killed once its
    `running` row and its copy-case mark are saved, before its transaction begins."""

    def killed(self, chosen, **options):
        os.kill(os.getpid(), signal.SIGKILL)

    SQLiteDestination.remove = SQLDestination.remove = killed
    cxbridge.api.remove("survey", config, destination=url)


def removal_held_before_its_transaction(connection: Connection, url: str, config: str) -> None:
    """In a process of `forked_call`: `api.remove("survey", config)` from `url`, holding the lock
    once its `running` row is saved, from "removing" sent until anything is received."""

    def held(remove):
        def holding(self, chosen, **options):
            connection.send("removing")
            connection.recv()
            return remove(self, chosen, **options)

        return holding

    SQLiteDestination.remove, SQLDestination.remove = held(SQLiteDestination.remove), held(SQLDestination.remove)
    cxbridge.api.remove("survey", config, destination=url)


def forked_call(target: Callable[..., None], *args: Any) -> tuple[multiprocessing.Process, Connection]:
    """`target(connection, *args)` — a function of a module, as `python -c` would run a script —
    in a process of its own forked from the server, and this side of its `connection`."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOADED)
    mine, theirs = context.Pipe()
    process = context.Process(target=_called, args=(target, theirs, args))
    process.start()
    theirs.close()
    return process, mine


def held_sync(args: list[str], *, cwd: Path, release: Path) -> tuple[multiprocessing.Process, Path]:
    """`cxbridge ARGS` in a process of its own, returned once it holds after its first committed
    batch (holding the destination's lock) until `release` exists; and the file of its output."""
    output, held = release.with_name(release.name + ".output"), release.with_name(release.name + ".held")
    process = forked_command(args, cwd=cwd, output=output, plugin=HoldAfterBatch(str(held), str(release)))
    while not held.exists():
        assert process.is_alive(), output.read_text(encoding="utf-8", errors="replace")
        time.sleep(0.02)
    return process, output


def sync_killed(
    args: list[str], *, cwd: Path, batches: int, delay: float, timeout: float = 300
) -> tuple[int | None, str]:
    """`cxbridge ARGS` run in `cwd` with this process's environment, killed after `batches`
    committed batches and `delay` seconds: its exit code (negative: the signal; None: still
    running after `timeout` seconds, then killed) and its output."""
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "output"
        process = forked_command(args, cwd=cwd, output=output, plugin=KillAfterBatch(batches, delay))
        process.join(timeout)
        exit_code = process.exitcode
        if exit_code is None:
            process.kill()
            process.join()
        return exit_code, output.read_text(encoding="utf-8", errors="replace") if output.exists() else ""
