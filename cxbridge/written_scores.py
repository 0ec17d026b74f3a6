"""Scores written with the top of their scale: "7/10", "4,5/5", or stars ("★★★★☆", four of five) —
as analysts type them into a sheet and form tools export a star rating. The number shown is the
answer, on a scale whose top the text names; read alike by a file's detection and by scoring."""

from __future__ import annotations

import re

_OUT_OF = re.compile(r"^\s*(\d{1,3}(?:[.,]\d+)?)\s*/\s*(\d{1,3})\s*$")
_FILLED, _EMPTY = "★⭐", "☆✩"
_STARS = re.compile(rf"^[{_FILLED}]+[{_EMPTY}]*$")


def out_of(text: str) -> tuple[float, int | None] | None:
    """The answer a text shows and the top of the scale it names — ("7/10") → (7, 10), ("★★★★☆")
    → (4, 5), a row of filled stars alone ("★★★★★") → (5, None): no top named — or None for any
    other text, and a number above the top it names ("12/10")."""
    if match := _OUT_OF.match(text):
        value, top = float(match.group(1).replace(",", ".")), int(match.group(2))
        return (value, top) if 0 <= value <= top and top > 1 else None
    text = text.strip()
    if _STARS.match(text):
        filled = sum(star in _FILLED for star in text)
        return float(filled), (len(text) if filled < len(text) else None)
    return None
