"""One rule for a recommend question on a declared scale other than 0–10 (cxbridge.detection.
declared_scale): an NPS is asked 0–10, so a 1–10 one is kept unscored, with the same reason and
fix, whether its scale is declared by an API's definition, a survey definition, a file's header or
the words beside its end answers. Answers 1–10 alone declare nothing: they are valid 0–10 answers."""

from __future__ import annotations

import csv
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import cxbridge
from cxbridge.cli.main import cli
from cxbridge.detection.declared_scale import named_scale
from cxbridge.detection.inspector import inspect_file
from cxbridge.detection.profile import ColumnProfile
from cxbridge.detection.question_metrics import detect
from cxbridge.detection.scores import propose_scores
from cxbridge.plugins_host import create_host
from cxbridge.questions import Question, QuestionPlan
from cxbridge.tabular.table import Column
from tests.conftest import half_up
from tests.google_forms_api import google_forms, store_account
from tests.sqlite_runs import query, sync_source
from tests.test_google_forms_source import FORM, entry, user_key  # noqa: F401 — the fixture
from tests.workbooks import write_xlsx

RECOMMEND = "How likely are you to recommend us to a friend?"
ANSWERS = [n % 10 + 1 for n in range(30)]  # 1–10, three times each: valid 0–10 answers too
LOWEST, HIGHEST = "1 - Not at all likely", "10 - Extremely likely"


@pytest.mark.parametrize(("text", "scale"), [
    ("How likely are you to recommend us? (1-10)", (1, 10)),
    ("How likely are you to recommend us? [1 to 10]", (1, 10)),
    ("On a scale of 1 to 10, how likely are you to recommend us?", (1, 10)),
    ("On a scale from 1–10, would you recommend us?", (1, 10)),
    ("Rate on a 1-10 scale how likely you are to recommend us", (1, 10)),
    ("Auf einer Skala von 1 bis 10: würden Sie uns weiterempfehlen?", (1, 10)),
    ("En una escala del 1 al 10, ¿nos recomendaría?", (1, 10)),
    ("По шкале от 1 до 10, порекомендуете ли вы нас?", (1, 10)),
    ("How likely are you to recommend us? (0-10)", (0, 10)),
    ("How likely are you to recommend us, having visited 1-2 times?", None),
    ("Weiterempfehlung 1-10", (1, 10)),  # a scale ending the header, from 0 or 1 to 3 … 10
    ("Freundlichkeit im Markt 0 bis 10", (0, 10)),
    ("Besuche 1-2", None),
    ("Filiale 12-15", None),
    (RECOMMEND, None),
])  # fmt: skip
def test_the_scale_a_wording_names(text, scale):
    assert named_scale(text) == scale


def write_csv(path: Path, rows: list[list[Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def labelled(answer: int) -> str | int:
    return LOWEST if answer == 1 else HIGHEST if answer == 10 else answer


def import_file(path: Path, **options: Any):
    result = cxbridge.import_([path], destination=f"sqlite:///{path.parent / 'x.db'}", host=create_host(), **options)
    [item] = result.files
    assert item.ok, item
    return item


def assert_kept_unscored(path: Path, warning_names: str) -> None:
    """Imported with every answer kept, none scored as NPS, and the warning says why and how to score it."""
    [warning] = [w for w in inspect_file(path).warnings if "recommend" in w]
    assert f"{warning_names} a 1–10 scale, and an NPS is asked 0–10" in warning
    assert 'metric = "rating", scale = [1, 10]' in warning
    item = import_file(path)
    assert item.result.written == len(ANSWERS) and item.result.quarantined == 0
    assert query(path.parent, "SELECT count(*), count(nps) FROM feedback", db="x.db") == [(len(ANSWERS), 0)]
    assert query(path.parent, "SELECT count(*) FROM feedback_scores WHERE metric IN ('nps', 'enps')", db="x.db") == [(0,)]


def assert_nps(path: Path, answers: list[int]) -> None:
    import_file(path)
    promoters, detractors = sum(a >= 9 for a in answers), sum(a <= 6 for a in answers)
    assert query(path.parent, "SELECT responses, nps FROM nps_by_month", db="x.db") == [
        (len(answers), half_up(Fraction(100 * (promoters - detractors), len(answers))))]  # fmt: skip


def test_a_csv_header_saying_on_a_scale_of_1_to_10_is_no_nps(tmp_path):
    """"(1-10)" in brackets was read; "On a scale of 1 to 10, …" was not: its answers were the NPS,
    each 1–10 answer counted on 0–10."""
    header = "On a scale of 1 to 10, how likely are you to recommend us to a friend?"
    rows = [["id", "date", header], *[[n, f"2025-01-{n % 28 + 1:02d}", a] for n, a in enumerate(ANSWERS)]]
    assert_kept_unscored(write_csv(tmp_path / "survey.csv", rows), "it names")


def test_answer_labels_marking_1_and_10_with_no_0_are_no_nps(tmp_path):
    """"1 - Not at all likely" … "10 - Extremely likely", never a 0: the labels put the scale's
    bottom at 1, so it is a 1–10 question; they were read as 0–10 NPS answers."""
    rows = [["id", "date", RECOMMEND], *[[n, f"2025-01-{n % 28 + 1:02d}", labelled(a)] for n, a in enumerate(ANSWERS)]]
    assert_kept_unscored(write_csv(tmp_path / "survey.csv", rows), "mark")


def test_a_header_writing_words_beside_1_and_10_is_no_nps(tmp_path):
    """"(1 = Not at all likely, 10 = Extremely likely)" puts the scale's bottom at 1 as the same words
    in the cells do; the header's words were not read, and its bare answers were the NPS."""
    header = f"{RECOMMEND} (1 = Not at all likely, 10 = Extremely likely)"
    rows = [["id", "date", header], *[[n, f"2025-01-{n % 28 + 1:02d}", a] for n, a in enumerate(ANSWERS)]]
    assert_kept_unscored(write_csv(tmp_path / "survey.csv", rows), "mark")


def test_the_same_labels_in_an_excel_sheet_are_no_nps(tmp_path):
    rows = [["id", "date", RECOMMEND], *[[n, f"2025-01-{n % 28 + 1:02d}", labelled(a)] for n, a in enumerate(ANSWERS)]]
    assert_kept_unscored(write_xlsx(tmp_path / "survey.xlsx", {"Responses": rows}), "mark")


def test_a_google_forms_export_of_a_1_to_10_linear_scale_titled_so_is_no_nps(tmp_path):
    """A Google Forms linear scale 1–10 exports bare numbers; the title saying its scale is the one
    place the file declares it."""
    title = "On a scale of 1 to 10, how likely are you to recommend us?"
    rows = [["Timestamp", title], *[[f"2025/03/{n % 28 + 1:02d} 10:15:00 AM GMT+1", a] for n, a in enumerate(ANSWERS)]]
    assert_kept_unscored(write_csv(tmp_path / "form.csv", rows), "it names")


def test_labels_marking_0_and_10_and_bare_1_to_10_answers_stay_nps(tmp_path):
    """What declares nothing else is still NPS: bare 1–10 answers, and labels marking 0 and 10."""
    bare = [["id", "date", RECOMMEND], *[[n, f"2025-01-{n % 28 + 1:02d}", a] for n, a in enumerate(ANSWERS)]]
    assert_nps(write_csv(tmp_path / "bare.csv", bare), ANSWERS)
    answers = [0, *ANSWERS]
    marked = [["id", "date", RECOMMEND], *[[n, f"2025-01-{n % 28 + 1:02d}", "0 - Not at all likely" if a == 0
                                            else labelled(a) if a != 1 else 1] for n, a in enumerate(answers)]]  # fmt: skip
    (tmp_path / "0-10").mkdir()
    assert_nps(write_csv(tmp_path / "0-10" / "marked.csv", marked), answers)


def test_bare_answers_1_to_10_stay_nps_and_inspect_says_what_to_do_if_it_was_asked_1_to_10(tmp_path):
    """Nothing declares the scale, so it is the NPS; but no one answered 0, and `inspect` says so with
    the mapping that keeps a 1–10 question out of the NPS (it said only "values are whole numbers 1–10")."""
    rows = [["id", "date", RECOMMEND], *[[n, f"2025-01-{n % 28 + 1:02d}", a] for n, a in enumerate(ANSWERS)]]
    [nps] = [p for p in inspect_file(write_csv(tmp_path / "bare.csv", rows)).chosen if p.target == "nps"]
    assert nps.confidence >= 0.9 and "values are whole numbers 1–10" in nps.describe()
    assert f"no answer is 0 (of {len(ANSWERS)})" in nps.describe() and "metric 'rating' with scale [1, 10]" in nps.describe()


def test_a_survey_definitions_1_to_10_choices_make_a_files_column_no_nps():
    """A column whose definition (a .qsf beside an export) lists choices 1–10 under a recommend
    question is read as the API reads the same definition: no NPS."""
    column = Column("QID1", RECOMMEND, choices={str(n): float(n) for n in range(1, 11)}, kind="choice")
    profile = ColumnProfile(column, filled=len(ANSWERS), numbers=[float(a) for a in ANSWERS])
    [proposal] = [p for p in propose_scores(profile) if p.target == "nps"]
    assert proposal.confidence < 0.5
    assert "its survey definition's choices run a 1–10 scale, and an NPS is asked 0–10" in proposal.evidence[0]
    question = Question("QID1", RECOMMEND, "choice", choices=column.choices)
    assert detect(question).spec is None
    assert "its definition declares a 1–10 scale, and an NPS is asked 0–10" in detect(question).evidence


def test_a_definition_whose_choices_give_no_scale_leaves_the_header_to_declare_it():
    """A definition listing one choice (an "N/A" box) gives no range: the header's "(1-10)" still
    declares the scale, as it does without a definition (the definition silenced it)."""
    column = Column("QID1", f"{RECOMMEND} (1-10)", choices={"Prefer not to say": 99.0}, kind="choice")
    profile = ColumnProfile(column, filled=len(ANSWERS), numbers=[float(a) for a in ANSWERS])
    [proposal] = [p for p in propose_scores(profile) if p.target == "nps"]
    assert proposal.confidence < 0.5 and "it names a 1–10 scale, and an NPS is asked 0–10" in proposal.evidence[0]


def test_an_api_question_whose_wording_alone_names_1_to_10_is_no_nps_and_the_sync_says_why():
    """A question whose definition gives no scale (a QuestionPro answer without a position, a
    slider) is read by its wording, as a file's header is: it was kept unscored with no reason
    given, or scored as NPS where the connector took 0–10 for granted."""
    question = Question("Q1", "On a scale of 1 to 10, how likely are you to recommend us?", "scale")
    plan = QuestionPlan({}, where="sources.survey")
    assert plan.reading(question).spec is None
    [warning] = plan.warnings
    assert "its wording names a 1–10 scale, and an NPS is asked 0–10" in warning
    assert 'metric = "rating", scale = [1, 10]' in warning and "sources.survey.questions.Q1.metric" in warning


def test_a_recommend_column_whose_lowest_answer_is_1_given_often_and_0_never_is_warned_about_at_import(tmp_path):
    """Several answered 1 and nobody 0 — the lowest answer given is a 1–10 question's: it stays the
    NPS (nothing declares the scale), but `inspect` and the import say so and how to map it as a
    1–10 rating. Only `inspect`'s evidence said it: `cxbridge import` scored it as 0–10 without a word."""
    rows = [["id", "date", RECOMMEND], *[[n, f"2025-01-{n % 28 + 1:02d}", a] for n, a in enumerate(ANSWERS)]]
    path = write_csv(tmp_path / "bare.csv", rows)
    warning = (f"column {RECOMMEND!r} (nps): no answer is 0 (of {len(ANSWERS)}), which a 0–10 question need not have, "
               "though 3 answered 1, the lowest answer given, as on a 1–10 scale; if it was asked 1–10 it is no NPS: "
               "map it as metric 'rating' with scale [1, 10] (docs/files.md#a-recommend-question-on-another-scale)")  # fmt: skip
    assert warning in inspect_file(path).warnings
    result = CliRunner().invoke(cli, ["import", str(path), "--db", str(tmp_path / "x.db")], env={"COLUMNS": "400"})
    assert warning in " ".join(result.stdout.split()), result.output
    assert_nps_stored(tmp_path, ANSWERS)
    once = [["id", "date", RECOMMEND], *[[n, f"2025-01-{n % 28 + 1:02d}", a] for n, a in enumerate([1, *list(range(2, 11)) * 3])]]
    assert not [w for w in inspect_file(write_csv(tmp_path / "once.csv", once)).warnings if "no answer is 0" in w]


def assert_nps_stored(folder: Path, answers: list[int]) -> None:
    promoters, detractors = sum(a >= 9 for a in answers), sum(a <= 6 for a in answers)
    assert query(folder, "SELECT responses, nps FROM nps_by_month", db="x.db") == [
        (len(answers), half_up(Fraction(100 * (promoters - detractors), len(answers))))]  # fmt: skip


def test_a_google_forms_linear_scale_1_to_10_about_recommending_is_no_nps_and_the_sync_says_why(
    tmp_path, user_key,  # noqa: F811 — the fixture imported above
):
    """The Forms API gives the linear scale's ends (`low` 1, `high` 10): declared 1–10, it is kept
    unscored with the rule's reason, its answers in `answers`, the 0–10 NPS question beside it
    still the NPS — a guard: it was right."""
    account = store_account()
    account.forms[FORM]["items"].insert(0, {"itemId": "0f0e0d0c", "title": RECOMMEND, "questionItem": {"question": {
        "questionId": "3e3e3e3e", "scaleQuestion": {"low": 1, "high": 10, "lowLabel": "Not at all likely",
                                                    "highLabel": "Extremely likely"}}}})  # fmt: skip
    answers = [1, 10, 6, 9][: len(account.responses[FORM])]
    for response, answer in zip(account.responses[FORM], answers, strict=True):
        response["answers"]["3e3e3e3e"] = {"questionId": "3e3e3e3e", "textAnswers": {"answers": [{"value": str(answer)}]}}
    with google_forms(account) as api:
        result = sync_source(tmp_path, entry(api.url, user_key), name="visits")
    assert (result.written, result.quarantined) == (len(answers), 0), result.error
    assert any("3e3e3e3e" in w and "declares a 1–10 scale, and an NPS is asked 0–10" in w for w in result.warnings)
    assert query(tmp_path, "SELECT count(*) FROM feedback_scores WHERE question_id = '3e3e3e3e'") == [(0,)]
    kept = query(tmp_path, "SELECT json_extract(answers, '$.3e3e3e3e.value') FROM feedback ORDER BY source_record_id")
    assert sorted(int(v) for (v,) in kept) == sorted(answers)
    assert query(tmp_path, "SELECT count(nps) FROM feedback") == [(len(answers),)]  # the form's own 0–10 question
