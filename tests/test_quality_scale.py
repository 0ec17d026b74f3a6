"""Answers worded as a quality rating — "Poor, Fair, Good, Very good, Excellent", "Very poor,
Poor, Fair, Good, Excellent", "Poor, Fair, Good, Excellent" — are a built-in scale: a `rating` on
1–5 (1–4), or CSAT when the question asks about satisfaction, through an API's definition and
from a file's words alike. They were kept unscored (or, under an override naming a metric,
quarantined as unknown labels)."""

from __future__ import annotations

import csv
from fractions import Fraction
from pathlib import Path

import pytest

import cxbridge
from cxbridge.detection import labels as builtin
from cxbridge.detection.meaning import read_options
from cxbridge.detection.inspector import Hints, inspect_file
from cxbridge.detection.question_metrics import detect, option_values
from cxbridge.metrics import Direction
from cxbridge.plugins_host import create_host
from cxbridge.questions import Question
from tests.conftest import half_up
from tests.sqlite_runs import query, sync_source

FIVE = ["Poor", "Fair", "Good", "Very good", "Excellent"]
FROM_VERY_POOR = ["Very poor", "Poor", "Fair", "Good", "Excellent"]
FOUR = ["Poor", "Fair", "Good", "Excellent"]


@pytest.mark.parametrize("labels", [FIVE, FROM_VERY_POOR, ["Very poor", "Poor", "Average", "Good", "Excellent"], FOUR],
                         ids=["five", "from-very-poor", "average", "four"])  # fmt: skip
def test_each_wording_is_read_worst_first_on_its_own_points(labels):
    reading = read_options(dict.fromkeys(labels), complete=True)
    assert reading.kind == "quality" and reading.direction is Direction.HIGHER_IS_BETTER
    assert reading.labels == {label: float(place) for place, label in enumerate(labels, start=1)}
    assert reading.bounds == (1.0, float(len(labels)))


@pytest.mark.parametrize(("text", "metric"), [
    ("How would you rate our service?", "rating"),
    ("Rate our staff - Friendliness", "rating"),
    ("Overall, how satisfied were you with our service?", "csat"),
])  # fmt: skip
def test_a_question_offering_them_is_a_rating_unless_it_asks_about_satisfaction(text, metric):
    spec = detect(Question("q1", text, "choice", choices=option_values(FIVE))).spec  # as a definition's options
    assert spec is not None
    assert (spec.metric, spec.scale, spec.labels) == (metric, (1.0, 5.0), {label: n for n, label in enumerate(FIVE, 1)})


def test_a_configured_scale_without_labels_does_not_read_the_words_by_themselves():
    """"Poor" is 1 of 5 in one wording and 2 of 5 in the other: a `[[metrics]]` entry or an
    override naming no `labels` never guesses which (the answers go to quarantine, as before,
    naming `labels`); the wording a definition or `inspect` sees whole says it."""
    for metric in ("rating", "csat"):
        known = builtin.builtin_labels(metric, (1.0, 5.0), Direction.HIGHER_IS_BETTER)
        assert not {"poor", "fair", "good", "very good", "excellent"} & known.keys()


def write_export(path: Path, header: str, answers: list[str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["Response ID", "Submitted", header],
                                      *([f"r{n}", f"2026-03-0{1 + n % 9} 10:00", answer]
                                        for n, answer in enumerate(answers))])  # fmt: skip
    return path


ANSWERS = ["Excellent", "Very good", "Good", "Poor", "Very good", "Fair", "Excellent", "Good", "Very good", "Excellent"]


def imported(tmp_path: Path, header: str, answers: list[str]):
    path = write_export(tmp_path / "visits.csv", header, answers)
    [item] = cxbridge.import_([path], destination=f"sqlite:///{tmp_path / 'x.db'}", host=create_host()).files
    return item.result


def test_a_files_quality_words_under_a_rating_question_are_a_rating_on_one_to_five(tmp_path):
    result = imported(tmp_path, "How would you rate our service?", ANSWERS)
    assert (result.written, result.quarantined) == (len(ANSWERS), 0), result.error
    place = {label: n for n, label in enumerate(FIVE, start=1)}
    assert query(tmp_path, "SELECT metric, value, scale_min, scale_max, category FROM feedback_scores "
                           "JOIN feedback USING (record_id) ORDER BY source_record_id", db="x.db") == [
        ("rating", float(place[answer]), 1.0, 5.0, None) for answer in ANSWERS]  # fmt: skip
    assert query(tmp_path, "SELECT COUNT(*) FROM csat_by_month", db="x.db") == [(0,)]


def test_a_files_quality_words_under_a_satisfaction_question_are_csat_the_top_two_satisfied(tmp_path):
    """CSAT % counts the top two boxes of five: "Very good" and "Excellent"."""
    result = imported(tmp_path, "How satisfied were you with our service?", ANSWERS)
    assert (result.written, result.quarantined) == (len(ANSWERS), 0), result.error
    satisfied = sum(answer in ("Very good", "Excellent") for answer in ANSWERS)
    assert query(tmp_path, "SELECT SUM(responses), SUM(satisfied), SUM(satisfied) * 100.0 / SUM(responses) "
                           "FROM csat_by_month", db="x.db") == [(len(ANSWERS), satisfied, 100.0 * satisfied / len(ANSWERS))]  # fmt: skip
    assert half_up(Fraction(100 * satisfied, len(ANSWERS))) == 60.0


def test_the_wording_from_very_poor_puts_poor_second(tmp_path):
    answers = ["Very poor", "Poor", "Fair", "Good", "Excellent", "Good"]
    result = imported(tmp_path, "How would you rate the checkout?", answers)
    assert (result.written, result.quarantined) == (len(answers), 0), result.error
    assert query(tmp_path, "SELECT value FROM feedback_scores JOIN feedback USING (record_id) "
                           "ORDER BY source_record_id", db="x.db") == [(1.0,), (2.0,), (3.0,), (4.0,), (5.0,), (4.0,)]  # fmt: skip


def test_a_mapped_column_without_labels_quarantines_the_words_naming_labels_and_loads_with_them(tmp_path):
    """A hand-written `[[metrics]]` entry `metric = "rating"`, `scale = [1, 5]` and no `labels`:
    the words are not read by themselves (which wording?) — every such row is quarantined naming
    `labels`, none stored on a guessed point; with the labels written out (what `inspect` proposes)
    they load."""
    write_export(tmp_path / "visits.csv", "How would you rate our service?", ANSWERS)
    entry = {"connector": "csv", "path": "visits.csv", "columns": {"id": "Response ID", "submitted_at": "Submitted"},
             "metrics": [{"column": "How would you rate our service?", "metric": "rating", "scale": [1, 5]}]}  # fmt: skip
    bare = sync_source(tmp_path, entry)
    assert (bare.written, bare.quarantined) == (0, len(ANSWERS)), bare.error
    assert all("'labels'" in error for (error,) in query(tmp_path, "SELECT error FROM quarantine"))
    entry["metrics"][0]["labels"] = {label: n for n, label in enumerate(FIVE, start=1)}
    labelled = sync_source(tmp_path, entry, db="labelled.db")
    assert (labelled.written, labelled.quarantined) == (len(ANSWERS), 0), labelled.error


@pytest.mark.parametrize(("header", "answers"), [
    ("How would you rate our service?", ["Good", "Excellent", "Poor", "Good"]),
    ("How satisfied were you with our service?", ["Good", "Excellent", "Poor", "Good", "Good", "Excellent"]),
])  # fmt: skip
def test_quality_words_two_wordings_value_otherwise_are_kept_unscored_and_the_proposal_says_why(
        tmp_path, header, answers):  # fmt: skip
    """Answers "Good", "Excellent", "Poor" alone are points of the four-point wording (3, 4, 1) and
    of both five-point ones, where "Good" is 4 or 3: a rating normalized 66.7, 75 or 50 by wording;
    under a satisfaction question one of the top two boxes on four points, a neutral 3 on five (CSAT
    5 of 6 or 2 of 6) — and the answers do not say which survey it was. No rating or CSAT is stored;
    the proposal says why and what to write (the labels the survey offered)."""
    path = write_export(tmp_path / "visits.csv", header, answers)
    [proposal] = [p for p in inspect_file(path, Hints()).chosen if p.column == header]
    assert proposal.unscored and "write its labels in the mapping" in proposal.evidence[0], proposal
    result = imported(tmp_path, header, answers)
    assert (result.written, result.quarantined) == (len(answers), 0), result.error
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback_scores", db="x.db") == [(0,)]


def test_a_column_holding_a_five_point_word_is_read_on_five_points_without_a_note(tmp_path):
    every = write_export(tmp_path / "every.csv", "How would you rate our service?", ANSWERS)
    [whole] = [p for p in inspect_file(every, Hints()).chosen if p.target == "rating"]
    assert not any("also points" in line for line in whole.evidence)  # "Very good" is on five points only


@pytest.mark.parametrize("header", ["Any other comments?", "Comments on your visit"])
def test_quality_words_typed_under_a_header_asking_for_comments_stay_free_text(tmp_path, header):
    """"Good", "Excellent", "Poor" are what people write in a comment box too: under a header
    asking for comments they are no rating — no score stored, each answer kept as typed."""
    answers = ["Good", "Good", "Excellent", "Poor", "Good", "Good service, poor parking", "Good", "Excellent", "Good",
               "Good"]  # fmt: skip
    path = write_export(tmp_path / "visits.csv", header, answers)
    assert not [p for p in inspect_file(path, Hints()).chosen if p.target in ("rating", "csat")]
    result = imported(tmp_path, header, answers)
    assert (result.written, result.quarantined) == (len(answers), 0), result.error
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback_scores", db="x.db") == [(0,)]


@pytest.mark.parametrize("header", ["How would you rate the way we handled your feedback?",
                                    "How satisfied were you with our reply to your feedback?"])
def test_a_header_asking_to_rate_or_about_satisfaction_is_a_question_though_it_names_feedback(tmp_path, header):
    result = imported(tmp_path, header, ANSWERS)
    assert (result.written, result.quarantined) == (len(ANSWERS), 0), result.error
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback_scores", db="x.db") == [(len(ANSWERS),)]
