"""Qualtrics CSV (or xlsx) exports, both generations, keyed the same way so that one mapping
and one set of record ids fit both:

- the current layout: three header rows — column names, question text, and import ids written
  as JSON (`{"ImportId":"QID1"}`) or, in older files, as a Python dict (`{'ImportId': 'QID1'}`);
- the legacy layout: `V1`…`V10` and export tags (`Q1`, `Q2_3`) over a row of names and text.

Columns are keyed by import id (`QID2-4` → `QID2_4`, `startDate`, `_recordId`); legacy export
tags become import ids through the survey definition when one is given.
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any
from zoneinfo import available_timezones

from cxbridge.exports import qualtrics_fields as fields
from cxbridge.exports.layout import FormatKnowledge, LayoutOptions, Recognition, grid_table
from cxbridge.exports.qualtrics_definition import SurveyDefinition
from cxbridge.tabular.cells import parse_number
from cxbridge.tabular.grid import Cells, Grid, blank_row, is_blank
from cxbridge.tabular.table import Column, Table, header_key, unique_keys

NAME = "qualtrics"
LEGACY = "qualtrics_legacy"
_IMPORT_ID = re.compile(r"""^\{\s*["']ImportId["']\s*:\s*["']([^"']+)["']""")
_LEGACY_V = re.compile(r"^V\d+$")


def recognize(preview: list[tuple[int, Cells]]) -> Recognition | None:
    rows = [(number, cells) for number, cells in preview if not blank_row(cells)][:3]
    if len(rows) == 3:
        ids = [cell for cell in rows[2][1] if isinstance(cell, str) and _IMPORT_ID.match(cell)]
        if len(ids) >= 0.8 * sum(not is_blank(cell) for cell in rows[2][1]) and ids:
            style = "JSON" if ids[0].lstrip("{ ").startswith('"') else "Python-dict"
            return Recognition(
                NAME,
                0.99,
                [f"row {rows[2][0]} holds {len(ids)} Qualtrics import ids in {style} quoting ({ids[0]})"],
                header_row=rows[0][0],
                header_rows=3,
            )
    if len(rows) >= 2 and header_key(rows[0][1][0]) == "V1" and header_key(rows[1][1][0]) == "ResponseID":
        tags = sum(bool(_LEGACY_V.match(header_key(cell))) for cell in rows[0][1])
        return Recognition(
            LEGACY,
            0.95,
            [f"row {rows[0][0]} names {tags} columns V1…V{tags} and row {rows[1][0]} starts with ResponseID: "
             "the legacy (pre-2017) Qualtrics export"],
            header_row=rows[0][0],
            header_rows=2,
        )  # fmt: skip
    return None


def to_table(grid: Grid, options: LayoutOptions, *, legacy: bool) -> Table:
    recognized = recognize(grid.preview())
    first = options.header_row or (recognized.header_row if recognized else 1)
    header = [cells for number, cells in grid.preview() if first <= number < first + (2 if legacy else 3)]
    definition: SurveyDefinition | None = options.definition
    keys = _legacy_keys(header, definition) if legacy else _import_keys(header)
    texts = header[1] if len(header) > 1 else header[0]
    columns = []
    for index, key in enumerate(unique_keys(keys)):
        if key.startswith("Column "):
            continue  # the legacy layout's trailing empty column
        text = header_key(texts[index]) if index < len(texts) else key
        columns.append(_column(key, text or key, index, definition))
    table = grid_table(
        grid, format=LEGACY if legacy else NAME, columns=columns, first_data_row=first + len(header), convert=_typed
    )
    if definition is not None:
        table.survey_id, table.survey_name = definition.survey_id, definition.survey_name
    if not legacy and (declared := _declared_time_zone(header)):
        table.details["timezone"] = declared
    return table


def knowledge(table: Table) -> FormatKnowledge:
    return fields.knowledge(table)


def _import_keys(header: list[Cells]) -> list[Any]:
    keys = []
    for index, cell in enumerate(header[2] if len(header) > 2 else []):
        match = _IMPORT_ID.match(cell) if isinstance(cell, str) else None
        import_id = match.group(1) if match else _parsed_import_id(cell)
        keys.append(fields.canonical(import_id) if import_id else header[0][index])
    return keys


def _parsed_import_id(cell: Any) -> str | None:
    return _import_cell(cell).get("ImportId")


def unnamed_zone_warning(table: Table, zone: str) -> str | None:
    """What to tell the user when a Qualtrics CSV export names no time zone (the legacy layout
    never does, the current one in its import-id row) and its source names none either: its times
    are in the zone it was exported in, which may not be `zone`, the one they are read in."""
    if table.format not in (NAME, LEGACY) or "timezone" in table.details:
        return None
    return (
        f"{table.where}: the times of this Qualtrics export carry no time zone and it names none, so they "
        f"are read as {zone} ([settings] timezone); if it was exported in another zone (the Qualtrics "
        "account's), set the source's timezone (--timezone ZONE for an import): read in the wrong zone, its "
        "responses move by hours, across days, and do not match their copies in other exports or the API"
    )


def _declared_time_zone(header: list[Cells]) -> str | None:
    """The zone Qualtrics wrote beside its date columns (`{"ImportId":"startDate","timeZone":"America/Denver"}`),
    when it is one IANA zone."""
    declared = {_import_cell(cell).get("timeZone") for cell in (header[2] if len(header) > 2 else [])} - {None}
    if len(declared) != 1:
        return None
    [name] = declared
    return name if isinstance(name, str) and name in available_timezones() else None


def _import_cell(cell: Any) -> dict[str, Any]:
    """An import-id cell as a dict (JSON, or the older Python-dict quoting); {} for anything else."""
    if not isinstance(cell, str) or not cell.strip().startswith("{"):
        return {}
    try:
        parsed = json.loads(cell)
    except json.JSONDecodeError:
        try:
            parsed = ast.literal_eval(cell)
        except (ValueError, SyntaxError):
            return {}
    return parsed if isinstance(parsed, dict) else {}


def _legacy_keys(header: list[Cells], definition: SurveyDefinition | None) -> list[Any]:
    """V-columns by their name in the second row; export tags as import ids when defined."""
    keys: list[Any] = []
    names = header[1] if len(header) > 1 else []
    for index, cell in enumerate(header[0]):
        tag = header_key(cell)
        name = header_key(names[index]) if index < len(names) else ""
        if _LEGACY_V.match(tag) or tag in fields.LEGACY_NAMES:
            keys.append(fields.canonical(name or tag))
        elif definition is not None and (found := definition.qid_for_tag(tag)):
            keys.append(found[0] + found[1])
        else:
            keys.append(cell)
    return keys


def _column(key: str, text: str, index: int, definition: SurveyDefinition | None) -> Column:
    if key in fields.METADATA or key.endswith(fields.NPS_GROUP):
        return Column(key=key, text=text, index=index, kind="metadata")
    meaning = definition.meaning(key) if definition else None
    if meaning is None:
        return Column(key=key, text=text, index=index, kind="text" if key.endswith("_TEXT") else None)
    return fields.defined_column(key, meaning, index)


def _typed(key: str, value: Any) -> Any:
    """Numbers as numbers, as Qualtrics' JSON export has them; text answers stay text."""
    if not isinstance(value, str) or key.endswith("_TEXT") or key not in fields.NUMERIC and not key.startswith("QID"):
        return value
    number = parse_number(value)
    if number is None:
        return value
    return int(number) if number.is_integer() else number
