"""Every warning a sync's summary prints is in the log too, once, at WARNING level, its secrets
masked: an operator who keeps only the log (`cxbridge -v sync 2>> sync.log`, a JSON log shipper,
an orchestrator reading the `cxbridge` logger) loses none. On a terminal, where the summary
shows it, it is not printed twice."""

from __future__ import annotations

import json
import logging
import os
import pty
import subprocess
import sys

from click.testing import CliRunner

import cxbridge
from cxbridge.cli.main import cli
from cxbridge.plugins_host import create_host
from tests.conftest import Workspace, survey_row

SALT = "pepper-that-must-not-leak"
EMPTY = "no rows below the header; nothing imported from it"


def with_an_empty_file(workspace: Workspace, monkeypatch) -> str:
    """A file with rows and one with only its header (named with the salt, a secret), whose
    warning the summary gives; the warning as the summary shows it (the secret masked)."""
    monkeypatch.setenv("CXBRIDGE_TEST_SALT", SALT)
    text = workspace.config.read_text(encoding="utf-8")
    workspace.config.write_text(text.replace("[settings]\n", '[settings]\nrespondent_salt = "${CXBRIDGE_TEST_SALT}"\n'))
    workspace.write_csv([survey_row(1), survey_row(2)])
    workspace.write_csv([], name=f"responses-{SALT}.csv")
    return f"responses-***.csv: {EMPTY}"


def test_a_source_warning_is_in_the_verbose_log_once(workspace: Workspace, monkeypatch):
    warning = with_an_empty_file(workspace, monkeypatch)
    result = CliRunner().invoke(cli, ["-v", "sync"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines().count(f"  ⚠ {warning}") == 1  # the summary, as before
    logged = [line for line in result.stderr.splitlines() if line.startswith("WARNING ")]
    assert logged == [f"WARNING cxbridge.sync: survey: {warning}"]
    assert SALT not in result.stdout + result.stderr


def test_a_source_warning_is_a_json_log_entry(workspace: Workspace, monkeypatch):
    warning = with_an_empty_file(workspace, monkeypatch)
    result = CliRunner().invoke(cli, ["--log-format", "json", "sync"])
    entries = [json.loads(line) for line in result.stderr.splitlines()]
    assert [(e["level"], e["message"], e["source"]) for e in entries] == [("warning", f"survey: {warning}", "survey")]
    assert SALT not in result.stdout + result.stderr


def test_the_python_api_logs_the_warnings_it_returns(workspace: Workspace, monkeypatch, caplog):
    warning = with_an_empty_file(workspace, monkeypatch)
    with caplog.at_level(logging.WARNING, logger="cxbridge"):
        synced = cxbridge.sync(workspace.config, host=create_host())
    assert synced.results[0].warnings == [warning]
    assert [(r.levelno, r.name, r.getMessage()) for r in caplog.records] == [
        (logging.WARNING, "cxbridge.sync", f"survey: {warning}")
    ]


def test_on_a_terminal_the_warning_is_printed_once(workspace: Workspace, monkeypatch):
    """stdout and stderr both the terminal (a pseudo-terminal): the summary's line, no log line."""
    warning = with_an_empty_file(workspace, monkeypatch)
    leader, terminal = pty.openpty()
    command = [sys.executable, "-m", "cxbridge", "-v", "sync", "--no-progress"]
    process = subprocess.Popen(command, stdout=terminal, stderr=terminal, cwd=workspace.root)
    os.close(terminal)
    shown = b""
    while chunk := _read(leader):
        shown += chunk
    os.close(leader)
    assert process.wait(timeout=60) == 0, shown
    text = shown.decode()
    assert text.count(warning) == 1 and f"⚠ {warning}" in text, text
    assert "INFO cxbridge.sync: survey (csv): success" in text  # the -v log is on the terminal


def _read(descriptor: int) -> bytes:
    try:
        return os.read(descriptor, 65536)
    except OSError:  # EIO: every writer of the terminal closed it
        return b""


YES_NO = "Were all problems resolved to your complete satisfaction?"


def resolved_csv(folder) -> str:
    """A file whose Yes/No question detection leaves unscored, with a warning saying so."""
    with (folder / "resolved.csv").open("w", encoding="utf-8") as handle:
        handle.write(f'Date,"{YES_NO}"\n' + "".join(f"2025-01-{n + 1:02d},{['Yes', 'No'][n % 2]}\n" for n in range(10)))
    return "resolved.csv"


def logged_once(result, *, shown: str, logger: str) -> str:
    """The one warning the command printed after `shown` (the unscored Yes/No question), which its
    text log has once, under `logger`."""
    assert result.exit_code == 0, result.output
    [warning] = [line.removeprefix(shown) for line in result.stdout.splitlines() if line.startswith(shown)]
    assert "Yes/No" in warning
    logged = [line for line in result.stderr.splitlines() if line.startswith("WARNING ")]
    assert logged == [f"WARNING {logger}: resolved: {warning}"]
    return warning


def json_log(result) -> list[tuple[str, str, str]]:
    return [(e["level"], e["message"], e["source"]) for e in map(json.loads, result.stderr.splitlines())]


def test_an_import_s_detection_warning_is_in_the_log_once(tmp_path, monkeypatch):
    """The import's own warnings (a column it leaves unscored, and why), not only its sync's."""
    monkeypatch.chdir(tmp_path)
    imported = CliRunner().invoke(cli, ["import", resolved_csv(tmp_path), "--db", "x.db"])
    warning = logged_once(imported, shown="  ⚠ ", logger="cxbridge.import")
    as_json = CliRunner().invoke(cli, ["--log-format", "json", "import", "resolved.csv", "--db", "y.db"])
    assert json_log(as_json) == [("warning", f"resolved: {warning}", "resolved")]


def test_a_check_warning_is_in_the_log_once(workspace: Workspace):
    workspace.write_csv([survey_row(1)])
    (workspace.root / "responses_2025-06.csv").write_bytes(b"")
    warning = "responses_2025-06.csv: the file is empty (0 bytes): a sync imports nothing from it"
    checked = CliRunner().invoke(cli, ["check"])
    assert (checked.exit_code, checked.stdout.splitlines()) == (0, ["✔ survey (csv)", f"  ⚠ {warning}"])
    assert checked.stderr.splitlines() == [f"WARNING cxbridge.check: survey: {warning}"]
    quiet = CliRunner().invoke(cli, ["-q", "check"])
    assert (quiet.stdout.splitlines(), quiet.stderr) == (["✔ survey (csv)", f"  ⚠ {warning}"], "")


def test_the_python_api_logs_the_warnings_of_an_inspection(tmp_path, monkeypatch, caplog):
    monkeypatch.chdir(tmp_path)
    with caplog.at_level(logging.WARNING, logger="cxbridge"):
        [inspection] = cxbridge.inspect([resolved_csv(tmp_path)], host=create_host())
    [warning] = inspection.warnings
    assert "Yes/No" in warning
    assert [(r.name, r.getMessage()) for r in caplog.records] == [("cxbridge.inspect", f"resolved: {warning}")]


def test_an_inspect_warning_is_in_the_log_once(tmp_path, monkeypatch):
    """`inspect` moves no data, as `check` does not, and as `check` logs its warnings: one it printed
    only in its report was lost to a log kept alone (`cxbridge inspect exports/ 2>> inspect.log`, a
    JSON log shipper) — an unscored column, and why."""
    monkeypatch.chdir(tmp_path)
    inspected = CliRunner().invoke(cli, ["inspect", resolved_csv(tmp_path)])
    warning = logged_once(inspected, shown="warning: ", logger="cxbridge.inspect")
    as_json = CliRunner().invoke(cli, ["--log-format", "json", "inspect", "resolved.csv", "--format", "json"])
    assert json_log(as_json) == [("warning", f"resolved: {warning}", "resolved")]
    assert json.loads(as_json.stdout)[0]["warnings"] == [warning]
    quiet = CliRunner().invoke(cli, ["-q", "inspect", "resolved.csv"])
    assert quiet.stderr == "" and f"warning: {warning}" in quiet.stdout
