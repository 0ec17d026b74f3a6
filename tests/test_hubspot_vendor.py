"""The hubspot source on HubSpot's own published examples (tests/data/vendor/hubspot/, sources in
its README): a search answer whose `paging.next.after` is an opaque token, the contacts search
example of HubSpot's search guide, its error example and its daily-limit 429 — served from
127.0.0.1 over real HTTP, each value checked against the payload read here independently. HubSpot's
survey-response example is played in tests/test_hubspot_source.py."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from cxbridge.plugins.hubspot.source import HubSpotSource
from tests.hubspot_api import TOKEN
from tests.local_api import Reply, fake_api
from tests.sqlite_runs import query, sync_source

VENDOR = Path(__file__).parent / "data" / "vendor" / "hubspot"
NOW = datetime(2026, 6, 10, tzinfo=timezone.utc)
SEARCH = "/crm/v3/objects/([a-z_]+)/search"
sync = partial(sync_source, name="crm")


def load(name: str) -> Any:
    return json.loads((VENDOR / name).read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch) -> list[float]:
    waits: list[float] = []
    monkeypatch.setattr(HubSpotSource, "sleep", staticmethod(waits.append))
    monkeypatch.setattr(HubSpotSource, "now", staticmethod(lambda: NOW))
    monkeypatch.setenv("HUBSPOT_TOKEN", TOKEN)
    return waits


def entry(base_url: str, **extra: Any) -> dict[str, Any]:
    return {"connector": "hubspot", "base_url": base_url, "access_token": "${HUBSPOT_TOKEN}", **extra}


def epoch_ms(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def test_the_documented_after_token_is_sent_back_as_given_and_every_contact_lands(tmp_path):
    """Page one is the reference's search answer (its `after` is `NTI1Cg%3D%3D`, an opaque token,
    not a number); the page after it is the search guide's two contacts."""
    first, second = load("search_response_example.json"), load("search_contacts_example.json")
    asked: list[dict[str, Any]] = []

    def search(seen, match):
        if match.group(1) != "contacts":
            return {"total": 0, "results": []}
        asked.append(seen.json())
        return second if seen.json().get("after") else first

    with fake_api() as api:
        api.route("POST", SEARCH)(search)
        result = sync(tmp_path, entry(api.url, companies=False))
    assert (result.status, result.streams) == ("success", {"feedback_submissions": 0, "contacts": 3}), result.error
    token = first["paging"]["next"]["after"]
    assert ["after" in body for body in asked] == [False, True] and asked[1]["after"] == token  # not "NTI1Cg=="
    assert {k: v for k, v in asked[1].items() if k != "after"} == asked[0]  # the same search, one page on
    contacts = first["results"] + second["results"]
    rows = query(tmp_path, "SELECT contact_id, respondent_key IS NOT NULL, updated_at FROM crm_contacts")
    modified = {c["id"]: c["properties"].get("lastmodifieddate") for c in contacts}
    assert {cid: (has_key, updated) for cid, has_key, updated in rows} == {
        cid: (stamp is not None, stamp and stamp.replace("Z", "000Z")) for cid, stamp in modified.items()
    }
    database = (tmp_path / "cxbridge.db").read_bytes()
    for person in second["results"]:  # the e-mail is kept only hashed, the names not at all
        assert all(person["properties"][k].encode() not in database for k in ("email", "firstname", "lastname"))
    [(cursor,)] = query(tmp_path, "SELECT cursor FROM sync_state WHERE stream = 'contacts'")
    assert json.loads(cursor) == max(epoch_ms(stamp) for stamp in modified.values() if stamp)


def test_the_documented_error_answer_fails_at_once_saying_what_to_check(tmp_path, fixed_clock):
    error = load("error_example.json")
    with fake_api() as api:
        api.route("POST", SEARCH)(lambda seen, match: Reply(400, error))
        result = sync(tmp_path, entry(api.url))
        asked = api.paths()
    assert result.status == "failed" and len(asked) == 1 and fixed_clock == []
    assert f"HTTP 400 ({error['message']} [{error['category']}]); HubSpot rejected the request" in result.error
    assert "check segment_property" in result.error


def test_the_documented_daily_limit_answer_stops_the_source_without_retrying(tmp_path, fixed_clock):
    daily = load("rate_limit_daily_example.json")
    assert (daily["policyName"], daily["errorType"]) == ("DAILY", "RATE_LIMIT")
    with fake_api() as api:
        api.route("POST", SEARCH)(lambda seen, match: Reply(429, daily))
        result = sync(tmp_path, entry(api.url))
        asked = api.paths()
    assert result.status == "failed" and len(asked) == 1 and fixed_clock == []
    assert f"HTTP 429 ({daily['message']}" in result.error and "quota is used up" in result.error


def test_a_recorded_contacts_to_companies_batch_read_gives_each_response_its_contacts_company(tmp_path):
    """A v4 batch read a HubSpot portal answered (stanford_contacts_companies_batch_read.json): two
    contacts of one company, one of them with the company marked "Primary" (typeId 1 beside the
    unlabelled 279), `toObjectId` written as text. HubSpot's example survey response, answered by
    each contact, has no company of its own: each record takes its contact's."""
    answer = load("stanford_contacts_companies_batch_read.json")
    company_of = {result["from"]["id"]: result["to"][0]["toObjectId"] for result in answer["results"]}
    example = load("feedback_submission_example.json")
    responses = [example | {"id": str(512 + n), "properties": example["properties"] | {"hs_contact_id": contact}}
                 for n, contact in enumerate(company_of)]  # fmt: skip
    read: list[dict[str, Any]] = []

    def associations(seen, match):
        read.append(seen.json())
        return answer if match.group(1) == "contacts" else {"status": "COMPLETE", "results": []}

    def search(seen, match):
        wanted = match.group(1) == "feedback_submissions" and "after" not in seen.json()
        return {"total": len(responses), "results": responses} if wanted else {"total": 0, "results": []}

    with fake_api() as api:
        api.route("POST", SEARCH)(search)
        api.route("POST", "/crm/v4/associations/([a-z_]+)/companies/batch/read")(associations)
        result = sync(tmp_path, entry(api.url, companies=False, contacts=False))
    assert (result.status, result.written) == ("success", 2), result.error
    assert read == [{"inputs": [{"id": r["id"]} for r in responses]},
                    {"inputs": [{"id": contact} for contact in sorted(company_of, key=int)]}]  # fmt: skip
    stored = dict(query(tmp_path, "SELECT source_record_id, crm_account_id FROM feedback"))
    assert stored == {r["id"]: company_of[r["properties"]["hs_contact_id"]] for r in responses}
    assert set(stored.values()) == {"174919744979"}
