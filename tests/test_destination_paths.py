"""Where records go: the default SQLite file next to the config whether `[destination]` is
written or not, `import` with the project's config, `--db` into a folder that is not there, and
the hint `cxbridge init DIR` prints."""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from cxbridge import plugins_host
from cxbridge.api import open_destination
from cxbridge.cli.main import cli
from tests.conftest import Workspace, survey_row


@pytest.fixture(autouse=True)
def fresh_host(monkeypatch):
    monkeypatch.setattr(plugins_host, "_host", None)


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The working directory, apart from the project folder."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def scores_in(db: Path) -> list[float]:
    with sqlite3.connect(db) as conn:
        return sorted(nps for (nps,) in conn.execute("SELECT nps FROM feedback"))


@pytest.mark.parametrize("written", [False, True])
def test_the_default_database_is_next_to_the_config_written_or_not(here: Path, written: bool):
    project = Workspace(here / "project")
    project.write_csv([survey_row(1), survey_row(2)])
    if written:
        project.config.write_text(project.config.read_text() + '\n[destination]\nurl = "sqlite:///cxbridge.db"\n')
    assert invoke("sync", "--config", "project/cxbridge.toml").exit_code == 0
    assert scores_in(project.db) == [1, 2]
    assert not (here / "cxbridge.db").exists()
    report = invoke("report", "--config", "project/cxbridge.toml", "--format", "csv")
    assert report.exit_code == 0 and "2025-02" in report.output


def test_without_a_config_import_writes_to_the_working_directory(here: Path):
    Workspace(here / "exports").write_csv([survey_row(1)], name="store.csv")
    assert invoke("import", "exports/store.csv").exit_code == 0
    assert scores_in(here / "cxbridge.db") == [1]


@pytest.mark.parametrize("given", [True, False])
def test_import_uses_the_projects_destination_and_settings(here: Path, given: bool):
    project = here / "project" if given else here
    project.mkdir(exist_ok=True)
    (project / "cxbridge.toml").write_text('[settings]\nstore_raw = false\n\n[destination]\nurl = "sqlite:///cx.db"\n')
    Workspace(here / "exports").write_csv([survey_row(1), survey_row(2)], name="store.csv")
    result = invoke("import", "exports/store.csv", *(["--config", "project/cxbridge.toml"] if given else []))
    assert result.exit_code == 0, result.output
    assert scores_in(project / "cx.db") == [1, 2]
    with sqlite3.connect(project / "cx.db") as conn:
        assert conn.execute("SELECT COUNT(*) FROM feedback WHERE raw IS NOT NULL").fetchone() == (0,)
    assert not (here / "cxbridge.db").exists()


def test_import_waits_for_another_sync_with_wait(here: Path):
    Workspace(here / "exports").write_csv([survey_row(1)], name="store.csv")
    destination = open_destination(f"sqlite:///{here / 'cx.db'}")
    with destination.lock():
        refused = invoke("import", "exports/store.csv", "--db", "cx.db")
    assert refused.exit_code == 1 and f", pid {os.getpid()}, holding it since " in refused.output  # this process
    held = destination.lock()
    held.__enter__()
    released = threading.Timer(1.0, held.__exit__, (None, None, None))
    released.start()
    try:
        waited = invoke("import", "exports/store.csv", "--db", "cx.db", "--wait", "60")
    finally:
        released.join()
    assert waited.exit_code == 0, waited.output
    assert scores_in(here / "cx.db") == [1]


@pytest.mark.parametrize(
    "given",
    [("--db", "reports/cx.db"), ("--destination", "sqlite:///reports/cx.db"),
     ("--destination", "duckdb:///reports/cx.duckdb"), ("--destination", "parquet:///reports/lake")],
)  # fmt: skip
def test_a_destination_into_a_missing_folder_is_refused_and_nothing_is_created(here: Path, given: tuple[str, str]):
    """`--db reports/cx.db` was refused while `--destination sqlite:///reports/cx.db` made the
    folder: a scheduled sync with a typo'd folder wrote a new, empty database and said nothing."""
    Workspace(here).write_csv([survey_row(1)])
    for command in (["sync"], ["status"]):
        result = invoke(*command, *given)
        assert result.exit_code == 2, result.output
        assert f"{' '.join(given)}: the folder {here / 'reports'} does not exist; create it first" in result.stderr
        assert not (here / "reports").exists()


@pytest.mark.parametrize("url", ["sqlite:///reports/cx.db", "duckdb:///reports/cx.duckdb", "parquet:///reports/lake"])
def test_a_configs_destination_into_a_missing_folder_is_refused_as_the_options_are(here: Path, url: str):
    """The config's `[destination] url` made its folder while `--destination` was refused: a typo
    in the config's path wrote a new, empty database into a stray folder, every scheduled run."""
    project = Workspace(here / "project")
    project.write_csv([survey_row(1)])
    project.config.write_text(f'[destination]\nurl = "{url}"\n' + project.config.read_text())
    for command in (["sync"], ["status"]):
        result = invoke(*command, "--config", "project/cxbridge.toml")
        assert result.exit_code == 2, result.output
        folder = project.root.resolve() / "reports"
        assert f"destination.url {url}: the folder {folder} does not exist; create it first" in result.stderr
        assert "Traceback" not in result.output and not folder.exists()
    (here / "project" / "reports").mkdir()
    assert invoke("sync", "--config", "project/cxbridge.toml").exit_code == 0


@pytest.mark.parametrize(
    "url", ["sqlite:///notes.txt/cx.db", "duckdb:///notes.txt/cx.duckdb", "parquet:///notes.txt/lake"]
)
def test_a_destination_under_a_file_is_refused_naming_the_file_in_the_way(here: Path, url: str):
    """A path that runs through a file (a typo, a stale export where a folder was meant) is
    named, with what to do — not the system's `[Errno 17] File exists`."""
    workspace = Workspace(here)
    workspace.write_csv([survey_row(1)])
    (here / "notes.txt").write_text("not a folder\n")
    result = invoke("sync", "--config", str(workspace.config), "--destination", url)
    target = here / "notes.txt" / url.rsplit("/", 1)[1]
    assert result.exit_code == 1, result.output
    assert result.stderr.strip() == (
        f"error: cannot write {target}: {here / 'notes.txt'} is a file, not a folder: move it away, "
        "or pick another path"
    )
    assert (here / "notes.txt").read_text() == "not a folder\n"


@pytest.mark.parametrize("url", ["sqlite:////proc/cx.db", "duckdb:////proc/cx.duckdb", "parquet:////proc/lake"])
def test_a_destination_in_a_folder_that_takes_no_file_is_not_said_to_be_held_by_another_command(here: Path, url: str):
    """A folder where no file can be made (Linux's /proc, which answers 'no such file') made the
    lock wait as if another command held it: 'another cxbridge command … is writing to /proc/cx.db'."""
    workspace = Workspace(here)
    workspace.write_csv([survey_row(1)])
    result = invoke("sync", "--config", str(workspace.config), "--destination", url)
    target = Path(url.partition(":///")[2])
    assert result.exit_code == 1, result.output
    assert result.stderr.strip() == (
        f"error: cannot write {target}: the folder /proc takes no new file (its lock, {target.name}.lock): pick another path"
    )


@pytest.mark.parametrize(
    ("url", "kind"),
    [("sqlite:/srv/cx.db", "SQLite"), ("sqlite:cx.db", "SQLite"), ("duckdb:/srv/cx.duckdb", "DuckDB"),
     ("parquet:/srv/lake", "Parquet")],
)  # fmt: skip
def test_a_url_without_its_three_slashes_is_refused_not_read_as_a_relative_path(here: Path, url: str, kind: str):
    """`sqlite:/srv/cx.db`, meant as /srv/cx.db, synced into ./srv/cx.db, a folder it made
    beside the config, and said nothing."""
    workspace = Workspace(here)
    workspace.write_csv([survey_row(1)])
    result = invoke("sync", "--destination", url)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: {url!r} is not a {kind} URL; write e.g. ")
    assert sorted(path.name for path in here.iterdir()) == ["cxbridge.toml", "responses.csv"]


def test_init_into_a_folder_says_to_go_there_first(here: Path, monkeypatch: pytest.MonkeyPatch):
    assert "next: cd 'my project' && cxbridge sync && cxbridge report" in invoke("init", "my project").output
    (here / "flat").mkdir()
    monkeypatch.chdir(here / "flat")
    assert "next: cxbridge sync && cxbridge report" in invoke("init").output
