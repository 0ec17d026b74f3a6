"""JSON records of any shape — a top-level array, NDJSON, or an object's record list — read as
a plain table: each record one row, nested objects' fields under `a.b` keys (as the singer
source reads tap records), lists kept as lists."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cxbridge.exports.layout import FormatKnowledge, LayoutOptions, Recognition
from cxbridge.tabular.json_records import RecordSet, flatten_record
from cxbridge.tabular.table import Column, Row, Table, header_key

NAME = "plain_json"


def recognize(records: RecordSet) -> Recognition | None:
    if not records.preview(5):
        return None
    shape = "one record per line (NDJSON)" if records.container == "ndjson" else f"a {records.container!r} list"
    return Recognition(NAME, 0.5, [f"{shape} of JSON records in no known export layout: read as a plain table"])


def to_table(records: RecordSet, options: LayoutOptions) -> Table:
    keys: dict[str, None] = {}
    for _, record in records.preview():
        keys.update(dict.fromkeys(row_values(record)))

    def read_rows() -> Iterator[Row]:
        for number, record in records.records():
            yield Row(number, row_values(record))

    columns = [Column(key=key, text=key) for key in keys]
    return Table(file=records.file, sheet=None, format=NAME, columns=columns, read_rows=read_rows,
                 details={"container": records.container})  # fmt: skip


def row_values(record: dict[str, Any]) -> dict[str, Any]:
    """A record's cells: empty text, lists and objects are blank cells."""
    return {header_key(key): None if value in ("", [], {}) else value for key, value in flatten_record(record).items()}


def knowledge(table: Table) -> FormatKnowledge:
    return FormatKnowledge()
