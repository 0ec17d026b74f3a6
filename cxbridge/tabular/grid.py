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

    whole: tuple[int, int, int] | None = None
    """(bytes, records, lines) of a delimited file up to the end of the last record read that ended with
    a line break: where a later sync of the file, grown by appending, goes on reading."""
    _share: float = 0.0
    _followed: tuple[IO[Any], int] | None = field(default=None, repr=False, compare=False)
    _counted: Callable[[], float] | None = field(default=None, repr=False, compare=False)

    @property
    def share(self) -> float:
        """Asked of the file being read while it is read (text read ahead in blocks: a few
        kilobytes early), or worked out from the rows a sheet's reader has counted (`count`), so
        that reading a row costs nothing for it."""
        if self._followed is not None:
            handle, size = self._followed
            if not handle.closed:
                return _share_of(handle, size)
        if self._counted is not None:
            return self._counted()
        return self._share

    def follow(self, handle: IO[Any], size: int) -> None:
        """Tell the share from `handle`, a text file of `size` bytes, until `stop`."""
        self._followed = (handle, size)

    def count(self, share: Callable[[], float]) -> None:
        """Tell the share by asking `share`, when it is asked for."""
        self._counted = share

    def stop(self) -> None:
        """Keep the share the followed file was read to (call it before the file closes)."""
        if self._followed is not None:
            handle, size = self._followed
            if not handle.closed:
                self._share = _share_of(handle, size)
            self._followed = None


def _share_of(handle: IO[Any], size: int) -> float:
    return min(handle.buffer.tell() / size, 1.0) if size else 1.0  # type: ignore[attr-defined]


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
    text: bool = False
    """Every cell is text (a delimited file's); a workbook's are numbers and dates too."""
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
    """Whether every cell is blank (`is_blank`, written out: it is asked of every row)."""
    for cell in cells:
        if cell is not None and (not isinstance(cell, str) or cell.strip()):
            return False
    return True


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: how spreadsheets name columns."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
