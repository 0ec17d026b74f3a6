"""The google_forms source on payloads in Google's published shapes (tests/data/vendor/google_forms/,
sources in its README): a 0–10 and a 0–4 scale whose `low` proto3 JSON leaves out, star and heart
ratings, and a real `responses.list` answer — numbers checked against sums done here by hand."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import pytest

from cxbridge.plugins.google_forms.form import parse_form
from cxbridge.plugins.google_forms.source import GoogleFormsSource
from cxbridge.questions import QuestionOverride
from tests.google_forms_api import ACCESS_TOKEN, FormsAccount, google_forms
from tests.sqlite_runs import query, sync_source

VENDOR = Path(__file__).parent / "data" / "vendor" / "google_forms"
FORM = json.loads((VENDOR / "form.json").read_text(encoding="utf-8"))
RESPONSES = json.loads((VENDOR / "responses.json").read_text(encoding="utf-8"))["responses"]
sync = partial(sync_source, name="orders")


@pytest.fixture
def synced(tmp_path, monkeypatch) -> Path:
    monkeypatch.setattr(GoogleFormsSource, "sleep", staticmethod(lambda seconds: None))
    key = {"type": "authorized_user", "client_id": "c", "client_secret": "s", "refresh_token": "r",
           "token": ACCESS_TOKEN, "expiry": "2099-01-01T00:00:00Z"}  # fmt: skip
    (tmp_path / "key.json").write_text(json.dumps(key), encoding="utf-8")
    account = FormsAccount()
    account.add_form(FORM, *RESPONSES)
    with google_forms(account) as api:
        result = sync(tmp_path, {"connector": "google_forms", "base_url": api.url + "/v1", "forms": [FORM["formId"]],
                                 "credentials_file": "key.json"})  # fmt: skip
    assert (result.status, result.written, result.quarantined) == ("success", 5, 0), result.error
    return tmp_path


def test_a_scale_without_low_starts_at_zero_and_a_rating_runs_from_one_to_its_level():
    questions = parse_form(FORM).questions
    assert [questions[qid].scale for qid in ("1b2c3d4e", "2c3d4e5f", "3d4e5f60", "4e5f6071")] == [
        (0, 10), (0, 4), (1, 5), (1, 3),
    ]  # fmt: skip


def test_the_recommend_scale_from_zero_is_nps_and_its_zero_a_detractor(synced):
    answers = [10, 0, 8, 6]  # the four responses that answer it
    promoters, detractors = sum(a >= 9 for a in answers), sum(a <= 6 for a in answers)
    expected = 100 * (promoters - detractors) / len(answers)  # (1 - 2) / 4 = -25
    assert query(synced, "SELECT source_record_id, nps, nps_group FROM feedback WHERE nps IS NOT NULL ORDER BY 1") == [
        ("ACYDBNj-order-0002", 10, "promoter"), ("ACYDBNj-order-0003", 0, "detractor"),
        ("ACYDBNj-order-0004", 8, "passive"), ("ACYDBNj-order-0005", 6, "detractor"),
    ]  # fmt: skip
    assert query(synced, "SELECT promoters, passives, detractors, nps FROM nps_by_month") == [(1, 1, 2, expected)]


def test_a_zero_to_four_satisfaction_scale_keeps_its_zero(synced):
    values = [4, 0, 3, 2]
    satisfied = sum(v >= 3 for v in values)  # top two boxes of five points
    assert query(synced, "SELECT csat, csat_normalized FROM feedback WHERE csat IS NOT NULL ORDER BY source_record_id") == [
        (4.0, 100.0), (0.0, 0.0), (3.0, 75.0), (2.0, 50.0),
    ]  # fmt: skip
    assert query(synced, "SELECT satisfied, neutral, dissatisfied, csat_pct FROM csat_by_month") == [
        (satisfied, 1, 1, 100 * satisfied / len(values)),
    ]


def test_stars_are_a_rating_and_hearts_about_satisfaction_are_csat(synced):
    scores = query(synced, "SELECT question_id, metric, value, scale_min, scale_max, normalized, category "
                           "FROM feedback_scores WHERE question_id IN ('3d4e5f60', '4e5f6071') "
                           "ORDER BY question_id, value")  # fmt: skip
    stars = [(s, (s - 1) / 4 * 100) for s in (2, 3, 4, 5)]
    hearts = {1: "dissatisfied", 2: "neutral", 3: "satisfied"}  # a 3-point scale: top and bottom box only
    assert scores == [
        *[("3d4e5f60", "rating", float(s), 1.0, 5.0, n, None) for s, n in stars],
        *[("4e5f6071", "csat", float(h), 1.0, 3.0, (h - 1) / 2 * 100, c) for h, c in hearts.items()],
    ]


def test_the_real_api_answer_keeps_its_text_and_its_times(synced):
    [(answers, submitted, updated)] = query(
        synced, "SELECT answers, submitted_at, updated_at FROM feedback WHERE source_record_id LIKE 'ACYDBNjs6U%'"
    )
    assert json.loads(answers) == {  # "Your name" (6a401f94, answered 初) asks for personal data: stored nowhere
        "2063e2c0": {"text": "Favourite colour", "value": "カーキ", "label": "カーキ"},
    }
    assert (submitted, updated) == ("2022-03-24T01:58:09.055000Z", "2022-03-24T01:58:09.055199Z")


def test_rating_defaults_keep_the_configs_keys_and_yield_to_a_metric_it_names():
    form = parse_form(FORM)
    given = {"3d4e5f60": QuestionOverride(primary=True), "0e1f3041": QuestionOverride(ignore=True)}
    found = form.with_rating_defaults(given)
    assert (found["3d4e5f60"].metric, found["3d4e5f60"].scale, found["3d4e5f60"].primary) == ("rating", (1, 5), True)
    assert "4e5f6071" not in found  # its wording makes it csat already
    assert form.with_rating_defaults({"3d4e5f60": QuestionOverride(metric="csat")})["3d4e5f60"].metric == "csat"
    assert form.with_rating_defaults({"3d4e5f60": QuestionOverride(unscored=True)})["3d4e5f60"].metric is None


def test_options_showing_their_number_beside_words_score_as_their_numbers_by_the_questions_wording(tmp_path, monkeypatch):
    """A RADIO question whose options are numbered with words at the ends ("1 - Very dissatisfied"
    … "5 - Very satisfied"), as files, Qualtrics and SurveyMonkey read it; options numbered as a
    frequency ("1 - 2 times a month"), under wording that names no satisfaction or ease, stay unscored."""
    monkeypatch.setattr(GoogleFormsSource, "sleep", staticmethod(lambda seconds: None))
    satisfaction = ["1 - Very dissatisfied", "2", "3", "4", "5 - Very satisfied"]
    often = ["1 - 2 times a month", "3 - 4 times a month", "5 or more times a month"]
    radio = [("5a6b7c8d", "How satisfied were you with the checkout?", satisfaction),
             ("6b7c8d9e", "How often do you order from us?", often)]  # fmt: skip
    form = {**FORM, "items": [*FORM["items"], *({"itemId": f"1{qid}", "title": title, "questionItem": {"question": {
        "questionId": qid, "choiceQuestion": {"type": "RADIO", "options": [{"value": o} for o in options]}}}}
        for qid, title, options in radio)]}  # fmt: skip
    chosen = {"ACYDBNj-order-0002": ("5 - Very satisfied", often[0]), "ACYDBNj-order-0003": ("1 - Very dissatisfied", often[2]),
              "ACYDBNj-order-0004": ("4", often[1])}  # fmt: skip
    responses = [{**r, "answers": {**r["answers"], **{qid: {"questionId": qid, "textAnswers": {"answers": [{"value": v}]}}
                                                     for qid, v in zip(("5a6b7c8d", "6b7c8d9e"), chosen[r["responseId"]])}}}
                 if r["responseId"] in chosen else r for r in RESPONSES]  # fmt: skip
    key = {"type": "authorized_user", "client_id": "c", "client_secret": "s", "refresh_token": "r",
           "token": ACCESS_TOKEN, "expiry": "2099-01-01T00:00:00Z"}  # fmt: skip
    (tmp_path / "key.json").write_text(json.dumps(key), encoding="utf-8")
    account = FormsAccount()
    account.add_form(form, *responses)
    with google_forms(account) as api:
        result = sync(tmp_path, {"connector": "google_forms", "base_url": api.url + "/v1", "forms": [form["formId"]],
                                 "credentials_file": "key.json"})  # fmt: skip
    assert (result.status, result.written, result.quarantined) == ("success", 5, 0), result.error
    numbers = {r: int(label.split(" ")[0]) for r, (label, _) in chosen.items()}
    category = {1: "dissatisfied", 2: "dissatisfied", 3: "neutral", 4: "satisfied", 5: "satisfied"}  # top two of five
    assert query(tmp_path, "SELECT source_record_id, metric, value, scale_min, scale_max, normalized, category FROM "
                           "feedback_scores JOIN feedback USING (record_id) WHERE question_id = '5a6b7c8d' ORDER BY 1") == [
        (r, "csat", float(n), 1.0, 5.0, (n - 1) / 4 * 100, category[n]) for r, n in sorted(numbers.items())
    ]  # fmt: skip
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback_scores WHERE question_id = '6b7c8d9e'") == [(0,)]
    # a frequency's options name ranges ("1 - 2", "5 or more"), not a scale's points: kept as written
    assert query(tmp_path, "SELECT source_record_id, json_extract(answers, '$.6b7c8d9e.value') FROM feedback "
                           "WHERE json_extract(answers, '$.6b7c8d9e') IS NOT NULL ORDER BY 1") == [
        (r, often_chosen) for r, (_, often_chosen) in sorted(chosen.items())]  # fmt: skip


def test_real_quiz_definitions_keep_their_numbered_options_and_an_untitled_forms_document_title(tmp_path, monkeypatch):
    """Three real forms.get answers (jamboit_quiz_forms.json): a quiz, its copy — the same item and
    question ids, another formId — and an untitled form, whose proto3 JSON leaves `info.title` out.
    The responses are ours, in the documented quiz shape (`grade` beside `textAnswers`)."""
    monkeypatch.setattr(GoogleFormsSource, "sleep", staticmethod(lambda seconds: None))
    key = {"type": "authorized_user", "client_id": "c", "client_secret": "s", "refresh_token": "r",
           "token": ACCESS_TOKEN, "expiry": "2099-01-01T00:00:00Z"}  # fmt: skip
    (tmp_path / "key.json").write_text(json.dumps(key), encoding="utf-8")
    forms = json.loads((VENDOR / "jamboit_quiz_forms.json").read_text(encoding="utf-8"))
    questions = {form["formId"]: {item["questionItem"]["question"]["questionId"]: item for item in form["items"]}
                 for form in forms}  # fmt: skip
    picks = {forms[0]["formId"]: {"725f1a62": "4", "6b861bea": "5", "331a02e1": "18"},
             forms[1]["formId"]: {"725f1a62": "3"}, forms[2]["formId"]: {"3f267391": "Opção 1"}}  # fmt: skip
    account = FormsAccount()
    for n, form in enumerate(forms, start=1):
        keys = {qid: [answer["value"] for answer in ((item["questionItem"]["question"].get("grading") or {})
                                                      .get("correctAnswers") or {}).get("answers", [])]
                for qid, item in questions[form["formId"]].items()}  # fmt: skip
        answers = {qid: {"questionId": qid, "textAnswers": {"answers": [{"value": value}]},  # proto3: a wrong one is {}
                         "grade": {"correct": True} if value in keys[qid] else {}}
                   for qid, value in picks[form["formId"]].items()}  # fmt: skip
        account.add_form(form, {"responseId": f"ACYDBNquiz{n}", "createTime": f"2023-03-2{n}T10:00:00.100Z",
                                "lastSubmittedTime": f"2023-03-2{n}T10:00:00.100123Z", "answers": answers})  # fmt: skip
    with google_forms(account) as api:
        result = sync(tmp_path, {"connector": "google_forms", "base_url": api.url + "/v1", "credentials_file": "key.json",
                                 "forms": [form["formId"] for form in forms]})  # fmt: skip
    assert (result.status, result.written, result.quarantined) == ("success", 3, 0), result.error
    names = {form["formId"]: form["info"].get("title") or form["info"]["documentTitle"] for form in forms}
    assert names[forms[2]["formId"]] == "Formulário sem título"
    assert dict(query(tmp_path, "SELECT survey_id, survey_name FROM feedback")) == names

    def stored_as(form_id: str, qid: str, value: str) -> int | str:
        """A number where the question's options are whole numbers one apart ("1" … "4"), else as written ("10", "18", …)."""
        options = [int(o["value"]) for o in questions[form_id][qid]["questionItem"]["question"]["choiceQuestion"]["options"]
                   if o["value"].isdigit()]  # fmt: skip
        return int(value) if options and options == list(range(options[0], options[0] + len(options))) else value

    found = query(tmp_path, "SELECT survey_id, answers FROM feedback")
    assert {survey: json.loads(answers) for survey, answers in found} == {
        form_id: {qid: {"text": questions[form_id][qid]["title"], "value": stored_as(form_id, qid, value), "label": value}
                  for qid, value in chosen.items()} for form_id, chosen in picks.items()
    }  # fmt: skip
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback_scores") == [(0,)]  # sums are no scale: nothing scored


def test_the_real_answers_name_is_stored_nowhere_and_never_the_records_comment(synced):
    """The one real response answers "Your name" (a short text, asked before any score): its comment
    is none, and the respondent's name is personal data, in no answer, comment or `raw` — before
    2026-12-07 it stayed an answer and a row of `feedback_comments`."""
    real = RESPONSES[0]["responseId"]
    assert query(synced, "SELECT comment FROM feedback WHERE source_record_id = ?", (real,)) == [(None,)]
    assert query(synced, "SELECT question_id, text FROM feedback_comments") == []
    assert "初" not in json.dumps(query(synced, "SELECT * FROM feedback"), ensure_ascii=False)
