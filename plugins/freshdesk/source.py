"""The freshdesk source: satisfaction ratings created since the last sync less a look-back
(Freshdesk filters ratings by creation only), the survey questions they answer, and the context
of the rated tickets (those changed since the earliest rating read); paced by the `X-RateLimit-*`
headers Freshdesk sends with every answer. With `csat_api = "surveys"` it reads the responses of
the newer customer-satisfaction surveys instead (`survey_responses.py`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx

from cxbridge.errors import DataError
from cxbridge.http import ApiErrors, ApiSource, BasicAuth, HeaderBudget, PageNumber, PageRequest, json_body
from cxbridge.http.auth import reveal
from cxbridge.plugins.freshdesk.config import FreshdeskConfig
from cxbridge.plugins.freshdesk.ratings import SurveyQuestion, TicketContext, normalize_rating, with_requester
from cxbridge.plugins.freshdesk.survey_responses import SurveyResponses
from cxbridge.privacy import PersonalFields
from cxbridge.rated_tickets import RatedTickets
from cxbridge.records import FeedbackRecord
from cxbridge.requester_contacts import CONTACTS
from cxbridge.sources import Stream
from cxbridge.timestamps import format_timestamp, parse_timestamp

TICKET_PAGES = 300  # Freshdesk lists at most 300 pages of tickets; then `updated_since` moves on
FULL_HISTORY = "2000-01-01T00:00:00Z"  # a first sync's created_since: lists left unfiltered cover only 30 days


class FreshdeskErrors(ApiErrors):
    service = "Freshdesk"
    credentials = "the API key (api_key) of an agent who may see every ticket and survey"
    one_credential = True
    ids = "the helpdesk domain"

    def message(self, response: httpx.Response) -> str | None:
        """`description` with each `errors[].message`, or the top-level `message`."""
        body = json_body(response)
        if isinstance(body, dict):
            details = "; ".join(f"{e.get('field')}: {e.get('message')}" if e.get("field") else str(e.get("message"))
                                for e in body.get("errors") or [] if isinstance(e, dict))  # fmt: skip
            said = body.get("description") or body.get("message")
            if said:
                return f"{said} ({details})" if details else str(said)
        return super().message(response)

    def advice(self, response: httpx.Response) -> str | None:
        """A 400 names the field; every field this connector sends comes from the config."""
        if response.status_code == 400:
            return "check start_date (a time in the past), lookback_days and page_size in the config"
        return None


class FreshdeskSource(ApiSource):
    """CSAT ratings of a Freshdesk helpdesk."""

    name = "freshdesk"
    requester_fields = ("user_id",)
    config_model = FreshdeskConfig
    config: FreshdeskConfig
    errors = FreshdeskErrors()
    budget = HeaderBudget(total="X-RateLimit-Total", remaining="X-RateLimit-Remaining", period=60.0)

    def base_url(self) -> str:
        return f"https://{self.config.domain}.freshdesk.com"

    def access_request(self) -> PageRequest:
        """One survey (api_reference §5.2 `GET /api/v2/surveys`, §5.3 `per_page`)."""
        return PageRequest("/api/v2/surveys", {"per_page": 1, "page": 1})

    def auth(self) -> httpx.Auth:
        return BasicAuth(reveal(self.config.api_key), "X")

    def streams(self) -> list[Stream]:
        if self.config.csat_api == "surveys":
            return [SurveyResponses(self)]
        return [SatisfactionRatings(self)]

    def changed_tickets(self, since: datetime, until: datetime | None = None) -> Iterator[tuple[str, TicketContext]]:
        """Context of the tickets updated since `since` (a rating updates its ticket), oldest
        first, up to the first one updated at or after `until` (a listing from `until` had them);
        with `requester_emails`, each with its requester embedded (`include=requester`)."""
        include = "requester" if self.config.requester_emails else None
        for ticket in self.updated_tickets(format_timestamp(since), self.config.page_size, include=include):
            if until is not None and _updated_at(ticket) >= until:
                return
            yield str(ticket["id"]), TicketContext.of(ticket)

    def updated_tickets(self, since: str, per_page: int, *, include: str | None = None) -> Iterator[dict[str, Any]]:
        """The tickets updated since `since`, oldest first, `per_page` a page, with what `include`
        embeds; past Freshdesk's 300-page cap the listing starts again from the last one seen."""
        while True:
            params = {"updated_since": since, "order_by": "updated_at", "order_type": "asc", "per_page": per_page,
                      "page": 1, **({"include": include} if include else {})}  # fmt: skip
            pages = self.client.pages(PageRequest("/api/v2/tickets", params), PageNumber(lambda body: body, per_page),
                                      max_pages=TICKET_PAGES + 1)  # fmt: skip
            last, count = None, 0
            for count, page in enumerate(pages, start=1):
                for ticket in page:
                    yield ticket
                    last = ticket.get("updated_at") or last
                if count == TICKET_PAGES:
                    break
            if count < TICKET_PAGES or last is None or last == since:
                return
            since = last


class SatisfactionRatings(Stream):
    """Ratings created since the cursor less `lookback_days`; the cursor is the latest
    `created_at` seen."""

    name = "satisfaction_ratings"
    cursor_field = "created_at"

    def __init__(self, source: FreshdeskSource):
        super().__init__(source)
        self.source: FreshdeskSource = source
        self.questions: dict[tuple[str, str], SurveyQuestion] = {}
        self.tickets: RatedTickets[TicketContext] = RatedTickets(source.changed_tickets)

    def read(self, cursor: Any) -> Iterator[dict[str, Any]]:
        config = self.source.config
        self.questions = self._survey_questions()
        params: dict[str, Any] = {"created_since": self._since(cursor), "per_page": config.page_size, "page": 1}
        first = PageRequest("/api/v2/surveys/satisfaction_ratings", params)
        for page in self.source.client.pages(first, PageNumber(lambda body: body, config.page_size)):
            if config.ticket_context:
                self.tickets.cover([(r.get("ticket_id"), r.get("created_at")) for r in page])
            yield from (with_requester(r, self.tickets.get(r.get("ticket_id"))) for r in page)

    def personal_fields(self) -> PersonalFields:
        return PersonalFields(contacts=CONTACTS)

    def normalize(self, raw: dict[str, Any], builder: Any) -> FeedbackRecord:
        if not self.questions:  # a quarantined rating replayed without a read
            self.questions = self._survey_questions()
        return normalize_rating(raw, builder, self.questions, self.tickets.get(raw.get("ticket_id")))

    def _since(self, cursor: Any) -> str:
        """The latest rating less the look-back, or start_date; a first sync without one says
        so explicitly, since Freshdesk's unfiltered lists hold only the last 30 days."""
        config = self.source.config
        if cursor:
            return format_timestamp(parse_timestamp(cursor) - timedelta(days=config.lookback_days))
        return format_timestamp(start) if (start := self.source.start_time()) else FULL_HISTORY

    def _survey_questions(self) -> dict[tuple[str, str], SurveyQuestion]:
        """Question text and accepted ratings of every survey (`GET /api/v2/surveys`), by survey
        and question id: every survey's main question is `default_question`, on its own scale."""
        found: dict[tuple[str, str], SurveyQuestion] = {}
        first = PageRequest("/api/v2/surveys", {"per_page": 100, "page": 1})
        for page in self.source.client.pages(first, PageNumber(lambda body: body, 100)):
            for survey in page:
                for question in survey.get("questions") or []:
                    label = question.get("label") or question["id"]
                    found[(str(survey.get("id")), str(question["id"]))] = SurveyQuestion.listed(
                        label, question.get("accepted_ratings"))  # fmt: skip
        return found


def _updated_at(ticket: dict[str, Any]) -> datetime:
    """A listed ticket's `updated_at`; one without a readable time is never past a bound."""
    try:
        return parse_timestamp(ticket.get("updated_at"))  # type: ignore[return-value]
    except DataError:
        return datetime.min.replace(tzinfo=timezone.utc)
