"""`duckdb:///path.duckdb`: an embedded analytical database, the analyst's favourite.

A batch's rows become Arrow tables registered under the staging names (no row-by-row inserts,
no copy into DuckDB's memory), and the merge reads them in one DuckDB transaction with the
cursor. DuckDB lets one process open a file for writing; BI tools read it between syncs (or
read-only while no sync runs).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from cxbridge.destinations import Batch, LoopChanges, WriteStats
from cxbridge.errors import ConfigError, DestinationError, DestinationLockedError
from cxbridge.layout import FEEDBACK, Column, ColumnType, Table
from cxbridge.local_files import file_lock, file_lock_held, path_of
from cxbridge.sql_destination import CHANGED, REPLACED, SQLDestination

TYPE_NAMES = {
    ColumnType.TEXT: "VARCHAR",
    ColumnType.INTEGER: "BIGINT",
    ColumnType.REAL: "DOUBLE",
    ColumnType.BOOLEAN: "BOOLEAN",
    ColumnType.TIMESTAMP: "TIMESTAMPTZ",
    ColumnType.JSON: "JSON",
}


def import_duckdb() -> Any:
    try:
        import duckdb
    except ImportError:
        raise ConfigError("the duckdb destination needs DuckDB: pip install 'cxbridge[duckdb]'") from None
    return duckdb


def arrow_table(table: Table, rows: Sequence[tuple[Any, ...]]) -> Any:
    """The rows as an Arrow table of plain types (timestamps and JSON stay text)."""
    import pyarrow as pa

    arrow_types = {ColumnType.INTEGER: pa.int64(), ColumnType.REAL: pa.float64(), ColumnType.BOOLEAN: pa.bool_()}
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in table.columns]
    return pa.table(
        {
            column.name: pa.array(values, type=arrow_types.get(column.type, pa.string()))
            for column, values in zip(table.columns, columns, strict=True)
        }
    )


class DuckDBDestination(SQLDestination):
    """`duckdb:///cxbridge.duckdb` (relative to the config file) or `duckdb:////abs/path.duckdb`."""

    name = "duckdb"
    batch_size = 10_000  # a transaction (and a load) costs more than its rows here
    ids_per_query = 10_000  # a query scans a column (Parquet: every file of a table): a batch's ids at once
    type_names = TYPE_NAMES
    indexes = False  # DuckDB scans with zone maps; ART indexes only slow bulk merges
    keyless = frozenset({"feedback", "feedback_scores", "feedback_comments"})  # the merge keeps keys unique
    memory_limit: str | None = None
    """DuckDB's buffer pool while a sync writes; None keeps DuckDB's default (80 % of the machine's
    memory). A fixed cap fails large files: at 128 MB a sync of the bench's 1M records stopped at
    570,000 with DuckDB's OutOfMemoryException (the merge's working memory grows with the tables)."""

    def __init__(self, url: str, *, base_dir: Path | None = None):
        super().__init__(url, base_dir=base_dir)
        self.path = path_of(url, self.base_dir, kind="DuckDB", example="duckdb:///cxbridge.duckdb")
        self._registered: set[str] = set()

    @classmethod
    def day_of(cls, column: str) -> str:
        return f"strftime({column}, '%Y-%m-%d')"

    @classmethod
    def iso_week_of(cls, day: str) -> str:
        return f"strftime(CAST({day} AS DATE), '%G-W%V')"

    @classmethod
    def days_since(cls, column: str) -> str:
        return f"CAST(FLOOR((epoch(now()) - epoch({column})) / 86400) AS INTEGER)"

    @classmethod
    def as_number(cls, expression: str) -> str:
        return f"CAST({expression} AS DOUBLE)"

    @classmethod
    def is_past(cls, column: str) -> str:
        return f"{column} < now()"

    @classmethod
    def hours_between(cls, start: str, end: str) -> str:
        return f"((epoch({end}) - epoch({start})) / 3600.0)"

    def replace_records_sql(self, select: str) -> list[str]:
        columns = ", ".join(FEEDBACK.column_names)  # by name: a column added later sits last in older files
        return [f"DELETE FROM feedback WHERE record_id IN ({REPLACED})", f"INSERT INTO feedback ({columns}) {select}"]

    def exists(self) -> bool:
        return self.path.exists()

    def lock(self, *, wait: float = 0) -> AbstractContextManager[None]:
        return file_lock(self.path, wait=wait)

    def lock_held(self) -> bool:
        return file_lock_held(self.path)

    def connect(self, *, read_only: bool) -> Any:
        duckdb = import_duckdb()
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise DestinationLockedError(
                    f"{self.path} is open in another process (a sync or a BI tool); DuckDB lets one "
                    "process write at a time: close it there and run again"
                ) from None
            raise DestinationError(f"cannot open {self.path}: {exc}") from None
        conn.execute("SET TimeZone = 'UTC'")
        if not read_only and self.memory_limit:
            conn.execute(f"SET memory_limit = '{self.memory_limit}'")
        return conn

    def cursor(self) -> Any:
        return self.conn  # a DuckDB cursor is a separate connection with its own transaction

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.conn.begin()
        try:
            yield
        except BaseException:
            self.conn.rollback()
            raise
        self.conn.commit()

    def create_stages(self) -> None:
        self.execute(self.create_stage_sql(CHANGED, CHANGED.name))  # the staged rows are Arrow tables (`stage`)

    def stage(self, staged: Mapping[Table, Sequence[tuple[Any, ...]]]) -> None:
        """Each table's rows as an Arrow table registered under its staging name: the merge reads
        them where they are, without copying them into DuckDB's memory first."""
        for table, rows in staged.items():
            self.conn.register(self.stage_name(table), arrow_table(table, rows))
            self._registered.add(self.stage_name(table))

    def load_stage(self, table: Table, rows: Sequence[tuple[Any, ...]]) -> None:
        self.stage({table: rows})

    def from_stage(self, column: Column) -> str:
        if column.type in (ColumnType.TIMESTAMP, ColumnType.JSON):  # text in Arrow
            return f"CAST({column.name} AS {TYPE_NAMES[column.type]})"
        return column.name

    def write_batch(self, batch: Batch) -> WriteStats:
        try:
            return super().write_batch(batch)
        finally:
            self._unstage()

    def write_loop(self, changes: LoopChanges) -> None:
        try:
            super().write_loop(changes)
        finally:
            self._unstage()

    def _unstage(self) -> None:
        """Let the batch's Arrow tables go (they hold its rows until unregistered)."""
        while self._registered and self._conn is not None:
            self.conn.unregister(self._registered.pop())
