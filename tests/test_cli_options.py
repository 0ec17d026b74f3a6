"""One spelling everywhere: --format table|json|csv for every command that prints data or
summaries, and the global -v, -q and --log-format before or after the subcommand."""

from __future__ import annotations

import csv
import io
import json

import click
import pytest
from click.testing import CliRunner

from cxbridge import plugins_host
from cxbridge.cli.main import cli, global_options_first
from tests.conftest import Workspace, survey_row


@pytest.fixture(autouse=True)
def fresh_host(monkeypatch):
    monkeypatch.setattr(plugins_host, "_host", None)


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.mark.parametrize(
    ("given", "read_as"),
    [
        (["sync", "-v"], ["-v", "sync"]),
        (["sync", "-s", "a", "-vv", "--log-format", "json"], ["-vv", "--log-format", "json", "sync", "-s", "a"]),
        (["report", "--log-format=json", "-q"], ["--log-format=json", "-q", "report"]),
        (["import", "a.csv", "--", "-v"], ["import", "a.csv", "--", "-v"]),  # after --, a file named -v
        (["-v", "status", "--verbose"], ["-v", "--verbose", "status"]),
    ],
)
def test_global_options_may_follow_the_subcommand(given, read_as):
    assert global_options_first(given) == read_as


def test_verbose_after_the_subcommand_logs_as_before_it(workspace: Workspace):
    workspace.write_csv([survey_row(1)])
    after = CliRunner().invoke(cli, ["sync", "-v", "--full-refresh"]).stderr
    assert "INFO cxbridge.sync: survey (csv): sync started" in after


def test_log_format_after_the_subcommand_makes_errors_json(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["report", "--log-format", "json"])
    assert result.exit_code == 2
    [error] = [json.loads(line) for line in result.stderr.splitlines()]
    assert error["error"] == "ConfigError" and "run `cxbridge sync` first" in error["message"]


def test_quiet_keeps_the_summary_and_drops_hints_and_warnings(workspace: Workspace):
    workspace.write_csv([survey_row(1), survey_row(2, nps=99)])
    loud = CliRunner().invoke(cli, ["sync"])
    assert "cxbridge quarantine list" in loud.output
    quiet = CliRunner().invoke(cli, ["sync", "--full-refresh", "-q"])
    assert quiet.exit_code == 0
    assert "✔ survey (csv): 2 read · 0 written · 1 unchanged · 1 quarantined" in quiet.output
    assert "cxbridge quarantine list" not in quiet.output and quiet.stderr == ""


def test_a_sync_gives_the_quarantine_list_once_under_the_source_that_quarantined(workspace: Workspace):
    """Before, a last line repeated it for the whole run ('quarantined records keep their reasons: …')."""
    workspace.write_csv([survey_row(1), survey_row(2, nps=99)])
    synced = CliRunner().invoke(cli, ["sync"])
    assert synced.exit_code == 0, synced.output
    assert synced.stdout.count("cxbridge quarantine list") == 1, synced.stdout
    assert synced.stdout.splitlines()[-1] == "  … see cxbridge quarantine list --source survey"


def test_sync_summaries_as_csv_json_and_lines(workspace: Workspace):
    workspace.write_csv([survey_row(1), survey_row(2), survey_row(3, nps=99)])
    [row] = csv.DictReader(io.StringIO(invoke("sync", "--format", "csv").output))
    assert (row["source"], row["status"], row["read"], row["written"], row["quarantined"]) == (
        "survey", "success", "3", "2", "1"
    )  # fmt: skip
    assert json.loads(row["warnings"]) == [] and row["dry_run"] == "False"
    [summary] = [json.loads(line) for line in invoke("sync", "--format", "json", "--full-refresh").output.splitlines()]
    assert summary["event"] == "source_summary" and (summary["unchanged"], summary["quarantined"]) == (2, 1)
    lines = invoke("--log-format", "json", "sync", "--format", "table", "--full-refresh").output
    assert lines.startswith("✔ survey (csv): 3 read · 0 written · 2 unchanged · 1 quarantined")


def test_quarantine_replay_summaries_as_csv(workspace: Workspace):
    workspace.write_csv([survey_row(1), survey_row(2, satisfaction="Rather happy")])
    workspace.sync()
    fixed = workspace.config.read_text().replace('"Very satisfied" = 5', '"Very satisfied" = 5, "Rather happy" = 4')
    workspace.config.write_text(fixed)
    [row] = csv.DictReader(io.StringIO(invoke("quarantine", "replay", "--format", "csv").output))
    assert (row["source"], row["read"], row["written"]) == ("survey", "1", "1")


def test_plugins_json_alias_csv_and_table():
    as_format = json.loads(invoke("plugins", "--format", "json").output)
    assert json.loads(invoke("plugins", "--json").output) == as_format
    names = {(entry["kind"], entry["name"]) for entry in as_format["plugins"]}
    assert {("source", "csv"), ("destination", "sqlite")} <= names
    rows = list(csv.DictReader(io.StringIO(invoke("plugins", "--format", "csv").output)))
    assert {(row["kind"], row["name"]) for row in rows} == names
    assert "sqlite" in invoke("plugins").output


def test_import_summaries_as_csv_and_json(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Workspace(tmp_path / "in").write_csv([survey_row(1), survey_row(2)], name="store.csv")
    rows = list(csv.DictReader(io.StringIO(invoke("import", "in/store.csv", "--format", "csv").stdout)))
    assert [(row["file"], row["source"], row["read"], row["written"]) for row in rows] == [
        (str(tmp_path / "in" / "store.csv"), "store", "2", "2")
    ]
    [summary] = [json.loads(line) for line in invoke("import", "in/store.csv", "--format", "json").stdout.splitlines()]
    assert summary["event"] == "file_summary" and (summary["read"], summary["unchanged"]) == (0, 0)


def test_check_results_as_csv(workspace: Workspace):
    workspace.write_csv([survey_row(1)])
    [row] = csv.DictReader(io.StringIO(invoke("check", "--format", "csv").output))
    assert (row["source"], row["connector"], row["ok"], row["problem"]) == ("survey", "csv", "True", "")


def csv_header(*args: str) -> tuple[list[str], int]:
    """The header row of a --format csv output, and how many data rows follow it."""
    result = CliRunner().invoke(cli, [*args, "--format", "csv"])
    assert result.exit_code in (0, 2), result.output
    lines = list(csv.reader(io.StringIO(result.stdout)))
    assert lines, f"{args}: no output at all"
    return lines[0], len(lines) - 1


QUARANTINE_HEADER = ["source", "stream", "id", "where", "field", "kind", "error"]


def test_an_empty_quarantine_lists_as_a_csv_header_with_the_columns_of_a_full_one(workspace: Workspace):
    workspace.write_csv([survey_row(1), survey_row(2)])
    workspace.sync()
    assert csv_header("quarantine", "list") == (QUARANTINE_HEADER, 0)
    workspace.write_csv([survey_row(3, nps=99)], name="responses_2.csv")
    workspace.sync()
    assert csv_header("quarantine", "list") == (QUARANTINE_HEADER, 1)


@pytest.mark.parametrize(
    ("empty", "full", "header"),
    [
        (["report", "--since", "2099-01-01"], ["report"], ["month", "program", "metric", "responses", "score"]),
        (
            ["report", "--metric", "nps", "--by", "location", "--since", "2099-01-01"],
            ["report", "--metric", "nps", "--by", "location"],
            ["location", "program", "responses", "promoters", "passives", "detractors", "nps"],
        ),
        (
            ["report", "--metric", "csat", "--since", "2099-01-01"],
            ["report", "--metric", "csat"],
            ["month", "program", "responses", "satisfied", "neutral", "dissatisfied", "csat_pct",
             "csat_avg_normalized"],
        ),
        (
            ["cases", "list", "--owner", "nobody-at-all"],
            ["cases", "list"],
            ["case_id", "status", "rule", "matched", "owner", "source", "location_id", "opened_at", "due_at", "overdue"],
        ),
        (
            ["duplicates"],
            None,
            ["group", "counted", "source", "connector", "native_id", "submitted_at", "record_id", "duplicate_of",
             "evidence"],
        ),
    ],
    ids=["report", "report-nps-by-location", "report-csat", "cases-list", "duplicates"],
)  # fmt: skip
def test_an_empty_result_prints_the_csv_header_of_a_full_one(workspace: Workspace, empty, full, header):
    workspace.write_csv([survey_row(n, nps=2 if n % 2 else 9) for n in range(1, 7)])
    workspace.sync()
    assert csv_header(*empty) == (header, 0)
    if full:
        columns, rows = csv_header(*full)
        assert columns == header and rows > 0


def test_status_as_csv_prints_each_parts_header_when_the_part_is_empty(workspace: Workspace):
    workspace.write_csv([survey_row(1)])
    workspace.sync()
    result = CliRunner().invoke(cli, ["status", "--format", "csv"])
    lines = [line for line in csv.reader(io.StringIO(result.stdout))]
    headers = [line for line in lines if line and line[0] in ("run_id", "source")]
    assert headers == [
        ["run_id", "source", "connector", "status", "started_at", "finished_at", "records_read", "records_written",
         "records_unchanged", "records_quarantined", "records_skipped", "records_pruned", "command", "error"],
        ["source", "stream", "position", "cursor", "updated_at"],
        ["source", "stream", "kind", "records", "last_seen"],  # no record quarantined: the header alone
        ["source", "copies"],  # no copies: the header alone
        ["source", "connector", "reading", "changes"],  # every record read by this cxbridge: the header alone
        ["source", "files"],  # no files told apart only by their dates: the header alone
    ]  # fmt: skip
    assert lines[-4:] == [["source", "stream", "kind", "records", "last_seen"], ["source", "copies"],
                          ["source", "connector", "reading", "changes"], ["source", "files"]]  # fmt: skip
    stale = list(csv.reader(io.StringIO(CliRunner().invoke(cli, ["status", "--stale", "30d", "--format", "csv"]).stdout)))
    assert stale == [["source", "last_success", "last_status", "last_read", "last_quarantined", "reason", "stale_after"]]



@pytest.mark.parametrize("command", [["sync"], ["import", "a.csv"], ["quarantine", "replay"], ["cases", "deliver"]])
def test_a_negative_wait_is_a_usage_error_not_a_wait_without_end(tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, [*command, "--wait", "-1"])
    assert result.exit_code == 2 and "Invalid value for '--wait'" in result.stderr, result.output


@pytest.mark.parametrize("spelt", ["NPS", "Nps"])
def test_report_takes_a_metric_name_in_any_case_as_the_config_does(workspace: Workspace, spelt):
    workspace.write_csv([survey_row(n, nps=2 if n % 2 else 9) for n in range(1, 7)])
    workspace.sync()
    asked = invoke("report", "--metric", spelt, "--by", "location", "--format", "json")
    assert asked.exit_code == 0, asked.output
    assert json.loads(asked.stdout) == json.loads(invoke("report", "--metric", "nps", "--by", "location",
                                                         "--format", "json").stdout)  # fmt: skip
    assert "promoters" in asked.stdout


@pytest.mark.parametrize("option", ["--config", "--db", "--destination"])
@pytest.mark.parametrize("command", [["sync"], ["report"], ["quarantine", "replay"]])
def test_an_empty_path_or_url_is_a_usage_error_not_the_default(workspace: Workspace, option, command):
    """`cxbridge sync --db "$CX_DB"` with CX_DB unset passes an empty value: it synced into, or
    reported on, the default destination as if the option had been left out."""
    workspace.write_csv([survey_row(1)])
    result = CliRunner().invoke(cli, [*command, option, ""])
    assert result.exit_code == 2, result.output
    said = " ".join(result.stderr.split())
    assert f"Invalid value for '{option}'" in said and "is empty (a variable not set?); give" in said
    assert not workspace.db.exists()


def commands(group: click.Group, path: tuple[str, ...] = ()):
    """(`sync`, its command), (`cases list`, …): every command under `group`, plugins' too."""
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if isinstance(command, click.Group):
            yield from commands(command, (*path, name))
        else:
            yield " ".join((*path, name)), command


def test_every_option_of_every_command_says_what_it_does():
    """`--format` showed only `[default: table]` on twelve commands (and `plugin new --kind`
    nothing), where sync's said what each format prints."""
    silent = [
        f"{name} {option.opts[0]}"
        for name, command in commands(cli)
        for option in command.params
        if isinstance(option, click.Option) and not option.help and option.name != "help"
    ]
    assert silent == []


def test_init_help_says_where_it_writes_and_that_it_overwrites_nothing():
    said = " ".join(invoke("init", "--help").output.split())
    assert "into DIRECTORY (default: the current folder)" in said and "never overwrites" in said


@pytest.mark.parametrize("command", ["sync", "status", "report"])
def test_db_and_destination_help_say_they_replace_the_configs_and_need_an_existing_folder(command: str):
    """`--db FILE  SQLite database file (sqlite destination).` said neither that it stands in for
    the config's `[destination]` nor that its folder is not made (docs/cli.md)."""
    said = " ".join(invoke(command, "--help").output.split())
    assert "--db FILE A SQLite file instead of the config's destination (in a folder that exists)." in said
    assert "-d, --destination URL A destination instead of the config's, its plugin named by the scheme" in said
    assert "a file's folder must exist." in said


@pytest.mark.parametrize("written", ["01/02/2025", "1.2.2025", "2025-13-01"])
def test_a_day_not_written_yyyy_mm_dd_says_how_to_write_it(workspace: Workspace, written):
    """`--since 01/02/2025` said `does not match the format '%Y-%m-%d'`, a strftime pattern."""
    result = invoke("report", "--since", written)
    assert result.exit_code == 2
    said = " ".join(result.stderr.split())
    assert f"Invalid value for '--since': {written!r} is not a day written YYYY-MM-DD, e.g. 2025-02-01" in said
    assert "%Y" not in said


def test_every_source_option_takes_its_short_spelling():
    """`-s NAME` named a source on sync, check, import, report and quarantine but not on
    `remove`, where `cxbridge remove -s store_audit` was `No such option: -s`."""
    without = [
        name
        for name, command in commands(cli)
        for option in command.params
        if "--source" in option.opts and "-s" not in option.opts
    ]
    assert without == []
