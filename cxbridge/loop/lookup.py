"""Reading rows of a destination by lists of ids, in every dialect: the ids are hex digests
(record, case and delivery ids), safe as SQL literals, which every engine reads alike where
placeholders differ."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from cxbridge.destinations import Destination


def rows_with(
    destination: Destination, table: str, columns: Iterable[str], key: str, ids: Sequence[str]
) -> list[dict[str, Any]]:
    """The `columns` of the rows of `table` whose `key` is one of `ids`, `destination.ids_per_query`
    ids to a query."""
    found: list[dict[str, Any]] = []
    safe = [value for value in ids if value.isalnum()]
    selected, size = ", ".join(columns), destination.ids_per_query
    for start in range(0, len(safe), size):
        listed = ", ".join(f"'{value}'" for value in safe[start : start + size])
        found += destination.query(f"SELECT {selected} FROM {destination.qualified(table)} WHERE {key} IN ({listed})")
    return found
