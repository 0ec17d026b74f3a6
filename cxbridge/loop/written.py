"""The record ids one source's sync has written, for a sync into a destination that held no
records and no cases when the source began: what it has not written cannot be stored, so the
loop need not ask the destination about it (`cxbridge.loop.opening`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

_BITS = 1 << 24  # 2 MiB, one bit an id: about 0.6 % false positives at 100k ids, 6 % at 1M
_MASK = _BITS - 1


class WrittenIds:
    """A Bloom filter of record ids (one bit each, at the id's hash): `maybe_written` keeps every
    id added — and, rarely, another one, which is then looked up as if it had been written.

    With `prints`, each id's fingerprint (32 other bits of its hash, 4 bytes an id) is kept too,
    and an id the filter names is named only if its fingerprint is among those added: at 1M ids
    added, the filter alone names one id in 17 of the others, with fingerprints one in 70,000
    (6 % × 1 / 4,300). For a destination whose every look-up reads a whole column
    (`Destination.scans_for_ids`): at 1M records the bench's first sync asked DuckDB about the
    filter's false positives in every batch, 10.5 s of its 93 s of CPU. The fingerprints are
    NumPy arrays: such a destination imports NumPy for its batches anyway."""

    def __init__(self, *, prints: bool = False) -> None:
        self._bits = bytearray(_BITS // 8)
        self._np: Any = None
        if prints:
            import numpy

            self._np = numpy
        self._runs: list[Any] = []
        """The fingerprints added, as sorted arrays, each longer than the next: a call's own is
        merged with those no longer than it, so an id is merged about log2(ids / a call's ids) times."""

    def check_in(self, record_ids: Iterable[str]) -> list[str]:
        """Add the ids (distinct ones), and say which of them may have been added before (every
        one that was): `maybe_written` and adding them in one pass over them."""
        bits, before, hashes = self._bits, [], []
        for record_id in record_ids:
            hashes.append(hashed := hash(record_id))
            slot = hashed & _MASK
            at, bit = slot >> 3, 1 << (slot & 7)
            if bits[at] & bit:
                before.append(record_id)
            else:
                bits[at] |= bit
        before = self._printed(before)
        self._keep(hashes)
        return before

    def maybe_written(self, record_ids: Iterable[str]) -> list[str]:
        """The ids among `record_ids` that may have been added (every one that was)."""
        bits = self._bits
        return self._printed([rid for rid in record_ids if bits[(slot := hash(rid) & _MASK) >> 3] >> (slot & 7) & 1])

    def _keep(self, hashes: list[int]) -> None:
        np, runs = self._np, self._runs
        if np is None or not hashes:
            return
        run = np.sort(np.fromiter((hashed >> 32 & 0xFFFFFFFF for hashed in hashes), np.uint32, len(hashes)))
        while runs and len(runs[-1]) <= len(run):
            run = np.sort(np.concatenate((runs.pop(), run)), kind="stable")  # two sorted runs merged
        runs.append(run)

    def _printed(self, record_ids: list[str]) -> list[str]:
        """Those of `record_ids` (named by the filter) whose fingerprint was added."""
        np = self._np
        if np is None or not record_ids:
            return record_ids
        prints = np.fromiter((hash(rid) >> 32 & 0xFFFFFFFF for rid in record_ids), np.uint32, len(record_ids))
        found = np.zeros(len(prints), dtype=bool)
        for run in self._runs:
            found |= run[np.minimum(np.searchsorted(run, prints), len(run) - 1)] == prints
        return [rid for rid, printed in zip(record_ids, found.tolist()) if printed]
