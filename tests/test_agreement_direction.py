"""Agreement words ("Strongly disagree" … "Strongly agree") under an explicit `direction`, read one
way by a file's column and an API question's listed options: agreement keeps its built-in values
(Strongly agree 5) whichever end is best — what agreeing means is the statement's, which the
direction states (docs/files.md#agreement-under-a-direction)."""

from __future__ import annotations

from typing import Any

import pytest

from cxbridge.plugins.questionpro.source import QuestionProSource
from tests.questionpro_api import API_KEY, QuestionProAccount, qp_question, qp_response, questionpro
from tests.sqlite_runs import query, sync_source

AGREEMENT = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]
ANSWERS = ["Strongly agree", "Agree", "Strongly disagree", "Neither agree nor disagree", "Strongly agree"]
STATEMENTS = [  # statement, metric, direction, what agreeing is
    ("I was not satisfied with the support", "csat", "lower_is_better", "dissatisfied"),
    ("It was difficult to reach the right person", "ces", "lower_is_better", "high_effort"),
    ("I was satisfied with the support", "csat", "higher_is_better", "satisfied"),
]
OTHER_END = {"dissatisfied": "satisfied", "satisfied": "dissatisfied", "high_effort": "low_effort"}


def expected(agreeing: str) -> list[tuple[float, str]]:
    """Each answer's value and category: agreement's own value, the direction saying which end is good."""
    middle = "neutral"
    category = {"Strongly agree": agreeing, "Agree": agreeing, "Strongly disagree": OTHER_END[agreeing]}
    return [(AGREEMENT.index(answer) + 1.0, category.get(answer, middle)) for answer in ANSWERS]


def stored(tmp_path) -> list[tuple[float, str]]:
    return query(tmp_path, "SELECT value, category FROM feedback_scores JOIN feedback USING (record_id) "
                           "ORDER BY submitted_at")  # fmt: skip


@pytest.mark.parametrize(("statement", "metric", "direction", "agreeing"), STATEMENTS)
def test_a_file_column_of_agreement_under_a_direction_is_valued_without_labels(tmp_path, statement, metric,
                                                                               direction, agreeing):  # fmt: skip
    """An entry naming metric, scale and direction, no `labels`: the built-in agreement scale values
    the words, as an API question's listed options are. Under lower_is_better every row was
    quarantined asking for `labels`."""
    (tmp_path / "agree.csv").write_text(
        f"Submitted,{statement}\n" + "".join(f"2025-01-{n + 1:02d},{a}\n" for n, a in enumerate(ANSWERS)),
        encoding="utf-8",
    )
    entry = {"column": statement, "metric": metric, "scale": [1, 5], "direction": direction}
    result = sync_source(tmp_path, {"connector": "csv", "path": "agree.csv", "columns": {"submitted_at": "Submitted"},
                                    "metrics": [entry]})  # fmt: skip
    assert (result.written, result.quarantined) == (len(ANSWERS), 0), result.error
    assert stored(tmp_path) == expected(agreeing)


def agreement_survey(statement: str, *, listed: bool) -> QuestionProAccount:
    """The support survey whose question 9002 is `statement` answered in agreement words, its
    options listed as agreement (`listed`) or not listed at all."""
    account = QuestionProAccount(questions={7654321: [qp_question(9002, "Q2", statement, AGREEMENT)] if listed else []})
    responses = []
    for n, answer in enumerate(ANSWERS, start=1):
        response = qp_response(n)
        response["responseSet"] = [{"questionID": 9002, "questionCode": "Q2", "questionText": statement,
                                    "answerValues": [{"answerID": 9002000 + AGREEMENT.index(answer) + 1,
                                                      "answerText": answer,
                                                      "value": {"scale": str(AGREEMENT.index(answer) + 1), "text": ""}}]}]  # fmt: skip
        responses.append(response)
    account.responses[7654321] = responses
    return account


@pytest.mark.parametrize("listed", [True, False])
@pytest.mark.parametrize(("statement", "metric", "direction", "agreeing"), STATEMENTS)
def test_an_api_question_of_agreement_under_a_direction_reads_as_the_file_does(tmp_path, monkeypatch, statement,
                                                                                metric, direction, agreeing, listed):  # fmt: skip
    """The same statement and answers through QuestionPro, the override naming the file entry's
    metric, scale and direction: the same values and categories, whether the question list gives
    the agreement options (read so before) or none — each answer then told by the built-in labels,
    as a file's cell is (under lower_is_better every one was quarantined before, as in a file)."""
    monkeypatch.setenv("QUESTIONPRO_API_KEY", API_KEY)
    monkeypatch.setattr(QuestionProSource, "sleep", staticmethod(lambda seconds: None))
    with questionpro(agreement_survey(statement, listed=listed)) as api:
        source: dict[str, Any] = {"connector": "questionpro", "base_url": api.url, "api_key": "${QUESTIONPRO_API_KEY}",
                                  "surveys": [7654321],
                                  "questions": {"9002": {"metric": metric, "scale": [1, 5], "direction": direction}}}  # fmt: skip
        result = sync_source(tmp_path, source, name="support")
    assert (result.status, result.written, result.quarantined) == ("success", len(ANSWERS), 0), result.error
    assert stored(tmp_path) == expected(agreeing)


@pytest.mark.parametrize("direction", ["lower_is_better", "higher_is_better"])
def test_agreement_numbered_against_its_values_is_quarantined_asking_for_labels_under_either_direction(tmp_path,
                                                                                                     direction):  # fmt: skip
    """'1 - Strongly agree' … '5 - Strongly disagree': the numbers run against agreement's values, which no
    direction turns round, so a direction cannot settle it — the rows are quarantined asking for `labels`, and
    with them written as numbered. Before, lower_is_better scored them by their numbers while the same
    words alone read 5, and higher_is_better's reason asked to set lower_is_better."""
    numbered = [f"{6 - AGREEMENT.index(answer) - 1} - {answer}" for answer in ANSWERS]  # Strongly agree is 1
    (tmp_path / "agree.csv").write_text(
        "Submitted,I was satisfied with the support\n"
        + "".join(f"2025-01-{n + 1:02d},{a}\n" for n, a in enumerate(numbered)),
        encoding="utf-8",
    )
    entry = {"column": "I was satisfied with the support", "metric": "csat", "scale": [1, 5], "direction": direction}
    source = {"connector": "csv", "path": "agree.csv", "columns": {"submitted_at": "Submitted"}, "metrics": [entry]}
    result = sync_source(tmp_path, source)
    against = [answer for answer in numbered if not answer.startswith(("3 -",))]
    assert (result.written, result.quarantined) == (len(numbered) - len(against), len(against)), result.error
    reasons = [error for (error,) in query(tmp_path, "SELECT error FROM quarantine")]
    assert all("numbered the other way round" in why and "map its answers under 'labels'" in why
               and "set direction" not in why for why in reasons), reasons  # fmt: skip
    labels = {f"{n} - {word}": n for n, word in enumerate(reversed(AGREEMENT), start=1)}
    mapped = sync_source(tmp_path, {**source, "metrics": [{**entry, "labels": labels}]}, db="mapped.db")
    assert (mapped.written, mapped.quarantined) == (len(numbered), 0), mapped.error
