"""Ages as people write them — `90m`, `6h`, `2d`, `1w` — for `status --stale AGE` and a source's
`expected_every` (how often a successful sync of it is expected)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import AfterValidator

from cxbridge.errors import ConfigError

_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d|w)\s*$")
_UNITS = {"m": timedelta(minutes=1), "min": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1),
          "w": timedelta(weeks=1)}  # fmt: skip
HOW = "write a number and a unit: 90m, 6h, 2d or 1w"


def age_of(text: str) -> timedelta | None:
    """`text` as a duration, or None when it is not an age."""
    found = _AGE.match(text)
    if not found or float(found[1]) <= 0:
        return None
    try:
        return float(found[1]) * _UNITS[found[2]]
    except OverflowError:  # longer than a timedelta holds: 999,999,999 days
        return None


def parse_age(text: str, *, what: str = "--stale") -> timedelta:
    """`text` as a duration; a ConfigError naming `what` and saying how to write one otherwise."""
    age = age_of(text)
    if age is None:
        raise ConfigError(f"{what} {_not_an_age(text)}")
    return age


def _an_age(text: str) -> str:
    if age_of(text) is None:
        raise ValueError(_not_an_age(text))
    return text


def _not_an_age(text: str) -> str:
    if found := _AGE.match(text):  # written as one, but zero (every sync stale at once) or past counting
        if float(found[1]) > 0:
            return f"{text!r} is longer than cxbridge counts (999999999 days at most); write a shorter age: 90m, 6h, 2d or 1w"
        return f"{text!r} is no time at all; write an age above zero: 90m, 6h, 2d or 1w"
    return f"{text!r} is not an age; {HOW}"


Age = Annotated[str, AfterValidator(_an_age)]
"""A config field holding an age (`1d`), checked when the config loads and kept as written."""


def ago(span: timedelta) -> str:
    """A span in its largest whole unit: `3d 4h`, `5h 12m`, `40m`."""
    minutes = int(span.total_seconds() // 60)
    days, hours, mins = minutes // 1440, minutes % 1440 // 60, minutes % 60
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {mins}m" if mins else f"{hours}h"
    return f"{mins}m"
