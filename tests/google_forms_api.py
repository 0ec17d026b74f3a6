"""Google Forms played on 127.0.0.1 as the v1 API documents it (../shared/reference/api_reference.md
§2): forms.get with items keyed by questionId, forms.responses.list with `pageSize`, `pageToken`
and the `timestamp >`/`>=` filter, Google's JSON errors, and the OAuth token endpoint a service
account signs in at."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from tests.local_api import FakeApi, Reply, Seen, fake_api

REAL_HOST = "https://forms.googleapis.com"
ACCESS_TOKEN = "ya29.fake-access-token"


def google_error(code: int, message: str, status: str) -> Reply:
    return Reply(code, {"error": {"code": code, "message": message, "status": status}})


def store_form(form_id: str = "1FAIpQLSd-store") -> dict[str, Any]:
    """forms.get of a store survey: a 0-10 scale about recommending, a satisfaction choice
    question, a store drop-down, a checkbox, a grid, a five-star rating and a paragraph (as
    written here; `get_form` serves it the proto3 way, zero values left out)."""
    def options(*labels: str) -> list[dict[str, str]]:
        return [{"value": label} for label in labels]

    return {
        "formId": form_id,
        "info": {"title": "Store visit feedback", "documentTitle": "Store visit feedback (responses)"},
        "revisionId": "00000012",
        "responderUri": f"https://docs.google.com/forms/d/e/{form_id}/viewform",
        "items": [
            {"itemId": "1a2b3c4d", "title": "How likely are you to recommend us to a friend?",
             "questionItem": {"question": {"questionId": "5f1e2d3c", "required": True,
                                           "scaleQuestion": {"low": 0, "high": 10, "lowLabel": "Not at all likely",
                                                             "highLabel": "Extremely likely"}}}},
            {"itemId": "2b3c4d5e", "title": "How satisfied are you with your visit?",
             "questionItem": {"question": {"questionId": "6a7b8c9d", "choiceQuestion": {
                 "type": "RADIO", "options": options("Very satisfied", "Satisfied", "Neutral", "Dissatisfied",
                                                     "Very dissatisfied")}}}},
            {"itemId": "3c4d5e6f", "title": "Which store did you visit?",
             "questionItem": {"question": {"questionId": "7b8c9d0e", "choiceQuestion": {
                 "type": "DROP_DOWN", "options": options("Kraków", "Warszawa", "Gdańsk")}}}},
            {"itemId": "4d5e6f70", "title": "What did you buy?",
             "questionItem": {"question": {"questionId": "8c9d0e1f", "choiceQuestion": {
                 "type": "CHECKBOX", "options": options("Groceries", "Clothes", "Electronics")}}}},
            {"itemId": "5e6f7081", "title": "Rate our staff",
             "questionGroupItem": {"questions": [
                 {"questionId": "9d0e1f2a", "rowQuestion": {"title": "Friendliness"}},
                 {"questionId": "0e1f2a3b", "rowQuestion": {"title": "Knowledge"}}],
                 "grid": {"columns": {"type": "RADIO", "options": options("Poor", "Fair", "Good", "Excellent")}}}},
            {"itemId": "7a8b9c0d", "title": "How would you rate the checkout?",
             "questionItem": {"question": {"questionId": "2a3b4c5d", "required": False,
                                           "ratingQuestion": {"ratingScaleLevel": 5, "iconType": "STAR"}}}},
            {"itemId": "6f708192", "title": "Anything else?",
             "questionItem": {"question": {"questionId": "1f2a3b4c", "textQuestion": {"paragraph": True}}}},
            {"itemId": "708192a3", "title": "Thank you!", "textItem": {}},
        ],
    }  # fmt: skip


def form_response(n: int, *, nps: int = 9, satisfaction: str = "Satisfied", store: str = "Kraków",
                  minute: int | None = None, email: bool = True, comment: str = "", stars: int = 4) -> dict[str, Any]:  # fmt: skip
    """A FormResponse: textAnswers keyed by questionId, times in RFC 3339 with mixed precision."""
    at = f"2026-02-{n % 27 + 1:02d}T09:{(minute if minute is not None else n) % 60:02d}:0{n % 10}"
    answers = {
        "5f1e2d3c": {"questionId": "5f1e2d3c", "textAnswers": {"answers": [{"value": str(nps)}]}},
        "6a7b8c9d": {"questionId": "6a7b8c9d", "textAnswers": {"answers": [{"value": satisfaction}]}},
        "7b8c9d0e": {"questionId": "7b8c9d0e", "textAnswers": {"answers": [{"value": store}]}},
        "8c9d0e1f": {"questionId": "8c9d0e1f", "textAnswers": {"answers": [{"value": "Groceries"},
                                                                            {"value": "Clothes"}]}},
        "9d0e1f2a": {"questionId": "9d0e1f2a", "textAnswers": {"answers": [{"value": "Excellent"}]}},
        "2a3b4c5d": {"questionId": "2a3b4c5d", "textAnswers": {"answers": [{"value": str(stars)}]}},
    }  # fmt: skip
    if comment:
        answers["1f2a3b4c"] = {"questionId": "1f2a3b4c", "textAnswers": {"answers": [{"value": comment}]}}
    found = {"responseId": f"ACYDBNj{n:05d}", "createTime": f"{at}.055Z", "lastSubmittedTime": f"{at}.055199Z",
             "answers": answers}  # fmt: skip
    if email:
        found["respondentEmail"] = f"visitor{n}@example.com"
    return found


@dataclass
class FormsAccount:
    forms: dict[str, dict[str, Any]] = field(default_factory=dict)
    responses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    page_size_cap: int = 3  # the service "may return fewer" than pageSize: small pages in tests
    private: set[str] = field(default_factory=set)  # forms not shared with the caller
    token_requests: int = 0
    tokens_refused: bool = False  # every access token is answered 401 (e.g. the API is off in the project)

    def add_form(self, form: dict[str, Any], *responses: dict[str, Any]) -> None:
        self.forms[form["formId"]] = form
        self.responses[form["formId"]] = list(responses)

    def serve(self, api: FakeApi) -> None:
        api.route("POST", "/token")(self.token)
        api.route("GET", "/v1/forms/([^/]+)")(self.get_form)
        api.route("GET", "/v1/forms/([^/]+)/responses")(self.list_responses)

    def authorized(self, seen: Seen) -> bool:
        return not self.tokens_refused and {k.lower(): v for k, v in seen.headers.items()}.get("authorization") == f"Bearer {ACCESS_TOKEN}"

    def token(self, seen: Seen, match: Any) -> Any:
        form = dict(parse_qsl(seen.body.decode()))
        if form.get("grant_type") not in ("urn:ietf:params:oauth:grant-type:jwt-bearer", "refresh_token"):
            return Reply(400, {"error": "unsupported_grant_type"})
        self.token_requests += 1
        return {"access_token": ACCESS_TOKEN, "expires_in": 3599, "token_type": "Bearer"}

    def get_form(self, seen: Seen, match: Any) -> Any:
        if not self.authorized(seen):
            return google_error(401, "Request had invalid authentication credentials.", "UNAUTHENTICATED")
        if match.group(1) in self.private:
            return google_error(403, "The caller does not have permission", "PERMISSION_DENIED")
        form = self.forms.get(match.group(1))
        if form is None:
            return google_error(404, "Requested entity was not found.", "NOT_FOUND")
        return proto3_json(form)

    def list_responses(self, seen: Seen, match: Any) -> Any:
        if not self.authorized(seen):
            return google_error(401, "Request had invalid authentication credentials.", "UNAUTHENTICATED")
        if match.group(1) not in self.forms:
            return google_error(404, "Requested entity was not found.", "NOT_FOUND")
        chosen = self.responses[match.group(1)]
        if spec := seen.query.get("filter"):
            field_name, operator, moment = spec.split(" ", 2)
            if field_name != "timestamp" or operator not in (">", ">="):
                return google_error(400, "Invalid filter.", "INVALID_ARGUMENT")
            limit = _moment(moment)
            chosen = [r for r in chosen if (_moment(r["lastSubmittedTime"]) > limit
                                            or (operator == ">=" and _moment(r["lastSubmittedTime"]) == limit))]  # fmt: skip
        size = min(int(seen.query.get("pageSize") or 5000), self.page_size_cap)
        start = int(seen.query.get("pageToken", "0") or 0)
        body: dict[str, Any] = {"responses": chosen[start : start + size]} if chosen[start : start + size] else {}
        if start + size < len(chosen):
            body["nextPageToken"] = str(start + size)
        return body


def proto3_json(value: Any) -> Any:
    """`value` as the API writes it: proto3 JSON leaves out scalars at their zero value (0, false,
    "") and empty lists, so a scale from 0 is `{"high": 10}`; a message that is set stays, even
    empty (`"textItem": {}`)."""
    if isinstance(value, dict):
        kept = {key: proto3_json(item) for key, item in value.items()}
        return {key: item for key, item in kept.items() if isinstance(item, dict) or item not in (0, "", [])}
    if isinstance(value, list):
        return [proto3_json(item) for item in value]
    return value


def _moment(text: str) -> datetime:
    head, _, fraction = text.rstrip("Z").partition(".")
    return datetime.fromisoformat(head).replace(microsecond=int((fraction + "000000")[:6]))


@contextmanager
def google_forms(account: FormsAccount) -> Iterator[FakeApi]:
    with fake_api() as api:
        account.serve(api)
        yield api


def store_account() -> FormsAccount:
    account = FormsAccount()
    account.add_form(store_form(), form_response(1, nps=10, comment="Great staff"),
                     form_response(2, nps=4, satisfaction="Dissatisfied", store="Gdańsk"),
                     form_response(3, nps=8, email=False), form_response(4, nps=9, store="Warszawa"))  # fmt: skip
    return account
