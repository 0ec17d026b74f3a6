"""The PostgreSQL destination against a real server: URL spellings, column types, secrets kept
out of errors, read-only sessions."""

from __future__ import annotations

import sys

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
        # both failing rows count (each row as if written alone, docs/cli.md); one quarantine row holds R1
        assert (result.status, result.read, result.quarantined) == ("success", 3, 2)
    destination = PostgresDestination(url)
    destination.open(read_only=True)
    [item] = destination.quarantined()
    destination.close()
    assert item.source_record_id == "R1" and "12 is outside its scale" in item.error


AS_0013_LEFT_THEM = (
    "feedback_submitted_at ON feedback (submitted_at)", "feedback_location ON feedback (location_id)",
    "feedback_duplicate_of ON feedback (duplicate_of)", "feedback_respondent_key ON feedback (respondent_key)",
    "feedback_scores_metric ON feedback_scores (metric, is_primary)",
    "feedback_scores_question_key ON feedback_scores (question_key)",
    "feedback_cases_record_id ON feedback_cases (record_id)", "feedback_cases_status ON feedback_cases (status)",
    "feedback_case_events_case_id ON feedback_case_events (case_id)",
)  # fmt: skip


def _indexes(destination: PostgresDestination) -> dict[str, str]:
    rows = destination.query("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()")
    return {row["indexname"]: row["indexdef"] for row in rows if not row["indexname"].endswith("_pkey")}


def _every_view(destination: PostgresDestination) -> dict[str, list[str]]:
    from cxbridge.views import VIEW_NAMES

    return {name: sorted(map(repr, destination.query(f"SELECT * FROM {name}"))) for name in VIEW_NAMES}


def test_the_indexes_sqlite_dropped_go_and_the_look_ups_keep_theirs(postgres_database):
    """`postgresql_0001_indexes_that_pay`: the indexes SQLite's migrations 0014–0017 drop or make
    partial go the same way on a database written before (as 0013 left it, with copies and cases
    stored), as on a new database; every view gives the same rows."""
    from cxbridge.plugins.postgres.destination import INDEXES_THAT_PAY
    from cxbridge.testing.destinations import deliver_copies

    fresh = PostgresDestination(postgres_database("fresh_indexes"))
    fresh.open()
    new = _indexes(fresh)
    fresh.close()
    assert not {"feedback_submitted_at", "feedback_location", "feedback_scores_metric", "feedback_scores_question_key",
                "feedback_cases_record_id", "feedback_cases_status"} & set(new)  # fmt: skip
    assert new["feedback_duplicate_of"].endswith("WHERE (duplicate_of IS NOT NULL)")
    assert new["feedback_respondent_key"].endswith("WHERE (respondent_key IS NOT NULL)")
    assert new["feedback_case_events_case_id"].endswith("WHERE (kind <> 'opened'::text)")

    url = postgres_database("old_indexes")
    deliver(PostgresDestination(url))
    deliver_copies(PostgresDestination(url))
    destination = PostgresDestination(url)
    destination.open()
    try:
        for name in ("feedback_duplicate_of", "feedback_respondent_key", "feedback_case_events_case_id"):
            destination.execute(f"DROP INDEX {name}")
        for index in AS_0013_LEFT_THEM:
            destination.execute(f"CREATE INDEX {index}")
        destination.execute(f"DELETE FROM cxbridge_migrations WHERE name = '{INDEXES_THAT_PAY}'")
        before = _every_view(destination)
        assert destination.query("SELECT COUNT(*) AS n FROM feedback_cases")[0]["n"] > 0
        assert destination.query("SELECT COUNT(*) AS n FROM feedback WHERE duplicate_of IS NOT NULL")[0]["n"] > 0
    finally:
        destination.close()
    destination.open()
    try:
        assert _indexes(destination) == new
        assert _every_view(destination) == before
    finally:
        destination.close()


def open_cursors(destination: PostgresDestination) -> list[str]:
    return [row["name"] for row in destination.query("SELECT name FROM pg_cursors ORDER BY name")]


def test_listed_rows_stream_through_a_server_side_cursor(postgres_database):
    """`query_rows` (cases list, quarantine list, duplicates) fetches a batch a round trip from a
    cursor on the server, not the whole result into the client at once; the cursor and the
    transaction it lives in end with the rows, read to the end or not."""
    destination = PostgresDestination(postgres_database("streamed"))
    destination.open(read_only=True)
    rows = destination.query_rows("SELECT n FROM generate_series(1, 2500) AS n ORDER BY n")
    assert [next(rows)["n"] for _ in range(3)] == [1, 2, 3]
    [cursor] = open_cursors(destination)  # the query_rows' cursor, seen from its own transaction
    fetched = destination.query(f"SELECT COUNT(*) AS n FROM pg_cursors WHERE name = '{cursor}' AND NOT is_holdable")
    assert fetched == [{"n": 1}]
    assert [row["n"] for row in rows] == list(range(4, 2501))
    assert open_cursors(destination) == [] and destination.conn.info.transaction_status.name == "IDLE"
    partly = destination.query_rows("SELECT n FROM generate_series(1, 2500) AS n ORDER BY n")
    assert next(partly) == {"n": 1}
    partly.close()
    assert open_cursors(destination) == [] and destination.conn.info.transaction_status.name == "IDLE"
    destination.close()


def test_a_stream_left_unread_when_its_destination_closes_ends_quietly(postgres_database, monkeypatch):
    """`cases list --limit 5 --format json`: the listing stops reading, the destination closes,
    then the rows' iterator is dropped."""
    unraisable: list[object] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    destination = PostgresDestination(postgres_database("left"))
    destination.open(read_only=True)
    rows = destination.query_rows("SELECT n FROM generate_series(1, 2500) AS n")
    assert next(rows) == {"n": 1}
    destination.close()
    del rows  # the generator finishes after its connection closed: nothing raised, nothing printed
    assert unraisable == []


def test_a_stream_inside_a_transaction_reads_what_the_transaction_wrote(postgres_database):
    destination = PostgresDestination(postgres_database("in_transaction"))
    destination.open()
    with destination.transaction():
        destination.execute("INSERT INTO feedback_followups (record_id, followed_up_at) VALUES ('r1', now())")
        assert [row["record_id"] for row in destination.query_rows("SELECT record_id FROM feedback_followups")] == ["r1"]
    destination.close()
