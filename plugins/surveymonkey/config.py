"""`[sources.NAME]` of the surveymonkey connector: the account's datacenter, the access token,
which surveys, the day's request budget, and how questions map to feedback fields and metrics."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, field_validator

from cxbridge.http import ApiSourceConfig
from cxbridge.questions import QuestionOverride
from cxbridge.secrets import Secret
from cxbridge.sources import RegularExpression
from cxbridge.tabular.config import ColumnMap

HOSTS = {
    "us": "https://api.surveymonkey.com/v3",
    "eu": "https://api.eu.surveymonkey.com/v3",
    "ca": "https://api.surveymonkey.ca/v3",
}  # the `access_url` of each datacenter, as SurveyMonkey's OAuth answer names it
DAY_LIMIT = 500  # requests a day of a draft or private app (SurveyMonkey's "Request and Response Limits")
MINUTE_LIMIT = 120  # requests a minute of the same apps
MAX_PAGE_SIZE = 100  # responses/bulk allows at most 100 a page


class SurveyMonkeyConfig(ApiSourceConfig):
    connector: Literal["surveymonkey"] = "surveymonkey"
    access_token: Secret = Field(description="the app's access token (OAuth bearer), e.g. \"${SURVEYMONKEY_TOKEN}\"")
    region: Literal["us", "eu", "ca"] = Field(
        default="us", description="the account's datacenter: us, eu (api.eu.surveymonkey.com) or ca; or base_url"
    )
    surveys: list[str] = Field(default_factory=list, description="survey ids; empty: every survey the token sees")
    name_pattern: RegularExpression | None = Field(default=None, description="only surveys whose title matches this regex")
    start_date: datetime | None = Field(default=None, description="first sync: responses modified from this time")
    include_partial: bool = Field(
        default=False, description="also partial responses (over-quota and disqualified ones are left out, counted as skipped)"
    )
    collector_channels: bool = Field(
        default=False, description="channel from each response's collector (email, sms, weblink, popup): one more "
        "request per survey with new responses; needs the View Collectors scope",
    )
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="responses per page, at most 100")
    daily_requests: int = Field(
        default=DAY_LIMIT, ge=1, le=500_000,
        description="requests this source may make per UTC day (500 for draft and private apps); lower it to "
        "leave room for other users of the same app",
    )  # fmt: skip
    columns: ColumnMap = Field(
        default_factory=ColumnMap,
        description="feedback field → custom variable (from the survey link) or question id whose answer fills it",
    )
    questions: dict[str, QuestionOverride] = Field(
        default_factory=dict, description="per question id (or question_row id of a matrix): metric, scale, ignore"
    )

    @field_validator("surveys", mode="before")
    @classmethod
    def _survey_ids(cls, surveys: object) -> object:
        if not isinstance(surveys, list):
            return surveys
        for survey in surveys:
            if isinstance(survey, bool) or not str(survey).isdigit():
                raise ValueError(f"{survey!r} is not a survey id; SurveyMonkey's survey ids are numbers (318754279)")
        return [str(survey) for survey in surveys]
