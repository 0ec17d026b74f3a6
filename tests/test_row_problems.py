"""A row that breaks several rules is quarantined with every problem one read of it finds — a bad
date and a mistyped answer, two mistyped answers — so that one fix and one replay mend it; the
summary counts it once, by the rule of its first problem."""

from __future__ import annotations

from tests.conftest import Workspace, survey_row


def test_a_row_with_a_bad_date_and_two_mistyped_answers_is_quarantined_with_all_three(tmp_path):
    workspace = Workspace(tmp_path)
    broken = survey_row(1)
    broken[1], broken[3], broken[4] = "notadate", "elevn", "Satisfed"
    workspace.write_csv([broken, survey_row(2)])
    result = workspace.sync().results[0]
    assert (result.written, result.quarantined) == (1, 1)
    [(error, field)] = workspace.query("SELECT error, field FROM quarantine")
    problems = error.split(" · also: ")
    assert [problem.split(":")[0] for problem in problems] == ["column 'submitted'", "question 'nps'",
                                                               "question 'satisfaction'"]  # fmt: skip
    assert "is not a date this importer knows" in problems[0]
    assert all("(a word of" in problem and "not shown)" in problem for problem in problems)  # no value shown
    assert field == "submitted"
    assert result.quarantine_rules == {"unreadable-date": 1}


def test_a_row_with_one_problem_keeps_its_reason_as_it_was(tmp_path):
    workspace = Workspace(tmp_path)
    broken = survey_row(1)
    broken[3] = "elevn"
    workspace.write_csv([broken])
    workspace.sync()
    [(error,)] = workspace.query("SELECT error FROM quarantine")
    assert error.startswith("question 'nps': answer (a word of 5 letters, not shown) is neither a number")
    assert " · also: " not in error
