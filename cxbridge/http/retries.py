"""Retries: an httpx transport that repeats a request on transport errors, timeouts, truncated
bodies, 429 and 5xx — waiting as `Retry-After` asks, else with capped exponential backoff and
jitter — and gives up with an error that says to re-run later. `sleep` is injectable, so tests
never wait and nothing patches `time.sleep`."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt

from cxbridge.deadline import RunDeadline
from cxbridge.errors import TransientSourceError
from cxbridge.http import tls
from cxbridge.http.watchdog import Watchdog
from cxbridge.http.wire_log import log_exchange, public_url

if TYPE_CHECKING:
    from cxbridge.http.errors import ApiErrors
    from cxbridge.http.ratelimit import RateLimiter

log = logging.getLogger("cxbridge.http")
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
STREAM = "cxbridge.stream"
"""Request extension: the caller reads the body itself (a large download), so the transport
returns the response unread and a fault inside the body is the caller's to retry."""
ONCE = "cxbridge.once"
"""Request extension: the request makes something (a ticket, a task) and must not be sent twice.
Only the answers that say it was not taken (429, 503) are retried; a lost answer, a timeout or
another 5xx fail at once, for the caller to look for what it made before it tries again."""
NOT_TAKEN = frozenset({429, 503})

Sleep = Callable[[float], None]


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry a request before giving up."""

    attempts: int = 5
    backoff: float = 1.0  # the first wait without Retry-After; doubled each time
    max_backoff: float = 60.0
    max_retry_after: float = 300.0  # a server asking for longer is out of quota: fail now
    jitter: float = 0.25  # up to this fraction of a backoff wait is added at random (within max_backoff)

    def backoff_wait(self, attempt: int) -> float:
        """The doubled backoff with its jitter, capped last so no wait exceeds `max_backoff`."""
        wait = min(self.max_backoff, self.backoff * 2 ** (attempt - 1))
        jittered = wait + random.uniform(0, wait * self.jitter) if self.jitter else wait
        return min(self.max_backoff, jittered)


class Retryable(Exception):
    """A failed attempt worth repeating; `retry_after` is what the server asked for, if anything."""

    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.retry_after = retry_after


def retrying(policy: RetryPolicy, sleep: Sleep, *, told: Callable[[RetryCallState], None] | None = None) -> Retrying:
    """A tenacity loop over `Retryable` failures, honouring `Retry-After` over the backoff;
    `told` is called before each wait (`telling`)."""

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, Retryable) and exc.retry_after is not None:
            return exc.retry_after
        return policy.backoff_wait(state.attempt_number)

    return Retrying(
        stop=stop_after_attempt(policy.attempts),
        wait=wait,
        retry=retry_if_exception_type(Retryable),
        sleep=sleep,
        before_sleep=told,
        reraise=True,
    )


def telling(name: str | None, request: httpx.Request, attempts: int) -> Callable[[RetryCallState], None]:
    """One warning per wait before a retry — whose request, how long, why — shown at the default
    verbosity: a sync under cron that waits out a 429 (Zendesk's 10 exports a minute) says so."""

    def tell(state: RetryCallState) -> None:
        failure = state.outcome.exception() if state.outcome else None
        seconds = state.next_action.sleep if state.next_action else 0.0
        why = "as the API asks" if isinstance(failure, Retryable) and failure.retry_after is not None else "before trying again"
        log.warning("%s%s %s: %s; waiting %.3g s %s, then attempt %d of %d", f"{name}: " if name else "",
                    request.method, public_url(request.url), failure, seconds, why, state.attempt_number + 1, attempts)  # fmt: skip

    return tell


def gave_up(request: httpx.Request, exc: Retryable, attempts: int) -> TransientSourceError:
    return TransientSourceError(
        f"{request.method} {public_url(request.url)}: {exc} after {attempts} attempts; re-run later"
    )


class RetryingTransport(httpx.BaseTransport):
    """Wraps a transport: paces requests (optional rate limiter) and repeats the ones that failed
    for a reason that passes. A 429 the API says is permanent (a spent quota) is returned as is.
    With a `deadline` (seconds one answer may take, whole) or a `run` deadline, a watchdog cuts
    an answer short at the nearer one; a run deadline that passes is not retried."""

    def __init__(
        self,
        wrapped: httpx.BaseTransport | None = None,
        *,
        policy: RetryPolicy | None = None,
        sleep: Sleep = time.sleep,
        limiter: RateLimiter | None = None,
        errors: ApiErrors | None = None,
        deadline: float | None = None,
        run: RunDeadline | None = None,
        name: str | None = None,
    ):
        self.wrapped = wrapped or tls.transport()
        self.name = name  # whose requests: named in the line each retry wait logs
        self.policy = policy or RetryPolicy()
        self.sleep = sleep
        self.limiter = limiter
        self.errors = errors
        self.deadline = deadline
        self.run = run
        self.watchdog = Watchdog() if deadline is not None or run is not None else None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.watchdog is not None:
            request.extensions["trace"] = _both(request.extensions.get("trace"), self.watchdog.trace)
        try:
            sleep = self._sleep_within_run if self.run else self.sleep
            for attempt in retrying(self.policy, sleep, told=telling(self.name, request, self.policy.attempts)):
                with attempt:
                    return self._send_once(request)
        except Retryable as exc:
            raise gave_up(request, exc, self.policy.attempts) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _send_once(self, request: httpx.Request) -> httpx.Response:
        if self.limiter is not None:
            self.limiter.acquire()
        started = time.monotonic()
        bound, by_run = self._bound()
        try:
            with self.bounded(bound):
                response = self.wrapped.handle_request(request)
                if not request.extensions.get(STREAM):
                    response.read()  # inside the retry: a body cut short is retried like a dropped connection
        except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            if request.extensions.get(ONCE):
                raise TransientSourceError(
                    f"{request.method} {public_url(request.url)}: no answer ({type(exc).__name__}); it may have been done"
                ) from None
            if isinstance(exc, httpx.TimeoutException):
                raise Retryable(f"timed out ({type(exc).__name__})") from None
            if self.watchdog is None or not self.watchdog.fired:
                raise Retryable(f"connection failed ({type(exc).__name__})") from None
            if by_run and self.run is not None:
                raise self.run.error(f"{request.method} {public_url(request.url)}") from None
            raise Retryable(f"no whole answer within request_deadline ({bound:g} s)") from None
        log_exchange(request, response, time.monotonic() - started)
        if self.limiter is not None:
            self.limiter.observe(response.headers)
        if response.status_code not in RETRY_STATUSES or self._permanent(response):
            return response
        if request.extensions.get(ONCE) and response.status_code not in NOT_TAKEN:
            return response  # it may have been done: the caller looks before trying again
        response.read()
        response.close()
        retry_after = self.errors.retry_after(response) if self.errors else retry_after_seconds(response.headers.get("Retry-After"))
        if retry_after is not None and retry_after > self.policy.max_retry_after:
            raise TransientSourceError(
                f"{request.method} {public_url(request.url)}: rate-limited for {retry_after:.0f} s "
                "(quota exhausted?); re-run later"
            )
        raise Retryable(f"HTTP {response.status_code}", retry_after)

    def bounded(self, seconds: float | None) -> AbstractContextManager[None]:
        """The block's connections cut after `seconds` (unbounded with None)."""
        return self.watchdog.bound(seconds) if self.watchdog is not None and seconds is not None else nullcontext()

    def _bound(self) -> tuple[float | None, bool]:
        """How long this attempt's answer may take, and whether the run deadline sets it."""
        if self.run is not None:
            left = self.run.left()
            if left <= 0:
                raise self.run.error()
            if self.deadline is None or left < self.deadline:
                return left, True
        return self.deadline, False

    def _sleep_within_run(self, seconds: float) -> None:
        if self.run is not None and self.run.left() < seconds:
            raise self.run.error(f"a {seconds:g} s wait before retrying")
        self.sleep(seconds)

    def _permanent(self, response: httpx.Response) -> bool:
        if self.errors is None:
            return False
        response.read()
        return self.errors.is_quota_exhausted(response)

    def close(self) -> None:
        if self.watchdog is not None:
            self.watchdog.close()
        self.wrapped.close()


def _both(first: Callable[..., Any] | None, second: Callable[..., Any]) -> Callable[..., Any]:
    """A `trace` extension calling the caller's own one, if any, and then ours."""
    if first is None or first == second:
        return second

    def trace(event: str, info: dict[str, Any]) -> None:
        first(event, info)
        second(event, info)

    return trace


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
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
