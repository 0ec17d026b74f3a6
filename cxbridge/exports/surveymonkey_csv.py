"""SurveyMonkey exports (CSV or xlsx, "all responses data"): two header rows — question text
over the columns a question spans (blank after the first), then `Response`, `Open-Ended
Response` or the answer option each column holds.

Also as a spreadsheet tool saves them again: pandas writes a blank header cell as `Unnamed: 11`
(`Unnamed: 11_level_0`, `Unnamed: 3_level_1` from a two-row header), adds its index as a first
column under a blank header cell, and writes a numeric column holding blanks as `11435367501.0`.
Such headers read as blank, the index column is left out, and ids lose the `.0`.

With the survey's details as its definition (`surveymonkey_details`), a column whose header
(`Question`, or `Question - Row` for a matrix row) is a question's heading (and row) there is that
question, keyed by its id and read as the surveymonkey source reads it; the table names the
columns the details do not (`undefined_warning`)."""

from __future__ import annotations

import re
from typing import Any

from cxbridge.exports.layout import FormatKnowledge, LayoutOptions, Recognition, grid_table, named_fields
from cxbridge.exports.qualtrics_fields import defined_column
from cxbridge.exports.surveymonkey_details import SurveyDefinition
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
    details = options.definition if isinstance(options.definition, SurveyDefinition) else None
    columns, undefined = _defined(columns, details) if details else (columns, [])
    table = grid_table(grid, format=NAME, columns=columns, first_data_row=first + 2, convert=_whole_ids)
    if details is not None:
        table.survey_id, table.survey_name = details.survey_id or None, details.title or None
        table.undefined = undefined
    return table


def _defined(columns: list[Column], details: SurveyDefinition) -> tuple[list[Column], list[str]]:
    """The columns with each question column the details name by its heading (and row) as that
    question, keyed by its id; and the question columns they do not name — but the options of a
    multiple-choice question, one column each, which are its answers as shown."""
    texts: dict[str, list[str]] = {}
    for part in details.ordered():
        texts.setdefault(header_key(part.question.text).casefold(), []).append(part.question.id)
    options = tuple(f"{text} - " for text, ids in texts.items() if details.meaning(ids[0]).kind == "multi")
    found, undefined = [], []
    for column in columns:
        ids = texts.get(column.key.casefold(), [])
        if len(ids) == 1 and (meaning := details.meaning(ids[0])) is not None:
            column = defined_column(ids[0], meaning, column.index)
        elif _is_question(column.key) and not column.key.casefold().startswith(options):
            undefined.append(column.key)
        found.append(column)
    return found, undefined


def undefined_warning(table: Table) -> str | None:
    """What to tell the user of the columns of an export read with the survey's details that the
    details do not name (a question reworded after the export, another survey's details): read by
    their headers alone, as without the details."""
    if not table.undefined:
        return None
    named = ", ".join(repr(key) for key in table.undefined)
    return (f"{table.where}: the survey details given as its definition ({table.survey_name or table.survey_id}) "
            f"have no question headed {named}: read by the header alone, unscored unless mapped; check the "
            "definition is this survey's details (GET /surveys/{id}/details) and the headings are as exported")


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
        elif _is_question(column.key):
            known.questions.append(column.key)
    return known


def _is_question(key: str) -> bool:
    return key not in METADATA and key not in {column for _, column, _ in _FIELDS} and not key.startswith("Custom Data")


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
