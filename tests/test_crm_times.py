"""A CRM plugin's `updated_at` (`CrmAccount`, `CrmContact`) is read as a record's times are
(`RecordBuilder.time`): text, an epoch number or a datetime, one without an offset in the
source's zone — it was stored as given, a naive time as if UTC (or the machine's local time)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from cxbridge.crm import CrmAccount, CrmContact
from cxbridge.sources import ContextStream, Source, SourceConfig, Stream
from cxbridge.testing.harness import SourceHarness, SourceUnderTest

GIVEN = {  # account/contact id → the updated_at the CRM plugin hands, and the UTC time stored (Tokyo is +09:00)
    "A1": ("2025-11-01 00:30", "2025-10-31T15:30:00Z"),
    "A2": (datetime(2025, 11, 30, 23, 30), "2025-11-30T14:30:00Z"),
    "A3": ("2025-10-31T23:30:00Z", "2025-10-31T23:30:00Z"),
    "A4": (1761953400, "2025-10-31T23:30:00Z"),
    "A5": ("20251101", "2025-10-31T15:00:00Z"),  # digits are ISO-8601 text, as a record's are: never an epoch
}


class Companies(ContextStream):
    name = "companies"
    primary_key = ("id",)

    def read(self, cursor: Any) -> Iterator[dict[str, Any]]:
        yield from self.source.config.rows  # type: ignore[attr-defined]

    def context(self, raw: dict[str, Any], builder: Any) -> CrmAccount:
        return CrmAccount(account_id=raw["id"], updated_at=raw["modified"])


class People(Companies):
    name = "people"

    def context(self, raw: dict[str, Any], builder: Any) -> CrmContact:
        return CrmContact(contact_id=raw["id"], updated_at=raw["modified"])


class CrmConfig(SourceConfig):
    connector: str = "crm_times"
    rows: list[dict[str, Any]] = []


class CrmTimes(Source):
    name = "crm_times"
    config_model = CrmConfig

    def streams(self) -> list[Stream]:
        return [Companies(self), People(self)]


def harness(tmp_path, monkeypatch, modified: dict[str, Any]) -> SourceHarness:
    rows = [{"id": key, "modified": value} for key, value in modified.items()]
    under_test = SourceUnderTest(CrmTimes, {"timezone": "Asia/Tokyo", "rows": rows})
    return SourceHarness(under_test, tmp_path=tmp_path, monkeypatch=monkeypatch)


def test_a_crm_plugins_updated_at_is_stored_as_a_records_would_be_in_the_sources_zone(tmp_path, monkeypatch):
    crm = harness(tmp_path, monkeypatch, {key: given for key, (given, _) in GIVEN.items()})
    crm.sync()
    expected = sorted((key, stored) for key, (_, stored) in GIVEN.items())
    assert crm.rows("SELECT account_id, updated_at FROM crm_accounts ORDER BY 1") == expected
    assert crm.rows("SELECT contact_id, updated_at FROM crm_contacts ORDER BY 1") == expected


def test_a_crm_plugins_updated_at_that_is_no_time_is_refused_naming_updated_at(tmp_path, monkeypatch):
    """It went to quarantine with pydantic's words ("Input should be a valid datetime or date")."""
    reading = harness(tmp_path, monkeypatch, {"A1": "soon"}).read()
    assert [stream for stream, _ in reading.rejected] == ["companies", "people"]
    for _, reason in reading.rejected:
        assert re.fullmatch(r"updated_at: timestamp .+ is not ISO-8601 \(2024-05-31T14:05:00Z\)", reason), reason
