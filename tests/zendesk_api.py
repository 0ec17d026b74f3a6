"""Zendesk Support played on 127.0.0.1 as its API documents it (../shared/reference/api_reference.md
§4): satisfaction ratings with `score`, `start_time`/`end_time` filters and cursor pagination
(`page[size]`, `page[after]`, `meta.has_more`, `links.next`), the cursor-based incremental ticket
export (`after_url`, `after_cursor`, `end_of_stream`), and Zendesk's error bodies."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tests.local_api import FakeApi, Reply, Seen, fake_api

REAL_HOST = "https://acme.zendesk.com"
EMAIL, API_TOKEN = "cx-bot@acme.example", "zd-token-1f7c2b"


def rating(n: int, score: str = "good", *, comment: str = "", day: int = 1, changed_day: int | None = None,
           ticket: int | None = None) -> dict[str, Any]:  # fmt: skip
    created = f"2026-04-{day:02d}T10:{n % 60:02d}:00Z"
    return {"id": 35400 + n, "url": f"{REAL_HOST}/api/v2/satisfaction_ratings/{35400 + n}.json",
            "assignee_id": 235323, "group_id": 98738, "requester_id": 20978392 + n, "ticket_id": ticket or 5000 + n,
            "score": score, "comment": comment, "reason": "The issue was resolved quickly" if score == "good" else "",
            "reason_id": 123 if score == "good" else None,
            "created_at": created, "updated_at": f"2026-04-{changed_day or day:02d}T11:{n % 60:02d}:00Z"}  # fmt: skip


def ticket(n: int, *, channel: str = "email", tags: tuple[str, ...] = ("billing",)) -> dict[str, Any]:
    return {"id": 5000 + n, "url": f"{REAL_HOST}/api/v2/tickets/{5000 + n}.json", "via": {"channel": channel},
            "subject": f"Ticket {n}", "status": "solved", "requester_id": 20978392 + n, "assignee_id": 235323,
            "group_id": 98738, "organization_id": 361, "tags": list(tags),
            "updated_at": f"2026-04-0{1 + n % 8}T12:00:00Z",
            "satisfaction_rating": {"score": "good", "id": 35400 + n}}  # fmt: skip


def user(requester: int, email: str | None, *, phone: str | None = None, shared: bool = False) -> dict[str, Any]:
    """A user as Show Many Users lists one (an end user: the customer who rated): `email` and
    `phone`, "the primary phone number of the user", `shared_phone_number` whether others share it
    (https://developer.zendesk.com/api-reference/ticketing/users/users/#json-format)."""
    return {"id": requester, "url": f"{REAL_HOST}/api/v2/users/{requester}.json", "name": f"Customer {requester}",
            "email": email, "role": "end-user", "active": True, "phone": phone, "shared_phone_number": shared,
            "verified": True}  # fmt: skip


def _epoch(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


SURVEY_ID, SURVEY_VERSION = "01J58KJ9RAE0D2EK7HRVM7Z8F2", 3


def survey_response(n: int, rating: int = 5, *, comment: str = "", day: int = 1, ticket: int | None = None,
                    skipped: bool = False) -> dict[str, Any]:  # fmt: skip
    """A CSAT survey response as `GET /api/v2/guide/survey_responses` documents it."""
    at = f"2026-04-{day:02d}T12:{n % 60:02d}:00.000Z"
    rating_answer = {"created_at": at, "updated_at": at, "type": "skipped" if skipped else "rating_scale",
                     "question": {"id": "01J1WBE8QR0YQVE373K2JDJR0F", "sub_type": "customer_satisfaction",
                                  "type": "rating_scale_numeric"}}  # fmt: skip
    if not skipped:
        rating_answer |= {"rating": rating, "rating_category": "good" if rating >= 4 else "bad" if rating <= 2 else "neutral"}
    comment_answer = {"created_at": at, "updated_at": at, "question": {"id": "01J1WBNS76ZC4TTFWP9RCNQ1S8", "type": "open_ended"}}
    comment_answer |= {"type": "open_ended", "value": comment} if comment else {"type": "skipped"}
    ticket_id = ticket or 5000 + n
    return {"answers": [rating_answer, comment_answer], "expires_at": f"2026-04-{day + 7:02d}T12:00:00.000Z",
            "id": f"01J1WB51MG6HXTYWE6Q0C93R{n:02d}", "responder_id": 4398080151295 + n,
            "subject_zrns": [f"zen:ticket:{ticket_id}"],
            "subjects": [{"id": str(ticket_id), "type": "ticket", "zrn": f"zen:ticket:{ticket_id}"}],
            "survey": {"id": SURVEY_ID, "state": "enabled", "version": SURVEY_VERSION}}  # fmt: skip


def survey_definition(points: int = 5) -> dict[str, Any]:
    """The survey version the fake's responses answer, as Show Survey By Id And Version documents
    one: a numeric customer-satisfaction rating 1…points and an open-ended question."""
    static = lambda text: {"type": "static", "value": text}  # noqa: E731
    rating = {"id": "01J1WBE8QR0YQVE373K2JDJR0F", "type": "rating_scale_numeric", "sub_type": "customer_satisfaction",
              "headline": static("How would you rate the support you received?"),
              "options": [{"rating": n, "label": static(str(n))} for n in range(1, points + 1)]}  # fmt: skip
    comment = {"id": "01J1WBNS76ZC4TTFWP9RCNQ1S8", "type": "open_ended", "headline": static("Tell us more"), "follow_up": None}
    return {"created_at": "2026-03-01T00:00:00.000Z", "id": SURVEY_ID, "questions": [rating, comment], "state": "enabled",
            "updated_at": "2026-03-01T00:00:00.000Z", "version": SURVEY_VERSION}  # fmt: skip


@dataclass
class ZendeskAccount:
    ratings: list[dict[str, Any]] = field(default_factory=list)
    survey_responses: list[dict[str, Any]] = field(default_factory=list)
    surveys: list[dict[str, Any]] = field(default_factory=lambda: [survey_definition()])
    tickets: list[dict[str, Any]] = field(default_factory=list)
    users: list[dict[str, Any]] = field(default_factory=list)
    refusal: Reply | None = None  # what every request gets instead (an agent who is no admin, a wrong subdomain)
    filters_scores: bool = True  # False: `score=received` is not applied, and offered ratings come too
    url: str = ""

    def serve(self, api: FakeApi) -> None:
        self.url = api.url
        api.route("GET", r"/api/v2/satisfaction_ratings(?:\.json)?")(self.list_ratings)
        api.route("GET", "/api/v2/incremental/tickets/cursor.json")(self.ticket_export)
        api.route("GET", "/api/v2/guide/survey_responses")(self.list_survey_responses)
        api.route("GET", r"/api/v2/guide/([a-z-]+)/surveys/(\w+)/(\d+)")(self.show_survey)
        api.route("GET", r"/api/v2/users/show_many(?:\.json)?")(self.show_many_users)

    def authorized(self, seen: Seen) -> bool:
        expected = "Basic " + base64.b64encode(f"{EMAIL}/token:{API_TOKEN}".encode()).decode()
        return {k.lower(): v for k, v in seen.headers.items()}.get("authorization") == expected

    def refused(self, seen: Seen) -> Reply | None:
        if not self.authorized(seen):
            return Reply(401, {"error": "Couldn't authenticate you"})
        return self.refusal

    def list_ratings(self, seen: Seen, match: Any) -> Any:
        if refused := self.refused(seen):
            return refused
        query = seen.query
        if int(query.get("start_time", 0)) >= int(query.get("end_time", 2**40)):  # the documented 422 envelope
            return Reply(422, {"error": "InvalidValue", "description": "Invalid search parameters",
                               "details": {"start_time": [{"description": "start_time must be before end_time",
                                                           "error": "InvalidValue"}]}})  # fmt: skip
        received = query.get("score") == "received" and self.filters_scores
        chosen = [r for r in self.ratings if r["score"] in ("good", "bad") or not received]
        if "start_time" in query:
            chosen = [r for r in chosen if _epoch(r["created_at"]) >= int(query["start_time"])]
        if "end_time" in query:
            chosen = [r for r in chosen if _epoch(r["created_at"]) < int(query["end_time"])]
        size = int(query.get("page[size]", 100))
        start = int(query.get("page[after]", 0) or 0)
        page = chosen[start : start + size]
        more = start + size < len(chosen)
        cursor = str(start + size)
        link = f"{self.url}/api/v2/satisfaction_ratings.json?page%5Bafter%5D={cursor}&page%5Bsize%5D={size}"
        for key in ("score", "start_time", "end_time"):
            if key in query:
                link += f"&{key}={query[key]}"
        return {"satisfaction_ratings": page,
                "meta": {"has_more": more, "after_cursor": cursor if more else None, "before_cursor": None},
                "links": {"next": link if more else None, "prev": None}}  # fmt: skip

    def list_survey_responses(self, seen: Seen, match: Any) -> Any:
        if not self.authorized(seen):
            return Reply(401, {"errors": [{"code": "Unauthorized", "status": "401",
                                           "title": "Unauthorized to access the resource"}]})  # fmt: skip
        if self.refusal is not None:
            return self.refusal
        query = seen.query
        start, end = int(query.get("filter[created_at_start]", 0)), int(query.get("filter[created_at_end]", 10**15))
        chosen = [r for r in self.survey_responses
                  if start <= _epoch(min(a["created_at"] for a in r["answers"]).replace(".000", "")) * 1000 < end]  # fmt: skip
        chosen.sort(key=lambda r: r["id"])
        size, after = int(query.get("page[size]", 100)), int(query.get("page[after]", "0") or 0)
        more = after + size < len(chosen)
        return {"meta": {"has_more": more, "after_cursor": str(after + size) if more else None, "before_cursor": None},
                "survey_responses": chosen[after : after + size]}  # fmt: skip

    def show_survey(self, seen: Seen, match: Any) -> Any:
        if not self.authorized(seen):
            return Reply(401, {"errors": [{"code": "Unauthorized", "status": "401",
                                           "title": "Unauthorized to access the resource"}]})  # fmt: skip
        _, survey_id, version = match.groups()
        found = [s for s in self.surveys if (s["id"], str(s["version"])) == (survey_id, version)]
        if not found:
            return Reply(404, {"errors": [{"code": "NotFound", "status": "404", "title": "The survey could not be found"}]})
        return {"survey": found[0]}

    def show_many_users(self, seen: Seen, match: Any) -> Any:
        """Show Many Users: `ids` a comma-separated list of up to 100 user ids, the users found
        (https://developer.zendesk.com/api-reference/ticketing/users/users/#show-many-users)."""
        if refused := self.refused(seen):
            return refused
        ids = [value for value in seen.query.get("ids", "").split(",") if value]
        if len(ids) > 100:
            return Reply(400, {"error": "InvalidEndpoint", "description": "Too many ids (max 100)"})
        return {"users": [user for user in self.users if str(user["id"]) in ids]}

    def ticket_export(self, seen: Seen, match: Any) -> Any:
        if refused := self.refused(seen):
            return refused
        if "cursor" in seen.query:
            start = int(seen.query["cursor"])
        else:
            since = int(seen.query.get("start_time", "0"))
            if since <= 0:
                return Reply(422, {"error": "InvalidValue", "description": "start_time must be a positive number"})
            start = 0
            self._since = since
        chosen = [t for t in self.tickets if _epoch(t["updated_at"]) >= getattr(self, "_since", 0)]
        page = chosen[start : start + 2]
        end = start + 2 >= len(chosen)
        cursor = str(start + 2)
        return {"tickets": page, "after_url": f"{self.url}/api/v2/incremental/tickets/cursor.json?cursor={cursor}",
                "after_cursor": cursor, "before_url": None, "before_cursor": None, "end_of_stream": end}  # fmt: skip


@contextmanager
def zendesk(account: ZendeskAccount) -> Iterator[FakeApi]:
    with fake_api() as api:
        account.serve(api)
        yield api


def support_account() -> ZendeskAccount:
    account = ZendeskAccount()
    account.ratings = [rating(1, comment="Great support!"), rating(2, "bad", comment="Took a week", day=2),
                       rating(3, day=3), rating(4, "offered", day=3), rating(5, day=4)]  # fmt: skip
    account.tickets = [ticket(1), ticket(2, channel="voice", tags=("refund", "vip")), ticket(3, channel="web"),
                       ticket(5, channel="native_messaging")]  # fmt: skip
    return account


@dataclass
class TicketDesk:
    """Zendesk's ticket creation as documented: `POST /api/v2/tickets` with `{"ticket": {subject,
    comment: {body, public}, external_id, tags, priority}}` → 201 `{"ticket": {"id", …}}`; an
    `Idempotency-Key` seen before gets the first answer again (`x-idempotency-lookup: hit`) and
    creates nothing; `GET /api/v2/tickets?external_id=` lists the tickets with that external id, and
`GET /api/v2/tickets/show_many?ids=` up to 100 tickets by id, with their `status`."""

    account: ZendeskAccount = field(default_factory=ZendeskAccount)
    created: dict[int, dict[str, Any]] = field(default_factory=dict)
    keys: dict[str, int] = field(default_factory=dict)
    on_create: Any = None  # called with the new ticket before the answer (a test's crash)
    lose_answers: int = 0  # the answers to this many creations are lost: the connection drops instead

    def serve(self, api: FakeApi) -> None:
        self.account.serve(api)
        api.route("POST", r"/api/v2/tickets(?:\.json)?")(self.create)
        api.route("GET", r"/api/v2/tickets(?:\.json)?")(self.by_external_id)
        api.route("GET", r"/api/v2/tickets/show_many(?:\.json)?")(self.show_many)

    def show_many(self, seen: Seen, match: Any) -> Any:
        """Show Multiple Tickets (`ids=1,2,3`, at most 100): the tickets found, in no promised order."""
        if refused := self.account.refused(seen):
            return refused
        ids = [int(value) for value in seen.query.get("ids", "").split(",") if value]
        if len(ids) > 100:
            return Reply(400, {"error": "InvalidEndpoint", "description": "Too many ids (max 100)"})
        return {"tickets": [self.created[i] for i in reversed(ids) if i in self.created], "next_page": None,
                "previous_page": None, "count": len(ids)}  # fmt: skip

    def create(self, seen: Seen, match: Any) -> Any:
        if refused := self.account.refused(seen):
            return refused
        key = {k.lower(): v for k, v in seen.headers.items()}.get("idempotency-key")
        if key in self.keys:
            return Reply(201, {"ticket": self.created[self.keys[key]]}, headers={"x-idempotency-lookup": "hit"})
        given = seen.json()["ticket"]
        if not given.get("comment", {}).get("body"):
            return Reply(422, {"error": "RecordInvalid", "details": {"description": [{"description": "cannot be blank"}]}})
        ticket = {"id": 35436 + len(self.created), "status": "new", **given, "description": given["comment"]["body"]}
        self.created[ticket["id"]] = ticket
        if key:
            self.keys[key] = ticket["id"]
        if self.on_create:
            self.on_create(ticket)
        if self.lose_answers > 0:
            self.lose_answers -= 1
            return Reply(drop=True)
        return Reply(201, {"ticket": ticket}, headers={"x-idempotency-lookup": "miss"})

    def by_external_id(self, seen: Seen, match: Any) -> Any:
        if refused := self.account.refused(seen):
            return refused
        wanted = seen.query.get("external_id")
        tickets = [t for t in self.created.values() if wanted is None or t.get("external_id") == wanted]
        return {"tickets": tickets, "count": len(tickets), "next_page": None, "previous_page": None}


@contextmanager
def ticket_desk(desk: TicketDesk) -> Iterator[FakeApi]:
    with fake_api() as api:
        desk.serve(api)
        yield api
