"""A CSV file that grew by appending since the last sync is read on from where that sync ended:
only the new rows are read (counted by the run's `read`, not timed), and the tables are those
of one clean sync of the whole file. Any other change — an edit or a cut in the part read
before, a file without ids of its own, a workbook — reads the file whole again, as before."""

from __future__ import annotations

import csv
import io
import os
import signal
from pathlib import Path

import pytest

from cxbridge import api
from cxbridge.plugins_host import create_host
from cxbridge.testing.destinations import assert_same, snapshot
from tests.conftest import SURVEY_HEADER, Workspace, share_salt, survey_row
from tests.sqlite_runs import sync_source
from tests.test_file_sources import EXCEL_SOURCE, HEADER, workbook_rows
from tests.test_sigkill import KILLS, cxbridge_sync
from tests.workbooks import write_xlsx

LINEAGE = ("ingested_at", "sync_run_id")
QUARANTINE_LINEAGE = ("first_seen", "last_seen", "run_id")


def csv_text(rows: list[list[str]], *, header: bool = True, end: str = "\n") -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=end)
    if header:
        writer.writerow(SURVEY_HEADER)
    writer.writerows(rows)
    return out.getvalue()


def rows(first: int, last: int) -> list[list[str]]:
    """Responses `first`..`last`; every 5th has a comment of two lines (a quoted cell with a line
    break), every 7th an NPS of 12 (quarantined), and the comments carry Polish letters."""
    made = []
    for n in range(first, last + 1):
        row = survey_row(n, nps=12 if n % 7 == 0 else None)
        row[6] = f"zażółć {n}\nsecond line" if n % 5 == 0 else f"gęślą {n}"
        made.append(row)
    return made


def write(path: Path, text: str, encoding: str) -> None:
    path.write_bytes(text.encode(encoding))


def append(path: Path, text: str, encoding: str) -> None:
    data = text.encode(encoding)
    if encoding in ("utf-16", "utf-8-sig"):
        data = data[len(text[:0].encode(encoding)) :]  # no second byte-order mark in the middle
    with path.open("ab") as handle:
        handle.write(data)


def assert_same_as_a_clean_sync(workspace: Workspace, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clean = Workspace(root / "clean")
    share_salt(monkeypatch, clean)
    (clean.root / "responses.csv").write_bytes((workspace.root / "responses.csv").read_bytes())
    clean.sync()
    for table in ("feedback", "feedback_scores", "feedback_comments"):
        assert workspace.table(table, without=LINEAGE) == clean.table(table, without=LINEAGE), table
    assert workspace.table("quarantine", without=QUARANTINE_LINEAGE) == clean.table(
        "quarantine", without=QUARANTINE_LINEAGE
    )


@pytest.fixture
def synced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    workspace = Workspace(tmp_path / "appended")
    share_salt(monkeypatch, workspace)
    return workspace


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1250", "utf-16"])
@pytest.mark.parametrize("end", ["\n", "\r\n"])
def test_appended_rows_are_the_only_rows_read(synced: Workspace, tmp_path, monkeypatch, encoding, end):
    path = synced.root / "responses.csv"
    write(path, csv_text(rows(1, 30), end=end), encoding)
    [first] = synced.sync().results
    assert first.read == 30

    append(path, csv_text(rows(31, 40), header=False, end=end), encoding)
    [second] = synced.sync().results
    assert (second.read, second.written, second.quarantined) == (10, 9, 1)  # row 35 is quarantined
    assert_same_as_a_clean_sync(synced, tmp_path, monkeypatch)

    [unchanged] = synced.sync().results
    assert (unchanged.read, unchanged.written) == (0, 0)
    append(path, csv_text(rows(41, 43), header=False, end=end), encoding)
    [third] = synced.sync().results
    assert third.read == 3
    assert_same_as_a_clean_sync(synced, tmp_path, monkeypatch)


@pytest.mark.parametrize(
    "last, reread",
    [
        ("R30,2025-07-04T10:30:00Z,S2,8,Satisfied,3,cut off her,person30@exam", 1),  # a line the append completes
        ('R30,2025-07-04T10:30:00Z,S2,8,Satisfied,3,"two lines\nstill open",person30@example.com', 1),  # quoted
        ("R30,2025-07-04T10:30:00Z,S2,8,Satisfied,3,ends in a CR,person30@example.com\r", 1),  # CR, then LF?
    ],
)
def test_a_last_line_the_append_completes_is_read_again(synced: Workspace, tmp_path, monkeypatch, last, reread):
    path = synced.root / "responses.csv"
    write(path, csv_text(rows(1, 29)) + last, "utf-8")
    assert synced.sync().results[0].read == 30
    completion = "ple.com\n" if last.endswith("exam") else "\n"
    append(path, completion + csv_text(rows(31, 35), header=False), "utf-8")
    [second] = synced.sync().results
    assert second.read == 5 + reread
    assert_same_as_a_clean_sync(synced, tmp_path, monkeypatch)


def test_an_edit_before_the_end_reads_the_whole_file_again(synced: Workspace, tmp_path, monkeypatch):
    path = synced.root / "responses.csv"
    write(path, csv_text(rows(1, 30)), "utf-8")
    synced.sync()
    edited = rows(1, 40)
    edited[3][3] = "10"
    write(path, csv_text(edited), "utf-8")
    [second] = synced.sync().results
    assert (second.read, second.written, second.quarantined) == (40, 10, 5)  # 9 new and the edited one; every 7th
    assert_same_as_a_clean_sync(synced, tmp_path, monkeypatch)


def test_a_cut_file_and_a_touched_one(synced: Workspace, tmp_path, monkeypatch):
    path = synced.root / "responses.csv"
    write(path, csv_text(rows(1, 30)), "utf-8")
    synced.sync()
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))  # touched: same bytes, another time
    assert synced.sync().results[0].read == 0
    write(path, csv_text(rows(1, 20)), "utf-8")  # truncated
    [cut] = synced.sync().results
    assert (cut.read, cut.written) == (20, 0)
    write(path, csv_text(rows(1, 20)) + csv_text(rows(21, 25), header=False), "utf-8")
    assert synced.sync().results[0].read == 5  # appended to the cut file: read on from its end


def test_rows_without_ids_of_their_own_are_read_whole(tmp_path, monkeypatch):
    workspace = Workspace(tmp_path / "keyed")
    workspace.config.write_text(workspace.config.read_text().replace('id = "id"\n', ""))
    path = workspace.root / "responses.csv"
    write(path, csv_text(rows(1, 30)), "utf-8")
    workspace.sync()
    append(path, csv_text(rows(31, 35), header=False), "utf-8")
    assert workspace.sync().results[0].read == 35  # a repeated key counts the rows before it


def test_a_workbook_that_grew_is_read_whole(tmp_path):
    write_xlsx(tmp_path / "nps_2024.xlsx", {"Q1": [HEADER, *workbook_rows(4)]})
    assert sync_source(tmp_path, EXCEL_SOURCE).read == 4
    assert sync_source(tmp_path, EXCEL_SOURCE).read == 0
    write_xlsx(tmp_path / "nps_2024.xlsx", {"Q1": [HEADER, *workbook_rows(6)]})
    assert sync_source(tmp_path, EXCEL_SOURCE).read == 6


@pytest.mark.parametrize("kind", ["sqlite", "duckdb"])
def test_a_resumed_sync_killed_again_and_again_then_finished_equals_one_clean_sync(kind, tmp_path, monkeypatch):
    killed, clean = Workspace(tmp_path / "killed", batch_size=20), Workspace(tmp_path / "clean", batch_size=20)
    share_salt(monkeypatch, killed, clean)
    url = {
        name: f"{kind}:///{tmp_path / name}.{'db' if kind == 'sqlite' else 'duckdb'}" for name in ("killed", "clean")
    }
    path = killed.root / "responses.csv"
    write(path, csv_text(rows(1, 200)), "utf-8")
    assert cxbridge_sync(killed, url["killed"]).returncode == 0
    append(path, csv_text(rows(201, 400), header=False), "utf-8")  # 10 batches to read on

    for batches, delay in KILLS:
        run = cxbridge_sync(killed, url["killed"], KILL_AFTER_BATCH=str(batches), KILL_DELAY=str(delay))
        assert run.returncode == -signal.SIGKILL, f"not killed after batch {batches}: {run.stdout}{run.stderr}"
    assert cxbridge_sync(killed, url["killed"]).returncode == 0
    (clean.root / "responses.csv").write_bytes(path.read_bytes())
    assert cxbridge_sync(clean, url["clean"]).returncode == 0

    host = create_host()
    actual = snapshot(api.open_destination(url["killed"], host=host))
    expected = snapshot(api.open_destination(url["clean"], host=host))
    assert_same(actual.without("sync_runs", "sync_state"), expected.without("sync_runs", "sync_state"),
                label=f"after {len(KILLS)} kills")  # fmt: skip
    [(_, _, cursor)], [(_, _, clean_cursor)] = actual.results["sync_state"][1], expected.results["sync_state"][1]
    assert cursor.replace(str(path.stat().st_mtime_ns), "T") == clean_cursor.replace(
        str((clean.root / "responses.csv").stat().st_mtime_ns), "T"
    )  # the same but for the files' times
    assert len(expected.results["feedback"][1]) + len(expected.results["quarantine"][1]) == 400
