"""The engine's guarantees (DESIGN.md §5) on the embedded SQLite destination."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
from multiprocessing.connection import Connection
from pathlib import Path

import sqlite3

import pytest

import cxbridge
from cxbridge.config import config_from_dict
from cxbridge.plugins_host import create_host
from cxbridge.testing.sample_feedback import version_records
from tests.conftest import Workspace, share_salt, survey_row
from tests.killed_syncs import crashing_sync, forked_call, held_cli_sync, slow_sync

LINEAGE = ("ingested_at", "sync_run_id")


def test_first_sync_writes_every_row_with_scores_and_comments(workspace: Workspace):
    workspace.write_csv([survey_row(n) for n in range(1, 31)])
    result = workspace.sync()
    [source] = result.results
    assert (source.read, source.written, source.quarantined, source.status) == (30, 30, 0, "success")
    assert workspace.query("SELECT COUNT(*) FROM feedback") == [(30,)]
    assert workspace.query("SELECT COUNT(*) FROM feedback_scores") == [(90,)]
    assert workspace.query("SELECT COUNT(*) FROM feedback_comments") == [(20,)]
    nps, group, csat, csat_norm = workspace.query(
        "SELECT nps, nps_group, csat, csat_normalized FROM feedback WHERE source_record_id = 'R9'"
    )[0]
    assert (nps, group, csat, csat_norm) == (9, "promoter", 4.0, 75.0)


def test_second_sync_with_nothing_new_reads_and_writes_nothing(workspace: Workspace):
    workspace.write_csv([survey_row(n) for n in range(1, 31)])
    workspace.sync()
    before = workspace.table("feedback")
    [again] = workspace.sync().results
    assert (again.read, again.written) == (0, 0)
    assert workspace.table("feedback") == before


def test_appended_row_is_the_only_write_and_edited_row_updates(workspace: Workspace):
    rows = [survey_row(n) for n in range(1, 21)]
    workspace.write_csv(rows)
    workspace.sync()
    first_ingest = dict(workspace.query("SELECT source_record_id, ingested_at FROM feedback"))
    rows[4] = survey_row(5, nps=10)
    workspace.write_csv([*rows, survey_row(21)])
    [source] = workspace.sync().results
    assert (source.read, source.written, source.unchanged) == (21, 2, 19)
    assert workspace.query("SELECT nps FROM feedback WHERE source_record_id = 'R5'") == [(10,)]
    after_ingest = dict(workspace.query("SELECT source_record_id, ingested_at FROM feedback"))
    untouched = [key for key in first_ingest if key != "R5"]
    assert all(first_ingest[key] == after_ingest[key] for key in untouched)


def test_record_ids_are_deterministic_across_databases(workspace: Workspace, tmp_path: Path):
    workspace.write_csv([survey_row(n) for n in range(1, 11)])
    workspace.sync()
    workspace.sync(destination=f"sqlite:///{tmp_path / 'other.db'}", full_refresh=True)
    import sqlite3

    with sqlite3.connect(tmp_path / "other.db") as other:
        ids = sorted(other.execute("SELECT record_id FROM feedback").fetchall())
    assert ids == sorted(workspace.query("SELECT record_id FROM feedback"))


def test_bad_rows_are_quarantined_with_reasons_and_the_run_goes_on(workspace: Workspace):
    rows = [survey_row(n) for n in range(1, 11)]
    rows[2] = survey_row(3, nps=11)
    rows[5] = survey_row(6, satisfaction="Kinda ok")
    rows[7][1] = ""
    workspace.write_csv(rows)
    [source] = workspace.sync().results
    assert (source.written, source.quarantined, source.status) == (7, 3, "success")
    reasons = dict(workspace.query("SELECT source_record_id, error FROM quarantine"))
    assert "outside its scale 0–10" in reasons["R3"]
    assert "answer (a text of 2 words, not shown)" in reasons["R6"]
    assert "'submitted' is empty" in reasons["R8"]
    context = json.loads(workspace.query("SELECT context FROM quarantine WHERE source_record_id = 'R3'")[0][0])
    assert context.pop("replay")["scales"]  # what the read decided of its columns' scales (test_replayed_scales)
    assert context == {"file": "responses.csv", "row": 4}
    raw = json.loads(workspace.query("SELECT raw FROM quarantine WHERE source_record_id = 'R3'")[0][0])
    assert raw["values"]["nps"] == "11"


def test_a_fixed_record_leaves_quarantine(workspace: Workspace):
    rows = [survey_row(n) for n in range(1, 6)]
    rows[0] = survey_row(1, nps=11)
    workspace.write_csv(rows)
    workspace.sync()
    rows[0] = survey_row(1, nps=10)
    workspace.write_csv(rows)
    workspace.sync()
    assert workspace.query("SELECT COUNT(*) FROM quarantine") == [(0,)]
    assert workspace.query("SELECT nps FROM feedback WHERE source_record_id = 'R1'") == [(10,)]


def test_an_id_read_twice_is_stored_or_quarantined_as_its_last_row_says(workspace: Workspace):
    rows = [survey_row(1, nps=11), survey_row(1, nps=12), survey_row(2), survey_row(2, nps=11)]
    rows += [survey_row(3, nps=11), survey_row(3, nps=9)]
    workspace.write_csv(rows)
    for _ in range(2):  # every run alike
        [source] = workspace.sync(full_refresh=True).results
        # each row counted as if written alone, in the order read (docs/cli.md): R1's two rows, R2's
        # second and R3's first fail; R2's first and R3's second are written
        assert (source.status, source.read, source.quarantined, source.written) == ("success", 6, 4, 2)
        assert source.read == source.written + source.unchanged + source.quarantined
        quarantined = workspace.query("SELECT source_record_id, error, context FROM quarantine ORDER BY 1")
        assert [(native, json.loads(context)["row"]) for native, _, context in quarantined] == [("R1", 3), ("R2", 5)]
        assert "12 is outside its scale" in quarantined[0][1]
        assert workspace.query("SELECT source_record_id, nps FROM feedback") == [("R3", 9)]


def test_a_stored_record_whose_new_version_fails_moves_to_quarantine_and_back(workspace: Workspace):
    workspace.write_csv([survey_row(1), survey_row(2)])
    workspace.sync()
    workspace.write_csv([survey_row(1, nps=11), survey_row(2)])
    [source] = workspace.sync().results
    assert (source.written, source.unchanged, source.quarantined) == (0, 1, 1)
    assert workspace.query("SELECT source_record_id FROM feedback") == [("R2",)]
    assert workspace.query("SELECT COUNT(*) FROM feedback_scores WHERE record_id NOT IN (SELECT record_id FROM feedback)") == [(0,)]
    assert workspace.query("SELECT source_record_id FROM quarantine") == [("R1",)]
    workspace.write_csv([survey_row(1, nps=10), survey_row(2)])
    workspace.sync()
    assert workspace.query("SELECT source_record_id, nps FROM feedback ORDER BY 1") == [("R1", 10), ("R2", 2)]
    assert workspace.query("SELECT COUNT(*) FROM quarantine") == [(0,)]


def test_replay_releases_a_quarantined_record_stored_since(workspace: Workspace):
    """Versions before "one id, one place" could leave a record both stored and quarantined;
    replay takes it out of quarantine instead of replaying the old failure."""
    workspace.write_csv([survey_row(1, nps=11), survey_row(2, nps=11)])
    workspace.sync()
    workspace.write_csv([survey_row(1, nps=10), survey_row(2, nps=11)])
    workspace.sync()
    with sqlite3.connect(workspace.db) as conn:  # R1's old failure, as an older version left it
        conn.execute("INSERT INTO quarantine SELECT f.record_id, q.source, q.stream, 'R1', q.raw, q.error, q.field, "
                     "q.context, q.first_seen, q.last_seen, q.run_id, q.kind FROM feedback f, quarantine q "
                     "WHERE f.source_record_id = 'R1'")  # fmt: skip
    assert workspace.query("SELECT source_record_id FROM quarantine ORDER BY 1") == [("R1",), ("R2",)]
    [replayed] = cxbridge.quarantine_replay(workspace.config, destination=f"sqlite:///{workspace.db}",
                                            host=create_host()).results  # fmt: skip
    assert (replayed.read, replayed.written, replayed.unchanged, replayed.quarantined) == (2, 0, 1, 1)
    assert workspace.query("SELECT source_record_id FROM quarantine") == [("R2",)]
    assert workspace.query("SELECT source_record_id, nps FROM feedback") == [("R1", 10)]


def test_sync_runs_are_recorded(workspace: Workspace):
    workspace.write_csv([survey_row(n) for n in range(1, 6)])
    result = workspace.sync()
    runs = workspace.query("SELECT run_id, source, status, records_read, records_written, finished_at FROM sync_runs")
    assert len(runs) == 1
    run_id, source, status, read, written, finished = runs[0]
    assert (run_id, source, status, read, written) == (result.run_id, "survey", "success", 5, 5)
    assert finished is not None


def test_dry_run_writes_nothing(workspace: Workspace):
    workspace.write_csv([survey_row(n) for n in range(1, 6)])
    [source] = workspace.sync(dry_run=True).results
    assert (source.read, source.written) == (5, 5)
    assert not workspace.db.exists()


def test_dry_run_compares_content_hashes_as_the_real_run_would(workspace: Workspace):
    rows = [survey_row(n) for n in range(1, 5)]
    workspace.write_csv(rows)
    workspace.sync()
    rows[1] = survey_row(2, nps=9)  # an edit before the new row: the file is read whole again
    workspace.write_csv([*rows, survey_row(5)])
    before = workspace.table("feedback")
    [dry] = workspace.sync(dry_run=True).results
    assert (dry.read, dry.written, dry.unchanged) == (5, 2, 3)
    assert workspace.table("feedback") == before
    assert workspace.query("SELECT COUNT(*) FROM sync_runs") == [(1,)]
    [real] = workspace.sync().results
    assert (real.read, real.written, real.unchanged) == (5, 2, 3)


def test_full_refresh_rereads_but_rewrites_only_changes(workspace: Workspace):
    workspace.write_csv([survey_row(n) for n in range(1, 6)])
    workspace.sync()
    [source] = workspace.sync(full_refresh=True).results
    assert (source.read, source.written, source.unchanged) == (5, 0, 5)


def test_a_failing_source_does_not_stop_the_others(workspace: Workspace):
    workspace.write_csv([survey_row(n) for n in range(1, 4)])
    (workspace.root / "broken.csv").write_text('submitted,comment\n2025-01-02T10:00:00Z,"never closed\n')
    workspace.config.write_text(
        workspace.config.read_text()
        + '\n[sources.broken]\nconnector = "csv"\npath = "broken.csv"\n'
        + '[sources.broken.columns]\nsubmitted_at = "submitted"\n',
        encoding="utf-8",
    )
    result = workspace.sync()
    by_name = {r.source: r for r in result.results}
    assert by_name["survey"].ok and by_name["survey"].written == 3
    assert by_name["broken"].status == "failed"
    assert "broken.csv: row 2 (line 2) opens a quoted cell that is never closed" in by_name["broken"].error
    assert result.exit_code == 1
    assert workspace.query("SELECT status FROM sync_runs WHERE source = 'broken'") == [("failed",)]


def test_unsorted_stream_saves_its_cursor_only_when_complete(workspace: Workspace):
    workspace.config.write_text(workspace.config.read_text().replace("batch_size = 1000", "batch_size = 4"))
    workspace.write_csv([survey_row(n) for n in range(1, 11)])
    [source] = workspace.sync().results
    assert source.written == 10
    [(cursor,)] = workspace.query("SELECT cursor FROM sync_state")
    assert json.loads(cursor)["files"].keys() == {"responses.csv"}


def test_a_sorted_stream_that_fails_keeps_what_it_read_and_its_cursor(tmp_path: Path, monkeypatch):
    from cxbridge.errors import SourceError
    from cxbridge.testing.sample_feedback import Responses, SampleFeedback

    original = Responses.read

    def failing_after_25(self, cursor):
        for number, raw in enumerate(original(self, cursor), start=1):
            if number > 25:
                raise SourceError("the API went away")
            yield raw

    monkeypatch.setattr(Responses, "read", failing_after_25)
    host = create_host()
    host.pm.register(_Registering(SampleFeedback))
    settings = {"settings": {"batch_size": 10}, "sources": {"sample": {"connector": "sample_feedback"}}}
    config = config_from_dict(settings, host, path=tmp_path / "c.toml")
    [failed] = cxbridge.sync(config, destination=f"sqlite:///{tmp_path / 'cx.db'}").results
    assert failed.status == "failed" and failed.written + failed.quarantined == 25
    with sqlite3.connect(tmp_path / "cx.db") as conn:
        [(cursor,)] = conn.execute("SELECT cursor FROM sync_state").fetchall()
    monkeypatch.setattr(Responses, "read", original)
    [resumed] = cxbridge.sync(config, destination=f"sqlite:///{tmp_path / 'cx.db'}").results
    assert json.loads(cursor) == sorted(r["updated"] for r in version_records(60, 1))[24]
    assert resumed.streams["responses"] == 35 and resumed.unchanged == 0  # the 35 responses after the cursor


def test_a_stream_that_pauses_keeps_what_it_read_saves_where_to_resume_and_exits_3(tmp_path: Path, monkeypatch):
    """An unsorted stream that pauses (a daily quota spent) saves its final cursor anyway: the
    stream says it covers what was read. The run is `paused`, not failed, and exits 3."""
    from cxbridge.errors import SourcePaused
    from cxbridge.events import EventKind
    from cxbridge.testing.sample_feedback import Responses, SampleFeedback

    original = Responses.read
    seen: list[str] = []

    def pausing_after_25(self, cursor):
        for number, raw in enumerate(original(self, cursor), start=1):
            if number > 25:
                raise SourcePaused("the day's 500 requests are spent; the next run resumes")
            seen.append(raw["updated"])
            yield raw

    monkeypatch.setattr(Responses, "read", pausing_after_25)
    monkeypatch.setattr(Responses, "is_sorted", False)
    monkeypatch.setattr(Responses, "final_cursor", lambda self, cursor: {"resume_after": max(seen)})
    events: list[tuple[str, str | None]] = []
    host = create_host()
    host.pm.register(_Registering(SampleFeedback))
    settings = {"settings": {"batch_size": 10}, "sources": {"sample": {"connector": "sample_feedback"}}}
    config = config_from_dict(settings, host, path=tmp_path / "c.toml")
    result = cxbridge.sync(config, destination=f"sqlite:///{tmp_path / 'cx.db'}",
                           on_progress=lambda event: events.append((event.kind, event.error)))  # fmt: skip
    [paused] = result.results
    assert (paused.status, paused.error) == ("paused", "the day's 500 requests are spent; the next run resumes")
    assert paused.written + paused.quarantined == 25 and result.exit_code == 3
    assert (EventKind.SOURCE_FINISHED, paused.error) in events and EventKind.SOURCE_FAILED not in dict(events)
    with sqlite3.connect(tmp_path / "cx.db") as conn:
        [(cursor,)] = conn.execute("SELECT cursor FROM sync_state").fetchall()
        assert json.loads(cursor) == {"resume_after": max(seen)}
        assert conn.execute("SELECT status, error FROM sync_runs").fetchall() == [("paused", paused.error)]


def test_a_failure_beside_a_pause_exits_1():
    from cxbridge.api import SyncResult
    from cxbridge.pipeline import SourceResult

    paused, failed, fine = SourceResult("a", "x", "paused"), SourceResult("b", "x", "failed"), SourceResult("c", "x")
    assert SyncResult("r", "d", [paused, failed, fine]).exit_code == 1
    assert SyncResult("r", "d", [paused, fine]).exit_code == 3
    assert SyncResult("r", "d", [fine]).exit_code == 0


class _Registering:
    def __init__(self, source_class):
        self.source_class = source_class

    @cxbridge.hookimpl
    def register_sources(self, register):
        register(self.source_class)


# --- crashes, interruptions, concurrency ------------------------------------------------------

def test_crash_between_batches_then_rerun_gives_the_same_tables_as_a_clean_run(workspace: Workspace, tmp_path, monkeypatch):
    workspace.config.write_text(workspace.config.read_text().replace("batch_size = 1000", "batch_size = 7"))
    share_salt(monkeypatch, workspace)  # and the clean run below: their keys compare equal
    rows = [survey_row(n) for n in range(1, 41)]
    rows[10] = survey_row(11, nps=42)
    workspace.write_csv(rows)

    crashed, _ = forked_call(crashing_sync, str(workspace.config), f"sqlite:///{workspace.db}", str(workspace.root),
                             dict(os.environ))  # fmt: skip
    crashed.join(120)
    assert crashed.exitcode == 9
    assert workspace.query("SELECT COUNT(*) FROM feedback") == [(7,)]  # the first batch, and no more
    assert workspace.query("SELECT COUNT(*) FROM sync_state") == [(0,)]

    workspace.sync()  # the re-run after the crash
    clean = Workspace(tmp_path / "clean", batch_size=7)
    share_salt(monkeypatch, clean)
    clean.write_csv(rows)
    clean.sync()
    for table in ("feedback", "feedback_scores", "feedback_comments"):
        assert workspace.table(table, without=LINEAGE) == clean.table(table, without=LINEAGE), table
    quarantine_columns = ("first_seen", "last_seen", "run_id")
    assert workspace.table("quarantine", without=quarantine_columns) == clean.table("quarantine", without=quarantine_columns)
    assert workspace.query("SELECT COUNT(*) FROM feedback") == [(39,)]


def _start_slow_sync(workspace: Workspace, release: Path) -> tuple[multiprocessing.Process, Connection]:
    """A sync that stops after its first committed batch, holding the lock, until `release` exists
    (`slow_sync`), and its connection."""
    process, connection = _slow_sync(workspace, release)
    assert connection.recv() == "batch"
    return process, connection


def _slow_sync(workspace: Workspace, release: Path) -> tuple[multiprocessing.Process, Connection]:
    url = f"sqlite:///{workspace.db}"
    return forked_call(slow_sync, str(workspace.config), url, str(release), str(workspace.root), dict(os.environ))


def test_a_second_sync_on_a_locked_destination_exits_with_a_clear_message(workspace: Workspace):
    workspace.config.write_text(workspace.config.read_text().replace("batch_size = 1000", "batch_size = 5"))
    workspace.write_csv([survey_row(n) for n in range(1, 21)])
    release = workspace.root / "release"
    first, _ = _start_slow_sync(workspace, release)
    try:
        second, refusal = _slow_sync(workspace, workspace.config)
        said = refusal.recv()
        second.join(60)
        assert second.exitcode == 1
        assert f"another cxbridge command (python, pid {first.pid}, holding it since " in said
    finally:
        release.touch()
        first.join(120)
    assert first.exitcode == 0
    assert workspace.query("SELECT COUNT(*) FROM feedback") == [(20,)]


def test_ctrl_c_keeps_committed_batches_and_the_rerun_completes(workspace: Workspace):
    workspace.config.write_text(workspace.config.read_text().replace("batch_size = 1000", "batch_size = 5"))
    workspace.write_csv([survey_row(n) for n in range(1, 21)])
    process, _ = _start_slow_sync(workspace, workspace.root / "never")  # held after its first batch
    os.kill(process.pid, signal.SIGINT)
    process.join(30)
    assert process.exitcode == 130
    assert workspace.query("PRAGMA integrity_check") == [("ok",)]
    assert workspace.query("SELECT status, error FROM sync_runs") == [
        ("interrupted", "interrupted by the user (Ctrl-C)")
    ]
    assert workspace.query("SELECT COUNT(*) FROM feedback") == [(5,)]
    [source] = workspace.sync().results
    assert (source.written, source.unchanged) == (15, 5)


def _held_cxbridge_sync(workspace: Workspace, *args: str) -> tuple[multiprocessing.Process, Path]:
    """The `cxbridge sync` program, held after its first committed batch until it is told to stop
    (`held_cli_sync`), and the file of its standard error."""
    errors = workspace.root / "stderr"
    process, connection = forked_call(held_cli_sync, ["sync", "--config", str(workspace.config), *args],
                                      str(workspace.root), dict(os.environ), str(errors))  # fmt: skip
    assert connection.recv() == "batch", errors.read_text(encoding="utf-8")
    return process, errors


@pytest.mark.parametrize(("stop", "code", "reason", "said"), [
    (signal.SIGINT, 130, "interrupted by the user (Ctrl-C)", "interrupted"),
    (signal.SIGTERM, 143, *["stopped by SIGTERM (a timeout, docker stop, or the scheduler cancelling the task)"] * 2),
], ids=["ctrl-c", "sigterm"])  # fmt: skip
def test_ctrl_c_or_sigterm_stops_the_cxbridge_program_keeping_committed_batches_and_says_so(
    workspace: Workspace, stop: signal.Signals, code: int, reason: str, said: str
):
    """`timeout`, `docker stop` or a scheduler cancelling the task send SIGTERM: the program died
    on the spot, saying nothing, and its run stayed 'running' (shown as abandoned) with 0 read."""
    workspace.config.write_text(workspace.config.read_text().replace("batch_size = 1000", "batch_size = 5"))
    workspace.write_csv([survey_row(n) for n in range(1, 21)])
    process, errors = _held_cxbridge_sync(workspace)
    os.kill(process.pid, stop)
    process.join(30)
    assert process.exitcode == code
    assert errors.read_text(encoding="utf-8").strip() == f"{said}: every committed batch is kept; run the same command again to resume"
    assert workspace.query("SELECT status, error, records_written FROM sync_runs") == [("interrupted", reason, 5)]
    assert workspace.query("SELECT COUNT(*) FROM feedback") == [(5,)]
    [source] = workspace.sync().results
    assert (source.written, source.unchanged) == (15, 5)


def test_sigterm_stops_every_source_of_a_parallel_sync_each_saying_why(workspace: Workspace):
    """With --jobs the other sources stopped as if Ctrl-C was pressed: 'interrupted by the user (Ctrl-C)'."""
    survey = workspace.config.read_text().replace("batch_size = 1000", "batch_size = 5")
    branch = survey[survey.index("[sources.survey]"):].replace("sources.survey", "sources.branch")
    workspace.config.write_text(survey + branch.replace("responses*.csv", "branch.csv"))
    workspace.write_csv([survey_row(n) for n in range(1, 21)])
    workspace.write_csv([survey_row(n) for n in range(101, 121)], name="branch.csv")
    process, _ = _held_cxbridge_sync(workspace, "--jobs", "2")
    os.kill(process.pid, signal.SIGTERM)
    process.join(60)
    assert process.exitcode == 143
    reason = "stopped by SIGTERM (a timeout, docker stop, or the scheduler cancelling the task)"
    assert workspace.query("SELECT source, status, error FROM sync_runs ORDER BY source") == [
        ("branch", "interrupted", reason), ("survey", "interrupted", reason)
    ]  # fmt: skip


@pytest.mark.parametrize("batch_size", [1, 3, 1000])
def test_batch_size_does_not_change_the_result(tmp_path: Path, batch_size: int, monkeypatch):
    rows = [survey_row(n) for n in range(1, 26)]
    reference = Workspace(tmp_path / "ref", batch_size=1000)
    other = Workspace(tmp_path / "other", batch_size=batch_size)
    share_salt(monkeypatch, reference, other)
    reference.write_csv(rows)
    reference.sync()
    other.write_csv(rows)
    other.sync()
    assert other.table("feedback", without=LINEAGE) == reference.table("feedback", without=LINEAGE)
