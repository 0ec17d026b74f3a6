"""The hubspot source: survey responses (feedback submissions) as feedback, companies and
contacts as CRM context, each read through the CRM search API in modification-time windows
(split below the 10,000-result cap) from the latest modification already stored."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any, ClassVar

import httpx

from cxbridge.crm import CrmObject
from cxbridge.http import ApiErrors, ApiSource, HeaderToken, PageRequest, json_body
from cxbridge.plugins.hubspot import objects
from cxbridge.plugins.hubspot.associations import first_associated
from cxbridge.plugins.hubspot.config import HubSpotConfig
from cxbridge.plugins.hubspot.search import search
from cxbridge.privacy import PersonalFields
from cxbridge.records import FeedbackRecord
from cxbridge.sources import ContextStream, Stream
from cxbridge.timestamps import parse_timestamp


class HubSpotErrors(ApiErrors):
    service = "HubSpot"
    credentials = "the private app's access token (access_token)"
    one_credential = True
    ids = "base_url"

    def message(self, response: httpx.Response) -> str | None:
        body = json_body(response)
        if isinstance(body, dict) and body.get("message"):
            category = body.get("category") or body.get("errorType")
            details = "; ".join(str(e["message"]) for e in body.get("errors") or [] if isinstance(e, dict) and e.get("message"))
            said = f"{body['message']} ({details})" if details else str(body["message"])
            return f"{said} [{category}]" if category else said
        return super().message(response)

    def advice(self, response: httpx.Response) -> str | None:
        """A VALIDATION_ERROR names a property or filter this account does not accept."""
        body = json_body(response)
        if isinstance(body, dict) and body.get("category") == "VALIDATION_ERROR":
            return ("a property or value of the request is not valid for this account — check segment_property (a "
                    "company property's internal name, Settings → Properties) and start_date")
        return None

    def is_quota_exhausted(self, response: httpx.Response) -> bool:
        """The daily limit (a 429 with policyName DAILY) will not pass by retrying today."""
        body = json_body(response)
        return response.status_code == 429 and isinstance(body, dict) and body.get("policyName") == "DAILY"


class HubSpotSource(ApiSource):
    """Survey responses, companies and contacts of a HubSpot account."""

    name = "hubspot"
    config_model = HubSpotConfig
    config: HubSpotConfig
    errors = HubSpotErrors()
    default_requests_per_second = 4  # the CRM search endpoints allow 4 to 5 a second

    @staticmethod
    def now() -> datetime:
        return datetime.now(timezone.utc)

    def base_url(self) -> str:
        return "https://api.hubapi.com"

    def access_request(self) -> PageRequest:
        """One survey response (api_reference §6.1: the list endpoint, `limit`), which needs the
        scope the run reads with."""
        return PageRequest("/crm/v3/objects/feedback_submissions", {"limit": 1})

    def auth(self) -> httpx.Auth:
        return HeaderToken(self.config.access_token)

    def streams(self) -> list[Stream]:
        found: list[Stream] = [FeedbackSubmissions(self)]
        if self.config.companies:
            found.append(Companies(self))
        if self.config.contacts:
            found.append(Contacts(self))
        return found


class WindowedSearch:
    """Reads one object type by modification time; the cursor is the latest modification (epoch
    ms) seen. The object modified last is read again next time, and seen as unchanged."""

    object_type: ClassVar[str]
    modified: ClassVar[str]
    properties: ClassVar[list[str]]
    is_sorted = True
    source: HubSpotSource

    def read(self, cursor: Any) -> Iterator[dict[str, Any]]:
        config = self.source.config
        start = self.source.start_time()
        since = int(cursor) if cursor is not None else (int(start.timestamp() * 1000) if start else 0)
        until = int(self.source.now().timestamp() * 1000) + 1
        for page in search(self.source.client, self.object_type, modified=self.modified, properties=self.properties,
                           since=since, until=until, page_size=config.page_size):  # fmt: skip
            yield from self.with_context([self.as_asked(found) for found in page])

    def as_asked(self, found: dict[str, Any]) -> dict[str, Any]:
        """An object with the properties asked for alone: HubSpot may answer others (its published
        example, `hs_submission_name`, names the contact's e-mail), which are never stored."""
        asked = set(self.properties)
        properties = found.get("properties") or {}
        return found | {"properties": {key: value for key, value in properties.items() if key in asked}}

    def with_context(self, page: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """One page of objects with whatever a stream reads about them in a batch."""
        return page

    def advance_cursor(self, cursor: Any, raw: dict[str, Any]) -> Any:
        value = (raw.get("properties") or {}).get(self.modified)
        if not value:
            return cursor
        moment = int(parse_timestamp(value).timestamp() * 1000)
        return moment if cursor is None or moment > int(cursor) else cursor


class FeedbackSubmissions(WindowedSearch, Stream):
    name = "feedback_submissions"
    object_type = "feedback_submissions"
    modified = "hs_lastmodifieddate"
    properties = objects.SUBMISSION_PROPERTIES

    def with_context(self, page: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Each submission with its company: its own association, else its contact's primary
        company — two batch reads a page at most, none per submission."""
        client = self.source.client
        own = first_associated(client, "feedback_submissions", "companies", [s["id"] for s in page])
        contact_of = {s["id"]: (s.get("properties") or {}).get("hs_contact_id") or "" for s in page if s["id"] not in own}
        via_contact = first_associated(client, "contacts", "companies", list(contact_of.values()))
        found = []
        for submission in page:
            if submission["id"] in own:
                found.append(submission | {"company": {"id": own[submission["id"]], "through": "submission"}})
            elif (contact := contact_of[submission["id"]]) in via_contact:
                found.append(submission | {"company": {"id": via_contact[contact], "through": "contact"}})
            else:
                found.append(submission)
        return found

    def normalize(self, raw: dict[str, Any], builder: Any) -> FeedbackRecord:
        return objects.submission_record(raw, builder, self.source.config)

    def personal_fields(self) -> PersonalFields:
        return PersonalFields(contacts=frozenset({"hs_contact_email_rollup"}))


class Companies(WindowedSearch, ContextStream):
    name = "companies"
    object_type = "companies"
    modified = "hs_lastmodifieddate"

    @property
    def properties(self) -> list[str]:  # type: ignore[override]
        return [*objects.COMPANY_PROPERTIES, self.source.config.segment_property]

    def context(self, raw: dict[str, Any], builder: Any) -> CrmObject:
        return objects.company_account(raw, self.source.config)


class Contacts(WindowedSearch, ContextStream):
    name = "contacts"
    object_type = "contacts"
    modified = "lastmodifieddate"
    properties = objects.CONTACT_PROPERTIES

    def context(self, raw: dict[str, Any], builder: Any) -> CrmObject:
        return objects.contact(raw, builder)

    def personal_fields(self) -> PersonalFields:
        return PersonalFields(contacts=frozenset({"email"}), personal=objects.CONTACT_PERSONAL)
