"""Failed responses as errors that say what to do. `ApiErrors` is the per-API hook: a connector
subclasses it to read its API's error envelope, to say which 429s are a spent quota (never
retried), and to name its credentials in the hints."""

from __future__ import annotations

import json
from typing import Any

import httpx

from cxbridge.errors import FatalSourceError, SourceError, TransientSourceError
from cxbridge.http.wire_log import public_url
from cxbridge.http.retries import retry_after_seconds
from cxbridge.logs import redact

_MESSAGE_KEYS = ("message", "errorMessage", "error_description", "description", "detail", "error")


class ApiErrors:
    """How one API reports errors. Override `message`, `is_quota_exhausted` and `retry_after` as
    needed."""

    service = "the API"
    credentials = "the credentials"
    one_credential = False
    """`credentials` names one thing (a token, a key): the hints say "it", "its" and "lacks"."""
    ids = "the ids"

    def message(self, response: httpx.Response) -> str | None:
        """The API's own words from the error body, if it has any (common envelopes by default)."""
        return find_message(json_body(response))

    def is_quota_exhausted(self, response: httpx.Response) -> bool:
        """A 429 (or other answer) that will not pass by retrying: a daily or licence quota."""
        return False

    def retry_after(self, response: httpx.Response) -> float | None:
        """Seconds to wait before retrying a 429 or 5xx: `Retry-After` by default; an API that
        says it in headers of its own (a window's reset) reads them here."""
        return retry_after_seconds(response.headers.get("Retry-After"))

    def advice(self, response: httpx.Response) -> str | None:
        """What the user should do about a request the API rejected (a 400 and the like), when
        the API's error code says more than "rejected"."""
        return None

    def refused(self, response: httpx.Response) -> str | None:
        """The credentials an answer other than a 401 says are refused (an OAuth token endpoint's
        400 `invalid_client`), with what to check, told as a 401 is; None when it says no such thing."""
        return None

    def error(self, response: httpx.Response) -> SourceError:
        """The error for a response that did not succeed (its `status_code` set)."""
        error = self._error(response)
        error.status_code = response.status_code
        return error

    def _error(self, response: httpx.Response) -> SourceError:
        status = response.status_code
        where = f"{response.request.method} {public_url(response.request.url)}: HTTP {status}"
        said = self.message(response)
        if said:
            where += f" ({redact(said)[:300]})"
        if self.is_quota_exhausted(response):
            return FatalSourceError(
                f"{where}; the {self.service} quota is used up — retrying will not help: wait until it resets, "
                "or raise the limit"
            )
        them, lack, their = ("it", "lacks", "its") if self.one_credential else ("them", "lack", "their")
        if status in (400, 401) and (refused := self.refused(response)):
            return FatalSourceError(f"{where}; {self.service} did not accept {refused}")
        if status == 401:
            return FatalSourceError(f"{where}; {self.service} did not accept {self.credentials}: check {them}")
        if status == 403:
            return FatalSourceError(
                f"{where}; {self.credentials} {lack} permission for this: check {their} scopes and permissions"
            )
        if status == 404:
            return FatalSourceError(f"{where}; not found: check {self.ids} and base_url in the config")
        if status in (408, 429) or status >= 500:
            return TransientSourceError(f"{where}; re-run later")
        advice = self.advice(response)
        return FatalSourceError(f"{where}; {self.service} rejected the request" + (f": {advice}" if advice else ""))


def check(response: httpx.Response, errors: ApiErrors | None = None) -> httpx.Response:
    """The response if it succeeded, else the error that says what to do (never the query string)."""
    if response.is_success:
        return response
    response.read()
    raise (errors or ApiErrors()).error(response)


def json_body(response: httpx.Response) -> Any:
    """The body parsed as JSON, or None if it is not JSON."""
    try:
        return json.loads(response.content)
    except (ValueError, UnicodeDecodeError, httpx.ResponseNotRead):
        return None


def find_message(body: Any, depth: int = 0) -> str | None:
    """The first message-like string in a JSON error body: `message`, `error.message`, `errors[0]`…"""
    if depth > 3:
        return None
    if isinstance(body, str):
        return body or None
    if isinstance(body, list):
        return next((m for m in (find_message(item, depth + 1) for item in body[:3]) if m), None)
    if isinstance(body, dict):
        for key in (*_MESSAGE_KEYS, "errors", "meta", "response"):
            if key in body and (found := find_message(body[key], depth + 1)):
                return found
    return None
