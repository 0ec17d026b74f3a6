"""Deterministic identifiers: the same response gets the same ids on every machine and re-sync
(respondents are keyed apart, by a salted hash: `cxbridge.respondents`)."""

from __future__ import annotations

import hashlib


def record_id(source: str, stream: str, native_id: str) -> str:
    """32 hex digits from (source, stream, native id): the primary key of `feedback`."""
    key = "\x1f".join((source, stream, native_id)).encode()
    return hashlib.blake2b(key, digest_size=16).hexdigest()


def content_id(*parts: object) -> str:
    """A native id for rows that have none: a hash of what identifies them (file, sheet, content)."""
    key = "\x1f".join("" if part is None else str(part) for part in parts).encode()
    return hashlib.blake2b(key, digest_size=12).hexdigest()
