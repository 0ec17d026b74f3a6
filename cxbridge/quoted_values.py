"""How a record's problem quotes the value it is about — a reason stored in `quarantine.error`,
listed by `cxbridge quarantine list`, counted in summaries, logged, and quoted in the run's error
when every record went to quarantine. A score, date or status cell holds whatever a person typed
there, so a value is quoted only when it is short and holds no contact ('11', 'Sorta',
'31/02/2025 10:00': enough to map a label or see the typo); anything else is named by what it is
(docs/security.md): the reason names the file, row and field to fix it at.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from cxbridge.addresses import inside, may_hold_address, written_addresses
from cxbridge.phones import is_phone, phones_in
from cxbridge.respondents import PSEUDONYM_PREFIX as PSEUDONYM  # an address the privacy step keyed

MAX_WORDS = 4
MAX_CHARACTERS = 40
_DIGITS = re.compile(r"\d{7,}")  # a phone number's digits alone (447700900123), or an account's number
_WORD = re.compile(r"[^\W\d_]+")  # letters: '1 - 2 times a month' is of 3 words


def quoted(value: Any, written: Callable[[Any], str] = repr) -> str:
    """`value` as `written` writes it (quoted, by default), or what it is, in brackets, when it
    may not be quoted (`withheld`): `(an e-mail address, not shown)`."""
    shown = written(value)
    what = withheld(value if isinstance(value, str) else shown)
    return shown if what is None else f"({what}, not shown)"


def withheld(text: str) -> str | None:
    """What `text` is when it is not to be quoted: an e-mail address (or its key) or a phone
    number, as a whole or inside a text, a number of 7 digits or more, a text of more than
    `MAX_WORDS` words (runs of letters) or `MAX_CHARACTERS` characters; None for a value that may be quoted."""
    text = text.strip()
    if PSEUDONYM in text or may_hold_address(text):
        if written_addresses(text) is not None or (text.startswith(PSEUDONYM) and " " not in text):
            return "an e-mail address"
        if PSEUDONYM in text or inside(text, lambda address: "") != text:
            return "a text holding an e-mail address"
    if any(phones_in(text)):
        return "a phone number" if is_phone(text) else "a text holding a phone number"
    if digits := _DIGITS.search(text):
        return (
            f"a number of {len(digits[0])} digits" if digits[0] == text.lstrip("+") else "a text holding a long number"
        )
    words = len(_WORD.findall(text))
    if words > MAX_WORDS:
        return f"a text of {words} words"
    if len(text) > MAX_CHARACTERS:
        return f"a text of {len(text)} characters"
    return None
