"""Deterministic identifiers: the same response gets the same ids on every machine and re-sync,
and respondents are keyed by a salted hash instead of their e-mail or phone number."""

from __future__ import annotations

import hashlib
import re

DEFAULT_SALT = "cxbridge-v1"
_NON_DIGITS = re.compile(r"[^\d]")


def record_id(source: str, stream: str, native_id: str) -> str:
    """32 hex digits from (source, stream, native id): the primary key of `feedback`."""
    key = "\x1f".join((source, stream, native_id)).encode()
    return hashlib.blake2b(key, digest_size=16).hexdigest()


def content_id(*parts: object) -> str:
    """A native id for rows that have none: a hash of what identifies them (file, sheet, content)."""
    key = "\x1f".join("" if part is None else str(part) for part in parts).encode()
    return hashlib.blake2b(key, digest_size=12).hexdigest()


def respondent_key(contact: str | None, *, salt: str = DEFAULT_SALT) -> str | None:
    """Salted hash of an e-mail (case- and space-insensitive) or a phone number (digits only)."""
    if contact is None:
        return None
    text = str(contact).strip()
    if not text:
        return None
    canonical = text.casefold() if "@" in text else _NON_DIGITS.sub("", text) or text.casefold()
    return hashlib.blake2b(canonical.encode(), key=salt.encode()[:64], digest_size=16).hexdigest()
