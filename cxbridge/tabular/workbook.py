"""Workbooks — xlsx, xlsm, xls, xlsb, ods — as one grid per sheet, values not formulas.

python-calamine (Rust) reads every format fast but holds a whole sheet in memory, as a dense
grid from its first cell to its last; openpyxl's read-only mode streams xlsx/xlsm row by row in
constant memory at about a tenth of the speed. `reader = "auto"` takes calamine, and openpyxl
for xlsx/xlsm files above STREAM_ABOVE_BYTES or with a sheet whose cells span more than
CALAMINE_MAX_CELLS (a stray cell at XFD1048576), or with a cell calamine reads otherwise than
it shows — a formula's error (`#DIV/0!`, read as an empty cell: a score lost without a word),
a percentage (85 %, read as 0.85: an audit's 85 points as 0.85) — as the sheets' XML shows
(`sheet_extent`).
openpyxl reads the rows that exist, not the `<dimension>` a sheet claims. An .xlsb sheet's
records are read the same way first (`xlsb_extent`); with no streaming reader for the format,
one past CALAMINE_MAX_CELLS fails clearly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from cxbridge.errors import SourceError
from cxbridge.tabular.grid import Cells, Grid, ReadPosition
from cxbridge.tabular.merged_cells import calamine_merges, filled_down, xlsx_merges
from cxbridge.tabular.sheet_extent import (
    EXCEL_ROWS, RESAVE, beyond_excel, percent_format, unreadable_workbook, widest_sheet,
)  # fmt: skip

WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"})
OPENPYXL_SUFFIXES = frozenset({".xlsx", ".xlsm"})
STREAM_ABOVE_BYTES = 32 * 1024 * 1024
CALAMINE_MAX_CELLS = 20_000_000  # 32 bytes each in calamine's grid: 640 MB


@dataclass(frozen=True)
class Reading:
    """How a workbook is read: `engine`, and with openpyxl whether cells formatted as percentages
    are read as the text they show (`85%`, which a score reads as 85 points) — a cell's format
    costs openpyxl a cell object, so only a workbook holding such cells pays for it."""

    engine: str
    percentages: bool = False


def reading(path: Path, reader: str, identity: str) -> Reading:
    """How to read this file, given the configured `auto|calamine|openpyxl`; an xlsx/xlsm file's
    sheets are scanned first (see `sheet_extent`). `auto` streams with openpyxl a file over
    STREAM_ABOVE_BYTES or with a sheet calamine cannot hold, and reads with it a workbook whose
    cells calamine would read otherwise than they show: a formula's error (`#DIV/0!`, which
    calamine reads as empty) or a percentage (85 %, which calamine reads as 0.85)."""
    streamable = path.suffix.lower() in OPENPYXL_SUFFIXES
    if reader == "openpyxl" and not streamable:
        raise SourceError(f"{path.name}: openpyxl reads only .xlsx and .xlsm; use reader = 'calamine'")
    if path.suffix.lower() == ".xlsb":
        _check_binary_extent(path, identity)
    if not streamable:
        return Reading("calamine")
    extent = widest_sheet(path, identity)
    if reader == "openpyxl" or (
        reader == "auto"
        and (path.stat().st_size > STREAM_ABOVE_BYTES or extent.formula_errors or extent.percent_cells
             or extent.cells > CALAMINE_MAX_CELLS)
    ):  # fmt: skip
        return Reading("openpyxl", percentages=extent.percent_cells)
    if extent.cells <= CALAMINE_MAX_CELLS:
        return Reading("calamine")
    raise SourceError(
        f"{identity}: a sheet may span up to {extent.rows:,} rows × {extent.columns:,} columns, more than "
        f"calamine holds in memory ({CALAMINE_MAX_CELLS:,} cells); use reader = 'auto' or 'openpyxl', which "
        "stream it"
    )


def _check_binary_extent(path: Path, identity: str) -> None:
    """An .xlsb sheet has no streaming reader: one spanning more than calamine holds fails here,
    before calamine is asked for the grid (a far cell would make it abort the process)."""
    extent = widest_sheet(path, identity)
    if extent.cells > CALAMINE_MAX_CELLS:
        raise SourceError(
            f"{identity}: a sheet may span up to {extent.rows:,} rows × {extent.columns:,} columns, more than can be read "
            f"from an .xlsb workbook ({CALAMINE_MAX_CELLS:,} cells); save it as .xlsx (read as a stream) or "
            "export the sheet as CSV"
        )


def open_workbook(
    path: Path, identity: str, *, sheets: list[str] | None, reader: str = "auto",
    names_read: Callable[..., None] | None = None,
) -> list[Grid]:  # fmt: skip
    """One grid per sheet (the named ones, or every sheet), in workbook order; `names_read` is
    told every sheet's name first (`SourceFile.names_read`, with `sheets=True`)."""
    how = reading(path, reader, identity)
    engine = how.engine
    names = _sheet_names(path, identity, engine)
    if names_read is not None:
        names_read(names, sheets=True)
    if sheets:
        missing = [name for name in sheets if name not in names]
        if missing:
            raise SourceError(f"{identity}: no sheet named {', '.join(map(repr, missing))}; sheets: {', '.join(names)}")
        names = [name for name in names if name in sheets]
    read = _calamine_rows if engine == "calamine" else partial(_openpyxl_rows, percentages=how.percentages)
    grids = []
    for index, name in enumerate(names):
        position, share = ReadPosition(), _SheetShare(index, len(names))
        position.count(share.share)
        read_rows = _reader(read, path, identity, name, share)
        grids.append(Grid(file=identity, sheet=name, read_rows=read_rows, details={"reader": engine}, position=position))
    return grids


def sheets_shown(
    path: Path, identity: str, shown: Callable[[str], str], *, before: Callable[[str], str], reader: str = "auto"
) -> dict[str, str]:  # fmt: skip
    """Each sheet of a workbook by the name messages give it (`shown`: an address in it as its
    `hashed:` key) → its name as read: what takes a sheet a mapping or `--sheet` names so back to it.
    A name an earlier cxbridge gave (`before`: letter case folded) still finds the one sheet it fits."""
    names = _sheet_names(path, identity, reading(path, reader, identity).engine)
    earlier: dict[str, list[str]] = {}
    for name in names:
        earlier.setdefault(before(name), []).append(name)
    return {**{old: fits[0] for old, fits in earlier.items() if len(fits) == 1}, **{shown(name): name for name in names}}


class _SheetShare:
    """The share of the workbook read, worked out when its grid's position is asked: the sheets
    before this one, and the part of this one read — `read` of the `rows` it has. Its reader sets
    `read` on every row and nothing more: on a sheet of a million rows, working the share out
    there was half the read's time."""

    def __init__(self, index: int, sheets: int):
        self.index, self.sheets = index, sheets
        self.read, self.rows = 0, None

    def reading(self, rows: int | None) -> None:
        """A pass over the sheet starts; it has `rows` rows (a guess: only for the display)."""
        self.read, self.rows = 0, rows

    def share(self) -> float:
        within = min(self.read / self.rows, 1.0) if self.rows else 0.0
        return (self.index + within) / self.sheets


def _reader(read, path: Path, identity: str, sheet: str, share: _SheetShare):
    def read_rows() -> Iterator[tuple[int, Cells]]:
        return read(path, identity, sheet, share)

    return read_rows


def _sheet_names(path: Path, identity: str, engine: str) -> list[str]:
    try:
        if engine == "openpyxl":
            import openpyxl

            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
            try:
                return list(book.sheetnames)
            finally:
                book.close()
        import python_calamine

        with python_calamine.CalamineWorkbook.from_path(str(path)) as book:
            return list(book.sheet_names)
    except Exception as exc:  # both libraries raise their own zoo of errors for a bad file
        raise unreadable_workbook(path, identity, exc) from None


def _calamine_rows(path: Path, identity: str, sheet: str, share: _SheetShare) -> Iterator[tuple[int, Cells]]:
    import python_calamine

    try:
        with python_calamine.CalamineWorkbook.from_path(str(path)) as book:
            data = book.get_sheet_by_name(sheet)
            yield from filled_down(_calamine_sheet_rows(data, share), calamine_merges(data))
    except python_calamine.CalamineError as exc:
        raise SourceError(f"{identity} [{sheet}]: not readable ({exc}); {RESAVE}") from None


def _calamine_sheet_rows(data: Any, share: _SheetShare) -> Iterator[tuple[int, Cells]]:
    top, left = data.start or (0, 0)
    pad: Cells = [None] * left
    share.reading(data.height)
    for read, row in enumerate(data.iter_rows(), start=1):
        share.read = read
        yield top + read, pad + [_cell(value) for value in row]


def _openpyxl_rows(
    path: Path, identity: str, sheet: str, share: _SheetShare, *, percentages: bool = False
) -> Iterator[tuple[int, Cells]]:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        worksheet = book[sheet]
        claimed = worksheet.max_row  # what <dimension> says: a guess, only for the progress display
        worksheet.reset_dimensions()  # the rows that exist, not those <dimension> claims
        rows = enumerate(worksheet.iter_rows(values_only=not percentages), start=1)
        share.reading(claimed)
        for number, cells in filled_down(_openpyxl_cells(rows, percentages), xlsx_merges(path, sheet)):
            if number > EXCEL_ROWS:
                raise SourceError(f"{identity} [{sheet}]: {beyond_excel(number, 0)}")
            share.read = number
            yield number, cells
    except SourceError:
        raise
    except Exception as exc:  # openpyxl's own zoo of errors for a damaged sheet
        raise SourceError(f"{identity} [{sheet}]: not readable ({type(exc).__name__}: {exc}); {RESAVE}") from None
    finally:
        book.close()


def _openpyxl_cells(rows: Iterator[tuple[int, Any]], percentages: bool) -> Iterator[tuple[int, Cells]]:
    for number, row in rows:
        yield number, [_shown(cell) for cell in row] if percentages else [_cell(value) for value in row]


def _shown(cell: Any) -> Any:
    """An openpyxl cell's value, a number formatted as a percentage as the text it shows, in full
    (0.725 as `72.5%`, where `0%` would show 73 %)."""
    value = cell.value
    if type(value) in (int, float) and "%" in cell.number_format and percent_format(cell.number_format):
        return f"{round(value * 100, 9):.15g}%"
    return _cell(value)


def _cell(value: Any) -> Any:
    """Whole floats as ints (Excel stores 7 as 7.0); empty strings as None; the rest as is."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if value == "":
        return None
    return value
