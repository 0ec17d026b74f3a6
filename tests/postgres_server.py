"""A throw-away PostgreSQL cluster for the tests, started with the system's initdb and pg_ctl
(as the unprivileged `postgres` user when the tests run as root), or the server named by
CXBRIDGE_TEST_POSTGRES_URL. Under CI a missing server fails the run instead of skipping."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.services import service_missing

SUPERUSER = "cxbridge"


def _binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_owner(command: list[str], owner: str | None) -> list[str]:
    return ["runuser", "-u", owner, "--", *command] if owner else command


class ServerUnavailable(RuntimeError):
    """No PostgreSQL server can be started here."""


@contextmanager
def throwaway_cluster() -> Iterator[str]:
    """Start a cluster in a temporary folder; yield its superuser URL; stop and delete it."""
    bin_dir = _binaries()
    if bin_dir is None:
        raise ServerUnavailable("no initdb in /usr/lib/postgresql/*/bin or on PATH")
    owner = None
    if os.geteuid() == 0:  # initdb refuses to run as root
        try:
            owner = pwd.getpwnam("postgres").pw_name
        except KeyError:
            raise ServerUnavailable("running as root and there is no `postgres` user to run initdb as") from None
    root = Path(tempfile.mkdtemp(prefix="cxbridge-pg-"))
    root.chmod(0o755)
    data = root / "data"
    data.mkdir()
    if owner:
        shutil.chown(data, owner)

    def run(program: str, *args: str) -> None:
        subprocess.run(_as_owner([str(bin_dir / program), *args], owner), check=True, capture_output=True)

    try:
        run("initdb", "-D", str(data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "-N")
        port = _started(run, data)
        yield f"postgresql://{SUPERUSER}@127.0.0.1:{port}/postgres"
    finally:
        if (data / "postmaster.pid").exists():
            run("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


def _started(run: Callable[..., None], data: Path, *, attempts: int = 3) -> int:
    """Start the server on a free port and return it. Another process (a parallel test worker's
    cluster) may take the port between choosing and binding it, so a failed start tries another."""

    def start(port: int) -> int:
        options = f"-c listen_addresses=127.0.0.1 -c unix_socket_directories={data} -p {port} -c fsync=off"
        run("pg_ctl", "-D", str(data), "-o", options, "-l", str(data / "server.log"), "-w", "start")
        return port

    for _ in range(attempts - 1):
        try:
            return start(_free_port())
        except subprocess.CalledProcessError:
            continue
    return start(_free_port())


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A superuser URL of a running server, for the whole test session."""
    if url := os.environ.get("CXBRIDGE_TEST_POSTGRES_URL"):
        yield url
        return
    try:
        cluster = throwaway_cluster()
        url = cluster.__enter__()
    except ServerUnavailable as exc:
        service_missing(f"PostgreSQL tests need a server: {exc} (install the `postgresql` package)")
    try:
        yield url
    finally:
        cluster.__exit__(None, None, None)


@pytest.fixture
def postgres_database(postgres_url: str) -> Iterator[Callable[[str], str]]:
    """A factory of empty databases: `make(name)` gives the URL of a database made for this test."""
    import psycopg

    made: dict[str, str] = {}

    def make(name: str) -> str:
        if name not in made:
            made[name] = f"cx_{name}_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(postgres_url, autocommit=True) as conn:
                conn.execute(f"CREATE DATABASE {made[name]}")
        return postgres_url.rsplit("/", 1)[0] + "/" + made[name]

    yield make
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        for database in made.values():
            conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def copy_database(server_url: str, name: str, *, template: str) -> None:
    """Make database `name` (anew, if it exists) a copy of database `template`, which nothing may
    be connected to: PostgreSQL copies its files, quicker than a sync fills an empty database."""
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {template}")


def drop_database(server_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
