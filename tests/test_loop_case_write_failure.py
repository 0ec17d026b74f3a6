"""A case the destination refuses to write is never lost in silence: the batch that opens it
fails with its records (rolled back, the source's run `failed` with the database's words naming
the table and column, exit 1), and the sync run again once the table is mended opens it — once.

A helper adding `feedback_cases.opened_local_date` saw `cases_opened == 0` and no exception
while the case table lacked the column: `cases_opened` was that of a *failed* source's result
(`status`, `error`), which `deliver` returns rather than raises, as `cxbridge sync` reports each
source's failure and goes on to the next. These tests pin that down on SQLite and DuckDB."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from click.testing import CliRunner

from cxbridge.cli.main import cli
from cxbridge.identity import record_id
from cxbridge.loop.cases import case_id
from cxbridge.plugins.duckdb.destination import DuckDBDestination
from cxbridge.plugins.postgres.destination import PostgresDestination
from cxbridge.plugins.sqlite.destination import SQLiteDestination
from cxbridge.testing.destinations import case_rows_expected, deliver, expected_cases, stored_cases
from tests.conftest import Workspace, survey_row

RENAMED = "opened_day"  # a column renamed by hand: the case table no longer has the one cxbridge writes


def rename_case_column(destination, old: str, new: str) -> None:
    destination.open()
    try:
        destination.execute(f"ALTER TABLE feedback_cases RENAME COLUMN {old} TO {new}")
    finally:
        destination.close()


def stored_feedback(destination) -> list[tuple[str, str]]:
    destination.open(read_only=True)
    try:
        rows = destination.query("SELECT record_id, content_hash FROM feedback WHERE source = 'store_survey'")
    finally:
        destination.close()
    return sorted((row["record_id"], row["content_hash"]) for row in rows)


@pytest.mark.parametrize(
    "factory",
    [
        lambda path: SQLiteDestination(f"sqlite:///{path}.db"),
        lambda path: DuckDBDestination(f"duckdb:///{path}.duckdb"),
    ],
    ids=["sqlite", "duckdb"],
)
def test_a_case_the_destination_refuses_fails_its_batch_and_the_re_run_opens_it_once(factory, tmp_path):
    make = lambda: factory(tmp_path / "cases")  # noqa: E731
    first = expected_cases(1)
    deliver(make())
    feedback_before = stored_feedback(make())
    rename_case_column(make(), "opened_local_date", RENAMED)

    survey, visits = deliver(make(), version=2)

    assert survey.status == "failed" and survey.cases_opened == 0
    assert "feedback_cases" in survey.error and "opened_local_date" in survey.error
    assert "Nothing of the batch was kept" in survey.error
    assert visits.status == "success"  # the next source still runs; it opens no case
    assert stored_feedback(make()) == feedback_before  # its records rolled back with its cases
    rename_case_column(make(), RENAMED, "opened_local_date")
    assert stored_cases(make()) == (first, case_rows_expected(first))

    added = {rid: case for rid, case in expected_cases(2).items() if rid not in first}
    survey, _ = deliver(make(), version=2)
    assert (survey.status, survey.cases_opened) == ("success", len(added))
    both = {**first, **added}
    assert stored_cases(make()) == (both, case_rows_expected(both))
    survey, _ = deliver(make(), version=2)
    assert survey.cases_opened == 0
    assert stored_cases(make()) == (both, case_rows_expected(both))


def test_cxbridge_sync_says_a_refused_case_failed_the_source_and_exits_1(workspace: Workspace):
    workspace.config.write_text(workspace.config.read_text() + "\n[loop.rules.detractors]\n")
    workspace.write_csv([survey_row(n) for n in range(1, 21)])
    first = CliRunner().invoke(cli, ["sync"])
    assert first.exit_code == 0, first.output
    opened = workspace.query("SELECT COUNT(*) FROM feedback_cases")[0][0]
    assert opened > 0
    with sqlite3.connect(workspace.db) as conn:
        conn.execute(f"ALTER TABLE feedback_cases RENAME COLUMN opened_local_date TO {RENAMED}")
    rows = [survey_row(n, nps=n % 7) for n in range(21, 31)]  # NPS 0–6: each a detractor
    workspace.write_csv(rows, "responses2.csv")

    refused = CliRunner().invoke(cli, ["sync"])

    assert refused.exit_code == 1
    assert "✘ survey (csv): failed:" in refused.output
    assert "table feedback_cases has no column named opened_local_date" in refused.output
    [(status, error)] = workspace.query("SELECT status, error FROM sync_runs ORDER BY started_at DESC LIMIT 1")
    assert status == "failed" and "feedback_cases has no column named opened_local_date" in error
    assert workspace.query("SELECT COUNT(*) FROM feedback")[0][0] == 20
    assert workspace.query("SELECT COUNT(*) FROM feedback_cases")[0][0] == opened

    with sqlite3.connect(workspace.db) as conn:
        conn.execute(f"ALTER TABLE feedback_cases RENAME COLUMN {RENAMED} TO opened_local_date")
    mended = CliRunner().invoke(cli, ["sync"])
    assert mended.exit_code == 0, mended.output
    assert "10 written" in mended.output and "10 cases opened" in mended.output
    assert workspace.query("SELECT COUNT(*) FROM feedback_cases")[0][0] == opened + 10
    assert CliRunner().invoke(cli, ["sync"]).exit_code == 0
    assert workspace.query("SELECT COUNT(*) FROM feedback_cases")[0][0] == opened + 10  # once


def changed_by_hand(destination, *statements: str) -> None:
    destination.open()
    try:
        for statement in statements:
            destination.execute(statement)
    finally:
        destination.close()


ENGINES = {
    "sqlite": lambda request, path: SQLiteDestination(f"sqlite:///{path}.db"),
    "duckdb": lambda request, path: DuckDBDestination(f"duckdb:///{path}.duckdb"),
    "postgres": lambda request, path: PostgresDestination(request.getfixturevalue("postgres_database")(path.name)),
}
FIRST = case_id(record_id("store_survey", "responses", "F0062"))[:8]
REFUSED = f"refused the 4 cases (rule detractors: 3, dissatisfied: 1; the first, case {FIRST}, of record F0062)"
"""The first batch of version 2 that opens cases, as `expected_cases` has them."""


@pytest.mark.parametrize("engine", list(ENGINES))
def test_a_refused_case_names_the_destination_table_rule_case_and_missing_column_and_what_to_do(engine, tmp_path, request):
    make = lambda: ENGINES[engine](request, tmp_path / "columns")  # noqa: E731
    deliver(make())
    rename_case_column(make(), "opened_local_date", RENAMED)

    survey, _ = deliver(make(), version=2)

    assert survey.status == "failed"
    assert survey.error.startswith(f"{make().display_name} {REFUSED}"), survey.error
    assert "that a batch of store_survey opens, writing feedback_cases: " in survey.error
    assert "feedback_cases lacks the column opened_local_date that this cxbridge writes" in survey.error
    assert "if it was renamed or dropped by hand, put it back as it was" in survey.error
    assert "the sync run again once that is done opens its cases, once" in survey.error
    assert "Traceback" not in survey.error and "bug in the" not in survey.error


CONSTRAINTS = {  # a constraint added by hand, and how the database names it
    "sqlite": (["DELETE FROM feedback_cases", "CREATE UNIQUE INDEX one_case_a_rule ON feedback_cases (rule)"],
               "(UNIQUE constraint failed: feedback_cases.rule)"),
    "duckdb": (["DELETE FROM feedback_cases", "CREATE UNIQUE INDEX one_case_a_rule ON feedback_cases (rule)"],
               '(UNIQUE constraint violation: duplicate key "detractors")'),  # DuckDB names no table: the statement does
    "postgres": (["ALTER TABLE feedback_cases ADD CONSTRAINT cases_need_an_owner CHECK (owner IS NOT NULL) NOT VALID"],
                 "(cases_need_an_owner)"),
}  # fmt: skip


KEYS_OF_THE_CASE_TABLES = {  # what the advice says cxbridge made them with: DuckDB's have no key (docs/destinations.md)
    "sqlite": "cxbridge's case tables have no constraint but their primary key",
    "duckdb": "cxbridge's case tables have no constraint on duckdb, not even a primary key (the merge keeps their "
              "keys unique)",
    "postgres": "cxbridge's case tables have no constraint but their primary key",
}  # fmt: skip


@pytest.mark.parametrize("engine", list(CONSTRAINTS))
def test_a_case_a_constraint_refuses_names_the_constraint(engine, tmp_path, request):
    make = lambda: ENGINES[engine](request, tmp_path / "constraint")  # noqa: E731
    deliver(make())
    statements, named = CONSTRAINTS[engine]
    changed_by_hand(make(), *statements)

    survey, _ = deliver(make(), version=2)

    assert survey.status == "failed" and REFUSED in survey.error, survey.error
    assert f"A constraint of feedback_cases refused the row {named}; " in survey.error
    assert f"{KEYS_OF_THE_CASE_TABLES[engine]}: drop or loosen the one added there" in survey.error
    assert "Failing row" not in survey.error  # PostgreSQL's copy of the case's values stays out of sync_runs


def test_a_case_refused_for_another_reason_says_to_check_the_table(tmp_path, request):
    """A trigger added by hand names no column and no constraint: the advice to check the table
    as cxbridge made it (31dee9c left it out, and the message read 'None')."""
    make = lambda: ENGINES["sqlite"](request, tmp_path / "trigger")  # noqa: E731
    deliver(make())
    changed_by_hand(make(), "CREATE TRIGGER frozen BEFORE INSERT ON feedback_cases BEGIN SELECT RAISE(ABORT, 'feedback_cases is frozen'); END")

    survey, _ = deliver(make(), version=2)

    assert survey.status == "failed" and REFUSED in survey.error, survey.error
    assert "Check that feedback_cases is as cxbridge made it (docs/schema.md) and that this account may write it" in (
        survey.error)  # fmt: skip


def test_a_case_another_writer_stored_meanwhile_says_to_run_the_sync_again(postgres_database):
    """Two writers opening one case: the sync's insert waits for the other's uncommitted row of
    that case, then the primary key refuses it — advice to run again, not to drop a constraint."""
    import psycopg

    url = postgres_database("meanwhile")
    deliver(PostgresDestination(url))
    opened = record_id("store_survey", "responses", "F0062")
    results: list = []
    with psycopg.connect(url) as other, psycopg.connect(url, autocommit=True) as watching:
        other.execute(
            "INSERT INTO feedback_cases (case_id, record_id, source, rule, status, opened_at, updated_at, sync_run_id) "
            "VALUES (%s, %s, 'store_survey', 'detractors', 'open', now(), now(), 'elsewhere')", [case_id(opened), opened]
        )
        syncing = threading.Thread(target=lambda: results.extend(deliver(PostgresDestination(url), version=2)))
        syncing.start()
        waiting = "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        deadline = time.monotonic() + 60
        while watching.execute(waiting).fetchone()[0] == 0 and syncing.is_alive() and time.monotonic() < deadline:
            time.sleep(0.02)
        other.commit()
        syncing.join(60)
    survey = results[0]
    assert survey.status == "failed" and REFUSED in survey.error, survey.error
    assert "Another writer stored a case with the same id meanwhile (one case per record): run the sync again" in survey.error
    assert "drop or loosen" not in survey.error
    again, _ = deliver(PostgresDestination(url), version=2)
    assert again.status == "success" and again.cases_opened == len(expected_cases(2).keys() - expected_cases(1).keys()) - 1
