"""One customer as real data shows them: a store's CSV export, a Typeform response, a HubSpot
NPS answer and contact, and a Zendesk CSAT rating (its requester's address looked up by user id),
each writing her e-mail its own way — upper
case, spaces, a display name — beside a plus-address of hers, a phone number written four ways
and a household address two people share. What docs/identity.md and docs/security.md promise:
one respondent key per address however it is written (and per phone number's digits), no
address or number stored anywhere in the file, views counting responses (a person answering in
two sources counts twice, a copy once), and `cxbridge erase` following the key into every source
and the CRM — and no further than the key reaches."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

import cxbridge
from cxbridge.config import config_from_dict
from cxbridge.plugins.hubspot.source import HubSpotSource
from cxbridge.plugins.surveymonkey.source import SurveyMonkeySource
from cxbridge.plugins.typeform.source import TypeformSource
from cxbridge.plugins.zendesk.source import ZendeskSource
from cxbridge.plugins_host import create_host
from cxbridge.respondents import RespondentKeys
from tests import hubspot_api, surveymonkey_api, typeform_api, zendesk_api
from tests.hubspot_api import HubSpotAccount, hubspot
from tests.sqlite_runs import sync_source
from tests.typeform_api import TypeformAccount, typeform
from tests.zendesk_api import ZendeskAccount, zendesk

ANN = "ann.lee@example.com"
STORE_ROWS = [  # id, submitted, nps, email, phone
    ["C1", "2026-02-01T08:00:00Z", "3", " Ann.Lee@Example.COM ", ""],
    ["C2", "2026-02-02T08:00:00Z", "9", "ann.lee+shop@example.com", ""],  # another address: another key
    ["C3", "2026-02-03T08:00:00Z", "2", "", "+44 20 7946 0958"],
    ["C4", "2026-02-04T08:00:00Z", "6", "", "+44-20-7946-0958"],
    ["C5", "2026-02-05T08:00:00Z", "8", "", "(+44) 20 7946 0958"],
    ["C6", "2026-02-06T08:00:00Z", "10", "", "020 7946 0958"],  # a trunk 0, no country code: other digits
    ["C7", "2026-02-07T08:00:00Z", "10", "family@example.com", ""],  # two people of one household
    ["C8", "2026-02-07T08:03:00Z", "4", "Family@Example.com", ""],
    ["C9", "2026-02-08T08:00:00Z", "5", "Ann Lee <ann.lee@example.com>", ""],
    ["C10", "2026-02-09T08:00:00Z", "eleven", "ANN.LEE@example.com", ""],  # quarantined: not a score
]
WRITTEN = ["ann.lee", "family@", "7946 0958", "7946-0958", "2079460958", "486000000001", "Visitor1"]
"""What must not be in the file, in any letter case: the addresses, the phone as written and as its
digits, Typeform's phone answer and the contact block's first name — none short enough to turn up
in the hex of a key or the salt by chance."""


@pytest.fixture(autouse=True)
def offline(monkeypatch) -> None:
    for source in (TypeformSource, HubSpotSource, ZendeskSource):
        monkeypatch.setattr(source, "sleep", staticmethod(lambda seconds: None))
    for source in (HubSpotSource, ZendeskSource):
        monkeypatch.setattr(source, "now", staticmethod(lambda: hubspot_api.START.replace(month=6, day=10)))
    monkeypatch.setenv("TYPEFORM_TOKEN", typeform_api.TOKEN)
    monkeypatch.setenv("HUBSPOT_TOKEN", hubspot_api.TOKEN)
    monkeypatch.setenv("ZENDESK_API_TOKEN", zendesk_api.API_TOKEN)


def typeform_account() -> TypeformAccount:
    response = typeform_api.tf_response(1, nps=4)
    for answer in response["answers"]:
        if answer["type"] == "email":
            answer["email"] = "ANN.LEE@example.com"
    account = TypeformAccount()
    account.add_form(typeform_api.store_form(), response)
    return account


def hubspot_account() -> HubSpotAccount:
    answer = hubspot_api.submission(1, "NPS", "2", contact=1)
    answer["properties"]["hs_contact_email_rollup"] = "Ann.Lee@example.com"
    contact = hubspot_api.contact(1, 1)
    contact["properties"] |= {"email": "ann.lee@EXAMPLE.com ", "phone": "+44 20 7946 0958", "firstname": "Ann"}
    account = HubSpotAccount()
    account.objects |= {"feedback_submissions": [answer], "companies": [hubspot_api.company(1)], "contacts": [contact]}
    return account


def zendesk_account() -> ZendeskAccount:
    account = ZendeskAccount()
    account.ratings = [zendesk_api.rating(1, "bad", comment="Still waiting for my refund")]
    account.tickets = [zendesk_api.ticket(1)]
    account.users = [zendesk_api.user(account.ratings[0]["requester_id"], "Ann.Lee@EXAMPLE.com")]
    return account


def sync(folder: Path, *, full_refresh: bool = False) -> dict[str, Any]:
    """Every source of Ann's world synced into folder/cx.db; the results by source."""
    with (folder / "store.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["id", "submitted", "nps", "email", "phone"], *STORE_ROWS])
    with typeform(typeform_account()) as forms, hubspot(hubspot_account()) as crm, zendesk(zendesk_account()) as desk:
        sources = {
            "store": {"connector": "csv", "path": "store.csv", "metrics": [{"column": "nps", "metric": "nps"}],
                      "columns": {"id": "id", "submitted_at": "submitted", "email": "email", "phone": "phone"}},
            "visits": {"connector": "typeform", "base_url": forms.url, "token": "${TYPEFORM_TOKEN}", "forms": ["kX7pQ2Lm"]},
            "crm": {"connector": "hubspot", "base_url": crm.url, "access_token": "${HUBSPOT_TOKEN}"},
            "support": {"connector": "zendesk", "base_url": desk.url, "email": zendesk_api.EMAIL,
                        "api_token": "${ZENDESK_API_TOKEN}", "start_date": "2026-03-01T00:00:00Z"},
        }  # fmt: skip
        config = config_from_dict({"sources": sources}, create_host(), path=folder / "cxbridge.toml")
        synced = cxbridge.sync(config, destination=destination(folder), full_refresh=full_refresh, host=create_host())
    results = {result.source: result for result in synced.results}
    assert all(result.status == "success" for result in results.values()), [r.error for r in results.values()]
    return results


def destination(folder: Path) -> str:
    return f"sqlite:///{folder / 'cx.db'}"


def query(folder: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(folder / "cx.db") as db:
        return db.execute(sql).fetchall()


def keys(folder: Path) -> dict[str, str | None]:
    """Each record's native id (the store's, or the source's name) → its respondent key."""
    rows = query(folder, "SELECT source, source_record_id, respondent_key FROM feedback")
    return {native if source == "store" else source: key for source, native, key in rows}


def test_an_address_however_written_is_one_key_in_every_source_and_the_crm(tmp_path):
    sync(tmp_path)
    found = keys(tmp_path)
    [contact_key] = [key for (key,) in query(tmp_path, "SELECT respondent_key FROM crm_contacts")]
    assert found["C1"] == found["C9"] == found["visits"] == found["crm"] == found["support"] == contact_key is not None
    assert found["C2"] not in (None, contact_key), "a plus-address is an address of its own"
    assert found["C7"] == found["C8"] is not None and found["C7"] != contact_key
    [(quarantined,)] = query(tmp_path, "SELECT raw FROM quarantine")
    assert f"hashed:{contact_key}" in quarantined, "a quarantined record keeps the key, to replay to it"
    linked = dict(query(tmp_path, "SELECT record_id, linked_by FROM feedback_accounts"))
    [(visit,)] = query(tmp_path, "SELECT record_id FROM feedback WHERE source = 'visits'")
    assert linked[visit] == "email", "the Typeform answer reaches Ann's HubSpot company through her hashed address"


def test_a_phone_number_is_keyed_by_its_digits_however_they_are_spaced(tmp_path):
    sync(tmp_path)
    found = keys(tmp_path)
    assert found["C3"] == found["C4"] == found["C5"] is not None
    assert found["C6"] not in (None, found["C3"]), "020 … and +44 20 … are two keys, as docs/cli.md says"
    dataset = RespondentKeys("the dataset's salt")
    assert dataset.key("+44 (0)20 7946 0958") == dataset.key("+44 20 7946 0958"), "a trunk (0) is not dialled"
    assert dataset.key("0044 20 7946 0958") == dataset.key("+44 20 7946 0958"), "00 is the + dialled abroad"


def test_no_address_phone_number_or_name_is_stored_anywhere_in_the_destination(tmp_path):
    sync(tmp_path)
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("cx.db*")).lower()
    assert stored.count(b"hashed:") >= 3
    assert [text for text in WRITTEN if text.lower().encode() in stored] == []


def test_views_count_each_response_once_and_a_person_once_per_response(tmp_path):
    sync(tmp_path)
    nps = {
        row[0]: row[1:] for row in query(tmp_path, "SELECT source, responses, promoters, detractors FROM nps_by_month")
    }
    # the store's nine scored rows: Ann's two (C1, C9), her plus-address, the phone's four, the household's two
    assert nps == {"store": (9, 3, 5), "visits": (1, 0, 1), "crm": (1, 0, 1)}
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback WHERE duplicate_of IS NOT NULL") == [(0,)], (
        "Ann's answers through three sources are three responses, no copies of one"
    )
    [(ann,)] = query(tmp_path, "SELECT respondent_key FROM crm_contacts")
    cases = query(tmp_path, f"SELECT f.source, COUNT(*) FROM feedback_cases c JOIN feedback f ON f.record_id = c.record_id "
                            f"WHERE f.respondent_key = '{ann}' GROUP BY f.source ORDER BY f.source")  # fmt: skip
    assert cases == [("crm", 1), ("store", 2), ("support", 1), ("visits", 1)], (
        "each of her detractor responses and her bad rating opens a case of its own"
    )


def test_erase_follows_the_key_into_every_source_and_the_crm_and_no_further(tmp_path):
    sync(tmp_path)
    before = keys(tmp_path)
    erased = cxbridge.erase(["  ANN.Lee@example.com"], destination=destination(tmp_path))
    assert (erased.rows["feedback"], erased.rows["crm_contacts"], erased.rows["quarantine"]) == (5, 1, 1)
    assert set(keys(tmp_path)) == set(before) - {"C1", "C9", "visits", "crm", "support"}, (
        "C2, the phone's, the household's stay"
    )
    results = sync(tmp_path, full_refresh=True)  # the store: C1, C9 and C10, quarantined before; crm: answer, contact
    assert {name: result.erased for name, result in results.items()} == {
        "store": 3,
        "visits": 1,
        "crm": 2,
        "support": 1,
    }
    assert set(keys(tmp_path)) == set(before) - {"C1", "C9", "visits", "crm", "support"}, "nothing of hers comes back"
    assert query(tmp_path, "SELECT COUNT(*) FROM crm_contacts") == [(0,)]


def test_erasing_a_household_address_erases_everyone_who_answered_with_it(tmp_path):
    sync(tmp_path)
    erased = cxbridge.erase(["family@example.com"], destination=destination(tmp_path))
    assert erased.rows["feedback"] == 2
    assert "C7" not in keys(tmp_path) and "C8" not in keys(tmp_path)


def test_an_address_pasted_with_an_invisible_character_around_it_is_the_same_key(tmp_path):
    """A zero-width space or byte-order mark pasted with an address from a web page or a mail
    program: trimmed like a space, so the response is Ann's and her erasure finds it. Before, it
    made a key of its own: joined to nobody, and `erase ann.lee@example.com` left the record."""
    pasted = [
        "\u200bann.lee@example.com",
        "Ann.Lee@example.com\u200b",
        "\ufeffann.lee@example.com",
        "ann.lee@example.com\u2060",
    ]
    with (tmp_path / "store.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["id", "submitted", "nps", "email"], ["P0", "2026-02-01T08:00:00Z", "3", ANN]]
                                     + [[f"P{n}", f"2026-02-0{n + 1}T08:00:00Z", "4", email] for n, email in enumerate(pasted, 1)])  # fmt: skip
    source = {"connector": "csv", "path": "store.csv", "metrics": [{"column": "nps", "metric": "nps"}],
              "columns": {"id": "id", "submitted_at": "submitted", "email": "email"}}  # fmt: skip
    assert sync_source(tmp_path, source, name="store", db="cx.db").written == 5
    assert len(set(keys(tmp_path).values())) == 1
    assert cxbridge.erase([ANN], destination=destination(tmp_path)).rows["feedback"] == 5


def test_a_surveymonkey_export_keys_and_scrubs_the_contact_details_as_the_api_does(tmp_path, monkeypatch):
    """The same responses read through the SurveyMonkey API and from their responses/bulk JSON
    export: the Contact Information question's e-mail and phone are hashed and its name removed
    in both (docs/security.md), and the export's e-mail keys the respondent as the API's does.
    Before, the export stored the name 'Client 1' and the phone '+48600000001' as read, in
    `attributes` and `raw`."""
    monkeypatch.setattr(SurveyMonkeySource, "sleep", staticmethod(lambda seconds: None))
    monkeypatch.setattr(SurveyMonkeySource, "now", staticmethod(lambda: surveymonkey_api.NOW))
    monkeypatch.setenv("SURVEYMONKEY_TOKEN", surveymonkey_api.TOKEN)
    account, survey = surveymonkey_api.support_account(), surveymonkey_api.SURVEY
    (tmp_path / "bulk.json").write_text(json.dumps({"data": account.responses[survey]}), encoding="utf-8")
    (tmp_path / "details.json").write_text(json.dumps(account.surveys[survey]), encoding="utf-8")
    export = {"connector": "json", "path": "bulk.json", "format": "surveymonkey_json", "definition": "details.json",
              "columns": {"id": "id", "submitted_at": "date_modified", "email": "contact_email"},
              "metrics": [{"column": "101", "metric": "nps"}]}  # fmt: skip
    with surveymonkey_api.surveymonkey(account) as api:
        sources = {"sm_api": {"connector": "surveymonkey", "base_url": api.url, "access_token": "${SURVEYMONKEY_TOKEN}",
                              "surveys": [survey]}, "sm_export": export}  # fmt: skip
        config = config_from_dict({"sources": sources}, create_host(), path=tmp_path / "cxbridge.toml")
        synced = cxbridge.sync(config, destination=destination(tmp_path), host=create_host())
    assert [(result.source, result.status) for result in synced.results] == [
        ("sm_api", "success"),
        ("sm_export", "success"),
    ]
    [(api_key, export_key)] = query(tmp_path, "SELECT a.respondent_key, e.respondent_key FROM feedback a JOIN feedback e "
                                              "ON e.source_record_id = a.source_record_id AND e.source = 'sm_export' "
                                              "WHERE a.source = 'sm_api' AND a.source_record_id = '13400000001'")  # fmt: skip
    assert api_key == export_key is not None
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("cx.db*")).lower()
    assert [text for text in ("client 1", "client1@", "48600000001") if text.encode() in stored] == []
