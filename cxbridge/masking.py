"""Secrets masked in everything cxbridge writes out: log lines, summaries, `sync_runs.error`,
quarantine reasons, exception messages.

Every secret is registered the moment it is resolved or used (`redact_value`), together with
the forms it takes on its way into a message: stripped of surrounding white space, URL-encoded,
escaped by `repr()` or JSON, and inside any base64 text — a Basic credential `user:secret`
echoed by an API, wherever the secret sits in it. `redact` replaces each of them with `***`.

Personal data that names a thing cxbridge reports on — a file named like an e-mail address — is
registered the same way with the name to show instead (`rename_values`).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, quote_plus

MASK = "***"
MIN_LENGTH = 4
"""Shorter values are not masked: they would mask ordinary words and numbers."""
MIN_BASE64_BYTES = 6
"""Base64 forms are masked for secrets at least this long (a shorter one's would be a few letters)."""
_URL_SAFE = str.maketrans("+/", "-_")

_forms: dict[str, str] = {}  # each form registered → what is shown in its place
_longest_first: list[str] = []


def redact_value(value: str) -> None:
    """Mask `value`, and its encoded forms, wherever it would appear in an output from now on."""
    _register({form: MASK for form in forms_of(value)})


def rename_values(names: Mapping[str, str]) -> None:
    """Show each name in place of its value (as is, or escaped by `repr()` or JSON) wherever it
    would appear in an output from now on; a secret stays masked."""
    _register({
        form: name for value, name in names.items()
        for form in (value, repr(value)[1:-1], json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1])
        if _forms.get(form) != MASK
    })  # fmt: skip


def _register(shown: dict[str, str]) -> None:
    new = {form: name for form, name in shown.items() if len(form) >= MIN_LENGTH and _forms.get(form) != name}
    if new:
        _forms.update(new)
        _longest_first[:] = sorted(_forms, key=len, reverse=True)


def redact_key(key: str) -> None:
    """Mask a private key (PEM) or another multi-line secret: whole, and each line of its body,
    so that a part of it printed is masked too."""
    for secret in (key, *(line for line in key.splitlines() if not line.startswith("-----"))):
        redact_value(secret)


def redact(text: str) -> str:
    """`text` with every registered secret, in every form, replaced by `***` (a renamed value
    by its name)."""
    for form in _longest_first:
        if form in text:
            text = text.replace(form, _forms[form])
    return text


def redact_data(value: Any) -> Any:
    """A JSON-like value with every string in it redacted."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: redact_data(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_data(item) for item in value]
    return value


def is_registered(value: str) -> bool:
    """Whether `value` is masked (for tests and for code that wants to be sure)."""
    return value in _forms


def forms_of(value: str) -> set[str]:
    """The forms a secret takes in messages: as is, stripped, URL-encoded, escaped, in base64."""
    stripped = value.strip()
    found: set[str] = set()
    for text in {value, stripped}:
        found |= {
            text,
            quote(text, safe=""),
            quote_plus(text),
            repr(text)[1:-1],
            repr(text.encode())[2:-1],
            json.dumps(text)[1:-1],
            json.dumps(text, ensure_ascii=False)[1:-1],
        }
    if len(stripped.encode()) >= MIN_BASE64_BYTES:
        found |= base64_fragments(stripped.encode())
    return found


def base64_fragments(data: bytes) -> set[str]:
    """The characters of `data`'s base64 form that depend on `data` alone, for each of the three
    places it can start at in the encoded bytes (`user:secret` puts it anywhere), in the standard
    and the URL-safe alphabet: a base64 text holding `data` holds one of them."""
    found = set()
    for offset in range(3):
        encoded = base64.b64encode(bytes(offset) + data).decode().rstrip("=")
        first = -(-8 * offset // 6)  # the first character made of `data`'s bits only
        last = 8 * (offset + len(data)) // 6  # past the last one
        fragment = encoded[first:last]
        found |= {fragment, fragment.translate(_URL_SAFE)}
    return found
