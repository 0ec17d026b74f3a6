"""`duckdb:///path.duckdb`: an embedded analytical database, the analyst's favourite.

Batches reach the staging tables as Arrow tables (no row-by-row inserts), and the merge runs in
one DuckDB transaction with the cursor. DuckDB lets one process open a file for writing; BI
tools read it between syncs (or read-only while no sync runs).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from cxbridge.errors import ConfigError, DestinationError, DestinationLockedError
from cxbridge.layout import FEEDBACK, ColumnType, Table
from cxbridge.local_files import file_lock, file_lock_held, path_of
from cxbridge.sql_destination import REPLACED, SQLDestination

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
    type_names = TYPE_NAMES
    indexes = False  # DuckDB scans with zone maps; ART indexes only slow bulk merges
    keyless = frozenset({"feedback", "feedback_scores", "feedback_comments"})  # the merge keeps keys unique

    def __init__(self, url: str, *, base_dir: Path | None = None):
        super().__init__(url, base_dir=base_dir)
        self.path = path_of(url, self.base_dir, kind="DuckDB", example="duckdb:///cxbridge.duckdb")

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

    def load_stage(self, table: Table, rows: Sequence[tuple[Any, ...]]) -> None:
        columns = ", ".join(f"CAST({column.name} AS {TYPE_NAMES[column.type]})" for column in table.columns)
        self.conn.register("cx_arrow", arrow_table(table, rows))
        try:
            self.conn.execute(f"INSERT INTO {self.stage_name(table)} SELECT {columns} FROM cx_arrow")
        finally:
            self.conn.unregister("cx_arrow")
