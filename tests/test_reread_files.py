"""A file read whole again — edited, or replaced by a newer export saved over it — whose rows have
no id column (keyed by time and e-mail, docs/files.md "Record ids and incremental imports"): a
quarantined row fixed in its file leaves the quarantine; a row whose key was corrected leaves
its old record stored, and the sync says so and what to do; a newer export keeps the records and
quarantined rows of the one it replaced (docs/cli.md, `cxbridge sync`)."""

from __future__ import annotations

import json
import signal
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from cxbridge.cli.main import cli
from tests.killed_syncs import sync_killed
from tests.test_sigkill import url_of

CONFIG = """
[sources.survey]
connector = "csv"
path = "responses.csv"

[sources.survey.columns]
submitted_at = "submitted"
email = "email"

[[sources.survey.metrics]]
column = "nps"
metric = "nps"
"""
HEADER = "submitted,email,nps"
BAD_DATE = ["2026-01-20 10:00,ann@example.com,9", "2026-01-35 11:00,bob@example.com,0", "2026-01-22 12:00,cy@example.com,7"]  # fmt: skip
PRUNE = "run `cxbridge sync --full-refresh --prune`"


def save(folder: Path, rows: list[str]) -> None:
    (folder / "responses.csv").write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")


def run(folder: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, [*args, "--config", str(folder / "cxbridge.toml")])
    assert result.exit_code == 0, result.output
    return result.stdout


def sync(folder: Path, rows: list[str], *args: str) -> dict:
    save(folder, rows)
    return json.loads(run(folder, "sync", "--format", "json", *args).splitlines()[0])


def stored(folder: Path) -> list[tuple[str, int]]:
    """Each stored record's submitted day and answer."""
    db = sqlite3.connect(folder / "cxbridge.db")
    return sorted(db.execute("SELECT substr(submitted_at, 1, 10), nps FROM feedback").fetchall())


def quarantined(folder: Path) -> list[dict]:
    return json.loads(run(folder, "quarantine", "list", "--format", "json"))


def synced_once(tmp_path: Path, rows: list[str]) -> Path:
    (tmp_path / "cxbridge.toml").write_text(CONFIG, encoding="utf-8")
    sync(tmp_path, rows)
    return tmp_path


def test_a_quarantined_row_fixed_in_its_file_leaves_the_quarantine(tmp_path):
    folder = synced_once(tmp_path, BAD_DATE)
    assert len(quarantined(folder)) == 1

    summary = sync(folder, [BAD_DATE[0], "2026-01-25 11:00,bob@example.com,0", BAD_DATE[2]])

    assert stored(folder) == [("2026-01-20", 9), ("2026-01-22", 7), ("2026-01-25", 0)]
    assert quarantined(folder) == [], "the row is stored: its quarantine row is removed (docs/cli.md)"
    assert "quarantine: empty" in run(folder, "status")
    assert not any("read whole again" in warning for warning in summary["warnings"])


def test_a_corrected_email_or_time_leaves_its_old_record_and_the_sync_says_what_to_do(tmp_path):
    rows = ["2026-01-20 10:00,ann@example.com,9", "2026-01-21 11:00,bob@exmaple.com,0", "2026-01-22 12:00,cy@example.com,7"]  # fmt: skip
    folder = synced_once(tmp_path, rows)

    summary = sync(folder, [rows[0], "2026-01-21 11:00,bob@example.com,0", "2026-01-22 12:30,cy@example.com,7"])

    told = [warning for warning in summary["warnings"] if "read whole again" in warning]
    assert told == [
        "responses.csv was read whole again and 2 records of its earlier read are not in it now: if the file was "
        f"edited (a corrected time or e-mail gives a row a new id), {PRUNE} to remove them; if a newer export "
        "replaced it, nothing to do (they are kept)"
    ]
    assert len(stored(folder)) == 5, "kept until the user says the file was edited"
    summary = sync(folder, [rows[0], "2026-01-21 11:00,bob@example.com,0", "2026-01-22 12:30,cy@example.com,7"],
                   "--full-refresh", "--prune")  # fmt: skip
    assert summary["pruned"] == 2
    assert stored(folder) == [("2026-01-20", 9), ("2026-01-21", 0), ("2026-01-22", 7)]


def test_a_file_replaced_by_a_newer_export_keeps_what_it_no_longer_holds_and_says_so(tmp_path):
    folder = synced_once(tmp_path, BAD_DATE)
    # "the last 30 days" downloaded again over the file: ann's answer is too old now; bob answered
    # again, the same, so the new export's third row differs from the quarantined one in its date alone
    newer = [BAD_DATE[2], "2026-02-03 11:00,bob@example.com,0", "2026-02-04 09:00,dee@example.com,10"]

    summary = sync(folder, newer)
    told = [warning for warning in summary["warnings"] if "read whole again" in warning]

    assert told == [
        "responses.csv was read whole again and 1 record and 1 quarantined row of its earlier read are not in it "
        f"now: if the file was edited (a corrected time or e-mail gives a row a new id), {PRUNE} to remove them; if "
        "a newer export replaced it, nothing to do (they are kept)"
    ]
    assert stored(folder) == [("2026-01-20", 9), ("2026-01-22", 7), ("2026-02-03", 0), ("2026-02-04", 10)]
    assert [entry["where"] for entry in quarantined(folder)] == ["file responses.csv, row 3"]


def test_a_quarantined_row_is_kept_when_its_place_holds_another_response_in_a_file_read_as_before(tmp_path):
    folder = synced_once(tmp_path, BAD_DATE)

    sync(folder, [BAD_DATE[0], "2026-01-25 11:00,eve@example.com,0", BAD_DATE[2]])

    assert len(quarantined(folder)) == 1, "not a fix of its cell: another respondent"


def test_a_quarantined_row_fixed_in_its_file_leaves_the_quarantine_of_duckdb(tmp_path):
    (tmp_path / "cxbridge.toml").write_text(CONFIG, encoding="utf-8")
    duckdb = ("--destination", f"duckdb:///{tmp_path / 'x.duckdb'}")
    sync(tmp_path, BAD_DATE, *duckdb)

    sync(tmp_path, [BAD_DATE[0], "2026-01-25 11:00,bob@example.com,0", BAD_DATE[2]], *duckdb)

    assert json.loads(run(tmp_path, "quarantine", "list", "--format", "json", *duckdb)) == []


def test_a_destination_that_cannot_prune_says_how_to_be_rid_of_the_old_records(tmp_path):
    (tmp_path / "cxbridge.toml").write_text(CONFIG, encoding="utf-8")
    lake = ("--destination", f"parquet:///{tmp_path / 'lake'}")
    sync(tmp_path, BAD_DATE[:1], *lake)

    summary = sync(tmp_path, ["2026-01-20 10:00,ann@example.org,9"], *lake)

    assert [warning for warning in summary["warnings"] if "read whole again" in warning] == [
        "responses.csv was read whole again and 1 record of its earlier read is not in it now: if the file was edited "
        "(a corrected time or e-mail gives a row a new id), sync with `--full-refresh` into a new, empty destination, "
        "which holds only what the files hold now; if a newer export replaced it, nothing to do (it is kept)"
    ]


def test_an_import_of_an_edited_file_says_to_prune_its_source(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rows = ["2026-01-20 10:00,ann@example.com,9", "2026-01-21 11:00,bob@exmaple.com,0"]
    save(tmp_path, rows)
    assert CliRunner().invoke(cli, ["import", "responses.csv", "--db", "x.db"]).exit_code == 0
    save(tmp_path, [rows[0], "2026-01-21 11:00,bob@example.com,0"])

    result = CliRunner().invoke(cli, ["import", "responses.csv", "--db", "x.db", "--format", "json"])

    warnings = json.loads(result.stdout.splitlines()[0])["warnings"]
    assert [warning for warning in warnings if "read whole again" in warning] == [
        "responses.csv was read whole again and 1 record of its earlier read is not in it now: if the file was edited "
        "(a corrected time or e-mail gives a row a new id), prune its source with `cxbridge sync --full-refresh "
        "--prune` (docs/cli.md#cxbridge-import says how); if a newer export replaced it, nothing to do (it is kept)"
    ]


@pytest.mark.parametrize("batch_size, read_again", [(1000, 0), (2, 3)], ids=["one batch", "two batches"])
@pytest.mark.parametrize("kind", ["sqlite", "duckdb", "postgresql", "parquet"])
def test_a_sync_killed_once_the_fixed_row_is_stored_leaves_no_stale_quarantine_row(
    kind, batch_size, read_again, tmp_path, request
):
    """The quarantine row of a row fixed in its file goes in the transaction that saves the
    file's cursor. Killed after its first batch: in one batch, that one, and the next sync reads
    nothing; in two, the fixed row's, and the next sync reads the file again and removes it."""
    (tmp_path / "cxbridge.toml").write_text(f"[settings]\nbatch_size = {batch_size}\n{CONFIG}", encoding="utf-8")
    destination = ("--destination", url_of(kind, tmp_path, "fixed", request))
    sync(tmp_path, BAD_DATE, *destination)
    save(tmp_path, [BAD_DATE[0], "2026-01-25 11:00,bob@example.com,0", BAD_DATE[2]])

    exit_code, output = sync_killed(["sync", *destination, "--no-progress"], cwd=tmp_path, batches=1, delay=0)
    assert exit_code == -signal.SIGKILL, output
    summary = json.loads(run(tmp_path, "sync", "--format", "json", *destination).splitlines()[0])

    assert summary["read"] == read_again
    assert json.loads(run(tmp_path, "quarantine", "list", "--format", "json", *destination)) == []
