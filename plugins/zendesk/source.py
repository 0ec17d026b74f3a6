"""The zendesk source: satisfaction ratings through cursor pagination, from the last rating
seen (minus `lookback_days`, for scores the customer changed), each joined to its ticket's
context from the cursor-based incremental ticket export — read from the earliest rating that
needs it, paced at that export's own limit of 10 requests a minute."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from functools import cached_property
from typing import Any

import httpx

from cxbridge.errors import SourceError
from cxbridge.http import ApiClient, ApiErrors, ApiSource, BasicAuth, HeaderToken, NextUrl, PageRequest, PageToken
from cxbridge.http import json_body
from cxbridge.http.auth import reveal
from cxbridge.plugins.zendesk.config import ZendeskConfig
from cxbridge.plugins.zendesk.ratings import TicketContext, normalize_rating, unanswered
from cxbridge.plugins.zendesk.requesters import Requesters
from cxbridge.plugins.zendesk.survey_responses import (
    SurveyQuestion, created_at, normalize_survey_response, survey_key, survey_questions, ticket_of, unanswered_response,
)  # fmt: skip
from cxbridge.privacy import PersonalFields
from cxbridge.rated_tickets import RatedTickets
from cxbridge.records import FeedbackRecord
from cxbridge.requester_contacts import CONTACTS
from cxbridge.sources import Stream
from cxbridge.timestamps import format_timestamp, parse_timestamp

EXPORT_REQUESTS_PER_MINUTE = 10  # Zendesk's limit on incremental export endpoints
SETTLING = timedelta(minutes=2)  # the export leaves out the last minute: ratings that new wait for the next sync


class ZendeskErrors(ApiErrors):
    service = "Zendesk"
    credentials = "the e-mail and API token (email, api_token) or OAuth token (oauth_token) of an admin"
    ids = "the subdomain"

    def message(self, response: httpx.Response) -> str | None:
        """`description` (or `error`) of Zendesk's error body, with the fields its `details` name."""
        body = json_body(response)
        if isinstance(body, dict) and isinstance(body.get("error"), str):
            said = str(body.get("description") or body["error"])
            details = body.get("details") if isinstance(body.get("details"), dict) else {}
            named = "; ".join(f"{field}: {problem.get('description')}" for field, problems in details.items()
                              for problem in problems or [] if isinstance(problem, dict))  # fmt: skip
            return f"{said} ({named})" if named else said
        if isinstance(body, dict) and isinstance(body.get("errors"), list):  # the Help Center API's envelope
            titles = [str(e["title"]) for e in body["errors"] if isinstance(e, dict) and e.get("title")]
            if titles:
                return "; ".join(titles)
        return super().message(response)

    def advice(self, response: httpx.Response) -> str | None:
        """A 422 names a value the connector sent from the config; a 400 is Zendesk refusing a page."""
        if response.status_code == 422:
            return "check start_date (a time in the past) and lookback_days in the config"
        if response.status_code == 400:
            return ("offset pagination stops at 10,000 records and this connector pages with cursors; "
                    "check base_url points at the Support API (https://SUBDOMAIN.zendesk.com)")  # fmt: skip
        return None


class ZendeskSource(ApiSource):
    """CSAT ratings of a Zendesk Support account."""

    name = "zendesk"
    requester_fields = ("requester_id", "responder_id")  # a rating's requester, a survey response's responder
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
        allowed = f"Zendesk allows {EXPORT_REQUESTS_PER_MINUTE} export requests a minute"
        return self.paced_client(per_minute=EXPORT_REQUESTS_PER_MINUTE, allowed=allowed)

    def access_request(self) -> PageRequest:
        """One rating (api_reference §4.2: satisfaction ratings, admins only — the credentials an
        admin's), whichever CSAT the account runs: an account on the new one lists none."""
        return PageRequest("/api/v2/satisfaction_ratings", {"page[size]": 1})

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
        self.tickets: RatedTickets[TicketContext] = RatedTickets(self._ticket_context)
        self.requesters = Requesters(source.client)
        self.until = source.now() - SETTLING

    def read(self, cursor: Any) -> Iterator[dict[str, Any]]:
        config = self.source.config
        since = self._since(cursor)
        self.until = self.source.now() - SETTLING
        params: dict[str, Any] = {"score": "received", "page[size]": config.page_size,
                                  "end_time": int(self.until.timestamp())}  # fmt: skip
        if since:
            params["start_time"] = since
        first = PageRequest("/api/v2/satisfaction_ratings", params)
        for page in self.source.client.pages(first, NextUrl(_next_ratings_page, items=_ratings_of)):
            ratings = page.get("satisfaction_ratings") or []
            self._cover([(r.get("ticket_id"), r.get("created_at")) for r in ratings])
            yield from self._named(ratings, "requester_id")

    def left_out(self, raw: dict[str, Any]) -> str | None:
        return unanswered(raw)

    def personal_fields(self) -> PersonalFields:
        return PersonalFields(contacts=CONTACTS)

    def normalize(self, raw: dict[str, Any], builder: Any) -> FeedbackRecord:
        return normalize_rating(raw, builder, self.tickets.get(raw.get("ticket_id")))

    def final_cursor(self, cursor: Any) -> Any:
        """The cursor capped at the end of the window read: a rating created in the settling
        window, read next time, must not fall behind a cursor moved on by another's update."""
        if cursor is not None and parse_timestamp(cursor) > self.until:
            return format_timestamp(self.until)
        return cursor

    def _named(self, ratings: list[dict[str, Any]], field: str) -> list[dict[str, Any]]:
        """The ratings with their requesters' e-mail addresses, unless `requester_emails = false`."""
        return self.requesters.named(ratings, field) if self.source.config.requester_emails else ratings

    def _cover(self, ratings: list[tuple[Any, Any]]) -> None:
        if self.source.config.ticket_context:
            self.tickets.cover(ratings)

    def _since(self, cursor: Any) -> int | None:
        """Epoch seconds to read from: the last rating seen less the look-back, or start_date."""
        config = self.source.config
        if cursor:
            return max(int((parse_timestamp(cursor) - timedelta(days=config.lookback_days)).timestamp()), 1)
        return int(start.timestamp()) if (start := self.source.start_time()) else None

    def _ticket_context(self, since: datetime, until: datetime | None = None) -> Iterator[tuple[str, TicketContext]]:
        """Context of every ticket changed since `since`, from the incremental ticket export (read
        to its end: `until` is not used to stop it early)."""
        first = PageRequest("/api/v2/incremental/tickets/cursor.json", {"start_time": max(int(since.timestamp()), 1)})
        for page in self.source.export_client.pages(first, NextUrl(_next_export_page, items=_tickets_of)):
            for ticket in page.get("tickets") or []:
                yield str(ticket["id"]), TicketContext.of(ticket)



def _next_ratings_page(body: Any) -> str | None:
    return (body.get("links") or {}).get("next") if (body.get("meta") or {}).get("has_more") else None


def _next_export_page(body: Any) -> str | None:
    return None if body.get("end_of_stream", True) else body.get("after_url")


def _ratings_of(body: Any) -> list[Any]:
    return body.get("satisfaction_ratings") or []


def _tickets_of(body: Any) -> list[Any]:
    return body.get("tickets") or []


def _responses_of(body: Any) -> list[Any]:
    return body.get("survey_responses") or []


class SurveyResponses(SatisfactionRatings):
    """The newer CSAT: survey responses created since the cursor less `lookback_days` (they can be
    edited until they expire); the cursor is the latest answer time seen. Each survey version's
    definition is read once, for its rating scales and labels."""

    name = "survey_responses"
    cursor_field = None

    def __init__(self, source: ZendeskSource):
        super().__init__(source)
        self.surveys: dict[tuple[str, int], dict[str, SurveyQuestion]] = {}

    def read(self, cursor: Any) -> Iterator[dict[str, Any]]:
        config = self.source.config
        since = self._since(cursor)
        self.until = self.source.now() - SETTLING
        params: dict[str, Any] = {"filter[created_at_end]": int(self.until.timestamp()) * 1000,
                                  "page[size]": config.page_size, "sort": "id"}  # fmt: skip
        if since:
            params["filter[created_at_start]"] = since * 1000
        first = PageRequest("/api/v2/guide/survey_responses", params)
        for page in self.source.client.pages(first, PageToken(_after_cursor, param="page[after]", items=_responses_of)):
            responses = page.get("survey_responses") or []
            self._cover([(ticket_of(r), created_at(r)) for r in responses])
            yield from self._named(responses, "responder_id")

    def advance_cursor(self, cursor: Any, raw: dict[str, Any]) -> Any:
        answered = created_at(raw)
        return answered if answered and (cursor is None or answered > cursor) else cursor

    def left_out(self, raw: dict[str, Any]) -> str | None:
        return unanswered_response(raw)

    def normalize(self, raw: dict[str, Any], builder: Any) -> FeedbackRecord:
        context = self.tickets.get(ticket_of(raw))
        questions = self._survey(key) if (key := survey_key(raw)) else {}
        return normalize_survey_response(raw, builder, context, questions, csat_scale=self.source.config.csat_scale)

    def _survey(self, key: tuple[str, int]) -> dict[str, SurveyQuestion]:
        """The questions of one survey version (Show Survey By Id And Version), read once; none
        when Zendesk no longer finds it (404), so `csat_scale` must say the scale."""
        if key not in self.surveys:
            path = f"/api/v2/guide/{self.source.config.survey_locale}/surveys/{key[0]}/{key[1]}"
            try:
                self.surveys[key] = survey_questions(self.source.client.get_json(path).get("survey") or {})
            except SourceError as exc:
                if exc.status_code != 404:
                    raise
                self.surveys[key] = {}
        return self.surveys[key]


def _after_cursor(body: Any) -> str | None:
    meta = body.get("meta") or {}
    return meta.get("after_cursor") if meta.get("has_more") else None
