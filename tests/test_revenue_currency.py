"""Revenue in nps_by_segment and nps_revenue_by_month is never added across currencies: a row
whose accounts' revenues name one currency (accounts naming none go along with it) says which in
`revenue_currency`; a row whose accounts name two or more is 'mixed', its money figures NULL (its
counts stay).
Expected rows are worked out from the accounts and answers written here (tests/test_views_property's
independent computation), on SQLite, DuckDB, PostgreSQL and Parquet."""

from __future__ import annotations

import pytest

from cxbridge.crm_views import REVENUE_CURRENCY, in_one_currency, nps_by_segment, nps_revenue_by_month
from cxbridge.plugins_host import create_host
from tests.local_destinations import LOCAL_KINDS, destination_maker, view_made_again
from tests.test_views_property import assert_crm_views_match, crm_expected, sync_crm_world

ACCOUNTS = [
    {"id": "ACC0", "segment": "SMB", "revenue": 120_000.0, "currency": "EUR"},
    {"id": "ACC1", "segment": "SMB", "revenue": 40_000.5, "currency": "EUR"},
    {"id": "ACC2", "segment": "Enterprise", "revenue": 2_500_000.0, "currency": None},
    {"id": "ACC3", "segment": "Enterprise", "revenue": 75_000.0, "currency": None},
    {"id": "ACC4", "segment": "Mid-market", "revenue": 1_000_000.0, "currency": "USD"},
    {"id": "ACC5", "segment": "Mid-market", "revenue": 300_000.0, "currency": None},
    {"id": "ACC6", "segment": "Mid-market", "revenue": None, "currency": "JPY"},  # no revenue: its currency is no matter
    {"id": "ACC7", "segment": "Global", "revenue": 1_000_000.0, "currency": "JPY"},
    {"id": "ACC8", "segment": "Global", "revenue": 1_000_000.0, "currency": "USD"},
]  # fmt: skip
ANSWERS = [  # (day, account, NPS)
    ("2025-01-10", "ACC0", 9), ("2025-01-11", "ACC0", 3), ("2025-01-12", "ACC1", 10),  # SMB: EUR only
    ("2025-01-13", "ACC2", 6), ("2025-01-14", "ACC3", 9),  # Enterprise: no currency named; January: EUR
    ("2025-02-10", "ACC4", 10), ("2025-02-11", "ACC5", 2), ("2025-02-12", "ACC6", 9),  # USD and one naming none
    ("2025-02-13", None, 7),
    ("2025-03-10", "ACC7", 0), ("2025-03-11", "ACC8", 10),  # 1,000,000 JPY beside 1,000,000 USD: mixed
    ("2025-03-12", "ACC0", 8),  # SMB in March: EUR; March as a whole: mixed
    ("2025-04-10", "ACC2", 9),  # April: revenue in no currency named
]  # fmt: skip


def accounts_world(answers: list[tuple[str, str | None, int]], accounts: list[dict]) -> dict:
    """A CRM world for `sync_crm_world` of NPS answers (day, account, score) at 10:00 UTC, no
    contacts, no shoppers."""
    return {
        "answers": [{"submitted": f"{day}T10:00:00+00:00", "nps": score, "account": account, "contact": None,
                     "email": None} for day, account, score in answers],
        "shopper_answers": [],
        "accounts": accounts,
        "contacts": [],
    }  # fmt: skip


WORLD = accounts_world(ANSWERS, ACCOUNTS)


@pytest.fixture(params=LOCAL_KINDS)
def destination_factory(request, tmp_path):
    return destination_maker(request.param, tmp_path, request, "revenue")


def test_the_world_holds_every_case():
    by_segment, by_month = crm_expected(WORLD)
    currencies = {key: row["revenue_currency"] for key, row in {**by_segment, **by_month}.items()}
    assert currencies[("SMB", "2025-01")] == "EUR"  # one currency
    assert currencies[("Enterprise", "2025-01")] is None and by_segment[("Enterprise", "2025-01")]["account_revenue"]
    assert currencies["2025-01"] == "EUR" and currencies[("Mid-market", "2025-02")] == "USD"  # one named + unnamed
    assert currencies[("Global", "2025-03")] == currencies["2025-03"] == "mixed"  # two named


def test_revenue_is_added_in_one_currency_only(tmp_path, destination_factory):
    sync_crm_world(destination_factory().url, tmp_path, WORLD)
    destination = destination_factory()
    destination.open(read_only=True)
    try:
        assert_crm_views_match(destination.query, WORLD)
        mixed = destination.query("SELECT * FROM nps_by_segment WHERE segment = 'Global'")
    finally:
        destination.close()
    assert [(row["nps"], row["account_revenue"], row["revenue_currency"]) for row in mixed] == [(0.0, None, "mixed")]


def test_a_month_of_mixed_currencies_keeps_its_counts_and_only_its_money_is_null(tmp_path, destination_factory):
    """Counts add no money: March, JPY beside USD and EUR, still says how many answers and accounts
    have a known revenue; its revenue-weighted NPS and detractor revenue are NULL."""
    sync_crm_world(destination_factory().url, tmp_path, WORLD)
    revenue = {a["id"]: a["revenue"] for a in ACCOUNTS}
    march = [account for day, account, _ in ANSWERS if day.startswith("2025-03") and revenue.get(account) is not None]
    destination = destination_factory()
    destination.open(read_only=True)
    try:
        [row] = destination.query("SELECT responses_with_revenue, accounts_with_revenue, revenue_weighted_nps, "
                                  "detractor_revenue, revenue_currency FROM nps_revenue_by_month "
                                  "WHERE month = '2025-03'")  # fmt: skip
    finally:
        destination.close()
    assert tuple(row.values()) == (len(march), len(set(march)), None, None, "mixed")


@pytest.mark.parametrize("destination_factory", ["sqlite", "duckdb", "parquet"], indirect=True)
def test_a_destination_whose_views_added_every_currency_gets_them_again(tmp_path, destination_factory):
    """nps_by_segment as cxbridge made it before `revenue_currency`: the next open makes it again
    (SQLite 0025, SQL 0021 migrations; Parquet 0023 writes `_cxbridge/views.sql` again)."""
    sync_crm_world(destination_factory().url, tmp_path, WORLD)

    def older(now: str) -> str:  # the views before revenue_currency
        return now.replace(f",\n       {REVENUE_CURRENCY}", "")

    with view_made_again(destination_factory, "nps_by_segment", sql=nps_by_segment, older=older,
                         migration="revenue_currency") as destination:  # fmt: skip
        assert_crm_views_match(destination.query, WORLD)


@pytest.mark.parametrize("destination_factory", ["sqlite", "duckdb", "parquet"], indirect=True)
def test_a_destination_whose_view_left_counts_null_in_mixed_months_gets_them_again(tmp_path, destination_factory):
    """nps_revenue_by_month as cxbridge made it when a month of mixed currencies counted nothing
    with a revenue: the next open makes it again (SQLite 0028, SQL 0024, Parquet 0026)."""
    sync_crm_world(destination_factory().url, tmp_path, WORLD)
    counts = ("SUM(CASE WHEN revenue IS NOT NULL THEN responses ELSE 0 END)", "COUNT(revenue)")

    def older(now: str) -> str:  # the counts NULL across currencies, as the money figures are
        for count in counts:
            now = now.replace(f"       {count} AS", f"       {in_one_currency(count)} AS")
        return now

    with view_made_again(destination_factory, "nps_revenue_by_month", sql=nps_revenue_by_month, older=older,
                         migration="counts_across_currencies") as destination:  # fmt: skip
        assert_crm_views_match(destination.query, WORLD)


def test_currency_codes_are_compared_as_codes_not_as_written(tmp_path):
    """'usd' and ' USD' are USD and a blank currency is none named: the Mid-market row is in USD
    and the Global row adds 1,000,000 + 1,000,000, where before they read 'mixed', revenue NULL."""
    written = {"ACC4": "usd", "ACC6": " ", "ACC7": " USD", "ACC8": "USD", "ACC0": "eur ", "ACC1": "EUR"}
    clean = {"ACC4": "USD", "ACC6": None, "ACC7": "USD", "ACC8": "USD", "ACC0": "EUR", "ACC1": "EUR"}
    world = {**WORLD, "accounts": [{**a, "currency": written.get(a["id"], a["currency"])} for a in ACCOUNTS]}
    expected = {**WORLD, "accounts": [{**a, "currency": clean.get(a["id"], a["currency"])} for a in ACCOUNTS]}
    results = sync_crm_world(f"sqlite:///{tmp_path / 'cx.db'}", tmp_path, world)
    assert not [w for result in results for w in result.warnings if "currency" in w]
    destination = create_host().destination_class("sqlite")(f"sqlite:///{tmp_path / 'cx.db'}", base_dir=tmp_path)
    destination.open(read_only=True)
    try:
        assert_crm_views_match(destination.query, expected)
        rows = destination.query("SELECT segment, account_revenue, revenue_currency FROM nps_by_segment ORDER BY month")
    finally:
        destination.close()
    assert ("Global", 2_000_000.0, "USD") in [tuple(row.values()) for row in rows]


def test_a_currency_that_is_no_code_is_kept_and_named_once_in_the_warnings(tmp_path):
    world = {**WORLD, "accounts": [{**a, "currency": "US Dollar" if a["id"] in ("ACC7", "ACC8") else a["currency"]}
                                   for a in ACCOUNTS]}  # fmt: skip
    results = sync_crm_world(f"sqlite:///{tmp_path / 'cx.db'}", tmp_path, world)
    notes = [w for result in results for w in result.warnings if "currency" in w]
    assert len(notes) == 1 and "'US Dollar'" in notes[0] and "account 'ACC7' of source 'customers'" in notes[0]
    destination = create_host().destination_class("sqlite")(f"sqlite:///{tmp_path / 'cx.db'}", base_dir=tmp_path)
    destination.open(read_only=True)
    try:
        assert_crm_views_match(destination.query, world)
        stored = destination.query("SELECT currency FROM crm_accounts WHERE account_id = 'ACC8'")
    finally:
        destination.close()
    assert [row["currency"] for row in stored] == ["US Dollar"]
