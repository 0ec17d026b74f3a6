"""The CRM context and its views, checked against values computed here independently from the
sample data (cxbridge.testing.sample_feedback) on SQLite and on Snowflake (fakesnow), where
docs/bi.md's biggest accounts listed the account of unknown revenue first; the conformance suite
then holds every other destination to what SQLite shows."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import pytest

from cxbridge.destinations import Destination
from cxbridge.plugins.sqlite.destination import SQLiteDestination
from cxbridge.testing.destinations import RECORDS, SOURCES, deliver
from cxbridge.testing.sample_feedback import REVENUES, SEGMENTS, version_records
from tests.conftest import half_up
from tests.test_snowflake_destination import snowflake  # noqa: F401 — the fixture
from tests.test_snowflake_destination import the_sample


def account_of(raw: dict) -> str | None:
    """The account a sample answer belongs to: its own, its contact's, or its e-mail's contact's."""
    n = int(raw["id"][1:])
    if raw["account"]:
        return raw["account"]
    if raw["contact"]:
        return f"ACC{(int(raw['contact'][1:]) + 1) % 5}"
    if raw["email"] and (n - 1) // 2 < 6:
        return f"ACC{((n - 1) // 2 + 1) % 5}"
    return None


CUSTOMER_SOURCES = [name for name, program in SOURCES.items() if program == "voc"]


def nps_answers(version: int = 1) -> list[tuple[str, str, str | None]]:
    """(month, category, account) of every stored primary NPS answer of the customers' sample
    source (the mystery shoppers' NPS answers are another population)."""
    found = []
    for raw in version_records(RECORDS, version):
        if raw["nps"] is None or raw["nps"] == "11":
            continue
        category = "promoter" if raw["nps"] >= 9 else "passive" if raw["nps"] >= 7 else "detractor"
        month = raw["submitted"][:7] if raw["submitted"] else "undated"  # the sample's zone is UTC
        found += [(month, category, account_of(raw))] * len(CUSTOMER_SOURCES)
    return found


def nps(categories: list[str]) -> float:
    return half_up(Fraction(100 * (categories.count("promoter") - categories.count("detractor")), len(categories)))


@pytest.fixture(scope="module", params=["sqlite", "snowflake"])
def destination(request, tmp_path_factory) -> Iterator[Destination]:
    """The sample delivered once per engine, open to read (Snowflake's on fakesnow)."""
    if request.param == "snowflake":
        found = the_sample(request.getfixturevalue("snowflake"), tmp_path_factory)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('crm') / 'cx.db'}"
        deliver(SQLiteDestination(url))
        found = SQLiteDestination(url)
    found.open(read_only=True)
    yield found
    found.close()


def test_accounts_and_contacts_are_stored_without_e_mails(destination):
    accounts = destination.query("SELECT source, account_id, segment, annual_revenue FROM crm_accounts ORDER BY 1, 2")
    assert [(a["account_id"], a["segment"], a["annual_revenue"]) for a in accounts[:5]] == [
        (f"ACC{n}", SEGMENTS[n], REVENUES[n]) for n in range(5)
    ]
    assert {a["source"] for a in accounts} == set(SOURCES)
    contacts = destination.query("SELECT contact_id, account_id, respondent_key FROM crm_contacts")
    assert len(contacts) == 12 and all(len(c["respondent_key"]) == 32 for c in contacts)
    assert not destination.query("SELECT 1 FROM crm_contacts WHERE attributes LIKE '%@%'")


def link_of(raw: dict) -> str | None:
    """How a sample answer finds its account, as `account_of` does."""
    return "account" if raw["account"] else "contact" if raw["contact"] else "email" if account_of(raw) else None


def test_feedback_accounts_follows_every_link_path(destination):
    expected = sorted(
        (source, raw["id"], account_of(raw), link_of(raw))
        for raw in version_records(RECORDS, 1) if account_of(raw) and raw["nps"] != "11"
        for source in SOURCES
    )  # fmt: skip
    rows = destination.query(
        "SELECT f.source, f.source_record_id, l.account_id, l.linked_by "
        "FROM feedback_accounts l JOIN feedback f ON f.record_id = l.record_id"
    )
    assert sorted(tuple(row.values()) for row in rows) == expected
    assert {link for *_, link in expected} == {"account", "contact", "email"}


def per_account(answers: list[tuple[str, str, str | None]]) -> dict[tuple[str, str | None], list[str]]:
    """The categories of each (month, account)'s answers."""
    grouped: dict[tuple[str, str | None], list[str]] = defaultdict(list)
    for month, category, account in answers:
        grouped[(month, account)].append(category)
    return grouped


def test_nps_by_segment_matches_an_independent_count(destination):
    segment_of = {f"ACC{n}": SEGMENTS[n] or "unsegmented" for n in range(5)}
    revenue = {f"ACC{n}": REVENUES[n] for n in range(5)}
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    accounts: dict[tuple[str, str], set[str]] = defaultdict(set)
    for month, category, account in nps_answers():
        key = (segment_of[account] if account else "no account", month)
        groups[key].append(category)
        if account:
            accounts[key].add(account)

    def revenue_of(key: tuple[str, str]) -> tuple[float, str] | tuple[None, None]:
        """The accounts' revenue and its currency: every sample account's is in euros."""
        known = [revenue[a] for a in accounts[key] if revenue[a] is not None]
        return (round(sum(known), 2), "EUR") if known else (None, None)

    expected = sorted(
        (segment, month, len(cats), len(accounts[(segment, month)]), cats.count("promoter"), cats.count("passive"),
         cats.count("detractor"), nps(cats), *revenue_of((segment, month)))
        for (segment, month), cats in groups.items()
    )  # fmt: skip
    rows = destination.query("SELECT * FROM nps_by_segment")
    assert sorted(tuple(row.values()) for row in rows) == expected


def test_revenue_weighted_nps_counts_each_account_s_revenue_once_a_month(destination):
    revenue = {f"ACC{n}": REVENUES[n] for n in range(5)}
    answers = nps_answers()
    accounts = per_account(answers)
    expected = []
    for month in sorted({month for month, _, _ in answers}):
        cats = [category for m, category, _ in answers if m == month]
        weighed = {a: revenue[a] for (m, a) in accounts if m == month and a and revenue[a] is not None}
        net = {a: (accounts[(month, a)].count("promoter") - accounts[(month, a)].count("detractor"))
               / len(accounts[(month, a)]) for a in weighed}  # fmt: skip
        total = sum(weighed.values())
        at_risk = [amount for a, amount in weighed.items() if "detractor" in accounts[(month, a)]]
        expected.append((
            month, len(cats), nps(cats), sum(len(accounts[(month, a)]) for a in weighed), len(weighed),
            round(100 * sum(weighed[a] * net[a] for a in weighed) / total, 1) if total else None,
            round(sum(at_risk), 2) if at_risk or "detractor" not in cats else None,  # detractors, none's revenue known: unknown
            "EUR" if weighed else None,  # every sample account's revenue is in euros
        ))  # fmt: skip
    rows = destination.query("SELECT * FROM nps_revenue_by_month ORDER BY month")
    assert [tuple(row.values()) for row in rows] == expected
    assert any(row["revenue_weighted_nps"] not in (None, row["nps"]) for row in rows)  # the weights matter
    twice = [key for key, cats in accounts.items() if key[1] and cats.count("detractor") > 1]
    assert twice, "the sample must have an account with two detractor answers in a month (issue 11 item 6)"


def test_the_documented_biggest_accounts_query_reaches_accounts_by_every_path(destination):
    """docs/bi.md's "biggest accounts among detractors" counts each account once, whether its
    answers carry the account id, a contact or only a hashed e-mail."""
    text = (Path(__file__).resolve().parents[1] / "docs" / "bi.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```sql\n(.*?)```", text, flags=re.S) if "feedback_accounts l" in b)
    sql = block.replace("'2026-11-01'", "'2000-01-01'").rstrip().rstrip(";")
    revenue = {f"ACC{n}": REVENUES[n] for n in range(5)}
    detractors: dict[str, int] = defaultdict(int)
    paths = set()
    for raw in version_records(RECORDS, 1):
        if isinstance(raw["nps"], int) and raw["nps"] <= 6 and account_of(raw) and raw["submitted"]:
            detractors[account_of(raw)] += 1
            paths.add(link_of(raw))
    rows = destination.query(sql)
    assert {row["account_id"]: row["detractor_answers"] for row in rows} == dict(detractors)
    assert [row["annual_revenue"] for row in rows] == sorted(
        (revenue[a] for a in detractors), key=lambda amount: (amount is None, -(amount or 0))
    )
    assert paths == {"account", "contact", "email"}
