"""Detection with reasons: formats, fields, NPS in seven languages, CSAT/CES labels and scales,
comments and checkbox answers — each proposal with a confidence and its evidence."""

from __future__ import annotations

import csv
import json
import sqlite3
import time
from datetime import datetime
from fractions import Fraction

import pytest
from click.testing import CliRunner

from cxbridge.cli.main import cli
from cxbridge.detection.inspector import Hints, inspect_file
from cxbridge.detection.question_metrics import detect
from cxbridge.metrics import Direction
from cxbridge.questions import Question, QuestionOverride, with_rating_defaults
from cxbridge.tabular.config import MetricColumn
from tests.conftest import half_up
from tests.sqlite_runs import copy_sample, query, sync_source
from tests.workbooks import write_xlsx

NPS_QUESTIONS = {
    "en": "How likely are you to recommend us to a friend?",
    "ru": "Насколько вероятно, что вы порекомендуете нас друзьям?",
    "pl": "Jak bardzo prawdopodobne jest, że polecisz nas znajomym?",
    "de": "Wie wahrscheinlich ist es, dass Sie uns weiterempfehlen?",
    "es": "¿Qué probabilidad hay de que nos recomiende a un amigo?",
    "fr": "Quelle est la probabilité que vous nous recommandiez à un ami ?",
    "pt": "Qual a probabilidade de você nos recomendar a um amigo?",
    "pt-BR": "Você indicaria nossa empresa a um amigo?",
    "pt-BR (2)": "De 0 a 10, você recomendaria a nossa loja?",
}


def write_csv(path, rows, *, encoding="utf-8", delimiter=","):
    with path.open("w", newline="", encoding=encoding) as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


def chosen(inspection) -> dict[str, str]:
    return {p.target: p.column for p in inspection.chosen if p.target not in ("question", "ignore", "timestamp")}


@pytest.mark.parametrize("language", sorted(NPS_QUESTIONS))
def test_nps_is_found_from_a_recommend_question_in_each_language(tmp_path, language):
    question = NPS_QUESTIONS[language]
    rows = [["Date", question, "Score of something"], *[[f"2024-03-{n + 1:02d}", n % 11, n % 11] for n in range(20)]]
    inspection = inspect_file(write_csv(tmp_path / "survey.csv", rows))
    [nps] = [p for p in inspection.chosen if p.target == "nps"]
    assert nps.column == question and nps.confidence >= 0.9
    assert "recommending" in nps.describe() and "whole numbers 0–10" in nps.describe()
    assert all(p.column != "Score of something" or not p.mapped for p in inspection.proposals if p.target == "nps")


@pytest.mark.parametrize("header, answers", [
    ("Number of recommendations", [0, 1, 2, 3, 0, 1, 5, 10, 2, 0, 4, 7]),
    ("How many friends did you recommend us to?", [0, 1, 2, 3, 0, 1, 5, 10, 2, 0, 4, 7]),
    ("Wie viele Freunde haben Sie uns weiterempfohlen?", [0, 1, 2, 3, 0, 1, 5, 10, 2, 0, 4, 7]),
    ("¿Cuántos amigos le recomendaron nuestra tienda?", [0, 1, 2, 3, 0, 1, 5, 10, 2, 0, 4, 7]),
    ("Effort (hours)", [1, 2, 3, 4, 5, 6, 7]),
    ("Wait (minutes) until you were satisfied", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
])  # fmt: skip
def test_a_header_asking_how_many_holds_an_amount_not_a_score(tmp_path, header, answers):
    """How many times someone recommended us, hours of effort, minutes of waiting were read as the
    NPS (0.95: every count of 0–6 a detractor), the CES or the CSAT: a count asked before the
    metric's word, or an amount in a unit, is no point of a scale. Kept as an answer, unscored,
    saying why; the NPS question beside it is the NPS."""
    rows = [["Date", header, "How likely are you to recommend us?"],
            *[[f"2026-01-{n % 28 + 1:02d}", answers[n % len(answers)], n % 11] for n in range(24)]]  # fmt: skip
    inspection = inspect_file(write_csv(tmp_path / "amounts.csv", rows))
    assert [(p.target, p.mapped) for p in inspection.proposals if p.column == header] == [("question", True)]
    [note] = [p for p in inspection.proposals if p.column == header]
    assert note.unscored and "an amount" in note.describe()
    assert chosen(inspection)["nps"] == "How likely are you to recommend us?"


@pytest.mark.parametrize("header, metric", [("How satisfied were you with our opening hours?", "csat"),
                                            ("How satisfied were you with the number of checkouts open?", "csat"),
                                            ("How likely are you to recommend us? (0-10)", "nps")])  # fmt: skip
def test_a_count_or_unit_word_inside_a_rating_question_leaves_it_scored(tmp_path, header, metric):
    """Asked after the metric's word, a count is what the rating is about, and a unit outside
    brackets a word of the question: still scored."""
    rows = [["Date", header], *[[f"2026-01-{n % 28 + 1:02d}", n % 11 if metric == "nps" else n % 5 + 1]
                                 for n in range(24)]]  # fmt: skip
    inspection = inspect_file(write_csv(tmp_path / "rated.csv", rows))
    assert chosen(inspection)[metric] == header


@pytest.mark.parametrize("other, plain", [
    ("Previous NPS", "NPS"), ("NPS (last survey)", "NPS"), ("Last year's NPS", "NPS"), ("Target NPS", "NPS"),
    ("NPS goal", "How likely are you to recommend us?"), ("Previous CSAT", "CSAT"),
    ("NPS Vorjahr", "Weiterempfehlung"), ("NPS précédent", "Recommandation"), ("NPS anterior", "Recomendación"),
    ("Poprzedni NPS", "Polecenie"), ("NPS-Ziel", "NPS"), ("Meta NPS", "NPS"), ("Целевой NPS", "NPS"),
])  # fmt: skip
def test_a_metric_of_another_time_or_a_target_is_kept_unscored_beside_the_answer(tmp_path, other, plain):
    """"Previous NPS", "Target NPS" (0.95), listed before the "NPS" of the same rows, were its
    primary: last survey's answer or a goal taken as today's. A header naming a metric as another
    time's or a target is kept as an answer, unscored, with a warning naming it."""
    rows = [["Date", other, plain], *[[f"2026-01-{n % 28 + 1:02d}", (n + 3) % 11 if "NPS" in other else n % 5 + 1,
                                       n % 11 if "CSAT" not in plain else n % 5 + 1] for n in range(24)]]  # fmt: skip
    inspection = inspect_file(write_csv(tmp_path / "earlier.csv", rows))
    [metric] = inspection.source_config()["metrics"]
    assert metric["column"] == plain
    assert [(p.target, p.unscored) for p in inspection.proposals if p.column == other] == [("question", True)]
    assert any(repr(other) in warning and "another time's or a target's" in warning for warning in inspection.warnings)


@pytest.mark.parametrize("other", [
    "Target NPS rating", "NPS target rating", "Goal NPS score", "Previous NPS rating", "Last year's NPS rating",
    "Целевая оценка NPS", "Docelowa ocena NPS", "Ziel-NPS-Bewertung", "Objetivo de calificación NPS",
    "Meta de avaliação NPS",
])  # fmt: skip
def test_a_target_or_earlier_metric_named_with_a_rating_word_is_kept_unscored(tmp_path, other):
    """"Target NPS rating" listed before "NPS" was the primary (0.95): its word of rating made it a
    question. Beside the metric's name such a word names the goal's rating: unscored, with the warning."""
    rows = [["Date", other, "NPS"], *[[f"2026-01-{n % 28 + 1:02d}", (n + 3) % 11, n % 11] for n in range(24)]]
    inspection = inspect_file(write_csv(tmp_path / "goal.csv", rows))
    assert [m["column"] for m in inspection.source_config()["metrics"]] == ["NPS"]
    assert [(p.target, p.unscored) for p in inspection.proposals if p.column == other] == [("question", True)]
    assert any(repr(other) in warning and "another time's or a target's" in warning for warning in inspection.warnings)


@pytest.mark.parametrize("header", ["Compared to your previous visit, how likely are you to recommend us?",
                                    "Would you recommend our new target range?", "NPS 2026", "Target store NPS?",
                                    "How likely are you to recommend us to reach your goals"])
def test_a_question_naming_another_time_or_a_lone_year_stays_scored(tmp_path, header):
    """A question's words say what its answer is about, and a year alone may be this year's: scored."""
    rows = [["Date", header], *[[f"2026-01-{n % 28 + 1:02d}", n % 11] for n in range(24)]]
    inspection = inspect_file(write_csv(tmp_path / "asked.csv", rows))
    assert chosen(inspection)["nps"] == header


@pytest.mark.parametrize("year, plain", [("NPS 2024", "NPS"), ("NPS 2024", "Recommend (0-10)")])
def test_a_plain_metric_is_the_primary_over_one_naming_a_year(tmp_path, year, plain):
    """"NPS 2024" listed before "NPS" tied at 0.95 and was the primary, the record's `nps`: a header
    naming no year is the primary, even with a typo among its answers (0.90)."""
    answers = [*range(11), *range(11), 11, 5]
    rows = [["Date", year, plain], *[[f"2026-01-{n % 28 + 1:02d}", n % 11, answers[n]] for n in range(24)]]
    metrics = inspect_file(write_csv(tmp_path / "years.csv", rows)).source_config()["metrics"]
    assert [(m["column"], m.get("primary")) for m in metrics] == [(plain, True), (year, None)]


@pytest.mark.parametrize("earlier, latest, top", [
    ("NPS 2024", "NPS 2025", 10), ("CSAT 2024", "CSAT 2025", 5), ("Customer effort 2024", "Customer effort 2025", 7),
])  # fmt: skip
@pytest.mark.parametrize("latest_first", [False, True])
def test_of_two_years_of_a_metric_the_latest_is_the_primary_in_any_column_order(tmp_path, earlier, latest, top,
                                                                                latest_first):
    """"NPS 2024" and "NPS 2025" tied (0.89) and the first listed was the primary, the record's
    `nps`: the latest year's is the primary, the earlier one another question of the metric, and
    `inspect` warns naming both."""
    headers = [latest, earlier] if latest_first else [earlier, latest]
    answers = [n % 11 if top == 10 else n % top + 1 for n in range(25)]
    rows = [["Date", *headers], *[[f"2026-01-{n % 28 + 1:02d}", answers[n], answers[n + 1]] for n in range(24)]]
    inspection = inspect_file(write_csv(tmp_path / "years.csv", rows))
    metrics = {m["column"]: m.get("primary") for m in inspection.source_config()["metrics"]}
    assert metrics == {latest: True, earlier: None}
    [warning] = [w for w in inspection.warnings if "year" in w]
    assert f"{latest!r}, the latest, is the primary" in warning and f"{earlier!r} another question of it" in warning


@pytest.mark.parametrize("kind", ["written", "percent-cells"])
def test_an_earlier_years_nps_in_percentages_is_kept_and_the_warning_says_what_it_is(tmp_path, kind):
    """"NPS 2024" holding a store's NPS in percentages ("85%", or a spreadsheet's 0.85) beside this
    response's "NPS 2025" answer was warned about as labels of no known scale, "to score it, map it
    under [[metrics]]" — which would quarantine every row. Its values are a result (promoters less
    detractors, −100…100 %), not a 0–10 answer: kept as an answer, and the warning says so, with its
    year, and how to keep it without the warning."""
    shares = [0.85, -0.12, 0.4, 0.61]
    earlier = [f"{round(share * 100)}%" if kind == "written" else share for share in shares]
    answers = [(n * 7) % 11 for n in range(24)]
    rows = [["Response ID", "Date", "NPS 2024", "NPS 2025"],
            *[[f"R{n}", f"2026-01-{n % 28 + 1:02d}", earlier[n % 4], answers[n]] for n in range(24)]]  # fmt: skip
    path = (write_csv(tmp_path / "years.csv", rows) if kind == "written"
            else write_xlsx(tmp_path / "years.xlsx", {"Responses": rows}))  # fmt: skip
    inspection = inspect_file(path)
    assert [m["column"] for m in inspection.source_config()["metrics"]] == ["NPS 2025"]
    [warning] = [w for w in inspection.warnings if "NPS 2024" in w]
    assert ("its values are percentages: an NPS of 2024, the year it names (a result, promoters less detractors), "
            "not this response's 0–10 answer: kept as an answer, unscored; list it under questions to keep it "
            "without this warning") in warning, warning
    assert "[[metrics]]" not in warning
    db = tmp_path / "x.db"
    result = CliRunner().invoke(cli, ["import", str(path), "--db", str(db)], catch_exceptions=False)
    assert "24 read · 24 written · 0 unchanged · 0 quarantined" in result.output, result.output
    promoters, detractors = sum(a >= 9 for a in answers), sum(a <= 6 for a in answers)
    with sqlite3.connect(db) as conn:
        [(nps,)] = conn.execute("SELECT nps FROM nps_by_month").fetchall()
        stored = conn.execute("SELECT source_record_id, nps, json_extract(answers, '$.\"NPS 2024\".value') "
                              "FROM feedback").fetchall()  # fmt: skip
    assert nps == pytest.approx(100 * (promoters - detractors) / len(answers), abs=0.05)
    assert sorted(stored) == sorted((f"R{n}", answers[n], earlier[n % 4]) for n in range(24))


def test_two_columns_naming_the_same_year_are_warned_about_and_primary_chooses_between_them(tmp_path):
    """"NPS 2025" and "NPS score 2025" tie, and the first listed became the record's `nps` without a
    word. The warning names both and says how to choose; followed, the other is the record's nps."""
    first, second = [(n * 7) % 11 for n in range(24)], [(n * 3 + 5) % 11 for n in range(24)]
    rows = [["Response ID", "Date", "NPS 2025", "NPS score 2025"],
            *[[f"R{n}", f"2026-01-{n % 28 + 1:02d}", first[n], second[n]] for n in range(24)]]  # fmt: skip
    path = write_csv(tmp_path / "twice.csv", rows)
    inspection = inspect_file(path)
    [warning] = [w for w in inspection.warnings if "2025" in w]
    assert warning == ("columns 'NPS 2025' and 'NPS score 2025' both score nps for 2025: 'NPS 2025', listed first, is "
                       "the primary (the record's nps), 'NPS score 2025' another question of it; if 'NPS score 2025' is "
                       "this response's nps, mark its [[metrics]] entry primary = true, and no other (cxbridge inspect FILE "
                       "--write-mapping mapping.toml; docs/files.md#configuration)")  # fmt: skip
    result = CliRunner().invoke(cli, ["import", str(path), "--db", str(tmp_path / "x.db")], catch_exceptions=False)
    assert warning in " ".join(result.output.split()), result.output
    mapping = tmp_path / "mapping.toml"
    CliRunner().invoke(cli, ["inspect", str(path), "--write-mapping", str(mapping)], catch_exceptions=False)
    text = mapping.read_text(encoding="utf-8")
    chosen_one = 'column = "NPS score 2025"\nmetric = "nps"\n'
    text = text.replace("primary = true\n", "").replace(chosen_one, chosen_one + "primary = true\n")
    mapping.write_text(text, encoding="utf-8")
    db = tmp_path / "y.db"
    result = CliRunner().invoke(cli, ["import", str(path), "--mapping", str(mapping), "--db", str(db)],
                                catch_exceptions=False)  # fmt: skip
    assert "24 read · 24 written" in result.output, result.output
    with sqlite3.connect(db) as conn:
        stored = conn.execute("SELECT source_record_id, nps FROM feedback").fetchall()
    assert sorted(stored) == sorted((f"R{n}", second[n]) for n in range(24))


def test_a_recommend_question_with_values_off_the_scale_is_shown_but_not_mapped(tmp_path):
    rows = [["How likely are you to recommend us?"], ["maybe"], ["very"], ["no"]]
    inspection = inspect_file(write_csv(tmp_path / "odd.csv", rows))
    [nps] = [p for p in inspection.proposals if p.target == "nps"]
    assert not nps.mapped and "not 0–10" in nps.describe()
    assert "nps" not in chosen(inspection)


def test_one_value_off_the_scale_does_not_hide_the_nps_and_the_evidence_names_it(tmp_path):
    rows = [["Date", "How likely are you to recommend us?"], *[[f"2024-01-{n % 28 + 1:02d}", n % 11] for n in range(59)]]
    rows.insert(11, ["2024-02-01", 11])
    inspection = inspect_file(write_csv(tmp_path / "typo.csv", rows))
    [nps] = [p for p in inspection.chosen if p.target == "nps"]
    assert nps.confidence == 0.9
    assert "1 of 60 answers is not on the scale ('11'): that row goes to quarantine" in nps.describe()


@pytest.mark.parametrize("answers", [["N/A", 3, 9, 10, 7], ["N/A"] * 9 + list(range(11)) * 5])
def test_n_a_answers_do_not_count_against_a_score_column(tmp_path, answers):
    rows = [["Date", "How likely are you to recommend us?"], *[["2024-01-02", answer] for answer in answers]]
    inspection = inspect_file(write_csv(tmp_path / "na.csv", rows))
    [nps] = [p for p in inspection.chosen if p.target == "nps"]
    assert nps.confidence == 0.95 and nps.spec == {"ignore_values": ["N/A"]}
    assert f"{answers.count('N/A')} answer" in nps.describe()


def test_numbers_among_satisfaction_labels_take_the_typo_rule_of_every_scored_column(tmp_path):
    """Labels of the 5-point satisfaction scale with a 99 given twice and a typed 55: the labels'
    path looked at labels only, so the 99s went to quarantine row by row as off the scale and
    nothing said so, where under numbers the rule names 99 a no-answer code (ignore_values) and
    the 55 a slip. The same rule now: the 99s carry no score, the 55 goes to quarantine."""
    points = {"Very satisfied": 5, "Satisfied": 4, "Neutral": 3, "Dissatisfied": 2, "Very dissatisfied": 1}
    answers = [*points] * 6 + ["99", "99", "55"]
    rows = [["Response ID", "Date", "How satisfied were you?"],
            *[[f"R{n}", f"2024-01-{n % 28 + 1:02d}", answer] for n, answer in enumerate(answers)]]  # fmt: skip
    path = write_csv(tmp_path / "csat.csv", rows)
    [csat] = [p for p in inspect_file(path).chosen if p.target == "csat"]
    assert csat.spec["ignore_values"] == [99], csat.spec
    assert "99 given 2 times, more than a point off the scale: likely a no-answer code" in csat.describe()
    assert "1 of 31 answers is not on the scale ('55'): that row goes to quarantine" in csat.describe(), csat.describe()
    db = tmp_path / "x.db"
    result = CliRunner().invoke(cli, ["import", str(path), "--db", str(db)], catch_exceptions=False)
    assert "33 read · 32 written · 0 unchanged · 1 quarantined" in result.output, result.output
    with sqlite3.connect(db) as conn:
        stored = conn.execute("SELECT value FROM feedback_scores WHERE metric = 'csat'").fetchall()
        [(error,)] = conn.execute("SELECT error FROM quarantine").fetchall()
    assert sorted(value for (value,) in stored) == sorted(float(points[a]) for a in answers if a in points)
    assert "csat answer 55 is outside its scale 1–5" in error


def test_an_unknown_label_among_satisfaction_labels_does_not_hide_the_csat(tmp_path):
    labels = ["Very satisfied", "Satisfied", "Neutral", "Dissatisfied"] * 6 + ["Sorta kinda"]
    rows = [["Date", "How satisfied were you?"], *[["2024-01-02", label] for label in labels]]
    inspection = inspect_file(write_csv(tmp_path / "csat.csv", rows))
    [csat] = [p for p in inspection.chosen if p.target == "csat"]
    assert csat.spec == {"scale": [1.0, 5.0], "labels": {"Very satisfied": 5, "Satisfied": 4, "Neutral": 3,
                                                          "Dissatisfied": 2}}  # those read: also points of 7
    assert "1 of 25 answers is not on the scale ((a text of 2 words, not shown))" in csat.describe()  # quoted_values


@pytest.mark.parametrize(("question", "amount"), [
    ("How satisfied are you with how often we call?", "5 or more"),
    ("Wie zufrieden sind Sie damit, wie oft wir anrufen?", "5 oder mehr"),
    ("Насколько вы довольны тем, как часто мы звоним?", "5 и более"),
    ("¿Qué tan satisfecho está con la frecuencia de nuestras llamadas?", "5 o más"),
])  # fmt: skip
def test_an_answer_naming_an_amount_is_no_point_of_the_scale(tmp_path, question, amount):
    """Answers "1" … "4" and "5 or more" count calls: the amount is no 5 that would make them a
    1–5 satisfaction scale, in any language."""
    rows = [["Date", question], *[["2024-01-02", answer] for answer in ["1", "2", "3", "4", amount] * 4]]
    inspection = inspect_file(write_csv(tmp_path / "often.csv", rows))
    assert [p.column for p in inspection.chosen if p.target == "csat"] == []


@pytest.mark.parametrize(("answers", "odd"), [
    ([*range(11)][:7] + [12], "1 of 8 answers is not on the scale ('12')"),  # a small form: one slip is 12 %
    ([n % 11 for n in range(40)] + [11] * 4 + [12], "5 of 45 answers are not on the scale ('11', '12')"),
    ([n % 11 for n in range(300)] + ["don't remember"] * 40 + [12], "41 of 341 answers are not on the scale"),
    ([n % 11 for n in range(300)] + [12, 22, 100, 15, 55, 12, 20], "7 of 307 answers are not on the scale"),
], ids=["one-in-8", "elevens-and-a-12", "labels-and-a-12", "seven-in-307"])  # fmt: skip
def test_a_few_far_off_typos_under_a_recommend_header_are_quarantined_not_hiding_the_nps(tmp_path, answers, odd):
    """A typed 12 (for 2) more than a point off 0–10 hid the whole column when the answers off the
    scale were above 10 % of them — one in a form of 8, or beside 11s and unknown labels a
    recommend header tolerates: far-off numbers up to 1 + 2 % of the answers are typos."""
    rows = [["Date", "How likely are you to recommend us?"], *[["2024-01-02", answer] for answer in answers]]
    inspection = inspect_file(write_csv(tmp_path / "typos.csv", rows))
    [nps] = [p for p in inspection.chosen if p.target == "nps"]
    assert nps.confidence == 0.9 and odd in nps.describe(), nps.describe()
    assert not [w for w in inspection.warnings if "recommend" in w]


@pytest.mark.parametrize("far", [
    [40] * 30,  # 10 % of the answers one other number: a quantity, not slips
    [15, 20, 30, 40, 50, 60, 75, 90, 100, 25, 35, 45],  # 4 %, spread like a 0–100 answer's
], ids=["thirty-40s", "a-0-100-spread"])  # fmt: skip
def test_many_far_off_numbers_under_a_recommend_header_are_another_quantity_though_under_a_tenth(tmp_path, far):
    rows = [["Date", "How likely are you to recommend us?"], *[["2024-01-02", n % 11] for n in range(300)],
            *[["2024-01-02", n] for n in far]]  # fmt: skip
    inspection = inspect_file(write_csv(tmp_path / "amounts.csv", rows))
    [nps] = [p for p in inspection.proposals if p.target == "nps"]
    assert not nps.mapped and f"not 0–10 ('{far[0]}'" in nps.describe(), nps.describe()
    assert f"{len(far)} of {300 + len(far)} answers more than a point off it, too many for typos" in nps.describe()
    assert "nps" not in chosen(inspection)


@pytest.mark.parametrize(("header", "answers", "scale", "odd"), [
    ("How satisfied were you?", [1, 2, 3, 4, 5, 4, 3, 5, 55], [1, 5], "1 of 9 answers is not on the scale ('55')"),
    ("How satisfied were you?", [1, 2, 3, 4, 5] * 4 + ["dunno"] * 2 + [55], [1, 5], "3 of 23 answers are not on"),
    ("How satisfied were you?", [0, 3, 5, 6, 7, 8, 9, 10, 100], [0, 10], "1 of 9 answers is not on the scale ('100')"),
    ("How easy was it to get help?", [1, 2, 3, 4, 5, 6, 7, 70], [1, 7], "1 of 8 answers is not on the scale ('70')"),
], ids=["one-55-in-9", "labels-and-a-55", "100-on-0-10", "70-on-1-7"])  # fmt: skip
def test_a_far_off_typo_under_a_satisfaction_header_is_quarantined_on_the_scale_the_others_show(
    tmp_path, header, answers, scale, odd
):
    """A typed 55 (for 5) among 8 answers 1–5 left the column unscored, its numbers reaching "the top
    of no usual scale": a far-off number the recommend rule calls a slip chooses no scale either."""
    rows = [["Date", header], *[["2024-01-02", answer] for answer in answers]]
    inspection = inspect_file(write_csv(tmp_path / "typo.csv", rows))
    [rated] = [p for p in inspection.chosen if p.target in ("csat", "ces")]
    assert rated.spec["scale"] == scale and odd in rated.describe(), rated.describe()
    assert not inspection.warnings, inspection.warnings


@pytest.mark.parametrize(("header", "typo", "wider"), [
    ("How satisfied were you?", 10, [1, 10]),  # a 10 typed for 1
    ("How easy was it to get help?", 7, [1, 7]),
], ids=["a-10-among-1-5", "a-7-among-1-5"])  # fmt: skip
def test_a_far_off_typo_reaching_a_wider_scales_top_leaves_the_scale_the_others_show(tmp_path, header, typo, wider):
    """Forty answers 1–5 and one typed 10 were read 1–10, the fewest answers off it: every 5 stored
    as 44 of 100, none quarantined. By the typo rule a number more than a point off 1–5 is a slip,
    and a slip chooses no scale (nobody answered 6 to 9): the row goes to quarantine, and the
    evidence says how to map the wider scale if the question was asked on it."""
    answers = [n % 5 + 1 for n in range(40)] + [typo]
    rows = [["Response ID", "Date", header], *[[f"R{n}", "2024-01-02", a] for n, a in enumerate(answers, start=1)]]
    path = write_csv(tmp_path / "typo.csv", rows)
    inspection = inspect_file(path)
    [rated] = [p for p in inspection.chosen if p.target in ("csat", "ces")]
    assert rated.spec["scale"] == [1, 5], rated.spec
    assert (f"1 of 41 answers is not on the scale ('{typo}'): that row goes to quarantine; if it was asked "
            f"{wider[0]}–{wider[1]}, map it with scale = {wider}") in rated.describe(), rated.describe()
    db = tmp_path / "x.db"
    result = CliRunner().invoke(cli, ["import", str(path), "--db", str(db)], catch_exceptions=False)
    assert "41 read · 40 written · 0 unchanged · 1 quarantined" in result.output, result.output
    with sqlite3.connect(db) as conn:
        stored = conn.execute("SELECT value, normalized FROM feedback_scores").fetchall()
        [(record,)] = conn.execute("SELECT source_record_id FROM quarantine").fetchall()
    assert sorted(stored) == sorted((float(a), pytest.approx((a - 1) / 4 * 100)) for a in answers[:-1])
    assert record == "R41"


def test_many_far_off_numbers_under_a_satisfaction_header_are_another_quantity_though_under_a_tenth(tmp_path):
    """Twenty 40s among 300 answers 1–5 (6 %) were scored 1–5, the 40s quarantined as typos: more
    far-off numbers than slips (1 + 2 % of the answers) are another quantity, as under a recommend header."""
    answers = [n % 5 + 1 for n in range(300)] + [40] * 20
    rows = [["Date", "How satisfied were you?"], *[["2024-01-02", answer] for answer in answers]]
    inspection = inspect_file(write_csv(tmp_path / "amounts.csv", rows))
    assert "csat" not in chosen(inspection)
    [warning] = [w for w in inspection.warnings if "satisf" in w]
    assert "20 of 320 answers more than a point off every usual scale, too many for typos" in warning, warning


@pytest.mark.parametrize(("header", "answers", "code"), [
    ("How likely are you to recommend us?", [n % 11 for n in range(300)] + [99] * 4 + [12], 99),
    ("How satisfied were you?", [n % 5 + 1 for n in range(100)] + [-99] * 3, -99),
    ("How satisfied were you?", [n % 5 + 1 for n in range(40)] + [9, 9], 9),  # no slips: 2 > 1 + 2 % of 42
    ("How likely are you to recommend us?", [n % 11 for n in range(300)] + [99] * 20 + [12], 99),
], ids=["99-don't-know", "minus-99", "two-9s-off-1-5", "twenty-99s-in-321"])  # fmt: skip
def test_a_repeated_far_off_code_is_named_a_likely_no_answer_code_and_ignored(tmp_path, header, answers, code):
    """A 99 given 4 times under a 0–10 question is no slip — slips land anywhere — but an export's
    "don't know" code: each of its rows went to quarantine saying to add it to 'ignore_values', and
    more such codes than slips hid the column. The evidence names it and the proposal ignores it,
    as no answer, not counted among the far-off numbers; a single far-off 12 stays a typo."""
    rows = [["Date", header], *[["2024-01-02", answer] for answer in answers]]
    inspection = inspect_file(write_csv(tmp_path / "codes.csv", rows))
    [rated] = [p for p in inspection.chosen if p.target in ("nps", "csat")]
    count = answers.count(code)
    assert rated.spec["ignore_values"] == [code], rated.spec
    assert (f"{code} given {count} times, more than a point off the scale: likely a no-answer code (\"don't know\"), "
            "which carries no score (ignore_values)") in rated.describe(), rated.describe()
    assert f"answers are not on the scale ('{code}'" not in rated.describe()


@pytest.mark.parametrize(("header", "answers", "counted"), [
    ("How likely are you to recommend us?", [n % 11 for n in range(300)] + [99] * 20 + [40] * 30,
     "30 of 330 answers more than a point off it, too many for typos"),
    ("How satisfied were you?", [n % 5 + 1 for n in range(300)] + [99] * 5 + [40] * 20,
     "20 of 320 answers more than a point off every usual scale, too many for typos"),
], ids=["recommend", "satisfaction"])  # fmt: skip
def test_the_far_off_count_of_an_unscored_column_leaves_out_its_no_answer_codes(tmp_path, header, answers, counted):
    """The repeated 99s are no answers, not far-off numbers: the warning counted them among both."""
    rows = [["Date", header], *[["2024-01-02", answer] for answer in answers]]
    inspection = inspect_file(write_csv(tmp_path / "codes.csv", rows))
    assert header not in chosen(inspection).values()
    described = " ".join(p.describe() for p in inspection.proposals if p.column == header)
    assert counted in described, described


def test_an_effort_column_on_no_scale_names_only_the_scales_effort_is_asked_on(tmp_path):
    """An effort question is asked 1–5 or 1–7 (its scales stop at 7): the warning listed 0–10 and 1–10 too."""
    answers = [n % 7 + 1 for n in range(300)] + [40] * 20
    rows = [["Date", "How easy was it to get help?"], *[["2024-01-02", answer] for answer in answers]]
    inspection = inspect_file(write_csv(tmp_path / "effort.csv", rows))
    [warning] = [w for w in inspection.warnings if "easy" in w]
    assert "reach the top of no usual scale (1–5, 1–7)," in warning, warning


def test_the_count_of_answers_not_on_the_scale_leaves_out_the_no_answer_codes(tmp_path):
    """Three -99s among 101 answers 1–5 are no answers: '1 of 104 answers' counted them in the whole."""
    answers = [n % 5 + 1 for n in range(100)] + [-99] * 3 + [55]
    rows = [["Date", "How satisfied were you?"], *[["2024-01-02", answer] for answer in answers]]
    [csat] = [p for p in inspect_file(write_csv(tmp_path / "codes.csv", rows)).chosen if p.target == "csat"]
    assert "1 of 101 answers is not on the scale ('55')" in csat.describe(), csat.describe()


def test_many_values_off_the_scale_are_not_a_score(tmp_path):
    rows = [["Date", "How likely are you to recommend us?"], *[["2024-01-02", n] for n in (3, 9, 15, 40, 8, 7)]]
    inspection = inspect_file(write_csv(tmp_path / "amounts.csv", rows))
    [nps] = [p for p in inspection.proposals if p.target == "nps"]
    assert not nps.mapped and "not 0–10 ('15', '40')" in nps.describe()


def test_plain_sheet_fields_with_reasons(tmp_path):
    rows = [
        ["Response ID", "Submitted", "Store", "Store ID", "Channel", "E-mail", "Phone", "Name", "Overall satisfaction",
         "The staff made it easy to find what I needed", "Anything else you would like to tell us?"],
        *[[f"R{n}", f"{n % 28 + 1:02d}.03.2024 10:{n:02d}", f"Warsaw {n % 3}", f"S{n % 3:03d}",
           ["E-mail", "In store", "SMS"][n % 3], f"p{n}@example.com", f"+48 600 100 {n:03d}", f"Person {n}",
           ["Very satisfied", "Satisfied", "Neutral", "Dissatisfied"][n % 4], n % 7 + 1,
           f"Some longer free text about visit number {n}"] for n in range(30)],
    ]  # fmt: skip
    inspection = inspect_file(write_csv(tmp_path / "visits.csv", rows))
    assert inspection.recognition.format == "plain"
    assert chosen(inspection) == {
        "id": "Response ID", "submitted_at": "Submitted", "location_name": "Store", "location_id": "Store ID",
        "channel": "Channel", "email": "E-mail", "phone": "Phone", "csat": "Overall satisfaction",
        "ces": "The staff made it easy to find what I needed", "comment": "Anything else you would like to tell us?",
    }  # fmt: skip
    assert inspection.settings["date_order"] == "dmy"
    by_target = {p.target: p for p in inspection.chosen}
    assert by_target["csat"].spec["scale"] == [1.0, 5.0] and "satisfaction (5 points)" in by_target["csat"].describe()
    assert by_target["ces"].spec == {"scale": [1, 7], "direction": "higher_is_better"}
    assert "Name" in [p.column for p in inspection.chosen if p.target == "ignore"]
    assert "e-mail addresses" in by_target["email"].describe()


def test_columns_of_addresses_with_names_or_in_lists_are_e_mails_never_comments_with_examples(tmp_path):
    rows = [["Response ID", "Submitted", "E-mail", "CC", "Contact"],
            *[[f"R{n}", f"2024-03-{n % 28 + 1:02d} 10:00", f"p{n}@example.com", f"a{n}@example.com; b{n}@example.com",
               f"Person {n} <c{n}@example.com>"] for n in range(30)]]  # fmt: skip
    inspection = inspect_file(write_csv(tmp_path / "visits.csv", rows))
    assert chosen(inspection)["email"] == "E-mail" and "comment" not in chosen(inspection)
    others = {p.column: p for p in inspection.proposals if p.column in ("CC", "Contact")}
    assert {p.target for p in others.values()} == {"email"}  # what the sync hashes (cxbridge.privacy)
    assert "@" not in "".join(p.describe() for p in inspection.proposals)


def test_a_long_cell_of_dots_around_an_at_sign_is_profiled_in_linear_time(tmp_path):
    rows = [["Response ID", "Note"], ["R1", "a@" + "b." * 20_000 + "@"], ["R2", "fine"]]
    started = time.process_time()
    inspect_file(write_csv(tmp_path / "notes.csv", rows))
    assert time.process_time() - started < 2


@pytest.mark.parametrize(("header", "stem"), [("Wave", "wave"), ("Shopping wave", "wave"), ("Welle", "welle"),
                                             ("Fala", "fala")])  # fmt: skip
def test_a_mystery_shop_wave_column_is_proposed_as_the_wave(tmp_path, header, stem):
    rows = [["Visit ID", "Visit date", "Store ID", header, "Score (of 40)"],
            *[[f"V{n}", f"2025-0{n % 2 + 2}-{n + 1:02d}", f"S{n % 4}", f"Wave {n % 2 + 1}", 20 + n] for n in range(12)]]  # fmt: skip
    inspection = inspect_file(write_csv(tmp_path / "visits.csv", rows))
    by_target = {p.target: p for p in inspection.chosen}
    assert by_target["wave"].column == header
    assert by_target["wave"].describe() == f"the header says {stem!r} ('Wave 1', 'Wave 2')"


def test_labelled_answers_in_russian_and_polish_find_their_scale(tmp_path):
    rows = [["Дата", "Как вы оцениваете обслуживание?", "Jak oceniasz obsługę?"],
            ["01.02.2024", "Очень доволен", "Bardzo zadowolony"], ["02.02.2024", "Недоволен", "Niezadowolona"],
            ["03.02.2024", "Затрудняюсь ответить", "Nie dotyczy"], ["04.02.2024", "Доволен", "Zadowolony"]]  # fmt: skip
    inspection = inspect_file(write_csv(tmp_path / "mixed.csv", rows, delimiter=";"))
    scored = [p for p in inspection.chosen if p.target == "csat"]
    assert [p.column for p in scored] == ["Как вы оцениваете обслуживание?", "Jak oceniasz obsługę?"]
    assert scored[0].spec["ignore_values"] == ["Затрудняюсь ответить"]
    assert scored[1].spec["ignore_values"] == ["Nie dotyczy"]


def test_the_german_satisfaction_scale_has_its_weder_noch(tmp_path):
    rows = [["Zeitstempel", "Wie zufrieden sind Sie?"],
            *[[f"0{n + 1}.03.2024 10:00:00", label] for n, label in enumerate(["Sehr zufrieden", "Weder noch",
                                                                                "Zufrieden", "Unzufrieden"])]]  # fmt: skip
    inspection = inspect_file(write_csv(tmp_path / "de.csv", rows, delimiter=";"))
    [csat] = [p for p in inspection.chosen if p.target == "csat"]
    assert "satisfaction (5 points)" in csat.describe() and "not on the scale" not in csat.describe()


RATING_QUESTIONS = {  # a header naming a field, asking a rating question: what it was proposed as before
    "How satisfied were you with the staff?": "agent_id",
    "How satisfied were you with the store?": "location_name",
    "How likely are you to visit this store again?": "location_id",
    "Please rate the staff": "agent_id",
    "I agree the branch was clean": "location_id",
    "How easy was it to reach our team?": "team",
    "How satisfied were you with our phone support?": "phone",
    "Оцените работу сотрудника": "agent_id",
    "Inwieweit stimmen Sie zu: Die Filiale war sauber": "location_id",
}  # fmt: skip
FIELD_HEADERS = {"Store": "location_id", "Staff member": "agent_id", "Team": "team",
                 "Phone (if you agree to a call back)": "phone"}  # fmt: skip


@pytest.mark.parametrize("answers", [["Satisfied", "Neutral", "Dissatisfied"], [1, 2, 3, 4, 5]])
def test_a_rating_question_naming_the_staff_or_the_store_is_no_field(tmp_path, answers):
    """A header asking a rating question — satisfaction, effort or ease, recommending, to rate, to
    agree, how likely — names no agent, store, team or phone column, whatever it is about: its
    answers are ratings, which would be stored as agent ids or store names, or hashed as phone
    numbers (before, each was proposed as the field, and most chosen). Headers naming the field
    alone still are, and phone numbers under such a header too."""
    headers = [*RATING_QUESTIONS, *FIELD_HEADERS]
    field_values = {"Store": ["S01", "S02", "S03"], "Staff member": ["Ann", "Bob", "Eve"], "Team": ["A", "B", "C"],
                    "Phone (if you agree to a call back)": ["+44 7700 900123", "+48 601 234 567", "+49 1512 3456789"]}  # fmt: skip
    rows = [["Response ID", "Date", *headers],
            *[[f"R{n}", f"2026-01-{n + 1:02d}",
               *(field_values.get(header, answers)[n % len(field_values.get(header, answers))] for header in headers)]
              for n in range(12)]]  # fmt: skip
    inspection = inspect_file(write_csv(tmp_path / "ratings.csv", rows))
    fields = {"agent_id", "location_id", "location_name", "team", "phone", "id", "channel", "language", "country"}
    proposed = {(p.column, p.target) for p in inspection.proposals if p.target in fields}
    assert {(column, target) for column, target in proposed if column in RATING_QUESTIONS} == set()
    taken = {column: target for target, column in chosen(inspection).items()}
    assert {header: taken.get(header) for header in FIELD_HEADERS} == FIELD_HEADERS


STORE_SCORES = [["Response ID", "Date", "Store score", "Corporate store ID"],
                *[[f"R{n:03d}", f"2026-03-{n + 1:02d}", 20 + n, f"S{n % 4:03d}"] for n in range(12)]]  # fmt: skip


def test_a_header_naming_a_score_is_no_store_and_the_store_id_column_is(tmp_path):
    """"Store score" holding 20–31 was proposed and chosen as location_id (0.85, "the values are
    codes ('20', '21', …)"), "Corporate store ID" only an alternative: a score, points or a
    percentage names no id, store, agent, team or channel column, whatever it is about."""
    inspection = inspect_file(write_csv(tmp_path / "stores.csv", STORE_SCORES))
    fields = {"agent_id", "location_id", "location_name", "team", "id", "channel"}
    assert [p.target for p in inspection.proposals if p.column == "Store score" and p.target in fields] == []
    assert chosen(inspection)["location_id"] == "Corporate store ID"
    for header in ("Audit points: staff", "Store compliance %", "Branch percentage", "Баллы магазина"):
        profile_rows = [["Response ID", header], *[[f"R{n}", 60 + n] for n in range(12)]]
        named = inspect_file(write_csv(tmp_path / "other.csv", profile_rows)).proposals
        assert [p.target for p in named if p.column == header and p.target in fields] == [], header


def test_an_import_stores_the_store_id_column_not_the_store_score(tmp_path):
    import cxbridge

    db = tmp_path / "cxbridge.db"
    imported = cxbridge.import_([write_csv(tmp_path / "stores.csv", STORE_SCORES)], destination=f"sqlite:///{db}")
    assert [(file.error, file.result.written) for file in imported.files] == [(None, len(STORE_SCORES) - 1)]
    expected = {row[0]: row[3] for row in STORE_SCORES[1:]}
    assert dict(query(tmp_path, "SELECT source_record_id, location_id FROM feedback")) == expected


def test_inspect_lists_a_score_without_a_scale_as_kept_in_attributes_and_how_to_score_it(tmp_path):
    """"Store score" holding 20–31 (no maximum named) of a VoC file was in no row of `inspect`'s
    table and no warning, while the import kept it in attributes: every column is listed, this one
    as left out of the mapping, saying where it goes and how to score it."""
    from click.testing import CliRunner

    from cxbridge.cli.main import cli

    path = write_csv(tmp_path / "stores.csv", STORE_SCORES)
    result = CliRunner().invoke(cli, ["inspect", str(path), "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    [found] = json.loads(result.stdout)
    [row] = [row for row in found["proposals"] if row["column"] == "Store score"]
    assert row["field"] == "(question)" and float(row["confidence"]) < 0.5
    assert "the header names points ('score') but not their maximum" in row["evidence"]
    assert row["evidence"].endswith("kept in attributes, unscored; to score it, map it under [[metrics]] with its "
                                    "metric and scale = [0, MAX]")  # fmt: skip
    assert "Store score" not in json.dumps(found["mapping"]) and found["warnings"] == []
    table = CliRunner().invoke(cli, ["inspect", str(path)], catch_exceptions=False, terminal_width=400).output
    assert "Store score" in table and "kept in attributes" in table


@pytest.mark.parametrize("named", ["Store ID", "Store code", "Store number", "Agent ID"])
@pytest.mark.parametrize("first", [True, False], ids=["named-first", "named-last"])
def test_a_header_naming_an_id_or_code_beats_one_that_does_not_at_equal_evidence(tmp_path, named, first):
    """"Store" and "Store ID" both holding codes are both the store at 0.85: the one listed first
    was chosen. The header naming an id, code or number is, wherever it stands."""
    plain = named.split()[0]
    values = {plain: ["1042", "1043", "1044"] if plain == "Store" else ["Ann", "Bob", "Eve"], named: ["S1", "S2", "S3"]}
    headers = [named, plain] if first else [plain, named]
    rows = [["Response ID", "Date", *headers],
            *[[f"R{n}", f"2026-01-{n + 1:02d}", *(values[h][n % 3] for h in headers)] for n in range(12)]]  # fmt: skip
    target = "agent_id" if plain == "Agent" else "location_id"
    assert chosen(inspect_file(write_csv(tmp_path / "named.csv", rows)))[target] == named


@pytest.mark.parametrize("postcode", ["Store postcode", "Store postal code", "Store ZIP code", "Kod pocztowy sklepu"])
@pytest.mark.parametrize("first", [True, False], ids=["postcode-first", "postcode-last"])
def test_a_postcode_names_no_code_of_the_store(tmp_path, postcode, first):
    """"code" was found inside "postcode", and "postal code" names a code too: "Store postcode"
    tied with "Store ID" (both 0.87) and, listed first, was chosen as location_id. A postcode is
    no code of the store; "code" counts as a word of its own."""
    named = "Kod sklepu" if postcode.startswith("Kod") else "Store ID"
    values = {postcode: ["AB1 2CD", "EF3 4GH", "IJ5 6KL"], named: ["S1", "S2", "S3"]}
    headers = [postcode, named] if first else [named, postcode]
    rows = [["Response ID", "Date", *headers],
            *[[f"R{n}", f"2026-01-{n + 1:02d}", *(values[h][n % 3] for h in headers)] for n in range(12)]]  # fmt: skip
    inspection = inspect_file(write_csv(tmp_path / "postcodes.csv", rows))
    assert chosen(inspection)["location_id"] == named
    [store] = [p for p in inspection.proposals if p.column == postcode and p.target.startswith("location")]
    assert not store.mapped and "'code'" not in store.describe()


WHERE_A_STORE_IS = {"Store city": ["Leeds", "Leeds", "York"], "Store address": ["1 High St", "9 Park Rd", "2 Mill Ln"],
                    "Branch region": ["North", "North", "South"], "Ville du magasin": ["Lyon", "Lyon", "Nice"],
                    "Miasto sklepu": ["Kraków", "Kraków", "Gdańsk"], "Adres placówki": ["ul. Długa 1", "ul. Polna 2",
                                                                                        "ul. Leśna 3"],
                    "Filialadresse": ["Hauptstr. 1", "Ringstr. 2", "Marktpl. 3"],
                    **dict.fromkeys(["Store postcode", "Store ZIP code", "Kod pocztowy sklepu"],
                                    ["AB1 2CD", "EF3 4GH", "AB1 2CD"])}  # fmt: skip


@pytest.mark.parametrize("where", sorted(WHERE_A_STORE_IS))
@pytest.mark.parametrize("store", [None, "first", "last"], ids=["alone", "store-first", "store-last"])
def test_a_store_city_address_region_or_postcode_is_where_it_is_not_the_store(tmp_path, where, store):
    """Several stores share a city, region or postcode, and an address says where a store is.
    "Store city", "Store address" and "Store postcode" were proposed as location_name (0.85) — alone,
    or listed before a "Store" column, chosen — so location_ranking ranked cities. Each is shown as the store below the
    mapping's threshold (and kept in `attributes`: the test below)."""
    inspection = inspect_file(write_csv(tmp_path / "where.csv", where_a_store_is([where], store)))
    assert {t: c for t, c in chosen(inspection).items() if t.startswith("location")} == (
        {"location_name": "Store"} if store else {})
    [proposal] = [p for p in inspection.proposals if p.column == where]
    assert (proposal.target, proposal.mapped) == ("location_id", False)
    assert "where the store is, not which" in proposal.describe()


@pytest.mark.parametrize("store", [None, "first", "last"], ids=["alone", "store-first", "store-last"])
def test_an_import_keeps_where_a_store_is_in_attributes_and_the_store_as_the_store(tmp_path, store):
    """The import of the columns above, every one in one file (one import, not one a column): each
    is kept in `attributes`, never the store, which is the "Store" column's when there is one."""
    from click.testing import CliRunner

    from cxbridge.cli.main import cli

    wheres, shops = sorted(WHERE_A_STORE_IS), ["North", "South", "East"]
    path = write_csv(tmp_path / "where.csv", where_a_store_is(wheres, store))
    result = CliRunner().invoke(cli, ["import", str(path), "--db", str(tmp_path / "cx.db")])
    assert result.exit_code == 0, result.output
    stored = {r[0]: (r[1], json.loads(r[2])) for r in
              query(tmp_path, "SELECT source_record_id, location_name, attributes FROM feedback", db="cx.db")}  # fmt: skip
    assert sorted(stored) == sorted(f"R{n}" for n in range(12))
    for n in range(12):
        location_name, attributes = stored[f"R{n}"]
        assert location_name == (shops[n % 3] if store else None), (f"R{n}", location_name)
        assert set(attributes) == set(wheres), attributes
        for where in wheres:
            assert attributes[where] == WHERE_A_STORE_IS[where][n % 3], (where, f"R{n}", attributes[where])


def where_a_store_is(wheres: list[str], store: str | None) -> list[list]:
    """Twelve answers, with the columns `wheres` of WHERE_A_STORE_IS and a "Store" column of three
    stores before them (`store="first"`), after them ("last") or none (None)."""
    headers = {None: wheres, "first": ["Store", *wheres], "last": [*wheres, "Store"]}[store]
    cells = {**WHERE_A_STORE_IS, "Store": ["North", "South", "East"]}
    return [["Response ID", "Date", *headers, "How likely are you to recommend us?"],
            *[[f"R{n}", f"2026-01-{n + 1:02d}", *(cells[h][n % 3] for h in headers), n % 11] for n in range(12)]]  # fmt: skip


STORES_QUALIFIED_BY_A_PLACE = {"City store": "Store city", "Town store": "Store town", "Region store": "Store region",
                               "Magasin de la ville": "Ville du magasin", "Tienda de la ciudad": "Ciudad de la tienda",
                               "Магазин города": "Город магазина", "Sklep miasta": "Miasto sklepu"}  # fmt: skip


@pytest.mark.parametrize("store", sorted(STORES_QUALIFIED_BY_A_PLACE))
def test_a_store_word_heading_the_header_is_the_store_whatever_place_qualifies_it(tmp_path, store):
    """"City store" of store names was proposed as where a store is (location_id, 0.4, unmapped) as
    "Store city" is: the address rule fired wherever the words stood. Its head noun is the store, so
    it is the store (location_name) — beside its mirror, whose head noun is the city, kept as where."""
    where = STORES_QUALIFIED_BY_A_PLACE[store]
    shops, cities = ["Leeds Central", "York Minster", "Hull Marina"], ["Leeds", "York", "Hull"]
    rows = [["Response ID", "Date", where, store, "How likely are you to recommend us?"],
            *[[f"R{n}", f"2026-01-{n + 1:02d}", cities[n % 3], shops[n % 3], n % 11] for n in range(12)]]  # fmt: skip
    inspection = inspect_file(write_csv(tmp_path / "stores.csv", rows))
    assert {t: c for t, c in chosen(inspection).items() if t.startswith("location")} == {"location_name": store}
    [city] = [p for p in inspection.proposals if p.column == where]
    assert (city.target, city.mapped) == ("location_id", False)
    assert "where the store is, not which" in city.describe()


STORES_QUALIFIED_BY_A_COUNTRY = {"Country store": "Store country", "Tienda del país": "País de la tienda",
                                 "Magasin du pays": "Pays du magasin", "Sklep kraju": "Kraj sklepu"}  # fmt: skip


@pytest.mark.parametrize("store", sorted(STORES_QUALIFIED_BY_A_COUNTRY))
def test_a_store_word_heading_the_header_is_the_store_whatever_country_qualifies_it(tmp_path, store):
    """"Country store" of store names was proposed as the country (0.70), never the store: the
    country rule fired wherever the words stood. The head noun decides, as for a city: the store
    (location_name) — beside its mirror, whose head noun is the country, the country."""
    country = STORES_QUALIFIED_BY_A_COUNTRY[store]
    shops, codes = ["Leeds Central", "Lyon Part-Dieu", "Kraków Rynek"], ["GB", "FR", "PL"]
    rows = [["Response ID", "Date", country, store, "How likely are you to recommend us?"],
            *[[f"R{n}", f"2026-01-{n + 1:02d}", codes[n % 3], shops[n % 3], n % 11] for n in range(12)]]  # fmt: skip
    inspection = inspect_file(write_csv(tmp_path / "stores.csv", rows))
    assert {t: c for t, c in chosen(inspection).items() if t.startswith("location") or t == "country"} == {
        "location_name": store, "country": country}
    [proposal] = [p for p in inspection.proposals if p.column == store]
    assert proposal.target == "location_name"


@pytest.mark.parametrize("header", ["Store country", "Kraj sklepu"])
def test_a_store_country_is_the_country_not_the_store(tmp_path, header):
    """"Store country" of country codes was the store (location_name 0.85), beating the country (0.70)."""
    rows = [["Date", header], *[[f"2026-01-{n + 1:02d}", ["PL", "DE"][n % 2]] for n in range(6)]]
    inspection = inspect_file(write_csv(tmp_path / "countries.csv", rows))
    assert chosen(inspection) == {"submitted_at": "Date", "country": header}


def test_compliance_names_a_score_only_over_numbers_or_beside_a_word_of_scoring(tmp_path):
    """"compliance" is a `points` word (an audit's "Compliance /50"), and since 612fc0a any header
    holding it named a score, so proposed no field: a "Compliance team" of team names was no team,
    a "Compliance agent" of names no agent. Over names it names no score; over numbers, or beside
    "score", "points" or "%", it does."""
    names = ["Ann Lee", "Bob Stone", "Eve Park"]
    columns = {"Compliance team": ["Audit", "Legal", "Risk"], "Compliance agent": names, "Compliance officer": names,
               "Store compliance": ["81", "92", "77"], "Compliance score": ["S1", "S2", "S3"]}  # fmt: skip
    rows = [["Response ID", "Date", *columns],
            *[[f"R{n}", f"2026-01-{n + 1:02d}", *(values[n % 3] for values in columns.values())] for n in range(12)]]  # fmt: skip
    proposals = inspect_file(write_csv(tmp_path / "compliance.csv", rows)).proposals
    fields = {"agent_id", "location_id", "location_name", "team", "id", "channel"}
    proposed = {(p.column, p.target) for p in proposals if p.target in fields and p.column in columns and p.mapped}
    assert proposed == {("Compliance team", "team"), ("Compliance agent", "agent_id")}
    unique = [["Compliance score", "Compliance points"], *[[f"S{n}", f"P{n}"] for n in range(12)]]
    named = inspect_file(write_csv(tmp_path / "unique.csv", unique)).proposals
    assert [p.target for p in named if p.target in fields] == []


ROLE_TITLES = ["Office manager", "Store manager", "Branch supervisor", "Filialleiter", "Kierownik sklepu",
               "Директор магазина", "Gerente de tienda", "Responsable du magasin", "Compliance officer",
               "Team leader", "Country manager"]  # fmt: skip


def test_a_role_title_names_a_person_not_the_store_or_team_it_heads(tmp_path):
    """A header naming a place, team or country and a role title holds the names of whoever has the
    role: "Office manager" (its 'office') and "Store manager" were stores, "Team leader" a team,
    "Country manager" a country, each person ranked as one in `location_ranking`; "Compliance officer"
    (its 'officer' no office) was nothing. Each is now a person: proposed as the agent below the
    mapping's threshold — whether they served the customer the header does not say — and kept in
    `attributes`, so the "Agent" column is the agent, the "Store" column the store."""
    names = ["Ann Lee", "Bob Stone", "Eve Park"]
    answers = [n % 11 for n in range(12)]
    header = ["Response ID", "Date", "Store", "Agent", *ROLE_TITLES, "How likely are you to recommend us?"]
    rows = [header, *[[f"R{n}", f"2026-01-{n + 1:02d}", f"Shop {n % 2}", f"Agent {n % 4}",
                       *(names[(n + k) % 3] for k in range(len(ROLE_TITLES))), answer]
                      for n, answer in enumerate(answers)]]  # fmt: skip
    path = write_csv(tmp_path / "managers.csv", rows)
    inspection = inspect_file(path)

    assert chosen(inspection) == {"id": "Response ID", "submitted_at": "Date", "location_name": "Store",
                                  "agent_id": "Agent", "nps": header[-1]}  # fmt: skip
    for title in ROLE_TITLES:
        [person] = [p for p in inspection.proposals if p.column == title]
        assert (person.target, person.mapped) == ("agent_id", False), title
        assert "a person" in person.describe() and "served the customer" in person.describe(), title

    from click.testing import CliRunner

    from cxbridge.cli.main import cli

    db = tmp_path / "cx.db"
    result = CliRunner().invoke(cli, ["import", str(path), "--db", str(db)])
    assert result.exit_code == 0, result.output
    stored = query(tmp_path, "SELECT source_record_id, location_name, agent_id, attributes FROM feedback", db=db.name)
    assert sorted((r[0], r[1], r[2]) for r in stored) == sorted((f"R{n}", f"Shop {n % 2}", f"Agent {n % 4}")
                                                                for n in range(12))  # fmt: skip
    assert all(set(json.loads(r[3])) == set(ROLE_TITLES) for r in stored)
    ranked = query(tmp_path, "SELECT location_name, nps FROM location_ranking", db=db.name)
    nps = {}
    for shop in ("Shop 0", "Shop 1"):
        mine = [a for n, a in enumerate(answers) if f"Shop {n % 2}" == shop]
        nps[shop] = half_up(Fraction(100 * (sum(a >= 9 for a in mine) - sum(a <= 6 for a in mine)), len(mine)))
    assert dict(ranked) == nps


@pytest.mark.parametrize("header, agent", [
    ("Team lead", [False]), ("Sales lead", [False]), ("Shift-lead", [False]), ("Lead agent", [True]),
    ("Lead source", []), ("Lead time", []), ("Lead", []), ("Leads", []),
])  # fmt: skip
def test_lead_is_a_role_title_as_the_last_word_after_another(tmp_path, header, agent):
    """"Team lead" of names was the team (0.70, its 'team'): each person ranked as a team. "Lead" as
    the last word after another is whoever leads ("Team lead", "Sales lead"), a person kept in
    `attributes` as "Team leader" is; first, it qualifies what follows ("Lead agent": the agent who
    served, "Lead source": a sales lead's, "Lead time": a delay), and alone it says neither."""
    rows = [["Date", header], *[[f"2026-01-{n + 1:02d}", ["Ann Lee", "Bob Stone", "Eve Park"][n % 3]] for n in range(12)]]
    inspection = inspect_file(write_csv(tmp_path / "leads.csv", rows))
    assert [p.mapped for p in inspection.proposals if p.column == header and p.target == "agent_id"] == agent
    assert not [p for p in inspection.proposals if p.column == header and p.target == "team"]


@pytest.mark.parametrize("header, answers, mapped", [
    ("Lead source", ["Google Ads", "Referral", "Trade fair"], False),
    ("Traffic source", ["Facebook", "Google", "Partner"], False),
    ("Kanal", ["Kampagne A", "Kampagne B"], False),
    ("Channel", ["E-mail", "SMS", "Web"], True),
    ("Source", ["Email", "Kiosk", "Referral"], True),
])  # fmt: skip
def test_a_channel_header_over_no_known_channel_is_shown_not_mapped(tmp_path, header, answers, mapped):
    """"Lead source" of "Google Ads", "Referral" was the channel (0.55): a wrong attribute, 'other',
    in every record. A header naming a channel or source over none of the known channels is shown
    below the mapping's threshold, saying why; one known channel among its values keeps it mapped."""
    rows = [["Date", header, "How likely are you to recommend us?"],
            *[[f"2026-01-{n + 1:02d}", answers[n % len(answers)], n % 11] for n in range(12)]]  # fmt: skip
    inspection = inspect_file(write_csv(tmp_path / "channels.csv", rows))
    [channel] = [p for p in inspection.proposals if p.column == header and p.target == "channel"]
    assert channel.mapped is mapped and ("channel" in chosen(inspection)) is mapped
    assert mapped or "none of its values is a known channel" in channel.describe()


def test_responsible_after_a_place_or_team_is_no_role(tmp_path):
    """French "responsable" and Portuguese "responsável" are a role before the place ("Responsable du
    magasin": the store manager) but "in charge" after it: "Agence responsable" is the branch in
    charge, "Équipe responsable" the team — since the role titles they were proposed as a person."""
    rows = [["Date", "Agence responsable", "Équipe responsable", "Loja responsável", "Responsable du magasin"],
            *[[f"2026-01-{n + 1:02d}", f"Agence {n % 3}", f"Équipe {n % 2}", f"Loja {n % 2}", "Ann Lee"]
              for n in range(12)]]  # fmt: skip
    inspection = inspect_file(write_csv(tmp_path / "responsable.csv", rows))
    mapped = {(p.column, p.target) for p in inspection.chosen}
    assert {("Agence responsable", "location_name"), ("Équipe responsable", "team")} <= mapped
    assert [p.target for p in inspection.proposals if p.column == "Loja responsável"] == ["location_name"]
    assert [(p.target, p.mapped) for p in inspection.proposals if p.column == "Responsable du magasin"] == [
        ("agent_id", False)]


def test_a_role_title_beside_a_word_of_a_name_is_personal_data(tmp_path):
    """"Store manager name" named a store ('store' kept "name" from marking it personal); as "Agent
    name" is, it is a person's name, never stored."""
    rows = [["Date", "Store manager name", "Store"], *[[f"2026-01-{n + 1:02d}", "Ann Lee", "North"] for n in range(6)]]
    inspection = inspect_file(write_csv(tmp_path / "named.csv", rows))
    assert [p.target for p in inspection.chosen if p.column == "Store manager name"] == ["ignore"]
    assert chosen(inspection)["location_name"] == "Store"


PEOPLE_AT_A_PLACE = ["Store employee", "Branch advisor", "Store clerk", "Store associate", "Employee at the store",
                     "Employee of the store", "Mitarbeiter der Filiale", "Filialmitarbeiter", "Pracownik sklepu",
                     "Сотрудник магазина", "Empleado de la tienda", "Conseiller d'agence", "Filialkonsultant",
                     "Filial-Konsultant", "Agente tienda", "Agente de tienda", "Atendente loja", "Store rep",
                     "Shop assistant", "Branch teller", "Hotel receptionist", "Restaurant waiter", "Consultor tienda",
                     "Dependiente de la tienda", "Colaborador loja", "Doradca oddziału", "Store team member",
                     "Team member", "Filial-Teammitglied", "Consultant magasin", "Agent agence"]  # fmt: skip


@pytest.mark.parametrize("header", PEOPLE_AT_A_PLACE)
def test_a_person_word_heading_the_header_names_the_agent_not_the_place(tmp_path, header):
    """"Store employee" and "Branch advisor" of names were proposed as location_name (0.85, its
    'store'), beating the agent (0.70): each employee ranked as a store. The head noun says what the
    header holds — last in English and German ("Store employee", "Filialmitarbeiter"), first before
    a linking word ("Employee of the store", "Mitarbeiter der Filiale", "Empleado de la tienda") and
    in Polish and Russian ("Pracownik sklepu"): a person who served the customer, the agent, as
    "Employee" alone is; the "Store" column is the store. Inside one word the head is the last part,
    whatever the language of the person word ("Filialkonsultant" was the branch, its Polish
    'konsultant' taken as heading before), and a Romance head comes first without a linking word too
    ("Agente tienda" was the store: 'agent' is no Spanish word, 'agente' is). A rep, shop assistant,
    teller, receptionist, waiter, "consultor", "dependiente", "colaborador" was no person word (the
    store, each person ranked as one), and "Doradca oddziału" the team ("dział", a department,
    inside "oddział", a branch); a "team member" (a "Teammitglied") was the team, or the store;
    "Consultant magasin" and "Agent agence", French without "de", were the store: a person word
    English shares heads a header first beside a place word of a head-first language."""
    names, shops = ["Ann Lee", "Bob Stone", "Eve Park"], ["North", "South"]
    rows = [["Response ID", "Date", "Store", header, "How likely are you to recommend us?"],
            *[[f"R{n}", f"2026-01-{n + 1:02d}", shops[n % 2], names[n % 3], n % 11] for n in range(12)]]  # fmt: skip
    path = write_csv(tmp_path / "people.csv", rows)
    inspection = inspect_file(path)
    assert [p.target for p in inspection.proposals if p.column == header] == ["agent_id"]
    assert {t: c for t, c in chosen(inspection).items() if t in ("location_name", "location_id", "agent_id")} == {
        "location_name": "Store", "agent_id": header}

    from click.testing import CliRunner

    from cxbridge.cli.main import cli

    db = tmp_path / "cx.db"
    result = CliRunner().invoke(cli, ["import", str(path), "--db", str(db)])
    assert result.exit_code == 0, result.output
    stored = query(tmp_path, "SELECT source_record_id, location_name, agent_id FROM feedback", db=db.name)
    assert sorted(stored) == sorted((f"R{n}", shops[n % 2], names[n % 3]) for n in range(12))


@pytest.mark.parametrize("header", ["Agent site", "Agent location", "Location of the agent", "Sklep pracownika"])
def test_a_place_word_heading_the_header_names_the_place(tmp_path, header):
    """A place qualified by a person word is the place: "Agent site" is a site, "Location of the agent" a location."""
    rows = [["Date", header], *[[f"2026-01-{n + 1:02d}", ["North", "South"][n % 2]] for n in range(6)]]
    inspection = inspect_file(write_csv(tmp_path / "sites.csv", rows))
    assert chosen(inspection) == {"submitted_at": "Date", "location_name": header}


def test_a_person_at_a_place_beside_a_word_of_a_name_is_personal_data(tmp_path):
    """"Store employee name", as "Agent name", is a person's name, never stored; a "Store name" is the store's."""
    rows = [["Date", "Store employee name", "Store name"],
            *[[f"2026-01-{n + 1:02d}", "Ann Lee", "North"] for n in range(6)]]  # fmt: skip
    inspection = inspect_file(write_csv(tmp_path / "named.csv", rows))
    assert [p.target for p in inspection.chosen if p.column == "Store employee name"] == ["ignore"]
    assert chosen(inspection)["location_name"] == "Store name"


def test_a_satisfaction_question_about_the_staff_in_a_definition_is_no_agent(tmp_path):
    """A .qsf's "How satisfied were you with the staff?" whose choices are only some points of a
    scale (Satisfied / Neutral / Dissatisfied, left unscored) is kept as a question: before, the
    mapping `inspect --write-mapping` wrote took it as `agent_id = "QID2"` (0.70, "the header says
    'staff'"), storing its recodes as agent ids."""
    texts = {"QID1": "How satisfied were you with your visit?", "QID2": "How satisfied were you with the staff?"}
    choices = {"QID1": ["Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied"],
               "QID2": ["Satisfied", "Neutral", "Dissatisfied"]}  # fmt: skip
    elements = [{"Element": "SQ", "PrimaryAttribute": qid,
                 "Payload": {"QuestionID": qid, "DataExportTag": f"Q{qid[-1]}", "QuestionType": "MC", "Selector": "SAVR",
                             "QuestionText": texts[qid],
                             "Choices": {str(n): {"Display": label} for n, label in enumerate(choices[qid], 1)}}}
                for qid in texts]  # fmt: skip
    definition = tmp_path / "survey.qsf"
    definition.write_text(json.dumps({"SurveyEntry": {"SurveyID": "SV_1", "SurveyName": "Staff"},
                                      "SurveyElements": elements}), encoding="utf-8")  # fmt: skip
    rows = [["EndDate", "Finished", "ResponseId", "Q1", "Q2"], ["End Date", "Finished", "Response ID", *texts.values()],
            [json.dumps({"ImportId": i}) for i in ("endDate", "finished", "_recordId", *texts)],
            *[[f"2026-01-{n:02d} 10:00:00", 1, f"R_{n:04d}", n % 5 + 1, n % 3 + 1] for n in range(1, 13)]]  # fmt: skip
    inspection = inspect_file(write_csv(tmp_path / "numeric.csv", rows), Hints(definition=definition))
    assert [(p.target, p.column) for p in inspection.proposals if p.column == "QID2" and p.target != "question"] == []
    assert chosen(inspection).get("agent_id") is None
    assert [p.column for p in inspection.chosen if p.target == "csat"] == ["QID1"]


def test_effort_questions_get_their_direction(tmp_path):
    rows = [["How much effort did you personally have to put forth?", "It was easy to get my issue resolved"],
            *[[n % 5 + 1, ["Strongly agree", "Agree", "Disagree"][n % 3]] for n in range(10)]]  # fmt: skip
    inspection = inspect_file(write_csv(tmp_path / "ces.csv", rows))
    specs = {p.column: p.spec for p in inspection.chosen if p.target == "ces"}
    assert specs["How much effort did you personally have to put forth?"]["direction"] == "lower_is_better"
    read = {"Strongly agree": 5, "Agree": 4, "Disagree": 2}  # listed: a later "Somewhat agree" is 4 of 5 or 5 of 7
    assert specs["It was easy to get my issue resolved"] == {"scale": [1.0, 5.0], "direction": "higher_is_better",
                                                             "labels": read}  # fmt: skip


HOW_MUCH_EFFORT = ["What level of effort was required to return the item?",
                   "Combien d'efforts avez-vous dû fournir pour retourner l'article ?",
                   "Quel niveau d’effort a été nécessaire pour retourner l'article ?",
                   "Jak duży wysiłek musiał Pan włożyć w zwrot towaru?",
                   "Какие усилия вам пришлось приложить, чтобы вернуть товар?",
                   "Quanto esforco foi necessario para devolver o item?",
                   "Wie hoch war Ihr Aufwand bei der Rücksendung?", "¿Cuánto esfuerzo le supuso devolver el artículo?"]


@pytest.mark.parametrize("question", HOW_MUCH_EFFORT)
def test_a_question_of_how_much_effort_in_any_wording_runs_lower_is_better(question):
    """However the noun of effort is inflected ("d'efforts", "wysiłek", "усилия") or what stands
    before it ("level of effort"), 1–5 under it is the most effort at the top, as under "How much
    effort…"; before, only "how much effort", "усилий", "wysiłku", "effort avez" and a few more
    were read so, the others higher-is-better: every answer's box turned round. The metric's name
    ("Customer Effort Score") says no direction."""
    spec = detect(Question("Q1", question, "scale", scale=(1, 5))).spec
    assert (spec.metric, spec.direction) == ("ces", Direction.LOWER_IS_BETTER)
    named = detect(Question("Q2", "Customer Effort Score: how easy was it to return the item?", "scale", scale=(1, 5)))
    assert (named.spec.metric, named.spec.direction) == ("ces", Direction.HIGHER_IS_BETTER)


def test_a_stem_inside_a_word_of_another_meaning_is_not_the_question_it_names(tmp_path):
    """"Załatwienie sprawy" is how a case was handled, not how easy it was ("łatw"), and
    "vielleicht" is "perhaps", not "leicht": neither makes a CES column; "łatwo" still does."""
    handled, easy = "Jak oceniasz załatwienie sprawy?", "Czy łatwo było załatwić sprawę?"
    perhaps, easy_de = "Würden Sie vielleicht wiederkommen?", "Wie leicht war der Einkauf?"
    rows = [[handled, easy, perhaps, easy_de], *[[n % 5 + 1] * 4 for n in range(10)]]
    inspection = inspect_file(write_csv(tmp_path / "sprawy.csv", rows))
    assert sorted(p.column for p in inspection.chosen if p.target == "ces") == sorted([easy, easy_de])
    assert sorted(p.column for p in inspection.proposals if p.target == "ces") == sorted([easy, easy_de])


RUSSIAN_EASE = ["Насколько просто было решить ваш вопрос?", "Было ли просто найти нужный товар?",
                "Просто ли было оформить возврат?", "Вам было просто разобраться в приложении?",
                "Оформить заказ было очень просто", "Оцените простоту оформления заказа"]  # fmt: skip
RUSSIAN_OTHER = ["Просто оцените наш сервис", "Пожалуйста, просто поставьте оценку от 1 до 5",
                 "Вспомните ваш визит и просто оцените его", "Насколько просторным был торговый зал?",
                 "Оцените вкус нашей простокваши", "Оцените обслуживание вашего легкового автомобиля"]  # fmt: skip


def test_russian_prosto_is_ease_only_as_the_adverb_of_a_question_about_ease(tmp_path):
    """"Просто" is "easy" and also "just": "Просто оцените наш сервис" asks for a rating, not about
    effort; "просторный" (roomy), "простокваша" (soured milk) and "легковой" (a car) hold an ease
    stem in a word of another meaning. The ease questions stay CES, in a file and through an API."""
    rows = [[*RUSSIAN_EASE, *RUSSIAN_OTHER], *[[n % 5 + 1] * 12 for n in range(10)]]
    inspection = inspect_file(write_csv(tmp_path / "опрос.csv", rows))
    assert sorted(p.column for p in inspection.proposals if p.target == "ces") == sorted(RUSSIAN_EASE)
    detected = {text: detect(Question("Q1", text, "scale", scale=(1, 5))).spec for text in RUSSIAN_EASE + RUSSIAN_OTHER}
    assert {text for text, spec in detected.items() if spec is not None and spec.metric == "ces"} == set(RUSSIAN_EASE)


EASE_WORDS = {  # word: (a question about ease, a look-alike that is not)
    "facilidade": ("Como avalia a facilidade de uso do aplicativo?", "Como avalia as facilidades de pagamento?"),
    "fácil": ("Foi fácil resolver o seu problema?", "Foi difícil resolver o seu problema?"),
    "facilement": ("Avez-vous pu facilement trouver ce que vous cherchiez ?",
                   "Avez-vous trouvé difficilement ce que vous cherchiez ?"),
    "facilité": ("Comment évaluez-vous la facilité de la commande ?", "Comment évaluez-vous nos facilités de paiement ?"),
    "facile": ("Était-il facile de trouver le produit ?", "How would you rate our facilities?"),
    "prosto": ("Jak prosto było złożyć zamówienie?", "Czy kurier dojechał prosto pod drzwi?"),
    "prostotę": ("Jak oceniasz prostotę obsługi?", "Czy sprostowanie faktury było szybkie?"),
    "łatwo": ("Czy łatwo było znaleźć produkt?", "Jak oceniasz załatwienie reklamacji?"),
    "облегчила": ("Компания облегчила мне решение моего вопроса.", "Удобна ли вам облегчённая версия приложения?"),
    "facilitou": ("A empresa facilitou a resolução do meu problema.",
                  "¿El agente le facilitó la información que necesitaba?"),
    "facilitó": ("La empresa me facilitó la gestión de mi problema.",
                 "¿El agente le facilitó la información que necesitaba? ¿Con qué rapidez se resolvió?"),
    "facilito": ("¿La empresa le facilito resolver su problema?", "¿El agente le facilito su numero de caso?"),
}  # fmt: skip


@pytest.mark.parametrize("word", EASE_WORDS)
def test_ease_words_make_a_ces_with_higher_better_and_their_look_alikes_do_not(tmp_path, word):
    """"Facilidade", "facilement", "facilité" and "prosto" were no ease words: 1–5 under "Jak
    prosto było złożyć zamówienie?" was kept unscored; nor were "облегчила", "facilitou" and
    "facilitó", in which the CES 2.0 statement ("The company made it easy for me to handle my
    issue") is usually put in Russian, Portuguese and Spanish. Their look-alikes stay out:
    "facilidades de pagamento" and "facilités de paiement" are payment terms, "prosto pod drzwi" is
    straight to the door, "sprostowanie" a correction, "облегчённая" lightweight, Spanish "facilitó"
    before what was given ("la información", "su número") "provided" — ease only before a verb or
    the handling of the case, in its clause; "difícil"/"difficilement" are not ease either."""
    ease, other = EASE_WORDS[word]
    rows = [[ease, other], *[[n % 5 + 1] * 2 for n in range(10)]]
    inspection = inspect_file(write_csv(tmp_path / "ease.csv", rows))
    eased = [p.column for p in inspection.proposals if p.target == "ces" and p.spec["direction"] == "higher_is_better"]
    assert eased == [ease]
    spec = detect(Question("Q1", ease, "scale", scale=(1, 5))).spec
    assert (spec.metric, spec.direction) == ("ces", Direction.HIGHER_IS_BETTER)
    found = detect(Question("Q2", other, "scale", scale=(1, 5))).spec
    assert found is None or found.direction is Direction.LOWER_IS_BETTER

POLITE = ["Если вам не сложно, оцените работу курьера", "Если несложно, поставьте оценку курьеру от 1 до 5",
          "Если Вам будет не сложно, оцените доставку", "Jeśli nie sprawi to Panu trudności, oceń pracę kuriera",
          "Jeśli to nie problem, oceń pracę kuriera", "Wenn es Ihnen nicht schwer fällt, bewerten Sie den Kurier",
          "If it's not too much hassle, please rate your courier",
          "Wenn es Ihnen keine Mühe macht, bewerten Sie bitte unseren Kurier",
          "Falls es nicht zu viel Mühe macht, bewerten Sie unseren Service", "Если не трудно, оцените работу курьера",
          "Если вам не трудно, оцените доставку", "Si ce n'est pas trop difficile, notez notre livreur",
          "Si cela ne vous est pas trop difficile, notez la livraison", "Si no es difícil, califique a nuestro repartidor",
          "Se não for difícil, avalie o nosso entregador",
          "Wenn es nicht zu schwierig ist, bewerten Sie bitte unseren Kurier"]  # fmt: skip
POLITE_EFFORT = ["Если вам не сложно, оцените, насколько сложно было оформить заказ", "Насколько сложно было "
                 "оформить заказ?", "Было ли вам сложно найти нужный товар?", "Сложно ли было связаться с нами?",
                 "Если честно, насколько сложно было оплатить?", "Jeśli to nie problem: czy trudno było złożyć zamówienie?",
                 "Wenn es Ihnen nicht schwer fällt: wie einfach war die Bestellung?",
                 "Wenn es Ihnen keine Mühe macht: wie viel Mühe hat die Rücksendung gekostet?",
                 "Если не трудно, скажите, насколько трудно было оформить заказ",
                 "Si ce n'est pas trop difficile : était-il difficile de passer commande ?",
                 "Si no es difícil: ¿fue difícil hacer el pedido?", "Se não for difícil: foi difícil fazer o pedido?",
                 "Wenn es Ihnen nicht zu schwierig ist: war die Rücksendung schwierig?"]  # fmt: skip


def test_a_polite_if_it_is_not_hard_for_you_is_not_a_question_about_effort(tmp_path):
    """"Если вам не сложно" ("if it's not hard for you") asks a favour, not about effort: the
    courier rating after it is not CES, in a file or through an API; the effort question after it,
    or without it, still is."""
    rows = [[*POLITE, *POLITE_EFFORT], *[[n % 5 + 1] * len(POLITE + POLITE_EFFORT) for n in range(10)]]
    inspection = inspect_file(write_csv(tmp_path / "courier.csv", rows))
    assert sorted(p.column for p in inspection.proposals if p.target == "ces") == sorted(POLITE_EFFORT)
    detected = {text: detect(Question("Q1", text, "scale", scale=(1, 5))).spec for text in POLITE + POLITE_EFFORT}
    assert {text for text, spec in detected.items() if spec is not None and spec.metric == "ces"} == set(POLITE_EFFORT)


HARDLY = ["Dificilmente voltaria a comprar aqui", "Difícilmente volvería a comprar aquí"]


def test_hardly_in_spanish_and_portuguese_is_not_a_question_about_difficulty(tmp_path):
    """"Difícilmente"/"dificilmente" is "hardly" ("I would hardly buy here again"), not how
    difficult something was: no CES, in a file or through an API."""
    rows = [HARDLY, *[[n % 5 + 1] * len(HARDLY) for n in range(10)]]
    inspection = inspect_file(write_csv(tmp_path / "hardly.csv", rows))
    assert [p.column for p in inspection.proposals if p.target == "ces"] == []
    assert [detect(Question("Q1", text, "scale", scale=(1, 5))).spec for text in HARDLY] == [None, None]


def test_google_forms_export_with_checkboxes(tmp_path):
    rows = [["Timestamp", "Email Address", "Which store did you visit?", NPS_QUESTIONS["en"], "What did you buy?"],
            *[[f"3/{n + 1}/2024 10:00:00", f"c{n}@example.com", "Kraków", n % 11,
               ["Shoes, Bags", "Socks", "Shoes, Socks"][n % 3]] for n in range(14)]]  # fmt: skip
    inspection = inspect_file(write_csv(tmp_path / "Form Responses 1.csv", rows))
    assert inspection.recognition.format == "google_forms" and inspection.recognition.confidence >= 0.9
    assert chosen(inspection) | {} == {
        "submitted_at": "Timestamp", "email": "Email Address", "location_name": "Which store did you visit?",
        "nps": NPS_QUESTIONS["en"], "multi_choice": "What did you buy?",
    }  # fmt: skip
    assert inspection.settings["date_order"] == "mdy"  # 3/13/2024 decides it
    assert inspection.source_name == "form_responses_1"


@pytest.mark.parametrize("stamp", ["2025/03/{day:02d} 10:15:00 AM GMT+1", "3/{day}/2025 10:15:00", "{day:02d}.03.2025 10:15:00"])
def test_a_timestamp_column_as_google_forms_writes_it_is_a_google_forms_export(tmp_path, stamp):
    """The CSV download writes `2025/03/01 10:15:00 AM GMT+1`, the responses sheet the locale's
    date with the time to the second (`3/1/2025 10:15:00`, `01.03.2025 10:15:00`)."""
    rows = [["Timestamp", NPS_QUESTIONS["en"]], *[[stamp.format(day=n + 1), n % 11] for n in range(12)]]
    inspection = inspect_file(write_csv(tmp_path / "form.csv", rows))
    assert inspection.recognition.format == "google_forms"
    assert chosen(inspection)["submitted_at"] == "Timestamp"


def test_a_responses_sheet_downloaded_as_xlsx_is_a_google_forms_export(tmp_path):
    """Sheets' .xlsx download holds the Timestamp as a date-time cell, not text."""
    rows = [["Timestamp", NPS_QUESTIONS["en"]], *[[datetime(2025, 3, n + 1, 10, 15), n % 11] for n in range(12)]]
    inspection = inspect_file(write_xlsx(tmp_path / "Form Responses 1.xlsx", {"Form Responses 1": rows}))
    assert inspection.recognition.format == "google_forms"
    assert chosen(inspection)["submitted_at"] == "Timestamp"


def test_a_japanese_google_forms_export_is_recognised(tmp_path):
    """A Japanese form's sheet heads its first column タイムスタンプ over `2025/12/28 11:12:44` (as a
    public seed file copies one: "タイムスタンプ","呼称（呼び方）",…); it was read as a plain sheet."""
    rows = [["タイムスタンプ", "メールアドレス", NPS_QUESTIONS["en"]],
            *[[f"2025/12/{n + 1:02d} 11:12:44", f"r{n}@example.com", n % 11] for n in range(12)]]  # fmt: skip
    inspection = inspect_file(write_csv(tmp_path / "form.csv", rows))
    assert inspection.recognition.format == "google_forms"
    assert chosen(inspection)["submitted_at"] == "タイムスタンプ"
    assert chosen(inspection)["email"] == "メールアドレス"
    assert inspection.recognition.confidence == 0.95


def test_a_first_column_named_timestamp_holding_no_submission_times_is_no_google_forms_export(tmp_path):
    """A call review's "Timestamp" is the moment in the recording (00:01:31): taken for Google
    Forms' submission time at 0.99, every row lost its date; the call date is the time."""
    rows = [["Timestamp", "Call date", "Agent", "Quality score (0-10)"],
            *[[f"00:{n:02d}:31", f"2025-03-{n + 1:02d}", f"agent {n % 3}", n % 11] for n in range(12)]]  # fmt: skip
    inspection = inspect_file(write_csv(tmp_path / "call_reviews.csv", rows))
    assert inspection.recognition.format == "plain"
    assert chosen(inspection)["submitted_at"] == "Call date"


def test_ambiguous_dates_are_decided_by_a_later_row_beyond_the_preview(tmp_path):
    rows = [["Submitted", "Score"], *[[f"{n % 12 + 1}/{n % 12 + 1}/2024", 5] for n in range(600)], ["1/25/2024", 5]]
    inspection = inspect_file(write_csv(tmp_path / "late.csv", rows))
    assert inspection.settings["date_order"] == "mdy"
    [submitted] = [p for p in inspection.chosen if p.target == "submitted_at"]
    assert "row 602 has '1/25/2024'" in submitted.describe()


def test_qualtrics_api_definition_marks_the_nps_question_and_the_satisfaction_labels(tmp_path):
    definition = copy_sample("qualtRics_SV_5u9zu8zHnHaGml7_survey_definition.json", tmp_path)
    questions = json.loads(definition.read_text())["result"]["questions"]
    nps_qid = next(q for q, v in questions.items() if v["questionType"]["selector"] == "NPS")
    csat_qid = next(q for q, v in questions.items() if v["questionName"] == "Q18")
    ids = ["startDate", "endDate", "finished", "recordedDate", "_recordId", nps_qid, f"{nps_qid}_NPS_GROUP", csat_qid]
    rows = [["StartDate", "EndDate", "Finished", "RecordedDate", "ResponseId", "Q17", "Q17_NPS_GROUP", "Q18"],
            ["Start", "End", "Finished", "Recorded", "Response ID", "How likely…", "NPS group", "Overall…"],
            [json.dumps({"ImportId": i}) for i in ids],
            *[["2018-01-18 09:00:00", "2018-01-18 09:05:00", 1, "2018-01-18 09:05:01", f"R_{n}", n % 11, 1, n % 7 + 1]
              for n in range(8)]]  # fmt: skip
    inspection = inspect_file(write_csv(tmp_path / "export.csv", rows), Hints(definition=definition))
    by_target = {p.target: p for p in inspection.chosen}
    assert by_target["nps"].column == nps_qid and "Net Promoter" in by_target["nps"].describe()
    assert by_target["csat"].column == csat_qid
    assert by_target["csat"].spec["labels"]["Very Satisfied"] == 7 and by_target["csat"].spec["scale"] == [1, 7]
    assert inspection.table.survey_name == "test1"


def test_every_sheet_with_the_same_columns_is_proposed(tmp_path):
    header = ["Submitted", NPS_QUESTIONS["de"]]
    sheets = {"2022": [header, ["2022-05-01", 9]], "2023": [header, ["2023-05-01", 3]], "Notes": [["free text"]]}
    inspection = inspect_file(write_xlsx(tmp_path / "nps.xlsx", sheets))
    assert inspection.connector == "excel" and inspection.sheets == ["2022", "2023"]
    assert inspection.source_config()["sheets"] == ["2022", "2023"]


def test_sheets_sharing_the_scored_columns_share_the_mapping_and_the_others_are_left_out_with_a_reason(tmp_path):
    base = ["Date", "Store", NPS_QUESTIONS["en"]]
    sheets = {"2023": [base, ["2023-05-01", "S1", 9]],
              "2024": [[*base, "Comment"], ["2024-05-01", "S1", 3, "The queue was far too long today"]],
              "Prices": [["Date", "Store", "Price"], ["2024-05-01", "S1", 3]]}  # fmt: skip
    inspection = inspect_file(write_xlsx(tmp_path / "nps.xlsx", sheets))
    assert inspection.sheets == ["2023", "2024"] and chosen(inspection)["comment"] == "Comment"
    assert inspection.left_out == {"Prices": "it has none of the scored columns of sheet '2024'; to import it, give "
                                             "it a mapping of its own: cxbridge inspect FILE --sheet 'Prices' "
                                             "--write-mapping"}  # fmt: skip
    assert inspection.source_config()["sheets"] == ["2023", "2024"]
    del sheets["Prices"]
    assert "sheets" not in inspect_file(write_xlsx(tmp_path / "all.xlsx", sheets)).source_config()  # new sheets too


GERMAN_EASE = ["Wie einfach war es, Ihr Anliegen zu klären?", "Es war einfach, das gewünschte Produkt zu finden",
               "War es einfach, einen Termin zu bekommen?", "Die Bestellung war sehr einfach",
               "Das Unternehmen hat es mir einfach gemacht, mein Anliegen zu lösen", "Die App ist einfach zu bedienen",
               "Wie bewerten Sie die Einfachheit der Bestellung?"]  # fmt: skip
JUST_RATE = ["Bewerten Sie einfach unseren Kurier", "Geben Sie uns einfach eine Note von 1 bis 5",
             "Einfach bewerten: wie war Ihr Besuch?", "Klicken Sie einfach auf eine Zahl von 1 bis 5",
             "Po prostu oceń naszego kuriera", "Évaluez simplement notre livreur", "Notez tout simplement notre service",
             "Califique simplemente a nuestro repartidor", "Avalie simplesmente o nosso entregador",
             "Beoordeel gewoon onze koerier", "Just rate our courier", "Simply rate our service from 1 to 5"]  # fmt: skip


def test_german_einfach_is_ease_only_as_the_adverb_of_a_question_about_ease(tmp_path):
    """"Einfach" is "easy" and also "just": "Bewerten Sie einfach unseren Kurier" asks for a rating,
    not about effort, as do the "just"/"simply" of the other languages (po prostu, simplement,
    simplemente, simplesmente, gewoon). German ease questions stay CES, in a file and through an API."""
    rows = [[*GERMAN_EASE, *JUST_RATE], *[[n % 5 + 1] * 19 for n in range(10)]]
    inspection = inspect_file(write_csv(tmp_path / "umfrage.csv", rows))
    assert sorted(p.column for p in inspection.proposals if p.target == "ces") == sorted(GERMAN_EASE)
    detected = {text: detect(Question("Q1", text, "scale", scale=(1, 5))).spec for text in GERMAN_EASE + JUST_RATE}
    assert {text for text, spec in detected.items() if spec is not None and spec.metric == "ces"} == set(GERMAN_EASE)


HASSLE_FREE = ["How hassle-free was your delivery?", "Returning my order was hassle free",
               "Rate how hassle-free it was to book your appointment", "Wie mühelos war Ihre Bestellung?"]  # fmt: skip
HASSLE = ["How much hassle was it to return your order?", "Booking an appointment was a hassle"]


def test_hassle_free_is_ease_with_higher_better_and_hassle_a_difficulty_with_lower_better(tmp_path):
    """A 5 of "How hassle-free was your delivery?" is the least effort: "hassle-free" (and the
    German "mühelos", effortless) is the ease of "hassle" ("Mühe"), never its difficulty; "How much hassle was it…" stays lower-is-better. Both are
    CES, through an API as in a file's proposal."""
    expected = {
        **{text: ("ces", Direction.HIGHER_IS_BETTER) for text in HASSLE_FREE},
        **{text: ("ces", Direction.LOWER_IS_BETTER) for text in HASSLE},
    }
    detected = {text: detect(Question("Q1", text, "scale", scale=(1, 5))).spec for text in HASSLE_FREE + HASSLE}
    assert {text: (spec.metric, spec.direction) for text, spec in detected.items()} == expected
    rows = [[*HASSLE_FREE, *HASSLE], *[[n % 5 + 1] * 6 for n in range(10)]]
    proposals = inspect_file(write_csv(tmp_path / "delivery.csv", rows)).proposals
    assert {p.column: (p.target, Direction(p.spec["direction"])) for p in proposals if p.target == "ces"} == expected


AGREEMENT = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]
DIFFICULT_STATEMENTS = ["It was difficult to get my issue resolved", "Booking an appointment was a hassle"]
EASY_STATEMENTS = ["The company made it easy to handle my issue", "Returning my order was hassle-free"]


WITHOUT_EFFORT = ["Pude resolver mi problema sin esfuerzo", "Consegui resolver meu problema sem esforço",
                  "Мне удалось решить вопрос без усилий", "Udało mi się załatwić sprawę bez wysiłku",
                  "Ich konnte mein Anliegen ohne Aufwand lösen", "Ich konnte mein Anliegen ohne Mühe lösen",
                  "J'ai pu résoudre mon problème sans effort", "I could resolve my issue without effort"]  # fmt: skip
HOW_MUCH_EFFORT = ["¿Cuánto esfuerzo tuvo que hacer?", "Wie viel Aufwand war es?", "Сколько усилий вам пришлось приложить?"]


def test_a_statement_that_it_took_no_effort_is_ease_with_higher_better(tmp_path):
    """A 5 of "Pude resolver mi problema sin esfuerzo" ("without effort") is the least effort, in
    every language: "esfuerzo", "усилий", "wysiłku", "Aufwand", "Mühe" and "esforço" ask how much
    effort only without their "without"; "¿Cuánto esfuerzo…?" stays lower-is-better. Through an
    API's 1–5 scale, a file's proposals and agreement options alike."""
    expected = {
        **{text: ("ces", Direction.HIGHER_IS_BETTER) for text in WITHOUT_EFFORT},
        **{text: ("ces", Direction.LOWER_IS_BETTER) for text in HOW_MUCH_EFFORT},
    }
    detected = {text: detect(Question("Q1", text, "scale", scale=(1, 5))).spec for text in expected}
    assert {text: (spec.metric, spec.direction) for text, spec in detected.items()} == expected
    rows = [list(expected), *[[n % 5 + 1] * len(expected) for n in range(10)]]
    proposals = inspect_file(write_csv(tmp_path / "effort.csv", rows)).proposals
    assert {p.column: (p.target, Direction(p.spec["direction"])) for p in proposals if p.target == "ces"} == expected
    choices = {label: float(value) for value, label in enumerate(AGREEMENT, start=1)}
    agreed = {text: detect(Question("Q1", text, "single", choices=choices)).spec for text in WITHOUT_EFFORT}
    assert {spec.direction for spec in agreed.values()} == {Direction.HIGHER_IS_BETTER}


def test_agreeing_with_a_statement_of_difficulty_is_the_most_effort(tmp_path):
    """"Strongly agree" that "It was difficult to get my issue resolved" is the most effort: the
    agreement scale under a statement of difficulty is a CES with lower better, the ease
    statements' higher better — through an API's answer options and a file's written labels."""
    expected = {
        **{text: ("ces", Direction.LOWER_IS_BETTER) for text in DIFFICULT_STATEMENTS},
        **{text: ("ces", Direction.HIGHER_IS_BETTER) for text in EASY_STATEMENTS},
    }
    choices = {label: float(value) for value, label in enumerate(AGREEMENT, start=1)}
    detected = {text: detect(Question("Q1", text, "single", choices=choices)).spec for text in expected}
    assert {text: (spec.metric, spec.direction) for text, spec in detected.items()} == expected
    rows = [list(expected), *[[AGREEMENT[n % 5]] * 4 for n in range(10)]]
    inspection = inspect_file(write_csv(tmp_path / "effort.csv", rows))
    assert {p.column: (p.target, Direction(p.spec.get("direction", "higher_is_better"))) for p in inspection.proposals
            if p.target == "ces"} == expected  # fmt: skip
    difficult = {**inspection.source_config(), "metrics": [{"column": DIFFICULT_STATEMENTS[0], "metric": "ces",
                 **next(p.spec for p in inspection.chosen if p.column == DIFFICULT_STATEMENTS[0])}]}  # fmt: skip
    assert sync_source(tmp_path, difficult).written == 10
    by_label = {label: 100 * (5 - rank) / 4 for rank, label in enumerate(AGREEMENT, start=1)}  # "Strongly agree" 0
    stored = {label for raw, normalized in query(tmp_path, "SELECT raw, ces_normalized FROM feedback")
              for label in json.loads(raw)["values"].values() if by_label.get(label) == normalized}  # fmt: skip
    assert stored == set(AGREEMENT)  # each label's answers stored at its own effort


NOT_EASY = ["Было непросто дозвониться до нас", "Было нелегко найти нужный товар", "Мне было непросто оформить возврат"]
EASY = ["Было просто дозвониться до нас", "Было легко найти нужный товар", "Насколько просто было оформить возврат?"]


def test_not_easy_in_russian_is_a_difficulty_question_with_lower_better(tmp_path):
    """"Непросто" and "нелегко" ("not easy") say the effort was high: a 5 of "Было непросто
    дозвониться" agrees it was hard, so lower is better — never read as the ease of "просто" and
    "легко", whose 5 is the least effort. Both are CES, through an API as in a file's proposal."""
    expected = {
        **{text: ("ces", Direction.LOWER_IS_BETTER) for text in NOT_EASY},
        **{text: ("ces", Direction.HIGHER_IS_BETTER) for text in EASY},
    }
    detected = {text: detect(Question("Q1", text, "scale", scale=(1, 5))).spec for text in NOT_EASY + EASY}
    assert {text: (spec.metric, spec.direction) for text, spec in detected.items()} == expected
    rows = [[*NOT_EASY, *EASY], *[[n % 5 + 1] * 6 for n in range(10)]]
    proposals = inspect_file(write_csv(tmp_path / "опрос.csv", rows)).proposals
    assert {p.column: (p.target, Direction(p.spec["direction"])) for p in proposals if p.target == "ces"} == expected


NOT_HARD = ["Было несложно дозвониться до нас", "Насколько нетрудно было оформить заказ?",
            "Мне было нетрудно найти нужный товар"]  # fmt: skip


def test_not_hard_in_russian_is_an_ease_question_with_higher_better(tmp_path):
    """"Несложно" and "нетрудно" ("not hard") say the effort was low: a 5 of "Насколько нетрудно
    было оформить заказ?" is the least effort, so higher is better — never read as the
    difficulty of "сложно" and "трудно", whose 5 is the most effort ("несложно" was read so, and
    "нетрудно" once "трудно" became an effort word)."""
    detected = {text: detect(Question("Q1", text, "scale", scale=(1, 5))).spec for text in NOT_HARD}
    assert {text: (spec.metric, spec.direction) for text, spec in detected.items()} == dict.fromkeys(
        NOT_HARD, ("ces", Direction.HIGHER_IS_BETTER)
    )
    rows = [NOT_HARD, *[[n % 5 + 1] * len(NOT_HARD) for n in range(10)]]
    proposals = inspect_file(write_csv(tmp_path / "опрос.csv", rows)).proposals
    assert {p.column: p.spec["direction"] for p in proposals if p.target == "ces"} == dict.fromkeys(
        NOT_HARD, "higher_is_better"
    )


NEEDED_NO_EFFORT = ["I did not need much effort", "Nie wymagało to wysiłku", "It didn't take any effort",
                    "Resolving it did not require effort"]  # fmt: skip
NOT_ONLY = ["I was not only satisfied but delighted", "Ich war nicht nur zufrieden, sondern begeistert",
            "Byłem nie tylko zadowolony, ale zachwycony"]  # fmt: skip


def test_a_statement_that_no_effort_was_needed_is_ease_and_not_only_satisfied_is_satisfied(tmp_path):
    """"I did not need much effort" says little effort — a "not" before a verb of needing, taking
    or requiring and its noun of effort, as "no effort" does —, so agreeing is the least effort;
    "not only satisfied but delighted" is satisfied, no negation. Both were taken as turned round
    (the "not" within three words) and left unscored. On agreement scales, through an API's
    options and a file's written labels alike. Bare numbers under "did not need much effort" stay
    unscored, saying why: which end is the least effort the statement does not say."""
    expected = {**{text: ("ces", Direction.HIGHER_IS_BETTER) for text in NEEDED_NO_EFFORT},
                **{text: ("csat", Direction.HIGHER_IS_BETTER) for text in NOT_ONLY}}  # fmt: skip
    choices = {label: float(value) for value, label in enumerate(AGREEMENT, start=1)}
    detected = {text: detect(Question("Q1", text, "single", choices=choices)).spec for text in expected}
    assert {text: spec and (spec.metric, spec.direction) for text, spec in detected.items()} == expected
    rows = [list(expected), *[[AGREEMENT[n % 5]] * len(expected) for n in range(10)]]
    proposals = inspect_file(write_csv(tmp_path / "statements.csv", rows)).proposals
    assert {p.column: (p.target, Direction(p.spec.get("direction", "higher_is_better"))) for p in proposals
            if p.target in ("ces", "csat") and p.mapped} == expected  # fmt: skip
    assert detect(Question("Q1", "I was not satisfied", "single", choices=choices)).spec is None  # still turned round
    numbered = [detect(Question("Q1", text, "scale", scale=(1, 5))) for text in NEEDED_NO_EFFORT]
    assert [detected.spec for detected in numbered] == [None] * len(NEEDED_NO_EFFORT)  # the numbers' way round unsaid
    assert all("says no effort was needed" in detected.evidence for detected in numbered)


NO_EFFORT = ["It took no effort to get my issue resolved", "Kein Aufwand", "Es hat keinen Aufwand erfordert",
             "Cela n'a demandé aucun effort", "No requirió ningún esfuerzo", "Не потребовалось никаких усилий",
             "Nie wymagało to żadnego wysiłku", "Não exigiu nenhum esforço", "Ningún esfuerzo", "Никаких усилий",
             "Żadnego wysiłku"]  # fmt: skip
NOT_NEEDED = ["It didn't take any effort", "Cela n'a pas exigé d'effort", "No requirió esfuerzo",
              "Не потребовалось усилий", "Nie wymagało to wysiłku", "Não exigiu esforço"]  # fmt: skip
ASKS_EFFORT = ["How much effort did it take?", "Wie viel Aufwand war es?", "Quel effort avez-vous dû fournir ?",
               "¿Cuánto esfuerzo tuvo que hacer?", "Сколько усилий вам пришлось приложить?", "Ile wysiłku to wymagało?",
               "Quanto esforço foi necessário?"]  # fmt: skip


def test_a_statement_of_no_effort_over_bare_numbers_reads_as_effortless_in_every_language(tmp_path):
    """"Kein Aufwand" ("no effort") over 1–5 says the least effort, as "It took no effort" and
    "effortless" do: agreeing is low effort, higher is better — it was lower-is-better, its
    "Aufwand" taken for "how much effort", as were "ningún esfuerzo", "никаких усилий", "żadnego
    wysiłku" and "nenhum esforço" (the word saying none of it after the verb, as "took no"). A
    "not" before a verb of needing ("No requirió esfuerzo", "Nie wymagało to wysiłku") says no
    effort was needed as "It didn't take any effort" does: which end of bare numbers is the least
    effort it does not say, so it stays unscored. On agreement labels every one is a CES, higher
    is better, and a mapping's entry without `direction` is no error (it asked for lower_is_better);
    how-much-effort questions stay lower-is-better."""
    expected = {**dict.fromkeys(NO_EFFORT, ("ces", Direction.HIGHER_IS_BETTER)), **dict.fromkeys(NOT_NEEDED),
                **dict.fromkeys(ASKS_EFFORT, ("ces", Direction.LOWER_IS_BETTER))}  # fmt: skip
    detected = {text: detect(Question("Q1", text, "scale", scale=(1, 5))) for text in expected}
    assert {text: d.spec and (d.spec.metric, d.spec.direction) for text, d in detected.items()} == expected
    assert all("no effort" in detected[text].evidence for text in NO_EFFORT + NOT_NEEDED)
    rows = [list(expected), *[[n % 5 + 1] * len(expected) for n in range(10)]]
    proposals = inspect_file(write_csv(tmp_path / "effort.csv", rows)).proposals
    proposed = {p.column: (p.target, Direction(p.spec["direction"])) for p in proposals if p.target == "ces" and p.mapped}
    assert proposed == {text: read for text, read in expected.items() if read}
    choices = {label: float(value) for value, label in enumerate(AGREEMENT, start=1)}
    agreed = [detect(Question("Q1", text, "single", choices=choices)).spec for text in NO_EFFORT + NOT_NEEDED]
    assert [spec and (spec.metric, spec.direction) for spec in agreed] == [("ces", Direction.HIGHER_IS_BETTER)] * 17
    entries = [MetricColumn(column=text, metric="ces") for text in NO_EFFORT]  # a mapping entry without direction
    assert {entry.direction for entry in entries} == {Direction.HIGHER_IS_BETTER}  # was an error asking lower_is_better


@pytest.mark.parametrize(
    ("label", "key"),
    [("Very  satisfied!", "very satisfied"), (" «N/A» ", "n/a"), ("Не\tзнаю…", "не знаю…"), ("Ёлка,,; ok", "елка ok"),
     ("Straße\u00a0\u3000gut\x1c.", "strasse gut"), ("¿Sí?", "sí"), ("„ ” “ ", ""), ("", "")],
)  # fmt: skip
def test_labels_are_looked_up_regardless_of_case_spacing_and_punctuation(label, key):
    """Every run of white space (any Unicode space) and of the punctuation labels carry is one
    space, none at either end; case folded, ё as е."""
    from cxbridge.detection.labels import label_key

    assert label_key(label) == key


@pytest.mark.parametrize("joiner", ["_", "-"])
def test_short_words_joined_by_underscores_or_hyphens_are_read(tmp_path, joiner):
    """A database's or CRM's export names its columns `response_id`, `store_id`, `nps_score`: the
    short stems ("nps", "id") were whole words only, and `nps_score` a word of its own, so its
    0–10 answers were no NPS (kept unscored in attributes), `response_id` no id and `store_id` lost
    to `store`. The parts of a joined word are words too; the NPS is then stored."""
    header = [f"response{joiner}id", f"submitted{joiner}at", "store", f"store{joiner}id", f"nps{joiner}score"]
    answers = [n % 11 for n in range(12)]
    rows = [header, *[[f"R{n}", f"2026-01-{n + 1:02d} 10:00", str(1042 + n % 3), f"S{n % 3}", str(answer)]
                      for n, answer in enumerate(answers)]]  # fmt: skip
    path = write_csv(tmp_path / "crm_export.csv", rows)

    assert chosen(inspect_file(path)) == {"id": header[0], "submitted_at": header[1], "location_id": header[3],
                                          "nps": header[4]}  # fmt: skip

    from click.testing import CliRunner

    from cxbridge.cli.main import cli

    db = tmp_path / "cx.db"
    result = CliRunner().invoke(cli, ["import", str(path), "--db", str(db)])
    assert result.exit_code == 0, result.output
    stored = query(tmp_path, "SELECT f.source_record_id, f.location_id, s.value FROM feedback f "
                             "JOIN feedback_scores s USING (record_id) WHERE s.metric = 'nps'", db=db.name)  # fmt: skip
    assert sorted(stored) == sorted((f"R{n}", f"S{n % 3}", float(answer)) for n, answer in enumerate(answers))


@pytest.mark.parametrize("header, values", [
    ("Customer ID", [1736071200 + 7_919 * n for n in range(12)]),  # ids in the epochs' range, no time named
    ("Submission ID", [1736071200 + 7_919 * n for n in range(12)]),  # a time word, but an id's header
    ("Submission ID", [45_000 + 13 * n for n in range(12)]),  # nor Excel serial days under an id's header
    ("Phone", [5_551_230_000 + 17 * n for n in range(12)]),  # 10 digits, past 2100 as seconds
    ("Submitted", [9_876_543_210 - 17 * n for n in range(12)]),  # a time named, the numbers past 2100
    ("Submitted", [1736071200, *[1736071200000 + n for n in range(11)]]),  # seconds and milliseconds mixed
    ("Created", [1_000_000_000 + n * 2_654_435_761 % 3_100_000_000 for n in range(12)]),  # over 2001–2099: no times
    ("Created", [1_000_000_000_000 + n * 271_828_182_845 for n in range(12)]),  # nor as milliseconds
    ("Created", [1_700_000_000 + n for n in range(12)]),  # a counter: 12 answers in 12 seconds, none in the same
    ("Created at", [1_700_000_000_000 + 11 - n for n in range(12)]),  # nor as milliseconds, counting down
    ("Created by", [1736071200 + 7_919 * n for n in range(12)]),  # who created it: their user ids
])  # fmt: skip
def test_ten_digit_numbers_are_no_epoch_time_unless_the_header_names_a_time_and_all_fall_in_2001_2100(
    tmp_path, header, values
):
    rows = [[header, "How likely are you to recommend us?"], *[[value, n % 11] for n, value in enumerate(values)]]
    inspection = inspect_file(write_csv(tmp_path / "numbers.csv", rows))
    assert "submitted_at" not in chosen(inspection)
    assert not [p for p in inspection.proposals if p.target in ("submitted_at", "timestamp")]


@pytest.mark.parametrize("header, values, kind", [
    ("Created", [1_640_995_200 + n * 7_919_113 % 94_000_000 for n in range(12)], "Unix epoch seconds"),  # 3 years
    ("Created", [1_700_000_000 + 2 * n for n in range(12)], "Unix epoch seconds"),  # a burst, two seconds apart
    ("Date", [45_000 + n for n in range(12)], "Excel serial day numbers"),  # a day a row: one by one, days are times
])  # fmt: skip
def test_numbered_times_in_any_order_over_years_or_one_a_day_are_times(tmp_path, header, values, kind):
    """What tells a counter's or random ids from epoch times (`test_ten_digit_numbers_…`) keeps times
    as times: unsorted over 3 years, close together but not one apart, serial days a day apart."""
    rows = [[header, "How likely are you to recommend us?"], *[[value, n % 11] for n, value in enumerate(values)]]
    inspection = inspect_file(write_csv(tmp_path / "numbers.csv", rows))
    [time] = [p for p in inspection.chosen if p.target == "submitted_at"]
    assert time.column == header and kind in time.describe()


@pytest.mark.parametrize("birth", ["Date of birth", "DOB", "Birthday", "Geburtsdatum", "Fecha de nacimiento",
                                   "Date de naissance", "Data urodzenia", "Дата рождения"])  # fmt: skip
def test_a_date_of_birth_is_personal_data_not_the_submitted_time(tmp_path, birth):
    """"Date of birth" of dates was the submitted time (0.90, its 'date') where listed before the
    response's "Date": every record dated by its respondent's birthday — its month in every
    `*_by_month` view — and the birth date stored. It is personal data, never stored."""
    rows = [["Response ID", birth, "Date", "How likely are you to recommend us?"],
            *[[f"R{n}", f"19{70 + n}-0{n % 9 + 1}-15", f"2026-01-{n + 1:02d}", n % 11] for n in range(12)]]  # fmt: skip
    inspection = inspect_file(write_csv(tmp_path / "births.csv", rows))
    assert chosen(inspection)["submitted_at"] == "Date"
    assert [p.target for p in inspection.chosen if p.column == birth] == ["ignore"]


@pytest.mark.parametrize("other, response", [("Order number", "Response ID"), ("Ticket ID", "Response ID"),
                                             ("Order ID", "Respondent ID"), ("Customer number", "Submission ID"),
                                             ("Auftragsnummer", "Antwort-ID")])  # fmt: skip
def test_a_header_naming_the_response_is_the_id_over_another_id(tmp_path, other, response):
    """An order's, ticket's or customer's number, all different in the rows read, tied with the
    "Response ID" (0.90) and, listed first, was the record's id: a second answer about the same
    order, ticket or customer in a later file would overwrite the first. The id of the response
    beats another id."""
    rows = [[other, response, "Date", "How likely are you to recommend us?"],
            *[[f"{1_000_000 + n}", f"R{n}", f"2026-01-{n + 1:02d}", n % 11] for n in range(12)]]  # fmt: skip
    inspection = inspect_file(write_csv(tmp_path / "ids.csv", rows))
    [record] = [p for p in inspection.chosen if p.target == "id"]
    assert record.column == response and "names the response" in record.describe()


TYPEFORM_TAIL = ["Response Type", "Start Date (UTC)", "Stage Date (UTC)", "Submit Date (UTC)", "Network ID", "Tags",
                 "Ending"]  # fmt: skip
"""The last columns of a Typeform CSV download with partial responses, as public code quotes them
(the search index's find_string "Stage Date (UTC)": ten files of several repositories, one listing
them as a Typeform import's meta columns, one quoting a download whose "completed" rows leave
"Stage Date" empty and fill "Submit Date"): "Stage Date" dates a partial response, "Submit Date"
a completed one."""


def test_a_header_naming_the_submission_is_the_submitted_time_over_another_date(tmp_path):
    """Of Typeform's "Stage Date (UTC)" and "Submit Date (UTC)" (both 0.90, 'date'), the first
    listed was chosen: every completed response, whose Stage Date is empty, was quarantined ("every
    row needs a submitted time") and the NPS counted the partial ones alone. A header naming the
    submission beats one naming a date or time only; the other is kept as a time, which dates the
    partial responses, with no submit date, stored as `partial` (before 2026-12-07 quarantined)."""
    rows = [["#", "How likely are you to recommend us to a friend?", *TYPEFORM_TAIL]]
    for n in range(12):
        partial = n % 4 == 0
        day = f"2025-01-{n + 1:02d}"
        rows.append([f"tok{n:029d}", n % 11, "partial" if partial else "completed", f"{day} 17:15:19",
                     f"{day} 17:16:00" if partial else "", "" if partial else f"{day} 17:16:39", f"{n * 7919:010x}",
                     "", "" if partial else "Default Ending"])  # fmt: skip
    path = write_csv(tmp_path / "typeform.csv", rows)
    inspection = inspect_file(path)
    [submitted] = [p for p in inspection.chosen if p.target == "submitted_at"]
    assert submitted.column == "Submit Date (UTC)" and "names the submission ('submit')" in submitted.describe()

    from click.testing import CliRunner

    from cxbridge.cli.main import cli

    db = tmp_path / "cx.db"
    result = CliRunner().invoke(cli, ["import", str(path), "--db", str(db)])
    assert "12 read · 12 written · 0 unchanged · 0 quarantined" in result.output, result.output
    stored = query(tmp_path, "SELECT source_record_id, submitted_at, status FROM feedback", db=db.name)
    assert sorted(stored) == [(f"tok{n:029d}", f"2025-01-{n + 1:02d}T17:16:{'00' if n % 4 == 0 else '39'}Z",
                               "partial" if n % 4 == 0 else "complete") for n in range(12)]  # fmt: skip


COMMENT_HEADERS = ["Kommentar", "Bemerkungen", "Verbesserungsvorschläge", "Commentaire", "Que pourrions-nous améliorer ?",
                   "Comentario", "¿Qué podríamos mejorar?", "Comentário", "O que podemos melhorar?", "Commento",
                   "Osservazioni", "Suggerimenti", "Perché?", "Opmerkingen", "Toelichting", "Waarom?", "Uwagi",
                   "Komentarz", "Комментарий"]  # fmt: skip


@pytest.mark.parametrize("header", COMMENT_HEADERS)
def test_a_header_asking_for_comments_in_each_language_makes_its_text_the_comment(tmp_path, header):
    rows = [["Date", "How likely are you to recommend us?", header],
            *[[f"2024-03-{n + 1:02d}", n % 11, f"Free text number {n} about the visit"] for n in range(12)]]
    inspection = inspect_file(write_csv(tmp_path / "comments.csv", rows))
    [comment] = [p for p in inspection.chosen if p.target == "comment"]
    assert comment.column == header and comment.confidence == 0.9 and "the header asks for comments" in comment.describe()


def test_short_varied_answers_under_a_comment_header_are_the_comment_and_repeated_reasons_are_not(tmp_path):
    short = ["Gut", "Zu teuer", "Nett", "Langsam", "Top", "Kalt", "Sauber", "Laut", "Voll", "Leer", "Teuer", "Ok"]
    reasons = ["Price", "Service", "Staff"] * 4
    rows = [["Datum", "Wie wahrscheinlich ist es, dass Sie uns weiterempfehlen?", "Kommentar", "Reason"],
            *[[f"2024-03-{n + 1:02d}", n % 11, short[n], reasons[n]] for n in range(12)]]
    inspection = inspect_file(write_csv(tmp_path / "short.csv", rows))
    assert chosen(inspection)["comment"] == "Kommentar"
    assert not [p for p in inspection.proposals if p.target == "comment" and p.column == "Reason"]


def test_a_few_satisfaction_labels_under_a_header_naming_improvement_are_no_comment(tmp_path):
    labels = ["Very satisfied", "Satisfied", "Neutral", "Dissatisfied", "Very dissatisfied"]
    rows = [["Date", "How satisfied are you with how we improved?"],
            *[[f"2024-03-{n + 1:02d}", label] for n, label in enumerate(labels)]]
    inspection = inspect_file(write_csv(tmp_path / "few.csv", rows))
    assert chosen(inspection).get("csat") == "How satisfied are you with how we improved?"
    assert "comment" not in chosen(inspection)


@pytest.mark.parametrize("header, written, stored", [
    ("Submitted", ["2025. 12. 26. 오전 9:05:00", "2025. 12. 26. 오후 7:11:27", "2025. 12. 27. 오후 12:30:00"],
     ["2025-12-26T00:05:00Z", "2025-12-26T10:11:27Z", "2025-12-27T03:30:00Z"]),
    ("Date", ["2025. 12. 26.", "2025. 12. 26.", "2025. 12. 27."],
     ["2025-12-25T15:00:00Z", "2025-12-25T15:00:00Z", "2025-12-26T15:00:00Z"]),
])  # fmt: skip
def test_a_korean_date_column_of_a_plain_sheet_is_its_submitted_time(tmp_path, header, written, stored):
    """A Korean sheet writes dates `2025. 12. 26.` and times `2025. 12. 26. 오후 7:11:27` (오전 =
    AM, 오후 = PM; the form sheets' own, `test_a_korean_google_forms_sheet_is_recognised_…`):
    outside a form's sheet they were no dates to detection — the column was a comment, or
    nothing, and the file had no submitted time."""
    rows = [["Store", header, "NPS"], *[["강남점", written[n % 3], n % 11] for n in range(12)]]
    path = write_csv(tmp_path / "korean.csv", rows)
    inspection = inspect_file(path)
    assert chosen(inspection)["submitted_at"] == header
    source = inspection.source_config(path="korean.csv") | {"timezone": "Asia/Seoul"}
    result = sync_source(tmp_path, source)
    assert (result.read, result.written, result.quarantined) == (12, 12, 0), result.error
    assert query(tmp_path, "SELECT DISTINCT submitted_at FROM feedback ORDER BY 1") == [(s,) for s in sorted(set(stored))]


@pytest.mark.parametrize("header, top, metric", [
    ("LTR", 10, "nps"), ("Q1_LTR", 10, "nps"), ("LTR (0-10)", 10, "nps"), ("OSAT", 5, "csat"),
    ("OSAT score", 5, "csat"),
])  # fmt: skip
def test_ltr_and_osat_headers_name_their_metric(tmp_path, header, top, metric):
    """"LTR" (likelihood to recommend) and "OSAT" (overall satisfaction) were no metric's words:
    the column was left unscored. Real headers: a Qualtrics export's report template documents
    "`Q1_LTR` - Likelihood to Recommend (0-10 scale)" and an R NPS library "Raw NPS data are
    Likelihood to Recommend (LTR) scores -- integers ranging from 0 to 10" (find_string
    'Likelihood to Recommend (LTR)'); a survey dataset's `y = df['OSAT']` and a survey records
    import's `osat = key['osat']` beside `survey_id`, `email`, `comment` (find_string "['OSAT']");
    the repositories are not resolved by the index."""
    answers = [n % 11 if top == 10 else n % 5 + 1 for n in range(24)]
    rows = [["Date", header], *[[f"2026-01-{n % 28 + 1:02d}", answers[n]] for n in range(24)]]
    assert chosen(inspect_file(write_csv(tmp_path / "named.csv", rows)))[metric] == header


def test_osat_and_ltr_columns_of_other_quantities_are_warned_with_how_to_map_them_if_they_are_cx(tmp_path):
    """"OSAT" may be oxygen saturation (92–99 %), an "LTR score" on 0–1 a learning-to-rank score:
    kept unscored. The warnings said to map OSAT "with its metric, scale and labels" and LTR "as
    nps (answers off 0–10 then go to quarantine)" — every row. They name the metric and the scale
    the values span, and how to keep the column without the warning; followed, the scores are the
    values on that scale."""
    osat, ltr = [97, 95, 99, 92, 98, 96], [0.12, 0.87, 0.45, 0.66, 0.91, 0.3]
    rows = [["Response ID", "Date", "OSAT", "LTR score"],
            *[[f"R{n}", f"2026-01-{n + 1:02d}", osat[n % 6], ltr[n % 6]] for n in range(18)]]  # fmt: skip
    path = write_csv(tmp_path / "ward.csv", rows)
    inspection = inspect_file(path)
    assert not {"csat", "nps", "rating"} & set(chosen(inspection))
    [osat_warning] = [w for w in inspection.warnings if "'OSAT'" in w]
    [ltr_warning] = [w for w in inspection.warnings if "'LTR score'" in w]
    assert osat_warning.endswith("to score it, if it is a satisfaction answer asked 0–100, map it under [[metrics]] "
                                 "with metric = 'csat' and scale = [0, 100]; if it is no answer of this survey, list "
                                 "it under questions to keep it without this warning"), osat_warning  # fmt: skip
    assert ltr_warning.endswith("to score it, if it is a likelihood to recommend asked 0–1, map it under [[metrics]] "
                                "with metric = 'rating' and scale = [0, 1]; if it is no answer of this survey, list it "
                                "under questions to keep it without this warning"), ltr_warning  # fmt: skip
    mapping = tmp_path / "ward.toml"
    CliRunner().invoke(cli, ["inspect", str(path), "--write-mapping", str(mapping)], catch_exceptions=False)
    with mapping.open("a", encoding="utf-8") as advice_followed:
        advice_followed.write('\n[[sources.ward.metrics]]\ncolumn = "OSAT"\nmetric = "csat"\nscale = [0, 100]\n'
                              '\n[[sources.ward.metrics]]\ncolumn = "LTR score"\nmetric = "rating"\nscale = [0, 1]\n')
    db = tmp_path / "x.db"
    result = CliRunner().invoke(cli, ["import", str(path), "--mapping", str(mapping), "--db", str(db)],
                                catch_exceptions=False)  # fmt: skip
    assert "18 read · 18 written · 0 unchanged · 0 quarantined" in result.output, result.output
    with sqlite3.connect(db) as conn:
        stored = conn.execute("SELECT f.source_record_id, s.metric, s.normalized FROM feedback f "
                              "JOIN feedback_scores s USING (record_id)").fetchall()  # fmt: skip
    expected = [(f"R{n}", "csat", pytest.approx(osat[n % 6])) for n in range(18)]
    expected += [(f"R{n}", "rating", pytest.approx(ltr[n % 6] * 100)) for n in range(18)]
    assert sorted(stored, key=lambda row: row[:2]) == sorted(expected, key=lambda row: row[:2])


@pytest.mark.parametrize("header", ["Fuel (ltr)", "Volume (litres)"])
def test_litres_are_an_amount_not_a_likelihood_to_recommend(tmp_path, header):
    """"ltr" is also litres: in brackets, a unit, its column an amount, never the NPS."""
    rows = [["Date", header], *[[f"2026-01-{n % 28 + 1:02d}", n % 11] for n in range(24)]]
    assert "nps" not in chosen(inspect_file(write_csv(tmp_path / "fuel.csv", rows)))


@pytest.mark.parametrize("header", ["Respuesta", "Réponse", "Risposta", "Resposta", "Odpowiedź", "Antwort", "Response"])
def test_a_header_naming_only_the_response_over_codes_all_different_is_the_id(tmp_path, header):
    """A Spanish sheet's "Respuesta" column (E1, E2 …, all different) was no id: its rows were keyed
    by their content, so an answer corrected in a later file was a new record beside the old."""
    rows = [[header, "Fecha", "Recomendación (0-10)", "Comentario"],
            *[[f"E{n}", f"2024-03-{n + 1:02d}", n % 11, f"muy bien {n}"] for n in range(12)]]  # fmt: skip
    inspection = inspect_file(write_csv(tmp_path / "respuestas.csv", rows))
    assert chosen(inspection)["id"] == header


def test_a_header_naming_only_the_response_over_sentences_is_no_id(tmp_path):
    """Answers written out under "Respuesta", all different, are answers, not ids."""
    rows = [["Respuesta", "Fecha", "Recomendación (0-10)"],
            *[[f"me gustó la tienda {n}", f"2024-03-{n + 1:02d}", n % 11] for n in range(12)]]  # fmt: skip
    inspection = inspect_file(write_csv(tmp_path / "respuestas.csv", rows))
    assert "id" not in chosen(inspection)


@pytest.mark.parametrize("answers", [["gut", "ok", "gut", "zu laut"], ["sehr freundliches Personal", "lange Wartezeit",
                                                                      "alles bestens, gerne wieder", "zu teuer"]])  # fmt: skip
def test_the_comment_under_a_question_s_group_title_is_a_comment_not_an_unscored_question(tmp_path, answers):
    """'Weiterempfehlung (0-10) - Kommentar' (a 'Kommentar' under the question's merged title)
    drew a false warning — 'is not scored: it asks about weiterempf' — and short answers were
    kept as an unscored question, never proposed as the comment."""
    rows = [[None, None, "Weiterempfehlung (0-10)", None, "Zufriedenheit (1-5)", None],
            ["Datum", "Filiale", "Wert", "Kommentar", "Wert", "Kommentar"],
            *[[f"2024-01-{n + 2:02d}", "Berlin", n % 11, answers[n % 4], 1 + n % 5, answers[(n + 1) % 4]]
              for n in range(12)]]  # fmt: skip
    inspection = inspect_file(write_xlsx(tmp_path / "groups.xlsx", {"Daten": rows}, merged={"Daten": ["C1:D1", "E1:F1"]}))
    mapping = inspection.source_config()
    assert mapping["columns"]["comment"] == "Weiterempfehlung (0-10) - Kommentar"  # the record's: the NPS's, first
    assert mapping["comments"] == ["Zufriedenheit (1-5) - Kommentar"]
    assert (chosen(inspection)["nps"], chosen(inspection)["csat"]) == ("Weiterempfehlung (0-10) - Wert",
                                                                       "Zufriedenheit (1-5) - Wert")  # fmt: skip
    assert inspection.warnings == []


@pytest.mark.parametrize("header", ["Company name", "Nom de votre entreprise", "Business name"])
def test_a_column_naming_a_company_is_proposed_ignore_while_a_question_asking_it_is_kept(tmp_path, header):
    """A file's "Company name" column is left out as a name (`names_personal_data`), while an API
    question asking for it is kept as an answer (`asks_for_personal_data`): two rules over the same
    words, which 1e1b2b2 once merged without a test noticing."""
    from cxbridge.detection.fields import asks_for_personal_data

    rows = [["Date", header, "Store"], *[[f"2026-01-{n + 1:02d}", f"Firm {n}", "North"] for n in range(6)]]
    inspection = inspect_file(write_csv(tmp_path / "companies.csv", rows))
    assert [p.target for p in inspection.chosen if p.column == header] == ["ignore"]
    assert not asks_for_personal_data(header)


@pytest.mark.parametrize(("text", "detected"), [
    ("How would you rate your experience?", None),
    ("Rate us", None),
    ("Bewerten Sie Ihren Besuch", None),
    ("Please rate the cleanliness of the store", None),  # a criterion: never the record's csat
    ("How would you rate your overall satisfaction?", "csat"),
    ("Wie zufrieden waren Sie mit Ihrem Besuch?", "csat"),
])  # fmt: skip
def test_stars_asking_to_rate_without_naming_satisfaction_are_a_rating_not_csat(text, detected):
    """A row of five stars (an API connector's icon rating, a Qualtrics star slider) is CSAT only when
    its words ask satisfaction — CSAT is the satisfaction answer; "rate your experience", "Rate us",
    "Bewerten Sie …" name no metric, so the stars are a `rating` on 1–5 (docs/files.md, Detection)."""
    stars = Question(id="q", text=text, kind="scale", scale=(1.0, 5.0))
    spec = detect(stars).spec
    assert (spec.metric, spec.scale) == (detected, (1.0, 5.0)) if detected else spec is None
    rating = {"q": QuestionOverride(metric="rating", scale=(1.0, 5.0))}
    assert with_rating_defaults({}, [stars]) == ({} if detected else rating)
