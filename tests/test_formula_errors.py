"""Workbook cells read as they show. A cell whose formula failed shows its error (`#DIV/0!`, `#REF!`, `#N/A`). calamine,
the fast reader, reads such a cell as empty: a score lost without a word, and a workbook read
differently by size (openpyxl, which large files stream through, reads the error). An .xlsx
holding one is read with openpyxl, and a score showing a formula's error is quarantined with
that reason — from a workbook or from a CSV saved from one. A cell formatted as a percentage
shows 85 % and holds 0.85: it is read as `85%`, which an audit score reads as 85 points."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from cxbridge.tabular.sheet_extent import percent_format
from cxbridge.tabular.workbook import Reading, reading
from tests.sqlite_runs import query, sync_source

HEADER = ["id", "submitted", "nps", "csat", "comment"]
ROWS = [  # (id, nps, csat, comment); a tuple is a formula and the result Excel stored for it
    ("1", 9, 4, "fine"),
    ("2", ("=1/0", "#DIV/0!"), 4, "the score's formula failed"),
    ("3", 7, 4, ("=NA()", "#N/A")),
    ("4", ("=2*4", 8), 3, ('="a"&"b"', "ab")),
    ("5", 6, ("=#REF!", "#REF!"), "a deleted cell"),
]
SOURCE = {"connector": "excel", "path": "responses.xlsx", "timezone": "UTC",
          "columns": {"id": "id", "submitted_at": "submitted", "comment": "comment"},
          "metrics": [{"column": "nps", "metric": "nps"}, {"column": "csat", "metric": "csat", "scale": [1, 5]}]}  # fmt: skip


def write_workbook(path: Path, rows=ROWS, header=HEADER) -> Path:
    import xlsxwriter  # it stores each formula's result beside it, as Excel does; openpyxl does not

    book = xlsxwriter.Workbook(path)
    sheet, day = book.add_worksheet("Responses"), book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    sheet.write_row(0, 0, header)
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
    assert stored == [
        ("1", 9, 4.0, "fine"),
        ("3", 7, 4.0, "#N/A"),
        ("4", 8, 3.0, "ab"),
    ]  # a comment: as the sheet shows it
    assert [(record, error.split(";")[0]) for record, error in quarantined] == [
        ("2", "question 'nps': answer '#DIV/0!' is a spreadsheet formula's error, not an answer"),
        ("5", "question 'csat': answer '#REF!' is a spreadsheet formula's error, not an answer"),
    ]
    assert all("add it to 'ignore_values'" in error for _, error in quarantined)


def test_the_reader_is_openpyxl_only_for_a_workbook_showing_an_error_and_both_read_it_alike(tmp_path):
    with_error, without = write_workbook(tmp_path / "a.xlsx"), write_workbook(tmp_path / "b.xlsx", ROWS[:1] + ROWS[3:4])
    assert reading(with_error, "auto", "a.xlsx").engine == "openpyxl"
    assert reading(without, "auto", "b.xlsx").engine == "calamine"  # a formula's result alone is no error
    assert reading(with_error, "calamine", "a.xlsx").engine == "calamine"  # asked for: docs/files.md says what it reads
    (tmp_path / "auto").mkdir(), (tmp_path / "openpyxl").mkdir()
    assert synced(tmp_path / "auto", "auto") == synced(tmp_path / "openpyxl", "openpyxl")


@pytest.mark.parametrize("shown", ["#DIV/0!", "#N/A", "#value!", " #REF! "])
def test_a_csv_saved_from_a_workbook_quarantines_the_error_it_shows(tmp_path, shown):
    (tmp_path / "responses.csv").write_text(f'id,submitted,nps\n1,2024-01-01 10:00,"{shown}"\n', encoding="utf-8")
    source = {"connector": "csv", "path": "responses.csv", "timezone": "UTC",
              "columns": {"id": "id", "submitted_at": "submitted"}, "metrics": [{"column": "nps", "metric": "nps"}]}  # fmt: skip
    assert sync_source(tmp_path, source).quarantined == 1
    [(error,)] = query(tmp_path, "SELECT error FROM quarantine")
    assert f"answer {shown.strip()!r} is a spreadsheet formula's error" in error


# --- percentages: what a cell shows, not the fraction it holds -----------------------------------

AUDIT = {"connector": "excel", "path": "audit.xlsx", "timezone": "UTC", "program": "audit",
         "columns": {"id": "Visit", "submitted_at": "Date", "location_id": "Store"},
         "metrics": [{"column": "Score", "metric": "audit"}]}  # fmt: skip


def write_audit(path: Path, scores: list[tuple[float, str | None]]) -> Path:
    """An audit sheet whose Score cells hold `value` formatted by `format` (None: as typed)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(path)
    sheet, day = book.add_worksheet("Audit"), book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, ["Visit", "Date", "Store", "Score"])
    for r, (value, shown_as) in enumerate(scores, start=1):
        sheet.write_row(r, 0, [f"V{r}"])
        sheet.write_datetime(r, 1, datetime(2024, 2, r), day)
        sheet.write_string(r, 2, "S1")
        sheet.write_number(r, 3, value, book.add_format({"num_format": shown_as}) if shown_as else None)
    book.close()
    return path


def audit_scores(folder: Path) -> list[tuple]:
    return query(folder, "SELECT f.source_record_id, s.value, s.normalized FROM feedback f "
                         "JOIN feedback_scores s USING (record_id) ORDER BY 1")  # fmt: skip


def test_an_audit_score_formatted_as_a_percentage_reads_as_the_points_it_shows(tmp_path):
    (tmp_path / "percent").mkdir(), (tmp_path / "points").mkdir()
    shown = [(0.85, "0%"), (0.725, "0%"), (1, "0.0%"), (0.29, "0.00%;[Red]-0.00%")]  # 0.725 shows 73 %, holds 72.5
    write_audit(tmp_path / "percent" / "audit.xlsx", shown)
    write_audit(tmp_path / "points" / "audit.xlsx", [(round(v * 100, 9), None) for v, _ in shown])
    for folder in ("percent", "points"):
        assert sync_source(tmp_path / folder, AUDIT).written == 4
    assert audit_scores(tmp_path / "percent") == audit_scores(tmp_path / "points")
    assert [value for _, value, _ in audit_scores(tmp_path / "percent")] == [85.0, 72.5, 100.0, 29.0]


def test_a_percent_sign_in_quotes_or_escaped_shows_the_number_as_it_is(tmp_path):
    write_audit(tmp_path / "audit.xlsx", [(85, '0" %"'), (90, "0\\%"), (0.5, "General")])
    assert reading(tmp_path / "audit.xlsx", "auto", "audit.xlsx") == Reading("calamine")
    sync_source(tmp_path, AUDIT)
    assert [value for _, value, _ in audit_scores(tmp_path)] == [85.0, 90.0, 0.5]
    assert [percent_format(code) for code in ("0%", "0.0%;-0.0%", '0" %"', "0\\%", '"%"0%', "General")] == [
        True, True, False, False, True, False,
    ]  # fmt: skip


def test_only_a_workbook_with_a_percentage_pays_for_reading_its_cells_formats(tmp_path):
    with_percent = write_audit(tmp_path / "a.xlsx", [(0.85, "0%")])
    assert reading(with_percent, "auto", "a.xlsx") == Reading("openpyxl", percentages=True)
    assert reading(with_percent, "openpyxl", "a.xlsx") == Reading("openpyxl", percentages=True)
    assert reading(with_percent, "calamine", "a.xlsx") == Reading("calamine")  # asked for: it reads 0.85
    assert reading(write_audit(tmp_path / "b.xlsx", [(85, None)]), "openpyxl", "b.xlsx") == Reading("openpyxl")


# --- a field showing a formula's error: not a store, an agent or a channel -----------------------

FIELDS = {"connector": "excel", "path": "visits.xlsx", "timezone": "UTC",
          "columns": {"id": "id", "submitted_at": "submitted", "location_id": "store", "channel": "channel",
                      "agent_id": "agent", "comment": "comment"},
          "metrics": [{"column": "nps", "metric": "nps"}]}  # fmt: skip
FIELD_ROWS = [  # (id, store, channel, agent, nps, comment); a tuple is a formula and its stored result
    ("1", "S1", "email", "A1", 9, "fine"),
    ("2", ("=VLOOKUP(9,A1:A2,1,FALSE)", "#N/A"), "email", "A1", 3, "the store lookup failed"),
    ("3", "S2", ("=#REF!", "#REF!"), "A2", 10, "a deleted cell"),
    ("4", "S2", "sms", ("=1/0", "#DIV/0!"), 7, ("=NA()", "#N/A")),
    ("5", "S1", "sms", "A2", 6, ""),
]


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "reference"])
def test_a_field_showing_a_formulas_error_is_quarantined_not_counted_as_a_store(tmp_path, monkeypatch, compiled):
    from cxbridge.tabular.source import FileStream

    monkeypatch.setattr(FileStream, "compiled", compiled)
    write_workbook(tmp_path / "visits.xlsx", FIELD_ROWS, ["id", "submitted", "store", "channel", "agent", "nps", "comment"])
    result = sync_source(tmp_path, FIELDS)
    shown = {"2": ("store", "#N/A", "location_id"), "3": ("channel", "#REF!", "channel"), "4": ("agent", "#DIV/0!", "agent_id")}
    assert (result.written, result.quarantined) == (len(FIELD_ROWS) - len(shown), len(shown))
    assert query(tmp_path, "SELECT source_record_id, location_id, channel, agent_id FROM feedback ORDER BY 1") == [
        ("1", "S1", "email", "A1"), ("5", "S1", "sms", "A2"),
    ]  # fmt: skip
    quarantined = dict(query(tmp_path, "SELECT source_record_id, error FROM quarantine"))
    for record, (column, error, field) in shown.items():
        assert quarantined[record].startswith(
            f"column {column!r} shows {error!r}, a spreadsheet formula's error, not a {field}; fix the formula"
        )
    assert query(tmp_path, "SELECT count(*) FROM location_ranking WHERE location_id LIKE '#%'") == [(0,)]
