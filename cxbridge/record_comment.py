"""Which free-text answer is a record's `comment`: the one that explains the score, never a name,
a town or a company asked first. Every survey connector decides it by the same rule (`explaining`);
a connector with config columns lets `[columns] comment` pick the question by hand."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from cxbridge.detection.keywords import mentions

if TYPE_CHECKING:
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
    asking, paragraphs, following = [], [], []
    after_score = False
    for reading in readings:
        if reading is not None and reading.is_comment:
            question = reading.question
            if mentions(question.text, "comment"):
                asking.append(question.id)
            elif question.paragraph:
                paragraphs.append(question.id)
            elif after_score and not names_who_or_where(question.text):
                following.append(question.id)
        after_score = reading is not None and reading.spec is not None
    return (*asking, *paragraphs, *following)


def record_comment(answered: Iterable[tuple[str, str]], preferred: Sequence[str] | None) -> str | None:
    """Of a record's comments (question id, text), the text of the first of the `preferred`
    questions (`explaining`) answered, else None rather than another text; without a preference
    (a stream of no survey definition), its first comment."""
    if preferred is None:
        return next((text for _, text in answered), None)
    texts = dict(answered)
    return next((texts[qid] for qid in preferred if qid in texts), None)
