"""What a loop action is: a plugin class (`register_actions` hook) that delivers a notice about a
case — to a webhook, a mailbox, a help desk — once, under an idempotency key, and says what it
created there."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from cxbridge.errors import CxbridgeError
from cxbridge.loop.cases import Case

RECORD_FIELDS = (
    "submitted_at", "program", "survey_name", "location_name", "team", "agent_id", "respondent_key",
    "crm_contact_id", "crm_account_id", "ticket_id", "nps", "csat", "ces", "comment",
)  # fmt: skip
"""What a notice tells of the record behind a case: when, where, who served, its scores and
comment, and the CRM and help-desk ids — never a name, an e-mail or a phone number."""


class ActionConfig(BaseModel):
    """`[loop.actions.NAME]`: `type` names the action plugin; the other keys are its own."""

    model_config = ConfigDict(extra="forbid")

    type: str = Field(description="the action plugin: webhook, slack, teams, email, zendesk, …")
    timeout: float = Field(default=15, gt=0, le=300, description="seconds one delivery may take")
    _base_dir: Path | None = PrivateAttr(default=None)

    @property
    def base_dir(self) -> Path:
        """Where relative paths among its keys start: the folder of the config file it came from
        (set when the config loads), else the working directory."""
        return self._base_dir or Path.cwd()


@dataclass(frozen=True)
class Notice:
    """One delivery: the case, its record's essentials, and the key that makes it idempotent."""

    delivery_id: str
    action: str
    case: Case
    record: dict[str, Any]
    attempt: int

    @property
    def title(self) -> str:
        where = self.record.get("location_name") or self.case.location_id or self.case.source
        return f"{self.case.rule.replace('_', ' ').capitalize()} at {where}: {self.case.matched}"

    def lines(self) -> list[str]:
        """The notice as plain-text lines, for people (e-mail bodies, chat messages, tickets)."""
        case, record = self.case, self.record
        due = _when(case.due_at)
        lines = [
            f"Case {case.case_id} ({case.rule}): {case.matched}",
            f"Owner: {case.owner or 'nobody yet'} · due {due}",
            f"Feedback: {record.get('survey_name') or case.source}, submitted {record.get('submitted_at') or 'unknown'}",
        ]
        scores = [f"{name.upper()} {_number(record[name])}" for name in ("nps", "csat", "ces") if record.get(name) is not None]
        if scores:
            lines.append("Scores: " + ", ".join(scores))
        served = [f"{label} {record[key]}" for key, label in (("team", "team"), ("agent_id", "agent")) if record.get(key)]
        if served:
            lines.append("Served by: " + ", ".join(served))
        links = [f"{label} {record[key]}" for key, label in
                 (("crm_contact_id", "contact"), ("crm_account_id", "account"), ("ticket_id", "ticket")) if record.get(key)]  # fmt: skip
        if links:
            lines.append("Links: " + ", ".join(links))
        if record.get("comment"):
            lines += ["", "Comment:", str(record["comment"])]
        return lines

    def payload(self) -> dict[str, Any]:
        """The notice as JSON for machines (webhooks): the case and the record's essentials."""
        case = {key: _when(value) if isinstance(value, datetime) else value for key, value in self.case.__dict__.items()}
        return {
            "event": "case_opened",
            "delivery_id": self.delivery_id,
            "action": self.action,
            "case": case,
            "record": {"record_id": self.case.record_id, **{key: self.record.get(key) for key in RECORD_FIELDS}},
        }


def _when(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def _number(value: Any) -> str:
    return f"{float(value):g}"


@dataclass(frozen=True)
class Delivered:
    """What a delivery made at the far end: a ticket, task or message id, if it has one; and
    what it missed though it arrived (an e-mail one of whose recipients was refused): never
    delivered again, since the others have it, but said in the summary and the case's events."""

    external_ref: str | None = None
    warning: str | None = None


class DeliveryError(CxbridgeError):
    """A delivery failed; it is retried on a later run. The message names the action and what
    went wrong, never a URL or a credential."""

    def __init__(self, message: str, *, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class Action(ABC):
    """A kind of action users name with `type = "…"` in `[loop.actions.NAME]`."""

    name: ClassVar[str]
    config_model: ClassVar[type[ActionConfig]] = ActionConfig
    links_case: ClassVar[bool] = False
    """Whether what it creates (a ticket, a task) becomes the case's `external_ref`."""
    finds_by_search: ClassVar[bool] = False
    """Whether `find` asks a search index, which shows what was just made only after a while: an
    attempt cut short is then looked up a minute after it began at the soonest."""

    def __init__(self, config: ActionConfig, *, name: str):
        self.config = config
        self.action_name = name

    @abstractmethod
    def deliver(self, notice: Notice) -> Delivered:
        """Deliver `notice` once; raise DeliveryError when it did not arrive (it is retried).
        Send `notice.delivery_id` as the idempotency key where the far end takes one."""

    def find(self, notice: Notice) -> Delivered | None:
        """After an attempt whose outcome is unknown (the process died during it): what that
        attempt made, if the far end can tell by the idempotency key, else None (deliver again)."""
        return None

    def closed(self, made: Mapping[str, datetime]) -> dict[str, str]:
        """Of `made` — the external refs this action made, each with the time its case opened (what
        it made is no older) — those the far end has solved or closed, with the status it shows
        there, read in batches. Raise DeliveryError when the far end cannot tell now. By default
        none: an action that makes nothing with a status of its own (a message, an e-mail)."""
        return {}

    def close(self) -> None:
        """Release connections; called once after the run's deliveries."""
