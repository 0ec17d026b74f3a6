"""Reading rows of a destination by lists of ids, in every dialect: the ids are hex digests
(record, case and delivery ids), safe as SQL literals, which every engine reads alike where
placeholders differ."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from cxbridge.destinations import Destination


def rows_with(
    destination: Destination, table: str, columns: Iterable[str], key: str, ids: Sequence[str], *, condition: str = ""
) -> list[dict[str, Any]]:
    """The `columns` of the rows of `table` whose `key` is one of `ids` (and that meet
    `condition`, SQL of cxbridge's own), read the destination's way (`Destination.rows_with`:
    `ids_per_query` ids to a query); an id that is not a hex digest is never stored, and never
    put into SQL."""
    return destination.rows_with(table, columns, key, [value for value in ids if value.isalnum()], condition=condition)
