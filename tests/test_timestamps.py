"""Timestamps are written one way, `2024-05-31T14:05:00Z`, whatever zone and precision they come in."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxbridge.errors import DataError
from cxbridge.timestamps import format_timestamp, parse_timestamp


def written_before(value: datetime) -> str:
    """How format_timestamp wrote a time until it skipped the conversion of UTC times: every
    stored timestamp was written so, and must still be."""
    value = value.astimezone(timezone.utc)
    spec = "microseconds" if value.microsecond else "seconds"
    return value.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (datetime(2024, 5, 31, 14, 5, tzinfo=timezone.utc), "2024-05-31T14:05:00Z"),
        (datetime(2024, 5, 31, 14, 5, 0, 7, tzinfo=timezone.utc), "2024-05-31T14:05:00.000007Z"),
        (datetime(2024, 5, 31, 16, 5, 30, 120000, tzinfo=ZoneInfo("Europe/Warsaw")), "2024-05-31T14:05:30.120000Z"),
        (datetime(2024, 11, 1, 1, 30, tzinfo=timezone(timedelta(hours=-5, minutes=-30))), "2024-11-01T07:00:00Z"),
        (datetime(2024, 10, 27, 2, 30, fold=1, tzinfo=ZoneInfo("Europe/Warsaw")), "2024-10-27T01:30:00Z"),
        (datetime(999, 1, 1, tzinfo=timezone.utc), "0999-01-01T00:00:00Z"),
        (datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc), "9999-12-31T23:59:59.999999Z"),
    ],
)
def test_a_time_is_written_in_utc_with_microseconds_only_when_it_has_some(value, text):
    assert format_timestamp(value) == text == written_before(value)


def test_no_time_is_written_as_none():
    assert format_timestamp(None) is None


zones = st.one_of(
    st.just(timezone.utc),
    st.timedeltas(min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23, minutes=59)).map(timezone),
    st.sampled_from(["UTC", "Europe/Warsaw", "America/St_Johns", "Asia/Kathmandu", "Australia/Lord_Howe"]).map(
        ZoneInfo
    ),
)


@settings(max_examples=500, derandomize=True, database=None)
@given(
    st.datetimes(min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31), timezones=zones, allow_imaginary=True)
)
def test_any_aware_time_is_written_as_it_always_was(value):
    assert format_timestamp(value) == written_before(value)


@pytest.mark.parametrize(("value", "moment"), [
    (1717164300, datetime(2024, 5, 31, 14, 5, tzinfo=timezone.utc)),  # epoch seconds (Zendesk, Typeform's since)
    (1717164300.5, datetime(2024, 5, 31, 14, 5, 0, 500000, tzinfo=timezone.utc)),
    (1717164300123, datetime(2024, 5, 31, 14, 5, 0, 123000, tzinfo=timezone.utc)),  # milliseconds (HubSpot)
    (99_999_999_999, datetime(5138, 11, 16, 9, 46, 39, tzinfo=timezone.utc)),  # the last second read as seconds
    (100_000_000_000, datetime(1973, 3, 3, 9, 46, 40, tzinfo=timezone.utc)),  # the first number read as milliseconds
    ("20240531", datetime(2024, 5, 31, tzinfo=timezone.utc)),  # digits are text: ISO-8601's basic date
])
def test_a_plugin_reads_epoch_numbers_and_iso_text_with_parse_timestamp(value, moment):
    assert parse_timestamp(value) == moment


@pytest.mark.parametrize(("value", "says"), [
    ("1717164300", "an epoch is read from a number"),  # digits that are no ISO date: the unit is the plugin's to say
    (-1, "no epoch time"), (10**14, "no epoch time"), (float("nan"), "no epoch time"),
])
def test_digits_in_text_and_numbers_off_the_epoch_are_refused_with_what_to_do(value, says):
    with pytest.raises(DataError, match=says):
        parse_timestamp(value)


def test_a_number_in_a_format_is_read_as_written_not_as_an_epoch():
    assert parse_timestamp(20240531, fmt="%Y%m%d") == datetime(2024, 5, 31, tzinfo=timezone.utc)
