"""The salesforce source on payloads others wrote (tests/data/vendor/salesforce/, sources and
licences in its README): the query examples of Salesforce's REST API guide, three Accounts that
Airbyte recorded from a real org, two error bodies a real org sent a public project, the two
OAuth errors Salesforce's help shows for its token endpoint and the survey questions and choices
of a real org — served from 127.0.0.1 over real HTTP, each value checked
against the payload read here independently."""

from __future__ import annotations

import json
import re
from functools import partial
from pathlib import Path
from typing import Any

import pytest

import cxbridge
from cxbridge.plugins.salesforce.source import SalesforceSource
from tests.local_api import Reply, fake_api
from tests.salesforce_api import CLIENT_ID, CLIENT_SECRET, SalesforceOrg, salesforce, stamp
from tests.sqlite_runs import query, sync_source

VENDOR = Path(__file__).parent / "data" / "vendor" / "salesforce"
VERSION = "v61.0"  # the connector's default; the documented nextRecordsUrl names v63.0
QUERY = f"/services/data/{VERSION}/query"
DESCRIBE = f"/services/data/{VERSION}/sobjects/Account/describe"
sync = partial(sync_source, name="org")
_SOQL = re.compile(r"^SELECT (?P<fields>.+?) FROM (?P<object>\w+)")


def load(name: str) -> Any:
    return json.loads((VENDOR / name).read_text(encoding="utf-8"))


def recorded_accounts() -> list[dict[str, Any]]:
    """The Account records of Airbyte's recording, as the org sent them (`data` of each line)."""
    lines = (VENDOR / "airbyte_accounts.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["data"] for line in lines]


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch) -> list[float]:
    waits: list[float] = []
    monkeypatch.setattr(SalesforceSource, "sleep", staticmethod(waits.append))
    monkeypatch.setenv("SF_CLIENT_SECRET", CLIENT_SECRET)
    return waits


def entry(base_url: str, **streams: Any) -> dict[str, Any]:
    only = {"surveys": False, "accounts": False, "contacts": False} | streams
    return {"connector": "salesforce", "base_url": base_url, "client_id": CLIENT_ID,
            "client_secret": "${SF_CLIENT_SECRET}", **only}  # fmt: skip


def recorded_fields(seen, match) -> dict[str, Any]:
    """sObject Describe of the recorded org's Account, cut to each field's name: the fields its
    recorded rows carry (no IsPersonAccount: that org has no Person Accounts)."""
    return {"name": "Account", "fields": [{"name": key} for key in recorded_accounts()[0] if key != "attributes"]}


def token(seen, match) -> dict[str, str]:
    return {"access_token": "00Dxx!vendor-session", "instance_url": "https://example.my.salesforce.com",
            "token_type": "Bearer", "issued_at": "1558553873237"}  # fmt: skip


def selected(soql: str, record: dict[str, Any]) -> dict[str, Any]:
    """A recorded row as a query selecting these fields returns it: `attributes` and those fields."""
    fields = [f.strip() for f in _SOQL.match(soql)["fields"].split(",")]  # type: ignore[index]
    assert all(f in record for f in fields), f"the recording has no {set(fields) - set(record)}"
    return {"attributes": record["attributes"], **{f: record[f] for f in fields}}


def test_accounts_recorded_from_a_real_org_land_with_their_segment_revenue_and_country(tmp_path):
    """The recorded rows, cut to the fields the connector's SOQL selects, in two batches of the
    documented query envelope (the envelope and the locator are ours)."""
    accounts = recorded_accounts()
    asked: list[str] = []

    def first_page(seen, match):
        asked.append(seen.query["q"])
        rows = [selected(seen.query["q"], a) for a in accounts]
        since = re.search(r"SystemModstamp >= (\S+)", seen.query["q"])
        if since:  # the second sync: every recorded row is at the cursor
            return {"totalSize": len(rows), "done": True, "records": rows}
        return {"totalSize": len(rows), "done": False, "records": rows[:2],
                "nextRecordsUrl": f"{QUERY}/01gD0000002HU6KIAW-2"}  # fmt: skip

    def second_page(seen, match):
        return {"totalSize": len(accounts), "done": True, "records": [selected(asked[0], accounts[2])]}

    with fake_api() as api:
        api.route("POST", "/services/oauth2/token")(token)
        api.route("GET", QUERY)(first_page)
        api.route("GET", f"{QUERY}/01gD0000002HU6KIAW-2")(second_page)
        api.route("GET", DESCRIBE)(recorded_fields)
        first = sync(tmp_path, entry(api.url, accounts=True, segment_field="SLA__c"))
        again = sync(tmp_path, entry(api.url, accounts=True, segment_field="SLA__c"))
        paths = api.paths("GET")
    assert (first.status, first.written, first.streams) == ("success", 3, {"accounts": 3}), first.error
    assert asked[0] == ("SELECT Id, Name, OwnerId, AnnualRevenue, Industry, BillingCountry, SLA__c, Type, SystemModstamp "
                        "FROM Account ORDER BY SystemModstamp, Id")  # fmt: skip
    assert (paths[0], paths[2]) == (DESCRIBE, f"{QUERY}/01gD0000002HU6KIAW-2")  # nextRecordsUrl as given, no parameters
    expected = sorted((a["Id"], a["Name"], a["SLA__c"], a["Type"], a["AnnualRevenue"], a["Industry"], a["BillingCountry"],
                       a["OwnerId"]) for a in accounts)  # fmt: skip
    rows = query(tmp_path, "SELECT account_id, name, segment, lifecycle_stage, annual_revenue, industry, country, owner "
                           "FROM crm_accounts ORDER BY account_id")  # fmt: skip
    assert rows == expected
    assert [r[4] for r in rows].count(None) == 1  # the University of Arizona's AnnualRevenue is null, not 0
    stamps = {a["SystemModstamp"] for a in accounts}
    assert stamps == {"2020-10-22T21:03:23.000+0000"}
    assert query(tmp_path, "SELECT DISTINCT updated_at FROM crm_accounts") == [("2020-10-22T21:03:23Z",)]
    [(cursor,)] = query(tmp_path, "SELECT cursor FROM sync_state WHERE stream = 'accounts'")
    assert json.loads(cursor) == "2020-10-22T21:03:23Z"
    assert asked[-1] == asked[0].replace(" ORDER BY", " WHERE SystemModstamp >= 2020-10-22T21:03:23Z ORDER BY")
    assert (again.status, again.written, again.unchanged) == ("success", 0, 3), again.error


def test_the_documented_next_records_url_is_followed_as_given_until_done(tmp_path):
    """Query More Results' example names the next batch under v63.0; the connector asks that exact
    path (not its own v61.0) and stops at the batch that says `done`."""
    first, last = load("query_more_results_example.json"), load("query_remaining_results_example.json")
    with fake_api() as api:
        api.route("POST", "/services/oauth2/token")(token)
        api.route("GET", QUERY)(lambda seen, match: first)
        api.route("GET", first["nextRecordsUrl"])(lambda seen, match: last)
        result = sync(tmp_path, entry(api.url, contacts=True))
        paths = api.paths("GET")
    assert (result.status, result.streams) == ("success", {"contacts": 1}), result.error
    assert paths[1:] == ["/services/data/v63.0/query/01gRO0000016PIAYA2-500"]
    [documented] = first["records"]
    stored = query(tmp_path, "SELECT contact_id, account_id, respondent_key FROM crm_contacts")
    assert stored == [(documented["Id"], None, None)]
    database = (tmp_path / "cxbridge.db").read_bytes()
    assert documented["Name"].encode() not in database  # a Contact's name is never stored


def test_a_session_the_org_calls_not_valid_for_the_rest_api_is_renewed_once(tmp_path, no_waiting):
    refusal = load("invalid_session_id_recorded.json")
    accounts = recorded_accounts()
    answers = [Reply(401, refusal)]

    def org(seen, match):
        if answers:
            return answers.pop(0)
        return {"totalSize": 1, "done": True, "records": [selected(seen.query["q"], accounts[0])]}

    with fake_api() as api:
        api.route("POST", "/services/oauth2/token")(token)
        api.route("GET", QUERY)(org)
        api.route("GET", DESCRIBE)(recorded_fields)
        renewed = sync(tmp_path, entry(api.url, accounts=True))
        signed_in = api.paths("POST").count("/services/oauth2/token")
    assert (renewed.status, renewed.written, signed_in) == ("success", 1, 2), renewed.error
    assert query(tmp_path, "SELECT account_id FROM crm_accounts") == [(accounts[0]["Id"],)]
    with fake_api() as api:
        api.route("POST", "/services/oauth2/token")(token)
        api.route("GET", QUERY)(lambda seen, match: Reply(401, refusal))
        api.route("GET", DESCRIBE)(lambda seen, match: Reply(401, refusal))
        refused = sync(tmp_path, entry(api.url, accounts=True))
        asked = api.paths("GET")
    assert refused.status == "failed" and len(asked) == 2 and no_waiting == []
    [error] = refusal
    assert f"HTTP 401 ({error['message']} [{error['errorCode']}])" in refused.error


def test_a_spent_allocation_as_a_real_org_words_it_fails_at_once(tmp_path, no_waiting):
    spent = load("request_limit_exceeded_recorded.json")
    with fake_api() as api:
        api.route("POST", "/services/oauth2/token")(token)
        api.route("GET", QUERY)(lambda seen, match: Reply(403, spent))
        api.route("GET", DESCRIBE)(lambda seen, match: Reply(403, spent))
        result = sync(tmp_path, entry(api.url, accounts=True))
        asked = api.paths()
    assert result.status == "failed" and len(asked) == 2 and no_waiting == []  # the token, one call
    [error] = spent
    assert f"HTTP 403 ({error['message']} [{error['errorCode']}]); the Salesforce quota is used up" in result.error


def test_the_guides_query_example_without_ids_goes_to_quarantine_naming_the_id(tmp_path):
    """Execute a SOQL Query's example answers `SELECT name,id from Account` with rows that carry
    only `Name` (the id is in `attributes.url`): with no `Id` a row cannot be stored, and says so."""
    example = load("execute_query_example.json")
    with fake_api() as api:
        api.route("POST", "/services/oauth2/token")(token)
        api.route("GET", QUERY)(lambda seen, match: example)
        api.route("GET", DESCRIBE)(recorded_fields)
        result = sync(tmp_path, entry(api.url, accounts=True))
    assert (result.read, result.written, result.quarantined) == (len(example["records"]), 0, 2)
    assert result.status == "failed" and "the record has no 'Id' (its primary key)" in result.error
    names = {json.loads(raw)["Name"] for (raw,) in query(tmp_path, "SELECT raw FROM quarantine")}
    assert names == {r["Name"] for r in example["records"]}


def recorded_survey() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The SurveyQuestion and SurveyQuestionChoice rows of a real org's surveys (the offline
    starter kit's recording): types and choice labels exactly as the org keeps them."""
    definitions = load("offline_starter_kit_survey_definitions.json")
    return [as_served(q) for q in definitions["questions"]], definitions["choices"]


def as_served(question: dict[str, Any]) -> dict[str, Any]:
    """A recorded SurveyQuestion as the connector's v61.0 gets it: the recording predates API
    v54.0 (its rows carry PageName, v52.0+, but not PageDisplayOrder, v54.0+, "the order in which
    the page is displayed"), so the page's order added here is the number of its recorded name."""
    return question | {"PageDisplayOrder": int(question["PageName"].removeprefix("Page "))}


def recorded_questions() -> dict[str, dict[str, Any]]:
    """The recorded org's questions by role: the "Wind turbine" survey's NPS, six-star Rating and
    CSAT (`nps`, `six`, `csat`), the "Customer Satisfaction" survey's five-star Rating (`five`)."""
    questions, _ = recorded_survey()
    asked = {v: {q["QuestionType"]: q for q in questions if q["SurveyVersionId"] == v}
             for v in ("0KsRO00000001Vs0AI", "0KsRO00000001Rl0AI")}  # fmt: skip
    turbine, service = asked["0KsRO00000001Vs0AI"], asked["0KsRO00000001Rl0AI"]
    return {"nps": turbine["NPS"], "six": turbine["Rating"], "csat": turbine["CSAT"], "five": service["Rating"]}


def recorded_org(answers: dict[str, tuple[str, dict[str, Any]]]) -> SalesforceOrg:
    """The recorded org's questions and choices, with `answers` (response id → its survey id and
    NumberValue by question id): ours, as the org's responses are not public."""
    questions, choices = recorded_survey()
    org = SalesforceOrg()
    org.add("SurveyQuestion", *questions)
    org.add("SurveyQuestionChoice", *choices)
    for n, (response, (survey, given)) in enumerate(answers.items(), start=1):
        org.add("SurveyResponse", {"Id": response, "Name": f"SR-{n}", "SurveyId": survey, "InvitationId": None,
                                   "SubmitterId": None, "Status": "Completed", "CompletionDateTime": stamp(n),
                                   "Language": "en_US", "CreatedDate": stamp(n), "SystemModstamp": stamp(n, 5)})  # fmt: skip
        org.add("SurveyQuestionResponse", *({"Id": f"0LzV{n}{i}", "ResponseId": response, "QuestionId": qid, "Datatype": "Number",
                                             "NumberValue": value, "ChoiceValue": None, "ResponseShortText": None}
                                            for i, (qid, value) in enumerate(given.items())))  # fmt: skip
    return org


def test_a_rating_question_is_read_on_the_scale_its_own_choices_give(tmp_path):
    """The recorded org keeps a five-star Rating (choices "1.0" … "5.0") in one survey and a
    six-star one ("1.0" … "6.0") in another, a CSAT question without choices and an NPS question.
    Its responses are not public: the three below are ours, answered in NumberValue as the object
    reference documents for NPS, Rating and CSAT, on the recorded question ids; csat_scale says the
    scale of the CSAT question, which its definition does not."""
    _, choices = recorded_survey()
    nps, six, csat, five = recorded_questions().values()
    stars = {q["Id"]: sorted(float(c["Name"]) for c in choices if c["QuestionId"] == q["Id"]) for q in (six, five)}
    assert (len(stars[six["Id"]]), len(stars[five["Id"]])) == (6, 5)
    assert not [c for c in choices if c["QuestionId"] in (nps["Id"], csat["Id"])]
    answers = {"0LyV1": ("0KdRO00000001Jw0AI", {nps["Id"]: 9, six["Id"]: 6, csat["Id"]: 4}),
               "0LyV2": ("0KdRO00000001Jw0AI", {nps["Id"]: 6, six["Id"]: 3, csat["Id"]: 2}),
               "0LyV3": ("0KdRO00000001Jr0AI", {five["Id"]: 4})}  # fmt: skip
    with salesforce(recorded_org(answers)) as api:
        result = sync(tmp_path, entry(api.url, surveys=True, csat_scale=[1, 5]))
    assert (result.status, result.written, result.quarantined) == ("success", 3, 0), result.error
    expected = sorted((r, q, value, stars[q][0], stars[q][-1], 100 * (value - stars[q][0]) / (stars[q][-1] - stars[q][0]))
                      for r, (_, given) in answers.items() for q, value in given.items() if q in stars)  # fmt: skip
    rows = query(tmp_path, "SELECT source_record_id, question_id, value, scale_min, scale_max, normalized FROM "
                           "feedback_scores JOIN feedback USING (record_id) WHERE metric = 'rating' ORDER BY 1")  # fmt: skip
    assert rows == expected  # six stars: 6 is the top, 3 is 40 (not off 1–5, nor 50); five stars: 4 is 75
    texts = query(tmp_path, "SELECT DISTINCT question_id, question_text FROM feedback_scores WHERE metric = 'rating'")
    assert sorted(texts) == sorted((q["Id"], q["Name"]) for q in (six, five))
    by_record = {r: (given[nps["Id"]], float(given[csat["Id"]])) for r, (_, given) in answers.items() if nps["Id"] in given}
    found = query(tmp_path, "SELECT source_record_id, nps, csat FROM feedback WHERE nps IS NOT NULL")
    assert {r: (n, c) for r, n, c in found} == by_record
    assert query(tmp_path, "SELECT DISTINCT scale_min, scale_max FROM feedback_scores WHERE metric = 'csat'") == [(1.0, 5.0)]


def test_rating_choices_showing_their_number_beside_words_give_the_scale_and_score_their_numbers(tmp_path):
    """The recorded six-star Rating, its choices named as an org may name them: "1 - Poor", "2" …
    "5", "6 - Excellent" (the recorded names are "1.0" … "6.0"), answered in ChoiceValue — scored
    on 1–6 as the numbers they show, as files and the other connectors read such options."""
    questions, choices = recorded_survey()
    [six] = [q for q in questions if q["SurveyVersionId"] == "0KsRO00000001Vs0AI" and q["QuestionType"] == "Rating"]
    words = {1: "1 - Poor", 6: "6 - Excellent"}
    renamed = [{**c, "Name": words.get(int(float(c["Name"])), str(int(float(c["Name"]))))} if c["QuestionId"] == six["Id"]
               else c for c in choices]  # fmt: skip
    picked = {"0LyV1": "6 - Excellent", "0LyV2": "3", "0LyV3": "1 - Poor"}
    org = SalesforceOrg()
    org.add("SurveyQuestion", *questions)
    org.add("SurveyQuestionChoice", *renamed)
    for n, (response, choice) in enumerate(picked.items(), start=1):
        org.add("SurveyResponse", {"Id": response, "Name": f"SR-{n}", "SurveyId": "0KdRO00000001Jw0AI", "InvitationId": None,
                                   "SubmitterId": None, "Status": "Completed", "CompletionDateTime": stamp(n),
                                   "Language": "en_US", "CreatedDate": stamp(n), "SystemModstamp": stamp(n, 5)})  # fmt: skip
        org.add("SurveyQuestionResponse", {"Id": f"0LzV{n}", "ResponseId": response, "QuestionId": six["Id"],
                                           "Datatype": "Choice", "NumberValue": None, "ChoiceValue": choice,
                                           "ResponseShortText": None})  # fmt: skip
    with salesforce(org) as api:
        result = sync(tmp_path, entry(api.url, surveys=True))
    assert (result.status, result.written, result.quarantined) == ("success", 3, 0), result.error
    numbers = {r: int(choice.split(" ")[0]) for r, choice in picked.items()}
    assert query(tmp_path, "SELECT source_record_id, value, scale_min, scale_max, normalized FROM feedback_scores "
                           "JOIN feedback USING (record_id) WHERE metric = 'rating' ORDER BY 1") == [
        (r, float(n), 1.0, 6.0, (n - 1) / 5 * 100) for r, n in sorted(numbers.items())
    ]  # fmt: skip


def test_the_recorded_csat_question_without_choices_waits_in_quarantine_until_its_scale_is_set(tmp_path):
    """The recorded org's CSAT question has no SurveyQuestionChoice rows, and neither the object
    reference (api_reference §7.2) nor its SurveyQuestion row gives its scale. Its answers were read
    on csat_scale's default 1–5 though no one said so: a 4 stored as satisfied whatever the
    question's real points. Unset, the responses answering it wait in quarantine naming the
    question and csat_scale; the response without it is written; set, the replay scores them."""
    nps, six, csat, five = recorded_questions().values()
    answers = {"0LyV1": ("0KdRO00000001Jw0AI", {nps["Id"]: 9, six["Id"]: 6, csat["Id"]: 4}),
               "0LyV2": ("0KdRO00000001Jw0AI", {nps["Id"]: 6, six["Id"]: 3, csat["Id"]: 2}),
               "0LyV3": ("0KdRO00000001Jr0AI", {five["Id"]: 4})}  # fmt: skip
    with salesforce(recorded_org(answers)) as api:
        result = sync(tmp_path, entry(api.url, surveys=True))
        assert (result.status, result.written, result.quarantined) == ("success", 1, 2), result.error
        quarantined = query(tmp_path, "SELECT source_record_id, field, error FROM quarantine ORDER BY 1")
        assert [(native, field) for native, field, _ in quarantined] == [("0LyV1", csat["Id"]), ("0LyV2", csat["Id"])]
        for (_, _, error), value in zip(quarantined, (4, 2), strict=True):
            assert f"question {csat['Id']} ({csat['Name']!r}): a CSAT question whose SurveyQuestionChoice rows give " \
                   f"no scale, and csat_scale is not set, so its answer {value} is not scored" in error
            assert "set csat_scale in [sources.org]" in error and "cxbridge quarantine replay" in error
        assert query(tmp_path, "SELECT source_record_id FROM feedback") == [("0LyV3",)]
        (tmp_path / "cxbridge.toml").write_text(
            f'[sources.org]\nconnector = "salesforce"\nbase_url = "{api.url}"\nclient_id = "{CLIENT_ID}"\n'
            'client_secret = "${SF_CLIENT_SECRET}"\naccounts = false\ncontacts = false\ncsat_scale = [1, 5]\n',
            encoding="utf-8")  # fmt: skip
        replayed = cxbridge.quarantine_replay(tmp_path / "cxbridge.toml", destination=f"sqlite:///{tmp_path / 'cxbridge.db'}")
    assert (replayed.results[0].written, replayed.results[0].quarantined) == (2, 0)
    assert query(tmp_path, "SELECT source_record_id, csat FROM feedback WHERE csat IS NOT NULL ORDER BY 1") == [
        (r, float(given[csat["Id"]])) for r, (_, given) in answers.items() if csat["Id"] in given]  # fmt: skip


def turbine_questions() -> dict[str, dict[str, Any]]:
    """The recorded "Wind turbine" survey's questions by their Name."""
    questions, _ = recorded_survey()
    return {q["Name"]: q for q in questions if q["SurveyVersionId"] == "0KsRO00000001Vs0AI"}


def turbine_response(given: list[tuple[str, str, Any]]) -> SalesforceOrg:
    """The recorded org with one response of ours to its "Wind turbine" survey: its
    SurveyQuestionResponse rows in the order `given` (question Name, the field its type fills, value)."""
    questions, choices = recorded_survey()
    turbine = turbine_questions()
    org = SalesforceOrg()
    org.add("SurveyQuestion", *questions)
    org.add("SurveyQuestionChoice", *choices)
    org.add("SurveyResponse", {"Id": "0LyV1", "Name": "SR-1", "SurveyId": "0KdRO00000001Jw0AI", "InvitationId": None,
                               "SubmitterId": None, "Status": "Completed", "CompletionDateTime": stamp(1),
                               "Language": "en_US", "CreatedDate": stamp(1), "SystemModstamp": stamp(1, 5)})  # fmt: skip
    org.add("SurveyQuestionResponse", *({"Id": f"0LzV{n}", "ResponseId": "0LyV1", "QuestionId": turbine[name]["Id"],
                                         "Datatype": "Number" if field == "NumberValue" else "String", "NumberValue": None,
                                         "ChoiceValue": None, "ResponseShortText": None, field: value}
                                        for n, (name, field, value) in enumerate(given)))  # fmt: skip
    return org


def test_the_short_text_right_after_the_recorded_csat_question_is_the_comment_in_the_surveys_order(tmp_path):
    """The recorded "Wind turbine" survey asks on its first page whether the turbine spins and how
    many blades it has (QuestionOrder 1, 2), and on its third a Boolean (2), its NPS (5), CSAT (9)
    and "Short Text Question!" (10) right after the CSAT question. SurveyQuestionResponse rows come
    in no documented order (here the short texts' first): read so, no short text followed a score
    and the record had no comment. In the survey's order — the page's, then QuestionOrder within it
    (each page counts from 1) — the short text after the score is the comment, never the blades'."""
    turbine = turbine_questions()
    given = [("Short Text Question!", "ResponseShortText", "The blades froze overnight"),
             ("How many blades does the turbine have?", "ResponseShortText", "3"),
             ("Like or Dislike Question!", "ChoiceValue", "Dislike"),
             ("Is the turbine spinning?", "ChoiceValue", "No"),
             ("Score Question", "NumberValue", 2), ("Net Promoter Score Question!", "NumberValue", 4)]  # fmt: skip
    org = turbine_response(given)
    with salesforce(org) as api:
        result = sync(tmp_path, entry(api.url, surveys=True, csat_scale=[1, 5]))
    assert (result.status, result.written, result.quarantined) == ("success", 1, 0), result.error
    assert query(tmp_path, "SELECT nps, csat, comment FROM feedback") == [(4, 2.0, "The blades froze overnight")]
    [(answers,)] = query(tmp_path, "SELECT answers FROM feedback")
    in_survey_order = sorted(given, key=lambda g: (turbine[g[0]]["PageDisplayOrder"], turbine[g[0]]["QuestionOrder"]))
    assert list(json.loads(answers)) == [turbine[name]["Id"] for name, _, _ in in_survey_order]


def test_of_two_csat_questions_none_marked_primary_the_record_counts_the_first_in_the_surveys_order(tmp_path):
    """With Rating questions read as CSAT ([questions.Rating]), the recorded survey asks two: its
    six-star Rating (QuestionOrder 8) before its CSAT question (9). Unmarked, the record's csat is
    the first in the survey — it was the first row Salesforce happened to send (here the CSAT's)."""
    given = [("Score Question", "NumberValue", 2), ("Rating Question!", "NumberValue", 6)]
    with salesforce(turbine_response(given)) as api:
        result = sync(tmp_path, entry(api.url, surveys=True, csat_scale=[1, 5],
                                      questions={"Rating": {"metric": "csat"}}))  # fmt: skip
    assert (result.status, result.written, result.quarantined) == ("success", 1, 0), result.error
    assert query(tmp_path, "SELECT csat FROM feedback") == [(6.0,)]
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback_scores WHERE metric = 'csat'") == [(2,)]


def test_before_api_v54_answers_spanning_pages_keep_no_order_and_one_pages_keep_their_questions_order():
    """Below v54.0 a SurveyQuestion has no PageDisplayOrder (the recording, as the org sent it) and
    is not asked for it; QuestionOrder restarts on each page, so answers spanning the turbine
    survey's pages have no known order (the rule then calls no short text "after the score"), while
    the "Customer Satisfaction" survey's one page orders its two by QuestionOrder."""
    from cxbridge.plugins.salesforce.objects import PAGE_ORDER, in_survey_order, question_fields

    assert PAGE_ORDER not in question_fields("v53.0") and PAGE_ORDER in question_fields("v54.0")
    recorded = load("offline_starter_kit_survey_definitions.json")["questions"]
    assert not any(PAGE_ORDER in q for q in recorded)
    turbine = [{"question": q} for q in reversed(recorded) if q["SurveyVersionId"] == "0KsRO00000001Vs0AI"]
    assert in_survey_order(turbine) == (turbine, False)
    service = [{"question": q} for q in reversed(recorded) if q["SurveyVersionId"] == "0KsRO00000001Rl0AI"]
    ordered, known = in_survey_order(service)
    assert known and [a["question"]["QuestionType"] for a in ordered] == ["Rating", "FreeText"]


def rsa_key_file(path: Path) -> Path:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))  # fmt: skip
    return path


@pytest.mark.parametrize(("example", "flow", "told"), [
    ("oauth_jwt_audience_error_example.json", {"auth": "jwt_bearer", "username": "cx@acme.example",
                                               "private_key_file": "app.key"},
     "login_url (the assertion's audience: https://login.salesforce.com, or https://test.salesforce.com for a sandbox"),
    ("oauth_refresh_token_error_example.json", {"auth": "refresh_token", "refresh_token": "${SF_REFRESH_TOKEN}"},
     "Salesforce did not accept the refresh token (refresh_token): it is expired, revoked"),
])  # fmt: skip
def test_the_token_endpoints_documented_refusals_fail_at_once_naming_the_key_to_fix(tmp_path, monkeypatch, no_waiting,
                                                                                   example, flow, told):  # fmt: skip
    """The OAuth errors Salesforce's help (*OAuth 2.0 Authorization Errors*) shows for the JWT
    bearer and refresh token flows, as the token endpoint's 400: one request, no retry, the
    documented description and the key to fix in the error — never the secret sent."""
    refusal = load(example)
    monkeypatch.setenv("SF_REFRESH_TOKEN", "5Aep861-revoked")
    rsa_key_file(tmp_path / "app.key")
    with fake_api() as api:
        api.route("POST", "/services/oauth2/token")(lambda seen, match: Reply(400, refusal))
        source = entry(api.url, accounts=True, login_url=api.url, **flow)
        if flow["auth"] == "jwt_bearer":
            del source["client_secret"]
        result = sync(tmp_path, source)
        asked = api.paths()
    assert result.status == "failed" and asked == ["/services/oauth2/token"] and no_waiting == []
    assert f"({refusal['error_description']})" in result.error and told in result.error
    assert "5Aep861-revoked" not in result.error
