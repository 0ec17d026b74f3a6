"""`zendesk`: a Zendesk Support ticket per case (POST /api/v2/tickets), created under the
delivery id as `Idempotency-Key` and `external_id`, so a crash never makes a second one: after
an interrupted attempt the ticket is looked up by its external id before any new request. A
solved or closed ticket resolves its case (`GET /api/v2/tickets/show_many`)."""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Literal

from pydantic import Field, HttpUrl, model_validator

from cxbridge.loop.actions import Action, ActionConfig, Delivered, DeliveryError, Notice
from cxbridge.plugins.actions.http import client, send
from cxbridge.secrets import Secret

SUBDOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
SHOW_MANY = 100  # ids one Show Many Tickets request takes
DONE = frozenset({"solved", "closed"})


class ZendeskTicketConfig(ActionConfig):
    type: Literal["zendesk"] = "zendesk"
    subdomain: str | None = Field(default=None, description="acme for acme.zendesk.com (or base_url)")
    base_url: HttpUrl | None = Field(default=None, description="the account's URL, instead of subdomain")
    email: str | None = Field(default=None, description="the agent's e-mail, with api_token")
    api_token: Secret | None = Field(default=None, description="${ZENDESK_API_TOKEN}")
    oauth_token: Secret | None = Field(default=None, description="an OAuth access token, instead of email + api_token")
    priority: Literal["urgent", "high", "normal", "low"] | None = Field(default="high", description="the tickets' priority")
    tags: list[str] = Field(default_factory=lambda: ["cxbridge"], description="tags of every ticket")
    group_id: int | None = Field(default=None, description="the group the tickets go to")

    @model_validator(mode="after")
    def _account(self) -> ZendeskTicketConfig:
        if (self.subdomain is None) == (self.base_url is None):
            raise ValueError("give subdomain (acme for acme.zendesk.com) or base_url")
        if self.subdomain is not None and not SUBDOMAIN.match(self.subdomain):
            raise ValueError(f"{self.subdomain!r} is not a subdomain: write 'acme' for acme.zendesk.com")
        if (self.oauth_token is None) == (self.api_token is None) or (self.api_token is not None and not self.email):
            raise ValueError('give email and api_token = "${ZENDESK_API_TOKEN}", or oauth_token')
        return self

    @property
    def root(self) -> str:
        return str(self.base_url).rstrip("/") if self.base_url else f"https://{self.subdomain}.zendesk.com"

    def authorization(self) -> str:
        if self.oauth_token is not None:
            return f"Bearer {self.oauth_token.get_secret_value()}"
        assert self.api_token is not None
        pair = f"{self.email}/token:{self.api_token.get_secret_value()}".encode()
        return "Basic " + base64.b64encode(pair).decode()


class ZendeskTicketAction(Action):
    """A ticket whose subject is the notice's title and whose first comment is the notice; its
    id (`zendesk:12345`) becomes the case's external_ref."""

    name = "zendesk"
    config_model = ZendeskTicketConfig
    links_case = True

    def __init__(self, config: ZendeskTicketConfig, *, name: str):
        super().__init__(config, name=name)
        self.config: ZendeskTicketConfig = config
        self.client = client(timeout=config.timeout, headers={"Authorization": config.authorization()})

    def deliver(self, notice: Notice) -> Delivered:
        ticket = {
            "subject": notice.title,
            "comment": {"body": "\n".join(notice.lines()), "public": False},
            "external_id": notice.delivery_id,
            "tags": self.config.tags,
            **({"priority": self.config.priority} if self.config.priority else {}),
            **({"group_id": self.config.group_id} if self.config.group_id else {}),
        }
        response = send(self.client, "POST", f"{self.config.root}/api/v2/tickets", action=self.action_name,
                        headers={"Idempotency-Key": notice.delivery_id}, json={"ticket": ticket})  # fmt: skip
        return Delivered(self._reference(response.json().get("ticket")))

    def find(self, notice: Notice) -> Delivered | None:
        response = send(self.client, "GET", f"{self.config.root}/api/v2/tickets", action=self.action_name,
                        params={"external_id": notice.delivery_id})  # fmt: skip
        tickets = response.json().get("tickets") or []
        return Delivered(self._reference(tickets[0])) if tickets else None

    def closed(self, made: Mapping[str, datetime]) -> dict[str, str]:
        """Solved and closed tickets among `made`, read 100 at a time (Show Many Tickets)."""
        ids = sorted(ref.removeprefix("zendesk:") for ref in made if ref.startswith("zendesk:"))
        done: dict[str, str] = {}
        for start in range(0, len(ids), SHOW_MANY):
            response = send(self.client, "GET", f"{self.config.root}/api/v2/tickets/show_many", action=self.action_name,
                            params={"ids": ",".join(ids[start : start + SHOW_MANY])})  # fmt: skip
            for ticket in response.json().get("tickets") or []:
                if isinstance(ticket, dict) and ticket.get("status") in DONE:
                    done[f"zendesk:{ticket['id']}"] = str(ticket["status"])
        return done

    def _reference(self, ticket: object) -> str:
        if not isinstance(ticket, dict) or "id" not in ticket:
            raise DeliveryError(f"{self.action_name}: Zendesk answered without a ticket id")
        return f"zendesk:{ticket['id']}"

    def close(self) -> None:
        self.client.close()
