"""The salt of a dataset's respondent keys (cxbridge.dataset_salt): made at random on the first
sync and kept with the data, stable afterwards, different in every dataset, overridden by
`respondent_salt = "${VAR}"`, never changed without --rehash, never shown."""

from __future__ import annotations

import hashlib
import sqlite3

import pytest
from click.testing import CliRunner

from cxbridge.cli.main import cli
from cxbridge.errors import ConfigError

from tests.conftest import Workspace, survey_row

SALTED = '[settings]\nrespondent_salt = "${CX_TEST_DATASET_SALT}"\n'


def key_of(email: str, salt: str) -> str:
    """A respondent key computed here, independently: BLAKE2b keyed with the salt, 16 bytes."""
    return hashlib.blake2b(email.strip().casefold().encode(), key=salt.encode()[:64], digest_size=16).hexdigest()


def metadata(workspace: Workspace) -> dict[str, str]:
    """The salt's rows of cxbridge_metadata (the [ranking] settings and the sources' readings are kept beside them)."""
    return dict(workspace.query("SELECT name, value FROM cxbridge_metadata WHERE name LIKE 'respondent_salt%'"))


def keys(workspace: Workspace) -> dict[str, str]:
    return dict(workspace.query("SELECT source_record_id, respondent_key FROM feedback"))


def with_salt(workspace: Workspace) -> None:
    workspace.config.write_text(workspace.config.read_text().replace("[settings]\n", SALTED, 1))


def test_the_first_sync_makes_a_random_salt_and_keys_records_with_it(workspace):
    workspace.write_csv([survey_row(n) for n in (1, 2)])
    workspace.sync()
    stored = metadata(workspace)
    salt = stored["respondent_salt"]
    assert len(salt) == 64 and int(salt, 16) >= 0  # 32 random bytes, as hex
    assert keys(workspace) == {"R1": key_of("person1@example.com", salt), "R2": key_of("person2@example.com", salt)}


def test_keys_stay_the_same_from_run_to_run_and_differ_between_datasets(tmp_path, monkeypatch):
    first, second = Workspace(tmp_path / "first"), Workspace(tmp_path / "second")
    for workspace in (first, second):
        monkeypatch.chdir(workspace.root)
        workspace.write_csv([survey_row(n) for n in (1, 2)])
        workspace.sync()
    before = keys(first)
    monkeypatch.chdir(first.root)
    first.write_csv([survey_row(n) for n in (1, 2, 3)])
    first.sync(full_refresh=True)
    assert {k: v for k, v in keys(first).items() if k in before} == before
    assert metadata(first)["respondent_salt"] != metadata(second)["respondent_salt"]
    assert keys(first)["R1"] != keys(second)["R1"]


def test_a_salt_from_the_environment_wins_and_only_its_fingerprint_is_stored(workspace, monkeypatch):
    monkeypatch.setenv("CX_TEST_DATASET_SALT", "salt-from-the-environment-1")
    with_salt(workspace)
    workspace.write_csv([survey_row(1)])
    workspace.sync()
    assert keys(workspace) == {"R1": key_of("person1@example.com", "salt-from-the-environment-1")}
    assert set(metadata(workspace)) == {"respondent_salt_fingerprint"}
    files = [workspace.db, workspace.db.with_name("cxbridge.db-wal")]
    assert not any(b"salt-from-the-environment-1" in path.read_bytes() for path in files if path.exists())


def test_a_changed_salt_is_refused_before_anything_moves(workspace, monkeypatch):
    monkeypatch.setenv("CX_TEST_DATASET_SALT", "salt-one-aaaa")
    with_salt(workspace)
    workspace.write_csv([survey_row(1)])
    workspace.sync()
    runs = workspace.query("SELECT COUNT(*) FROM sync_runs")
    monkeypatch.setenv("CX_TEST_DATASET_SALT", "salt-two-bbbb")
    workspace.write_csv([survey_row(1), survey_row(2)])
    with pytest.raises(ConfigError) as caught:
        workspace.sync()
    message = str(caught.value)
    assert "settings.respondent_salt is not the salt the respondent keys in sqlite:///" in message
    assert "run `cxbridge sync --rehash` to accept the new one" in message
    assert "salt-one" not in message and "salt-two" not in message
    assert workspace.query("SELECT COUNT(*) FROM sync_runs") == runs and set(keys(workspace)) == {"R1"}


def test_rehash_accepts_the_new_salt_for_what_is_written_from_then_on(workspace, monkeypatch):
    monkeypatch.setenv("CX_TEST_DATASET_SALT", "salt-one-aaaa")
    with_salt(workspace)
    workspace.write_csv([survey_row(1)])
    workspace.sync()
    monkeypatch.setenv("CX_TEST_DATASET_SALT", "salt-two-bbbb")
    workspace.write_csv([survey_row(2)], name="responses2.csv")  # responses.csv is not read again
    workspace.sync(rehash=True)
    assert keys(workspace) == {"R1": key_of("person1@example.com", "salt-one-aaaa"),  # unchanged: not written again
                               "R2": key_of("person2@example.com", "salt-two-bbbb")}  # fmt: skip
    workspace.sync()  # the new salt is the dataset's now: no --rehash needed
    workspace.sync(full_refresh=True)  # every record its source still has is written again, re-keyed
    assert keys(workspace) == {"R1": key_of("person1@example.com", "salt-two-bbbb"),
                               "R2": key_of("person2@example.com", "salt-two-bbbb")}  # fmt: skip


def test_rehash_never_changes_a_salt_of_its_own_accord(workspace):
    workspace.write_csv([survey_row(1)])
    workspace.sync()
    salt = metadata(workspace)["respondent_salt"]
    workspace.sync(rehash=True, full_refresh=True)
    assert metadata(workspace)["respondent_salt"] == salt
    assert keys(workspace) == {"R1": key_of("person1@example.com", salt)}


def test_a_salt_taken_out_of_the_config_is_refused_then_replaced_with_rehash(workspace, monkeypatch):
    monkeypatch.setenv("CX_TEST_DATASET_SALT", "salt-one-aaaa")
    original = workspace.config.read_text()
    with_salt(workspace)
    workspace.write_csv([survey_row(1)])
    workspace.sync()
    workspace.config.write_text(original)
    with pytest.raises(ConfigError, match="were made with settings.respondent_salt, which the config no longer sets"):
        workspace.sync()
    workspace.write_csv([survey_row(1), survey_row(2)])
    workspace.sync(rehash=True)
    salt = metadata(workspace)["respondent_salt"]
    assert keys(workspace)["R2"] == key_of("person2@example.com", salt) and salt != "salt-one-aaaa"


def test_a_dataset_written_before_salts_were_kept_needs_its_salt_or_rehash(workspace, monkeypatch):
    workspace.write_csv([survey_row(1)])
    workspace.sync()
    with sqlite3.connect(workspace.db) as conn:  # as a version without cxbridge_metadata left it
        conn.execute("DELETE FROM cxbridge_metadata")
    with pytest.raises(ConfigError, match="were made before cxbridge kept a salt with the data"):
        workspace.sync()
    workspace.sync(rehash=True)
    assert set(metadata(workspace)) == {"respondent_salt", "respondent_salt_fingerprint"}
    with sqlite3.connect(workspace.db) as conn:
        conn.execute("DELETE FROM cxbridge_metadata")
    monkeypatch.setenv("CX_TEST_DATASET_SALT", "the-salt-used-then")
    with_salt(workspace)
    workspace.sync()  # the salt the keys were made with, given again: adopted
    assert set(metadata(workspace)) == {"respondent_salt_fingerprint"}


def test_a_dry_run_of_a_new_dataset_stores_no_salt(workspace):
    workspace.write_csv([survey_row(1)])
    workspace.sync(dry_run=True)
    assert not workspace.db.exists()


def test_import_keys_records_with_the_datasets_salt(workspace):
    workspace.write_csv([survey_row(1)])
    workspace.sync()
    salt = metadata(workspace)["respondent_salt"]
    exported = workspace.root / "export" / "more.csv"
    exported.parent.mkdir()
    exported.write_text("id,submitted,nps,email\nX1,2025-03-01T10:00:00Z,9,person1@example.com\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["import", str(exported), "--format", "json"])
    assert result.exit_code == 0, result.output
    [imported] = workspace.query("SELECT respondent_key FROM feedback WHERE source = 'more'")
    assert imported[0] == key_of("person1@example.com", salt) == keys(workspace)["R1"]


def test_the_salt_is_in_no_output(workspace, monkeypatch):
    workspace.write_csv([survey_row(n) for n in range(1, 4)])
    runner = CliRunner()
    outputs = [runner.invoke(cli, ["-vv", "sync"]), runner.invoke(cli, ["--log-format", "json", "-vv", "sync", "--full-refresh"]),
               runner.invoke(cli, ["status", "--format", "json"]), runner.invoke(cli, ["report"])]  # fmt: skip
    salt = metadata(workspace)["respondent_salt"]
    for result in outputs:
        assert result.exit_code == 0, result.output
        assert salt not in result.output and salt not in result.stderr
