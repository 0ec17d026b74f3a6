"""Timestamps are written one way, `2024-05-31T14:05:00Z`, whatever zone and precision they come in."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxbridge.timestamps import format_timestamp


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
