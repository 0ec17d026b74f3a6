"""Zendesk satisfaction ratings (legacy CSAT) as feedback records: `good`/`bad` on a 2-point
CSAT scale, the customer's comment, the reason, and the rated ticket's context — channel, group
(as `team`), assignee (as `agent_id`), organization and tags."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cxbridge.errors import DataError
from cxbridge.metrics import MetricSpec
from cxbridge.normalize import AnswerInput, RecordBuilder
from cxbridge.quoted_values import quoted
from cxbridge.requester_contacts import requester_contact
from cxbridge.records import FeedbackRecord
from cxbridge.timestamps import field_timestamp

CSAT = MetricSpec(metric="csat", scale=(1, 2), labels={"bad": 1, "good": 2})
QUESTION = "How would you rate the support you received?"
UNANSWERED = "ratings offered but not answered (score offered, unoffered or none)"
UNRATED = ("offered", "unoffered")  # scores (and rating_category of survey answers) of a survey sent, not rated
CHANNELS = {
    "email": "email", "web": "web", "web_form": "web", "web_widget": "web", "chat": "chat",
    "native_messaging": "chat", "messaging": "chat", "whatsapp": "chat", "facebook": "chat", "twitter": "chat",
    "instagram_dm": "chat", "voice": "phone", "phone": "phone", "sms": "sms", "mobile": "app", "mobile_sdk": "app",
}  # fmt: skip


@dataclass(frozen=True)
class TicketContext:
    channel: str | None
    group_id: str | None
    assignee_id: str | None
    organization_id: str | None
    tags: tuple[str, ...]

    @classmethod
    def of(cls, ticket: dict[str, Any]) -> TicketContext:
        via = (ticket.get("via") or {}).get("channel")
        return cls(
            channel=CHANNELS.get(str(via), "other") if via else None,
            group_id=_text(ticket.get("group_id")),
            assignee_id=_text(ticket.get("assignee_id")),
            organization_id=_text(ticket.get("organization_id")),
            tags=tuple(ticket.get("tags") or ()),
        )


def unanswered(raw: dict[str, Any]) -> str | None:
    """Why a rating is no feedback: `offered` (survey sent, no answer), `unoffered` and missing
    scores without a comment, which `score=received` should keep out of the listing; None for any
    other (an unknown score is the record's problem: quarantined by `normalize_rating`)."""
    return UNANSWERED if _unrated(raw) and not _commented(raw) else None


def normalize_rating(raw: dict[str, Any], builder: RecordBuilder, context: TicketContext | None) -> FeedbackRecord:
    """A `good` or `bad` rating scored; an unrated one with a comment (what `unanswered` lets
    through) keeps its comment and no score, as an unrated survey response does."""
    score = raw.get("score")
    if not _unrated(raw) and score not in ("good", "bad"):
        raise DataError(f"score {quoted(score)} is not a rating (good or bad)", field="score", kind="unknown-rating")
    answers = [] if _unrated(raw) else [AnswerInput("score", score, QUESTION, label=score, spec=CSAT, is_primary=True)]
    if _commented(raw):
        answers.append(AnswerInput("comment", raw["comment"], "Comment", is_comment=True))
    attributes = {key: raw[key] for key in ("reason", "reason_code", "reason_id", "requester_id") if raw.get(key)}
    fields: dict[str, Any] = {
        "ticket_id": _text(raw.get("ticket_id")),
        "agent_id": _text(raw.get("assignee_id")),
        "team": _text(raw.get("group_id")),
        "respondent_key": builder.respondent_key(requester_contact(raw)),
    }
    with_ticket_context(fields, attributes, context, builder=builder)
    return builder.build(
        native_id=str(raw["id"]),
        raw=raw,
        answers=answers,
        submitted_at=field_timestamp(raw.get("created_at"), "created_at"),
        updated_at=field_timestamp(raw.get("updated_at"), "updated_at"),
        attributes=attributes,
        **{key: value for key, value in fields.items() if value is not None},
    )


def with_ticket_context(
    fields: dict[str, Any], attributes: dict[str, Any], context: TicketContext | None, *, builder: RecordBuilder
) -> None:
    """The rated ticket's channel, agent and group into `fields`, its organization and tags into
    `attributes` (what the rating names itself wins); the ticket is no part of the raw record, so
    its tags are scrubbed here (a tag that is an e-mail address as its `hashed:` key)."""
    if context is None:
        return
    fields["channel"] = context.channel
    fields["agent_id"] = fields.get("agent_id") or context.assignee_id
    fields["team"] = fields.get("team") or context.group_id
    if context.organization_id:
        attributes["organization_id"] = context.organization_id
    if context.tags:
        attributes["tags"] = builder.scrubbed(list(context.tags))


def _unrated(raw: dict[str, Any]) -> bool:
    return raw.get("score") in (*UNRATED, None)


def _commented(raw: dict[str, Any]) -> bool:
    return bool(str(raw.get("comment") or "").strip())


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)

