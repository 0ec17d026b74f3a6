"""The QuestionPro v2 endpoints the connector calls, its error envelope, and its two documented
pagination shapes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import httpx

from cxbridge.http import ApiClient, ApiErrors, PageRequest, json_body

QUOTA_SPENT = 1013  # with a 429: the licence's total call allowance is used up


class QuestionProErrors(ApiErrors):
    service = "QuestionPro"
    credentials = "the API key (api_key)"
    ids = "the survey ids, user_id, region"

    def message(self, response: httpx.Response) -> str | None:
        """`response.error.message` with its id: `Incorrect API Key. [1010]`."""
        error = _error(response)
        if error and error.get("message"):
            return f"{error['message']} [{error.get('id')}]" if error.get("id") is not None else str(error["message"])
        return super().message(response)

    def is_quota_exhausted(self, response: httpx.Response) -> bool:
        error = _error(response)
        return response.status_code == 429 and error is not None and str(error.get("id")) == str(QUOTA_SPENT)


@dataclass(frozen=True)
class Pages:
    """QuestionPro's paging, in either documented shape: `pagination.currentPage`/`totalPages`
    (newer) or `pagination.page`/`total` with `links.next` (older); a short page ends it too."""

    page_size: int

    def next_request(self, request: PageRequest, body: Any) -> PageRequest | None:
        items = response_list(body)
        page = int(request.params.get("page", 1))
        paging = body.get("pagination") or {} if isinstance(body, dict) else {}
        total_pages = paging.get("totalPages")
        if total_pages is None and paging.get("total") is not None:
            total_pages = -(-int(paging["total"]) // max(int(paging.get("perPage") or self.page_size), 1))
        if not items or len(items) < self.page_size:
            return None
        if total_pages is not None and page >= int(total_pages):
            return None
        if total_pages is None and isinstance(paging.get("links"), dict) and not paging["links"].get("next"):
            return None
        return replace(request, params={**request.params, "page": page + 1})


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


def filtered_responses(client: ApiClient, survey_id: int, page_size: int, body: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Responses in a date window (POST …/responses/filter)."""
    first = PageRequest(f"/a/api/v2/surveys/{survey_id}/responses/filter", {"page": 1, "perPage": page_size},
                        method="POST", json=body)  # fmt: skip
    for page in client.pages(first, Pages(page_size)):
        yield from response_list(page)


def _error(response: httpx.Response) -> dict[str, Any] | None:
    body = json_body(response)
    inner = body.get("response") if isinstance(body, dict) else None
    error = (inner or {}).get("error") if isinstance(inner, dict) else (body or {}).get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else None
