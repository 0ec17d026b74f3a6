"""What a dataset's records were read by (`cxbridge.readings`): a source's first run records
today's reading; records an older cxbridge read are told of once by a sync's summary and every
time by `cxbridge status`, with what changed for the source's connector; a successful
`--full-refresh` records today's reading again; a failed one, or a dry run, records nothing."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import sqlite3
from pathlib import Path
from typing import Literal

import duckdb
import pytest

from click.testing import CliRunner

import cxbridge
from cxbridge.api import open_destination
from cxbridge.cli.main import cli
from cxbridge.config import Config, config_from_dict
from cxbridge.errors import SourcePaused
from cxbridge.plugins_host import create_host
from cxbridge.testing.sample_feedback import Responses, SampleFeedback, SampleFeedbackConfig
from cxbridge.readings import CHANGES, KEY, READING, RESUMES, TOLD
from tests.conftest import Workspace, survey_row
from tests.killed_syncs import forked_command
from tests.local_destinations import destination_url

ENGINES = ("sqlite", "duckdb")
CSV_CHANGE = "a record's comment is the answer explaining its score, no longer its first text answer"
TYPEFORM_CHANGE = "a grouped question's text"  # Typeform's alone: never told of a CSV source


def url(workspace: Workspace, engine: str) -> str:
    return f"{engine}:///{workspace.root / f'data.{engine}'}"


def metadata(workspace: Workspace, engine: str, sql: str = "SELECT name, value FROM cxbridge_metadata") -> dict:
    path = str(workspace.root / f"data.{engine}")
    with (sqlite3.connect(path) if engine == "sqlite" else duckdb.connect(path)) as conn:
        rows = conn.execute(sql).fetchall()
    return {name: value for name, value in rows if name.startswith(("reading", "reading_told"))} if rows else {}


def forget_the_reading(workspace: Workspace, engine: str) -> None:
    """The dataset as a cxbridge that kept no readings leaves it: runs of the source, no reading."""
    path = str(workspace.root / f"data.{engine}")
    with (sqlite3.connect(path) if engine == "sqlite" else duckdb.connect(path)) as conn:
        conn.execute("DELETE FROM cxbridge_metadata WHERE name LIKE 'reading%'")


def warnings(workspace: Workspace, engine: str, **options) -> list[str]:
    options.setdefault("destination", url(workspace, engine))
    [result] = workspace.sync(**options).results
    assert result.ok, result.error
    return result.warnings


def readings_in_status(workspace: Workspace, engine: str, *, destination: str | None = None) -> list[dict]:
    shown = CliRunner().invoke(cli, ["status", "--format", "json", "--destination", destination or url(workspace, engine)])
    assert shown.exit_code == 0, shown.output
    return json.loads(shown.stdout)["readings"]


def about_readings(found: list[str]) -> list[str]:
    return [warning for warning in found if "read by an older cxbridge" in warning]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_first_sync_records_todays_reading_and_later_syncs_say_nothing_of_it(workspace: Workspace, engine: str):
    workspace.write_csv([survey_row(n) for n in range(1, 6)])
    assert about_readings(warnings(workspace, engine)) == []
    assert metadata(workspace, engine) == {KEY + "survey": str(READING)}
    workspace.write_csv([survey_row(n) for n in range(1, 9)])
    assert about_readings(warnings(workspace, engine)) == []
    assert readings_in_status(workspace, engine) == []


@pytest.mark.parametrize("engine", ENGINES)
def test_records_an_older_cxbridge_read_are_told_of_once_listed_by_status_and_read_again_by_a_full_refresh(
    workspace: Workspace, engine: str
):
    workspace.write_csv([survey_row(n) for n in range(1, 6)])
    warnings(workspace, engine)
    forget_the_reading(workspace, engine)

    [told] = about_readings(warnings(workspace, engine))
    assert "before it kept its readings" in told and CSV_CHANGE in told and TYPEFORM_CHANGE not in told
    assert told.endswith("Read them again: cxbridge sync --full-refresh --source survey (a file source's files must "
                         "still be in its folder)")  # fmt: skip
    assert about_readings(warnings(workspace, engine)) == []  # once: cron mail is not a nag
    [listed] = readings_in_status(workspace, engine)  # status says it every time, every change
    concerning_csv = [c.what for c in CHANGES if not c.connectors or "csv" in c.connectors]
    assert listed == {"source": "survey", "connector": "csv", "reading": 0, "changes": concerning_csv}
    assert CSV_CHANGE in listed["changes"] and not any(TYPEFORM_CHANGE in what for what in listed["changes"])
    shown = CliRunner().invoke(cli, ["status", "--format", "csv", "--destination", url(workspace, engine)])
    sections = list(csv.reader(io.StringIO(shown.stdout)))
    at = sections.index(["source", "connector", "reading", "changes"])
    assert sections[at:] == [["source", "connector", "reading", "changes"], ["survey", "csv", "0", "; ".join(concerning_csv)],
                             ["source", "files"]]  # fmt: skip

    assert about_readings(warnings(workspace, engine, full_refresh=True)) == []
    assert metadata(workspace, engine)[KEY + "survey"] == str(READING)
    assert readings_in_status(workspace, engine) == []


def test_a_failed_full_refresh_and_a_dry_run_leave_the_older_reading(workspace: Workspace):
    workspace.write_csv([survey_row(n) for n in range(1, 6)])
    warnings(workspace, "sqlite")
    forget_the_reading(workspace, "sqlite")

    [dry] = workspace.sync(destination=url(workspace, "sqlite"), dry_run=True).results
    assert about_readings(dry.warnings)  # told, and nothing recorded
    assert metadata(workspace, "sqlite") == {}
    workspace.write_csv([survey_row(n, nps=11) for n in range(1, 6)])  # every row quarantined: the run fails
    [failed] = workspace.sync(destination=url(workspace, "sqlite"), full_refresh=True).results
    assert not failed.ok
    assert KEY + "survey" not in metadata(workspace, "sqlite")
    assert [row["reading"] for row in readings_in_status(workspace, "sqlite")] == [0]


def test_a_first_sync_that_fails_still_records_todays_reading(workspace: Workspace):
    workspace.write_csv([survey_row(n, nps=11) for n in range(1, 6)])  # every row quarantined: the run fails
    [failed] = workspace.sync(destination=url(workspace, "sqlite")).results
    assert not failed.ok
    workspace.write_csv([survey_row(n) for n in range(1, 6)])
    assert about_readings(warnings(workspace, "sqlite")) == []
    assert metadata(workspace, "sqlite") == {KEY + "survey": str(READING)}
    assert TOLD + "survey" not in metadata(workspace, "sqlite")


def test_every_change_is_numbered_in_order_and_names_connectors_that_exist():
    readings = [change.reading for change in CHANGES]
    assert readings == sorted(readings) and readings[0] == 1 and READING == readings[-1]
    assert set(range(1, READING + 1)) <= set(readings)  # no reading skipped
    connectors = set(create_host().sources)
    for change in CHANGES:
        assert change.connectors <= connectors, change




def forget(destination: str, *sources: str) -> None:
    """As `forget_the_reading`, through the destination itself: any kind, Parquet's lake too."""
    with open_destination(destination) as dest:
        dest.open()
        dest.write_metadata({KEY + source: None for source in sources})


@pytest.mark.parametrize("kind", ["parquet", "postgresql"])
def test_a_lake_and_a_server_keep_readings_tell_of_older_ones_and_a_full_refresh_reads_them_again(
    workspace: Workspace, tmp_path, request: pytest.FixtureRequest, kind: str
):
    lake = destination_url(kind, tmp_path, request, "readings")
    workspace.write_csv([survey_row(n) for n in range(1, 6)])
    assert about_readings(warnings(workspace, kind, destination=lake)) == []
    forget(lake, "survey")

    [told] = about_readings(warnings(workspace, kind, destination=lake))
    assert "before it kept its readings" in told and CSV_CHANGE in told
    assert about_readings(warnings(workspace, kind, destination=lake)) == []
    [listed] = readings_in_status(workspace, kind, destination=lake)
    assert (listed["source"], listed["reading"]) == ("survey", 0)
    assert about_readings(warnings(workspace, kind, destination=lake, full_refresh=True)) == []
    assert readings_in_status(workspace, kind, destination=lake) == []


def test_an_import_tells_of_records_an_older_cxbridge_read(workspace: Workspace):
    path = workspace.write_csv([survey_row(n) for n in range(1, 6)])
    imported = ["import", str(path), "--destination", url(workspace, "sqlite")]
    first = CliRunner().invoke(cli, imported, env={"COLUMNS": "400"})
    assert first.exit_code == 0, first.output
    assert "read by an older cxbridge" not in first.output
    forget(url(workspace, "sqlite"), "survey")  # the project's source reading the file

    again = CliRunner().invoke(cli, imported, env={"COLUMNS": "400"})
    assert again.exit_code == 0, again.output
    assert "read by an older cxbridge (before it kept its readings)" in again.output
    assert "cxbridge sync --full-refresh --source survey" in again.output


def test_sources_synced_at_once_are_each_told_of_once(workspace: Workspace):
    other = workspace.config.read_text(encoding="utf-8").split("[sources.survey]", 1)[1]
    other = other.replace("sources.survey", "sources.other").replace('"responses*.csv"', '"other*.csv"')
    workspace.config.write_text(workspace.config.read_text(encoding="utf-8") + "\n[sources.other]" + other,
                                encoding="utf-8")  # fmt: skip
    workspace.write_csv([survey_row(n) for n in range(1, 6)])
    workspace.write_csv([survey_row(n) for n in range(11, 16)], name="other.csv")
    destination = url(workspace, "duckdb")
    assert all(result.ok for result in workspace.sync(destination=destination, jobs=2).results)
    assert metadata(workspace, "duckdb") == {KEY + "survey": str(READING), KEY + "other": str(READING)}
    forget(destination, "survey", "other")

    results = workspace.sync(destination=destination, jobs=2).results
    assert {result.source: len(about_readings(result.warnings)) for result in results} == {"survey": 1, "other": 1}
    assert metadata(workspace, "duckdb") == {TOLD + "survey": str(READING), TOLD + "other": str(READING)}
    results = workspace.sync(destination=destination, jobs=2).results
    assert [about_readings(result.warnings) for result in results] == [[], []]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_source_removed_whole_then_synced_again_is_not_told_of_an_older_reading(workspace: Workspace, engine: str):
    workspace.write_csv([survey_row(n) for n in range(1, 6)])
    warnings(workspace, engine)
    forget(url(workspace, engine), "survey")
    removed = CliRunner().invoke(cli, ["remove", "--destination", url(workspace, engine), "--source", "survey"])
    assert removed.exit_code == 0, removed.output

    assert readings_in_status(workspace, engine) == []  # nothing stored: nothing read by an older cxbridge
    assert about_readings(warnings(workspace, engine)) == []
    assert readings_in_status(workspace, engine) == []


@pytest.mark.parametrize("engine", ENGINES)
def test_a_removal_of_the_sources_only_stream_empties_it_as_a_whole_source_removal_does(workspace: Workspace, engine: str):
    workspace.write_csv([survey_row(n) for n in range(1, 6)])
    warnings(workspace, engine)
    forget(url(workspace, engine), "survey")
    removed = CliRunner().invoke(cli, ["remove", "--destination", url(workspace, engine), "--source", "survey",
                                       "--stream", "rows"])  # fmt: skip
    assert removed.exit_code == 0, removed.output

    assert readings_in_status(workspace, engine) == []  # every record of it gone: none read by an older cxbridge
    assert metadata(workspace, engine) == {KEY + "survey": str(READING)}


def test_a_removal_killed_once_it_committed_holds_todays_reading(workspace: Workspace, monkeypatch):
    """The reading is written in the removal's transaction: nothing after it can lose it."""
    import cxbridge
    from cxbridge.plugins.sqlite.destination import SQLiteDestination

    workspace.write_csv([survey_row(n) for n in range(1, 6)])
    warnings(workspace, "sqlite")
    forget(url(workspace, "sqlite"), "survey")
    committed = SQLiteDestination.remove

    def killed_after_the_commit(self, *args, **kwargs):
        committed(self, *args, **kwargs)
        raise KeyboardInterrupt  # the kill: the removal's transaction committed, nothing after it ran

    monkeypatch.setattr(SQLiteDestination, "remove", killed_after_the_commit)
    with pytest.raises(KeyboardInterrupt):
        cxbridge.remove("survey", workspace.config, destination=url(workspace, "sqlite"))

    with sqlite3.connect(workspace.root / "data.sqlite") as conn:
        assert conn.execute("SELECT COUNT(*) FROM feedback").fetchall() == [(0,)]  # committed
    assert metadata(workspace, "sqlite") == {KEY + "survey": str(READING)}
    assert readings_in_status(workspace, "sqlite") == []


def test_the_note_docs_cli_md_shows_counts_the_changes_a_csv_source_is_told_of():
    from pathlib import Path

    from cxbridge.readings import SourceReading

    page = (Path(__file__).parent.parent / "docs" / "cli.md").read_text(encoding="utf-8")
    [shown] = [line.strip() for line in page.splitlines() if "⚠ its stored records were read by an older" in line]
    note = SourceReading("survey", "csv", 0).note()
    assert note is not None and shown.endswith(note.split("; and ")[-1])  # "N more (cxbridge status). Read them …"


class _Registering:
    def __init__(self, *source_classes):
        self.source_classes = source_classes

    @cxbridge.hookimpl
    def register_sources(self, register):
        for source_class in self.source_classes:
            register(source_class)


class DatedConfig(SampleFeedbackConfig):
    connector: Literal["dated_feedback"] = "dated_feedback"  # type: ignore[assignment]
    start_date: str | None = None


class DatedFeedback(SampleFeedback):
    """An API source whose full read starts at its `start_date`, as the API connectors' do."""

    name = "dated_feedback"
    config_model = DatedConfig


def api_source(tmp_path: Path, **config) -> tuple[Config, str]:
    """A config of the sample API source `sample` (`DatedFeedback`) and its SQLite destination's URL."""
    host = create_host()
    host.pm.register(_Registering(DatedFeedback))
    settings = {"settings": {"batch_size": 10}, "sources": {"sample": {"connector": "dated_feedback", **config}}}
    return config_from_dict(settings, host, path=tmp_path / "c.toml"), f"sqlite:///{tmp_path / 'cx.db'}"


def reading_of(tmp_path: Path) -> str | None:
    with sqlite3.connect(tmp_path / "cx.db") as conn:
        found = conn.execute("SELECT value FROM cxbridge_metadata WHERE name = ?", [KEY + "sample"]).fetchall()
    return found[0][0] if found else None


def listed(destination: str) -> list[int]:
    shown = CliRunner().invoke(cli, ["status", "--format", "json", "--destination", destination])
    assert shown.exit_code == 0, shown.output
    return [row["reading"] for row in json.loads(shown.stdout)["readings"]]


def with_a_daily_quota(monkeypatch, quota: dict[str, int]) -> None:
    """The sample's responses read until `quota["left"]` is spent, then the source pauses (as
    SurveyMonkey's does): what it read is kept with its cursor, and the next run resumes."""
    original = Responses.read

    def spending(self, cursor):
        for raw in original(self, cursor):
            if quota["left"] <= 0:
                raise SourcePaused("the day's requests are spent; the next run resumes")
            quota["left"] -= 1
            yield raw

    monkeypatch.setattr(Responses, "read", spending)


def test_a_full_refresh_that_pauses_records_todays_reading_once_a_plain_sync_finishes_its_read(tmp_path, monkeypatch):
    monkeypatch.setattr(DatedFeedback, "streams", lambda self: [Responses(self)])  # one stream, as SurveyMonkey's
    config, destination = api_source(tmp_path)
    assert cxbridge.sync(config, destination=destination).exit_code == 0
    forget(destination, "sample")
    quota = {"left": 25}
    with_a_daily_quota(monkeypatch, quota)

    paused = cxbridge.sync(config, destination=destination, full_refresh=True)
    assert (paused.exit_code, paused.results[0].read) == (3, 25)
    assert (reading_of(tmp_path), listed(destination)) == (None, [0])  # read in part: the older reading stays
    quota["left"] = 10
    assert cxbridge.sync(config, destination=destination).exit_code == 3  # paused again, going on with it
    assert listed(destination) == [0]
    quota["left"] = 1000
    resumed = cxbridge.sync(config, destination=destination)
    assert resumed.exit_code == 0 and resumed.results[0].read == 25  # the rest of the full read
    assert (reading_of(tmp_path), listed(destination)) == (str(READING), [])


def test_a_paused_full_refresh_whose_later_streams_it_never_reached_records_no_reading(tmp_path, monkeypatch):
    """The accounts and contacts after the paused responses are read from their old cursors by the
    plain sync that resumes: their records stored before are not read again."""
    config, destination = api_source(tmp_path)
    cxbridge.sync(config, destination=destination)
    forget(destination, "sample")
    quota = {"left": 25}
    with_a_daily_quota(monkeypatch, quota)
    assert cxbridge.sync(config, destination=destination, full_refresh=True).exit_code == 3
    quota["left"] = 1000
    assert cxbridge.sync(config, destination=destination).exit_code == 0
    assert (reading_of(tmp_path), listed(destination)) == (None, [0])


def test_a_full_refresh_that_pauses_before_its_first_stream_records_no_reading(tmp_path, monkeypatch):
    """The quota spent listing the source's surveys: no stream begun, none read from its beginning."""
    config, destination = api_source(tmp_path)
    cxbridge.sync(config, destination=destination)
    forget(destination, "sample")
    streams = DatedFeedback.streams

    def spent(self):
        raise SourcePaused("the day's requests are spent; the next run resumes")

    monkeypatch.setattr(DatedFeedback, "streams", spent)
    paused = cxbridge.sync(config, destination=destination, full_refresh=True)
    assert (paused.exit_code, paused.results[0].status) == (3, "paused")
    monkeypatch.setattr(DatedFeedback, "streams", streams)
    assert cxbridge.sync(config, destination=destination).exit_code == 0
    assert (reading_of(tmp_path), listed(destination)) == (None, [0])


def test_a_full_refresh_held_back_by_a_start_date_keeps_the_older_reading(tmp_path):
    """Records before `start_date` are not read again: they keep the reading they were read by."""
    config, destination = api_source(tmp_path)
    cxbridge.sync(config, destination=destination)
    forget(destination, "sample")
    dated, _ = api_source(tmp_path, start_date="2025-01-01")
    assert cxbridge.sync(dated, destination=destination, full_refresh=True).exit_code == 0
    assert (reading_of(tmp_path), listed(destination)) == (None, [0])
    assert cxbridge.sync(config, destination=destination, full_refresh=True).exit_code == 0
    assert (reading_of(tmp_path), listed(destination)) == (str(READING), [])


class SecondSurvey(Responses):
    """The sample's responses again, as a second survey's (ids G…): a source of two streams whose
    every record has a cursor, as Qualtrics' or QuestionPro's surveys are."""

    name = "second_survey"

    def read(self, cursor):
        for raw in super().read(cursor):
            yield {**raw, "id": "G" + raw["id"][1:]}


class TwoSurveysConfig(SampleFeedbackConfig):
    connector: Literal["two_surveys"] = "two_surveys"  # type: ignore[assignment]


class TwoSurveys(DatedFeedback):
    name = "two_surveys"
    config_model = TwoSurveysConfig  # type: ignore[assignment]

    def streams(self):
        return [Responses(self), SecondSurvey(self)]


class KilledInStream(_Registering):
    """The two-survey source registered; SIGKILL once `batches` batches of `stream` committed."""

    def __init__(self, stream: str, batches: int):
        super().__init__(TwoSurveys)
        self.stream, self.batches = stream, batches

    @cxbridge.hookimpl
    def on_sync_event(self, event):
        if event.kind == "batch_committed" and event.stream == self.stream:
            self.batches -= 1
            if not self.batches:
                os.kill(os.getpid(), signal.SIGKILL)


def two_surveys(tmp_path: Path) -> tuple[Config, str]:
    """The source `sample` of two surveys of 60 responses each, read 10 a batch, its config file
    written for a `cxbridge sync` of its own, and its SQLite destination's URL."""
    (tmp_path / "c.toml").write_text('[settings]\nbatch_size = 10\n[sources.sample]\nconnector = "two_surveys"\n')
    host = create_host()
    host.pm.register(_Registering(TwoSurveys))
    return config_from_dict({"settings": {"batch_size": 10}, "sources": {"sample": {"connector": "two_surveys"}}},
                            host, path=tmp_path / "c.toml"), f"sqlite:///{tmp_path / 'cx.db'}"  # fmt: skip


def paused_in_the_last_survey(tmp_path: Path, monkeypatch) -> tuple[Config, str, dict[str, int]]:
    """Two surveys read by an older cxbridge, then a full refresh paused in the second one: the
    plain sync that finishes it would record today's reading."""
    config, destination = two_surveys(tmp_path)
    assert cxbridge.sync(config, destination=destination).exit_code == 0
    forget(destination, "sample")
    quota = {"left": 85}  # the first survey's 60, 25 of the second's
    with_a_daily_quota(monkeypatch, quota)
    assert cxbridge.sync(config, destination=destination, full_refresh=True).exit_code == 3
    assert paused_read(tmp_path) == str(READING)
    return config, destination, quota


def paused_read(tmp_path: Path) -> str | None:
    """The reading of the paused full read the plain syncs would finish (`RESUMES`), if any."""
    with sqlite3.connect(tmp_path / "cx.db") as conn:
        found = conn.execute("SELECT value FROM cxbridge_metadata WHERE name = ?", [RESUMES + "sample"]).fetchall()
    return found[0][0] if found else None


@pytest.mark.parametrize("stream", ["responses", "second_survey"])
def test_a_full_refresh_killed_in_either_survey_leaves_no_paused_read_for_plain_syncs_to_finish(
    tmp_path, monkeypatch, stream: str
):
    """SIGKILL in the first survey leaves the second's cursor where the earlier paused read left
    it; in the second, after its first batch, the rest of it to the plain sync: neither is read in
    full since the killed refresh began, and the plain syncs after record no reading."""
    config, destination, quota = paused_in_the_last_survey(tmp_path, monkeypatch)
    killed = forked_command(["sync", "--full-refresh", "--config", str(tmp_path / "c.toml"), "--destination",
                             destination], cwd=tmp_path, output=tmp_path / "killed.out",
                            plugin=KilledInStream(stream, 2 if stream == "responses" else 1))  # fmt: skip
    killed.join(120)
    assert killed.exitcode == -signal.SIGKILL, (tmp_path / "killed.out").read_text(encoding="utf-8")
    quota["left"] = 1000
    assert cxbridge.sync(config, destination=destination).exit_code == 0
    assert (reading_of(tmp_path), listed(destination)) == (None, [0])
    assert cxbridge.sync(config, destination=destination, full_refresh=True).exit_code == 0
    assert (reading_of(tmp_path), listed(destination)) == (str(READING), [])


def test_a_full_refresh_paused_in_the_first_survey_is_not_finished_by_the_plain_syncs_after(tmp_path, monkeypatch):
    """The second survey, never reached, is read by the plain syncs from its old cursor."""
    config, destination, quota = paused_in_the_last_survey(tmp_path, monkeypatch)
    quota["left"] = 25
    assert cxbridge.sync(config, destination=destination, full_refresh=True).exit_code == 3
    assert paused_read(tmp_path) is None
    quota["left"] = 50  # the first survey's other 35, then the second's
    assert cxbridge.sync(config, destination=destination).exit_code == 3
    quota["left"] = 1000
    assert cxbridge.sync(config, destination=destination).exit_code == 0
    assert (reading_of(tmp_path), listed(destination)) == (None, [0])


def test_a_full_refresh_held_back_by_a_start_date_does_not_finish_a_paused_full_read(tmp_path, monkeypatch):
    """Its read from `start_date` leaves the records between the pause's cursor and that date
    unread since the paused read began."""
    config, destination = api_source(tmp_path)
    cxbridge.sync(config, destination=destination)
    forget(destination, "sample")
    quota = {"left": 25}
    with_a_daily_quota(monkeypatch, quota)
    monkeypatch.setattr(DatedFeedback, "streams", lambda self: [Responses(self)])
    assert cxbridge.sync(config, destination=destination, full_refresh=True).exit_code == 3
    quota["left"] = 1000
    dated, _ = api_source(tmp_path, start_date="2025-01-01")
    assert cxbridge.sync(dated, destination=destination, full_refresh=True).exit_code == 0
    assert (reading_of(tmp_path), listed(destination)) == (None, [0])


def test_a_full_refresh_of_an_api_that_keeps_only_recent_responses_keeps_the_older_reading(tmp_path, monkeypatch):
    """Records older than its window (`Source.keeps_days`) are stored but no longer given: no full
    refresh reads them again."""
    config, destination = api_source(tmp_path)
    cxbridge.sync(config, destination=destination)
    forget(destination, "sample")
    monkeypatch.setattr(DatedFeedback, "keeps_days", 90, raising=False)
    assert cxbridge.sync(config, destination=destination, full_refresh=True).exit_code == 0
    assert (reading_of(tmp_path), listed(destination)) == (None, [0])
