"""The questionpro source on the response examples of QuestionPro's own API documentation
(tests/data/vendor/questionpro/, sources in its README): NPS is read from `answerText`, never from
`value.scale` (the option's position), and a choice is stored as its text — numbers checked
against sums done here by hand."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from functools import partial
from pathlib import Path

import pytest

from cxbridge.plugins.questionpro.source import QuestionProSource
from tests.local_api import fake_api
from tests.questionpro_api import API_KEY, QuestionProAccount, questionpro
from tests.sqlite_runs import query, sync_source

VENDOR = Path(__file__).parent / "data" / "vendor" / "questionpro"
sync = partial(sync_source, name="docs_examples")


def documented(name: str) -> list[dict]:
    body = json.loads((VENDOR / name).read_text(encoding="utf-8"))["response"]
    return body if isinstance(body, list) else [body]


@pytest.fixture
def synced(tmp_path, monkeypatch) -> Path:
    monkeypatch.setattr(QuestionProSource, "sleep", staticmethod(lambda seconds: None))
    monkeypatch.setattr(QuestionProSource, "now", staticmethod(lambda: datetime(2024, 1, 1, tzinfo=timezone.utc)))
    monkeypatch.setenv("QUESTIONPRO_API_KEY", API_KEY)
    account = QuestionProAccount(surveys={7654321: "Test Survey", 6706: "CX", 10719714: "cx import responses api"})
    account.responses = {7654321: documented("get_response.json"), 6706: documented("cx_responses.json"),
                         10719714: documented("cx_import.json")}  # fmt: skip
    csat = {"metric": "csat", "scale": [1, 5]}
    source = {"connector": "questionpro", "api_key": "${QUESTIONPRO_API_KEY}", "surveys": list(account.surveys),
              "questions": {"17609222": csat | {"primary": True}, "17609223": csat}}  # fmt: skip
    with questionpro(account) as api:
        result = sync(tmp_path, source | {"base_url": api.url})
    assert (result.status, result.written, result.quarantined) == ("success", 3, 0), result.error
    return tmp_path


def test_nps_is_the_answer_text_not_its_position(synced):
    documented_answers = {"31105": ("3", "4"), "101049875": ("7", "8")}  # answerText, value.scale
    expected = {rid: (int(text), "detractor" if int(text) <= 6 else "passive")
                for rid, (text, _) in documented_answers.items()}  # fmt: skip
    rows = query(synced, "SELECT source_record_id, nps, nps_group FROM feedback WHERE nps IS NOT NULL")
    assert {rid: (nps, group) for rid, nps, group in rows} == expected
    by_month = query(synced, "SELECT month, promoters, passives, detractors, nps FROM nps_by_month ORDER BY 1")
    assert by_month == [("2020-01", 0, 0, 1, -100.0), ("2023-01", 0, 1, 0, 0.0)]


def test_ratings_on_a_scale_from_one_are_scored_as_configured(synced):
    scores = query(synced, "SELECT question_id, value, category, is_primary FROM feedback_scores "
                           "WHERE metric = 'csat' ORDER BY question_id")  # fmt: skip
    assert scores == [("17609222", 4.0, "satisfied", 1), ("17609223", 3.0, "neutral", 0)]  # top two of five: 4, 5
    satisfied_share = 100 * sum(category == "satisfied" for _, _, category, _ in scores) / len(scores)
    assert satisfied_share == 50.0
    assert query(synced, "SELECT satisfied, neutral, csat_pct FROM csat_by_month") == [(1, 0, 100.0)]  # primary only


def test_a_choice_is_its_text_and_typed_text_a_comment_the_records_only_when_it_gives_the_reason(synced):
    [(answers, comment, country, language, submitted)] = query(
        synced, "SELECT answers, comment, country, language, submitted_at FROM feedback WHERE source_record_id = '12345678'"
    )
    assert json.loads(answers)["12345678"] == {"text": "How often do you conduct surveys?", "value": "Always",
                                               "label": "Always"}  # fmt: skip
    assert (comment, country, language, submitted) == (None, "IN", "en", "2020-10-05T21:51:51Z")  # 2:51 PM PDT
    # "First Name" (a Contact Information block's row) asks who: personal data, stored nowhere —
    # before 2026-12-07 a comment of its own, and in `answers` and `raw`
    assert query(synced, "SELECT c.question_id, c.text FROM feedback_comments c JOIN feedback f USING (record_id) "
                         "WHERE f.source_record_id = '12345678'") == []  # fmt: skip
    assert "FirstName" not in json.dumps(query(synced, "SELECT * FROM feedback"))
    assert query(synced, "SELECT comment, submitted_at FROM feedback WHERE source_record_id = '101049875'") == [
        ("Test Data", "2023-01-05T09:42:24Z")  # 1:42 AM PST
    ]


def test_the_documented_contact_blocks_name_is_kept_with_keep_personal_data(tmp_path, monkeypatch):
    monkeypatch.setattr(QuestionProSource, "sleep", staticmethod(lambda seconds: None))
    monkeypatch.setenv("QUESTIONPRO_API_KEY", API_KEY)
    account = QuestionProAccount(surveys={7654321: "Test Survey"}, responses={7654321: documented("get_response.json")})
    with questionpro(account) as api:
        result = sync(tmp_path, {"connector": "questionpro", "api_key": "${QUESTIONPRO_API_KEY}", "surveys": [7654321],
                                 "base_url": api.url}, keep_personal_data=True)  # fmt: skip
    assert (result.status, result.written) == ("success", 1), result.error
    assert query(tmp_path, "SELECT question_id, text FROM feedback_comments") == [("12345679", "FirstName")]


def test_a_recommend_scale_from_one_is_not_taken_for_nps(tmp_path, monkeypatch):
    """The position says where a scale starts: "4" at position 4 counts from 1, so 0–10 is not assumed."""
    monkeypatch.setattr(QuestionProSource, "sleep", staticmethod(lambda seconds: None))
    response = documented("cx_responses.json")[0]
    nps_item = response["responseSet"][2]
    nps_item["answerValues"][0]["value"]["scale"] = nps_item["answerValues"][0]["answerText"]  # as on a 1-N scale
    monkeypatch.setattr(QuestionProSource, "now", staticmethod(lambda: datetime(2024, 1, 1, tzinfo=timezone.utc)))
    monkeypatch.setenv("QUESTIONPRO_API_KEY", API_KEY)
    account = QuestionProAccount(surveys={6706: "CX"}, responses={6706: [response]})
    with questionpro(account) as api:
        sync(tmp_path, {"connector": "questionpro", "api_key": "${QUESTIONPRO_API_KEY}", "surveys": [6706],
                        "base_url": api.url})  # fmt: skip
    # unscored: the option as shown, "3" (not its number)
    assert query(tmp_path, "SELECT nps, json_extract(answers, '$.\"17609220\".value') FROM feedback") == [(None, "3")]


def test_the_documented_user_survey_list_picks_the_survey_by_name(tmp_path, monkeypatch):
    """The Get User Surveys example (one survey, "Product Satisfaction", cut in the stored copy
    after its response counts) as the answer to the user's survey list, name_pattern matching it:
    its surveyID is the survey whose responses are read — here the documented get-response answer."""
    monkeypatch.setattr(QuestionProSource, "sleep", staticmethod(lambda seconds: None))
    monkeypatch.setenv("QUESTIONPRO_API_KEY", API_KEY)
    [listed] = json.loads((VENDOR / "get_user_surveys.json").read_text(encoding="utf-8"))["response"]
    answered = json.loads((VENDOR / "get_response.json").read_text(encoding="utf-8"))["response"]
    user = listed["ownerID"]
    with fake_api() as api:
        api.route("GET", f"/a/api/v2/users/{user}/surveys")(lambda seen, match: {"response": [listed]})
        api.route("GET", f"/a/api/v2/surveys/{listed['surveyID']}/responses")(lambda seen, match: {"response": [answered]})
        result = sync(tmp_path, {"connector": "questionpro", "api_key": "${QUESTIONPRO_API_KEY}", "user_id": user,
                                 "name_pattern": f"^{listed['name']}$", "base_url": api.url})  # fmt: skip
        asked = [seen.path for seen in api.requests]
    assert (result.status, result.written) == ("success", 1), result.error
    assert asked == [f"/a/api/v2/users/{user}/surveys", f"/a/api/v2/surveys/{listed['surveyID']}/responses"]
    assert all(seen.headers.get("api-key") == API_KEY for seen in api.requests)
    assert query(tmp_path, "SELECT source_record_id FROM feedback") == [(str(answered["responseID"]),)]


def recorded_response() -> dict:
    """A response of a real account as Pipedream recorded it for its QuestionPro trigger (README)."""
    return json.loads((VENDOR / "pipedream_new_survey_response.json").read_text(encoding="utf-8"))


def sync_one(tmp_path: Path, monkeypatch, response: dict, **config) -> Path:
    monkeypatch.setattr(QuestionProSource, "sleep", staticmethod(lambda seconds: None))
    monkeypatch.setenv("QUESTIONPRO_API_KEY", API_KEY)
    survey = response["surveyID"]
    account = QuestionProAccount(surveys={survey: response["surveyName"]}, responses={survey: [response]})
    with questionpro(account) as api:
        result = sync(tmp_path, {"connector": "questionpro", "api_key": "${QUESTIONPRO_API_KEY}", "surveys": [survey],
                                 "base_url": api.url, **config})  # fmt: skip
    assert (result.status, result.written, result.quarantined) == ("success", 1, 0), result.error
    return tmp_path


def test_a_recorded_response_is_submitted_at_its_utctimestamp(tmp_path, monkeypatch):
    """The recorded response's `utctimestamp`, 1769630453, is its "28 Jan, 2026 03:00:53 PM EST" in
    Unix seconds; its choice is kept as the text shown, its address and coordinates are not."""
    response = recorded_response()
    moment = datetime.fromtimestamp(response["utctimestamp"], timezone.utc)
    assert moment.astimezone(timezone(timedelta(hours=-5))).strftime("%d %b, %Y %I:%M:%S %p EST") == response["timestamp"]
    synced = sync_one(tmp_path, monkeypatch, response)
    [(answers, submitted, status, country, attributes, raw)] = query(
        synced, "SELECT answers, submitted_at, status, country, attributes, raw FROM feedback"
    )
    assert submitted == moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    [item] = response["responseSet"]
    assert json.loads(answers) == {str(item["questionID"]): {"text": item["questionText"], "value": "Yes", "label": "Yes"}}
    assert (status, country, json.loads(attributes)) == ("complete", "US", {"externalReference": "test_response"})
    stored = json.loads(raw)
    assert not {"ipAddress", "latitude", "longitude"} & (set(stored) | set(stored["location"]))


@pytest.mark.parametrize(
    ("zone", "hours"),
    [("WIB", 7), ("IST", 1)],  # Jakarta, not in the table; Irish Summer Time, which the table reads as India's
)
def test_a_response_time_in_a_zone_the_table_cannot_tell_is_read_from_its_utctimestamp(tmp_path, monkeypatch, zone,
                                                                                        hours):  # fmt: skip
    """The recorded response as an account in another zone shows it: `timestamp` in that zone's
    local time and abbreviation, `utctimestamp` the same moment. WIB went to quarantine (an
    unknown abbreviation), IST was read as +05:30 — 4 h 30 min off."""
    response = recorded_response()
    moment = datetime.fromtimestamp(response["utctimestamp"], timezone.utc)
    local = moment.astimezone(timezone(timedelta(hours=hours)))
    response["timestamp"] = local.strftime(f"%d %b, %Y %I:%M:%S %p {zone}")
    synced = sync_one(tmp_path, monkeypatch, response)
    assert query(synced, "SELECT submitted_at FROM feedback") == [(moment.strftime("%Y-%m-%dT%H:%M:%SZ"),)]
