"""The Dagster integration (cxbridge.integrations.dagster), materialized for real in-process:
an asset per source whose metadata are its sync's counts, a quarantine check that warns, a
failing source as a failed materialization, the views downstream, and the definitions' job,
schedule and stale-source sensor."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import dagster as dg
import pytest

from cxbridge import plugins_host
from cxbridge.integrations.dagster import QUARANTINE_CHECK, cxbridge_assets, cxbridge_definitions
from cxbridge.integrations.dagster import source_key, view_key
from tests.many_sources import config_toml, expect, write_files
from tests.sqlite_runs import SHARED_SALT


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.setattr(plugins_host, "_host", None)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CXBRIDGE_TEST_SHARED_SALT", SHARED_SALT.get_secret_value())
    write_files(tmp_path)
    (tmp_path / "cxbridge.toml").write_text(config_toml("", forms=()), encoding="utf-8")
    return tmp_path


def materialized(result, key):
    [event] = [e for e in result.get_asset_materialization_events() if e.asset_key == key]
    return {name: value.value for name, value in event.materialization.metadata.items()}


def test_each_source_is_an_asset_with_its_counts_and_a_quarantine_check_that_warns(project):
    assets = cxbridge_assets(project / "cxbridge.toml")
    result = dg.materialize(assets, instance=dg.DagsterInstance.ephemeral())
    assert result.success
    a, b = materialized(result, source_key("branch_a")), materialized(result, source_key("branch_b"))
    assert (a["records_read"], a["records_written"], a["records_quarantined"], a["status"]) == (2, 2, 0, "success")
    assert (b["records_read"], b["records_written"], b["records_quarantined"]) == (3, 2, 1)
    assert a["records_skipped"] == b["records_skipped"] == 0  # sync_runs' count of records left out on purpose
    with sqlite3.connect(project / "cxbridge.db") as conn:
        runs = dict(conn.execute("SELECT source, run_id FROM sync_runs").fetchall())
    assert (a["run_id"], b["run_id"]) == (runs["branch_a"], runs["branch_b"])
    checks = {e.asset_key: e for e in result.get_asset_check_evaluations()}
    assert checks[source_key("branch_a")].passed and checks[source_key("branch_a")].check_name == QUARANTINE_CHECK
    warned = checks[source_key("branch_b")]
    assert not warned.passed and warned.severity == dg.AssetCheckSeverity.WARN
    with sqlite3.connect(project / "cxbridge.db") as conn:
        [(months,)] = conn.execute("SELECT COUNT(*) FROM nps_by_month").fetchall()
    assert materialized(result, view_key("nps_by_month"))["rows"] == months > 0


def test_a_failing_source_is_a_failed_materialization_and_the_others_succeed(project):
    (project / "branch_b.csv").unlink()  # the check pass finds no file: the sync of branch_b fails
    assets = cxbridge_assets(project / "cxbridge.toml")
    result = dg.materialize(assets, instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)
    assert not result.success
    done = {e.asset_key for e in result.get_asset_materialization_events()}
    assert source_key("branch_a") in done and source_key("branch_b") not in done
    failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert any("branch_b" in (e.step_key or "") for e in failures)
    assert view_key("nps_by_month") not in done  # downstream of a failed source: not run


def test_the_definitions_hold_a_job_a_schedule_and_a_sensor_asking_for_stale_sources(project):
    defs = cxbridge_definitions(project / "cxbridge.toml", cron="15 * * * *", stale_after="1d",
                                fresh_within=timedelta(hours=6))  # fmt: skip
    assert defs.resolve_schedule_def("cxbridge_schedule").cron_schedule == "15 * * * *"
    assert defs.resolve_job_def("cxbridge_sync") is not None
    spec = defs.resolve_assets_def(source_key("branch_a"))
    assert spec.specs_by_key[source_key("branch_a")].freshness_policy is not None
    sensor = defs.resolve_sensor_def("cxbridge_stale_sources")
    instance = dg.DagsterInstance.ephemeral()
    dg.materialize(cxbridge_assets(project / "cxbridge.toml"), instance=instance,
                   selection=[source_key("branch_a")])  # fmt: skip
    evaluation = sensor.evaluate_tick(dg.build_sensor_context(instance=instance, definitions=defs))
    [request] = evaluation.run_requests
    assert request.asset_selection == [source_key("branch_b")]  # never synced: stale


def test_a_source_whose_sync_fails_fails_its_materialization_with_the_error(project, monkeypatch):
    from tests.local_api import Reply
    from tests.typeform_api import TOKEN, typeform

    from tests.many_sources import account

    monkeypatch.setenv("TYPEFORM_TOKEN", TOKEN)
    with typeform(account(("formAaaa",))) as api:
        (project / "cxbridge.toml").write_text(config_toml(api.url, ("formAaaa",)), encoding="utf-8")
        api.fail(Reply(403, {"code": "FORBIDDEN", "description": "not allowed"}), match="/responses", times=5)
        assets = [a for a in cxbridge_assets(project / "cxbridge.toml") if source_key("web_a") in a.keys]
        result = dg.materialize(assets, instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)
    assert not result.success
    [failure] = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert "cxbridge sync of web_a failed" in failure.step_failure_data.user_failure_data.description
    assert "403" in failure.step_failure_data.user_failure_data.description


def fail_window(assets, name):
    [spec] = [a for a in assets if source_key(name) in a.keys]
    policy = spec.specs_by_key[source_key(name)].freshness_policy
    if policy is None:
        return None
    window = policy.fail_window
    return timedelta(days=window.days, seconds=window.seconds, microseconds=window.microseconds)


def test_each_source_s_expected_every_is_its_freshness_policy_unless_fresh_within_names_it(project):
    expect(project, branch_a="1d", branch_b="90m")
    assets = cxbridge_assets(project / "cxbridge.toml")
    assert (fail_window(assets, "branch_a"), fail_window(assets, "branch_b")) == (timedelta(days=1), timedelta(minutes=90))
    assets = cxbridge_assets(project / "cxbridge.toml", fresh_within={"branch_b": timedelta(hours=6)})
    assert (fail_window(assets, "branch_a"), fail_window(assets, "branch_b")) == (timedelta(days=1), timedelta(hours=6))
    assets = cxbridge_assets(project / "cxbridge.toml", fresh_within=timedelta(weeks=1))
    assert fail_window(assets, "branch_a") == fail_window(assets, "branch_b") == timedelta(weeks=1)


def test_without_expected_every_nor_fresh_within_a_source_has_no_freshness_policy(project):
    assert fail_window(cxbridge_assets(project / "cxbridge.toml"), "branch_a") is None


def test_the_sensor_without_stale_after_asks_for_the_sources_older_than_their_expected_every(project):
    expect(project, branch_a="1d")
    defs = cxbridge_definitions(project / "cxbridge.toml", stale_after=None)
    instance = dg.DagsterInstance.ephemeral()
    dg.materialize(cxbridge_assets(project / "cxbridge.toml"), instance=instance)
    with sqlite3.connect(project / "cxbridge.db") as conn:  # branch_a's last success moves to 2020
        conn.execute("UPDATE sync_runs SET started_at = '2020-01-01T06:00:00Z', finished_at = '2020-01-01T06:00:00Z' "
                     "WHERE source = 'branch_a'")  # fmt: skip
    sensor = defs.resolve_sensor_def("cxbridge_stale_sources")
    evaluation = sensor.evaluate_tick(dg.build_sensor_context(instance=instance, definitions=defs))
    [request] = evaluation.run_requests
    assert request.asset_selection == [source_key("branch_a")]  # branch_b has no expected_every: not judged on age
