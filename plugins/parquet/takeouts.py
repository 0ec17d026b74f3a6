"""The old versions of re-written records that a Parquet sync takes out of the files it found,
once per source rather than once per batch.

A batch of changed records adds their new versions as parts; their old versions sit in the files
the sync found in the lake (its parts are never them: a record a sync writes twice is taken out
of its own parts at once). Rewriting those files per batch rewrote every file of a source holding
one changed record, batch after batch (50,000 edited records onto a 1M-record lake: 70 s of CPU).
So a batch names the records and the files here, in a journal entry of its own
(`_cxbridge/takeouts/<n>.json`, written before its cursor is saved), and the end of the source
(or `TAKE_OUT_AT` ids) rewrites each named file once without them. Every copy of a named record
in a named file is an old version: the sync writes no record into a file it found. A sync that
finds entries when it opens the lake (a crash left them) takes the records out first, but for
those of a batch cut short, which its undo forgets (`batch_journal`): their old versions stay.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from pathlib import Path

from cxbridge.plugins.parquet import files

TAKE_OUT_AT = 100_000
"""Ids named before the take-out runs mid-source: it rewrites every named file, so a re-sync of
N changed records rewrites them about N / TAKE_OUT_AT + 1 times (once per batch of 10,000
before), and the ids held meanwhile (in memory and in the readers' exclusion) stay bounded."""


class TakeOuts:
    """The records to take out of the files a sync found, journaled under `_cxbridge/takeouts/`."""

    def __init__(self, root: Path):
        self.root = root
        self.folder = root / "_cxbridge" / "takeouts"
        self.ids: set[str] = set()
        self.files: set[Path] = set()
        self._entries = 0

    def __len__(self) -> int:
        return len(self.ids)

    def __bool__(self) -> bool:
        return bool(self.ids)

    def load(self, *, before: int | None = None) -> None:
        """The entries a sync stopped before its take-out left (none after a clean one); with
        `before`, those numbered lower only (a reader leaving out a batch cut short)."""
        for entry in sorted(self.folder.glob("*.json")) if self.folder.is_dir() else []:
            if before is not None and int(entry.stem) >= before:
                continue
            try:
                named = json.loads(entry.read_text(encoding="utf-8"))
            except FileNotFoundError:  # a read-only open while the sync took them out
                continue
            self.ids.update(named["ids"])
            self.files.update(self.root / name for name in named["files"])
            self._entries += 1

    def add(self, ids: Iterable[str], found: Iterable[Path]) -> list[str]:
        """Name these records to be taken out of these files (files the sync found), on disk
        first; the ids not named before. The take-out reads every id against every file."""
        new_ids, new_files = sorted(set(ids) - self.ids), sorted(set(found) - self.files)
        if new_ids or new_files:
            self.folder.mkdir(parents=True, exist_ok=True)
            entry = {"ids": new_ids, "files": [str(path.relative_to(self.root)) for path in new_files]}
            files.write_atomically(self.folder / f"{self._entries:06d}.json", json.dumps(entry))
            self._entries += 1
            self.ids.update(new_ids)
            self.files.update(new_files)
        return new_ids

    @property
    def entries(self) -> int:
        """How many entries are named (the next one's number)."""
        return self._entries

    def forget_from(self, first: int) -> None:
        """Forget the entries from the `first`-th on (a batch that did not end named them): the
        records they named stay in their files."""
        for entry in self.folder.glob("*.json") if self.folder.is_dir() else []:
            if int(entry.stem) >= first:
                entry.unlink()
        self.ids, self.files, self._entries = set(), set(), 0
        self.load()

    def holds(self, record_id: str, path: Path) -> bool:
        """Whether this stored copy is an old version waiting to be taken out."""
        return path in self.files and record_id in self.ids

    def of_table(self, folder: Path) -> list[Path]:
        """The named files of a table's folder."""
        return sorted(path for path in self.files if path.is_relative_to(folder))

    def clear(self) -> None:
        """Forget the entries: every named file was rewritten without the named records."""
        shutil.rmtree(self.folder, ignore_errors=True)
        self.ids, self.files, self._entries = set(), set(), 0
