"""`freshdesk`: a Freshdesk ticket per case (`POST /api/v2/tickets`, developers.freshdesk.com
/api/#create_ticket), signed in as the freshdesk source is; the delivery id is one of its tags,
so a later attempt finds a ticket whose answer was lost (`GET /api/v2/search/tickets`). A
resolved or closed ticket resolves its case."""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from cxbridge.loop.actions import Delivered, DeliveryError, Notice
from cxbridge.plugins.actions.api_action import ApiAction, ApiActionConfig, key_line
from cxbridge.plugins.freshdesk.config import FreshdeskConfig
from cxbridge.plugins.freshdesk.source import FreshdeskSource
from cxbridge.timestamps import format_timestamp

PRIORITIES = {"low": 1, "medium": 2, "high": 3, "urgent": 4}
OPEN = 2
PORTAL = 2  # the ticket's `source`: made through the API, as a portal ticket is
DONE = {4: "Resolved", 5: "Closed"}  # the ticket statuses that resolve a case
TICKETS_A_PAGE = 100  # the status read's listing: Freshdesk's largest page


class FreshdeskTicketConfig(ApiActionConfig, FreshdeskConfig):
    type: Literal["freshdesk"] = "freshdesk"
    requester_email: str = Field(description="the requester of the tickets (Freshdesk needs one): your CX team's address")
    priority: Literal["low", "medium", "high", "urgent"] = Field(default="high", description="the tickets' priority")
    tags: list[str] = Field(default_factory=lambda: ["cxbridge"], description="tags of every ticket")
    group_id: int | None = Field(default=None, description="the group the tickets go to")
    source_config: ClassVar = FreshdeskConfig
    connection_keys: ClassVar = frozenset({"domain", "api_key"})


class FreshdeskTicketAction(ApiAction):
    """A ticket whose subject is the notice's title and whose description is the notice; its id
    (`freshdesk:812`) becomes the case's external_ref."""

    name = "freshdesk"
    finds_by_search = True  # its filter API searches an index that lags
    config_model = FreshdeskTicketConfig
    source_class = FreshdeskSource
    config: FreshdeskTicketConfig

    def create(self, notice: Notice) -> Delivered:
        config = self.config
        ticket = {
            "subject": notice.title,
            "description": "<br>".join(html.escape(line) for line in [*notice.lines(), "", key_line(notice)]),
            "email": config.requester_email,
            "status": OPEN,
            "priority": PRIORITIES[config.priority],
            "source": PORTAL,
            "tags": [*config.tags, key_tag(notice)],
            **({"group_id": config.group_id} if config.group_id else {}),
        }
        return self._reference(self.call("POST", "/api/v2/tickets", body=ticket, creates=True))

    def find(self, notice: Notice) -> Delivered | None:
        found = self.call("GET", "/api/v2/search/tickets", params={"query": f"\"tag:'{key_tag(notice)}'\""})
        results = (found or {}).get("results") or []
        return self._reference(results[0]) if results else None

    def closed(self, made: Mapping[str, datetime]) -> dict[str, str]:
        """Resolved and closed tickets among `made`. Freshdesk reads no list of tickets by id: the
        tickets updated since the earliest case opened are listed, 100 a page, and ours picked."""
        ours = {ref.removeprefix("freshdesk:") for ref in made if ref.startswith("freshdesk:")}
        if not ours:
            return {}
        done: dict[str, str] = {}
        with self.failing():
            for ticket in self.source.updated_tickets(format_timestamp(min(made.values())), TICKETS_A_PAGE):
                if str(ticket.get("id")) in ours and ticket.get("status") in DONE:
                    done[f"freshdesk:{ticket['id']}"] = DONE[ticket["status"]]
        return done

    def _reference(self, ticket: object) -> Delivered:
        if not isinstance(ticket, dict) or "id" not in ticket:
            raise DeliveryError(f"{self.action_name}: Freshdesk answered without a ticket id")
        return Delivered(f"freshdesk:{ticket['id']}")


def key_tag(notice: Notice) -> str:
    """The tag that marks the ticket of one delivery (kept to 32 characters, as tags are short)."""
    return f"cx-{notice.delivery_id[:29]}"
