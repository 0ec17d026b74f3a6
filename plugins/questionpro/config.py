"""`[sources.NAME]` of the questionpro connector: the region (or host), the API key, the
surveys, and how questions map to metrics."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, model_validator

from cxbridge.http import ApiSourceConfig
from cxbridge.questions import QuestionOverride
from cxbridge.records import Channel
from cxbridge.secrets import Secret
from cxbridge.sources import RegularExpression
from cxbridge.tabular.config import ColumnMap

HOSTS = {
    "us": "https://api.questionpro.com", "eu": "https://api.questionpro.eu", "ca": "https://api.questionpro.ca",
    "sg": "https://api.questionpro.sg", "au": "https://api.questionpro.au", "ae": "https://api.questionpro.ae",
    "sa": "https://api.surveyanalytics.com", "ksa": "https://api.questionprosa.com",
}  # fmt: skip
MAX_PAGE_SIZE = 100  # the documented default; the higher maximum is not documented, so never ask for more


class QuestionProConfig(ApiSourceConfig):
    connector: Literal["questionpro"] = "questionpro"
    region: Literal[tuple(HOSTS)] = Field(  # type: ignore[valid-type]
        default="us", description="the datacenter of the account: us, eu, ca, sg, au, ae, sa, ksa (or base_url)"
    )
    api_key: Secret = Field(description="the API key (sent as the api-key header)")
    surveys: list[int] = Field(default_factory=list, description="survey ids; empty: every survey of user_id")
    user_id: int | None = Field(default=None, description="whose surveys to list when `surveys` is empty")
    name_pattern: RegularExpression | None = Field(default=None, description="with user_id: only surveys whose name matches")
    include_partial: bool = Field(default=False, description="also responses started but not completed")
    start_date: datetime | None = Field(default=None, description="first sync: responses from this time (no offset: the source's timezone)")
    window_days: int = Field(default=31, ge=1, le=366, description="days per filter window of incremental syncs")
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="responses per page, at most 100")
    channel: Channel | None = Field(
        default=Channel.WEB, description="channel of its records: web (responses do not say how they were invited)"
    )
    timezone_abbreviations: dict[str, str] = Field(
        default_factory=dict, description='more zone abbreviations of response times, e.g. { AST = "+03:00" }'
    )
    columns: ColumnMap = Field(
        default_factory=ColumnMap, description="feedback field → custom variable (custom1, …) that holds it"
    )
    questions: dict[str, QuestionOverride] = Field(
        default_factory=dict, description='per question id, or "<survey id>/<question id>": metric, scale, labels, ignore, primary'
    )

    @model_validator(mode="after")
    def _which_surveys(self) -> QuestionProConfig:
        if not self.surveys and self.user_id is None:
            raise ValueError("give surveys = [<survey id>, …], or user_id to read every survey of that user")
        return self
