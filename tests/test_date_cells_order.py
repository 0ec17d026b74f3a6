"""A workbook's real date cells carry no day/month order — the cell holds the date itself — so
the source's date order is decided by its text dates alone: a real date whose day is above 12
never shows an order, never stands against `date_order` nor against the order a text-dated file
shows, and is stored as the cell holds it whatever the order."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from tests.sqlite_runs import sync_source
from tests.test_date_order import HEADER, NPS_SOURCE, expected_warning, feedback_rows
from tests.workbooks import write_xls, write_xlsx

WRITERS = {"xlsx": write_xlsx, "xls": write_xls}
REAL = [["R1", datetime(2025, 1, 25, 10, 0), 9], ["R2", datetime(2025, 3, 4, 10, 0), 7]]  # 25 January, 4 March
STORED_REAL = {"R1": "2025-01-25T10:00:00Z", "R2": "2025-03-04T10:00:00Z"}


def write_books(folder: Path, kind: str, books: dict[str, list[list]]) -> dict:
    (folder / "exports").mkdir()
    for name, rows in books.items():
        WRITERS[kind](folder / "exports" / f"{name}.{kind}", {"Responses": [HEADER, *rows]})
    return {**NPS_SOURCE, "connector": "excel", "path": f"exports/*.{kind}"}


@pytest.mark.parametrize("kind", WRITERS)
@pytest.mark.parametrize(("order", "text"), [("mdy", "04/25/2025 10:00"), ("dmy", "25/04/2025 10:00")])
def test_real_date_cells_stand_against_no_date_order(tmp_path: Path, kind: str, order: str, text: str):
    """Set either way, date_order refuses neither the real-dated workbook (25 January as a cell)
    nor the text-dated one written in it; the real dates are stored as they are."""
    source = write_books(tmp_path, kind, {"a_real": REAL, "b_text": [["T1", text, 9], ["T2", "03/04/2025 10:00", 8]]})
    result = sync_source(tmp_path, {**source, "date_order": order})
    assert (result.ok, result.written, result.quarantined, result.warnings) == (True, 4, 0, [])
    april_3rd = "2025-04-03T10:00:00Z" if order == "dmy" else "2025-03-04T10:00:00Z"
    assert feedback_rows(tmp_path / "cxbridge.db") == {**STORED_REAL, "T1": "2025-04-25T10:00:00Z", "T2": april_3rd}


@pytest.mark.parametrize("kind", WRITERS)
def test_real_date_cells_decide_no_order_for_a_text_dated_sibling(tmp_path: Path, kind: str):
    """25 January as a real cell says nothing of how a sibling's 03/04/2025 reads: it is read by
    the '/' custom and flagged, as in a source of that file alone."""
    source = write_books(tmp_path, kind, {"a_real": REAL, "b_text": [["T1", "03/04/2025 10:00", 8]]})
    result = sync_source(tmp_path, source)
    assert (result.ok, result.written, result.quarantined) == (True, 3, 0)
    assert result.warnings == [f"b_text.{kind} [Responses]: {expected_warning('03/04/2025 10:00')}"]
    assert feedback_rows(tmp_path / "cxbridge.db") == {**STORED_REAL, "T1": "2025-03-04T10:00:00Z"}


def test_a_real_date_cell_among_text_dates_shows_no_order_against_a_sibling(tmp_path: Path):
    """A column of text dates with one real cell (a date Excel recognised as typed): the cell's
    25 January shows no day-first order against the sibling's month-first 04/25/2025."""
    source = write_books(tmp_path, "xlsx", {"a_mixed": [REAL[0], ["T1", "03/04/2025 10:00", 8]],
                                            "b_text": [["T2", "04/25/2025 10:00", 8]]})  # fmt: skip
    result = sync_source(tmp_path, source)
    assert (result.ok, result.written, result.quarantined, result.warnings) == (True, 3, 0, [])
    stored = feedback_rows(tmp_path / "cxbridge.db")
    assert stored == {"R1": "2025-01-25T10:00:00Z", "T1": "2025-03-04T10:00:00Z", "T2": "2025-04-25T10:00:00Z"}
