"""A table: the rows of one sheet or export as named columns, after its layout was understood
(which rows are headers, what each column's question text is, what a definition says of it)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from cxbridge.tabular.grid import ReadPosition, column_letter, is_blank

_SPACES = re.compile(r"\s+")
PREVIEW_ROWS = 200
"""How many first rows `Table.preview` gives: what detection and the date order see first."""


@dataclass(frozen=True)
class Column:
    """One column: `key` is how mappings name it; `text` is the question as respondents saw it."""

    key: str
    text: str | None = None
    index: int | None = None  # position in the grid; None for JSON exports
    choices: dict[str, float] = field(default_factory=dict)  # answer label → value, from a definition
    kind: str | None = None  # what a definition says: "nps", "text", "choice", "multi", "metadata"
    marks_no_answer: bool = False  # the definition flags its no-answer options: a negative value is a score
    stars: int | None = None  # a star slider's row (a Qualtrics definition's StarCount): answered 1 to this many

    @property
    def label(self) -> str:
        """How the column is shown: its question text, else its key."""
        return self.text or self.key

    def named(self, entry: str) -> bool:
        """Whether a mapping's entry names this column: by its key or by its header as written (a
        Qualtrics export's `Status`, keyed `status` by its import id)."""
        wanted = header_key(entry)
        return wanted == self.key or (self.text is not None and wanted == header_key(self.text))


@dataclass(frozen=True)
class Row:
    """One data row: `number` as the sheet shows it (row 1 = first line) or the record number."""

    number: int
    values: dict[str, Any]
    labels: dict[str, str] = field(default_factory=dict)  # answer labels an export carries beside values


@dataclass
class Table:
    """What a layout made of one grid or record set."""

    file: str
    sheet: str | None
    format: str
    columns: list[Column]
    read_rows: Callable[[], Iterator[Row]]
    details: dict[str, str] = field(default_factory=dict)
    survey_id: str | None = None
    survey_name: str | None = None
    undefined: list[str] = field(default_factory=list)  # the question columns a given definition does not name
    position: ReadPosition = field(default_factory=ReadPosition)  # its grid's: how far the last pass got
    text: bool = False  # every row's values are text or None, its labels too (a delimited file's cells as read)
    read_values: Callable[[], Iterator[tuple[int, dict[str, Any], Mapping[str, str]]]] | None = None
    """The rows as (number, values, labels), without a Row made for each (issue 19); `numbered`."""
    summary_rows: list[tuple[int, str]] = field(default_factory=list)
    """(row number, label) of the totals and averages under the responses the last full pass over
    the rows left out (`summary_rows`)."""
    repeated_headers: list[tuple[int, str]] = field(default_factory=list)
    """(row number, first cell) of the header rows repeated over a block of rows, and the titles
    above them, that the last full pass left out (`response_rows`)."""
    _preview: list[Row] | None = None

    def rows(self) -> Iterator[Row]:
        return self.read_rows()

    def numbered(self) -> Iterator[tuple[int, dict[str, Any], Mapping[str, str]]]:
        """(number, values, labels) of every row, as `rows()` gives them: what a source reads of
        each row, without a Row object in between when the layout can give them so (a grid's)."""
        if self.read_values is not None:
            return self.read_values()
        return ((row.number, row.values, row.labels) for row in self.rows())

    def preview(self, limit: int = PREVIEW_ROWS) -> list[Row]:
        if self._preview is None or len(self._preview) < limit:
            self._preview = list(islice(self.rows(), limit))
        return self._preview[:limit]

    def column(self, key: str) -> Column | None:
        wanted = header_key(key)
        return next((column for column in self.columns if column.key == wanted), None)

    @property
    def where(self) -> str:
        return f"{self.file} [{self.sheet}]" if self.sheet else self.file


def header_key(text: Any) -> str:
    """A header cell as a column key: trimmed, inner whitespace (newlines too) as one space."""
    if text is None:
        return ""
    return _SPACES.sub(" ", str(text)).strip()


def unique_keys(cells: list[Any]) -> list[str]:
    """Column keys for a header row: blank headers become `Column F`, repeated ones `Title (2)`."""
    keys: list[str] = []
    seen: dict[str, int] = {}
    for index, cell in enumerate(cells):
        key = header_key(cell) if not is_blank(cell) else f"Column {column_letter(index)}"
        count = seen.get(key.casefold(), 0) + 1
        seen[key.casefold()] = count
        keys.append(key if count == 1 else f"{key} ({count})")
    return keys
