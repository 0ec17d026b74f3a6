"""QuestionPro's response time: `utctimestamp`, the moment in Unix seconds, when the response has
one; else `timestamp`, `"05 Oct, 2020 02:51:51 PM PDT"`, a day-month-year text with a time-zone
abbreviation, read with a table of abbreviations (extendable from the config)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from cxbridge.errors import DataError
from cxbridge.quoted_values import quoted
from cxbridge.timestamps import EPOCH_MILLISECONDS

ABBREVIATIONS = {
    "UTC": "+00:00", "GMT": "+00:00", "Z": "+00:00", "WET": "+00:00", "WEST": "+01:00", "BST": "+01:00",
    "CET": "+01:00", "CEST": "+02:00", "EET": "+02:00", "EEST": "+03:00", "MSK": "+03:00", "GST": "+04:00",
    "IST": "+05:30", "PKT": "+05:00", "SGT": "+08:00", "HKT": "+08:00", "AWST": "+08:00", "JST": "+09:00",
    "KST": "+09:00", "ACST": "+09:30", "AEST": "+10:00", "AEDT": "+11:00", "NZST": "+12:00", "NZDT": "+13:00",
    "HST": "-10:00", "AKST": "-09:00", "AKDT": "-08:00", "PST": "-08:00", "PDT": "-07:00", "MST": "-07:00",
    "MDT": "-06:00", "CST": "-06:00", "CDT": "-05:00", "EST": "-05:00", "EDT": "-04:00", "ART": "-03:00",
}  # fmt: skip
_STAMP = re.compile(r"^(\d{1,2} \w{3}, \d{4} \d{1,2}:\d{2}:\d{2} [AP]M)(?: ([A-Za-z][A-Za-z+\-:0-9]*))?$")
_OFFSET = re.compile(r"^([+-])(\d{1,2})(?::?(\d{2}))?$")  # +5, +05, +5:30, +05:30, +0530


def response_time(raw: Mapping[str, Any], *, extra: dict[str, str] | None = None) -> datetime:
    """When a response was submitted, in UTC: its `utctimestamp` — Unix seconds, the moment its
    `timestamp` writes in the account's zone (a recorded response's 1769630453 is its "28 Jan, 2026
    03:00:53 PM EST") — when it has one; else `timestamp` read with its zone abbreviation, which the
    table may not know (WIB) or may read as another place's (IST is India's, not Ireland's)."""
    seconds = raw.get("utctimestamp")
    if isinstance(seconds, str) and seconds.strip().isdigit():
        seconds = int(seconds)
    if isinstance(seconds, int | float) and not isinstance(seconds, bool) and 0 < seconds < EPOCH_MILLISECONDS[0]:  # a larger one (year 5138 on) is no Unix seconds: not guessed
        return datetime.fromtimestamp(seconds, timezone.utc)
    return parse_response_time(raw.get("timestamp"), extra=extra)


def parse_response_time(text: str, *, extra: dict[str, str] | None = None) -> datetime:
    """The aware UTC time of a QuestionPro timestamp; DataError naming what could not be read."""
    match = _STAMP.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise DataError(f"timestamp {quoted(text)} is not like '05 Oct, 2020 02:51:51 PM PDT'", field="timestamp",
                        kind="unreadable-date")  # fmt: skip
    local = datetime.strptime(match.group(1), "%d %b, %Y %I:%M:%S %p")
    name = (match.group(2) or "UTC").upper()
    offset = (extra or {}).get(name) or ABBREVIATIONS.get(name) or _gmt_offset(name)
    if offset is None:
        stamp = quoted(text)
        shown = repr(name) if stamp == repr(text) else quoted(name)  # QuestionPro's code, in a stamp shown
        raise DataError(
            f"timestamp {stamp}: unknown time-zone abbreviation {shown}; name its offset in the source's "
            f'timezone_abbreviations, e.g. {{ {name if shown == repr(name) else "AST"} = "+03:00" }}',
            field="timestamp",
            kind="unknown-time-zone",
        )
    return local.replace(tzinfo=_zone(offset)).astimezone(timezone.utc)


def _gmt_offset(name: str) -> str | None:
    """`GMT-07:00`, `UTC+5:30`, `GMT+5` as offsets (the part after the prefix, sign included)."""
    for prefix in ("GMT", "UTC"):
        if name.startswith(prefix) and _OFFSET.match(name[len(prefix) :]):
            return name[len(prefix) :]
    return None


def _zone(offset: str) -> timezone:
    match = _OFFSET.match(offset.strip())
    if match is None or int(match.group(2)) > 14 or int(match.group(3) or 0) > 59:
        raise DataError(f"time-zone offset {offset!r} is not like +03:00", field="timestamp",
                        kind="impossible-utc-offset")  # fmt: skip
    sign = 1 if match.group(1) == "+" else -1
    return timezone(sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3) or 0)))
