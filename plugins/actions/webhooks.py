"""Actions that POST a notice to a URL: `webhook` (the notice as JSON, for your own services,
Zapier or Make), `slack` and `teams` (a message in a channel, through its incoming webhook)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from cxbridge.loop.actions import Action, ActionConfig, Delivered, Notice
from cxbridge.plugins.actions.http import client, send
from cxbridge.secrets import Secret


class WebhookConfig(ActionConfig):
    type: Literal["webhook"] = "webhook"
    url: Secret = Field(description="where the notice is POSTed: ${ENV_VAR} (webhook URLs carry their secret)")
    headers: dict[str, Secret] = Field(
        default_factory=dict, description="extra headers, e.g. Authorization = '${HOOK_TOKEN}'"
    )


class SlackConfig(WebhookConfig):
    type: Literal["slack"] = "slack"  # type: ignore[assignment]


class TeamsConfig(WebhookConfig):
    type: Literal["teams"] = "teams"  # type: ignore[assignment]


class WebhookAction(Action):
    """The notice as JSON (`event`, `delivery_id`, `case`, `record`), with an `Idempotency-Key`
    header: a receiver that keeps the keys it has seen gets each case once, even after a crash."""

    name = "webhook"
    config_model = WebhookConfig

    def __init__(self, config: WebhookConfig, *, name: str):
        super().__init__(config, name=name)
        self.config: WebhookConfig = config
        self.client = client(timeout=config.timeout)

    def body(self, notice: Notice) -> dict[str, Any]:
        return notice.payload()

    def deliver(self, notice: Notice) -> Delivered:
        headers = {key: value.get_secret_value() for key, value in self.config.headers.items()}
        headers["Idempotency-Key"] = notice.delivery_id
        send(self.client, "POST", self.config.url.get_secret_value(), action=self.action_name, headers=headers,
             json=self.body(notice))  # fmt: skip
        return Delivered()

    def close(self) -> None:
        self.client.close()


class SlackAction(WebhookAction):
    """A message in the channel of a Slack incoming webhook: the title in bold, then the case."""

    name = "slack"
    config_model = SlackConfig

    def body(self, notice: Notice) -> dict[str, Any]:
        text = f"*{_slack(notice.title)}*\n" + "\n".join(_slack(line) for line in notice.lines())
        return {"text": text}


class TeamsAction(WebhookAction):
    """A message in a Microsoft Teams channel through its incoming webhook (a Workflows
    "post to a channel when a webhook request is received" flow): an Adaptive Card."""

    name = "teams"
    config_model = TeamsConfig

    def body(self, notice: Notice) -> dict[str, Any]:
        blocks: list[dict[str, Any]] = [{"type": "TextBlock", "text": notice.title, "weight": "Bolder", "wrap": True}]
        blocks += [{"type": "TextBlock", "text": line, "wrap": True} for line in notice.lines() if line]
        card = {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard",
                "version": "1.4", "body": blocks}  # fmt: skip
        return {"type": "message", "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive",
                                                     "content": card}]}  # fmt: skip


def _slack(text: str) -> str:
    """Text as Slack's mrkdwn reads it literally: &, < and > escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
