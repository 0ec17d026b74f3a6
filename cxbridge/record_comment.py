"""Which free-text answer is a record's `comment`: the one that explains the score, never a name,
a town or a company asked first. Every survey connector decides it by the same rule (`explaining`);
a connector with config columns lets `[columns] comment` pick the question by hand."""

from __future__ import annotations

from collections.abc import Container, Iterable, Sequence
from typing import TYPE_CHECKING

from cxbridge.detection.keywords import mentions

if TYPE_CHECKING:
    from cxbridge.normalize import AnswerInput
    from cxbridge.questions import Reading

WHO_OR_WHERE = ("personal", "email", "phone", "address", "postcode", "location", "organisation")
"""Roles of `cxbridge.detection` a title names when its answer says who or where, not why."""


def names_who_or_where(text: str) -> bool:
    """Whether a question's wording asks for a person, a contact, a place or an organisation."""
    return any(mentions(text, role) for role in WHO_OR_WHERE)


def explaining(readings: Iterable[Reading | None]) -> tuple[str, ...]:
    """The free-text questions whose answer is a record's `comment`, best first, of a survey's
    readings in its order (None: a question not read as an answer): those whose wording asks for a
    comment or a reason (the words a file's comment header is read by), then paragraphs (long
    texts), then a short text right after a scored question that `names_who_or_where` not. Any other
    short text is a comment of its own (`feedback_comments`), never the record's."""
    return explaining_in_order(
        None if reading is None else (reading.question.id, reading.question.text, reading.is_comment,
                                      reading.spec is not None, reading.question.paragraph)
        for reading in readings
    )  # fmt: skip


def explaining_answers(
    answers: Iterable[AnswerInput | None], *, paragraphs: Container[str] = (), in_order: bool = True
) -> tuple[str, ...]:
    """`explaining` of the answers of one record, for a stream that knows its questions by their
    answers: `paragraphs` the ids of those its source calls long text (none told: none), and
    `in_order` False where the answers come in no documented order, so no short text is told to
    follow the score (Salesforce's SurveyQuestionResponse rows whose questions' order is not known)."""
    return explaining_in_order(
        None if answer is None else (answer.question_id, answer.question_text or "", answer.is_comment,
                                     in_order and answer.spec is not None, answer.question_id in paragraphs)
        for answer in answers
    )  # fmt: skip


def explaining_in_order(questions: Iterable[tuple[str, str, bool, bool, bool] | None]) -> tuple[str, ...]:
    """`explaining` of (id, wording, is a comment, is scored, is a paragraph) in the survey's order:
    a file's columns (`cxbridge inspect`) as much as a survey's questions."""
    asking, paragraphs, following = [], [], []
    after_score = False
    for question in questions:
        if question is not None and question[2]:
            qid, text, _, _, paragraph = question
            if mentions(text, "comment"):
                asking.append(qid)
            elif paragraph:
                paragraphs.append(qid)
            elif after_score and not names_who_or_where(text):
                following.append(qid)
        after_score = question is not None and question[3]
    return (*asking, *paragraphs, *following)


def record_comment(answered: Iterable[tuple[str, str]], preferred: Sequence[str] | None) -> str | None:
    """Of a record's comments (question id, text), the text of the first of the `preferred`
    questions (`explaining`) answered, else None rather than another text; without a preference
    (a stream of no survey definition), its first comment."""
    if preferred is None:
        return next((text for _, text in answered), None)
    texts = dict(answered)
    return next((texts[qid] for qid in preferred if qid in texts), None)
