"""Cell values: numbers with decimal commas and thousands, timestamps in every layout exports
use, d/m versus m/d decided from the data, Excel serial days, time zones."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from cxbridge.errors import DataError
from cxbridge.tabular.cells import DateOrder, from_serial, infer_numbered_date_order, parse_datetime, parse_number

WARSAW = ZoneInfo("Europe/Warsaw")


@pytest.mark.parametrize(
    ("text", "decimal", "number"),
    [
        ("7", ".", 7.0), ("-3", ".", -3.0), ("4.5", ".", 4.5), ("4,5", ".", 4.5), ("4,5", ",", 4.5),
        ("1 234,5", ",", 1234.5), ("1.234,5", ",", 1234.5), ("1,234.5", ".", 1234.5), ("1,234", ".", 1234.0),
        ("1.234", ",", 1234.0), ("1.234", ".", 1.234), ("abc", ".", None), ("12.5.2024", ".", None), ("", ".", None),
    ],
)  # fmt: skip
def test_numbers(text, decimal, number):
    assert parse_number(text, decimal=decimal) == number


@pytest.mark.parametrize(
    ("text", "number"),
    [("+ 5", 5.0), ("- 1 234,5", -1234.5), ("' 7", 7.0), ("\u00a01\u202f234", 1234.0), ("+-5", None), ("²", None),
     ("x 5", None), ("great staff " * 20_000, None), ("5 great staff " * 20_000, None)],
)  # fmt: skip
def test_what_may_come_before_a_numbers_first_digit(text, number):
    """Spaces and apostrophes, left out anywhere in a number, and one sign; anything else before
    the first digit is no number, however long the text (a comment of 240 KB)."""
    assert parse_number(text) == number


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("2024-05-31 14:05:00", None, utc(2024, 5, 31, 12, 5)),  # naive: Warsaw summer time
        ("2024-05-31T14:05:00Z", None, utc(2024, 5, 31, 14, 5)),
        ("2024-05-31 14:05:00 +02:00", None, utc(2024, 5, 31, 12, 5)),
        ("31.05.2024 14:05", None, utc(2024, 5, 31, 12, 5)),
        ("31.05.2024 14:05 UTC", None, utc(2024, 5, 31, 14, 5)),
        ("5/31/2024 2:05:09 PM", DateOrder.MDY, utc(2024, 5, 31, 12, 5, 9)),
        ("12/05/2023 10:15:32 AM", DateOrder.MDY, utc(2023, 12, 5, 9, 15, 32)),
        ("12/05/2023 10:15:32 AM", DateOrder.DMY, utc(2023, 5, 12, 8, 15, 32)),
        ("31/05/2024", DateOrder.DMY, utc(2024, 5, 30, 22)),
        ("1.2.24", None, utc(2024, 1, 31, 23)),
        ("2024/05/31 10:00", None, utc(2024, 5, 31, 8)),
        ("45292.5", None, utc(2024, 1, 1, 11)),
        ("2025. 12. 26. 오후 7:11:27", None, utc(2025, 12, 26, 18, 11, 27)),  # Korean: 오후 = PM
        ("2025. 11. 15. 오전 3:02:46", None, utc(2025, 11, 15, 2, 2, 46)),  # 오전 = AM
        ("2025. 3. 1. 오전 12:30:00", None, utc(2025, 2, 28, 23, 30)),  # 12 AM is midnight
        ("2025. 12. 26.", None, utc(2025, 12, 25, 23)),  # a Korean date alone
        ("2025-12-5 下午01:14:13", None, utc(2025, 12, 5, 12, 14, 13)),  # Chinese: 下午 = PM
        ("2025-12-5 上午10:22:10", None, utc(2025, 12, 5, 9, 22, 10)),  # 上午 = AM
        ("2025/12/26 下午7:11:27", None, utc(2025, 12, 26, 18, 11, 27)),  # slashes, as a zh-TW sheet writes
        ("2025/12/26 下午 7:11:27", None, utc(2025, 12, 26, 18, 11, 27)),  # and with a space before the time
        ("2025/12/26 上午 12:05:00", None, utc(2025, 12, 25, 23, 5)),  # 12 AM is midnight
        ("2022/02/13 10:26:52 p. m. GMT-3", None, utc(2022, 2, 14, 1, 26, 52)),  # Spanish CSV download
    ],
)
def test_timestamps(text, order, expected):
    assert parse_datetime(text, tz=WARSAW, order=order) == expected


def test_excel_serial_numbers_and_epoch_seconds():
    assert from_serial(45292.75) == datetime(2024, 1, 1, 18)
    assert parse_datetime(45292, tz=timezone.utc) == utc(2024, 1, 1)
    assert parse_datetime(1_700_000_000) == utc(2023, 11, 14, 22, 13, 20)


def test_a_date_that_cannot_be_is_a_data_error_with_a_hint():
    with pytest.raises(DataError, match="set date_order"):
        parse_datetime("13/12/2024", order=DateOrder.MDY)
    with pytest.raises(DataError, match="timestamp_format"):
        parse_datetime("last tuesday")


def date_order(values: list[str]):
    """The guess of a column holding `values` from row 2 on, as a sheet's rows are numbered."""
    return infer_numbered_date_order(enumerate(values, start=2))


def test_date_order_is_decided_by_a_day_above_12():
    day_first = date_order(["1/5/2024", "13/5/2024"])
    assert (day_first.order, day_first.decided) == (DateOrder.DMY, True)
    assert "'13/5/2024' on row 3" in day_first.evidence
    assert date_order(["1/5/2024 10:00:00", "5/13/2024 10:00:00"]).order is DateOrder.MDY
    assert date_order(["2024-01-05"]).order is DateOrder.YMD
    undecided = date_order(["1/5/2024", "5/12/2024"])
    assert (undecided.order, undecided.decided) == (DateOrder.MDY, False)
    assert "set date_order" in undecided.evidence
    assert date_order(["01.05.2024"]).order is DateOrder.DMY
    assert date_order(["13/5/2024", "5/13/2024"]).order is None


def test_date_order_evidence_counts_one_date_as_one():
    assert date_order(["13/5/2024"]).evidence.startswith("1 date has a first part above 12 (as '13/5/2024' on row 2)")
    assert date_order(["5/13/2024", "1/1/2024"]).evidence.endswith("so it is m/d/y")
    assert date_order(["13/5/2024", "14/5/2024"]).evidence.startswith("2 dates have a first part above 12")
    assert date_order(["13/5/2024", "5/13/2024"]).evidence == "1 date reads only as d/m and 1 only as m/d"
    assert date_order(["1/5/2024"]).evidence.startswith("the 1 date has day and month ≤ 12; assumed mdy")


@pytest.mark.parametrize("order", [DateOrder.DMY, DateOrder.MDY])
def test_a_date_no_order_reads_names_no_date_order_to_set(order):
    """31/02/2025 is no date day first nor month first: setting date_order would not help, so
    the reason does not ask for it (its kind says so too)."""
    with pytest.raises(DataError) as raised:
        parse_datetime("31/02/2025", order=order)
    assert "date_order" not in str(raised.value) and raised.value.kind == "impossible-date"


def test_a_date_the_other_order_reads_names_date_order_to_set():
    with pytest.raises(DataError, match="set date_order = 'dmy' or 'mdy'") as raised:
        parse_datetime("12/25/2025", order=DateOrder.DMY)
    assert raised.value.kind == "date-in-other-order"
