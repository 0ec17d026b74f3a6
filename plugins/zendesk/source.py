"""The zendesk source: satisfaction ratings through cursor pagination, from the last rating
seen (minus `lookback_days`, for scores the customer changed), each joined to its ticket's
context from the cursor-based incremental ticket export — paced at that export's own limit of
10 requests a minute."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from functools import cached_property
from typing import Any

import httpx

from cxbridge.http import ApiClient, ApiErrors, ApiSource, BasicAuth, HeaderToken, NextUrl, PageRequest, PageToken
from cxbridge.http import json_body
from cxbridge.http.auth import reveal
from cxbridge.plugins.zendesk.config import ZendeskConfig
from cxbridge.plugins.zendesk.ratings import TicketContext, normalize_rating
from cxbridge.plugins.zendesk.survey_responses import created_at, normalize_survey_response, ticket_of
from cxbridge.records import FeedbackRecord
from cxbridge.sources import Stream
from cxbridge.timestamps import parse_timestamp

EXPORT_REQUESTS_PER_MINUTE = 10  # Zendesk's limit on incremental export endpoints
SETTLING = timedelta(minutes=2)  # the export leaves out the last minute: ratings that new wait for the next sync


class ZendeskErrors(ApiErrors):
    service = "Zendesk"
    credentials = "the e-mail and API token (or OAuth token)"
    ids = "the subdomain"

    def message(self, response: httpx.Response) -> str | None:
        """`description` (or `error`) of Zendesk's error body."""
        body = json_body(response)
        if isinstance(body, dict) and isinstance(body.get("error"), str):
            return str(body.get("description") or body["error"])
        return super().message(response)


class ZendeskSource(ApiSource):
    """CSAT ratings of a Zendesk Support account."""

    name = "zendesk"
    config_model = ZendeskConfig
    config: ZendeskConfig
    errors = ZendeskErrors()
    default_requests_per_minute = 200  # below the smallest plan's account limit

    @staticmethod
    def now() -> datetime:
        return datetime.now(timezone.utc)

    def base_url(self) -> str:
        return f"https://{self.config.subdomain}.zendesk.com"

    def auth(self) -> httpx.Auth:
        config = self.config
        if config.oauth_token is not None:
            return HeaderToken(config.oauth_token)
        return BasicAuth(f"{config.email}/token", reveal(config.api_token))  # type: ignore[arg-type]

    @cached_property
    def export_client(self) -> ApiClient:
        """A client of its own for the incremental export, paced at 10 requests a minute."""
        return self.paced_client(per_minute=EXPORT_REQUESTS_PER_MINUTE)

    def streams(self) -> list[Stream]:
        return [SurveyResponses(self) if self.config.csat == "survey_responses" else SatisfactionRatings(self)]

    def close(self) -> None:
        if "export_client" in self.__dict__:
            self.export_client.close()
            del self.__dict__["export_client"]
        super().close()


class SatisfactionRatings(Stream):
    """Received ratings (good or bad); the cursor is the latest `updated_at` seen."""

    name = "satisfaction_ratings"
    cursor_field = "updated_at"

    def __init__(self, source: ZendeskSource):
        super().__init__(source)
        self.source: ZendeskSource = source
        self.tickets: dict[str, TicketContext] = {}

    def read(self, cursor: Any) -> Iterator[dict[str, Any]]:
        config = self.source.config
        since = self._since(cursor)
        until = int((self.source.now() - SETTLING).timestamp())
        if config.ticket_context:
            self.tickets = self._ticket_context(since)
        params: dict[str, Any] = {"score": "received", "page[size]": config.page_size, "end_time": until}
        if since:
            params["start_time"] = since
        first = PageRequest("/api/v2/satisfaction_ratings", params)
        for page in self.source.client.pages(first, NextUrl(_next_ratings_page)):
            yield from page.get("satisfaction_ratings") or []

    def normalize(self, raw: dict[str, Any], builder: Any) -> FeedbackRecord:
        return normalize_rating(raw, builder, self.tickets.get(str(raw.get("ticket_id"))))

    def _since(self, cursor: Any) -> int | None:
        """Epoch seconds to read from: the last rating seen less the look-back, or start_date."""
        config = self.source.config
        if cursor:
            return max(int((parse_timestamp(cursor) - timedelta(days=config.lookback_days)).timestamp()), 1)
        return int(parse_timestamp(config.start_date).timestamp()) if config.start_date else None

    def _ticket_context(self, since: int | None) -> dict[str, TicketContext]:
        """Context of every ticket changed since `since` (a rating changes its ticket)."""
        found: dict[str, TicketContext] = {}
        first = PageRequest("/api/v2/incremental/tickets/cursor.json", {"start_time": since or 1})
        for page in self.source.export_client.pages(first, NextUrl(_next_export_page)):
            for ticket in page.get("tickets") or []:
                found[str(ticket["id"])] = TicketContext.of(ticket)
        return found


def _next_ratings_page(body: Any) -> str | None:
    return (body.get("links") or {}).get("next") if (body.get("meta") or {}).get("has_more") else None


def _next_export_page(body: Any) -> str | None:
    return None if body.get("end_of_stream", True) else body.get("after_url")


class SurveyResponses(SatisfactionRatings):
    """The newer CSAT: survey responses created since the cursor less `lookback_days` (they can be
    edited until they expire); the cursor is the latest answer time seen."""

    name = "survey_responses"
    cursor_field = None

    def read(self, cursor: Any) -> Iterator[dict[str, Any]]:
        config = self.source.config
        since = self._since(cursor)
        until = int((self.source.now() - SETTLING).timestamp())
        if config.ticket_context:
            self.tickets = self._ticket_context(since)
        params: dict[str, Any] = {"filter[created_at_end]": until * 1000, "page[size]": config.page_size, "sort": "id"}
        if since:
            params["filter[created_at_start]"] = since * 1000
        first = PageRequest("/api/v2/guide/survey_responses", params)
        for page in self.source.client.pages(first, PageToken(_after_cursor, param="page[after]")):
            yield from page.get("survey_responses") or []

    def advance_cursor(self, cursor: Any, raw: dict[str, Any]) -> Any:
        answered = created_at(raw)
        return answered if answered and (cursor is None or answered > cursor) else cursor

    def normalize(self, raw: dict[str, Any], builder: Any) -> FeedbackRecord:
        context = self.tickets.get(ticket_of(raw) or "")
        return normalize_survey_response(raw, builder, context, self.source.config.csat_scale)


def _after_cursor(body: Any) -> str | None:
    meta = body.get("meta") or {}
    return meta.get("after_cursor") if meta.get("has_more") else None
