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
from datetime import datetime, timedelta
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
            "responder_id": 77, "company_id": 31, "tags": list(tags),
            "updated_at": f"2026-05-{n % 27 + 1:02d}T09:00:00Z"}  # fmt: skip


SURVEYS = [
    {"id": 1, "title": "Default satisfaction survey", "active": True, "created_at": "2025-01-01T00:00:00Z",
     "updated_at": "2025-01-01T00:00:00Z",
     "questions": [{"id": "default_question", "label": "How would you rate your overall satisfaction?",
                    "accepted_ratings": [103, 102, 101, 100, -101, -102, -103], "default": True},
                   {"id": "question_4", "label": "Was the agent knowledgeable?",
                    "accepted_ratings": [103, 100, -103], "default": False}]},
]  # fmt: skip


@dataclass
class Helpdesk:
    ratings: list[dict[str, Any]] = field(default_factory=list)
    tickets: list[dict[str, Any]] = field(default_factory=list)
    limit_total: int = 200
    remaining: int = 200
    today: str = "2026-06-01T00:00:00Z"
    refusal: Reply | None = None  # what every request gets instead (a restricted agent, a wrong domain)
    url: str = ""
    created: dict[int, dict[str, Any]] = field(default_factory=dict)  # tickets made through POST /api/v2/tickets
    lose_answers: int = 0  # the answers to this many creations are lost: the connection drops instead

    def serve(self, api: FakeApi) -> None:
        self.url = api.url
        api.route("GET", "/api/v2/surveys/satisfaction_ratings")(self.list_ratings)
        api.route("GET", "/api/v2/surveys")(self.list_surveys)
        api.route("GET", "/api/v2/tickets")(self.list_tickets)
        api.route("POST", "/api/v2/tickets")(self.create_ticket)
        api.route("GET", "/api/v2/search/tickets")(self.search_tickets)

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
        return self.refused(seen) or self.page(seen, SURVEYS)

    def list_tickets(self, seen: Seen, match: Any) -> Any:
        if refused := self.refused(seen):
            return refused
        if seen.query.get("order_by") not in (None, "updated_at", "created_at"):
            return Reply(400, {"description": "Validation failed",
                               "errors": [{"field": "order_by", "message": "It should be one of these values: "
                                           "'created_at,due_by,updated_at,status'", "code": "invalid_value"}]})  # fmt: skip
        since = seen.query.get("updated_since") or self.days_ago(30)
        chosen = sorted((t for t in self.tickets if t["updated_at"] >= since), key=lambda t: t["updated_at"])
        return self.page(seen, chosen)

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
        ticket = {"id": 800 + len(self.created), "status": 2, "priority": 1, "created_at": self.today,
                  "updated_at": self.today, **given}  # fmt: skip
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
        results = [t for t in self.created.values() if found.group(1) in t.get("tags", [])]
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
