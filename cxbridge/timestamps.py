"""Reading timestamps the way sources write them, and writing them one way: UTC ISO-8601."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timezone
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator

from cxbridge.errors import ConfigError, DataError
from cxbridge.quoted_values import quoted


def zone(name: str) -> ZoneInfo:
    """The IANA time zone `name`, or a ConfigError that says how to name one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"unknown time zone {name!r}; use an IANA name such as 'Europe/Warsaw' or 'UTC'") from None


_UTC_NAMED = re.compile(r"[(\[]\s*(?:utc|gmt)(?:\s*[+±]\s*0{1,2}(?::?00)?)?\s*[)\]]", re.IGNORECASE)


def zone_named_by(header: str) -> str | None:
    """"UTC" when a column's header says its times are UTC, as Typeform's `Submit Date (UTC)`
    does (`(UTC)`, `[GMT]`, `(UTC+00:00)`); None when it names no zone."""
    return "UTC" if _UTC_NAMED.search(header) else None


def _known_zone(name: str) -> str:
    try:
        zone(name)
    except ConfigError as exc:
        raise ValueError(str(exc)) from None
    return name


TimeZoneName = Annotated[str, AfterValidator(_known_zone)]
"""A config field holding an IANA time zone name, checked when the config loads."""

_FORMAT_SAMPLE = datetime(2024, 11, 28, 13, 45, 30, 123456, tzinfo=timezone.utc)


def _readable_format(fmt: str) -> str:
    """`fmt` if strptime can read back a time it writes: `%Q` or `dd.mm.yyyy` would
    otherwise quarantine every row of the source, one by one."""
    if "%" not in fmt:
        raise ValueError(f"{fmt!r} has no strptime directive; write e.g. '%d.%m.%Y %H:%M' for 28.11.2024 13:45")
    try:
        datetime.strptime(_FORMAT_SAMPLE.strftime(fmt), fmt)
    except ValueError as exc:
        raise ValueError(f"{fmt!r} is not a strptime format ({exc}); use directives such as %Y-%m-%d %H:%M:%S") from None
    return fmt


TimestampFormat = Annotated[str, AfterValidator(_readable_format)]
"""A config field holding a strptime format that can read what it describes, checked when the
config loads."""


EPOCH_MILLISECONDS = (10**11, 10**14)
"""A number in this range is epoch milliseconds (1973-03-03 to 5138), one below it epoch seconds
(to 5138 too): feedback is neither that old nor that far ahead, so the two never meet."""


def parse_timestamp(value: object, *, tz: ZoneInfo | timezone = timezone.utc, fmt: str | None = None) -> datetime | None:
    """An aware UTC datetime from a datetime, a date, an ISO-8601 string, a string in `fmt`, or
    (without `fmt`) a number of epoch seconds or milliseconds (`EPOCH_MILLISECONDS`).

    A string of digits is text, read as ISO-8601 (`20240531` is 31 May 2024), never as an epoch.
    Naive values are read in `tz` (the source's time zone). Blank values give None.
    """
    if value is None:
        return None
    if fmt is None and isinstance(value, int | float) and not isinstance(value, bool):
        return _from_epoch(value)
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime.combine(value, time())
    else:
        text = str(value).strip()
        if not text:
            return None
        try:
            parsed = datetime.strptime(text, fmt) if fmt else datetime.fromisoformat(text)
        except ValueError:
            if fmt:
                raise DataError(f"timestamp {quoted(text)} does not match {fmt!r}; fix 'timestamp_format'",
                                kind="timestamp-not-in-format") from None  # fmt: skip
            if text.isdigit():
                raise DataError(f"timestamp {quoted(text)} is digits, not ISO-8601 (2024-05-31T14:05:00Z); an epoch "
                                "is read from a number: pass int(value)", kind="epoch-as-text") from None  # fmt: skip
            raise DataError(f"timestamp {quoted(text)} is not ISO-8601 (2024-05-31T14:05:00Z)",
                            kind="unreadable-date") from None  # fmt: skip
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed.astimezone(timezone.utc)


def _from_epoch(number: float) -> datetime:
    """Epoch seconds, or milliseconds from `EPOCH_MILLISECONDS`, as an aware UTC datetime."""
    low, high = EPOCH_MILLISECONDS
    if not 0 <= number < high:  # NaN and infinities too
        raise DataError(f"the number {number!r} is no epoch time: seconds or milliseconds since 1970 were expected",
                        kind="not-an-epoch-time")  # fmt: skip
    return datetime.fromtimestamp(number / 1000 if number >= low else number, timezone.utc)


def local_date(moment: datetime | None, tz: ZoneInfo | timezone) -> date | None:
    """The calendar day an aware `moment` falls on in `tz` (None for None): 2024-10-31T22:30Z
    is 2024-11-01 in Europe/Moscow. The views count a record in the day, week, month and
    quarter of this date (`feedback.submitted_local_date`)."""
    if moment is None or moment.tzinfo is None:
        return None  # a naive moment fails the record's own validation
    return moment.astimezone(tz).date()


def calendar_period(day: date, by: str) -> str:
    """The month (`2025-11`) or quarter (`2025-Q4`) of a local day, labelled as the views'
    time buckets label it (`cxbridge.sql_parts.time_bucket`)."""
    if by == "month":
        return f"{day.year}-{day.month:02d}"
    if by == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    raise ValueError(f"no calendar period {by!r}; choose month or quarter")


def field_timestamp(value: object, field: str) -> datetime | None:
    """`parse_timestamp` of one field of a source's payload: a DataError names the field."""
    try:
        return parse_timestamp(value)
    except DataError as exc:
        raise exc.restated(f"{field}: {exc}; the source sent it so, and the record waits in quarantine: report it to the "
                        "connector's authors, and cxbridge quarantine replay reads it again once a release reads such "
                        "times", field=field) from None  # fmt: skip


def format_timestamp(value: datetime | None) -> str | None:
    """`2024-05-31T14:05:00Z` (with microseconds only when there are some). A naive value is read
    as the machine's local time (as `datetime.astimezone` reads it)."""
    if value is None:
        return None
    if value.tzinfo is not timezone.utc:
        value = value.astimezone(timezone.utc)
    return value.isoformat()[:-6] + "Z"  # "+00:00" off; microseconds written only when there are some
