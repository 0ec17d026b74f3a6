"""Files of one name in two folders — monthly folders each holding `responses.csv` — are two
files: `cxbridge import` reads both, and passes each over when it is unchanged, even when they
have the same size and modification time; a cursor an earlier cxbridge saved by the name alone
is still read (unchanged files passed over, a same-named other file read); the import's look at
the dates tells them apart too. Of such files without an id column: tests/test_imported_ids.py."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

import cxbridge
from cxbridge import plugins_host
from cxbridge.cli.main import cli

JANUARY = [("R1", "31/01/2025 10:00", 9), ("R2", "01/02/2025 10:00", 5)]
FEBRUARY = [("R3", "28/02/2025 10:00", 3), ("R4", "01/03/2025 10:00", 7)]


@pytest.fixture(autouse=True)
def fresh_host(monkeypatch):
    monkeypatch.setattr(plugins_host, "_host", None)


def write_month(folder: Path, rows: list[tuple[str, str, int]], *, mtime_ns: int = 1_735_689_600 * 10**9) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "responses.csv"
    path.write_text("id,Date,nps\n" + "".join(f"{i},{d},{n}\n" for i, d, n in rows), encoding="utf-8")
    os.utime(path, ns=(mtime_ns, mtime_ns))  # every month's file: the same time
    return path


def stored(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT source_record_id, nps FROM feedback"))


def counts(result) -> list[tuple[int, int]]:
    return [(file.result.read, file.result.written) for file in result.files]


@pytest.fixture
def months(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    january = write_month(tmp_path / "exports" / "2025-01", JANUARY)
    february = write_month(tmp_path / "exports" / "2025-02", FEBRUARY)
    assert january.stat().st_size == february.stat().st_size  # nothing but the folder tells them apart
    CliRunner().invoke(cli, ["inspect", str(january), "--write-mapping", "mapping.toml"], catch_exceptions=False)
    return tmp_path


@pytest.mark.parametrize("mapping", [True, False], ids=["saved-mapping", "detected"])
def test_two_files_of_one_name_in_two_folders_are_both_imported_and_then_passed_over(months: Path, mapping: bool):
    options = {"mapping": "mapping.toml"} if mapping else {}
    destination = f"sqlite:///{months / 'x.db'}"
    first = cxbridge.import_(["exports/"], destination=destination, **options)
    assert counts(first) == [(2, 2), (2, 2)]
    assert stored(months / "x.db") == {i: n for i, _, n in JANUARY + FEBRUARY}

    again = cxbridge.import_(["exports/"], destination=destination, **options)
    assert counts(again) == [(0, 0), (0, 0)]  # each unchanged: passed over unread


def test_next_months_file_of_the_same_name_imported_on_its_own_is_read(months: Path):
    destination = f"sqlite:///{months / 'x.db'}"
    cxbridge.import_(["exports/2025-01/responses.csv"], destination=destination, mapping="mapping.toml")
    february = cxbridge.import_(["exports/2025-02/responses.csv"], destination=destination, mapping="mapping.toml")
    assert counts(february) == [(2, 2)]
    again = cxbridge.import_(["exports/2025-01/responses.csv"], destination=destination, mapping="mapping.toml")
    assert counts(again) == [(0, 0)]  # January's state was kept beside February's
    assert stored(months / "x.db") == {i: n for i, _, n in JANUARY + FEBRUARY}


def saved_by_name_alone(db: Path) -> None:
    """The cursor as an earlier cxbridge saved it: the imported file's state by its name."""
    with sqlite3.connect(db) as conn:
        [(saved,)] = conn.execute("SELECT cursor FROM sync_state")
        files = json.loads(saved)["files"]
        assert list(files) == ["exports/2025-01/responses.csv"]
        old = {**json.loads(saved), "files": {"responses.csv": files["exports/2025-01/responses.csv"]}}
        conn.execute("UPDATE sync_state SET cursor = ?", [json.dumps(old)])


def test_a_cursor_saved_by_the_file_name_alone_is_still_read(months: Path):
    """An earlier cxbridge kept an imported file's state by its name (`responses.csv`): after the
    upgrade the file it was saved for is passed over (its bytes are the ones saved), and another
    file of that name, with the same size and time, is read."""
    db, destination = months / "x.db", f"sqlite:///{months / 'x.db'}"
    cxbridge.import_(["exports/2025-01/responses.csv"], destination=destination, mapping="mapping.toml")
    saved_by_name_alone(db)

    unchanged = cxbridge.import_(["exports/2025-01/responses.csv"], destination=destination, mapping="mapping.toml")
    assert counts(unchanged) == [(0, 0)]
    february = cxbridge.import_(["exports/2025-02/responses.csv"], destination=destination, mapping="mapping.toml")
    assert counts(february) == [(2, 2)]
    assert stored(db) == {i: n for i, _, n in JANUARY + FEBRUARY}


def test_a_file_grown_since_a_cursor_saved_by_its_name_alone_is_read_on(months: Path):
    db, destination = months / "x.db", f"sqlite:///{months / 'x.db'}"
    january = months / "exports" / "2025-01" / "responses.csv"
    cxbridge.import_([str(january)], destination=destination, mapping="mapping.toml")
    saved_by_name_alone(db)
    with january.open("a", encoding="utf-8") as handle:
        handle.write("R5,02/02/2025 10:00,8\n")
    grown = cxbridge.import_([str(january)], destination=destination, mapping="mapping.toml")
    assert counts(grown) == [(1, 1)]  # only the appended row read
    assert stored(db) == {**{i: n for i, _, n in JANUARY}, "R5": 8}


def undecided_mapping(tmp_path: Path) -> str:
    """A mapping saved from a file whose dates leave the day/month order open: no date_order."""
    sample = write_month(tmp_path / "sample", [("R0", "01/02/2025 10:00", 9), ("R9", "03/04/2025 10:00", 6)])
    CliRunner().invoke(cli, ["inspect", str(sample), "--write-mapping", "undecided.toml"], catch_exceptions=False)
    assert "\ndate_order =" not in (tmp_path / "undecided.toml").read_text()
    return "undecided.toml"


@pytest.mark.parametrize("mapping", [True, False], ids=["saved-mapping", "detected"])
def test_same_named_files_writing_dates_both_ways_are_refused_naming_each_folder(tmp_path: Path, monkeypatch,
                                                                                 mapping: bool):  # fmt: skip
    """The import's look at its files' dates knew each by its name: the second `responses.csv`
    was taken to show what the first did, and its month/day dates were read day first."""
    monkeypatch.chdir(tmp_path)
    options = {"mapping": undecided_mapping(tmp_path)} if mapping else {}
    write_month(tmp_path / "exports" / "2025-01", [("R1", "31/01/2025 10:00", 9), ("R2", "01/02/2025 10:00", 5)])
    write_month(tmp_path / "exports" / "2025-02", [("R3", "02/28/2025 10:00", 3), ("R4", "03/01/2025 10:00", 7)])
    with pytest.raises(cxbridge.ConfigError) as refused:
        cxbridge.import_(["exports/"], destination=f"sqlite:///{tmp_path / 'x.db'}", **options)
    assert "2025-01/responses.csv: 1 date has a first part above 12" in str(refused.value)
    assert "2025-02/responses.csv: 1 date has a second part above 12" in str(refused.value)
    assert not (tmp_path / "x.db").exists() or stored(tmp_path / "x.db") == {}


@pytest.mark.parametrize("mapping", [True, False], ids=["saved-mapping", "detected"])
def test_a_same_named_file_without_a_decisive_date_reads_as_the_other_shows(tmp_path: Path, monkeypatch,
                                                                             mapping: bool):  # fmt: skip
    monkeypatch.chdir(tmp_path)
    options = {"mapping": undecided_mapping(tmp_path)} if mapping else {}
    write_month(tmp_path / "exports" / "2025-01", [("R1", "01/02/2025 10:00", 9), ("R2", "03/02/2025 10:00", 5)])
    write_month(tmp_path / "exports" / "2025-02", [("R3", "28/02/2025 10:00", 3), ("R4", "01/03/2025 10:00", 7)])
    imported = cxbridge.import_(["exports/"], destination=f"sqlite:///{tmp_path / 'x.db'}", **options)
    assert [file.ok for file in imported.files] == [True, True]
    with sqlite3.connect(tmp_path / "x.db") as conn:
        submitted = dict(conn.execute("SELECT source_record_id, submitted_at FROM feedback"))
    assert submitted == {"R1": "2025-02-01T10:00:00Z", "R2": "2025-02-03T10:00:00Z",  # day first, as February shows
                         "R3": "2025-02-28T10:00:00Z", "R4": "2025-03-01T10:00:00Z"}  # fmt: skip


def test_a_folder_named_by_an_address_is_kept_in_the_cursor_as_its_key(tmp_path: Path, monkeypatch):
    """The cursor now names an imported file by its folders too: an address among them is stored
    as its `hashed:` key, as in the file's own name (docs/security.md)."""
    monkeypatch.chdir(tmp_path)
    write_month(tmp_path / "exports" / "ann@example.com", JANUARY)
    cxbridge.import_(["exports/"], destination=f"sqlite:///{tmp_path / 'x.db'}")
    with sqlite3.connect(tmp_path / "x.db") as conn:
        [(saved,)] = conn.execute("SELECT cursor FROM sync_state")
    [name] = json.loads(saved)["files"]
    assert name.startswith("exports/hashed:") and name.endswith("/responses.csv") and "ann" not in saved
    assert b"ann@example.com" not in (tmp_path / "x.db").read_bytes()


def test_a_file_imported_from_a_folder_then_synced_with_the_mapping_is_passed_over_then_read_on(months: Path):
    """`inspect --write-mapping` writes the file's path, so the mapping synced as a config reads the
    file the import read: its state, kept by the file's path from the project's folder, is the
    one the sync (which knows the file as `responses.csv`) goes on from."""
    db = months / "x.db"
    cxbridge.import_(["exports/2025-01/responses.csv"], destination=f"sqlite:///{db}", mapping="mapping.toml")
    synced = CliRunner().invoke(cli, ["sync", "--config", "mapping.toml", "--db", str(db), "--no-progress"])
    assert "0 read · 0 written" in synced.output, synced.output
    with (months / "exports" / "2025-01" / "responses.csv").open("a", encoding="utf-8") as handle:
        handle.write("R5,02/02/2025 10:00,8\n")
    grown = CliRunner().invoke(cli, ["sync", "--config", "mapping.toml", "--db", str(db), "--no-progress"])
    assert "1 read · 1 written · 0 unchanged" in grown.output, grown.output
    assert stored(db) == {**{i: n for i, _, n in JANUARY}, "R5": 8}


def test_the_import_summary_names_same_named_files_by_their_folders(months: Path):
    """Each summary line said `✔ responses.csv → …`: which was which could not be told."""
    write_month(months / "exports" / "ann@example.com", [("R5", "02/02/2025 10:00", 8)])
    imported = CliRunner().invoke(cli, ["import", "exports/", "--mapping", "mapping.toml", "--db", "x.db",
                                        "--no-progress"])  # fmt: skip
    lines = [line.split(" → ")[0] for line in imported.output.splitlines() if " → " in line]
    assert lines[:2] == ["✔ exports/2025-01/responses.csv", "✔ exports/2025-02/responses.csv"], imported.output
    assert lines[2].startswith("✔ exports/hashed:") and lines[2].endswith("/responses.csv"), imported.output
    assert "ann@" not in imported.output

    alone = CliRunner().invoke(cli, ["import", "exports/2025-01/", "--mapping", "mapping.toml", "--db", "x.db",
                                     "--no-progress"])  # fmt: skip
    assert alone.output.startswith("✔ responses.csv → "), alone.output  # no other file of that name: its name
