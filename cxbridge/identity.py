"""Deterministic identifiers: the same response gets the same ids on every machine and re-sync
(respondents are keyed apart, by a salted hash: `cxbridge.respondents`)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable


def record_id(source: str, stream: str, native_id: str) -> str:
    """32 hex digits from (source, stream, native id): the primary key of `feedback`."""
    key = "\x1f".join((source, stream, native_id)).encode()
    return hashlib.blake2b(key, digest_size=16).hexdigest()


def digests_after(*prefix: str, size: int) -> Callable[[str], str]:
    """BLAKE2b of `prefix` and a value joined by \x1f (`size` bytes, hex) as a function of the
    value: each call copies a hash already fed the prefix, which costs less than a new one when
    the prefix repeats (record ids of one stream, case ids; issue 19)."""
    start = hashlib.blake2b("".join(f"{part}\x1f" for part in prefix).encode(), digest_size=size)

    def digest(value: str) -> str:
        hashed = start.copy()
        hashed.update(value.encode())
        return hashed.hexdigest()

    return digest


def record_ids(source: str, stream: str) -> Callable[[str], str]:
    """`record_id(source, stream, native_id)` as a function of the native id."""
    return digests_after(source, stream, size=16)


def content_id(*parts: object) -> str:
    """A native id for rows that have none: a hash of what identifies them (file, sheet, content)."""
    key = "\x1f".join("" if part is None else str(part) for part in parts).encode()
    return hashlib.blake2b(key, digest_size=12).hexdigest()
