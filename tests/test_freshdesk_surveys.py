"""The freshdesk source with `csat_api = "surveys"`: the newer customer-satisfaction surveys and
their responses, against cassettes of the documented shapes (cassettes/freshdesk/csat_*.yaml,
recorded from tests/freshdesk_api.py with CXBRIDGE_RECORD_CASSETTES=1) and, for faults, the same
fake on 127.0.0.1 — always into a real SQLite destination. Every figure is worked out here from
the answers in tests/freshdesk_api.py, not by cxbridge's metric code."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from cxbridge.errors import ConfigError
from cxbridge.plugins.freshdesk.source import FreshdeskSource
from cxbridge.respondents import RespondentKeys
from cxbridge.testing import HttpSourceConformance, SourceUnderTest
from cxbridge.testing.cassettes import api_cassette
from tests.conftest import half_up
from tests.freshdesk_api import (
    ADVANCED, API_KEY, PULSE, REAL_HOST, Helpdesk, csat_helpdesk, csat_response, freshdesk, range_question,
)  # fmt: skip
from tests.local_api import Reply
from tests.sqlite_runs import query, sync_source

sync = partial(sync_source, name="helpdesk")
CASSETTES = Path(__file__).resolve().parents[1] / "cassettes" / "freshdesk"
SURVEYS = "/api/v2/customer-satisfaction/surveys"


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch) -> list[float]:
    waits: list[float] = []
    monkeypatch.setattr(FreshdeskSource, "sleep", staticmethod(waits.append))
    monkeypatch.setenv("FRESHDESK_API_KEY", API_KEY)
    return waits


def entry(base_url: str, **extra: Any) -> dict[str, Any]:
    return {"connector": "freshdesk", "base_url": base_url, "api_key": "${FRESHDESK_API_KEY}", "csat_api": "surveys",
            "page_size": 2, "lookback_days": 3, **extra}  # fmt: skip


@contextmanager
def cassette(name: str, helpdesk: Helpdesk, faults: tuple[tuple[Reply, str], ...] = ()) -> Iterator[Any]:
    with freshdesk(helpdesk) as api:
        for reply, match in faults:
            api.fail(reply, match=match)
        with api_cassette(CASSETTES / f"{name}.yaml", real_url=REAL_HOST, fake_url=api.url, secrets=[API_KEY]) as c:
            yield c


def normalized(value: float, low: float, high: float, *, lower_is_better: bool = False) -> float:
    share = (value - low) / (high - low)
    return round(100 * (1 - share if lower_is_better else share), 6)


def test_a_full_sync_scores_each_question_by_its_scale_and_links_the_tickets(tmp_path):
    with cassette("csat_surveys_full_sync", csat_helpdesk()) as recorded:
        result = sync(tmp_path, entry(recorded.base_url))
    assert (result.status, result.read, result.written) == ("success", 5, 5), result.error
    paths = [r.uri.removeprefix(REAL_HOST) for r in recorded.requests]
    assert [p.split("?")[0] for p in paths if "/tickets" not in p] == [
        SURVEYS,
        f"{SURVEYS}/{ADVANCED}/responses",
        f"{SURVEYS}/{ADVANCED}/responses",
        f"{SURVEYS}/{PULSE}/responses",
    ]  # fmt: skip  (two pages of the example survey's four responses, page_size 2)
    assert f"{SURVEYS}/{ADVANCED}/responses?next_token=after-2&per_page=2" in paths  # the token of paging.next
    tickets = [p.split("?")[1] for p in paths if p.startswith("/api/v2/tickets")]
    # responses come newest first: the first page lists the tickets changed since its earliest response (05-04
    # 08:00: tickets 3, 4 and 5 on two pages); the next page's older one (05-02 08:00) lists again only up to
    # there, stopping at ticket 3 (changed 05-04 09:00) — four ticket pages, no ticket read twice
    assert [t.split("updated_since=")[1] + " p" + t.split("page=")[1].split("&")[0] for t in tickets] == [
        "2026-05-04T08%3A00%3A00Z p1", "2026-05-04T08%3A00%3A00Z p2",
        "2026-05-02T08%3A00%3A00Z p1", "2026-05-02T08%3A00%3A00Z p2",
    ]  # fmt: skip
    assert all(r.headers["Authorization"] == "REDACTED" for r in recorded.requests)
    rows = query(tmp_path, "SELECT source_record_id, survey_id, csat, csat_normalized, nps, comment, ticket_id, "
                           "agent_id, team, channel FROM feedback ORDER BY ticket_id")  # fmt: skip
    ids = [f"5f0c9e2a-0000-4000-8000-{n:012d}" for n in range(1, 6)]
    # the example survey's Q_1 is labelled Very dissatisfied … Very satisfied on 1–5: higher is better
    assert rows == [
        (ids[0], ADVANCED, 5.0, normalized(5, 1, 5), 9, "Quick and friendly", "601", "77", "12", "email"),
        (ids[1], ADVANCED, 2.0, normalized(2, 1, 5), 6, None, "602", "77", "12", "phone"),
        (ids[2], ADVANCED, 3.0, normalized(3, 1, 5), 10, None, "603", "77", "12", "chat"),
        (ids[3], ADVANCED, 4.0, normalized(4, 1, 5), 0, None, "604", "77", "12", "web"),
        (ids[4], PULSE, 4.0, normalized(4, 1, 5), None, None, "605", "77", "12", "chat"),  # source 13: WhatsApp
    ]
    promoters, detractors, answered = sum(n >= 9 for n in (9, 6, 10, 0)), sum(n <= 6 for n in (9, 6, 10, 0)), 4
    assert query(tmp_path, "SELECT nps, responses FROM nps_by_month") == [
        (100 * (promoters - detractors) / answered, 4)
    ]
    satisfied = sum(v >= 4 for v in (5, 2, 3, 4, 4))  # the top two boxes of 1–5
    assert query(tmp_path, "SELECT csat_pct FROM csat_by_month") == [(100 * satisfied / 5,)]


def test_score_ranges_give_the_direction_and_an_unlabelled_scale_stays_unscored(tmp_path):
    with freshdesk(csat_helpdesk()) as api:
        result = sync(tmp_path, entry(api.url, ticket_context=False))
    assert result.status == "success", result.error
    scores = query(tmp_path, "SELECT question_id, value, scale_min, scale_max, normalized, category, is_primary "
                             "FROM feedback_scores JOIN feedback USING (record_id) WHERE survey_id = ? "
                             "ORDER BY question_id", (PULSE,))  # fmt: skip
    assert scores == [
        # 😠 … 😍 name no scale; the ranges Dissatisfied 1–2, Neutral 3, Satisfied 4–5 do: 4 is satisfied
        ("Q_1", 4.0, 1.0, 5.0, normalized(4, 1, 5), "satisfied", 1),
        # Satisfied 1–2 … Dissatisfied 4–5: lower is better, so 1 is the best answer
        ("Q_3", 1.0, 1.0, 5.0, normalized(1, 1, 5, lower_is_better=True), "satisfied", 0),
    ]
    [(answers,)] = query(tmp_path, "SELECT answers FROM feedback WHERE survey_id = ?", (PULSE,))
    assert json.loads(answers)["Q_2"]["value"] == 6  # 1–7 with no labels and no ranges: kept, unscored
    assert [w for w in result.warnings if "question Q_2" in w] == [
        f"survey {PULSE} question Q_2: a 1–7 scale whose labels (none) and score ranges name no built-in scale, so "
        "which end is satisfied is not known: kept unscored; to score it, set metric, scale and direction in "
        f'[sources.helpdesk.questions."{PULSE}/Q_2"]'
    ]
    [(labels,)] = query(tmp_path, "SELECT answers FROM feedback WHERE comment = 'Quick and friendly'")
    assert json.loads(labels)["Q_3"] == {"text": "What did we do best?", "value": "Speed", "label": "Speed"}


def test_a_question_override_scores_what_the_survey_leaves_unscored(tmp_path):
    override = {f"{PULSE}/Q_2": {"metric": "csat", "scale": [1, 7]}}  # Q_2 of the pulse survey, not the example's NPS
    with freshdesk(csat_helpdesk()) as api:
        result = sync(tmp_path, entry(api.url, ticket_context=False, questions=override))
    assert result.status == "success", result.error
    assert query(tmp_path, "SELECT value, normalized FROM feedback_scores WHERE question_id = 'Q_2' AND metric = 'csat'") == [
        (6.0, normalized(6, 1, 7))]  # fmt: skip
    assert not [warning for warning in result.warnings if "question Q_2" in warning]  # the config settled it


def test_questions_without_the_surveys_api_are_a_config_error(tmp_path):
    source = entry("http://127.0.0.1:9", csat_api="classic", questions={"Q_1": {"metric": "csat"}})
    with pytest.raises(ConfigError, match='questions apply to the newer surveys only: set csat_api = "surveys"'):
        sync(tmp_path, source)


def test_every_response_is_read_again_and_only_those_updated_since_the_cursor_are_kept(tmp_path):
    helpdesk = csat_helpdesk()
    with cassette("csat_surveys_incremental", helpdesk) as recorded:
        first = sync(tmp_path, entry(recorded.base_url))
        same = sync(tmp_path, entry(recorded.base_url))
        edited = csat_response(1, ADVANCED, {"Q_1": 1, "Q_2": 3}, updated="2026-05-20T10:00:00Z")
        helpdesk.csat_responses[ADVANCED] = [edited] + helpdesk.csat_responses[ADVANCED][:-1]  # listed first
        later = sync(tmp_path, entry(recorded.base_url))
    # the cursor is the latest updated_at, 05-06 08:00; less 3 days the second run keeps what changed since 05-03 08:00
    kept = sum(day >= 3 for day in (2, 3, 4, 5, 6))  # the responses' updated_at days (05-02 … 05-06, at 08:00)
    assert [(r.read, r.written) for r in (first, same, later)] == [(5, 5), (kept, 0), (kept + 1, 1)]  # + the edited one
    assert query(tmp_path, "SELECT csat, nps FROM feedback WHERE ticket_id = '601'") == [(1.0, 3)]
    assert query(tmp_path, "SELECT COUNT(*), COUNT(DISTINCT source_record_id) FROM feedback") == [(5, 5)]


def test_a_rate_limit_waits_for_retry_after(tmp_path, no_waiting):
    limited = Reply(
        429, {"message": "You have exceeded the limit of requests per minute"}, headers={"Retry-After": "29"}
    )
    with cassette("csat_surveys_rate_limited", csat_helpdesk(), faults=((limited, "/responses"),)) as recorded:
        result = sync(tmp_path, entry(recorded.base_url))
    assert (result.status, result.written) == ("success", 5), result.error
    assert 29 in no_waiting
    responses = [r.uri for r in recorded.requests if "/responses" in r.uri]
    assert responses[0] == responses[1]  # the same page, asked again


def test_429_without_retry_after_5xx_and_cut_pages_are_retried_and_every_response_lands_once(tmp_path, no_waiting):
    with freshdesk(csat_helpdesk()) as api:
        api.fail(Reply(429, {"message": "Too many requests"}), match="/responses")
        api.fail(Reply(503, {"message": "Service unavailable"}), match=f"{PULSE}/responses")
        api.fail(Reply(500), match="customer-satisfaction/surveys")
        api.fail(Reply(200, body={"data": [], "paging": {"next": None}}, cut_at=9), match="/responses")
        api.fail(Reply(drop=True), match="/responses")
        result = sync(tmp_path, entry(api.url))
    assert (result.status, result.written) == ("success", 5), result.error
    assert no_waiting  # the 429 without Retry-After waited by the back-off
    assert query(tmp_path, "SELECT COUNT(DISTINCT source_record_id), COUNT(*) FROM feedback") == [(5, 5)]


def test_a_read_that_fails_halfway_keeps_what_it_wrote_and_saves_no_cursor(tmp_path):
    helpdesk = csat_helpdesk()
    with freshdesk(helpdesk) as api:
        api.fail(Reply(503, {"message": "Service unavailable"}), match=f"{PULSE}/responses", times=10)
        failed = sync(tmp_path, entry(api.url, lookback_days=0, max_attempts=2))
        api.faults.clear()
        again = sync(tmp_path, entry(api.url, lookback_days=0))
    assert failed.status == "failed" and "HTTP 503" in failed.error and "after 2 attempts" in failed.error
    assert failed.written == 4  # the example survey's responses, read before the pulse survey failed
    # a cursor saved at the example survey's latest response (05-05) would have kept 2 of the 5 responses
    assert (again.status, again.read, again.written, again.unchanged) == ("success", 5, 1, 4)


def test_an_answer_to_a_question_the_survey_no_longer_has_is_kept_unscored(tmp_path):
    helpdesk = csat_helpdesk()
    helpdesk.csat_responses[PULSE] = [csat_response(6, PULSE, {"Q_9": "hello"})]
    helpdesk.csat_responses[PULSE][0]["answers"][0]["question_text"] = "A question since removed"
    with freshdesk(helpdesk) as api:
        result = sync(tmp_path, entry(api.url, ticket_context=False))
    assert result.status == "success", result.error
    [(answers, csat)] = query(tmp_path, "SELECT answers, csat FROM feedback WHERE survey_id = ?", (PULSE,))
    assert (json.loads(answers)["Q_9"], csat) == (
        {"text": "A question since removed", "value": "hello", "label": None},
        None,
    )


class TestFreshdeskSurveysSource(HttpSourceConformance):
    @pytest.fixture
    def source_under_test(self):
        with freshdesk(csat_helpdesk()) as api:
            # a look-back shorter than the responses' five days: the suite sees the cursor narrow what is kept
            yield SourceUnderTest(
                FreshdeskSource, entry(api.url, lookback_days=1), secrets={"FRESHDESK_API_KEY": API_KEY}
            )


def test_an_account_without_the_newer_surveys_fails_the_source_with_what_to_do(tmp_path):
    """An answer that is not the documented {"data": [...]} envelope (here a bare list, as the
    classic lists are) is no response list: the source fails, naming csat_api."""
    with freshdesk(csat_helpdesk()) as api:
        api.fail(Reply(200, body=[{"id": 1, "title": "Default satisfaction survey"}]), match="customer-satisfaction")
        result = sync(tmp_path, entry(api.url))
    assert result.status == "failed" and result.written == 0
    assert 'something other than {"data": [...]}' in result.error and 'set csat_api = "classic"' in result.error


def test_a_survey_without_responses_answers_404_and_is_passed_over(tmp_path):
    """Freshdesk answers 404 for the responses of a survey that has none (singer-io/tap-freshdesk,
    tap_freshdesk/streams/survey_responses.py): that survey is empty, the others are read."""
    helpdesk = csat_helpdesk()
    helpdesk.csat_surveys = [*helpdesk.csat_surveys, {"id": "0c0c0c0c-empty", "title": "New survey", "questions": []}]
    helpdesk.csat_surveys = [helpdesk.csat_surveys[-1], *helpdesk.csat_surveys[:-1]]  # listed first
    with freshdesk(helpdesk) as api:
        result = sync(tmp_path, entry(api.url, ticket_context=False))
        asked = [path for path in api.paths() if "0c0c0c0c-empty" in path]
    assert (result.status, result.written) == ("success", 5), result.error
    assert len(asked) == 1  # a 404 is not retried


def test_a_404_for_the_survey_list_still_names_the_domain(tmp_path):
    helpdesk = csat_helpdesk()
    helpdesk.refusal = Reply(404, {"code": "not_found", "message": "The requested helpdesk does not exist."})
    with freshdesk(helpdesk) as api:
        result = sync(tmp_path, entry(api.url))
    assert result.status == "failed" and "HTTP 404" in result.error and "check the helpdesk domain" in result.error


def test_a_satisfaction_choice_question_with_numbered_options_is_csat_on_those_numbers(tmp_path):
    """A `choice` question whose options are labelled "1" … "5", under satisfaction wording, is
    read on those numbers, as Google Forms, Typeform, SurveyMonkey and Salesforce read such options
    (it was kept unscored without a word). The option values are Freshdesk's `CH_…` ids."""
    helpdesk = csat_helpdesk()
    numbered = [{"value": f"CH_{n}", "label": str(n)} for n in range(1, 6)]
    question = {"type": "choice", "id": "Q_1", "text": "How satisfied are you?", "required": True, "deleted": False,
                "multiple": False, "choices": numbered}  # fmt: skip
    helpdesk.csat_surveys = [{**helpdesk.csat_surveys[1], "questions": [question]}]
    chosen = [5, 2, 4]
    helpdesk.csat_responses = {PULSE: [csat_response(n, PULSE, {"Q_1": f"CH_{label}"})
                                       for n, label in enumerate(chosen, start=1)]}  # fmt: skip
    with freshdesk(helpdesk) as api:
        result = sync(tmp_path, entry(api.url, ticket_context=False))
    assert (result.status, result.written, result.quarantined) == ("success", len(chosen), 0), result.error
    rows = query(tmp_path, "SELECT csat, json_extract(answers, '$.Q_1.value'), json_extract(answers, '$.Q_1.label') "
                           "FROM feedback ORDER BY submitted_at")  # fmt: skip
    assert rows == [(float(label), label, str(label)) for label in chosen]
    scored = query(tmp_path, "SELECT scale_min, scale_max, normalized FROM feedback_scores "
                             "WHERE question_id = 'Q_1' AND metric = 'csat' ORDER BY value")  # fmt: skip
    assert scored == [(1.0, 5.0, normalized(label, 1, 5)) for label in sorted(chosen)]
    satisfied = sum(label >= 4 for label in chosen)  # top two boxes of five
    assert query(tmp_path, "SELECT csat_pct FROM csat_by_month") == [(half_up(Fraction(100 * satisfied, len(chosen))),)]


SATISFACTION = ["Very satisfied", "Satisfied", "Neutral", "Dissatisfied", "Very dissatisfied"]


@pytest.mark.parametrize("direction", ["lower_is_better", "higher_is_better", None])
@pytest.mark.parametrize("best_first", [True, False], ids=["Very satisfied first", "Very dissatisfied first"])
def test_an_override_s_direction_does_not_turn_round_choice_options_of_words_alone(tmp_path, best_first, direction):
    """A `choice` question whose options are a built-in scale's words alone ("Very satisfied" …
    "Very dissatisfied", or the other way round), configured `metric = "csat"`, `scale = [1, 5]`
    with any direction or none through the shared question plan: the satisfied answers count
    satisfied, CSAT % against a count of the words answered."""
    helpdesk = csat_helpdesk()
    words = SATISFACTION if best_first else SATISFACTION[::-1]
    options = [{"value": f"CH_{n}", "label": word} for n, word in enumerate(words, start=1)]
    question = {"type": "choice", "id": "Q_1", "text": "How satisfied are you?", "required": True, "deleted": False,
                "multiple": False, "choices": options}  # fmt: skip
    helpdesk.csat_surveys = [{**helpdesk.csat_surveys[1], "questions": [question]}]
    chosen = ["Very satisfied", "Very satisfied", "Satisfied", "Dissatisfied", "Neutral", "Very dissatisfied"]
    helpdesk.csat_responses = {PULSE: [csat_response(n, PULSE, {"Q_1": f"CH_{words.index(word) + 1}"})
                                       for n, word in enumerate(chosen, start=1)]}  # fmt: skip
    override = {"metric": "csat", "scale": [1, 5]} | ({"direction": direction} if direction else {})
    with freshdesk(helpdesk) as api:
        result = sync(tmp_path, entry(api.url, ticket_context=False, questions={f"{PULSE}/Q_1": override}))
    assert (result.status, result.written, result.quarantined) == ("success", len(chosen), 0), result.error
    satisfied = sum(word in ("Very satisfied", "Satisfied") for word in chosen)
    assert query(tmp_path, "SELECT responses, csat_pct FROM csat_by_month") == [
        (len(chosen), half_up(Fraction(100 * satisfied, len(chosen))))]  # fmt: skip
    labels = query(tmp_path, "SELECT json_extract(answers, '$.Q_1.label'), category FROM feedback "
                   "JOIN feedback_scores USING (record_id) ORDER BY submitted_at")  # fmt: skip
    categories = {"Very satisfied": "satisfied", "Satisfied": "satisfied", "Neutral": "neutral"}
    assert labels == [(word, categories.get(word, "dissatisfied")) for word in chosen]


AGREEMENT = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]


@pytest.mark.parametrize(("statement", "metric", "direction", "agreeing"), [
    ("I was not satisfied with the support", "csat", "lower_is_better", "dissatisfied"),
    ("It was difficult to reach the right person", "ces", "lower_is_better", "high_effort"),
    ("I was satisfied with the support", "csat", "higher_is_better", "satisfied"),
])  # fmt: skip
def test_an_override_s_direction_says_which_end_of_agreement_is_good(tmp_path, statement, metric, direction, agreeing):
    """Agreement options valued by the built-in scale ("Strongly agree" 5) under an override's
    `direction`: what agreeing means is the statement's, which the direction states, so they keep
    their values — "Strongly agree" that "I was not satisfied" under lower_is_better is the worst
    answer, as a file's entry with those labels reads it (files.md). Before, the plan valued them
    again the other way, as it does satisfaction words, and counted agreeing the best answer."""
    helpdesk = csat_helpdesk()
    options = [{"value": f"CH_{n}", "label": word} for n, word in enumerate(AGREEMENT, start=1)]
    question = {"type": "choice", "id": "Q_1", "text": statement, "required": True, "deleted": False,
                "multiple": False, "choices": options}  # fmt: skip
    helpdesk.csat_surveys = [{**helpdesk.csat_surveys[1], "questions": [question]}]
    chosen = ["Strongly agree", "Agree", "Strongly agree", "Neither agree nor disagree", "Strongly disagree"]
    helpdesk.csat_responses = {PULSE: [csat_response(n, PULSE, {"Q_1": f"CH_{AGREEMENT.index(word) + 1}"})
                                       for n, word in enumerate(chosen, start=1)]}  # fmt: skip
    override = {"metric": metric, "scale": [1, 5], "direction": direction}
    with freshdesk(helpdesk) as api:
        result = sync(tmp_path, entry(api.url, ticket_context=False, questions={f"{PULSE}/Q_1": override}))
    assert (result.status, result.written, result.quarantined) == ("success", len(chosen), 0), result.error
    stored = query(tmp_path, "SELECT json_extract(answers, '$.Q_1.label'), value, category FROM feedback "
                   "JOIN feedback_scores USING (record_id) ORDER BY submitted_at")  # fmt: skip
    disagreeing = {"satisfied": "dissatisfied", "dissatisfied": "satisfied", "high_effort": "low_effort"}[agreeing]
    categories = {"Strongly agree": agreeing, "Agree": agreeing, "Strongly disagree": disagreeing}
    assert stored == [(word, AGREEMENT.index(word) + 1.0, categories.get(word, "neutral")) for word in chosen]


def test_a_range_override_s_direction_against_its_ratings_words_is_a_config_error(tmp_path):
    """A `range` question whose ratings label 1 "Very satisfied" … 5 "Very dissatisfied", with
    an override `direction = "higher_is_better"`: the words say lower is better, so the override
    would count every satisfied answer dissatisfied (CSAT % 33.3 where the words mean 50). As a
    file's answers numbered against their direction are refused, the plan refuses it before any
    response is read, naming the question's table, its labels and the direction to set; set so,
    CSAT % is the share of 1s and 2s."""
    helpdesk = csat_helpdesk()
    best_first = range_question("Q_1", "How satisfied are you?", 1, 5, labels=tuple(SATISFACTION))
    helpdesk.csat_surveys = [{**helpdesk.csat_surveys[1], "questions": [best_first]}]
    given = [1, 2, 4, 5, 3, 1]
    helpdesk.csat_responses = {PULSE: [csat_response(n, PULSE, {"Q_1": value}) for n, value in enumerate(given, 1)]}
    override = {"metric": "csat", "scale": [1, 5], "direction": "higher_is_better"}
    with freshdesk(helpdesk) as api:
        refused = sync(tmp_path, entry(api.url, ticket_context=False, questions={f"{PULSE}/Q_1": override}))
        assert (refused.status, refused.written) == ("failed", 0), refused.error
        assert refused.error == (
            f'sources.helpdesk.questions."{PULSE}/Q_1": direction = "higher_is_better" is set, but its choices value '
            "'Very satisfied' 1 … 'Very dissatisfied' 5, labels of the built-in satisfaction (5 points) scale: lower is "
            f'better; set direction = "lower_is_better" under [sources.helpdesk.questions."{PULSE}/Q_1"], or map its '
            "answers under labels")  # fmt: skip
        override["direction"] = "lower_is_better"
        result = sync(tmp_path, entry(api.url, ticket_context=False, questions={f"{PULSE}/Q_1": override}))
    assert (result.status, result.written, result.quarantined) == ("success", len(given), 0), result.error
    satisfied = sum(value <= 2 for value in given)  # 1 "Very satisfied", 2 "Satisfied"
    assert query(tmp_path, "SELECT csat_pct FROM csat_by_month") == [(half_up(Fraction(100 * satisfied, len(given))),)]


@pytest.mark.parametrize(
    ("survey", "question", "given"),
    [(ADVANCED, "Q_1", 4.5), (ADVANCED, "Q_1", "4.5"), (ADVANCED, "Q_2", 8.5), (PULSE, "Q_2", 6.5)],
    ids=["csat-number", "csat-text", "nps", "unscored"],
)
def test_a_range_answer_between_two_points_is_quarantined_naming_the_question_and_the_value(tmp_path, survey,
                                                                                          question, given):  # fmt: skip
    """A `range` question is answered with one of its points: its scale's `min`, `max` and its
    ratings' `value` are integers, and an answer's `value` an integer or a string (singer-io/
    tap-freshdesk schemas/csat_surveys.json, survey_responses.json at df646c6; the fractions are
    ours, none recorded). 4.5 on the example survey's 1–5 Q_1 was stored as csat 4.5, and
    "satisfied"; 6.5 on the pulse survey's unscored 1–7 Q_2 was kept as an answer. Each now waits
    in quarantine naming the question and the value, as a classic rating that is no whole number
    does; the responses around it, and a whole 4.0, are written."""
    helpdesk = csat_helpdesk()
    helpdesk.csat_responses = {survey: [csat_response(1, survey, {"Q_1": 5}), csat_response(2, survey, {question: given}),
                                        csat_response(3, survey, {"Q_1": 4.0})]}  # fmt: skip
    with freshdesk(helpdesk) as api:
        result = sync(tmp_path, entry(api.url, ticket_context=False))
    assert (result.status, result.written, result.quarantined) == ("success", 2, 1), result.error
    [(native, field, error)] = query(tmp_path, "SELECT source_record_id, field, error FROM quarantine")
    assert (native, field) == ("5f0c9e2a-0000-4000-8000-000000000002", f"answers.{question}")
    assert f"answer {given!r} to range question {question} is not a whole number" in error
    assert query(tmp_path, "SELECT csat FROM feedback ORDER BY submitted_at") == [(5.0,), (4.0,)]


@pytest.mark.parametrize("given", [9, 0, "8"])
def test_an_unscored_range_answer_off_its_scale_is_quarantined_naming_the_question_bounds_and_value(tmp_path, given):
    """The pulse survey's Q_2 is a 1–7 `range` question left unscored (no labels, no score ranges:
    which end is satisfied is not known); its `min` and `max` still say which answers it takes. 9,
    0 or "8" (ours: none recorded) were kept as answers; now the response waits in quarantine naming
    the question, its scale and the value, and the responses around it are written."""
    helpdesk = csat_helpdesk()
    helpdesk.csat_responses = {PULSE: [csat_response(1, PULSE, {"Q_2": 7}), csat_response(2, PULSE, {"Q_2": given}),
                                       csat_response(3, PULSE, {"Q_2": 1})]}  # fmt: skip
    with freshdesk(helpdesk) as api:
        result = sync(tmp_path, entry(api.url, ticket_context=False))
    assert (result.status, result.written, result.quarantined) == ("success", 2, 1), result.error
    [(native, field, error)] = query(tmp_path, "SELECT source_record_id, field, error FROM quarantine")
    assert (native, field) == ("5f0c9e2a-0000-4000-8000-000000000002", "answers.Q_2")
    assert f"answer {given!r} to range question Q_2 is outside its scale 1–7" in error, error
    answers = query(tmp_path, "SELECT json_extract(answers, '$.Q_2.value') FROM feedback ORDER BY submitted_at")
    assert answers == [(7,), (1,)]


def test_a_recommend_question_on_1_to_10_says_why_it_is_no_nps(tmp_path):
    """A range question about recommending on 1–10 (its identifier NPS or not) is no NPS, by the rule
    files and every connector share (cxbridge.detection.declared_scale); the summary said "which end
    is satisfied is not known", as of a CSAT scale without labels, and now gives the rule's reason."""
    helpdesk = csat_helpdesk()
    pulse = next(survey for survey in helpdesk.csat_surveys if survey["id"] == PULSE)
    helpdesk.csat_surveys = [survey for survey in helpdesk.csat_surveys if survey["id"] != PULSE] + [
        {**pulse, "questions": [*pulse["questions"],
                                range_question("Q_4", "How likely are you to recommend us?", 1, 10, identifier="NPS")]}]  # fmt: skip
    helpdesk.csat_responses[PULSE] = [csat_response(5, PULSE, {"Q_1": 4, "Q_2": 6, "Q_3": 1, "Q_4": 10})]
    with freshdesk(helpdesk) as api:
        result = sync(tmp_path, entry(api.url, ticket_context=False))
    assert result.status == "success", result.error
    assert query(tmp_path, "SELECT nps FROM feedback WHERE survey_id = ?", (PULSE,)) == [(None,)]
    [warning] = [w for w in result.warnings if "question Q_4" in w]
    assert "a 1–10 scale, and an NPS is asked 0–10" in warning and "which end is satisfied" not in warning
    assert f'[sources.helpdesk.questions."{PULSE}/Q_4"]' in warning


def test_a_survey_response_is_keyed_by_its_requesters_e_mail_from_the_ticket_listing(tmp_path):
    helpdesk = csat_helpdesk()
    helpdesk.contacts = {401: "Ann.Lee@example.com"}  # response 1's user, its ticket's requester
    with freshdesk(helpdesk) as api:
        result = sync(tmp_path, entry(api.url))
    assert result.status == "success", result.error
    [(salt,)] = query(tmp_path, "SELECT value FROM cxbridge_metadata WHERE name = 'respondent_salt'")
    keys = dict(query(tmp_path, "SELECT source_record_id, respondent_key FROM feedback"))
    assert keys.pop("5f0c9e2a-0000-4000-8000-000000000001") == RespondentKeys(salt).key("ann.lee@example.com")
    assert set(keys.values()) == {None}
