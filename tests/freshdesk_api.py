"""Freshdesk played on 127.0.0.1 as its API v2 documents it (../shared/reference/api_reference.md
§5): API-key basic auth (`key:X`), bare JSON arrays paged by `page`/`per_page` with a `Link`
header, satisfaction ratings filtered by `created_since`, surveys with `accepted_ratings`, tickets
by `updated_since`, the `X-RateLimit-*` headers, and Freshdesk's error bodies. Lists asked without a
time filter hold only the last 30 days — documented for tickets, assumed here for ratings too
([U]: not confirmed for ratings in the stored sources)."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from tests.local_api import FakeApi, Reply, Seen, fake_api

REAL_HOST = "https://acme.freshdesk.com"
API_KEY = "fd-key-8a21c4e9"


def rating(n: int, value: int = 103, *, created: str | None = None, feedback: str = "", extra: dict | None = None,
           survey: int = 1) -> dict[str, Any]:  # fmt: skip
    at = created or f"2026-05-{n % 27 + 1:02d}T08:00:00Z"
    return {"id": 9100 + n, "survey_id": survey, "user_id": 400 + n, "agent_id": 77, "feedback": feedback,
            "group_id": 12, "ticket_id": 600 + n, "created_at": at, "updated_at": at,
            "ratings": {"default_question": value, **(extra or {})}}  # fmt: skip


def ticket(n: int, *, source: int = 1, tags: tuple[str, ...] = ("delivery",)) -> dict[str, Any]:
    return {"id": 600 + n, "subject": f"Order {n}", "source": source, "status": 5, "group_id": 12,
            "responder_id": 77, "company_id": 31, "tags": list(tags), "requester_id": 400 + n,
            "updated_at": f"2026-05-{n % 27 + 1:02d}T09:00:00Z"}  # fmt: skip


SURVEYS = [
    {"id": 1, "title": "Default satisfaction survey", "active": True, "created_at": "2025-01-01T00:00:00Z",
     "updated_at": "2025-01-01T00:00:00Z",
     "questions": [{"id": "default_question", "label": "How would you rate your overall satisfaction?",
                    "accepted_ratings": [103, 102, 101, 100, -101, -102, -103], "default": True},
                   {"id": "question_4", "label": "Was the agent knowledgeable?",
                    "accepted_ratings": [103, 100, -103], "default": False}]},
]  # fmt: skip


def now() -> str:
    """The time a ticket is made or changed through the API: the real one, as cases open at it."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Helpdesk:
    ratings: list[dict[str, Any]] = field(default_factory=list)
    tickets: list[dict[str, Any]] = field(default_factory=list)
    limit_total: int = 200
    remaining: int = 200
    today: str = "2026-06-01T00:00:00Z"
    refusal: Reply | None = None  # what every request gets instead (a restricted agent, a wrong domain)
    surveys: list[dict[str, Any]] = field(default_factory=lambda: list(SURVEYS))  # the classic surveys
    csat_surveys: list[dict[str, Any]] = field(default_factory=list)  # the newer customer-satisfaction surveys
    csat_responses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # survey id → its responses
    url: str = ""
    created: dict[int, dict[str, Any]] = field(default_factory=dict)  # tickets made through POST /api/v2/tickets
    lose_answers: int = 0  # the answers to this many creations are lost: the connection drops instead
    unindexed: set[int] = field(default_factory=set)  # tickets the search does not show yet (its index lags)
    contacts: dict[int, str | None] = field(default_factory=dict)  # requester id → e-mail, embedded with include=requester
    numbers: dict[int, dict[str, str]] = field(default_factory=dict)  # requester id → their `phone` and `mobile`

    def serve(self, api: FakeApi) -> None:
        self.url = api.url
        api.route("GET", "/api/v2/surveys/satisfaction_ratings")(self.list_ratings)
        api.route("GET", "/api/v2/surveys")(self.list_surveys)
        api.route("GET", "/api/v2/tickets")(self.list_tickets)
        api.route("POST", "/api/v2/tickets")(self.create_ticket)
        api.route("GET", "/api/v2/search/tickets")(self.search_tickets)
        api.route("GET", "/api/v2/customer-satisfaction/surveys")(self.list_csat_surveys)
        api.route("GET", "/api/v2/customer-satisfaction/surveys/([^/]+)/responses")(self.list_csat_responses)

    def refused(self, seen: Seen) -> Reply | None:
        expected = "Basic " + base64.b64encode(f"{API_KEY}:X".encode()).decode()
        if {k.lower(): v for k, v in seen.headers.items()}.get("authorization") != expected:
            return Reply(401, {"code": "invalid_credentials", "message": "You have to be logged in to perform this action."})
        return self.refusal

    def page(self, seen: Seen, items: list[Any]) -> Reply:
        page, per_page = int(seen.query.get("page", 1)), int(seen.query.get("per_page", 30))
        chunk = items[(page - 1) * per_page : page * per_page]
        self.remaining = max(self.remaining - 1, 0)
        headers = {"X-RateLimit-Total": str(self.limit_total), "X-RateLimit-Remaining": str(self.remaining),
                   "X-RateLimit-Used-CurrentRequest": "1"}  # fmt: skip
        if page * per_page < len(items):
            query = "&".join(f"{k}={v}" for k, v in {**seen.query, "page": page + 1}.items())
            headers["Link"] = f'<{self.url}{seen.path}?{query}>; rel="next"'
        return Reply(body=chunk, headers=headers)

    def token_page(self, seen: Seen, items: list[Any]) -> Reply:
        """A customer-satisfaction page: `{"data": [...], "paging": {"next": URL}}`, the next page's
        URL carrying `per_page` and an opaque `next_token` (default 30 a page, at most 100)."""
        per_page = int(seen.query.get("per_page", 30))
        if per_page > 100:
            return Reply(400, {"description": "Validation failed",
                               "errors": [{"field": "per_page", "message": "It should be less than or equal to 100",
                                           "code": "invalid_value"}]})  # fmt: skip
        token = seen.query.get("next_token")
        start = int(token.removeprefix("after-")) if token else 0
        chunk = items[start : start + per_page]
        self.remaining = max(self.remaining - 1, 0)
        headers = {"X-RateLimit-Total": str(self.limit_total), "X-RateLimit-Remaining": str(self.remaining)}
        more = start + per_page < len(items)
        link = f"{self.url}{seen.path}?per_page={per_page}&next_token=after-{start + per_page}" if more else None
        return Reply(body={"data": chunk, "paging": {"next": link, "previous": None}}, headers=headers)

    def list_csat_surveys(self, seen: Seen, match: Any) -> Any:
        return self.refused(seen) or self.token_page(seen, self.csat_surveys)

    def list_csat_responses(self, seen: Seen, match: Any) -> Any:
        if refused := self.refused(seen):
            return refused
        if not self.csat_responses.get(match.group(1)):  # no responses yet: 404, as tap-freshdesk found
            return Reply(404, {"code": "not_found", "message": "Record not found"})
        return self.token_page(seen, self.csat_responses[match.group(1)])

    def list_ratings(self, seen: Seen, match: Any) -> Any:
        if refused := self.refused(seen):
            return refused
        since = seen.query.get("created_since") or self.days_ago(30)
        if since > self.today:
            return Reply(400, {"description": "Validation failed",
                               "errors": [{"field": "created_since", "message": "It should be a date in the past",
                                           "code": "invalid_value"}]})  # fmt: skip
        return self.page(seen, [r for r in self.ratings if r["created_at"] >= since])

    def days_ago(self, days: int) -> str:
        return (datetime.fromisoformat(self.today.replace("Z", "+00:00")) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def list_surveys(self, seen: Seen, match: Any) -> Any:
        return self.refused(seen) or self.page(seen, self.surveys)

    def list_tickets(self, seen: Seen, match: Any) -> Any:
        if refused := self.refused(seen):
            return refused
        if seen.query.get("order_by") not in (None, "updated_at", "created_at"):
            return Reply(400, {"description": "Validation failed",
                               "errors": [{"field": "order_by", "message": "It should be one of these values: "
                                           "'created_at,due_by,updated_at,status'", "code": "invalid_value"}]})  # fmt: skip
        since = seen.query.get("updated_since") or self.days_ago(30)
        every = [*self.tickets, *self.created.values()]
        chosen = sorted((t for t in every if t["updated_at"] >= since), key=lambda t: t["updated_at"])
        if "requester" in seen.query.get("include", "").split(","):
            chosen = [t | {"requester": self.requester(t.get("requester_id"))} for t in chosen]
        return self.page(seen, chosen)

    def requester(self, contact: Any) -> dict[str, Any]:
        """A ticket's requester as `include=requester` embeds it: "the requester's email, id, mobile,
        name, and phone" (https://developers.freshdesk.com/api/#list_all_tickets)."""
        return {"email": self.contacts.get(contact), "id": contact, "mobile": None, "name": f"Customer {contact}",
                "phone": None, **self.numbers.get(contact, {})}  # fmt: skip

    def create_ticket(self, seen: Seen, match: Any) -> Any:
        """Create a Ticket (developers.freshdesk.com/api/#create_ticket): subject, description and
        a requester (email, requester_id, phone, …) are needed; status 2–5, priority 1–4; 201
        with the ticket."""
        if refused := self.refused(seen):
            return refused
        given = seen.json()
        errors = [{"field": key, "message": "It should not be blank as this is a mandatory field", "code": "missing_field"}
                  for key in ("subject", "description") if not given.get(key)]  # fmt: skip
        if not any(given.get(key) for key in ("email", "requester_id", "phone", "unique_external_id")):
            errors.append({"field": "requester_id", "message": "Please fill at least 1 of email, mobile, phone, "
                           "requester_id, twitter_id, facebook_id, unique_external_id fields", "code": "missing_field"})  # fmt: skip
        if given.get("status", 2) not in (2, 3, 4, 5) or given.get("priority", 1) not in (1, 2, 3, 4):
            errors.append({"field": "status", "message": "It should be one of these values: '2,3,4,5'", "code": "invalid_value"})
        if errors:
            return Reply(400, {"description": "Validation failed", "errors": errors})
        made = now()
        ticket = {"id": 800 + len(self.created), "status": 2, "priority": 1, "created_at": made, "updated_at": made, **given}
        self.created[ticket["id"]] = ticket
        if self.lose_answers > 0:
            self.lose_answers -= 1
            return Reply(drop=True)
        return Reply(201, ticket)

    def search_tickets(self, seen: Seen, match: Any) -> Any:
        """Filter Tickets (`query="tag:'x'"`, the only filter played here): `{"results", "total"}`."""
        if refused := self.refused(seen):
            return refused
        found = re.fullmatch(r"\"tag:'([^']+)'\"", seen.query.get("query", ""))
        if found is None:
            return Reply(400, {"description": "Validation failed",
                               "errors": [{"field": "query", "message": "Given query is invalid", "code": "invalid_value"}]})  # fmt: skip
        results = [t for t in self.created.values() if found.group(1) in t.get("tags", []) and t["id"] not in self.unindexed]
        return {"results": results, "total": len(results)}


@contextmanager
def freshdesk(helpdesk: Helpdesk) -> Iterator[FakeApi]:
    with fake_api() as api:
        helpdesk.serve(api)
        yield api


def support_helpdesk() -> Helpdesk:
    helpdesk = Helpdesk()
    helpdesk.ratings = [rating(1, 103, feedback="Super quick", extra={"question_4": 103}), rating(2, -102),
                        rating(3, 100, extra={"question_4": -103}), rating(4, 101)]  # fmt: skip
    helpdesk.tickets = [ticket(1), ticket(2, source=3, tags=("refund",)), ticket(3, source=7), ticket(4, source=2)]
    return helpdesk


# --- the newer customer-satisfaction surveys ---------------------------------------------------
# Shapes as documented for GET /api/v2/customer-satisfaction/surveys and …/surveys/{id}/responses
# (https://developers.freshdesk.com/api/#customer-satisfaction_new, as singer-io/tap-freshdesk's
# schemas/csat_surveys.json and schemas/survey_responses.json at commit df646c6 record the fields,
# AGPL-3.0; the survey's id, title, header message and first question are those of the reference's
# example as tap-freshdesk's tests/unittests/test_token_paginated_mixin.py and withone.ai's copy of
# the reference quote them). The scales, labels, score ranges and responses are ours: no recorded
# answer of this API could be found.

ADVANCED = "e0de74e5-215c-4ee2-8668-3c9f405cc881"  # the reference's example survey
PULSE = "7b1f3c2a-5d4e-4f60-9a8b-0c1d2e3f4a5b"

SATISFACTION_POINTS = ("Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied")


def range_question(qid: str, text: str, low: int, high: int, *, labels: tuple[str, ...] = (), ranges=(),
                   identifier: str | None = None) -> dict[str, Any]:  # fmt: skip
    return {"type": "range", "id": qid, "question_identifier": identifier, "text": text, "required": True,
            "deleted": False, "hint_enabled": False,
            "scale": {"min": low, "max": high, "variant": "emoji" if labels else "number", "order": "ASC",
                      "button_shape": "circle", "label_preference": "all", "labels": list(labels),
                      "score_ranges": [{"id": f"SR_{n}", "min": a, "max": b, "label": label}
                                       for n, (a, b, label) in enumerate(ranges, start=1)]},
            "ratings": [{"value": low + n, "label": label} for n, label in enumerate(labels)]}  # fmt: skip


CSAT_SURVEYS = [
    {"id": ADVANCED, "title": "Advanced CSAT Survey", "description": "",
     "header_message": "Thank you for your time. This survey should take under a minute to complete.",
     "state": "ACTIVE", "language": "en",
     "questions": [
         range_question("Q_1", "Please rate your recent interaction with our support team?", 1, 5,
                        labels=SATISFACTION_POINTS, identifier="CSAT"),
         range_question("Q_2", "How likely are you to recommend us to a friend or colleague?", 0, 10, identifier="NPS"),
         {"type": "choice", "id": "Q_3", "text": "What did we do best?", "required": False, "deleted": False,
          "multiple": False, "choices": [{"value": "CH_1", "label": "Speed"}, {"value": "CH_2", "label": "Knowledge"}]},
         {"type": "text", "id": "Q_4", "text": "Anything else you would like to share?", "required": False,
          "deleted": False, "multiline": True},
         {"type": "thank-you", "id": "Q_5", "text": "Thank you!", "deleted": False},
     ]},
    {"id": PULSE, "title": "Support pulse", "description": "", "header_message": "", "state": "ACTIVE", "language": "en",
     "questions": [
         range_question("Q_1", "How did we do?", 1, 5, labels=("😠", "🙁", "😐", "🙂", "😍"),
                        ranges=((1, 2, "Dissatisfied"), (3, 3, "Neutral"), (4, 5, "Satisfied"))),
         range_question("Q_2", "How satisfied were you with the wait?", 1, 7),
         range_question("Q_3", "Rate our response time", 1, 5,
                        ranges=((1, 2, "Satisfied"), (3, 3, "Neutral"), (4, 5, "Dissatisfied"))),
     ]},
]  # fmt: skip


def csat_response(n: int, survey: str, answers: dict[str, Any], *, updated: str | None = None,
                  status: str = "COMPLETED") -> dict[str, Any]:  # fmt: skip
    created = f"2026-05-{n % 27 + 1:02d}T08:00:00Z"
    return {"id": f"5f0c9e2a-0000-4000-8000-{n:012d}", "survey_id": survey, "survey_version_id": "1",
            "user_id": str(400 + n), "agent_id": "77", "group_id": "12", "ticket_id": 600 + n, "status": status,
            "answers": [{"question_id": qid, "question_text": "", "value": value} for qid, value in answers.items()],
            "created_at": created, "updated_at": updated or created}  # fmt: skip


def csat_helpdesk() -> Helpdesk:
    """Five responses, listed newest first (the order is not documented): four to the example
    survey, one to the pulse survey."""
    helpdesk = Helpdesk(csat_surveys=CSAT_SURVEYS)
    advanced = [csat_response(1, ADVANCED, {"Q_1": 5, "Q_2": 9, "Q_3": "CH_1", "Q_4": "Quick and friendly"}),
                csat_response(2, ADVANCED, {"Q_1": 2, "Q_2": 6}), csat_response(3, ADVANCED, {"Q_1": 3, "Q_2": 10}),
                csat_response(4, ADVANCED, {"Q_1": 4, "Q_2": 0, "Q_3": "CH_2"})]  # fmt: skip
    helpdesk.csat_responses = {ADVANCED: advanced[::-1],
                               PULSE: [csat_response(5, PULSE, {"Q_1": 4, "Q_2": 6, "Q_3": 1})]}  # fmt: skip
    helpdesk.tickets = [ticket(1), ticket(2, source=3), ticket(3, source=7), ticket(4, source=2), ticket(5, source=13)]
    return helpdesk
