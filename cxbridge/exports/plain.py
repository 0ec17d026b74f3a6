"""Plain sheets of any shape: title rows above the header skipped, blank header cells named by
their column letter, repeated titles numbered, and a two-row header (a group title over its
sub-columns, as merged cells leave it) joined into `Group - Sub`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from cxbridge.errors import SourceError
from cxbridge.exports.layout import FormatKnowledge, LayoutOptions, Recognition, grid_table
from cxbridge.tabular.grid import Cells, Grid, blank_row, is_blank
from cxbridge.tabular.table import Column, Table, header_key, unique_keys

NAME = "plain"


def recognize(preview: list[tuple[int, Cells]]) -> Recognition | None:
    """Any sheet with a header row; the fallback when no export format claims the file."""
    found = find_header(preview)
    if found is None:
        return None
    row, rows = found
    evidence = [f"row {row} is the header (the first row with several text cells)"]
    if rows == 2:
        evidence.append(f"row {row + 1} holds sub-titles under the group titles of row {row}")
    return Recognition(NAME, 0.5, evidence, header_row=row, header_rows=rows)


def to_table(grid: Grid, options: LayoutOptions) -> Table:
    preview = grid.preview()
    if options.header_row is not None:
        row, rows = options.header_row, options.header_rows or 1
    elif (found := find_header(preview)) is not None:
        row, rows = found
        rows = options.header_rows or rows
    else:
        raise SourceError(f"{grid.where}: no header row found (the sheet is empty?)")
    header = [cells for number, cells in preview if row <= number < row + rows]
    if not header:
        raise SourceError(f"{grid.where}: header row {row} is beyond the end of the sheet")
    names = header[0] if rows == 1 else joined_header(header[0], header[1])
    width = used_width(names, [cells for number, cells in preview if number >= row + rows])
    names = [*names[:width], *[None] * (width - len(names))]
    columns = [Column(key=key, text=key, index=index) for index, key in enumerate(unique_keys(names))]
    return grid_table(grid, format=NAME, columns=columns, first_data_row=row + rows, titles=header[-1])


def used_width(header: Cells, data: list[Cells]) -> int:
    """Columns up to the last one with a title or (in the first rows) a value; later are empty."""
    last = max((i for i, cell in enumerate(header) if not is_blank(cell)), default=-1)
    for cells in data:
        last = max([last, *(i for i, cell in enumerate(cells) if not is_blank(cell))])
    return last + 1


def knowledge(table: Table) -> FormatKnowledge:
    return FormatKnowledge()


def find_header(preview: list[tuple[int, Cells]]) -> tuple[int, int] | None:
    """(row number, 1 or 2) of the header: the first row with several non-blank text cells."""
    rows = [(number, cells) for number, cells in preview if not blank_row(cells)]
    widest = max((_filled(cells) for _, cells in rows), default=0)
    for position, (number, cells) in enumerate(rows):
        filled = _filled(cells)
        texts = sum(isinstance(cell, str) and not is_blank(cell) for cell in cells)
        if filled >= min(2, widest) and texts >= filled * 0.8 and filled >= widest * 0.5:
            following = rows[position + 1][1] if position + 1 < len(rows) else None
            if following is not None and _is_sub_header(cells, following):
                return number, 2
            above = rows[position - 1] if position else None
            if above is not None and above[0] == number - 1 and _repeats(cells) and _is_group_row(above[1], cells):
                return number - 1, 2
            return number, 1
    return None


JOINED = " - "
"""Between a group title and a sub-title of the header row under it (`joined_header`)."""


def joined_header(top: Cells, sub: Cells) -> list[Any]:
    """Group titles carried right over blank (merged) cells, joined with the sub-titles."""
    joined: list[Any] = []
    group = None
    for index in range(max(len(top), len(sub))):
        title = top[index] if index < len(top) else None
        below = sub[index] if index < len(sub) else None
        if not is_blank(title):
            group = header_key(title)
        if is_blank(below):
            joined.append(title if not is_blank(title) else None)
        elif group is None or header_key(below) == group:
            joined.append(below)
        else:
            joined.append(f"{group}{JOINED}{header_key(below)}")
    return joined


def _is_sub_header(header: Cells, following: Cells, *, own_columns: bool = False) -> bool:
    """A second header row: text that fills the blank (merged) cells after group titles, and
    sits nowhere but under a group or under its own title (a title merged down both rows) — with
    `own_columns`, also before the first group (a column titled in the lower row alone)."""
    if _has_data(following) or not all(isinstance(cell, str) or cell is None for cell in following):
        return False
    titled = [i for i, cell in enumerate(header) if not is_blank(cell)]
    filled_gaps = [
        i for i, cell in enumerate(following) if not is_blank(cell) and i < len(header) and is_blank(header[i])
    ]
    filled_gaps = [i for i in filled_gaps if any(t < i for t in titled)]
    if not filled_gaps:
        return False
    group_titles = {max(t for t in titled if t < i) for i in filled_gaps}
    allowed = {*filled_gaps, *group_titles}
    allowed |= {i for i in titled if i < len(following) and header_key(header[i]) == header_key(following[i])}
    if own_columns:
        allowed |= set(range(min(titled)))
    stray = [i for i, cell in enumerate(following) if not is_blank(cell) and i not in allowed]
    return not stray


def _repeats(header: Cells) -> bool:
    """Whether a title repeats in the header row ("Wert" under each question): the group titles
    above are then what tells its columns apart (a header of its own titles reads as before)."""
    titles = [header_key(cell).casefold() for cell in header if not is_blank(cell)]
    return len(set(titles)) < len(titles)


def _is_group_row(above: Cells, header: Cells) -> bool:
    """A row of group titles right above the header, too sparse to be found as one: text only,
    each group spanning blank (merged) cells its sub-titles fill — a lone title at the first
    column (the sheet's title over the header) is none."""
    titled = [i for i, cell in enumerate(above) if not is_blank(cell)]
    if not titled or titled == [0] or not all(isinstance(cell, str) or cell is None for cell in above):
        return False
    return _is_sub_header(above, header, own_columns=True)


def _has_data(cells: Cells) -> bool:
    return any(isinstance(cell, int | float | datetime | date) and not isinstance(cell, bool) for cell in cells)


def _filled(cells: Cells) -> int:
    return sum(not is_blank(cell) for cell in cells)
