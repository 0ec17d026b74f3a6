"""`[sources.NAME]` of the typeform connector: the personal access token, which forms, which
kinds of response, and how fields map to feedback fields and metrics."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from pydantic import Field, field_validator

from cxbridge.http import ApiSourceConfig
from cxbridge.questions import QuestionOverride
from cxbridge.records import Channel
from cxbridge.secrets import Secret
from cxbridge.sources import RegularExpression
from cxbridge.tabular.config import ColumnMap

MAX_PAGE_SIZE = 1000  # the Responses API's documented maximum
_FORM_ID = re.compile(r"^[A-Za-z0-9_-]+$")


class TypeformConfig(ApiSourceConfig):
    connector: Literal["typeform"] = "typeform"
    token: Secret = Field(description="a personal access token with forms:read and responses:read (Bearer)")
    forms: list[str] = Field(
        default_factory=list, description="form ids (…typeform.com/to/<id>); empty: every form the token can read"
    )
    workspace_id: str | None = Field(default=None, description="with no forms listed: only this workspace's forms")
    name_pattern: RegularExpression | None = Field(default=None, description="with no forms listed: only forms whose title matches")
    response_types: list[Literal["completed", "partial"]] = Field(
        default=["completed"], min_length=1, description="completed, and partial (answers saved, never submitted)"
    )
    start_date: datetime | None = Field(default=None, description="first sync: responses from this time (no offset: the source's timezone)")
    lookback_minutes: float = Field(
        default=30, ge=0, le=7 * 24 * 60,
        description="each sync asks again for this much before the cursor: recent responses may appear late",
    )  # fmt: skip
    page_size: int = Field(
        default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="responses per page, at most 1000"
    )
    channel: Channel | None = Field(default=Channel.WEB, description="channel of its records: web (a form's link)")
    columns: ColumnMap = Field(
        default_factory=ColumnMap,
        description="feedback field → hidden field name, or field id/ref whose answer fills it",
    )
    personal: list[str] = Field(
        default_factory=list,
        description="hidden fields of personal data (names, addresses): kept only with keep_personal_data",
    )
    questions: dict[str, QuestionOverride] = Field(
        default_factory=dict, description="per field id (or ref): metric, scale, labels, ignore"
    )

    @field_validator("forms")
    @classmethod
    def _form_ids(cls, forms: list[str]) -> list[str]:
        for form in forms:
            if not _FORM_ID.match(form):
                raise ValueError(
                    f"{form!r} is not a form id; copy the id after /to/ in the form's link (…typeform.com/to/u6nXL7)"
                )
        return forms

    @field_validator("response_types")
    @classmethod
    def _distinct(cls, kinds: list[str]) -> list[str]:
        return list(dict.fromkeys(kinds))
