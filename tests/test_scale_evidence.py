"""A question is scored only when its scale and direction are established, from the meaning of
its answer labels (in seven languages) — never from the order of recode numbers: a Yes/No
"resolved to your complete satisfaction?" question is no CSAT, "Extremely easy" recoded 1 is the
best end of an ease scale, the expectation-style CES ("much less effort than I expected") and
eNPS wording are built in. What cannot be established is kept unscored, and `inspect`, the
import summary and the sync summary say why. Real Qualtrics definitions from ropensci/qualtRics
(tests/data/samples) show it."""

from __future__ import annotations

import csv
import json
import re
import tomllib
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import cxbridge
from cxbridge.cli.main import cli
from cxbridge.detection import labels as builtin
from cxbridge.detection.inspector import Hints, inspect_file
from cxbridge.detection.keywords import negation
from cxbridge.detection.meaning import labels_direction, read_options
from cxbridge.detection.question_metrics import detect
from cxbridge.metrics import Direction, MetricSpec, score
from cxbridge.plugins.qualtrics.source import QualtricsSource
from cxbridge.plugins_host import create_host
from cxbridge.questions import Question, QuestionOverride, QuestionPlan
from tests.conftest import half_up
from tests.qualtrics_api import ROOT, TOKEN, QualtricsAccount, qualtrics
from tests.sqlite_runs import SAMPLES, copy_sample, query, sync_source

BESKAR = "qualtRics_SV_3gbwq8aJgqPwQDP_survey_questions.json"
UNIVERSITY = "qualtRics_SV_5u9zu8zHnHaGml7_survey_definition.json"


def write_csv(path: Path, rows: list[list[Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def import_file(path: Path, **options: Any):
    result = cxbridge.import_([path], destination=f"sqlite:///{path.parent / 'x.db'}", host=create_host(), **options)
    [item] = result.files
    return item


# --- the meaning of answer options ----------------------------------------------------------------


def test_no_built_in_label_is_written_the_same_way_for_two_points_of_one_scale():
    for scale in builtin.SCALES:
        seen: dict[str, int] = {}
        for rank, spellings in enumerate(scale.points, start=1):
            for spelling in spellings:
                key = builtin.label_key(spelling)
                assert seen.setdefault(key, rank) == rank, (scale.name, spelling)


def test_recodes_running_best_first_make_lower_better_and_the_labels_decide_it():
    reading = read_options({"Extremely easy": 1, "Moderately easy": 2, "Slightly easy": 3,
                            "Neither easy nor difficult": 4, "Slightly difficult": 5, "Moderately difficult": 6,
                            "Extremely difficult": 7}, complete=True)  # fmt: skip
    assert (reading.kind, reading.bounds, reading.direction) == ("ease", (1.0, 7.0), Direction.LOWER_IS_BETTER)
    assert "'Extremely easy' = 1: lower is better" in reading.evidence


@pytest.mark.parametrize(
    ("options", "why"),
    [({"Yes, by the tribe": 1, "Yes, by me": 2, "No, the problem was not resolved": 3}, "Yes/No"),
     ({"Да": 1, "Нет": 2}, "Yes/No"),
     ({"Too short": 1, "About right": 2, "Too long": 3}, "not points of a known"),
     ({"Very satisfied": 1, "Satisfied": 3, "Neutral": 2, "Dissatisfied": 4, "Very dissatisfied": 5}, "not consecutive"),
     ({"Very satisfied": 5, "Satisfied": 4, "Dissatisfied": 2}, "only some of the points")],
)  # fmt: skip
def test_options_that_establish_no_scale_say_why(options, why):
    reading = read_options(options, complete=True)
    assert reading.scale is None and why in reading.evidence


def test_a_no_opinion_recode_is_no_point_of_the_scale():
    options = {"Very dissatisfied": 1, "Dissatisfied": 2, "Neutral": 3, "Satisfied": 4, "Very satisfied": 5,
               "No opinion": -1}  # fmt: skip
    spec = detect(Question("Q1", "How satisfied are you?", "choice", choices=options)).spec
    assert spec is not None and (spec.metric, spec.scale, spec.ignore_values) == ("csat", (1, 5), [-1])


# --- a real Qualtrics survey: a Yes/No "resolved to your complete satisfaction?" question -------


def beskar_response(n: int, satisfied: int, resolved: int) -> dict[str, Any]:
    values = {"recordedDate": f"2026-01-0{n}T10:00:00.000Z", "finished": 1, "QID16": satisfied, "QID17": 1,
              "QID18": resolved}  # fmt: skip
    return {"responseId": f"R_{n:04d}beskar", "values": values, "labels": {}, "displayedFields": list(values)}


def test_the_resolved_yes_no_question_of_a_real_survey_is_no_csat_and_the_sync_says_why(tmp_path, monkeypatch):
    monkeypatch.setattr(QualtricsSource, "sleep", staticmethod(lambda seconds: None))
    monkeypatch.setenv("QUALTRICS_API_TOKEN", TOKEN)
    definition = json.loads((SAMPLES / BESKAR).read_text(encoding="utf-8"))["result"]
    answers = [(5, 3), (1, 1), (4, 2), (2, 3), (3, 1)]  # (QID16 recode, QID18 recode) per response
    account = QualtricsAccount()
    account.add_survey("SV_3gbwq8aJgqPwQDP", "Beskar Armor")
    account.definitions["SV_3gbwq8aJgqPwQDP"] = definition
    account.put("SV_3gbwq8aJgqPwQDP", *(beskar_response(n, s, r) for n, (s, r) in enumerate(answers, start=1)))
    with qualtrics(account) as api:
        result = sync_source(tmp_path, {"connector": "qualtrics", "base_url": api.url + ROOT,
                                        "surveys": ["SV_3gbwq8aJgqPwQDP"], "api_token": "${QUALTRICS_API_TOKEN}"})  # fmt: skip
    assert result.ok and result.written == len(answers), result.error
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback_scores WHERE question_id = 'QID18'") == [(0,)]
    # QID16 is recoded 5 = "Extremely satisfied" in the definition: a 5-point CSAT, top-2-box satisfied
    choices = {c["recode"]: re.sub("<[^>]+>", "", c["choiceText"]) for c in definition["questions"]["QID16"]["choices"].values()}
    assert choices["5"] == "Extremely satisfied" and choices["1"] == "Extremely dissatisfied"
    expected = [(float(s), "satisfied" if s >= 4 else "dissatisfied" if s <= 2 else "neutral") for s, _ in answers]
    stored = query(tmp_path, "SELECT f.csat, s.category FROM feedback f JOIN feedback_scores s USING (record_id) "
                             "WHERE s.question_id = 'QID16' ORDER BY f.source_record_id")  # fmt: skip
    assert stored == expected
    [(kept,)] = query(tmp_path, "SELECT answers FROM feedback WHERE source_record_id = 'R_0001beskar'")
    assert json.loads(kept)["QID18"]["value"] == 3  # the answer is kept, unscored
    [warning] = [w for w in result.warnings if "QID18" in w]
    assert "Yes/No" in warning and "kept as answers, unscored" in warning
    assert "set sources.survey.questions.QID18.metric" in warning


def test_an_export_of_the_same_survey_warns_about_the_resolved_question_at_import(tmp_path):
    definition = copy_sample(BESKAR, tmp_path)
    ids = ["startDate", "endDate", "finished", "recordedDate", "_recordId", "QID16", "QID18"]
    rows = [["StartDate", "EndDate", "Finished", "RecordedDate", "ResponseId", "Q16", "Q18"],
            ["Start", "End", "Finished", "Recorded", "Response ID", "Overall…", "Have all problems…"],
            [json.dumps({"ImportId": i}) for i in ids],
            *[["2020-02-20 09:00:00", "2020-02-20 09:05:00", 1, f"2020-02-20 09:05:0{n}", f"R_{n}", n % 5 + 1, n % 3 + 1]
              for n in range(9)]]  # fmt: skip
    path = write_csv(tmp_path / "beskar.csv", rows)
    inspection = inspect_file(path, Hints(definition=definition))
    assert [p.column for p in inspection.chosen if p.target == "csat"] == ["QID16"]
    [warning] = inspection.warnings
    assert warning.startswith("column 'QID18' is not scored") and "Yes/No" in warning
    item = import_file(path, hints=Hints(definition=definition))
    assert item.ok and item.result.written == 9
    assert any("QID18" in w and "Yes/No" in w for w in item.all_warnings)
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback_scores WHERE question_id = 'QID18'", db="x.db") == [(0,)]


# --- recodes that run best-first ------------------------------------------------------------------


def test_extremely_easy_recoded_1_is_the_least_effort_of_a_real_survey(tmp_path):
    definition = copy_sample(UNIVERSITY, tmp_path)
    questions = json.loads(definition.read_text())["result"]["questions"]
    qid = "QID172807701"  # "How easy or difficult is it to obtain the resources …": 1 = Extremely easy
    assert questions[qid]["choices"]["1"]["choiceText"] == "Extremely easy"
    tag = questions[qid]["questionName"]
    ids = ["startDate", "endDate", "finished", "recordedDate", "_recordId", qid]
    recodes = [1, 2, 4, 6, 7, 1, 3]
    rows = [["StartDate", "EndDate", "Finished", "RecordedDate", "ResponseId", tag],
            ["Start", "End", "Finished", "Recorded", "Response ID", "How easy…"],
            [json.dumps({"ImportId": i}) for i in ids],
            *[["2018-01-18 09:00:00", "2018-01-18 09:05:00", 1, f"2018-01-18 09:05:0{n}", f"R_{n}", v]
              for n, v in enumerate(recodes)]]  # fmt: skip
    item = import_file(write_csv(tmp_path / "export.csv", rows), hints=Hints(definition=definition))
    assert item.ok and item.result.written == len(recodes), item.error
    stored = query(tmp_path, "SELECT s.value, s.direction, s.normalized, s.category FROM feedback f JOIN "
                             "feedback_scores s USING (record_id) ORDER BY f.source_record_id", db="x.db")  # fmt: skip
    expected = []
    for value in recodes:  # 1 = extremely easy = least effort: aligned = 8 - value, best two boxes 6–7
        aligned = 8 - value
        box = "low_effort" if aligned >= 6 else "high_effort" if aligned <= 2 else "neutral"
        expected.append((float(value), "lower_is_better", pytest.approx((aligned - 1) / 6 * 100), box))
    assert stored == expected


# --- questions that are no scale -----------------------------------------------------------------


def test_a_session_length_question_is_no_csat_with_or_without_its_labels(tmp_path):
    labelled = Question("QID7", "How satisfied were you with the session length?", "choice",
                        choices={"Too short": 1, "About right": 2, "Too long": 3})  # fmt: skip
    found = detect(labelled)
    assert found.spec is None and "'Too short', 'About right', 'Too long'" in found.evidence
    rows = [["Date", "How satisfied were you with the session length?"],
            *[[f"2025-01-{n + 1:02d}", n % 3 + 1] for n in range(12)]]  # fmt: skip
    inspection = inspect_file(write_csv(tmp_path / "sessions.csv", rows))
    assert not [p for p in inspection.chosen if p.target == "csat"]
    [warning] = inspection.warnings
    assert "reach the top of no usual scale" in warning


def test_a_satisfaction_column_of_fractional_numbers_is_unscored_for_that_reason_not_its_top(tmp_path):
    """'4.5', '2.0', '5' under "CSAT (1-5)" reach the top of 1–5: the warning said they "reach the
    top of no usual scale", where what keeps them unscored is the answer that is not whole."""
    rows = [["Date", "CSAT (1-5)"], *[[f"2025-01-{n + 1:02d}", value] for n, value in enumerate(["4.5", "2.0", "5"])]]
    inspection = inspect_file(write_csv(tmp_path / "averages.csv", rows))
    assert not [p for p in inspection.chosen if p.target == "csat"]
    [warning] = inspection.warnings
    assert "reach the top of no usual scale" not in warning
    assert "the header asks about 'csat', but its numbers ('4.5', '2.0', '5') are not all whole (as 4.5)" in warning
    assert "as a scale's answers are, so neither its scale nor which end is best is known; kept as an answer" in warning


def test_a_yes_no_satisfaction_column_of_a_plain_sheet_is_kept_unscored_and_the_import_says_so(tmp_path):
    rows = [["Date", "Were all problems resolved to your complete satisfaction?"],
            *[[f"2025-01-{n + 1:02d}", ["Yes", "No"][n % 2]] for n in range(10)]]  # fmt: skip
    item = import_file(write_csv(tmp_path / "resolved.csv", rows))
    assert item.ok and item.result.written == 10
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback_scores", db="x.db") == [(0,)]
    [warning] = item.all_warnings
    assert "Yes/No" in warning and "kept as answers, unscored" in warning


def test_numbers_of_a_qualtrics_export_without_its_definition_are_not_given_a_direction(tmp_path):
    ids = ["startDate", "endDate", "finished", "recordedDate", "_recordId", "QID3"]
    rows = [["StartDate", "EndDate", "Finished", "RecordedDate", "ResponseId", "Q3"],
            ["Start", "End", "Finished", "Recorded", "Response ID", "How easy or difficult was it?"],
            [json.dumps({"ImportId": i}) for i in ids],
            *[["2018-01-18 09:00:00", "2018-01-18 09:05:00", 1, f"2018-01-18 09:05:0{n}", f"R_{n}", n % 7 + 1]
              for n in range(10)]]  # fmt: skip
    inspection = inspect_file(write_csv(tmp_path / "export.csv", rows))
    assert not [p for p in inspection.chosen if p.target == "ces"]
    [warning] = inspection.warnings
    assert "recodes" in warning and "--definition" in warning


def test_a_recommend_question_of_a_qualtrics_export_recoded_1_to_11_is_no_nps_without_its_definition(tmp_path):
    """Qualtrics recodes a 0–10 choice scale 1–11 unless told otherwise, and a numeric export
    holds the recodes: read as 0–10, each answer was one point high (the choice '6', a
    detractor, counted as a passive 7; '8' as a promoter) and every '10' (recode 11) went to
    quarantine. Answers reaching 11 leave it unscored, with a warning asking for the definition;
    a column answered 0–10 in the same export is the NPS."""
    recodes = [n % 11 + 1 for n in range(33)]  # 1–11: the choices 0–10, recoded
    shown = [n % 11 for n in range(33)]  # an NPS question's own 0–10
    ids = ["startDate", "endDate", "finished", "recordedDate", "_recordId", "QID1", "QID2"]
    rows = [["StartDate", "EndDate", "Finished", "RecordedDate", "ResponseId", "Q1", "Q2"],
            ["Start", "End", "Finished", "Recorded", "Response ID", "How likely are you to recommend our app?",
             "How likely are you to recommend us to a friend?"],
            [json.dumps({"ImportId": i}) for i in ids],
            *[["2018-01-18 09:00:00", "2018-01-18 09:05:00", 1, f"2018-01-18 09:{n:02d}:00", f"R_{n}", recode, value]
              for n, (recode, value) in enumerate(zip(recodes, shown))]]  # fmt: skip
    path = write_csv(tmp_path / "export.csv", rows)
    inspection = inspect_file(path)
    assert [p.column for p in inspection.chosen if p.target == "nps"] == ["QID2"]
    [warning] = [w for w in inspection.warnings if "QID1" in w]
    assert "11" in warning and "1–11" in warning and "--definition" in warning
    item = import_file(path)
    assert item.ok and item.result.written == 33 and item.result.quarantined == 0
    promoters, detractors = sum(v >= 9 for v in shown), sum(v <= 6 for v in shown)
    [(figure,)] = query(tmp_path, "SELECT nps FROM nps_by_month", db="x.db")
    assert figure == round(100 * (promoters - detractors) / 33, 1)


def test_a_recommend_column_answered_1_to_11_is_no_nps_and_the_labels_it_names_read_it(tmp_path):
    """Answers 1–11 with many 11s and no 0 are the choices' places (an export's "numerical
    values"), one point above the 0–10 answer shown, not 0–10 answers with typos: read as 0–10,
    every '6' counted as a passive and every '10' went to quarantine. Kept unscored with the
    labels that read it; mapped with them, the NPS is the answers' own."""
    places = [(n * 5) % 11 + 1 for n in range(44)]  # 1–11, each place 4 times
    rows = [["id", "Date", "How likely are you to recommend us?"],
            *[[f"R{n}", f"2025-03-{n % 28 + 1:02d}", place] for n, place in enumerate(places)]]  # fmt: skip
    path = write_csv(tmp_path / "places.csv", rows)
    inspection = inspect_file(path)
    assert not [p for p in inspection.chosen if p.target == "nps"]
    [warning] = inspection.warnings
    assert "1–11" in warning and '"1" = 0' in warning and '"11" = 10' in warning

    labels = {str(place): place - 1 for place in range(1, 12)}
    entry = {"column": "How likely are you to recommend us?", "metric": "nps", "labels": labels}
    source = {"connector": "csv", "path": "places.csv", "columns": {"id": "id", "submitted_at": "Date"},
              "metrics": [entry]}  # fmt: skip
    assert sync_source(tmp_path, source).written == len(places)
    shown = [place - 1 for place in places]
    promoters, detractors = sum(v >= 9 for v in shown), sum(v <= 6 for v in shown)
    [(figure,)] = query(tmp_path, "SELECT nps FROM nps_by_month")
    assert figure == half_up(Fraction(100 * (promoters - detractors), len(shown)))


# --- the expectation-style CES and eNPS, in English and Russian -------------------------------------

EXPECTATION = {
    "en": ("How much effort did you personally have to put forth to handle your request?",
           ["Much less effort than I expected", "Less effort than I expected", "About as much effort as I expected",
            "More effort than I expected", "Much more effort than I expected"]),
    "ru": ("Сколько усилий вам пришлось приложить, чтобы решить вопрос?",
           ["Гораздо меньше, чем я предполагал", "Меньше, чем я предполагал",
            "Примерно столько, сколько я предполагал", "Больше, чем я предполагал", "Гораздо больше, чем я предполагал"]),
}  # fmt: skip
FIRST_HEADER = {"en": "Timestamp", "ru": "Отметка времени"}
RECOMMEND = {"en": "How likely are you to recommend us to a friend?",
             "ru": "Насколько вероятно, что вы порекомендуете нас друзьям?"}  # fmt: skip


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_expectation_ces_is_built_in_and_its_labels_stay_whole(tmp_path, language):
    question, labels = EXPECTATION[language]
    answers = [n * 7 % 5 for n in range(15)]  # each point three times, in a scrambled order
    rows = [[FIRST_HEADER[language], RECOMMEND[language], question],
            *[[f"1/{n + 1}/2025 10:00:00", (n * 3) % 11, labels[point]] for n, point in enumerate(answers)]]  # fmt: skip
    path = write_csv(tmp_path / "effort.csv", rows)
    inspection = inspect_file(path)
    assert inspection.recognition.format == "google_forms"
    [ces] = [p for p in inspection.chosen if p.target == "ces"]
    assert ces.column == question and ces.spec == {"scale": [1.0, 5.0], "direction": "lower_is_better"}
    assert not [p for p in inspection.proposals if p.target == "multi_choice"]
    item = import_file(path)
    assert item.ok and (item.result.written, item.result.quarantined) == (15, 0)
    stored = query(tmp_path, "SELECT nps, ces, ces_normalized FROM feedback ORDER BY submitted_at", db="x.db")
    assert stored == [((n * 3) % 11, float(point + 1), pytest.approx((4 - point) / 4 * 100))
                      for n, point in enumerate(answers)]  # fmt: skip


@pytest.mark.parametrize(
    "question",
    ["Насколько вероятно, что вы порекомендуете нашу компанию как место работы?",
     "How likely are you to recommend Acme as a place to work?",
     "Jak bardzo prawdopodobne jest, że polecisz naszą firmę jako miejsce do pracy?",
     "Wie wahrscheinlich ist es, dass Sie uns als Arbeitsplatz weiterempfehlen?"],
)  # fmt: skip
def test_enps_wording_is_employee_nps(tmp_path, question):
    rows = [["Date", question], *[[f"2025-02-{n + 1:02d}", n % 11] for n in range(12)]]
    inspection = inspect_file(write_csv(tmp_path / "pulse.csv", rows))
    assert [p.target for p in inspection.chosen if p.column == question] == ["enps"]
    assert detect(Question("Q1", question, "nps")).spec.metric == "enps"


# --- numbers under an effort question: which end is best -------------------------------------------

DIFFICULTY = ["How difficult was it to get your issue resolved?", "Насколько сложно было решить ваш вопрос?",
              "Jak trudno było rozwiązać problem?", "Насколько трудно было оформить заказ?",
              "Était-il difficile de passer commande ?", "¿Fue difícil realizar su pedido?",
              "Foi difícil fazer o seu pedido?", "Foi dificil trocar o produto?",
              "War es schwierig, Ihre Bestellung aufzugeben?"]  # fmt: skip


@pytest.mark.parametrize("question", DIFFICULTY)
def test_numbers_under_a_question_of_difficulty_make_lower_better(tmp_path, question):
    """1–5 under "how difficult was it?": 5 is the most difficult, so 1 is the least effort — in
    every language ("трудно", "difficile", "difícil", "schwierig" were no effort words: unscored)."""
    answers = [n % 5 + 1 for n in range(15)]
    rows = [["Date", question], *[[f"2025-03-{n + 1:02d}", answer] for n, answer in enumerate(answers)]]
    path = write_csv(tmp_path / "difficulty.csv", rows)
    [ces] = [p for p in inspect_file(path).chosen if p.target == "ces"]
    assert ces.spec == {"scale": [1.0, 5.0], "direction": "lower_is_better"}
    assert detect(Question("Q1", question, "scale", scale=(1, 5))).spec.direction is Direction.LOWER_IS_BETTER
    item = import_file(path)
    assert item.ok and item.result.written == len(answers)
    low_effort = sum(answer <= 2 for answer in answers)  # the two least difficult boxes
    [(pct,)] = query(tmp_path, "SELECT low_effort_pct FROM ces_by_month", db="x.db")
    assert pct == half_up(Fraction(100 * low_effort, len(answers)))


SATISFACTION_WORDS = ("Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied")
PICKED = ((5, 7), (4, 6), (1, 1), (2, 3), (3, 4), (5, 7), (5, 2), (2, 3), (4, 5), (1, 7))  # (satisfaction, ease)


@pytest.mark.parametrize("best_first", [False, True], ids=["worst-first", "best-first"])
def test_numbered_labels_in_the_cells_say_which_end_is_best(tmp_path, best_first):
    """"1 - Very dissatisfied" … "5 - Very satisfied" written in the cells of a satisfaction
    column, and "1 - Very difficult" / "7 - Very easy" at an ease column's ends — or both
    numbered best first, as some exports are: inspect proposes the direction the words say and
    the import scores each row by it. Numbered best first, the proposal said "5 taken as the most
    satisfied (numbers without labels)" and the import quarantined every row."""
    def satisfaction(rank: int) -> str:
        number = 6 - rank if best_first else rank
        return f"{number} - {SATISFACTION_WORDS[rank - 1]}"

    def ease(rank: int) -> str:
        number = 8 - rank if best_first else rank
        return f"{number} - " + {1: "Very difficult", 7: "Very easy"}[rank] if rank in (1, 7) else str(number)

    rows = [["Date", "How satisfied were you with your visit?", "How easy was it to book?"],
            *[[f"2025-03-{n + 1:02d}", satisfaction(s), ease(e)] for n, (s, e) in enumerate(PICKED)]]  # fmt: skip
    path = write_csv(tmp_path / "visits.csv", rows)
    chosen = {p.target: p for p in inspect_file(path).chosen}
    direction = "lower_is_better" if best_first else "higher_is_better"
    assert chosen["csat"].spec.get("direction", "higher_is_better") == direction
    assert (chosen["ces"].spec["scale"], chosen["ces"].spec["direction"]) == ([1, 7], direction)
    assert "numbers without labels" not in chosen["csat"].describe()
    item = import_file(path)
    assert item.ok and (item.result.written, item.result.quarantined) == (len(PICKED), 0), item.error
    satisfied, low_effort = sum(s >= 4 for s, _ in PICKED), sum(e >= 6 for _, e in PICKED)
    assert query(tmp_path, "SELECT csat_pct FROM csat_by_month", db="x.db") == [(100 * satisfied / len(PICKED),)]
    assert query(tmp_path, "SELECT low_effort_pct FROM ces_by_month", db="x.db") == [(100 * low_effort / len(PICKED),)]


NUMBERED = {f"{rank} - {words}": rank for rank, words in enumerate(SATISFACTION_WORDS, start=1)}


@pytest.mark.parametrize("not_applicable", ["6 - Not applicable", "0 - N/A"])
def test_a_numbered_n_a_choice_carries_no_score(not_applicable):
    """"6 - Not applicable" beside "1 - Very dissatisfied" … "5 - Very satisfied" is an "N/A"
    choice written after a number: the question is a CSAT 1–5 whose N/A answers carry no score.
    Detection failed with KeyError: 'not applicable' (its words are no point of the scale)."""
    recode = int(not_applicable.split(" ")[0])
    spec = detect(Question("QID1", "How satisfied were you with your visit?", "choice",
                           choices={**NUMBERED, not_applicable: recode})).spec  # fmt: skip
    assert (spec.metric, spec.scale, spec.ignore_values) == ("csat", (1, 5), [recode])


def test_numbered_n_a_cells_carry_no_score(tmp_path):
    """A satisfaction column of "1 - Very dissatisfied" … "5 - Very satisfied" cells and "7 - N/A"
    ones: inspect failed with KeyError: 'n/a'. It is a CSAT 1–5, its N/A answers unscored."""
    picked = [5, 4, 1, None, 2, 3, 5, None, 4, 5, 2, 4]  # None: "7 - N/A"
    labels = {rank: label for label, rank in NUMBERED.items()}
    rows = [["Date", "How satisfied were you with your visit?"],
            *[[f"2025-03-{n + 1:02d}", labels.get(rank, "7 - N/A")] for n, rank in enumerate(picked)]]  # fmt: skip
    path = write_csv(tmp_path / "visits.csv", rows)
    [csat] = [p for p in inspect_file(path).chosen if p.target == "csat"]
    assert csat.spec["scale"] == [1, 5] and csat.spec["ignore_values"] == ["7 - N/A"]
    item = import_file(path)
    assert item.ok and (item.result.written, item.result.quarantined) == (len(picked), 0), item.error
    answered = [rank for rank in picked if rank is not None]
    satisfied = sum(rank >= 4 for rank in answered)
    assert query(tmp_path, "SELECT responses, csat_pct FROM csat_by_month", db="x.db") == [
        (len(answered), half_up(Fraction(100 * satisfied, len(answered))))]  # fmt: skip


def test_a_question_naming_ease_keeps_higher_better(tmp_path):
    for question in ("How easy was it to get your issue resolved?", "How easy or difficult was it?"):
        assert detect(Question("Q1", question, "scale", scale=(1, 5))).spec.direction is Direction.HIGHER_IS_BETTER


MIXED_WORDING = {  # a question naming satisfaction and ease: what its main clause asks about decides
    "How satisfied were you with how easy it was to book?": "csat",
    "How satisfied are you with the effort it took to reach us?": "csat",
    "Насколько вы довольны тем, как легко было оформить заказ?": "csat",
    "How easy was it to get your problem resolved to your satisfaction?": "ces",
    "How much effort did it take to get a satisfactory answer?": "ces",
    "Wie einfach war es, Ihr Anliegen zu Ihrer Zufriedenheit zu klären?": "ces",
    "Was your problem resolved to your satisfaction?": None,  # a question of fact
}


def mixed_wording_survey(folder: Path) -> tuple[Path, Path]:
    """A .qsf asking each of MIXED_WORDING with choices "1" … "5", and a JSON export answering them."""
    payloads = [{"QuestionID": f"QID{n}", "DataExportTag": f"Q{n}", "QuestionType": "MC", "Selector": "SAVR",
                 "QuestionText": text, "Choices": {str(k): {"Display": str(k)} for k in range(1, 6)}}
                for n, text in enumerate(MIXED_WORDING, start=1)]  # fmt: skip
    definition = folder / "survey.qsf"
    definition.write_text(json.dumps({"SurveyEntry": {"SurveyID": "SV_mixed", "SurveyName": "Mixed"},
                                      "SurveyElements": [{"Element": "SQ", "PrimaryAttribute": q["QuestionID"],
                                                          "Payload": q} for q in payloads]}))  # fmt: skip
    responses = [{"responseId": f"R_{r}", "labels": {},
                  "values": {"endDate": f"2026-01-{r:02d}T10:00:00Z", "finished": 1, "_recordId": f"R_{r}",
                             **{f"QID{n}": r % 5 + 1 for n in range(1, len(MIXED_WORDING) + 1)}}}
                 for r in range(1, 11)]  # fmt: skip
    export = folder / "export.json"
    export.write_text(json.dumps({"responses": responses}))
    return definition, export


def inspected_metrics(*args: str) -> dict[str, str | None]:
    """column → the metric `cxbridge inspect --format json` proposes for it (None: unscored)."""
    result = CliRunner().invoke(cli, ["inspect", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    [inspected] = json.loads(result.stdout)
    scored = {p["column"]: p["field"] for p in inspected["proposals"] if p["field"] in ("csat", "ces")}
    return {p["column"]: scored.get(p["column"]) for p in inspected["proposals"]}


def test_satisfaction_and_ease_in_one_wording_are_one_metric_in_a_file_a_definition_and_an_api(tmp_path):
    """"How satisfied were you with how easy it was to book?" is a CSAT and "How easy was it to get
    your problem resolved to your satisfaction?" a CES — the wording named first decides, alike
    for a CSV's numbers, a Qualtrics definition's numbered choices and an API's linear scale or
    numbered choices. The API read effort first (the first a CES) and the file satisfaction
    first, with "resolved" making the second no score at all."""
    rows = [list(MIXED_WORDING), *[[n % 5 + 1] * len(MIXED_WORDING) for n in range(10)]]
    in_a_file = inspected_metrics(str(write_csv(tmp_path / "mixed.csv", rows)))
    assert {text: in_a_file[text] for text in MIXED_WORDING} == MIXED_WORDING
    definition, export = mixed_wording_survey(tmp_path)
    by_definition = inspected_metrics(str(export), "--definition", str(definition))
    assert {text: by_definition[f"QID{n}"] for n, text in enumerate(MIXED_WORDING, start=1)} == MIXED_WORDING
    numbered = {str(k): float(k) for k in range(1, 6)}
    for question in (Question("Q1", "", "scale", scale=(1, 5)), Question("Q1", "", "choice", choices=numbered)):
        detected = {text: detect(replace(question, text=text)).spec for text in MIXED_WORDING}
        assert {text: spec and spec.metric for text, spec in detected.items()} == MIXED_WORDING


MIXED_STATEMENTS = {  # agreement statements naming satisfaction and ease: the one named first decides
    "I was satisfied with how easy it was to book": "csat",
    "I am satisfied with the effort it took to reach us": "csat",
    "I was satisfied with the effort it took, though booking was a hassle": "csat",  # agreeing is satisfied
    "It was easy to get my problem resolved to my satisfaction": "ces",
    "It took little effort to get a satisfactory answer": "ces",
    "My problem was resolved to my satisfaction": None,  # a statement of fact, naming no effort
}
AGREEMENT = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]


def test_an_agreement_statement_naming_satisfaction_and_ease_is_the_metric_it_names_first(tmp_path):
    """"Strongly agree" that "I was satisfied with how easy it was to book" is a CSAT answer, as a 5
    of the same words on 1–5 is — before, agreement under any statement naming ease or effort was a
    CES. Alike for a CSV's written labels, an API's agreement options and its numbered choices."""
    rows = [list(MIXED_STATEMENTS), *[[AGREEMENT[n % 5]] * len(MIXED_STATEMENTS) for n in range(10)]]
    in_a_file = inspected_metrics(str(write_csv(tmp_path / "agreement.csv", rows)))
    assert {text: in_a_file[text] for text in MIXED_STATEMENTS} == MIXED_STATEMENTS
    agreement = {label: float(value) for value, label in enumerate(AGREEMENT, start=1)}
    numbered = {str(k): float(k) for k in range(1, 6)}
    for choices in (agreement, numbered):
        detected = {text: detect(Question("Q1", text, "choice", choices=choices)).spec for text in MIXED_STATEMENTS}
        assert {text: spec and spec.metric for text, spec in detected.items()} == MIXED_STATEMENTS
        assert {spec.direction for spec in detected.values() if spec and spec.metric == "csat"} == {
            Direction.HIGHER_IS_BETTER}  # fmt: skip


def test_numbers_under_a_header_naming_its_scale_take_that_scale(tmp_path):
    """'(0-10)' in the header is the scale, though nobody answered 0: 2 is neutral on 0–10 (the
    bottom two boxes are 0 and 1), where 1–10 would count it dissatisfied and move every
    normalized score; '(1-5)' scores answers that never reached 5."""
    answers = [n % 10 + 1 for n in range(30)]  # 1–10, no 0
    rows = [["Date", "How satisfied are you? (0-10)", "Satisfaction (1-5)"],
            *[[f"2025-03-{n % 28 + 1:02d}", answer, answer % 4 + 1] for n, answer in enumerate(answers)]]  # fmt: skip
    path = write_csv(tmp_path / "satisfaction.csv", rows)
    chosen = {p.column: p for p in inspect_file(path).chosen}
    assert chosen["How satisfied are you? (0-10)"].spec["scale"] == [0, 10]
    assert chosen["Satisfaction (1-5)"].target == "csat" and chosen["Satisfaction (1-5)"].spec["scale"] == [1, 5]
    assert import_file(path).result.written == len(answers)
    [(dissatisfied, normalized)] = query(tmp_path, "SELECT dissatisfied, csat_avg_normalized FROM csat_by_month",
                                         db="x.db")  # fmt: skip
    assert dissatisfied == sum(answer <= 1 for answer in answers)
    assert normalized == round(sum(answer * 10 for answer in answers) / len(answers), 1)


def test_a_recommend_question_on_another_scale_is_no_nps_and_the_import_says_why(tmp_path):
    """A 1–5 "would you recommend" rating read as 0–10 makes every answer a detractor's (NPS
    −100): a header naming another scale, or answers never above 5, leave the column unscored,
    and the import names it with the fix. A recommend column answered above 5 is the NPS."""
    rating = [n % 5 + 1 for n in range(40)]  # 1–5, never above
    named = [n % 4 + 2 for n in range(40)]  # 2–5 under a header naming 1–5
    nps = [(n * 7) % 11 for n in range(40)]
    headers = ["Date", "Would you recommend our app?", "How likely are you to recommend us? (1-5)",
               "How likely are you to recommend us to a friend?"]  # fmt: skip
    rows = [headers, *[[f"2025-03-{n % 28 + 1:02d}", *answers] for n, answers in enumerate(zip(rating, named, nps))]]
    item = import_file(write_csv(tmp_path / "ratings.csv", rows))
    assert item.ok and item.result.written == 40
    scored = query(tmp_path, "SELECT DISTINCT question_id, metric FROM feedback_scores", db="x.db")
    assert scored == [("How likely are you to recommend us to a friend?", "nps")]
    promoters, detractors = sum(v >= 9 for v in nps), sum(v <= 6 for v in nps)
    [(responses, figure)] = query(tmp_path, "SELECT responses, nps FROM nps_by_month", db="x.db")
    assert (responses, figure) == (40, round(100 * (promoters - detractors) / 40, 1))
    warnings = "\n".join(item.all_warnings)
    assert "'Would you recommend our app?'" in warnings and "none of its 40 answers is above 5" in warnings
    assert "names a 1–5 scale" in warnings and "metric 'rating'" in warnings


# --- 4-point scales -----------------------------------------------------------------------------------


def test_a_four_point_csat_counts_its_upper_half_satisfied_in_the_views(tmp_path):
    """A 4-point scale has no middle answer: 3 ("Satisfied") is satisfied and 2 dissatisfied —
    before, only 4 counted satisfied and 2 and 3 were neutral, so CSAT % read far too low."""
    answers = [1, 2, 3, 3, 4, 2, 3, 4, 1, 3]
    write_csv(tmp_path / "r.csv", [["id", "submitted", "Rate your visit (1-4)"],
                                   *[[n, "2025-01-15", a] for n, a in enumerate(answers)]])  # fmt: skip
    source = {"connector": "csv", "path": "r.csv", "columns": {"id": "id", "submitted_at": "submitted"},
              "metrics": [{"column": "Rate your visit (1-4)", "metric": "csat", "scale": [1, 4]}]}  # fmt: skip
    sync_source(tmp_path, source)
    satisfied = 100 * sum(a >= 3 for a in answers) / len(answers)
    assert query(tmp_path, "SELECT responses, csat_pct FROM csat_by_month") == [(10, round(satisfied, 1))]
    dissatisfied = sum(a <= 2 for a in answers)
    assert query(tmp_path, "SELECT COUNT(*) FROM detractor_queue") == [(dissatisfied,)]


RESOLVED_WORDING = {  # "resolved" makes a question of fact only when it is named before satisfaction or ease
    "I was satisfied with how easy it was to get my problem resolved": "csat",
    "How satisfied were you with how quickly your issue was resolved?": "csat",
    "How easy was it to get your issue resolved?": "ces",
    "Was your problem resolved to your satisfaction?": None,
    "Were all problems resolved to your complete satisfaction?": None,
}
RESOLVED_STATEMENTS = {  # the same rule under Strongly disagree … Strongly agree
    "I was satisfied with how easy it was to get my problem resolved": "csat",
    "It was easy to get my issue resolved": "ces",
    "My problem was resolved to my satisfaction": None,
}


def test_resolved_named_after_satisfaction_is_no_question_of_fact_on_any_path(tmp_path):
    """"I was satisfied with how easy it was to get my problem resolved" names satisfaction first:
    a CSAT, as "How satisfied were you with how easy it was to book?" is — before, any mention of
    "resolved" under a satisfaction word left it unscored on every path. A question that asks
    whether the problem was resolved, named first, stays unscored; Yes/No answers are no scale."""
    rows = [list(RESOLVED_WORDING), *[[n % 5 + 1] * len(RESOLVED_WORDING) for n in range(10)]]
    in_a_file = inspected_metrics(str(write_csv(tmp_path / "numbers.csv", rows)))
    assert {text: in_a_file[text] for text in RESOLVED_WORDING} == RESOLVED_WORDING
    numbered = {str(k): float(k) for k in range(1, 6)}
    for question in (Question("Q1", "", "scale", scale=(1, 5)), Question("Q1", "", "choice", choices=numbered)):
        detected = {text: detect(replace(question, text=text)).spec for text in RESOLVED_WORDING}
        assert {text: spec and spec.metric for text, spec in detected.items()} == RESOLVED_WORDING
    rows = [list(RESOLVED_STATEMENTS), *[[AGREEMENT[n % 5]] * len(RESOLVED_STATEMENTS) for n in range(10)]]
    in_a_file = inspected_metrics(str(write_csv(tmp_path / "agreement.csv", rows)))
    assert {text: in_a_file[text] for text in RESOLVED_STATEMENTS} == RESOLVED_STATEMENTS
    agreement = {label: float(value) for value, label in enumerate(AGREEMENT, start=1)}
    detected = {text: detect(Question("Q1", text, "choice", choices=agreement)).spec for text in RESOLVED_STATEMENTS}
    assert {text: spec and spec.metric for text, spec in detected.items()} == RESOLVED_STATEMENTS
    yes_no = Question("Q1", "Was your problem resolved?", "choice", choices={"Yes": 1.0, "No": 2.0})
    assert detect(yes_no).spec is None
    rows = [["Was your problem resolved?"], *[[["Yes", "No"][n % 2]] for n in range(10)]]
    assert inspected_metrics(str(write_csv(tmp_path / "yes_no.csv", rows))).get("Was your problem resolved?") is None


# --- agreement statements about satisfaction -------------------------------------------------------

AGREEMENT_7 = ["Strongly disagree", "Disagree", "Somewhat disagree", "Neither agree nor disagree", "Somewhat agree",
               "Agree", "Strongly agree"]  # fmt: skip
RUSSIAN_AGREEMENT = ["Полностью не согласен", "Не согласен", "Нейтрально", "Согласен", "Полностью согласен"]
ASSERTING = {"I was satisfied with the service": AGREEMENT, "Overall, I am satisfied with my visit": AGREEMENT_7}
NEGATED = {"I was not satisfied with the wait": "not", "I was dissatisfied with the delivery": "dissatisfied",
           "It was not easy to book": "not"}  # fmt: skip


def agreement_export(folder: Path) -> tuple[Path, dict[str, list[str]]]:
    """A CSV answering ASSERTING on their scales and NEGATED on 5 points, and its answers by column."""
    answers = {text: [points[(n * 3) % len(points)] for n in range(21)] for text, points in ASSERTING.items()}
    answers |= {text: [AGREEMENT[(n + 1) % 5] for n in range(21)] for text in NEGATED}
    rows = [["Response ID", "Date", *answers],
            *[[f"R{n}", f"2026-01-{n + 1:02d}", *(column[n] for column in answers.values())] for n in range(21)]]  # fmt: skip
    return write_csv(folder / "agreement.csv", rows), answers


def boxes(answers: list[str], points: list[str]) -> tuple[int, int, int]:
    """(answers, satisfied, dissatisfied): the top and bottom two boxes of a 5- or 7-point scale."""
    ranks = [points.index(answer) + 1 for answer in answers]
    return len(ranks), sum(rank >= len(points) - 1 for rank in ranks), sum(rank <= 2 for rank in ranks)


def stored_boxes(folder: Path, db: str) -> dict[str, tuple[str, int, int, int]]:
    found = query(folder, "SELECT question_id, metric, COUNT(*), SUM(category = 'satisfied'), "
                          "SUM(category = 'dissatisfied') FROM feedback_scores GROUP BY question_id, metric", db=db)  # fmt: skip
    return {question: (metric, *counts) for question, metric, *counts in found}


def test_an_agreement_statement_asserting_satisfaction_is_a_csat_and_a_negated_one_is_kept_unscored(
    tmp_path, monkeypatch
):  # fmt: skip
    """"Strongly agree" that "I was satisfied with the service" is a satisfied answer: agreement
    under a statement of satisfaction is a CSAT on its 5 or 7 points, the top two boxes satisfied —
    before, it was kept unscored (and one naming ease after satisfaction sent every row to
    quarantine: the mapping had no labels for agreement as a csat). A statement turned round ("not
    satisfied", "dissatisfied", "not easy") is never read the scale's way round: kept unscored, the
    summary naming the word and the direction that scores it. Alike on import, a saved mapping's
    sync, a mapping that leaves the columns out, and an API's agreement options."""
    path, answers = agreement_export(tmp_path)
    expected = {text: ("csat", *boxes(answers[text], points)) for text, points in ASSERTING.items()}
    item = import_file(path)
    assert item.ok and item.result.written == 21, item.error
    assert stored_boxes(tmp_path, "x.db") == expected
    warnings = "\n".join(item.all_warnings)
    for text, word in NEGATED.items():
        [warning] = [w for w in item.all_warnings if repr(text) in w]
        assert f"negated ({word!r})" in warning and 'direction is "lower_is_better"' in warning, warnings

    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(cli, ["inspect", "agreement.csv", "--write-mapping", "cxbridge.toml"]).exit_code == 0
    synced = CliRunner().invoke(cli, ["sync", "--db", "saved.db"])
    assert synced.exit_code == 0 and "21 written" in synced.output, synced.output
    assert stored_boxes(tmp_path, "saved.db") == expected

    left_out = sync_source(tmp_path, {"connector": "csv", "path": "agreement.csv",
                                      "columns": {"id": "Response ID", "submitted_at": "Date"}}, db="left_out.db")  # fmt: skip
    for text in ASSERTING:
        [warning] = [w for w in left_out.warnings if repr(text) in w]
        assert "looks scored" in warning and "metric = 'csat'" in warning
    for text, word in NEGATED.items():
        [warning] = [w for w in left_out.warnings if repr(text) in w]
        assert "is not scored" in warning and f"negated ({word!r})" in warning

    for points in (AGREEMENT, AGREEMENT_7, RUSSIAN_AGREEMENT):
        choices = {label: float(value) for value, label in enumerate(points, start=1)}
        for text in (*ASSERTING, "Я доволен обслуживанием"):
            spec = detect(Question("Q1", text, "choice", choices=choices)).spec
            assert (spec.metric, spec.scale, spec.direction) == ("csat", (1, len(points)), Direction.HIGHER_IS_BETTER)
        for text, word in (*NEGATED.items(), ("Я недоволен обслуживанием", "недоволен")):
            found = detect(Question("Q1", text, "choice", choices=choices))
            assert found.spec is None and f"negated ({word!r})" in found.evidence


# --- negated wording over numbers ----------------------------------------------------------------------

NEGATED_NUMBERS = {"I was not satisfied with the service": "not", "How dissatisfied were you with the delivery?":
                   "dissatisfied", "It was not easy to book": "not"}  # fmt: skip
ANCHORED = "On a scale of 1 (not at all satisfied) to 5 (very satisfied), how satisfied were you?"
LABELLED_BACKWARDS = "How dissatisfied were you with the staff?"  # cells "1 - Very satisfied" … "5 - Very dissatisfied"
SATISFACTION = ["Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied"]


def test_negated_wording_over_bare_numbers_is_kept_unscored_unless_the_labels_say_which_end_is_best(
    tmp_path, monkeypatch
):  # fmt: skip
    """"I was not satisfied with the service" on 1–5 is no CSAT whose 5 is the most satisfied:
    negated wording over bare numbers is kept unscored, the warning naming the word and the
    direction that scores it, as on agreement scales — before, it was a CSAT (and "It was not easy"
    a CES) read higher-is-better. Labels beside the numbers outweigh the wording ("1 - Very
    satisfied" under "How dissatisfied…" is a CSAT on which lower is better), and a negated anchor
    beside an unnegated wording ("1 (not at all satisfied) to 5 (very satisfied)") negates nothing.
    Alike for a file's import, a saved mapping's sync, and an API's scale or numbered choices."""
    numbers = [(n * 2) % 5 + 1 for n in range(21)]
    labelled = [f"{n} - {SATISFACTION[5 - n]}" for n in numbers]  # 1 is "Very satisfied"
    columns = {**{text: numbers for text in NEGATED_NUMBERS}, ANCHORED: numbers, LABELLED_BACKWARDS: labelled}
    rows = [["Response ID", "Date", *columns],
            *[[f"R{n}", f"2026-01-{n + 1:02d}", *(column[n] for column in columns.values())] for n in range(21)]]  # fmt: skip
    path = write_csv(tmp_path / "numbers.csv", rows)
    expected = {ANCHORED: ("csat", 21, sum(n >= 4 for n in numbers), sum(n <= 2 for n in numbers)),
                LABELLED_BACKWARDS: ("csat", 21, sum(n <= 2 for n in numbers), sum(n >= 4 for n in numbers))}  # fmt: skip
    item = import_file(path)
    assert item.ok and item.result.written == 21, item.error
    assert stored_boxes(tmp_path, "x.db") == expected
    for text, word in NEGATED_NUMBERS.items():
        [warning] = [w for w in item.all_warnings if repr(text) in w]
        assert f"negated ({word!r})" in warning and 'direction is "lower_is_better"' in warning, warning

    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(cli, ["inspect", "numbers.csv", "--write-mapping", "cxbridge.toml"]).exit_code == 0
    synced = CliRunner().invoke(cli, ["sync", "--db", "saved.db"])
    assert synced.exit_code == 0 and "21 written" in synced.output, synced.output
    assert stored_boxes(tmp_path, "saved.db") == expected

    numbered = {str(k): float(k) for k in range(1, 6)}
    for question in (Question("Q1", "", "scale", scale=(1, 5)), Question("Q1", "", "choice", choices=numbered)):
        for text, word in NEGATED_NUMBERS.items():
            found = detect(replace(question, text=text))
            assert found.spec is None and f"negated ({word!r})" in found.evidence, found.evidence
        spec = detect(replace(question, text=ANCHORED)).spec
        assert (spec.metric, spec.direction) == ("csat", Direction.HIGHER_IS_BETTER)
    backwards = {f"{n} - {SATISFACTION[5 - n]}": float(n) for n in range(1, 6)}
    spec = detect(Question("Q1", LABELLED_BACKWARDS, "choice", choices=backwards)).spec
    assert (spec.metric, spec.scale, spec.direction) == ("csat", (1, 5), Direction.LOWER_IS_BETTER)


# --- "no effort" asserts the least effort ------------------------------------------------------------

LOW_EFFORT_STATEMENTS = ["It took no effort to book", "Booking was effortless", "Es war kein Aufwand, zu buchen"]
NOT_EASY_STATEMENTS = {"It was not easy to book": "not", "Booking was not effortless": "not"}


def test_a_statement_of_no_effort_is_a_ces_on_which_agreeing_is_the_least_effort(tmp_path):
    """"It took no effort to book" asserts the least effort, as "effortless" does: agreeing is low
    effort, a CES higher-is-better — the negation of ease ("not easy", "not effortless") stays
    unscored. Before, "no" read as turning the statement round and left it unscored. Alike for a
    file's import and an API's agreement options."""
    answers = [AGREEMENT[(n * 2) % 5] for n in range(20)]
    columns = [*LOW_EFFORT_STATEMENTS, *NOT_EASY_STATEMENTS]
    rows = [["Response ID", "Date", *columns],
            *[[f"R{n}", f"2026-02-{n + 1:02d}", *[answer] * len(columns)] for n, answer in enumerate(answers)]]  # fmt: skip
    item = import_file(write_csv(tmp_path / "effort.csv", rows))
    assert item.ok and item.result.written == 20, item.error
    ranks = [AGREEMENT.index(answer) + 1 for answer in answers]
    low, high = sum(rank >= 4 for rank in ranks), sum(rank <= 2 for rank in ranks)
    stored = query(tmp_path, "SELECT question_id, metric, COUNT(*), SUM(category = 'low_effort'), "
                             "SUM(category = 'high_effort') FROM feedback_scores GROUP BY question_id", db="x.db")  # fmt: skip
    assert {question: tuple(counts) for question, *counts in stored} == {
        text: ("ces", 20, low, high) for text in LOW_EFFORT_STATEMENTS}  # fmt: skip
    for text, word in NOT_EASY_STATEMENTS.items():
        [warning] = [w for w in item.all_warnings if repr(text) in w]
        assert f"negated ({word!r})" in warning, warning

    choices = {label: float(value) for value, label in enumerate(AGREEMENT, start=1)}
    for text in LOW_EFFORT_STATEMENTS[:2]:
        spec = detect(Question("Q1", text, "choice", choices=choices)).spec
        assert (spec.metric, spec.scale, spec.direction) == ("ces", (1, 5), Direction.HIGHER_IS_BETTER)
    for text, word in NOT_EASY_STATEMENTS.items():
        found = detect(Question("Q1", text, "choice", choices=choices))
        assert found.spec is None and f"negated ({word!r})" in found.evidence


def test_the_warning_quotes_a_shortened_not_as_written(tmp_path):
    """"I wasn't satisfied with the delivery" is negated by "wasn't", and the warning says so —
    before, it quoted 'not', a word the statement does not hold. Alike for a file's import and an
    API's agreement options and numbers."""
    texts = {"I wasn't satisfied with the delivery": "wasn't", "Booking didn’t feel easy": "didn’t"}
    rows = [["Response ID", "Date", *texts], *[[f"R{n}", "2026-03-01", *[AGREEMENT[n % 5]] * 2] for n in range(10)]]
    item = import_file(write_csv(tmp_path / "short.csv", rows))
    assert item.ok and item.result.written == 10, item.error
    agreement = {label: float(value) for value, label in enumerate(AGREEMENT, start=1)}
    for text, word in texts.items():
        [warning] = [w for w in item.all_warnings if repr(text) in w]
        assert f"negated ({word!r})" in warning, warning
        for question in (Question("Q1", text, "choice", choices=agreement), Question("Q1", text, "scale", scale=(1, 5))):
            found = detect(question)
            assert found.spec is None and f"negated ({word!r})" in found.evidence, found.evidence


def test_a_hand_written_csat_of_agreement_answers_reads_them_by_the_built_in_labels(tmp_path):
    """`metric = "csat"` on Strongly disagree … Strongly agree, without `labels`, scores them 1–5
    (or 1–7 with `scale = [1, 7]`), as the built-in agreement labels read a ces — before, every
    row went to quarantine ("'Strongly disagree' is neither a number nor a known label")."""
    five, seven = [AGREEMENT[(n * 3) % 5] for n in range(12)], [AGREEMENT_7[(n * 5) % 7] for n in range(12)]
    rows = [["id", "submitted", "I was satisfied with the service", "Overall, I am satisfied with my visit"],
            *[[n, "2026-01-15", a, b] for n, (a, b) in enumerate(zip(five, seven))]]  # fmt: skip
    write_csv(tmp_path / "statements.csv", rows)
    source = {"connector": "csv", "path": "statements.csv", "columns": {"id": "id", "submitted_at": "submitted"},
              "metrics": [{"column": "I was satisfied with the service", "metric": "csat", "primary": True},
                          {"column": "Overall, I am satisfied with my visit", "metric": "csat", "scale": [1, 7]}]}  # fmt: skip
    result = sync_source(tmp_path, source)
    assert (result.written, result.quarantined) == (12, 0)
    assert stored_boxes(tmp_path, "cxbridge.db") == {
        "I was satisfied with the service": ("csat", *boxes(five, AGREEMENT)),
        "Overall, I am satisfied with my visit": ("csat", *boxes(seven, AGREEMENT_7))}  # fmt: skip
    values = query(tmp_path, "SELECT value FROM feedback_scores WHERE question_id = 'I was satisfied with the service' "
                             "ORDER BY record_id")  # fmt: skip
    assert sorted(value for (value,) in values) == sorted(AGREEMENT.index(answer) + 1.0 for answer in five)


def test_a_proposed_mapping_of_written_labels_names_every_label_of_their_scale(tmp_path, monkeypatch):
    """inspect reads the first 500 rows; a reversed agreement scale ("It was difficult to book":
    agreeing is the most effort) whose "Strongly agree" first comes after them is mapped with every
    label of the built-in scale, so the sync scores that row too — before, the proposed `labels`
    held the four seen and each later "Strongly agree" went to quarantine. Agreement as a csat
    ("I was satisfied…") reads the built-in labels and lists those read, as a later "Somewhat agree"
    could be the 4 of "Agree" or a point of seven (before 2026-12-07 English agreement had no
    "somewhat" point on five, and it listed none); its later "Strongly agree" reads all the same."""
    early = [AGREEMENT[n % 4] for n in range(500)]  # never "Strongly agree"
    answers = early + ["Strongly agree"] * 3 + ["Disagree"] * 2
    columns = ["It was difficult to book", "I was satisfied with the service"]
    rows = [["Response ID", "Date", *columns],
            *[[f"R{n}", f"2026-01-{n % 28 + 1:02d}", answer, answer] for n, answer in enumerate(answers)]]  # fmt: skip
    write_csv(tmp_path / "late.csv", rows)
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(cli, ["inspect", "late.csv", "--write-mapping", "cxbridge.toml"]).exit_code == 0
    synced = CliRunner().invoke(cli, ["sync", "--db", "saved.db"])
    assert synced.exit_code == 0 and f"{len(answers)} written" in synced.output, synced.output
    ranks = [AGREEMENT.index(answer) + 1 for answer in answers]
    stored = query(tmp_path, "SELECT question_id, metric, direction, COUNT(*), SUM(value) FROM feedback_scores "
                             "GROUP BY question_id", db="saved.db")  # fmt: skip
    assert sorted(stored) == [("I was satisfied with the service", "csat", "higher_is_better", len(answers), sum(ranks)),
                              ("It was difficult to book", "ces", "lower_is_better", len(answers), sum(ranks))]  # fmt: skip
    assert query(tmp_path, "SELECT COUNT(*) FROM quarantine", db="saved.db") == [(0,)]
    mapping = tomllib.loads((tmp_path / "cxbridge.toml").read_text(encoding="utf-8"))
    metrics = {metric["column"]: metric for metric in mapping["sources"]["late"]["metrics"]}
    read = {label: n for n, label in enumerate(AGREEMENT[:4], start=1)}  # never "Strongly agree"
    assert metrics["I was satisfied with the service"]["labels"] == read
    assert metrics["It was difficult to book"]["labels"]["strongly agree"] == 5


def test_a_seven_point_agreement_label_after_the_rows_inspect_read_is_quarantined_asking_for_seven_points(tmp_path):
    """Of a 7-point agreement column, the first 500 rows show only the five labels it shares with
    the 5-point scale, so inspect proposes 1–5 and lists the labels read; a later "Somewhat agree",
    which the 5-point scale reads as "Agree" (Qualtrics' 5-point wording) and the 7-point one holds
    apart from it, is quarantined, never scored, its reason naming the label, the one it would be
    read as, the built-in 7-point scale and the fix, `scale = [1, 7]`. With that fix and a full
    refresh every row scores on 1–7."""
    answers = [AGREEMENT[n % 5] for n in range(500)] + ["Somewhat agree", "Somewhat disagree"] * 50
    column = "The company made it easy to handle my issue"
    rows = [["Response ID", "Date", column],
            *[[f"R{n}", f"2026-01-{n % 28 + 1:02d}", answer] for n, answer in enumerate(answers)]]  # fmt: skip
    path = write_csv(tmp_path / "agree.csv", rows)
    [proposal] = [p for p in inspect_file(path).proposals if p.column == column and p.mapped]
    assert (proposal.target, proposal.spec["scale"]) == ("ces", [1, 5])
    item = import_file(path)
    assert item.ok and (item.result.written, item.result.quarantined) == (500, 100), item.error
    reasons = {reason for (reason,) in query(tmp_path, "SELECT error FROM quarantine", db="x.db")}
    assert len(reasons) == 2
    for label, read_as in (("Somewhat agree", "Agree"), ("Somewhat disagree", "Disagree")):
        [reason] = [reason for reason in reasons if f"answer {label!r}" in reason]
        assert repr(read_as) in reason, reason
        assert "built-in agreement (7 points) scale" in reason and "scale = [1, 7]" in reason, reason
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback_scores WHERE value NOT IN (1, 2, 3, 4, 5)", db="x.db") == [(0,)]

    source = {"connector": "csv", "path": "agree.csv", "columns": {"id": "Response ID", "submitted_at": "Date"},
              "metrics": [{"column": column, "metric": "ces", "scale": [1, 7]}]}  # fmt: skip
    result = sync_source(tmp_path, source)
    assert (result.written, result.quarantined) == (600, 0)
    stored = query(tmp_path, "SELECT SUM(value), SUM(category = 'low_effort') FROM feedback_scores")
    assert stored == [(sum(AGREEMENT_7.index(answer) + 1.0 for answer in answers),
                       sum(AGREEMENT_7.index(answer) + 1 >= 6 for answer in answers))]  # fmt: skip


QUALTRICS_AGREEMENT = ["Strongly disagree", "Somewhat disagree", "Neither agree nor disagree", "Somewhat agree",
                       "Strongly agree"]  # fmt: skip
"""Qualtrics' 5-point agreement, as its 5-point satisfaction is "Extremely dissatisfied", "Somewhat
dissatisfied", … (the real exports in tests/data/samples)."""


def test_a_five_point_agreement_column_with_somewhat_answers_is_stored_on_five_points(tmp_path, monkeypatch):
    """`cxbridge import` of a column answered in Qualtrics' 5-point agreement stores its answers
    1 … 5 of 5, "Somewhat agree" a 4 and low effort — before 2026-12-07 it proposed the 7-point
    scale, on whose points 1, 3, 4, 5, 7 the five stand, and stored "Somewhat agree" as 5 of 7,
    neutral. A hand-written 1–5 entry reads them so too (before: "Somewhat agree" was quarantined
    as a point of the 7-point scale)."""
    column = "The company made it easy to handle my issue"
    answers = [QUALTRICS_AGREEMENT[(n * 3) % 5] for n in range(20)]
    rows = [["Response ID", "Date", column],
            *[[f"R{n}", f"2026-01-{n + 1:02d}", answer] for n, answer in enumerate(answers)]]  # fmt: skip
    write_csv(tmp_path / "agree.csv", rows)
    rank = {label: n for n, label in enumerate(QUALTRICS_AGREEMENT, start=1)}
    category = {1: "high_effort", 2: "high_effort", 3: "neutral", 4: "low_effort", 5: "low_effort"}
    expected = {f"R{n}": (float(rank[answer]), 5.0, category[rank[answer]]) for n, answer in enumerate(answers)}
    sql = ("SELECT f.source_record_id, s.value, s.scale_max, s.category FROM feedback_scores s "
           "JOIN feedback f USING (record_id)")  # fmt: skip
    monkeypatch.chdir(tmp_path)
    imported = CliRunner().invoke(cli, ["import", "agree.csv", "--db", "a.db"])
    assert imported.exit_code == 0 and "20 written · 0 unchanged · 0 quarantined" in imported.output, imported.output
    assert {record: tuple(rest) for record, *rest in query(tmp_path, sql, db="a.db")} == expected

    source = {"connector": "csv", "path": "agree.csv", "columns": {"id": "Response ID", "submitted_at": "Date"},
              "metrics": [{"column": column, "metric": "ces", "scale": [1, 5]}]}  # fmt: skip
    result = sync_source(tmp_path, source)
    assert (result.written, result.quarantined) == (20, 0), result.error
    assert {record: tuple(rest) for record, *rest in query(tmp_path, sql)} == expected


QUALTRICS_SATISFACTION = ["Extremely dissatisfied", "Somewhat dissatisfied", "Neither satisfied nor dissatisfied",
                          "Somewhat satisfied", "Extremely satisfied"]  # fmt: skip
SATISFACTION_7 = ["Extremely dissatisfied", "Dissatisfied", "Somewhat dissatisfied",
                  "Neither satisfied nor dissatisfied", "Somewhat satisfied", "Satisfied", "Extremely satisfied"]  # fmt: skip
LATER_PLAIN_POINTS = {  # the five first read, the 7-point list, the plain points that come later, and their header
    "agreement": (QUALTRICS_AGREEMENT, AGREEMENT_7, {"Agree": "Somewhat agree", "Disagree": "Somewhat disagree"},
                  "I was satisfied with the service"),
    "satisfaction": (QUALTRICS_SATISFACTION, SATISFACTION_7,
                     {"Satisfied": "Somewhat satisfied", "Dissatisfied": "Somewhat dissatisfied"},
                     "How satisfied were you with the service?"),
}  # fmt: skip


@pytest.mark.parametrize("kind", sorted(LATER_PLAIN_POINTS))
def test_a_plain_point_after_qualtrics_five_somewhat_answers_is_quarantined_asking_for_seven_points(tmp_path, kind):
    """The other way round from "Somewhat agree" after "Agree": the first 500 rows hold Qualtrics'
    five ("Strongly disagree", "Somewhat disagree", …, "Somewhat agree", "Strongly agree"; for
    satisfaction "Extremely …", "Somewhat …"), read 1–5; a later plain "Agree" (or "Satisfied")
    is a point the 5-point scale shares with "Somewhat agree" and the 7-point one holds apart, so
    the column is of seven points: it is quarantined naming the 7-point scale, never stored as a
    4 — on five points a top box, on seven "Somewhat agree" is no top box. With `scale = [1, 7]` every
    row is read again on seven points and the CSAT is that of the top two of seven."""
    five, seven, later, column = LATER_PLAIN_POINTS[kind]
    answers = [five[n % 5] for n in range(500)] + [*later] * 50
    rows = [["Response ID", "Date", column],
            *[[f"R{n}", f"2026-01-{n % 28 + 1:02d}", answer] for n, answer in enumerate(answers)]]  # fmt: skip
    path = write_csv(tmp_path / "late.csv", rows)
    [proposal] = [p for p in inspect_file(path).proposals if p.column == column and p.mapped]
    assert (proposal.target, proposal.spec["scale"]) == ("csat", [1, 5])
    item = import_file(path)
    assert item.ok and (item.result.written, item.result.quarantined) == (500, 100), item.error
    reasons = {reason for (reason,) in query(tmp_path, "SELECT error FROM quarantine", db="x.db")}
    assert len(reasons) == 2
    for label, read_as in later.items():
        [reason] = [reason for reason in reasons if f"answer {label!r}" in reason]
        assert f"is read as {five.index(read_as) + 1} on the 1–5 scale" in reason and repr(read_as) in reason, reason
        assert f"built-in {kind} (7 points) scale" in reason and "scale = [1, 7]" in reason, reason
    stored = query(tmp_path, "SELECT SUM(value), SUM(category = 'satisfied') FROM feedback_scores", db="x.db")
    assert stored == [(sum(five.index(a) + 1.0 for a in answers[:500]), sum(five.index(a) >= 3 for a in answers[:500]))]

    source = {"connector": "csv", "path": "late.csv", "columns": {"id": "Response ID", "submitted_at": "Date"},
              "metrics": [{"column": column, "metric": "csat", "scale": [1, 7]}]}  # fmt: skip
    result = sync_source(tmp_path, source)
    assert (result.written, result.quarantined) == (600, 0), result.error
    points = [seven.index(answer) + 1 for answer in answers]
    [(csat_pct,)] = query(tmp_path, "SELECT csat_pct FROM csat_by_month")
    assert csat_pct == half_up(Fraction(100 * sum(point >= 6 for point in points), len(points)))
    assert query(tmp_path, "SELECT SUM(value) FROM feedback_scores") == [(float(sum(points)),)]


def test_the_seven_point_ces_wording_stays_on_seven_points(tmp_path):
    """The CES 2.0 statement answered on its seven agreement points, "Somewhat agree" and "Agree"
    apart, is read 1 … 7 of 7 — as before the 5-point scale took "Somewhat agree" as its "Agree"."""
    column = "The company made it easy for me to handle my issue"
    answers = [AGREEMENT_7[(n * 3) % 7] for n in range(21)]
    rows = [["Response ID", "Date", column],
            *[[f"R{n}", f"2026-01-{n + 1:02d}", answer] for n, answer in enumerate(answers)]]  # fmt: skip
    assert builtin.scale_for(AGREEMENT_7) is builtin.AGREEMENT_7
    item = import_file(write_csv(tmp_path / "ces.csv", rows))
    assert item.ok and (item.result.written, item.result.quarantined) == (21, 0), item.error
    stored = query(tmp_path, "SELECT f.source_record_id, s.value, s.scale_max FROM feedback_scores s "
                             "JOIN feedback f USING (record_id)", db="x.db")  # fmt: skip
    assert {record: (value, top) for record, value, top in stored} == {
        f"R{n}": (AGREEMENT_7.index(answer) + 1.0, 7.0) for n, answer in enumerate(answers)}  # fmt: skip


SATISFACTION_7 = ["Very dissatisfied", "Dissatisfied", "Somewhat dissatisfied", "Neutral", "Somewhat satisfied",
                  "Satisfied", "Very satisfied"]  # fmt: skip
QUALTRICS_5 = ["Extremely dissatisfied", "Somewhat dissatisfied", "Neither satisfied nor dissatisfied",
               "Somewhat satisfied", "Extremely satisfied"]  # fmt: skip


def test_a_seven_point_satisfaction_label_after_the_rows_inspect_read_is_never_scored_on_a_point_of_five(tmp_path):
    """Of a 7-point satisfaction column, the first 500 rows show only the five labels it shares
    with the 5-point scale, which reads "Somewhat satisfied" as "Satisfied" (4 of 5) — the 7-point
    one as 5 and 6. The mapping lists the labels seen, and each later "Somewhat satisfied" is
    quarantined naming "Satisfied" and `scale = [1, 7]` — before, it was stored as 4, as
    "Satisfied" is. A 5-point column written with "Somewhat satisfied" (Qualtrics' five) reads as
    before, nothing of it quarantined. A hand-written `labels` list of the five quarantines them
    alike; one naming "Somewhat satisfied" too reads it as its value."""
    answers = [SATISFACTION[n % 5] for n in range(500)] + ["Somewhat satisfied", "Somewhat dissatisfied"] * 50
    five = [QUALTRICS_5[n % 5] for n in range(600)]
    columns = ["How satisfied were you with the service?", "How satisfied were you with the delivery?"]
    rows = [["Response ID", "Date", *columns],
            *[[f"R{n}", f"2026-01-{n % 28 + 1:02d}", a, b] for n, (a, b) in enumerate(zip(answers, five))]]  # fmt: skip
    item = import_file(write_csv(tmp_path / "sat.csv", rows))
    assert item.ok and (item.result.written, item.result.quarantined) == (500, 100), item.error
    reasons = {reason for (reason,) in query(tmp_path, "SELECT error FROM quarantine", db="x.db")}
    for label, read_as in (("Somewhat satisfied", "Satisfied"), ("Somewhat dissatisfied", "Dissatisfied")):
        [reason] = [reason for reason in reasons if f"answer {label!r}" in reason]
        assert repr(read_as) in reason and "satisfaction (7 points)" in reason and "scale = [1, 7]" in reason, reason
    stored = query(tmp_path, "SELECT question_id, COUNT(*), SUM(value) FROM feedback_scores GROUP BY question_id",
                   db="x.db")  # fmt: skip
    read = [n for n, answer in enumerate(answers) if answer in SATISFACTION]
    assert sorted(stored) == sorted([
        (columns[0], len(read), sum(SATISFACTION.index(answers[n]) + 1.0 for n in read)),
        (columns[1], len(read), sum(QUALTRICS_5.index(five[n]) + 1.0 for n in read))])  # fmt: skip
    source = {"connector": "csv", "path": "sat.csv", "columns": {"id": "Response ID", "submitted_at": "Date"},
              "metrics": [{"column": columns[0], "metric": "csat", "scale": [1, 5],
                           "labels": {label: n for n, label in enumerate(SATISFACTION, start=1)}}]}  # fmt: skip
    assert sync_source(tmp_path, source).quarantined == 100  # a hand-written list alike: "add it to labels"
    source["metrics"][0]["labels"] |= {"Somewhat satisfied": 4, "Somewhat dissatisfied": 2}
    both_ways = sync_source(tmp_path, source, db="both_ways.db")
    assert (both_ways.written, both_ways.quarantined) == (600, 0)
    assert query(tmp_path, "SELECT SUM(value) FROM feedback_scores", db="both_ways.db") == [
        (sum({"Somewhat satisfied": 4.0, "Somewhat dissatisfied": 2.0}.get(a) or SATISFACTION.index(a) + 1.0
             for a in answers),)]  # fmt: skip



def sync_csat_alone(folder: Path, document: dict[str, Any], question: dict[str, Any], picked: list[int]):
    """Sync a Qualtrics "Use numeric values" export of QID1 (`picked`, its recodes, one response a
    day) with the survey's definition, QID1 mapped `metric = "csat"` and nothing else."""
    (folder / "survey.qsf").write_text(json.dumps(document), encoding="utf-8")
    rows = [["EndDate", "Finished", "ResponseId", "Q1"], ["End Date", "Finished", "Response ID", question["QuestionText"]],
            [json.dumps({"ImportId": i}) for i in ("endDate", "finished", "_recordId", "QID1")],
            *[[f"2026-01-{n:02d} 10:00:00", 1, f"R_{n:04d}", recode] for n, recode in enumerate(picked, start=1)]]  # fmt: skip
    write_csv(folder / "export.csv", rows)
    source = {"connector": "csv", "path": "export.csv", "format": "qualtrics", "definition": "survey.qsf",
              "columns": {"id": "_recordId", "submitted_at": "endDate"}, "metrics": [{"column": "QID1", "metric": "csat"}]}  # fmt: skip
    return sync_source(folder, source)


def test_a_csat_mapped_by_its_metric_alone_reads_best_first_labels_of_its_definition_as_inspect_does(tmp_path):
    """A Qualtrics question recoding Very satisfied 1 … Very dissatisfied 5 (its choices listed best
    first, as displayed), "No opinion" -1, mapped `metric = "csat"` and nothing else: the entry takes
    its direction from the labels, as `inspect` proposes it and the API sync reads the question
    configured by its metric alone — before, it read the recodes' order, so every "Very satisfied"
    counted as dissatisfied and every "Very dissatisfied" as satisfied."""
    best_first = ("Very satisfied", "Satisfied", "Neither satisfied nor dissatisfied", "Dissatisfied",
                  "Very dissatisfied")  # fmt: skip
    choices = {str(n): {"Display": label} for n, label in enumerate((*best_first, "No opinion"), start=1)}
    recodes = {str(n): str(n) for n in range(1, 6)} | {"6": "-1"}
    question = {"QuestionID": "QID1", "DataExportTag": "Q1", "QuestionType": "MC", "Selector": "SAVR",
                "QuestionText": "How satisfied were you with your visit?", "Choices": choices, "RecodeValues": recodes}  # fmt: skip
    document = {"SurveyEntry": {"SurveyID": "SV_best_first", "SurveyName": "Best first"},
                "SurveyElements": [{"Element": "SQ", "PrimaryAttribute": "QID1", "Payload": question}]}  # fmt: skip
    picked = [1, 1, 2, 5, 3, -1, 4, 1, 2, 5, 2, 3]  # the recodes in the cells ("Use numeric values")
    result = sync_csat_alone(tmp_path, document, question, picked)
    assert (result.written, result.quarantined) == (12, 0), result.error
    answered = [recode for recode in picked if recode != -1]
    satisfied, dissatisfied = sum(r in (1, 2) for r in answered), sum(r in (4, 5) for r in answered)
    normalized = sum((5 - r) / 4 * 100 for r in answered) / len(answered)
    assert query(tmp_path, "SELECT responses, satisfied, dissatisfied, csat_pct, csat_avg_normalized FROM csat_by_month") == [
        (len(answered), satisfied, dissatisfied, half_up(Fraction(100 * satisfied, len(answered))), round(normalized, 1))]  # fmt: skip


def test_a_metric_configured_alone_reads_partial_built_in_labels_their_way_round_in_a_file_and_an_api(tmp_path):
    """A 3-point CSAT listed best first (Satisfied 1, Neutral 2, Dissatisfied 3) is only some points
    of the built-in 5-point scale, so it is not detected; configured `metric = "csat"` and nothing
    else — a file's `[[metrics]]` entry, an API's `[questions.QID1]` — the labels still say which
    end is best: lower. Before, both read the recodes' order, and every "Dissatisfied" counted
    satisfied."""
    points = {"Satisfied": 1, "Neutral": 2, "Dissatisfied": 3}
    question = {"QuestionID": "QID1", "DataExportTag": "Q1", "QuestionType": "MC", "Selector": "SAVR",
                "QuestionText": "How satisfied were you with your visit?",
                "Choices": {str(n): {"Display": label} for label, n in points.items()}}  # fmt: skip
    document = {"SurveyEntry": {"SurveyID": "SV_three", "SurveyName": "Three points"},
                "SurveyElements": [{"Element": "SQ", "PrimaryAttribute": "QID1", "Payload": question}]}  # fmt: skip
    picked = [1, 3, 3, 2, 1, 3, 2, 3, 1]  # the recodes in the cells ("Use numeric values")
    result = sync_csat_alone(tmp_path, document, question, picked)
    assert (result.written, result.quarantined) == (len(picked), 0), result.error
    satisfied, dissatisfied = picked.count(1), picked.count(3)
    normalized = sum((3 - r) / 2 * 100 for r in picked) / len(picked)
    assert query(tmp_path, "SELECT responses, satisfied, dissatisfied, csat_pct, csat_avg_normalized FROM csat_by_month") == [
        (len(picked), satisfied, dissatisfied, half_up(Fraction(100 * satisfied, len(picked))), round(normalized, 1))]  # fmt: skip

    plan = QuestionPlan({"QID1": QuestionOverride(metric="csat")}, where="sources.api")
    spec = plan.reading(Question("QID1", question["QuestionText"], "choice", choices=points)).spec
    assert (spec.metric, spec.scale, spec.direction) == ("csat", (1, 3), Direction.LOWER_IS_BETTER)


SEVEN_POINT_SATISFACTION = {  # worst first; the "somewhat" points are the 3rd and 5th
    "de": ["Sehr unzufrieden", "Unzufrieden", "Eher unzufrieden", "Teils/teils", "Eher zufrieden", "Zufrieden",
           "Sehr zufrieden"],
    "ru": ["Очень недоволен", "Недоволен", "Скорее недоволен", "Ни доволен, ни недоволен", "Скорее доволен", "Доволен",
           "Очень доволен"],
    "pl": ["Bardzo niezadowolony", "Niezadowolony", "Raczej niezadowolony", "Ani zadowolony, ani niezadowolony",
           "Raczej zadowolony", "Zadowolony", "Bardzo zadowolony"],
    "fr": ["Très insatisfait", "Insatisfait", "Plutôt insatisfait", "Ni satisfait ni insatisfait", "Plutôt satisfait",
           "Satisfait", "Très satisfait"],
}  # fmt: skip
SATISFACTION_QUESTION = {"de": "Wie zufrieden sind Sie mit uns?", "ru": "Насколько вы довольны нами?",
                         "pl": "Czy jesteś zadowolony z obsługi?", "fr": "Êtes-vous satisfait de nous ?"}  # fmt: skip


@pytest.mark.parametrize("language", sorted(SEVEN_POINT_SATISFACTION))
def test_a_seven_point_satisfaction_column_in_another_language_is_told_from_a_five_point_one(tmp_path, language):
    """Its seven labels make a CSAT on 1–7, each answer stored as its place; a column whose first
    500 rows show only the five labels it shares with the 5-point scale quarantines each later
    "somewhat" answer ("Eher zufrieden"), as in English, never storing it as the 4 of "Zufrieden"."""
    seven = SEVEN_POINT_SATISFACTION[language]
    shared = [seven[n] for n in (0, 1, 3, 5, 6)]
    all_seven = [seven[n % 7] for n in range(600)]
    later = [shared[n % 5] for n in range(500)] + [seven[4], seven[2]] * 50
    columns = [f"{SATISFACTION_QUESTION[language]} ({n})" for n in (1, 2)]
    rows = [["Response ID", "Date", *columns],
            *[[f"R{n}", f"2026-01-{n % 28 + 1:02d}", a, b] for n, (a, b) in enumerate(zip(all_seven, later))]]  # fmt: skip
    path = write_csv(tmp_path / "sat.csv", rows)
    specs = {p.column: (p.target, p.spec.get("scale")) for p in inspect_file(path).chosen}
    assert (specs[columns[0]], specs[columns[1]]) == (("csat", [1.0, 7.0]), ("csat", [1.0, 5.0]))
    item = import_file(path)
    assert item.ok and item.result.quarantined == 100, item.error
    reasons = {reason for (reason,) in query(tmp_path, "SELECT error FROM quarantine", db="x.db")}
    for answer, read_as in ((seven[4], seven[5]), (seven[2], seven[1])):
        [reason] = [reason for reason in reasons if f"answer {answer!r}" in reason]
        assert repr(read_as) in reason and "satisfaction (7 points)" in reason, reason
    stored = dict(query(tmp_path, "SELECT question_id, SUM(value) FROM feedback_scores GROUP BY 1", db="x.db"))
    assert stored[columns[0]] == sum(seven.index(a) + 1.0 for n, a in enumerate(all_seven) if later[n] in shared)
    assert stored[columns[1]] == sum(shared.index(a) + 1.0 for a in later if a in shared)


def test_french_ease_labels_are_told_five_points_from_seven():
    """"Plutôt facile" beside "Facile" is the seven-point scale's 5 and 6; the five-point labels
    alone stay on five points."""
    seven = ["Très difficile", "Difficile", "Plutôt difficile", "Ni facile ni difficile", "Plutôt facile", "Facile",
             "Très facile"]  # fmt: skip
    assert builtin.scale_for(seven) is builtin.EASE_7
    assert [builtin.EASE_7.values()[builtin.label_key(label)] for label in seven] == [1, 2, 3, 4, 5, 6, 7]
    assert builtin.scale_for([seven[n] for n in (0, 1, 3, 5, 6)]) is builtin.EASE_5


SEVEN_POINT_AGREEMENT = {  # worst first; the "somewhat" points are the 3rd and 5th
    "de": ["Stimme überhaupt nicht zu", "Stimme nicht zu", "Stimme eher nicht zu", "Weder noch", "Stimme eher zu",
           "Stimme zu", "Stimme voll und ganz zu"],
    "ru": ["Полностью не согласен", "Не согласен", "Скорее не согласен", "Нейтрально", "Скорее согласен", "Согласен",
           "Полностью согласен"],
    "pl": ["Zdecydowanie się nie zgadzam", "Nie zgadzam się", "Raczej się nie zgadzam",
           "Ani się zgadzam, ani nie zgadzam", "Raczej się zgadzam", "Zgadzam się", "Zdecydowanie się zgadzam"],
    "fr": ["Pas du tout d'accord", "Pas d'accord", "Plutôt pas d'accord", "Ni d'accord ni pas d'accord",
           "Plutôt d'accord", "D'accord", "Tout à fait d'accord"],
    "es": ["Totalmente en desacuerdo", "En desacuerdo", "Algo en desacuerdo", "Ni de acuerdo ni en desacuerdo",
           "Algo de acuerdo", "De acuerdo", "Totalmente de acuerdo"],
    "pt": ["Discordo totalmente", "Discordo", "Discordo parcialmente", "Não concordo nem discordo",
           "Concordo parcialmente", "Concordo", "Concordo totalmente"],
    "it": ["Per niente d'accordo", "Non d'accordo", "Abbastanza in disaccordo", "Né d'accordo né in disaccordo",
           "Abbastanza d'accordo", "D'accordo", "Pienamente d'accordo"],
    "nl": ["Helemaal mee oneens", "Mee oneens", "Enigszins mee oneens", "Niet mee eens, niet mee oneens",
           "Enigszins mee eens", "Mee eens", "Helemaal mee eens"],
}  # fmt: skip
"""The 7-point wording is the writer's own knowledge of these languages' questionnaires (no vendor's
published 7-point translation was found): very, —, somewhat (eher, скорее, raczej, plutôt, algo,
parcialmente), neither. The 5-point lists with the "somewhat" points are published: SurveyMonkey's
German ("Stimme völlig zu", "Stimme eher zu", "Stimme weder zu noch nicht zu", "Stimme eher nicht
zu", "Stimme überhaupt nicht zu": de.surveymonkey.com/mp/2-tips-for-writing-agree-disagree-survey-questions/)
and Questio's French (blog.questio.fr/determiner-libelles-modalites-echelle).

Italian and Dutch are put together from published lists (`PUBLISHED_FIVE_POINT_AGREEMENT`): each
point but the "somewhat" ones is Qualtrics' Italian 5-point list ("Pienamente d'accordo", "D'accordo",
"Neutrale", "Non d'accordo", "Per niente d'accordo"; its 7-point scale has "Né d'accordo né in
disaccordo" at the centre: qualtrics.com/it/experience-management/ricerca/scala-likert) and the Dutch
one Statistics Netherlands asks with ("Helemaal mee eens", "Mee eens", "Niet mee eens, niet mee
oneens", "Mee oneens", "Helemaal mee oneens": cbs.nl/nl-nl/nieuws/2022/51/nederlanders-pessimistischer-
over-toekomst-samenleving/vraagformuleringen-pessimisme); the "somewhat" points are the 2nd and 4th of
SurveyMonkey's Italian 5-point list ("Concordo in pieno", "Abbastanza d'accordo", "Né d'accordo né in
disaccordo", "Abbastanza in disaccordo", "Non concordo affatto":
it.surveymonkey.com/mp/2-tips-for-writing-agree-disagree-survey-questions/), as German "eher" is, and
SurveyMonkey's Dutch "enigszins" ("enigszins ontevreden": nl.surveymonkey.com/mp/likert-scale/)."""
PUBLISHED_FIVE_POINT_AGREEMENT = {
    "it (Qualtrics)": ["Per niente d'accordo", "Non d'accordo", "Neutrale", "D'accordo", "Pienamente d'accordo"],
    "nl (CBS)": ["Helemaal mee oneens", "Mee oneens", "Niet mee eens, niet mee oneens", "Mee eens", "Helemaal mee eens"],
}  # fmt: skip
FIVE_POINT_AGREEMENT_WITH_SOMEWHAT = {
    "de": ["Stimme überhaupt nicht zu", "Stimme eher nicht zu", "Stimme weder zu noch nicht zu", "Stimme eher zu",
           "Stimme völlig zu"],
    "fr": ["Pas du tout d'accord", "Plutôt pas d'accord", "Ni d'accord ni pas d'accord", "Plutôt d'accord",
           "Tout à fait d'accord"],
    "pt": ["Discordo totalmente", "Discordo parcialmente", "Não concordo nem discordo", "Concordo parcialmente",
           "Concordo totalmente"],
    "it": ["Non concordo affatto", "Abbastanza in disaccordo", "Né d'accordo né in disaccordo", "Abbastanza d'accordo",
           "Concordo in pieno"],
}  # fmt: skip
AGREED_SATISFACTION = {"de": "Ich bin mit dem Service zufrieden", "ru": "Я доволен обслуживанием",
                       "pl": "Jestem zadowolony z obsługi", "fr": "Je suis satisfait du service",
                       "es": "Estoy satisfecho con el servicio", "pt": "Estou satisfeito com o atendimento",
                       "it": "Sono soddisfatto del servizio", "nl": "Ik ben tevreden over de service"}  # fmt: skip


@pytest.mark.parametrize("language", sorted(SEVEN_POINT_AGREEMENT))
def test_a_seven_point_agreement_column_in_another_language_is_told_from_a_five_point_one(tmp_path, language):
    """Its seven labels are the built-in 7-point agreement scale, each on its place (before: no
    built-in scale, the column kept unscored), and under a statement of satisfaction a CSAT on 1–7;
    the five labels both sizes share, and a 5-point list written with the "somewhat" points, stay
    on five points."""
    seven = SEVEN_POINT_AGREEMENT[language]
    assert builtin.scale_for(seven) is builtin.AGREEMENT_7
    assert [builtin.AGREEMENT_7.values()[builtin.label_key(label)] for label in seven] == [1, 2, 3, 4, 5, 6, 7]
    shared = [seven[n] for n in (0, 1, 3, 5, 6)]
    assert builtin.scale_for(shared) is builtin.AGREEMENT_5
    assert builtin.sized_apart(builtin.AGREEMENT_5, shared) is builtin.AGREEMENT_7  # inspect lists them: …
    reading = {"metric": "csat", "scale": (1, 5), "direction": Direction.HIGHER_IS_BETTER}
    assert builtin.told_apart(seven[4], shared, **reading) == (seven[5], builtin.AGREEMENT_7)  # … a later one is told
    for five in (FIVE_POINT_AGREEMENT_WITH_SOMEWHAT.get(language, []), [seven[n] for n in (0, 2, 3, 4, 6)]):
        assert [builtin.AGREEMENT_5.values()[builtin.label_key(label)] for label in five] == [1, 2, 3, 4, 5][: len(five)]
    statement = AGREED_SATISFACTION[language]
    rows = [["Response ID", "Date", statement], *[[f"R{n}", f"2026-01-{n % 28 + 1:02d}", seven[n % 7]] for n in range(70)]]
    [proposal] = [p for p in inspect_file(write_csv(tmp_path / "agree.csv", rows)).chosen if p.column == statement]
    assert (proposal.target, proposal.spec.get("scale")) == ("csat", [1.0, 7.0])
    assert proposal.spec.get("direction", "higher_is_better") == "higher_is_better"



@pytest.mark.parametrize("language", ["it", "nl"])
def test_italian_and_dutch_agreement_statements_of_satisfaction_are_a_csat(tmp_path, language):
    """Before, no Italian or Dutch label was a point of a built-in scale, nor "soddisfatto" or
    "tevreden" a word of satisfaction: such a column was kept unscored. The published 5-point lists
    read 1–5 (never points of seven), the seven labels 1–7, and the import's CSAT is the top two of
    seven's share; a statement turned round ("Non sono soddisfatto", "ontevreden", "niet tevreden")
    is kept unscored, naming the word."""
    assert negation("Non sono soddisfatto del servizio", "satisfaction") == "non"
    assert negation("Non-member satisfaction", "satisfaction") is None  # "non" joined to another word
    for name, five in PUBLISHED_FIVE_POINT_AGREEMENT.items():
        assert builtin.scale_for(five) is builtin.AGREEMENT_5, name
        assert [builtin.AGREEMENT_5.values()[builtin.label_key(label)] for label in five] == [1, 2, 3, 4, 5], name
    seven, statement = SEVEN_POINT_AGREEMENT[language], AGREED_SATISFACTION[language]
    answers = [seven[(n * 3) % 7] for n in range(35)]
    turned = {"it": {"Non sono soddisfatto del servizio": "non"},
              "nl": {"Ik ben ontevreden over de service": "ontevreden", "Ik ben niet tevreden over de service": "niet"}}
    columns = [statement, *turned[language]]
    rows = [["Response ID", "Date", *columns],
            *[[f"R{n}", f"2026-01-{n % 28 + 1:02d}", *[answer] * len(columns)] for n, answer in enumerate(answers)]]
    path = write_csv(tmp_path / "agree.csv", rows)
    inspection = inspect_file(path)
    assert {p.column for p in inspection.chosen if p.target == "csat"} == {statement}
    for column, word in turned[language].items():
        [warning] = [w for w in inspection.warnings if repr(column) in w]
        assert repr(word) in warning, warning
    item = import_file(path)
    assert item.ok and (item.result.written, item.result.quarantined) == (35, 0), item.error
    points = [seven.index(answer) + 1 for answer in answers]
    [(csat_pct, responses)] = query(tmp_path, "SELECT csat_pct, responses FROM csat_by_month", db="x.db")
    assert (csat_pct, responses) == (half_up(Fraction(100 * sum(p >= 6 for p in points), len(points))), 35)
    assert query(tmp_path, "SELECT SUM(value), MAX(scale_max) FROM feedback_scores", db="x.db") == [(float(sum(points)), 7.0)]


@pytest.mark.parametrize("apostrophe", ["’", "‘", "ʼ"])
def test_a_typographic_apostrophe_in_a_label_reads_as_a_straight_one(tmp_path, apostrophe):
    """Qualtrics prints its Italian list "Pienamente d’accordo" … "Per niente d’accordo" with a
    typographic apostrophe, as word processors and phone keyboards type it; the built-in labels are
    spelt with a straight one, so such an answer was no label of any scale (the column unscored, or
    its rows quarantined under a mapping) — in French ("Pas d’accord") as in Italian."""
    italian, french = PUBLISHED_FIVE_POINT_AGREEMENT["it (Qualtrics)"], SEVEN_POINT_AGREEMENT["fr"]
    for straight in (italian, french):
        typed = [label.replace("'", apostrophe) for label in straight]
        assert builtin.scale_for(typed) is builtin.scale_for(straight)
    statement = AGREED_SATISFACTION["it"]
    answers = [italian[(n * 2) % 5].replace("'", apostrophe) for n in range(20)]
    rows = [["Response ID", "Date", statement], *[[f"R{n}", f"2026-01-{n + 1:02d}", a] for n, a in enumerate(answers)]]
    item = import_file(write_csv(tmp_path / "typed.csv", rows))
    assert item.ok and (item.result.written, item.result.quarantined) == (20, 0), item.error
    points = [(n * 2) % 5 + 1 for n in range(20)]
    stored = query(tmp_path, "SELECT SUM(value), SUM(category = 'satisfied') FROM feedback_scores", db="x.db")
    assert stored == [(float(sum(points)), sum(p >= 4 for p in points))]

@pytest.mark.parametrize(("written", "typed"), [("'", "’"), ("’", "'"), ("'", "ʼ")])
def test_a_hand_written_label_or_ignored_value_reads_an_answer_whatever_its_apostrophe(tmp_path, written, typed):
    """The built-in labels read "d’accordo" as "d'accordo" (8a44fd1), but a mapping's own labels and
    `ignore_values` were looked up by metrics' key, which kept the apostrophe's shape: a mapping saying
    "Je n'ai pas d'avis" quarantined every "Je n’ai pas d’avis" answer of a file, and a question's
    `labels` "C'est super" of an API source every "C’est super". One key now reads both."""
    labels = {"C'est nul": 1, "Bof": 2, "C'est super": 3}
    answers = ["C'est super", "Bof", "C'est nul", "Je n'ai pas d'avis"] * 3
    mapped = {"column": "Avis", "metric": "csat", "scale": [1, 3],
              "ignore_values": ["Je n'ai pas d'avis".replace("'", written)],
              "labels": {label.replace("'", written): value for label, value in labels.items()}}  # fmt: skip
    rows = [["Response ID", "Date", "Avis"],
            *[[f"R{n}", f"2026-01-{n + 1:02d}", a.replace("'", typed)] for n, a in enumerate(answers)]]  # fmt: skip
    write_csv(tmp_path / "avis.csv", rows)
    source = {"connector": "csv", "path": "avis.csv", "columns": {"id": "Response ID", "submitted_at": "Date"},
              "metrics": [mapped]}  # fmt: skip
    result = sync_source(tmp_path, source)
    assert (result.written, result.quarantined) == (12, 0), result.error
    expected = sum(labels.get(a, 0) for a in answers)
    assert query(tmp_path, "SELECT COUNT(*), SUM(value) FROM feedback_scores") == [(9, float(expected))]

    spec = MetricSpec(metric="csat", scale=(1, 3), labels=mapped["labels"], ignore_values=mapped["ignore_values"])
    read = [score(answer.replace("'", typed), spec) for answer in answers[:4]]  # an API source's answers
    assert [scored and scored.value for scored in read] == [3.0, 2.0, 1.0, None]


@pytest.mark.parametrize(
    ("choices", "expected"),
    [
        ({"Great": 1, "In the middle": 2, "Awful": 3, "No opinion": -1}, Direction.LOWER_IS_BETTER),
        ({"Like": 1, "Neither like nor dislike": 2, "Dislike": 3}, Direction.LOWER_IS_BETTER),
        ({"Poor": 1, "Fair": 2, "Good": 3, "Very good": 4, "Excellent": 5}, Direction.HIGHER_IS_BETTER),
        ({"Excellent": 1, "Good": 2, "Fair": 3, "Poor": 4, "Don't know": 5}, Direction.LOWER_IS_BETTER),
        ({"Good": 1, "OK": 2, "Not good": 3}, None),  # "Not good" is no end word: nothing is said
        ({"Great": 1, "Good": 2, "Excellent": 3}, None),  # both ends the best: nothing is said
        ({"Red": 1, "Green": 2}, None),
    ],
)
def test_the_end_words_of_choices_of_no_builtin_scale_give_a_configured_metric_its_direction(choices, expected):
    """What a `[[metrics]]` entry or an API override without `direction` reads a definition's
    choices by: best and worst end words, by whole label, whatever the recodes' order."""
    assert labels_direction(choices) is expected
