"""Who `cxbridge erase` names, before anything is opened and as output shows them: contacts
(e-mail addresses, phone numbers), respondent keys (`--key`) and requesters (`--requester
SOURCE:USER_ID`) checked, each contact keyed as a sync keys it, and masked wherever shown."""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import chain

from cxbridge.addresses import address_of
from cxbridge.errors import ConfigError
from cxbridge.phones import SHORTEST, former_digits, is_phone, number_digits
from cxbridge.respondents import RespondentKeys, canonical_contact, salted_hash

_REQUESTER = re.compile(r"([a-z][a-z0-9_]*):(\S+)")
_KEY = re.compile(r"[0-9a-f]{32}")


def checked_keys(contacts: Sequence[str], keys: Sequence[str], *, requesters: Sequence[str] = ()) -> list[str]:
    """The respondent keys given (`--key`), lower-cased; ConfigError naming a contact that is
    neither an e-mail address nor a phone number (masked), a key that is not one, or no one named
    (`requesters` too counts: `checked_requesters`)."""
    numbers = [contact for contact in contacts if is_phone(contact, min_digits=1)]
    if len(numbers) > 1 and any(len(number_digits(number)) < SHORTEST for number in numbers):
        raise ConfigError(
            f"{len(numbers)} arguments look like the pieces of one phone number: written with spaces and not "
            "quoted, a number reaches cxbridge as several arguments — quote it (cxbridge erase '…'), one number "
            "to a pair of quotes"
        )
    for contact in contacts:
        if is_phone(contact, min_digits=1) and canonical_contact(contact) is None:
            raise ConfigError(
                f"{masked(contact)} {_why_nobodys(contact)}, nobody's: a sync keys no one by it, so it names no one to "
                "erase; records stored before 2026-12-07 under its key are erased with --key and the respondent_key "
                "they hold (docs/identity.md)"
            )
        if (canonical_contact(contact) or "").startswith("@"):
            raise ConfigError(
                f"{masked(contact)} is a domain, not an e-mail address: erase removes one person's rows; give their "
                "whole address (name@example.com) or phone number as the source holds it, or the respondent key with "
                "--key"
            )
        if not is_contact(contact):
            raise ConfigError(
                f"{masked(contact)} is neither an e-mail address nor a phone number: give the address or number the "
                "source holds, or the respondent key with --key"
            )
    for key in keys:
        if not _KEY.fullmatch(key.strip().lower()):
            raise ConfigError(f"--key {key!r} is not a respondent key: 32 hex digits, as feedback.respondent_key holds")
    if not contacts and not keys and not requesters:
        raise ConfigError(
            "name the person to erase: their e-mail address or phone number, --key KEY, or --requester SOURCE:USER_ID"
        )
    return [key.strip().lower() for key in keys]


def _why_nobodys(number: str) -> str:
    if len(number_digits(number)) < SHORTEST:
        return f"has fewer than {SHORTEST} digits (an extension, a short code such as 112)"
    return "is a placeholder phone number (one digit repeated, a run such as 1234567890)"


def checked_requesters(requesters: Sequence[str]) -> list[str]:
    """The requesters given (`--requester SOURCE:USER_ID`: a source's name and the user id its
    help desk names them by), stripped; ConfigError naming one that is not of that form."""
    for requester in requesters:
        if not _REQUESTER.fullmatch(requester.strip()):
            raise ConfigError(
                f"--requester {masked_requester(requester)!r} is not SOURCE:USER_ID: the source's name as configured "
                "(lower-case letters, digits and _) and the user id its help desk names the person by, e.g. "
                "--requester zendesk_support:20978392"
            )
    return [requester.strip() for requester in requesters]


def masked_requester(requester: str) -> str:
    """A requester as output may show it: the source and the user id's last two characters
    (`zendesk_support:***92`), as a phone number is shown."""
    source, colon, user_id = requester.strip().rpartition(":")
    return f"{source}{colon}***{user_id[-2:] if len(user_id) >= 5 else ''}"


def respondent_keys(contacts: Sequence[str], keys: Sequence[str], respondents: RespondentKeys) -> list[str]:
    """The respondent keys of the people named (checked: `checked_keys`): each contact keyed as a
    sync keys it (with the dataset's salt), and each key given as such — what a later sync can key
    them by, and so what their tombstones hold."""
    return sorted({key for key in map(respondents.key, contacts) if key is not None} | set(keys))


def former_keys(contacts: Sequence[str], respondents: RespondentKeys) -> list[str]:
    """The keys the rules before made of the numbers among `contacts` and a sync makes no more
    (`former_digits`): an international number written with `00` or a trunk `(0)`, with each of
    the region's exit codes, a number of the dataset's phone region as keyed before it was set —
    records stored then hold them, so an erasure looks for them; thousands for China's exit codes,
    none a tombstone needs (a record found under one is kept out by its id)."""
    formers = chain.from_iterable(former_digits(contact, region=respondents.phone_region) for contact in contacts)
    made = set(respondent_keys(contacts, (), respondents))
    return sorted({salted_hash(digits, respondents.salt) for digits in formers} - made)


def addresses_of(contacts: Sequence[str]) -> list[str]:
    """The e-mail addresses among `contacts`, as keys are made of them (lower-cased, bare)."""
    return sorted({canonical for contact in contacts if "@" in (canonical := canonical_contact(contact) or "")})


def phones_of(contacts: Sequence[str], *, region: str | None = None) -> list[str]:
    """The phone numbers among `contacts`, as keys are made of them (their digits), with a phone
    `region` also as they were before it was set (`former_digits`): a text writes them either way."""
    canonicals = (canonical_contact(contact, phone_region=region) or "@" for contact in contacts)
    numbers = {canonical for canonical in canonicals if "@" not in canonical}
    former = chain.from_iterable(former_digits(contact, region=region) for contact in contacts) if region else ()
    return sorted(numbers.union(former))


def is_contact(text: str) -> bool:
    """Whether `text` is an e-mail address, or a phone number a sync keys (`canonical_contact`:
    `SHORTEST` digits or more, an extension after them allowed, `reads_as_phone`)."""
    canonical = canonical_contact(text)
    if canonical is None:
        return False
    if "@" in canonical:
        local, _, domain = canonical.partition("@")
        return bool(local) and "@" not in domain and "." in domain and all(domain.split("."))
    return True


def masked(contact: str) -> str:
    """A contact as output may show it: an address's first character and domain
    (`j***@example.com`), a number's last two digits (`***58`)."""
    text = contact.strip()
    if "@" in text:
        local, _, domain = address_of(text).rpartition("@")
        return f"{local[:1]}***@{domain}"
    digits = re.sub(r"\D", "", text)
    return f"***{digits[-2:]}" if len(digits) >= 5 else "***"
