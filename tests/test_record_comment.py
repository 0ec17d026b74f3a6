"""A record's comment is the free text that explains the score (`cxbridge.record_comment`): the
rule every survey connector shares, on questions read by a real `QuestionPlan`."""

from __future__ import annotations

import pytest

from cxbridge.questions import Question, QuestionPlan
from cxbridge.record_comment import explaining, explaining_answers, names_who_or_where, record_comment

NPS = Question("nps", "How likely are you to recommend us?", "nps", scale=(0.0, 10.0))


def _explaining(*questions: Question) -> tuple[str, ...]:
    plan = QuestionPlan({}, where="sources.test")
    return explaining(plan.reading(question) for question in questions)


@pytest.mark.parametrize("title", [
    "Which company do you work for?", "Your organisation", "Organization name", "Name of your employer",
    "Which store did you visit?", "Branch", "Department", "Nazwa firmy", "Dział", "Unternehmen",
    "Abteilung", "Empresa", "Departamento", "Votre entreprise", "Société", "Компания", "Отдел", "Ваш работодатель",
])  # fmt: skip
def test_a_title_naming_a_company_organisation_store_or_department_says_who_or_where(title):
    assert names_who_or_where(title)


@pytest.mark.parametrize("title", ["The one thing we could do better?", "Confirma lo que más te gustó"])
def test_a_title_naming_no_one_and_nowhere_does_not(title):
    assert not names_who_or_where(title)


def test_the_questions_explaining_the_score_come_best_first_and_a_company_after_the_score_is_none():
    company = Question("company", "Which company do you work for?", "text")
    short = Question("next", "Your favourite product?", "text")
    essay = Question("essay", "Describe your visit", "text", paragraph=True)
    why = Question("why", "Why did you give that score?", "text")
    name = Question("name", "What is your name?", "text")
    assert _explaining(name, NPS, company, short, essay, why) == ("why", "essay")
    assert _explaining(name, NPS, short, company) == ("next",)
    assert _explaining(company, NPS) == ()


def test_the_record_comment_is_the_first_preferred_answered_else_none_and_without_preference_the_first():
    comments = [("town", "Lyon"), ("why", "Fast")]
    assert record_comment(comments, ("essay", "why")) == "Fast"
    assert record_comment(comments, ("essay",)) is None
    assert record_comment(comments, None) == "Lyon"
    assert record_comment([], None) is None


def test_answers_without_a_definition_follow_the_same_rule_in_the_order_given():
    plan = QuestionPlan({}, where="sources.test")
    name = plan.answer(Question("name", "First Name", "text"), "Ann")
    score = plan.answer(NPS, 9)
    beside = plan.answer(Question("nps_other", "How likely are you to recommend us? - Other", "text"), "Kind staff")
    assert explaining_answers([name, score, beside]) == ("nps_other",)
    assert explaining_answers([score, name]) == ()
