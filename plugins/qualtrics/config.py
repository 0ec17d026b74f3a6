"""`[sources.NAME]` of the qualtrics connector: where the account lives, how to sign in, which
surveys to read, and how their questions and embedded data map to feedback fields."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from pydantic import Field, field_validator, model_validator

from cxbridge.http import ApiSourceConfig
from cxbridge.questions import QuestionOverride
from cxbridge.secrets import Secret
from cxbridge.sources import RegularExpression
from cxbridge.tabular.config import ColumnMap

DEFAULT_SCOPES = ("read:surveys", "read:survey_responses")
_DATACENTER = re.compile(r"^[a-z0-9]+(\.[a-z0-9]+)?$")
_SURVEY_ID = re.compile(r"SV_[A-Za-z0-9]+")


class QualtricsConfig(ApiSourceConfig):
    connector: Literal["qualtrics"] = "qualtrics"
    datacenter: str | None = Field(
        default=None, description="the datacenter id of the account (iad1, fra1, ca1, …); or give base_url"
    )
    api_token: Secret | None = Field(default=None, description="an API token (X-API-TOKEN)")
    client_id: str | None = Field(default=None, description="OAuth client id (client-credentials grant)")
    client_secret: Secret | None = Field(default=None, description="OAuth client secret")
    scopes: list[str] = Field(default=list(DEFAULT_SCOPES), description="OAuth scopes to ask for")
    surveys: list[str] = Field(default_factory=list, description="survey ids (SV_…); empty: every survey listed")
    name_pattern: RegularExpression | None = Field(default=None, description="only surveys whose name matches this regex")
    active_only: bool = Field(default=False, description="only surveys that are active")
    start_date: datetime | None = Field(default=None, description="first sync: responses recorded from this time")
    include_in_progress: bool = Field(default=False, description="also export responses still in progress")
    include_test_responses: bool = Field(
        default=False, description="also keep previews, test and spam responses (Status 1, 2, 8)"
    )
    poll_interval: float = Field(default=2.0, gt=0, le=60, description="seconds between export progress checks")
    export_timeout: float = Field(default=3600, gt=0, description="seconds an export may take before the run fails")
    max_export_bytes: int = Field(
        default=2_000_000_000, gt=0, description="largest export ZIP (and unpacked file) accepted"
    )
    columns: ColumnMap = Field(
        default_factory=ColumnMap, description="embedded data or metadata → feedback field, over the defaults"
    )
    questions: dict[str, QuestionOverride] = Field(
        default_factory=dict, description="per question id (QID1, QID4_2, …): metric, scale, labels, ignore"
    )

    @field_validator("surveys")
    @classmethod
    def _survey_ids(cls, surveys: list[str]) -> list[str]:
        for survey in surveys:
            if not _SURVEY_ID.fullmatch(survey):
                found = _SURVEY_ID.search(survey)
                hint = f"did you mean {found.group()!r}?" if found else "copy it from Account Settings › Qualtrics IDs"
                raise ValueError(f"{survey!r} is not a survey id (SV_ and letters or digits, e.g. SV_8dZXgAbcDe9Qw3r); {hint}")
        return surveys

    @field_validator("datacenter")
    @classmethod
    def _datacenter(cls, value: str | None) -> str | None:
        if value is not None and not _DATACENTER.match(value):
            raise ValueError(f"{value!r} is not a datacenter id such as 'iad1' or 'fra1' (for a host, use base_url)")
        return value

    @model_validator(mode="after")
    def _one_way_in(self) -> QualtricsConfig:
        if self.datacenter is None and self.base_url is None:
            raise ValueError("give datacenter (e.g. 'iad1') or base_url (e.g. 'https://acme.eu.qualtrics.com/API/v3')")
        oauth = self.client_id is not None or self.client_secret is not None
        if self.api_token is not None and oauth:
            raise ValueError("give api_token or client_id + client_secret, not both")
        if oauth and (self.client_id is None or self.client_secret is None):
            raise ValueError("OAuth needs both client_id and client_secret")
        if self.api_token is None and not oauth:
            raise ValueError("give api_token = \"${QUALTRICS_API_TOKEN}\" or client_id + client_secret")
        return self
