"""Typeform played on 127.0.0.1 as its Create and Responses APIs document them
(../shared/reference/api_reference.md §8.2; https://www.typeform.com/developers/responses/reference/retrieve-responses/):
`Authorization: Bearer <token>`; GET /forms with numbered pages (page_size ≤ 200); GET /forms/{id}
with `fields`, `hidden`, `settings` and `_links.responses`; GET /forms/{id}/responses newest
first, `page_size` ≤ 1000, `since`/`until` inclusive to the second (ISO 8601 without zone, or
Unix seconds), `before` a response token (exclusive), `response_type` (default `completed`,
filtering on `submitted_at`; `partial` on `staged_at`), `{total_items, page_count, items}`;
errors as `{code, description}`. Responses can be held back for a while after they were
submitted ("very recent responses … may not be returned"), as the reference warns.

Our reading where the reference says nothing: a partial response carries `staged_at` and the
year-1 `submitted_at` Typeform's own example gives a response never submitted; a matrix row is
answered as a `choice` answer of the row's own field."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from tests.local_api import FakeApi, Reply, Seen, fake_api

REAL_HOST = "https://api.typeform.com"
TOKEN = "tfp_3kQ9fakeToken8vX2personal"
NEVER = "0001-01-01T00:00:00Z"
_SINCE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")


def tf_error(status: int, code: str, description: str) -> Reply:
    return Reply(status, {"code": code, "description": description})


def store_form(form_id: str = "kX7pQ2Lm") -> dict[str, Any]:
    """A store-visit form: an NPS field, a 1–5 satisfaction opinion scale, a five-star rating, a
    store choice, a multiple selection, a matrix, a long text, an e-mail field and a contact block."""

    def choices(*labels: str) -> list[dict[str, str]]:
        return [{"id": f"c{n}{label[:3]}", "ref": f"ref-{label.lower()}", "label": label} for n, label in enumerate(labels)]

    return {
        "id": form_id, "type": "form", "title": "Store visit feedback",
        "settings": {"language": "en", "is_public": True, "progress_bar": "proportion", "meta": {"allow_indexing": False}},
        "hidden": ["store", "order_id"],
        "fields": [
            {"id": "Nps1AbCdEf01", "ref": "recommend", "title": "How likely are you to recommend Acme to a friend?",
             "type": "nps", "properties": {"labels": {"left": "Not likely", "right": "Very likely"}},
             "validations": {"required": True}},
            {"id": "Sat2AbCdEf02", "ref": "satisfaction", "title": "How satisfied are you with your visit?",
             "type": "opinion_scale", "properties": {"steps": 5, "start_at_one": True,
                                                     "labels": {"left": "Not at all", "right": "Completely"}}},
            {"id": "Rat3AbCdEf03", "ref": "checkout_stars", "title": "Rate the checkout",
             "type": "rating", "properties": {"steps": 5, "shape": "star"}},
            {"id": "Buy4AbCdEf04", "ref": "bought", "title": "What did you buy?", "type": "multiple_choice",
             "properties": {"allow_multiple_selection": True, "choices": choices("Groceries", "Clothes", "Electronics")}},
            {"id": "Mtx5AbCdEf05", "ref": "staff", "title": "Rate our staff", "type": "matrix", "properties": {
                "fields": [
                    {"id": "Row5a1Friend", "ref": "friendliness", "title": "Friendliness", "type": "multiple_choice",
                     "properties": {"choices": choices("Poor", "Fair", "Good", "Excellent")}},
                    {"id": "Row5b2Knowle", "ref": "knowledge", "title": "Knowledge", "type": "multiple_choice",
                     "properties": {"choices": choices("Poor", "Fair", "Good", "Excellent")}}]}},
            {"id": "Txt6AbCdEf06", "ref": "anything_else", "title": "Anything else?", "type": "long_text"},
            {"id": "Eml7AbCdEf07", "ref": "email", "title": "Your e-mail, if we may follow up", "type": "email"},
            {"id": "Cnt8AbCdEf08", "ref": "contact", "title": "Who are you?", "type": "contact_info", "properties": {
                "fields": [{"id": "Cnt8aFirstNm", "ref": "first_name", "title": "First name", "type": "short_text"},
                           {"id": "Cnt8bPhoneNo", "ref": "phone", "title": "Phone", "type": "phone_number"}]}},
            {"id": "Stm9AbCdEf09", "title": "Thanks!", "type": "statement"},
        ],
        "created_at": "2026-01-05T09:00:00+00:00", "last_updated_at": "2026-01-10T09:00:00+00:00",
        "_links": {"display": f"https://acme.typeform.com/to/{form_id}"},
    }  # fmt: skip


def tf_response(n: int, *, nps: int | None = 9, satisfaction: int = 4, stars: int = 4, store: str = "S01",
                at: datetime | None = None, comment: str = "", email: bool = True, partial: bool = False,
                form_id: str = "kX7pQ2Lm") -> dict[str, Any]:  # fmt: skip
    """A response item as the reference's example writes one: ids, times to the second, metadata,
    hidden fields, calculated score, variables and answers keyed by field."""
    moment = at or datetime(2026, 2, 1, 9, 0, tzinfo=timezone.utc) + timedelta(hours=n)
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    token = f"{form_id.lower()}resp{n:06d}"  # a response id, as Typeform calls it

    def answer(fid: str, ref: str, kind: str, answer_type: str, value: Any) -> dict[str, Any]:
        return {"field": {"id": fid, "type": kind, "ref": ref}, "type": answer_type, answer_type: value}

    answers = [
        answer("Sat2AbCdEf02", "satisfaction", "opinion_scale", "number", satisfaction),
        answer("Rat3AbCdEf03", "checkout_stars", "rating", "number", stars),
        answer("Buy4AbCdEf04", "bought", "multiple_choice", "choices", {"ids": ["c0Gro", "c1Clo"], "refs":
               ["ref-groceries", "ref-clothes"], "labels": ["Groceries", "Clothes"]}),
        answer("Row5a1Friend", "friendliness", "multiple_choice", "choice",
               {"id": "c3Exc", "ref": "ref-excellent", "label": "Excellent"}),
        answer("Cnt8aFirstNm", "first_name", "short_text", "text", f"Visitor{n}"),
        answer("Cnt8bPhoneNo", "phone", "phone_number", "phone_number", f"+4860000{n:04d}"),
    ]  # fmt: skip
    if nps is not None:
        answers.insert(0, answer("Nps1AbCdEf01", "recommend", "nps", "number", nps))
    if comment:
        answers.append(answer("Txt6AbCdEf06", "anything_else", "long_text", "text", comment))
    if email:
        answers.append(answer("Eml7AbCdEf07", "email", "email", "email", f"visitor{n}@example.com"))
    found: dict[str, Any] = {
        "landing_id": token, "token": token, "response_id": token,
        "landed_at": (moment - timedelta(minutes=3)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "submitted_at": NEVER if partial else stamp,
        "metadata": {"user_agent": "Mozilla/5.0 (X11; Linux x86_64)", "platform": "other",
                     "referer": f"https://acme.typeform.com/to/{form_id}?store={store}", "network_id": f"9f3a{n:06d}",
                     "browser": "default"},
        "hidden": {"store": store, "order_id": f"A-{1000 + n}"},
        "calculated": {"score": 0},
        "variables": [{"key": "score", "type": "number", "number": 0}],
        "answers": answers,
    }  # fmt: skip
    if partial:
        found["staged_at"] = stamp
    return found


@dataclass
class TypeformAccount:
    forms: dict[str, dict[str, Any]] = field(default_factory=dict)
    responses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    workspaces: dict[str, str] = field(default_factory=dict)  # form id → workspace id
    private: set[str] = field(default_factory=set)  # forms the token may not read (403)
    held_back: set[str] = field(default_factory=set)  # tokens of responses not yet returned (just submitted)
    responses_host: str | None = None  # where `_links.responses` points (an EU account's data center)
    refuse_responses: bool = False  # this host answers no responses at all (a US host asked for an EU account's)
    url: str = ""

    def add_form(self, form: dict[str, Any], *responses: dict[str, Any], workspace: str = "Ws1abc") -> None:
        self.forms[form["id"]] = form
        self.responses[form["id"]] = list(responses)
        self.workspaces[form["id"]] = workspace

    def serve(self, api: FakeApi) -> None:
        self.url = api.url
        api.route("GET", "/forms")(self.list_forms)
        api.route("GET", "/forms/([A-Za-z0-9_-]+)")(self.get_form)
        api.route("GET", "/forms/([A-Za-z0-9_-]+)/responses")(self.list_responses)

    def refused(self, seen: Seen, form_id: str | None = None) -> Reply | None:
        if {k.lower(): v for k, v in seen.headers.items()}.get("authorization") != f"Bearer {TOKEN}":
            return tf_error(401, "AUTHENTICATION_FAILED", "Authentication credentials not found on the Request Headers")
        if form_id is not None and form_id not in self.forms:
            return tf_error(404, "FORM_NOT_FOUND", f"Non existing form with uid {form_id}")
        if form_id in self.private:
            return tf_error(403, "FORBIDDEN", "You are not allowed to access this resource")
        return None

    def list_forms(self, seen: Seen, match: Any) -> Any:
        if refused := self.refused(seen):
            return refused
        page, size = int(seen.query.get("page", 1)), int(seen.query.get("page_size", 10))
        if size > 200:
            return Reply(400, {"code": "VALIDATION_ERROR", "description": "Request validation failed",
                               "details": [{"code": "MAX_VALUE", "description": "must be at most 200",
                                            "field": "page_size", "in": "query"}]})  # fmt: skip
        chosen = [fid for fid in self.forms if seen.query.get("workspace_id") in (None, self.workspaces[fid])]
        items = [{"id": fid, "title": self.forms[fid]["title"], "last_updated_at": self.forms[fid]["last_updated_at"],
                  "_links": {"display": f"https://acme.typeform.com/to/{fid}"}}
                 for fid in chosen[(page - 1) * size : page * size]]  # fmt: skip
        return {"total_items": len(chosen), "page_count": max(1, math.ceil(len(chosen) / size)), "items": items}

    def get_form(self, seen: Seen, match: Any) -> Any:
        form_id = match.group(1)
        if refused := self.refused(seen, form_id):
            return refused
        links = {**self.forms[form_id]["_links"], "responses": f"{self.responses_host or self.url}/forms/{form_id}/responses"}
        return {**self.forms[form_id], "_links": links}

    def list_responses(self, seen: Seen, match: Any) -> Any:
        form_id = match.group(1)
        if refused := self.refused(seen, form_id):
            return refused
        query = seen.query
        size = int(query.get("page_size", 25))
        if not 1 <= size <= 1000:
            return Reply(400, {"code": "VALIDATION_ERROR", "description": "Request validation failed",
                               "details": [{"code": "MAX_VALUE", "description": "must be at most 1000",
                                            "field": "page_size", "in": "query"}]})  # fmt: skip
        kinds = set(query.get("response_type", "completed").split(","))
        bounds = {name: _bound(query[name]) for name in ("since", "until") if name in query}
        if any(bound is None for bound in bounds.values()):
            return tf_error(400, "VALIDATION_ERROR", "since/until must be ISO 8601 to the second or Unix seconds")
        chosen = [] if self.refuse_responses else [
            (when, item) for item in self.responses[form_id] if item["token"] not in self.held_back
            and (kind := _kind(item)) in kinds and (when := _time(item, kind)) is not None
            and when >= bounds.get("since", when) and when <= bounds.get("until", when)
        ]  # fmt: skip
        ordered = [item for _, item in sorted(chosen, key=lambda pair: (pair[0], pair[1]["token"]), reverse=True)]
        if "before" in query:
            tokens = [item["token"] for item in ordered]
            if query["before"] not in tokens:
                return tf_error(400, "VALIDATION_ERROR", "invalid token in before")
            ordered = ordered[tokens.index(query["before"]) + 1 :]
        return {"total_items": len(ordered), "page_count": math.ceil(len(ordered) / size), "items": ordered[:size]}


def _kind(item: dict[str, Any]) -> str:
    return "completed" if item["submitted_at"] != NEVER else "partial"


def _time(item: dict[str, Any], kind: str) -> datetime | None:
    text = item.get("submitted_at" if kind == "completed" else "staged_at")
    return datetime.fromisoformat(text).replace(microsecond=0) if text else None


def _bound(text: str) -> datetime | None:
    if text.isdigit():
        return datetime.fromtimestamp(int(text), timezone.utc)
    if _SINCE.match(text):
        return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)
    return None


@contextmanager
def typeform(account: TypeformAccount) -> Iterator[FakeApi]:
    with fake_api() as api:
        account.serve(api)
        yield api


def store_account() -> TypeformAccount:
    account = TypeformAccount()
    account.add_form(store_form(), tf_response(1, nps=10, comment="Great staff"),
                     tf_response(2, nps=4, satisfaction=2, stars=2, store="S02"), tf_response(3, nps=8, email=False),
                     tf_response(4, nps=9, store="S03"), tf_response(5, nps=6, partial=True))  # fmt: skip
    return account
