"""`[sources.NAME]` of the zendesk connector: the account, how to sign in, and how far back
a sync looks again for ratings whose score the customer changed."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from pydantic import Field, field_validator, model_validator

from cxbridge.http import ApiSourceConfig
from cxbridge.secrets import Secret

_SUBDOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class ZendeskConfig(ApiSourceConfig):
    connector: Literal["zendesk"] = "zendesk"
    subdomain: str | None = Field(default=None, description="acme for acme.zendesk.com (or give base_url)")
    email: str | None = Field(default=None, description="the agent's e-mail, with api_token")
    api_token: Secret | None = Field(default=None, description="an API token (Admin Center → Apps and integrations)")
    oauth_token: Secret | None = Field(default=None, description="an OAuth access token, instead of email + api_token")
    start_date: datetime | None = Field(default=None, description="first sync: ratings from this time")
    lookback_days: float = Field(
        default=7, ge=0, le=90, description="days read again each sync, for ratings whose score was changed"
    )
    ticket_context: bool = Field(default=True, description="channel, group, tags of each rated ticket")
    requester_emails: bool = Field(
        default=True,
        description="key each rating by its requester's e-mail, else their unshared phone number (stored only as "
        "its salted hash), one Show Many Users request a page of ratings; false: no such request, and ratings join "
        "nobody (docs/identity.md)",
    )
    csat: Literal["ratings", "survey_responses"] = Field(
        default="ratings", description="ratings: legacy CSAT; survey_responses: the newer CSAT surveys"
    )
    csat_scale: tuple[int, int] | None = Field(
        default=None,
        description="survey_responses: the CSAT question's scale where its survey version's definition gives none",
    )
    survey_locale: str = Field(default="en-us", description="survey_responses: the locale of question and option texts")
    page_size: int = Field(default=100, ge=1, le=100, description="ratings per page")

    @field_validator("subdomain")
    @classmethod
    def _subdomain(cls, value: str | None) -> str | None:
        if value is not None and not _SUBDOMAIN.match(value):
            raise ValueError(f"{value!r} is not a subdomain: write 'acme' for acme.zendesk.com")
        return value

    @model_validator(mode="after")
    def _one_way_in(self) -> ZendeskConfig:
        if self.subdomain is None and self.base_url is None:
            raise ValueError("give subdomain (acme for acme.zendesk.com) or base_url")
        if self.oauth_token is not None and self.api_token is not None:
            raise ValueError("give email + api_token or oauth_token, not both")
        if self.oauth_token is None and (self.api_token is None or not self.email):
            raise ValueError('give email and api_token = "${ZENDESK_API_TOKEN}" (or oauth_token)')
        return self
