"""The rows of a sheet kept by hand that are responses, without the sheet's own rows among them:
its totals under the last response (`summary_rows`), and — in a sheet holding one block per
year, each under a title and the header again — those titles and repeated headers. Read as
responses, a header's "NPS" was an answer to quarantine, a title row a record of no answers,
and the dates column, holding both, no column of dates: every record undated."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from cxbridge.errors import SourceError
from cxbridge.tabular.grid import Cells, blank_row, is_blank
from cxbridge.tabular.summary_rows import is_label, label_initials, summary_cell, trailing_summary
from cxbridge.tabular.table import header_key

REPEATED = "repeated header rows and the titles above them"
"""Why a sync leaves such rows out, in its summary (`2 repeated header rows and the titles above them left out`)."""


@dataclass
class ResponseRows:
    """Reads a grid's rows under its header (`titles`: the header row's cells, or None for a
    layout that repeats none); what a full pass left out is in `summary` and `repeated`."""

    titles: Cells | None
    where: str
    summary: list[tuple[int, str]] = field(default_factory=list)  # (row, label) of totals under the responses
    repeated: list[tuple[int, str]] = field(default_factory=list)  # (row, first cell) of headers again and titles

    def __post_init__(self) -> None:
        keys = [header_key(cell) if not is_blank(cell) else None for cell in self.titles or []]
        while keys and keys[-1] is None:
            keys.pop()
        self._keys = keys
        self._first = next((i for i, key in enumerate(keys) if key), None)
        self._names = {key for key in keys if key}
        # what a row's first cell must start with to be anything but a response: a label, a title
        self._initials = frozenset(" \t\r\n:\u00a0") | label_initials() | {key[0] for key in self._names}
        self._fast = self._first in (None, 0)

    def rows(self, rows: Iterator[tuple[int, Cells]], first: int, *, text: bool) -> Iterator[tuple[int, Cells]]:
        """The responses of `rows` from row `first` on (blank rows left out), in order."""
        summary: list[tuple[int, str]] = []
        repeated: list[tuple[int, str]] = []
        held: list[tuple[int, tuple[int, str] | None, Cells]] = []  # totals or lone titles: shown by what follows
        labelled: set[int] = set()  # columns where a response's row holds a totals label: data, not totals
        initials, fast = self._initials, self._fast
        for number, cells in rows:
            if number < first:
                continue
            head = cells[0] if cells else None
            # most rows are told responses by their first two cells alone (issue 19: this is asked of every row)
            if (fast and not held and len(cells) > 1 and (cells[1].strip() if text else not is_blank(cells[1]))
                    and (head.__class__ is not str and head is not None
                         or head and (head[0] not in initials or self._neither_label_nor_title(head)))):  # fmt: skip
                yield number, cells
                continue
            if not (text and head and head.strip()) and blank_row(cells):
                continue
            if self._names and self._header_again(number, cells):
                totals = [(at, label) for at, label, _ in held if label is not None]
                summary += [(at, label) for at, (_, label) in totals] if trailing_summary(totals, labelled) else []
                kept = {at for at, _ in summary}
                yield from ((at, before) for at, label, before in held if label is not None and at not in kept)
                repeated += [(at, _first_text(before)) for at, label, before in held if label is None]
                repeated.append((number, _first_text(cells)))
                held.clear()
                continue
            label = summary_cell(cells)
            if label is not None or (self._names and _lone_text(cells)):
                held.append((number, label, cells))
                continue
            for at, label, before in held:
                if label is not None:
                    labelled.add(label[0])
                yield at, before
            held.clear()
            yield number, cells
        totals = [(at, label) for at, label, _ in held if label is not None]
        ends = bool(totals) and trailing_summary(totals, labelled)
        yield from ((at, before) for at, label, before in held if not (ends and label is not None))
        self.summary = summary + ([(at, label) for at, (_, label) in totals] if ends else [])
        self.repeated = repeated

    def _neither_label_nor_title(self, head: str) -> bool:
        """Whether a first cell is surely no totals label (`summary_cell`) and no header title."""
        key = head.strip()
        return bool(key) and (len(key) > 30 or not is_label(key)) and key not in self._names

    def _header_again(self, number: int, cells: Cells) -> bool:
        """Whether the row repeats the header; one repeating its titles in another order fails the
        sheet, as the rows under it would be read under the wrong columns."""
        first = cells[self._first] if self._first is not None and self._first < len(cells) else None
        if not isinstance(first, str) or header_key(first) not in self._names:
            return False
        keys = [header_key(cell) if not is_blank(cell) else None for cell in cells[: len(self._keys) + 1]]
        while keys and keys[-1] is None:
            keys.pop()
        if keys == self._keys:
            return True
        if sorted(filter(None, keys)) == sorted(filter(None, self._keys)):
            raise SourceError(
                f"{self.where}: row {number} repeats the header with its columns in another order, so the rows "
                "under it would be read under the wrong columns; move each block of rows to a sheet (or file) of "
                "its own, or put its columns in the first header's order"
            )
        return False


def _lone_text(cells: Cells) -> bool:
    """A row holding one text and nothing else: a title over a block of rows, or a note."""
    for index, cell in enumerate(cells):
        if not is_blank(cell):
            return isinstance(cell, str) and all(is_blank(other) for other in cells[index + 1 :])
    return False


def _first_text(cells: Cells) -> str:
    return next((str(cell).strip() for cell in cells if not is_blank(cell)), "")


def repeated_note(where: str, rows: list[tuple[int, str]]) -> str:
    """What `inspect` says of the repeated headers and titles left out: `rows 10, 11 ('Kundenumfrage 2022', 'Datum')`."""
    numbers = ", ".join(str(number) for number, _ in rows[:6]) + (", …" if len(rows) > 6 else "")
    labels = ", ".join(dict.fromkeys(repr(text) for _, text in rows[:6]))
    return (
        f"{where}: rows {numbers} ({labels}) repeat the header over another block of rows, or title it: "
        "left out of the detection and the import, the rows under them read under the first header"
    )
