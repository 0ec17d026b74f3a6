"""A QuestionPro matrix question's rows read their options from its columns: each row is a question
of its own (the `questionID` a response gives it), whose listed options are the matrix's columns
(`rows[].columns[]` of GET …/questions), so a row is scored as a question listing the same options
is — its direction from the columns' words, an answer contradicting them quarantined alike. The
list's and the responses' matrix shapes are inferred (tests/data/vendor/questionpro/README.md).
Through a cassette of the local QuestionPro fake (cassettes/questionpro/matrix.yaml) and the fake
itself, into real SQLite files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import cxbridge
from cxbridge.testing.cassettes import api_cassette
from tests.questionpro_api import (
    API_KEY, REAL_HOST, QuestionProAccount, qp_matrix, qp_question, qp_response, qp_row_answer, questionpro,
)  # fmt: skip
from tests.sqlite_runs import query
from tests.test_questionpro_contradicting_answers import refused
from tests.test_questionpro_source import entry, fixed_clock, sync  # noqa: F401 (an autouse fixture)

CASSETTE = Path(__file__).resolve().parents[1] / "cassettes" / "questionpro" / "matrix.yaml"
BEST_FIRST = ["1 - Very satisfied", "2 - Satisfied", "3 - Neutral", "4 - Dissatisfied", "5 - Very dissatisfied"]
MATRIX = qp_matrix(9100, "Q3", "How satisfied are you with…", {9101: "…the speed of the reply",
                                                                 9102: "…the friendliness of the staff"}, BEST_FIRST)  # fmt: skip
ANSWERS = ["1 - Very satisfied", "2 - Satisfied", "4 - Dissatisfied", "1 - Very dissatisfied"]  # the last: an
# option since taken out, numbered the other way round


def matrix_account() -> QuestionProAccount:
    """The support survey asking the matrix; row 9101 answered `ANSWERS`, row 9102 "3 - Neutral"."""
    responses = []
    for n, answer in enumerate(ANSWERS, start=1):
        response = qp_response(n)
        response["responseSet"] = [qp_row_answer(MATRIX, 9101, answer), qp_row_answer(MATRIX, 9102, "3 - Neutral")]
        responses.append(response)
    return QuestionProAccount(responses={7654321: responses}, questions={7654321: [MATRIX]})


def listed_account() -> QuestionProAccount:
    """The same answers to question 9002, which the list gives `answers` of the same options."""
    account = matrix_account()
    question = qp_question(9002, "Q2", "How satisfied are you with the speed of the reply?", BEST_FIRST)
    account.questions[7654321] = [question]
    for response in account.responses[7654321]:
        [row, _] = response["responseSet"]
        response["responseSet"] = [{**row, "questionID": 9002, "questionCode": "Q2", "questionDescription": " ",
                                    "questionText": question["text"]}]  # fmt: skip
    return account


def scored(folder: Path, question: str) -> list[tuple[Any, ...]]:
    return query(folder, "SELECT f.source_record_id, s.value, s.direction, s.category FROM feedback_scores s "
                         f"JOIN feedback f USING (record_id) WHERE s.question_id = '{question}' ORDER BY 1")  # fmt: skip


def expected(question: str) -> tuple[list[tuple[Any, ...]], list[tuple[str, str]]]:
    """Lower is better, as the options numbered best first say; the answer numbered the other way
    round is quarantined with the reason an ordinary question's gets."""
    scores = [("70000001", 1, "lower_is_better", "satisfied"), ("70000002", 2, "lower_is_better", "satisfied"),
              ("70000003", 4, "lower_is_better", "dissatisfied")]  # fmt: skip
    reason = refused("1 - Very dissatisfied", 1, "Very dissatisfied", "higher_is_better")
    return scores, [("70000004", reason.replace("9002", question))]


def test_a_matrix_row_takes_its_direction_from_the_columns_and_quarantines_an_answer_against_them(tmp_path):
    """Row 9101 configured `metric = "csat"`, `scale = [1, 5]`, no direction: its columns, numbered
    best first, make it lower-is-better, and "1 - Very dissatisfied" is quarantined as numbered the
    other way round. Before, the list gave the row no options (only `answers` were read): its
    direction was learnt from the answers, which numbered the scale both ways — decided nothing,
    read higher-is-better — so the three answers written best first were quarantined instead and
    "1 - Very dissatisfied" stored as the most dissatisfied answer."""
    with questionpro(matrix_account()) as api:
        with api_cassette(CASSETTE, real_url=REAL_HOST, fake_url=api.url, secrets=[API_KEY]) as recorded:
            result = sync(tmp_path, entry(recorded.base_url, questions={"9101": {"metric": "csat", "scale": [1, 5]}}))
    assert (result.status, result.written, result.quarantined) == ("success", 3, 1), result.error
    scores, quarantined = expected("9101")
    assert scored(tmp_path, "9101") == scores
    assert query(tmp_path, "SELECT source_record_id, error FROM quarantine ORDER BY 1") == quarantined
    assert all(request.headers["api-key"] == "REDACTED" for request in recorded.cassette.requests)


@pytest.mark.parametrize(("account", "question"), [(matrix_account, "9101"), (listed_account, "9002")])
def test_a_matrix_row_reads_as_a_question_listing_the_same_options(tmp_path, account, question):
    """One expectation for a matrix row and an ordinary question whose `answers` are the matrix's
    columns (the latter read so before)."""
    with questionpro(account()) as api:
        result = sync(tmp_path, entry(api.url, questions={question: {"metric": "csat", "scale": [1, 5]}}))
    assert (result.status, result.written, result.quarantined) == ("success", 3, 1), result.error
    scores, quarantined = expected(question)
    assert scored(tmp_path, question) == scores
    assert query(tmp_path, "SELECT source_record_id, error FROM quarantine ORDER BY 1") == quarantined


SEVEN = ["Extremely dissatisfied", "Moderately dissatisfied", "Slightly dissatisfied",
         "Neither satisfied nor dissatisfied", "Slightly satisfied", "Moderately satisfied", "Extremely satisfied"]  # fmt: skip


def test_a_matrix_row_takes_its_scale_from_seven_columns_of_satisfaction_words(tmp_path):
    """Row 9101 configured by its `metric` alone, its columns the built-in 7-point satisfaction
    words: it is scored on 1–7, as a question listing them is. Before, nothing listed the row's
    options: it was read on CSAT's default 1–5, "Extremely satisfied" stored as 5 of 5 and the
    other answers quarantined as no label of that scale."""
    matrix = qp_matrix(9100, "Q3", "How satisfied are you with…", {9101: "…the speed of the reply"}, SEVEN)
    responses = []
    for n, answer in enumerate(["Slightly satisfied", "Extremely satisfied", "Moderately dissatisfied"], start=1):
        response = qp_response(n)
        response["responseSet"] = [qp_row_answer(matrix, 9101, answer)]
        responses.append(response)
    with questionpro(QuestionProAccount(responses={7654321: responses}, questions={7654321: [matrix]})) as api:
        result = sync(tmp_path, entry(api.url, questions={"9101": {"metric": "csat"}}))
    assert (result.status, result.written, result.quarantined) == ("success", 3, 0), result.error
    assert scored(tmp_path, "9101") == [("70000001", 5, "higher_is_better", "neutral"),
                                        ("70000002", 7, "higher_is_better", "satisfied"),
                                        ("70000003", 2, "higher_is_better", "dissatisfied")]  # fmt: skip
    assert query(tmp_path, "SELECT DISTINCT scale_min, scale_max FROM feedback_scores") == [(1, 7)]


NUMBERED = qp_matrix(9200, "Q4", "How would you rate…", {9201: "…the speed of the reply", 9202: "…our staff"},
                     ["1", "2", "3", "4", "5"])  # fmt: skip


def numbered_account() -> QuestionProAccount:
    """The support survey asking matrix 9200, whose columns are bare numbers (nothing but the config
    says what its rows measure): row 9201 answered 5, 4, 2 and 1, row 9202 3 each time."""
    responses = []
    for n, answer in enumerate(["5", "4", "2", "1"], start=1):
        response = qp_response(n)
        response["responseSet"] = [qp_row_answer(NUMBERED, 9201, answer), qp_row_answer(NUMBERED, 9202, "3")]
        responses.append(response)
    return QuestionProAccount(responses={7654321: responses}, questions={7654321: [NUMBERED]})


@pytest.mark.parametrize("key", ["9200", "7654321/9200"])
def test_an_override_keyed_by_the_matrix_reaches_each_row_a_row_s_own_winning(tmp_path, key):
    """`metric = "csat"` keyed by matrix 9200 scores its rows as each row's own key would; row
    9202's own override (a 1–5 rating) wins over the matrix's. Before, nothing keyed row 9201, so
    the matrix's override was ignored without a word: csat_by_month counted no CSAT where row
    9201's answers 5, 4, 2 and 1 make 50.0 % (two of four in the best two boxes of 1–5)."""
    config = {key: {"metric": "csat", "scale": [1, 5]}, "9202": {"metric": "rating", "scale": [1, 5]}}
    with questionpro(numbered_account()) as api:
        result = sync(tmp_path, entry(api.url, questions=config))
    assert (result.status, result.written, result.quarantined) == ("success", 4, 0), result.error
    answers = [5, 4, 2, 1]
    assert [value for _, value, _, _ in scored(tmp_path, "9201")] == answers
    assert query(tmp_path, "SELECT DISTINCT metric, value FROM feedback_scores WHERE question_id = '9202'") == [
        ("rating", 3)]  # fmt: skip
    satisfied = sum(answer >= 4 for answer in answers)
    assert query(tmp_path, "SELECT responses, csat_pct FROM csat_by_month") == [
        (len(answers), round(100 * satisfied / len(answers), 1))]  # fmt: skip


def test_an_ignored_matrix_keeps_none_of_its_rows(tmp_path):
    """`ignore = true` keyed by the matrix: no row's answer is stored, in `answers` or `raw`.
    Before, both rows' answers were kept."""
    with questionpro(matrix_account()) as api:
        result = sync(tmp_path, entry(api.url, questions={"9100": {"ignore": True}}))
    assert (result.status, result.written, result.quarantined) == ("success", 4, 0), result.error
    stored = query(tmp_path, "SELECT answers || raw FROM feedback")
    assert len(stored) == 4 and not any("9101" in text or "9102" in text for (text,) in stored)


@pytest.mark.parametrize("key", ["9020", "7654321/9020"])
def test_an_override_keyed_by_no_question_of_the_survey_is_named_with_the_ids_it_has(tmp_path, key):
    """A typo (9020 for 9002) keys no question: the sync says so, naming the key and the survey's
    question ids (the matrix's, its rows' and those its responses answer). Before, the override was
    ignored without a word and question 9002 stored unscored."""
    account = matrix_account()
    account.questions[7654321].append(qp_question(9002, "Q2", "How satisfied are you with us?", BEST_FIRST))
    with questionpro(account) as api:
        result = sync(tmp_path, entry(api.url, questions={key: {"metric": "csat", "scale": [1, 5]}}))
    assert result.status == "success", result.error
    assert [warning for warning in result.warnings if "9020" in warning] == [
        f"survey 7654321: [sources.support.questions.{key if key.isdigit() else json.dumps(key)}] names no question of the survey, whose "
        "question ids are 9002, 9100 (a matrix: its rows 9101, 9102): it is read by no answer; key it by one of them"]


@pytest.mark.parametrize(("setting", "written"), [({"primary": True}, "primary = true"),
                                                  ({"question_key": "speed"}, "question_key = 'speed'")])  # fmt: skip
def test_a_setting_of_one_question_keyed_by_a_matrix_is_refused_naming_its_rows(tmp_path, setting, written):
    """`primary` (the one question filling the record's column) and `question_key` (the one logical
    question a question continues) name one question: keyed by a matrix, which is several, they are
    refused before any response is stored, naming the rows to key instead. Before, the matrix's
    override was ignored; reaching every row, they would have made every row the primary, or one
    question of all the rows' answers."""
    with questionpro(numbered_account()) as api:
        result = sync(tmp_path, entry(api.url, questions={"9200": {"metric": "csat", **setting}}))
    assert (result.status, result.written) == ("failed", 0)
    assert (f"sources.support.questions.9200: {written} names one question, and matrix 9200 is the questions of "
            f"its rows 9201, 9202: set it under one row's table") in result.error  # fmt: skip


def test_a_replayed_response_reads_its_rows_by_the_matrix_s_override(tmp_path):
    """Response 70000004, whose row 9101 answer numbers the scale against the columns, is quarantined
    under the matrix's override; once the matrix's table says higher_is_better, `cxbridge quarantine
    replay` (which reads no question list) scores its rows by it, as a sync does: the sync's cursor
    keeps the matrix's rows. Before, the replay knew no rows of 9100 and stored them unscored."""
    with questionpro(matrix_account()) as api:
        first = sync(tmp_path, entry(api.url, questions={"9100": {"metric": "csat", "scale": [1, 5]}}))
        config = tmp_path / "cxbridge.toml"
        config.write_text(
            f'[sources.support]\nconnector = "questionpro"\nbase_url = "{api.url}"\n'
            'api_key = "${QUESTIONPRO_API_KEY}"\nsurveys = [7654321]\n'
            '[sources.support.questions.9100]\nmetric = "csat"\nscale = [1, 5]\ndirection = "higher_is_better"\n',
            encoding="utf-8",
        )  # fmt: skip
        replayed = cxbridge.quarantine_replay(config, destination=f"sqlite:///{tmp_path / 'cxbridge.db'}")
    assert (first.written, first.quarantined) == (3, 1), first.error
    assert (replayed.results[0].written, replayed.results[0].quarantined) == (1, 0)
    assert query(tmp_path, "SELECT s.question_id, s.value, s.direction, s.category FROM feedback_scores s JOIN "
                           "feedback f USING (record_id) WHERE f.source_record_id = '70000004' ORDER BY 1") == [
        ("9101", 1, "higher_is_better", "dissatisfied"), ("9102", 3, "higher_is_better", "neutral")]  # fmt: skip


def test_a_key_without_a_survey_naming_no_question_of_any_survey_lists_each_survey_s_ids(tmp_path):
    """Keyed by the question id alone, a key may be any survey's: it is told only when it names no
    question of any survey read, with each survey's ids; one naming a question of either is not."""
    account = matrix_account()
    account.surveys[7654322], account.responses[7654322] = "Delivery CSAT", []
    account.questions[7654322] = [qp_question(9301, "Q1", "How satisfied are you with us?", BEST_FIRST)]
    questions = {"9020": {"metric": "csat"}, "9301": {"metric": "csat"}, "9101": {"metric": "csat"}}
    with questionpro(account) as api:
        result = sync(tmp_path, entry(api.url, surveys=[7654321, 7654322], questions=questions))
    assert result.status == "success", result.error
    assert [warning for warning in result.warnings if "names no question" in warning] == [
        "[sources.support.questions.9020] names no question of the surveys read (survey 7654321: 9100 (a matrix: its "
        "rows 9101, 9102); survey 7654322: 9301): it is read by no answer; key it by one of them"]  # fmt: skip
