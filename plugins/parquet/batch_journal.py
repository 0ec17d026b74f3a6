"""The batch journal of a Parquet lake (`_cxbridge/batch.json`): until a batch's cursor is saved
it names what the batch is writing — its records, the parts they go to, those of them the sync
wrote before (taken out of its own parts at once), the old versions it names to be taken out, the
`duplicate_of` links it changes — so that whatever finds a batch cut short undoes it (the failed
batch itself, the lake's close, the next batch, the next sync), leaving the lake as the batch
found it, and readers meanwhile leave it out."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from cxbridge.destinations import Batch
from cxbridge.layout import FEEDBACK, SYNC_STATE, TABLES_BY_NAME
from cxbridge.plugins.duckdb.staging import column_arrays
from cxbridge.plugins.parquet import files
from cxbridge.plugins.parquet.files import PARTITIONED, literal
from cxbridge.sql_rows import LINKS
from cxbridge.tables import to_json

log = logging.getLogger("cxbridge.plugins.parquet.destination")


class BatchJournal:
    """ParquetDestination's batch journal (`_stored`, `_own_parts`, `_takeouts`: the batch's
    stored copies, the sync's parts and the old versions named, as `RecordTables` keeps them)."""

    @property
    def _batch_journal(self) -> Path:
        return self.root / "_cxbridge" / "batch.json"

    def _begin_records(
        self,
        batch: Batch,
        record_ids: list[str],
        dropped: list[str],
        now: str,
        *,
        unstored: bool,
    ) -> None:
        """Name the records whose rows the batch is about to add (its feedback parts, then its
        scores' and comments' parts); those of them, and of the `dropped` ones, whose earlier
        version this sync wrote (`rewritten`: `_write_records` takes it out of the sync's own
        parts at once, table by table); the cursor row that says the batch ended; the first
        part number it may add in each folder of its source's partitions; the first entry of
        `TakeOuts` it may name; and the `duplicate_of` the stored records its links change hold
        now (`links_before`: `_set_links` rewrites them, other sources' records among them; its
        own records not stored have none to keep, and with only those nothing is read). A crash
        in between would leave a record whose content hash is stored but not all
        of its rows, which the re-run's comparison takes as unchanged: `_undo_unfinished_batch`
        takes them out of the parts the batch added (the `rewritten` ones out of every file), the
        old versions it named stay, and the links it set are set back. An `unstored` batch's
        records are in no older file: its parts are not numbered (no listing of the source's
        folders a batch of a first sync)."""
        cursor = batch.cursor
        written = {rows.record_id for rows in batch.records}
        linked = [rid for rid in batch.links if rid in self._stored or rid not in written]
        own = [
            rid
            for rid in [*record_ids, *dropped]
            if any(path in self._own_parts for _, path in self._stored.get(rid, []))
        ]
        entry = {
            "source": batch.source,
            "record_ids": record_ids,
            "rewritten": own,
            "ends_with": None if cursor is None else [cursor.stream, to_json(cursor.value), now, batch.run_id],
            "new_parts": None if unstored else self._next_parts(batch.source),
            "takeouts_from": self._takeouts.entries,
            "links_before": self._stored_links(linked),
        }
        files.write_atomically(self._batch_journal, json.dumps(entry))

    def _stored_links(self, record_ids: list[str]) -> dict[str, str | None]:
        """The `duplicate_of` of these records as stored (of any source; one of a record's
        stored rows)."""
        pattern = files.partition_glob(self.root, FEEDBACK)
        if not record_ids or not files.has_files(pattern):
            return {}
        self._register_ids("cx_linked", record_ids)
        try:
            with self._built_on_keys():
                return dict(self.conn.execute(
                    f"SELECT record_id, duplicate_of FROM read_parquet({literal(pattern)}) "
                    "WHERE record_id IN (SELECT record_id FROM cx_linked)"
                ).fetchall())  # fmt: skip
        finally:
            self.conn.unregister("cx_linked")

    def _next_parts(self, source: str) -> dict[str, int]:
        """Each folder of the source's partitions of the record tables (relative to the lake)
        with the number its next part gets (`files.new_part`)."""
        return {
            str(folder.relative_to(self.root)): files.part_number(files.new_part(folder))
            for folder in self._partition_folders(source)
        }

    def _partition_folders(self, source: str) -> list[Path]:
        return [folder for table in PARTITIONED
                for folder in sorted((self.root / table.name / f"source={source}").glob("month=*"))]  # fmt: skip

    def _undo_unfinished_batch(self) -> None:
        """Take the rows of the records a batch cut short was writing (`_begin_records`) out of
        the parts it added, and forget the old versions it named to be taken out, unless its
        cursor was saved: the lake holds those records as before the batch, and the re-run reads
        them again from the cursor before it. (A record the sync had written in an earlier batch
        and wrote again or dropped here, `rewritten`, is taken out of every file, absent until
        then: the batch took its earlier version out of the sync's own parts at once, table by
        table.) A batch is cut short by a crash (found at the next open) or by an exception (taken
        out as it propagates, `write_batch`, or else before the connection's next batch: a source
        that fails lets the next one write, and a batch journals over the last). Readers meanwhile
        leave its rows out (`_hide_unfinished_batch`)."""
        if entry := self._unfinished_batch():
            log.warning("%s: a batch stopped while writing %d records; the rows it added are taken out and written again",
                        self.root, len({*entry["record_ids"], *entry.get("rewritten", [])}))  # fmt: skip
            folders = self._partition_folders(entry["source"])
            self._take_out_of_parts(folders, entry["record_ids"], entry.get("new_parts"))
            self._take_out_of_parts(folders, entry.get("rewritten", []), None)
            if (first := entry.get("takeouts_from")) is not None:  # a journal of cxbridge before 2026-12-05 has none
                self._forget_takeouts_from(first)
            if links := entry.get("links_before"):
                with self._written():
                    self._set_links(links)
        self._batch_journal.unlink(missing_ok=True)

    def _unfinished_batch(self) -> dict[str, Any] | None:
        """The journal of a batch cut short (or being written), unless its cursor was saved."""
        try:
            entry = json.loads(self._batch_journal.read_text(encoding="utf-8"))
        except FileNotFoundError:  # none, or a read-only open as the batch ended
            return None
        return None if self._cursor_saved(entry["source"], entry["ends_with"]) else entry

    def _hide_unfinished_batch(self, entry: dict[str, Any]) -> None:
        """For a reader: leave the rows of a batch cut short (`_undo_unfinished_batch`) out of
        the record tables' views — its records in the parts it added (`_unread_parts`,
        `cx_unfinished`), those it wrote again out of every file (`cx_rewritten`) — so that a
        report after a crash reads the lake as the next sync will leave it once it undoes the
        batch; the old versions it named are not loaded (`open`)."""
        for folder in self._partition_folders(entry["source"]):
            added = _parts_from(folder, entry.get("new_parts"), self.root)
            self._unread_parts.setdefault(folder.parent.parent.name, set()).update(added)
        self._add_ids("cx_unfinished", entry["record_ids"])
        self._add_ids("cx_rewritten", entry.get("rewritten", []))
        if links := entry.get("links_before"):
            self.conn.register("cx_links", column_arrays(LINKS, sorted(links.items())).arrays)
            try:
                self.conn.execute("CREATE TABLE cx_links_before AS SELECT record_id, duplicate_of FROM cx_links")
            finally:
                self.conn.unregister("cx_links")
            self._links_unread = True

    def _take_out_of_parts(self, folders: list[Path], record_ids: list[str], new_parts: dict[str, int] | None) -> None:
        """Take these records out of the parts a batch added to these folders (`_parts_from`:
        by `new_parts`, or every file if None)."""
        if not record_ids:
            return
        self._register_ids("cx_changed", record_ids)
        try:
            for folder in folders:
                table = TABLES_BY_NAME[folder.parent.parent.name]
                added = _parts_from(folder, new_parts, self.root)
                self._take_out(table, *files.partition_of(folder), added=set(), within=added)
        finally:
            self.conn.unregister("cx_changed")

    def _forget_takeouts_from(self, first: int) -> None:
        """Forget the old versions named from `TakeOuts`' `first` entry on: readers see them again."""
        if self._takeouts.entries > first:
            self._takeouts.forget_from(first)
            self.conn.execute("DROP TABLE IF EXISTS cx_takeout")
            if self._takeouts:
                self._exclude(self._takeouts.ids)

    def _cursor_saved(self, source: str, ends_with: list[str] | None) -> bool:
        state = files.table_file(self.root, SYNC_STATE)
        if ends_with is None or not state.exists():
            return False
        stream, cursor, now, run_id = ends_with
        return bool(self.conn.execute(
            f"SELECT COUNT(*) FROM read_parquet({literal(state)}) WHERE source = ? AND stream = ? AND cursor = ? "
            "AND updated_at = CAST(? AS TIMESTAMP) AND sync_run_id = ?", [source, stream, cursor, now, run_id],
        ).fetchall()[0][0])  # fmt: skip


def _parts_from(folder: Path, new_parts: dict[str, int] | None, root: Path) -> set[Path]:
    """The files of a folder a batch added, by the numbers `_begin_records` journaled (every
    file if none: an `unstored` batch, or a folder it made)."""
    if new_parts is None:
        return set(files.folder_files(folder))
    first = new_parts.get(str(folder.relative_to(root)), 0)
    return {
        path
        for path in files.folder_files(folder)
        if (number := files.part_number(path)) is not None and number >= first
    }
