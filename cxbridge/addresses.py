"""E-mail addresses as people and exports write them: bare, as a `mailto:` link, with a display
name (`Ann Lee <ann@example.com>`), followed by a full stop, or a list of them (a CC field);
percent-encoded once or twice (`ann%40example.com`, a link's parameter passed on as it came,
`ann%2540example.com`, one passed on twice) or as an HTML character reference (`ann&#64;…`,
`ann&#x40;…`); and inside a
link, as a part of its path or query; inside a file's name (`exports/ann@example.com.csv`) or
another name (a column's: `Contact (ann@example.com)`). The patterns run in time linear in the
text."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import PurePosixPath
from urllib.parse import unquote

# a domain's first dot after its first character is found once (no backtracking over every dot)
_ADDRESS = r"[^@\s<>(),;:\"\[\]]+@[^@\s<>(),;:\"\[\]][^@\s<>(),;:\"\[\].]*\.[^@\s<>(),;:\"\[\]]*[^@\s<>(),;:\"\[\].]"
# one address of a list: bare, `mailto:` or `Name <…>`; then `,` or `;`, or the end (a full stop allowed)
_MAILBOX = re.compile(
    rf"\s*(?:(?:mailto:)?(?P<bare>{_ADDRESS})|(?:\"[^\"]*\"\s*|[^<>@\";]*)<(?:mailto:)?(?P<named>{_ADDRESS})>)"
    r"\s*(?:[,;]|\.?\Z)",
    re.IGNORECASE,
)
# an address inside a text, tried only where a run of the characters an address is made of starts
_INSIDE = re.compile(rf"(?<![^@\s<>(),;:\"\[\]]){_ADDRESS}")
_LINK = re.compile(r"[a-z][a-z0-9+.-]*://\S*\Z", re.IGNORECASE)  # a link as a whole
_LINK_PART = re.compile(r"[^/?&=#;:]+")  # a part of a link's path, query or fragment


def may_hold_address(text: str) -> bool:
    """Whether `text` could hold an address: it has an "@", or one encoded (`encodes_at`)."""
    return "@" in text or encodes_at(text)


def encodes_at(text: str) -> bool:
    """Whether `text` may hold an "@" encoded: `%40`, `%2540`, `&#64;` or `&#x40;`."""
    return "%40" in text or "%2540" in text or "&#" in text


def decoded(text: str) -> str:
    """`text` with its encoded "@"s written as "@": HTML character references, then
    percent-encoding, once or twice."""
    if "&#" in text:
        text = html.unescape(text)
    for _ in range(2):
        if "%40" in text or "%2540" in text:
            text = unquote(text)
    return text


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


def written_addresses(text: str) -> list[str] | None:
    """`addresses` of a text, or of the text `decoded` when it may have an encoded "@"."""
    found = addresses(text)
    if found is None and encodes_at(text):
        found = addresses(decoded(text))
    return found


def in_link(text: str, replace: Callable[[str], str]) -> str:
    """A link (a text that is one, `https://…`, spaces around it allowed) with each part of it
    that is written as addresses (`/contacts/ann@example.com/`, `?email=ann%40example.com`)
    replaced by `replace` of each, `,` between; any other text, the same object."""
    if not _LINK.match(text.strip()):
        return text

    def part(match: re.Match[str]) -> str:
        written = match[0]
        found = written_addresses(written) if may_hold_address(written) else None
        return written if found is None else ",".join(map(replace, found))

    replaced = _LINK_PART.sub(part, text)
    return text if replaced == text else replaced


def address_of(text: str) -> str:
    """The one address a trimmed text is written around (`Jo <jo@…>`, `mailto:jo@…`, `jo@….`,
    `jo%40…`, `jo&#64;…`), or the text itself (a bare address, a list, anything else)."""
    if "<" not in text and ":" not in text and not encodes_at(text) and text[-1:] not in (".", ",", ";"):
        return text  # a bare address, or not one: no pattern run (most contacts)
    found = written_addresses(text)
    return found[0] if found is not None and len(found) == 1 else text


def in_file_name(name: str, replace: Callable[[str], str]) -> str:
    """A file's path with each address in a part of it replaced by `replace` of it, a file's
    extension kept apart (`exports/ann@example.com.csv`: `exports/<replaced>.csv`); the same
    object when none is."""
    if "@" not in name:
        return name
    replaced = "/".join(_in_file_name_part(part, replace) for part in name.split("/"))
    return name if replaced == name else replaced


def _in_file_name_part(part: str, replace: Callable[[str], str]) -> str:
    suffix = PurePosixPath(part).suffix
    named, found = _INSIDE.subn(lambda address: replace(address[0]), part[: len(part) - len(suffix)])
    if found:
        return named + suffix
    return inside(part, replace)  # a folder or file without an extension


def inside(text: str, replace: Callable[[str], str]) -> str:
    """`text` with each address written inside it (`Contact (ann@example.com)`) replaced by
    `replace` of it; the same object when none is."""
    if "@" not in text:
        return text
    replaced, found = _INSIDE.subn(lambda address: replace(address[0]), text)
    return replaced if found else text
