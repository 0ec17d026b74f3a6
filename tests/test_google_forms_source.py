"""The google_forms source against cassettes of the documented Forms API v1
(cassettes/google_forms/, recorded from tests/google_forms_api.py with CXBRIDGE_RECORD_CASSETTES=1)
and, for faults and the service-account sign-in, against the same fake on 127.0.0.1 — always into
a real SQLite destination."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

import cxbridge
from cxbridge.cli.main import cli
from cxbridge.errors import ConfigError
from cxbridge.plugins.google_forms.source import GoogleFormsSource
from cxbridge.testing import HttpSourceConformance, SourceUnderTest
from cxbridge.testing.cassettes import api_cassette
from tests.conftest import half_up
from tests.google_forms_api import (
    ACCESS_TOKEN, REAL_HOST, FormsAccount, form_response, google_error, google_forms, store_account, store_form,
)  # fmt: skip
from tests.local_api import Reply, cut_midway
from tests.sqlite_runs import assert_other_scale_refused, query, sync_source

sync = partial(sync_source, name="visits")
CASSETTES = Path(__file__).resolve().parents[1] / "cassettes" / "google_forms"
FORM = "1FAIpQLSd-store"


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch) -> list[float]:
    waits: list[float] = []
    monkeypatch.setattr(GoogleFormsSource, "sleep", staticmethod(waits.append))
    return waits


@pytest.fixture
def user_key(tmp_path: Path) -> Path:
    """An authorized-user key file whose access token is still valid (no refresh needed)."""
    key = {"type": "authorized_user", "client_id": "1234.apps.googleusercontent.com", "client_secret": "cs-1",
           "refresh_token": "1//refresh-1", "token": ACCESS_TOKEN, "expiry": "2099-01-01T00:00:00Z"}  # fmt: skip
    path = tmp_path / "user-key.json"
    path.write_text(json.dumps(key), encoding="utf-8")
    return path


def entry(base_url: str, key: Path, **extra: Any) -> dict[str, Any]:
    return {"connector": "google_forms", "base_url": base_url + "/v1", "forms": [FORM],
            "credentials_file": key.name, "columns": {"location_name": "7b8c9d0e"}, **extra}  # fmt: skip




@contextmanager
def cassette(name: str, account: FormsAccount) -> Iterator[Any]:
    with google_forms(account) as api:
        with api_cassette(CASSETTES / f"{name}.yaml", real_url=REAL_HOST, fake_url=api.url,
                          secrets=[ACCESS_TOKEN, "1//refresh-1"]) as recorded:  # fmt: skip
            yield recorded


def calls(recorded: Any) -> list[str]:
    return [r.uri.removeprefix(REAL_HOST) for r in recorded.requests]


def test_a_full_sync_reads_the_question_map_then_every_page_of_responses(tmp_path, user_key):
    with cassette("full_sync", store_account()) as recorded:
        result = sync(tmp_path, entry(recorded.base_url, user_key))
    assert (result.status, result.read, result.written) == ("success", 4, 4), result.error
    assert calls(recorded) == [
        f"/v1/forms/{FORM}",
        f"/v1/forms/{FORM}/responses?pageSize=1000",
        f"/v1/forms/{FORM}/responses?pageSize=1000&pageToken=3",
    ]
    assert all(r.headers["Authorization"] == "REDACTED" for r in recorded.requests)
    rows = query(tmp_path, "SELECT source_record_id, survey_id, survey_name, nps, nps_group, csat, comment, "
                           "location_name, submitted_at, updated_at, respondent_key IS NOT NULL FROM feedback ORDER BY 1")  # fmt: skip
    assert rows[0] == ("ACYDBNj00001", FORM, "Store visit feedback", 10, "promoter", 4.0, "Great staff", "Kraków",
                       "2026-02-02T09:01:01.055000Z", "2026-02-02T09:01:01.055199Z", 1)  # fmt: skip
    assert [(r[0], r[3], r[5], r[7], r[10]) for r in rows[1:]] == [
        ("ACYDBNj00002", 4, 2.0, "Gdańsk", 1), ("ACYDBNj00003", 8, 4.0, "Kraków", 0),
        ("ACYDBNj00004", 9, 4.0, "Warszawa", 1),
    ]  # fmt: skip
    [(answers,)] = query(tmp_path, "SELECT answers FROM feedback WHERE source_record_id = 'ACYDBNj00001'")
    answers = json.loads(answers)
    assert answers["8c9d0e1f"] == {"text": "What did you buy?", "value": ["Groceries", "Clothes"], "label": None}
    assert answers["9d0e1f2a"]["text"] == "Rate our staff - Friendliness"
    assert "7b8c9d0e" not in answers  # mapped to location_name


def test_the_next_sync_filters_on_the_last_submission_and_writes_only_what_is_new(tmp_path, user_key):
    account = store_account()
    with cassette("incremental", account) as recorded:
        first = sync(tmp_path, entry(recorded.base_url, user_key))
        same = sync(tmp_path, entry(recorded.base_url, user_key))
        account.responses[FORM].append(form_response(40, nps=3, minute=59))
        new = sync(tmp_path, entry(recorded.base_url, user_key))
    assert [(r.read, r.written, r.unchanged) for r in (first, same, new)] == [(4, 4, 0), (0, 0, 0), (1, 1, 0)]
    filters = [r.uri for r in recorded.requests if "filter=" in r.uri]
    assert filters[0].endswith("filter=timestamp+%3E+2026-02-05T09%3A04%3A04.055199Z&pageSize=1000")  # > the last
    assert filters == [filters[0]] * 2  # the run with nothing new, then the one that finds #40
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback") == [(5,)]


@pytest.mark.parametrize(
    ("api_time", "cursor"),
    [("2026-02-05T09:04:04.055199Z", "2026-02-05T09:04:04.055199Z"),
     ("2026-02-05T09:04:04.055199999Z", "2026-02-05T09:04:04.055199Z"),  # nanoseconds: truncated, never rounded up
     ("2026-02-05T09:04:04Z", "2026-02-05T09:04:04.000000Z"),
     ("2026-02-05T10:04:04.5+01:00", "2026-02-05T09:04:04.500000Z")],
)  # fmt: skip
def test_the_cursor_is_never_later_than_the_time_google_gave(tmp_path, user_key, api_time, cursor):
    account = FormsAccount()
    account.add_form(store_form(), form_response(1) | {"lastSubmittedTime": api_time})
    with google_forms(account) as api:
        sync(tmp_path, entry(api.url, user_key))
    [(state,)] = query(tmp_path, "SELECT cursor FROM sync_state")
    assert json.loads(state) == {FORM: cursor}


def test_a_response_in_the_same_second_but_a_later_fraction_is_still_read(tmp_path, user_key):
    account = FormsAccount()
    account.add_form(store_form(), form_response(1) | {"lastSubmittedTime": "2026-02-05T09:04:04.055199Z"})
    with google_forms(account) as api:
        sync(tmp_path, entry(api.url, user_key))
        account.responses[FORM].append(form_response(2) | {"lastSubmittedTime": "2026-02-05T09:04:04.0552Z"})
        later = sync(tmp_path, entry(api.url, user_key))
        asked = api.paths()[-1]
    assert "filter=timestamp > 2026-02-05T09:04:04.055199Z" in asked
    assert (later.read, later.written) == (1, 1)
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback") == [(2,)]


def test_start_date_is_inclusive_although_the_filter_is_strict(tmp_path, user_key):
    account = FormsAccount()
    account.add_form(store_form(), form_response(1) | {"lastSubmittedTime": "2026-02-05T09:04:04Z"})
    with google_forms(account) as api:
        result = sync(tmp_path, entry(api.url, user_key, start_date="2026-02-05T09:04:04Z"))
        asked = api.paths()[-1]
    assert "timestamp > 2026-02-05T09:04:03.999999Z" in asked
    assert result.written == 1


def test_records_default_to_the_web_channel_and_the_config_overrides_it(tmp_path, user_key):
    with google_forms(store_account()) as api:
        sync(tmp_path, entry(api.url, user_key))
        sync(tmp_path, entry(api.url, user_key, channel="in_store"), db="kiosk.db")
    assert query(tmp_path, "SELECT DISTINCT channel FROM feedback") == [("web",)]
    assert query(tmp_path, "SELECT DISTINCT channel FROM feedback", db="kiosk.db") == [("in_store",)]


def test_edited_question_titles_do_not_break_the_mapping_of_old_answers(tmp_path, user_key):
    account = store_account()
    with google_forms(account) as api:
        sync(tmp_path, entry(api.url, user_key))
        account.forms[FORM]["items"][0]["title"] = "Would you recommend our shops?"  # edited after launch
        account.responses[FORM][0]["lastSubmittedTime"] = "2026-03-01T10:00:00Z"  # an edited answer
        again = sync(tmp_path, entry(api.url, user_key))
    assert (again.read, again.written) == (1, 1)  # only the edited one: `timestamp >` leaves the boundary out
    assert query(tmp_path, "SELECT nps, json_extract(answers, '$.\"5f1e2d3c\".text') FROM feedback "
                           "WHERE source_record_id = 'ACYDBNj00001'") == [(10, "Would you recommend our shops?")]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "change", "expected"),
    [
        ("error_404", {"forms": ["1FAIpQLSd-gone"]},
         "HTTP 404 (Requested entity was not found. [NOT_FOUND]); not found: check the form ids"),
        ("error_403", {"forms": ["1FAIpQLSd-private"]},
         "HTTP 403 (The caller does not have permission [PERMISSION_DENIED]); the Google credentials"),
    ],
)
def test_documented_errors_fail_the_source_with_what_to_do(tmp_path, user_key, name, change, expected):
    account = store_account()
    account.private.add("1FAIpQLSd-private")
    with cassette(name, account) as recorded:
        result = sync(tmp_path, entry(recorded.base_url, user_key, **change))
    assert result.status == "failed" and expected in result.error


def test_a_401_after_a_fresh_token_fails_at_once_saying_what_to_do(tmp_path):
    """401 UNAUTHENTICATED: the token is refreshed once and, refused again, the run stops."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    account = store_account()
    account.tokens_refused = True
    with google_forms(account) as api:
        info = {"type": "service_account", "project_id": "cx", "private_key_id": "k1", "private_key": pem.decode(),
                "client_email": "cxbridge@cx.iam.gserviceaccount.com", "client_id": "1", "token_uri": f"{api.url}/token"}  # fmt: skip
        (tmp_path / "sa.json").write_text(json.dumps(info), encoding="utf-8")
        result = sync(tmp_path, entry(api.url, tmp_path / "sa.json"))
        asked = [(seen.method, seen.path) for seen in api.requests]
    assert result.status == "failed"
    assert "HTTP 401 (Request had invalid authentication credentials. [UNAUTHENTICATED]); Google Forms did not " \
           "accept the Google credentials" in result.error  # fmt: skip
    assert asked == [("POST", "/token"), ("GET", f"/v1/forms/{FORM}"), ("POST", "/token"), ("GET", f"/v1/forms/{FORM}")]


def test_a_key_google_refuses_names_the_key_file_to_check(tmp_path):
    """A deleted service-account key: Google's token endpoint answers `invalid_grant` ("Invalid JWT
    Signature."); the error names the config key holding it, never the key, as other refusals do."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    with google_forms(store_account()) as api:
        api.fail(Reply(400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}), match="/token")
        info = {"type": "service_account", "project_id": "cx", "private_key_id": "k1", "private_key": pem.decode(),
                "client_email": "cxbridge@cx.iam.gserviceaccount.com", "client_id": "1", "token_uri": f"{api.url}/token"}  # fmt: skip
        (tmp_path / "sa.json").write_text(json.dumps(info), encoding="utf-8")
        result = sync(tmp_path, entry(api.url, tmp_path / "sa.json"))
    assert result.status == "failed"
    assert result.error == ("Google did not accept the credentials in credentials_file: invalid_grant: Invalid JWT "
                            "Signature.; check them and their scopes")  # fmt: skip
    assert "PRIVATE KEY" not in result.error


def test_429_resource_exhausted_with_retry_after_is_waited_out(tmp_path, user_key, no_waiting):
    with google_forms(store_account()) as api:
        quota = google_error(429, "Quota exceeded for quota metric 'Expensive read requests' and limit 'Expensive "
                             "read requests per minute per user' of service 'forms.googleapis.com'.", "RESOURCE_EXHAUSTED")  # fmt: skip
        api.fail(replace(quota, headers={"Retry-After": "30"}), match="/responses")
        with api_cassette(CASSETTES / "rate_limited.yaml", real_url=REAL_HOST, fake_url=api.url,
                          secrets=[ACCESS_TOKEN]) as recorded:  # fmt: skip
            result = sync(tmp_path, entry(recorded.base_url, user_key))
    assert (result.status, result.written) == ("success", 4), result.error
    assert 30.0 in no_waiting
    assert [response["status"]["code"] for _, response in recorded.cassette.data] == [200, 429, 200, 200]


def test_a_service_account_signs_in_with_a_jwt_and_the_token_is_reused(tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    account = store_account()
    with google_forms(account) as api:
        info = {"type": "service_account", "project_id": "cx", "private_key_id": "k1", "private_key": pem.decode(),
                "client_email": "cxbridge@cx.iam.gserviceaccount.com", "client_id": "1", "token_uri": f"{api.url}/token"}  # fmt: skip
        (tmp_path / "sa.json").write_text(json.dumps(info), encoding="utf-8")
        result = sync(tmp_path, entry(api.url, tmp_path / "sa.json"))
        grant = next(seen for seen in api.requests if seen.path == "/token")
    assert (result.status, result.written) == ("success", 4), result.error
    assert account.token_requests == 1
    assert b"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer" in grant.body


def test_429_5xx_timeouts_and_dropped_pages_are_retried_and_every_response_lands_once(tmp_path, user_key, no_waiting):
    with google_forms(store_account()) as api:
        api.fail(Reply(429, {"error": {"code": 429, "status": "RESOURCE_EXHAUSTED"}}, headers={"Retry-After": "11"}),
                 match="/responses")  # fmt: skip
        api.fail(Reply(503), match="/v1/forms")
        api.fail(Reply(drop=True), match="/responses")
        api.fail(Reply(200, body={"responses": []}, cut_at=5), match="/responses")
        api.fail(Reply(200, delay=1.5), match="/responses")
        result = sync(tmp_path, entry(api.url, user_key, timeout=0.5))
    assert (result.status, result.written) == ("success", 4), result.error
    assert 11 in no_waiting
    assert query(tmp_path, "SELECT COUNT(DISTINCT source_record_id), COUNT(*) FROM feedback") == [(4, 4)]


def test_429_without_retry_after_backs_off_and_a_page_cut_mid_body_is_fetched_again(tmp_path, user_key, no_waiting):
    account = store_account()
    account.list_responses = cut_midway(account.list_responses, times=2)  # headers, half the real page, closed
    with google_forms(account) as api:
        api.fail(google_error(429, "Quota exceeded.", "RESOURCE_EXHAUSTED"), match="/responses")
        result = sync(tmp_path, entry(api.url, user_key))
        pages = [seen.query.get("pageToken") for seen in api.requests if seen.path.endswith("/responses")]
    assert (result.status, result.written) == ("success", 4), result.error
    assert 1 <= no_waiting[0] <= 1.25  # backoff, no Retry-After to go by
    assert pages == [None, None, None, None, "3"]  # 429, cut, cut, whole, then page 2
    assert query(tmp_path, "SELECT COUNT(DISTINCT source_record_id), COUNT(*) FROM feedback") == [(4, 4)]


def test_a_second_page_that_keeps_failing_keeps_the_first_and_the_rerun_completes_once(tmp_path, user_key):
    account = store_account()
    answer, failures = account.list_responses, [10]

    def second_page_fails(seen, match):
        if seen.query.get("pageToken") and failures[0] > 0:
            failures[0] -= 1
            return Reply(500, {"error": {"code": 500, "message": "Internal error.", "status": "INTERNAL"}})
        return answer(seen, match)

    account.list_responses = second_page_fails
    with google_forms(account) as api:
        failed = sync(tmp_path, entry(api.url, user_key, max_attempts=2))
        assert failed.status == "failed" and "re-run later" in failed.error
        assert query(tmp_path, "SELECT COUNT(*) FROM feedback") == [(3,)]  # the first page is kept
        failures[0] = 0
        again = sync(tmp_path, entry(api.url, user_key))
    assert (again.status, again.written, again.unchanged) == ("success", 1, 3)
    assert query(tmp_path, "SELECT COUNT(DISTINCT source_record_id), COUNT(*) FROM feedback") == [(4, 4)]


def test_an_answer_off_its_scale_is_quarantined_and_the_rest_written(tmp_path, user_key):
    account = store_account()
    account.responses[FORM].append(form_response(9, nps=12))
    with google_forms(account) as api:
        result = sync(tmp_path, entry(api.url, user_key))
    assert (result.written, result.quarantined) == (4, 1)
    assert query(tmp_path, "SELECT source_record_id FROM quarantine") == [("ACYDBNj00009",)]


def test_overrides_score_a_grid_and_ignore_a_question(tmp_path, user_key):
    questions = {"9d0e1f2a": {"metric": "custom:staff_rating", "labels": {"Poor": 1, "Fair": 2, "Good": 3, "Excellent": 4},
                              "scale": [1, 4]}, "8c9d0e1f": {"ignore": True}}  # fmt: skip
    with google_forms(store_account()) as api:
        result = sync(tmp_path, entry(api.url, user_key, questions=questions))
    assert result.written == 4, result.error
    assert query(tmp_path, "SELECT metric, value FROM feedback_scores JOIN feedback USING (record_id) "
                           "WHERE source_record_id = 'ACYDBNj00001' AND question_id = '9d0e1f2a'") == [("custom:staff_rating", 4.0)]  # fmt: skip
    assert query(tmp_path, "SELECT json_extract(answers, '$.\"8c9d0e1f\"') FROM feedback LIMIT 1") == [(None,)]


def test_answer_codes_named_in_labels_read_as_the_labels_values(tmp_path, user_key):
    """A 0–4 linear scale standing for a 1–5 satisfaction scale: the question's labels written
    as numbers recode each answer, as they recode a file's cells (docs/files.md, Messy data)."""
    form = store_form()
    [checkout] = [item for item in form["items"] if item["itemId"] == "7a8b9c0d"]
    checkout["title"] = "How satisfied are you with the checkout?"
    checkout["questionItem"]["question"] = {"questionId": "2a3b4c5d", "scaleQuestion": {"low": 0, "high": 4}}
    account = FormsAccount()
    codes = [0, 1, 2, 3, 4, 3]
    account.add_form(form, *(form_response(n, stars=code) for n, code in enumerate(codes, start=1)))
    labels = {str(code): code + 1 for code in range(5)}
    questions = {"2a3b4c5d": {"metric": "csat", "scale": [1, 5], "labels": labels, "primary": True}}
    with google_forms(account) as api:
        result = sync(tmp_path, entry(api.url, user_key, questions=questions))
    assert (result.written, result.quarantined) == (len(codes), 0), result.error
    assert query(tmp_path, "SELECT csat FROM feedback ORDER BY source_record_id") == [(code + 1,) for code in codes]
    stored = query(tmp_path, "SELECT json_extract(answers, '$.\"2a3b4c5d\".label') FROM feedback ORDER BY source_record_id")
    assert stored == [(str(code),) for code in codes]  # the code as the respondent picked it, "3", not "3.0"


@pytest.mark.parametrize("direction", [None, "lower_is_better", "higher_is_better"])
def test_an_override_s_direction_does_not_turn_round_options_of_words_listed_best_first(tmp_path, user_key, direction):
    """The store form's satisfaction question lists "Very satisfied" … "Very dissatisfied", words
    alone, which `option_values` values by the built-in scale (Very satisfied 5). An override of
    `metric = "csat"`, `scale = [1, 5]` with any direction or none counts the satisfied answers
    satisfied: CSAT % against a count of the words answered. Before, `lower_is_better` kept
    "Very satisfied" 5 and read it as the worst answer (CSAT % 33.3 for 50.0)."""
    form = store_form()
    words = ["Very satisfied", "Very satisfied", "Satisfied", "Dissatisfied", "Neutral", "Very dissatisfied"]
    account = FormsAccount()
    account.add_form(form, *(form_response(n, satisfaction=word) for n, word in enumerate(words, start=1)))
    question = {"metric": "csat", "scale": [1, 5], "primary": True} | ({"direction": direction} if direction else {})
    with google_forms(account) as api:
        result = sync(tmp_path, entry(api.url, user_key, questions={"6a7b8c9d": question}))
    assert (result.written, result.quarantined) == (len(words), 0), result.error
    satisfied = sum(word in ("Very satisfied", "Satisfied") for word in words)
    assert query(tmp_path, "SELECT responses, csat_pct FROM csat_by_month") == [
        (len(words), half_up(Fraction(100 * satisfied, len(words))))]  # fmt: skip


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"forms": []}, "forms"),
        ({"forms": ["https://docs.google.com/forms/d/x/edit"]}, "is not a form id"),
        ({"credentials_file": "missing.json"}, "cannot read"),
    ],
)
def test_config_mistakes_name_the_key(tmp_path, user_key, change, message):
    with pytest.raises(ConfigError, match=message):
        sync(tmp_path, entry("http://127.0.0.1:9", user_key, **change))


def test_without_google_auth_the_config_says_what_to_install(tmp_path, user_key, monkeypatch):
    monkeypatch.setitem(sys.modules, "google.auth", None)  # as if google-auth were not installed
    with pytest.raises(ConfigError, match=r"needs google-auth: pip install 'cxbridge\[google\]'"):
        sync(tmp_path, entry("http://127.0.0.1:9", user_key))


class TestGoogleFormsSource(HttpSourceConformance):
    @pytest.fixture
    def source_under_test(self, tmp_path):
        key = {"type": "authorized_user", "client_id": "c", "client_secret": "s", "refresh_token": "r",
               "token": ACCESS_TOKEN, "expiry": "2099-01-01T00:00:00Z"}  # fmt: skip
        (tmp_path / "key.json").write_text(json.dumps(key), encoding="utf-8")
        account = FormsAccount()
        account.add_form(store_form(), *(form_response(n, nps=n % 11, comment="Quick checkout." if n % 2 else "")
                                         for n in range(1, 8)))
        with google_forms(account) as api:
            yield SourceUnderTest(GoogleFormsSource, entry(api.url, tmp_path / "key.json"), base_dir=tmp_path,
                                  personal_data=[f"visitor{n}@example.com" for n in range(1, 8)])


def test_a_quarantined_response_is_replayed_with_a_fixed_override(tmp_path, user_key):
    account = store_account()
    account.responses[FORM].append(form_response(9, nps=12))
    with google_forms(account) as api:
        sync(tmp_path, entry(api.url, user_key))
        (tmp_path / "cxbridge.toml").write_text(
            f'[sources.visits]\nconnector = "google_forms"\nbase_url = "{api.url}/v1"\nforms = ["{FORM}"]\n'
            f'credentials_file = "{user_key.name}"\n[sources.visits.questions.5f1e2d3c]\nunscored = true\n',
            encoding="utf-8",
        )
        replayed = cxbridge.quarantine_replay(tmp_path / "cxbridge.toml", destination=f"sqlite:///{tmp_path / 'cxbridge.db'}")
    assert replayed.results[0].written == 1
    assert query(tmp_path, "SELECT nps, json_extract(answers, '$.\"5f1e2d3c\".value') FROM feedback "
                           "WHERE source_record_id = 'ACYDBNj00009'") == [(None, 12)]  # fmt: skip


def test_a_satisfaction_choice_question_with_numbered_options_is_csat_on_those_numbers(tmp_path, user_key):
    """A multiple-choice question "How satisfied are you with your visit?" whose options are
    "1" … "5" (Google writes the chosen option's text): CSAT on 1–5, 4 and 5 satisfied, as its
    question about satisfaction says — not kept unscored because its options are numbers."""
    form = store_form()
    [visit] = [item for item in form["items"] if item["itemId"] == "2b3c4d5e"]
    visit["questionItem"]["question"]["choiceQuestion"]["options"] = [{"value": str(n)} for n in range(1, 6)]
    given = ["5", "2", "4", "4", "1", "3"]
    account = FormsAccount()
    account.add_form(form, *(form_response(n, satisfaction=text) for n, text in enumerate(given, start=1)))
    with google_forms(account) as api:
        result = sync(tmp_path, entry(api.url, user_key))
    assert (result.status, result.written, result.quarantined) == ("success", len(given), 0), result.error
    values = [int(text) for text in given]
    assert query(tmp_path, "SELECT csat, csat_normalized FROM feedback ORDER BY source_record_id") == [
        (float(v), 100 * (v - 1) / 4) for v in values]  # fmt: skip
    satisfied = sum(v >= 4 for v in values)
    assert query(tmp_path, "SELECT responses, csat_pct FROM csat_by_month") == [
        (len(values), half_up(Fraction(100 * satisfied, len(values))))]  # fmt: skip


EFFORT = "How much effort did you personally have to put forth to handle your request?"


def test_a_ces_override_without_a_direction_under_a_how_much_effort_question_is_a_config_error(tmp_path, user_key):
    """A 1–10 linear scale detection leaves unscored, set `metric = "ces"` and no direction, was
    read higher-is-better whatever its wording: the least effort (1–2) counted as high effort.
    As a file's [[metrics]] entry, the override must say which way it runs; the source fails
    when the form's questions are read, before any response is."""
    account = store_account()
    form = account.forms[FORM]
    form["items"].insert(0, {"itemId": "0f0e0d0c", "title": EFFORT, "questionItem": {"question": {
        "questionId": "3e3e3e3e", "scaleQuestion": {"low": 1, "high": 10}}}})  # fmt: skip
    efforts = [1, 2, 2, 9]
    for response, effort in zip(account.responses[FORM], efforts, strict=True):
        response["answers"]["3e3e3e3e"] = {"questionId": "3e3e3e3e", "textAnswers": {"answers": [{"value": str(effort)}]}}
    question = {"metric": "ces", "scale": [1, 10]}
    with google_forms(account) as api:
        refused = sync(tmp_path, entry(api.url, user_key, questions={"3e3e3e3e": question}))
        assert (refused.status, refused.written) == ("failed", 0)  # found with the form's questions, before any row
        assert refused.error.startswith("sources.visits.questions.3e3e3e3e: no direction is set")
        assert 'direction = "lower_is_better"' in refused.error
        question["direction"] = "lower_is_better"
        result = sync(tmp_path, entry(api.url, user_key, questions={"3e3e3e3e": question}))
    assert (result.written, result.quarantined) == (len(efforts), 0), result.error
    low = query(tmp_path, "SELECT COUNT(*) FROM feedback_scores WHERE question_id = '3e3e3e3e' AND category = 'low_effort'")
    assert low[0][0] == sum(effort <= 2 for effort in efforts)  # the best two boxes of 1–10, 1 the least effort


def test_an_override_without_a_direction_under_end_labels_best_first_is_a_config_error(tmp_path, user_key):
    """A 1–5 linear scale asking about recommendations is no NPS, so detection leaves it unscored
    and says to set its metric; `metric = "csat"` alone read it higher-is-better though its end
    labels run "Very satisfied" (1) … "Very dissatisfied" (5): every satisfied answer counted
    dissatisfied. As a file's header numbering its best end first, the labels make the missing
    direction a config error; set, CSAT % is the share of 1s and 2s."""
    account = store_account()
    scale = {"low": 1, "high": 5, "lowLabel": "Very satisfied", "highLabel": "Very dissatisfied"}
    account.forms[FORM]["items"].insert(0, {"itemId": "0f0e0d0c", "title": "How satisfied are you with our staff's "
                                            "recommendations?", "questionItem": {"question": {
                                                "questionId": "3e3e3e3e", "scaleQuestion": scale}}})  # fmt: skip
    given = [2, 5, 1, 3]
    for response, answer in zip(account.responses[FORM], given, strict=True):
        response["answers"]["3e3e3e3e"] = {"questionId": "3e3e3e3e", "textAnswers": {"answers": [{"value": str(answer)}]}}
    question = {"metric": "csat", "primary": True}
    with google_forms(account) as api:
        refused = sync(tmp_path, entry(api.url, user_key, questions={"3e3e3e3e": question}))
        assert (refused.status, refused.written) == ("failed", 0), refused.error
        assert refused.error == (
            "sources.visits.questions.3e3e3e3e: no direction is set, so \"How satisfied are you with our staff's "
            "recommendations?\" would be read higher_is_better, but its definition writes '1 - Very satisfied', "
            "'5 - Very dissatisfied', labels of the built-in satisfaction (5 points) scale: lower is better; "
            'set direction = "lower_is_better"')  # fmt: skip
        question["direction"] = "lower_is_better"
        result = sync(tmp_path, entry(api.url, user_key, questions={"3e3e3e3e": question}))
    assert (result.written, result.quarantined) == (len(given), 0), result.error
    satisfied = sum(answer <= 2 for answer in given)  # 1 is the most satisfied
    assert query(tmp_path, "SELECT responses, csat_pct FROM csat_by_month") == [
        (len(given), half_up(Fraction(100 * satisfied, len(given))))]  # fmt: skip


def test_an_override_s_direction_against_its_end_labels_is_a_config_error(tmp_path, user_key):
    """The linear scale above, its end labels "Very satisfied" (1) … "Very dissatisfied" (5), with
    `direction = "higher_is_better"` set: the words say lower is better, and their meaning decides
    (as a file's header's words do under a direction set), so the override is refused before any
    response is read, naming the labels and the direction to set — it counted the satisfied
    answers dissatisfied, CSAT % 25 for 50."""
    account = store_account()
    scale = {"low": 1, "high": 5, "lowLabel": "Very satisfied", "highLabel": "Very dissatisfied"}
    account.forms[FORM]["items"].insert(0, {"itemId": "0f0e0d0c", "title": "How satisfied are you with our staff?",
                                            "questionItem": {"question": {
                                                "questionId": "3e3e3e3e", "scaleQuestion": scale}}})  # fmt: skip
    for response, answer in zip(account.responses[FORM], [2, 5, 1, 3], strict=True):
        response["answers"]["3e3e3e3e"] = {"questionId": "3e3e3e3e", "textAnswers": {"answers": [{"value": str(answer)}]}}
    question = {"metric": "csat", "direction": "higher_is_better"}
    with google_forms(account) as api:
        refused = sync(tmp_path, entry(api.url, user_key, questions={"3e3e3e3e": question}))
    assert (refused.status, refused.written) == ("failed", 0), refused.error
    assert refused.error == (
        'sources.visits.questions.3e3e3e3e: direction = "higher_is_better" is set, but its definition writes '
        "'1 - Very satisfied', '5 - Very dissatisfied', labels of the built-in satisfaction (5 points) scale: lower is "
        'better; set direction = "lower_is_better" under [sources.visits.questions.3e3e3e3e], or map its answers '
        "under labels")  # fmt: skip


def test_the_comment_is_the_paragraph_never_the_company_asked_first(tmp_path, user_key):
    """A short text "Company name" before the score and a paragraph (`textQuestion.paragraph`) after
    it: a record's comment is the paragraph's answer, or none — the company stays an answer."""
    form = store_form()
    company = {"itemId": "0a0b0c0d", "title": "Company name",
               "questionItem": {"question": {"questionId": "c0c0c0c0", "textQuestion": {}}}}  # fmt: skip
    form["items"].insert(0, company)
    [visit] = [item for item in form["items"] if item["itemId"] == "6f708192"]
    visit["title"] = "Your visit in your own words"
    responses = [form_response(1, comment="Great staff"), form_response(2)]
    for response in responses:
        response["answers"] = {"c0c0c0c0": {"questionId": "c0c0c0c0", "textAnswers": {"answers": [{"value": "Acme"}]}},
                               **response["answers"]}  # fmt: skip
    account = FormsAccount()
    account.add_form(form, *responses)
    with google_forms(account) as api:
        result = sync(tmp_path, entry(api.url, user_key))
    assert (result.status, result.written) == ("success", 2), result.error
    assert query(tmp_path, "SELECT comment FROM feedback ORDER BY source_record_id") == [("Great staff",), (None,)]
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback_comments WHERE question_id = 'c0c0c0c0'") == [(2,)]


def test_a_start_date_without_an_offset_is_the_sources_local_time(tmp_path, user_key):
    """18:04:04 in a source in Asia/Tokyo is 09:04:04 UTC; it was read as 18:04:04 UTC."""
    account = FormsAccount()
    account.add_form(store_form(), form_response(1) | {"lastSubmittedTime": "2026-02-05T09:04:04Z"})
    with google_forms(account) as api:
        result = sync(tmp_path, entry(api.url, user_key, start_date="2026-02-05T18:04:04", timezone="Asia/Tokyo"))
        asked = api.paths()[-1]
    assert "timestamp > 2026-02-05T09:04:03.999999Z" in asked
    assert result.written == 1


@pytest.mark.parametrize("command", ["check", "sync"])
@pytest.mark.parametrize(("written", "problem"), [(None, "cannot read {key} (No such file or directory)"),
                                                  ("{", "{key} is not a JSON key file")])  # fmt: skip
def test_a_key_file_that_cannot_be_read_names_the_config_file_its_key_and_what_to_do(tmp_path, monkeypatch, command,
                                                                                     written, problem):  # fmt: skip
    """`credentials_file: cannot read keys/sa.json` named neither the config file nor its section,
    nor what to do, as a mistake found loading the config does."""
    project = tmp_path / "project"
    (project / "keys").mkdir(parents=True)
    if written is not None:
        (project / "keys" / "sa.json").write_text(written)
    config = project / "forms.toml"
    config.write_text('[sources.feedback_form]\nconnector = "google_forms"\nforms = ["1FAIpQLSf"]\n'
                      'credentials_file = "keys/sa.json"\n')  # fmt: skip
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, [command, "--config", str(config)])
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    said = " ".join(result.stderr.split())
    assert said.startswith(f"error: {config}: sources.feedback_form.credentials_file: "
                           + problem.format(key=project / "keys" / "sa.json")), said  # fmt: skip
    assert "relative to the config's folder" in said and "leave credentials_file out" in said, said


@pytest.mark.parametrize("asked", [{"ratingQuestion": {"ratingScaleLevel": 5, "iconType": "STAR"}},
                                   {"scaleQuestion": {"low": 1, "high": 5}}], ids=["rating", "linear-scale"])
def test_a_scale_other_than_the_form_s_range_quarantines_its_answers_naming_the_scale_to_set(tmp_path, user_key, asked):
    """The checkout question 2a3b4c5d is five stars (ratingScaleLevel 5: 1–5), or a linear scale
    low 1, high 5; the config says `scale = [1, 7]`. Before, its answers were read as points of 1–7
    — a 4 of 5 a neutral 4 of 7, CSAT % 0.0 where the answers make 75.0 — and nothing was said. A
    scale that agrees reads them."""
    form = store_form()
    [checkout] = [item for item in form["items"] if item["itemId"] == "7a8b9c0d"]
    checkout["questionItem"]["question"] = {"questionId": "2a3b4c5d", **asked}
    stars = [5, 4, 2, 4]
    account = FormsAccount()
    account.add_form(form, *(form_response(n, stars=given) for n, given in enumerate(stars, start=1)))
    rating = {"metric": "csat", "primary": True}
    with google_forms(account) as api:
        wrong = sync(tmp_path, entry(api.url, user_key, questions={"2a3b4c5d": rating | {"scale": [1, 7]}}))
        right = sync(tmp_path, entry(api.url, user_key, questions={"2a3b4c5d": rating | {"scale": [1, 5]}}), db="right.db")
    assert_other_scale_refused(tmp_path, wrong, right, scores=stars, reason=(
        "question '2a3b4c5d' ('How would you rate the checkout?'): its survey's definition gives its answers as 1–5, "
        "not scale = [1, 7], so none of them is scored on it; set scale = [1, 5] (or remove scale: the definition's "
        "own is read) in [sources.visits.questions.2a3b4c5d], then `cxbridge sync --full-refresh` reads the answers "
        "stored before on it too"))  # fmt: skip
