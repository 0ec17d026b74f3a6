"""The freshdesk source against cassettes of the documented API v2 (cassettes/freshdesk/, recorded
from tests/freshdesk_api.py with CXBRIDGE_RECORD_CASSETTES=1) and, for faults, the same fake on
127.0.0.1 — always into a real SQLite destination."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction
from functools import partial
from pathlib import Path
from typing import Any

import pytest

import cxbridge

from cxbridge.errors import ConfigError
from cxbridge.plugins.freshdesk.source import FreshdeskSource
from cxbridge.respondents import RespondentKeys, salted_hash
from cxbridge.testing import HttpSourceConformance, SourceUnderTest
from cxbridge.testing.cassettes import api_cassette
from tests.conftest import half_up
from tests.freshdesk_api import API_KEY, REAL_HOST, SURVEYS, Helpdesk, freshdesk, rating, support_helpdesk, ticket
from tests.local_api import Reply
from tests.sqlite_runs import query, source_config, sync_source

sync = partial(sync_source, name="helpdesk")
CASSETTES = Path(__file__).resolve().parents[1] / "cassettes" / "freshdesk"


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch) -> list[float]:
    waits: list[float] = []
    monkeypatch.setattr(FreshdeskSource, "sleep", staticmethod(waits.append))
    monkeypatch.setenv("FRESHDESK_API_KEY", API_KEY)
    return waits


def entry(base_url: str, **extra: Any) -> dict[str, Any]:
    return {"connector": "freshdesk", "base_url": base_url, "api_key": "${FRESHDESK_API_KEY}", "page_size": 2,
            "lookback_days": 3, **extra}  # fmt: skip




@contextmanager
def cassette(name: str, helpdesk: Helpdesk, faults: tuple[tuple[Reply, str], ...] = ()) -> Iterator[Any]:
    with freshdesk(helpdesk) as api:
        for reply, match in faults:  # played while recording; the cassette keeps them
            api.fail(reply, match=match)
        with api_cassette(CASSETTES / f"{name}.yaml", real_url=REAL_HOST, fake_url=api.url, secrets=[API_KEY]) as c:
            yield c


def test_a_full_sync_maps_the_rating_scale_to_csat_with_ticket_context(tmp_path):
    with cassette("full_sync", support_helpdesk()) as recorded:
        result = sync(tmp_path, entry(recorded.base_url))
    assert (result.status, result.read, result.written) == ("success", 4, 4), result.error
    assert [r.uri.removeprefix(REAL_HOST).split("?")[0] for r in recorded.requests] == [
        "/api/v2/surveys", "/api/v2/surveys/satisfaction_ratings", "/api/v2/tickets", "/api/v2/tickets",
        "/api/v2/tickets", "/api/v2/surveys/satisfaction_ratings", "/api/v2/surveys/satisfaction_ratings",
    ]  # fmt: skip  (the tickets changed since the first page's earliest rating hold the later pages' tickets too)
    assert "created_since=2000-01-01T00%3A00%3A00Z" in recorded.requests[1].uri  # the full history, not 30 days
    assert "updated_since=2026-05-02T08%3A00%3A00Z" in recorded.requests[2].uri  # from the earliest rating
    assert all(r.headers["Authorization"] == "REDACTED" for r in recorded.requests)
    rows = query(tmp_path, "SELECT source_record_id, csat, csat_normalized, comment, ticket_id, agent_id, team, channel "
                           "FROM feedback ORDER BY 1")  # fmt: skip
    assert rows == [
        ("9101", 7.0, 100.0, "Super quick", "601", "77", "12", "email"),
        ("9102", 2.0, 16.666667, None, "602", "77", "12", "phone"),  # normalized scores keep 6 decimals
        ("9103", 4.0, 50.0, None, "603", "77", "12", "chat"),
        ("9104", 5.0, 66.666667, None, "604", "77", "12", "web"),
    ]
    scores = query(tmp_path, "SELECT question_id, question_text, value, scale_max, category, is_primary "
                             "FROM feedback_scores JOIN feedback USING (record_id) WHERE source_record_id = '9103' "
                             "ORDER BY question_id")  # fmt: skip
    assert scores == [
        ("default_question", "How would you rate your overall satisfaction?", 4.0, 7.0, "neutral", 1),
        ("question_4", "Was the agent knowledgeable?", 1.0, 3.0, "dissatisfied", 0),
    ]


def test_the_look_back_reads_recent_ratings_again_without_duplicates(tmp_path):
    helpdesk = support_helpdesk()
    with cassette("incremental", helpdesk) as recorded:
        first = sync(tmp_path, entry(recorded.base_url))
        same = sync(tmp_path, entry(recorded.base_url))
        helpdesk.ratings.append(rating(5, -103, created="2026-05-04T07:00:00Z"))  # left late, older than the cursor
        late = sync(tmp_path, entry(recorded.base_url))
    assert [(r.read, r.written) for r in (first, same, late)] == [(4, 4), (4, 0), (5, 1)]
    created_since = [r.uri.split("created_since=")[1].split("&")[0] for r in recorded.requests if "created_since" in r.uri]
    assert created_since[0] == "2000-01-01T00%3A00%3A00Z"  # a first sync: the whole history
    assert "2026-05-02T08%3A00%3A00Z" in created_since  # then the latest rating (05-05 08:00) less 3 days
    assert query(tmp_path, "SELECT COUNT(*), COUNT(DISTINCT source_record_id) FROM feedback") == [(5, 5)]


def test_bad_credentials_fail_the_source_with_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("FRESHDESK_API_KEY", "fd-key-revoked")
    with cassette("error_401", support_helpdesk()) as recorded:
        result = sync(tmp_path, entry(recorded.base_url))
    assert result.status == "failed"
    assert "HTTP 401 (You have to be logged in to perform this action.); Freshdesk did not accept the API key" in result.error


def test_a_first_sync_without_start_date_reads_ratings_older_than_30_days(tmp_path):
    helpdesk = Helpdesk(ratings=[rating(1, created="2026-01-10T08:00:00Z"), rating(2)], tickets=[ticket(1), ticket(2)])
    helpdesk.tickets[0]["updated_at"] = "2026-01-10T08:05:00Z"  # the rating changed its ticket
    with freshdesk(helpdesk) as api:
        result = sync(tmp_path, entry(api.url))
        tickets = [path for path in api.paths() if path.startswith("/api/v2/tickets")]
    assert (result.status, result.written) == ("success", 2), result.error
    assert {path.split("&page=")[0] for path in tickets} == {  # one listing, from the earliest rating
        "/api/v2/tickets?updated_since=2026-01-10T08:00:00Z&order_by=updated_at&order_type=asc&per_page=2"}
    assert query(tmp_path, "SELECT source_record_id, channel FROM feedback ORDER BY 1") == [("9101", "email"),
                                                                                            ("9102", "email")]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "refusal", "change", "said"),
    [
        ("error_400", None, {"start_date": "2026-07-01T00:00:00Z"},
         "HTTP 400 (Validation failed (created_since: It should be a date in the past)); Freshdesk rejected the "
         "request: check start_date (a time in the past)"),
        ("error_403", Reply(403, {"code": "access_denied", "message": "You are not authorized to perform this action."}),
         {}, "HTTP 403 (You are not authorized to perform this action.); the API key (api_key) of an agent who may see "
         "every ticket and survey lacks permission"),
        ("error_404", Reply(404, {"code": "not_found", "message": "The requested helpdesk does not exist."}), {},
         "HTTP 404 (The requested helpdesk does not exist.); not found: check the helpdesk domain and base_url"),
    ],
)  # fmt: skip
def test_documented_errors_fail_fast_with_what_to_do(tmp_path, name, refusal, change, said):
    helpdesk = support_helpdesk()
    helpdesk.refusal = refusal
    with cassette(name, helpdesk) as recorded:
        result = sync(tmp_path, entry(recorded.base_url, **change))
    assert result.status == "failed" and said in result.error, result.error
    uris = [r.uri for r in recorded.requests]
    assert len(uris) == len(set(uris))  # not retried


def test_a_rate_limit_waits_for_retry_after(tmp_path, no_waiting):
    limited = Reply(429, {"message": "You have exceeded the limit of requests per minute"}, headers={"Retry-After": "31"})
    with cassette("rate_limited", support_helpdesk(), faults=((limited, "satisfaction_ratings"),)) as recorded:
        result = sync(tmp_path, entry(recorded.base_url))
    assert (result.status, result.written) == ("success", 4), result.error
    assert 31 in no_waiting
    ratings = [r.uri for r in recorded.requests if "satisfaction_ratings" in r.uri]
    assert ratings[0] == ratings[1]  # the same page, asked again


def test_an_answer_slower_than_the_timeout_is_asked_again_and_every_rating_lands_once(tmp_path):
    with freshdesk(support_helpdesk()) as api:
        api.fail(Reply(200, body=[], delay=1.5), match="satisfaction_ratings")
        api.fail(Reply(200, body=[], delay=1.5), match="tickets")
        result = sync(tmp_path, entry(api.url, timeout=0.3))
        ratings = [path for path in api.paths() if "satisfaction_ratings" in path]
    assert (result.status, result.written) == ("success", 4), result.error
    assert ratings[0] == ratings[1]
    assert query(tmp_path, "SELECT COUNT(DISTINCT source_record_id), COUNT(*) FROM feedback") == [(4, 4)]


def test_a_failure_mid_read_fails_clearly_and_the_rerun_resumes_from_the_last_checkpoint_once(tmp_path):
    helpdesk = support_helpdesk()
    answer, failures = helpdesk.list_ratings, [0]

    def third_page_fails(seen, match):
        if seen.query.get("page") == "3" and failures[0] > 0:
            failures[0] -= 1
            return Reply(503, {"message": "Service unavailable"})
        return answer(seen, match)

    helpdesk.list_ratings = third_page_fails
    with freshdesk(helpdesk) as api:
        first = sync(tmp_path, entry(api.url))
        helpdesk.ratings += [rating(n, 102) for n in range(5, 9)]  # created 05-06 … 05-09
        failures[0] = 10
        failed = sync(tmp_path, entry(api.url, max_attempts=2))
        failures[0] = 0
        again = sync(tmp_path, entry(api.url))
        since = [path.split("created_since=")[1].split("&")[0] for path in api.paths()
                 if "satisfaction_ratings" in path and "page=1&" in path + "&"]  # fmt: skip
    assert first.status == "success" and failed.status == "failed"
    assert "HTTP 503" in failed.error and "after 2 attempts; re-run later" in failed.error
    assert since[1] == since[2] == "2026-05-02T08:00:00Z"  # the failed run saved no cursor: the rerun starts where it did
    assert (again.status, again.written, again.unchanged) == ("success", 4, 4)
    assert query(tmp_path, "SELECT COUNT(DISTINCT source_record_id), COUNT(*) FROM feedback") == [(8, 8)]


def test_the_rate_limit_headers_pause_the_sync_before_a_429(tmp_path, no_waiting):
    helpdesk = support_helpdesk()
    helpdesk.limit_total, helpdesk.remaining = 50, 8  # the sixth answer leaves 2 of 50: the reserve
    with freshdesk(helpdesk) as api:
        result = sync(tmp_path, entry(api.url))
    assert result.written == 4
    assert [round(wait) for wait in no_waiting] == [60]  # one full window, once the reserve was reached


def test_429_5xx_and_dropped_connections_are_retried_and_every_rating_lands_once(tmp_path, no_waiting):
    with freshdesk(support_helpdesk()) as api:
        api.fail(Reply(429, {"message": "Too many requests"}, headers={"Retry-After": "19"}), match="satisfaction")
        api.fail(Reply(502), match="tickets")
        api.fail(Reply(drop=True), match="satisfaction")
        api.fail(Reply(200, body=[], cut_at=1), match="surveys")
        result = sync(tmp_path, entry(api.url))
    assert (result.status, result.written) == ("success", 4), result.error
    assert 19 in no_waiting
    assert query(tmp_path, "SELECT COUNT(DISTINCT source_record_id), COUNT(*) FROM feedback") == [(4, 4)]


def test_a_rating_off_its_survey_scale_is_quarantined(tmp_path):
    helpdesk = support_helpdesk()
    helpdesk.ratings.append(rating(6, 104))
    with freshdesk(helpdesk) as api:
        result = sync(tmp_path, entry(api.url))
    assert (result.written, result.quarantined) == (4, 1)
    [(error,)] = query(tmp_path, "SELECT error FROM quarantine")
    assert "rating 104 of default_question is not one of the survey's" in error


def test_a_classic_three_point_rating_reads_happy_as_satisfied(tmp_path):
    helpdesk = Helpdesk(ratings=[rating(1, 1), rating(2, 3)])
    with freshdesk(helpdesk) as api:
        result = sync(tmp_path, entry(api.url, ticket_context=False))
    assert result.written == 2
    assert query(tmp_path, "SELECT source_record_id, csat, csat_normalized FROM feedback ORDER BY 1") == [
        ("9101", 3.0, 100.0), ("9102", 1.0, 0.0),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("change", "message"),
    [({"base_url": None}, "give domain"), ({"domain": "acme.freshdesk.com", "base_url": None}, "is not a helpdesk name"),
     ({"api_key": "plain"}, "plain text"),
     ({"ticket_context": False, "requester_emails": True}, "requester_emails = true needs ticket_context = true")],
)  # fmt: skip
def test_config_mistakes_name_the_key(tmp_path, change, message):
    source = {key: value for key, value in (entry("http://127.0.0.1:9") | change).items() if value is not None}
    with pytest.raises(ConfigError, match=message):
        sync(tmp_path, source)


class TestFreshdeskSource(HttpSourceConformance):
    @pytest.fixture
    def source_under_test(self):
        with freshdesk(support_helpdesk()) as api:
            # a look-back shorter than the ratings' four days: the suite sees the cursor narrow the read
            yield SourceUnderTest(FreshdeskSource, entry(api.url, lookback_days=1), secrets={"FRESHDESK_API_KEY": API_KEY})


VENDOR = Path(__file__).parent / "data" / "vendor" / "freshdesk"


@pytest.mark.parametrize(("source", "channel"), [(1, "email"), (2, "web"), (3, "phone"), (4, "web"), (5, "chat"), (6, "chat"),
                                                 (7, "chat"), (8, "app"), (9, "web"), (10, "email"), (11, "other"),
                                                 (12, "chat"), (13, "chat"), (99, "other")])  # fmt: skip
def test_every_documented_ticket_source_maps_to_its_channel(tmp_path, source, channel):
    helpdesk = Helpdesk(ratings=[rating(1, 103)], tickets=[ticket(1, source=source)])
    with freshdesk(helpdesk) as api:
        result = sync(tmp_path, entry(api.url))
    assert result.status == "success", result.error
    assert query(tmp_path, "SELECT channel FROM feedback") == [(channel,)]


def test_a_rating_on_airbytes_recorded_outbound_email_ticket_takes_its_context(tmp_path):
    """The ticket Airbyte recorded from a Freshdesk account (tests/data/vendor/freshdesk): source 10,
    outbound e-mail; a 102 (Very Happy) on the seven-point default question is 6 of 7, satisfied."""
    [recorded] = json.loads((VENDOR / "tickets_airbyte.json").read_text(encoding="utf-8"))
    answer = rating(1, 102) | {"ticket_id": recorded["id"], "agent_id": None, "group_id": None,
                               "created_at": recorded["updated_at"], "updated_at": recorded["updated_at"]}  # fmt: skip  (a rating updates its ticket)
    with freshdesk(Helpdesk(ratings=[answer], tickets=[recorded])) as api:
        result = sync(tmp_path, entry(api.url, start_date="2022-11-01T00:00:00Z"))
    assert (result.status, result.written) == ("success", 1), result.error
    rows = query(tmp_path, "SELECT ticket_id, channel, agent_id, team, csat, csat_normalized, "
                           "json_extract(attributes, '$.company_id') FROM feedback")  # fmt: skip
    assert rows == [("21", "email", "67013469919", None, 6.0, round(100 * 5 / 6, 6), "67001265522")]
    assert query(tmp_path, "SELECT csat_pct FROM csat_by_month") == [(100.0,)]


def test_freshdesks_documented_ratings_example_scores_each_question_and_quarantines_its_broken_time(tmp_path):
    """The response example of Freshdesk's *View all satisfaction ratings* (tests/data/vendor/
    freshdesk): 103 on the default question and −102 on question_2 (its survey 1 listed here with
    question_2 on the seven points: an unlisted question is quarantined, its points unknown); the
    second rating's created_at, `2015-08-28T010:08:16Z`, is no time."""
    example = json.loads((VENDOR / "satisfaction_ratings_example.json").read_text(encoding="utf-8"))
    seven_points = {"id": "question_2", "label": "Was the answer clear?", "accepted_ratings": [103, 102, 101, 100, -101, -102, -103]}
    survey = SURVEYS[0] | {"questions": [*SURVEYS[0]["questions"], seven_points]}
    with freshdesk(Helpdesk(ratings=example, surveys=[survey], today="2026-06-01T00:00:00Z")) as api:
        result = sync(tmp_path, entry(api.url, ticket_context=False, start_date="2015-01-01T00:00:00Z"))
    assert (result.status, result.written, result.quarantined) == ("success", 1, 1), result.error
    seven = [-103, -102, -101, 100, 101, 102, 103]  # unhappy to happy, as Freshdesk lists them
    assert query(tmp_path, "SELECT question_id, value, scale_max, normalized FROM feedback_scores ORDER BY 1") == [
        ("default_question", seven.index(103) + 1.0, 7.0, 100.0),
        ("question_2", seven.index(-102) + 1.0, 7.0, round(100 * seven.index(-102) / 6, 6)),
    ]  # fmt: skip
    assert query(tmp_path, "SELECT source_record_id, ticket_id, agent_id, comment FROM feedback") == [
        ("102", "432", "1", "Thank you for the quick action")]  # fmt: skip
    [(native, error)] = query(tmp_path, "SELECT source_record_id, error FROM quarantine")
    assert native == "112" and "created_at" in error and "2015-08-28T010:08:16Z" in error


def test_airbytes_recorded_default_survey_scores_its_three_points_and_quarantines_any_other(tmp_path):
    """The survey list Airbyte recorded from a Freshdesk account (tests/data/vendor/freshdesk/
    surveys_airbyte.json): the inactive "Default Survey" accepts 103, 100, −103 on default_question.
    Its ratings here are ours: the three accepted values are 3, 2 and 1 of 3; a 102 is none of them."""
    [survey] = json.loads((VENDOR / "surveys_airbyte.json").read_text(encoding="utf-8"))
    [question] = survey["questions"]
    points = sorted(question["accepted_ratings"])  # unhappy to happy
    ratings = [rating(n, value, survey=survey["id"]) for n, value in enumerate((103, 100, -103, 102), start=1)]
    with freshdesk(Helpdesk(surveys=[survey], ratings=ratings)) as api:
        result = sync(tmp_path, entry(api.url, ticket_context=False))
    assert (result.status, result.written, result.quarantined) == ("success", 3, 1), result.error
    rows = query(tmp_path, "SELECT source_record_id, question_text, value, scale_max, normalized, category "
                           "FROM feedback_scores JOIN feedback USING (record_id) ORDER BY 1")  # fmt: skip
    assert rows == [
        ("9101", question["label"], points.index(103) + 1.0, 3.0, 100.0, "satisfied"),
        ("9102", question["label"], points.index(100) + 1.0, 3.0, 50.0, "neutral"),
        ("9103", question["label"], points.index(-103) + 1.0, 3.0, 0.0, "dissatisfied"),
    ]
    [(native, error)] = query(tmp_path, "SELECT source_record_id, error FROM quarantine")
    assert native == "9104" and f"rating 102 of default_question is not one of the survey's {points}" in error


def test_each_rating_is_read_on_the_scale_of_its_own_surveys_question(tmp_path):
    """Every classic survey's main question is `default_question`: a three-point survey listed
    first must not set the scale (or the text) of a seven-point survey's ratings."""
    three = [-103, 100, 103]
    seven = [-103, -102, -101, 100, 101, 102, 103]  # unhappy to happy, as Freshdesk lists them
    quick = {"id": 5, "title": "Quick survey", "active": False, "questions": [
        {"id": "default_question", "label": "Were you happy with our answer?", "accepted_ratings": three[::-1],
         "default": True}]}  # fmt: skip
    full = SURVEYS[0]  # id 1: seven points on default_question
    helpdesk = Helpdesk(surveys=[quick, full], ratings=[rating(1, 103, survey=5), rating(2, 102, survey=1),
                                                         rating(3, 100, survey=5), rating(4, -102, survey=1)])  # fmt: skip
    with freshdesk(helpdesk) as api:
        result = sync(tmp_path, entry(api.url, ticket_context=False))
    assert (result.status, result.written, result.quarantined) == ("success", 4, 0), result.error
    rows = query(tmp_path, "SELECT source_record_id, question_text, value, scale_max, normalized, category "
                           "FROM feedback_scores JOIN feedback USING (record_id) ORDER BY 1")  # fmt: skip
    assert rows == [
        ("9101", "Were you happy with our answer?", three.index(103) + 1.0, 3.0, 100.0, "satisfied"),
        ("9102", full["questions"][0]["label"], seven.index(102) + 1.0, 7.0, round(100 * 5 / 6, 6), "satisfied"),
        ("9103", "Were you happy with our answer?", three.index(100) + 1.0, 3.0, 50.0, "neutral"),
        ("9104", full["questions"][0]["label"], seven.index(-102) + 1.0, 7.0, round(100 * 1 / 6, 6), "dissatisfied"),
    ]
    assert query(tmp_path, "SELECT responses, csat_pct FROM csat_by_month") == [(4, 50.0)]


def test_the_overall_question_spelled_default_questions_is_the_records_csat_and_the_singular_wins_over_it(tmp_path):
    """The reference keys the overall question `default_question` on classic and custom surveys
    alike; test helpers seen in the index of public code (unattributed, tests/data/vendor/freshdesk/
    README.md) give a classic survey's as `default_questions`. Read under that plural, it was a score
    of its own: the record's csat empty and csat_by_month counting nothing. Now either spelling is
    the overall question, read on the survey's `default_question` points; a rating holding both is
    counted once, by `default_question`, the plural kept as a score of its own."""
    overall = {1: 1, 2: 3, 3: 102, 4: 2, 5: 3}  # rating → its overall answer: classic 1 Happy … 3 Unhappy; 102 of seven
    spelled = {1: "default_questions", 2: "default_questions", 3: "default_questions", 4: "default_question"}
    ratings = [rating(n) | {"ratings": {spelled[n]: value}} for n, value in overall.items() if n in spelled]
    ratings.append(rating(5) | {"ratings": {"default_question": 3, "default_questions": 1}})
    with freshdesk(Helpdesk(ratings=ratings)) as api:
        result = sync(tmp_path, entry(api.url, ticket_context=False))
    assert (result.status, result.written, result.quarantined) == ("success", 5, 0), result.error
    seven = [-103, -102, -101, 100, 101, 102, 103]
    assert query(tmp_path, "SELECT source_record_id, csat, csat_normalized FROM feedback ORDER BY 1") == [
        ("9101", 3.0, 100.0), ("9102", 1.0, 0.0), ("9103", seven.index(102) + 1.0, round(100 * 5 / 6, 6)),
        ("9104", 2.0, 50.0), ("9105", 1.0, 0.0)]  # fmt: skip
    assert query(tmp_path, "SELECT question_id, value, is_primary FROM feedback_scores JOIN feedback USING (record_id) "
                           "WHERE source_record_id = '9105' ORDER BY 1") == [
        ("default_question", 1.0, 1), ("default_questions", 3.0, 0)]  # fmt: skip
    satisfied = sum(value in (1, 102, 103) for value in overall.values())  # classic top box; seven points' top two
    assert query(tmp_path, "SELECT responses, csat_pct FROM csat_by_month") == [
        (len(overall), half_up(Fraction(100 * satisfied, len(overall))))]  # fmt: skip


def test_labels_follow_each_questions_own_scale_and_none_is_invented(tmp_path):
    """The reference names the seven points (103 Extremely Happy … −103 Extremely Unhappy) and the
    classic 1 Happy, 2 Neutral, 3 Unhappy — no names for a question accepting three or five of the
    seven values. A 103 on the three-point question_4 was labelled "Extremely Happy" and a 100
    "Neutral", names of the seven-point scale: now those answers keep no label, while their score
    (the place among the accepted values) is unchanged; the seven-point question keeps its names.
    The five-point survey (`accepted_ratings` 103, 101, 100, −101, −103) is ours."""
    three = sorted(SURVEYS[0]["questions"][1]["accepted_ratings"])  # question_4: −103, 100, 103
    five = [-103, -101, 100, 101, 103]
    survey = {"id": 6, "title": "Five points", "active": True, "questions": [
        {"id": "default_question", "label": "How was it?", "accepted_ratings": five[::-1], "default": True}]}  # fmt: skip
    ratings = [rating(1, 102, extra={"question_4": 103}), rating(2, -103, extra={"question_4": 100}),
               rating(3, 101, survey=6), rating(4, -103, survey=6)]  # fmt: skip
    with freshdesk(Helpdesk(surveys=[*SURVEYS, survey], ratings=ratings)) as api:
        result = sync(tmp_path, entry(api.url, ticket_context=False))
    assert (result.status, result.written, result.quarantined) == ("success", 4, 0), result.error
    rows = query(tmp_path, "SELECT source_record_id, json_extract(answers, '$.default_question'), "
                           "json_extract(answers, '$.question_4') FROM feedback ORDER BY 1")  # fmt: skip
    answer = {record: (json.loads(main), json.loads(extra) if extra else None) for record, main, extra in rows}
    seven = [-103, -102, -101, 100, 101, 102, 103]
    assert [(a["value"], a["label"]) for a, _ in answer.values()] == [
        (seven.index(102) + 1, "Very Happy"), (seven.index(-103) + 1, "Extremely Unhappy"),
        (five.index(101) + 1, None), (five.index(-103) + 1, None)]  # fmt: skip
    assert [(q4["value"], q4["label"]) for _, q4 in list(answer.values())[:2]] == [
        (three.index(103) + 1, None), (three.index(100) + 1, None)]  # fmt: skip


def test_a_rating_of_a_survey_freshdesk_does_not_list_is_quarantined_until_its_survey_is_known(tmp_path):
    """A rating whose `survey_id` is not among the listed surveys (deleted, or out of the agent's
    sight) was read on all seven points whatever its survey accepted: a 103 of a three-point survey
    stored as 7 of 7. Its points are not known, so it waits in quarantine, saying what to do; a
    classic 1/2/3 needs no survey (the reference documents those three points) and is scored. Once
    the survey is listed again, the replay reads the rating on that survey's points."""
    three = [-103, 100, 103]
    helpdesk = Helpdesk(ratings=[rating(1, 103, survey=99), rating(2, 1, survey=99), rating(3, 102)])
    with freshdesk(helpdesk) as api:
        result = sync(tmp_path, entry(api.url, ticket_context=False))
        assert (result.status, result.written, result.quarantined) == ("success", 2, 1), result.error
        [(native, error)] = query(tmp_path, "SELECT source_record_id, error FROM quarantine")
        assert native == "9101" and "survey 99" in error and "cxbridge quarantine replay" in error
        assert query(tmp_path, "SELECT source_record_id, csat FROM feedback ORDER BY 1") == [
            ("9102", 3.0),  # classic 1 Happy: 3 of 3
            ("9103", [-103, -102, -101, 100, 101, 102, 103].index(102) + 1.0),  # survey 1's seven points
        ]  # fmt: skip
        helpdesk.surveys.append({"id": 99, "title": "Quick survey", "active": False, "questions": [
            {"id": "default_question", "label": "Happy?", "accepted_ratings": three[::-1], "default": True}]})  # fmt: skip
        (tmp_path / "cxbridge.toml").write_text(
            f'[sources.helpdesk]\nconnector = "freshdesk"\nbase_url = "{api.url}"\n'
            'api_key = "${FRESHDESK_API_KEY}"\nticket_context = false\n', encoding="utf-8")  # fmt: skip
        replayed = cxbridge.quarantine_replay(tmp_path / "cxbridge.toml", destination=f"sqlite:///{tmp_path / 'cxbridge.db'}")
    assert (replayed.results[0].written, replayed.results[0].quarantined) == (1, 0)
    assert query(tmp_path, "SELECT csat, csat_normalized FROM feedback WHERE source_record_id = '9101'") == [
        (three.index(103) + 1.0, 100.0)]  # fmt: skip


def test_a_rating_of_a_question_its_survey_does_not_list_is_quarantined_until_the_question_is_known(tmp_path):
    """Survey 1 lists default_question and question_4; a 103 on question_9 was read on all seven
    points (7 of 7), though question_9 may accept three. Its points are not known, so the rating
    waits in quarantine naming the question, as a rating of an unlisted survey does; a classic
    1/2/3 on it is scored (those points are the same on every survey)."""
    helpdesk = Helpdesk(ratings=[rating(1, 102, extra={"question_9": 103}), rating(2, 102, extra={"question_9": 1})])
    with freshdesk(helpdesk) as api:
        result = sync(tmp_path, entry(api.url, ticket_context=False))
    assert (result.status, result.written, result.quarantined) == ("success", 1, 1), result.error
    [(native, error)] = query(tmp_path, "SELECT source_record_id, error FROM quarantine")
    assert native == "9101" and "question_9" in error and "survey 1" in error and "cxbridge quarantine replay" in error
    assert query(tmp_path, "SELECT question_id, value, scale_max FROM feedback_scores ORDER BY 1") == [
        ("default_question", [-103, -102, -101, 100, 101, 102, 103].index(102) + 1.0, 7.0),
        ("question_9", 3.0, 3.0),  # classic 1 Happy: 3 of 3
    ]  # fmt: skip


@pytest.mark.parametrize("accepted", [{"accepted_ratings": []}, {}], ids=["empty", "absent"])
def test_a_rating_of_a_question_listed_without_accepted_ratings_is_quarantined_until_its_points_are_known(
    tmp_path, accepted
):  # fmt: skip
    """`accepted_ratings` is the list of values a question takes: question_9, listed with an empty
    list (or none), takes none Freshdesk says. Its 103 was read on the seven points (7 of 7) — a
    guess; it waits in quarantine naming the survey and question, as an unlisted question's does,
    and a classic 1/2/3 on it is scored. Once the question lists its points, the replay reads it."""
    three = [-103, 100, 103]
    question_9 = {"id": "question_9", "label": "Was it quick?", "default": False, **accepted}
    survey = SURVEYS[0] | {"questions": [*SURVEYS[0]["questions"], question_9]}
    helpdesk = Helpdesk(surveys=[survey], ratings=[rating(1, 102, extra={"question_9": 103}),
                                                   rating(2, 102, extra={"question_9": 1})])  # fmt: skip
    with freshdesk(helpdesk) as api:
        result = sync(tmp_path, entry(api.url, ticket_context=False))
        assert (result.status, result.written, result.quarantined) == ("success", 1, 1), result.error
        [(native, field, error)] = query(tmp_path, "SELECT source_record_id, field, error FROM quarantine")
        assert (native, field) == ("9101", "ratings.question_9")
        assert "question question_9 of survey 1" in error and "accepted_ratings" in error
        assert "cxbridge quarantine replay" in error
        assert query(tmp_path, "SELECT question_id, value, scale_max FROM feedback_scores ORDER BY 1") == [
            ("default_question", [-103, -102, -101, 100, 101, 102, 103].index(102) + 1.0, 7.0),
            ("question_9", 3.0, 3.0),  # classic 1 Happy: 3 of 3
        ]  # fmt: skip
        question_9["accepted_ratings"] = three[::-1]
        (tmp_path / "cxbridge.toml").write_text(
            f'[sources.helpdesk]\nconnector = "freshdesk"\nbase_url = "{api.url}"\n'
            'api_key = "${FRESHDESK_API_KEY}"\nticket_context = false\n', encoding="utf-8")  # fmt: skip
        replayed = cxbridge.quarantine_replay(tmp_path / "cxbridge.toml", destination=f"sqlite:///{tmp_path / 'cxbridge.db'}")
    assert (replayed.results[0].written, replayed.results[0].quarantined) == (1, 0)
    assert query(tmp_path, "SELECT value, scale_max FROM feedback_scores JOIN feedback USING (record_id) "
                           "WHERE source_record_id = '9101' AND question_id = 'question_9'") == [
        (three.index(103) + 1.0, 3.0)]  # fmt: skip


@pytest.mark.parametrize(
    "given", ["Extremely Happy", None, True, [103], 102.5], ids=["label", "null", "true", "list", "fraction"]
)
def test_a_rating_that_is_no_whole_number_is_quarantined_naming_it_and_the_others_are_kept(tmp_path, given):
    """Freshdesk's ratings are whole numbers (reference §5.2: `{"default_question": 103, ...}`;
    tests/data/vendor/freshdesk/satisfaction_ratings_example.json); these values are ours, none
    recorded. A list or object failed the whole sync with a TypeError and `true` was read as the
    classic 1 (Happy); a label, null or fraction was quarantined as "not one of the survey's"
    points. Each now waits in quarantine saying it is no whole number, naming the question and the
    value, while the ratings around it on the same page are written."""
    helpdesk = Helpdesk(ratings=[rating(1, 102), rating(2, given), rating(3, -101)])
    with freshdesk(helpdesk) as api:
        result = sync(tmp_path, entry(api.url, ticket_context=False))
    assert (result.status, result.written, result.quarantined) == ("success", 2, 1), result.error
    [(native, field, error)] = query(tmp_path, "SELECT source_record_id, field, error FROM quarantine")
    assert (native, field) == ("9102", "ratings.default_question")
    assert f"rating {given!r} of default_question is not a whole number" in error
    seven = [-103, -102, -101, 100, 101, 102, 103]
    assert query(tmp_path, "SELECT source_record_id, csat FROM feedback ORDER BY 1") == [
        ("9101", seven.index(102) + 1.0), ("9103", seven.index(-101) + 1.0)]  # fmt: skip


@pytest.mark.parametrize("entry_given", ["Neutral", None], ids=["label", "null"])
def test_a_question_listing_an_accepted_rating_that_is_no_whole_number_quarantines_its_ratings_only(
    tmp_path, entry_given
):  # fmt: skip
    """`accepted_ratings` lists whole numbers (reference §5.2, from Airbyte's surveys schema:
    `[103, ..., -103]`); question_4 listing a label or null among them (ours) failed the whole
    sync with `int()`'s ValueError/TypeError before any rating was read. Its points are not known
    (dropping the entry would shift the others), so a rating answering question_4 waits in
    quarantine naming accepted_ratings and the list; ratings of the survey's other question are
    written."""
    listed = [103, entry_given, -103]
    question_4 = SURVEYS[0]["questions"][1] | {"accepted_ratings": listed}
    survey = SURVEYS[0] | {"questions": [SURVEYS[0]["questions"][0], question_4]}
    helpdesk = Helpdesk(surveys=[survey], ratings=[rating(1, 102), rating(2, 101, extra={"question_4": 103}),
                                                   rating(3, -103)])  # fmt: skip
    with freshdesk(helpdesk) as api:
        result = sync(tmp_path, entry(api.url, ticket_context=False))
    assert (result.status, result.written, result.quarantined) == ("success", 2, 1), result.error
    [(native, field, error)] = query(tmp_path, "SELECT source_record_id, field, error FROM quarantine")
    assert (native, field) == ("9102", "ratings.question_4")
    assert f"question question_4 of survey 1 is listed with accepted_ratings {listed!r}" in error
    assert "cxbridge quarantine replay" in error
    assert query(tmp_path, "SELECT source_record_id FROM feedback ORDER BY 1") == [("9101",), ("9103",)]


def identified_helpdesk() -> Helpdesk:
    """The support helpdesk with its requesters' addresses embedded in the ticket listing: Ann's
    written in capitals (rating 1's user); rating 3 was given by a contact CC'd on a ticket another
    customer requested; rating 4's requester has no address."""
    helpdesk = support_helpdesk()
    helpdesk.tickets[2]["requester_id"] = 499
    helpdesk.contacts = {401: "Ann.Lee@Example.COM", 402: "bo@example.org", 499: "other@example.org"}
    return helpdesk


def test_a_rating_is_keyed_by_its_requesters_e_mail_embedded_in_the_ticket_listing(tmp_path):
    """Freshdesk names a rating's user by id; the rated tickets' listing embeds their requester
    (`include=requester`: no request more; served on 127.0.0.1, not from a cassette, which would
    hold the addresses), and the address is stored nowhere but as its salted key."""
    with freshdesk(identified_helpdesk()) as api:
        result = sync(tmp_path, entry(api.url))
        listings = [seen.query for seen in api.requests if seen.path == "/api/v2/tickets"]
    assert (result.status, result.written) == ("success", 4), result.error
    assert listings and all(listed.get("include") == "requester" for listed in listings)
    [(salt,)] = query(tmp_path, "SELECT value FROM cxbridge_metadata WHERE name = 'respondent_salt'")
    dataset = RespondentKeys(salt)
    assert dict(query(tmp_path, "SELECT source_record_id, respondent_key FROM feedback")) == {
        "9101": dataset.key("ann.lee@example.com"), "9102": dataset.key("bo@example.org"), "9103": None, "9104": None,
    }  # fmt: skip
    [(raw,)] = query(tmp_path, "SELECT raw FROM feedback WHERE source_record_id = '9101'")
    assert json.loads(raw)["requester_email"] == f"hashed:{dataset.key('ann.lee@example.com')}"
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("cxbridge.db*")).lower()
    assert [text for text in (b"ann.lee", b"bo@example", b"other@example") if text in stored] == []


def test_with_requester_emails_off_tickets_are_listed_without_their_requester_and_ratings_join_nobody(tmp_path):
    with freshdesk(identified_helpdesk()) as api:
        result = sync(tmp_path, entry(api.url, requester_emails=False))
        listings = [seen.query for seen in api.requests if seen.path == "/api/v2/tickets"]
    assert result.written == 4 and listings and not any("include" in listed for listed in listings)
    assert query(tmp_path, "SELECT DISTINCT respondent_key FROM feedback") == [(None,)]


def test_a_requester_without_an_address_is_keyed_by_their_mobile_else_their_phone_and_erased_by_it(tmp_path):
    """A contact who called or texted in may have no address, only `mobile` and `phone`, embedded
    with the ticket (`include=requester`: "the requester's email, id, mobile, name, and phone",
    https://developers.freshdesk.com/api/#list_all_tickets; contact fields:
    https://developers.freshdesk.com/api/#contacts). The mobile is one person's, a landline may be a
    household's or an office's, so it comes first; the number is keyed as a phone column's is,
    placed in `phone_region` (`030/1234567` typed in Germany is +49 30 1234567), stored only as its key."""
    helpdesk = support_helpdesk()
    helpdesk.contacts = {402: "bo@example.org"}
    helpdesk.numbers = {401: {"phone": "+49 30 1234500", "mobile": "0151 23456789"}, 402: {"mobile": "0151 0000000"},
                        404: {"phone": "030/1234567", "mobile": "n/a"}}  # fmt: skip
    with freshdesk(helpdesk) as api:
        result = sync(tmp_path, entry(api.url), phone_region="DE")
    assert (result.status, result.written) == ("success", 4), result.error
    [(salt,)] = query(tmp_path, "SELECT value FROM cxbridge_metadata WHERE name = 'respondent_salt'")
    dataset = RespondentKeys(salt)
    assert dict(query(tmp_path, "SELECT source_record_id, respondent_key FROM feedback")) == {
        "9101": salted_hash("4915123456789", salt), "9102": dataset.key("bo@example.org"), "9103": None,
        "9104": salted_hash("49301234567", salt),
    }  # fmt: skip
    [(raw,)] = query(tmp_path, "SELECT raw FROM feedback WHERE source_record_id = '9104'")
    assert json.loads(raw)["requester_phone"] == f"hashed:{salted_hash('49301234567', salt)}"
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("cxbridge.db*"))
    assert [number for number in (b"1234567", b"23456789", b"1234500") if number in stored] == []

    config = source_config(tmp_path, entry("https://example.freshdesk.com"), name="helpdesk", phone_region="DE")
    erased = cxbridge.erase(["+49 30 1234567", "+49 151 23456789"], config=config,
                            destination=f"sqlite:///{tmp_path / 'cxbridge.db'}")  # fmt: skip
    assert erased.rows["feedback"] == 2
    assert query(tmp_path, "SELECT source_record_id FROM feedback ORDER BY 1") == [("9102",), ("9103",)]


def test_a_requester_whose_mobile_is_a_placeholder_is_keyed_by_their_phone(tmp_path):
    """`0000000000` in the mobile field is nobody's number (docs/identity.md: it keys no one): the
    requester's landline keys the rating, as for a requester with no mobile."""
    helpdesk = support_helpdesk()
    helpdesk.numbers = {401: {"phone": "030/1234567", "mobile": "0000000000"}, 404: {"mobile": "1234567890"}}
    with freshdesk(helpdesk) as api:
        result = sync(tmp_path, entry(api.url), phone_region="DE")
    assert (result.status, result.written) == ("success", 4), result.error
    [(salt,)] = query(tmp_path, "SELECT value FROM cxbridge_metadata WHERE name = 'respondent_salt'")
    keyed = dict(query(tmp_path, "SELECT source_record_id, respondent_key FROM feedback"))
    assert (keyed["9101"], keyed["9104"]) == (salted_hash("49301234567", salt), None)
