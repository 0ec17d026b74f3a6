"""What every export layout shares: how it reports recognising a file, the fields it knows
without guessing, and turning the rows under a header into table rows."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from types import MappingProxyType
from typing import Any

from cxbridge.tabular.grid import Cells, Grid
from cxbridge.tabular.response_rows import ResponseRows
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
    titles: Cells | None = None,
) -> Table:
    """A table over the grid rows from `first_data_row` on, blank rows left out, and the sheet's
    own rows among the responses (`ResponseRows`: totals under them, and with the header row's
    `titles` the header repeated over a block with the title above it), which the table names."""
    positions = [(column.key, column.index) for column in columns if column.index is not None]
    text = grid.text and convert is None
    values_of = _text_values(positions) if text else _row_values(positions, convert)
    responses = ResponseRows(titles, grid.where)
    summary: list[tuple[int, str]] = []
    repeated: list[tuple[int, str]] = []

    def read_values() -> Iterator[tuple[int, dict[str, Any], Mapping[str, str]]]:
        for number, cells in responses.rows(grid.rows(), first_data_row, text=text):
            yield number, values_of(cells), NO_LABELS
        summary[:], repeated[:] = responses.summary, responses.repeated

    def read_rows() -> Iterator[Row]:
        for number, values, _ in read_values():
            yield Row(number, values)

    return Table(
        file=grid.file,
        sheet=grid.sheet,
        format=format,
        columns=columns,
        read_rows=read_rows,
        details=dict(grid.details),
        text=text,
        read_values=read_values,
        summary_rows=summary,
        repeated_headers=repeated,
    )


NO_LABELS: Mapping[str, str] = MappingProxyType({})
"""The labels of a grid's rows: none (exports that carry labels are JSON record sets)."""


def _row_values(
    positions: list[tuple[str, int]], convert: Callable[[str, Any], Any] | None
) -> Callable[[Cells], dict[str, Any]]:
    """A row's values by column key from its cells at `positions` (key, index): text trimmed,
    blank text as None, cells past the row's end as None, then `convert`ed where not None."""
    keys, pick, width = _picking(positions)

    def values_of(cells: Cells) -> dict[str, Any]:
        if len(cells) < width:
            cells = [*cells, *[None] * (width - len(cells))]
        values = dict(zip(keys, [v.strip() or None if isinstance(v, str) else v for v in pick(cells)]))
        if convert is not None:
            for key, value in values.items():
                if value is not None:
                    values[key] = convert(key, value)
        return values

    return values_of


def _text_values(positions: list[tuple[str, int]]) -> Callable[[Cells], dict[str, Any]]:
    """`_row_values` of a delimited file's cells, which are all text: without a look at each
    cell's type — a row's first `width` cells, those it lacks read as blank.

    Made once per table as a function of its own, whose values are one dict display of the
    columns' keys, each `cells[index].strip() or None` (issue 19: a third of what
    `dict(zip(keys, [...]))` costs a row of the bench CSV). The keys are written into it as
    `repr` gives them — a literal of that very text, whatever it holds — and the indexes as
    numbers; nothing else of the file is."""
    width = max((index for _, index in positions), default=-1) + 1
    members = "".join(f"{key!r}: cells[{index}].strip() or None, " for key, index in positions)
    source = (
        f"def values_of(cells):\n    if len(cells) != {width}:\n        cells = fit(cells)\n    return {{{members}}}\n"
    )

    def fit(cells: Cells) -> Cells:
        return cells[:width] if len(cells) > width else [*cells, *[""] * (width - len(cells))]

    namespace: dict[str, Any] = {"fit": fit}
    exec(compile(source, "<cxbridge text values>", "exec"), namespace)  # noqa: S102 - see the docstring
    return namespace["values_of"]


def _picking(positions: list[tuple[str, int]]) -> tuple[list[str], Callable[[Cells], Any], int]:
    """The column keys, what picks their cells from a row's (as a tuple), and how many cells a
    row needs for every one of them."""
    keys = [key for key, _ in positions]
    indexes = [index for _, index in positions]
    width = max(indexes, default=-1) + 1
    if len(indexes) == 1:
        index = indexes[0]
        pick: Callable[[Cells], Any] = lambda cells: (cells[index],)  # noqa: E731
    else:
        pick = itemgetter(*indexes) if indexes else lambda cells: ()
    return keys, pick, width
