"""The surveymonkey source against cassettes of the documented API v3 (cassettes/surveymonkey/,
recorded from tests/surveymonkey_api.py with CXBRIDGE_RECORD_CASSETTES=1) and, for faults and
the daily quota, the same fake on 127.0.0.1 — always into a real SQLite destination."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

import cxbridge
from cxbridge.errors import ConfigError
from cxbridge.importing import Hints
from cxbridge.plugins.surveymonkey.source import SurveyMonkeySource
from cxbridge.respondents import RespondentKeys
from cxbridge.testing import HttpSourceConformance, SourceUnderTest
from cxbridge.testing.cassettes import api_cassette
from tests.local_api import Reply, cut_midway
from tests.sqlite_runs import assert_other_scale_refused, SHARED_SALT, query, records, sync_source
from tests.weight_warnings import weight_warning
from tests.surveymonkey_api import (NOW, REAL_HOST, SATISFACTION, SURVEY, TOKEN, SurveyMonkeyAccount, _question,
                                    sm_error, sm_response, support_account, support_details, surveymonkey)  # fmt: skip

sync = partial(sync_source, name="support")
CASSETTES = Path(__file__).resolve().parents[1] / "cassettes" / "surveymonkey"
BULK = f"/surveys/{SURVEY}/responses/bulk"
WINDOW = "per_page=2&sort_by=date_modified&sort_order=ASC&status=completed"  # end_modified_at: the run's start


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch) -> list[float]:
    waits: list[float] = []
    monkeypatch.setattr(SurveyMonkeySource, "sleep", staticmethod(waits.append))
    monkeypatch.setattr(SurveyMonkeySource, "now", staticmethod(lambda: NOW))
    monkeypatch.setenv("SURVEYMONKEY_TOKEN", TOKEN)
    return waits


def entry(base_url: str, **extra: Any) -> dict[str, Any]:
    return {"connector": "surveymonkey", "base_url": base_url, "access_token": "${SURVEYMONKEY_TOKEN}",
            "surveys": [SURVEY], "page_size": 2, "columns": {"location_id": "store"}, **extra}  # fmt: skip


@contextmanager
def cassette(name: str, account: SurveyMonkeyAccount) -> Iterator[Any]:
    with surveymonkey(account) as api:
        with api_cassette(CASSETTES / f"{name}.yaml", real_url=REAL_HOST, fake_url=api.url, secrets=[TOKEN]) as c:
            yield c


def calls(recorded: Any) -> list[str]:
    """`GET /path?a=1&b=2` of each recorded request, its query decoded and sorted."""
    found = []
    for request in recorded.requests:
        parts = urlsplit(request.uri.removeprefix(REAL_HOST))
        query = "&".join(f"{k}={v}" for k, v in sorted(parse_qsl(parts.query)))
        found.append(f"{request.method} {parts.path}" + (f"?{query}" if query else ""))
    return found


def scores(folder: Path, question: str, *, db: str = "cxbridge.db") -> dict[str, tuple]:
    rows = query(folder, "SELECT f.source_record_id, s.metric, s.value, s.scale_min, s.scale_max, s.category "
                         "FROM feedback_scores s JOIN feedback f USING (record_id) WHERE s.question_id = ?", (question,),
                 db=db)  # fmt: skip
    return {row[0]: row[1:] for row in rows}


def test_a_first_sync_reads_the_completed_responses_through_the_surveys_details(tmp_path):
    with cassette("full_sync", support_account()) as recorded:
        result = sync(tmp_path, entry(recorded.base_url))
    assert (result.status, result.read, result.written, result.quarantined) == ("success", 4, 4, 0), result.error
    assert calls(recorded) == [
        f"GET {BULK}?end_modified_at=2026-03-20T21:30:00&{WINDOW}", f"GET /surveys/{SURVEY}/details",
        f"GET {BULK}?end_modified_at=2026-03-20T21:30:00&page=2&{WINDOW}",
    ]
    assert all(r.headers["Authorization"] == "REDACTED" for r in recorded.requests)
    found = records(tmp_path)
    assert sorted(found) == ["13400000001", "13400000002", "13400000003", "13400000005"]  # 4 is partial
    first = found["13400000001"]
    assert (first["nps"], first["nps_group"], first["csat"], first["ces"]) == (10, "promoter", 5.0, 4.0)
    assert (first["survey_id"], first["survey_name"], first["status"], first["location_id"]) == (
        SURVEY, "Support NPS", "complete", "S01")
    assert (first["submitted_at"], first["language"], first["comment"]) == ("2026-03-01T10:00:00Z", "en", "Fast answer")
    assert first["answers"]["104"] == {"text": "Which store did you visit?", "value": "Kraków", "label": "Kraków"}
    assert first["answers"]["105"]["value"] == ["Shoes", "Bags"]
    assert first["attributes"] == {"collector_id": "415900001"}  # the store custom variable fills location_id
    third = found["13400000003"]
    assert third["answers"]["104_other"]["value"] == "Gdańsk pop-up" and third["comment"] is None
    assert third["answers"]["102_2001"] == {"text": "How satisfied are you with our support? - Speed of the answer",
                                            "value": None, "label": "N/A"}  # fmt: skip
    assert third["csat"] is None  # the primary CSAT row was answered N/A; the other row never stands in


def test_the_nps_question_is_read_by_the_options_place_never_by_its_weight(tmp_path):
    """SurveyMonkey weighs NPS options −100/0/100 (its own NPS arithmetic); the answer is the
    option's place, 0 to 10."""
    with surveymonkey(support_account()) as api:
        sync(tmp_path, entry(api.url))
    by_hand = {"13400000001": 10, "13400000002": 0, "13400000003": 7, "13400000005": 6}
    expected = {rid: ("nps", float(v), 0.0, 10.0, "promoter" if v >= 9 else "passive" if v >= 7 else "detractor")
                for rid, v in by_hand.items()}  # fmt: skip
    assert scores(tmp_path, "101") == expected
    promoters, detractors = sum(v >= 9 for v in by_hand.values()), sum(v <= 6 for v in by_hand.values())
    nps = 100 * (promoters - detractors) / len(by_hand)
    assert query(tmp_path, "SELECT nps FROM nps_by_month") == [(nps,)] == [(-25.0,)]


def test_ratings_are_scored_by_their_weights_and_stars_as_a_rating(tmp_path):
    with surveymonkey(support_account()) as api:
        sync(tmp_path, entry(api.url))
    assert scores(tmp_path, "102_2002") == {"13400000001": ("csat", 5.0, 1.0, 5.0, "satisfied"),
                                            "13400000003": ("csat", 5.0, 1.0, 5.0, "satisfied"),
                                            "13400000005": ("csat", 4.0, 1.0, 5.0, "satisfied")}  # fmt: skip
    assert scores(tmp_path, "103") == {"13400000001": ("rating", 5.0, 1.0, 5.0, None),
                                       "13400000002": ("rating", 1.0, 1.0, 5.0, None),
                                       "13400000005": ("rating", 3.0, 1.0, 5.0, None)}  # fmt: skip
    assert scores(tmp_path, "106")["13400000002"] == ("ces", 1.0, 1.0, 5.0, "high_effort")


@pytest.mark.parametrize("shown", ["stars", "smileys"])
def test_a_row_of_stars_imported_from_files_with_the_details_is_the_rating_the_api_reads(tmp_path, shown):
    """Question 103, "Rate your delivery", a row of five unlabelled stars (or smileys) weighed 1–5:
    the responses/bulk saved as a file and imported with the details beside it (`cxbridge import
    bulk.json --definition details.json`, no mapping) score it as the sync does, a `rating` on 1–5.
    Before, the import kept it as an unscored answer ("the header asks for a rating … but about no
    metric of its own"), where the API stored a rating."""
    account = support_account()
    account.surveys[SURVEY]["pages"][0]["questions"][2]["display_options"]["display_subtype"] = shown[:-1]
    (tmp_path / "details.json").write_text(json.dumps(account.surveys[SURVEY]), encoding="utf-8")
    (tmp_path / "bulk.json").write_text(json.dumps({"data": account.responses[SURVEY]}), encoding="utf-8")
    [imported] = cxbridge.import_([tmp_path / "bulk.json"], destination=f"sqlite:///{tmp_path / 'files.db'}",
                                  hints=Hints(definition=tmp_path / "details.json")).files  # fmt: skip
    with surveymonkey(account) as api:
        sync(tmp_path, entry(api.url))
    assert imported.result.written == 5, imported.result.error
    stars = {"13400000001": 5.0, "13400000002": 1.0, "13400000005": 3.0}  # sm_response's `stars`
    assert scores(tmp_path, "103") == {rid: ("rating", value, 1.0, 5.0, None) for rid, value in stars.items()}
    partial = {"13400000004": ("rating", 4.0, 1.0, 5.0, None)}  # in the file too; the sync asks for completed ones
    assert scores(tmp_path, "103", db="files.db") == scores(tmp_path, "103") | partial


def test_configured_labels_score_the_option_shown_over_its_weight(tmp_path):
    """Weights set 0–4 on a 1–5 satisfaction matrix: the labels a user configures for the options
    shown are what the answers score, as docs/connectors/qualtrics.md (labels) promises."""
    account = support_account()
    matrix = account.surveys[SURVEY]["pages"][0]["questions"][1]
    for choice in matrix["answers"]["choices"]:
        choice["weight"] = 0 if choice["is_na"] else choice["weight"] - 1
    labels = {label: place for place, label in enumerate(SATISFACTION, start=1)}
    with surveymonkey(account) as api:
        result = sync(tmp_path, entry(api.url, questions={"102": {"labels": labels}}))
    assert result.quarantined == 0, result.error
    chosen = {"13400000001": 5, "13400000002": 1, "13400000005": 3}  # sm_response's speed; the third's is N/A
    assert scores(tmp_path, "102_2001") == {rid: ("csat", float(place), 1.0, 5.0, "satisfied" if place >= 4 else
                                                  "neutral" if place == 3 else "dissatisfied")
                                            for rid, place in chosen.items()}  # fmt: skip


def test_contact_information_is_hashed_or_removed_and_the_edit_link_dropped(tmp_path):
    with surveymonkey(support_account()) as api:
        sync(tmp_path, entry(api.url))
    stored = (tmp_path / "cxbridge.db").read_bytes()
    for value in ("client1@example.com", "Client 1", "+486000000001", "198.51.100.1", "sm=edit1"):
        assert value.encode() not in stored, value
    [(key, raw)] = query(tmp_path, "SELECT respondent_key, raw FROM feedback WHERE source_record_id = '13400000001'")
    contact = json.loads(raw)["pages"][0]["questions"][-1]["answers"]
    assert [sorted(answer) for answer in contact] == [["row_id"], ["contact_email", "row_id"], ["contact_phone", "row_id"]]
    assert key is not None and contact[1]["contact_email"] == f"hashed:{key}"


def test_next_syncs_ask_for_responses_changed_since_the_last_one_read(tmp_path, monkeypatch):
    account = support_account()
    with cassette("incremental", account) as recorded:
        first = sync(tmp_path, entry(recorded.base_url, page_size=100))
        same = sync(tmp_path, entry(recorded.base_url, page_size=100))
        edited = sm_response(2, nps=9, store="7002", modified=datetime(2026, 3, 19, 8, 0, tzinfo=timezone.utc))
        account.responses[SURVEY][1] = edited
        account.responses[SURVEY].append(sm_response(6, nps=3, modified=datetime(2026, 3, 19, 8, 0, tzinfo=timezone.utc)))
        new = sync(tmp_path, entry(recorded.base_url, page_size=100))
    # the window starts a second early; the response read at that second is known, skipped unread
    assert [(r.read, r.written, r.unchanged) for r in (first, same, new)] == [(4, 4, 0), (0, 0, 0), (2, 2, 0)]
    starts = [dict(parse_qsl(urlsplit(r.uri).query)).get("start_modified_at") for r in recorded.requests
              if "/bulk" in r.uri]  # fmt: skip
    # a second before the latest change read (14:00:00), so one changed in the same second is not missed
    assert starts == [None, "2026-03-01T13:59:59", "2026-03-01T13:59:59"]
    assert [r.uri.endswith("/details") for r in recorded.requests].count(True) == 2  # none for the idle second sync
    assert query(tmp_path, "SELECT nps FROM feedback WHERE source_record_id = '13400000002'") == [(9,)]
    [(cursor,)] = query(tmp_path, "SELECT cursor FROM sync_state")
    assert json.loads(cursor)["surveys"] == {SURVEY: "2026-03-19T08:00:00"}
    assert json.loads(cursor)["boundary"] == {SURVEY: ["13400000002", "13400000006"]}


def test_a_start_date_bounds_the_first_sync(tmp_path):
    with surveymonkey(support_account()) as api:
        result = sync(tmp_path, entry(api.url, start_date="2026-03-01T12:00:00Z"))
        first = api.requests[0].query
    assert first["start_modified_at"] == "2026-03-01T11:59:59" and result.written == 2  # responses 3 and 5


@pytest.mark.parametrize(
    ("name", "change", "account_change", "expected"),
    [
        ("error_401_1011", {"access_token": "${WRONG_TOKEN}"}, {},
         "HTTP 401 (The authorization token provided was invalid. [1011]: the access token is not valid: copy it "
         "again from the app's settings"),
        ("error_403_1014", {}, {"missing_scope": True},
         "[1014]: the app lacks a scope: grant View Surveys, View Responses and View Response Details"),
        ("error_403_1018", {}, {"other_region": True},
         "[1018]: the account lives in another datacenter: set region = \"eu\" or \"ca\""),
        ("error_404_1020", {"surveys": ["999"]}, {},
         "HTTP 404 (There was an error retrieving the requested resource. [1020]); not found: check the survey ids"),
    ],
)  # fmt: skip
def test_documented_errors_fail_the_source_with_what_to_do(tmp_path, monkeypatch, fixed_clock, name, change,
                                                           account_change, expected):  # fmt: skip
    monkeypatch.setenv("WRONG_TOKEN", "sm-token-revoked")
    account = support_account()
    for key, value in account_change.items():
        setattr(account, key, value)
    with cassette(name, account) as recorded:
        result = sync(tmp_path, entry(recorded.base_url, **change))
    assert result.status == "failed" and expected in result.error, result.error
    assert len(recorded.requests) == 1 and fixed_clock == []  # failed fast: never retried
    assert "sm-token" not in result.error


def test_a_revoked_grant_says_to_sign_in_again(tmp_path):
    with surveymonkey(support_account()) as api:
        api.fail(Reply(401, {"status": 1, "errmsg": "Client revoked access grant"}))
        result = sync(tmp_path, entry(api.url))
    assert result.status == "failed" and "Client revoked access grant: the account revoked the app's access" in result.error


def test_the_per_minute_limit_is_waited_out_by_its_reset_header_when_no_retry_after_comes(tmp_path, fixed_clock):
    account = support_account()
    with surveymonkey(account) as api:
        api.fail(sm_error("1040", {"X-Ratelimit-App-Global-Minute-Remaining": "0",
                                   "X-Ratelimit-App-Global-Minute-Reset": "37",
                                   "X-Ratelimit-App-Global-Day-Remaining": "300"}), match="/details")  # fmt: skip
        with api_cassette(CASSETTES / "rate_limited.yaml", real_url=REAL_HOST, fake_url=api.url,
                          secrets=[TOKEN]) as recorded:  # fmt: skip
            result = sync(tmp_path, entry(recorded.base_url))
    assert (result.status, result.written) == ("success", 4), result.error
    assert fixed_clock == [37.0]
    assert [response["status"]["code"] for _, response in recorded.cassette.data] == [200, 429, 200, 200]


def test_a_429_with_retry_after_waits_as_asked(tmp_path, fixed_clock):
    with surveymonkey(support_account()) as api:
        api.fail(Reply(429, sm_error("1040").body, headers={"Retry-After": "12"}), match="/bulk")
        result = sync(tmp_path, entry(api.url))
    assert (result.status, result.written, fixed_clock) == ("success", 4, [12.0])


def test_a_minute_budget_running_low_pauses_until_its_window_resets(tmp_path, fixed_clock):
    account = support_account()
    account.minute_used = 118  # the next answer says 1 left of 120
    with surveymonkey(account) as api:
        result = sync(tmp_path, entry(api.url))
    assert result.written == 4 and 40 < fixed_clock[0] <= 41.0  # the fake's Minute-Reset, from the answer on


def test_429_5xx_timeouts_drops_and_cut_pages_are_retried_and_every_response_lands_once(tmp_path, fixed_clock):
    account = support_account()
    account_bulk = account.bulk
    with surveymonkey(account) as api:
        api.routes[-1] = (api.routes[-1][0], api.routes[-1][1], cut_midway(account_bulk))  # a page cut mid-body
        api.fail(Reply(429, sm_error("1040").body))  # no Retry-After, no reset header: backoff
        api.fail(Reply(503, {"error": {"id": "1051", "message": "Service unreachable. Please try again later."}}))
        api.fail(Reply(drop=True))
        api.fail(Reply(200, body={"data": []}, cut_at=4))
        api.fail(Reply(200, delay=1.5))
        result = sync(tmp_path, entry(api.url, timeout=0.5, max_attempts=7))
    assert result.status == "success" and result.written == 4, result.error
    assert 1 <= fixed_clock[0] <= 1.25  # backoff
    assert query(tmp_path, "SELECT COUNT(DISTINCT source_record_id), COUNT(*) FROM feedback") == [(4, 4)]


# --- the daily quota --------------------------------------------------------------------------


def test_the_days_budget_is_kept_across_runs_and_the_next_day_resumes_where_it_stopped(tmp_path, monkeypatch):
    """daily_requests = 3 on a page size of 1. Day 1: page 1, the details, page 2 (responses 1
    and 2), then paused; a second run that day sends nothing. Day 2, from response 2's second:
    page 1 (response 2, known: skipped), page 2 (response 3), the details, paused. Day 3: page 1
    (response 3, skipped), page 2 (response 5), the details — the last page: done."""
    account = support_account()
    with surveymonkey(account) as api:
        source = entry(api.url, page_size=1, daily_requests=3)
        first = sync(tmp_path, source)
        after_first = len(api.requests)
        second = sync(tmp_path, source)
        after_second = len(api.requests)
        third, fourth = (next_day(tmp_path, source, account, monkeypatch, days) for days in (1, 2))
    assert (first.status, first.written, after_first) == ("paused", 2, 3)
    assert "daily request quota spent on 2026-03-20 (UTC): this source sent its 3 requests of the day" in first.error
    assert "the next sync after 00:00 UTC (in 2 h 30 min) goes on from here" in first.error
    assert (second.status, second.read, after_second) == ("paused", 0, 3)  # nothing sent at all
    assert (third.status, third.read, third.written) == ("paused", 1, 1)
    assert (fourth.status, fourth.read, fourth.written) == ("success", 1, 1)
    assert query(tmp_path, "SELECT COUNT(*), COUNT(DISTINCT source_record_id) FROM feedback") == [(4, 4)]
    statuses = query(tmp_path, "SELECT status FROM sync_runs ORDER BY started_at")
    assert statuses == [("paused",), ("paused",), ("paused",), ("success",)]
    [(cursor,)] = query(tmp_path, "SELECT cursor FROM sync_state")
    assert json.loads(cursor) == {"surveys": {SURVEY: "2026-03-01T14:00:00"}, "boundary": {SURVEY: ["13400000005"]},
                                  "requests": {"day": "2026-03-22", "used": 3, "app_remaining": 497, "app_limit": 500}}  # fmt: skip


def next_day(folder: Path, source: dict[str, Any], account: SurveyMonkeyAccount, monkeypatch, days: int) -> Any:
    """A sync at 00:30 UTC `days` after NOW, SurveyMonkey's count reset at midnight."""
    account.day_used = 0
    monkeypatch.setattr(SurveyMonkeySource, "now", staticmethod(lambda: NOW + timedelta(days=days - 1, hours=3)))
    return sync(folder, source)


def test_the_apps_remaining_requests_in_the_headers_pause_the_source_before_a_429(tmp_path):
    account = support_account()
    account.day_used = 498  # another user of the app spent the rest: 2 left today
    with surveymonkey(account) as api:
        result = sync(tmp_path, entry(api.url))
        sent = len(api.requests)
    assert (result.status, sent, result.written) == ("paused", 2, 2)  # page 1 and the details; no 429 asked for
    assert "SurveyMonkey says the app has no requests left today of its 500 (2 sent by this source)" in result.error
    [(cursor,)] = query(tmp_path, "SELECT cursor FROM sync_state")
    assert json.loads(cursor) == {"surveys": {SURVEY: "2026-03-01T11:00:00"}, "boundary": {SURVEY: ["13400000002"]},
                                  "resume": SURVEY,
                                  "requests": {"day": "2026-03-20", "used": 2, "app_remaining": 0, "app_limit": 500}}  # fmt: skip


def test_a_429_on_a_spent_day_pauses_at_once_without_retrying(tmp_path, fixed_clock):
    account = support_account()
    account.day_used = 500
    with cassette("quota_spent", account) as recorded:
        result = sync(tmp_path, entry(recorded.base_url))
    assert result.status == "paused" and len(recorded.requests) == 1 and fixed_clock == []
    assert "SurveyMonkey says the app has no requests left today of its 500" in result.error


def test_a_paused_run_starts_the_next_one_with_the_survey_it_stopped_in(tmp_path, monkeypatch):
    account = support_account()
    second = "498765432"
    account.surveys[second] = support_details() | {"id": second, "title": "Store visit"}
    account.responses[second] = [sm_response(20 + n, nps=n) | {"survey_id": second} for n in range(3)]
    with surveymonkey(account) as api:
        source = entry(api.url, surveys=[SURVEY, second], page_size=100, daily_requests=3)
        first = sync(tmp_path, source)  # survey 1's page and details, survey 2's page: spent before its details
        paused = [seen.path for seen in api.requests]
        monkeypatch.setattr(SurveyMonkeySource, "now", staticmethod(lambda: NOW + timedelta(days=1)))
        account.day_used = 0
        resumed = sync(tmp_path, source)
        order = [seen.path for seen in api.requests[len(paused) :]]
    assert paused == [BULK, f"/surveys/{SURVEY}/details", f"/surveys/{second}/responses/bulk"]
    assert (first.status, first.written) == ("paused", 4)
    assert order == [f"/surveys/{second}/responses/bulk", f"/surveys/{second}/details", BULK]
    assert (resumed.status, resumed.written, resumed.unchanged) == ("success", 3, 0)  # survey 1: nothing new


def test_the_cli_reports_a_pause_and_exits_3(tmp_path):
    from click.testing import CliRunner

    from cxbridge.cli.main import cli

    account = support_account()
    account.day_used = 499
    with surveymonkey(account) as api:
        (tmp_path / "cxbridge.toml").write_text(
            f'[sources.support]\nconnector = "surveymonkey"\nbase_url = "{api.url}"\n'
            f'access_token = "${{SURVEYMONKEY_TOKEN}}"\nsurveys = ["{SURVEY}"]\n', encoding="utf-8")  # fmt: skip
        outcome = CliRunner().invoke(cli, ["sync", "--config", str(tmp_path / "cxbridge.toml"), "--db",
                                           str(tmp_path / "cx.db"), "--no-progress"])  # fmt: skip
    assert outcome.exit_code == 3, outcome.output
    assert "⏸ support (surveymonkey): 0 read" in outcome.output and "paused: daily request quota spent" in outcome.output


# --- pages, surveys and config ----------------------------------------------------------------


def test_surveys_are_listed_and_filtered_by_title(tmp_path):
    account = support_account()
    account.surveys["498765432"] = support_details() | {"id": "498765432", "title": "Internal pulse"}
    with cassette("list_surveys", account) as recorded:
        result = sync(tmp_path, entry(recorded.base_url, surveys=[], name_pattern="NPS"))
    assert result.written == 4
    assert calls(recorded)[0] == "GET /surveys?page=1&per_page=1000"
    assert not any("498765432" in call for call in calls(recorded))


def test_a_page_total_that_falls_mid_read_reads_the_survey_again(tmp_path):
    """A response edited while its survey is paged leaves the window and shifts the pages after
    it; the total falls, and the survey is read once more so that none is skipped."""
    account = support_account()
    answer = account._bulk_page
    edited = [False]

    def edited_during_the_read(seen, survey):
        page = answer(seen, survey)
        if seen.query.get("page") == "2" and not edited[0]:
            edited[0] = True
            account.responses[SURVEY][0] = sm_response(1, nps=9, modified=NOW + timedelta(minutes=5))
            return answer(seen, survey)  # page 2 of the shrunken window: response 3 moved to page 1
        return page

    account._bulk_page = edited_during_the_read
    with surveymonkey(account) as api:
        result = sync(tmp_path, entry(api.url))
        pages = [seen.query.get("page", "1") for seen in api.requests if seen.path == BULK]
    assert pages == ["1", "2", "1", "2"]
    assert sorted(records(tmp_path)) == ["13400000001", "13400000002", "13400000003", "13400000005"]
    assert result.status == "success"


def test_an_empty_page_ends_the_read_whatever_the_links_say(tmp_path):
    account = SurveyMonkeyAccount()
    answer = account._page

    def endless(seen, path, items, *, max_per_page):
        page = answer(seen, path, items, max_per_page=max_per_page)
        page["links"]["next"] = f"{account.base}{path}?page=99"
        return page

    account._page = endless
    with surveymonkey(account) as api:
        result = sync(tmp_path, entry(api.url))
    assert (result.status, result.read, len(api.requests)) == ("success", 0, 1)


def test_an_option_missing_from_the_details_quarantines_a_scored_answer_naming_it(tmp_path):
    account = support_account(2)
    account.responses[SURVEY][1]["pages"][0]["questions"][0]["answers"][0]["choice_id"] = "1199"
    with surveymonkey(account) as api:
        result = sync(tmp_path, entry(api.url))
    assert (result.written, result.quarantined) == (1, 1)
    [(error, field)] = query(tmp_path, "SELECT error, field FROM quarantine")
    assert error.startswith("question '101': choice 1199 is not among the options of the survey's details") and field == "101"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"surveys": ["SV_1"]}, "is not a survey id"),
        ({"region": "mars"}, "region"),
        ({"access_token": "plain-token"}, "access_token"),
        ({"page_size": 101}, "page_size"),
        ({"name_pattern": "("}, "not a regular expression"),
    ],
)
def test_config_mistakes_name_the_key(tmp_path, change, message):
    with pytest.raises(ConfigError, match=message):
        sync(tmp_path, entry("http://127.0.0.1:9", **change))


def test_the_region_names_the_datacenters_host():
    from cxbridge.plugins.surveymonkey.config import SurveyMonkeyConfig
    from cxbridge.secrets import ResolvedStr
    from cxbridge.sources import SourceContext

    config = SurveyMonkeyConfig(region="eu", access_token=ResolvedStr(TOKEN), surveys=[SURVEY])
    assert str(SurveyMonkeySource(config, SourceContext(name="s", base_dir=".")).client.http.base_url) == (
        "https://api.eu.surveymonkey.com/v3/"
    )


class TestSurveyMonkeySource(HttpSourceConformance):
    @pytest.fixture
    def source_under_test(self):
        with surveymonkey(support_account()) as api:
            yield SourceUnderTest(SurveyMonkeySource, entry(api.url), secrets={"SURVEYMONKEY_TOKEN": TOKEN},
                                  personal_data=["client1@example.com", "Client 1", "198.51.100.2", "+486000000001"])


def test_collector_channels_set_each_responses_channel_from_its_collectors_type(tmp_path):
    account = support_account()
    account.responses[SURVEY][1] = sm_response(2, nps=0, collector="415900002")  # a web link
    account.responses[SURVEY][2] = sm_response(3, nps=7, collector="415900003")  # a popup on the website
    account.responses[SURVEY][4] = sm_response(5, nps=6, collector="415999999")  # a collector deleted since
    with surveymonkey(account) as api:
        sync(tmp_path, entry(api.url, collector_channels=True))
        asked = [seen.target for seen in api.requests if "collectors" in seen.path]
    assert asked == [f"/surveys/{SURVEY}/collectors?include=type&per_page=1000&page=1"]  # once, after the details
    channels = query(tmp_path, "SELECT source_record_id, channel FROM feedback ORDER BY 1")
    assert channels == [("13400000001", "email"), ("13400000002", "web"), ("13400000003", "web"),
                        ("13400000005", None)]  # fmt: skip


def test_a_configured_channel_stands_for_responses_whose_collector_says_nothing(tmp_path):
    account = support_account(2)
    account.responses[SURVEY][1] = sm_response(2, collector="415999999")
    with surveymonkey(account) as api:
        sync(tmp_path, entry(api.url, collector_channels=True, channel="in_store"))
    assert query(tmp_path, "SELECT channel FROM feedback ORDER BY source_record_id") == [("email",), ("in_store",)]


def two_star_rows() -> SurveyMonkeyAccount:
    """One response to question 103 asked as two rows of stars: "Speed" 5, "Packaging" 2."""
    account = support_account(1)
    stars = account.surveys[SURVEY]["pages"][0]["questions"][2]
    stars["answers"]["rows"] = [{"visible": True, "text": "Speed", "position": 1, "id": "3001"},
                                {"visible": True, "text": "Packaging", "position": 2, "id": "3002"}]  # fmt: skip
    account.responses[SURVEY][0]["pages"][0]["questions"][2]["answers"].append({"row_id": "3002", "choice_id": "3102"})
    return account


def test_an_override_of_a_whole_matrix_scores_each_of_its_rows(tmp_path):
    """Two rows of stars: by default each is a `rating`; `metric = "csat"` on the question makes
    every row CSAT on the same 1–5 weights."""
    account = two_star_rows()
    with surveymonkey(account) as api:
        sync(tmp_path, entry(api.url), db="default.db")
        sync(tmp_path, entry(api.url, questions={"103": {"metric": "csat"}}))
    rows = "SELECT question_id, metric, value, category FROM feedback_scores WHERE question_id LIKE '103%' ORDER BY 1"
    assert query(tmp_path, rows, db="default.db") == [("103_3001", "rating", 5.0, None), ("103_3002", "rating", 2.0, None)]
    assert query(tmp_path, rows) == [("103_3001", "csat", 5.0, "satisfied"), ("103_3002", "csat", 2.0, "dissatisfied")]


def test_a_whole_matrixs_override_naming_no_metric_holds_for_its_rows_rating(tmp_path):
    """`ignore_values = [2]` on the question of two star rows: each row is still a `rating` (its
    words name no metric), and a 2 carries no score in either — the row's default copies the
    question's keys, as a Qualtrics star slider's does (with_rating_defaults' `parents`). Each row's
    default replaced the question's table: its 2 was scored."""
    account = two_star_rows()
    with surveymonkey(account) as api:
        result = sync(tmp_path, entry(api.url, questions={"103": {"ignore_values": [2]}}))
    assert (result.written, result.quarantined) == (1, 0), result.error
    rows = "SELECT question_id, metric, value FROM feedback_scores WHERE question_id LIKE '103%' ORDER BY 1"
    assert query(tmp_path, rows) == [("103_3001", "rating", 5.0)]


def test_the_comment_is_the_essay_never_a_company_or_department_asked_in_a_single_textbox(tmp_path):
    """Single textboxes (`open_ended`/`single`) ask the company first and the department right after
    the effort score; the essay box (`open_ended`/`essay`) is the record's comment, or none."""
    details = support_details()
    questions = details["pages"][0]["questions"]
    questions.insert(0, _question(100, 0, "Company name", "open_ended", "single"))
    questions.insert(7, _question(109, 7, "Your department", "open_ended", "single"))
    [essay] = [question for question in questions if question["id"] == "107"]
    essay["headings"] = [{"heading": "Your experience in a few words"}]
    account = SurveyMonkeyAccount(surveys={SURVEY: details})
    given = [sm_response(1, comment="Quick and kind"), sm_response(2)]
    for response in given:
        asked = response["pages"][0]["questions"]
        asked.insert(0, {"id": "100", "answers": [{"text": "Acme Ltd"}]})
        asked.append({"id": "109", "answers": [{"text": "Purchasing"}]})
    account.responses[SURVEY] = given
    with surveymonkey(account) as api:
        result = sync(tmp_path, entry(api.url))
    assert (result.status, result.written) == ("success", 2), result.error
    assert query(tmp_path, "SELECT comment FROM feedback ORDER BY source_record_id") == [("Quick and kind",), (None,)]
    assert query(tmp_path, "SELECT question_id, COUNT(*) FROM feedback_comments GROUP BY 1 ORDER BY 1") == [
        ("100", 2), ("107", 1), ("109", 2)]  # fmt: skip


def test_a_start_date_without_an_offset_is_the_sources_local_time(tmp_path):
    """`start_date = "2026-03-01T21:00:00"` in a source whose `timezone` is Asia/Tokyo is 12:00 UTC,
    as every time without an offset of the source is read (docs/configuration.md); it was 21:00 UTC."""
    with surveymonkey(support_account()) as api:
        result = sync(tmp_path, entry(api.url, start_date="2026-03-01T21:00:00", timezone="Asia/Tokyo"))
        first = api.requests[0].query
    assert first["start_modified_at"] == "2026-03-01T11:59:59" and result.written == 2  # responses 3 and 5


def test_with_include_partial_a_disqualified_or_over_quota_response_is_left_out_counted_and_in_no_metric(tmp_path):
    """`include_partial` asks for every response_status the API has — completed, partial,
    overquota, disqualified (find_string "partial, overquota", ids 40160652025, 19106833378: the
    bulk responses' `status` filter) — and a respondent the survey turned away gave no feedback: it
    is left out and counted, by the rule files follow (`values.screened_out`), never a partial
    record whose NPS 0 is a detractor (stored so before ca976f1 took the statuses from the partial
    ones) nor quarantined as a file's row to take out (before: 2 quarantined)."""
    account = support_account()
    account.responses[SURVEY] += [sm_response(6, nps=0, status="disqualified"), sm_response(7, nps=1, status="overquota")]
    with surveymonkey(account) as api:
        result = sync(tmp_path, entry(api.url, include_partial=True))
    assert (result.status, result.read, result.written, result.quarantined) == ("success", 7, 5, 0), result.error
    assert query(tmp_path, "SELECT records_read, records_skipped FROM sync_runs") == [(7, 2)]
    kept = {"13400000001": 10, "13400000002": 0, "13400000003": 7, "13400000004": 8, "13400000005": 6}
    assert {key: r["nps"] for key, r in records(tmp_path).items()} == kept
    promoters, detractors = sum(v >= 9 for v in kept.values()), sum(v <= 6 for v in kept.values())
    assert query(tmp_path, "SELECT responses, nps FROM nps_by_month") == [(5, 100 * (promoters - detractors) / 5)]



@pytest.mark.parametrize("keep_personal_data", [False, True])
def test_a_contact_block_email_that_keys_no_one_leaves_the_response_to_its_phone(tmp_path, keep_personal_data):
    """`anonymous` typed as the e-mail of a Contact Information question keys no one: its phone
    keys the response, whether the answer is kept as sent (`keep_personal_data`) or dropped."""
    account = support_account(count=1)
    account.responses[SURVEY][0] = sm_response(1, nps=10, email="anonymous")
    with surveymonkey(account) as api:
        result = sync(tmp_path, entry(api.url), shared_salt=True, keep_personal_data=keep_personal_data)
    assert result.status == "success", result.error
    assert query(tmp_path, "SELECT respondent_key FROM feedback") == [
        (RespondentKeys(SHARED_SALT.get_secret_value()).key("+48600000001"),)
    ]


def test_a_custom_variable_naming_a_weight_is_warned_of_once_per_sync(tmp_path, caplog):
    """A weighted study's custom variable `rim_weight` (text, as SurveyMonkey keeps custom variables)
    is warned of once with its span, as a file's weight column is, and kept in attributes."""
    account = support_account()
    for response, weight in zip(account.responses[SURVEY], ["0.9", "1.4", "0.6", "1.0", "1.1"]):
        response["custom_variables"]["rim_weight"] = weight
    with surveymonkey(account) as api:
        result = sync(tmp_path, entry(api.url))
    assert (result.status, result.written) == ("success", 4), result.error
    assert [warning for warning in result.warnings if "weight per response" in warning] == [
        f"survey {SURVEY}: " + weight_warning("custom variable 'rim_weight'", "0.6–1.4", "rim_weight")
    ]
    assert caplog.text.count("custom variable 'rim_weight' holds") == 1
    assert records(tmp_path)["13400000002"]["attributes"]["rim_weight"] == "1.4"


def test_a_scale_other_than_the_ratings_weights_quarantines_its_answers_naming_the_scale_to_set(tmp_path):
    """Question 102 rates support on five options weighed 1 … 5 (details' answers.choices); the
    config says `scale = [1, 7]`. Before, each weight was read as a point of 1–7 — a "Satisfied" 4 a
    neutral 4 of 7, CSAT % 0.0 where the answers make 75.0 — and nothing was said. A scale that
    agrees reads them."""
    speeds = [5, 4, 2, 4]
    account = SurveyMonkeyAccount()
    account.responses[SURVEY] = [sm_response(n, speed=speed, friendliness=speed) for n, speed in enumerate(speeds, 1)]
    with surveymonkey(account) as api:
        wrong = sync(tmp_path, entry(api.url, questions={"102": {"metric": "csat", "scale": [1, 7]}}))
        right = sync(tmp_path, entry(api.url, questions={"102": {"metric": "csat", "scale": [1, 5]}}), db="right.db")
    assert_other_scale_refused(tmp_path, wrong, right, scores=speeds, reason=(
        "question '102_2001' ('How satisfied are you with our support? - Speed of the answ…'): its survey's "
        "definition gives its answers as 1–5, not scale = [1, 7], so none of them is scored on it; set scale = [1, 5] "
        "(or remove scale: the definition's own is read) in [sources.support.questions.102], then `cxbridge sync "
        "--full-refresh` reads the answers stored before on it too"))  # fmt: skip
