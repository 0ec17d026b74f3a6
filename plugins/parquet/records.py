"""The record tables of a Parquet lake (feedback, scores, comments, partitioned by source and
month): a batch's changed records added as a part file in each partition they enter (a table's
rows staged once, in month order, and written by one partitioned COPY up to COPY_ROWS rows); their
old versions taken out (of the files the sync found once at the end of the source, `TakeOuts`;
of the sync's own parts at once); `duplicate_of` links set. What a batch is writing is journaled
first (`batch_journal`), so that one cut short is undone."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cxbridge.layout import FEEDBACK, TABLES_BY_NAME, Table
from cxbridge.plugins.parquet import files
from cxbridge.plugins.parquet.files import PARTITIONED, literal, typed
from cxbridge.sql_rows import LINKS

_SOURCE = FEEDBACK.column_names.index("source")
_SUBMITTED = FEEDBACK.column_names.index("submitted_at")
COPY_ROWS = 1_000
"""Rows of a record table a batch writes by one partitioned COPY at most; more are written by a
COPY a month, as a statement's cost is then small beside its rows'. DuckDB's partitioned writer
holds and sorts every row of its COPY until it ends: a 10,000-row batch of `feedback` peaked 12 MB
higher than by a COPY a month (2.5 MB even with one month a partitioned COPY), and at 2,000 the
bench's 100k sync (its first batch 1,500 records) peaked 1.3-2.7 MB higher (bench/JOURNAL.md,
"Parquet — one partitioned COPY per table a batch")."""


class RecordTables:
    """ParquetDestination's writing of the record tables (`_stored`: the batch's stored copies;
    `_takeouts`: the old versions named to be taken out)."""

    def _stored_copies(self, source: str, record_ids: list[str]) -> dict[str, list[tuple[str, Path]]]:
        """The content hash and file of every stored copy of these records (but the old versions
        named to be taken out)."""
        pattern = files.partition_glob(self.root, FEEDBACK, source)
        stored: dict[str, list[tuple[str, Path]]] = {}
        if not record_ids or not files.has_files(pattern):
            return stored
        self._register_ids("cx_ids", record_ids)
        try:
            with self._built_on_keys():
                found = self.conn.execute(
                    f"SELECT record_id, content_hash, filename FROM read_parquet({literal(pattern)}, filename = true) "
                    "WHERE record_id IN (SELECT record_id FROM cx_ids)"
                ).fetchall()
        finally:
            self.conn.unregister("cx_ids")
        for record_id, content_hash, filename in found:
            if not self._takeouts.holds(record_id, path := Path(filename)):
                stored.setdefault(record_id, []).append((content_hash, path))
        return stored

    def _write_records(self, source: str, changed: list, dropped: list[str]) -> None:
        """Add the changed records as a part file in each partition (of each record table) they
        enter, then name their older copies in the files the sync found, and the dropped records',
        to be taken out at the end of the source (`TakeOuts`), and take those in parts the sync
        added out at once. A crash in between leaves a record twice, which the re-run writes
        again once."""
        stale = [r.record_id for r in changed if r.record_id in self._stored] + dropped
        by_month = sorted(_by_month(source, changed).items(), key=lambda item: str(item[0]))
        added: set[Path] = set()
        for table in PARTITIONED:
            added.update(self._add_records(table, source, by_month))
        copies = [(rid, path) for rid in stale for _, path in self._stored.get(rid, [])]
        self._name_takeouts([(rid, path) for rid, path in copies if path not in self._own_parts])
        own = [(rid, path) for rid, path in copies if path in self._own_parts]
        self._register_ids("cx_changed", [rid for rid, _ in own])
        try:
            for partition in sorted({files.partition_of(path.parent) for _, path in own}, key=str):
                for table in PARTITIONED:
                    self._take_out(table, *partition, added, within=self._own_parts)
        finally:
            self.conn.unregister("cx_changed")

    def _add_records(self, table: Table, source: str, by_month: list) -> list[Path]:
        """A record table's rows of the batch, as a new part file in each partition they enter,
        staged once in month order: up to COPY_ROWS rows by one partitioned COPY (`_add_months`;
        a COPY per partition cost a statement and a scan each, twelve a table for a batch spanning
        a year), more by a COPY a month (`_add_month`)."""
        months = [(month, len(tables[table])) for month, tables in by_month if tables[table]]
        if not months:
            return []
        arrays = self._staged_arrays(table, [row for _, tables in by_month for row in tables[table]])
        if sum(count for _, count in months) <= COPY_ROWS:
            return self._add_months(table, source, months, arrays)
        added, start = [], 0
        for month, count in months:
            rows = {name: array[start : start + count] for name, array in arrays.items()}
            added.append(self._add_month(table, source, month, rows))
            start += count
        return added

    def _add_months(self, table: Table, source: str, months: list, arrays: dict[str, Any]) -> list[Path]:
        """These months' rows of a record table (`arrays`, in month order; `months` their counts),
        each given the index of its month, as a new part file in each month's partition."""
        import numpy as np  # there whenever the rows could be staged (`column_arrays`)

        arrays[files.PARTITION] = np.repeat(np.arange(len(months), dtype=np.int32), [count for _, count in months])
        self.conn.register("cx_new", arrays)
        try:
            incoming = f"SELECT {typed(table, files.file_columns(table))}, {files.PARTITION} FROM cx_new"
            folders = [files.partition_dir(self.root, table, source, month) for month, _ in months]
            return self._add_parts(folders, incoming)
        finally:
            self.conn.unregister("cx_new")

    def _add_month(self, table: Table, source: str, month: str | None, arrays: dict[str, Any]) -> Path:
        """One month's rows of a record table, as a new part file in its partition."""
        self.conn.register("cx_new", arrays)
        try:
            incoming = f"SELECT {typed(table, files.file_columns(table))} FROM cx_new"
            return self._add_part(files.partition_dir(self.root, table, source, month), incoming)
        finally:
            self.conn.unregister("cx_new")

    def _name_takeouts(self, copies: list[tuple[str, Path]]) -> None:
        """Name these old copies, in files the sync found, to be taken out (`TakeOuts`): every
        file the sync found in their partitions, of each record table (a record's scores and
        comments are in its feedback row's partition). Readers of this connection no longer see
        them (`_table_select`)."""
        if not copies:
            return
        found = []
        for source, month in {files.partition_of(path.parent) for _, path in copies}:
            for table in PARTITIONED:
                folder = files.partition_dir(self.root, table, source, month)
                found += [path for path in files.folder_files(folder) if path not in self._own_parts]
        self._exclude(self._takeouts.add([rid for rid, _ in copies], found))

    def _exclude(self, record_ids: Iterable[str]) -> None:
        """Add these ids to `cx_takeout`, the ids the views leave out of the files named with them."""
        self._add_ids("cx_takeout", sorted(record_ids))

    def _add_ids(self, name: str, record_ids: list[str]) -> None:
        """Add these ids to the session's table `name` (made if it is not there)."""
        self.conn.execute(f"CREATE TABLE IF NOT EXISTS {name} (record_id VARCHAR)")
        self._register_ids("cx_ids", record_ids)
        try:
            self.conn.execute(f"INSERT INTO {name} SELECT record_id FROM cx_ids")
        finally:
            self.conn.unregister("cx_ids")

    def _take_out_named(self) -> None:
        """Rewrite each file named in `TakeOuts` that holds one of its records without them, then
        forget them (the journal last: a crash part-way takes out the rest at the next open)."""
        if not self._takeouts:
            return
        self._register_ids("cx_changed", sorted(self._takeouts.ids))
        try:
            for path in sorted(self._takeouts.files):
                if path.exists():
                    self._take_out_of(TABLES_BY_NAME[path.relative_to(self.root).parts[0]], path)
        finally:
            self.conn.unregister("cx_changed")
        self._takeouts.clear()
        self.conn.execute("DROP TABLE IF EXISTS cx_takeout")

    def _take_out(
        self, table: Table, source: str, month: str | None, added: set[Path], *, within: set[Path] | None = None
    ) -> None:
        """Rewrite each file of a partition (of those `within`, if given) holding a record of
        `cx_changed` without it (the parts this batch added hold the new versions and stay)."""
        folder = files.partition_dir(self.root, table, source, month)
        if within is not None and not any(path in within for path in files.folder_files(folder)):
            return
        for path in self._files_holding(folder, "record_id", "cx_changed"):
            if path not in added and (within is None or path in within):
                self._take_out_of(table, path)

    def _take_out_of(self, table: Table, path: Path) -> None:
        """Rewrite one file of a record table holding records of `cx_changed` without them (the
        others in the order it holds them), or remove it if none is left."""
        source = f"read_parquet({literal(path)}, hive_partitioning = false)"
        changed = "record_id IN (SELECT record_id FROM cx_changed)"
        with self._built_on_keys():
            [(held, rows)] = self.conn.execute(f"SELECT COUNT(*) FILTER ({changed}), COUNT(*) FROM {source}").fetchall()
        if held and held == rows:
            files.remove_partition_file(path)
        elif held:
            files.replace_atomically(
                self.conn, f"SELECT {', '.join(files.file_columns(table))} FROM {source} WHERE NOT {changed}", path
            )

    def _set_links(self, links: dict[str, str | None]) -> None:
        """Set `duplicate_of` of these records, rewriting each feedback file that holds one."""
        pattern = files.partition_glob(self.root, FEEDBACK)
        if not files.has_files(pattern):
            return
        self.conn.register("cx_links", self._staged_arrays(LINKS, sorted(links.items())))
        try:
            with self._built_on_keys():
                found = self.conn.execute(
                    f"SELECT DISTINCT filename FROM read_parquet({literal(pattern)}, filename = true) "
                    "WHERE record_id IN (SELECT record_id FROM cx_links)"
                ).fetchall()
            linked = "CASE WHEN l.record_id IS NULL THEN f.duplicate_of ELSE l.duplicate_of END AS duplicate_of"
            columns = ", ".join(linked if c == "duplicate_of" else f"f.{c}" for c in files.file_columns(FEEDBACK))
            for (filename,) in sorted(found):
                select = (
                    f"SELECT {columns} FROM read_parquet({literal(filename)}) f "
                    "LEFT JOIN cx_links l ON l.record_id = f.record_id ORDER BY f.record_id"
                )
                files.replace_atomically(self.conn, select, Path(filename))
        finally:
            self.conn.unregister("cx_links")


def _month(feedback: tuple[Any, ...]) -> str | None:
    submitted = feedback[_SUBMITTED]
    return submitted[:7] if submitted else None


def _by_month(source: str, changed: list) -> dict[str | None, dict[Table, list[tuple[Any, ...]]]]:
    """The rows of the changed records by the month of their record, then by record table (a
    feedback row in its own source's partitions only). Gathered in lists by position, not by
    `Table`: a frozen dataclass hashes all its columns at each look-up, three a record, which was
    a tenth of the bench's 100,000-record sync (bench/JOURNAL.md, "Parquet — a first sync's parts
    merged at its end")."""
    months: dict[str | None, tuple[list[tuple[Any, ...]], ...]] = {}
    for r in changed:
        month = _month(r.feedback)
        if (rows := months.get(month)) is None:
            rows = months[month] = ([], [], [])
        feedback, scores, comments = rows
        if r.feedback[_SOURCE] == source:
            feedback.append(r.feedback)
        scores += r.scores
        comments += r.comments
    return {month: dict(zip(PARTITIONED, rows)) for month, rows in months.items()}
