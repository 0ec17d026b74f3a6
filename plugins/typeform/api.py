"""The Typeform endpoints the connector calls — forms list, form definition, responses — its error
envelope, and how responses are paged: newest first, each next page asked `before` the token of
the last response of the page before (the Responses API's documented token cursor)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any

import httpx

from cxbridge.errors import FatalSourceError
from cxbridge.http import ApiClient, ApiErrors, PageNumber, PageRequest, json_body

API_HOSTS = {"us": "https://api.typeform.com", "eu": "https://api.eu.typeform.com"}
TYPEFORM_HOSTS = frozenset({"api.typeform.com", "api.eu.typeform.com", "api.typeform.eu"})
FORMS_PAGE_SIZE = 200  # the forms list's documented maximum
SINCE_FORMAT = "%Y-%m-%dT%H:%M:%S"  # "ISO 8601 format, UTC time, to the second, with T as a delimiter"


class TypeformErrors(ApiErrors):
    service = "Typeform"
    credentials = "the personal access token (token)"
    one_credential = True
    ids = "the form ids"

    def message(self, response: httpx.Response) -> str | None:
        """`description [code]` of Typeform's error envelope, with the first field-level detail."""
        body = json_body(response)
        if not isinstance(body, dict) or not body.get("description"):
            return super().message(response)
        said = f"{body['description']} [{body['code']}]" if body.get("code") else str(body["description"])
        details = body.get("details")
        if isinstance(details, list) and details and isinstance(details[0], dict) and details[0].get("description"):
            first = details[0]
            said += f"; {first.get('field') or first.get('in') or 'request'}: {first['description']}"
        return said


@dataclass(frozen=True)
class NewestFirst:
    """Responses come newest first; the next page is asked `before` the last token of this one.
    A page is the last when the answer counts no page after it (`page_count` 1), or, when it does
    not say, when it holds fewer responses than asked for."""

    page_size: int

    def next_request(self, request: PageRequest, body: Any) -> PageRequest | None:
        items = items_of(body)
        token = items[-1].get("token") if items and isinstance(items[-1], dict) else None
        if not token:
            return None
        pages = body.get("page_count") if isinstance(body, dict) else None
        more = int(pages) > 1 if isinstance(pages, int | float) else len(items) >= self.page_size
        return replace(request, params={**request.params, "before": token}) if more else None


def items_of(body: Any) -> list[Any]:
    found = body.get("items") if isinstance(body, dict) else None
    return found if isinstance(found, list) else []


def account_forms(client: ApiClient, *, workspace_id: str | None) -> Iterator[dict[str, Any]]:
    """Every form the token can read (GET /forms, numbered pages)."""
    params: dict[str, Any] = {"page": 1, "page_size": FORMS_PAGE_SIZE}
    if workspace_id:
        params["workspace_id"] = workspace_id
    paging = PageNumber(items_of, FORMS_PAGE_SIZE, total_pages=lambda body: body.get("page_count"))
    for page in client.pages(PageRequest("/forms", params), paging):
        yield from (item for item in items_of(page) if isinstance(item, dict) and item.get("id"))


def form_definition(client: ApiClient, form_id: str) -> dict[str, Any]:
    found = client.get_json(f"/forms/{form_id}")
    if not isinstance(found, dict) or not isinstance(found.get("fields", []), list):
        raise FatalSourceError(f"GET /forms/{form_id}: the answer is not a form definition (no fields list)")
    return found


def responses(
    client: ApiClient, url: str, *, response_type: str, since: datetime | None, page_size: int
) -> Iterator[dict[str, Any]]:
    """Every response of one type since `since` (inclusive, to the second), newest first."""
    params: dict[str, Any] = {"page_size": page_size, "response_type": response_type}
    if since is not None:
        params["since"] = since.astimezone(timezone.utc).strftime(SINCE_FORMAT)
    for page in client.pages(PageRequest(url, params), NewestFirst(page_size)):
        yield from (item for item in items_of(page) if isinstance(item, dict))


def responses_url(links: dict[str, Any], form_id: str, *, base_url: str) -> str:
    """Where this form's responses are read: the form's own `_links.responses`, which names the
    account's Responses data center (api.eu.typeform.com for an EU account, whose responses the US
    host answers as none at all), else /forms/{id}/responses. The token goes only to a Typeform
    API host over https, or to the configured host itself."""
    link = links.get("responses")
    if not isinstance(link, str) or not link:
        return f"/forms/{form_id}/responses"
    url, base = httpx.URL(link), httpx.URL(base_url)
    if url.host == base.host or (url.host in TYPEFORM_HOSTS and url.scheme == "https"):
        return str(url.copy_with(query=None, fragment=None))
    raise FatalSourceError(
        f"form {form_id}: its responses link points to {url.scheme}://{url.host}, not a Typeform API host; the token "
        "is not sent there — check base_url in the config"
    )
