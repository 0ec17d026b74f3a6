"""A help desk's requester as a contact to key a rating by: their e-mail address, else a phone
number of theirs (a user who called or texted in often has no address). A Zendesk or Freshdesk
rating names its requester by user id only; the connectors look the user up and put the contact
into the raw record under `EMAIL` or `PHONE`, fields the privacy step turns into their
`hashed:<key>` before anything stores, logs or quarantines the record. The number is keyed as a
phone column's is (`cxbridge.phones`, a national number placed in `[settings] phone_region`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cxbridge.phones import is_phone
from cxbridge.respondents import canonical_contact

EMAIL = "requester_email"
PHONE = "requester_phone"
CONTACTS = frozenset({EMAIL, PHONE})
"""The raw record's fields that hold a requester's contact: declared contacts (`PersonalFields`)."""


def contact_fields(user: Mapping[str, Any], *, phones: tuple[str, ...]) -> dict[str, str]:
    """The field to add to a raw record for `user`: their `email`, else the first of their `phones`
    fields that holds a phone number, not a placeholder (`0000000000` keys no one: the next field
    may); none when they have neither."""
    email = user.get("email")
    if isinstance(email, str) and email.strip():
        return {EMAIL: email}
    for field in phones:
        number = user.get(field)
        if isinstance(number, str) and is_phone(number) and canonical_contact(number) is not None:
            return {PHONE: number}
    return {}


def requester_contact(raw: Mapping[str, Any]) -> Any:
    """What a raw record's requester is keyed by (`RecordBuilder.respondent_key` of it): the
    address, else the number (or their `hashed:<key>` in a scrubbed record)."""
    return raw.get(EMAIL) or raw.get(PHONE)
