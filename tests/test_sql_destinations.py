"""What the SQL destinations share (cxbridge.sql_destination, cxbridge.sql_migrations): tracked
migrations, the dialect's column types, one transaction per batch, and `report`/`status` through
the CLI."""

from __future__ import annotations

import json
import os
import socket

import pytest
from click.testing import CliRunner

from cxbridge import plugins_host
from cxbridge.cli.main import cli
from cxbridge.destinations import Batch, CursorUpdate
from cxbridge.errors import DestinationLockedError
from cxbridge.plugins.duckdb.destination import DuckDBDestination
from cxbridge.plugins.postgres.destination import PostgresDestination
from cxbridge.tables import RecordRows, to_json
from cxbridge.testing.destinations import RECORDS, deliver
from cxbridge.testing.sample_feedback import version_records
from cxbridge.views import VIEW_NAMES
from tests.conftest import Workspace, survey_row


@pytest.fixture(autouse=True)
def fresh_host(monkeypatch):
    monkeypatch.setattr(plugins_host, "_host", None)


@pytest.fixture(params=["duckdb", "postgresql"])
def sql_destination(request, tmp_path):
    """A factory of destinations of one SQL engine, each name a separate place."""
    if request.param == "duckdb":
        return lambda name: DuckDBDestination(f"duckdb:///{tmp_path / name}.duckdb")
    database = request.getfixturevalue("postgres_database")
    return lambda name: PostgresDestination(database(name))


def test_migrations_are_recorded_and_applied_once(sql_destination):
    for _ in range(2):
        destination = sql_destination("x")
        destination.open()
        destination.close()
    destination.open(read_only=True)
    applied = destination.query("SELECT name FROM cxbridge_migrations ORDER BY name")
    destination.close()
    assert [row["name"] for row in applied] == [
        "0001_initial_tables", "0002_bi_views", "0003_crm_tables", "0004_crm_views", "0005_local_dates", "0006_metadata",
        "0007_population_views",
        "0008_cross_source_identity", "0009_loop_tables", "0010_loop_views", "0011_question_keys", "0012_ranking_views",
        "0013_waves", "0014_exact_rounding", "0015_overdue_before_contact", "0016_cases_follow_up",
        "0017_sla_share_of_decided_cases", "0018_erasures", "0019_store_names",
        "0020_skipped_count", "0021_revenue_currency", "0022_ranking_flags_apart",
        "0023_scorecard_flags_apart", "0024_counts_across_currencies", "0025_unknown_detractor_revenue",
        "0026_pruned_count", "0027_run_command", "0028_ranking_places_exact",
        "0029_case_local_months", "0030_quarantine_kinds",
        *(["duckdb_0001_keyless_growing_tables", "duckdb_0002_keyless_crm_tables"] if isinstance(destination, DuckDBDestination) else []),
        *(["postgresql_0001_indexes_that_pay"] if isinstance(destination, PostgresDestination) else []),
    ]  # fmt: skip


def test_a_new_destination_s_set_up_stopped_before_its_views_starts_over_and_gets_them(sql_destination, monkeypatch):
    """A new destination creates its views once, after every migration, and records the
    migrations only after them: a set-up stopped there (killed, or failing) leaves nothing
    recorded, so the next open sets it up again, views included, instead of finding every
    migration done and no view."""
    from cxbridge import sql_destination as module

    real = module.create_views

    def stopped(destination, *args):
        if not destination.views_deferred:
            raise KeyboardInterrupt("stopped before the views")
        real(destination, *args)

    monkeypatch.setattr(module, "create_views", stopped)
    destination = sql_destination("x")
    if hasattr(destination, "from_template"):  # DuckDB: a new file is a template's copy, whole or none (ttime20)
        monkeypatch.setattr(destination, "from_template", False)  # — the set-up it copies is the one stopped here
    with pytest.raises(KeyboardInterrupt):
        destination.open()
    destination.close()
    monkeypatch.setattr(module, "create_views", real)
    destination.open()
    try:
        views = {row["table_name"] for row in destination.query(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'VIEW'")}  # fmt: skip
        recorded = destination.query("SELECT name FROM cxbridge_migrations")
    finally:
        destination.close()
    assert set(VIEW_NAMES) <= views
    assert sorted(row["name"] for row in recorded) == sorted(migration.name for migration in destination.migrations)


def test_a_database_without_local_dates_gets_each_record_s_utc_day(sql_destination):
    """Upgrading a database written before `submitted_local_date`: its records get their UTC
    day, the month they were counted in until then."""
    deliver(sql_destination("old"))
    destination = sql_destination("old")
    destination.open()
    try:
        expected = destination.query("SELECT * FROM nps_by_month")
        for name in VIEW_NAMES:
            destination.execute(f"DROP VIEW IF EXISTS {name}")
        destination.execute("ALTER TABLE feedback DROP COLUMN submitted_local_date")
        destination.execute("DELETE FROM cxbridge_migrations WHERE name = '0005_local_dates'")
    finally:
        destination.close()
    destination.open()
    try:
        days = destination.query("SELECT source_record_id, submitted_local_date FROM feedback")
        assert sorted(destination.query("SELECT * FROM nps_by_month"), key=repr) == sorted(expected, key=repr)
    finally:
        destination.close()
    utc_days = {raw["id"]: raw["submitted"][:10] if raw["submitted"] else None for raw in version_records(RECORDS, 1)}
    found = {row["source_record_id"]: row["submitted_local_date"] for row in days}
    assert found and found == {native: utc_days[native] for native in found}


def test_a_failing_batch_leaves_nothing_behind(sql_destination):
    deliver(sql_destination("x"))
    destination = sql_destination("x")
    destination.open()
    before = destination.query("SELECT COUNT(*) AS n FROM feedback")[0]["n"]
    cursor = destination.get_cursor("store_survey", "responses")
    good = {
        k: to_json(v) if isinstance(v, dict | list) else v
        for k, v in destination.query("SELECT * FROM feedback")[0].items()
    }
    new = RecordRows("new-record", tuple({**good, "record_id": "new-record"}.values()), [], [], "hash")
    no_value = ("broken", "nps", "q1", None, None, 0.0, 10.0, "higher_is_better", 50.0, None, True, "k")  # value: NOT NULL
    broken = RecordRows("broken", tuple({**good, "record_id": "broken"}.values()), [no_value], [], "hash2")
    batch = Batch(
        run_id="run", source="store_survey", stream="responses", started_at=good["ingested_at"],
        records=[new, broken], cursor=CursorUpdate("store_survey", "responses", "z"),
    )  # fmt: skip
    with pytest.raises(Exception, match="(?i)null"):
        destination.write_batch(batch)
    assert destination.query("SELECT COUNT(*) AS n FROM feedback")[0]["n"] == before
    assert destination.get_cursor("store_survey", "responses") == cursor
    destination.close()


def test_lock_keeps_a_second_sync_out(sql_destination):
    first, second = sql_destination("x"), sql_destination("x")
    with first.lock():
        with pytest.raises(DestinationLockedError) as refused:
            with second.lock():
                pass
        with pytest.raises(DestinationLockedError) as waited:
            with second.lock(wait=0.1):
                pass
    with second.lock():
        pass
    if isinstance(first, PostgresDestination):  # the holder is told: a whole-schema command, by host and process
        assert f"another cxbridge command ({socket.gethostname()}:{os.getpid()}:" in str(refused.value)
        assert f") holds the whole of {first.display_name}; " in str(refused.value)
        still = "it had not finished"
    else:
        assert "another cxbridge command (" in str(refused.value) and f", pid {os.getpid()}, holding it since " in str(refused.value)
        still = "it was still writing"
    assert str(refused.value).endswith("wait for it to finish, or pass --wait SECONDS to queue behind it")
    assert str(waited.value).endswith(
        f"; {still} after 0.1 s of waiting: run again once it is done, or pass a longer --wait SECONDS"
    )


def test_sync_report_and_status_through_the_cli(sql_destination, workspace: Workspace):
    workspace.write_csv([survey_row(n) for n in range(1, 41)])
    url = sql_destination("cli").url
    runner = CliRunner()
    synced = runner.invoke(cli, ["sync", "--destination", url, "--no-progress"], catch_exceptions=False)
    assert synced.exit_code == 0, synced.output
    assert "40 read · 40 written" in synced.output
    workspace.sync()  # the same rows into SQLite, for comparison
    for args in (["--by", "location"], ["--by", "month", "--metric", "csat"]):
        rows = json.loads(runner.invoke(cli, ["report", "-d", url, "--format", "json", *args]).output)
        expected = json.loads(
            runner.invoke(cli, ["report", "--db", str(workspace.db), "--format", "json", *args]).output
        )
        assert rows == expected
    status = json.loads(runner.invoke(cli, ["status", "-d", url, "--format", "json"]).output)
    assert [run["records_written"] for run in status["runs"]] == [40]
    assert status["cursors"][0]["source"] == "survey"


def test_a_database_written_before_cross_source_identity_gains_duplicate_of(sql_destination):
    from cxbridge.duplicates import IdentityRules
    from cxbridge.testing.destinations import deliver_copies, expected_copy_pointers, full_identity_pass, pointers
    from cxbridge.views import VIEW_NAMES

    deliver_copies(sql_destination("old"))
    destination = sql_destination("old")
    destination.open()
    for view in VIEW_NAMES:  # as the version before left it: no column, no migration, views without it
        destination.execute(f"DROP VIEW {view}")
    destination.execute("ALTER TABLE feedback DROP COLUMN duplicate_of")
    destination.execute("DELETE FROM cxbridge_migrations WHERE name = '0008_cross_source_identity'")
    destination.close()
    full_identity_pass(sql_destination("old"), IdentityRules())  # migrates, as the next sync's first pass
    assert pointers(sql_destination("old")) == expected_copy_pointers(1)
    deliver_copies(sql_destination("old"), copy_version=2)
    assert pointers(sql_destination("old")) == expected_copy_pointers(2)
