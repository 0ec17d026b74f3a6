"""nps_revenue_by_month.detractor_revenue is the revenue of the month's accounts with a detractor
answer whose revenue is known — NULL when there are detractor answers and none of their revenues
is known (not 0.0, which read as "no revenue at risk" where it is unknown), 0.0 when the month has
no detractor answer (nothing is at risk: known) or the known revenues add up to 0.
Expected figures are worked out here from the accounts and answers written, on SQLite, DuckDB,
PostgreSQL and Parquet."""

from __future__ import annotations

import re

import pytest

from cxbridge.crm_views import in_one_currency, nps_revenue_by_month
from tests.local_destinations import LOCAL_KINDS, destination_maker, view_made_again
from tests.test_revenue_currency import accounts_world
from tests.test_views_property import assert_crm_views_match, sync_crm_world

ACCOUNTS = [
    {"id": "ACC0", "segment": "SMB", "revenue": None, "currency": None},
    {"id": "ACC1", "segment": "SMB", "revenue": 50_000.0, "currency": None},
    {"id": "ACC2", "segment": "Enterprise", "revenue": 0.0, "currency": None},
    {"id": "ACC3", "segment": "Enterprise", "revenue": 120_000.5, "currency": None},
]
ANSWERS = [  # (day, account, NPS)
    ("2025-01-10", "ACC0", 2), ("2025-01-11", "ACC1", 10),  # the detractor's revenue unknown: NULL
    ("2025-02-10", None, 3), ("2025-02-11", "ACC0", 5),  # no answer with a known revenue: NULL
    ("2025-03-10", "ACC2", 0), ("2025-03-11", "ACC1", 9),  # a detractor whose revenue is 0: 0.0
    ("2025-04-10", "ACC3", 1), ("2025-04-11", "ACC3", 4), ("2025-04-12", "ACC0", 6),  # one known, counted once
    ("2025-05-10", "ACC1", 10), ("2025-05-11", "ACC3", 8), ("2025-05-12", "ACC0", 7),  # no detractor: 0.0
    ("2025-06-10", "ACC0", 9), ("2025-06-11", None, 10),  # no detractor, no revenue known: still 0.0
]  # fmt: skip
WORLD = accounts_world(ANSWERS, ACCOUNTS)


def expected_detractor_revenue() -> dict[str, float | None]:
    """Per month: the sum of the known revenues of the distinct accounts with a detractor answer
    (0–6); None when there are detractor answers and none of their accounts has a known revenue,
    0.0 when there is none."""
    revenue = {a["id"]: a["revenue"] for a in ACCOUNTS}
    detractors = {day[:7]: [] for day, _, _ in ANSWERS}
    for day, account, score in ANSWERS:
        if score <= 6:
            detractors[day[:7]].append(account)
    expected = {}
    for month, accounts in detractors.items():
        known = {a for a in accounts if revenue.get(a) is not None}
        expected[month] = round(sum(revenue[a] for a in known), 2) if known or not accounts else None
    return expected


@pytest.fixture(params=LOCAL_KINDS)
def destination_factory(request, tmp_path):
    return destination_maker(request.param, tmp_path, request, "detractors")


def test_the_expected_months_hold_each_case():
    assert expected_detractor_revenue() == {"2025-01": None, "2025-02": None, "2025-03": 0.0,
                                            "2025-04": 120_000.5, "2025-05": 0.0, "2025-06": 0.0}  # fmt: skip


def test_detractor_revenue_is_0_without_detractors_and_null_when_none_of_theirs_is_known(tmp_path, destination_factory):
    sync_crm_world(destination_factory().url, tmp_path, WORLD)
    destination = destination_factory()
    destination.open(read_only=True)
    try:
        rows = destination.query("SELECT month, detractor_revenue FROM nps_revenue_by_month")
        found = {row["month"]: None if row["detractor_revenue"] is None else float(row["detractor_revenue"])
                 for row in rows}  # fmt: skip
        assert found == expected_detractor_revenue()
        assert_crm_views_match(destination.query, WORLD)
    finally:
        destination.close()


def test_a_destination_whose_view_read_unknown_revenue_as_zero_gets_it_again(tmp_path, destination_factory):
    """nps_revenue_by_month as cxbridge made it when an unknown revenue counted 0: the next open
    makes it again (SQLite 0029, SQL 0025, Parquet 0027)."""
    sync_crm_world(destination_factory().url, tmp_path, WORLD)

    def older(now: str) -> str:
        d = destination_factory()  # the dialect: rounded_sum is a class method
        before = in_one_currency(d.rounded_sum("CASE WHEN detractors > 0 THEN COALESCE(revenue, 0) ELSE 0 END", 2))
        return re.sub(r"^(\s*).* AS detractor_revenue,$", lambda m: f"{m[1]}{before} AS detractor_revenue,", now,
                      flags=re.MULTILINE)  # fmt: skip

    with view_made_again(destination_factory, "nps_revenue_by_month", sql=nps_revenue_by_month, older=older,
                         migration="unknown_detractor_revenue") as destination:  # fmt: skip
        rows = destination.query("SELECT month, detractor_revenue FROM nps_revenue_by_month WHERE month = '2025-01'")
        assert_crm_views_match(destination.query, WORLD)
    assert [tuple(row.values()) for row in rows] == [("2025-01", None)]
