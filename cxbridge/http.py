"""HTTP for source plugins: an httpx client whose transport retries 429, 5xx, timeouts and
dropped connections with backoff (honouring `Retry-After`), and errors named by what the runner
must do. The transport is the seam: tests wrap or replace it, nothing patches `time.sleep`."""

from __future__ import annotations

import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt

from cxbridge.errors import FatalSourceError, SourceError, TransientSourceError

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


class _Retryable(Exception):
    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.retry_after = retry_after


class RetryingTransport(httpx.BaseTransport):
    """Wraps a transport; repeats a request on 429/5xx/timeouts, waiting as the server asks."""

    def __init__(
        self,
        wrapped: httpx.BaseTransport | None = None,
        *,
        attempts: int = 5,
        backoff: float = 1.0,
        max_wait: float = 120.0,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.wrapped = wrapped or httpx.HTTPTransport()
        self.attempts = attempts
        self.backoff = backoff
        self.max_wait = max_wait
        self.sleep = sleep

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        retrying = Retrying(
            stop=stop_after_attempt(self.attempts),
            wait=self._wait,
            retry=retry_if_exception_type(_Retryable),
            sleep=self.sleep,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return self._send_once(request)
        except _Retryable as exc:
            raise TransientSourceError(
                f"{request.method} {_public_url(request)}: {exc} after {self.attempts} attempts; re-run later"
            ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _send_once(self, request: httpx.Request) -> httpx.Response:
        try:
            response = self.wrapped.handle_request(request)
        except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            raise _Retryable(f"{type(exc).__name__}") from None
        if response.status_code not in RETRY_STATUSES:
            return response
        response.read()
        response.close()
        retry_after = retry_after_seconds(response.headers.get("Retry-After"))
        if retry_after is not None and retry_after > self.max_wait:
            raise TransientSourceError(
                f"{request.method} {_public_url(request)}: rate-limited for {retry_after:.0f} s "
                "(quota exhausted?); re-run later"
            )
        raise _Retryable(f"HTTP {response.status_code}", retry_after)

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Retryable) and exc.retry_after is not None:
            return exc.retry_after
        return min(self.max_wait, self.backoff * 2 ** (state.attempt_number - 1))

    def close(self) -> None:
        self.wrapped.close()


def retry_after_seconds(value: str | None) -> float | None:
    """`Retry-After` as seconds to wait: it is either a number of seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def client(
    *,
    base_url: str = "",
    headers: dict[str, str] | None = None,
    timeout: float = 30.0,
    transport: httpx.BaseTransport | None = None,
    **options: object,
) -> httpx.Client:
    """An httpx client for a source: retries built in; pass `transport` to wrap another one."""
    return httpx.Client(
        base_url=base_url,
        headers=headers,
        timeout=timeout,
        transport=RetryingTransport(transport),
        **options,  # type: ignore[arg-type]
    )


def check(response: httpx.Response) -> httpx.Response:
    """The response if it succeeded, else the error that says what to do (never the query string)."""
    if response.is_success:
        return response
    where = f"{response.request.method} {_public_url(response.request)}"
    status = f"HTTP {response.status_code} {response.reason_phrase}"
    if response.status_code in (401, 403):
        raise FatalSourceError(f"{where}: {status}; check the credentials and their permissions")
    if response.status_code == 404:
        raise FatalSourceError(f"{where}: {status}; check the ids and the base URL in the config")
    raise SourceError(f"{where}: {status}")


def _public_url(request: httpx.Request) -> str:
    """The URL without query string or user info: either may carry a token."""
    return str(request.url.copy_with(query=None, fragment=None, username=None, password=None))
