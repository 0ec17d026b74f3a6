"""How far the cells of an .xlsb sheet reach, read from its binary records.

An .xlsb sheet part is a stream of records — a type (1–2 bytes) and a length (1–4 bytes), each
7 bits a byte, then the body — as [MS-XLSB] lays them out. calamine takes a cell's row from the
BrtRowHdr before it and its column from the first four bytes of the cell record, and builds a
dense grid from them: one far cell asks it for billions of cells and the process aborts. Reading
the same numbers first, from the same records, up to BrtEndSheetData where calamine stops, tells
whether the sheet fits; the `<dimension>`-like BrtWsDim is not trusted. A cell record too short
to hold its column (calamine would reuse stale bytes) makes the sheet count as Excel's whole grid.
"""

from __future__ import annotations

from typing import IO

from cxbridge.tabular.sheet_extent import EXCEL_COLUMNS, EXCEL_ROWS, Extent

_ROW_HEADER, _END_SHEET_DATA = 0x0000, 0x0092
_CELLS = range(0x0001, 0x0013)  # BrtCellBlank … BrtShortIsst: the column comes first in each
_CELL_BODY = 8  # column, style and flags: every cell record holds at least these
_CHUNK = 1 << 20
_WHOLE_GRID = Extent(EXCEL_ROWS, EXCEL_COLUMNS)


def xlsb_extent(part: IO[bytes]) -> Extent:
    """The grid (rows × columns from A1) the cells of one .xlsb sheet part span."""
    buffer, at, ended = b"", 0, False
    row = last_row = last_column = 0
    while True:
        if len(buffer) - at < 16 and not ended:  # room for a record's type, length and first 8 bytes
            chunk = part.read(_CHUNK)
            buffer, at, ended = buffer[at:] + chunk, 0, not chunk
        if at >= len(buffer):
            break
        kind, size = buffer[at], buffer[at + 1] if at + 1 < len(buffer) else 0x80
        if kind < 0x80 and size < 0x80:  # most records: a one-byte type and length
            at += 2
        else:
            kind, at = _varint(buffer, at, 2)
            size, at = _varint(buffer, at, 4)
            if kind is None or size is None:
                break  # the stream ends inside a record head: calamine stops there too
        if kind == _END_SHEET_DATA:
            break
        if kind == _ROW_HEADER or kind in _CELLS:
            if size < (4 if kind == _ROW_HEADER else _CELL_BODY):
                return _WHOLE_GRID
            number = int.from_bytes(buffer[at : at + 4], "little")
            if kind == _ROW_HEADER:
                row = number
                if row > EXCEL_ROWS:
                    break  # calamine ends the sheet at an impossible row
            else:
                last_row, last_column = max(last_row, row), max(last_column, number)
        at += size
        if at > len(buffer):  # a body longer than what is buffered: skip the rest of it
            ended = ended or not _skip(part, at - len(buffer))
            buffer, at = b"", 0
    return Extent(max(last_row + 1, 1), max(last_column + 1, 1))


def _skip(part: IO[bytes], count: int) -> bool:
    """Reads past `count` bytes a chunk at a time; False when the part ends first."""
    while count:
        skipped = part.read(min(count, _CHUNK))
        if not skipped:
            return False
        count -= len(skipped)
    return True


def _varint(buffer: bytes, at: int, most: int) -> tuple[int | None, int]:
    """A record's type (up to 2 bytes) or length (up to 4), 7 bits a byte, as calamine reads them."""
    value = 0
    for index in range(most):
        if at >= len(buffer):
            return None, at
        byte = buffer[at]
        at += 1
        value |= (byte & 0x7F) << (7 * index)
        if not byte & 0x80:
            break
    return value, at
