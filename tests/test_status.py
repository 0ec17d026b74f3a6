"""`cxbridge status` and `cxbridge quarantine list`: a sync killed with SIGKILL is `abandoned`,
not `running` for ever (found through the destination's lock); the tables fit a 100-column
terminal; cursors read as words; quarantined records come in the order of their files and rows."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import sys
import textwrap
from datetime import datetime, timezone
from pathlib import Path

import pytest

from click.testing import CliRunner

from cxbridge.api import open_destination
from cxbridge.cli.main import cli
from cxbridge.plugins_host import create_host
from cxbridge.status_report import copies_by_source, describe_cursor
from tests.conftest import Workspace, survey_row
from tests.killed_syncs import held_sync, sync_killed
from tests.test_location_ranking import url_for
from tests.terminal import run_in_terminal


def statuses() -> list[tuple[str, str]]:
    result = CliRunner().invoke(cli, ["status", "--format", "json"])
    assert result.exit_code == 0, result.output
    return [(run["run_id"], run["status"]) for run in json.loads(result.stdout)["runs"]]


def killed_after_its_first_batch(workspace: Workspace) -> None:
    """A `cxbridge sync` process killed with SIGKILL after its first committed batch."""
    killed, output = held_sync(["sync", "--config", str(workspace.config)], cwd=workspace.root,
                               release=workspace.root / "never")  # fmt: skip
    killed.kill()
    killed.join(30)
    assert killed.exitcode == -signal.SIGKILL, output.read_text()


def test_a_sync_killed_with_sigkill_is_abandoned_not_running(workspace: Workspace):
    workspace.config.write_text(workspace.config.read_text().replace("batch_size = 1000", "batch_size = 5"))
    workspace.write_csv([survey_row(n) for n in range(1, 21)])
    sync = ["sync", "--config", str(workspace.config)]
    killed, output = held_sync(sync, cwd=workspace.root, release=workspace.root / "never")
    [(run_id, status)] = statuses()
    assert status == "running"  # it is: it holds the lock

    killed.kill()  # SIGKILL
    killed.join(30)
    assert killed.exitcode == -signal.SIGKILL, output.read_text()
    assert workspace.query("SELECT status FROM sync_runs") == [("running",)]  # what the killed process left
    assert statuses() == [(run_id, "abandoned")]

    release = workspace.root / "release"
    second, output = held_sync(sync, cwd=workspace.root, release=release)  # the lock held again, by a newer run
    [(second_id, second_status), (first_id, first_status)] = statuses()
    assert (second_status, first_id, first_status) == ("running", run_id, "abandoned")
    release.touch()
    second.join(120)
    assert second.exitcode == 0, output.read_text()
    assert statuses() == [(second_id, "success"), (run_id, "abandoned")]
    assert workspace.query("SELECT COUNT(*) FROM feedback") == [(20,)]


def runs_of(url: str) -> dict[tuple[str, str], dict]:
    shown = CliRunner().invoke(cli, ["status", "--format", "json", "--destination", url])
    assert shown.exit_code == 0, shown.output
    return {(run["run_id"], run["status"]): run for run in json.loads(shown.stdout)["runs"]}


OFF_THE_SCALE = (3, 7, 14)
"""The rows of `twenty_rows` scoring 11: quarantined."""


def twenty_rows(workspace: Workspace) -> list[list[str]]:
    rows = [survey_row(n, nps=11 if n in OFF_THE_SCALE else None) for n in range(1, 21)]
    workspace.write_csv(rows)
    return rows


def shown_with(url: str, committed: list[list[str]]) -> tuple[str, str, str]:
    """The one run `status` lists, unfinished, checked to show as written and quarantined the
    rows of `committed` (those scoring 11 quarantined) and read, unchanged and skipped unknown,
    in JSON and in its table: its run id, its status and the table's text on one line."""
    quarantined = sum(1 for row in committed if row[3] == "11")
    [((run_id, status), run)] = runs_of(url).items()
    counts = {name: run[f"records_{name}"] for name in ("read", "written", "unchanged", "quarantined", "skipped")}
    assert counts == {"read": None, "written": len(committed) - quarantined, "unchanged": None,
                      "quarantined": quarantined, "skipped": None}  # fmt: skip
    table = CliRunner().invoke(cli, ["status", "--destination", url])
    assert table.exit_code == 0, table.output
    shown = line_of(run, table.output.splitlines()).split()[-5:]  # took, read, written, unchanged, quarantined
    assert shown == ["—", "—", str(len(committed) - quarantined), "—", str(quarantined)]
    return run_id, status, " ".join(table.output.split())


@pytest.mark.parametrize("engine", ["sqlite", "duckdb", "postgresql", "parquet"])
def test_a_run_killed_with_sigkill_shows_what_its_committed_batches_wrote(engine, tmp_path, request):
    """Its `sync_runs` row still holds the zeros it started with ("0 written", though two batches
    were committed): status counts the rows carrying its run id instead, and says that what it
    read is unknown."""
    workspace = Workspace(tmp_path, batch_size=5)
    url = url_for(engine, tmp_path, request)
    rows = twenty_rows(workspace)
    exit_code, output = sync_killed(["sync", "--destination", url, "--no-progress"], cwd=tmp_path, batches=2, delay=0)
    assert exit_code == -signal.SIGKILL, output

    killed, status, table = shown_with(url, rows[:10])  # two batches of 5: 8 written, 2 quarantined
    assert status == "abandoned"
    assert "read and unchanged are unknown" in table

    assert workspace.sync(destination=url).exit_code == 0  # its 8 records read again unchanged, the 3 quarantined again
    after = runs_of(url)[killed, "abandoned"]
    assert (after["records_written"], after["records_quarantined"]) == (8, 0)  # what still carries its id


@pytest.mark.parametrize("engine", ["sqlite", "postgresql", "parquet"])
def test_a_running_sync_shows_what_it_has_committed_so_far(engine, tmp_path, request):
    """Its `sync_runs` row holds zeros until it ends ("0 written" for an hour of a long sync):
    status counts the rows carrying its run id, as for an abandoned run, and says that what it
    read is counted at its end; once it ends, the counts it recorded."""
    workspace = Workspace(tmp_path, batch_size=5)
    url = url_for(engine, tmp_path, request)
    rows = twenty_rows(workspace)
    release = tmp_path / "release"
    sync, output = held_sync(["sync", "--destination", url, "--no-progress"], cwd=tmp_path, release=release)
    try:
        run_id, status, table = shown_with(url, rows[:5])  # held after its first batch of 5: 4 written, 1 quarantined
        assert status == "running"
        assert "read and unchanged are counted at its end" in table
    finally:
        release.touch()
        sync.join(120)
    assert sync.exitcode == 0, output.read_text()
    done = runs_of(url)[run_id, "success"]
    assert [done[f"records_{name}"] for name in ("read", "written", "quarantined")] == [20, 17, 3]


def test_status_of_a_duckdb_file_a_running_sync_holds_names_the_sync_and_says_to_run_again(tmp_path):
    """DuckDB lets no other process open a file one process writes, not even read-only: `status`
    cannot show a running sync's counts there (SQLite and PostgreSQL do). It says so, naming the
    sync from its lock's holder file — not "close it there", which a sync is not to be — and
    shows the counts once the sync ends."""
    workspace = Workspace(tmp_path, batch_size=5)
    url = f"duckdb:///{tmp_path / 'cx.duckdb'}"
    twenty_rows(workspace)
    release = tmp_path / "release"
    sync, output = held_sync(["sync", "--destination", url, "--no-progress"], cwd=tmp_path, release=release)
    try:
        for args in ([], ["--format", "json"]):
            shown = CliRunner().invoke(cli, ["status", "--destination", url, *args])
            assert shown.exit_code == 1 and "Traceback" not in shown.output, shown.output
            message = " ".join(shown.stderr.split())
            assert f"{tmp_path / 'cx.duckdb'} is being written by another cxbridge command (cxbridge sync, pid {sync.pid}, " in message
            assert "this command cannot read it until that one ends; run it again then" in message
            assert "close it there" not in message
    finally:
        release.touch()
        sync.join(120)
    assert sync.exitcode == 0, output.read_text()
    [done] = runs_of(url).values()
    assert (done["status"], done["records_read"], done["records_written"], done["records_quarantined"]) == ("success", 20, 17, 3)


def test_status_fits_a_100_column_terminal(workspace: Workspace):
    long_name = "store_visits_and_receipt_survey_2024"
    workspace.config.write_text(
        workspace.config.read_text().replace("batch_size = 1000", "batch_size = 5").replace("[sources.survey", f"[sources.{long_name}")
        + textwrap.dedent("""
            [sources.scanned_forms]
            connector = "csv"
            path = "scans/forms.csv"
            columns = { submitted_at = "submitted" }
        """)
    )  # fmt: skip
    (workspace.root / "scans").mkdir()
    (workspace.root / "scans" / "forms.csv").write_bytes(b"submitted\n\x00\x01\x02 scanned image bytes \x00" * 40)
    workspace.write_csv([survey_row(n) for n in range(1, 1201)] + [survey_row(1201, nps=11)])
    killed_after_its_first_batch(workspace)
    workspace.config.write_text(workspace.config.read_text().replace("batch_size = 5", "batch_size = 1000"))
    assert CliRunner().invoke(cli, ["sync"]).exit_code == 1  # scanned_forms fails

    printed = run_in_terminal([sys.executable, "-m", "cxbridge", "status"], cwd=workspace.root)
    lines = printed.splitlines()
    assert max(len(line) for line in lines) <= 100, printed
    runs = json.loads(CliRunner().invoke(cli, ["status", "--format", "json"]).stdout)["runs"]
    by_source = {(run["source"], run["status"]): run for run in runs}
    failed = by_source["scanned_forms", "failed"]
    for run in runs:
        started = datetime.fromisoformat(run["started_at"]).astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M")
        row = line_of(run, lines)
        assert row.startswith(started) and run["status"] in row
    done = by_source[long_name, "success"]
    row = line_of(done, lines)
    assert row.split()[-4:] == [f"{done[f'records_{n}']:,}" for n in ("read", "written", "unchanged", "quarantined")]
    assert row.split()[-4:] == ["1,201", f"{1200 - 5:,}", "5", "1"]  # the killed run wrote 5; R1201 scores 11
    assert long_name[:12] in row  # a long source name folds within its column
    abandoned = by_source[long_name, "abandoned"]
    assert line_of(abandoned, lines).split()[-5:] == ["—", "—", "5", "—", "0"]  # its first batch, still held
    error_lines = printed[printed.index(f"  {failed['run_id'][:8]} scanned_forms: "):].splitlines()
    assert " ".join(" ".join(error_lines[:4]).split()).startswith(
        f"{failed['run_id'][:8]} scanned_forms: {' '.join(failed['error'].split())}"
    )
    assert "1 file read: responses.csv" in printed



def test_status_in_a_pipe_prints_each_runs_error_without_padding(workspace: Workspace):
    """In a pipe (cron mail, `> status.txt`) lines keep their natural width: an error line is not
    padded with spaces to the width a pipe's table may take."""
    workspace.write_csv([])  # a header without rows: the run fails, saying so
    assert CliRunner().invoke(cli, ["sync"]).exit_code == 1
    printed = CliRunner().invoke(cli, ["status"])
    assert printed.exit_code == 0, printed.output
    error = [line for line in printed.output.splitlines() if " survey: " in line]
    assert error == ["  " + error[0].strip()] and error[0].endswith("nothing to import"), error

LATER_COLUMNS = ("records_skipped", "records_pruned", "command")


def runs_shown(url: str) -> dict[str, tuple[int | None, ...]]:
    shown = CliRunner().invoke(cli, ["status", "--format", "json", "--destination", url])
    assert shown.exit_code == 0, shown.output
    return {run["run_id"]: tuple(run[c] for c in LATER_COLUMNS) for run in json.loads(shown.stdout)["runs"]}


def as_before_the_later_columns(engine: str, url: str, folder: Path) -> None:
    """The destination as a version before `sync_runs.records_skipped`, `records_pruned` and `command` left it."""
    if engine == "parquet":
        import duckdb

        from cxbridge.plugins.parquet.migrations import MIGRATIONS

        runs = folder / "lake" / "sync_runs" / "data.parquet"
        duckdb.execute(f"COPY (SELECT * EXCLUDE ({', '.join(LATER_COLUMNS)}) FROM read_parquet('{runs}')) "
                       f"TO '{runs}.old' (FORMAT parquet)")  # fmt: skip
        os.replace(f"{runs}.old", runs)
        kept = [name for name in MIGRATIONS if not name.endswith(("_skipped_count", "_pruned_count", "_run_command"))]
        (folder / "lake" / "_cxbridge" / "migrations.json").write_text(json.dumps(kept))
        return
    destination = create_host().destination_class(engine)(url, base_dir=folder)
    destination.open()
    sqlite = engine == "sqlite"
    execute = destination.db.execute if sqlite else destination.execute
    for column in LATER_COLUMNS:
        execute(f"ALTER TABLE sync_runs DROP COLUMN {column}")
    migrations = "_sqlite_migrations" if sqlite else "cxbridge_migrations"
    execute(f"DELETE FROM {migrations} WHERE name LIKE '%_skipped_count' OR name LIKE '%_pruned_count' "
            "OR name LIKE '%_run_command'")
    if sqlite:
        destination.db.conn.commit()
    destination.close()


@pytest.mark.parametrize("engine", ["sqlite", "duckdb", "postgresql", "parquet"])
def test_runs_stored_before_the_skipped_and_pruned_counts_and_command_show_none_and_later_runs_record_theirs(
    engine, workspace, tmp_path, request
):
    url = url_for(engine, tmp_path, request)
    workspace.write_csv([survey_row(1), survey_row(2)])
    before = workspace.sync(destination=url).run_id
    as_before_the_later_columns(engine, url, tmp_path)
    assert runs_shown(url) == {before: (None, None, None)}
    workspace.write_csv([survey_row(1)])  # R2 deleted: a prune removes it where the destination prunes

    prunes = engine != "parquet"
    after = workspace.sync(destination=url, full_refresh=prunes, prune=prunes).run_id

    assert runs_shown(url) == {before: (None, None, None), after: (0, 1 if prunes else None, "sync")}


def line_of(run: dict, lines: list[str]) -> str:
    """The table line of a run: its short id and (the start of) its source."""
    return next(line for line in lines if f"{run['run_id'][:8]}  {run['source'][:12]}" in line)


def test_killed_runs_are_abandoned_on_every_local_destination(tmp_path: Path, destination: str):
    """The lock each local destination takes is the one `status` asks about."""
    from cxbridge.plugins_host import create_host

    host = create_host(load_entry_points=False)
    url = {"sqlite": "sqlite:///x.db", "duckdb": "duckdb:///x.duckdb", "parquet": "parquet:///lake"}[destination]
    holder, reader = (host.destination_class(destination)(url, base_dir=tmp_path) for _ in range(2))
    assert reader.lock_held() is False
    with holder.lock():
        assert reader.lock_held() is True
    assert reader.lock_held() is False


@pytest.fixture(params=["sqlite", "duckdb", "parquet"])
def destination(request) -> str:
    return request.param


def test_postgres_lock_is_seen_by_another_session(postgres_url: str):
    from cxbridge.plugins_host import create_host

    host = create_host(load_entry_points=False)
    holder, reader = (host.destination_class("postgresql")(postgres_url) for _ in range(2))
    with holder:
        holder.open()
        with reader:
            reader.open(read_only=True)
            assert reader.lock_held() is False
            with holder.lock():
                assert reader.lock_held() is True
            assert reader.lock_held() is False


SUBMITTED = "2024-07-08T16:00:23Z"


@pytest.mark.parametrize(
    ("cursor", "words"),
    [
        (None, "nothing read yet"),
        ({"files": {"2023/q4.xlsx": "ab:cd", "2024/q1.xlsx": "ef:01"}}, "2 files read: 2023/q4.xlsx, 2024/q1.xlsx"),
        ({"files": {f"{n}.csv": "x" for n in range(5)}}, "5 files read: 0.csv, 1.csv, 2.csv and 2 more"),
        ({"files": {"a.csv": {"size": 9}}, "date_order": {"order": "dmy", "shown_by": "a.csv: row 2 has '31/01/2025'"}},
         "1 file read: a.csv"),
        (SUBMITTED, "up to 2024-07-08 16:00:23 UTC"),  # Zendesk, Salesforce: one time
        ("2024-07-08T18:00:23+02:00", "up to 2024-07-08 16:00:23 UTC"),
        ({"SV_1": {"token": "abc", "recordedDate": "2024-07-01T10:00:00Z"}, "SV_2": {"recordedDate": SUBMITTED}},
         "up to 2024-07-08 16:00:23 UTC (2 positions)"),  # Qualtrics: one per survey
        ({"form": {"completed": SUBMITTED, "partial": "2024-07-08T15:00:00Z"}},
         "up to 2024-07-08 16:00:23 UTC (2 positions)"),  # Typeform
        ({"bookmarks": {"responses": {"replication_key_value": SUBMITTED}}}, "up to 2024-07-08 16:00:23 UTC"),
        ({"surveys": {"1": SUBMITTED}, "boundary": {"1": ["9"]}, "requests": {"day": "2024-07-09", "used": 3}},
         "up to 2024-07-08 16:00:23 UTC"),  # SurveyMonkey: the request day is no position
        ({"token": "x" * 80}, '{"token": "' + "x" * 48 + "…"),
    ],
)  # fmt: skip
def test_cursors_in_words(cursor, words):
    assert describe_cursor(cursor) == words


def test_an_epoch_milliseconds_cursor_reads_as_its_time():
    moment = datetime(2024, 7, 8, 16, 0, 23, tzinfo=timezone.utc)
    milliseconds = int(moment.timestamp()) * 1000  # HubSpot's hs_lastmodifieddate cursor
    assert describe_cursor(milliseconds) == f"up to {moment:%Y-%m-%d %H:%M:%S} UTC"
    assert describe_cursor(42) == "42"


def test_quarantine_list_is_in_file_and_row_order_with_a_limit(workspace: Workspace):
    from cxbridge import api

    workspace.config.write_text(workspace.config.read_text().replace("batch_size = 1000", "batch_size = 7"))
    bad_b, bad_a = (9, 10, 100), (202, 230)
    workspace.write_csv([survey_row(n, nps=11 if n in bad_b else None) for n in range(1, 120)], "responses_b.csv")
    workspace.sync()
    workspace.write_csv([survey_row(n, nps=12 if n in bad_a else None) for n in range(200, 240)], "responses_a.csv")
    workspace.sync()  # quarantined later, listed first: a.csv comes before b.csv
    header = 1  # rows are numbered as the sheet shows them: the header is row 1
    expected = [("responses_a.csv", n - 200 + 1 + header) for n in bad_a] + [("responses_b.csv", n + header) for n in bad_b]
    listed = list(api.quarantine_list(destination=f"sqlite:///{workspace.db}"))
    assert [(item.context["file"], item.context["row"]) for item in listed] == expected  # row 11 before row 101
    limited = api.quarantine_list(destination=f"sqlite:///{workspace.db}", limit=2)
    assert [item.record_id for item in limited] == [item.record_id for item in listed[:2]]


def test_runs_n_shows_the_last_n_runs_with_every_source_of_each(workspace: Workspace):
    """`--runs 2` over three sources: both last syncs whole (six rows), not the six newest rows cut anywhere."""
    for name in ("second", "third"):
        workspace.config.write_text(workspace.config.read_text() + textwrap.dedent(f"""
            [sources.{name}]
            connector = "csv"
            path = "{name}.csv"
            columns = {{ id = "id", submitted_at = "submitted" }}
        """))  # fmt: skip
        workspace.write_csv([survey_row(1)], name=f"{name}.csv")
    workspace.write_csv([survey_row(1)])
    syncs = [workspace.sync().run_id for _ in range(3)]

    shown = CliRunner().invoke(cli, ["status", "--runs", "2", "--format", "json"])

    assert shown.exit_code == 0, shown.output
    rows = [(run["run_id"], run["source"]) for run in json.loads(shown.stdout)["runs"]]
    assert sorted(rows) == sorted((run, source) for run in syncs[1:] for source in ("survey", "second", "third"))
    assert [run for run, _ in rows] == [syncs[2]] * 3 + [syncs[1]] * 3  # newest run first, its rows together


@pytest.mark.parametrize("runs", ["0", "-3"])
def test_runs_below_one_is_a_usage_error_not_a_claim_that_nothing_ran(workspace: Workspace, runs: str):
    """`--runs 0` printed `runs: none yet` over a destination with runs, and `--runs -3` (SQLite's
    LIMIT -3: no limit) every run: a count of runs below 1 is refused, as `--limit -1` is."""
    workspace.write_csv([survey_row(1)])
    workspace.sync()

    shown = CliRunner().invoke(cli, ["status", "--runs", runs])

    assert shown.exit_code == 2, shown.output
    assert "--runs" in shown.output and "x>=1" in shown.output
    assert "none yet" not in shown.output and "Traceback" not in shown.output


def test_status_of_a_config_in_another_folder_shows_where_its_database_is(tmp_path: Path, monkeypatch):
    """The config writes `sqlite:///data/cx.db`, a path against the config's folder: run from
    elsewhere, `status` says which file that is (the URL alone reads as a file in the current folder)."""
    project = Workspace(tmp_path / "project")
    project.config.write_text("[destination]\nurl = \"sqlite:///data/cx.db\"\n" + project.config.read_text())
    project.write_csv([survey_row(1)])
    (project.root / "data").mkdir()  # a config's folder is not made (test_destination_paths)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    synced = CliRunner().invoke(cli, ["sync", "--no-progress", "--config", str(project.config)])
    assert synced.exit_code == 0, synced.output

    shown = CliRunner().invoke(cli, ["status", "--config", str(project.config)])
    found = CliRunner().invoke(cli, ["status", "--config", str(project.config), "--format", "json"])

    database = (tmp_path / "project" / "data" / "cx.db").resolve()
    assert database.exists() and not (elsewhere / "data").exists()
    assert shown.exit_code == 0, shown.output
    assert shown.output.splitlines()[0] == f"status of sqlite:///data/cx.db ({database})"
    assert json.loads(found.stdout)["opened"] == str(database)


def test_status_of_a_database_named_by_its_absolute_path_names_it_once(workspace: Workspace):
    workspace.write_csv([survey_row(1)])
    workspace.sync()

    shown = CliRunner().invoke(cli, ["status", "--db", str(workspace.db)])

    assert shown.exit_code == 0, shown.output
    assert shown.output.splitlines()[0] == f"status of sqlite:///{workspace.db}"


def test_each_run_says_what_wrote_it_a_sync_an_import_or_a_replay(workspace, monkeypatch):
    monkeypatch.chdir(workspace.root)
    workspace.write_csv([survey_row(1), survey_row(2, nps=11)])  # R2 off the scale: quarantined
    (workspace.root / "imports").mkdir()
    workspace.write_csv([survey_row(3)], name="imports/extra.csv")
    runner = CliRunner()

    for command in (["sync"], ["import", "imports/extra.csv"], ["quarantine", "replay"]):
        assert runner.invoke(cli, command).exit_code == 0, command

    commands = workspace.query("SELECT source, command FROM sync_runs ORDER BY source, command")
    assert commands == [("extra", "import"), ("survey", "replay"), ("survey", "sync")]
    shown = json.loads(runner.invoke(cli, ["status", "--format", "json"]).stdout)["runs"]
    assert sorted((run["source"], run["command"]) for run in shown) == sorted(commands)


@pytest.mark.parametrize("columns", [80, 100])
def test_the_runs_table_keeps_every_column_on_an_80_and_a_100_column_terminal(workspace: Workspace, columns: int):
    """On 80 columns the runs table left out its source column and cut the headers to `writt…` and
    `quarantin…`: a narrow terminal shows the counts under short headers, with a line saying what
    each stands for, and every source name whole."""
    workspace.config.write_text(workspace.config.read_text().replace("[sources.survey", "[sources.store_visits"))
    workspace.write_csv([survey_row(n) for n in range(1, 1201)] + [survey_row(1201, nps=11)])
    assert CliRunner().invoke(cli, ["sync"]).exit_code == 0
    printed = run_in_terminal([sys.executable, "-m", "cxbridge", "status"], cwd=workspace.root, columns=columns)
    lines = printed.splitlines()
    assert max(len(line) for line in lines) <= columns and "…" not in printed, printed
    [run] = json.loads(CliRunner().invoke(cli, ["status", "--format", "json"]).stdout)["runs"]
    row = next(line for line in lines if run["run_id"][:8] in line)
    assert "store_visits" in row and row.split()[-4:] == ["1,201", "1,200", "0", "1"], printed
    header = lines[lines.index("recent runs") + 1].split()
    if columns == 100:
        assert header[-4:] == ["read", "written", "unchanged", "quarantined"], printed
    else:
        assert "source" in header and header[-4:] == ["read", "wrote", "same", "quar."], printed
        assert "wrote: written · same: unchanged · quar.: quarantined" in printed


def test_status_counts_copies_through_the_index_of_copies_not_every_record(workspace: Workspace):
    """A dataset holding no copy (most hold none): `cxbridge status` asks the partial index of
    `duplicate_of`, which holds none, and looks no record up (bench/README.md "`cxbridge status`
    on 200,000 records": 0.07 s of CPU, 0.22 s wall, reading every record to find no copy)."""
    workspace.write_csv([survey_row(n) for n in range(1, 41)])
    assert workspace.sync().exit_code == 0
    asked: list[str] = []
    with open_destination(f"sqlite:///{workspace.db}") as dest:
        dest.open(read_only=True)
        dest.db.conn.set_trace_callback(asked.append)
        assert copies_by_source(dest) == []
    [counted] = [sql for sql in asked if "COUNT(*) AS copies" in sql]
    with sqlite3.connect(workspace.db) as conn:
        plan = [row[-1] for row in conn.execute(f"EXPLAIN QUERY PLAN {counted}")]
    assert any("USING INDEX feedback_duplicate_of" in step for step in plan) and not any("SCAN" in s for s in plan), plan
