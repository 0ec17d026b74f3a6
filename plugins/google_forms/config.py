"""`[sources.NAME]` of the google_forms connector: which forms, which Google credentials, and
how questions map to feedback fields and metrics."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, field_validator

from cxbridge.http import ApiSourceConfig
from cxbridge.questions import QuestionOverride
from cxbridge.records import Channel
from cxbridge.tabular.config import ColumnMap

SCOPES = (
    "https://www.googleapis.com/auth/forms.body.readonly",
    "https://www.googleapis.com/auth/forms.responses.readonly",
)


class GoogleFormsConfig(ApiSourceConfig):
    connector: Literal["google_forms"] = "google_forms"
    forms: list[str] = Field(min_length=1, description="form ids (from the form's edit URL: /forms/d/<id>/edit)")
    credentials_file: str | None = Field(
        default=None,
        description="a service-account or authorized-user JSON key file; default: Application Default Credentials",
    )
    subject: str | None = Field(default=None, description="a Workspace user a service account acts for (delegation)")
    page_size: int = Field(default=1000, ge=1, le=5000, description="responses per page")
    start_date: datetime | None = Field(default=None, description="first sync: responses submitted from this time")
    channel: Channel | None = Field(default=Channel.WEB, description="channel of its records: web (a form's link)")
    columns: ColumnMap = Field(
        default_factory=ColumnMap, description="feedback field → question id whose answer fills it (e.g. the store)"
    )
    questions: dict[str, QuestionOverride] = Field(
        default_factory=dict, description="per question id: metric, scale, labels, ignore"
    )

    @field_validator("forms")
    @classmethod
    def _form_ids(cls, forms: list[str]) -> list[str]:
        for form in forms:
            if not form or "/" in form or " " in form:
                raise ValueError(f"{form!r} is not a form id; copy the id from the form's edit URL (/forms/d/<id>/edit)")
        return forms
