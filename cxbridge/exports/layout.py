"""What every export layout shares: how it reports recognising a file, the fields it knows
without guessing, and turning the rows under a header into table rows."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from cxbridge.tabular.grid import Cells, Grid, blank_row
from cxbridge.tabular.table import Column, Row, Table


@dataclass(frozen=True)
class Recognition:
    """A layout's claim on a file: how sure it is, and why."""

    format: str
    confidence: float
    evidence: list[str]
    header_row: int = 1  # 1-based row number of the first header row
    header_rows: int = 1


@dataclass(frozen=True)
class KnownField:
    """A feedback field a format names outright (Qualtrics' ResponseId is the id)."""

    column: str
    evidence: str


@dataclass(frozen=True)
class LayoutOptions:
    """What the configuration says about a file's layout (None: detect it)."""

    header_row: int | None = None
    header_rows: int | None = None
    definition: Any = None  # a SurveyDefinition, for formats that have one


@dataclass
class FormatKnowledge:
    """What a format tells about a table beyond its columns."""

    fields: dict[str, KnownField] = field(default_factory=dict)
    metadata: set[str] = field(default_factory=set)  # columns that are not answers (ip, progress, …)
    questions: list[str] = field(default_factory=list)  # columns that are answers to questions


def named_fields(table: Table, fields: tuple[tuple[str, str, str], ...]) -> FormatKnowledge:
    """Knowledge holding the (field, column, evidence) triples whose column the table has."""
    keys = {column.key for column in table.columns}
    known = FormatKnowledge()
    for name, key, evidence in fields:
        if key in keys:
            known.fields[name] = KnownField(key, evidence)
    return known


def grid_table(
    grid: Grid,
    *,
    format: str,
    columns: list[Column],
    first_data_row: int,
    convert: Callable[[str, Any], Any] | None = None,
) -> Table:
    """A table over the grid rows from `first_data_row` on, blank rows left out."""
    positions = [(column.key, column.index) for column in columns if column.index is not None]

    def read_rows() -> Iterator[Row]:
        for number, cells in grid.rows():
            if number < first_data_row or blank_row(cells):
                continue
            yield Row(number, _values(cells, positions, convert))

    return Table(
        file=grid.file,
        sheet=grid.sheet,
        format=format,
        columns=columns,
        read_rows=read_rows,
        details=dict(grid.details),
    )


def _values(cells: Cells, positions: list[tuple[str, int]], convert: Callable[[str, Any], Any] | None) -> dict:
    width = len(cells)
    values = {}
    for key, index in positions:
        value = cells[index] if index < width else None
        if isinstance(value, str):
            value = value.strip() or None
        if convert is not None and value is not None:
            value = convert(key, value)
        values[key] = value
    return values
