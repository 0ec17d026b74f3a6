"""The part files a Parquet sync adds to the lake's folders, and their merging: during a sync,
`MERGE_AT` parts of one level into one of the next, and at its end all of them, so a folder holds
a few files whatever the number of batches (`files.merge`, journaled against crashes)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from cxbridge.layout import QUARANTINE
from cxbridge.plugins.parquet import files

MERGE_AT = 8
"""Parts of one level a sync has added to a folder that it merges into one part of the next level
(a batch's parts are level 0, a merge of eight of them level 1, …): a folder holds at most seven
parts a level during a sync (about fifteen at 1M records), and each row is rewritten once a level.
Every lookup of a batch opens each file of a table: on the bench's 100k lake, a 10,000-id lookup
of `feedback` over 120 files took 5× the CPU and 40–80 MB more than over 12. Eight rather than
four: the bench's 1M first sync (which looks nothing up) rewrites each row at one level less,
−9 % CPU for +1–4 MB at the peak (bench/JOURNAL.md, "Parquet — zstd at level 1, a batch staged
once")."""
FIRST_SYNC_MERGE_AT = 128
"""MERGE_AT in a first sync (its batches `Batch.unstored`: the lake held no record and no case of
the source when it began) into a lake holding no other source's records, for every folder but
the quarantine's (which every batch reads): its batches add their parts without reading the
folders, so merging them as it goes buys nothing but fewer files for other readers (beside other
sources' records, cross-source identity reads every `feedback` file in each batch: merged at
MERGE_AT then, `ParquetDestination._alone`). The bench's 1M first sync (100 batches) then merges each folder
once, at its end (each row written twice, against 3.6 times at eight): −6 to −14 % CPU, the same
peak; 64 merged once more at batch 64, for more CPU in two of three rounds and up to 6 MB more
at the peak (bench/JOURNAL.md, "Parquet — a first sync's parts merged at its end"). A longer one
still merges by level (up to 127 parts a level; at 10M records each row written about three
times); the rare batch naming an id the sync may have written (the loop's fingerprints' false
positives, 3–6 of the bench's 100) looks up over them."""
MAX_FILES = 8
"""Files a folder keeps after a sync: past that, the end of a sync merges them all into one, so
a lake synced daily does not gather a file per partition a day (each merge rewrites the folder
once every MAX_FILES syncs, not every sync)."""
log = logging.getLogger("cxbridge.plugins.parquet.destination")


class PartFiles:
    """ParquetDestination's parts: each new one recorded by folder (`_parts`, `_own_parts`; how deep
    a merge, `_levels`), merged as the sync goes."""

    def _add_part(self, folder: Path, select: str) -> Path:
        """Write the rows of `select` as a new part file of a folder."""
        part = files.new_part(folder)
        files.replace_atomically(self.conn, select, part)
        return self._record_part(folder, part)

    def _add_parts(self, folders: Sequence[Path], select: str) -> list[Path]:
        """Write the rows of `select` as a new part file in each of `folders` that gets some, by
        one partitioned COPY: its column `files.PARTITION` is the index of a row's folder."""
        with files.staged_partitions(self.conn, select, self.root) as staged:
            return [self._record_part(folders[i], files.move_in_part(path, folders[i])) for i, path in staged]

    def _record_part(self, folder: Path, part: Path) -> Path:
        """Record a part just added to a folder. Its name may be that of a part this connection
        added and removed since (emptied by a take-out or a release): that one is forgotten, or
        the merge would read the new part twice."""
        written = self._parts.setdefault(folder, [])
        if part in written:
            written.remove(part)
            self._levels.pop(part, None)
        written.append(part)
        self._own_parts.add(part)
        return part

    def _merge_parts(self, *, final: bool, first_sync: bool = False) -> None:
        """Merge the parts this connection added to each folder: MERGE_AT parts of one level into
        one of the next; at the end of a sync (`final`) all of them into one, then every file of
        a folder holding more than MAX_FILES. A failed merge leaves the parts (the rows are
        stored either way) and is logged, not raised: the next sync merges them. In a `first_sync`,
        FIRST_SYNC_MERGE_AT parts a level (but in the quarantine's folder, which every batch reads)."""
        for folder, written in list(self._parts.items()):
            merge_at = FIRST_SYNC_MERGE_AT if first_sync and folder.name != QUARANTINE.name else MERGE_AT
            if not final and len(written) < merge_at:  # no level can have enough (not one stat a part a batch)
                continue
            parts = [part for part in written if part.exists()]
            done = final
            try:
                if final:
                    if len(parts) > 1:
                        files.merge(self.conn, parts, parts[0])
                    if len(stored := files.folder_files(folder)) > MAX_FILES and not self._takeouts.of_table(folder):
                        files.merge(self.conn, stored, stored[0])
                level = 0
                while not final and len(same := [p for p in parts if self._levels.get(p, 0) == level]) >= merge_at:
                    files.merge(self.conn, same, same[0])
                    self._levels[same[0]] = level = level + 1
                    parts = [part for part in parts if part not in same[1:]]
            except Exception as exc:  # noqa: BLE001 - housekeeping: the data is stored whole either way
                log.warning("could not merge the part files of %s: %s", folder, exc)
                done = True  # leave this folder's parts to the next sync
            if done:
                del self._parts[folder]
            else:
                self._parts[folder] = parts
