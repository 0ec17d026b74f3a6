"""The Parquet lake's tables that are not partitioned: rows merged by key into a folder of parts
(the loop's tables, the quarantine) or into one file (sync runs and state, metadata, CRM tables),
every file replaced whole."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cxbridge.layout import FEEDBACK_CASE_EVENTS, FEEDBACK_CASES, LOOP_OUTBOX, QUARANTINE, Table
from cxbridge.plugins.parquet import files
from cxbridge.plugins.parquet.files import literal, typed

PART_TABLES = (FEEDBACK_CASE_EVENTS, LOOP_OUTBOX, FEEDBACK_CASES, QUARANTINE)
"""The one-folder tables that grow with the records (the loop's: a case for most unhappy answers;
the quarantine: every record that fails): like the record tables, batches add part files to
their folders instead of rewriting them."""


class FolderTables:
    """ParquetDestination's writing of its one-folder and one-file tables."""

    def _present(self, table: Table, keys: Sequence[str]) -> set[str]:
        """Those of these keys (of a loop table's single-column key) that its files hold."""
        (key,) = table.primary_key
        folder = self.root / table.name
        if not keys or not files.folder_files(folder):
            return set()
        self._register_ids("cx_keys", keys)
        try:
            with self._built_on_keys():
                found = self.conn.execute(
                    f"SELECT {key} FROM read_parquet({literal(files.folder_glob(folder))}) "
                    f"WHERE {key} IN (SELECT record_id FROM cx_keys)"
                ).fetchall()
        finally:
            self.conn.unregister("cx_keys")
        return {row[0] for row in found}

    def _upsert_parts(
        self,
        table: Table,
        rows: list[tuple[Any, ...]],
        *,
        replace: bool = True,
        keep: Sequence[str] = (),
        delete: Sequence[str] = (),
    ) -> None:
        """Merge rows into a one-folder table by its (single-column, first) key: each stored row
        they replace in the file holding it, keeping its `keep` columns (unless not `replace`:
        those rows are left out), the others added as a new part; stored rows whose key is in
        `delete` (and not among the rows) are taken out. Every file is replaced whole, and a key
        stays in one file."""
        stored = self._present(table, [row[0] for row in rows])
        added = [row for row in rows if row[0] not in stored]
        replaced = [row for row in rows if row[0] in stored] if replace else []
        if replaced or delete:
            self._rewrite_holding(table, replaced, keep, delete)
        if added:
            self._add_rows(table, added)

    def _add_rows(self, table: Table, rows: list[tuple[Any, ...]]) -> None:
        """Rows whose keys a one-folder table does not hold, as a new part of it."""
        self.conn.register("cx_rows", self._staged_arrays(table, rows))
        try:
            self._add_part(self.root / table.name, f"SELECT {typed(table)} FROM cx_rows")
        finally:
            self.conn.unregister("cx_rows")

    def _rewrite_holding(
        self, table: Table, rows: list[tuple[Any, ...]], keep: Sequence[str], delete: Sequence[str]
    ) -> None:
        """Rewrite each file of a one-folder table holding a key of `rows` or `delete`: those
        rows replaced (their `keep` columns as stored), the deleted ones left out. A part left
        empty is removed, unless it is the folder's last file (the table's view reads the folder)."""
        (key,) = table.primary_key
        folder = self.root / table.name
        self.conn.register("cx_rows", self._staged_arrays(table, rows))
        self._register_ids("cx_delete", delete)
        try:
            touched = f"(SELECT {key} FROM cx_rows UNION ALL SELECT record_id AS {key} FROM cx_delete)"
            columns = ", ".join(f"COALESCE(o.{c}, n.{c}) AS {c}" if c in keep else f"n.{c}" for c in table.column_names)
            for path in self._files_holding(folder, key, touched):
                old = f"read_parquet({literal(path)})"
                select = (
                    f"SELECT * FROM {old} WHERE {key} NOT IN (SELECT {key} FROM cx_rows) "
                    f"AND {key} NOT IN (SELECT record_id FROM cx_delete) UNION ALL "
                    f"SELECT {columns} FROM (SELECT {typed(table)} FROM cx_rows) n JOIN {old} o USING ({key})"
                )
                emptied = not self.conn.execute(f"SELECT COUNT(*) FROM ({select})").fetchall()[0][0]
                if emptied and len(files.folder_files(folder)) > 1:
                    path.unlink()
                else:
                    files.replace_atomically(self.conn, select, path)
        finally:
            self.conn.unregister("cx_rows")
            self.conn.unregister("cx_delete")

    def _upsert_file(self, table: Table, rows: list[tuple[Any, ...]], *, delete: Sequence[str] = ()) -> None:
        """Merge rows into a one-file table by its primary key, dropping the rows whose
        (single-column) key is in `delete`."""
        key = ", ".join(table.primary_key)
        self.conn.register("cx_rows", self._staged_arrays(table, rows))
        self._register_ids("cx_delete", delete)
        try:
            old = f"read_parquet({literal(files.table_file(self.root, table))})"
            select = (
                f"SELECT {typed(table)} FROM cx_rows UNION ALL "
                f"SELECT * FROM {old} WHERE ({key}) NOT IN (SELECT ({key}) FROM cx_rows) "
                f"AND {table.primary_key[0]} NOT IN (SELECT record_id FROM cx_delete)"
            )
            files.replace_atomically(self.conn, select, files.table_file(self.root, table))
        finally:
            self.conn.unregister("cx_rows")
            self.conn.unregister("cx_delete")
