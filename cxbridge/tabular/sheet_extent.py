"""How far the cells of an xlsx workbook's sheets reach, read from the sheets' XML itself and
not from the `<dimension>` they claim.

calamine holds a sheet as a dense grid from its first cell to its last: one stray cell at
XFD1048576 in a 5 KB file asks it for 17 billion cells (512 GiB), and the process aborts.
Scanning the XML first (every `<c r="…">` and `<row r="…">` found by regular expressions over
the decompressed bytes) costs about as much again as calamine's own reading of the sheet, a
fraction of an import, and tells the reader when to stream the sheet instead. Only a sheet
written the way spreadsheet programs write one — every row and cell tag unprefixed, with its
`r` first — is vouched for; a cell without a reference, or one written any other way, could
sit anywhere, so such a sheet is taken to span Excel's whole grid.
"""

from __future__ import annotations

import html
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO

from cxbridge.errors import SourceError

EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384
_CELL = re.compile(rb'<c r="[A-Z]{1,3}(\d+)"')  # every cell's row
_WIDE_CELL = re.compile(rb'<c r="([A-Z]{2,3})\d')  # the cells past column Z: rare, so cheap
_ROW = re.compile(rb'<row r="(\d+)"')
_CELL_TAGS, _ROW_TAGS = (b"<c ", b"<c>", b"<c/"), (b"<row ", b"<row>", b"<row/")
_ERROR_CELL = re.compile(rb'<c [^>]*t="e"')  # a cell showing a formula's error (#DIV/0!, #REF!, #N/A…)
_PREFIXED_TAG = re.compile(rb":(?:c|row)[ >/]")  # <x:c …>: a colon is rare in a sheet, so this is cheap
_SPACES = bytes.maketrans(b"\t\n\r'", b'   "')  # any white space as a space, any quote as "
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Extent:
    rows: int
    columns: int
    formula_errors: bool = False
    """Whether a cell shows a formula's error (`#DIV/0!`): calamine reads such a cell as empty."""
    percent_cells: bool = False
    """Whether a cell is formatted as a percentage (it shows 85 % and holds 0.85): calamine reads
    the 0.85, and an audit's 85 points would become 0.85."""

    @property
    def cells(self) -> int:
        return self.rows * self.columns


def widest_sheet(path: Path, identity: str) -> Extent:
    """The largest grid (rows × columns from A1) any worksheet of the xlsx/xlsm/xlsb file spans,
    and whether any shows a formula's error or a percentage (xlsx/xlsm); one beyond Excel's own
    limits is a SourceError. Part names are compared as calamine finds them: `\\` as `/`, in any
    case."""
    from cxbridge.tabular.xlsb_extent import xlsb_extent

    binary = path.suffix.lower() == ".xlsb"
    try:
        with zipfile.ZipFile(path) as archive:
            extents = []
            percent = None if binary else _percent_cell(archive)
            for info in archive.infolist():
                name = info.filename.replace("\\", "/").lower()
                if name.startswith("xl/worksheets/") and (binary or name.endswith(".xml")):
                    with archive.open(info) as part:
                        extents.append(xlsb_extent(part) if binary else _extent(part, percent))
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise unreadable_workbook(path, identity, exc) from None
    widest = max(extents, key=lambda extent: extent.cells, default=Extent(0, 0))
    if widest.rows > EXCEL_ROWS or widest.columns > EXCEL_COLUMNS:
        raise SourceError(f"{identity}: {beyond_excel(widest.rows, widest.columns)}")
    return replace(widest, formula_errors=any(extent.formula_errors for extent in extents),
                   percent_cells=any(extent.percent_cells for extent in extents))  # fmt: skip


def beyond_excel(rows: int, columns: int) -> str:
    """Why a sheet past Excel's own grid is not read."""
    reach = f"row {rows:,}" if columns <= EXCEL_COLUMNS else f"{rows:,} rows × {columns:,} columns"
    return (
        f"a sheet reaches {reach}, beyond Excel's {EXCEL_ROWS:,} rows × {EXCEL_COLUMNS:,} columns: the file is "
        "damaged or was not written by a spreadsheet program; not read"
    )


def _extent(part: IO[bytes], percent_cell: re.Pattern[bytes] | None = None) -> Extent:
    rows, columns, errors, percent = 1, 26, False, False  # columns A to Z are not collected: counted as all 26
    for number, piece in enumerate(xml_pieces(part)):
        piece = piece.translate(_SPACES)
        cell_rows, numbered_rows = _CELL.findall(piece), _ROW.findall(piece)
        if not _as_spreadsheets_write(piece, cell_rows, numbered_rows, first=number == 0):
            return Extent(EXCEL_ROWS, EXCEL_COLUMNS)
        rows = max(rows, *map(int, set(cell_rows) | set(numbered_rows) | {b"1"}))
        columns = max(columns, *map(column_number, set(_WIDE_CELL.findall(piece)) | {b"A"}))
        errors = errors or (b't="e"' in piece and _ERROR_CELL.search(piece) is not None)
        percent = percent or (percent_cell is not None and percent_cell.search(piece) is not None)
    return Extent(rows, columns, errors, percent)


def percent_format(code: str) -> bool:
    """Whether a number format shows its number as a percentage (`0%`, `0.0%;[Red]-0.0%`), not a
    `%` in quotes or escaped (`0" %"`, `0\\%`), which shows the number as it is."""
    return "%" in _LITERALS.sub("", code)


_LITERALS = re.compile(r'"[^"]*"|\\.')
_BUILTIN_PERCENT = {9, 10}  # 0% and 0.00%
_XFS = re.compile(rb"<cellXfs\b[^>]*>(.*?)</cellXfs>", re.DOTALL)
_XF = re.compile(rb"<xf\b([^>]*)>")
_NUM_FMT = re.compile(rb"<numFmt\b([^>]*)>")
_ATTRIBUTE = re.compile(rb'(\w+)="([^"]*)"')


def _percent_cell(archive: zipfile.ZipFile) -> re.Pattern[bytes] | None:
    """A pattern finding a cell styled as a percentage in a sheet's XML (quotes as `_SPACES`
    leaves them), or None when no cell style of the workbook is one."""
    try:
        styles = archive.read("xl/styles.xml").translate(_SPACES)
    except KeyError:
        return None
    codes = {}
    for tag in _NUM_FMT.findall(styles):
        attributes = dict(_ATTRIBUTE.findall(tag))
        if attributes.get(b"numFmtId", b"").isdigit():
            codes[int(attributes[b"numFmtId"])] = html.unescape(attributes.get(b"formatCode", b"").decode("utf-8", "replace"))
    xfs = _XFS.search(styles)
    ids = [dict(_ATTRIBUTE.findall(tag)).get(b"numFmtId", b"0") for tag in _XF.findall(xfs.group(1))] if xfs else []
    percent = [
        str(index).encode() for index, number in enumerate(ids)
        if number.isdigit() and (int(number) in _BUILTIN_PERCENT or percent_format(codes.get(int(number), "")))
    ]  # fmt: skip
    return re.compile(rb'<c r="[A-Z]{1,3}\d+"[^>]* s="(?:' + b"|".join(percent) + rb')"') if percent else None


def _as_spreadsheets_write(piece: bytes, cell_rows: list[bytes], numbered_rows: list[bytes], *, first: bool) -> bool:
    """Whether every row and cell tag of the piece is `<row r="n"` / `<c r="An"`, unprefixed."""
    if first and b"<worksheet" not in piece:
        return False  # a prefixed root (<x:worksheet>)
    return (
        sum(piece.count(tag) for tag in _CELL_TAGS) == len(cell_rows)
        and sum(piece.count(tag) for tag in _ROW_TAGS) == len(numbered_rows)
        and not _PREFIXED_TAG.search(piece)
    )


def xml_pieces(part: IO[bytes]) -> Iterator[bytes]:
    """The part's bytes, cut after a `>` so that no tag is split between two pieces."""
    rest = b""
    while chunk := part.read(_CHUNK):
        text = rest + chunk
        cut = text.rfind(b">") + 1 or len(text)  # no `>` at all: one long text, no tag to split
        yield text[:cut]
        rest = text[cut:]
    if rest:
        yield rest


def column_number(letters: bytes) -> int:
    """b"A" → 1, b"Z" → 26, b"AA" → 27, b"XFD" → 16384."""
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


RESAVE = "open it in a spreadsheet program and save it again, or export the sheet as CSV"
"""What to do about a workbook or sheet neither reader can parse (damaged XML, a broken ZIP)."""


_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")  # the stream of a workbook saved with a password


def unreadable_workbook(path: Path, identity: str, exc: Exception) -> SourceError:
    """The error of a file neither reader can open as a workbook, with what to do."""
    if _encrypted(path):
        return SourceError(
            f"{identity}: the workbook is encrypted with a password, which cxbridge cannot open; save a copy without "
            "the password (File > Info > Protect Workbook > Encrypt with Password, cleared), or export the sheet as CSV"
        )
    return SourceError(f"{identity}: not a readable workbook ({type(exc).__name__}: {exc}); {RESAVE}")


def _encrypted(path: Path) -> bool:
    """Whether the file is an Office workbook saved with a password: a compound file holding an
    `EncryptedPackage` stream instead of the ZIP of an .xlsx (read only when it fails to open)."""
    try:
        with path.open("rb") as file:
            if file.read(len(_OLE_SIGNATURE)) != _OLE_SIGNATURE:
                return False
            return _ENCRYPTED_PACKAGE in file.read()
    except OSError:
        return False
