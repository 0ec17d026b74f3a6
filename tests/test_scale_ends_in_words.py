"""The words a question writes beside its scale's ends — in a file's header ("How satisfied were
you? (1 = Very satisfied, 5 = Very dissatisfied)") or a Google Forms linear scale's `lowLabel` and
`highLabel` — say which end is best, as numbered labels in the cells do ("1 - Very satisfied"):
a scale numbered best first is scored lower-is-better, every figure checked against the rows."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

import cxbridge
from cxbridge.detection.inspector import inspect_file
from cxbridge.errors import ConfigError
from cxbridge.plugins_host import create_host
from tests.google_forms_api import google_forms, store_account
from tests.sqlite_runs import query, sync_source
from tests.test_google_forms_source import FORM, entry, user_key  # noqa: F401 — the fixture

SATISFACTION = [2, 5, 1, 3, 1, 1, 1, 5, 1, 4, 2, 4, 1, 5, 2, 4, 4, 5, 2, 3]  # 1–5 answers
EFFORT = [5, 6, 7, 6, 6, 3, 1, 4, 6, 5, 1, 7, 2, 5, 7, 4, 3, 4, 6, 1]  # 1–7 answers


def write_csv(path: Path, rows: list[list[Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def imported(path: Path) -> None:
    result = cxbridge.import_([path], destination=f"sqlite:///{path.parent / 'x.db'}", host=create_host())
    [item] = result.files
    assert item.ok and (item.result.written, item.result.quarantined) == (len(SATISFACTION), 0), item.error


def pct(hits: int, of: int) -> float:
    return round(100 * hits / of, 1)


@pytest.mark.parametrize("header", [
    "How satisfied are you with your visit? (1 = Very satisfied, 5 = Very dissatisfied)",
    "How satisfied are you with your visit? 1 - Very satisfied … 5 - Very dissatisfied",
    "How satisfied are you with your visit? (5 = Very dissatisfied; 1 = Very satisfied)",
    "Satisfaction with the visit, from 1 (very satisfied) to 5 (very dissatisfied)",
])  # fmt: skip
def test_a_satisfaction_header_numbering_its_scale_best_first_counts_the_low_answers_satisfied(tmp_path, header):
    """The header says 1 is the most satisfied: CSAT % is the share of 1s and 2s. The words were
    not read, 5 was taken as the most satisfied and CSAT % was the share of 4s and 5s (40.0
    instead of 50.0), without a word."""
    rows = [["id", "date", header], *[[f"R{n}", f"2025-03-{n + 1:02d}", s] for n, s in enumerate(SATISFACTION)]]
    path = write_csv(tmp_path / "visits.csv", rows)
    [csat] = [p for p in inspect_file(path).chosen if p.target == "csat"]
    assert csat.spec["direction"] == "lower_is_better" and "the header" in csat.describe()
    imported(path)
    satisfied = sum(s <= 2 for s in SATISFACTION)
    assert query(tmp_path, "SELECT responses, csat_pct FROM csat_by_month", db="x.db") == [
        (len(SATISFACTION), pct(satisfied, len(SATISFACTION)))]  # fmt: skip
    assert query(tmp_path, "SELECT csat_normalized FROM feedback WHERE source_record_id = 'R1'", db="x.db") == [(0.0,)]


@pytest.mark.parametrize(("header", "low_effort"), [
    ("How easy was it to resolve your issue? (1 = Very easy, 7 = Very difficult)", lambda e: e <= 2),
    ("How easy was it to resolve your issue? (1 = Very difficult, 7 = Very easy)", lambda e: e >= 6),
    ("The company made it easy to handle my issue (1 = Strongly disagree, 7 = Strongly agree)", lambda e: e >= 6),
])  # fmt: skip
def test_an_effort_header_s_end_words_decide_which_end_is_low_effort(tmp_path, header, low_effort):
    """CES % low effort counts the two best boxes of the end the words name: "1 = Very easy" makes
    1 and 2 the least effort whatever "How easy" would say of bare numbers (it reported the share
    of 6s and 7s, 40.0 instead of 20.0); the CES 2.0 agreement statement keeps agreeing the best."""
    rows = [["id", "date", header], *[[f"R{n}", f"2025-03-{n + 1:02d}", e] for n, e in enumerate(EFFORT)]]
    path = write_csv(tmp_path / "effort.csv", rows)
    imported(path)
    assert query(tmp_path, "SELECT responses, low_effort_pct FROM ces_by_month", db="x.db") == [
        (len(EFFORT), pct(sum(map(low_effort, EFFORT)), len(EFFORT)))]  # fmt: skip


@pytest.mark.parametrize(("low_label", "high_label", "satisfied"), [
    ("Very satisfied", "Very dissatisfied", lambda s: s <= 2),
    ("Very dissatisfied", "Very satisfied", lambda s: s >= 4),
    ("", "", lambda s: s >= 4),  # no labels: the wording's way, the most satisfied at the top
])  # fmt: skip
def test_a_google_forms_linear_scale_s_end_labels_decide_which_end_is_satisfied(
    tmp_path, user_key, low_label, high_label, satisfied,  # noqa: F811 — the fixture imported above
):
    """`scaleQuestion.lowLabel` / `highLabel` are what the respondent saw at each end of a linear
    scale: 1 labelled "Very satisfied" makes 1 and 2 the satisfied answers. They were not read,
    and the scale ran higher-is-better, counting the dissatisfied as satisfied."""
    account = store_account()
    scale = {"low": 1, "high": 5} | ({"lowLabel": low_label, "highLabel": high_label} if low_label else {})
    account.forms[FORM]["items"].insert(0, {"itemId": "0f0e0d0c", "title": "How satisfied were you with the checkout?",
                                            "questionItem": {"question": {"questionId": "3e3e3e3e",
                                                                          "scaleQuestion": scale}}})  # fmt: skip
    answers = SATISFACTION[: len(account.responses[FORM])]
    for response, answer in zip(account.responses[FORM], answers, strict=True):
        response["answers"]["3e3e3e3e"] = {"questionId": "3e3e3e3e", "textAnswers": {"answers": [{"value": str(answer)}]}}
    with google_forms(account) as api:
        result = sync_source(tmp_path, entry(api.url, user_key), name="visits")
    assert (result.written, result.quarantined) == (len(answers), 0), result.error
    assert query(tmp_path, "SELECT category, count(*) FROM feedback_scores WHERE question_id = '3e3e3e3e' "
                           "AND category = 'satisfied' GROUP BY category") == [
        ("satisfied", sum(map(satisfied, answers)))]  # fmt: skip


def test_a_hand_written_entry_without_a_direction_under_a_header_numbering_its_best_end_first_is_a_config_error(
    tmp_path,
):
    """A `[[metrics]]` entry giving only `metric = "csat"` under "(1 = Very satisfied, 5 = Very
    dissatisfied)" was read higher-is-better: every satisfied answer counted dissatisfied. As for
    a CES asking how much effort, the entry must say which way it runs; said, the figures follow."""
    header = "How satisfied are you with your visit? (1 = Very satisfied, 5 = Very dissatisfied)"
    path = write_csv(tmp_path / "visits.csv", [["id", "date", header], *[[f"R{n}", f"2025-03-{n + 1:02d}", s]
                                                                        for n, s in enumerate(SATISFACTION)]])  # fmt: skip
    entry = {"connector": "csv", "path": str(path), "columns": {"id": "id", "submitted_at": "date"},
             "metrics": [{"column": header, "metric": "csat", "scale": [1, 5]}]}  # fmt: skip
    with pytest.raises(ConfigError, match="no direction is set, so column .* would be read higher_is_better, but its "
                                          "header writes '1 - Very satisfied', '5 - Very dissatisfied'"):  # fmt: skip
        sync_source(tmp_path, entry, name="visits")
    entry["metrics"][0]["direction"] = "lower_is_better"
    result = sync_source(tmp_path, entry, name="visits")
    assert (result.written, result.quarantined) == (len(SATISFACTION), 0), result.error
    assert query(tmp_path, "SELECT csat_pct FROM csat_by_month") == [
        (pct(sum(s <= 2 for s in SATISFACTION), len(SATISFACTION)),)]  # fmt: skip


def test_an_entry_whose_direction_runs_against_its_header_s_words_is_a_config_error(tmp_path):
    """The same header under `direction = "higher_is_better"`: its words say lower is better and
    decide, as an API question's choices or end labels do under an override's direction — before,
    the entry was read its way and CSAT % counted the dissatisfied. Agreement words decide nothing
    (what agreeing means is the statement's): "(1 = Strongly agree, 5 = Strongly disagree)" under
    "It was hard to book" with `direction = "higher_is_better"` is read as set."""
    header = "How satisfied are you with your visit? (1 = Very satisfied, 5 = Very dissatisfied)"
    path = write_csv(tmp_path / "visits.csv", [["id", "date", header], *[[f"R{n}", f"2025-03-{n + 1:02d}", s]
                                                                        for n, s in enumerate(SATISFACTION)]])  # fmt: skip
    entry = {"connector": "csv", "path": str(path), "columns": {"id": "id", "submitted_at": "date"},
             "metrics": [{"column": header, "metric": "csat", "scale": [1, 5], "direction": "higher_is_better"}]}
    with pytest.raises(ConfigError) as refused:
        sync_source(tmp_path, entry, name="visits")
    assert (f'sources.visits.metrics.1: direction = "higher_is_better" is set, but column {header!r} '
            "writes '1 - Very satisfied', '5 - Very dissatisfied', labels of the built-in satisfaction (5 points) "
            'scale: lower is better; set direction = "lower_is_better", or map its answers under labels') in str(
        refused.value)  # fmt: skip
    agreement = "It was hard to book (1 = Strongly agree, 5 = Strongly disagree)"
    path = write_csv(tmp_path / "booking.csv", [["id", "date", agreement], ["R1", "2025-03-01", "2"]])
    entry = {"connector": "csv", "path": str(path), "columns": {"id": "id", "submitted_at": "date"},
             "metrics": [{"column": agreement, "metric": "ces", "scale": [1, 5], "direction": "higher_is_better"}]}
    assert sync_source(tmp_path, entry, name="booking", db="booking.db").written == 1


def test_a_google_forms_title_numbering_its_linear_scale_best_first_counts_the_low_answers_satisfied(
    tmp_path, user_key,  # noqa: F811 — the fixture imported above
):
    """A linear scale without end labels whose title writes them — "(1 = Very satisfied, 5 = Very
    dissatisfied)" — is read as a file's header is: 1 and 2 the satisfied answers. The title's
    words were read in files only; the form's scale ran higher-is-better, without a word."""
    account = store_account()
    title = "How satisfied were you with the checkout? (1 = Very satisfied, 5 = Very dissatisfied)"
    account.forms[FORM]["items"].insert(0, {"itemId": "0f0e0d0c", "title": title, "questionItem": {"question": {
        "questionId": "3e3e3e3e", "scaleQuestion": {"low": 1, "high": 5}}}})  # fmt: skip
    answers = SATISFACTION[: len(account.responses[FORM])]
    for response, answer in zip(account.responses[FORM], answers, strict=True):
        response["answers"]["3e3e3e3e"] = {"questionId": "3e3e3e3e", "textAnswers": {"answers": [{"value": str(answer)}]}}
    with google_forms(account) as api:
        result = sync_source(tmp_path, entry(api.url, user_key, questions={"3e3e3e3e": {"primary": True}}), name="visits")
    assert (result.written, result.quarantined) == (len(answers), 0), result.error
    assert query(tmp_path, "SELECT responses, csat_pct FROM csat_by_month") == [
        (len(answers), pct(sum(s <= 2 for s in answers), len(answers)))]  # fmt: skip
