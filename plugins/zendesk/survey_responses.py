"""Zendesk's newer CSAT — survey responses (`GET /api/v2/guide/survey_responses`) — as feedback
records: the customer-satisfaction rating question scored as CSAT on the configured scale (other
rating questions as `rating`), open-ended answers as comments, chosen options kept, skipped
questions left out; the rated ticket from the response's subjects."""

from __future__ import annotations

from typing import Any

from cxbridge.errors import DataError
from cxbridge.metrics import MetricSpec
from cxbridge.normalize import AnswerInput, RecordBuilder
from cxbridge.plugins.zendesk.ratings import TicketContext, with_ticket_context
from cxbridge.records import FeedbackRecord
from cxbridge.timestamps import field_timestamp


def created_at(raw: dict[str, Any]) -> str | None:
    """When the response was answered: its earliest answer (the object carries no time itself)."""
    times = [answer["created_at"] for answer in raw.get("answers") or [] if answer.get("created_at")]
    return min(times) if times else None


def ticket_of(raw: dict[str, Any]) -> str | None:
    return next((str(s["id"]) for s in raw.get("subjects") or [] if s.get("type") == "ticket"), None)


def normalize_survey_response(
    raw: dict[str, Any], builder: RecordBuilder, context: TicketContext | None, scale: tuple[int, int]
) -> FeedbackRecord:
    answers = [found for answer in raw.get("answers") or [] if (found := _answer(answer, scale)) is not None]
    answered = [a for a in raw.get("answers") or [] if a.get("type") != "skipped"]
    if not answered:
        raise DataError("the survey response has no answer (every question skipped)", field="answers")
    categories = [a["rating_category"] for a in answered if a.get("rating_category")]
    attributes: dict[str, Any] = {"responder_id": raw.get("responder_id"), "survey_version": (raw.get("survey") or {}).get("version")}
    if categories:
        attributes["rating_category"] = categories[0]
    fields: dict[str, Any] = {"ticket_id": ticket_of(raw), "survey_id": (raw.get("survey") or {}).get("id")}
    with_ticket_context(fields, attributes, context)
    return builder.build(
        native_id=str(raw["id"]),
        raw=raw,
        answers=answers,
        submitted_at=field_timestamp(created_at(raw), "answers.created_at"),
        updated_at=field_timestamp(max((a["updated_at"] for a in answered if a.get("updated_at")), default=None), "answers.updated_at"),
        attributes={key: value for key, value in attributes.items() if value is not None},
        **{key: value for key, value in fields.items() if value is not None},
    )


def _answer(answer: dict[str, Any], scale: tuple[int, int]) -> AnswerInput | None:
    question = answer.get("question") or {}
    qid = str(question.get("id") or answer.get("question_id"))
    text = _text(question.get("headline")) or question.get("alias") or qid
    kind = answer.get("type")
    if kind == "rating_scale":
        satisfaction = question.get("sub_type") == "customer_satisfaction"
        spec = MetricSpec(metric="csat" if satisfaction else "rating", scale=scale)
        return AnswerInput(qid, answer.get("rating"), text, spec=spec, is_primary=satisfaction)
    if kind == "open_ended":
        return AnswerInput(qid, answer.get("value"), text, is_comment=True)
    if kind == "closed_ended":
        return AnswerInput(qid, [s.get("option_id") for s in answer.get("selections") or []], text)
    return None  # skipped


def _text(content: Any) -> str | None:
    return content.get("value") if isinstance(content, dict) else content

