"""The record ids one source's sync has written, for a sync into a destination that held no
records and no cases when the source began: what it has not written cannot be stored, so the
loop need not ask the destination about it (`cxbridge.loop.opening`)."""

from __future__ import annotations

from collections.abc import Iterable

_BITS = 1 << 24  # 2 MiB, one bit an id: about 0.6 % false positives at 100k ids, 6 % at 1M
_MASK = _BITS - 1


class WrittenIds:
    """A Bloom filter of record ids (one bit each, at the id's hash): `maybe_written` keeps every
    id added — and, rarely, another one, which is then looked up as if it had been written."""

    def __init__(self) -> None:
        self._bits = bytearray(_BITS // 8)

    def add(self, record_ids: Iterable[str]) -> None:
        bits = self._bits
        for record_id in record_ids:
            slot = hash(record_id) & _MASK
            bits[slot >> 3] |= 1 << (slot & 7)

    def check_in(self, record_ids: Iterable[str]) -> list[str]:
        """Add the ids (distinct ones), and say which of them may have been added before (every
        one that was): `maybe_written` then `add` in one pass over them."""
        bits, before = self._bits, []
        for record_id in record_ids:
            slot = hash(record_id) & _MASK
            at, bit = slot >> 3, 1 << (slot & 7)
            if bits[at] & bit:
                before.append(record_id)
            else:
                bits[at] |= bit
        return before

    def maybe_written(self, record_ids: Iterable[str]) -> list[str]:
        """The ids among `record_ids` that may have been added (every one that was)."""
        bits = self._bits
        return [rid for rid in record_ids if bits[(slot := hash(rid) & _MASK) >> 3] >> (slot & 7) & 1]
