"""Printing results: rich tables on a terminal, plain text in pipes, JSON or CSV on request.

rich is imported when something is first printed through it, not with the command line, so that
`cxbridge --help` and `--version` stay quick."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Sequence
from functools import cache
from itertools import chain, islice
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console


@cache
def stdout() -> Console:
    """The console of results: its terminal's width, or unlimited in a pipe (tables keep their
    natural width there)."""
    from rich.console import Console

    from .launch import end_reader_gone

    console = Console(soft_wrap=True)
    console = console if console.is_terminal else Console(soft_wrap=True, width=100_000)
    console.on_broken_pipe = end_reader_gone  # type: ignore[method-assign]  # as a command's other output ends
    return console


@cache
def stderr() -> Console:
    """The console of errors, warnings and the progress display."""
    from rich.console import Console

    return Console(stderr=True, soft_wrap=True)


def escape(text: str) -> str:
    """Text shown as written, never read as rich markup (data, error messages)."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)


TABLE_ROWS = 100
"""The rows a table shows unless `--limit` says otherwise; JSON and CSV give every row."""
REPORT_ROWS = 1000
"""A report's table: its rows are figures per store, day, … (a chain's every store and metric)."""


def rows(
    data: Iterable[dict[str, Any]],
    *,
    fmt: str = "table",
    title: str | None = None,
    columns: Sequence[str] = (),
    limit: int | None = None,
    table_rows: int = TABLE_ROWS,
) -> None:
    """Print rows of dicts as a table, JSON or CSV, each row written as it comes. `columns` are
    the CSV header when there are no rows: a program reading the output finds the same header,
    rows or none. `limit` (0: every row; None: `table_rows` in a table, every row in JSON and CSV)
    keeps the first rows; a table says how many more there were and how to see them."""
    if limit is None:
        limit = table_rows if fmt == "table" else 0
    data = iter(data)
    shown = islice(data, limit) if limit else data
    if fmt == "json":
        _json_array(shown)
    elif fmt == "csv":
        _csv(shown, columns)
    else:
        first = list(islice(shown, table_rows + 1))
        if len(first) > table_rows:  # --limit 0 or above the bounded table: no rich table of them all
            _lines(chain(first, shown), first[:table_rows], title)
        else:
            _table(first, title)
        more = sum(1 for _ in data) if limit else 0
        if more:
            print(f"… {more:,} more not shown: --limit 0 shows them all, --limit N the first N")


def _json_array(data: Iterable[dict[str, Any]]) -> None:
    """A JSON array with each element as `json.dumps(rows, indent=2)` lays it out, written an
    element at a time."""
    opening = "["
    for row in data:
        sys.stdout.write(f"{opening}\n{_json_element(row)}")
        opening = ","
    sys.stdout.write("[]\n" if opening == "[" else "\n]\n")


_FLAT_ITEMS = json.JSONEncoder(ensure_ascii=False, default=str, separators=(",\n    ", ": ")).encode
"""A flat dict's items one a line, indented as in an array of `indent=2`: json's C encoder, which
json uses only without `indent` (its Python encoder took half of a long report's printing)."""


def _json_element(row: dict[str, Any]) -> str:
    """`row` as `json.dumps(rows, indent=2)` lays out an element of `rows`: its lines indented
    by the line feeds json writes, not by every line break text may hold (U+2028, NEL), which
    `textwrap.indent` also breaks at, writing spaces into the text."""
    if row and not any(isinstance(value, dict | list | tuple) for value in row.values()):
        return f"  {{\n    {_FLAT_ITEMS(row)[1:-1]}\n  }}"
    laid_out = json.dumps(row, indent=2, ensure_ascii=False, default=str)  # a line feed in text is written \n
    return "  " + laid_out.replace("\n", "\n  ")


def _csv(data: Iterable[dict[str, Any]], columns: Sequence[str]) -> None:
    rows_left = iter(data)
    first = next(rows_left, None)
    if first is None and not columns:
        return
    writer = csv.DictWriter(sys.stdout, fieldnames=list(first or columns), lineterminator="\n")
    writer.writeheader()
    if first is not None:
        writer.writerow(first)
        writer.writerows(rows_left)


def _table(data: list[dict[str, Any]], title: str | None) -> None:
    if not data:
        stdout().print(f"{title}: none" if title else "(no rows)")
        return
    from rich.table import Table

    table = Table(title=title, title_justify="left", show_edge=False, header_style="bold")
    for column in data[0]:
        numeric = all(isinstance(row[column], int | float) or row[column] is None for row in data)
        table.add_column(column, justify="right" if numeric else "left", overflow="fold")  # a long word wraps, never cut
    for row in data:
        table.add_row(*("" if value is None else _cell(value) for value in row.values()))
    stdout().print(table)


def _lines(data: Iterable[dict[str, Any]], sample: list[dict[str, Any]], title: str | None) -> None:
    """Rows in columns as wide as the `sample` rows need (numbers right-aligned), each printed as
    it comes: a rich table measures every cell before its first line (a minute for 78,000 rows)."""
    columns = list(sample[0])
    text = [[_plain_cell(row[column]) for column in columns] for row in sample]
    widths = [max(len(column), *(len(cells[i]) for cells in text)) for i, column in enumerate(columns)]
    numeric = [all(isinstance(row[c], int | float) or row[c] is None for row in sample) for c in columns]

    def line(cells: Sequence[str]) -> str:
        laid = (cell.rjust(w) if right else cell.ljust(w) for cell, w, right in zip(cells, widths, numeric, strict=True))
        return "  ".join(laid).rstrip() + "\n"

    if title:
        sys.stdout.write(f"{title}\n")
    sys.stdout.write(line(columns) + line(["-" * w for w in widths]))
    for row in data:
        sys.stdout.write(line([_plain_cell(row[column]) for column in columns]))


def _plain_cell(value: Any) -> str:
    return "" if value is None else _cell(value, markup=False)


def _cell(value: Any, *, markup: bool = True) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return escape(str(value)) if markup else str(value)  # data and error text, never rich markup
