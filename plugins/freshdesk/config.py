"""`[sources.NAME]` of the freshdesk connector: the helpdesk, its API key, the look-back that
catches ratings left late on old tickets, and which CSAT API is read (classic ratings, or the
newer customer-satisfaction surveys with their per-question overrides)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from pydantic import Field, field_validator, model_validator

from cxbridge.http import ApiSourceConfig
from cxbridge.questions import QuestionOverride
from cxbridge.secrets import Secret

_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class FreshdeskConfig(ApiSourceConfig):
    connector: Literal["freshdesk"] = "freshdesk"
    domain: str | None = Field(default=None, description="acme for acme.freshdesk.com (or give base_url)")
    api_key: Secret = Field(description="an agent's API key (Profile settings → View API key)")
    start_date: datetime | None = Field(default=None, description="first sync: ratings created from this time")
    lookback_days: float = Field(
        default=3, ge=0, le=90, description="days read again each sync (ratings are filtered by creation only)"
    )
    ticket_context: bool = Field(default=True, description="group, agent, source and tags of each rated ticket")
    requester_emails: bool = Field(
        default=True,
        description="with ticket_context (without it nothing is keyed: docs/connectors/freshdesk.md): key each rating "
        "by its requester's e-mail, else mobile, else phone (stored only as its salted hash), embedded in the rated "
        "tickets' listing (include=requester: 2 more API credits a page of tickets); false: no embedding, and "
        "ratings join nobody (docs/identity.md)",
    )
    page_size: int = Field(default=100, ge=1, le=100, description="records per page")
    csat_api: Literal["classic", "surveys"] = Field(
        default="classic",
        description="classic: satisfaction ratings (/surveys/satisfaction_ratings); surveys: the newer "
        "customer-satisfaction surveys' responses (/customer-satisfaction/surveys)",
    )
    questions: dict[str, QuestionOverride] = Field(
        default_factory=dict,
        description='with csat_api = "surveys": per question id (Q_1): metric, scale, direction, ignore',
    )

    @property
    def takes_questions(self) -> bool:
        """Whether `questions` applies: only the newer surveys' questions are read through it."""
        return self.csat_api == "surveys"

    @field_validator("domain")
    @classmethod
    def _domain(cls, value: str | None) -> str | None:
        if value is not None and not _DOMAIN.match(value):
            raise ValueError(f"{value!r} is not a helpdesk name: write 'acme' for acme.freshdesk.com")
        return value

    @model_validator(mode="after")
    def _where(self) -> FreshdeskConfig:
        if self.domain is None and self.base_url is None:
            raise ValueError("give domain (acme for acme.freshdesk.com) or base_url")
        if self.questions and self.csat_api != "surveys":
            raise ValueError('questions apply to the newer surveys only: set csat_api = "surveys" or remove them')
        if self.requester_emails and not self.ticket_context and "requester_emails" in self.model_fields_set:
            raise ValueError(
                "requester_emails = true needs ticket_context = true: a rating's requester comes only embedded in the "
                "rated tickets' listing (3 API credits a page of 100 tickets); turn ticket_context on, or remove "
                "requester_emails (docs/connectors/freshdesk.md)"
            )
        return self
