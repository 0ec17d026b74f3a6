"""Reading files into grids and tables: delimiters, quoted newlines, workbooks in every format
with both readers, JSON exports streamed, headers of any shape."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from cxbridge.detection.inspector import inspect_file
from cxbridge.errors import ConfigError, SourceError
from cxbridge.exports import LayoutOptions, recognize, to_table
from cxbridge.tabular.delimited import detect_delimiter, open_delimited
from cxbridge.tabular.json_records import open_json
from cxbridge.tabular.workbook import open_workbook
from tests.sqlite_runs import sync_source
from tests.workbooks import write_ods, write_xls, write_xlsx

ROWS = [
    ["Submitted", "Store", "NPS", "Comment"],
    [datetime(2024, 3, 1, 9, 30), "Kraków", 9, "Świetna obsługa"],
    [datetime(2024, 3, 2, 17, 0), "Łódź", 4, None],
]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_is_found_from_the_rows(delimiter):
    sample = "\n".join(delimiter.join(["a", "b,c" if delimiter != "," else "b", "3"]) for _ in range(5))
    assert detect_delimiter(sample).delimiter == delimiter


def test_semicolon_file_with_decimal_commas_is_not_taken_for_commas():
    sample = "Data;Ocena;Kwota\n01.02.2024;4,5;12,30\n02.02.2024;3,5;7,10\n"
    assert detect_delimiter(sample).delimiter == ";"


def test_quoted_cells_keep_their_newlines(tmp_path):
    path = tmp_path / "comments.csv"
    path.write_text('id,comment\n1,"first line\nsecond line"\n2,plain\n', encoding="utf-8")
    grid = open_delimited(path, "comments.csv", encoding=None, delimiter=None)
    assert list(grid.rows()) == [(1, ["id", "comment"]), (2, ["1", "first line\nsecond line"]), (3, ["2", "plain"])]
    assert grid.details["encoding"] == "utf-8" and grid.details["delimiter"] == ","


def test_undecodable_file_names_itself_and_the_setting(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes("a,b\n1,é\n".encode("latin-1"))
    grid = open_delimited(path, "bad.csv", encoding="utf-8", delimiter=",")
    with pytest.raises(SourceError, match=r"bad\.csv: not readable as utf-8 .* set 'encoding'"):
        list(grid.rows())


@pytest.mark.parametrize("writer", [write_xlsx, write_xls, write_ods], ids=["xlsx", "xls", "ods"])
def test_every_workbook_format_reads_the_same_values(tmp_path, writer):
    suffix = {write_xlsx: ".xlsx", write_xls: ".xls", write_ods: ".ods"}[writer]
    path = writer(tmp_path / f"book{suffix}", {"Responses": ROWS, "Empty": []})
    grids = open_workbook(path, path.name, sheets=None)
    assert [grid.sheet for grid in grids] == ["Responses", "Empty"]
    rows = [cells for _, cells in grids[0].rows()]
    assert rows[0] == ROWS[0]
    assert rows[1][:3] == [datetime(2024, 3, 1, 9, 30), "Kraków", 9]
    assert rows[1][3] == "Świetna obsługa"


def test_openpyxl_streams_the_same_rows_as_calamine(tmp_path):
    path = write_xlsx(tmp_path / "book.xlsx", {"Responses": ROWS})
    fast = list(open_workbook(path, path.name, sheets=None, reader="calamine")[0].rows())
    streamed = list(open_workbook(path, path.name, sheets=None, reader="openpyxl")[0].rows())
    assert [cells[:3] for _, cells in streamed] == [cells[:3] for _, cells in fast]


def test_named_sheet_that_is_missing_is_an_error_listing_the_sheets(tmp_path):
    path = write_xlsx(tmp_path / "book.xlsx", {"2023": ROWS, "2024": ROWS})
    with pytest.raises(SourceError, match="no sheet named '2025'; sheets: 2023, 2024"):
        open_workbook(path, path.name, sheets=["2025"])


def test_a_file_that_is_not_a_workbook_is_reported(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"this is not a zip file")
    with pytest.raises(SourceError, match="broken.xlsx: not a readable workbook .*; open it in a spreadsheet program"):
        open_workbook(path, path.name, sheets=None)


def test_a_damaged_sheet_names_the_file_and_sheet_and_what_to_do(tmp_path):
    """A cell reference without its row (`r="A"`, as the fuzz campaign's mutations make) is not
    a Python error to the user but a damaged sheet, with the fix."""
    import zipfile

    whole = write_xlsx(tmp_path / "whole.xlsx", {"Responses": ROWS})
    path = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(whole) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.startswith("xl/worksheets/"):
                data = data.replace(b'r="A2"', b'r="A"', 1)
            target.writestr(item, data)
    with pytest.raises(SourceError, match=r"damaged\.xlsx \[Responses\]: not readable \(ValueError: .*\); open it in a"):
        for table in open_workbook(path, path.name, sheets=None, reader="openpyxl"):
            list(table.rows())


def test_title_rows_blank_and_repeated_headers_and_a_merged_group_header(tmp_path):
    rows = [
        ["Store survey 2024"],
        [],
        ["Submitted", "Store", "Scores", None, None, "Comment", None],
        [None, None, "NPS", "CSAT", "Comment", None, None],
        [datetime(2024, 1, 5), "S1", 9, 5, "ok", "fine", "x"],
    ]
    path = write_xlsx(tmp_path / "report.xlsx", {"Data": rows}, merged={"Data": ["C3:E3"]})
    [grid] = open_workbook(path, path.name, sheets=None)
    [found, *_] = recognize(grid)
    assert (found.format, found.header_row, found.header_rows) == ("plain", 3, 2)
    table = to_table(grid, "plain", LayoutOptions())
    assert [c.key for c in table.columns] == [
        "Submitted", "Store", "Scores - NPS", "Scores - CSAT", "Scores - Comment", "Comment", "Column G",
    ]  # fmt: skip
    [row] = table.rows()
    assert row.number == 5 and row.values["Scores - NPS"] == 9 and row.values["Column G"] == "x"


@pytest.mark.parametrize("down", [False, True], ids=["lower row", "merged down"])
def test_group_titles_over_a_header_whose_own_columns_are_titled_in_its_lower_row(tmp_path, down):
    """Two questions over the same sub-titles ("Wert", "Kommentar"), the other columns titled in
    the lower row (or merged down both): before, the group row — two cells of six — was taken
    for a title row, the columns read as "Wert" and "Wert (2)", and neither was scored, without a
    word. A header of titles of their own (no repeats) under such a row reads as before."""
    rows = [
        ["Kundenbefragung 2024"],
        [],
        [*(["Datum", "Filiale"] if down else [None, None]), "Weiterempfehlung (0-10)", None, "Zufriedenheit (1-5)", None],
        [*([None, None] if down else ["Datum", "Filiale"]), "Wert", "Kommentar", "Wert", "Kommentar"],
        *[[datetime(2024, 1, 2 + n), "Berlin", n % 11, "gut", 1 + n % 5, "ok"] for n in range(12)],
    ]
    merged = ["C3:D3", "E3:F3", *(["A3:A4", "B3:B4"] if down else [])]
    path = write_xlsx(tmp_path / "groups.xlsx", {"Daten": rows}, merged={"Daten": merged})
    [grid] = open_workbook(path, path.name, sheets=None)
    [found, *_] = recognize(grid)
    assert (found.format, found.header_row, found.header_rows) == ("plain", 3, 2)
    table = to_table(grid, "plain", LayoutOptions())
    assert [c.key for c in table.columns] == [
        "Datum", "Filiale", "Weiterempfehlung (0-10) - Wert", "Weiterempfehlung (0-10) - Kommentar",
        "Zufriedenheit (1-5) - Wert", "Zufriedenheit (1-5) - Kommentar",
    ]  # fmt: skip
    chosen = {p.target: p.column for p in inspect_file(path).chosen}
    assert (chosen["nps"], chosen["csat"]) == ("Weiterempfehlung (0-10) - Wert", "Zufriedenheit (1-5) - Wert")
    rows[3] = [*rows[3][:2], "Empfehlung", "Kommentar", "Zufriedenheit", "Notiz"]
    path = write_xlsx(tmp_path / "own.xlsx", {"Daten": rows}, merged={"Daten": merged})
    [found, *_] = recognize(open_workbook(path, path.name, sheets=None)[0])
    assert (found.header_row, found.header_rows) == (3, 2) if down else (4, 1)


def test_a_mapping_of_the_headers_read_before_group_titles_names_the_joined_ones(tmp_path):
    rows = [[None, None, "Empfehlung", None, "Zufriedenheit", None], ["Datum", "Filiale", "Wert", "Notiz", "Wert", "Notiz"],
            [datetime(2024, 1, 2), "Berlin", 9, "gut", 4, "ok"]]  # fmt: skip
    write_xlsx(tmp_path / "groups.xlsx", {"Daten": rows}, merged={"Daten": ["C1:D1", "E1:F1"]})
    source = {"connector": "excel", "path": "groups.xlsx", "columns": {"submitted_at": "Datum", "location_name": "Filiale"},
              "metrics": [{"column": "Wert", "metric": "nps"}]}  # fmt: skip
    with pytest.raises(ConfigError) as refused:
        sync_source(tmp_path, source)
    assert "the mapped column 'Wert' is not in the header; did you mean 'Empfehlung - Wert'?" in str(refused.value)
    source["columns"] = {"submitted_at": "Zeit"}  # none of the mapped columns there, but one as a group's
    with pytest.raises(ConfigError) as refused:
        sync_source(tmp_path, source)
    assert "its header joins the group titles above the columns ('Empfehlung - Wert' for 'Wert')" in str(refused.value)


def test_repeated_titles_are_numbered(tmp_path):
    path = tmp_path / "form.csv"
    path.write_text("Timestamp,Video 1,Video 1,video 1\n1/2/2024 10:00:00,a,b,c\n", encoding="utf-8")
    grid = open_delimited(path, path.name, encoding=None, delimiter=None)
    table = to_table(grid, "google_forms", LayoutOptions())
    assert [c.key for c in table.columns] == ["Timestamp", "Video 1", "Video 1 (2)", "video 1 (3)"]


@pytest.mark.parametrize("shape", ["ndjson", "responses", "array"])
def test_json_exports_stream_record_by_record(tmp_path, shape):
    records = [{"responseId": f"R_{n}", "values": {"QID1": n % 11, "note": "x" * 200}} for n in range(3000)]
    path = tmp_path / "export.json"
    if shape == "ndjson":
        path.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    else:
        path.write_text(json.dumps({"responses": records} if shape == "responses" else records), encoding="utf-8")
    found = open_json(path, path.name)
    read = list(found.records())
    assert len(read) == 3000 and read[-1] == (3000, records[-1])
    assert found.container == shape


def test_a_truncated_json_export_fails_naming_the_record(tmp_path):
    path = tmp_path / "cut.json"
    records = [{"responseId": f"R_{n}", "values": {"QID1": 1}} for n in range(5000)]
    path.write_text(json.dumps({"responses": records})[:-4000], encoding="utf-8")
    with pytest.raises(SourceError, match=r"cut\.json: record \d+ is not valid JSON \(truncated\?\)"):
        list(open_json(path, path.name).records())
