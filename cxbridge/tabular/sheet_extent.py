"""How far the cells of an xlsx workbook's sheets reach, read from the sheets' XML itself and
not from the `<dimension>` they claim.

calamine holds a sheet as a dense grid from its first cell to its last: one stray cell at
XFD1048576 in a 5 KB file asks it for 17 billion cells (512 GiB), and the process aborts.
Scanning the XML first is cheap (the row numbers and the cells past column Z, found by regular
expressions over the decompressed bytes: about a quarter of calamine's own reading time) and
tells the reader when to stream the sheet instead.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from cxbridge.errors import SourceError

EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384
# A row's r is its number, a cell's its reference (AB12); only cells past column Z are collected.
# Attributes are almost always separated by spaces, which a literal prefix finds fast; a part
# that separates one by another white-space character is searched with the slower patterns.
_ROW, _ANY_ROW = re.compile(rb' r="(\d+)"'), re.compile(rb'\sr="(\d+)"')
_WIDE_CELL, _ANY_WIDE_CELL = re.compile(rb' r="([A-Z]{2,})\d'), re.compile(rb'\sr="([A-Z]{2,})\d')
_OTHER_SPACES = (b'\tr="', b'\nr="', b'\rr="')
_CHUNK = 1 << 20
_OVERLAP = 256  # a tag cut by a chunk boundary is matched in the next chunk


@dataclass(frozen=True)
class Extent:
    rows: int
    columns: int

    @property
    def cells(self) -> int:
        return self.rows * self.columns


def widest_sheet(path: Path, identity: str) -> Extent:
    """The largest grid (rows × columns from A1) any worksheet of the xlsx/xlsm file spans; one
    beyond Excel's own limits is a SourceError."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = [info for info in archive.infolist() if info.filename.startswith("xl/worksheets/")]
            extents = [_extent(archive, info) for info in parts if info.filename.endswith(".xml")]
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise SourceError(f"{identity}: not a readable workbook ({type(exc).__name__}: {exc})") from None
    widest = max(extents, key=lambda extent: extent.cells, default=Extent(0, 0))
    if widest.rows > EXCEL_ROWS or widest.columns > EXCEL_COLUMNS:
        raise SourceError(
            f"{identity}: a sheet claims {widest.rows:,} rows × {widest.columns:,} columns, beyond Excel's "
            f"{EXCEL_ROWS:,} × {EXCEL_COLUMNS:,}: the file is damaged or was not written by a spreadsheet; not read"
        )
    return widest


def _extent(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Extent:
    rows, columns = 0, 1
    tail = b""
    with archive.open(info) as part:
        while chunk := part.read(_CHUNK):
            text = tail + chunk
            plain = not any(space in text for space in _OTHER_SPACES)
            if found := set((_ROW if plain else _ANY_ROW).findall(text)):
                rows = max(rows, *map(int, found))
            if wide := set((_WIDE_CELL if plain else _ANY_WIDE_CELL).findall(text)):
                columns = max(columns, *map(column_number, wide))
            tail = text[-_OVERLAP:]
    return Extent(rows, columns)


def column_number(letters: bytes) -> int:
    """b"A" → 1, b"Z" → 26, b"AA" → 27, b"XFD" → 16384."""
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number
