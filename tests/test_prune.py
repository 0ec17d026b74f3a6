"""`cxbridge sync --full-refresh --prune` (docs/cli.md): after a source's full read, its records
the read no longer found — a file taken out of the folder, rows deleted — are removed with their
scores, comments and quarantine rows, in one transaction, on SQLite, DuckDB and PostgreSQL; their
cases stay; a run that failed or read nothing prunes nothing, nor a stream it did not read (or
found none of); a dry run only counts."""

from __future__ import annotations

import csv
import json
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from cxbridge import api, plugins_host
from cxbridge.cli.main import cli
from cxbridge.identity import record_id
from cxbridge.loop.cases import case_id
from cxbridge.pipeline import Engine, EngineOptions, SourceResult
from cxbridge.plugins.sqlite.destination import SQLiteDestination
from cxbridge.sources import SourceContext
from cxbridge.sql_destination import SQLDestination
from cxbridge.tabular.source import FileStream
from tests.conftest import SURVEY_HEADER, Workspace, survey_row
from tests.postgres_server import copy_database, drop_database
from tests.killed_syncs import after_pruning, forked_call, prune_killed
from tests.test_erase import COPIES

KEPT = [survey_row(n) for n in range(1, 11)]
WRONG_FILE = [*(survey_row(n, nps=2) for n in range(100, 103)), survey_row(103, nps=11)]  # one off the scale
OTHER_SOURCE = """
[sources.other]
connector = "csv"
path = "other*.csv"

[sources.other.columns]
id = "id"
submitted_at = "submitted"
location_id = "store"

[[sources.other.metrics]]
column = "nps"
metric = "nps"
"""
RECORD_TABLES = ("feedback", "feedback_scores", "feedback_comments", "quarantine")


def ids(rows: list[list[str]], source: str = "survey") -> set[str]:
    return {record_id(source, "rows", row[0]) for row in rows}


@pytest.fixture(autouse=True)
def fresh_host(monkeypatch):
    monkeypatch.setattr(plugins_host, "_host", None)


@pytest.fixture(scope="module")
def first_synced() -> Iterator[dict[str, Path | tuple[str, str]]]:
    """kind -> the module's first `synced` destination, kept to copy for the tests after it: the
    path of a file, or the server URL and name of a PostgreSQL database kept as a template until
    the module ends (as tests/test_destination_conformance.py keeps its first deliveries)."""
    firsts: dict[str, Path | tuple[str, str]] = {}
    yield firsts
    if "postgresql" in firsts:
        drop_database(*firsts["postgresql"])


@pytest.fixture(params=["sqlite", "duckdb", "postgresql"])
def synced(workspace: Workspace, request, tmp_path, tmp_path_factory, first_synced) -> tuple[Workspace, str]:
    """The survey's ten responses and a wrong file of four (three detractors, each opening a
    case, and one off the scale, quarantined), and another source's two, synced into a
    destination of each kind — once a module and kind, each test given a copy of that sync."""
    kind, files = request.param, {"sqlite": tmp_path / "cx.db", "duckdb": tmp_path / "cx.duckdb"}
    url = f"{kind}:///{files[kind]}" if kind in files else request.getfixturevalue("postgres_database")("prune")
    workspace.config.write_text(workspace.config.read_text(encoding="utf-8") + OTHER_SOURCE, encoding="utf-8")
    workspace.write_csv(KEPT)
    workspace.write_csv(WRONG_FILE, name="responses_test.csv")
    workspace.write_csv([survey_row(n) for n in (1, 2)], name="other.csv")
    if kind in first_synced:
        copy_first(first_synced[kind], url)
        return workspace, url
    result = workspace.sync(destination=url)
    assert [(r.status, r.quarantined) for r in result.results] == [("success", 1), ("success", 0)], result.results
    if kind in files:
        first_synced[kind] = shutil.copy2(files[kind], tmp_path_factory.mktemp(f"first-{kind}"))
    else:
        server, database = url.rsplit("/", 1)
        first_synced[kind] = (request.getfixturevalue("postgres_url"), f"first_{database}")
        copy_database(*first_synced[kind], template=database)
    return workspace, url


def copy_first(first: Path | tuple[str, str], url: str) -> None:
    """Make the destination at `url` a copy of the first `synced` one."""
    if isinstance(first, tuple):
        copy_database(first[0], url.rsplit("/", 1)[1], template=first[1])
    else:
        shutil.copy2(first, url.split(":///", 1)[1])


def rows_of(url: str) -> dict[str, list[dict]]:
    tables = (*RECORD_TABLES, "feedback_cases", "feedback_case_events", "loop_outbox")
    with api.reading(destination=url) as dest:
        return {name: sorted(dest.query(f"SELECT * FROM {name}"), key=lambda row: json.dumps(row, default=str))
                for name in tables}  # fmt: skip


def sync(url: str, workspace: Workspace, *args: str):
    return CliRunner().invoke(cli, ["sync", "-c", str(workspace.config), "--destination", url, "--no-progress", *args])


def test_the_records_of_a_file_taken_out_of_the_folder_go_and_their_cases_stay(synced):
    workspace, url = synced
    before = rows_of(url)
    (workspace.root / "responses_test.csv").unlink()

    result = sync(url, workspace, "--full-refresh", "--prune")

    assert result.exit_code == 0, result.output
    after, gone = rows_of(url), ids(WRONG_FILE)
    for table in RECORD_TABLES:
        assert after[table] == [row for row in before[table] if row["record_id"] not in gone], table
    assert {row["record_id"] for row in after["feedback"]} == ids(KEPT) | ids(KEPT[:2], "other")
    for table in ("feedback_cases", "feedback_case_events", "loop_outbox"):
        assert after[table] == before[table], table
    assert {case_id(rid) for rid in ids(WRONG_FILE[:3])} <= {row["case_id"] for row in after["feedback_cases"]}
    with api.reading(destination=url) as dest:
        queued = {row["record_id"]: row for row in dest.query("SELECT * FROM loop_queue")}
    assert all(queued[rid]["nps"] is None and queued[rid]["submitted_at"] is None for rid in ids(WRONG_FILE[:3]))
    assert "survey (csv): 10 read · 0 written · 10 unchanged · 0 quarantined · 4 pruned" in result.stdout
    assert "other (csv): 2 read · 0 written · 2 unchanged · 0 quarantined · 0 pruned" in result.stdout


def test_the_views_count_what_is_left(synced):
    workspace, url = synced
    (workspace.root / "responses_test.csv").unlink()

    assert sync(url, workspace, "--full-refresh", "--prune", "--source", "survey").exit_code == 0

    with api.reading(destination=url) as dest:
        counted = dest.query("SELECT source, SUM(responses) AS n FROM nps_by_month GROUP BY source ORDER BY source")
        queued = {row["record_id"] for row in dest.query("SELECT record_id FROM detractor_queue")}
    assert [(row["source"], row["n"]) for row in counted] == [("other", 2), ("survey", len(KEPT))]
    assert not queued & ids(WRONG_FILE)


def test_a_narrowed_path_names_the_files_whose_records_would_go_before_they_go(synced):
    """A file source's full read is the files its `path` matches now: narrowed, it prunes the
    records of the files it left out — which the dry run and the run name, so that a user who
    narrowed it for another reason sees what goes before confirming."""
    workspace, url = synced
    config = workspace.config.read_text(encoding="utf-8")
    workspace.config.write_text(config.replace('path = "responses*.csv"', 'path = "responses.csv"'), encoding="utf-8")

    counted = sync(url, workspace, "--full-refresh", "--prune", "--dry-run", "--source", "survey")
    pruned = sync(url, workspace, "--full-refresh", "--prune", "--source", "survey")

    named = "records of stream rows {}: the full read no longer found them; nothing was read of responses_test.csv"
    assert f"⚠ {len(WRONG_FILE)} {named.format('would be pruned')}" in counted.stdout, counted.output
    assert f"⚠ {len(WRONG_FILE)} {named.format('pruned')}" in pruned.stdout, pruned.output
    assert {row["record_id"] for row in rows_of(url)["feedback"]} == ids(KEPT) | ids(KEPT[:2], "other")


def test_rows_deleted_from_a_file_go_and_the_json_summary_counts_them(synced):
    workspace, url = synced
    kept = [row for row in KEPT if row[0] not in ("R3", "R4")]
    workspace.write_csv(kept)

    result = sync(url, workspace, "--full-refresh", "--prune", "--format", "json")

    summaries = {line["source"]: line for line in map(json.loads, result.stdout.splitlines())}
    assert summaries["survey"]["pruned"] == 2 and summaries["other"]["pruned"] == 0
    assert {row["record_id"] for row in rows_of(url)["feedback"]} == ids(kept + WRONG_FILE[:3]) | ids(KEPT[:2], "other")


def test_a_dry_run_counts_what_would_go_and_removes_nothing(synced):
    workspace, url = synced
    before = rows_of(url)
    (workspace.root / "responses_test.csv").unlink()

    result = sync(url, workspace, "--full-refresh", "--prune", "--dry-run")

    assert result.exit_code == 0 and "4 would be pruned" in result.stdout
    assert rows_of(url) == before


def test_a_run_that_reads_no_record_prunes_nothing_and_says_why(workspace, monkeypatch):
    workspace.write_csv(KEPT)
    workspace.sync()
    before = workspace.table("feedback")
    monkeypatch.setattr(FileStream, "read", lambda self, cursor: iter(()))  # as an API that answers with none

    result = workspace.sync(full_refresh=True, prune=True)

    [survey] = result.results
    assert survey.ok and survey.read == 0 and survey.pruned is None
    assert any("nothing pruned: the full read found no feedback record" in warning for warning in survey.warnings)
    assert workspace.table("feedback") == before


def test_a_run_that_fails_prunes_nothing_and_says_why(workspace):
    workspace.write_csv(KEPT)
    workspace.sync()
    before = workspace.table("feedback")
    workspace.write_csv([])  # a header and no row: the file looks cut short

    result = sync(f"sqlite:///{workspace.db}", workspace, "--full-refresh", "--prune")

    assert result.exit_code == 1 and "nothing pruned: the run failed" in result.stdout
    assert workspace.table("feedback") == before


def test_prune_without_full_refresh_is_a_usage_error_before_anything_is_opened(workspace):
    workspace.write_csv(KEPT)

    result = sync(f"sqlite:///{workspace.db}", workspace, "--prune")

    assert result.exit_code == 2 and "use it with --full-refresh" in result.stderr and "Traceback" not in result.output
    assert not workspace.db.exists()


def test_parquet_refuses_before_anything_is_read(workspace, tmp_path):
    url = f"parquet:///{tmp_path / 'lake'}"
    workspace.write_csv(KEPT)
    workspace.sync(destination=url)
    with api.reading(destination=url) as dest:
        runs = dest.query("SELECT COUNT(*) AS n FROM sync_runs")[0]["n"]

    result = sync(url, workspace, "--full-refresh", "--prune")

    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "parquet destinations cannot prune records" in result.stderr and "nothing was read" in result.stderr
    with api.reading(destination=url) as dest:
        assert dest.query("SELECT COUNT(*) AS n FROM sync_runs")[0]["n"] == runs


def test_a_prune_stopped_part_way_removes_nothing(synced, monkeypatch):
    workspace, url = synced
    before = rows_of(url)
    (workspace.root / "responses_test.csv").unlink()
    deleted: list[str] = []
    stopped = RuntimeError("the machine went away")
    for cls in (SQLiteDestination, SQLDestination):
        monkeypatch.setattr(cls, "execute", after_pruning(cls.execute, 3, deleted, stopped))

    result = sync(url, workspace, "--full-refresh", "--prune", "--source", "survey")

    assert result.exit_code == 1 and deleted[-1].startswith("DELETE FROM feedback_comments")
    assert "the records not read were not pruned (nothing was removed)" in result.stdout
    assert rows_of(url) == before


@pytest.mark.parametrize("deletes", [1, 4])  # after the follow-ups; after the feedback rows
def test_a_prune_killed_part_way_leaves_every_row_and_runs_again(synced, deletes):
    workspace, url = synced
    before = rows_of(url)
    (workspace.root / "responses_test.csv").unlink()
    killed, _ = forked_call(prune_killed, url, deletes, str(workspace.config))
    killed.join(120)

    assert killed.exitcode == -signal.SIGKILL
    assert rows_of(url) == before
    assert sync(url, workspace, "--full-refresh", "--prune").exit_code == 0
    assert {row["record_id"] for row in rows_of(url)["feedback"]} == ids(KEPT) | ids(KEPT[:2], "other")


def test_the_source_finished_event_counts_what_was_pruned(workspace):
    workspace.write_csv(KEPT)
    workspace.write_csv(WRONG_FILE, name="responses_test.csv")
    workspace.sync()
    (workspace.root / "responses_test.csv").unlink()
    events = []

    workspace.sync(full_refresh=True, prune=True, on_progress=events.append)

    [finished] = [event for event in events if event.kind == "source_finished"]
    assert finished.counts["pruned"] == len(WRONG_FILE) and finished.counts["read"] == len(KEPT)


def synced_with_copies(workspace, kind: str, request, tmp_path: Path, database: str) -> str:
    """The survey's KEPT synced into a `kind` destination (a PostgreSQL one named `database`) with
    another source, exports, holding copies (`same_as`) of its first two responses; its URL."""
    files = {"sqlite": f"sqlite:///{tmp_path / 'cx.db'}", "duckdb": f"duckdb:///{tmp_path / 'cx.duckdb'}"}
    url = files.get(kind) or request.getfixturevalue("postgres_database")(database)
    workspace.config.write_text(workspace.config.read_text(encoding="utf-8") + COPIES, encoding="utf-8")
    workspace.write_csv(KEPT)
    workspace.write_csv(KEPT[:2], name="exports.csv")
    workspace.sync(destination=url)
    return url


@pytest.mark.parametrize("kind", ["sqlite", "duckdb", "postgresql"])
def test_a_copy_whose_counted_record_was_pruned_is_counted_in_its_place(workspace, kind, request, tmp_path):
    """Another source's copy of a response (`same_as`) points at the pruned source's record that
    views count: once that record is pruned, the copy is the one counted — the response still is."""
    url = synced_with_copies(workspace, kind, request, tmp_path, "prune_copies")
    workspace.write_csv(KEPT[1:])  # R1 deleted from the survey's file; the exports still hold it

    result = workspace.sync(destination=url, full_refresh=True, prune=True, sources=["survey"])

    assert result.results[0].pruned == 1
    with api.reading(destination=url) as dest:
        pointers = {row["record_id"]: row["duplicate_of"] for row in dest.query("SELECT * FROM feedback")}
        [counted] = dest.query("SELECT SUM(responses) AS n FROM nps_by_month")
    assert pointers[record_id("exports", "rows", "R1")] is None
    assert pointers[record_id("exports", "rows", "R2")] == record_id("survey", "rows", "R2")
    assert counted["n"] == len({row[0] for row in KEPT[1:] + KEPT[:2]})


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_of_two_copies_left_one_is_counted_and_the_other_points_at_it(workspace, kind, request, tmp_path):
    url = f"sqlite:///{tmp_path / 'cx.db'}" if kind == "sqlite" else request.getfixturevalue("postgres_database")("two")
    archive = COPIES.replace("sources.exports", "sources.archive").replace('"exports*.csv"', '"archive*.csv"')
    workspace.config.write_text(workspace.config.read_text(encoding="utf-8") + COPIES + archive, encoding="utf-8")
    workspace.write_csv(KEPT)
    workspace.write_csv(KEPT[:1], name="exports.csv")
    workspace.write_csv(KEPT[:1], name="archive.csv")
    workspace.sync(destination=url)
    workspace.write_csv(KEPT[1:])

    result = workspace.sync(destination=url, full_refresh=True, prune=True, sources=["survey"])

    assert result.results[0].pruned == 1
    copies = {record_id(source, "rows", "R1") for source in ("exports", "archive")}
    with api.reading(destination=url) as dest:
        pointers = {row["record_id"]: row["duplicate_of"] for row in dest.query("SELECT * FROM feedback")}
        [counted] = dest.query("SELECT SUM(responses) AS n FROM nps_by_month")
    [kept] = [rid for rid in copies if pointers[rid] is None]
    assert [pointers[rid] for rid in copies - {kept}] == [kept]
    assert counted["n"] == len(KEPT)


def test_sources_synced_at_once_each_prune_their_own(synced):
    workspace, url = synced
    (workspace.root / "responses_test.csv").unlink()
    workspace.write_csv(KEPT[:1], name="other.csv")

    result = workspace.sync(destination=url, full_refresh=True, prune=True, jobs=2)

    assert {r.source: r.pruned for r in result.results} == {"survey": len(WRONG_FILE), "other": 1}
    with api.reading(destination=url) as dest:
        stored = {row["record_id"] for row in dest.query("SELECT record_id FROM feedback")}
    assert stored == ids(KEPT) | ids(KEPT[:1], "other")


def test_bigquery_refuses_before_it_connects(workspace):
    workspace.write_csv(KEPT)

    result = sync("bigquery://my-project/cx_data", workspace, "--full-refresh", "--prune")

    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "bigquery destinations cannot prune records" in result.stderr and "nothing was read" in result.stderr


def test_the_run_records_what_each_source_pruned_and_status_shows_it(synced):
    workspace, url = synced
    (workspace.root / "responses_test.csv").unlink()

    pruned = workspace.sync(destination=url, full_refresh=True, prune=True).run_id

    with api.reading(destination=url) as dest:
        runs = {(row["run_id"], row["source"]): row["records_pruned"] for row in dest.query("SELECT * FROM sync_runs")}
    first = next(run_id for run_id, _ in runs if run_id != pruned)
    assert runs == {(first, "survey"): None, (first, "other"): None, (pruned, "survey"): len(WRONG_FILE),
                    (pruned, "other"): 0}  # fmt: skip
    shown = CliRunner().invoke(cli, ["status", "--format", "json", "--destination", url])
    assert {(run["run_id"], run["source"]): run["records_pruned"] for run in json.loads(shown.stdout)["runs"]} == runs
    table = CliRunner().invoke(cli, ["status", "--destination", url], env={"COLUMNS": "200"}).stdout.splitlines()
    assert table[2].split()[-5:] == ["read", "written", "unchanged", "quarantined", "pruned"]
    lines = {(run_id[:8], source): line.split() for line in table for run_id, source in runs if f"{run_id[:8]}  {source} " in line}
    assert {key: words[-1] for key, words in lines.items()} == {
        (first[:8], "survey"): "—", (first[:8], "other"): "—", (pruned[:8], "survey"): str(len(WRONG_FILE)),
        (pruned[:8], "other"): "0"}  # fmt: skip


@pytest.mark.parametrize("keyed_by", ["id column", "content"])
def test_an_imported_file_keeps_rows_deleted_from_it_until_its_mapping_is_synced_with_prune(keyed_by, tmp_path, monkeypatch):
    """`import` has no --prune (docs/cli.md): a file's records cannot be told from its source's
    others. Synced as the saved mapping of its source, whose path names its files, the file is
    the source's full read, and the rows deleted from it go — under the ids the import gave."""
    monkeypatch.chdir(tmp_path)
    columns = slice(0 if keyed_by == "id column" else 1, None)  # without `id`, rows keyed by time and e-mail

    def export(rows: list[list[str]]) -> None:
        with open("responses.csv", "w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(row[columns] for row in [SURVEY_HEADER, *rows])

    def stored() -> set[str]:
        with api.reading(destination="sqlite:///cxbridge.db") as dest:
            return {row["source_record_id"] for row in dest.query("SELECT source_record_id FROM feedback")}

    export(KEPT)
    assert CliRunner().invoke(cli, ["import", "responses.csv", "--no-progress"]).exit_code == 0
    imported = stored()
    kept = [row for row in KEPT if row[0] not in ("R3", "R4")]
    export(kept)
    assert CliRunner().invoke(cli, ["import", "responses.csv", "--no-progress"]).exit_code == 0
    assert stored() == imported  # the two rows deleted are still stored
    assert CliRunner().invoke(cli, ["inspect", "responses.csv", "--write-mapping", "responses.toml"]).exit_code == 0
    synced = ["sync", "-c", "responses.toml", "--db", "cxbridge.db", "--full-refresh", "--prune", "--no-progress"]

    counted = CliRunner().invoke(cli, [*synced, "--dry-run"])
    pruned = CliRunner().invoke(cli, synced)

    assert "responses (csv): 8 read" in counted.stdout and "2 would be pruned" in counted.stdout, counted.output
    assert pruned.exit_code == 0 and "8 unchanged · 0 quarantined · 2 pruned" in pruned.stdout, pruned.output
    assert len(stored()) == len(kept) and stored() < imported


def crm_run(url: str, root: Path, rows: list[dict], accounts: list[str], contacts: list[dict], *,
            extra_accounts: list[dict] = (), **options) -> SourceResult:  # fmt: skip
    """A sync of a CRM source (tests.test_views_property.CrmWorld): its answers, the accounts
    named (A1 Enterprise, A2 SMB) and `extra_accounts` as read, and its contacts."""
    from tests.test_views_property import CrmWorld, CrmWorldConfig

    segments = {"A1": "Enterprise", "A2": "SMB"}
    given = [{"id": a, "name": a, "segment": segments[a], "revenue": 100.0, "currency": None, "stage": "customer",
              "modified": "2025-01-01T00:00:00+00:00"} for a in accounts]  # fmt: skip
    destination = plugins_host.create_host().destination_class(url.split(":")[0])(url, base_dir=root)
    destination.open()
    try:
        engine = Engine(destination, plugins_host.create_host(load_entry_points=False), options=EngineOptions(**options))
        config = CrmWorldConfig(rows=rows, accounts=[*given, *extra_accounts], contacts=contacts)
        return engine.run_source("crm", CrmWorld(config, SourceContext(name="crm", base_dir=root)))
    finally:
        destination.close()


@pytest.mark.parametrize("kind", ["sqlite", "duckdb"])
def test_crm_accounts_and_contacts_a_full_read_no_longer_finds_stay_for_the_answers_they_link(kind, tmp_path):
    """docs/cli.md: a CRM account or contact deleted (or merged away) in the CRM is the context of
    answers that happened; pruning it would move them to `no account` in every past month."""
    from tests.test_views_property import _answer

    url = f"{kind}:///{tmp_path / 'cx'}.{'db' if kind == 'sqlite' else 'duckdb'}"
    answers = [_answer(0, {"submitted": "2025-02-10T10:00:00+00:00", "nps": 10, "account": "A1", "contact": None, "email": None}),
               _answer(1, {"submitted": "2025-02-11T10:00:00+00:00", "nps": 0, "account": None, "contact": "K1", "email": None}),
               _answer(2, {"submitted": "2025-02-12T10:00:00+00:00", "nps": 8, "account": None, "contact": None, "email": None})]  # fmt: skip
    contact = {"id": "K1", "account": "A2", "email": "p1@example.com"}
    assert crm_run(url, tmp_path, answers, ["A1", "A2"], [contact]).ok

    result = crm_run(url, tmp_path, answers[:2], ["A1"], [], full_refresh=True, prune=True)  # A2 and K1 deleted, F2 too

    assert result.ok and result.pruned == 1, (result.error, result.pruned)
    with api.reading(destination=url) as dest:
        accounts = {row["account_id"] for row in dest.query("SELECT account_id FROM crm_accounts")}
        contacts = {row["contact_id"] for row in dest.query("SELECT contact_id FROM crm_contacts")}
        segments = {row["segment"]: row["responses"] for row in dest.query("SELECT segment, responses FROM nps_by_segment")}
    assert (accounts, contacts) == ({"A1", "A2"}, {"K1"})
    assert segments == {"Enterprise": 1, "SMB": 1}  # F2, of no account, pruned; F1 still reaches A2 through K1


def test_a_full_read_whose_only_records_are_crm_rows_in_quarantine_prunes_nothing(tmp_path):
    """An answers API that answers with none prunes nothing (docs/cli.md), even when the same
    source's accounts stream quarantined an account: an account is no feedback record."""
    from tests.test_views_property import _answer

    url = f"sqlite:///{tmp_path / 'cx.db'}"
    answers = [_answer(n, {"submitted": "2025-02-10T10:00:00+00:00", "nps": 9, "account": "A1", "contact": None,
                           "email": None}) for n in range(3)]  # fmt: skip
    assert crm_run(url, tmp_path, answers, ["A1"], []).ok
    no_id = {"id": None, "name": "Acme", "segment": "SMB", "revenue": None, "currency": None, "stage": "customer",
             "modified": "2025-01-01T00:00:00+00:00"}  # fmt: skip

    result = crm_run(url, tmp_path, [], ["A1"], [], full_refresh=True, prune=True, extra_accounts=[no_id])

    assert result.ok and result.quarantined == 1 and result.pruned is None, (result.error, result.pruned)
    assert any("nothing pruned: the full read found no feedback record" in warning for warning in result.warnings)
    with api.reading(destination=url) as dest:
        assert dest.query("SELECT COUNT(*) AS n FROM feedback")[0]["n"] == len(answers)


def salesforce_run(url: str, root: Path, **streams) -> SourceResult:
    """A sync of a Salesforce org (tests.salesforce_api) with its survey responses, or not
    (`surveys=False`), and the rows of its `NPS_Response__c` custom object."""
    from cxbridge.config import config_from_dict
    from tests.salesforce_api import CLIENT_ID

    custom = {"object": "NPS_Response__c", "columns": {"submitted_at": "CreatedDate"},
              "metrics": [{"column": "Score__c", "metric": "nps"}]}  # fmt: skip
    options = {name: streams.pop(name) for name in ("full_refresh", "prune", "dry_run") if name in streams}
    entry = {"connector": "salesforce", "client_id": CLIENT_ID, "client_secret": "${SF_CLIENT_SECRET}",
             "questions": {"0Tx2": {"metric": "csat", "scale": [1, 5]}}, "accounts": False, "contacts": False,
             "custom_objects": [custom], "requests_per_second": 1000}  # unpaced: the org is a local fake  # fmt: skip
    config = config_from_dict({"sources": {"org": {**entry, **streams}}}, plugins_host.create_host(),
                              path=root / "cxbridge.toml")  # fmt: skip
    [result] = api.sync(config, destination=url, **options).results
    return result


def org_with_custom_rows(monkeypatch):
    """The fake Salesforce org of survey responses, with three rows of a custom NPS object too."""
    from tests.salesforce_api import CLIENT_SECRET, stamp, survey_org

    monkeypatch.setenv("SF_CLIENT_SECRET", CLIENT_SECRET)
    org = survey_org()
    org.add("NPS_Response__c", *({"Id": f"a0X{n}", "Score__c": n, "CreatedDate": stamp(n), "SystemModstamp": stamp(n)}
                                  for n in range(1, 4)))  # fmt: skip
    return org


@pytest.mark.parametrize("kind", ["sqlite", "duckdb"])
def test_a_stream_switched_off_keeps_its_records_and_the_streams_read_prune_theirs(kind, tmp_path, monkeypatch):
    """A Salesforce source changed to `surveys = false` still reads its custom object: the full
    read did not read the survey responses, so none of them is pruned — only the custom row
    deleted in the org, whose stream the run read to its end."""
    from tests.salesforce_api import salesforce

    url = f"{kind}:///{tmp_path / 'cx'}.{'db' if kind == 'sqlite' else 'duckdb'}"
    org = org_with_custom_rows(monkeypatch)
    with salesforce(org) as fake:
        first = salesforce_run(url, tmp_path, base_url=fake.url)
        org.rows["NPS_Response__c"].pop()  # a0X3 deleted in the org
        pruned = salesforce_run(url, tmp_path, base_url=fake.url, surveys=False, full_refresh=True, prune=True)

    assert (first.written, pruned.ok, pruned.read, pruned.pruned) == (6, True, 2, 1), (first, pruned)
    with api.reading(destination=url) as dest:
        stored = {(row["stream"], row["source_record_id"]) for row in dest.query("SELECT * FROM feedback")}
    assert stored == {("survey_responses", "0Ly1"), ("survey_responses", "0Ly2"), ("survey_responses", "0Ly3"),
                      ("NPS_Response__c", "a0X1"), ("NPS_Response__c", "a0X2")}  # fmt: skip
    spared = "3 records of stream survey_responses not pruned: the run did not read that stream"
    assert spared in " ".join(pruned.warnings)


def test_a_stream_whose_full_read_finds_none_of_its_records_keeps_them(tmp_path, monkeypatch):
    """The survey responses API answering with none, while the custom object's rows are read,
    prunes no survey response — as a source that reads no feedback record at all prunes nothing."""
    from tests.salesforce_api import salesforce

    url = f"sqlite:///{tmp_path / 'cx.db'}"
    org = org_with_custom_rows(monkeypatch)
    with salesforce(org) as fake:
        assert salesforce_run(url, tmp_path, base_url=fake.url).written == 6
        org.rows["SurveyResponse"], org.rows["NPS_Response__c"] = [], org.rows["NPS_Response__c"][:2]
        pruned = salesforce_run(url, tmp_path, base_url=fake.url, full_refresh=True, prune=True, dry_run=True)

    assert (pruned.ok, pruned.read, pruned.pruned) == (True, 2, 1), pruned
    spared = "3 records of stream survey_responses not pruned: the full read found no record of that stream"
    assert spared in " ".join(pruned.warnings)


def survey_run(url: str, root: Path, name: str, entry: dict, **options) -> SourceResult:
    """A sync of one API survey source (`entry`: its `[sources.NAME]`) into `url`."""
    from cxbridge.config import config_from_dict

    config = config_from_dict({"sources": {name: entry}}, plugins_host.create_host(), path=root / "cxbridge.toml")
    [result] = api.sync(config, destination=url, **options).results
    return result


def stored_ids(url: str) -> dict[str, set[str]]:
    """The native ids stored, and quarantined."""
    with api.reading(destination=url) as dest:
        return {table: {row["source_record_id"] for row in dest.query(f"SELECT source_record_id FROM {table}")}
                for table in ("feedback", "quarantine")}  # fmt: skip


def kept(records: str, part: str) -> str:
    """The start of the summary's line for the records of a survey or form the run did not read."""
    why = "the run read nothing of it (closed, renamed or out of the source's selection?)"
    return f"{records} of {part} not pruned: {why}"


def store_visits(monkeypatch: pytest.MonkeyPatch, *, off_scale: bool = True):
    """The local Qualtrics fake's two store surveys, its token set: SV_store1 R_0001…R_0003,
    SV_store2 R_0004 and, with `off_scale`, R_0005 answering NPS 11 (quarantined)."""
    from tests.qualtrics_api import TOKEN, response, store_account

    monkeypatch.setenv("QUALTRICS_API_TOKEN", TOKEN)
    account = store_account()
    if off_scale:
        account.put("SV_store2", response(5, nps=11))
    return account


def stores_entry(fake, **options) -> dict:
    """The source entry reading the store surveys from the local fake, unpaced (no export poll
    or rate-limit sleeps)."""
    from tests.qualtrics_api import ROOT

    return {"connector": "qualtrics", "base_url": fake.url + ROOT, "api_token": "${QUALTRICS_API_TOKEN}",
            "name_pattern": "^Store visit", "poll_interval": 0.01, "requests_per_second": 1000, **options}  # fmt: skip


@pytest.mark.parametrize("kind", ["sqlite", "duckdb", "postgresql"])
def test_a_survey_closed_in_qualtrics_keeps_its_responses_and_the_surveys_read_prune_theirs(
    kind, tmp_path, monkeypatch, request
):  # fmt: skip
    """With `active_only = true`, a survey closed in Qualtrics — its normal end, no change by the
    user — is no longer read: a full read keeps its responses, stored and quarantined, and says
    so, while a response deleted from a survey it read goes."""
    from tests.qualtrics_api import qualtrics

    files = {"sqlite": f"sqlite:///{tmp_path / 'cx.db'}", "duckdb": f"duckdb:///{tmp_path / 'cx.duckdb'}"}
    url = files.get(kind) or request.getfixturevalue("postgres_database")("prune_closed")
    account = store_visits(monkeypatch)
    with qualtrics(account) as fake:
        stores = stores_entry(fake, active_only=True)
        first = survey_run(url, tmp_path, "stores", stores)
        account.surveys["SV_store2"].active = False
        del account.surveys["SV_store1"].responses["R_0002abcd"]
        counted = survey_run(url, tmp_path, "stores", stores, full_refresh=True, prune=True, dry_run=True)
        pruned = survey_run(url, tmp_path, "stores", stores, full_refresh=True, prune=True)

    assert (first.written, first.quarantined) == (4, 1), first
    assert (counted.ok, counted.read, counted.pruned) == (True, 2, 1), counted
    assert (pruned.ok, pruned.read, pruned.pruned) == (True, 2, 1), pruned
    assert stored_ids(url) == {"feedback": {"R_0001abcd", "R_0003abcd", "R_0004abcd"}, "quarantine": {"R_0005abcd"}}
    for result in (counted, pruned):
        assert any(warning.startswith(kept("2 records", "survey SV_store2")) for warning in result.warnings), result
    assert "1 record of stream responses pruned: the full read no longer found them" in pruned.warnings


def test_a_survey_renamed_past_name_pattern_in_surveymonkey_keeps_its_responses(tmp_path, monkeypatch):
    """A survey renamed in SurveyMonkey so that `name_pattern` no longer matches it is no longer
    read: a full read keeps its responses, and the dry run says which survey they are of."""
    from cxbridge.plugins.surveymonkey.source import SurveyMonkeySource
    from tests.sqlite_runs import sync_source
    from tests.surveymonkey_api import TOKEN, sm_response, support_account, support_details, surveymonkey

    monkeypatch.setenv("SURVEYMONKEY_TOKEN", TOKEN)
    monkeypatch.setattr(SurveyMonkeySource, "sleep", staticmethod(lambda seconds: None))
    account = support_account()
    account.surveys["412345679"] = {**support_details(), "id": "412345679", "title": "Support CSAT"}
    account.responses["412345679"] = [{**sm_response(6), "survey_id": "412345679"}]
    with surveymonkey(account) as fake:
        support = {"connector": "surveymonkey", "base_url": fake.url, "access_token": "${SURVEYMONKEY_TOKEN}",
                   "name_pattern": "^Support"}  # fmt: skip
        assert sync_source(tmp_path, support, name="support").written == 5  # the partial response left out
        account.surveys["412345679"]["title"] = "Archived: Support CSAT"
        counted = sync_source(tmp_path, support, name="support", full_refresh=True, prune=True, dry_run=True)

    assert (counted.ok, counted.read, counted.pruned) == (True, 4, 0), counted
    assert any(warning.startswith(kept("1 record", "survey 412345679")) for warning in counted.warnings), counted


@pytest.mark.parametrize("kind", ["sqlite", "duckdb"])
def test_a_form_moved_out_of_the_typeform_workspace_keeps_its_responses(kind, tmp_path, monkeypatch):
    """A form moved out of the workspace a typeform source reads (`workspace_id`) is no longer
    read: a full read keeps its responses, stored and quarantined, and names the form, while a
    response deleted from a form it read goes."""
    from cxbridge.plugins.typeform.source import TypeformSource
    from tests.typeform_api import TOKEN, store_account, store_form, tf_response, typeform

    monkeypatch.setenv("TYPEFORM_TOKEN", TOKEN)
    monkeypatch.setattr(TypeformSource, "sleep", staticmethod(lambda seconds: None))
    url = f"{kind}:///{tmp_path / 'cx'}.{'db' if kind == 'sqlite' else 'duckdb'}"
    account = store_account()  # 4 completed responses and a partial one, left out
    other = [tf_response(6, form_id="Zz9Other"), tf_response(7, nps=11, form_id="Zz9Other")]  # 11: quarantined
    account.add_form(store_form("Zz9Other"), *other)
    with typeform(account) as fake:
        forms = {"connector": "typeform", "base_url": fake.url, "token": "${TYPEFORM_TOKEN}", "workspace_id": "Ws1abc"}
        first = survey_run(url, tmp_path, "forms", forms)
        account.workspaces["Zz9Other"] = "Ws2archive"
        account.responses["kX7pQ2Lm"].pop(0)  # kx7pq2lmresp000001 deleted in Typeform
        pruned = survey_run(url, tmp_path, "forms", forms, full_refresh=True, prune=True)

    assert (first.written, first.quarantined) == (5, 1), first
    assert (pruned.ok, pruned.read, pruned.pruned) == (True, 3, 1), pruned
    stored = {f"kX7pQ2Lm|kx7pq2lmresp00000{n}" for n in (2, 3, 4)} | {"Zz9Other|zz9otherresp000006"}
    assert stored_ids(url) == {"feedback": stored, "quarantine": {"Zz9Other|zz9otherresp000007"}}
    assert any(warning.startswith(kept("2 records", "form Zz9Other")) for warning in pruned.warnings), pruned


def test_a_survey_renamed_past_name_pattern_in_questionpro_keeps_its_responses(tmp_path, monkeypatch):
    """A survey renamed in QuestionPro so that `name_pattern` no longer matches it is no longer
    read: a full read keeps its responses, and the dry run says which survey they are of."""
    from cxbridge.plugins.questionpro.source import QuestionProSource
    from tests.questionpro_api import API_KEY, qp_response, questionpro, support_account
    from tests.sqlite_runs import sync_source

    monkeypatch.setenv("QUESTIONPRO_API_KEY", API_KEY)
    monkeypatch.setattr(QuestionProSource, "sleep", staticmethod(lambda seconds: None))
    account = support_account()  # 4 responses stored, one only started
    account.surveys[2222], account.responses[2222] = "Store CSAT", [{**qp_response(6), "surveyID": 2222}]
    with questionpro(account) as fake:
        support = {"connector": "questionpro", "base_url": fake.url, "api_key": "${QUESTIONPRO_API_KEY}",
                   "user_id": 42, "name_pattern": "CSAT",
                   "questions": {"9002": {"metric": "csat", "scale": [1, 5]}}}  # fmt: skip
        assert sync_source(tmp_path, support, name="support").written == 5
        account.surveys[2222] = "Store survey (old)"
        counted = sync_source(tmp_path, support, name="support", full_refresh=True, prune=True, dry_run=True)

    assert (counted.ok, counted.pruned) == (True, 0), counted
    assert any(warning.startswith(kept("1 record", "survey 2222")) for warning in counted.warnings), counted


def test_a_form_taken_out_of_a_google_forms_source_keeps_its_responses(tmp_path):
    """A form taken out of `forms` is no longer read: a full read keeps its responses and names
    the form, while a response deleted from a form it read goes."""
    from tests.google_forms_api import ACCESS_TOKEN, form_response, google_forms, store_account, store_form

    key = {"type": "authorized_user", "client_id": "1234.apps.googleusercontent.com", "client_secret": "cs-1",
           "refresh_token": "1//refresh-1", "token": ACCESS_TOKEN, "expiry": "2099-01-01T00:00:00Z"}  # fmt: skip
    (tmp_path / "user-key.json").write_text(json.dumps(key), encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'cx.db'}"
    account = store_account()  # ACYDBNj00001…ACYDBNj00004
    account.add_form(store_form("1FAIpQLSd-other"), form_response(5), form_response(6, nps=12))  # 12: quarantined
    with google_forms(account) as fake:
        visits = {"connector": "google_forms", "base_url": fake.url + "/v1", "credentials_file": "user-key.json",
                  "forms": ["1FAIpQLSd-store", "1FAIpQLSd-other"]}  # fmt: skip
        first = survey_run(url, tmp_path, "visits", visits)
        account.responses["1FAIpQLSd-store"].pop(0)
        visits["forms"] = ["1FAIpQLSd-store"]
        pruned = survey_run(url, tmp_path, "visits", visits, full_refresh=True, prune=True)

    assert (first.written, first.quarantined) == (5, 1), first
    assert (pruned.ok, pruned.read, pruned.pruned) == (True, 3, 1), pruned
    stored = {"ACYDBNj00002", "ACYDBNj00003", "ACYDBNj00004", "ACYDBNj00005"}
    assert stored_ids(url) == {"feedback": stored, "quarantine": {"ACYDBNj00006"}}
    assert any(warning.startswith(kept("2 records", "form 1FAIpQLSd-other")) for warning in pruned.warnings), pruned
