"""The different text answers columns hold over a whole table — what a scale read from labels is
decided from, so that a label first answered in the table's last row counts as one in its first."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from cxbridge.errors import CxbridgeError
from cxbridge.tabular.cells import parse_number
from cxbridge.tabular.table import Table

DISTINCT = 100
"""Different answers a column may hold before it is no longer read: a scale's labels are a few."""


def text_answers(table: Table, keys: Iterable[str], *, after: int = 0) -> dict[str, set[str]]:
    """Each column's different answers that are text, no number, in the table's rows past the first
    `after` (the label an export gives beside a value counts as the answer); a column holding more
    than `DISTINCT` is left out (free text, no scale). One pass over the rows, none without keys."""
    found: dict[str, set[str]] = {key: set() for key in keys}
    try:
        for index, (_, values, labels) in enumerate(table.numbered() if found else ()):
            if index >= after:
                _add(found, values, labels)
            if not found:
                break
    except CxbridgeError:  # a file that breaks part way: its rows before count, and reading them fails there too
        pass
    return found


def _add(found: dict[str, set[str]], values: Mapping[str, Any], labels: Mapping[str, str]) -> None:
    for key in list(found):
        value = labels.get(key) if labels and isinstance(labels.get(key), str) else values.get(key)
        if isinstance(value, str) and (text := value.strip()) and parse_number(text) is None:
            found[key].add(text)
            if len(found[key]) > DISTINCT:
                del found[key]
