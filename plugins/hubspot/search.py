"""HubSpot's CRM search, read in modification-time windows: a search answers at most 10,000
objects, so a window whose `total` is larger is split in two (again and again) before its pages
are read; windows go oldest first and each is sorted by the modification time, so objects arrive
in cursor order."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cxbridge.errors import SourceError, TransientSourceError
from cxbridge.http import ApiClient, EmptyPages

SEARCH_CAP = 10_000


def search(
    client: ApiClient, object_type: str, *, modified: str, properties: list[str], since: int, until: int, page_size: int
) -> Iterator[list[dict[str, Any]]]:
    """Pages of the objects of `object_type` whose `modified` property is in [since, until)
    (epoch ms), oldest first."""
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
    page, asked, read, empty = first, set(), 0, EmptyPages()
    while True:
        if results := page.get("results") or []:
            yield results
        read += len(results)
        after = ((page.get("paging") or {}).get("next") or {}).get("after")
        empty.after(results, more=bool(after))
        if not after:
            return
        if after in asked:
            raise SourceError(f"HubSpot sent the page after {after!r} of {object_type} twice: its paging loops; stopped")
        asked.add(after)
        page = _next_page(client, path, body | {"after": after}, past_cap=read + page_size > SEARCH_CAP)


def _next_page(client: ApiClient, path: str, body: dict[str, Any], *, past_cap: bool) -> dict[str, Any]:
    """The next page; HubSpot answers 400 for one past the cap, which happens when objects were
    modified into the window while it was read (its `total` was under the cap when it began)."""
    try:
        return client.send_json("POST", path, body)
    except SourceError as exc:
        if not past_cap or exc.status_code != 400:
            raise
        error = TransientSourceError(
            f"POST {path}: HTTP 400 for a page past the {SEARCH_CAP}-result cap of a HubSpot search — objects were "
            "modified into the window while it was read; re-run the sync: it resumes from its last checkpoint and "
            "splits the window again"
        )
        error.status_code = 400
        raise error from None


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
