"""`zendesk`: a Zendesk Support ticket per case (POST /api/v2/tickets), signed in, paced and
retried as the zendesk source is, created under the delivery id as `Idempotency-Key` and
`external_id`, so a crash never makes a second one: after an attempt whose answer was lost the
ticket is looked up by its external id before any new request. A solved or closed ticket resolves
its case (`GET /api/v2/tickets/show_many`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from cxbridge.loop.actions import Delivered, DeliveryError, Notice
from cxbridge.plugins.actions.api_action import ApiAction, ApiActionConfig
from cxbridge.plugins.zendesk.config import ZendeskConfig
from cxbridge.plugins.zendesk.source import ZendeskSource

SHOW_MANY = 100  # ids one Show Many Tickets request takes
DONE = frozenset({"solved", "closed"})


class ZendeskTicketConfig(ApiActionConfig, ZendeskConfig):
    type: Literal["zendesk"] = "zendesk"
    priority: Literal["urgent", "high", "normal", "low"] | None = Field(default="high", description="the tickets' priority")
    tags: list[str] = Field(default_factory=lambda: ["cxbridge"], description="tags of every ticket")
    group_id: int | None = Field(default=None, description="the group the tickets go to")
    source_config: ClassVar = ZendeskConfig
    connection_keys: ClassVar = frozenset({"subdomain", "email", "api_token", "oauth_token"})


class ZendeskTicketAction(ApiAction):
    """A ticket whose subject is the notice's title and whose first comment is the notice; its
    id (`zendesk:12345`) becomes the case's external_ref."""

    name = "zendesk"
    config_model = ZendeskTicketConfig
    source_class = ZendeskSource
    config: ZendeskTicketConfig

    def create(self, notice: Notice) -> Delivered:
        config = self.config
        ticket = {
            "subject": notice.title,
            "comment": {"body": "\n".join(notice.lines()), "public": False},
            "external_id": notice.delivery_id,
            "tags": config.tags,
            **({"priority": config.priority} if config.priority else {}),
            **({"group_id": config.group_id} if config.group_id else {}),
        }
        made = self.call("POST", "/api/v2/tickets", body={"ticket": ticket}, creates=True,
                         headers={"Idempotency-Key": notice.delivery_id})  # fmt: skip
        return self._reference((made or {}).get("ticket"))

    def find(self, notice: Notice) -> Delivered | None:
        tickets = (self.call("GET", "/api/v2/tickets", params={"external_id": notice.delivery_id}) or {}).get("tickets")
        return self._reference(tickets[0]) if tickets else None

    def closed(self, made: Mapping[str, datetime]) -> dict[str, str]:
        """Solved and closed tickets among `made`, read 100 at a time (Show Many Tickets)."""
        ids = sorted(ref.removeprefix("zendesk:") for ref in made if ref.startswith("zendesk:"))
        done: dict[str, str] = {}
        for start in range(0, len(ids), SHOW_MANY):
            found = self.call("GET", "/api/v2/tickets/show_many", params={"ids": ",".join(ids[start : start + SHOW_MANY])})
            for ticket in (found or {}).get("tickets") or []:
                if isinstance(ticket, dict) and ticket.get("status") in DONE:
                    done[f"zendesk:{ticket['id']}"] = str(ticket["status"])
        return done

    def _reference(self, ticket: object) -> Delivered:
        if not isinstance(ticket, dict) or "id" not in ticket:
            raise DeliveryError(f"{self.action_name}: Zendesk answered without a ticket id")
        return Delivered(f"zendesk:{ticket['id']}")
