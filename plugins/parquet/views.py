"""The views a Parquet lake is read through: each table a view over its files, the BI views over
them, defined on a connection as a query first names them, and `_cxbridge/views.sql`, the same
views for BI tools (docs/bi.md)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from cxbridge.layout import FEEDBACK, FEEDBACK_FOLLOWUPS, METADATA, TABLES, Table
from cxbridge.plugins.parquet import files
from cxbridge.plugins.parquet.files import PARTITIONED, empty_select, literal, typed
from cxbridge.plugins.parquet.folder_tables import PART_TABLES
from cxbridge.views import VIEW_NAMES, view_sql

VIEW_TABLES = {table.name: table for table in (*TABLES, METADATA)}
"""The tables, each a view over its files."""
VIEW_NAMES_HERE = frozenset((*VIEW_TABLES, *VIEW_NAMES))
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class LakeViews:
    """ParquetDestination's tables and views over its files, for its queries (each defined on its
    connection with the SQL kept in `_defined`) and for BI tools."""

    def _table_select(self, table: Table, root: Path | None = None) -> str:
        root = root or self.root
        if table is FEEDBACK_FOLLOWUPS:
            pattern = literal(files.followup_glob(root))
            return f"SELECT {typed(table)} FROM read_parquet({pattern}, union_by_name = true)"
        if table in PART_TABLES:
            if root == self.root and not files.folder_files(root / table.name):
                return empty_select(table)  # a lake written before the table existed, read as it is
            return f"SELECT * FROM read_parquet({literal(files.folder_glob(root / table.name))})"
        if table not in PARTITIONED:
            if root == self.root and not files.table_file(root, table).exists():
                return empty_select(table)  # a lake written before the table existed, read as it is
            return f"SELECT * FROM read_parquet({literal(files.table_file(root, table))})"
        pattern = files.partition_glob(root, table)
        if root == self.root and not files.has_files(pattern):
            return empty_select(table)
        # Not union_by_name: it reads every file's footer each time a query binds the view (10 ms
        # against 2 over the 52 feedback files of tests/test_report.py's lake). Every file cxbridge
        # writes here has the table's columns, of one type each (a sync migrates older files
        # first); only a lake an older cxbridge wrote, opened to read before a sync, needs it.
        options = "hive_partitioning = true, hive_types = {'source': VARCHAR, 'month': VARCHAR}"
        if self._by_name:
            options += ", union_by_name = true"
        select = f"SELECT {', '.join(table.column_names)} FROM read_parquet({literal(pattern)}, {options}"
        left_out = self._left_out(table) if root == self.root else []
        select = f"{select}, filename = true) WHERE {' AND '.join(left_out)}" if left_out else f"{select})"
        if table is FEEDBACK and root == self.root and self._links_unread:  # as they were before a batch cut short
            return (f"SELECT f.* REPLACE (CASE WHEN l.record_id IS NULL THEN f.duplicate_of ELSE l.duplicate_of END "
                    f"AS duplicate_of) FROM ({select}) f LEFT JOIN cx_links_before l ON l.record_id = f.record_id")  # fmt: skip
        return select

    def _left_out(self, table: Table) -> list[str]:
        """The conditions that leave out of a record table's view the old versions named to be
        taken out (`cx_takeout`) and the rows of a batch cut short (a reader's,
        `_hide_unfinished_batch`)."""
        conditions = []
        for paths, ids in ((self._takeouts.of_table(self.root / table.name), "cx_takeout"),
                           (sorted(self._unread_parts.get(table.name, ())), "cx_unfinished")):  # fmt: skip
            if paths:
                listed = ", ".join(literal(path) for path in paths)
                conditions.append(f"(filename NOT IN ({listed}) OR record_id NOT IN (SELECT record_id FROM {ids}))")
        if table.name in self._unread_parts:
            conditions.append("record_id NOT IN (SELECT record_id FROM cx_rewritten)")
        return conditions

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        self._define_views(sql)
        return super().fetch(sql, params)

    def fetch_rows(self, sql: str, params: Sequence[Any] = ()) -> Iterator[dict[str, Any]]:
        self._define_views(sql)
        return super().fetch_rows(sql, params)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._define_views(sql)
        super().execute(sql, params)

    def _define_views(self, sql: str) -> None:
        """The tables and views `sql` names, and those they read, each defined (again) only when
        its SQL changed on this connection (a table's changes when its first file appears). DuckDB
        binds every read_parquet of a view as it creates it (the record tables read each file's
        footer): defining all of them at every open took 0.37 s CPU on a lake of 120 files, most
        of a report's time."""
        defined: set[str] = set()
        for name in _names_in(sql):
            self._define_view(name, defined)

    def _define_view(self, name: str, defined: set[str]) -> None:
        """One table or view, after what it reads (DuckDB binds a view to them as it creates it)."""
        defined.add(name)
        sql = self._table_select(VIEW_TABLES[name]) if name in VIEW_TABLES else self._view_sql[name]
        for read in _names_in(sql):
            if read not in defined:
                self._define_view(read, defined)
        if self._defined.get(name) != sql:
            self.conn.execute(f"CREATE OR REPLACE VIEW {name} AS {sql}")
            self._defined[name] = sql

    @cached_property
    def _view_sql(self) -> dict[str, str]:
        return view_sql(self)

    def _views_script(self) -> str:
        """Every table and view over this folder, for `duckdb -init _cxbridge/views.sql` run in it."""
        statements = [f"CREATE OR REPLACE VIEW {t.name} AS {self._table_select(t, Path('.'))};" for t in (*TABLES, METADATA)]
        statements += [f"CREATE OR REPLACE VIEW {name} AS {sql.strip()};" for name, sql in view_sql(self).items()]
        return "-- cxbridge tables and BI views over this Parquet folder (DuckDB SQL); run from the folder.\n" + (
            "\n\n".join(statements) + "\n"
        )


@lru_cache(maxsize=256)
def _names_in(sql: str) -> frozenset[str]:
    """The tables and views whose name is a word of `sql` (a word that only looks like one, in a
    string or a column name, costs a definition, never a wrong answer)."""
    return frozenset(word for word in map(str.lower, _WORD.findall(sql)) if word in VIEW_NAMES_HERE)
