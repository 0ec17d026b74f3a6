"""Rows appended to a CSV file since the last sync follow the day/month rule of a whole file: a
block whose dates show the other order than the source's is refused, naming the file, the first
row that shows it and what to do; the rows read before stay as stored and the file's state is
not moved on, so the block mended is read on from where the last sync ended."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

from tests.sqlite_runs import sync_source
from tests.test_date_order import HEADER, NPS_SOURCE


def write_rows(path: Path, rows: dict[str, str], *, mode: str = "w") -> None:
    with path.open(mode, newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        if mode == "w":
            writer.writerow(HEADER)
        writer.writerows([native_id, value, 7] for native_id, value in rows.items())


def stored(db: Path) -> dict[str, str]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT source_record_id, submitted_at FROM feedback"))


def mend(path: Path) -> None:
    """The appended block written again month first, the rows above it untouched byte for byte."""
    path.write_bytes(path.read_bytes().replace(b"03/04/2025", b"04/03/2025").replace(b"13/01/2025", b"01/13/2025"))


def iso(day: int, month: int) -> str:
    return f"2025-{month:02d}-{day:02d}T10:00:00Z"


APRIL = {"A0": "04/25/2025 10:00", "A1": "04/02/2025 10:00"}  # 25 April shows month first
DAY_FIRST = {"B0": "03/04/2025 10:00", "B1": "13/01/2025 10:00"}  # 13 January shows day first: B0 is 3 April


def refused_append(folder: Path, source: dict):
    """April's rows synced, then the day-first block appended and synced: refused, nothing of it
    written and the rows read before as stored."""
    path = folder / "survey.csv"
    write_rows(path, APRIL)
    assert sync_source(folder, source).written == 2
    write_rows(path, DAY_FIRST, mode="a")
    refused = sync_source(folder, source)
    assert not refused.ok and (refused.written, refused.quarantined) == (0, 0)
    assert stored(folder / "cxbridge.db") == {"A0": iso(25, 4), "A1": iso(2, 4)}
    return path, refused


def test_rows_appended_day_first_under_date_order_mdy_are_refused_and_read_on_once_mended(tmp_path: Path):
    """Before, the appended block was read in the setting: 13/01/2025 quarantined as a 13th month
    and 03/04/2025 stored as 4 March."""
    pinned = {**NPS_SOURCE, "date_order": "mdy"}
    path, refused = refused_append(tmp_path, pinned)
    assert refused.error == (
        "survey.csv, the rows appended since the last sync: column 'Date': 1 date has a first part above 12 (as "
        "'13/01/2025 10:00' on row 5), so it is d/m/y, against date_order 'mdy' set for the source (survey.csv: "
        "1 date has a second part above 12 (as '04/25/2025 10:00' on row 2), so it is m/d/y) — none of the "
        "appended rows was imported, and the rows read before are kept: write the appended rows m/d/y as the "
        "rows above them are (the next sync reads on from the first of them), or move them to a file of a source "
        "of its own (date_order = 'dmy')"
    )
    mend(path)
    mended = sync_source(tmp_path, pinned)
    assert (mended.ok, mended.read, mended.written, mended.quarantined) == (True, 2, 2, 0)  # read on: B0, B1
    assert stored(tmp_path / "cxbridge.db") == {"A0": iso(25, 4), "A1": iso(2, 4), "B0": iso(3, 4), "B1": iso(13, 1)}


def test_rows_appended_against_the_order_the_source_showed_are_refused_naming_the_appended_block(tmp_path: Path):
    """Without date_order, the order the file's first rows showed is the source's: the block
    appended day first is refused as a file against it would be, named as the appended rows of
    the same file."""
    path, refused = refused_append(tmp_path, NPS_SOURCE)
    assert refused.error.startswith(
        "column 'Date': the files of this source write dates both ways — survey.csv: 1 date has a second part "
        "above 12 (as '04/25/2025 10:00' on row 2), so it is m/d/y; survey.csv, the rows appended since the last "
        "sync: 1 date has a first part above 12 (as '13/01/2025 10:00' on row 5), so it is d/m/y — none of the "
        "appended rows was imported, and the rows read before are kept: write the appended rows m/d/y as the rows "
        "above them are"
    ), refused.error
    mend(path)
    mended = sync_source(tmp_path, NPS_SOURCE)
    assert (mended.ok, mended.read, mended.written) == (True, 2, 2)
    assert stored(tmp_path / "cxbridge.db")["B0"] == iso(3, 4)


def test_rows_appended_that_show_the_order_the_rows_before_were_assumed_in_is_wrong_read_the_file_again(
    tmp_path: Path,
):
    """04/02/2025 alone cannot show its order: read month first (the '/' custom) with a warning.
    13/01/2025 appended shows the file is day first, as a whole file showing it reads: the file is
    read whole again, its first row mended to 4 February, as one clean sync of it stores — before,
    13/01/2025 was quarantined as a 13th month and 03/04/2025 stored as 4 March."""
    path = tmp_path / "survey.csv"
    write_rows(path, {"A0": "04/02/2025 10:00"})
    first = sync_source(tmp_path, NPS_SOURCE)
    assert first.written == 1 and "read as month/day" in first.warnings[0]
    write_rows(path, DAY_FIRST, mode="a")
    second = sync_source(tmp_path, NPS_SOURCE)
    assert (second.ok, second.read, second.written, second.quarantined) == (True, 3, 3, 0)
    assert second.warnings == [
        "survey.csv: the rows appended since the last sync show its dates are d/m/y (1 date has a first part above "
        "12 (as '13/01/2025 10:00' on row 4), so it is d/m/y), and its rows read before were read m/d/y as "
        "assumed, so the whole file was read again"
    ]
    expected = {"A0": iso(4, 2), "B0": iso(3, 4), "B1": iso(13, 1)}
    assert stored(tmp_path / "cxbridge.db") == expected
    assert sync_source(tmp_path, NPS_SOURCE, db="clean.db").warnings == []
    assert stored(tmp_path / "clean.db") == expected
