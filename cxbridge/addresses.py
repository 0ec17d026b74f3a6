"""E-mail addresses as people and exports write them: bare, as a `mailto:` link, with a display
name (`Ann Lee <ann@example.com>`), followed by a full stop, or a list of them (a CC field).
The patterns run in time linear in the text."""

from __future__ import annotations

import re

# a domain's first dot after its first character is found once (no backtracking over every dot)
_ADDRESS = r"[^@\s<>(),;:\"\[\]]+@[^@\s<>(),;:\"\[\]][^@\s<>(),;:\"\[\].]*\.[^@\s<>(),;:\"\[\]]*[^@\s<>(),;:\"\[\].]"
# one address of a list: bare, `mailto:` or `Name <…>`; then `,` or `;`, or the end (a full stop allowed)
_MAILBOX = re.compile(
    rf"\s*(?:(?:mailto:)?(?P<bare>{_ADDRESS})|(?:\"[^\"]*\"\s*|[^<>@\";]*)<(?:mailto:)?(?P<named>{_ADDRESS})>)"
    r"\s*(?:[,;]|\.?\Z)",
    re.IGNORECASE,
)


def addresses(text: str) -> list[str] | None:
    """The e-mail addresses a value is made of, or None when it holds anything else: one address
    or a list of them (`,` or `;` between), each as is, as a `mailto:` link or with a display name
    (`Ann Lee <ann@example.com>`, the name then dropped)."""
    if "@" not in text:  # most values: no pattern run at all
        return None
    found: list[str] = []
    position = 0
    while position < len(text):
        match = _MAILBOX.match(text, position)
        if match is None:
            return None
        found.append(match["bare"] or match["named"])
        position = match.end()
    return found or None


def address_of(text: str) -> str:
    """The one address a trimmed text is written around (`Jo <jo@…>`, `mailto:jo@…`, `jo@….`),
    or the text itself (a bare address, a list, anything else)."""
    if "<" not in text and ":" not in text and text[-1:] not in (".", ",", ";"):
        return text  # a bare address, or not one: no pattern run (most contacts)
    found = addresses(text)
    return found[0] if found is not None and len(found) == 1 else text
