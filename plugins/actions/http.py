"""One HTTP request of an action: its failures told as DeliveryErrors that name the action and
the status, never the URL (webhook URLs carry their secret) or a credential."""

from __future__ import annotations

from typing import Any

import httpx

from cxbridge import __version__
from cxbridge.logs import mask_http_client_logs
from cxbridge.loop.actions import DeliveryError

RETRY_LATER = frozenset({408, 409, 425, 429, 500, 502, 503, 504})


def client(*, timeout: float, headers: dict[str, str] | None = None) -> httpx.Client:
    """An HTTP client for an action, whose requests are logged with their secrets masked."""
    mask_http_client_logs()
    return httpx.Client(timeout=timeout, headers=headers, follow_redirects=False)


def send(
    client: httpx.Client, method: str, url: str, *, action: str, headers: dict[str, str] | None = None,
    json: Any = None, params: dict[str, str] | None = None,
) -> httpx.Response:  # fmt: skip
    """The response to one request, or a DeliveryError saying what went wrong and whether a
    later attempt may work (the `Retry-After` it was given, if any)."""
    try:
        response = client.request(method, url, headers={"User-Agent": f"cxbridge/{__version__}", **(headers or {})},
                                  json=json, params=params)  # fmt: skip
    except httpx.TimeoutException:
        raise DeliveryError(f"{action}: no answer in time") from None
    except httpx.HTTPError as exc:
        raise DeliveryError(f"{action}: could not reach it ({type(exc).__name__})") from None
    if response.status_code >= 300:
        raise DeliveryError(_refusal(action, response), retry_after=_retry_after(response))
    return response


def _refusal(action: str, response: httpx.Response) -> str:
    status = response.status_code
    if status in (401, 403):
        return f"{action}: HTTP {status}, the credentials were refused; check them"
    if status == 404:
        return f"{action}: HTTP 404, the address is wrong or was removed; check it"
    if status in RETRY_LATER:
        return f"{action}: HTTP {status}, busy or failing for now"
    return f"{action}: HTTP {status}, refused: {response.text[:200].strip()}"


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        return max(float(value), 0.0)
    except ValueError:
        return None
