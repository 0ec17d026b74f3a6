"""The command line as a new user meets it: init, sync, report, status, quarantine, exit codes."""

from __future__ import annotations

import csv
import io
import json
import os
import shlex
import shutil
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner

from cxbridge import plugins_host
from cxbridge.cli.main import cli
from tests.conftest import ROOT, Workspace, half_up, survey_row
from tests.terminal import run_in_terminal


@pytest.fixture(autouse=True)
def fresh_host(monkeypatch):
    monkeypatch.setattr(plugins_host, "_host", None)


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """The real `cxbridge` program in a subprocess."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "cxbridge", *args], cwd=cwd, env=env, capture_output=True, text=True)


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_init_then_sync_then_report_works_in_an_empty_folder(tmp_path):
    assert run("init", cwd=tmp_path).returncode == 0
    assert (tmp_path / "cxbridge.toml").is_file()
    synced = run("sync", cwd=tmp_path)
    assert synced.returncode == 0, synced.stderr
    assert "✔ sample_survey (csv): 30 read · 30 written" in synced.stdout
    report = run("report", "--format", "json", cwd=tmp_path)
    rows = json.loads(report.stdout)
    for metric in ("nps", "csat", "ces"):
        assert sum(row["responses"] for row in rows if row["metric"] == metric) == 30
    assert run("init", cwd=tmp_path).returncode == 2  # never overwrites a config


def test_init_never_overwrites_a_data_file_of_the_same_name(tmp_path, monkeypatch):
    """With `cxbridge.toml` gone (deleted to start over) but `data/sample_responses.csv` edited,
    init wrote its sample over the user's rows without a word."""
    mine = tmp_path / "data" / "sample_responses.csv"
    mine.parent.mkdir()
    mine.write_text("Response ID,Submitted\nmine-1,2025-01-01\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)

    result = invoke("init")  # in this process: the refusal needs no program of its own (≈ 1 s of CPU a start)

    assert result.exit_code == 2, result.output
    assert f"error: {Path('data') / 'sample_responses.csv'} already exists; move it away, or run `cxbridge init` in " \
           "an empty folder" in result.stderr
    assert mine.read_text(encoding="utf-8") == "Response ID,Submitted\nmine-1,2025-01-01\n"
    assert not (tmp_path / "cxbridge.toml").exists()  # nothing written


def test_example_config_syncs_every_program_and_quarantines_three_rows(tmp_path):
    shutil.copytree(ROOT / "examples", tmp_path / "examples", ignore=shutil.ignore_patterns("plugins", "*.db"))
    result = run("sync", "--config", "examples/cxbridge.toml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = {name: len(list(csv.DictReader((ROOT / "examples" / "data" / f"{name}_2025.csv").open(encoding="utf-8"))))
            for name in ("store_nps", "mystery_shop", "store_audit", "employee_pulse")}  # fmt: skip
    assert f"✔ store_nps (csv): {rows['store_nps']} read · {rows['store_nps'] - 3} written · 0 unchanged · 3 quarantined" in result.stdout
    for name in ("mystery_shop", "store_audit", "employee_pulse"):
        assert f"✔ {name} (csv): {rows[name]} read · {rows[name]} written · 0 unchanged · 0 quarantined" in result.stdout
    assert "⚠" not in result.stdout  # every scored column of the example is mapped
    assert (tmp_path / "examples" / "cxbridge.db").is_file() and not (tmp_path / "cxbridge.db").exists()


def test_report_matches_an_independent_computation(workspace: Workspace):
    tie = [survey_row(n, nps=score) for n, score in enumerate([10, 0, 6] + [8] * 13, start=61)]
    rows = [survey_row(n) for n in range(1, 61)] + [[*row[:2], "S9", *row[3:]] for row in tie]  # S9: 100 · −1 / 16 = −6.25
    workspace.write_csv(rows)
    workspace.sync()
    out = invoke("report", "--by", "location", "--metric", "nps", "--format", "csv").output
    report = {row["location"]: row for row in csv.DictReader(io.StringIO(out))}
    for store in {row[2] for row in rows}:
        scores = [int(row[3]) for row in rows if row[2] == store]
        promoters = sum(score >= 9 for score in scores)
        detractors = sum(score <= 6 for score in scores)
        assert int(report[store]["responses"]) == len(scores)
        assert float(report[store]["nps"]) == half_up(Fraction(100 * (promoters - detractors), len(scores)))


def test_report_by_month_summary_and_csat_detail(workspace: Workspace):
    workspace.write_csv([survey_row(n, satisfaction=s) for n, s in enumerate(["Very satisfied", "Neutral"] * 5, 1)])
    workspace.sync()
    detail = json.loads(invoke("report", "--by", "source", "--metric", "csat", "--format", "json").output)
    assert detail == [
        {"source": "survey", "program": "voc", "responses": 10, "satisfied": 5, "neutral": 5, "dissatisfied": 0,
         "csat_pct": 50.0, "csat_avg_normalized": 75.0, "questions": ["survey: satisfaction"], "ci_low": 23.7,
         "ci_high": 76.3, "indicative": False}
    ]  # fmt: skip  Wilson, 5 of 10: 0.5 ± 1.96/(1 + 1.96²/10) · √(0.025 + 1.96²/400) = 0.5 ± 0.2634
    summary = json.loads(invoke("report", "--format", "json").output)
    assert sum(row["responses"] for row in summary if row["metric"] == "csat") == 10
    assert {row["month"][:4] for row in summary} == {"2025"}


def test_status_shows_runs_cursors_and_quarantine(workspace: Workspace):
    workspace.write_csv([survey_row(1), survey_row(2, nps=99)])
    workspace.sync()
    status = json.loads(invoke("status", "--format", "json").output)
    assert status["runs"][0]["records_written"] == 1
    assert status["cursors"][0]["source"] == "survey"
    assert status["quarantine"] == [{"source": "survey", "stream": "rows", "kind": "answer-outside-scale", "records": 1,
                                     "last_seen": status["quarantine"][0]["last_seen"]}]  # fmt: skip


def test_quarantine_list_and_replay_after_fixing_the_config(workspace: Workspace):
    workspace.write_csv([survey_row(1), survey_row(2, satisfaction="Rather happy")])
    workspace.sync()
    listed = json.loads(invoke("quarantine", "list", "--format", "json").output)
    assert listed[0]["id"] == "R2" and "answer (a text of 2 words, not shown)" in listed[0]["error"]
    assert listed[0]["where"] == "file responses.csv, row 3"
    workspace.config.write_text(workspace.config.read_text().replace('"Very satisfied" = 5', '"Very satisfied" = 5, "Rather happy" = 4'))
    replay = invoke("quarantine", "replay")
    assert replay.exit_code == 0
    assert "1 read · 1 written" in replay.output
    assert workspace.query("SELECT csat FROM feedback WHERE source_record_id = 'R2'") == [(4.0,)]
    assert workspace.query("SELECT COUNT(*) FROM quarantine") == [(0,)]


def test_the_examples_quarantine_list_on_a_narrow_terminal_folds_each_reason_and_cuts_none_of_it(tmp_path):
    """README's `cxbridge quarantine list --config examples/cxbridge.toml` on a 100-column
    terminal cut the reason's `[[sources.store_nps.metrics]]`, the table to edit, to
    `[[sources.store_nps.…`: rich's ellipsis for a word longer than its column."""
    shutil.copytree(ROOT / "examples", tmp_path / "examples", ignore=shutil.ignore_patterns("*.db*", "plugins"))
    config = str(tmp_path / "examples" / "cxbridge.toml")
    assert run("sync", "--config", config).returncode == 0
    listed = json.loads(invoke("quarantine", "list", "--config", config, "--format", "json").output)
    printed = run_in_terminal([sys.executable, "-m", "cxbridge", "quarantine", "list", "--config", config], cwd=tmp_path)
    lines = printed.splitlines()
    assert max(len(line) for line in lines) <= 100 and "…" not in printed, printed
    error_column = "".join("".join(line.rsplit("│", 1)[-1].split()) for line in lines if "│" in line)
    assert "".join("".join(item["error"].split()) for item in listed) == error_column


def test_a_replay_that_leaves_records_quarantined_says_a_row_fixed_in_its_file_needs_a_sync(workspace: Workspace):
    """A replay normalizes the payload quarantine stored: after fixing the cell in the file it
    printed '1 read · 0 written · 1 quarantined' and nothing else, as if the fix did not work."""
    workspace.write_csv([survey_row(1), survey_row(2, nps=11)])
    workspace.sync()
    workspace.write_csv([survey_row(1), survey_row(2, nps=9)])
    replay = invoke("quarantine", "replay")
    assert replay.exit_code == 0 and "1 read · 0 written · 0 unchanged · 1 quarantined" in replay.output
    assert replay.output.splitlines()[-1] == (
        "records still quarantined keep their reasons: cxbridge quarantine list; a replay reads them as "
        "they were stored, so a row fixed in its file comes back with cxbridge sync"
    )
    assert "2 read · 1 written · 1 unchanged · 0 quarantined" in invoke("sync").output
    assert workspace.query("SELECT nps FROM feedback WHERE source_record_id = 'R2'") == [(9,)]
    assert "still quarantined" not in invoke("quarantine", "replay").output


def test_exit_code_2_for_bad_config_without_traceback(tmp_path):
    (tmp_path / "cxbridge.toml").write_text("[sources.x]\nconnector = 'csv'\n")
    result = run("sync", cwd=tmp_path)
    assert result.returncode == 2
    assert "error:" in result.stderr and "sources.x.path: Field required" in result.stderr
    assert "Traceback" not in result.stderr


def test_exit_code_1_when_a_source_fails(workspace: Workspace):
    workspace.write_csv([survey_row(1)])
    with (workspace.root / "responses.csv").open("a", encoding="utf-8") as broken:
        broken.write('R2,2025-01-02T10:00:00Z,S1,9,Satisfied,2,"a quote never closed\n')
    result = run("sync", cwd=workspace.root)
    assert result.returncode == 1
    assert "✘ survey (csv): failed: responses.csv: row 3 (line 3) opens a quoted cell that is never closed" in result.stdout


def test_unknown_source_name_is_usage_error(workspace: Workspace):
    workspace.write_csv([survey_row(1)])
    result = run("sync", "--source", "nope", cwd=workspace.root)
    assert result.returncode == 2 and "no source named 'nope'" in result.stderr


def test_db_option_chooses_the_sqlite_file(workspace: Workspace, tmp_path):
    workspace.write_csv([survey_row(1)])
    assert invoke("sync", "--db", "elsewhere.db").exit_code == 0  # in the workspace, in this process
    assert (workspace.root / "elsewhere.db").exists() and not workspace.db.exists()
    report = invoke("report", "--destination", f"sqlite:///{workspace.root / 'elsewhere.db'}", "--format", "json")
    assert json.loads(report.stdout)[0]["responses"] == 1


def test_json_log_format_prints_machine_summaries(workspace: Workspace):
    workspace.write_csv([survey_row(1), survey_row(2)])
    result = run("--log-format", "json", "sync", cwd=workspace.root)
    [line] = result.stdout.splitlines()
    summary = json.loads(line)
    assert summary["event"] == "source_summary" and summary["written"] == 2 and summary["status"] == "success"


def test_report_before_any_sync_says_what_to_do(tmp_path):
    result = run("report", cwd=tmp_path)
    assert result.returncode == 2 and "run `cxbridge sync` first" in result.stderr


def test_replay_before_any_sync_says_what_to_do_and_creates_no_database(workspace: Workspace):
    """A replay with no database yet used to create an empty one and say `quarantine is empty`,
    where report, status and quarantine list say to sync first."""
    workspace.write_csv([survey_row(1)])
    result = run("quarantine", "replay", cwd=workspace.root)
    assert result.returncode == 2, result.stdout
    assert "error: sqlite:///cxbridge.db does not exist yet; run `cxbridge sync` first" in result.stderr
    assert sorted(path.name for path in workspace.root.iterdir()) == ["cxbridge.toml", "responses.csv"]


@pytest.mark.parametrize("command", ["sync", "report"])
def test_a_command_run_in_a_subfolder_of_the_project_names_its_config(workspace: Workspace, command):
    """`cd data && cxbridge sync` said to run `cxbridge init` there — a second, empty project —
    and `report` that there was no config, though the project's is one folder up."""
    workspace.write_csv([survey_row(1)])
    (workspace.root / "data").mkdir()
    result = run(command, cwd=workspace.root / "data")
    assert result.returncode == 2
    said = " ".join(result.stderr.split())
    assert f"there is one in {workspace.root}: run the command there, or pass --config ../cxbridge.toml" in said
    assert "cxbridge init" not in said


def test_schema_command_prints_the_committed_schema():
    printed = json.loads(invoke("schema").output)
    committed = json.loads((ROOT / "schemas" / "feedback_record.v1.schema.json").read_text())
    assert printed == committed


def test_dry_run_summary_says_would_write(workspace: Workspace):
    workspace.write_csv([survey_row(1)])
    result = invoke("sync", "--dry-run")
    assert "1 would write" in result.output and not workspace.db.exists()


def test_error_text_is_printed_as_written_never_as_markup(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cxbridge.toml").write_text("[settings]\n")
    result = CliRunner().invoke(cli, ["sync"])
    assert result.exit_code == 2
    assert "error: " in result.stderr
    assert "no enabled [sources.NAME] to sync" in result.stderr


def test_a_sync_of_disabled_sources_names_them_and_how_to_sync_them(workspace: Workspace):
    """Every source switched off (`enabled = false`) was told to add one, `see cxbridge init`."""
    workspace.write_csv([survey_row(1)])
    workspace.config.write_text(workspace.config.read_text().replace('connector = "csv"', 'connector = "csv"\nenabled = false'))
    result = run("sync", cwd=workspace.root)
    assert result.returncode == 2 and not workspace.db.exists()
    assert result.stderr == (
        f"error: {workspace.config}: no enabled [sources.NAME] to sync: survey has enabled = false; set enabled = true, "
        "or sync it alone with --source survey\n"
    )


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def test_json_log_format_prints_config_errors_as_json(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cxbridge.toml").write_text("[sources.x]\nconnector = 'csv'\n")
    result = CliRunner().invoke(cli, ["--log-format", "json", "sync"])
    assert result.exit_code == 2
    [error] = json_lines(result.stderr)
    assert error["level"] == "error" and error["error"] == "ConfigError" and error["exit_code"] == 2
    assert error["message"] == f"{tmp_path / 'cxbridge.toml'}: sources.x.path: Field required (line 1)"  # [sources.x]


def test_json_log_format_prints_usage_errors_as_json(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for args in (["sync", "--no-such-option"], ["no-such-command"], ["report", "--by", "planet"]):
        result = CliRunner().invoke(cli, ["--log-format", "json", *args])
        assert result.exit_code == 2, args
        [error] = json_lines(result.stderr)
        assert error["error"] == "UsageError" and error["exit_code"] == 2


def test_usage_errors_stay_plain_text_by_default():
    result = CliRunner().invoke(cli, ["sync", "--no-such-option"])
    assert result.exit_code == 2 and "No such option '--no-such-option'" in result.stderr


def test_json_log_format_prints_lock_errors_as_json(workspace: Workspace):
    from cxbridge.api import open_destination

    workspace.write_csv([survey_row(1)])
    dest = open_destination(f"sqlite:///{workspace.db}")
    with dest.lock(), dest:
        result = CliRunner().invoke(cli, ["--log-format", "json", "sync"])
    assert result.exit_code == 1
    [error] = json_lines(result.stderr)
    assert error["error"] == "DestinationLockedError" and f", pid {os.getpid()}, holding it since " in error["message"]  # this process


def test_json_log_format_prints_quarantine_replay_summaries(workspace: Workspace):
    workspace.write_csv([survey_row(1), survey_row(2, satisfaction="Rather happy")])
    workspace.sync()
    fixed = workspace.config.read_text().replace('"Very satisfied" = 5', '"Very satisfied" = 5, "Rather happy" = 4')
    workspace.config.write_text(fixed)
    result = invoke("--log-format", "json", "quarantine", "replay")
    [summary] = json_lines(result.stdout)
    assert summary["event"] == "source_summary" and summary["written"] == 1 and summary["status"] == "success"


def test_verbose_logs_each_source_and_very_verbose_each_batch(workspace: Workspace, monkeypatch):
    monkeypatch.setenv("CXBRIDGE_TEST_SALT", "pepper-that-must-not-leak")
    workspace.config.write_text(
        workspace.config.read_text()
        .replace("batch_size = 1000", 'batch_size = 2\nrespondent_salt = "${CXBRIDGE_TEST_SALT}"')
    )  # fmt: skip
    workspace.write_csv([survey_row(n) for n in range(1, 6)])
    info = CliRunner().invoke(cli, ["-v", "sync"]).stderr
    assert "INFO cxbridge.sync: survey (csv): sync started" in info
    assert "survey (csv): success in" in info and "5 read, 5 written, 0 unchanged, 0 quarantined" in info
    assert "batch committed" not in info
    debug = CliRunner().invoke(cli, ["-vv", "sync", "--full-refresh"]).stderr
    assert debug.count("DEBUG cxbridge.sync: survey/rows: batch committed: 0 written, 2 unchanged") == 2
    assert "reading from cursor none" in debug and "; cursor {" in debug
    assert "pepper-that-must-not-leak" not in info + debug


def test_verbose_json_logs_are_json(workspace: Workspace):
    workspace.write_csv([survey_row(1)])
    result = CliRunner().invoke(cli, ["--log-format", "json", "-vv", "sync"])
    entries = json_lines(result.stderr)
    assert {entry["level"] for entry in entries} == {"info", "debug"}
    assert any("batch committed" in entry["message"] for entry in entries)


def test_table_cells_show_data_as_written_never_as_markup(workspace: Workspace):
    workspace.write_csv([survey_row(1, nps="[#00ff00]9[/]")])  # a code a reason quotes, as markup
    workspace.sync()
    result = invoke("quarantine", "list")
    assert "answer '[#00ff00]9[/]'" in result.output


def test_an_unknown_destination_scheme_names_the_option_and_hides_the_url(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["report", "--destination", "mysql://user:hunter2@db/cx"])
    assert result.exit_code == 2
    assert "error: --destination: unknown destination 'mysql'; installed: " in result.stderr
    assert "hunter2" not in result.stderr


@pytest.mark.parametrize("where", [["--config", "examples/cxbridge.toml"], ["--config", "examples/cxbridge.toml", "--db", "my data.db"]])
def test_the_next_step_a_sync_suggests_runs_as_printed_where_the_sync_ran(tmp_path, monkeypatch, where):
    shutil.copytree(ROOT / "examples", tmp_path / "examples", ignore=shutil.ignore_patterns("plugins", "*.db"))
    monkeypatch.chdir(tmp_path)  # both commands in this process, run from the same folder
    synced = invoke("sync", *where)
    assert synced.exit_code == 0, synced.stderr
    hint = next(line for line in synced.stdout.splitlines() if line.startswith("  … see "))
    command = shlex.split(hint.removeprefix("  … see "))
    assert command[:5] == ["cxbridge", "quarantine", "list", "--source", "store_nps"]
    listed = invoke(*command[1:], "--format", "json")
    assert listed.exit_code == 0, listed.stderr
    assert sorted(item["id"] for item in json.loads(listed.stdout)) == ["R1011", "R1062", "R1091"]


def test_a_command_run_outside_the_project_folder_says_where_it_looked(tmp_path):
    result = run("quarantine", "list", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    said = " ".join(result.stderr.split())
    assert f"there is no cxbridge.toml in {tmp_path}" in said and "pass --config PATH" in said, said


def test_quarantine_list_of_a_misspelled_source_names_the_sources_instead_of_an_empty_list(workspace: Workspace):
    workspace.write_csv([survey_row(1), survey_row(2, nps=11)])
    assert invoke("sync").exit_code == 0
    typo = CliRunner().invoke(cli, ["quarantine", "list", "--source", "surevy"])
    assert typo.exit_code == 2 and "Traceback" not in typo.output
    assert f"no source named 'surevy' in {workspace.config} or sqlite:///cxbridge.db; sources: survey" in typo.output
    listed = invoke("quarantine", "list", "--source", "survey", "--format", "json")
    assert [item["id"] for item in json.loads(listed.output)] == ["R2"]
