"""Cells merged down a column — a store's name over its rows, as a sheet kept by hand often
shows it — read as the sheet shows them: the value on every row of the range. Readers give it
to the range's first row only, the others blank, so those rows lost their store (or team, or
agent) without a word."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

from cxbridge.tabular.grid import Cells, blank_row, is_blank
from cxbridge.tabular.sheet_extent import column_number, xml_pieces

Merge = tuple[int, int, int]
"""(first row, last row, column) of a range merged down one column: rows numbered from 1, as a
grid numbers them, the column from 0."""

_MERGE = re.compile(rb'<mergeCell ref="([A-Z]{1,3})(\d+):([A-Z]{1,3})(\d+)"')
_RELATIONS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def filled_down(rows: Iterator[tuple[int, Cells]], merges: list[Merge]) -> Iterator[tuple[int, Cells]]:
    """The rows with each range's value in its blank cells below the first; a row blank but for
    such a cell stays blank (a range merged past the last response adds no row)."""
    if not merges:
        yield from rows
        return
    starting: dict[int, list[tuple[int, int]]] = {}
    for first, last, column in merges:
        starting.setdefault(first, []).append((last, column))
    running: dict[int, tuple[int, object]] = {}  # column → (last row, value)
    for number, cells in rows:
        for last, column in starting.get(number, ()):
            running[column] = (last, cells[column] if column < len(cells) else None)
        if running:
            running = {column: kept for column, kept in running.items() if kept[0] >= number}
            cells = _filled(number, cells, running)
        yield number, cells


def _filled(number: int, cells: Cells, running: dict[int, tuple[int, object]]) -> Cells:
    if blank_row(cells):
        return cells
    for column, (_, value) in running.items():
        if value is None:
            continue
        if column >= len(cells):
            cells = [*cells, *[None] * (column + 1 - len(cells))]
        if is_blank(cells[column]):
            cells[column] = value
    return cells


def calamine_merges(sheet: object) -> list[Merge]:
    """A python-calamine sheet's ranges merged down one column (none where its format keeps none)."""
    ranges = getattr(sheet, "merged_cell_ranges", None) or []
    return [(top + 1, bottom + 1, left) for (top, left), (bottom, right) in ranges if left == right and bottom > top]


def xlsx_merges(path: Path, sheet: str) -> list[Merge]:
    """The ranges an xlsx/xlsm sheet merges down one column, from its XML (openpyxl's streaming
    reader, which large workbooks go through, gives none)."""
    with zipfile.ZipFile(path) as archive:
        part = _sheet_part(archive, sheet)
        if part is None:
            return []
        merges = []
        with archive.open(part) as handle:
            for piece in xml_pieces(handle):
                for left, top, right, bottom in _MERGE.findall(piece) if b"<mergeCell " in piece else ():
                    if left == right and int(bottom) > int(top):
                        merges.append((int(top), int(bottom), column_number(left) - 1))
        return merges


def _sheet_part(archive: zipfile.ZipFile, sheet: str) -> str | None:
    """The archive's name of the part holding the sheet so named, through the workbook's
    relations; None for a workbook not laid out as spreadsheet programs write one (no merges read)."""
    parts = {info.filename.replace("\\", "/").lower(): info.filename for info in archive.infolist()}
    try:
        book = ElementTree.fromstring(archive.read(parts["xl/workbook.xml"]))
        links = ElementTree.fromstring(archive.read(parts["xl/_rels/workbook.xml.rels"]))
    except (KeyError, ElementTree.ParseError):
        return None
    relation = next(
        (s.get(_RELATIONS) for s in book.iter() if s.tag.endswith("}sheet") and s.get("name") == sheet), None
    )
    target = next((link.get("Target") for link in links if link.get("Id") == relation), None)
    if target is None:
        return None
    return parts.get((target.lstrip("/") if target.startswith("/") else f"xl/{target}").lower())
