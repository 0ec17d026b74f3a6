"""A workbook cell whose formula failed shows its error (`#DIV/0!`, `#REF!`, `#N/A`). calamine,
the fast reader, reads such a cell as empty: a score lost without a word, and a workbook read
differently by size (openpyxl, which large files stream through, reads the error). An .xlsx
holding one is read with openpyxl, and a score showing a formula's error is quarantined with
that reason — from a workbook or from a CSV saved from one."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from cxbridge.tabular.workbook import choose_reader
from tests.sqlite_runs import query, sync_source

HEADER = ["id", "submitted", "nps", "csat", "comment"]
ROWS = [  # (id, nps, csat, comment); a tuple is a formula and the result Excel stored for it
    ("1", 9, 4, "fine"),
    ("2", ("=1/0", "#DIV/0!"), 4, "the score's formula failed"),
    ("3", 7, 4, ("=NA()", "#N/A")),
    ("4", ("=2*4", 8), 3, ("=\"a\"&\"b\"", "ab")),
    ("5", 6, ("=#REF!", "#REF!"), "a deleted cell"),
]
SOURCE = {"connector": "excel", "path": "responses.xlsx", "timezone": "UTC",
          "columns": {"id": "id", "submitted_at": "submitted", "comment": "comment"},
          "metrics": [{"column": "nps", "metric": "nps"}, {"column": "csat", "metric": "csat", "scale": [1, 5]}]}  # fmt: skip


def write_workbook(path: Path, rows=ROWS) -> Path:
    import xlsxwriter  # it stores each formula's result beside it, as Excel does; openpyxl does not

    book = xlsxwriter.Workbook(path)
    sheet, day = book.add_worksheet("Responses"), book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    sheet.write_row(0, 0, HEADER)
    for r, (record_id, *cells) in enumerate(rows, start=1):
        sheet.write_string(r, 0, record_id)
        sheet.write_datetime(r, 1, datetime(2024, 1, r, 10), day)
        for c, cell in enumerate(cells, start=2):
            if isinstance(cell, tuple):
                sheet.write_formula(r, c, cell[0], None, cell[1])
            else:
                sheet.write(r, c, cell)
    book.close()
    return path


def synced(folder: Path, reader: str) -> tuple[list[tuple], list[tuple]]:
    write_workbook(folder / "responses.xlsx")
    sync_source(folder, {**SOURCE, "reader": reader})
    stored = query(folder, "SELECT source_record_id, nps, csat, comment FROM feedback ORDER BY 1")
    quarantined = query(folder, "SELECT source_record_id, error FROM quarantine ORDER BY 1")
    return stored, quarantined


def test_a_score_showing_a_formulas_error_is_quarantined_and_not_read_as_blank(tmp_path):
    stored, quarantined = synced(tmp_path, "auto")
    assert stored == [("1", 9, 4.0, "fine"), ("3", 7, 4.0, "#N/A"), ("4", 8, 3.0, "ab")]  # a comment: as the sheet shows it
    assert [(record, error.split(";")[0]) for record, error in quarantined] == [
        ("2", "question 'nps': answer '#DIV/0!' is a spreadsheet formula's error, not an answer"),
        ("5", "question 'csat': answer '#REF!' is a spreadsheet formula's error, not an answer"),
    ]
    assert all("add it to 'ignore_values'" in error for _, error in quarantined)


def test_the_reader_is_openpyxl_only_for_a_workbook_showing_an_error_and_both_read_it_alike(tmp_path):
    with_error, without = write_workbook(tmp_path / "a.xlsx"), write_workbook(tmp_path / "b.xlsx", ROWS[:1] + ROWS[3:4])
    assert choose_reader(with_error, "auto", "a.xlsx") == "openpyxl"
    assert choose_reader(without, "auto", "b.xlsx") == "calamine"  # a formula's result alone is no error
    assert choose_reader(with_error, "calamine", "a.xlsx") == "calamine"  # asked for: docs/files.md says what it reads
    (tmp_path / "auto").mkdir(), (tmp_path / "openpyxl").mkdir()
    assert synced(tmp_path / "auto", "auto") == synced(tmp_path / "openpyxl", "openpyxl")


@pytest.mark.parametrize("shown", ["#DIV/0!", "#N/A", "#value!", " #REF! "])
def test_a_csv_saved_from_a_workbook_quarantines_the_error_it_shows(tmp_path, shown):
    (tmp_path / "responses.csv").write_text(f"id,submitted,nps\n1,2024-01-01 10:00,\"{shown}\"\n", encoding="utf-8")
    source = {"connector": "csv", "path": "responses.csv", "timezone": "UTC",
              "columns": {"id": "id", "submitted_at": "submitted"}, "metrics": [{"column": "nps", "metric": "nps"}]}  # fmt: skip
    assert sync_source(tmp_path, source).quarantined == 1
    [(error,)] = query(tmp_path, "SELECT error FROM quarantine")
    assert f"answer {shown.strip()!r} is a spreadsheet formula's error" in error
