"""`[sources.NAME]` of the salesforce connector: the org, how to sign in (client credentials,
JWT bearer or a refresh token), the API version, and what to read — the standard Survey objects,
custom objects through a field mapping, and accounts and contacts as CRM context."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from pydantic import Field, field_validator, model_validator

from cxbridge.http import ApiSourceConfig
from cxbridge.questions import QuestionOverride
from cxbridge.secrets import Secret
from cxbridge.tabular.config import RowMapping

_API_VERSION = re.compile(r"^v\d{2,3}\.\d$")
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


class CustomObject(RowMapping):
    """`[[sources.NAME.custom_objects]]`: feedback kept in a custom object, mapped field by field
    (the mapping keys of spreadsheets: columns, metrics, comments, …; fields named as in SOQL)."""

    object: str = Field(description="the object's API name, e.g. NPS_Response__c")

    @field_validator("object")
    @classmethod
    def _api_name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(f"{value!r} is not an object API name (letters, digits, _; e.g. NPS_Response__c)")
        return value

    def metrics_entry(self, column: str, *, source: str) -> str:
        """Where advice tells to change how a field is scored: its entry under the object's `metrics`."""
        within = f"the [[sources.{source}.custom_objects]] entry of object {self.object!r}"
        return f"the metrics entry of column {column!r} in {within}"


class SalesforceConfig(ApiSourceConfig):
    connector: Literal["salesforce"] = "salesforce"
    api_version: str = Field(default="v61.0", description="the REST API version, e.g. v61.0")
    auth: Literal["client_credentials", "jwt_bearer", "refresh_token"] = Field(
        default="client_credentials", description="the OAuth flow of the connected app"
    )
    client_id: str = Field(description="the connected app's consumer key")
    client_secret: Secret | None = Field(default=None, description="the consumer secret (client credentials, refresh)")
    refresh_token: Secret | None = Field(default=None, description="for auth = refresh_token")
    username: str | None = Field(default=None, description="for auth = jwt_bearer: the user the app acts as")
    private_key_file: str | None = Field(default=None, description="for auth = jwt_bearer: the app's PEM key")
    login_url: str = Field(default="https://login.salesforce.com", description="https://test.salesforce.com for sandboxes")
    surveys: bool = Field(default=True, description="read SurveyResponse and SurveyQuestionResponse")
    custom_objects: list[CustomObject] = Field(default_factory=list, description="feedback in custom objects")
    accounts: bool = Field(default=True, description="sync Account into crm_accounts")
    contacts: bool = Field(default=True, description="sync Contact into crm_contacts")
    segment_field: str = Field(default="Type", description="the Account field that holds the segment")
    lifecycle_field: str | None = Field(
        default="Type", description="the Account field that holds the lifecycle stage (Type: Prospect, Customer - Direct, …)"
    )
    currency_field: str | None = Field(
        default=None,
        description="the Account field that holds its currency code: CurrencyIsoCode, on orgs with multi-currency enabled",
    )
    csat_scale: tuple[int, int] | None = Field(
        default=None, description="the scale of CSAT questions whose choices give none (unset: their answers wait in quarantine)"
    )
    rating_scale: tuple[int, int] | None = Field(
        default=None, description="the scale of Rating questions whose choices give none (unset: their answers wait in quarantine)"
    )
    start_date: datetime | None = Field(default=None, description="first sync: rows changed from this time")
    questions: dict[str, QuestionOverride] = Field(
        default_factory=dict,
        description='per SurveyQuestion id, QuestionType or "<SurveyId>/<question id>": metric, scale, labels, ignore, primary',
    )

    @field_validator("api_version")
    @classmethod
    def _version(cls, value: str) -> str:
        if not _API_VERSION.match(value):
            raise ValueError(f"{value!r} is not an API version such as 'v61.0'")
        return value

    @field_validator("segment_field", "lifecycle_field", "currency_field")
    @classmethod
    def _field(cls, value: str | None) -> str | None:
        if value is not None and not _NAME.match(value):
            raise ValueError(f"{value!r} is not a field API name")
        return value

    @model_validator(mode="after")
    def _credentials(self) -> SalesforceConfig:
        if self.base_url is None:
            raise ValueError("give base_url: your org's My Domain URL, e.g. https://acme.my.salesforce.com")
        needs = {"client_credentials": ("client_secret",), "refresh_token": ("client_secret", "refresh_token"),
                 "jwt_bearer": ("username", "private_key_file")}[self.auth]  # fmt: skip
        missing = [key for key in needs if getattr(self, key) is None]
        if missing:
            raise ValueError(f"auth = {self.auth!r} needs {' and '.join(missing)}")
        return self
