"""An API connector's own quarantine reasons — a Freshdesk rating, a HubSpot `hs_value`, a Zendesk
score, rating or survey version, a Salesforce answer, a QuestionPro time — quote the value the API
sent only when it is short and holds no contact (docs/security.md, Quarantine reasons), as a
file's do (tests/test_quarantine_reason_privacy.py): each connector is synced with `-vv` from its
local fake API, every case in one payload, the bad value a marker (an e-mail address, a phone
number, a long number, a name alone); no `quarantine.error`, `sync_runs.error`, output of `quarantine list`
(table and JSON), summary, status or log line holds a marker, and each reason still names the
record, the field and what is wrong."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import pytest

from cxbridge import plugins_host
from tests import freshdesk_api, hubspot_api, questionpro_api, salesforce_api, zendesk_api
from tests.test_privacy_audit_api import toml
from tests.test_quarantine_reason_privacy import listed_holding_none, run

PHONE, SENTENCE, EMAIL, LONG = "+44 7700 900321", "call me on +44 7700 900322", "quill.reason@audit.example", 447700900123
NAME = "Jane Quillname"  # a name alone, typed where a score goes
MARKERS = ["7700 900321", "7700900321", "7700 900322", "7700900322", "quill.reason", "447700900123", "quillname"]


@dataclass(frozen=True)
class Reason:
    """What the reason of one quarantined record says: the field, what is wrong, and the value as
    it is shown — quoted when short and holding no contact, else named by what it is."""

    field: str
    wrong: str
    value: str


def named(what: str) -> str:
    return f"({what}, not shown)"


@dataclass
class Api:
    serving: Callable[[], AbstractContextManager[Any]]
    sources: Callable[[str], dict[str, dict[str, Any]]]
    secrets: dict[str, str]
    reasons: dict[str, Reason]  # by source record id


def hubspot() -> Api:
    def submission(n: int, value: str, **props: str) -> dict[str, Any]:
        found = hubspot_api.submission(n)  # hs_value 9, its group promoter: replaced below
        found["properties"] |= {"hs_value": value, **props}
        return found

    account = hubspot_api.HubSpotAccount()
    account.objects["feedback_submissions"] = [submission(1, SENTENCE), submission(2, f"{LONG}.5"),
                                               submission(3, "x1"), submission(4, "10"), submission(5, NAME)]  # fmt: skip
    return Api(
        lambda: hubspot_api.hubspot(account),
        lambda url: {"hubspot": {"connector": "hubspot", "base_url": url, "access_token": "${HUBSPOT_TOKEN}"}},
        {"HUBSPOT_TOKEN": hubspot_api.TOKEN},
        {"701": Reason("hs_value", "is not a number", named("a text holding a phone number")),
         "702": Reason("hs_value", "of a NPS survey response is not a whole number", named("a text holding a long number")),
         "703": Reason("hs_value", "is not a number", "'x1'"),
         "705": Reason("hs_value", "is not a number", named("a text of 2 words"))},  # fmt: skip
    )


def freshdesk() -> Api:
    helpdesk = freshdesk_api.Helpdesk(csat_surveys=freshdesk_api.CSAT_SURVEYS)
    helpdesk.ratings = [freshdesk_api.rating(1, EMAIL), freshdesk_api.rating(2, LONG),  # type: ignore[arg-type]
                        freshdesk_api.rating(3, LONG, survey=99), freshdesk_api.rating(4), freshdesk_api.rating(5)]
    helpdesk.ratings[3]["ratings"] = PHONE
    helpdesk.csat_responses = {freshdesk_api.ADVANCED: [
        freshdesk_api.csat_response(1, freshdesk_api.ADVANCED, {"Q_1": f"{LONG}.5"}),
        freshdesk_api.csat_response(2, freshdesk_api.ADVANCED, {"Q_1": "4.5"}),
        freshdesk_api.csat_response(3, freshdesk_api.ADVANCED, {"Q_1": NAME}),
    ]}  # fmt: skip
    source = {"connector": "freshdesk", "api_key": "${FRESHDESK_API_KEY}", "start_date": "2026-05-01T00:00:00Z"}
    return Api(
        lambda: freshdesk_api.freshdesk(helpdesk),
        lambda url: {"classic": source | {"base_url": url, "csat_api": "classic"},
                     "surveys": source | {"base_url": url, "csat_api": "surveys"}},  # fmt: skip
        {"FRESHDESK_API_KEY": freshdesk_api.API_KEY},
        {"9101": Reason("ratings.default_question", "is not a whole number", named("an e-mail address")),
         "9102": Reason("ratings.default_question", "is not one of the survey's", named("a number of 12 digits")),
         "9103": Reason("survey_id", "is not scored on a guessed scale", named("a number of 12 digits")),
         "9104": Reason("ratings", "the rating has no ratings by question id", named("a phone number")),
         "5f0c9e2a-0000-4000-8000-000000000001": Reason("answers.Q_1", "to range question Q_1 is not a whole number",
                                      named("a text holding a long number")),
         "5f0c9e2a-0000-4000-8000-000000000002": Reason("answers.Q_1", "to range question Q_1 is not a whole number", "'4.5'"),
         "5f0c9e2a-0000-4000-8000-000000000003": Reason("Q_1", "is neither a number nor a known label",
                                                       named("a text of 2 words"))},  # fmt: skip
    )


def zendesk() -> Api:
    account = zendesk_api.ZendeskAccount(filters_scores=False)
    account.ratings = [zendesk_api.rating(1, SENTENCE), zendesk_api.rating(2, "meh"), zendesk_api.rating(3)]
    responses = [zendesk_api.survey_response(n) for n in (1, 2, 3, 4)]
    responses[0]["answers"][0]["rating"] = EMAIL
    responses[1]["answers"][0] |= {"rating": LONG, "rating_category": "offered"}
    responses[2]["survey"]["version"] = PHONE
    account.survey_responses = responses
    source = {"connector": "zendesk", "email": zendesk_api.EMAIL, "api_token": "${ZENDESK_API_TOKEN}",
              "start_date": "2026-03-01T00:00:00Z"}  # fmt: skip
    question = "answers.01J1WBE8QR0YQVE373K2JDJR0F"
    return Api(
        lambda: zendesk_api.zendesk(account),
        lambda url: {"ratings": source | {"base_url": url, "csat": "ratings"},
                     "surveys": source | {"base_url": url, "csat": "survey_responses"}},  # fmt: skip
        {"ZENDESK_API_TOKEN": zendesk_api.API_TOKEN},
        {"35401": Reason("score", "is not a rating (good or bad)", named("a text holding a phone number")),
         "35402": Reason("score", "is not a rating (good or bad)", named("a word of 3 letters")),
         "01J1WB51MG6HXTYWE6Q0C93R01": Reason(question, "is not a whole number", named("an e-mail address")),
         "01J1WB51MG6HXTYWE6Q0C93R02": Reason(question, "has rating_category 'offered'", named("a number of 12 digits")),
         "01J1WB51MG6HXTYWE6Q0C93R03": Reason("survey.version", "is not a whole number", named("a phone number"))},  # fmt: skip
    )


def salesforce() -> Api:
    org = salesforce_api.survey_org()  # its Rating question 0Tx2 has no choices, and no scale is set
    answers = [row for row in org.rows["SurveyQuestionResponse"] if row["QuestionId"] == "0Tx2"]
    answers[0]["NumberValue"] = LONG
    answers[1] |= {"NumberValue": None, "ChoiceValue": SENTENCE, "Datatype": "String"}
    return Api(
        lambda: salesforce_api.salesforce(org),
        lambda url: {"salesforce": {"connector": "salesforce", "base_url": url, "client_id": salesforce_api.CLIENT_ID,
                                    "client_secret": "${SF_CLIENT_SECRET}"}},  # fmt: skip
        {"SF_CLIENT_SECRET": salesforce_api.CLIENT_SECRET},
        {"0Ly1": Reason("0Tx2", "is not scored on a guessed one", named("a number of 12 digits")),
         "0Ly2": Reason("0Tx2", "is not scored on a guessed one", named("a text holding a phone number")),
         "0Ly3": Reason("0Tx2", "is not scored on a guessed one", "its answer 4 is")},  # fmt: skip
    )


def questionpro() -> Api:
    responses = [questionpro_api.qp_response(n) for n in (1, 2, 3, 4)]
    responses[0]["timestamp"] = f"mail {EMAIL}"
    responses[1]["timestamp"] = f"05 Oct, 2020 02:51:51 PM X{LONG}"
    responses[2]["timestamp"] = "05 Oct, 2020 02:51:51 PM ABC"
    account = questionpro_api.QuestionProAccount(responses={7654321: responses})
    return Api(
        lambda: questionpro_api.questionpro(account),
        lambda url: {"questionpro": {"connector": "questionpro", "base_url": url, "api_key": "${QUESTIONPRO_API_KEY}",
                                     "surveys": [7654321], "questions": {"9002": {"metric": "csat", "scale": [1, 5]}}}},
        {"QUESTIONPRO_API_KEY": questionpro_api.API_KEY},
        {"70000001": Reason("timestamp", "is not like '05 Oct, 2020 02:51:51 PM PDT'", named("a text holding an e-mail address")),
         "70000002": Reason("timestamp", "unknown time-zone abbreviation (a text holding a long number, not shown)",
                            named("a text holding a long number")),
         "70000003": Reason("timestamp", "unknown time-zone abbreviation 'ABC'", "'05 Oct, 2020 02:51:51 PM ABC'")},  # fmt: skip
    )


APIS = {"hubspot": hubspot, "freshdesk": freshdesk, "zendesk": zendesk, "salesforce": salesforce,
        "questionpro": questionpro}  # fmt: skip


@pytest.fixture(autouse=True)
def fresh_host(monkeypatch):
    monkeypatch.setattr(plugins_host, "_host", None)


@pytest.mark.parametrize("connector", sorted(APIS))
def test_a_connectors_reason_names_a_contact_or_long_number_by_what_it_is(connector, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    api = APIS[connector]()
    for name, value in api.secrets.items():
        monkeypatch.setenv(name, value)
    with api.serving() as served:
        (tmp_path / "cxbridge.toml").write_text("".join(
            f"[sources.{name}]\n" + "".join(f"{key} = {toml(value)}\n" for key, value in (source | {"requests_per_second": 1000}).items())
            for name, source in api.sources(served.url).items()), encoding="utf-8")  # fmt: skip
        summary = run("-vv", "sync", "--no-progress")
    reasons = {row["id"]: row for row in listed_holding_none(MARKERS, summary, tmp_path / "cxbridge.db")}
    assert sorted(reasons) == sorted(api.reasons), summary
    for native, reason in api.reasons.items():
        listed_reason = reasons[native]
        assert listed_reason["field"] == reason.field, listed_reason
        assert reason.wrong in listed_reason["error"] and reason.value in listed_reason["error"], listed_reason
