"""A destination that fails mid-sync is named as the failure, not the source's plugin: here the
real PostgreSQL server ends the sync's connection after its first batch (an administrator's
pg_terminate_backend, as a server restart or a failover does). The sync ends with one
DestinationError naming the database (without its password) and the server's reason, not a
psycopg traceback nor "a bug in the csv plugin"; the first batch stays, nothing of the second is
kept, and the next sync writes the rest."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest

import cxbridge
from cxbridge.errors import DestinationError
from cxbridge.events import EventKind
from cxbridge.plugins.sqlite.destination import SQLiteDestination
from cxbridge.plugins_host import create_host
from tests.conftest import Workspace, survey_row


def test_a_connection_the_server_ends_is_one_destination_error_and_the_next_sync_writes_the_rest(
    tmp_path, postgres_database
):
    workspace = Workspace(tmp_path, batch_size=10)
    workspace.write_csv([survey_row(n) for n in range(1, 31)])
    url = postgres_database("ended")
    ended: list[int] = []

    def end_the_sync_connection(event) -> None:
        if event.kind is EventKind.BATCH_COMMITTED and not ended:
            with psycopg.connect(url, autocommit=True) as admin:
                ended.extend(
                    row[0]
                    for row in admin.execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    ).fetchall()
                )

    with pytest.raises(DestinationError) as failed:
        cxbridge.sync(workspace.config, destination=url, host=create_host(), on_progress=end_the_sync_connection)
    message = str(failed.value)
    assert ended and message.startswith(f"{url} could not complete a write (")
    assert "run the sync again" in message
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT COUNT(*) FROM feedback").fetchone() == (10,)

    assert cxbridge.sync(workspace.config, destination=url, host=create_host()).exit_code == 0
    with psycopg.connect(url) as conn:
        stored = sorted(row[0] for row in conn.execute("SELECT source_record_id FROM feedback").fetchall())
    assert stored == sorted(survey_row(n)[0] for n in range(1, 31))


def test_an_unexpected_error_of_the_destination_names_the_destination_not_the_source(workspace: Workspace, monkeypatch):
    """What a destination's write raises beyond cxbridge's own errors (here a constraint SQLite
    reports, injected into the write) fails the source as the destination's failure."""

    def refused(self, batch):
        raise sqlite3.IntegrityError("UNIQUE constraint failed: feedback.record_id")

    workspace.write_csv([survey_row(n) for n in range(1, 4)])
    monkeypatch.setattr(SQLiteDestination, "_write_batch", refused)
    [source] = workspace.sync().results
    assert source.status == "failed" and source.written == 0
    assert source.error == (
        f"sqlite:///{workspace.db} failed to write a batch: IntegrityError: UNIQUE constraint failed: "
        "feedback.record_id (the batch was not kept; a database that refused it, or a bug in the sqlite "
        "destination plugin?)"
    )
