"""The CRM context and its views, checked against values computed here independently from the
sample data (cxbridge.testing.sample_feedback); the conformance suite then holds every other
destination to what SQLite shows."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from cxbridge.plugins.sqlite.destination import SQLiteDestination
from cxbridge.testing.destinations import RECORDS, SOURCES, deliver
from cxbridge.testing.sample_feedback import REVENUES, SEGMENTS, version_records


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


def nps_answers(version: int = 1) -> list[tuple[str, str, str | None]]:
    """(month, category, account) of every stored primary NPS answer of both sample sources."""
    found = []
    for raw in version_records(RECORDS, version):
        if raw["nps"] is None or raw["nps"] == "11":
            continue
        category = "promoter" if raw["nps"] >= 9 else "passive" if raw["nps"] >= 7 else "detractor"
        month = raw["submitted"][:7] if raw["submitted"] else "undated"  # the sample's zone is UTC
        found += [(month, category, account_of(raw))] * len(SOURCES)
    return found


def nps(categories: list[str]) -> float:
    return round(100 * (categories.count("promoter") - categories.count("detractor")) / len(categories), 1)


@pytest.fixture
def destination(tmp_path: Path) -> SQLiteDestination:
    deliver(SQLiteDestination(f"sqlite:///{tmp_path / 'cx.db'}"))
    found = SQLiteDestination(f"sqlite:///{tmp_path / 'cx.db'}")
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


def test_nps_by_segment_matches_an_independent_count(destination):
    segment_of = {f"ACC{n}": SEGMENTS[n] or "unsegmented" for n in range(5)}
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    accounts: dict[tuple[str, str], set[str]] = defaultdict(set)
    for month, category, account in nps_answers():
        key = (segment_of[account] if account else "no account", month)
        groups[key].append(category)
        if account:
            accounts[key].add(account)
    expected = sorted(
        (segment, month, len(cats), len(accounts[(segment, month)]), cats.count("promoter"), cats.count("passive"),
         cats.count("detractor"), nps(cats))
        for (segment, month), cats in groups.items()
    )  # fmt: skip
    rows = destination.query("SELECT * FROM nps_by_segment")
    assert sorted(tuple(row.values()) for row in rows) == expected


def test_revenue_weighted_nps_weighs_each_answer_by_its_account_s_revenue(destination):
    revenue = {f"ACC{n}": REVENUES[n] for n in range(5)}
    by_month: dict[str, list[tuple[str, float | None]]] = defaultdict(list)
    for month, category, account in nps_answers():
        by_month[month].append((category, revenue.get(account) if account else None))
    expected = []
    for month, answers in sorted(by_month.items()):
        weighed = [(category, amount) for category, amount in answers if amount is not None]
        total = sum(amount for _, amount in weighed)
        net = sum(amount for c, amount in weighed if c == "promoter") - sum(a for c, a in weighed if c == "detractor")
        expected.append((
            month, len(answers), nps([c for c, _ in answers]), len(weighed),
            round(100 * net / total, 1) if total else None,
            round(sum(a for c, a in weighed if c == "detractor"), 2),
        ))  # fmt: skip
    rows = destination.query("SELECT * FROM nps_revenue_by_month ORDER BY month")
    assert [tuple(row.values()) for row in rows] == expected
    assert any(row["revenue_weighted_nps"] not in (None, row["nps"]) for row in rows)  # the weights matter
