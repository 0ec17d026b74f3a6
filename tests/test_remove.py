"""`cxbridge remove` (docs/cli.md#cxbridge-remove): a source's records — or one survey's, or one
stream's — removed on purpose with their scores, comments and quarantine rows, in one
transaction, on SQLite, DuckDB and PostgreSQL; their cases stay, other sources' copies are
pointed anew, and the cursor stays (a full refresh brings the records back); a dry run counts;
Parquet refuses as it refuses to prune; a source or survey not stored is named with what is."""

from __future__ import annotations

import json
import signal
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner

from cxbridge import api
from cxbridge.destinations import Destination
from cxbridge.errors import DestinationError
from cxbridge.hookspecs import hookimpl
from cxbridge.cli.main import cli
from cxbridge.freshness import stale_sources
from cxbridge.identity import record_id
from cxbridge.loop.cases import case_id
from cxbridge.loop.copy_cases import pending_marks
from tests.test_cross_source_identity import config, csv_source, feedback, view, write_rows
from tests.test_cross_source_identity import sync as identity_sync
from tests.killed_syncs import (
    after_pruning, forked_call, removal_held_before_its_transaction, removal_killed, removal_killed_before_its_transaction,
)  # fmt: skip
from cxbridge.plugins.sqlite.destination import SQLiteDestination
from cxbridge.plugins_host import create_host
from cxbridge.sql_destination import SQLDestination
from cxbridge.timestamps import format_timestamp, parse_timestamp
from tests.test_prune import (
    KEPT, RECORD_TABLES, WRONG_FILE, first_synced, fresh_host, ids, rows_of, store_visits, stored_ids,
    stores_entry, survey_run, synced, synced_with_copies,
)  # fmt: skip

__all__ = ["first_synced", "fresh_host", "synced"]  # fixtures


def remove(url: str, *args: str):
    return CliRunner().invoke(cli, ["remove", "--destination", url, *args])


def test_a_source_s_records_go_with_their_rows_and_their_cases_stay(synced):
    workspace, url = synced
    before = rows_of(url)

    result = remove(url, "--source", "survey")

    assert result.exit_code == 0, result.output
    after, gone = rows_of(url), ids(KEPT) | ids(WRONG_FILE)
    for table in RECORD_TABLES:
        assert after[table] == [row for row in before[table] if row["record_id"] not in gone], table
    assert {row["record_id"] for row in after["feedback"]} == ids(KEPT[:2], "other")
    assert after["quarantine"] == []
    for table in ("feedback_cases", "feedback_case_events", "loop_outbox"):
        assert after[table] == before[table], table
    assert {case_id(rid) for rid in ids(WRONG_FILE[:3])} <= {row["case_id"] for row in after["feedback_cases"]}
    assert f"of source survey: {len(KEPT) + len(WRONG_FILE)} records" in result.stdout
    assert "--source survey --full-refresh` brings back" in result.stdout


def test_a_dry_run_counts_and_removes_nothing(synced):
    workspace, url = synced
    before = rows_of(url)

    result = remove(url, "--source", "survey", "--dry-run", "--format", "json")

    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["dry_run"], summary["removed"]) == (True, len(KEPT) + len(WRONG_FILE))
    assert sum(row["quarantined"] for row in summary["by_stream"]) == 1  # the row off the scale
    assert rows_of(url) == before


def test_a_removal_stopped_part_way_removes_nothing(synced, monkeypatch):
    workspace, url = synced
    before = rows_of(url)
    deleted: list[str] = []
    for cls in (SQLiteDestination, SQLDestination):
        monkeypatch.setattr(cls, "execute", after_pruning(cls.execute, 3, deleted, RuntimeError("the disk went away")))

    result = remove(url, "--source", "survey")

    assert result.exit_code == 1 and "Traceback" not in result.output
    assert deleted[-1].startswith("DELETE FROM feedback_comments")
    assert "failed; nothing was removed: RuntimeError: the disk went away" in result.stderr
    assert rows_of(url) == before
    shown = json.loads(CliRunner().invoke(cli, ["status", "--format", "json", "--destination", url]).stdout)["runs"]
    [removal] = [row for row in shown if row["command"] == "remove"]
    assert (removal["status"], removal["records_pruned"]) == ("failed", 0)
    assert removal["error"].endswith("failed; nothing was removed: RuntimeError: the disk went away")


def test_a_source_not_stored_is_refused_naming_those_that_are(synced):
    workspace, url = synced
    before = rows_of(url)

    result = remove(url, "--source", "surevy")

    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "no record of source 'surevy': it holds records of other, survey" in result.stderr
    assert rows_of(url) == before


def test_parquet_refuses_as_it_refuses_to_prune(workspace, tmp_path):
    url = f"parquet:///{tmp_path / 'lake'}"
    workspace.write_csv(KEPT)
    workspace.sync(destination=url)

    result = remove(url, "--source", "survey")

    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "parquet destinations cannot remove records in one transaction yet (nor prune them)" in result.stderr
    with api.reading(destination=url) as dest:
        assert dest.query("SELECT COUNT(*) AS n FROM feedback")[0]["n"] == len(KEPT)


def test_bigquery_refuses_before_it_connects(workspace):
    result = remove("bigquery://my-project/cx_data", "--source", "survey")

    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "bigquery destinations cannot remove records in one transaction" in result.stderr


@pytest.mark.parametrize("kind", ["sqlite", "duckdb", "postgresql"])
def test_a_copy_whose_counted_record_was_removed_is_counted_in_its_place(workspace, kind, request, tmp_path):
    url = synced_with_copies(workspace, kind, request, tmp_path, "remove_copies")

    result = api.remove("survey", workspace.config, destination=url)

    assert result.removal.total == len(KEPT)
    with api.reading(destination=url) as dest:
        pointers = {row["record_id"]: row["duplicate_of"] for row in dest.query("SELECT * FROM feedback")}
        [counted] = dest.query("SELECT SUM(responses) AS n FROM nps_by_month")
    assert pointers == {record_id("exports", "rows", row[0]): None for row in KEPT[:2]}
    assert counted["n"] == 2


@pytest.mark.parametrize("kind", ["sqlite", "duckdb", "postgresql"])
def test_one_survey_s_responses_go_and_a_full_refresh_brings_them_back(kind, tmp_path, monkeypatch, request):
    """A Qualtrics source of two surveys: `--survey SV_store2` removes its responses, stored and
    quarantined, and keeps the other's; the cursor says they were read, so an incremental sync
    does not bring them back, and a full refresh does."""
    from tests.qualtrics_api import ROOT, qualtrics

    files = {"sqlite": f"sqlite:///{tmp_path / 'cx.db'}", "duckdb": f"duckdb:///{tmp_path / 'cx.duckdb'}"}
    url = files.get(kind) or request.getfixturevalue("postgres_database")("remove_survey")
    with qualtrics(store_visits(monkeypatch)) as fake:
        stores = stores_entry(fake)
        survey_run(url, tmp_path, "stores", stores)
        config = tmp_path / "cxbridge.toml"
        config.write_text(f'[sources.stores]\nconnector = "qualtrics"\nbase_url = "{fake.url + ROOT}"\n'
                          'api_token = "${QUALTRICS_API_TOKEN}"\nname_pattern = "^Store visit"\npoll_interval = 0.01\nrequests_per_second = 1000\n', encoding="utf-8")

        result = remove(url, "-c", str(config), "--source", "stores", "--survey", "SV_store2")
        removed = stored_ids(url)
        again = survey_run(url, tmp_path, "stores", stores)
        after_sync = stored_ids(url)
        survey_run(url, tmp_path, "stores", stores, full_refresh=True)

    assert result.exit_code == 0, result.output
    assert removed == {"feedback": {"R_0001abcd", "R_0002abcd", "R_0003abcd"}, "quarantine": set()}
    assert "of source stores: 2 records" in result.stdout and "1 stored · 1 quarantined" in result.stdout
    assert again.ok and after_sync == removed
    assert stored_ids(url) == {"feedback": {f"R_000{n}abcd" for n in range(1, 5)}, "quarantine": {"R_0005abcd"}}


def test_a_survey_not_stored_is_refused_naming_those_that_are(tmp_path, monkeypatch):
    from tests.qualtrics_api import qualtrics

    url = f"sqlite:///{tmp_path / 'cx.db'}"
    with qualtrics(store_visits(monkeypatch, off_scale=False)) as fake:
        survey_run(url, tmp_path, "stores", stores_entry(fake))

    result = remove(url, "--source", "stores", "--survey", "SV_store3", "--dry-run")

    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "no stored record of survey SV_store3: its surveys stored are SV_store1, SV_store2" in result.stderr


def test_without_the_source_s_secrets_its_quarantined_records_are_kept_and_the_output_says_so(tmp_path, monkeypatch):
    """A quarantined record's survey is told by the connector (`Stream.part_of`), which needs the
    source's secrets: unset, the survey's stored records go and its quarantined ones stay."""
    from tests.qualtrics_api import TOKEN, qualtrics

    url = f"sqlite:///{tmp_path / 'cx.db'}"
    with qualtrics(store_visits(monkeypatch)) as fake:
        survey_run(url, tmp_path, "stores", stores_entry(fake))
    config = tmp_path / "cxbridge.toml"
    config.write_text('[sources.stores]\nconnector = "qualtrics"\napi_token = "${QUALTRICS_API_TOKEN}"\n'
                      'base_url = "https://example.invalid/API/v3"\n', encoding="utf-8")  # fmt: skip
    monkeypatch.delenv("QUALTRICS_API_TOKEN")

    result = remove(url, "-c", str(config), "--source", "stores", "--survey", "SV_store2")

    assert result.exit_code == 0, result.output
    assert "kept: 1 quarantined record of the source" in result.stdout and TOKEN not in result.output
    assert stored_ids(url) == {"feedback": {"R_0001abcd", "R_0002abcd", "R_0003abcd"}, "quarantine": {"R_0005abcd"}}


def test_a_survey_of_a_source_whose_records_name_none_is_refused_saying_so(synced):
    """A CSV source's records carry no survey_id: the refusal read 'its surveys stored are none'."""
    workspace, url = synced

    refused = remove(url, "--source", "survey", "--survey", "store_nps", "--dry-run")

    assert refused.exit_code == 2 and "Traceback" not in refused.output
    assert refused.stderr.strip() == (
        "error: source 'survey' has no stored record of survey store_nps: none of its records names a survey "
        "(their survey_id is empty): --source alone removes them all"
    )


def test_a_stream_not_stored_is_refused_naming_those_that_are_and_a_stream_stored_goes(synced):
    workspace, url = synced

    refused = remove(url, "--source", "survey", "--stream", "responses", "--dry-run")
    counted = remove(url, "--source", "survey", "--stream", "rows", "--dry-run", "--format", "csv")

    assert refused.exit_code == 2 and "no stored record of stream responses: its streams stored are rows" in refused.stderr
    assert counted.exit_code == 0, counted.output
    assert counted.stdout.splitlines() == ["stream,records,quarantined", f"rows,{len(KEPT) + len(WRONG_FILE) - 1},1"]


def test_a_removal_is_a_run_of_its_own_that_status_shows_and_no_sync(synced):
    """`sync_runs` says what went where: a removal's row (`command` remove) counts the records it
    removed; `status` lists it; and `status --stale` does not take it for the source's last sync."""
    workspace, url = synced
    with api.reading(destination=url) as dest:
        [synced_at] = dest.query("SELECT finished_at FROM sync_runs WHERE source = 'survey'")

    removed = remove(url, "--source", "survey")

    assert removed.exit_code == 0, removed.output
    with api.reading(destination=url) as dest:
        runs = dest.query("SELECT * FROM sync_runs ORDER BY command DESC, source")
        stale = stale_sources(dest, age=timedelta(days=1), now=datetime(2100, 1, 1, tzinfo=timezone.utc))
    assert [(run["source"], run["command"], run["status"], run["records_pruned"]) for run in runs] == [
        ("other", "sync", "success", None), ("survey", "sync", "success", None),
        ("survey", "remove", "success", len(KEPT) + len(WRONG_FILE))]  # fmt: skip
    [removal] = [run for run in runs if run["command"] == "remove"]
    assert (removal["connector"], removal["records_read"], removal["records_written"]) == ("csv", 0, 0)
    shown = json.loads(CliRunner().invoke(cli, ["status", "--format", "json", "--destination", url]).stdout)["runs"]
    assert [(run["run_id"], run["command"], run["records_pruned"]) for run in shown][0] == (
        removal["run_id"], "remove", len(KEPT) + len(WRONG_FILE))  # fmt: skip
    table = CliRunner().invoke(cli, ["status", "--destination", url], env={"COLUMNS": "200"}).stdout
    [line] = [line for line in table.splitlines() if line.split()[2:4] == [removal["run_id"][:8], "survey"]]
    assert line.split()[4:6] == ["remove", "success"] and line.split()[-1] == str(len(KEPT) + len(WRONG_FILE))
    assert {row["source"]: row["last_success"] for row in stale}["survey"] == format_timestamp(
        parse_timestamp(synced_at["finished_at"]))  # fmt: skip


def test_a_removal_of_one_stream_records_what_it_removed_and_is_no_sync_for_freshness(synced):
    """`sync_runs.command` says what went — `remove --stream rows`, as the command chose it —
    and `status` shows it; `status --stale` still takes the source's last sync for its last one."""
    workspace, url = synced
    with api.reading(destination=url) as dest:
        [synced_at] = dest.query("SELECT finished_at FROM sync_runs WHERE source = 'survey'")

    removed = remove(url, "--source", "survey", "--stream", "rows")

    assert removed.exit_code == 0, removed.output
    shown = json.loads(CliRunner().invoke(cli, ["status", "--format", "json", "--destination", url]).stdout)["runs"]
    assert [(run["source"], run["command"]) for run in shown][0] == ("survey", "remove --stream rows")
    table = CliRunner().invoke(cli, ["status", "--destination", url], env={"COLUMNS": "200"}).stdout
    assert "remove --stream rows" in table
    with api.reading(destination=url) as dest:
        stale = stale_sources(dest, age=timedelta(days=1), now=datetime(2100, 1, 1, tzinfo=timezone.utc))
    assert {row["source"]: row["last_success"] for row in stale}["survey"] == format_timestamp(
        parse_timestamp(synced_at["finished_at"]))  # fmt: skip


def test_copies_pointed_anew_into_one_response_keep_one_case_as_after_a_sync(tmp_path):
    """branch_b's copy of R_1 opened a case and points at branch_a's (the newer), and branch_c's
    own R_1 opened another; then branch_c is declared the same survey as branch_b. Removing
    branch_a points the two at each other, under the config's rules: one response, so its second
    case is closed with no action and the output says so — as the sync that links them would."""
    declared, cases = copies_with_a_case_each(tmp_path)

    result = api.remove("branch_a", declared, destination=f"sqlite:///{tmp_path / 'cx.db'}")

    assert feedback(tmp_path) == {("branch_b", "R_1"): ("branch_c", "R_1"), ("branch_c", "R_1"): None}
    assert dict(view(tmp_path, "SELECT case_id, status FROM feedback_cases")) == {
        cases["branch_b"]: "open", cases["branch_c"]: "closed_no_action"}  # the first opened stays the response's
    assert result.warnings == [f"1 case of copies closed with no action, each response keeping one case "
                               f"({cases['branch_c']}: `cxbridge cases show CASE` names it)"]  # fmt: skip
    assert view(tmp_path, "SELECT name FROM cxbridge_metadata WHERE name LIKE 'loop.copy_cases_pending.%'") == []


def copies_with_a_case_each(tmp_path):
    """branch_b's copy of R_1 opened a case and points at branch_a's (the newer), branch_c's own R_1
    opened another; the config then declares branch_c the same survey as branch_b: removing
    branch_a points the two at each other. The config and each source's case id."""
    at = "2025-03-01T09:00:00Z"
    write_rows(tmp_path / "b.csv", [["R_1", at, 3, "p1@example.com", "2025-03-01T09:00:00Z"]])
    write_rows(tmp_path / "a.csv", [["R_1", at, 3, "p1@example.com", "2025-03-02T09:00:00Z"]])  # an exact copy
    write_rows(tmp_path / "c.csv", [["R_1", at, 2, "p1@example.com", "2025-03-03T09:00:00Z"]])
    apart = {"branch_b": csv_source("b.csv"), "branch_a": csv_source("a.csv"), "branch_c": csv_source("c.csv")}
    identity_sync(tmp_path, {"branch_b": apart["branch_b"]})
    identity_sync(tmp_path, apart)
    assert feedback(tmp_path) == {("branch_a", "R_1"): None, ("branch_b", "R_1"): ("branch_a", "R_1"),
                                  ("branch_c", "R_1"): None}  # fmt: skip
    cases = dict(view(tmp_path, "SELECT f.source, c.case_id FROM feedback_cases c JOIN feedback f USING (record_id)"))
    assert set(cases) == {"branch_b", "branch_c"}
    return config(tmp_path, {**apart, "branch_c": csv_source("c.csv", same_as="branch_b")}), cases


def test_a_removal_that_failed_closing_copy_cases_says_so_and_run_again_finishes(tmp_path):
    """The removal commits, then closing the cases of copies it pointed anew fails (here the
    database refuses to update a case): the error says the records went and what closes the
    cases, `status` says the removal's step is not done, and `remove` run again — nothing of the
    source left to remove — closes them and clears the mark (before: 'holds no record of
    source', the mark kept until some sync)."""
    declared, cases = copies_with_a_case_each(tmp_path)
    url = f"sqlite:///{tmp_path / 'cx.db'}"
    view(tmp_path, "CREATE TRIGGER refused BEFORE UPDATE ON feedback_cases BEGIN SELECT RAISE(ABORT, 'disk full'); END")

    with pytest.raises(DestinationError) as failed:
        api.remove("branch_a", declared, destination=url)
    status = json.loads(CliRunner().invoke(cli, ["status", "--format", "json", "--destination", url]).stdout)["runs"]
    view(tmp_path, "DROP TRIGGER refused")
    again = api.remove("branch_a", declared, destination=url)

    assert str(failed.value) == (
        f"{url}: removed 1 record of source branch_a, but closing the cases of copies pointed anew failed "
        "(IntegrityError: disk full); run `cxbridge remove --source branch_a` again, or any sync, to close them")
    [removal] = [run for run in status if run["command"] == "remove"]
    assert (removal["status"], removal["records_pruned"]) == ("success", 1)
    assert "its cases of copies pointed anew are not closed yet" in removal["error"]
    assert again.removal.total == 0 and again.warnings[0] == (
        "nothing removed (the destination holds no record of source 'branch_a': it holds records of branch_b, "
        "branch_c); the cases of copies an earlier run pointed anew are closed now")  # fmt: skip
    assert dict(view(tmp_path, "SELECT case_id, status FROM feedback_cases")) == {
        cases["branch_b"]: "open", cases["branch_c"]: "closed_no_action"}  # fmt: skip
    assert view(tmp_path, "SELECT name FROM cxbridge_metadata WHERE name LIKE 'loop.copy_cases_pending.%'") == []
    status = json.loads(CliRunner().invoke(cli, ["status", "--format", "json", "--destination", url]).stdout)["runs"]
    assert [run["error"] for run in status if run["command"] == "remove"] == [None]


def test_a_removal_rolled_back_leaves_no_copy_case_mark(tmp_path):
    """A removal that points copies anew marks itself before it writes; the database refusing a
    delete rolls it back, and with nothing pointed anew its mark goes too (before: it stayed
    until the next sync)."""
    declared, _ = copies_with_a_case_each(tmp_path)
    before = feedback(tmp_path)
    view(tmp_path, "CREATE TRIGGER refused BEFORE DELETE ON feedback BEGIN SELECT RAISE(ABORT, 'disk full'); END")

    with pytest.raises(DestinationError, match="failed; nothing was removed: IntegrityError: disk full"):
        api.remove("branch_a", declared, destination=f"sqlite:///{tmp_path / 'cx.db'}")

    assert feedback(tmp_path) == before
    assert view(tmp_path, "SELECT name FROM cxbridge_metadata WHERE name LIKE 'loop.copy_cases_pending.%'") == []


class PruneOnly(SQLiteDestination):
    """A third-party destination whose `prune` is its own (here SQLite's) and that has no `remove`
    (written before it): the base class's, as a plugin that overrides `prune` only inherits it."""

    name = "pruneonly"
    remove = Destination.remove

    def __init__(self, url: str, *, base_dir=None):
        super().__init__(url.replace("pruneonly:", "sqlite:", 1), base_dir=base_dir)


class RegisteringPruneOnly:
    @hookimpl
    def register_destinations(self, register):
        register(PruneOnly)


def test_a_destination_that_prunes_but_cannot_remove_says_so_truly_before_it_connects(workspace, tmp_path, monkeypatch):
    workspace.write_csv(KEPT)
    workspace.sync(destination=f"sqlite:///{tmp_path / 'cx.db'}")
    host = create_host(load_entry_points=False)
    host.pm.register(RegisteringPruneOnly())
    monkeypatch.setattr(PruneOnly, "open", lambda self, **options: pytest.fail("connected before it refused"))

    with pytest.raises(DestinationError) as refused:
        api.remove("survey", workspace.config, destination=f"pruneonly:///{tmp_path / 'cx.db'}", host=host)

    assert str(refused.value).startswith("pruneonly destinations cannot remove records yet: its plugin prunes them")
    assert "nor prune" not in str(refused.value)


def test_a_removal_killed_part_way_rolls_back_and_status_says_nothing_was_removed(synced):
    """One transaction removes the records and records the removal's row: SIGKILL inside it
    leaves every row. `status` used to show nothing of it (its row went with the transaction);
    now its row, saved `running` before, shows it abandoned, rolled back, 0 removed."""
    workspace, url = synced
    before = rows_of(url)
    # killed after the feedback rows' scores, comments and rows
    killed, _ = forked_call(removal_killed, url, 4, str(workspace.config))
    killed.join(120)

    assert killed.exitcode == -signal.SIGKILL
    assert rows_of(url) == before
    shown = json.loads(CliRunner().invoke(cli, ["status", "--format", "json", "--destination", url]).stdout)["runs"]
    [removal] = [row for row in shown if row["command"] == "remove"]
    assert (removal["status"], removal["records_pruned"], removal["error"]) == (
        "abandoned", 0, "killed before its transaction committed: rolled back, nothing removed")  # fmt: skip
    table = CliRunner().invoke(cli, ["status", "--destination", url], env={"COLUMNS": "200"}).stdout
    assert f"{removal['run_id'][:8]} survey: killed before its transaction committed: rolled back" in table
    again = remove(url, "--source", "survey")
    assert again.exit_code == 0, again.output
    assert {row["record_id"] for row in rows_of(url)["feedback"]} == ids(KEPT[:2], "other")


@pytest.mark.parametrize("kind", ["sqlite", "duckdb", "postgresql"])
def test_a_removal_killed_between_its_running_row_and_its_transaction_shows_rolled_back_and_runs_again(
    workspace, kind, request, tmp_path
):
    """Killed after it saved its `running` row (and the mark that copies are to be pointed anew)
    and before its transaction began: nothing removed, `status` says so of its row — not the
    copy cases' note of a run stopped after committing — and a later removal removes, closes
    what is to close and clears the mark."""
    url = synced_with_copies(workspace, kind, request, tmp_path, "remove_killed_before")
    before = rows_of(url)
    killed, _ = forked_call(removal_killed_before_its_transaction, url, str(workspace.config))
    killed.join(120)

    assert killed.exitcode == -signal.SIGKILL
    assert rows_of(url) == before
    with api.reading(destination=url) as dest:
        assert len(pending_marks(dest)) == 1
    shown = json.loads(CliRunner().invoke(cli, ["status", "--format", "json", "--destination", url]).stdout)["runs"]
    [removal] = [row for row in shown if row["command"] == "remove"]
    assert (removal["source"], removal["status"], removal["records_pruned"], removal["error"]) == (
        "survey", "abandoned", 0, "killed before its transaction committed: rolled back, nothing removed")  # fmt: skip

    again = remove(url, "-c", str(workspace.config), "--source", "survey")

    assert again.exit_code == 0, again.output
    with api.reading(destination=url) as dest:
        pointers = {row["record_id"]: row["duplicate_of"] for row in dest.query("SELECT * FROM feedback")}
        assert pending_marks(dest) == {}
    assert pointers == {record_id("exports", "rows", row[0]): None for row in KEPT[:2]}
    shown = json.loads(CliRunner().invoke(cli, ["status", "--format", "json", "--destination", url]).stdout)["runs"]
    assert sorted((row["status"], row["records_pruned"]) for row in shown if row["command"] == "remove") == [
        ("abandoned", 0), ("success", len(KEPT))]  # fmt: skip


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_removal_still_running_shows_running_not_rolled_back(workspace, kind, request, tmp_path):
    """A removal holds the whole destination's lock, not its source's: on PostgreSQL, whose syncs
    lock each source, `status` showed a removal still running as abandoned, *rolled back*."""
    url = synced_with_copies(workspace, kind, request, tmp_path, "remove_running")
    removing, connection = forked_call(removal_held_before_its_transaction, url, str(workspace.config))
    try:
        assert connection.recv() == "removing"
        shown = json.loads(CliRunner().invoke(cli, ["status", "--format", "json", "--destination", url]).stdout)["runs"]
    finally:
        connection.send("go on")
        removing.join(60)
    assert removing.exitcode == 0
    assert [(row["command"], row["status"], row["error"]) for row in shown if row["command"] == "remove"] == [
        ("remove", "running", None)]  # fmt: skip
    assert [row["status"] for row in shown if row["command"] == "sync"] == ["success", "success"]
