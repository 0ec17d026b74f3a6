"""The hubspot source against cassettes of the documented CRM search API (cassettes/hubspot/,
recorded from tests/hubspot_api.py with CXBRIDGE_RECORD_CASSETTES=1) and, for faults and the
10,000-result cap, the same fake on 127.0.0.1 — always into a real SQLite destination."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from cxbridge.errors import ConfigError
from cxbridge.plugins.hubspot.source import HubSpotSource
from cxbridge.testing import HttpSourceConformance, SourceUnderTest
from cxbridge.testing.cassettes import api_cassette
from tests.hubspot_api import REAL_HOST, TOKEN, HubSpotAccount, crm_account, hubspot, response_group, submission
from tests.local_api import Reply
from tests.sqlite_runs import documented_query, query, sync_source

sync = partial(sync_source, name="crm")
CASSETTES = Path(__file__).resolve().parents[1] / "cassettes" / "hubspot"
NOW = datetime(2026, 6, 10, tzinfo=timezone.utc)
SUBMISSIONS = "/crm/v3/objects/feedback_submissions/search"
VENDOR = Path(__file__).parent / "data" / "vendor" / "hubspot"
BIGGEST_DETRACTORS = documented_query("The biggest accounts among this month's detractors").replace("2026-11-01", "2026-06-01")


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch) -> list[float]:
    waits: list[float] = []
    monkeypatch.setattr(HubSpotSource, "sleep", staticmethod(waits.append))
    monkeypatch.setattr(HubSpotSource, "now", staticmethod(lambda: NOW))
    monkeypatch.setenv("HUBSPOT_TOKEN", TOKEN)
    return waits


def entry(base_url: str, **extra: Any) -> dict[str, Any]:
    return {"connector": "hubspot", "base_url": base_url, "access_token": "${HUBSPOT_TOKEN}", "page_size": 2, **extra}




@contextmanager
def cassette(name: str, account: HubSpotAccount) -> Iterator[Any]:
    with hubspot(account) as api:
        with api_cassette(CASSETTES / f"{name}.yaml", real_url=REAL_HOST, fake_url=api.url, secrets=[TOKEN]) as c:
            yield c


def test_a_full_sync_reads_survey_responses_companies_and_contacts(tmp_path):
    with cassette("full_sync", crm_account()) as recorded:
        result = sync(tmp_path, entry(recorded.base_url))
    assert (result.status, result.read, result.written) == ("success", 10, 10), result.error
    assert result.streams == {"feedback_submissions": 5, "companies": 7, "contacts": 10}
    searches = [r for r in recorded.requests if "/search" in r.uri]
    first = json.loads(searches[0].body)
    assert first == {
        "filterGroups": [{"filters": [
            {"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": "0"},
            {"propertyName": "hs_lastmodifieddate", "operator": "LT", "value": "1781049600001"}]}],
        "sorts": [{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}],
        "properties": first["properties"], "limit": 2,
    }  # fmt: skip
    assert "hs_value" in first["properties"] and "hs_survey_type" in first["properties"]
    assert all(r.headers["Authorization"] == "REDACTED" for r in recorded.requests)
    rows = query(tmp_path, "SELECT source_record_id, nps, csat, ces, comment, crm_contact_id, crm_account_id, channel, "
                           "survey_name FROM feedback ORDER BY 1")  # fmt: skip
    assert rows == [
        ("701", 10, None, None, "Love the app", "1", "1", "email", "NPS survey"),  # its own company
        ("702", 3, None, None, None, "2", "2", "email", "NPS survey"),  # its contact's primary company
        ("703", None, 2.0, None, None, "3", "1", "email", "CSAT survey"),
        ("704", None, None, 6.0, None, None, "2", "email", "CES survey"),  # no contact, a company of its own
        ("705", 8, None, None, None, "3", "1", "email", "NPS survey"),
    ]
    associations = [(r.uri.removeprefix(REAL_HOST), json.loads(r.body)) for r in recorded.requests if "/associations/" in r.uri]
    assert associations[:2] == [  # one batch per page of two, not one call per response
        ("/crm/v4/associations/feedback_submissions/companies/batch/read", {"inputs": [{"id": "701"}, {"id": "702"}]}),
        ("/crm/v4/associations/contacts/companies/batch/read", {"inputs": [{"id": "2"}]}),
    ]  # fmt: skip
    assert len(associations) == 6
    assert query(tmp_path, "SELECT account_id, name, segment, annual_revenue FROM crm_accounts ORDER BY 1") == [
        ("1", "Company 1", "tier_1", 1200000.0), ("2", "Company 2", "tier_3", 85000.5),
    ]  # fmt: skip
    assert query(tmp_path, "SELECT contact_id, account_id FROM crm_contacts ORDER BY 1") == [("1", "1"), ("2", "2"), ("3", "1")]
    assert query(tmp_path, "SELECT segment, responses, nps FROM nps_by_segment ORDER BY 1") == [
        ("tier_1", 2, 50.0), ("tier_3", 1, -100.0),
    ]  # fmt: skip
    # each account's net score weighed by its revenue once: company 1 answered 10 and 8 (net 1/2),
    # company 2 answered 3 (net −1)
    weighted = 100 * (1200000 * (1 - 0) / 2 + 85000.5 * (0 - 1) / 1) / (1200000 + 85000.5)
    assert query(tmp_path, "SELECT revenue_weighted_nps FROM nps_revenue_by_month") == [(round(weighted, 1),)]


def test_the_next_sync_searches_from_the_last_modification_and_writes_nothing_new(tmp_path):
    account = crm_account()
    with cassette("incremental", account) as recorded:
        first = sync(tmp_path, entry(recorded.base_url))
        same = sync(tmp_path, entry(recorded.base_url))
        account.objects["feedback_submissions"].append(submission(9, "NPS", "0", minutes=60, contact=2))
        new = sync(tmp_path, entry(recorded.base_url))
    assert [(r.written, r.unchanged) for r in (first, same, new)] == [(10, 0), (0, 3), (1, 3)]
    since = [json.loads(r.body)["filterGroups"][0]["filters"][0]["value"] for r in recorded.requests if "/search" in r.uri]
    latest = str(int(datetime(2026, 6, 1, 8, 5, 5, tzinfo=timezone.utc).timestamp() * 1000))  # submission 5
    assert since[:6] == ["0"] * 6 and since[6] == latest  # the second sync starts at the last modification


def test_a_window_over_the_10000_cap_splits_itself_and_reads_every_object_once(tmp_path, monkeypatch):
    account = crm_account()
    account.cap = 4  # the fake answers at most 4 results a search, as HubSpot does 10,000
    monkeypatch.setattr("cxbridge.plugins.hubspot.search.SEARCH_CAP", 4)
    account.objects["feedback_submissions"] = [submission(n, "NPS", str(n % 11), contact=None) for n in range(1, 23)]
    with hubspot(account) as api:
        result = sync(tmp_path, entry(api.url, companies=False, contacts=False))
        windows = {tuple(f["value"] for f in seen.json()["filterGroups"][0]["filters"]) for seen in api.requests
                   if seen.path == SUBMISSIONS}  # fmt: skip
    assert (result.status, result.written) == ("success", 22), result.error
    assert len(windows) > 4  # split, and split again
    assert query(tmp_path, "SELECT COUNT(DISTINCT source_record_id), COUNT(*) FROM feedback") == [(22, 22)]


def test_bad_token_and_spent_daily_limit_fail_with_what_to_do(tmp_path, monkeypatch, fixed_clock):
    monkeypatch.setenv("HUBSPOT_TOKEN", "pat-revoked")
    with cassette("error_401", crm_account()) as recorded:
        refused = sync(tmp_path, entry(recorded.base_url))
    assert refused.status == "failed"
    assert "HTTP 401 (Authentication credentials not found. [INVALID_AUTHENTICATION]); HubSpot did not accept" in refused.error
    monkeypatch.setenv("HUBSPOT_TOKEN", TOKEN)
    with hubspot(crm_account()) as api:
        api.fail(Reply(429, {"status": "error", "message": "You have reached your daily limit.", "errorType": "RATE_LIMIT",
                             "policyName": "DAILY"}), times=5)  # fmt: skip
        spent = sync(tmp_path, entry(api.url))
    assert spent.status == "failed" and "quota is used up" in spent.error and len(api.requests) == 1


def test_429_5xx_and_dropped_connections_are_retried_and_every_object_lands_once(tmp_path, fixed_clock):
    with hubspot(crm_account()) as api:
        api.fail(Reply(429, {"status": "error", "message": "You have reached your secondly limit.",
                             "policyName": "SECONDLY"}, headers={"Retry-After": "1"}))  # fmt: skip
        api.fail(Reply(502))
        api.fail(Reply(drop=True))
        api.fail(Reply(200, body={"results": []}, cut_at=3))
        result = sync(tmp_path, entry(api.url))
    assert (result.status, result.written) == ("success", 10), result.error
    assert 1 in fixed_clock  # the wait Retry-After asked for
    assert query(tmp_path, "SELECT COUNT(DISTINCT source_record_id), COUNT(*) FROM feedback") == [(5, 5)]


def test_the_documented_biggest_detractors_query_joins_feedback_to_its_account(tmp_path):
    with hubspot(crm_account()) as api:
        result = sync(tmp_path, entry(api.url))
    assert result.status == "success", result.error
    # the one detractor (702, a 3) reaches company 2 through its contact; company 1's answers are a 10 and an 8
    assert query(tmp_path, BIGGEST_DETRACTORS) == [("2", "Company 2", "tier_3", 85000.5, 1)]


def test_a_validation_error_fails_at_once_saying_what_to_check(tmp_path):
    with hubspot(crm_account()) as api:
        api.fail(Reply(400, {"status": "error", "message": "There was a problem with the request.", "category": "VALIDATION_ERROR",
                             "errors": [{"message": "Property 'customer_segmnt' does not exist", "in": "properties"}],
                             "correlationId": "0f1e2d3c-0000-4000-8000-000000000003"}), match="/search")  # fmt: skip
        result = sync(tmp_path, entry(api.url, segment_property="customer_segmnt"))
        asked = len(api.requests)
    assert result.status == "failed" and asked == 1
    assert ("HTTP 400 (There was a problem with the request. (Property 'customer_segmnt' does not exist) "
            "[VALIDATION_ERROR]); HubSpot rejected the request: a property or value of the request is not valid for this "
            "account — check segment_property") in result.error  # fmt: skip


def test_a_page_past_the_cap_after_the_window_grew_fails_and_the_rerun_splits_it(tmp_path, monkeypatch):
    account = crm_account()
    account.cap = 4
    monkeypatch.setattr("cxbridge.plugins.hubspot.search.SEARCH_CAP", 4)
    account.objects["feedback_submissions"] = [submission(n, contact=None) for n in range(1, 5)]
    answer = account.search

    def growing(seen, match):  # two responses modified into the window while its pages are read
        if seen.json().get("after") == "2" and len(account.objects["feedback_submissions"]) == 4:
            account.objects["feedback_submissions"] += [submission(5, contact=None), submission(6, contact=None)]
        return answer(seen, match)

    account.search = growing  # type: ignore[method-assign]
    with hubspot(account) as api:
        failed = sync(tmp_path, entry(api.url, companies=False, contacts=False))
        past = [seen for seen in api.requests if seen.path == SUBMISSIONS and seen.json().get("after") == "4"]
        again = sync(tmp_path, entry(api.url, companies=False, contacts=False))
    assert failed.status == "failed" and len(past) == 1  # not retried
    assert "HTTP 400 for a page past the 4-result cap of a HubSpot search" in failed.error
    assert "re-run the sync: it resumes from its last checkpoint" in failed.error
    assert again.status == "success", again.error
    assert query(tmp_path, "SELECT COUNT(DISTINCT source_record_id), COUNT(*) FROM feedback") == [(6, 6)]


def test_an_answer_slower_than_the_timeout_is_asked_again_and_lands_once(tmp_path):
    with hubspot(crm_account()) as api:
        api.fail(Reply(200, {"results": []}, delay=1.0), match=SUBMISSIONS)
        result = sync(tmp_path, entry(api.url, timeout=0.3))
        asked = [seen.path for seen in api.requests]
    assert (result.status, result.written) == ("success", 10), result.error
    assert asked[:2] == [SUBMISSIONS, SUBMISSIONS]  # the slow one, then again
    assert query(tmp_path, "SELECT COUNT(DISTINCT source_record_id), COUNT(*) FROM feedback") == [(5, 5)]


def test_a_failure_mid_read_keeps_what_was_read_and_the_rerun_resumes_from_the_checkpoint(tmp_path):
    account = crm_account()
    answer, failures = account.search, [10]

    def later_pages_fail(seen, match):
        if seen.path == SUBMISSIONS and seen.json().get("after") == "4" and failures[0] > 0:
            failures[0] -= 1
            return Reply(500, {"status": "error", "message": "internal error", "category": "INTERNAL_ERROR"})
        return answer(seen, match)

    account.search = later_pages_fail  # type: ignore[method-assign]
    with hubspot(account) as api:
        failed = sync(tmp_path, entry(api.url, max_attempts=2))
        failures[0] = 0
        start = len(api.requests)
        again = sync(tmp_path, entry(api.url))
        resumed_from = api.requests[start].json()["filterGroups"][0]["filters"][0]["value"]
    assert failed.status == "failed" and "HTTP 500" in failed.error and "after 2 attempts; re-run later" in failed.error
    assert failed.written == 4
    assert resumed_from == str(int(datetime(2026, 6, 1, 8, 4, 5, tzinfo=timezone.utc).timestamp() * 1000))  # response 4
    assert (again.status, again.written, again.unchanged) == ("success", 6, 1), again.error
    assert query(tmp_path, "SELECT COUNT(DISTINCT source_record_id), COUNT(*) FROM feedback") == [(5, 5)]


def test_a_value_off_the_configured_scale_is_quarantined_naming_it(tmp_path):
    account = crm_account()
    account.objects["feedback_submissions"].append(submission(8, "CSAT", "7", contact=None))
    with hubspot(account) as api:
        result = sync(tmp_path, entry(api.url))
    assert result.quarantined == 1
    [(error,)] = query(tmp_path, "SELECT error FROM quarantine")
    assert "7" in error and "scale" in error


def test_config_mistakes_name_the_key(tmp_path):
    with pytest.raises(ConfigError, match="plain text"):
        sync(tmp_path, entry("http://127.0.0.1:9", access_token="pat-typed-in"))


def sync_feedback_objects(tmp_path, objects: list[dict]):
    """A sync of feedback submissions alone, served as `objects` in one page of HubSpot's search
    envelope (companies and contacts left out)."""
    account = crm_account()
    served: list[dict] = []

    def documented_page(seen, match):
        if match.group(1) != "feedback_submissions" or served:
            return {"total": 0, "results": []}
        served.append(seen.json())
        return {"total": len(objects), "results": objects}

    account.search = documented_page  # type: ignore[method-assign]
    with hubspot(account) as api:
        return sync(tmp_path, entry(api.url, companies=False, contacts=False))


def test_hubspots_published_csat_example_is_a_satisfied_answer_on_its_0_to_2_scale(tmp_path):
    """HubSpot's own example survey response (tests/data/vendor/hubspot/README.md): CSAT "2",
    which HubSpot groups as PROMOTER, is the top box of its three answers 0, 1, 2."""
    example = json.loads((VENDOR / "feedback_submission_example.json").read_text())
    result = sync_feedback_objects(tmp_path, [example])
    assert (result.status, result.written) == ("success", 1), result.error
    rows = query(tmp_path, "SELECT source_record_id, csat, csat_normalized, comment, channel, survey_id, survey_name, "
                           "submitted_at, updated_at, json_extract(attributes, '$.hs_response_group') FROM feedback")  # fmt: skip
    assert rows == [("512", 2.0, 100.0, "What a great product!", "email", "5", "Customer Satisfaction Survey",
                     "2019-10-30T03:30:17.883000Z", "2019-12-07T16:50:06.678000Z", "PROMOTER")]  # fmt: skip
    assert query(tmp_path, "SELECT metric, value, scale_min, scale_max, category FROM feedback_scores") == [
        ("csat", 2.0, 0.0, 2.0, "satisfied")]
    assert query(tmp_path, "SELECT responses, satisfied, csat_pct FROM csat_by_month") == [(1, 1, 100.0)]


def test_a_property_the_connector_does_not_ask_for_is_not_stored_when_hubspot_answers_it(tmp_path):
    """HubSpot's published example carries `hs_submission_name` ("Customer Satisfaction Survey -
    customer@example.com": the contact's e-mail) and `hs_ingestion_id`, which the connector never
    asks for (docs/security.md: never stored): whatever HubSpot answers, neither is in any byte of
    the database — `raw` and `quarantine.raw` were the answer as read."""
    example = json.loads((VENDOR / "feedback_submission_example.json").read_text())
    between = example | {"id": "513", "properties": example["properties"] | {"hs_value": "1.5"}}
    result = sync_feedback_objects(tmp_path, [example, between])
    assert (result.status, result.written, result.quarantined) == ("success", 1, 1), result.error
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("cxbridge.db*"))
    for unasked in (b"customer@example.com", b"hs_submission_name", b"hs_ingestion_id"):
        assert unasked not in stored, unasked
    assert query(tmp_path, "SELECT json_extract(raw, '$.properties') FROM quarantine") == [(json.dumps({
        "hs_content": "What a great product!", "hs_response_group": "PROMOTER", "hs_survey_channel": "EMAIL",
        "hs_survey_id": "5", "hs_survey_name": "Customer Satisfaction Survey", "hs_survey_type": "CSAT",
        "hs_value": "1.5"}, separators=(",", ":")),)]  # fmt: skip


def test_every_value_hubspot_documents_lands_in_its_box(tmp_path):
    """CSAT 0/1/2 and NPS 0–10 fall in the boxes HubSpot's own grouping names (detractor,
    passive, promoter); CES 1–7 in the project's boxes (the best two and the worst two of seven:
    HubSpot counts a 3 as a detractor, cxbridge as neutral)."""
    values = {"CSAT": range(3), "CES": range(1, 8), "NPS": range(11)}
    account = crm_account()
    account.objects["feedback_submissions"] = [
        submission(n, survey, str(value), minutes=n, contact=None)
        for n, (survey, value) in enumerate(((s, v) for s, vs in values.items() for v in vs), start=1)
    ]  # fmt: skip
    with hubspot(account) as api:
        result = sync(tmp_path, entry(api.url, companies=False, contacts=False))
    assert (result.status, result.written, result.quarantined) == ("success", 21, 0), result.error
    boxes = {"PROMOTER": ("satisfied", "promoter"), "PASSIVE": ("neutral", "passive"), "DETRACTOR": ("dissatisfied", "detractor")}
    scored = query(tmp_path, "SELECT metric, value, category FROM feedback_scores ORDER BY metric, value")
    expected_ces = {1: "high_effort", 2: "high_effort", 3: "neutral", 4: "neutral", 5: "neutral", 6: "low_effort", 7: "low_effort"}
    assert scored == sorted(
        [("ces", float(v), expected_ces[v]) for v in values["CES"]]
        + [("csat", float(v), boxes[response_group("CSAT", v)][0]) for v in values["CSAT"]]
        + [("nps", float(v), boxes[response_group("NPS", v)][1]) for v in values["NPS"]]
    )  # fmt: skip
    assert query(tmp_path, "SELECT csat_pct FROM csat_by_month") == [(round(100 * 1 / 3, 1),)]
    assert query(tmp_path, "SELECT low_effort_pct FROM ces_by_month") == [(round(100 * 2 / 7, 1),)]
    assert query(tmp_path, "SELECT nps FROM nps_by_month") == [(round(100 * (2 - 7) / 11, 1),)]


class TestHubSpotSource(HttpSourceConformance):
    @pytest.fixture
    def source_under_test(self):
        with hubspot(crm_account()) as api:
            yield SourceUnderTest(HubSpotSource, entry(api.url), secrets={"HUBSPOT_TOKEN": TOKEN},
                                  personal_data=["buyer1@example.com", "buyer2@example.com", "buyer3@example.com"])


def test_a_search_answering_empty_pages_with_new_after_tokens_stops_after_a_few():
    from cxbridge import http
    from cxbridge.errors import SourceError
    from cxbridge.http.pagination import MAX_EMPTY_PAGES
    from cxbridge.plugins.hubspot.search import search
    from tests.local_api import fake_api

    def empty(seen, match):
        after = int(seen.json().get("after") or 0)
        return {"total": 3, "results": [], "paging": {"next": {"after": str(after + 1)}}}

    with fake_api() as api:
        api.route("POST", "/crm/v3/objects/feedback_submissions/search")(empty)
        client = http.ApiClient(base_url=api.url)
        pages = search(client, "feedback_submissions", modified="hs_lastmodifieddate", properties=[], since=0,
                       until=1, page_size=100)  # fmt: skip
        with pytest.raises(SourceError, match=f"^{MAX_EMPTY_PAGES} empty pages in a row, each naming a next page"):
            list(pages)
        client.close()
    assert len(api.paths()) == MAX_EMPTY_PAGES


@pytest.mark.parametrize(("survey_type", "given"), [("CSAT", "1.5"), ("CES", "6.5"), ("NPS", "8.5")])
def test_an_answer_between_two_points_is_quarantined_naming_hs_value(tmp_path, survey_type, given):
    """HubSpot's answers are whole points — CSAT 0, 1 or 2, CES 1–7, NPS 0–10 (knowledge.hubspot.com,
    *HubSpot's feedback submission properties*, Sentiment; tests/data/vendor/hubspot/README.md) —
    and its published example carries `hs_value` "2". The same example with a fraction (ours): a
    CSAT "1.5" was stored as 1.5 of 0–2 and counted satisfied (the top box of three), a CES "6.5"
    as low effort. Each now waits in quarantine naming hs_value and the value; the example as
    published is written beside it."""
    example = json.loads((VENDOR / "feedback_submission_example.json").read_text())
    between = example | {"id": "513", "properties": example["properties"] | {"hs_survey_type": survey_type,
                                                                              "hs_value": given}}  # fmt: skip
    result = sync_feedback_objects(tmp_path, [example, between])
    assert (result.status, result.written, result.quarantined) == ("success", 1, 1), result.error
    [(native, field, error)] = query(tmp_path, "SELECT source_record_id, field, error FROM quarantine")
    assert (native, field) == ("513", "hs_value")
    assert f"hs_value {given!r} of a {survey_type} survey response is not a whole number" in error
    assert query(tmp_path, "SELECT source_record_id, csat FROM feedback") == [("512", 2.0)]


@pytest.mark.parametrize(("given", "group"), [("3", "PROMOTER"), ("10", "DETRACTOR"), ("8", "DETRACTOR"),
                                              ("6", "PASSIVE"), ("9", "passive")])  # fmt: skip
def test_an_nps_answer_its_own_response_group_contradicts_is_quarantined_naming_both(tmp_path, given, group):
    """HubSpot groups an NPS answer by NPS's fixed rule — 0–6 detractor, 7–8 passive, 9–10
    promoter (knowledge.hubspot.com, *HubSpot's feedback submission properties*, Sentiment;
    tests/data/vendor/hubspot/README.md) — and its survey response object carries `hs_value` and
    `hs_response_group` side by side (the published example; the NPS object of api_reference §6.2:
    "9", PROMOTER). An NPS answer whose group contradicts it (ours) is not on 0–10 as read, or the
    payload is odd: it was stored as that score; it now waits in quarantine naming both fields. The
    agreeing answer, and one without a group, are written beside it."""
    example = json.loads((VENDOR / "feedback_submission_example.json").read_text())

    def nps(native: str, value: str, response_group: str | None) -> dict[str, Any]:
        props = example["properties"] | {"hs_survey_type": "NPS", "hs_value": value, "hs_response_group": response_group}
        return example | {"id": native, "properties": {k: v for k, v in props.items() if v is not None}}

    result = sync_feedback_objects(tmp_path, [nps("512", "9", "PROMOTER"), nps("513", given, group), nps("514", "6", None)])
    assert (result.status, result.written, result.quarantined) == ("success", 2, 1), result.error
    [(native, field, error)] = query(tmp_path, "SELECT source_record_id, field, error FROM quarantine")
    assert (native, field) == ("513", "hs_value")
    expected = response_group("NPS", int(given)).lower()
    assert f"hs_value {given!r}" in error and f"hs_response_group {group!r}" in error and f"a {expected}" in error
    assert query(tmp_path, "SELECT source_record_id, nps, nps_group FROM feedback ORDER BY 1") == [
        ("512", 9, "promoter"), ("514", 6, "detractor")]


def test_a_start_date_written_as_a_day_is_midnight_in_the_sources_zone(tmp_path):
    """`start_date = "2026-06-01"` in a source in Asia/Tokyo searches from 15:00 UTC on 31 May; it
    searched from midnight UTC."""
    with hubspot(crm_account()) as api:
        result = sync(tmp_path, entry(api.url, start_date="2026-06-01", timezone="Asia/Tokyo"))
        since = api.requests[0].json()["filterGroups"][0]["filters"][0]["value"]
    assert result.status == "success", result.error
    assert since == str(int(datetime(2026, 5, 31, 15, tzinfo=timezone.utc).timestamp() * 1000))
