"""Phone numbers shared by strangers: a number written beside many different e-mail addresses in
one stream of a sync — a store's own number typed at its till, a front desk's — is no one
person's, yet it keys each record that holds no address, so those records are one respondent and
an erasure by the number removes them all. Its digits say nothing (`phones.is_placeholder` knows
only numbers that are nobody's by their digits), what is written beside it does: the sync says
so in its summary, naming the number by its respondent key, never its digits."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from cxbridge.phones import SHORTEST, reads_as_phone
from cxbridge.respondents import canonical_contact

SHARED_AT = 5
"""Different addresses beside one number that make it shared: a household's landline has two or
three, a person answering often one or two."""
TRACKED = 10_000
"""Numbers a stream keeps the addresses of (each at most `SHARED_AT`): a number shared by many
recurs early; a stream of more numbers holds no more in memory."""


class SharedPhones:
    """The numbers of one stream of a sync seen beside `SHARED_AT` different addresses or more."""

    def __init__(self, key: Callable[[object], str | None]) -> None:
        self._key = key  # the dataset's `RespondentKeys.key`: a number, or its `hashed:<key>`
        self._addresses: dict[str, set[str]] = {}

    def note(self, address_key: str | None, number: object) -> None:
        """A record keyed by its address (`address_key`, None when it holds none) and the number
        written beside it (read from its contact columns)."""
        if address_key is None or not number:
            return
        number_key = self._key(number)
        if number_key is None or number_key == address_key:
            return
        seen = self._addresses.get(number_key)
        if seen is None:
            if len(self._addresses) < TRACKED:
                self._addresses[number_key] = {address_key}
        elif len(seen) < SHARED_AT:
            seen.add(address_key)

    def shared(self) -> list[str]:
        """The keys of the numbers seen beside `SHARED_AT` different addresses or more."""
        return [key for key, seen in self._addresses.items() if len(seen) >= SHARED_AT]

    def warnings(self, source: str) -> list[str]:
        return [
            f"source {source!r}: a phone number (respondent key {key[:12]}…) is written beside {SHARED_AT} different "
            "e-mail addresses or more — a shared number (a store's, a front desk's), not one person's: the records "
            "it keys (those without an address) are one respondent though they are strangers', and `cxbridge erase` "
            "given it removes them all; if it is yours, leave it out of the phone column (docs/identity.md)"
            for key in self.shared()
        ]


def read_phones(pairs: Sequence[tuple[Any, Any]], column: str) -> list[str]:
    """What `cxbridge inspect` says of a phone `column` from the rows it read, (address, number)
    each: how many hold text that is not a phone number (`reads_as_phone`: `Order 12345`), a placeholder or fewer than
    `SHORTEST` digits, which key no one, and whether a number stands beside `SHARED_AT` different addresses or more —
    showing neither a number nor an address."""
    shared, placeholders, not_numbers = SharedPhones(canonical_contact), 0, 0
    for address, number in pairs:
        written = str(number or "")
        if any(character.isdigit() for character in written) and canonical_contact(number) is None:
            if reads_as_phone(written):
                placeholders += 1
            else:
                not_numbers += 1
        shared.note(canonical_contact(address), number)
    said = []
    if not_numbers:
        said.append(f"column {column!r}: {not_numbers} of the {len(pairs)} rows read hold text that is not a phone "
                    "number (digits among words: an order, ticket or room number): it keys no one, so strangers who "
                    "typed the same one are not one respondent (docs/identity.md)")  # fmt: skip
    if placeholders:
        said.append(f"column {column!r}: {placeholders} of the {len(pairs)} rows read hold a placeholder number (one "
                    f"digit repeated, a run such as 1234567890) or one of fewer than {SHORTEST} digits (an extension, a "
                    "short code): it keys no one, so those rows join no respondent (docs/identity.md)")  # fmt: skip
    if shared.shared():
        said.append(f"column {column!r}: a number stands beside {SHARED_AT} different e-mail addresses or more in the "
                    "rows read — a shared number (a store's, a front desk's), not one person's: the rows it keys (those "
                    "without an address) would be one respondent; if it is yours, leave it out of the column "
                    "(docs/identity.md)")  # fmt: skip
    return said
