"""SOQL through the REST query resource: `GET /services/data/vXX.X/query?q=…`, then each
`nextRecordsUrl` until `done` — and the incremental form of a query: rows changed at or after the
last `SystemModstamp` seen, oldest first."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cxbridge.http import ApiClient, NextUrl, PageRequest


def query(client: ApiClient, api_version: str, soql: str) -> Iterator[dict[str, Any]]:
    first = PageRequest(f"/services/data/{api_version}/query", {"q": soql})
    paging = NextUrl(lambda body: None if body.get("done", True) else body.get("nextRecordsUrl"),
                     items=lambda body: body.get("records") or [])  # fmt: skip
    for page in client.pages(first, paging):
        for record in page.get("records") or []:
            yield {key: value for key, value in record.items() if key != "attributes"}


def changed_since(object_name: str, fields: list[str], since: str | None, *, where: str = "") -> str:
    """`SELECT … FROM object WHERE SystemModstamp >= since ORDER BY SystemModstamp, Id` (datetime
    literals are not quoted in SOQL); the row at the cursor comes again and is seen as unchanged."""
    columns = ", ".join(dict.fromkeys(["Id", *fields, "SystemModstamp"]))
    conditions = [f"SystemModstamp >= {since}"] if since else []
    if where:
        conditions.append(where)
    filtered = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    return f"SELECT {columns} FROM {object_name}{filtered} ORDER BY SystemModstamp, Id"


def in_list(ids: list[str]) -> str:
    """A SOQL list of ids: ('a0B…', 'a0C…'); ids are 15/18 letters and digits, never quoted inside."""
    return "(" + ", ".join(f"'{value}'" for value in ids if value.isalnum()) + ")"
