"""The SurveyMonkey API v3 endpoints the connector calls, its error envelope, and its paging by
`links.next`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from cxbridge.http import ApiClient, ApiErrors, PageRequest, json_body, retry_after_seconds

MINUTE_LIMIT = "X-Ratelimit-App-Global-Minute-Limit"
MINUTE_REMAINING = "X-Ratelimit-App-Global-Minute-Remaining"
MINUTE_RESET = "X-Ratelimit-App-Global-Minute-Reset"
SURVEYS_PAGE = 1000  # the documented largest page of a list ("Max Page Size")
ADVICE = {  # what to do about SurveyMonkey's documented error ids ("Error Codes")
    "1010": "send the app's access token: set access_token",
    "1011": "the access token is not valid: copy it again from the app's settings (developer.surveymonkey.com/apps)",
    "1012": "the access token has expired: sign in through OAuth again, or copy a new token from the app's settings",
    "1013": "the account revoked the app's access: sign in through OAuth again",
    "1014": "the app lacks a scope: grant View Surveys, View Responses and View Response Details "
            "(surveys_read, responses_read, responses_read_detail)",
    "1015": "the account's plan does not allow this request (response details need a paid plan)",
    "1016": "the token's user cannot see this survey: share it with them, or use the owner's token",
    "1017": "the account hit a quota on this resource: wait, or ask SurveyMonkey to raise it",
    "1018": "the account lives in another datacenter: set region = \"eu\" or \"ca\" (the token's access_url)",
}  # fmt: skip


class SurveyMonkeyErrors(ApiErrors):
    service = "SurveyMonkey"
    credentials = "the access token (access_token)"
    one_credential = True
    ids = "the survey ids"

    def message(self, response: httpx.Response) -> str | None:
        """`error.message [id]` of SurveyMonkey's envelope, with what to do for the ids that need
        it; a revoked grant answers `{"status": 1, "errmsg": …}` instead."""
        body = json_body(response)
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, dict) and error.get("message"):
            said = f"{error['message']} [{error['id']}]" if error.get("id") is not None else str(error["message"])
            advice = ADVICE.get(str(error.get("id")))
            return f"{said}: {advice}" if advice else said
        if isinstance(body, dict) and body.get("errmsg"):
            return f"{body['errmsg']}: {ADVICE['1013']}"
        return super().message(response)

    def retry_after(self, response: httpx.Response) -> float | None:
        """`Retry-After`, else — on a 429 of the per-minute limit — the seconds until that
        minute's window starts again (`X-Ratelimit-App-Global-Minute-Reset`)."""
        waited = retry_after_seconds(response.headers.get("Retry-After"))
        if waited is not None or response.status_code != 429:
            return waited
        return retry_after_seconds(response.headers.get(MINUTE_RESET))


@dataclass(frozen=True)
class NextLink:
    """SurveyMonkey's `links.next`: its query (the next `page`) over the request's own path and
    filters — never its host (older answers name api.surveymonkey.net; the token goes nowhere
    else), nor a link that may leave filters out. An empty page ends the read whatever the links
    say."""

    def next_request(self, request: PageRequest, body: Any) -> PageRequest | None:
        links = body.get("links") if isinstance(body, dict) else None
        link = links.get("next") if isinstance(links, dict) else None
        if not link or not data(body):
            return None
        query = dict(parse_qsl(urlsplit(str(link)).query, keep_blank_values=True))
        return replace(request, params={**request.params, **query})


def data(body: Any) -> list[Any]:
    found = body.get("data") if isinstance(body, dict) else None
    return found if isinstance(found, list) else []


def surveys(client: ApiClient) -> Iterator[dict[str, Any]]:
    """Every survey the token sees (`GET /surveys`)."""
    first = PageRequest("/surveys", {"per_page": SURVEYS_PAGE, "page": 1})
    for page in client.pages(first, NextLink()):
        yield from data(page)


def details(client: ApiClient, survey_id: str) -> dict[str, Any]:
    """The survey's pages, questions and answer options (`GET /surveys/{id}/details`)."""
    return client.get_json(f"/surveys/{survey_id}/details")


COLLECTOR_CHANNELS = {"email": "email", "sms": "sms", "weblink": "web", "popup_invitation": "web",
                      "popup_survey": "web", "embedded_survey": "web"}  # the documented collector types


def collector_channels(client: ApiClient, survey_id: str) -> dict[str, str]:
    """Collector id → the channel its type stands for (`GET /surveys/{id}/collectors?include=type`);
    an undocumented type is `other`."""
    first = PageRequest(f"/surveys/{survey_id}/collectors", {"include": "type", "per_page": SURVEYS_PAGE, "page": 1})
    return {str(collector["id"]): COLLECTOR_CHANNELS.get(str(collector.get("type")), "other")
            for page in client.pages(first, NextLink()) for collector in data(page)}  # fmt: skip


def response_pages(client: ApiClient, survey_id: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The pages of the survey's full responses (`GET /surveys/{id}/responses/bulk`)."""
    first = PageRequest(f"/surveys/{survey_id}/responses/bulk", params)
    yield from client.pages(first, NextLink())
