"""SurveyMonkey played on 127.0.0.1 as its API v3 documents it (SurveyMonkey/public_api_docs,
includes/_overview.md, _surveys.md, _responses.md, _questions.md): `Authorization: bearer`,
`GET /surveys`, `/surveys/{id}/details` and `/surveys/{id}/responses/bulk` with `per_page` (at
most 100), `page`, `start_modified_at` / `end_modified_at` ("modified after / before this date"),
`status`, `sort_by=date_modified` and `sort_order`; list answers with `per_page`, `page`, `total`
and `links` (`self`, `next`, `prev`, `last`); the `X-Ratelimit-App-Global-*` headers on every
answer (120 a minute, 500 a day by default); the error envelope `{"error": {"id", "name",
"message", "docs", "http_status_code"}}` with the documented ids."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

from tests.local_api import FakeApi, Reply, Seen, fake_api

REAL_HOST = "https://api.surveymonkey.com/v3"
TOKEN = "sm-token-4b1e90c2"
NOW = datetime(2026, 3, 20, 21, 30, tzinfo=timezone.utc)  # 2 h 30 min before SurveyMonkey's midnight-GMT reset
SURVEY = "412345678"
ERRORS = {  # id → (status, name, message), from the documented table
    "1003": (400, "Bad Request", "Invalid URL parameters."),
    "1011": (401, "Authorization Error", "The authorization token provided was invalid."),
    "1014": (403, "Permission Error", "Permission has not been granted by the user to make this request."),
    "1018": (403, "Permission Error", "The user does not have permission to access the host in this region."),
    "1020": (404, "Resource Not Found", "There was an error retrieving the requested resource."),
    "1040": (429, "Rate Limit Reached", "Too many requests were made, try again later."),
}


def sm_error(error_id: str, headers: dict[str, str] | None = None) -> Reply:
    status, name, message = ERRORS[error_id]
    body = {"error": {"docs": "https://developer.surveymonkey.com/api/v3/#error-codes", "message": message,
                      "id": error_id, "name": name, "http_status_code": status}}  # fmt: skip
    return Reply(status, body, headers=headers or {})


def _choice(choice_id: int, position: int, text: str, **extra: Any) -> dict[str, Any]:
    return {"position": position, "visible": True, "text": text, "id": str(choice_id), **extra}


def _question(qid: int, position: int, heading: str, family: str, subtype: str, answers: dict | None = None,
              **extra: Any) -> dict[str, Any]:  # fmt: skip
    found = {"id": str(qid), "position": position, "visible": True, "family": family, "subtype": subtype,
             "layout": None, "sorting": None, "required": None, "validation": None, "forced_ranking": False,
             "headings": [{"heading": heading}],
             "href": f"{REAL_HOST}/surveys/{SURVEY}/pages/3001/questions/{qid}", **extra}  # fmt: skip
    if answers is not None:
        found["answers"] = answers
    return found


NPS_TEXTS = ["Not at all likely - 0", *map(str, range(1, 10)), "Extremely likely - 10"]
SATISFACTION = ["Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied"]
EASE = ["Very difficult", "Difficult", "Neither easy nor difficult", "Easy", "Very easy"]
STORES = {"7001": "Kraków", "7002": "Łódź"}


def support_details() -> dict[str, Any]:
    """A support survey in the shapes the documentation gives each question family: the NPS
    question as the Question Bank answers it (weights −100/0/100), a rating matrix with an N/A
    column, a star rating, choices with an "Other" box, checkboxes, an essay, Contact
    Information."""
    nps = [_choice(1100 + n, n + 1, text, description="", is_na=False, weight=-100 if n <= 6 else 0 if n <= 8 else 100)
           for n, text in enumerate(NPS_TEXTS)]  # fmt: skip
    questions = [
        _question(101, 1, "How likely is it that you would recommend Acme to a friend or colleague?", "matrix", "rating",
                  {"rows": [{"visible": True, "text": "", "position": 1, "id": "1001"}], "choices": nps}),
        _question(102, 2, "How satisfied are you with our support?", "matrix", "rating",
                  {"rows": [{"visible": True, "text": "Speed of the answer", "position": 1, "id": "2001"},
                            {"visible": True, "text": "Friendliness", "position": 2, "id": "2002"}],
                   "choices": [*(_choice(2100 + n, n + 1, text, weight=n + 1, is_na=False, description="")
                                 for n, text in enumerate(SATISFACTION)),
                               _choice(2106, 6, "N/A", weight=0, is_na=True, description="")]}),
        _question(103, 3, "Rate your delivery", "matrix", "rating",
                  {"rows": [{"visible": True, "text": "", "position": 1, "id": "3001"}],
                   "choices": [_choice(3100 + n, n, "", weight=n) for n in range(1, 6)]},
                  display_options={"display_type": "emoji", "display_subtype": "star"}),
        _question(104, 4, "Which store did you visit?", "single_choice", "vertical",
                  {"choices": [_choice(int(cid), n + 1, name) for n, (cid, name) in enumerate(STORES.items())],
                   "other": {"visible": True, "text": "Other (please specify)", "id": "7009", "is_answer_choice": True,
                             "num_lines": 1, "num_chars": 50}}),
        _question(105, 5, "What did you buy?", "multiple_choice", "vertical",
                  {"choices": [_choice(5101, 1, "Shoes"), _choice(5102, 2, "Bags")]}),
        _question(106, 6, "How easy was it to get your issue resolved?", "single_choice", "vertical",
                  {"choices": [_choice(6100 + n, n + 1, text) for n, text in enumerate(EASE)]}),
        _question(107, 7, "What could we improve?", "open_ended", "essay"),
        _question(108, 8, "Your contact details (optional)", "demographic", "international",
                  {"rows": [{"visible": True, "required": False, "type": "name", "text": "Name", "id": "8001"},
                            {"visible": True, "required": False, "type": "email", "text": "Email Address", "id": "8002"},
                            {"visible": True, "required": False, "type": "phone", "text": "Phone Number", "id": "8003"}]}),
    ]  # fmt: skip
    return {"title": "Support NPS", "nickname": "", "language": "en", "folder_id": "0", "category": "",
            "question_count": len(questions), "page_count": 1, "response_count": 0,
            "date_created": "2026-02-01T09:00:00", "date_modified": "2026-02-01T09:30:00", "id": SURVEY,
            "buttons_text": {"next_button": "Next", "prev_button": "Prev", "done_button": "Done", "exit_button": ""},
            "is_owner": True, "footer": True, "custom_variables": {"store": ""},
            "href": f"{REAL_HOST}/surveys/{SURVEY}",
            "pages": [{"title": "", "description": "", "position": 1, "question_count": len(questions), "id": "3001",
                       "href": f"{REAL_HOST}/surveys/{SURVEY}/pages/3001", "questions": questions}]}  # fmt: skip


def sm_response(n: int, *, nps: int | None = 9, speed: int | None = 4, friendliness: int | None = 5,
                stars: int | None = 4, store: str | None = "7001", other_store: str = "", bought: tuple[str, ...] = (),
                ease: int | None = 4, comment: str = "", email: str = "", status: str = "completed",
                modified: datetime | None = None, custom_store: str = "S01", collector: str = "415900001",
                ) -> dict[str, Any]:  # fmt: skip
    """A responses/bulk item as documented: answers by choice, row and other ids only."""
    moment = modified or datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc) + timedelta(hours=n)
    questions: list[dict[str, Any]] = []
    if nps is not None:
        questions.append({"id": "101", "answers": [{"row_id": "1001", "choice_id": str(1100 + nps)}]})
    rows = [(row, value) for row, value in (("2001", speed), ("2002", friendliness)) if value is not None]
    if rows:
        questions.append({"id": "102", "answers": [{"row_id": row, "choice_id": str(2100 + value - 1 if value else 2106)}
                                                   for row, value in rows]})  # fmt: skip
    if stars is not None:
        questions.append({"id": "103", "answers": [{"row_id": "3001", "choice_id": str(3100 + stars)}]})
    if store is not None or other_store:
        answers = [{"choice_id": store}] if store else []
        questions.append({"id": "104", "answers": answers + ([{"other_id": "7009", "text": other_store}] if other_store else [])})
    if bought:
        ids = {"Shoes": "5101", "Bags": "5102"}
        questions.append({"id": "105", "answers": [{"choice_id": ids[item]} for item in bought]})
    if ease is not None:
        questions.append({"id": "106", "answers": [{"choice_id": str(6100 + ease - 1)}]})
    if comment:
        questions.append({"id": "107", "answers": [{"tag_data": [], "text": comment}]})
    if email:
        questions.append({"id": "108", "answers": [{"row_id": "8001", "text": f"Client {n}"},
                                                   {"row_id": "8002", "text": email},
                                                   {"row_id": "8003", "text": f"+4860000000{n}"}]})  # fmt: skip
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    created = (moment - timedelta(minutes=3)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    rid = str(13400000000 + n)
    return {"id": rid, "recipient_id": "", "collection_mode": "default", "response_status": status,
            "custom_value": "", "first_name": "", "last_name": "", "email_address": "", "ip_address": f"198.51.100.{n}",
            "logic_path": {}, "metadata": {"contact": {}}, "page_path": [], "collector_id": collector,
            "survey_id": SURVEY, "custom_variables": {"store": custom_store},
            "edit_url": f"https://www.surveymonkey.com/r/?sm=edit{n}", "analyze_url":
            f"https://www.surveymonkey.com/analyze/browse/x?respondent_id={rid}", "total_time": 180,
            "date_modified": stamp, "date_created": created, "href": f"{REAL_HOST}/surveys/{SURVEY}/responses/{rid}",
            "pages": [{"id": "3001", "questions": questions}]}  # fmt: skip


@dataclass
class SurveyMonkeyAccount:
    surveys: dict[str, dict[str, Any]] = field(default_factory=lambda: {SURVEY: support_details()})
    responses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    collectors: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {SURVEY: [
        {"id": "415900001", "name": "Email Invitation 1", "type": "email"},
        {"id": "415900002", "name": "Web Link 1", "type": "weblink"},
        {"id": "415900003", "name": "Website Popup", "type": "popup_survey"}]})  # fmt: skip
    day_limit: int = 500
    day_used: int = 0  # the app's requests today, across everything that uses it
    minute_limit: int = 120
    minute_used: int = 0
    now: datetime = NOW
    other_region: bool = False  # the token's account lives in another datacenter (1018)
    missing_scope: bool = False  # the token lacks responses_read_detail (1014)

    def serve(self, api: FakeApi) -> None:
        api.route("GET", "/surveys")(self.list_surveys)
        api.route("GET", r"/surveys/(\d+)/details")(self.details)
        api.route("GET", r"/surveys/(\d+)/responses/bulk")(self.bulk)
        api.route("GET", r"/surveys/(\d+)/collectors")(self.list_collectors)

    def limits(self) -> dict[str, str]:
        """The rate-limit headers of an answer, after counting it."""
        midnight = (self.now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        return {"X-Ratelimit-App-Global-Minute-Limit": str(self.minute_limit),
                "X-Ratelimit-App-Global-Minute-Remaining": str(max(self.minute_limit - self.minute_used, 0)),
                "X-Ratelimit-App-Global-Minute-Reset": "41",
                "X-Ratelimit-App-Global-Day-Limit": str(self.day_limit),
                "X-Ratelimit-App-Global-Day-Remaining": str(max(self.day_limit - self.day_used, 0)),
                "X-Ratelimit-App-Global-Day-Reset": str(int((midnight - self.now).total_seconds()))}  # fmt: skip

    def answer(self, seen: Seen, body: Any) -> Reply:
        """Count the request against the app's limits; refuse it when the day's are spent."""
        if self.day_used >= self.day_limit:
            return sm_error("1040", self.limits())
        self.day_used += 1
        self.minute_used += 1
        if {k.lower(): v for k, v in seen.headers.items()}.get("authorization", "").lower() != f"bearer {TOKEN}":
            return sm_error("1011", self.limits())
        if self.other_region:
            return sm_error("1018", self.limits())
        found = body(seen) if callable(body) else body
        return found if isinstance(found, Reply) else Reply(200, found, headers=self.limits())

    def list_surveys(self, seen: Seen, match: Any) -> Reply:
        items = [{"id": sid, "title": d["title"], "nickname": "", "href": f"{REAL_HOST}/surveys/{sid}"}
                 for sid, d in self.surveys.items()]  # fmt: skip
        return self.answer(seen, lambda seen: self._page(seen, "/surveys", items, max_per_page=1000))

    def list_collectors(self, seen: Seen, match: Any) -> Reply:
        """`?include=type` adds each collector's type to its id, name and href."""
        survey = match.group(1)
        wanted = seen.query.get("include", "").split(",")
        items = [{"id": c["id"], "name": c["name"], "href": f"{REAL_HOST}/collectors/{c['id']}",
                  **({"type": c["type"]} if "type" in wanted else {})} for c in self.collectors.get(survey, [])]  # fmt: skip
        return self.answer(seen, lambda seen: self._page(seen, f"/surveys/{survey}/collectors", items, max_per_page=1000))

    def details(self, seen: Seen, match: Any) -> Reply:
        survey = self.surveys.get(match.group(1))
        return self.answer(seen, survey if survey is not None else self._missing)

    def bulk(self, seen: Seen, match: Any) -> Reply:
        survey = match.group(1)
        if survey not in self.surveys:
            return self.answer(seen, self._missing)
        if self.missing_scope:
            return self.answer(seen, lambda seen: sm_error("1014", self.limits()))
        return self.answer(seen, lambda seen: self._bulk_page(seen, survey))

    def _missing(self, seen: Seen) -> Reply:
        return sm_error("1020", self.limits())

    def _bulk_page(self, seen: Seen, survey: str) -> Any:
        query = seen.query
        items = list(self.responses.get(survey, []))
        if "status" in query:
            items = [item for item in items if item["response_status"] == query["status"]]
        if "start_modified_at" in query:
            start = _moment(query["start_modified_at"])
            items = [item for item in items if _moment(item["date_modified"]) > start]
        if "end_modified_at" in query:
            end = _moment(query["end_modified_at"])
            items = [item for item in items if _moment(item["date_modified"]) < end]
        if query.get("sort_by") == "date_modified":
            items.sort(key=lambda item: item["date_modified"], reverse=query.get("sort_order") == "DESC")
        return self._page(seen, f"/surveys/{survey}/responses/bulk", items, max_per_page=100)

    def _page(self, seen: Seen, path: str, items: list[Any], *, max_per_page: int) -> Any:
        query = dict(seen.query)
        per_page, page = int(query.get("per_page", 50)), int(query.get("page", 1))
        if per_page > max_per_page:
            return sm_error("1003", self.limits())
        last = max(1, -(-len(items) // per_page))

        def link(number: int) -> str:
            return f"{self.base}{path}?{urlencode({**query, 'page': number})}"

        links = {"self": link(page), "first": link(1), "last": link(last)}
        if page < last:
            links["next"] = link(page + 1)
        if page > 1:
            links["prev"] = link(page - 1)
        chunk = items[(page - 1) * per_page : page * per_page]
        return {"data": chunk, "per_page": per_page, "page": page, "total": len(items), "links": links}

    base: str = ""


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@contextmanager
def surveymonkey(account: SurveyMonkeyAccount) -> Iterator[FakeApi]:
    with fake_api() as api:
        account.base = api.url
        account.serve(api)
        yield api


def support_account(count: int = 5) -> SurveyMonkeyAccount:
    account = SurveyMonkeyAccount()
    account.responses[SURVEY] = [
        sm_response(1, nps=10, speed=5, friendliness=5, stars=5, bought=("Shoes", "Bags"), comment="Fast answer",
                    email="client1@example.com"),
        sm_response(2, nps=0, speed=1, friendliness=None, stars=1, store="7002", ease=1, comment="Never again",
                    custom_store="S02"),
        sm_response(3, nps=7, speed=0, stars=None, store=None, other_store="Gdańsk pop-up"),
        sm_response(4, nps=8, status="partial", ease=None),
        sm_response(5, nps=6, speed=3, friendliness=4, stars=3, bought=("Bags",)),
    ][:count]  # fmt: skip
    return account
