"""The salesforce source against cassettes of the documented REST API (cassettes/salesforce/,
recorded from tests/salesforce_api.py with CXBRIDGE_RECORD_CASSETTES=1) and, for sign-in flows
and faults, the same fake org on 127.0.0.1 — always into a real SQLite destination."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

import cxbridge
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from cxbridge.errors import ConfigError
from cxbridge.plugins.salesforce.source import SalesforceSource
from cxbridge.testing import HttpSourceConformance, SourceUnderTest
from cxbridge.testing.cassettes import api_cassette
from tests.local_api import Reply
from tests.sqlite_runs import documented_query, query, sync_source
from tests.salesforce_api import (
    CLIENT_ID, CLIENT_SECRET, REAL_HOST, REFRESH_TOKEN, SalesforceOrg, salesforce, stamp, survey_org,
)  # fmt: skip

sync = partial(sync_source, name="org")
CASSETTES = Path(__file__).resolve().parents[1] / "cassettes" / "salesforce"
BIGGEST_DETRACTORS = documented_query("The biggest accounts among this month's detractors").replace("2026-11-01", "2026-07-01")


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch) -> list[float]:
    waits: list[float] = []
    monkeypatch.setattr(SalesforceSource, "sleep", staticmethod(waits.append))
    monkeypatch.setenv("SF_CLIENT_SECRET", CLIENT_SECRET)
    return waits


def entry(base_url: str, **extra: Any) -> dict[str, Any]:
    return {"connector": "salesforce", "base_url": base_url, "client_id": CLIENT_ID,
            "client_secret": "${SF_CLIENT_SECRET}", "questions": {"0Tx2": {"metric": "csat", "scale": [1, 5]}},
            "segment_field": "Customer_Segment__c", **extra}  # fmt: skip




@contextmanager
def cassette(name: str, org: SalesforceOrg) -> Iterator[Any]:
    with salesforce(org) as api:
        with api_cassette(CASSETTES / f"{name}.yaml", real_url=REAL_HOST, fake_url=api.url,
                          secrets=[CLIENT_SECRET, "00Dxx!session"]) as recorded:  # fmt: skip
            yield recorded


def soql(recorded: Any) -> list[str]:
    from urllib.parse import parse_qs, urlsplit

    return [parse_qs(urlsplit(r.uri).query)["q"][0] for r in recorded.requests if "/query?" in r.uri]


def test_a_full_sync_reads_survey_responses_with_their_answers_accounts_and_contacts(tmp_path):
    with cassette("full_sync", survey_org()) as recorded:
        result = sync(tmp_path, entry(recorded.base_url))
    assert (result.status, result.written) == ("success", 8), result.error
    assert result.streams == {"survey_responses": 3, "accounts": 5, "contacts": 8}
    statements = soql(recorded)
    assert statements[0] == ("SELECT Id, Name, SurveyId, InvitationId, SubmitterId, Status, CompletionDateTime, Language, "
                             "CreatedDate, SystemModstamp FROM SurveyResponse ORDER BY SystemModstamp, Id")  # fmt: skip
    assert statements[1].endswith("FROM SurveyQuestionResponse WHERE ResponseId IN ('0Ly1', '0Ly2', '0Ly3')")
    assert "SELECT Id, ParticipantId, ResponseStatus FROM SurveyInvitation WHERE Id IN ('0Ki1', '0Ki2', '0Ki3')" in statements
    token = recorded.requests[0]
    assert (token.method, token.uri) == ("POST", f"{REAL_HOST}/services/oauth2/token")
    assert b"client_secret=REDACTED" in token.body
    assert "SELECT Id, AccountId FROM Contact WHERE Id IN ('003C1', '003C2', '003C3')" in statements  # one for the batch
    rows = query(tmp_path, "SELECT source_record_id, nps, csat, comment, crm_contact_id, crm_account_id, language, status "
                           "FROM feedback ORDER BY 1")  # fmt: skip
    assert rows == [("0Ly1", 10, 5.0, "Nothing", "003C1", "001A1", "en-US", "complete"),
                    ("0Ly2", 4, 2.0, "Faster invoices", "003C2", "001A2", "en-US", "complete"),
                    ("0Ly3", 8, 4.0, None, "003C3", "001A1", "en-US", "complete")]  # fmt: skip
    assert query(tmp_path, "SELECT account_id, segment, lifecycle_stage FROM crm_accounts ORDER BY 1") == [
        ("001A1", "Enterprise", "Customer - Direct"), ("001A2", "SMB", "Customer - Channel"),
    ]  # fmt: skip
    assert query(tmp_path, "SELECT json_extract(attributes, '$.invitation_status') FROM feedback LIMIT 1") == [("Completed",)]
    assert query(tmp_path, "SELECT segment, responses, nps FROM nps_by_segment ORDER BY 1") == [
        ("Enterprise", 2, 50.0), ("SMB", 1, -100.0),
    ]  # fmt: skip


def test_the_next_sync_asks_only_for_rows_changed_since_the_last_systemmodstamp(tmp_path):
    org = survey_org()
    with cassette("incremental", org) as recorded:
        first = sync(tmp_path, entry(recorded.base_url, accounts=False, contacts=False))
        same = sync(tmp_path, entry(recorded.base_url, accounts=False, contacts=False))
        org.add("SurveyResponse", {"Id": "0Ly9", "Name": "SR-9", "SurveyId": "0Kd1", "Status": "Completed",
                                   "CompletionDateTime": stamp(9), "CreatedDate": stamp(9), "SystemModstamp": stamp(9)})  # fmt: skip
        new = sync(tmp_path, entry(recorded.base_url, accounts=False, contacts=False))
    assert [(r.written, r.unchanged) for r in (first, same, new)] == [(3, 0), (0, 1), (1, 1)]
    responses = [statement for statement in soql(recorded) if "FROM SurveyResponse " in statement]
    assert "FROM SurveyResponse ORDER BY" in responses[0]
    assert responses[1].endswith("WHERE SystemModstamp >= 2026-07-03T09:05:00Z ORDER BY SystemModstamp, Id")


def test_an_expired_session_is_refreshed_once_and_the_sync_goes_on(tmp_path):
    org = survey_org()
    with salesforce(org) as api:
        answer = org.query

        def expiring(seen, match):
            if "SurveyQuestionResponse" in seen.query.get("q", "") and org.issued == 1:
                org.tokens.clear()  # the session expires in the middle of the run
            return answer(seen, match)

        org.query = expiring  # type: ignore[method-assign]
        api.routes.clear()
        org.serve(api)
        result = sync(tmp_path, entry(api.url))
    assert (result.status, result.written) == ("success", 8), result.error
    assert org.issued == 2


def test_a_spent_daily_allocation_fails_at_once(tmp_path, no_waiting):
    org = survey_org()
    org.spent = True
    with cassette("quota_spent", org) as recorded:
        result = sync(tmp_path, entry(recorded.base_url))
    assert result.status == "failed"
    assert "HTTP 403 (TotalRequests Limit exceeded. [REQUEST_LIMIT_EXCEEDED]); the Salesforce quota is used up" in result.error
    assert len(recorded.requests) == 2 and no_waiting == []


def test_the_refresh_token_flow_signs_in_and_signs_in_again_when_the_session_expires(tmp_path, monkeypatch):
    monkeypatch.setenv("SF_REFRESH_TOKEN", REFRESH_TOKEN)
    org = survey_org()
    with salesforce(org) as api:
        answer = org.query

        def expiring(seen, match):
            if "SurveyQuestionResponse" in seen.query.get("q", "") and org.issued == 1:
                org.tokens.clear()
            return answer(seen, match)

        org.query = expiring  # type: ignore[method-assign]
        api.routes.clear()
        org.serve(api)
        result = sync(tmp_path, entry(api.url, auth="refresh_token", refresh_token="${SF_REFRESH_TOKEN}"))
        grants = [dict(parse_qsl(seen.body.decode())) for seen in api.requests if seen.path == "/services/oauth2/token"]
        refused = [seen for seen in api.requests if seen.query.get("q", "").startswith("SELECT Id, ResponseId")]
    assert (result.status, result.written) == ("success", 8), result.error
    assert [(g["grant_type"], g["refresh_token"], g["client_id"]) for g in grants] == [
        ("refresh_token", REFRESH_TOKEN, CLIENT_ID)] * 2  # fmt: skip
    assert len(refused) == 2  # answered INVALID_SESSION_ID, then again with the new session


def test_a_session_that_cannot_be_refreshed_fails_at_once_saying_what_to_do(tmp_path, monkeypatch, no_waiting):
    monkeypatch.setenv("SF_REFRESH_TOKEN", "5Aep861-revoked")
    with salesforce(survey_org()) as api:
        revoked = sync(tmp_path, entry(api.url, auth="refresh_token", refresh_token="${SF_REFRESH_TOKEN}"))
        asked = len(api.requests)
    assert revoked.status == "failed" and asked == 1
    assert ("HTTP 400 (expired access/refresh token); Salesforce did not accept the refresh token (refresh_token): it "
            "is expired, revoked or not allowed for this user — authorize the connected app again and set the new one"
            ) in revoked.error and "5Aep861-revoked" not in revoked.error  # fmt: skip
    org = survey_org()
    with salesforce(org) as api:
        answer = org.query

        def never_valid(seen, match):  # a token is issued, but the org never accepts it (no API access)
            org.tokens.clear()
            return answer(seen, match)

        org.query = never_valid  # type: ignore[method-assign]
        api.routes.clear()
        org.serve(api)
        refused = sync(tmp_path, entry(api.url))
    assert refused.status == "failed" and org.issued == 2 and no_waiting == []
    assert ("HTTP 401 (Session expired or invalid [INVALID_SESSION_ID]); Salesforce did not accept a new session: it was "
            "revoked, or the connected app's Run As user (client_credentials) lacks API access — check that the user is "
            "active, has the API Enabled permission and is allowed by the connected app's policies") in refused.error


def test_a_typo_in_a_custom_mapping_fails_at_once_naming_the_field(tmp_path, no_waiting):
    org = survey_org()
    org.add("NPS_Response__c", {"Id": "a0X1", "Score__c": 9, "CreatedDate": stamp(1), "SystemModstamp": stamp(1)})
    typo = {"object": "NPS_Response__c", "columns": {"submitted_at": "CreatedDate"},
            "metrics": [{"column": "Scroe__c", "metric": "nps"}]}  # fmt: skip
    spaced = typo | {"metrics": [{"column": "Score __c", "metric": "nps"}]}
    with salesforce(org) as api:
        invalid = sync(tmp_path, entry(api.url, surveys=False, accounts=False, contacts=False, custom_objects=[typo]))
        malformed = sync(tmp_path, entry(api.url, surveys=False, accounts=False, contacts=False, custom_objects=[spaced]))
        queries = [seen for seen in api.requests if seen.path.endswith("/query")]
    assert invalid.status == malformed.status == "failed" and len(queries) == 2 and no_waiting == []
    assert "HTTP 400 (No such column 'Scroe__c' on entity 'NPS_Response__c'." in invalid.error
    assert ("[INVALID_FIELD]); Salesforce rejected the request: a field of the query does not exist on the object or the "
            "connected app's user cannot see it — check the field API names of custom_objects") in invalid.error
    assert ("HTTP 400 (unexpected token: '__c' [MALFORMED_QUERY]); Salesforce rejected the request: the SOQL the "
            "connector built is not valid — a field name of custom_objects is not a field API name") in malformed.error


def test_csat_rating_and_nps_questions_are_scored_by_their_type(tmp_path):
    org = survey_org()
    org.add("SurveyQuestion", {"Id": "0Tx4", "Name": "Your last delivery", "QuestionType": "CSAT"})
    org.add("SurveyQuestionResponse", *({"Id": f"0Lz{n}4", "ResponseId": f"0Ly{n}", "QuestionId": "0Tx4",
                                         "Datatype": "Number", "NumberValue": score, "ChoiceValue": None,
                                         "ResponseShortText": None, "SystemModstamp": stamp(n, 5)}
                                        for n, score in ((1, 5), (2, 1), (3, 4))))  # fmt: skip
    with salesforce(org) as api:
        result = sync(tmp_path, entry(api.url, questions={}, rating_scale=[1, 5], csat_scale=[1, 5]))
    assert result.status == "success", result.error
    scores = query(tmp_path, "SELECT question_id, metric, scale_min, scale_max, category FROM feedback_scores "
                             "JOIN feedback USING (record_id) WHERE source_record_id = '0Ly2' ORDER BY 1")  # fmt: skip
    assert scores == [("0Tx1", "nps", 0, 10, "detractor"), ("0Tx2", "rating", 1, 5, None),
                      ("0Tx4", "csat", 1, 5, "dissatisfied")]  # fmt: skip
    assert query(tmp_path, "SELECT source_record_id, nps, csat FROM feedback ORDER BY 1") == [
        ("0Ly1", 10, 5.0), ("0Ly2", 4, 1.0), ("0Ly3", 8, 4.0),
    ]  # fmt: skip


def csat_by_choice(org, labels: list[str], chosen: dict[int, str]) -> None:
    """A CSAT question answered in ChoiceValue (the object reference lists NumberValue only for NPS,
    Rating, Score and Slider), with its SurveyQuestionChoice labels."""
    org.add("SurveyQuestion", {"Id": "0Tx5", "Name": "How satisfied were you with the visit?", "QuestionType": "CSAT"})
    org.add("SurveyQuestionChoice", *({"Id": f"0Kc{i}", "QuestionId": "0Tx5", "Name": label, "SystemModstamp": stamp(1)}
                                      for i, label in enumerate(labels)))  # fmt: skip
    org.add("SurveyQuestionResponse", *({"Id": f"0Lz{n}5", "ResponseId": f"0Ly{n}", "QuestionId": "0Tx5", "Datatype": "String",
                                         "NumberValue": None, "ChoiceValue": label, "ResponseShortText": None,
                                         "SystemModstamp": stamp(n, 5)} for n, label in chosen.items()))  # fmt: skip


@pytest.mark.parametrize("labels", [["Very Dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very Satisfied"],
                                    ["1", "2", "3", "4", "5"]])  # fmt: skip
def test_a_csat_answer_given_as_a_choice_is_scored_through_its_label(tmp_path, labels):
    org = survey_org()
    csat_by_choice(org, labels, {1: labels[4], 2: labels[1], 3: labels[3]})
    with salesforce(org) as api:
        result = sync(tmp_path, entry(api.url, questions={}, rating_scale=[1, 5]))
    assert (result.status, result.quarantined) == ("success", 0), result.error
    assert query(tmp_path, "SELECT source_record_id, csat FROM feedback ORDER BY 1") == [("0Ly1", 5.0), ("0Ly2", 2.0), ("0Ly3", 4.0)]
    categories = query(tmp_path, "SELECT category FROM feedback_scores WHERE metric = 'csat' ORDER BY value")
    assert categories == [("dissatisfied",), ("satisfied",), ("satisfied",)]
    assert query(tmp_path, "SELECT csat_pct FROM csat_by_month") == [(round(100 * 2 / 3, 1),)]


SATISFACTION = ["Very Satisfied", "Satisfied", "Neutral", "Dissatisfied", "Very Dissatisfied"]


@pytest.mark.parametrize("direction", ["lower_is_better", "higher_is_better", None])
@pytest.mark.parametrize("best_first", [True, False], ids=["Very Satisfied first", "Very Dissatisfied first"])
def test_an_override_s_direction_does_not_turn_round_choices_of_words_alone(tmp_path, best_first, direction):
    """A CSAT question answered in ChoiceValue, its SurveyQuestionChoice labels words alone ("Very
    Satisfied" … "Very Dissatisfied", or the other way round), configured `[questions.0Tx5]`
    `metric = "csat"`, `scale = [1, 5]` with any direction or none, through the shared question
    plan: the satisfied answers count satisfied, CSAT % against a count of the words answered."""
    org = survey_org()
    labels = SATISFACTION if best_first else SATISFACTION[::-1]
    chosen = {1: "Very Satisfied", 2: "Dissatisfied", 3: "Satisfied"}
    csat_by_choice(org, labels, chosen)
    question = {"metric": "csat", "scale": [1, 5]} | ({"direction": direction} if direction else {})
    with salesforce(org) as api:
        result = sync(tmp_path, entry(api.url, questions={"0Tx5": question}, rating_scale=[1, 5]))
    assert (result.status, result.quarantined, result.streams["survey_responses"]) == ("success", 0, 3), result.error
    satisfied = sum(word in ("Very Satisfied", "Satisfied") for word in chosen.values())
    assert query(tmp_path, "SELECT responses, csat_pct FROM csat_by_month") == [(3, round(100 * satisfied / 3, 1))]
    categories = query(tmp_path, "SELECT json_extract(answers, '$.\"0Tx5\".label'), category FROM feedback "
                       "JOIN feedback_scores USING (record_id) WHERE metric = 'csat' ORDER BY source_record_id")  # fmt: skip
    assert categories == [("Very Satisfied", "satisfied"), ("Dissatisfied", "dissatisfied"), ("Satisfied", "satisfied")]


def test_a_csat_choice_with_a_label_of_no_known_scale_is_quarantined_saying_to_map_it(tmp_path):
    org = survey_org()
    csat_by_choice(org, ["Loved it", "Meh", "Hated it"], {1: "Loved it", 2: "Meh", 3: "Hated it"})
    with salesforce(org) as api:
        result = sync(tmp_path, entry(api.url, questions={}, rating_scale=[1, 5]))
    assert (result.status, result.quarantined) == ("success", 3), result.error
    errors = [error for (error,) in query(tmp_path, "SELECT error FROM quarantine ORDER BY 1")]
    assert all("labels" in error for error in errors) and any("'Loved it'" in error for error in errors)
    with salesforce(org) as api:  # the fix the error asks for: the question's labels, then a replay
        (tmp_path / "cxbridge.toml").write_text(
            f'[sources.org]\nconnector = "salesforce"\nbase_url = "{api.url}"\nclient_id = "{CLIENT_ID}"\n'
            'client_secret = "${SF_CLIENT_SECRET}"\nsegment_field = "Customer_Segment__c"\nrating_scale = [1, 5]\n'
            '[sources.org.questions.0Tx5]\nmetric = "csat"\nscale = [1, 3]\nlabels = { "Hated it" = 1, "Meh" = 2, "Loved it" = 3 }\n',
            encoding="utf-8",
        )  # fmt: skip
        replayed = cxbridge.quarantine_replay(tmp_path / "cxbridge.toml", destination=f"sqlite:///{tmp_path / 'cxbridge.db'}")
    assert replayed.results[0].written == 3
    assert query(tmp_path, "SELECT source_record_id, csat FROM feedback ORDER BY 1") == [("0Ly1", 3.0), ("0Ly2", 2.0), ("0Ly3", 1.0)]


def test_the_documented_biggest_detractors_query_joins_feedback_to_its_account(tmp_path):
    with salesforce(survey_org()) as api:
        result = sync(tmp_path, entry(api.url))
    assert result.status == "success", result.error
    # one detractor: response 2 (NPS 4), submitted by contact 003C2 of Corner Shop; the others are a 10 and an 8
    assert query(tmp_path, BIGGEST_DETRACTORS) == [("001A2", "Corner Shop", "SMB", 90000.0, 1)]


def test_the_jwt_bearer_flow_signs_an_assertion_with_the_app_key(tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    (tmp_path / "app.key").write_bytes(pem)
    org = survey_org()
    org.public_key = key.public_key()
    with salesforce(org) as api:
        org.audience = api.url  # the login URL the assertion is meant for
        source = entry(api.url, auth="jwt_bearer", username="cx@acme.example", private_key_file="app.key",
                       login_url=api.url)  # fmt: skip
        del source["client_secret"]
        result = sync(tmp_path, source)
        grant = next(seen for seen in api.requests if seen.path == "/services/oauth2/token")
    assert (result.status, result.written) == ("success", 8), result.error
    form = dict(parse_qsl(grant.body.decode()))
    assert form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer" and "client_secret" not in form
    assert "authorization" not in {name.lower() for name in grant.headers}


def test_an_assertion_signed_with_a_key_the_org_does_not_know_names_what_to_check(tmp_path):
    """A JWT bearer grant the token endpoint answers `invalid_grant` is told as a refused
    credential, naming the keys the assertion is made of — never the assertion."""
    known, used = (rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(2))
    pem = used.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    (tmp_path / "app.key").write_bytes(pem)
    org = survey_org()
    org.public_key = known.public_key()
    with salesforce(org) as api:
        org.audience = api.url
        source = entry(api.url, auth="jwt_bearer", username="cx@acme.example", private_key_file="app.key",
                       login_url=api.url)  # fmt: skip
        del source["client_secret"]
        result = sync(tmp_path, source)
        [grant] = [seen for seen in api.requests if seen.path == "/services/oauth2/token"]
    assert result.status == "failed" and len(api.requests) == 1
    assert ("HTTP 400 (invalid assertion); Salesforce did not accept the signed assertion: check client_id, username, "
            "private_key_file (the key of the connected app's certificate) and login_url (the assertion's audience: "
            "https://login.salesforce.com, or https://test.salesforce.com for a sandbox — not the org's My Domain), "
            "and that the user is pre-approved for the app") in result.error  # fmt: skip
    assert dict(parse_qsl(grant.body.decode()))["assertion"] not in result.error


def test_jwt_bearer_without_pyjwt_says_what_to_install(tmp_path, monkeypatch):
    (tmp_path / "app.key").write_text("-----BEGIN PRIVATE KEY-----\n", encoding="utf-8")
    monkeypatch.setattr("importlib.util.find_spec", lambda name, *args: None if name == "jwt" else object())
    source = entry("http://127.0.0.1:9", auth="jwt_bearer", username="cx@acme.example", private_key_file="app.key")
    with pytest.raises(ConfigError, match=r"jwt_bearer needs PyJWT: pip install 'cxbridge\[salesforce\]'"):
        sync(tmp_path, source)


def test_a_custom_object_is_read_through_its_field_mapping(tmp_path):
    org = survey_org()
    org.add("NPS_Response__c", *({"Id": f"a0X{n}", "Score__c": n * 3 % 11, "Comment__c": f"note {n}", "Store__c": "S1",
                                  "CreatedDate": stamp(n), "SystemModstamp": stamp(n)} for n in range(1, 4)))  # fmt: skip
    custom = {"object": "NPS_Response__c", "columns": {"submitted_at": "CreatedDate", "location_id": "Store__c",
                                                        "comment": "Comment__c"},
              "metrics": [{"column": "Score__c", "metric": "nps"}]}  # fmt: skip
    with salesforce(org) as api:
        result = sync(tmp_path, entry(api.url, surveys=False, accounts=False, contacts=False, custom_objects=[custom]))
    assert result.status == "success", result.error
    assert query(tmp_path, "SELECT stream, source_record_id, nps, location_id, comment FROM feedback ORDER BY 2")[0] == (
        "NPS_Response__c", "a0X1", 3, "S1", "note 1"
    )


@pytest.mark.parametrize("direction", ["lower_is_better", "higher_is_better", None])
def test_a_custom_object_s_satisfaction_in_words_counts_its_satisfied_answers_under_any_direction(tmp_path, direction):
    """A custom object's picklist answered in a built-in scale's words, its `metrics` entry `csat`
    on 1–5 with any direction or none (read as a file's column is): the satisfied answers count
    satisfied, CSAT % against a count of the words answered."""
    org = survey_org()
    answers = ["Very Satisfied", "Satisfied", "Dissatisfied", "Neutral", "Very Dissatisfied", "Very Satisfied"]
    org.add("CSAT_Response__c", *({"Id": f"a0Y{n}", "Satisfaction__c": answer, "CreatedDate": stamp(n),
                                   "SystemModstamp": stamp(n)} for n, answer in enumerate(answers, start=1)))  # fmt: skip
    metric = {"column": "Satisfaction__c", "metric": "csat", "scale": [1, 5]} | ({"direction": direction} if direction else {})
    custom = {"object": "CSAT_Response__c", "columns": {"submitted_at": "CreatedDate"}, "metrics": [metric]}
    with salesforce(org) as api:
        result = sync(tmp_path, entry(api.url, surveys=False, accounts=False, contacts=False, custom_objects=[custom]))
    assert (result.status, result.written, result.quarantined) == ("success", len(answers), 0), result.error
    satisfied = sum(answer in ("Very Satisfied", "Satisfied") for answer in answers)
    assert query(tmp_path, "SELECT responses, csat_pct FROM csat_by_month") == [
        (len(answers), round(100 * satisfied / len(answers), 1))]  # fmt: skip


def test_a_custom_object_s_answer_no_label_reads_is_quarantined_naming_its_custom_objects_entry(tmp_path):
    """The fix a custom object's unread answer asks for is in its `[[custom_objects]]` entry's
    `metrics`, where the mapping of that field is (before: `[sources.org.questions.Satisfaction__c]`,
    a table of SurveyQuestion ids that would change nothing)."""
    org = survey_org()
    org.add("CSAT_Response__c", {"Id": "a0Y1", "Satisfaction__c": "Loved it", "CreatedDate": stamp(1),
                                 "SystemModstamp": stamp(1)})  # fmt: skip
    custom = {"object": "CSAT_Response__c", "columns": {"submitted_at": "CreatedDate"},
              "metrics": [{"column": "Satisfaction__c", "metric": "csat", "scale": [1, 5]}]}  # fmt: skip
    with salesforce(org) as api:
        result = sync(tmp_path, entry(api.url, surveys=False, accounts=False, contacts=False, custom_objects=[custom]))
    assert result.quarantined == 1
    assert query(tmp_path, "SELECT error FROM quarantine") == [(
        "question 'Satisfaction__c': answer (a text of 2 words, not shown) is neither a number nor a known label of "
        "this csat question; fix the answer in the source, or, in the metrics entry of column 'Satisfaction__c' in the "
        "[[sources.org.custom_objects]] entry of object 'CSAT_Response__c', map it to its value in 'labels', or add it "
        "to 'ignore_values' if it means no answer",)]  # fmt: skip


def test_429_5xx_and_dropped_connections_are_retried_and_every_row_lands_once(tmp_path, no_waiting):
    with salesforce(survey_org()) as api:
        api.fail(Reply(503), match="/query")
        api.fail(Reply(drop=True), match="/query")
        api.fail(Reply(200, body={"done": True, "records": []}, cut_at=7), match="/query")
        result = sync(tmp_path, entry(api.url))
    assert (result.status, result.written) == ("success", 8), result.error
    assert query(tmp_path, "SELECT COUNT(DISTINCT source_record_id), COUNT(*) FROM feedback") == [(3, 3)]


def test_a_429_waits_as_retry_after_asks(tmp_path, no_waiting):
    with salesforce(survey_org()) as api:
        api.fail(Reply(429, "Too Many Requests", headers={"Retry-After": "7"}), match="/query")
        result = sync(tmp_path, entry(api.url))
    assert (result.status, result.written) == ("success", 8), result.error
    assert 7 in no_waiting


def test_an_answer_slower_than_the_timeout_is_asked_again_and_lands_once(tmp_path):
    with salesforce(survey_org()) as api:
        api.fail(Reply(200, {"done": True, "records": []}, delay=1.0), match="/query")
        result = sync(tmp_path, entry(api.url, timeout=0.3))
        first = [seen.query.get("q", "") for seen in api.requests if seen.path.endswith("/query")][:2]
    assert (result.status, result.written) == ("success", 8), result.error
    assert first[0] == first[1] and "FROM SurveyResponse" in first[0]  # the slow one, then again
    assert query(tmp_path, "SELECT COUNT(DISTINCT source_record_id), COUNT(*) FROM feedback") == [(3, 3)]


def test_a_failure_mid_read_keeps_what_was_read_and_the_rerun_resumes_from_the_checkpoint(tmp_path, monkeypatch):
    monkeypatch.setattr("cxbridge.plugins.salesforce.source.ANSWER_BATCH", 2)  # responses committed two at a time
    org = survey_org()
    answer, failures = org.more, [10]

    def second_page_fails(seen, match):
        if org.cursors[match.group(1)][0]["attributes"]["type"] == "SurveyResponse" and failures[0] > 0:
            failures[0] -= 1
            return Reply(500, [{"message": "An unexpected error occurred.", "errorCode": "UNKNOWN_EXCEPTION"}])
        return answer(seen, match)

    org.more = second_page_fails  # type: ignore[method-assign]
    with salesforce(org) as api:
        failed = sync(tmp_path, entry(api.url, max_attempts=2))
        failures[0] = 0
        start = len(api.requests)
        again = sync(tmp_path, entry(api.url))
        resumed = next(s.query["q"] for s in api.requests[start:] if "FROM SurveyResponse" in s.query.get("q", ""))
    assert failed.status == "failed" and "HTTP 500" in failed.error and "after 2 attempts; re-run later" in failed.error
    assert failed.written == 2
    assert "WHERE SystemModstamp >= 2026-07-02T09:05:00Z" in resumed  # the second response, the last committed
    assert (again.status, again.written, again.unchanged) == ("success", 6, 1), again.error
    assert query(tmp_path, "SELECT COUNT(DISTINCT source_record_id), COUNT(*) FROM feedback") == [(3, 3)]


def multi_currency_org() -> SalesforceOrg:
    """survey_org with multi-currency enabled: every Account has CurrencyIsoCode (the Account field
    Salesforce adds then; on other orgs naming it is INVALID_FIELD, the error shape of §7.3)."""
    org = survey_org()
    for row, code in zip(org.rows["Account"], ("JPY", "USD")):
        row.update(AnnualRevenue=1_000_000.0, CurrencyIsoCode=code)
    return org


def test_a_multi_currency_org_stores_each_account_currency_and_adds_no_revenue_across_them(tmp_path):
    with salesforce(multi_currency_org()) as api:
        result = sync(tmp_path, entry(api.url, currency_field="CurrencyIsoCode"))
        statement = next(s.query["q"] for s in api.requests if "FROM Account" in s.query.get("q", ""))
    assert result.status == "success", result.error
    assert "CurrencyIsoCode" in statement
    assert query(tmp_path, "SELECT account_id, annual_revenue, currency FROM crm_accounts ORDER BY 1") == [
        ("001A1", 1_000_000.0, "JPY"), ("001A2", 1_000_000.0, "USD"),
    ]  # fmt: skip
    month = ("SELECT month, responses, accounts_with_revenue, revenue_weighted_nps, detractor_revenue, revenue_currency "
             "FROM nps_revenue_by_month")  # fmt: skip
    answering = query(tmp_path, "SELECT COUNT(DISTINCT a.account_id) FROM feedback_accounts a JOIN crm_accounts c "
                                "USING (account_id) WHERE c.annual_revenue IS NOT NULL")[0][0]  # fmt: skip
    assert answering == 2  # both accounts, each in its own currency: counted, no money added
    assert query(tmp_path, month) == [("2026-07", 3, answering, None, None, "mixed")]


def test_a_single_currency_org_is_read_as_before(tmp_path):
    with salesforce(survey_org()) as api:
        result = sync(tmp_path, entry(api.url))
        statement = next(s.query["q"] for s in api.requests if "FROM Account" in s.query.get("q", ""))
    assert result.status == "success", result.error
    assert "CurrencyIsoCode" not in statement
    assert query(tmp_path, "SELECT SUM(annual_revenue), COUNT(currency) FROM crm_accounts") == [(4_590_000.0, 0)]
    assert query(tmp_path, "SELECT accounts_with_revenue, revenue_currency FROM nps_revenue_by_month") == [(2, None)]


def person_account_org(enabled: bool) -> SalesforceOrg:
    """survey_org, with Person Accounts enabled or not. Enabled, every Account has IsPersonAccount
    (the Account field Salesforce adds then; on other orgs naming it is INVALID_FIELD) and one
    Account is a person's, its Name hers (Account object reference, "Person Account Record Types")."""
    org = survey_org()
    if enabled:
        for row in org.rows["Account"]:
            row["IsPersonAccount"] = False
        org.add("Account", {"Id": "001P1", "Name": "Maria Kowalska", "IsPersonAccount": True, "Type": None,
                            "Customer_Segment__c": "Consumer", "OwnerId": "005U1", "AnnualRevenue": None,
                            "Industry": None, "BillingCountry": "Poland", "SystemModstamp": stamp(3)})  # fmt: skip
    return org


@pytest.mark.parametrize("enabled", [True, False], ids=["person_accounts", "business_accounts_only"])
def test_a_person_accounts_name_is_never_stored_and_orgs_without_them_are_read_as_before(tmp_path, enabled):
    """docs/security.md: names are not stored. A person account's Name is a person's: it is left
    out of crm_accounts (and of every byte of the file); business accounts keep theirs. An org
    without Person Accounts has no IsPersonAccount, so the query asks for it only where the
    Account's describe lists it."""
    with salesforce(person_account_org(enabled)) as api:
        result = sync(tmp_path, entry(api.url, surveys=False, contacts=False))
        statement = next(s.query["q"] for s in api.requests if "FROM Account" in s.query.get("q", ""))
    assert result.status == "success", result.error
    assert ("IsPersonAccount" in statement) == enabled
    businesses = [("001A1", "Acme Retail", "Enterprise"), ("001A2", "Corner Shop", "SMB")]
    assert query(tmp_path, "SELECT account_id, name, segment FROM crm_accounts ORDER BY 1") == businesses + (
        [("001P1", None, "Consumer")] if enabled else [])  # fmt: skip
    assert not any(b"Kowalska" in path.read_bytes() for path in tmp_path.glob("cxbridge.db*"))


def test_currency_field_on_an_org_without_multi_currency_fails_naming_the_option(tmp_path, no_waiting):
    with salesforce(survey_org()) as api:
        result = sync(tmp_path, entry(api.url, surveys=False, contacts=False, currency_field="CurrencyIsoCode"))
    assert result.status == "failed"
    assert "No such column 'CurrencyIsoCode' on entity 'Account'" in result.error
    assert "CurrencyIsoCode exists only on orgs with multi-currency enabled: leave currency_field out" in result.error


@pytest.mark.parametrize(
    ("change", "message"),
    [({"base_url": None}, "give base_url"), ({"api_version": "61"}, "is not an API version"),
     ({"auth": "refresh_token"}, "needs refresh_token"), ({"auth": "jwt_bearer"}, "needs username and private_key_file"),
     ({"custom_objects": [{"object": "NPS Response"}]}, "is not an object API name")],
)  # fmt: skip
def test_config_mistakes_name_the_key(tmp_path, change, message):
    source = {key: value for key, value in (entry("http://127.0.0.1:9") | change).items() if value is not None}
    with pytest.raises(ConfigError, match=message):
        sync(tmp_path, source)


class TestSalesforceSource(HttpSourceConformance):
    @pytest.fixture
    def source_under_test(self):
        with salesforce(survey_org()) as api:
            yield SourceUnderTest(SalesforceSource, entry(api.url), secrets={"SF_CLIENT_SECRET": CLIENT_SECRET},
                                  personal_data=["buyer1@example.com", "buyer2@example.com"])


def with_slider(org: Any, name: str, answers: tuple[int, ...]) -> Any:
    """`org` with a Slider question 0Tx6 named `name`, answered `answers` as NumberValues (api_reference §7.2)."""
    org.add("SurveyQuestion", {"Id": "0Tx6", "Name": name, "QuestionType": "Slider"})
    org.add("SurveyQuestionResponse", *({"Id": f"0Lz{n}6", "ResponseId": f"0Ly{n}", "QuestionId": "0Tx6",
                                         "Datatype": "Number", "NumberValue": value, "ChoiceValue": None,
                                         "ResponseShortText": None, "SystemModstamp": stamp(n, 5)}
                                        for n, value in enumerate(answers, start=1)))  # fmt: skip
    return org


@pytest.mark.parametrize("answers", [(8, 40, 70), (40, 8, 70)])
def test_a_slider_about_recommending_is_not_nps_whichever_answer_comes_first(tmp_path, answers):
    """A Slider's answers are NumberValues (api_reference §7.2) and its range is not documented:
    a first answer of 0–10 used to make it NPS, quarantining the answers above 10 that followed."""
    org = with_slider(survey_org(), "How likely are you to recommend Acme to a peer?", answers)
    with salesforce(org) as api:
        result = sync(tmp_path, entry(api.url))
    assert (result.status, result.quarantined) == ("success", 0), result.error
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback_scores WHERE question_id = '0Tx6'") == [(0,)]
    stored = query(tmp_path, "SELECT json_extract(answers, '$.0Tx6.value') FROM feedback ORDER BY source_record_id")
    assert stored == [(value,) for value in answers]
    assert result.warnings == [
        "survey 0Kd1: question 0Tx6 ('How likely are you to recommend Acme to a peer?'): a Slider question about recommending "
        'whose definition gives no 0–10 range: kept unscored; if it is NPS, set [sources.org.questions.0Tx6] '
        'metric = "nps"'
    ]


def test_a_slider_whose_wording_names_1_to_10_is_no_nps_and_the_sync_does_not_suggest_one(tmp_path):
    """A Slider about recommending worded "On a scale of 1 to 10, …" declares its scale: no NPS, as
    a file's header so worded is (cxbridge.detection.declared_scale). The sync said to set
    metric = "nps" if it was NPS; it now gives the rule's reason and the rating it scores as."""
    org = with_slider(survey_org(), "On a scale of 1 to 10, how likely are you to recommend Acme?", (1, 10, 7))
    with salesforce(org) as api:
        result = sync(tmp_path, entry(api.url))
    assert (result.status, result.quarantined) == ("success", 0), result.error
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback_scores WHERE question_id = '0Tx6'") == [(0,)]
    [warning] = [w for w in result.warnings if "0Tx6" in w]
    assert "its wording names a 1–10 scale, and an NPS is asked 0–10" in warning
    assert 'metric = "rating", scale = [1, 10]' in warning and 'metric = "nps"' not in warning


def with_second_survey(org: Any) -> Any:
    """`org` with a second survey, 0Kd2, asking one NPS question of its own (0Tx9) — the documented
    objects' fields (api_reference §7.2); the survey and its answers are ours."""
    org.add("SurveyQuestion", {"Id": "0Tx9", "Name": "How likely are you to recommend our app?", "QuestionType": "NPS"})
    for n, nps in ((7, 9), (8, 3)):
        org.add("SurveyResponse", {"Id": f"0Ly{n}", "Name": f"SR-{n}", "SurveyId": "0Kd2", "InvitationId": None,
                                   "SubmitterId": None, "Status": "Completed", "CompletionDateTime": stamp(n),
                                   "Language": "en_US", "CreatedDate": stamp(n), "SystemModstamp": stamp(n, 5)})  # fmt: skip
        org.add("SurveyQuestionResponse", {"Id": f"0Lz{n}9", "ResponseId": f"0Ly{n}", "QuestionId": "0Tx9",
                                           "Datatype": "Number", "NumberValue": nps, "ChoiceValue": None,
                                           "ResponseShortText": None, "SystemModstamp": stamp(n, 5)})  # fmt: skip
    return org


def test_two_surveys_of_one_nps_question_each_are_not_told_to_mark_one_primary(tmp_path):
    """One plan read every survey of the org: survey 0Kd2's NPS question 0Tx9, met after 0Kd1's 0Tx1, was
    named with it as "both measure nps … set primary" — advice that, followed, left every 0Kd2 record
    without its NPS. Each survey is now read by a plan of its own: no warning, each record's nps its
    survey's question; a survey asking two does warn, once, naming itself."""
    org = with_second_survey(survey_org())
    org.add("SurveyQuestion", {"Id": "0Tx8", "Name": "Would you recommend our app to a colleague?", "QuestionType": "NPS"})
    org.add("SurveyQuestionResponse", {"Id": "0Lz88", "ResponseId": "0Ly8", "QuestionId": "0Tx8", "Datatype": "Number",
                                       "NumberValue": 10, "ChoiceValue": None, "ResponseShortText": None,
                                       "SystemModstamp": stamp(8, 5)})  # fmt: skip
    with salesforce(with_second_survey(survey_org())) as api:
        result = sync(tmp_path / "one", entry(api.url))
    with salesforce(org) as api:
        two = sync(tmp_path / "two", entry(api.url))
    assert (result.status, result.quarantined, two.status) == ("success", 0, "success"), result.error
    assert not [w for w in result.warnings if "primary" in w], result.warnings
    expected = [("0Kd1", 10), ("0Kd1", 4), ("0Kd1", 8), ("0Kd2", 9), ("0Kd2", 3)]
    assert query(tmp_path / "one", "SELECT survey_id, nps FROM feedback ORDER BY source_record_id") == expected
    assert query(tmp_path / "two", "SELECT survey_id, nps FROM feedback ORDER BY source_record_id")[:4] == expected[:4]
    [warning] = [w for w in two.warnings if "primary" in w]
    assert warning.startswith("survey 0Kd2: questions '0Tx9' and '0Tx8' both measure nps")
    assert 'under [sources.org.questions."0Kd2/0Tx9"] (or' in warning, warning  # that survey's own key


def with_two_nps_questions(org: Any) -> Any:
    """`org` whose survey 0Kd1 also asks 0Tx8 (an app NPS), the one the config marks primary."""
    org.add("SurveyQuestion", {"Id": "0Tx8", "Name": "Would you recommend our app to a colleague?", "QuestionType": "NPS"})
    for n, nps in ((1, 9), (2, 10), (3, 6)):
        org.add("SurveyQuestionResponse", {"Id": f"0Lz{n}8", "ResponseId": f"0Ly{n}", "QuestionId": "0Tx8",
                                           "Datatype": "Number", "NumberValue": nps, "ChoiceValue": None,
                                           "ResponseShortText": None, "SystemModstamp": stamp(n, 5)})  # fmt: skip
    return org


@pytest.mark.parametrize("key", ["0Tx8", "0Kd1/0Tx8"])
def test_a_primary_configured_in_one_survey_leaves_the_other_surveys_nps_in_its_records_and_the_report(tmp_path, key):
    """`primary = true` on survey 0Kd1's 0Tx8 was the source's: survey 0Kd2's NPS question 0Tx9, not
    the primary, filled no column — its records had no nps and the report no NPS for 0Kd2. A primary
    now applies to its own survey, keyed by the question id alone or as "<survey id>/<question id>"."""
    primary = {key: {"metric": "nps", "primary": True}, "0Tx2": {"metric": "csat", "scale": [1, 5]}}
    with salesforce(with_two_nps_questions(with_second_survey(survey_org()))) as api:
        result = sync(tmp_path, entry(api.url, questions=primary))
    assert (result.status, result.quarantined) == ("success", 0), result.error
    expected = [("0Kd1", 9), ("0Kd1", 10), ("0Kd1", 6), ("0Kd2", 9), ("0Kd2", 3)]
    assert query(tmp_path, "SELECT survey_id, nps FROM feedback ORDER BY source_record_id") == expected
    rows = cxbridge.report(by="survey", destination=f"sqlite:///{tmp_path / 'cxbridge.db'}")
    nps = {row["survey"]: (row["responses"], row["score"]) for row in rows if row["metric"] == "nps"}
    scores = {survey: [n for s, n in expected if s == survey] for survey in ("0Kd1", "0Kd2")}
    assert nps == {survey: (len(found), round(100 * (sum(n >= 9 for n in found) - sum(n <= 6 for n in found)) / len(found), 1))
                   for survey, found in scores.items()}, rows  # fmt: skip


def test_a_question_ignored_under_its_survey_key_is_stored_nowhere(tmp_path):
    """A "<survey id>/<question id>" key is read as the question's: `ignore = true` under
    "0Kd1/0Tx3" keeps its free text out of the answers and the raw response alike."""
    questions = {"0Kd1/0Tx3": {"ignore": True}, "0Tx2": {"metric": "csat", "scale": [1, 5]}}
    with salesforce(survey_org()) as api:
        result = sync(tmp_path, entry(api.url, questions=questions))
    assert result.status == "success", result.error
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback WHERE answers LIKE '%0Tx3%' OR raw LIKE '%Faster invoices%'") == [(0,)]
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback WHERE answers LIKE '%0Tx1%'") == [(3,)]


def test_the_comment_is_the_free_text_paragraph_never_a_company_asked_first_in_a_short_text(tmp_path):
    """A FreeText question is Salesforce's long text (the real org in
    tests/data/vendor/salesforce/offline_starter_kit_survey_definitions.json names one "Long Text
    Question!", beside ShortText ones), so it is the record's comment by the shared rule; a
    ShortText asking the company, listed first, is a comment of its own, never the record's."""
    org = survey_org()
    org.add("SurveyQuestion", {"Id": "0Tx0", "Name": "Which company do you work for?", "QuestionType": "ShortText"})
    org.add("SurveyQuestionResponse", *({"Id": f"0Lz{n}0", "ResponseId": f"0Ly{n}", "QuestionId": "0Tx0",
                                         "Datatype": "String", "NumberValue": None, "ChoiceValue": None,
                                         "ResponseShortText": "Acme Retail", "SystemModstamp": stamp(n, 5)}
                                        for n in (1, 2, 3)))  # fmt: skip
    with salesforce(org) as api:
        result = sync(tmp_path, entry(api.url))
    assert result.status == "success", result.error
    assert query(tmp_path, "SELECT source_record_id, comment FROM feedback ORDER BY 1") == [
        ("0Ly1", "Nothing"), ("0Ly2", "Faster invoices"), ("0Ly3", None),
    ]  # fmt: skip
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback_comments WHERE text = 'Acme Retail'") == [(3,)]


def test_a_start_date_written_as_a_day_is_midnight_in_the_sources_zone(tmp_path):
    """`start_date = "2026-07-02"` in a source in Asia/Tokyo is 15:00 UTC on 1 July; it was read as
    midnight UTC, nine hours after the day began where the user is."""
    with salesforce(survey_org()) as api:
        result = sync(tmp_path, entry(api.url, accounts=False, contacts=False, start_date="2026-07-02",
                                      timezone="Asia/Tokyo"))  # fmt: skip
        first = next(seen.query["q"] for seen in api.requests if "FROM SurveyResponse" in seen.query.get("q", ""))
    assert result.status == "success", result.error
    assert "WHERE SystemModstamp >= 2026-07-01T15:00:00Z ORDER BY" in first


@pytest.mark.parametrize("kind", ["NPS", "Rating"])
def test_a_scored_answer_written_only_in_response_short_text_is_scored_not_stored_as_text(tmp_path, kind):
    """An org whose NPS and Rating answers carry the number in ResponseShortText and no NumberValue
    (analysts' SQL over real orgs reads NPS with CAST(ResponseShortText AS FLOAT)): the number is the
    answer, never a text that drops the score."""
    org = survey_org()
    question = "0Tx1" if kind == "NPS" else "0Tx2"
    for row in org.rows["SurveyQuestion"]:  # wording that names no metric: the question's type is all that scores it
        if row["Id"] == question:
            row["Name"] = "Acme, overall" if kind == "NPS" else "Your account manager"
    answers = [row for row in org.rows["SurveyQuestionResponse"] if row["QuestionId"] == question]
    given = {row["ResponseId"]: row["NumberValue"] for row in answers}
    for row in answers:
        row.update(NumberValue=None, ResponseShortText=f"{row['NumberValue']}")
    with salesforce(org) as api:
        result = sync(tmp_path, entry(api.url, questions={}, rating_scale=[1, 5]))
    assert (result.status, result.quarantined) == ("success", 0), result.error
    column = "nps" if kind == "NPS" else "rating"
    stored = query(tmp_path, f"SELECT source_record_id, s.value FROM feedback JOIN feedback_scores s USING (record_id) "
                             f"WHERE s.question_id = '{question}' AND s.metric = '{column}' ORDER BY 1")  # fmt: skip
    assert stored == sorted(given.items())
    answered_as_text = query(tmp_path, f"SELECT COUNT(*) FROM feedback_comments WHERE question_id = '{question}'")
    assert answered_as_text == [(0,)]
