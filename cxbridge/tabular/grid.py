"""A grid: one sheet (or one CSV file) as rows of raw cells, numbered as a spreadsheet shows them.

Readers produce grids; layouts (`cxbridge.exports`) decide which rows are headers and turn a
grid into a table of named columns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import IO, Any

PREVIEW_ROWS = 200

Cells = list[Any]


@dataclass
class ReadPosition:
    """How much of its file the latest pass over a grid's (or record set's) rows has read, as a
    share from 0 to 1 — earlier sheets of a workbook counted as read — for progress displays. A
    reader that cannot tell leaves it at 0."""

    share: float = 0.0
    whole: tuple[int, int, int] | None = None
    """(bytes, records, lines) of a delimited file up to the end of the last record read that ended with
    a line break: where a later sync of the file, grown by appending, goes on reading."""

    def bytes_read(self, handle: IO[Any], size: int) -> None:
        """The share of a file of `size` bytes read through `handle` (text read ahead in blocks:
        a few kilobytes early)."""
        self.share = min(handle.buffer.tell() / size, 1.0) if size else 1.0


@dataclass
class Grid:
    """One sheet of one file. `rows()` can be called again and reads the file again."""

    file: str
    sheet: str | None
    read_rows: Callable[[], Iterator[tuple[int, Cells]]]
    details: dict[str, str] = field(default_factory=dict)  # how it was read: encoding, delimiter, reader
    position: ReadPosition = field(default_factory=ReadPosition)
    read_rest: Callable[[], Iterator[tuple[int, Cells]]] | None = None
    """Set for a file grown by appending since an earlier sync read it: `rows()` gives only the
    rows after the part read then; `preview()` still reads from the start, where the header is."""
    _preview: list[tuple[int, Cells]] | None = None

    def rows(self) -> Iterator[tuple[int, Cells]]:
        """(row number, cells) for every row, blank ones included; row 1 is the first line."""
        return self.read_rest() if self.read_rest is not None else self.read_rows()

    def preview(self, limit: int = PREVIEW_ROWS) -> list[tuple[int, Cells]]:
        """The first rows, read once and kept (for detection)."""
        if self._preview is None or len(self._preview) < limit:
            self._preview = list(islice(self.read_rows(), limit))
        return self._preview[:limit]

    @property
    def where(self) -> str:
        return f"{self.file} [{self.sheet}]" if self.sheet else self.file


def is_blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def blank_row(cells: Cells) -> bool:
    return all(is_blank(cell) for cell in cells)


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: how spreadsheets name columns."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
