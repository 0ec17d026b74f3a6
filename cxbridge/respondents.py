"""Respondent keys: the salted hashes that stand for a respondent's e-mail or phone number, so
answers of one person join up (and join CRM contacts) without the contact being stored.

A dataset's keys come from its salt (`cxbridge.dataset_salt`: made on its first sync and kept
with the data, or `respondent_salt` from the environment). Wherever a contact would be stored (a
raw payload, a quarantined record) its key is stored instead, written `hashed:<key>`; a key read
back that way is recognised, so a quarantined record replays to the same key.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from cxbridge.addresses import address_of, may_hold_address
from cxbridge.phones import SHORTEST, is_placeholder, number_digits, reads_as_phone

PSEUDONYM_PREFIX = "hashed:"
_NOTHING = object()
_KEY = re.compile(r"[0-9a-f]{32}")
_AROUND = "".join(chr(c) for c in (*range(9, 14), *range(28, 33), 0x85, 0xA0, 0x1680, *range(0x2000, 0x200E), 0x2028,
                                   0x2029, 0x202F, 0x205F, 0x2060, 0x3000, 0xFEFF))  # fmt: skip
"""What a contact is trimmed of: what `str.strip()` takes (every space), and the invisible marks
pasted with text from web pages and mail programs — zero-width spaces and joiners, word joiner,
byte-order mark."""


def salted_hash(text: str, salt: str) -> str:
    """32 hex digits of BLAKE2b keyed with the salt (its first 64 bytes)."""
    return _hexdigest(_keyed(salt), text)


def _hexdigest(keyed: Any, text: str) -> str:
    hasher = keyed.copy()
    hasher.update(text.encode())
    return hasher.hexdigest()


@lru_cache(maxsize=8)
def _keyed(salt: str) -> Any:
    """BLAKE2b keyed with the salt and nothing hashed yet, copied for each text: keying it costs
    as much as hashing a contact."""
    return hashlib.blake2b(key=salt.encode()[:64], digest_size=16)


def canonical_contact(contact: object, *, phone_region: str | None = None) -> str | None:
    """An e-mail address case- and space-insensitive (invisible marks around it trimmed too) and
    without what it is written in (a display name, `mailto:`), a phone number as its digits (a
    trunk `(0)` after the country code and an international prefix `00` left out, a national
    number placed in `phone_region`: `number_digits`); None if blank, or neither — a word such as
    Microsoft Forms' `anonymous` in its Email column keys no one (before, every response it marked
    was one respondent), and so do a placeholder number, one of fewer than `SHORTEST` digits and
    digits among words (`Order 12345`: `reads_as_phone`)."""
    if contact is None or isinstance(contact, bool):
        return None
    if isinstance(contact, float) and contact.is_integer():
        contact = int(contact)  # a number cell: 447700900123.0 is 447700900123
    return _canonical_text(str(contact).strip(_AROUND), phone_region)


_WRITTEN_AS_FLOAT = re.compile(r"(\+?\d{5,})\.0+")
"""A number written as a float ('447700900123.0': a phone column with a blank cell is a float
column to pandas, which writes it so): the '.0' is no digit of it."""


def _canonical_text(text: str, phone_region: str | None = None) -> str | None:
    """`canonical_contact` of a text already trimmed."""
    if not text:
        return None
    if may_hold_address(text):
        return address_of(text).casefold()
    if text.endswith("0") and (float_written := _WRITTEN_AS_FLOAT.fullmatch(text)):
        text = float_written[1]
    if not reads_as_phone(text):
        return None
    digits = number_digits(text, region=phone_region)
    return None if len(digits) < SHORTEST or is_placeholder(text, digits, region=phone_region) else digits


def key_of_pseudonym(value: object) -> str | None:
    """The key inside `hashed:<key>`, or None when `value` is not one."""
    if isinstance(value, str) and value.startswith(PSEUDONYM_PREFIX):
        key = value[len(PSEUDONYM_PREFIX) :]
        if _KEY.fullmatch(key):
            return key
    return None


def random_salt() -> str:
    """A new salt: 32 random bytes as 64 hex digits."""
    return secrets.token_hex(32)


@dataclass(frozen=True)
class RespondentKeys:
    """How one dataset turns a contact into its respondent key: with its salt, and a number
    written without its country code placed in `phone_region` (`[settings] phone_region`)."""

    salt: str = field(repr=False)
    phone_region: str | None = None
    kept_apart: bool = False
    """The salt is kept out of the destination (`respondent_salt` from the environment): a hash
    keyed with it cannot be tested by whoever reads the data (an import's folder: `file_state`)."""

    def __post_init__(self) -> None:
        if not self.salt:
            raise ValueError("respondent keys need a non-empty salt")
        object.__setattr__(self, "_blank", _keyed(self.salt))  # copied per contact, not looked up (issue 19)
        object.__setattr__(self, "_last", [(_NOTHING, None)])  # the last (pseudonym, key) made, one tuple: see `key`

    def key(self, contact: object) -> str | None:
        """The respondent key of an e-mail or phone number (or of `hashed:<key>`: that key).

        The `hashed:` text `pseudonym` made last is known by identity: a scrubbed record's
        respondent key is read from it right after (issue 19: no pattern matched again)."""
        last = self._last[0]  # type: ignore[attr-defined]
        if contact is last[0]:
            return last[1]
        if (known := key_of_pseudonym(contact)) is not None:
            return known
        canonical = canonical_contact(contact, phone_region=self.phone_region)
        return None if canonical is None else _hexdigest(self._blank, canonical)  # = salted_hash(canonical, self.salt)

    def first_key(self, *contacts: object) -> str | None:
        """The `key` of the first of `contacts` that keys someone: an e-mail cell holding
        `anonymous` (kept as sent by `keep_personal_data`) leaves the record to the number after it."""
        for contact in contacts:
            if contact is not None and (key := self.key(contact)) is not None:
                return key
        return None

    def cased(self, text: str) -> str:
        """8 hex digits of the salted hash of `text` as written, letter case and all: what tells
        apart names that differ only in case, whose keys are one."""
        return salted_hash(text, self.salt)[:8]

    def pseudonym(self, contact: object) -> str | None:
        """What is stored in place of a contact: `hashed:` and its key. A text that is not a
        pseudonym itself (a scrubbed cell's: most contacts) is keyed here, as `key` keys it,
        without its calls (issue 19)."""
        if type(contact) is str and not contact.startswith(PSEUDONYM_PREFIX):
            canonical = _canonical_text(contact.strip(_AROUND), self.phone_region)
            if canonical is None:
                return None
            hasher = self._blank.copy()  # type: ignore[attr-defined]
            hasher.update(canonical.encode())
            key = hasher.hexdigest()
        else:
            key = self.key(contact)
            if key is None:
                return None
        pseudonym = PSEUDONYM_PREFIX + key
        self._last[0] = (pseudonym, key)  # type: ignore[attr-defined]  # one store: threads see a whole pair
        return pseudonym


@cache
def unsaved_keys() -> RespondentKeys:
    """Keys for records built outside a sync (tests, `cxbridge.testing`): a random salt of this
    process, never stored, so such keys join nothing outside it."""
    return RespondentKeys(random_salt())
