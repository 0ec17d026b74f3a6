"""Printing results: rich tables on a terminal, plain text in pipes, JSON or CSV on request.

rich is imported when something is first printed through it, not with the command line, so that
`cxbridge --help` and `--version` stay quick."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console


@cache
def stdout() -> Console:
    """The console of results: its terminal's width, or unlimited in a pipe (tables keep their
    natural width there)."""
    from rich.console import Console

    console = Console(soft_wrap=True)
    return console if console.is_terminal else Console(soft_wrap=True, width=100_000)


@cache
def stderr() -> Console:
    """The console of errors, warnings and the progress display."""
    from rich.console import Console

    return Console(stderr=True, soft_wrap=True)


def escape(text: str) -> str:
    """Text shown as written, never read as rich markup (data, error messages)."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)


def rows(
    data: Sequence[dict[str, Any]], *, fmt: str = "table", title: str | None = None, columns: Sequence[str] = ()
) -> None:
    """Print rows of dicts as a table, JSON or CSV. `columns` are the CSV header when there are
    no rows: a program reading the output finds the same header, rows or none."""
    if fmt == "json":
        print(json.dumps(list(data), indent=2, ensure_ascii=False, default=str))
        return
    if fmt == "csv":
        if data or columns:
            writer = csv.DictWriter(sys.stdout, fieldnames=list(data[0] if data else columns), lineterminator="\n")
            writer.writeheader()
            writer.writerows(data)
        return
    if not data:
        stdout().print(f"{title}: none" if title else "(no rows)")
        return
    from rich.table import Table

    table = Table(title=title, title_justify="left", show_edge=False, header_style="bold")
    for column in data[0]:
        numeric = all(isinstance(row[column], int | float) or row[column] is None for row in data)
        table.add_column(column, justify="right" if numeric else "left")
    for row in data:
        table.add_row(*("" if value is None else _cell(value) for value in row.values()))
    stdout().print(table)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return escape(str(value))  # data and error text, never rich markup
