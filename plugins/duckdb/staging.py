"""A batch's rows handed to DuckDB as NumPy arrays, one per column, without pyarrow.

pyarrow (≈ 52 MB on import, and pandas besides when pandas is installed, which its first
`pa.array` imports) was most of a DuckDB sync's memory beyond DuckDB's own; NumPy costs ≈ 16 MB
and DuckDB scans a registered dict of NumPy arrays where it is, as fast as Arrow (≈ 0.1 s CPU
for a 10,000-record batch here; binding the columns as list parameters took 0.6 s, CSV files
0.5 s). Real columns are float arrays (None becomes NaN, which DuckDB reads as NULL: no stored
value is NaN, the records' scores are validated finite); the others are object arrays of the
Python values, whose type DuckDB works out (text, integers, booleans; NULL where all are None).
Timestamps and JSON stay text, as `cxbridge.tables` writes them (`from_stage` casts them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from cxbridge.errors import ConfigError
from cxbridge.layout import ColumnType, Table

TEXT_TYPES = frozenset({ColumnType.TEXT, ColumnType.TIMESTAMP, ColumnType.JSON})
WIDE_TEXT = 4096
"""Characters from which a text is wide: DuckDB stores a string longer than its 4 KiB string
block limit in overflow blocks of its own, which a merge and a checkpoint pin whole."""


class Staged(NamedTuple):
    """A table's rows as `register` takes them, about how many bytes of values they hold, and how
    many of those are wide texts (`WIDE_TEXT`)."""

    arrays: dict[str, Any]
    nbytes: int
    wide: int = 0


def column_arrays(table: Table, rows: Sequence[tuple[Any, ...]]) -> Staged:
    """`rows` (in `table`'s column order) as one NumPy array per column, for `register`, with
    the size an Arrow table of them would have (8 bytes a number, a text's characters and 4 bytes
    of offset), and the characters of its wide texts: what `DuckDBDestination` sizes DuckDB's
    buffer pool by while the batch merges and commits."""
    try:
        import numpy as np
    except ImportError:
        raise ConfigError("the duckdb destination needs NumPy: pip install 'cxbridge[duckdb]'") from None
    count = len(rows)
    columns = zip(*rows, strict=True) if rows else (() for _ in table.columns)
    arrays: dict[str, Any] = {}
    nbytes = wide = 0
    for column, values in zip(table.columns, columns, strict=True):
        if column.type is ColumnType.REAL:
            arrays[column.name] = np.array(values, dtype=np.float64)
            nbytes += 8 * count
            continue
        arrays[column.name] = np.fromiter(values, dtype=object, count=count)
        if column.type not in TEXT_TYPES:
            nbytes += 8 * count
            continue
        lengths = list(map(len, filter(None, values)))
        nbytes += sum(lengths) + 4 * count
        if lengths and max(lengths) >= WIDE_TEXT:
            wide += sum(length for length in lengths if length >= WIDE_TEXT)
    return Staged(arrays, nbytes, wide)
