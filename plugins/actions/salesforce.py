"""`salesforce`: a Salesforce Case per case (`POST /services/data/vXX.X/sobjects/Case`,
developer.salesforce.com REST API "Create a Record"), linked to the record's contact and account
when their ids are Salesforce's, signed in as the salesforce source is; the subject ends with a
mark of the delivery id, so a later attempt finds a Case whose answer was lost (SOQL). A closed
Case (IsClosed) resolves its case."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import Field

from cxbridge.loop.actions import Delivered, DeliveryError, Notice
from cxbridge.plugins.actions.api_action import ApiAction, ApiActionConfig, key_line
from cxbridge.plugins.salesforce import soql
from cxbridge.plugins.salesforce.config import SalesforceConfig
from cxbridge.plugins.salesforce.source import SalesforceSource

SUBJECT_LENGTH = 255
RECORD_ID = re.compile(r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")
PREFIXES = {"ContactId": "003", "AccountId": "001"}  # the key prefixes of Contact and Account ids
IDS_PER_QUERY = 200  # ids in one SOQL query's IN list, well within its length limit


class SalesforceCaseConfig(ApiActionConfig, SalesforceConfig):
    type: Literal["salesforce"] = "salesforce"
    status: str = Field(default="New", description="the Cases' Status (a value of your org's picklist)")
    origin: str = Field(default="Web", description="the Cases' Origin (a value of your org's picklist)")
    priority: str = Field(default="High", description="the Cases' Priority (a value of your org's picklist)")
    owner_ids: dict[str, str] = Field(
        default_factory=dict, description="the Salesforce user or queue id (OwnerId) of each case owner, e.g. an e-mail"
    )
    link: bool = Field(default=True, description="link each Case to the record's contact and account")
    source_config: ClassVar = SalesforceConfig
    connection_keys: ClassVar = frozenset(
        {"api_version", "auth", "client_id", "client_secret", "refresh_token", "username", "private_key_file", "login_url"}
    )


class SalesforceCaseAction(ApiAction):
    """A Case whose subject is the notice's title and whose description is the notice; its id
    (`salesforce:case:500…`) becomes the case's external_ref."""

    name = "salesforce"
    config_model = SalesforceCaseConfig
    source_class = SalesforceSource
    config: SalesforceCaseConfig

    def create(self, notice: Notice) -> Delivered:
        config = self.config
        mark = key_mark(notice)
        fields: dict[str, Any] = {
            "Subject": f"{notice.title[: SUBJECT_LENGTH - len(mark) - 1]} {mark}",
            "Description": "\n".join([*notice.lines(), "", key_line(notice)]),
            "Status": config.status,
            "Origin": config.origin,
            "Priority": config.priority,
            **self._links(notice.record),
        }
        if notice.case.owner and notice.case.owner in config.owner_ids:
            fields["OwnerId"] = config.owner_ids[notice.case.owner]
        made = self.call("POST", f"/services/data/{config.api_version}/sobjects/Case", body=fields, creates=True)
        return self._reference(made)

    def _links(self, record: dict[str, Any]) -> dict[str, str]:
        """ContactId and AccountId from the record's CRM ids, when they are Salesforce's."""
        if not self.config.link:
            return {}
        found = {"ContactId": record.get("crm_contact_id"), "AccountId": record.get("crm_account_id")}
        return {name: str(value) for name, value in found.items()
                if value and RECORD_ID.match(str(value)) and str(value).startswith(PREFIXES[name])}  # fmt: skip

    def find(self, notice: Notice) -> Delivered | None:
        statement = f"SELECT Id FROM Case WHERE Subject LIKE '%{key_mark(notice)}%'"
        with self.failing():
            rows = list(soql.query(self.source.client, self.config.api_version, statement))
        return self._reference(rows[0]) if rows else None

    def closed(self, made: Mapping[str, datetime]) -> dict[str, str]:
        """Closed Cases among `made` (IsClosed: a status of the closed kind), 200 ids a query."""
        ids = sorted(ref.removeprefix("salesforce:case:") for ref in made if ref.startswith("salesforce:case:"))
        done: dict[str, str] = {}
        for start in range(0, len(ids), IDS_PER_QUERY):
            statement = f"SELECT Id, Status, IsClosed FROM Case WHERE Id IN {soql.in_list(ids[start : start + IDS_PER_QUERY])}"
            with self.failing():
                rows = list(soql.query(self.source.client, self.config.api_version, statement))
            done |= {f"salesforce:case:{row['Id']}": str(row.get("Status") or "Closed") for row in rows if row.get("IsClosed")}
        return done

    def _reference(self, made: object) -> Delivered:
        found = made.get("id") or made.get("Id") if isinstance(made, dict) else None
        if not found:
            raise DeliveryError(f"{self.action_name}: Salesforce answered without a Case id")
        return Delivered(f"salesforce:case:{found}")


def key_mark(notice: Notice) -> str:
    """The end of a Case's subject that marks its delivery: `[cx 1a2b3c4d5e6f]`."""
    return f"[cx {notice.delivery_id[:12]}]"
