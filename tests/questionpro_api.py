"""QuestionPro played on 127.0.0.1 as its API v2 documents it (../shared/reference/api_reference.md
§3): the `api-key` header, `{"response": …, "requestID"}` envelopes, both documented pagination
shapes (GET …/responses answers with the older `page/total/links`, the filter and survey lists
with the newer `currentPage/totalPages`), the date-window filter, human timestamps with zone
abbreviations, and the error envelope (1010, 1040, 1013, 1011, 1003, 1002). It can hand out fewer
per page than `perPage` asks (`page_size_cap`), as a server with a lower maximum page size would."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from tests.local_api import FakeApi, Reply, Seen, fake_api

REAL_HOST = "https://api.questionpro.com"
API_KEY = "qp-key-55e1a0c3"
PST = timezone(timedelta(hours=-8), "PST")


def qp_error(status: int, error_id: int | str, message: str, name: str) -> Reply:
    return Reply(status, {"response": {"error": {"docs": "https://www.questionpro.com/api/v2/#error-codes",
                                                  "httpStatusCode": status, "id": error_id, "message": message,
                                                  "name": name}}})  # fmt: skip


def qp_response(n: int, *, nps: int = 9, satisfaction: int = 4, store: str = "S01",
                comment: str = "", at: datetime | None = None, status: str = "Completed") -> dict[str, Any]:  # fmt: skip
    """A response object as get-response documents it: `answerText` the chosen option, `value.scale`
    its position (0 of a 0-10 scale at position 1); the time in PST, written the QuestionPro way."""
    moment = (at or datetime(2026, 3, 1, 17, 0, tzinfo=timezone.utc) + timedelta(hours=n)).astimezone(PST)
    answers = [
        {"questionID": 9001, "questionDescription": " ", "questionCode": "Q1",
         "questionText": "How likely is it that you would recommend Acme to a friend?", "imageUrl": None,
         "answerValues": [{"answerID": 9001000 + nps, "answerText": str(nps),
                           "value": {"scale": str(nps + 1), "other": "", "dynamicExplodeText": "", "text": "",
                                     "result": "", "fileLink": "", "weight": 0.0}}]},
        {"questionID": 9002, "questionDescription": " ", "questionCode": "Q2",
         "questionText": "How satisfied are you with our service?", "imageUrl": None,
         "answerValues": [{"answerID": 9002000 + satisfaction, "answerText": ["Very Dissatisfied", "Dissatisfied",
                           "Neutral", "Satisfied", "Very Satisfied"][satisfaction - 1],
                           "value": {"scale": str(satisfaction), "other": "", "dynamicExplodeText": "", "text": "",
                                     "result": "", "fileLink": "", "weight": 0.0}}]},
    ]  # fmt: skip
    if comment:
        answers.append({"questionID": 9003, "questionDescription": " ", "questionCode": "Q3",
                        "questionText": "What could we improve?", "imageUrl": None,
                        "answerValues": [{"answerID": 9003001, "answerText": "",
                                          "value": {"scale": "", "other": "", "dynamicExplodeText": "", "text": comment,
                                                    "result": "", "fileLink": "", "weight": 0.0}}]})  # fmt: skip
    return {
        "responseID": 70000000 + n, "surveyID": 7654321, "surveyName": "Support CSAT", "ipAddress": "198.51.100.4",
        "timestamp": moment.strftime("%d %b, %Y %I:%M:%S %p ") + "PST",
        "location": {"country": None, "region": "MZ", "latitude": 0.0, "longitude": 0.0, "radius": 0.0,
                     "countryCode": "PL"},
        "duplicate": False, "timeTaken": 41, "responseStatus": status, "externalReference": f"ticket-{n}",
        "customVariables": {"custom1": store, "custom2": f"client{n}@example.com", "custom3": None, "custom4": None,
                            "custom5": None},
        "language": "English", "currentInset": "", "operatingSystem": "WINDOWS_10", "osDeviceType": "COMPUTER",
        "browser": "CHROME8", "responseSet": answers,
    }  # fmt: skip


@dataclass
class QuestionProAccount:
    surveys: dict[int, str] = field(default_factory=lambda: {7654321: "Support CSAT"})
    responses: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    spent: bool = False  # the licence's call allowance is used up
    page_size_cap: int | None = None  # the server hands out at most this many per page, whatever perPage asks
    max_per_page: int | None = None  # a perPage above this is refused (1003)
    not_shared: set[int] = field(default_factory=set)  # surveys the key's user was not granted (1011)
    no_api_access: bool = False  # the licence has no API permission (1013 with a 403)
    schema_changed: bool = False  # the filter endpoint no longer accepts the body it used to (1002)
    questions: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # GET …/questions, by survey

    def serve(self, api: FakeApi) -> None:
        root = "/a/api/v2"
        api.route("GET", f"{root}/users/(\\d+)/surveys")(self.user_surveys)
        api.route("GET", f"{root}/surveys/(\\d+)/responses")(self.list_responses)
        api.route("POST", f"{root}/surveys/(\\d+)/responses/filter")(self.filter_responses)
        api.route("GET", f"{root}/surveys/(\\d+)/questions")(self.list_questions)

    def check(self, seen: Seen, survey: int | None = None) -> Reply | None:
        if self.spent:
            return qp_error(429, 1013, "API call limit exceeded.", "TOO_MANY_REQUESTS")
        if {k.lower(): v for k, v in seen.headers.items()}.get("api-key") != API_KEY:
            return qp_error(401, 1010, "Incorrect API Key.", "UNAUTHORIZED")
        if self.no_api_access:
            return qp_error(403, 1013, "No permission.", "FORBIDDEN")
        if self.max_per_page is not None and int(seen.query.get("perPage", 100)) > self.max_per_page:
            return qp_error(400, 1003, "Invalid URL parameters.", "BAD_REQUEST")
        if survey is not None and survey not in self.surveys:
            return qp_error(404, 1040, "Resource not found.", "NOT_FOUND")
        if survey in self.not_shared:
            return qp_error(403, 1011, "Permission not granted.", "FORBIDDEN")
        return None

    def per_page(self, seen: Seen) -> int:
        asked = int(seen.query.get("perPage", 100))
        return min(asked, self.page_size_cap) if self.page_size_cap else asked

    def user_surveys(self, seen: Seen, match: Any) -> Any:
        if refused := self.check(seen):
            return refused
        items = [{"surveyID": sid, "name": name, "status": "Active"} for sid, name in self.surveys.items()]
        return self._new_page(seen, items)

    def list_responses(self, seen: Seen, match: Any) -> Any:
        survey = int(match.group(1))
        if refused := self.check(seen, survey):
            return refused
        items = self.responses.get(survey, [])
        page, per_page = int(seen.query.get("page", 1)), self.per_page(seen)
        chunk = items[(page - 1) * per_page : page * per_page]
        base = f"/a/api/v2/surveys/{survey}/responses?perPage={per_page}&page="
        last = max(1, -(-len(items) // per_page))
        links = {"self": f"{base}{page}", "first": f"{base}1", "last": f"{base}{last}",
                 "prev": f"{base}{page - 1}" if page > 1 else None, "next": f"{base}{page + 1}" if page < last else None}  # fmt: skip
        return {"response": chunk, "pagination": {"perPage": per_page, "page": page, "total": len(items), "links": links},
                "requestID": f"req-{page}"}  # fmt: skip

    def list_questions(self, seen: Seen, match: Any) -> Any:
        survey = int(match.group(1))
        if refused := self.check(seen, survey):
            return refused
        return self._new_page(seen, self.questions.get(survey, []))

    def filter_responses(self, seen: Seen, match: Any) -> Any:
        survey = int(match.group(1))
        if refused := self.check(seen, survey):
            return refused
        body = seen.json()
        if body.get("timeZone") != "GMT+00:00" or self.schema_changed:
            return qp_error(400, 1002, "Invalid schema.", "BAD_REQUEST")
        start = datetime.fromisoformat(body["startDate"]).replace(tzinfo=timezone.utc)
        end = datetime.fromisoformat(body["endDate"]).replace(tzinfo=timezone.utc)
        wanted = {2: ("Completed",), 0: ("Completed", "Started", "Terminated")}[body.get("resultMode", 0)]
        items = [r for r in self.responses.get(survey, [])
                 if start <= _moment(r["timestamp"]) <= end and r["responseStatus"] in wanted]  # fmt: skip
        return self._new_page(seen, items)

    def _new_page(self, seen: Seen, items: list[Any]) -> dict[str, Any]:
        page, per_page = int(seen.query.get("page", 1)), self.per_page(seen)
        total_pages = max(1, -(-len(items) // per_page))
        return {"response": items[(page - 1) * per_page : page * per_page],
                "pagination": {"perPage": per_page, "totalItems": len(items), "currentPage": page,
                               "totalPages": total_pages, "links": {"self": seen.target}},
                "requestID": f"req-{page}"}  # fmt: skip


def qp_question(qid: int, code: str, text: str, options: list[str]) -> dict[str, Any]:
    """A question of GET …/surveys/{id}/questions (api_reference §3.3): the fields create-question
    documents for one (questionpro.com/api create-question: `type`, `text`, `code`, `required`,
    `answers[].text`), with the ids a response names them by (`questionID`, `answerID`, §3.4)."""
    return {"questionID": qid, "code": code, "text": text, "type": "multiplechoice_radio", "required": False,
            "answers": [{"answerID": qid * 1000 + n, "text": option} for n, option in enumerate(options, 1)]}  # fmt: skip


def qp_matrix(qid: int, code: str, text: str, rows: dict[int, str], columns: list[str]) -> dict[str, Any]:
    """A matrix question of GET …/questions as public clients read one (no recorded answer of the
    list was found: tests/data/vendor/questionpro/README.md): `rows[{rowID, text, columns[{columnID,
    text}]}]` instead of `answers`, each row listing the matrix's columns."""
    listed = [{"columnID": qid * 100 + n, "text": column} for n, column in enumerate(columns, 1)]
    return {"questionID": qid, "code": code, "text": text, "type": "matrix_radio", "required": False,
            "rows": [{"rowID": row, "text": row_text, "columns": listed} for row, row_text in rows.items()]}  # fmt: skip


def qp_row_answer(matrix: dict[str, Any], row: int, column: str) -> dict[str, Any]:
    """A `responseSet` item answering one row of `matrix` (inferred, not documented): the row as a
    question of its own, as the documented responses list a contact block's rows — its `rowID` as
    the `questionID`, code `Q3_1`, its text as `questionText`, the matrix's as `questionDescription`
    — and the column chosen as `answerText` at its position (`value.scale`)."""
    [listed] = [r for r in matrix["rows"] if r["rowID"] == row]
    texts = [c["text"] for c in listed["columns"]]  # a column since taken out: at the number it shows
    position = texts.index(column) + 1 if column in texts else int(column.split()[0])
    code = f"{matrix['code']}_{matrix['rows'].index(listed) + 1}"
    return {"questionID": row, "questionDescription": matrix["text"], "questionCode": code,
            "questionText": listed["text"], "imageUrl": None,
            "answerValues": [{"answerID": row * 100 + position, "answerText": column,
                              "value": {"scale": str(position), "other": "", "dynamicExplodeText": "", "text": "",
                                        "result": "", "fileLink": "", "weight": 0.0}}]}  # fmt: skip


def _moment(text: str) -> datetime:
    local = datetime.strptime(text.rsplit(" ", 1)[0], "%d %b, %Y %I:%M:%S %p")
    return local.replace(tzinfo=PST).astimezone(timezone.utc)


@contextmanager
def questionpro(account: QuestionProAccount) -> Iterator[FakeApi]:
    with fake_api() as api:
        account.serve(api)
        yield api


def support_account(count: int = 5) -> QuestionProAccount:
    account = QuestionProAccount()
    account.responses[7654321] = [
        qp_response(1, nps=10, comment="Fast answer"), qp_response(2, nps=3, satisfaction=1, store="S02"),
        qp_response(3, nps=7), qp_response(4, nps=9, status="Started"), qp_response(5, nps=8, store="S03"),
    ][:count]  # fmt: skip
    return account
