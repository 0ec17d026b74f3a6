"""`hubspot`: a HubSpot task per case (`POST /crm/v3/objects/tasks`, developers.hubspot.com/docs
/api/crm/tasks), associated with the record's contact and company when their ids are HubSpot's,
signed in as the hubspot source is; the delivery id is a token of the task's body, so a later
attempt finds a task whose answer was lost (`POST /crm/v3/objects/tasks/search`). A completed
task resolves its case."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import Field

from cxbridge.loop.actions import Delivered, DeliveryError, Notice
from cxbridge.plugins.actions.api_action import ApiAction, ApiActionConfig, key_line
from cxbridge.plugins.hubspot.config import HubSpotConfig
from cxbridge.plugins.hubspot.source import HubSpotSource
from cxbridge.timestamps import format_timestamp

TASK_TO_CONTACT = 204  # HUBSPOT_DEFINED association types of a task (the associations API's type list)
TASK_TO_COMPANY = 192
BATCH = 100  # ids one batch read takes


class HubSpotTaskConfig(ApiActionConfig, HubSpotConfig):
    type: Literal["hubspot"] = "hubspot"
    priority: Literal["HIGH", "MEDIUM", "LOW"] = Field(default="HIGH", description="the tasks' hs_task_priority")
    task_type: Literal["CALL", "EMAIL", "TODO"] = Field(default="CALL", description="the tasks' hs_task_type")
    owner_ids: dict[str, str] = Field(
        default_factory=dict, description="the HubSpot owner id (hubspot_owner_id) of each case owner, e.g. an e-mail"
    )
    associate: bool = Field(default=True, description="associate each task with the record's contact and company")
    source_config: ClassVar = HubSpotConfig
    connection_keys: ClassVar = frozenset({"access_token"})


class HubSpotTaskAction(ApiAction):
    """A task due when the case is, whose subject is the notice's title and whose body is the
    notice; its id (`hubspot:task:512`) becomes the case's external_ref."""

    name = "hubspot"
    finds_by_search = True  # its index shows a new one a few seconds later
    config_model = HubSpotTaskConfig
    source_class = HubSpotSource
    config: HubSpotTaskConfig

    def create(self, notice: Notice) -> Delivered:
        config, case = self.config, notice.case
        properties = {
            "hs_timestamp": format_timestamp(case.due_at or case.opened_at),
            "hs_task_subject": notice.title,
            "hs_task_body": "\n".join([*notice.lines(), "", key_line(notice)]),
            "hs_task_status": "NOT_STARTED",
            "hs_task_priority": config.priority,
            "hs_task_type": config.task_type,
        }
        if case.owner and case.owner in config.owner_ids:
            properties["hubspot_owner_id"] = config.owner_ids[case.owner]
        body = {"properties": properties, "associations": self._associations(notice.record)}
        return self._reference(self.call("POST", "/crm/v3/objects/tasks", body=body, creates=True))

    def _associations(self, record: dict[str, Any]) -> list[dict[str, Any]]:
        """The record's contact and company, when it has ids HubSpot could have made (numbers)."""
        if not self.config.associate:
            return []
        linked = [(record.get("crm_contact_id"), TASK_TO_CONTACT), (record.get("crm_account_id"), TASK_TO_COMPANY)]
        return [{"to": {"id": str(found)}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": kind}]}
                for found, kind in linked if found and str(found).isdigit()]  # fmt: skip

    def find(self, notice: Notice) -> Delivered | None:
        query = {"filterGroups": [{"filters": [{"propertyName": "hs_task_body", "operator": "CONTAINS_TOKEN",
                                                "value": notice.delivery_id}]}],
                 "properties": ["hs_task_subject"], "limit": 1}  # fmt: skip
        results = (self.call("POST", "/crm/v3/objects/tasks/search", body=query) or {}).get("results") or []
        return self._reference(results[0]) if results else None

    def closed(self, made: Mapping[str, datetime]) -> dict[str, str]:
        """Completed tasks among `made`, read 100 at a time (`POST /crm/v3/objects/tasks/batch/read`)."""
        ids = sorted(ref.removeprefix("hubspot:task:") for ref in made if ref.startswith("hubspot:task:"))
        done: dict[str, str] = {}
        for start in range(0, len(ids), BATCH):
            body = {"properties": ["hs_task_status"], "inputs": [{"id": task} for task in ids[start : start + BATCH]]}
            for task in (self.call("POST", "/crm/v3/objects/tasks/batch/read", body=body) or {}).get("results") or []:
                if (task.get("properties") or {}).get("hs_task_status") == "COMPLETED":
                    done[f"hubspot:task:{task['id']}"] = "COMPLETED"
        return done

    def _reference(self, task: object) -> Delivered:
        if not isinstance(task, dict) or "id" not in task:
            raise DeliveryError(f"{self.action_name}: HubSpot answered without a task id")
        return Delivered(f"hubspot:task:{task['id']}")
