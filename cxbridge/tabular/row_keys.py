"""Native ids of a table's rows: the id column when the mapping names one; else a hash of the
file's identity, the sheet and the row's key, and, for a key seen before in the same sheet, how
many times it was seen (see `cxbridge.tabular.source`).

A file read on from where an earlier read ended counts those repeats from what that read saw:
the `KeyTable` of the part read before (each key's 64-bit number, as many times as it was seen),
or, without one, the keys of the rows read before counted again without normalizing them."""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from heapq import merge
from itertools import chain
from typing import Any

from cxbridge.identity import content_id
from cxbridge.tables import to_json
from cxbridge.tabular.config import FileSourceConfig
from cxbridge.tabular.table import Table, header_key


class KeyTable:
    """The keys of the rows read before: their 64-bit numbers, sorted, each as many times as a
    row had it."""

    def __init__(self, numbers: array):
        self.numbers = numbers

    def times(self, number: int) -> int:
        """How many rows read before had this key."""
        return bisect_right(self.numbers, number) - bisect_left(self.numbers, number)

    def __len__(self) -> int:
        return len(self.numbers)


NO_KEYS = KeyTable(array("Q"))


class RepeatedIds:
    """Rows of a table whose id a row before them had. A record keeps its last row only, so an id
    column that is not unique per response (a customer's or a store's id mapped as `id`) loses
    rows: the source warns with this count and an example. Each row's id is looked for among at
    least the `WINDOW` distinct ids before it (their hashes, ≈ 4 MB at most): every row before it
    in a table of up to `WINDOW` rows, which is most exports; a longer table's repeats far apart
    are not counted (`whole` says which)."""

    WINDOW = 1 << 14

    def __init__(self) -> None:
        self.rows = 0
        self.repeats = 0
        self.example: tuple[str, int, int] | None = None  # an id, the row it was on before, the row repeating it
        self._recent: dict[int, int] = {}  # an id's hash → the last row it was on
        self._older: dict[int, int] = {}

    def add(self, row: int, native: str) -> None:
        self.rows += 1
        key = hash(native)
        before = self._recent.get(key)
        if before is None:
            before = self._older.get(key)
        if before is not None:
            self.repeats += 1
            if self.example is None:
                self.example = (native, before, row)
        if len(self._recent) >= self.WINDOW:
            self._older, self._recent = self._recent, {}
        self._recent[key] = row

    @property
    def whole(self) -> bool:
        """Whether every row was looked for among all the rows before it."""
        return self.rows <= self.WINDOW


class RowKeys:
    """Native ids of one table's rows, counting repeated keys on from `before` (the rows read
    before this read, when it goes on from where an earlier one ended)."""

    def __init__(self, table: Table, config: FileSourceConfig, *, before: KeyTable = NO_KEYS):
        self.id_column = header_key(config.columns.id) if config.columns.id else None
        if config.key_columns:
            self.key_columns: list[str] | None = [header_key(c) for c in config.key_columns]
        elif config.columns.submitted_at:
            chosen = [config.columns.submitted_at, config.columns.email, config.columns.phone]
            self.key_columns = [header_key(c) for c in chosen if c]
        else:
            self.key_columns = None  # the whole row
        self.prefix = (table.file, table.sheet or "")
        self.before = before
        self.seen: set[int] = set()  # the keys of this read's rows
        self.repeats: dict[int, int] = {}  # of a key, how many rows had it before its latest (read before too)
        self.earlier: dict[int, int] = {}  # of a key read before too, how many rows read before had it
        self.last = (0, 0)  # the number and key of the last row given an id

    @property
    def keyed(self) -> bool:
        """Whether rows are keyed by their content (no id column)."""
        return self.id_column is None

    def native_id(self, row: int, values: dict[str, Any]) -> str | None:
        """The native id of row number `row`, whose values are `values`."""
        if self.id_column is not None:
            value = values.get(self.id_column)
            return None if value is None else str(value)
        key = values if self.key_columns is None else [values.get(c) for c in self.key_columns]
        base = content_id(*self.prefix, to_json(key))
        number = int(base[:16], 16)
        self.last = (row, number)
        if number not in self.seen:
            self.seen.add(number)
            earlier = self.before.times(number) if self.before.numbers else 0
            if not earlier:
                return base
            self.repeats[number] = self.earlier[number] = earlier
            return content_id(base, earlier)
        self.repeats[number] = self.repeats.get(number, 0) + 1
        return content_id(base, self.repeats[number])

    def through(self, record: int) -> KeyTable:
        """The key table of the rows read before and of this read's rows up to `record` (the
        last whole record: a last row without a line break is read again next time)."""
        again = (n for n, times in self.repeats.items() for _ in range(times - self.earlier.get(n, 0)))
        mine = sorted(chain(self.seen, again))
        row, number = self.last
        if row > record:
            del mine[bisect_left(mine, number)]
        return KeyTable(array("Q", merge(self.before.numbers, mine)))
