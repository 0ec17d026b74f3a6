"""Writing test workbooks in each format with its own library (openpyxl, xlwt, odfpy), so that
reading them back through python-calamine is a real round trip."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

Sheets = dict[str, list[list[Any]]]


def write_xlsx(path: Path, sheets: Sheets, *, merged: dict[str, list[str]] | None = None) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        for cells in (merged or {}).get(name, []):
            sheet.merge_cells(cells)
    book.save(path)
    return path


def write_xls(path: Path, sheets: Sheets) -> Path:
    import xlwt

    book = xlwt.Workbook()
    dates = xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm")
    for name, rows in sheets.items():
        sheet = book.add_sheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, datetime | date):
                    sheet.write(r, c, value, dates)
                elif value is not None:
                    sheet.write(r, c, value)
    book.save(str(path))
    return path


def write_ods(path: Path, sheets: Sheets) -> Path:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    for name, rows in sheets.items():
        table = Table(name=name)
        for row in rows:
            table_row = TableRow()
            for value in row:
                table_row.addElement(_ods_cell(value, TableCell, P))
            table.addElement(table_row)
        document.spreadsheet.addElement(table)
    document.save(str(path))
    return path


def _ods_cell(value: Any, TableCell, P):  # noqa: N803 - odfpy's element classes
    if value is None:
        return TableCell()
    if isinstance(value, datetime):
        cell = TableCell(valuetype="date", datevalue=value.isoformat())
    elif isinstance(value, int | float):
        cell = TableCell(valuetype="float", value=value)
    else:
        cell = TableCell(valuetype="string")
    cell.addElement(P(text=str(value)))
    return cell


def write_xlsb(path: Path, sheets: Sheets, *, far_cells: dict[str, list[tuple[int, int]]] | None = None) -> Path:
    """An .xlsb workbook written record by record as [MS-XLSB] lays it out (no library writes the
    format): numbers as BrtCellReal, text as BrtCellSt. `far_cells` adds, per sheet, a number 1 at
    each (row index, column index) from 0, past the rows, as a hand-made hostile file would."""
    import zipfile

    names = list(sheets)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _XLSB_CONTENT_TYPES)
        archive.writestr("_rels/.rels", _XLSB_ROOT_RELS)
        archive.writestr("xl/_rels/workbook.bin.rels", _xlsb_workbook_rels(len(names)))
        archive.writestr("xl/workbook.bin", _xlsb_workbook(names))
        for number, name in enumerate(names, start=1):
            cells = [(r, c, value) for r, row in enumerate(sheets[name]) for c, value in enumerate(row)]
            cells += [(r, c, 1) for r, c in (far_cells or {}).get(name, [])]
            archive.writestr(f"xl/worksheets/sheet{number}.bin", _xlsb_sheet(cells))
    return path


def _record(kind: int, body: bytes = b"") -> bytes:
    head = bytes([kind]) if kind < 0x80 else bytes([(kind & 0x7F) | 0x80, kind >> 7])
    size, length = len(body), bytearray()
    while True:
        length.append((size & 0x7F) | (0x80 if size > 0x7F else 0))
        size >>= 7
        if not size:
            break
    return head + bytes(length) + body


def _wide(text: str) -> bytes:
    return len(text).to_bytes(4, "little") + text.encode("utf-16-le")


def _xlsb_workbook(names: list[str]) -> bytes:
    sheets = b"".join(
        _record(0x9C, (0).to_bytes(4, "little") + n.to_bytes(4, "little") + _wide(f"rId{n}") + _wide(name))
        for n, name in enumerate(names, start=1)
    )
    return _record(0x83) + _record(0x8F) + sheets + _record(0x90) + _record(0x84)


def _xlsb_sheet(cells: list[tuple[int, int, Any]]) -> bytes:
    import struct

    rows: dict[int, list[tuple[int, Any]]] = {}
    for r, c, value in cells:
        rows.setdefault(r, []).append((c, value))
    last_row, last_column = max(rows, default=0), max((c for _, c, _ in cells), default=0)
    body = [_record(0x81), _record(0x94, struct.pack("<4I", 0, last_row, 0, last_column)), _record(0x91)]
    for r in sorted(rows):
        body.append(_record(0x00, struct.pack("<IIH", r, 0, 0) + bytes(7)))  # BrtRowHdr
        for c, value in sorted(rows[r], key=lambda cell: cell[0]):
            head = struct.pack("<II", c, 0)  # column, style and flags
            if value is None:
                continue
            if isinstance(value, int | float):
                body.append(_record(0x05, head + struct.pack("<d", value)))  # BrtCellReal
            else:
                body.append(_record(0x06, head + _wide(str(value))))  # BrtCellSt
    return b"".join(body) + _record(0x92) + _record(0x82)


def _xlsb_workbook_rels(count: int) -> str:
    relations = "".join(
        f'<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        f'worksheet" Target="worksheets/sheet{n}.bin"/>'
        for n in range(1, count + 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{relations}</Relationships>'
    )


_XLSB_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/>'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.bin" ContentType="application/vnd.ms-excel.worksheet"/></Types>'
)
_XLSB_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.bin"/></Relationships>'
)
