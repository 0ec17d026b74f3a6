"""HubSpot's CRM search, read in modification-time windows: a search answers at most 10,000
objects, so a window whose `total` is larger is split in two (again and again) before its pages
are read; windows go oldest first and each is sorted by the modification time, so objects arrive
in cursor order."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cxbridge.errors import SourceError
from cxbridge.http import ApiClient

SEARCH_CAP = 10_000


def search(
    client: ApiClient, object_type: str, *, modified: str, properties: list[str], since: int, until: int, page_size: int
) -> Iterator[dict[str, Any]]:
    """Objects of `object_type` whose `modified` property is in [since, until) (epoch ms)."""
    path = f"/crm/v3/objects/{object_type}/search"
    body = _body(modified, properties, since, until, page_size)
    first = client.send_json("POST", path, body)
    total = int(first.get("total") or 0)
    if total > SEARCH_CAP:
        if until - since <= 1:
            raise SourceError(f"more than {SEARCH_CAP} {object_type} were modified in the same millisecond; stopped")
        middle = since + (until - since) // 2
        for start, end in ((since, middle), (middle, until)):
            yield from search(client, object_type, modified=modified, properties=properties, since=start, until=end,
                              page_size=page_size)  # fmt: skip
        return
    page, asked = first, set()
    while True:
        yield from page.get("results") or []
        after = ((page.get("paging") or {}).get("next") or {}).get("after")
        if not after:
            return
        if after in asked:
            raise SourceError(f"HubSpot sent the page after {after!r} of {object_type} twice: its paging loops; stopped")
        asked.add(after)
        page = client.send_json("POST", path, body | {"after": after})


def _body(modified: str, properties: list[str], since: int, until: int, page_size: int) -> dict[str, Any]:
    filters = [
        {"propertyName": modified, "operator": "GTE", "value": str(since)},
        {"propertyName": modified, "operator": "LT", "value": str(until)},
    ]
    return {
        "filterGroups": [{"filters": filters}],
        "sorts": [{"propertyName": modified, "direction": "ASCENDING"}],
        "properties": properties,
        "limit": page_size,
    }
