"""Debug logging of every HTTP exchange (`cxbridge -vv sync`), with every credential redacted:
headers that carry one, query parameters named like one, and any configured secret's value."""

from __future__ import annotations

import logging
import re

import httpx

from cxbridge.logs import redact

log = logging.getLogger("cxbridge.http")

SENSITIVE_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "x-api-token", "api-key", "x-api-key", "cookie", "set-cookie"}
)
_SENSITIVE_NAME = re.compile(r"(key|token|secret|password|passwd|signature|assertion|code|session)", re.IGNORECASE)
_LOGGED_RESPONSE_HEADERS = ("retry-after", "content-type", "content-length")


def public_url(url: httpx.URL) -> str:
    """The URL without query string or user info, either of which may carry a token: for errors."""
    return redact(str(url.copy_with(query=None, fragment=None, username=None, password=None)))


def redacted_url(url: httpx.URL) -> str:
    """The URL with the values of credential-like query parameters masked: for debug logs."""
    params = [(name, "***" if _SENSITIVE_NAME.search(name) else value) for name, value in url.params.multi_items()]
    safe = url.copy_with(username=None, password=None, params=params) if params else url.copy_with(password=None)
    return redact(str(safe))


def redacted_headers(headers: httpx.Headers) -> dict[str, str]:
    return {
        name: "***" if name.lower() in SENSITIVE_HEADERS or _SENSITIVE_NAME.search(name) else redact(value)
        for name, value in headers.items()
    }


def log_exchange(request: httpx.Request, response: httpx.Response, seconds: float) -> None:
    """One debug line per attempt: method, URL, status, size, time; headers on the next lines."""
    if not log.isEnabledFor(logging.DEBUG):
        return
    size = response.headers.get("content-length", "?")
    log.debug(
        "%s %s -> %s (%s bytes, %.2f s)", request.method, redacted_url(request.url), response.status_code, size, seconds
    )
    log.debug("  request headers: %s", redacted_headers(request.headers))
    shown = {name: response.headers[name] for name in _LOGGED_RESPONSE_HEADERS if name in response.headers}
    log.debug("  response headers: %s", shown)
