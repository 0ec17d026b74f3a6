"""Qualtrics JSON and NDJSON response exports: `{"responses": [{"responseId", "values",
"labels"}]}` or one such record a line. Values are already keyed by import id, the way the
CSV layouts are keyed here, so one mapping fits every export of a survey."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cxbridge.exports import qualtrics_fields as fields
from cxbridge.exports.layout import FormatKnowledge, LayoutOptions, Recognition
from cxbridge.exports.qualtrics_definition import SurveyDefinition
from cxbridge.tabular.json_records import RecordSet
from cxbridge.tabular.table import Column, Row, Table

NAME = "qualtrics_json"


def recognize(records: RecordSet) -> Recognition | None:
    preview = records.preview(5)
    if not preview or not all(isinstance(r.get("values"), dict) and "responseId" in r for _, r in preview):
        return None
    shape = "one response per line (NDJSON)" if records.container == "ndjson" else f"a {records.container!r} list"
    return Recognition(NAME, 0.99, [f"{shape} of records with responseId and values: a Qualtrics JSON export"])


def to_table(records: RecordSet, options: LayoutOptions) -> Table:
    definition: SurveyDefinition | None = options.definition
    keys: dict[str, None] = {"_recordId": None}
    for _, record in records.preview():
        keys.update(dict.fromkeys(fields.canonical(key) for key in record.get("values", {})))
    columns = [_column(key, definition) for key in keys]

    def read_rows() -> Iterator[Row]:
        for number, record in records.records():
            yield _row(number, record)

    table = Table(
        file=records.file, sheet=None, format=NAME, columns=columns, read_rows=read_rows,
        details={"container": records.container},
    )  # fmt: skip
    if definition is not None:
        table.survey_id, table.survey_name = definition.survey_id, definition.survey_name
    return table


def knowledge(table: Table) -> FormatKnowledge:
    return fields.knowledge(table)


def _row(number: int, record: dict[str, Any]) -> Row:
    given = record.get("labels") or {}
    values = {fields.canonical(key): _blank_as_none(fields.chosen(value, given.get(key))[0])
              for key, value in record.get("values", {}).items()}  # fmt: skip
    values.setdefault("_recordId", record.get("responseId"))
    labels = {fields.canonical(key): str(label) for key, label in given.items() if isinstance(label, str | int | float)}
    return Row(number, values, labels)


def _column(key: str, definition: SurveyDefinition | None) -> Column:
    if key in fields.METADATA or fields.display_order(key):
        return Column(key=key, text=key, kind="metadata")
    meaning = definition.meaning(key) if definition else None
    if meaning is None:
        return Column(key=key, text=key, kind="text" if key.endswith("_TEXT") else None)
    return fields.defined_column(key, meaning)


def _blank_as_none(value: Any) -> Any:
    return None if value == "" else value
