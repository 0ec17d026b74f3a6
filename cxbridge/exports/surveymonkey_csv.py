"""SurveyMonkey exports (CSV or xlsx, "all responses data"): two header rows — question text
over the columns a question spans (blank after the first), then `Response`, `Open-Ended
Response` or the answer option each column holds.

Also as a spreadsheet tool saves them again: pandas writes a blank header cell as `Unnamed: 11`
(`Unnamed: 11_level_0`, `Unnamed: 3_level_1` from a two-row header), adds its index as a first
column under a blank header cell, and writes a numeric column holding blanks as `11435367501.0`.
Such headers read as blank, the index column is left out, and ids lose the `.0`."""

from __future__ import annotations

import re
from typing import Any

from cxbridge.exports.layout import FormatKnowledge, LayoutOptions, Recognition, grid_table, named_fields
from cxbridge.tabular.grid import Cells, Grid, blank_row
from cxbridge.tabular.table import Column, Table, header_key, unique_keys

NAME = "surveymonkey"
SINGLE_COLUMN_LABELS = frozenset({"response", "open-ended response", "other (please specify)"})
METADATA = frozenset({"Collector ID", "Start Date", "IP Address", "First Name", "Last Name"})
PERSONAL_COLUMNS = frozenset({"IP Address", "First Name", "Last Name"})
_FIELDS = (
    ("id", "Respondent ID", "SurveyMonkey's respondent id"),
    ("submitted_at", "End Date", "when the respondent finished"),
    ("email", "Email Address", "the e-mail of an e-mail-invitation collector"),
)


_UNNAMED = re.compile(r"^Unnamed: \d+(?:_level_\d+)?$")  # how pandas names a blank header cell
_ID_COLUMNS = ("Respondent ID", "Collector ID")
_FLOAT_ID = re.compile(r"^(\d+)\.0+$")


def recognize(preview: list[tuple[int, Cells]]) -> Recognition | None:
    rows = [(number, cells) for number, cells in preview if not blank_row(cells)][:2]
    if len(rows) < 2:
        return None
    titles = [header_text(cell) for cell in rows[0][1]]
    start = first_column(titles)
    if start is None or "Collector ID" not in titles:
        return None
    subs = sum(header_text(cell).casefold() in SINGLE_COLUMN_LABELS for cell in rows[1][1])
    evidence = [f"row {rows[0][0]} starts with Respondent ID and Collector ID"]
    if subs:
        evidence.append(f"row {rows[1][0]} labels {subs} answer columns 'Response'/'Open-Ended Response'")
    if start or any(_UNNAMED.match(header_key(cell)) for row in rows for cell in row[1]):
        evidence.append("saved again by a spreadsheet tool (an index column, 'Unnamed: N' headers): read past them")
    return Recognition(NAME, 0.97 if subs else 0.85, evidence, header_row=rows[0][0], header_rows=2)


def to_table(grid: Grid, options: LayoutOptions) -> Table:
    recognized = recognize(grid.preview())
    first = options.header_row or (recognized.header_row if recognized else 1)
    header = [cells for number, cells in grid.preview() if first <= number < first + 2]
    titles, subs = header[0], header[1] if len(header) > 1 else []
    start = first_column([header_text(cell) for cell in titles]) or 0
    names = [None] * start + question_columns(titles[start:], subs[start:])
    columns = [Column(key=key, text=key, index=index) for index, key in enumerate(unique_keys(names))]
    columns = [column for column in columns if not column.key.startswith("Column ")]
    return grid_table(grid, format=NAME, columns=columns, first_data_row=first + 2, convert=_whole_ids)


def first_column(titles: list[str]) -> int | None:
    """Where the export's columns start: at `Respondent ID`, first — or second, after an index
    column a spreadsheet tool added under a blank header cell."""
    if titles[:1] == ["Respondent ID"]:
        return 0
    if titles[:2] == ["", "Respondent ID"]:
        return 1
    return None


def header_text(cell: Any) -> str:
    """A header cell's text; blank for the `Unnamed: N` a spreadsheet tool wrote for a blank one."""
    key = header_key(cell)
    return "" if _UNNAMED.match(key) else key


def _whole_ids(key: str, value: Any) -> Any:
    """`11435367501.0` (a re-saved id column that held blanks, so floats) as `11435367501`."""
    if key in _ID_COLUMNS:
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and (match := _FLOAT_ID.match(value)):
            return match.group(1)
    return value


def knowledge(table: Table) -> FormatKnowledge:
    known = named_fields(table, _FIELDS)
    for column in table.columns:
        if column.key in METADATA:
            known.metadata.add(column.key)
        elif column.key not in {key for _, key, _ in _FIELDS} and not column.key.startswith("Custom Data"):
            known.questions.append(column.key)
    return known


def question_columns(titles: Cells, subs: Cells) -> list[Any]:
    """`Question` for single-column questions, `Question - Option` for the columns of one that
    spans several (its title written once, over the first)."""
    names: list[Any] = []
    question = None
    for index in range(max(len(titles), len(subs))):
        title = header_text(titles[index]) if index < len(titles) else ""
        sub = header_text(subs[index]) if index < len(subs) else ""
        if title:
            question = title
        elif not sub:
            question = None
        if question is None:
            names.append(None)
        elif not sub or (title and sub.casefold() in SINGLE_COLUMN_LABELS - {"other (please specify)"}):
            names.append(question)
        else:
            names.append(f"{question} - {sub}")
    return names
