"""The QuestionPro v2 endpoints the connector calls, its error envelope, and its two documented
pagination shapes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import httpx

from cxbridge.http import ApiClient, ApiErrors, PageRequest, json_body

QUOTA_SPENT = 1013  # with a 429: the licence's total call allowance is used up
ADVICE = {  # what to do about the documented error ids (api_reference.md §3.5)
    1001: "the request body is not JSON: report it to cxbridge with the requestID (the API may have changed)",
    1002: "the request body does not match QuestionPro's schema: report it to cxbridge (the API may have changed)",
    1003: "QuestionPro refused the URL parameters: check the survey ids and lower page_size",
    1011: "the API key's user has not been granted this survey: share it with that user, or use the owner's key",
}
NO_API_PERMISSION = "the licence or user has no API permission: ask the QuestionPro account admin to enable API access"


class QuestionProErrors(ApiErrors):
    service = "QuestionPro"
    credentials = "the API key (api_key)"
    one_credential = True
    ids = "the survey ids, user_id, region"

    def message(self, response: httpx.Response) -> str | None:
        """`response.error.message` with its id (`Incorrect API Key. [1010]`) and, for the documented
        ids that need it, what to do."""
        error = _error(response)
        if not (error and error.get("message")):
            return super().message(response)
        said = f"{error['message']} [{error.get('id')}]" if error.get("id") is not None else str(error["message"])
        advice = _advice(response.status_code, error.get("id"))
        return f"{said}: {advice}" if advice else said

    def is_quota_exhausted(self, response: httpx.Response) -> bool:
        error = _error(response)
        return response.status_code == 429 and error is not None and str(error.get("id")) == str(QUOTA_SPENT)


@dataclass(frozen=True)
class Pages:
    """QuestionPro's paging, in either documented shape: `pagination.links.next` (older), else
    `pagination.totalPages` (newer) or one computed from `total`/`perPage`. A page shorter than
    asked for ends the read only when the answer says nothing else: the server may hand out
    fewer per page than `perPage` asked."""

    page_size: int

    def next_request(self, request: PageRequest, body: Any) -> PageRequest | None:
        if not response_list(body):
            return None
        page = int(request.params.get("page", 1))
        more = _more_pages(body.get("pagination") if isinstance(body, dict) else None, page)
        if more is None:
            more = len(response_list(body)) >= self.page_size
        return replace(request, params={**request.params, "page": page + 1}) if more else None


def _more_pages(paging: Any, page: int) -> bool | None:
    """Whether the pagination object says a page follows `page`; None if it does not say."""
    if not isinstance(paging, dict):
        return None
    links = paging.get("links")
    if isinstance(links, dict) and "next" in links:
        return bool(links["next"])
    if paging.get("totalPages") is not None:
        return page < int(paging["totalPages"])
    if paging.get("total") is not None and paging.get("perPage"):
        return page < -(-int(paging["total"]) // max(int(paging["perPage"]), 1))
    return None


def response_list(body: Any) -> list[Any]:
    found = body.get("response") if isinstance(body, dict) else None
    return found if isinstance(found, list) else []


def user_surveys(client: ApiClient, user_id: int, page_size: int) -> Iterator[dict[str, Any]]:
    first = PageRequest(f"/a/api/v2/users/{user_id}/surveys", {"page": 1, "perPage": page_size})
    for page in client.pages(first, Pages(page_size)):
        yield from response_list(page)


def responses(client: ApiClient, survey_id: int, page_size: int) -> Iterator[dict[str, Any]]:
    """Every response (GET …/responses)."""
    first = PageRequest(f"/a/api/v2/surveys/{survey_id}/responses", {"page": 1, "perPage": page_size})
    for page in client.pages(first, Pages(page_size)):
        yield from response_list(page)


@dataclass(frozen=True)
class QuestionList:
    """A survey's question list: the ids of its questions, each one's answer options (a matrix's by
    row), and each matrix's rows, by the matrix's id."""

    questions: set[str]
    options: dict[str, list[str]]
    rows: dict[str, list[str]]

    def ids(self) -> set[str]:
        """Every id the list names: its questions' (matrices' too) and its matrices' rows'."""
        return self.questions | {row for rows in self.rows.values() for row in rows}


def question_list(client: ApiClient, survey_id: int, page_size: int) -> QuestionList:
    """Each question's answer options as the survey lists them (GET …/questions, api_reference
    §3.3), by question id: a question's `answers[].text`, the shape create-question documents; a
    matrix's by row (`rows[{rowID, text, columns[{columnID, text}]}]`, as public clients read it):
    its columns' texts, else the matrix's `columns`, keyed by the `rowID` — each row a question of
    its own, as a response lists the rows of a contact block (its own `questionID`, code `Q2_1`)."""
    first = PageRequest(f"/a/api/v2/surveys/{survey_id}/questions", {"page": 1, "perPage": page_size})
    found = QuestionList(set(), {}, {})
    for page in client.pages(first, Pages(page_size)):
        for question in (item for item in response_list(page) if isinstance(item, dict)):
            qid = None if question.get("questionID") is None else str(question["questionID"])
            listed = question.get("rows") if isinstance(question.get("rows"), list) else []
            rows = [row for row in listed if isinstance(row, dict) and row.get("rowID") is not None]
            if qid is not None:
                found.questions.add(qid)
                found.rows.update({qid: [str(row["rowID"]) for row in rows]} if rows else {})
            if isinstance(answers := question.get("answers"), list) and qid is not None:
                found.options[qid] = _texts(answers)
            for row in rows:
                if isinstance(columns := row.get("columns") or question.get("columns"), list) and columns:
                    found.options[str(row["rowID"])] = _texts(columns)
    return found


def _texts(options: list[Any]) -> list[str]:
    """The texts of listed options (`answers` or `columns`), blank ones left out."""
    return [text for option in options if isinstance(option, dict) and (text := str(option.get("text") or "").strip())]


def filtered_responses(client: ApiClient, survey_id: int, page_size: int, body: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Responses in a date window (POST …/responses/filter)."""
    first = PageRequest(f"/a/api/v2/surveys/{survey_id}/responses/filter", {"page": 1, "perPage": page_size},
                        method="POST", json=body)  # fmt: skip
    for page in client.pages(first, Pages(page_size)):
        yield from response_list(page)


def _advice(status: int, error_id: Any) -> str | None:
    try:
        code = int(error_id)  # documented as a number, sometimes sent as a string
    except (TypeError, ValueError):
        return None
    if code == QUOTA_SPENT and status == 403:
        return NO_API_PERMISSION
    return ADVICE.get(code)


def _error(response: httpx.Response) -> dict[str, Any] | None:
    body = json_body(response)
    inner = body.get("response") if isinstance(body, dict) else None
    error = (inner or {}).get("error") if isinstance(inner, dict) else (body or {}).get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else None
