"""The typeform source against cassettes of the documented Create and Responses APIs
(cassettes/typeform/, recorded from tests/typeform_api.py with CXBRIDGE_RECORD_CASSETTES=1) and,
for faults, late responses and data centers, against the same fake on 127.0.0.1 — always into a
real SQLite destination."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from fractions import Fraction
from functools import partial
from pathlib import Path
from typing import Any

import pytest

import cxbridge
from cxbridge.config import config_from_dict
from cxbridge.errors import ConfigError
from cxbridge.plugins_host import create_host
from cxbridge.plugins.typeform.form import parse_form
from cxbridge.plugins.typeform.source import TypeformSource
from cxbridge.respondents import RespondentKeys
from cxbridge.testing import HttpSourceConformance, SourceUnderTest
from cxbridge.testing.cassettes import api_cassette
from tests.conftest import half_up
from tests.local_api import Reply, cut_midway, fake_api
from tests.sqlite_runs import SHARED_SALT, assert_other_scale_refused, query, sync_source
from tests.typeform_api import (
    REAL_HOST, TOKEN, TypeformAccount, store_account, store_form, tf_error, tf_response, typeform,
)  # fmt: skip

sync = partial(sync_source, name="visits")
CASSETTES = Path(__file__).resolve().parents[1] / "cassettes" / "typeform"
FORM = "kX7pQ2Lm"


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch) -> list[float]:
    waits: list[float] = []
    monkeypatch.setattr(TypeformSource, "sleep", staticmethod(waits.append))
    monkeypatch.setenv("TYPEFORM_TOKEN", TOKEN)
    return waits


def entry(base_url: str, **extra: Any) -> dict[str, Any]:
    return {"connector": "typeform", "base_url": base_url, "token": "${TYPEFORM_TOKEN}", "forms": [FORM],
            "page_size": 2, "columns": {"location_id": "store"}, **extra}  # fmt: skip


@contextmanager
def cassette(name: str, account: TypeformAccount) -> Iterator[Any]:
    with typeform(account) as api:
        with api_cassette(CASSETTES / f"{name}.yaml", real_url=REAL_HOST, fake_url=api.url, secrets=[TOKEN]) as c:
            yield c


def calls(recorded: Any) -> list[str]:
    return [r.uri.removeprefix(REAL_HOST) for r in recorded.requests]


def cursor(folder: Path) -> Any:
    [(state,)] = query(folder, "SELECT cursor FROM sync_state")
    return json.loads(state)


def test_a_full_sync_reads_the_definition_then_every_page_newest_first(tmp_path):
    with cassette("full_sync", store_account()) as recorded:
        result = sync(tmp_path, entry(recorded.base_url))
    assert (result.status, result.read, result.written) == ("success", 4, 4), result.error  # the partial one not asked
    assert calls(recorded) == [
        f"/forms/{FORM}",
        f"/forms/{FORM}/responses?page_size=2&response_type=completed",
        f"/forms/{FORM}/responses?before=kx7pq2lmresp000003&page_size=2&response_type=completed",  # vcr sorts
    ]
    assert all(r.headers["Authorization"] == "REDACTED" for r in recorded.requests)
    rows = query(tmp_path, "SELECT source_record_id, submitted_at, status, nps, nps_group, csat, comment, location_id, "
                           "language, survey_id, survey_name, respondent_key IS NOT NULL FROM feedback ORDER BY 2")  # fmt: skip
    assert rows[0] == (f"{FORM}|kx7pq2lmresp000001", "2026-02-01T10:00:00Z", "complete", 10, "promoter", 4.0,
                       "Great staff", "S01", "en", FORM, "Store visit feedback", 1)  # fmt: skip
    assert [(r[3], r[5], r[7], r[11]) for r in rows[1:]] == [(4, 2.0, "S02", 1), (8, 4.0, "S01", 1), (9, 4.0, "S03", 1)]
    # response 3 gave no e-mail: its key comes from the phone of its contact block
    assert cursor(tmp_path) == {FORM: {"completed": "2026-02-01T13:00:00Z"}}


def test_scores_follow_each_fields_definition(tmp_path):
    with typeform(store_account()) as api:
        sync(tmp_path, entry(api.url))
    scores = query(tmp_path, "SELECT metric, question_id, value, scale_min, scale_max, normalized, category "
                             "FROM feedback_scores JOIN feedback USING (record_id) WHERE source_record_id LIKE '%resp000002'"
                             " ORDER BY metric, question_id")  # fmt: skip
    assert scores == [
        ("csat", "Sat2AbCdEf02", 2.0, 1.0, 5.0, 25.0, "dissatisfied"),  # opinion scale, 5 steps from 1
        ("nps", "Nps1AbCdEf01", 4.0, 0.0, 10.0, 40.0, "detractor"),  # an nps field is 0–10
        ("rating", "Rat3AbCdEf03", 2.0, 1.0, 5.0, 25.0, None),  # five stars: a rating, not CSAT
        ("rating", "Row5a1Friend", 4.0, 1.0, 4.0, 100.0, None),  # "Excellent" of Poor, Fair, Good, Excellent
    ]
    nps = [10, 4, 8, 9]
    expected = 100 * (sum(v >= 9 for v in nps) - sum(v <= 6 for v in nps)) / len(nps)  # (2 - 1) / 4 = 25
    assert query(tmp_path, "SELECT responses, nps FROM nps_by_month") == [(4, expected)]
    satisfied = sum(v >= 4 for v in [4, 2, 4, 4])  # top two boxes of five
    assert query(tmp_path, "SELECT csat_pct FROM csat_by_month") == [(100 * satisfied / 4,)]


def test_answers_keep_choices_matrix_rows_and_hidden_fields_but_no_personal_data(tmp_path):
    with typeform(store_account()) as api:
        sync(tmp_path, entry(api.url))
    [(answers, attributes, raw)] = query(tmp_path, "SELECT answers, attributes, raw FROM feedback "
                                                   "WHERE source_record_id LIKE '%resp000001'")  # fmt: skip
    answers = json.loads(answers)
    assert answers["Buy4AbCdEf04"] == {"text": "What did you buy?", "value": ["Groceries", "Clothes"], "label": None}
    assert answers["Row5a1Friend"] == {"text": "Rate our staff - Friendliness", "value": 4, "label": "Excellent"}
    assert "Cnt8aFirstNm" not in answers  # a contact block's name part: personal, dropped
    assert answers["Cnt8bPhoneNo"]["value"].startswith("hashed:")
    assert answers["Eml7AbCdEf07"]["value"].startswith("hashed:")
    attributes = json.loads(attributes)
    assert (attributes["order_id"], attributes["variables.score"], "store" in attributes) == ("A-1001", 0, False)
    for personal in ("Visitor1", "visitor1@example.com", "+48600000001", "9f3a000001", "Mozilla", "?store="):
        assert personal not in raw
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback_comments") == [(1,)]  # "Great staff" only


def test_the_next_sync_asks_since_the_cursor_less_the_lookback_and_writes_only_what_is_new(tmp_path):
    account = store_account()
    with cassette("incremental", account) as recorded:
        first = sync(tmp_path, entry(recorded.base_url))
        same = sync(tmp_path, entry(recorded.base_url))
        account.responses[FORM].append(tf_response(6, nps=3))
        new = sync(tmp_path, entry(recorded.base_url))
    assert [(r.read, r.written, r.unchanged) for r in (first, same, new)] == [(4, 4, 0), (1, 0, 1), (2, 1, 1)]
    since = [r.uri for r in recorded.requests if "since=" in r.uri]
    assert since == [f"{REAL_HOST}/forms/{FORM}/responses?page_size=2&response_type=completed&since=2026-02-01T12%3A30%3A00"] * 2  # fmt: skip
    assert cursor(tmp_path) == {FORM: {"completed": "2026-02-01T15:00:00Z"}}


def test_a_response_returned_late_is_still_read_within_the_lookback(tmp_path):
    """The reference: "very recent responses (say within the last 30 minutes) may not be returned"."""
    account = store_account()
    late = tf_response(7, nps=0, at=datetime(2026, 2, 1, 12, 50, tzinfo=timezone.utc))  # before the newest (13:00)
    account.responses[FORM].append(late)
    account.held_back.add(late["token"])
    with typeform(account) as api:
        sync(tmp_path, entry(api.url))
        sync(tmp_path, entry(api.url, lookback_minutes=0), db="no_lookback.db")
        account.held_back.clear()
        again = sync(tmp_path, entry(api.url))
        lost = sync(tmp_path, entry(api.url, lookback_minutes=0), db="no_lookback.db")
    assert (again.written, lost.written) == (1, 0)
    assert query(tmp_path, "SELECT nps FROM feedback WHERE source_record_id LIKE '%resp000007'") == [(0,)]
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback WHERE source_record_id LIKE '%resp000007'", db="no_lookback.db") == [(0,)]  # fmt: skip


def test_a_read_that_fails_half_way_keeps_its_records_but_not_the_cursor(tmp_path):
    """Newest first: the first page holds the latest responses, so a cursor saved after it would
    skip the older ones still unread. The stream is unsorted: the cursor waits for the end."""
    account = store_account()
    answer, failures = account.list_responses, [10]

    def second_page_fails(seen, match):
        if "before" in seen.query and failures[0] > 0:
            failures[0] -= 1
            return tf_error(500, "INTERNAL_ERROR", "Internal server error")
        return answer(seen, match)

    account.list_responses = second_page_fails
    with typeform(account) as api:
        failed = sync(tmp_path, entry(api.url, max_attempts=2))
        assert failed.status == "failed" and "re-run later" in failed.error
        assert query(tmp_path, "SELECT COUNT(*) FROM feedback") == [(2,)]  # the newest page is kept
        assert query(tmp_path, "SELECT COUNT(*) FROM sync_state") == [(0,)]  # no cursor past the unread ones
        failures[0] = 0
        again = sync(tmp_path, entry(api.url))
        asked = api.paths()[-2]
    assert "since" not in asked  # read from the start again
    assert (again.status, again.written, again.unchanged) == ("success", 2, 2)
    assert query(tmp_path, "SELECT COUNT(DISTINCT source_record_id), COUNT(*) FROM feedback") == [(4, 4)]


def test_partial_responses_are_asked_for_separately_with_a_cursor_of_their_own(tmp_path):
    with cassette("partial", store_account()) as recorded:
        result = sync(tmp_path, entry(recorded.base_url, response_types=["completed", "partial"]))
    assert (result.status, result.written) == ("success", 5), result.error
    assert calls(recorded)[-1] == f"/forms/{FORM}/responses?page_size=2&response_type=partial"
    assert query(tmp_path, "SELECT status, submitted_at, updated_at, nps FROM feedback WHERE status = 'partial'") == [
        ("partial", "2026-02-01T14:00:00Z", "2026-02-01T14:00:00Z", 6)  # staged_at: when its answers were saved
    ]
    assert cursor(tmp_path) == {FORM: {"completed": "2026-02-01T13:00:00Z", "partial": "2026-02-01T14:00:00Z"}}


def test_a_partial_response_completed_later_becomes_complete(tmp_path):
    account = store_account()
    with typeform(account) as api:
        sync(tmp_path, entry(api.url, response_types=["completed", "partial"]))
        account.responses[FORM][-1] = tf_response(5, nps=7, at=datetime(2026, 2, 1, 15, tzinfo=timezone.utc))
        sync(tmp_path, entry(api.url, response_types=["completed", "partial"]))
    assert query(tmp_path, "SELECT status, nps, submitted_at FROM feedback WHERE source_record_id LIKE '%resp000005'") == [
        ("complete", 7, "2026-02-01T15:00:00Z")
    ]


def test_start_date_limits_the_first_sync(tmp_path):
    with typeform(store_account()) as api:
        result = sync(tmp_path, entry(api.url, start_date="2026-02-01T12:00:00Z"))
        asked = api.paths()[1]
    assert "since=2026-02-01T12:00:00" in asked
    assert (result.written, query(tmp_path, "SELECT MIN(submitted_at) FROM feedback")) == (2, [("2026-02-01T12:00:00Z",)])


def test_every_form_of_the_account_is_read_when_none_is_listed(tmp_path):
    account = store_account()
    account.add_form(store_form("Pulse9Zz"), tf_response(1, form_id="Pulse9Zz"), workspace="Ws2def")
    account.add_form(store_form("Other7Yy"), tf_response(1, form_id="Other7Yy"), workspace="Ws2def")
    account.forms["Other7Yy"] = {**account.forms["Other7Yy"], "title": "Internal test"}
    with cassette("all_forms", account) as recorded:
        result = sync(tmp_path, entry(recorded.base_url, forms=[], workspace_id="Ws2def", name_pattern="Store"))
    assert (result.status, result.written) == ("success", 1), result.error
    assert calls(recorded)[:2] == ["/forms?page=1&page_size=200&workspace_id=Ws2def", "/forms/Pulse9Zz"]
    assert query(tmp_path, "SELECT survey_id FROM feedback") == [("Pulse9Zz",)]


def test_the_forms_list_is_read_to_its_last_page(tmp_path):
    account = TypeformAccount()
    for n in range(200):
        account.add_form({**store_form(f"Filler{n:03d}"), "title": f"Filler {n}"})
    account.add_form(store_form("Last0Form"), tf_response(1, form_id="Last0Form"))  # the 201st: on page 2
    with typeform(account) as api:
        result = sync(tmp_path, entry(api.url, forms=[], name_pattern="^Store"))
        listed = [seen.target for seen in api.requests if seen.path == "/forms"]
    assert (result.status, result.written) == ("success", 1), result.error
    assert listed == ["/forms?page=1&page_size=200", "/forms?page=2&page_size=200"]


def test_the_same_response_id_in_two_forms_makes_two_records(tmp_path):
    account = store_account()
    twin = tf_response(1, form_id="Twin0Form")
    twin["landing_id"] = twin["token"] = twin["response_id"] = account.responses[FORM][0]["response_id"]
    account.add_form(store_form("Twin0Form"), twin)
    with typeform(account) as api:
        result = sync(tmp_path, entry(api.url, forms=[FORM, "Twin0Form"]))
    assert result.written == 5
    assert query(tmp_path, "SELECT COUNT(DISTINCT record_id) FROM feedback WHERE source_record_id LIKE '%|kx7pq2lmresp000001'") == [(2,)]  # fmt: skip


def test_an_eu_accounts_responses_are_read_from_the_data_center_its_form_names(tmp_path, caplog):
    """The EU Responses Data Center: the US host answers an EU account's responses with none, and the
    form's `_links.responses` names the host that has them."""
    us, eu = store_account(), store_account()
    us.refuse_responses = True
    with typeform(eu) as eu_api, typeform(us) as us_api, caplog.at_level("INFO", logger="cxbridge.typeform"):
        us.responses_host = eu_api.url
        result = sync(tmp_path, entry(us_api.url))
    assert (result.status, result.written) == ("success", 4), result.error
    eu_host = eu_api.url.removeprefix("http://")
    assert f"form {FORM}: responses read from {eu_host}, the account's data center" in caplog.messages
    assert [seen.path for seen in us_api.requests] == [f"/forms/{FORM}"]
    assert [seen.path for seen in eu_api.requests] == [f"/forms/{FORM}/responses"] * 2


def test_a_responses_link_to_a_foreign_host_is_refused_and_gets_no_token(tmp_path):
    account = store_account()
    account.responses_host = "https://collector.example.net"
    with typeform(account) as api:
        result = sync(tmp_path, entry(api.url))
    assert result.status == "failed"
    assert "its responses link points to https://collector.example.net, not a Typeform API host" in result.error


@pytest.mark.parametrize(
    ("name", "change", "expected"),
    [
        ("error_404", {"forms": ["gone1234"]}, "[sources.visits] forms: GET /forms/gone1234: HTTP 404 (Non existing "
         "form with uid gone1234 [FORM_NOT_FOUND]); not found: check the form ids and base_url in the config"),
        ("error_403", {"forms": ["Priv4Form"]}, "[sources.visits] forms: GET /forms/Priv4Form: HTTP 403 (You are not "
         "allowed to access this resource [FORBIDDEN]); the personal access token (token) lacks permission for this: "
         "check its scopes and permissions"),
    ],
)  # fmt: skip
def test_a_form_typeform_refuses_stops_the_run_before_anything_is_written(tmp_path, no_waiting, name, change, expected):
    """The check pass (Source.check) reads the forms' definitions before any source of the run
    reads or writes: a refused form is a configuration error, named once by its key (before
    2026-12-07 `[sources.visits] sources.visits.forms: …`), never retried."""
    account = store_account()
    account.add_form(store_form("Priv4Form"))
    account.private.add("Priv4Form")
    with cassette(name, account) as recorded:
        with pytest.raises(ConfigError) as refused:
            sync(tmp_path, entry(recorded.base_url, **change))
    message = str(refused.value).replace(recorded.base_url, "")
    assert message == f"{expected}; nothing was read or written"
    assert len(recorded.requests) == 1 and no_waiting == []  # failed fast: never retried
    assert not (tmp_path / "cxbridge.db").exists()


def test_a_token_typeform_refuses_fails_this_source_alone_never_retried(tmp_path, monkeypatch, no_waiting):
    """Before 2026-12-07 the check pass made it a configuration error that stopped every source of
    the run (exit code 2); now the source fails as a refused Zendesk or QuestionPro token does
    (tests/test_refused_credentials.py), and `cxbridge check` still names it."""
    monkeypatch.setenv("WRONG_TOKEN", "tfp_revoked")
    with cassette("error_401", store_account()) as recorded:
        [found] = cxbridge.check(config_from_dict({"sources": {"visits": entry(recorded.base_url, token="${WRONG_TOKEN}")}},
                                                  create_host(), path=tmp_path / "cxbridge.toml"))  # fmt: skip
        result = sync(tmp_path, entry(recorded.base_url, token="${WRONG_TOKEN}"))
    refusal = (f"GET {recorded.base_url}/forms/{FORM}: HTTP 401 (Authentication credentials not found on the Request "
               "Headers [AUTHENTICATION_FAILED]); Typeform did not accept the personal access token (token): check it")  # fmt: skip
    assert found.problem == refusal
    assert (result.status, result.error, result.read) == ("failed", refusal, 0)
    assert calls(recorded) == [f"/forms/{FORM}"] * 3  # cxbridge check's, the sync's check's, its read's
    assert no_waiting == []  # failed fast: never retried


def test_the_check_reads_each_definition_once_for_the_whole_run(tmp_path):
    with typeform(store_account()) as api:
        sync(tmp_path, entry(api.url))
        sync(tmp_path, entry(api.url))
    definitions = [seen.path for seen in api.requests if seen.path == f"/forms/{FORM}"]
    assert definitions == [f"/forms/{FORM}"] * 2  # one a run, shared by the check and the read


def test_cxbridge_check_names_a_form_typeform_does_not_know_without_reading_responses(tmp_path):
    with typeform(store_account()) as api:
        config = config_from_dict({"sources": {"visits": entry(api.url, forms=[FORM, "gone1234"])}}, create_host(),
                                  path=tmp_path / "cxbridge.toml")  # fmt: skip
        [found] = cxbridge.check(config)
        asked = api.paths()
    assert found.problem is not None and found.problem.startswith("forms: GET ")
    assert "Non existing form with uid gone1234" in found.problem
    assert asked == [f"/forms/{FORM}", "/forms/gone1234"]


def test_a_429_with_retry_after_is_waited_out(tmp_path, no_waiting):
    with typeform(store_account()) as api:
        api.fail(Reply(429, {"code": "RATE_LIMITED", "description": "Too many requests"}, headers={"Retry-After": "7"}),
                 match="/responses")  # fmt: skip
        with api_cassette(CASSETTES / "rate_limited.yaml", real_url=REAL_HOST, fake_url=api.url,
                          secrets=[TOKEN]) as recorded:  # fmt: skip
            result = sync(tmp_path, entry(recorded.base_url))
    assert (result.status, result.written) == ("success", 4), result.error
    assert 7.0 in no_waiting
    assert [response["status"]["code"] for _, response in recorded.cassette.data] == [200, 429, 200, 200]


def test_429_5xx_timeouts_and_dropped_connections_are_retried_and_every_response_lands_once(tmp_path, no_waiting):
    with typeform(store_account()) as api:
        api.fail(Reply(429, {"code": "RATE_LIMITED", "description": "Too many requests"}), match="/responses")
        api.fail(Reply(503), match="/forms")
        api.fail(Reply(drop=True), match="/responses")
        api.fail(Reply(200, body={"items": []}, cut_at=5), match="/responses")
        api.fail(Reply(200, delay=1.5), match="/responses")
        result = sync(tmp_path, entry(api.url, timeout=0.5))
    assert (result.status, result.written) == ("success", 4), result.error
    assert 1 <= no_waiting[0] <= 1.25  # a 429 without Retry-After: backoff
    assert query(tmp_path, "SELECT COUNT(DISTINCT source_record_id), COUNT(*) FROM feedback") == [(4, 4)]


def test_a_page_cut_in_the_middle_of_its_body_is_fetched_again(tmp_path, no_waiting):
    account = store_account()
    account.list_responses = cut_midway(account.list_responses, times=2)  # headers, half the real page, closed
    with typeform(account) as api:
        result = sync(tmp_path, entry(api.url))
        pages = [seen.query.get("before") for seen in api.requests if seen.path.endswith("/responses")]
    assert (result.status, result.written) == ("success", 4), result.error
    assert pages == [None, None, None, "kx7pq2lmresp000003"]
    assert query(tmp_path, "SELECT COUNT(DISTINCT source_record_id), COUNT(*) FROM feedback") == [(4, 4)]


def test_an_answer_off_its_scale_is_quarantined_and_replayed_with_a_fixed_override(tmp_path):
    account = store_account()
    account.responses[FORM].append(tf_response(8, satisfaction=6))  # 6 on a 1–5 scale
    with typeform(account) as api:
        result = sync(tmp_path, entry(api.url))
        assert (result.written, result.quarantined) == (4, 1)
        assert query(tmp_path, "SELECT source_record_id FROM quarantine") == [(f"{FORM}|kx7pq2lmresp000008",)]
        account.forms[FORM]["fields"][1]["properties"]["steps"] = 7  # the form now says what its 6 was: a 1–7 scale
        (tmp_path / "cxbridge.toml").write_text(
            f'[sources.visits]\nconnector = "typeform"\nbase_url = "{api.url}"\ntoken = "${{TYPEFORM_TOKEN}}"\n'
            f'forms = ["{FORM}"]\n[sources.visits.questions.satisfaction]\nscale = [1, 7]\n', encoding="utf-8",
        )  # fmt: skip
        replayed = cxbridge.quarantine_replay(tmp_path / "cxbridge.toml", destination=f"sqlite:///{tmp_path / 'cxbridge.db'}")
    assert replayed.results[0].written == 1
    assert query(tmp_path, "SELECT csat, csat_normalized FROM feedback WHERE source_record_id LIKE '%resp000008'") == [(6.0, round(500 / 6, 6))]


def test_a_matrix_row_offering_poor_to_excellent_is_a_rating_on_one_to_four(tmp_path):
    """"Rate our staff - Friendliness" offers Poor, Fair, Good, Excellent: a built-in quality
    scale, a `rating` on 1–4 (its words ask no satisfaction), its "Excellent" 4. Before, it was
    kept as text, unscored — and quarantined as an unknown label under `metric = "rating"`."""
    with cassette("full_sync", store_account()) as recorded:
        plain = sync(tmp_path, entry(recorded.base_url))
    with cassette("full_sync", store_account()) as recorded:
        rated = sync(tmp_path, entry(recorded.base_url, questions={"Row5a1Friend": {"metric": "rating"}}), db="rated.db")
    row = "SELECT DISTINCT question_text, metric, value, scale_min, scale_max, category FROM feedback_scores " \
          "WHERE question_id = 'Row5a1Friend'"  # fmt: skip
    for result, db in ((plain, "cxbridge.db"), (rated, "rated.db")):
        assert (result.written, result.quarantined) == (4, 0), result.error
        assert query(tmp_path, row, db=db) == [("Rate our staff - Friendliness", "rating", 4.0, 1.0, 4.0, None)]
    [(answer,)] = query(tmp_path, "SELECT DISTINCT json_extract(answers, '$.Row5a1Friend') FROM feedback")
    assert json.loads(answer) == {"text": "Rate our staff - Friendliness", "value": 4, "label": "Excellent"}


def test_overrides_by_ref_score_a_matrix_row_and_ignore_a_field(tmp_path):
    questions = {"friendliness": {"metric": "custom:staff", "scale": [1, 4],
                                  "labels": {"Poor": 1, "Fair": 2, "Good": 3, "Excellent": 4}},
                 "bought": {"ignore": True}}  # fmt: skip
    with typeform(store_account()) as api:
        result = sync(tmp_path, entry(api.url, questions=questions))
    assert result.written == 4, result.error
    assert query(tmp_path, "SELECT DISTINCT metric, value FROM feedback_scores WHERE question_id = 'Row5a1Friend'") == [
        ("custom:staff", 4.0)
    ]
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback WHERE answers LIKE '%Buy4AbCdEf04%' OR raw LIKE '%Groceries%'") == [(0,)]  # fmt: skip


@pytest.mark.parametrize(
    ("properties", "title", "expected"),
    [
        ({"steps": 11, "start_at_one": False}, "How likely are you to recommend us?", ("nps", 0.0, 10.0)),
        ({"steps": 11}, "How likely are you to recommend us?", ("nps", 0.0, 10.0)),  # start_at_one left out: 0
        ({"steps": 10, "start_at_one": True}, "How likely are you to recommend us?", None),  # 1–10 is no NPS
        ({"steps": 7, "start_at_one": True}, "How satisfied are you overall?", ("csat", 1.0, 7.0)),
        ({"steps": 5, "start_at_one": False}, "How satisfied are you overall?", ("csat", 0.0, 4.0)),
        ({"steps": 11, "start_at_one": False}, "How good was it?", None),  # the wording names no metric
    ],
)  # fmt: skip
def test_an_opinion_scale_reads_with_its_real_range(tmp_path, properties, title, expected):
    form = store_form()
    form["fields"][1] = {**form["fields"][1], "title": title, "properties": properties}
    account = TypeformAccount()
    account.add_form(form, tf_response(1, nps=None, satisfaction=3))
    with typeform(account) as api:
        result = sync(tmp_path, entry(api.url))
    assert result.written == 1, result.error
    scored = query(tmp_path, "SELECT metric, scale_min, scale_max FROM feedback_scores WHERE question_id = 'Sat2AbCdEf02'")
    assert scored == ([expected] if expected else [])
    warned = any("Sat2AbCdEf02" in warning and "to score it, set" in warning for warning in result.warnings)
    assert warned == (expected is None and "recommend" in title)  # looks like NPS, but is not 0–10


def test_records_default_to_the_web_channel_and_the_config_overrides_it(tmp_path):
    with typeform(store_account()) as api:
        sync(tmp_path, entry(api.url))
        sync(tmp_path, entry(api.url, channel="email"), db="other.db")
    assert query(tmp_path, "SELECT DISTINCT channel FROM feedback") == [("web",)]
    assert query(tmp_path, "SELECT DISTINCT channel FROM feedback", db="other.db") == [("email",)]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"page_size": 1001}, "page_size"),
        ({"forms": ["https://acme.typeform.com/to/kX7pQ2Lm"]}, "is not a form id"),
        ({"token": "tfp_typed_in_plain_text"}, "secrets never go into the config file"),
        ({"response_types": ["started"]}, "response_types"),
        ({"name_pattern": "(unclosed"}, "not a regular expression"),
    ],
)
def test_config_mistakes_name_the_key(tmp_path, change, message):
    with pytest.raises(ConfigError, match=message):
        sync(tmp_path, entry("http://127.0.0.1:9", **change))


class TestTypeformSource(HttpSourceConformance):
    @pytest.fixture
    def source_under_test(self):
        with typeform(store_account()) as api:
            yield SourceUnderTest(TypeformSource, entry(api.url), secrets={"TYPEFORM_TOKEN": TOKEN},
                                  personal_data=["visitor1@example.com", "+48600000004", "Visitor2", "9f3a000003"])


def test_a_name_pattern_that_selects_no_form_warns(tmp_path, caplog):
    with typeform(store_account()) as api:
        result = sync(tmp_path, entry(api.url, forms=[], name_pattern="^Exit interview"))
    assert (result.status, result.read) == ("success", 0)
    assert result.warnings == [
        "name_pattern = '^Exit interview' selects no forms: nothing was read; compare it with the forms the account "
        "lists"
    ]
    assert result.warnings[0] in caplog.text


def test_a_satisfaction_choice_question_with_numbered_options_is_csat_on_those_numbers(tmp_path):
    """A multiple_choice field whose choices are "1" … "5", under satisfaction wording, is read on
    those numbers, as Google Forms, SurveyMonkey and Salesforce read such options (it was kept
    unscored). Answers in the `choice` shape of api_reference §8.2."""
    form = store_form()
    numbered = [{"id": f"n{n}", "ref": f"ref-{n}", "label": str(n)} for n in range(1, 6)]
    form["fields"][1] = {"id": "Sat2AbCdEf02", "ref": "satisfaction", "title": "How satisfied are you with your visit?",
                         "type": "multiple_choice", "properties": {"choices": numbered}}  # fmt: skip
    chosen = [5, 2, 4]
    responses = []
    for n, label in enumerate(chosen, start=1):
        response = tf_response(n)
        response["answers"] = [a for a in response["answers"] if a["field"]["id"] != "Sat2AbCdEf02"] + [
            {"field": {"id": "Sat2AbCdEf02", "type": "multiple_choice", "ref": "satisfaction"}, "type": "choice",
             "choice": {"id": f"n{label}", "ref": f"ref-{label}", "label": str(label)}}]  # fmt: skip
        responses.append(response)
    account = TypeformAccount()
    account.add_form(form, *responses)
    with typeform(account) as api:
        result = sync(tmp_path, entry(api.url))
    assert (result.status, result.written, result.quarantined) == ("success", len(chosen), 0), result.error
    rows = query(tmp_path, "SELECT csat, json_extract(answers, '$.Sat2AbCdEf02.value'), "
                           "json_extract(answers, '$.Sat2AbCdEf02.label') FROM feedback ORDER BY submitted_at")  # fmt: skip
    assert rows == [(float(label), label, str(label)) for label in chosen]
    scored = query(tmp_path, "SELECT scale_min, scale_max, normalized FROM feedback_scores "
                             "WHERE question_id = 'Sat2AbCdEf02' AND metric = 'csat' ORDER BY value")  # fmt: skip
    assert scored == [(1.0, 5.0, (label - 1) / 4 * 100) for label in sorted(chosen)]
    satisfied = sum(label >= 4 for label in chosen)  # top two boxes of five
    assert query(tmp_path, "SELECT csat_pct FROM csat_by_month") == [(half_up(Fraction(100 * satisfied, len(chosen))),)]


SATISFACTION = ["Very satisfied", "Satisfied", "Neutral", "Dissatisfied", "Very dissatisfied"]


@pytest.mark.parametrize("direction", ["lower_is_better", "higher_is_better", None])
@pytest.mark.parametrize("best_first", [True, False], ids=["Very satisfied first", "Very dissatisfied first"])
def test_an_override_s_direction_does_not_turn_round_choices_of_words_alone(tmp_path, best_first, direction):
    """A guard of `questions._words_by_direction` through a full Typeform sync: a multiple_choice
    field whose choices are words alone, "Very satisfied" … "Very dissatisfied" (or the other way
    round), configured `metric = "csat"`, `scale = [1, 5]` with any direction or none, counts the
    satisfied answers satisfied: CSAT % against a count of the words answered. Answers in the
    `choice` shape of api_reference §8.2."""
    form = store_form()
    words = SATISFACTION if best_first else SATISFACTION[::-1]
    choices = [{"id": f"w{n}", "ref": f"ref-{n}", "label": word} for n, word in enumerate(words, start=1)]
    form["fields"][1] = {"id": "Sat2AbCdEf02", "ref": "satisfaction", "title": "How satisfied are you with your visit?",
                         "type": "multiple_choice", "properties": {"choices": choices}}  # fmt: skip
    chosen = ["Very satisfied", "Very satisfied", "Satisfied", "Dissatisfied", "Neutral", "Very dissatisfied"]
    responses = []
    for n, word in enumerate(chosen, start=1):
        response = tf_response(n)
        response["answers"] = [a for a in response["answers"] if a["field"]["id"] != "Sat2AbCdEf02"] + [
            {"field": {"id": "Sat2AbCdEf02", "type": "multiple_choice", "ref": "satisfaction"}, "type": "choice",
             "choice": choices[words.index(word)]}]  # fmt: skip
        responses.append(response)
    account = TypeformAccount()
    account.add_form(form, *responses)
    question = {"metric": "csat", "scale": [1, 5]} | ({"direction": direction} if direction else {})
    with typeform(account) as api:
        result = sync(tmp_path, entry(api.url, questions={"satisfaction": question}))
    assert (result.status, result.written, result.quarantined) == ("success", len(chosen), 0), result.error
    satisfied = sum(word in ("Very satisfied", "Satisfied") for word in chosen)
    assert query(tmp_path, "SELECT responses, csat_pct FROM csat_by_month") == [
        (len(chosen), half_up(Fraction(100 * satisfied, len(chosen))))]  # fmt: skip


@pytest.mark.parametrize(("title", "plain"), [
    ("How *satisfied* were you?", "How satisfied were you?"),
    ("How _easy_ was it?", "How easy was it?"),
    ("*Where* do _you_ live?*", "Where do you live?*"),  # an asterisk without its pair stays
    ("rate_the_store (1 * 5)", "rate_the_store (1 * 5)"),  # underscores inside a word, a lone asterisk
])
def test_typeform_bold_and_italic_marks_are_taken_off_question_texts(title, plain):
    form = parse_form({"id": "f", "fields": [{"id": "q", "type": "short_text", "title": title}]})
    assert form.questions["q"].text == plain


def _comment_of(tmp_path: Path, fields: list[tuple[str, str, str]], answered: dict[str, Any]) -> Any:
    """The comment of one response that answers `answered` (field id → text or NPS) on a form of `fields`."""
    form = {"id": FORM, "title": "Visit", "fields": [{"id": fid, "type": kind, "title": title}
                                                     for fid, kind, title in fields]}  # fmt: skip
    kinds = {fid: kind for fid, kind, _ in fields}
    answers = [{"field": {"id": fid, "type": kinds[fid]}, "type": "number" if kinds[fid] == "nps" else "text",
                "number" if kinds[fid] == "nps" else "text": value} for fid, value in answered.items()]  # fmt: skip
    page = {"total_items": 1, "page_count": 1, "items": [{"response_id": "r1", "token": "r1", "answers": answers,
            "landed_at": "2026-02-01T10:00:00Z", "submitted_at": "2026-02-01T10:01:00Z"}]}  # fmt: skip
    with fake_api() as api:
        api.route("GET", f"/forms/{FORM}")(lambda seen, _: form)
        api.route("GET", f"/forms/{FORM}/responses")(lambda seen, _: page)
        result = sync(tmp_path, {"connector": "typeform", "base_url": api.url, "token": "${TYPEFORM_TOKEN}",
                                 "forms": [FORM]})  # fmt: skip
    assert result.status == "success", result.error
    return query(tmp_path, "SELECT comment FROM feedback")[0][0]


def test_a_short_text_right_after_the_score_is_the_comment_but_a_name_asked_first_is_not(tmp_path):
    fields = [("name", "short_text", "What is your name?"), ("nps", "nps", "How likely are you to recommend us?"),
              ("next", "short_text", "The one thing we could do better?")]  # fmt: skip
    assert _comment_of(tmp_path, fields, {"name": "Ann", "nps": 6, "next": "Shorter queues"}) == "Shorter queues"
    assert _comment_of(tmp_path / "2", fields, {"name": "Ann", "nps": 6}) is None


@pytest.mark.parametrize("title", ["What is your name?", "Your first name", "Prénom"])
def test_the_answer_to_a_text_question_asking_for_a_name_is_stored_nowhere(tmp_path, title):
    """As a file's column so headed is (docs/security.md): before, "Quillon" stayed in `answers`,
    `raw` and `feedback_comments` (Typeform's own example form asks "What is your name?")."""
    fields = [("nps", "nps", "How likely are you to recommend us?"), ("who", "short_text", title),
              ("store", "short_text", "Store name")]  # fmt: skip
    assert _comment_of(tmp_path, fields, {"nps": 3, "who": "Quillon", "store": "Leeds"}) is None
    stored = json.dumps(query(tmp_path, "SELECT * FROM feedback") + query(tmp_path, "SELECT * FROM feedback_comments"))
    assert "Quillon" not in stored and "Leeds" in stored  # the store's name is kept


@pytest.mark.parametrize(("answered", "comment"), [
    ({"store": "Leeds", "visit": "Clean and calm", "why": "Fast checkout"}, "Fast checkout"),  # asks for a reason
    ({"store": "Leeds", "visit": "Clean and calm"}, "Clean and calm"),  # a long text
    ({"store": "Leeds"}, None),  # right after the score, but it names a place
])
def test_the_comment_is_a_reason_asked_for_then_a_long_text_never_a_place(tmp_path, answered, comment):
    fields = [("nps", "nps", "How likely are you to recommend us?"), ("store", "short_text", "Which store did you visit?"),
              ("visit", "long_text", "Describe your visit"), ("why", "short_text", "Why did you give that score?")]  # fmt: skip
    assert _comment_of(tmp_path, fields, {"nps": 9, **answered}) == comment


@pytest.mark.parametrize("title", ["Which company do you work for?", "Your department", "Nom de votre entreprise"])
def test_a_company_or_department_asked_right_after_the_score_is_no_comment(tmp_path, title):
    fields = [("nps", "nps", "How likely are you to recommend us?"), ("who", "short_text", title)]
    assert _comment_of(tmp_path, fields, {"nps": 3, "who": "Acme Ltd"}) is None
    assert query(tmp_path, "SELECT question_id, text FROM feedback_comments") == [("who", "Acme Ltd")]


@pytest.mark.parametrize("keep_personal_data", [False, True])
def test_a_hidden_email_that_keys_no_one_leaves_the_response_to_its_phone(tmp_path, keep_personal_data):
    """`anonymous` in the hidden field mapped as email keys no one: the phone answer keys the
    response, whether the field is kept as sent (`keep_personal_data`) or dropped."""
    form, response = store_form(), tf_response(1, email=False)
    form["hidden"].append("email")
    response["hidden"]["email"] = "anonymous"
    account = TypeformAccount()
    account.add_form(form, response)
    with typeform(account) as api:
        result = sync(tmp_path, entry(api.url, columns={"location_id": "store", "email": "email"}), shared_salt=True,
                      keep_personal_data=keep_personal_data)  # fmt: skip
    assert result.status == "success", result.error
    assert query(tmp_path, "SELECT respondent_key FROM feedback") == [
        (RespondentKeys(SHARED_SALT.get_secret_value()).key("+48600000001"),)
    ]


def test_a_scale_the_form_defines_otherwise_quarantines_its_answers_naming_the_scale_to_set(tmp_path):
    """The opinion scale Sat2AbCdEf02 is 1–5 in the form (steps 5, start_at_one); the config says
    `scale = [1, 7]`. Its answers are quarantined (`point-of-another-scale`) naming the scale to set,
    as Google Forms', SurveyMonkey's, Qualtrics' and QuestionPro's are: the run's other sources and
    questions go on and its summary counts them. Before, a check stopped the whole run — every source of it — with a
    config error; before that, the answers were read as points of 1–7, CSAT % 0.0 where they make 75.0."""
    wrong = {"Sat2AbCdEf02": {"metric": "csat", "scale": [1, 7]}}
    with cassette("full_sync", store_account()) as recorded:
        refused = sync(tmp_path, entry(recorded.base_url, questions=wrong))
    with cassette("full_sync", store_account()) as recorded:
        right = sync(tmp_path, entry(recorded.base_url, questions={"satisfaction": {"metric": "csat", "scale": [1, 5]}}),
                     db="right.db")  # fmt: skip
    assert refused.error.startswith("every record read (4) went to quarantine, none was written")
    assert_other_scale_refused(tmp_path, refused, right, scores=[4, 2, 4, 4], reason=(
        "question 'Sat2AbCdEf02' ('How satisfied are you with your visit?'): its survey's definition gives its "
        "answers as 1–5, not scale = [1, 7], so none of them is scored on it; set scale = [1, 5] (or remove scale: "
        "the definition's own is read) in [sources.visits.questions.Sat2AbCdEf02], then `cxbridge sync "
        "--full-refresh` reads the answers stored before on it too"))  # fmt: skip


def test_a_scale_the_form_defines_otherwise_leaves_the_other_sources_of_the_run_to_sync(tmp_path):
    """Before, the check pass stopped the run on `scale = [1, 7]` — nothing read or written, the
    other source of the run (`shop`, configured right) too."""
    wrong = {"Sat2AbCdEf02": {"metric": "csat", "scale": [1, 7]}}
    with typeform(store_account()) as api:
        config = config_from_dict({"sources": {"visits": entry(api.url, questions=wrong), "shop": entry(api.url)}},
                                  create_host(), path=tmp_path / "cxbridge.toml")  # fmt: skip
        run = cxbridge.sync(config, destination=f"sqlite:///{tmp_path / 'cxbridge.db'}")
    assert [(r.source, r.written, r.quarantined) for r in run.results] == [("visits", 0, 4), ("shop", 4, 0)]
    assert query(tmp_path, "SELECT source, responses, csat_pct FROM csat_by_month") == [("shop", 4, 75.0)]


def test_labels_mapping_an_opinion_scale_from_zero_onto_the_configured_scale_pass_the_check(tmp_path):
    """The opinion scale Sat2AbCdEf02 counted from 0 (5 steps: 0–4) stands for a 1–5 satisfaction
    scale: `labels` map each step ("0" = 1 … "4" = 5) under `scale = [1, 5]`, as a Google Forms
    0–4 linear scale's do. Before, the check stopped the run — the scale not the form's 0–4 —
    though the labels say what each answer is; the other connectors check no override with labels."""
    account = store_account()
    account.forms[FORM]["fields"][1]["properties"]["start_at_one"] = False
    labels = {str(step): step + 1 for step in range(5)}
    with typeform(account) as api:
        result = sync(tmp_path, entry(api.url, questions={"satisfaction": {"metric": "csat", "scale": [1, 5],
                                                                           "labels": labels}}))  # fmt: skip
    assert (result.written, result.quarantined) == (4, 0), result.error
    steps = [4, 2, 4, 4]  # the steps responses 1–4 chose (the 5th, partial, is not written): each its label's 1–5
    assert query(tmp_path, "SELECT csat FROM feedback ORDER BY source_record_id") == [(step + 1.0,) for step in steps]


def test_a_scale_set_under_a_ref_is_quarantined_naming_the_table_written_by_ref(tmp_path):
    """The same wrong `scale = [1, 7]`, written under the field's ref `satisfaction`: the quarantine
    names [sources.visits.questions.satisfaction], the table the user wrote — before, it named the
    field id's table, which the config does not have."""
    with typeform(store_account()) as api:
        refused = sync(tmp_path, entry(api.url, questions={"satisfaction": {"metric": "csat", "scale": [1, 7]}}))
    assert refused.quarantined == 4
    [reason] = refused.quarantine_reasons
    assert "in [sources.visits.questions.satisfaction], then" in reason and "questions.Sat2AbCdEf02]" not in reason


def test_two_tables_for_one_field_by_its_ref_and_its_id_are_refused_naming_both(tmp_path):
    """`[questions.satisfaction]` (the ref) and `[questions.Sat2AbCdEf02]` (the id) are one field:
    the run stops before anything is written, naming both tables — before, the one met last
    silently replaced the other (here the csat on 1–5 gave way to ignore)."""
    questions = {"satisfaction": {"metric": "csat", "scale": [1, 5]}, "Sat2AbCdEf02": {"ignore": True}}
    with typeform(store_account()) as api:
        result = sync(tmp_path, entry(api.url, questions=questions))
    assert result.written == 0 and result.status != "success"
    assert ("[sources.visits.questions.satisfaction] and [sources.visits.questions.Sat2AbCdEf02] both name field "
            "Sat2AbCdEf02") in result.error  # fmt: skip
