"""No traceback for what users do: Ctrl-C while the program starts, a report or status pointed
at a file that is not cxbridge's database, a cxbridge.toml saved as UTF-16 or with a BOM."""

from __future__ import annotations

import codecs
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from cxbridge.cli.main import cli
from tests.conftest import ROOT, Workspace, survey_row

INTERRUPT_WHILE_LOADING = """
import sys

class Interrupt:  # Ctrl-C arrives while {module} loads
    def find_spec(self, name, path=None, target=None):
        if name == "{module}":
            raise KeyboardInterrupt

sys.meta_path.insert(0, Interrupt())
sys.argv = ["cxbridge", "sync"]
from cxbridge.cli.launch import main
main()
"""


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("module", ["cxbridge.cli.main", "cxbridge.plugins.file_sources"])
def test_ctrl_c_while_the_program_starts_ends_quietly(tmp_path: Path, module: str):
    result = run("-c", textwrap.dedent(INTERRUPT_WHILE_LOADING.format(module=module)), cwd=tmp_path)
    assert (result.returncode, result.stderr) == (130, "interrupted\n")


@pytest.mark.parametrize("command", ["report", "status", "quarantine list"])
def test_a_file_that_is_not_a_database_is_named(tmp_path: Path, command: str):
    (tmp_path / "notes.db").write_text("not a database\n")
    result = run("-m", "cxbridge", *command.split(), "--db", "notes.db", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    said = " ".join(result.stderr.split())
    assert f"error: cannot open {tmp_path / 'notes.db'}: file is not a database; point --db or [destination] at" in said


@pytest.mark.parametrize("command", ["report", "status"])
def test_another_programs_sqlite_database_is_named(tmp_path: Path, command: str):
    with sqlite3.connect(tmp_path / "crm.db") as conn:
        conn.execute("CREATE TABLE customers (id INTEGER)")
    result = run("-m", "cxbridge", command, "--db", "crm.db", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{tmp_path / 'crm.db'} holds no cxbridge tables; point --db" in " ".join(result.stderr.split())


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig", "utf-16-be-bom"])
def test_a_config_saved_as_utf16_or_with_a_bom_is_read(tmp_path: Path, encoding: str):
    workspace = Workspace(tmp_path)
    workspace.write_csv([survey_row(1)])
    text = workspace.config.read_text(encoding="utf-8").replace("[settings]", "[settings] # Zürich")
    if encoding == "utf-16-be-bom":
        workspace.config.write_bytes(codecs.BOM_UTF16_BE + text.encode("utf-16-be"))
    else:
        workspace.config.write_text(text, encoding=encoding)
    result = run("-m", "cxbridge", "sync", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "1 read · 1 written" in result.stdout


def test_a_config_in_another_encoding_says_to_save_it_as_utf8(tmp_path: Path):
    (tmp_path / "cxbridge.toml").write_bytes('[settings]\ntimezone = "UTC"\n# Zürich\n'.encode("latin-1"))
    result = run("-m", "cxbridge", "sync", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{tmp_path / 'cxbridge.toml'}: line 3 is not UTF-8 text; save the file as UTF-8" in result.stderr


FULL_DISK = """
import sys
from cxbridge.plugins.sqlite.destination import SQLiteDestination

def full(self, run):  # the disk fills up as the run is recorded
    raise OSError(28, "No space left on device")

SQLiteDestination.save_run = full
sys.argv = ["cxbridge", "sync", "--config", "examples/cxbridge.toml", "--db", "out.db", "--no-progress"]
from cxbridge.cli.launch import main
main()
"""


def test_a_full_disk_is_one_line_naming_it_not_a_traceback(tmp_path: Path):
    shutil.copytree(ROOT / "examples", tmp_path / "examples", ignore=shutil.ignore_patterns("plugins"))
    result = run("-c", FULL_DISK, cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    said = " ".join(result.stderr.split())
    assert "error: [Errno 28] No space left on device; what was written before it is kept" in said


@pytest.mark.parametrize("command", ["report --format csv", "report", "status", "quarantine list --format json"])
def test_output_piped_into_a_program_that_stops_reading_ends_quietly(tmp_path: Path, command: str):
    """`cxbridge report --format csv | head -3`: head leaves, and the next write finds no reader."""
    workspace = Workspace(tmp_path)
    workspace.write_csv([survey_row(n) for n in range(1, 40)] + [survey_row(40, nps=11)])
    assert workspace.sync().exit_code == 0  # in this process: only the command the reader leaves is the program's
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    reader_gone = subprocess.Popen([sys.executable, "-m", "cxbridge", *command.split()], cwd=tmp_path, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    reader_gone.stdout.close()  # the reader has gone before the first line is written
    stderr = reader_gone.stderr.read()
    assert (reader_gone.wait(timeout=120), stderr) == (141, "")


def checked_with(workspace: Workspace, setting: str) -> str:
    """What `cxbridge check` says of the workspace's source read with one more setting (a user
    mistake: exit code 2, no exception), its lines joined. In this process: what a check says
    needs no program of its own (≈ 1 s of CPU a start)."""
    path = 'path = "responses*.csv"'
    workspace.config.write_text(workspace.config.read_text().replace(path, f"{path}\n{setting}"))
    result = CliRunner().invoke(cli, ["check", "--config", str(workspace.config)])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.output
    return " ".join(result.stdout.split())


def test_a_csv_with_a_bom_read_as_plain_utf8_says_to_read_it_as_utf8_sig(tmp_path: Path):
    """Excel's "CSV UTF-8" starts with a byte-order mark, which `encoding = "utf-8"` keeps in the
    first header: the error said `did you mean '\\ufeffid'?`, which names no setting to change."""
    workspace = Workspace(tmp_path)
    path = workspace.write_csv([survey_row(1)])
    path.write_bytes(codecs.BOM_UTF8 + path.read_bytes())
    said = checked_with(workspace, 'encoding = "utf-8"')
    assert "responses.csv: the mapped column 'id' is not in the header" in said
    assert "the file starts with a byte-order mark, which encoding = 'utf-8' keeps in its first header" in said
    assert "set encoding = 'utf-8-sig', or leave encoding out to detect it" in said
    assert "\\ufeff" not in said


def test_a_csv_read_with_the_wrong_delimiter_names_the_one_its_header_shows(tmp_path: Path):
    """A semicolon-separated export with `delimiter = ","` read as one column: the error said only
    that none of the mapped columns is in its header."""
    workspace = Workspace(tmp_path)
    header = ";".join(["id", "submitted", "store", "nps", "satisfaction", "effort", "comment", "email"])
    (tmp_path / "responses.csv").write_text(f"{header}\nr1;2025-01-05 10:00;S1;9;;;;\n", encoding="utf-8")
    said = checked_with(workspace, 'delimiter = ","')
    assert "responses.csv: none of the mapped columns is in its header" in said
    assert "its header reads as one column ('id;submitted;store;nps;" in said
    assert "its delimiter looks like ';': set delimiter = ';', or leave delimiter out to detect it" in said


def test_a_mapping_saved_into_a_missing_folder_is_refused_before_the_files_are_read(tmp_path: Path):
    """`inspect --write-mapping` into a folder not there read every file, then ended with the
    system's `[Errno 2] No such file or directory` and 'what was written before it is kept'
    (nothing was), exit 1 — as `report --html` and `--db` say it instead."""
    Workspace(tmp_path).write_csv([survey_row(1)])
    target = tmp_path / "mappings" / "store.toml"

    inspected = CliRunner().invoke(cli, ["inspect", str(tmp_path / "responses.csv"), "--write-mapping", str(target)])

    assert inspected.exit_code == 2, inspected.output
    assert inspected.stderr.strip() == (
        f"error: --write-mapping {target}: the folder {target.parent} does not exist; create it first, or pick another path"
    )
    assert "proposed mapping" not in inspected.output and not target.parent.exists()


@pytest.mark.parametrize(
    ("command", "given", "path"),
    [(["report", "--html", "/proc/cx-report.html"], "--html /proc/cx-report.html", "/proc/cx-report.html"),
     (["inspect", "responses.csv", "--write-mapping", "/proc/cx.toml"], "--write-mapping /proc/cx.toml", "/proc/cx.toml"),
     (["init", "/proc/cx-project"], "init /proc/cx-project", "/proc/cx-project")],
)  # fmt: skip
def test_a_file_named_in_a_folder_that_takes_no_file_is_refused_naming_the_path(command, given, path, tmp_path, monkeypatch):
    """`report --html`, `inspect --write-mapping` and `init DIR` into a folder that is there but
    takes no new file (Linux's /proc; one not writable) ended with the system's `[Errno 2] No such
    file or directory: …` and 'what was written before it is kept': which path, and what to do?"""
    monkeypatch.chdir(tmp_path)
    workspace = Workspace(tmp_path)
    workspace.write_csv([survey_row(1)])
    workspace.sync()

    result = CliRunner().invoke(cli, command)

    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == (
        f"error: {given}: cannot write {path} (No such file or directory): the folder /proc takes no new file; "
        "pick a folder you may write to"
    )


@pytest.mark.parametrize(
    ("command", "given", "path"),
    [(["report", "--html", "notes.txt/cx-report.html"], "--html notes.txt/cx-report.html", "notes.txt/cx-report.html"),
     (["inspect", "responses.csv", "--write-mapping", "notes.txt/cx.toml"], "--write-mapping notes.txt/cx.toml",
      "notes.txt/cx.toml"),
     (["init", "notes.txt/cx-project"], "init notes.txt/cx-project", "notes.txt/cx-project")],
)  # fmt: skip
def test_a_file_named_under_a_file_is_refused_naming_the_path(command, given, path, tmp_path, monkeypatch):
    """A file in the way of the folder (`notes.txt/cx.toml`): `inspect --write-mapping` and `init`
    ended with the system's `[Errno 20] Not a directory`, and `report --html` said the folder
    notes.txt 'does not exist' while it is there, a file."""
    monkeypatch.chdir(tmp_path)
    workspace = Workspace(tmp_path)
    workspace.write_csv([survey_row(1)])
    workspace.sync()
    (tmp_path / "notes.txt").write_text("not a folder", encoding="utf-8")

    result = CliRunner().invoke(cli, command)

    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == (
        f"error: {given}: cannot write {path} (Not a directory): the folder notes.txt takes no new file; "
        "pick a folder you may write to"
    )


def test_init_stopped_by_its_data_folder_says_the_config_it_wrote_stays(tmp_path, monkeypatch):
    """Its data folder leads where no file can be made: the cxbridge.toml written first is kept,
    and the error says so — a second `init` there refuses it as already there."""
    (tmp_path / "data").symlink_to("/proc")

    result = CliRunner().invoke(cli, ["init", str(tmp_path)])

    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == (
        f"error: init {tmp_path}: cannot write {tmp_path}/data/sample_responses.csv (No such file or directory): "
        f"the folder {tmp_path}/data takes no new file; pick a folder you may write to ({tmp_path}/cxbridge.toml "
        "written before it, kept)"
    )
    assert (tmp_path / "cxbridge.toml").exists()


@pytest.mark.parametrize(
    ("given", "said"),
    [(["sync", "--wait", "abc"], "'--wait': 'abc' is not a valid number of seconds."),
     (["sync", "--jobs", "two"], "'--jobs' / '-j': 'two' is not a valid whole number."),
     (["report", "--limit", "1.5"], "'--limit': '1.5' is not a valid whole number."),
     (["status", "--runs", "all"], "'--runs': 'all' is not a valid whole number.")],
)  # fmt: skip
def test_a_number_option_given_a_word_says_what_number_it_takes(tmp_path: Path, monkeypatch, given: list[str], said: str):
    """Click's own words were `'abc' is not a valid float range.` (integer range for the counts)."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, given)
    assert result.exit_code == 2 and result.stderr.splitlines()[-1] == f"Error: Invalid value for {said}"


def run_project(tmp_path: Path, monkeypatch, config: str, *args: str, env: dict[str, str] | None = None):
    """`cxbridge ARGS` in a project of this `cxbridge.toml`, with these variables set."""
    (tmp_path / "cxbridge.toml").write_text(textwrap.dedent(config))
    for name, value in (env or {}).items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    return CliRunner().invoke(cli, list(args))


def test_a_secret_whose_variable_is_set_to_nothing_is_named_before_anything_is_sent(tmp_path: Path, monkeypatch):
    """`export ZENDESK_API_TOKEN=` (a cron environment file with the value left out) sent an empty
    credential, and the source failed on the API's 401 ("check them") with exit code 1."""
    result = run_project(tmp_path, monkeypatch, """
        [sources.support_csat]
        connector = "zendesk"
        base_url = "http://127.0.0.1:9"
        email = "cx-bot@acme.example"
        api_token = "${ZENDESK_API_TOKEN}"
    """, "sync", env={"ZENDESK_API_TOKEN": ""})
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "sources.support_csat.api_token: ${ZENDESK_API_TOKEN} is set but empty" in result.stderr


@pytest.mark.parametrize(
    ("given", "said"),
    [(["-s", "survey,exports"], "; give --source once for each: -s survey -s exports"),
     (["-s", "SURVEY"], "; did you mean 'survey'?")],
)  # fmt: skip
def test_a_source_list_or_a_miscased_name_says_what_to_write(tmp_path: Path, monkeypatch, given, said):
    """`-s survey,exports` and `-s SURVEY` were only 'no source named …; configured: survey, exports'."""
    result = run_project(tmp_path, monkeypatch, """
        [sources.survey]
        connector = "csv"
        path = "survey.csv"
        [sources.exports]
        connector = "csv"
        path = "exports.csv"
    """, "sync", *given)
    assert result.exit_code == 2 and result.stderr.rstrip().endswith(said)


def test_mistakes_in_several_sources_are_all_named_at_once(tmp_path: Path, monkeypatch):
    """A typo in two sources was named one source at a time: fix, run again, meet the next."""
    result = run_project(tmp_path, monkeypatch, """
        [sources.support_csat]
        connector = "zendesk"
        subdomain = "acme"
        email = "cx-bot@acme.example"
        api_tokn = "${ZENDESK_API_TOKEN}"
        [sources.store_visits]
        connector = "typeform"
        token = "${TYPEFORM_TOKEN}"
        form = ["u6nXL7"]
    """, "check", env={"ZENDESK_API_TOKEN": "zd-token", "TYPEFORM_TOKEN": "tf-token"})
    said = " ".join(result.stderr.split())
    assert result.exit_code == 2 and "Traceback" not in said
    assert "sources.support_csat.api_tokn: unknown key; did you mean 'api_token'?" in said
    assert "sources.store_visits.form: unknown key; did you mean 'forms'?" in said


EXAMPLE = ROOT / "examples" / "cxbridge.toml"
CONFIG_MISTAKES = {  # what the example's line becomes → what the error says of it
    "a typo in a key": ('touchpoint = "store_visit"', 'touchpont = "store_visit"',
                        "sources.store_nps.touchpont: unknown key; did you mean 'touchpoint'?"),
    "a wrong type": ("scale = [1, 5]", 'scale = "ten"',
                     "sources.store_nps.metrics.2.scale: write the scale as its lowest and highest answer, scale = [1, 5]; "
                     "got 'ten'"),
    "an unknown connector": ('connector = "csv"', 'connector = "cvs"',
                             "sources.store_nps.connector: unknown source connector 'cvs'; did you mean 'csv'?"),
}  # fmt: skip


@pytest.mark.parametrize("command", ["status", "check", "sync"])
@pytest.mark.parametrize("mistake", CONFIG_MISTAKES)
def test_a_config_mistake_names_the_file_the_line_and_the_key(tmp_path: Path, mistake: str, command: str):
    right, wrong, said = CONFIG_MISTAKES[mistake]
    shutil.copytree(EXAMPLE.parent / "data", tmp_path / "data")
    text = EXAMPLE.read_text(encoding="utf-8").replace(right, wrong, 1)
    line = text.split("\n").index(next(line for line in text.split("\n") if line.startswith(wrong))) + 1
    (tmp_path / "mistaken.toml").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, [command, "--config", str(tmp_path / "mistaken.toml")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"error: {tmp_path / 'mistaken.toml'}: {said}" in result.output
    assert f"(line {line})" in result.output
    assert not (tmp_path / "cxbridge.db").exists()


def test_the_lines_docs_cli_md_shows_for_these_mistakes_are_the_examples(tmp_path: Path):
    docs = " ".join((ROOT / "docs" / "cli.md").read_text(encoding="utf-8").split())
    for right, wrong, said in CONFIG_MISTAKES.values():
        text = EXAMPLE.read_text(encoding="utf-8").replace(right, wrong, 1)
        line = text.split("\n").index(next(line for line in text.split("\n") if line.startswith(wrong))) + 1
        key = said.split(":")[0]
        shown = docs[docs.index(f"{key}: ", docs.index("A mistake in the config file")):]
        assert shown[shown.index("(line ") :].startswith(f"(line {line})"), key


@pytest.mark.parametrize("command", ["status", "check", "sync"])
def test_a_key_written_twice_is_named_with_both_lines(tmp_path: Path, command: str):
    """tomllib says `Cannot overwrite a value (at line 18, column 17)` — the line after, or `at end of
    document` when the key is the file's last — and neither which key nor what to do."""
    text = EXAMPLE.read_text(encoding="utf-8").replace('touchpoint = "store_visit"', 'touchpoint = "store_visit"\n'
                                                       'touchpoint = "checkout"', 1)  # fmt: skip
    lines = text.split("\n")
    first, second = (number for number, line in enumerate(lines, 1) if line.startswith("touchpoint = "))
    (tmp_path / "twice.toml").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, [command, "--config", str(tmp_path / "twice.toml")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output == (f"error: {tmp_path / 'twice.toml'}: not valid TOML: sources.store_nps.touchpoint is "
                             f"written twice (lines {first} and {second}); keep one\n")
    docs = " ".join((ROOT / "docs" / "cli.md").read_text(encoding="utf-8").split())
    assert f"sources.store_nps.touchpoint is written twice (lines {first} and {second}); keep one" in docs


def test_a_key_written_twice_as_the_files_last_is_named(tmp_path: Path):
    (tmp_path / "twice.toml").write_text('[settings]\ntimezone = "UTC"\ntimezone = "Europe/Warsaw"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", "--config", str(tmp_path / "twice.toml")])
    assert result.exit_code == 2
    assert "settings.timezone is written twice (lines 2 and 3); keep one" in result.output
