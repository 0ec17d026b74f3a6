"""An imported file's state in the cursor names the folder its name is a path from (the same path
from another folder is another file) by a hash of the folder's path keyed with a random salt kept
beside it (docs/security.md): the path's plain hashes (`/home/jane.doe/…`) are not in the state,
which no table of hashed paths can look up, while the same folder is still found, run after run; a state saved before,
with the path's unsalted hash, still passes the file over and reads on an appended one. With the
respondent salt from the environment the folder is keyed with it, no salt beside the hash: a
reader of the destination cannot test a guessed path; states of either earlier form are still found."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from cxbridge import plugins_host
from cxbridge.cli.main import cli

ROWS = "Date,nps\n13/04/2025 10:00,9\n14/04/2025 10:00,3\n"
APPENDED = "15/04/2025 10:00,10\n"


@pytest.fixture(autouse=True)
def fresh_host(monkeypatch):
    monkeypatch.setattr(plugins_host, "_host", None)


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder named after a person, holding data/r.csv, imported once into ../cx.db from there."""
    return imported_folder(tmp_path, monkeypatch)


def imported_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, project: str | None = None) -> Path:
    folder = tmp_path / "jane.doe"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "r.csv").write_text(ROWS, encoding="utf-8")
    if project is not None:
        (folder / "cxbridge.toml").write_text(project, encoding="utf-8")
    monkeypatch.chdir(folder)
    assert "2 read · 2 written" in imported()
    return folder


def imported() -> str:
    result = CliRunner().invoke(cli, ["import", "data/r.csv", "--db", "../cx.db", "--no-progress"])
    assert result.exit_code == 0, result.output
    return result.output


def saved(folder: Path) -> str:
    with sqlite3.connect(folder.parent / "cx.db") as db:
        [(cursor,)] = db.execute("SELECT cursor FROM sync_state").fetchall()
    return cursor


def save_folder_key(folder: Path, key: str) -> None:
    cursor = json.loads(saved(folder))
    cursor["files"]["data/r.csv"]["folder"] = key
    with sqlite3.connect(folder.parent / "cx.db") as db:
        db.execute("UPDATE sync_state SET cursor = ?", [json.dumps(cursor)])


def unsalted(folder: Path) -> str:
    """The folder's key in a state saved before the salt: the first 16 hex digits of its path's SHA-256."""
    return hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:16]


def test_the_folder_is_kept_as_a_salted_hash_and_found_again(folder: Path, tmp_path: Path, monkeypatch):
    key = json.loads(saved(folder))["files"]["data/r.csv"]["folder"]
    salt, _, digest = key.partition(":")
    assert len(salt) == 32 and len(digest) == 32, key
    guessed = [
        hashlib.sha256(str(folder.resolve()).encode()).hexdigest(),
        hashlib.blake2b(str(folder.resolve()).encode()).hexdigest(),
    ]
    assert not any(guess[:16] in saved(folder) for guess in guessed)

    before = saved(folder)
    assert "0 read · 0 written" in imported()  # the same folder: passed over, its state as it was
    assert saved(folder) == before
    with (folder / "data" / "r.csv").open("a", encoding="utf-8") as handle:
        handle.write(APPENDED)
    assert "1 read · 1 written" in imported()  # read on from where it ended
    assert json.loads(saved(folder))["files"]["data/r.csv"]["folder"] == key

    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(folder / "data", elsewhere / "data")
    monkeypatch.chdir(elsewhere)
    assert "3 read" in imported()  # data/r.csv from another folder: another file, read whole


def test_a_state_saved_with_the_unsalted_hash_still_passes_the_file_over_and_reads_on(folder: Path):
    save_folder_key(folder, unsalted(folder))
    assert "0 read · 0 written" in imported()
    key = json.loads(saved(folder))["files"]["data/r.csv"]["folder"]
    assert ":" in key and unsalted(folder) not in saved(folder)  # saved salted from now on

    save_folder_key(folder, unsalted(folder))
    with (folder / "data" / "r.csv").open("a", encoding="utf-8") as handle:
        handle.write(APPENDED)
    assert "1 read · 1 written" in imported()


@pytest.mark.parametrize("key", ["0123456789abcdef", "00" * 16 + ":" + "00" * 16, "not hex:00"])
def test_a_state_saved_for_another_folder_reads_the_file_whole(folder: Path, key: str):
    save_folder_key(folder, key)
    assert "2 read · 0 written · 2 unchanged" in imported()


SALT = "a-salt-kept-in-the-environment-only"
SALT_FROM_ENVIRONMENT = '[settings]\nrespondent_salt = "${CXB_TEST_SALT}"\n'


@pytest.fixture
def salted_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`folder` in a project whose respondent salt comes from the environment (never stored)."""
    monkeypatch.setenv("CXB_TEST_SALT", SALT)
    return imported_folder(tmp_path, monkeypatch, SALT_FROM_ENVIRONMENT)


def keyed(folder: Path) -> str:
    """The folder's key under a salt from the environment: no salt beside the hash."""
    digest = hashlib.blake2b(str(folder.resolve()).encode(), key=SALT.encode(), person=b"cxbridge folder",
                             digest_size=16)  # fmt: skip
    return f"keyed:{digest.hexdigest()}"


def test_with_the_salt_from_the_environment_the_folder_is_keyed_with_it_and_no_salt_is_stored(
    salted_from_environment: Path,
):
    folder = salted_from_environment
    assert json.loads(saved(folder))["files"]["data/r.csv"]["folder"] == keyed(folder)  # nothing to test a guess with
    save_folder_key(folder, unsalted(folder))  # as an earlier cxbridge saved it
    assert "0 read · 0 written" in imported()  # passed over
    assert json.loads(saved(folder))["files"]["data/r.csv"]["folder"] == keyed(folder)  # nothing to test a guess with
    before = saved(folder)
    assert "0 read · 0 written" in imported()
    assert saved(folder) == before
    with (folder / "data" / "r.csv").open("a", encoding="utf-8") as handle:
        handle.write(APPENDED)
    assert "1 read · 1 written" in imported()  # read on from where it ended
    assert json.loads(saved(folder))["files"]["data/r.csv"]["folder"] == keyed(folder)


def test_a_state_saved_with_a_salt_beside_the_hash_is_found_under_a_salt_from_the_environment(folder: Path, monkeypatch):
    salted = json.loads(saved(folder))["files"]["data/r.csv"]["folder"]
    assert salted.count(":") == 1 and not salted.startswith("keyed:")
    with (folder / "data" / "r.csv").open("a", encoding="utf-8") as handle:
        handle.write(APPENDED)
    monkeypatch.setenv("CXB_TEST_SALT", SALT)
    (folder / "cxbridge.toml").write_text(SALT_FROM_ENVIRONMENT, encoding="utf-8")
    result = CliRunner().invoke(cli, ["import", "data/r.csv", "--db", "../cx.db", "--no-progress", "--rehash"])
    assert result.exit_code == 0, result.output
    assert "1 read · 1 written" in result.output  # the salted state found: read on, not read whole
    assert json.loads(saved(folder))["files"]["data/r.csv"]["folder"] == keyed(folder)


def test_a_state_keyed_with_another_salt_from_the_environment_reads_the_file_whole(salted_from_environment: Path):
    folder = salted_from_environment
    save_folder_key(folder, "keyed:" + "00" * 16)
    assert "2 read · 0 written · 2 unchanged" in imported()
