"""JSON read from sources, its text made storable: a lone UTF-16 surrogate becomes U+FFFD.

JSON may escape any UTF-16 code unit, so a sender that cuts text by code units (a comment cut
at 255 units through an emoji, written `"\\ud83d"` without its pair) sends a string Python
decodes to a lone surrogate. UTF-8 cannot encode it: hashing, storing or writing such a string
fails, and one cut emoji would fail the whole sync. Read here, each lone surrogate becomes the
replacement character U+FFFD, as a UTF-8 decoder reads broken bytes; a whole pair (an emoji
escaped in full) was already one character and stays as it is. Only a text that may hold a
surrogate (escaped, or as itself) is looked at twice: the usual JSON costs one regular-expression
scan.
"""

from __future__ import annotations

import json
import re
from typing import Any

_SURROGATE_IN_TEXT = re.compile("\\\\u[dD][89abcdefABCDEF]|[\ud800-\udfff]")
_SURROGATE_IN_BYTES = re.compile(rb"\\u[dD][89abcdefABCDEF]|\xed[\xa0-\xbf]")
"""An escaped surrogate (lone or half of a pair), or one written as itself: in text a decoder
made with `surrogatepass`, in bytes as UTF-8 would encode it (CESU-8, Java's modified UTF-8),
which `json.loads` of bytes reads with `surrogatepass`."""
_SURROGATE = re.compile("[\ud800-\udfff]")


def parsed_json(text: str | bytes) -> Any:
    """`json.loads(text)` with each lone surrogate in its keys and strings read as U+FFFD."""
    value = json.loads(text)
    return storable(value) if may_hold_surrogates(text) else value


def may_hold_surrogates(text: str | bytes, start: int = 0, end: int | None = None) -> bool:
    """Whether `text[start:end]` may hold a surrogate (see `_SURROGATE_IN_TEXT`)."""
    pattern = _SURROGATE_IN_BYTES if isinstance(text, bytes) else _SURROGATE_IN_TEXT
    return pattern.search(text, start, len(text) if end is None else end) is not None


def storable(value: Any) -> Any:
    """A decoded JSON value with every lone surrogate in its keys and strings replaced by U+FFFD,
    and two written as themselves that make a pair (CESU-8's way) read as their character."""
    if isinstance(value, str):
        if _SURROGATE.search(value) is None:
            return value
        return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")  # a pair → its character
    if isinstance(value, dict):
        return {storable(key): storable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [storable(item) for item in value]
    return value
