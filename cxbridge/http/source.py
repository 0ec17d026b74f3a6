"""The base of API sources: config keys every HTTP connector shares (`base_url`, timeout,
retries, client-side rate limit) and one `ApiClient` per run built from them."""

from __future__ import annotations

import logging
import time
from datetime import datetime
from functools import cached_property, partial
from typing import ClassVar, TypeVar

import httpx
from pydantic import Field, field_validator

from cxbridge.http.client import ApiClient
from cxbridge.http.errors import ApiErrors
from cxbridge.http.pagination import PageRequest
from cxbridge.http.ratelimit import HeaderBudget, RateLimiter
from cxbridge.http.retries import RetryPolicy, Sleep
from cxbridge.sources import Source, SourceConfig
from cxbridge.timestamps import parse_timestamp, zone

log = logging.getLogger("cxbridge.http")
PACED_LONG = 120.0
"""Seconds an endpoint's own pace may hold a sync back in all before it is said at WARNING: more
than the one window's wait (up to 60 s) any export of over 10 pages has."""
Chosen = TypeVar("Chosen")


class ApiSourceConfig(SourceConfig):
    """Keys of every `[sources.NAME]` that reads an HTTP API."""

    base_url: str | None = Field(
        default=None, description="the API's root URL: a regional or vanity host, or a local server in tests"
    )
    timeout: float = Field(default=60.0, gt=0, le=3600, description="seconds to wait for each read of an answer")
    request_deadline: float | None = Field(
        default=None, gt=0, description="seconds one answer may take to arrive whole, however it trickles; default 10 × timeout"
    )
    max_attempts: int = Field(default=5, ge=1, le=20, description="tries per request before the run gives up")
    requests_per_second: float | None = Field(
        default=None, gt=0, description="client-side pace; default: the API's documented limit"
    )
    requests_per_minute: float | None = Field(
        default=None, gt=0, description="client-side pace; default: the API's documented limit"
    )

    @field_validator("base_url")
    @classmethod
    def _absolute(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError(f"{value!r} is not an absolute URL; write https://host/path")
        return value.rstrip("/") if value else value


class ApiSource(Source):
    """A source reading one HTTP API. Subclasses set the class attributes and `auth()`.

    `sleep` and `transport` are seams for tests: a subclass (or instance) may set them so
    retries don't wait and requests go where the test wants.
    """

    config_model: ClassVar[type[ApiSourceConfig]] = ApiSourceConfig
    errors: ClassVar[ApiErrors] = ApiErrors()
    default_requests_per_second: ClassVar[float | None] = None
    default_requests_per_minute: ClassVar[float | None] = None
    budget: ClassVar[HeaderBudget | None] = None  # headers that say how much of the API's budget is left
    sleep: Sleep = staticmethod(time.sleep)  # type: ignore[assignment]
    transport: httpx.BaseTransport | None = None
    config: ApiSourceConfig

    def start_time(self) -> datetime | None:
        """The connector's `start_date` (None when it has none) as an aware UTC time: written
        without an offset ("2025-01-01", "2025-01-01T09:00"), it is the source's local time (its
        `timezone`, else [settings] timezone, else UTC), as every time of the source without one is."""
        return parse_timestamp(getattr(self.config, "start_date", None), tz=zone(self.context.timezone))

    def base_url(self) -> str:
        """The API root when `base_url` is not configured."""
        raise NotImplementedError

    def auth(self) -> httpx.Auth | None:
        """How requests are authenticated (see `cxbridge.http.auth`)."""
        return None

    def headers(self) -> dict[str, str]:
        return {}

    @cached_property
    def client(self) -> ApiClient:
        config = self.config
        return self.paced_client(
            per_second=config.requests_per_second or self.default_requests_per_second,
            per_minute=config.requests_per_minute or self.default_requests_per_minute,
        )

    def paced_client(
        self, *, per_second: float | None = None, per_minute: float | None = None, allowed: str | None = None
    ) -> ApiClient:
        """A client of this source at its own pace — for endpoints with a limit of their own
        (Zendesk's incremental exports: 10 requests a minute). `allowed` ("Zendesk allows 10 export
        requests a minute") is logged once at INFO with the spacing when the pace first holds a
        request back, and once at WARNING, the level shown by default as retry waits are, when it
        has held requests back `PACED_LONG` in all: a long read under cron is not silent. Close it when done."""
        config, name = self.config, self.context.name
        limiter = RateLimiter(per_second=per_second, per_minute=per_minute, budget=self.budget, sleep=self.sleep)
        if allowed:
            spacing = limiter.spacing
            limiter.first_wait = partial(log.info, "%s: %s: pacing requests %g s apart", name, allowed, spacing)
            limiter.long_wait = (PACED_LONG, partial(
                log.warning, "%s: %s: pacing has held this sync back over %g s so far; it reads on at one request "
                "every %g s (nothing to do: a first sync of a large account takes long, the next ones read only what "
                "changed)", name, allowed, PACED_LONG, spacing))  # fmt: skip
        return ApiClient(
            base_url=config.base_url or self.base_url(),
            auth=self.auth(),
            errors=self.errors,
            headers=self.headers(),
            timeout=config.timeout,
            deadline=config.request_deadline or 10 * config.timeout,
            run=self.context.deadline,
            policy=RetryPolicy(attempts=min(config.max_attempts, self.context.attempts or config.max_attempts)),
            limiter=limiter if (per_second or per_minute or self.budget) else None,
            sleep=self.sleep,
            transport=self.transport,
            name=self.context.name,
        )

    def access_request(self) -> PageRequest | None:
        """The cheapest request the API documents that needs the credentials (a 1-item list, a
        definition the run reads anyway): what `cxbridge check` sends (`check_access`). None where
        the connector's `check` reads the API already (Typeform)."""
        return None

    def check_access(self) -> None:
        if (request := self.access_request()) is not None:
            self.client.fetch_page(request)

    def chosen(self, found: list[Chosen], *, what: str, rule: str) -> list[Chosen]:
        """`found` — the surveys or forms the config's `rule` selects — with a warning, logged and
        in the run's summary, when it selects none: a run that reads nothing looks like a success."""
        warning = f"{rule} selects no {what}: nothing was read; compare it with the {what} the account lists"
        if not found and warning not in self._warnings:
            log.warning("%s: %s", self.context.name, warning)
            self._warnings.append(warning)
        return found

    @cached_property
    def _warnings(self) -> list[str]:
        return []

    def warnings(self) -> list[str]:
        return list(self._warnings)

    def close(self) -> None:
        if "client" in self.__dict__:
            self.client.close()
            del self.__dict__["client"]
