"""The HTTP client of API sources: one httpx client per source run, with retries, pacing, auth,
error mapping and redacted debug logging built in; JSON calls, pagination and file downloads."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import IO, Any

import httpx

from cxbridge.deadline import RunDeadline
from cxbridge.errors import SourceError, TransientSourceError
from cxbridge.http import tls
from cxbridge.http.errors import ApiErrors, check
from cxbridge.http.pagination import MAX_PAGES, PageRequest, Paginator, paginate
from cxbridge.http.ratelimit import RateLimiter
from cxbridge.http.retries import STREAM, Retryable, RetryingTransport, RetryPolicy, Sleep, gave_up, retrying, telling
from cxbridge.http.wire_log import public_url
from cxbridge.json_input import parsed_json

USER_AGENT = "cxbridge (+https://github.com/cxbridge/cxbridge)"
CHUNK = 1 << 16


class ApiClient:
    """A source's connection to one API. Every call returns parsed JSON or raises the error that
    says what to do (FatalSourceError, TransientSourceError, SourceError)."""

    def __init__(
        self,
        *,
        base_url: str,
        auth: httpx.Auth | None = None,
        errors: ApiErrors | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 60.0,
        deadline: float | None = None,
        run: RunDeadline | None = None,
        policy: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
        sleep: Sleep = time.sleep,
        transport: httpx.BaseTransport | None = None,
        name: str | None = None,
    ):
        self.errors = errors or ApiErrors()
        self.name = name
        self.policy = policy or RetryPolicy()
        self.sleep = sleep
        self.run = run
        self.transport = RetryingTransport(
            transport, policy=self.policy, sleep=sleep, limiter=limiter, errors=self.errors, deadline=deadline, run=run,
            name=name,
        )
        self.http = httpx.Client(
            base_url=base_url,
            auth=auth,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})},
            timeout=timeout,
            transport=self.transport,
            follow_redirects=True,
        )

    def request(self, method: str, url: str, **options: Any) -> httpx.Response:
        """A checked response (2xx), whatever its body."""
        return check(self.http.request(method, url, **options), self.errors)

    def get_json(self, url: str, params: dict[str, Any] | None = None) -> Any:
        return self.json(self.request("GET", url, params=params))

    def send_json(self, method: str, url: str, body: Any, params: dict[str, Any] | None = None) -> Any:
        return self.json(self.request(method, url, json=body, params=params))

    def fetch_page(self, page: PageRequest) -> Any:
        params = dict(page.params) or None  # httpx replaces a URL's own query with any params given
        return self.json(self.request(page.method, page.url, params=params, json=page.json))

    def pages(self, first: PageRequest, paginator: Paginator, *, max_pages: int = MAX_PAGES) -> Iterator[Any]:
        """Every page's JSON body, loops detected (see `cxbridge.http.pagination`)."""
        return paginate(self.fetch_page, first, paginator, max_pages=max_pages)

    def json(self, response: httpx.Response) -> Any:
        try:
            return parsed_json(response.content)
        except ValueError:
            raise TransientSourceError(
                f"{response.request.method} {public_url(response.request.url)}: the answer is not valid JSON "
                f"({len(response.content)} bytes, cut short?); re-run later"
            ) from None

    def download(self, url: str, into: IO[bytes], *, max_bytes: int | None = None) -> int:
        """Stream a file into `into` (rewound and emptied before each attempt); retries a transfer
        that breaks off; returns the number of bytes. SourceError past `max_bytes`."""
        request = self.http.build_request("GET", url, extensions={STREAM: True})
        try:
            for attempt in retrying(self.policy, self.sleep, told=telling(self.name, request, self.policy.attempts)):
                with attempt:
                    return self._download_once(request, into, max_bytes)
        except Retryable as exc:
            raise gave_up(request, exc, self.policy.attempts) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _download_once(self, request: httpx.Request, into: IO[bytes], max_bytes: int | None) -> int:
        into.seek(0)
        into.truncate()
        response = self.http.send(request, stream=True)
        try:
            check(response, self.errors)
            size = 0
            with self.transport.bounded(self.run.left() if self.run else None):  # a file may take long, not past the run
                for chunk in response.iter_bytes(CHUNK):
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise SourceError(f"{public_url(request.url)}: the file is larger than {max_bytes} bytes; stopped")
                    into.write(chunk)
        except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            if self.run is not None and self.transport.watchdog is not None and self.transport.watchdog.fired:
                raise self.run.error(f"the download of {public_url(request.url)}") from None
            raise Retryable(f"the download broke off ({type(exc).__name__})") from None
        finally:
            response.close()
        into.flush()
        return size

    def close(self) -> None:
        self.http.close()


def client(
    *,
    base_url: str = "",
    headers: dict[str, str] | None = None,
    timeout: float = 30.0,
    transport: httpx.BaseTransport | None = None,
    **options: Any,
) -> httpx.Client:
    """A plain httpx client whose transport retries (for plugins that want httpx itself); `verify`
    (an `ssl.SSLContext`) replaces the shared verifying context (`cxbridge.http.tls`)."""
    wrapped = transport or tls.transport(options.pop("verify", None))
    return httpx.Client(
        base_url=base_url, headers=headers, timeout=timeout, transport=RetryingTransport(wrapped), **options
    )
