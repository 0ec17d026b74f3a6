"""Deterministic identifiers: the same response gets the same ids on every machine and re-sync
(respondents are keyed apart, by a salted hash: `cxbridge.respondents`)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable


def record_id(source: str, stream: str, native_id: str) -> str:
    """32 hex digits from (source, stream, native id): the primary key of `feedback`."""
    key = "\x1f".join((source, stream, native_id)).encode()
    return hashlib.blake2b(key, digest_size=16).hexdigest()


def record_ids(source: str, stream: str) -> Callable[[str], str]:
    """`record_id(source, stream, native_id)` as a function of the native id: a copy of a BLAKE2b
    already fed the source and stream, which costs less than a new one per record (issue 19)."""
    start = hashlib.blake2b(f"{source}\x1f{stream}\x1f".encode(), digest_size=16)

    def record_id_of(native_id: str) -> str:
        hashed = start.copy()
        hashed.update(native_id.encode())
        return hashed.hexdigest()

    return record_id_of


def content_id(*parts: object) -> str:
    """A native id for rows that have none: a hash of what identifies them (file, sheet, content)."""
    key = "\x1f".join("" if part is None else str(part) for part in parts).encode()
    return hashlib.blake2b(key, digest_size=12).hexdigest()
