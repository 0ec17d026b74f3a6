"""Cell values as sheets hold them: numbers with a decimal point or comma, and timestamps in the
layouts exports use — ISO-8601, dd.mm.yyyy, m/d/yyyy or d/m/yyyy (the order decided from the
data or configured), with the month's name (Mar 5, 2024; 5 March 2024), with or without a time, AM/PM (a. m., p. m.; Korean 오전, 오후; Chinese 上午, 下午) or a zone, Excel serial day numbers."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from cxbridge.errors import DataError
from cxbridge.quoted_values import quoted

EXCEL_EPOCH = datetime(1899, 12, 30)
_EXCEL_MAX_SERIAL = 2_958_466  # 9999-12-31
ZONE = r"Z|(?:UTC|GMT)(?:[+-]\d{1,2}(?::?\d{2})?)?|[+-]\d{2}:?\d{2}"
"""How a timestamp's text names its zone: Z, UTC or GMT, an offset (+02:00, -0530), or an offset
after UTC or GMT in whole hours or with minutes ("GMT-5", "GMT+5:30", as Google Forms' CSV
download writes its Timestamp column)."""
_DATE = re.compile(
    r"^(\d{1,4})([./-])(\d{1,2})[./-](\d{1,4})"
    r"(?:(?:[ T]|,\s*)(\d{1,2})[:.](\d{2})(?:[:.](\d{2})(?:[.,](\d{1,6}))?)?\s*(?:([AaPp])\.?\s?[Mm]?\.?)?)?"
    rf"\s*({ZONE})?$"
)
_KOREAN = re.compile(r"^(\d{4})\. ?(\d{1,2})\. ?(\d{1,2})\.?(?: (오전|오후) (\d{1,2}:\d{2}(?::\d{2})?))?$")
_CHINESE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2}) (上午|下午) ?(\d{1,2}:\d{2}:\d{2})$")
_AFTERNOON = ("오후", "下午")
_NAMED_MONTH = re.compile(
    r"^(?:(\d{1,2})(?:\.\s*|[\s-]+)(?:de\s+)?([^\W\d_]{3,})\.?(?:\s+de)?[\s-]+"  # 5 March 2024, 5. März, 5 de marzo de
    r"|([^\W\d_]{3,})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+)"  # Mar 5, 2024
    r"(\d{4})(?=$|[\s,T])(.*)$"
)
_MONTH_NAMES = (
    "january february march april may june july august september october november december",
    "jan feb mar apr may jun jul aug sep oct nov dec",
    "ene feb mar abr may jun jul ago sep oct nov dic",  # Spanish, as Zoho Survey writes `19-sep-2026 10:15 a. m.`
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "januar februar märz april mai juni juli august september oktober november dezember",
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro",
    "stycznia lutego marca kwietnia maja czerwca lipca sierpnia września października listopada grudnia",
    "января февраля марта апреля мая июня июля августа сентября октября ноября декабря",
)
"""Month names in the languages the importer knows — Polish and Russian in the genitive a date
takes (`5 marca 2024`, `5 марта 2024`); no name stands for two months."""
_MONTH_OF = {name: month for names in _MONTH_NAMES for month, name in enumerate(names.split(), start=1)} | {"sept": 9}
_MONTH_AND_YEAR = re.compile(r"^(?:([^\W\d_]{3,})\.?[\s-]+(?:\d{4}|\d{2})|\d{1,2}[./-]\d{4}|\d{4}[./-]\d{1,2})$")


def month_and_year(text: str) -> bool:
    """Whether the text names a month of a year and no day: `Januar 2024`, `Jan-24`, `01/2024`, `2024-01`."""
    found = _MONTH_AND_YEAR.match(text.strip())
    return found is not None and (found.group(1) is None or found.group(1).casefold() in _MONTH_OF)


_OFFSET = re.compile(r"([+-])(\d{1,2}?):?(\d{2})?$")
_NUMBER = re.compile(r"^[+-]?(?:\d+|\d{1,3}(?:[ \u00a0\u202f.,']\d{3})+)(?:[.,]\d+)?$")


class DateOrder(StrEnum):
    """Which part of 01/02/2024 is the day: dmy (1 February), mdy (January 2), ymd (ISO-like)."""

    DMY = "dmy"
    MDY = "mdy"
    YMD = "ymd"


@dataclass(frozen=True)
class DateOrderGuess:
    order: DateOrder | None
    evidence: str
    decided: bool
    example: str | None = None  # an undecided column's first date that reads as two different days
    separator: str = ""  # of its dates: "/", "-" or "."

    @property
    def assumed(self) -> bool:
        """The order was taken from the separator's custom, as nothing in the data decides it."""
        return self.order is not None and not self.decided


def parse_number(value: object, *, decimal: str = ".") -> float | None:
    """A number from a cell: 7, 4.5, "4,5", "1 234,5", "1,234.5"; None when it is not one."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return None if isinstance(value, float) and math.isnan(value) else float(value)
    if isinstance(value, str) and (value.isdecimal() or value[:1] == "-" and value[1:].isdecimal()):
        return float(value)  # the common case, without the regular expressions (² and ³ are digits, not decimals)
    text = str(value).strip()
    if not text.lstrip(" \u00a0\u202f'+-")[:1].isdecimal():
        return None  # words: spared the regular expressions (a comment can run to hundreds of KB)
    text = re.sub(r"[ \u00a0\u202f']", "", text)
    if not text or not _NUMBER.match(text):
        return None
    marks = [c for c in text if c in ".,"]
    if not marks:
        return float(text)
    last = marks[-1]
    tail = text.rpartition(last)[2]
    is_decimal = len(set(marks)) == 2 or (len(marks) == 1 and (last == decimal or len(tail) != 3))
    whole = text.rpartition(last)[0] if is_decimal else text
    digits = whole.replace(".", "").replace(",", "")
    return float(f"{digits}.{tail}") if is_decimal else float(digits)


def whole_int(value: Any) -> int | None:
    """A value as the whole number it is (103, 103.0, "103"), as an API gives a point of a
    scale; None for anything else: a fraction, a label, null, a yes/no, a list."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value.strip()):
        return int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def whole_number(value: Any) -> Any:
    """A whole float as an int (−2.0 as −2), as a number written in a cell and an API's answer
    are stored; anything else as it is."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def parse_datetime(
    value: object, *, tz: ZoneInfo | timezone = timezone.utc, order: DateOrder | None = None, fmt: str | None = None
) -> datetime | None:
    """An aware UTC datetime; naive values are read in `tz`. Blank gives None, junk a DataError."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime.combine(value, time())
    elif isinstance(value, int | float):
        parsed = from_serial(float(value))
    else:
        text = str(value).strip()
        if not text:
            return None
        parsed = _parse_text(text, order=order, fmt=fmt)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    try:
        return parsed.astimezone(timezone.utc)
    except (OverflowError, ValueError):  # 0001-01-01 east of UTC, 9999-12-31 west of it
        raise DataError(f"timestamp {quoted(value)} is outside the years 1–9999 once in UTC",
                        kind="timestamp-out-of-range") from None  # fmt: skip


def from_serial(serial: float) -> datetime:
    """An Excel serial day number (45292.5 = 2024-01-01 12:00), or epoch seconds/milliseconds."""
    if 0 < serial < _EXCEL_MAX_SERIAL:
        return EXCEL_EPOCH + timedelta(days=serial)
    if 1e9 <= serial < 1e11:
        return datetime.fromtimestamp(serial, timezone.utc)
    if 1e12 <= serial < 1e14:
        return datetime.fromtimestamp(serial / 1000, timezone.utc)
    raise DataError(f"the number {serial:g} is not a date (neither an Excel serial day nor epoch seconds)",
                    kind="number-not-a-date")  # fmt: skip


def with_am_pm(text: str) -> str:
    """A Korean sheet's date and time, `2025. 12. 26. 오후 7:11:27` (오전 is AM, 오후 PM), as
    `2025/12/26 7:11:27 PM`, and its date alone, `2025. 12. 26.`, as `2025/12/26`; a Chinese one's,
    `2025-12-5 下午01:14:13` or `2025/12/26 下午 7:11:27` (上午 is AM, 下午 PM), as `2025/12/5 01:14:13
    PM`; any other text as it is."""
    if not (match := _KOREAN.match(text) or _CHINESE.match(text)):
        return text
    year, month, day, half, clock = match.groups()
    return f"{year}/{month}/{day}" + (f" {clock} {'PM' if half in _AFTERNOON else 'AM'}" if half else "")


def with_month_number(text: str) -> str:
    """A date written with its month's name — `Mar 5, 2024`, `March 5, 2024 3:04 PM`, `5 March
    2024`, `05-Mar-2024`, `5. März 2024`, `5 de marzo de 2024` — as `2024/3/5` and the rest (its
    time); any other text as it is. A month's name says which part is the day: no order to guess."""
    if not (match := _NAMED_MONTH.match(text)):
        return text
    day, name, other_name, other_day, year, rest = match.groups()
    month = _MONTH_OF.get((name or other_name).casefold())
    return f"{year}/{month}/{day or other_day}{rest}" if month else text


def named_month_parts(text: str) -> str | None:
    """The order a date written with its month's name gives its parts ("day, month, year" of
    `5 March 2024`, "month, day, year" of `Mar 5, 2024`); None for any other text."""
    match = _NAMED_MONTH.match(text)
    if not match or (match.group(2) or match.group(3)).casefold() not in _MONTH_OF:
        return None
    return "day, month, year" if match.group(1) else "month, day, year"


def as_numbered(text: str) -> str:
    """A date with a month's name or a Korean or Chinese AM/PM as the numbered date the rules read."""
    return with_am_pm(with_month_number(text))


def _parse_text(text: str, *, order: DateOrder | None, fmt: str | None) -> datetime:
    if fmt:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            raise DataError(f"timestamp {quoted(text)} does not match the format {fmt!r}; fix 'timestamp_format'",
                            kind="timestamp-not-in-format") from None  # fmt: skip
    if len(text) >= 10 and text[4] == "-" and text[:4].isdigit():
        try:
            return datetime.fromisoformat(text.replace("UTC", "Z").replace(" Z", "Z"))
        except ValueError:
            pass
    if match := _DATE.match(as_numbered(text)):
        return _from_match(match, text, order)
    if number := parse_number(text):
        return from_serial(number)
    raise DataError(f"timestamp {quoted(text)} is not a date this importer knows; set 'timestamp_format' (strptime)",
                    kind="unreadable-date")  # fmt: skip


def _from_match(match: re.Match[str], text: str, order: DateOrder | None) -> datetime:
    first, separator, second, third, hour, minute, second_s, fraction, half, zone_text = match.groups()
    if len(first) == 4:
        year, month, day = int(first), int(second), int(third)
    else:
        custom = DateOrder.DMY if separator in ".-" else DateOrder.MDY
        resolved = custom if order in (None, DateOrder.YMD) else order  # year-first dates say nothing of these
        a, b = int(first), int(second)
        day, month = (a, b) if resolved is DateOrder.DMY else (b, a)
        year = int(third) + (2000 if len(third) <= 2 and int(third) < 70 else 1900 if len(third) <= 2 else 0)
    hours = int(hour or 0)
    if half:
        if not 1 <= hours <= 12:
            raise DataError(f"timestamp {quoted(text)} has an hour of {hours} with AM/PM", kind="hour-beyond-am-pm")
        hours = hours % 12 + (12 if half in "Pp" else 0)
    clock = (hours, int(minute or 0), int(second_s or 0), int((fraction or "0").ljust(6, "0")))
    try:
        parsed = datetime(year, month, day, *clock)
    except ValueError as exc:
        other_order = len(first) != 4 and _is_date(year, month=day, day=month, clock=clock)  # the day read as the month
        hint = "; set date_order = 'dmy' or 'mdy'" if other_order else ""
        raise DataError(f"timestamp {quoted(text)} is not a valid date ({exc}){hint}",
                        kind="date-in-other-order" if other_order else "impossible-date") from None  # fmt: skip
    if zone_text and zone_text not in ("UTC", "GMT", "Z"):
        parsed = parsed.replace(tzinfo=_offset(zone_text, text))
    elif zone_text:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed


def _is_date(year: int, *, month: int, day: int, clock: tuple[int, int, int, int]) -> bool:
    """Whether these parts make a time: a date impossible as read may be one in the other order."""
    try:
        datetime(year, month, day, *clock)
    except ValueError:
        return False
    return True


def _offset(zone_text: str, text: str) -> timezone:
    """+02:00, -0530 or GMT-5 as a zone; one of 24 hours or more (+25:00) is a DataError."""
    sign, hours_text, minutes_text = _OFFSET.search(zone_text).groups()  # type: ignore[union-attr]
    hours, minutes = int(hours_text), int(minutes_text or 0)
    if hours > 23 or minutes > 59:
        raise DataError(f"timestamp {quoted(text)} has the impossible UTC offset {zone_text}",
                        kind="impossible-utc-offset")  # fmt: skip
    return timezone((1 if sign == "+" else -1) * timedelta(hours=hours, minutes=minutes))


def infer_numbered_date_order(cells: Iterable[tuple[int | None, object]]) -> DateOrderGuess:
    """Whether the text dates of (row number, value) cells are d/m or m/d, from the values whose
    day is above 12; year-first dates decide only a column that has no others. The evidence
    names the row of the date it quotes, for the user to find it."""
    day_first = month_first = ambiguous = 0
    separator = ""
    example = year_first = named = None
    shown: dict[DateOrder, str] = {}  # the first date read only one way, per order, with its row
    for number, value in cells:
        if not isinstance(value, str) or not (match := _DATE.match(as_numbered(value.strip()))):
            continue
        if len(match.group(1)) == 4:  # year first as written, or as a month's name leaves it (`as_numbered`)
            if parts := named_month_parts(value.strip()):
                named = named or f"{value.strip()!r}: {parts}"
            else:
                year_first = year_first or value.strip()
            continue
        first, separator, second = match.group(1), match.group(2), match.group(3)
        a, b = int(first), int(second)
        day_first += a > 12
        month_first += b > 12
        where = f" on row {number}" if number is not None else ""
        if a > 12:
            shown.setdefault(DateOrder.DMY, f"{value.strip()!r}{where}")
        if b > 12:
            shown.setdefault(DateOrder.MDY, f"{value.strip()!r}{where}")
        ambiguous += a <= 12 and b <= 12
        if example is None and a <= 12 and b <= 12 and a != b:  # 05/05 reads the same both ways
            example = value.strip()
    if day_first and month_first:
        return DateOrderGuess(None, f"{_dates(day_first, 'reads', 'read')} only as d/m and {month_first} only as m/d",
                              False)  # fmt: skip
    if day_first:
        return DateOrderGuess(DateOrder.DMY, f"{_dates(day_first)} a first part above 12 (as {shown[DateOrder.DMY]}), "
                                             f"so {_they(day_first)} d/m/y", True)  # fmt: skip
    if month_first:
        return DateOrderGuess(DateOrder.MDY, f"{_dates(month_first)} a second part above 12 (as "
                                             f"{shown[DateOrder.MDY]}), so {_they(month_first)} m/d/y", True)  # fmt: skip
    names = f"write their month's name ({named})" if named else ""
    if not ambiguous and year_first:
        return DateOrderGuess(DateOrder.YMD, f"dates start with the year ({year_first!r})" + (names and f" or {names}"),
                              True)  # fmt: skip
    if not ambiguous and named:
        return DateOrderGuess(None, f"dates {names}, which tells the day from the month: no day/month order to guess",
                              True)  # fmt: skip
    if not ambiguous:
        return DateOrderGuess(None, "no day-month-year dates to decide from", False)
    assumed = DateOrder.DMY if separator in ".-" else DateOrder.MDY
    return DateOrderGuess(
        assumed,
        f"{'the' if ambiguous == 1 else 'all'} {_dates(ambiguous)} day and month ≤ 12; assumed {assumed.value} "
        f"(usual for '{separator}' dates); set date_order if that is wrong",
        False,
        example=example,
        separator=separator,
    )


def _dates(count: int, one: str = "has", many: str = "have") -> str:
    """`1 date has`, `2 dates have`."""
    return f"{count} date {one}" if count == 1 else f"{count} dates {many}"


def _they(count: int) -> str:
    return "it is" if count == 1 else "they are"


def decisive_order(value: object) -> DateOrder | None:
    """DMY or MDY when this one text date can only be read one way (a part above 12)."""
    if not isinstance(value, str) or not (match := _DATE.match(value.strip())) or len(match.group(1)) == 4:
        return None
    first, second = int(match.group(1)), int(match.group(3))
    if first > 12 >= second:
        return DateOrder.DMY
    if second > 12 >= first:
        return DateOrder.MDY
    return None
