"""The PostgreSQL destination against a real server: URL spellings, column types, secrets kept
out of errors, read-only sessions."""

from __future__ import annotations

import pytest

from cxbridge.errors import DestinationError
from cxbridge.plugins.postgres.destination import PostgresDestination
from cxbridge.plugins_host import create_host
from cxbridge.testing.destinations import deliver
from tests.conftest import survey_row


def test_every_spelling_of_the_url_reaches_the_same_server(postgres_database):
    url = postgres_database("spellings")
    host = create_host(load_entry_points=False)
    for spelled in (
        url,
        url.replace("postgresql://", "postgres://"),
        url.replace("postgresql://", "postgresql+psycopg://"),
    ):
        scheme = spelled.split(":")[0].split("+")[0]
        destination = host.destination_class(scheme)(spelled)
        destination.open()
        assert destination.query("SELECT current_database() AS db")[0]["db"] == url.rsplit("/", 1)[1]
        destination.close()


def test_columns_use_native_types(postgres_database):
    deliver(PostgresDestination(postgres_database("types")))
    destination = PostgresDestination(postgres_database("types"))
    destination.open(read_only=True)
    types = {
        row["column_name"]: row["data_type"]
        for row in destination.query(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'feedback'"
        )
    }
    nps = destination.query("SELECT answers -> 'q_nps' ->> 'text' AS text FROM feedback LIMIT 1")[0]["text"]
    destination.close()
    assert types["submitted_at"] == "timestamp with time zone"
    assert types["answers"] == "jsonb" and types["nps"] == "bigint" and types["csat"] == "double precision"
    assert nps == "How likely are you to recommend us?"


def test_a_read_only_session_cannot_write(postgres_database):
    destination = PostgresDestination(postgres_database("ro"))
    destination.open()
    destination.close()
    destination.open(read_only=True)
    with pytest.raises(Exception, match="read-only"):
        destination.query("INSERT INTO feedback_followups (record_id, followed_up_at) VALUES ('x', now()) RETURNING 1")
    destination.close()


def test_an_unreachable_server_is_a_clear_error_without_the_password():
    destination = PostgresDestination("postgresql://me:s3cret-pw@127.0.0.1:9/db?connect_timeout=2")
    with pytest.raises(DestinationError) as caught:
        destination.open()
    assert "cannot connect to postgresql://me:***@127.0.0.1:9/db" in str(caught.value)
    assert "s3cret-pw" not in str(caught.value)


def test_two_failing_rows_with_one_id_are_one_quarantine_row(postgres_database, workspace):
    """Both rows in one batch used to fail it with CardinalityViolation, on every run."""
    url = postgres_database("duplicates")
    workspace.write_csv([survey_row(1, nps=11), survey_row(1, nps=12), survey_row(2)])
    for _ in range(2):
        [result] = workspace.sync(destination=url, full_refresh=True).results
        assert (result.status, result.read, result.quarantined) == ("success", 3, 1)
    destination = PostgresDestination(url)
    destination.open(read_only=True)
    [item] = destination.quarantined()
    destination.close()
    assert item.source_record_id == "R1" and "12 is outside its scale" in item.error
