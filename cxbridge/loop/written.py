"""The record ids one source's sync has written, for a sync into a destination that held no
records and no cases when the source began: what it has not written cannot be stored, so the
loop need not ask the destination about it (`cxbridge.loop.opening`)."""

from __future__ import annotations

from collections.abc import Iterable

_BITS = 1 << 24  # 2 MiB: two bits an id, about 1 % false positives at 1M ids, 0.01 % at 100k
_MASK = _BITS - 1


class WrittenIds:
    """A Bloom filter of record ids (two bits each, from the id's hash): `unseen` is True only
    for an id never added; an id added — or, rarely, another one — is looked up as before."""

    def __init__(self) -> None:
        self._bits = bytearray(_BITS // 8)

    def add(self, record_ids: Iterable[str]) -> None:
        bits = self._bits
        for record_id in record_ids:
            digest = hash(record_id)
            first, second = digest & _MASK, (digest >> 24) & _MASK
            bits[first >> 3] |= 1 << (first & 7)
            bits[second >> 3] |= 1 << (second & 7)

    def unseen(self, record_id: str) -> bool:
        digest = hash(record_id)
        first, second = digest & _MASK, (digest >> 24) & _MASK
        return not (self._bits[first >> 3] >> (first & 7) & 1 and self._bits[second >> 3] >> (second & 7) & 1)
