"""Hostile and odd input files (issue 13): a quote left open, classic Mac OS line endings and
poison cells are reported or quarantined by row, never imported short with a ✔ and never
reported as a plugin bug."""

from __future__ import annotations

import csv
import io
import json
import math
import re
import struct
import zipfile

import openpyxl
import pytest
from click.testing import CliRunner
from cxbridge.cli.main import cli

from cxbridge import plugins_host
from cxbridge.tabular.delimited import detect_delimiter
from cxbridge.tabular.json_records import array_records
from cxbridge.tabular.sheet_extent import Extent, widest_sheet
from cxbridge.tabular.workbook import open_workbook, reading
from tests.sqlite_runs import query, sync_source
from tests.workbooks import write_xlsb, write_xlsx

SOURCE = {
    "connector": "csv", "path": "responses.csv", "timezone": "UTC",
    "columns": {"id": "id", "submitted_at": "submitted", "comment": "comment"},
    "metrics": [{"column": "nps", "metric": "nps"}, {"column": "csat", "metric": "csat", "scale": [1, 5]}],
}  # fmt: skip
HEADER = "id,submitted,nps,csat,comment\n"


@pytest.fixture(autouse=True)
def fresh_host(monkeypatch):
    monkeypatch.setattr(plugins_host, "_host", None)


def good_rows(count: int, *, start: int = 1) -> str:
    return "".join(
        f"R{n},2024-01-{n % 28 + 1:02d} 10:00,{n % 11},{n % 5 + 1},fine\n" for n in range(start, start + count)
    )


def stored_ids(folder) -> list[str]:
    return sorted(row[0] for row in query(folder, "SELECT source_record_id FROM feedback"))


def test_a_quote_left_open_fails_the_file_naming_its_row_and_the_rows_before_it_are_kept(tmp_path):
    before, after = good_rows(250), good_rows(3, start=300)
    broken = 'R299,2024-02-01 10:00,9,5,"Great service\n'
    (tmp_path / "responses.csv").write_text(HEADER + before + broken + after)
    result = sync_source(tmp_path, SOURCE)
    assert result.status == "failed" and result.written == 250
    assert result.error.startswith("responses.csv: row 252 (line 252) opens a quoted cell that is never closed")
    assert "taking in the 3 lines after it" in result.error
    assert stored_ids(tmp_path) == sorted(f"R{n}" for n in range(1, 251))

    (tmp_path / "responses.csv").write_text(HEADER + before + broken.replace("service\n", 'service"\n') + after)
    fixed = sync_source(tmp_path, SOURCE)
    assert (fixed.status, fixed.written, fixed.unchanged) == ("success", 4, 250)


def test_a_quote_left_open_on_the_first_data_row_writes_nothing(tmp_path):
    (tmp_path / "responses.csv").write_text(HEADER + 'R1,2024-01-01 10:00,9,5,"Great\nR2,2024-01-02 10:00,7,4,ok\n')
    result = sync_source(tmp_path, SOURCE)
    assert (result.status, result.read, result.written) == ("failed", 0, 0)
    assert "row 2 (line 2) opens a quoted cell that is never closed" in result.error


def test_a_row_spanning_more_than_max_row_lines_fails_but_a_comment_with_line_breaks_reads(tmp_path):
    comment = 'R1,2024-01-01 10:00,9,5,"first line\nsecond line\nthird line"\n'
    swallowed = 'R2,x,1,1,"opened here\n' + good_rows(6, start=10) + 'R99,2024-01-01 10:00,1,1,"closed far below"\n'
    (tmp_path / "responses.csv").write_text(HEADER + comment)
    assert sync_source(tmp_path, SOURCE | {"max_row_lines": 5}).written == 1
    assert query(tmp_path, "SELECT comment FROM feedback") == [("first line\nsecond line\nthird line",)]

    (tmp_path / "responses.csv").write_text(HEADER + comment + swallowed)
    result = sync_source(tmp_path, SOURCE | {"max_row_lines": 5})
    assert result.status == "failed" and "row 3 (line 5) runs over more than 5 lines" in result.error
    assert "'max_row_lines'" in result.error


def test_a_cell_over_the_size_limit_names_its_row(tmp_path):
    (tmp_path / "responses.csv").write_text(HEADER + good_rows(2) + f'R3,2024-01-01 10:00,9,5,"{"x" * 2000}"\n')
    limit = csv.field_size_limit(1000)
    try:
        result = sync_source(tmp_path, SOURCE)
    finally:
        csv.field_size_limit(limit)
    assert result.status == "failed" and "responses.csv: row 4: malformed CSV (field larger than field limit" in (
        result.error
    )


def test_classic_mac_line_endings_are_sniffed_and_read_like_any_others(tmp_path):
    lines = ["id;submitted;nps;csat;comment", "R1;2024-01-01 10:00;9;5;good, fine", "R2;2024-01-02 10:00;7;4;ok",
             "R3;2024-01-03 10:00;3;2;bad, awful", 'R4;2024-01-04 10:00;10;5;"two\rlines"']  # fmt: skip
    text = "\r".join(lines) + "\r"
    assert detect_delimiter(text).delimiter == ";"
    (tmp_path / "responses.csv").write_bytes(text.encode())
    result = sync_source(tmp_path, SOURCE)
    assert (result.status, result.read, result.written) == ("success", 4, 4)
    assert query(tmp_path, "SELECT source_record_id, nps, csat, comment FROM feedback ORDER BY 1") == [
        ("R1", 9, 5.0, "good, fine"), ("R2", 7, 4.0, "ok"), ("R3", 3, 2.0, "bad, awful"), ("R4", 10, 5.0, "two\rlines"),
    ]  # fmt: skip


POISON = {
    "R2": ("2024-01-02 10:00", "²", "4", "question 'nps': answer '²' is neither a number nor a known label"),
    "R3": ("2024-01-03 10:00", "7", "³", "question 'csat': answer '³' is neither a number nor a known label"),
    "R4": ("2024-01-04 10:00+25:00", "7", "4", "timestamp '2024-01-04 10:00+25:00' has the impossible UTC offset"),
    "R5": ("2024-01-05 10:00-23:60", "7", "4", "has the impossible UTC offset -23:60"),
    "R6": ("0001-01-01T00:00+05:00", "7", "4", "is outside the years 1–9999 once in UTC"),
    "R7": ("9999-12-31 23:59-05:00", "7", "4", "is outside the years 1–9999 once in UTC"),
}


def poison_file(folder) -> None:
    rows = [f"{key},{when},{nps},{csat},poison" for key, (when, nps, csat, _) in POISON.items()]
    (folder / "responses.csv").write_text(HEADER + good_rows(1) + "\n".join(rows) + "\n" + good_rows(1, start=8))


def test_poison_cells_are_quarantined_with_their_reason_and_the_rows_after_them_import(tmp_path):
    poison_file(tmp_path)
    result = sync_source(tmp_path, SOURCE)
    assert (result.status, result.read, result.written, result.quarantined) == ("success", 8, 2, 6)
    assert stored_ids(tmp_path) == ["R1", "R8"]
    errors = dict(query(tmp_path, "SELECT source_record_id, error FROM quarantine"))
    assert errors.keys() == POISON.keys()
    for key, (*_, reason) in POISON.items():
        assert reason in errors[key], key
    again = sync_source(tmp_path, SOURCE | {"format": "plain"}, full_refresh=True)
    assert (again.status, again.written, again.quarantined) == ("success", 0, 6)


def test_cxbridge_import_reports_poison_cells_without_a_traceback(tmp_path):
    poison_file(tmp_path)
    result = CliRunner().invoke(cli, ["import", str(tmp_path / "responses.csv"), "-d", f"sqlite:///{tmp_path}/x.db"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output and "a bug in" not in result.output
    assert "8 read" in result.output


@pytest.mark.parametrize("byte_order", ["utf-16-le", "utf-16-be"])
def test_encoding_utf16_reads_a_file_without_a_byte_order_mark_by_its_zero_bytes(tmp_path, byte_order):
    (tmp_path / "responses.csv").write_bytes((HEADER + good_rows(3)).encode(byte_order))
    result = sync_source(tmp_path, SOURCE | {"encoding": "utf-16"})
    assert (result.status, result.written) == ("success", 3)
    assert stored_ids(tmp_path) == ["R1", "R2", "R3"]


@pytest.mark.parametrize(
    ("encoding", "message"),
    [
        (
            "utf-16",
            "responses.csv: encoding = 'utf-16', but the file has no byte-order mark and does not read as UTF-16",
        ),
        ("utf-32", "responses.csv: not readable as utf-32 (UTF-32 stream does not start with BOM); set 'encoding'"),
    ],
)
def test_an_encoding_the_file_is_not_in_is_a_data_error_naming_the_file(tmp_path, encoding, message):
    (tmp_path / "responses.csv").write_text(HEADER + good_rows(3))
    result = sync_source(tmp_path, SOURCE | {"encoding": encoding})
    assert result.status == "failed" and result.error.startswith(message) and "a bug in" not in result.error


def test_a_json_file_that_is_not_utf8_is_a_data_error_naming_the_file(tmp_path):
    records = [{"id": "R1", "submitted": "2024-01-01T10:00:00Z", "nps": 9, "comment": "Très bien"}]
    (tmp_path / "responses.json").write_bytes(json.dumps(records, ensure_ascii=False).encode("cp1252"))
    source = {
        "connector": "json",
        "path": "responses.json",
        "format": "plain_json",
        "columns": {"id": "id", "submitted_at": "submitted"},
        "metrics": [{"column": "nps", "metric": "nps"}],
    }
    result = sync_source(tmp_path, source)
    assert result.status == "failed" and result.error.startswith("responses.json: not UTF-8 text (invalid")
    assert "JSON is always UTF-8" in result.error


class CountingReads(io.StringIO):
    """A text stream that counts the reads made of it and the characters they returned."""

    reads = characters = 0

    def read(self, size: int | None = -1) -> str:
        text = super().read(size)
        self.reads, self.characters = self.reads + 1, self.characters + len(text)
        return text


@pytest.mark.parametrize("megabytes", [1, 8])
def test_a_large_json_record_is_read_in_a_number_of_reads_that_grows_with_the_log_of_its_size(megabytes):
    answers = {f"QID{n}_TEXT": "x" * 80 for n in range(megabytes * 10_000)}
    text = json.dumps({"responses": [{"responseId": "R_1"}, {"responseId": "R_2", "values": answers}]})
    stream = CountingReads(text)
    records = list(array_records(stream, "big.json", "responses"))
    assert [record["responseId"] for _, record in records] == ["R_1", "R_2"]
    assert records[1][1]["values"] == answers
    # each retry reads as much again as is buffered: log2(size / 64 KiB) reads, not size / 64 KiB
    assert stream.reads <= math.ceil(math.log2(len(text) / 65536)) + 3
    assert stream.characters == len(text)


EXCEL = {
    "connector": "excel", "path": "book.xlsx", "timezone": "UTC",
    "columns": {"id": "id", "submitted_at": "submitted"}, "metrics": [{"column": "nps", "metric": "nps"}],
}  # fmt: skip


def sheet_rows(count: int) -> list[list]:
    return [["id", "submitted", "nps"]] + [
        [f"R{n}", f"2024-01-{n % 28 + 1:02d} 10:00", n % 11] for n in range(1, count + 1)
    ]


def rewrite_sheet(path, change) -> None:
    """The workbook at `path` with its first sheet's XML passed through `change`."""
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    name = "xl/worksheets/sheet1.xml"
    parts[name] = change(parts[name].decode()).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for part, data in parts.items():
            archive.writestr(part, data)


@pytest.mark.parametrize("reader", ["auto", "openpyxl"])
def test_a_workbook_whose_dimension_claims_fewer_rows_is_read_to_its_last_row(tmp_path, reader):
    write_xlsx(tmp_path / "book.xlsx", {"Visits": sheet_rows(1500)})
    rewrite_sheet(
        tmp_path / "book.xlsx", lambda xml: re.sub(r'<dimension ref="[^"]+"', '<dimension ref="A1:C999"', xml)
    )
    result = sync_source(tmp_path, EXCEL | {"reader": reader})
    assert (result.status, result.read, result.written) == ("success", 1500, 1500)
    assert stored_ids(tmp_path) == sorted(f"R{n}" for n in range(1, 1501))


def stray_cell_workbook(path, cell: str = "XFD1048576"):
    write_xlsx(path, {"Visits": sheet_rows(3)})
    book = openpyxl.load_workbook(path)
    book["Visits"][cell] = "stray"
    book.save(path)
    return path


def test_one_stray_cell_at_xfd1048576_is_streamed_not_allocated_and_its_row_is_accounted_for(tmp_path):
    path = stray_cell_workbook(tmp_path / "book.xlsx")
    assert path.stat().st_size < 10_000
    assert widest_sheet(path, "book.xlsx") == Extent(rows=1_048_576, columns=16_384)
    assert reading(path, "auto", "book.xlsx").engine == "openpyxl"  # calamine would ask for 512 GiB and abort
    [grid] = open_workbook(path, "book.xlsx", sheets=None, reader="openpyxl")  # did not trust <dimension> either
    rows = [(number, [cell for cell in cells if cell is not None]) for number, cells in grid.rows() if any(cells)]
    assert rows[-1] == (1_048_576, ["stray"]) and len(rows) == 5
    result = sync_source(tmp_path, EXCEL)
    assert (result.status, result.read, result.written, result.quarantined) == ("success", 4, 3, 1)
    [(error,)] = query(tmp_path, "SELECT error FROM quarantine")
    assert "id column 'id' is empty" in error


def test_reader_calamine_on_a_sheet_it_cannot_hold_fails_clearly(tmp_path):
    stray_cell_workbook(tmp_path / "book.xlsx")
    result = sync_source(tmp_path, EXCEL | {"reader": "calamine"})
    assert result.status == "failed" and result.written == 0
    assert result.error == (
        "book.xlsx: a sheet may span up to 1,048,576 rows × 16,384 columns, more than calamine holds in memory "
        "(20,000,000 cells); use reader = 'auto' or 'openpyxl', which stream it"
    )


@pytest.mark.parametrize(
    ("reader", "message"),
    [
        ("auto", "book.xlsx: a sheet reaches row 2,000,000, beyond Excel's 1,048,576 rows × 16,384 columns"),
        ("openpyxl", "book.xlsx: a sheet reaches row 2,000,000, beyond Excel's 1,048,576 rows × 16,384 columns"),
    ],
)
def test_a_cell_beyond_excels_limits_fails_the_file_clearly(tmp_path, reader, message):
    write_xlsx(tmp_path / "book.xlsx", {"Visits": sheet_rows(3)})
    far = '<row r="2000000"><c r="A2000000" t="n"><v>1</v></c></row></sheetData>'
    rewrite_sheet(tmp_path / "book.xlsx", lambda xml: xml.replace("</sheetData>", far))
    result = sync_source(tmp_path, EXCEL | {"reader": reader})
    assert result.status == "failed" and result.written == 0
    assert result.error.startswith(message), result.error


@pytest.mark.parametrize("separator", ["\n", "\t", "\r"])
def test_a_stray_cell_behind_another_white_space_before_its_reference_is_found_too(tmp_path, separator):
    path = stray_cell_workbook(tmp_path / "book.xlsx", "AZ70000")
    rewrite_sheet(path, lambda xml: xml.replace(' r="AZ70000"', f'{separator}r="AZ70000"'))
    assert widest_sheet(path, "book.xlsx") == Extent(rows=70_000, columns=52)


WHOLE_GRID = Extent(rows=1_048_576, columns=16_384)


@pytest.mark.parametrize(
    ("change", "extent"),
    [
        # found by the fuzz campaign: a far row in a cell's reference inside <row r="1">
        (lambda xml: xml.replace('<c r="A1"', '<c r="A999991"'), Extent(rows=999_991, columns=26)),
        (lambda xml: xml.replace('r="A2"', "r='XFD999999'"), Extent(rows=999_999, columns=16_384)),
        (lambda xml: xml.replace('<c r="A2" ', "<c "), WHOLE_GRID),  # a cell without a reference
        (lambda xml: xml.replace('<row r="2"', "<row"), WHOLE_GRID),  # a row without a number
        (
            lambda xml: xml.replace('<c r="A2"', '<x:c xmlns:x="urn:x" r="A2"').replace(
                '</c></row><row r="3"', '</x:c></row><row r="3"'
            ),
            WHOLE_GRID,
        ),
        (lambda xml: xml.replace('<c r="A2"', '<c r="a2"'), WHOLE_GRID),  # a reference of another form
    ],
    ids=["far-row-in-a-cell", "single-quotes", "no-reference", "no-row-number", "prefixed-cell", "lower-case"],
)
def test_a_sheet_written_unlike_a_spreadsheet_program_is_not_vouched_for_calamine(tmp_path, change, extent):
    path = write_xlsx(tmp_path / "book.xlsx", {"Visits": sheet_rows(3)})
    rewrite_sheet(path, change)
    assert widest_sheet(path, "book.xlsx") == extent
    assert reading(path, "auto", "book.xlsx").engine == ("calamine" if extent.cells <= 20_000_000 else "openpyxl")


ODS_CONTENT = (
    '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body>'
    '<office:spreadsheet><table:table table:name="Visits"><table:table-row><table:table-cell '
    'office:value-type="string"><text:p>id</text:p></table:table-cell></table:table-row>'
    '<table:table-row table:number-rows-repeated="1048575"><table:table-cell table:number-columns-repeated="16384" '
    'office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell></table:table-row>'
    "</table:table></office:spreadsheet></office:body></office:document-content>"
)


ODS_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
    'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry '
    'manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
)


def test_an_opendocument_sheet_repeating_a_cell_over_billions_of_cells_fails_clearly(tmp_path):
    with zipfile.ZipFile(tmp_path / "book.ods", "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", ODS_CONTENT)
        archive.writestr("META-INF/manifest.xml", ODS_MANIFEST)
    assert (tmp_path / "book.ods").stat().st_size < 2_000
    result = sync_source(tmp_path, EXCEL | {"path": "book.ods"})
    assert result.status == "failed" and result.written == 0
    assert result.error.startswith("book.ods: not a readable workbook (CalamineError: Cell limit exceeded (17179869184")


def test_an_xlsb_workbook_reads_every_row_after_its_extent_is_checked(tmp_path):
    write_xlsb(tmp_path / "book.xlsb", {"Notes": [["x"]], "Visits": sheet_rows(40)})
    assert widest_sheet(tmp_path / "book.xlsb", "book.xlsb") == Extent(rows=41, columns=3)
    result = sync_source(tmp_path, EXCEL | {"path": "book.xlsb", "sheets": ["Visits"]})
    assert (result.status, result.read, result.written) == ("success", 40, 40)
    assert stored_ids(tmp_path) == sorted(f"R{n}" for n in range(1, 41))


XLSB_TOO_WIDE = (
    "book.xlsb: a sheet may span up to 1,048,576 rows × 16,384 columns, more than can be read from an .xlsb workbook "
    "(20,000,000 cells); save it as .xlsx (read as a stream) or export the sheet as CSV"
)


def test_one_far_cell_in_an_xlsb_sheet_fails_the_file_clearly_instead_of_aborting_the_process(tmp_path):
    # calamine would build a 17-billion-cell grid from these 2 KB (512 GiB) and abort the process
    path = write_xlsb(tmp_path / "book.xlsb", {"Visits": sheet_rows(3)}, far_cells={"Visits": [(1_048_575, 16_383)]})
    assert path.stat().st_size < 2_000
    result = sync_source(tmp_path, EXCEL | {"path": "book.xlsb"})
    assert (result.status, result.written, result.error) == ("failed", 0, XLSB_TOO_WIDE)
    assert query(tmp_path, "SELECT count(*) FROM feedback") == [(0,)]


def test_the_xlsb_extent_is_read_from_cell_records_not_from_the_dimension_record(tmp_path):
    path = write_xlsb(tmp_path / "book.xlsb", {"Visits": sheet_rows(3)}, far_cells={"Visits": [(69_999, 51)]})
    rewrite_part(
        path, "xl/worksheets/sheet1.bin", lambda data: data.replace(struct.pack("<4I", 0, 69_999, 0, 51), bytes(16))
    )
    assert widest_sheet(path, "book.xlsb") == Extent(rows=70_000, columns=52)
    assert reading(path, "auto", "book.xlsb").engine == "calamine"


def rewrite_part(path, name: str, change, *, rename: str | None = None) -> None:
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    parts[rename or name] = change(parts.pop(name))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for part, data in parts.items():
            archive.writestr(part, data)


def test_an_xlsb_cell_record_too_short_for_its_column_counts_as_the_whole_grid(tmp_path):
    # calamine would take the column from the bytes an earlier, longer record left in its buffer
    path = write_xlsb(tmp_path / "book.xlsb", {"Visits": sheet_rows(3)})
    short_cell = bytes([0x05, 0x00])  # BrtCellReal with an empty body
    rewrite_part(
        path,
        "xl/worksheets/sheet1.bin",
        lambda data: data.replace(bytes([0x92, 0x01, 0x00]), short_cell + bytes([0x92, 0x01, 0x00])),
    )
    assert widest_sheet(path, "book.xlsb") == WHOLE_GRID
    result = sync_source(tmp_path, EXCEL | {"path": "book.xlsb"})
    assert (result.status, result.error) == ("failed", XLSB_TOO_WIDE)


def test_a_sheet_part_named_in_another_case_is_scanned_as_calamine_finds_it(tmp_path):
    path = write_xlsb(tmp_path / "book.xlsb", {"Visits": sheet_rows(3)}, far_cells={"Visits": [(1_048_575, 16_383)]})
    rewrite_part(path, "xl/worksheets/sheet1.bin", lambda data: data, rename="XL/Worksheets/Sheet1.bin")
    assert widest_sheet(path, "book.xlsb") == WHOLE_GRID
    # calamine finds xl/worksheets/sheet1.xml under this name too: the stray cell must still be seen
    path = stray_cell_workbook(tmp_path / "book.xlsx")
    rewrite_part(path, "xl/worksheets/sheet1.xml", lambda data: data, rename="XL\\Worksheets\\Sheet1.xml")
    assert widest_sheet(path, "book.xlsx") == WHOLE_GRID
    assert reading(path, "auto", "book.xlsx").engine == "openpyxl"
