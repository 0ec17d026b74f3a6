"""Freshdesk satisfaction ratings as feedback records. Each rating holds one value per survey
question on Freshdesk's own scale — 103 Extremely Happy … 100 Neutral … −103 Extremely Unhappy
(classic 3-point surveys: 1 Happy, 2 Neutral, 3 Unhappy) — which is read as a CSAT on as many
points as the survey question accepts, ordered from unhappy to happy. Those names are the seven
points' and the classic survey's: a question accepting only some of the seven values is read
unlabelled, its names undocumented. A rating of a survey or question not listed, or of a question
listed with no `accepted_ratings`, is quarantined (its points unknown), unless it holds only
classic values. A rating, or an `accepted_ratings` entry, that is not a whole number (a label,
null, true) is no point of the scale: the rating is quarantined naming it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cxbridge.errors import DataError
from cxbridge.metrics import MetricSpec
from cxbridge.normalize import AnswerInput, RecordBuilder
from cxbridge.quoted_values import quoted
from cxbridge.records import FeedbackRecord
from cxbridge.requester_contacts import contact_fields, requester_contact
from cxbridge.tabular.cells import whole_int
from cxbridge.timestamps import field_timestamp

LABELS = {
    103: "Extremely Happy", 102: "Very Happy", 101: "Happy", 100: "Neutral", -101: "Unhappy",
    -102: "Very Unhappy", -103: "Extremely Unhappy",
}  # fmt: skip
SEVEN_POINTS = (-103, -102, -101, 100, 101, 102, 103)
CLASSIC = {1: "Happy", 2: "Neutral", 3: "Unhappy"}  # classic surveys: 1 is the best answer
# ticket.source codes (Freshdesk's API documentation): 1 Email, 2 Portal, 3 Phone, 4 Forum, 5 Twitter,
# 6 Facebook, 7 Chat, 8 MobiHelp, 9 Feedback Widget, 10 Outbound Email, 11 Ecommerce, 12 Bot, 13 WhatsApp
SOURCES = {1: "email", 2: "web", 3: "phone", 4: "web", 5: "chat", 6: "chat", 7: "chat", 8: "app", 9: "web",
           10: "email", 11: "other", 12: "chat", 13: "chat"}  # fmt: skip


@dataclass(frozen=True)
class SurveyQuestion:
    text: str
    accepted: tuple[int, ...]  # the rating values this question takes, unhappy to happy
    unreadable: str = ""  # its accepted_ratings as listed, when an entry is no rating value (accepted is empty)

    @classmethod
    def listed(cls, text: str, accepted_ratings: Any) -> SurveyQuestion:
        """A question as `GET /api/v2/surveys` lists it: one `accepted_ratings` entry that is no
        whole number leaves the points unknown, as dropping it would shift the others."""
        given = accepted_ratings or []
        values = [whole_int(v) for v in given] if isinstance(given, list) else [None]
        if None in values:
            return cls(text, (), unreadable=repr(accepted_ratings))
        return cls(text, tuple(sorted(values)))  # type: ignore[type-var]

    def answer(self, question_id: str, value: Any, *, primary: bool) -> AnswerInput:
        if value in CLASSIC:  # a classic 3-point survey
            spec = MetricSpec(metric="csat", scale=(1, 3), labels={"Unhappy": 1, "Neutral": 2, "Happy": 3})
            return AnswerInput(question_id, 4 - value, self.text, label=CLASSIC[value], spec=spec, is_primary=primary)
        points = self.accepted
        if value not in points:
            raise DataError(f"rating {quoted(value)} of {question_id} is not one of the survey's {list(points)}",
                            field=f"ratings.{question_id}", kind="answer-outside-scale")  # fmt: skip
        spec = MetricSpec(metric="csat", scale=(1, len(points)))
        label = LABELS[value] if points == SEVEN_POINTS else None  # the reference names only all seven
        return AnswerInput(question_id, points.index(value) + 1, self.text, label=label, spec=spec, is_primary=primary)


@dataclass(frozen=True)
class TicketContext:
    channel: str | None
    group_id: str | None
    agent_id: str | None
    company_id: str | None
    tags: tuple[str, ...]
    requester: tuple[str, dict[str, str]] | None = None
    """(user id, contact field) of the requester embedded with include=requester (`_requester`)."""

    @classmethod
    def of(cls, ticket: dict[str, Any]) -> TicketContext:
        source = ticket.get("source")
        return cls(
            channel=SOURCES.get(source, "other") if source is not None else None,
            group_id=_text(ticket.get("group_id")),
            agent_id=_text(ticket.get("responder_id")),
            company_id=_text(ticket.get("company_id")),
            tags=tuple(ticket.get("tags") or ()),
            requester=_requester(ticket),
        )


def _requester(ticket: dict[str, Any]) -> tuple[str, dict[str, str]] | None:
    """The embedded requester's id and contact — `include=requester`: "the requester's email, id,
    mobile, name, and phone" (https://developers.freshdesk.com/api/#list_all_tickets): the address,
    else the mobile (one person's), else the phone (a landline may be a household's or an
    office's); None without an embedded requester or any of them."""
    requester = ticket.get("requester")
    if not isinstance(requester, dict) or not (contact := contact_fields(requester, phones=("mobile", "phone"))):
        return None
    user = _text(requester.get("id"))
    return None if user is None else (user, contact)


def with_requester(raw: dict[str, Any], context: TicketContext | None) -> dict[str, Any]:
    """`raw` with its user's contact (`requester_email` or `requester_phone`), when the rated
    ticket's requester is the user who rated (`user_id`): another contact's rating of the ticket
    gets none."""
    if context is None or context.requester is None or context.requester[0] != _text(raw.get("user_id")):
        return raw
    return {**raw, **context.requester[1]}


def normalize_rating(
    raw: dict[str, Any], builder: RecordBuilder, questions: dict[tuple[str, str], SurveyQuestion],
    context: TicketContext | None,
) -> FeedbackRecord:
    """`questions` by (survey id, question id). A question not listed — its survey deleted or out
    of the agent's sight, or the question missing from its listed survey — or listed accepting no
    ratings says nothing of its points: only the classic 1, 2, 3, the same on every survey, are read."""
    ratings = raw.get("ratings") or {}
    if not isinstance(ratings, dict) or not ratings:
        raise DataError(f"the rating has no ratings by question id: {quoted(ratings)}", field="ratings",
                        kind="no-ratings")  # fmt: skip
    survey = str(raw.get("survey_id"))
    values = {qid: _value(qid, value) for qid, value in _overall_spelled_once(ratings).items()}
    for qid, value in values.items():
        question = questions.get((survey, qid))
        if value not in CLASSIC and (question is None or not question.accepted):
            raise _points_unknown(survey, qid, value, questions)
    answers = [
        questions.get((survey, qid), SurveyQuestion(qid.replace("_", " "), ()))
        .answer(qid, value, primary=qid == "default_question")
        for qid, value in values.items()
    ]
    if raw.get("feedback"):
        answers.append(AnswerInput("feedback", raw["feedback"], "Feedback", is_comment=True))
    return build_rated(raw, builder, answers, context)


def _overall_spelled_once(ratings: dict[str, Any]) -> dict[str, Any]:
    """`ratings` with a `default_questions` read as the overall `default_question` — the reference
    names only the singular, test helpers of Freshdesk's own give classic surveys' the plural — unless
    the singular is there too: then it is the overall question and the plural a question of its own."""
    if "default_questions" not in ratings or "default_question" in ratings:
        return ratings
    return {"default_question" if qid == "default_questions" else qid: value for qid, value in ratings.items()}


def _value(question_id: str, given: Any) -> int:
    value = whole_int(given)
    if value is None:
        raise DataError(f"rating {quoted(given, known=LABELS.values())} of {question_id} is not a whole number: Freshdesk rates 103 Extremely "
                        "Happy … -103 Extremely Unhappy (classic surveys 1, 2, 3)", field=f"ratings.{question_id}",
                        kind="answer-not-whole-number")  # fmt: skip
    return value


def _points_unknown(
    survey: str, question_id: str, value: Any, questions: dict[tuple[str, str], SurveyQuestion]
) -> DataError:  # fmt: skip
    """Why a rating of a question whose points Freshdesk does not list is not scored, and what makes it so."""
    field = f"ratings.{question_id}"
    listed = questions.get((survey, question_id))
    if listed is not None and listed.unreadable:
        what = (f"question {question_id} of survey {survey} is listed with accepted_ratings {listed.unreadable} "
                "(GET /api/v2/surveys)")  # fmt: skip
        why, restored = "an entry is not a whole number", "with whole-number accepted ratings: check the question"
    elif listed is not None:
        what = f"question {question_id} of survey {survey} is listed with no accepted_ratings (GET /api/v2/surveys)"
        why, restored = "it names no rating it takes", "with its accepted ratings: check the question in the survey"
    elif any(listed == survey for listed, _ in questions):
        what = f"question {question_id} is not among survey {survey}'s questions Freshdesk lists (GET /api/v2/surveys)"
        why, restored = "removed from the survey", "restored"
    else:
        what = f"survey {survey} is not among the surveys Freshdesk lists (GET /api/v2/surveys)"
        field, why = "survey_id", "deleted, or not visible to the API key's agent"
        restored = "restored, or a key that sees it"
    return DataError(f"{what}: {why}, so which points it accepts is not known and {quoted(value)} is not scored on a guessed "
                     f"scale; once it is listed ({restored}), `cxbridge quarantine replay` reads the rating", field=field,
                     kind="unknown-scale")  # fmt: skip


def build_rated(
    raw: dict[str, Any], builder: RecordBuilder, answers: list[AnswerInput], context: TicketContext | None,
    *, attributes: dict[str, Any] | None = None,
) -> FeedbackRecord:  # fmt: skip
    """The record of a rating or survey response: its ticket, agent and group (`team`), its
    survey and user, and the rated ticket's context (channel, company, tags) where known — the
    ticket is no part of the raw record, so its tags are scrubbed here (`RecordBuilder.scrubbed`)."""
    fields = {"ticket_id": _text(raw.get("ticket_id")), "agent_id": _text(raw.get("agent_id")),
              "team": _text(raw.get("group_id")), "respondent_key": builder.respondent_key(requester_contact(raw))}  # fmt: skip
    attributes = dict(attributes or {})
    for key in ("survey_id", "user_id"):
        if raw.get(key):
            attributes[key] = raw[key]
    if context is not None:
        fields["channel"] = context.channel
        fields["agent_id"] = fields["agent_id"] or context.agent_id
        fields["team"] = fields["team"] or context.group_id
        if context.company_id:
            attributes["company_id"] = context.company_id
        if context.tags:
            attributes["tags"] = builder.scrubbed(list(context.tags))
    return builder.build(
        native_id=str(raw["id"]),
        raw=raw,
        answers=answers,
        submitted_at=field_timestamp(raw.get("created_at"), "created_at"),
        updated_at=field_timestamp(raw.get("updated_at"), "updated_at"),
        survey_id=_text(raw.get("survey_id")),
        attributes=attributes,
        **{key: value for key, value in fields.items() if value is not None},
    )


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)

