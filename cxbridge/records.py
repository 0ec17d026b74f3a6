"""The common feedback schema v1 (DESIGN.md §2) as pydantic models: the contract every source
produces and every destination stores. `schemas/feedback_record.v1.schema.json` is generated
from these models."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timezone
from enum import StrEnum
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from cxbridge.metrics import Direction, nps_category

SCHEMA_VERSION = 1
NAMED_STORE = "name:"
"""The prefix of a location_id made from a store's name (`named_store_id`): no source's own id has it."""
_NOT_ALPHANUMERIC = re.compile(r"[\W_]+")
SCHEMA_ID = "https://raw.githubusercontent.com/cxbridge/cxbridge/main/schemas/feedback_record.v1.schema.json"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"  # the dialect pydantic writes

NpsGroup = Literal["promoter", "passive", "detractor"]
CsatCategory = Literal["satisfied", "neutral", "dissatisfied"]
CesCategory = Literal["low_effort", "neutral", "high_effort"]
ScoreCategory = Literal[NpsGroup, CsatCategory, CesCategory]
CATEGORIES_BY_METRIC: dict[str, frozenset[str]] = {
    "nps": frozenset(get_args(NpsGroup)),
    "enps": frozenset(get_args(NpsGroup)),
    "csat": frozenset(get_args(CsatCategory)),
    "ces": frozenset(get_args(CesCategory)),
}


class Program(StrEnum):
    VOC = "voc"
    MYSTERY_SHOP = "mystery_shop"
    AUDIT = "audit"
    EMPLOYEE = "employee"


class RespondentType(StrEnum):
    CUSTOMER = "customer"
    EMPLOYEE = "employee"
    SHOPPER = "shopper"
    AUDITOR = "auditor"


class Channel(StrEnum):
    EMAIL = "email"
    WEB = "web"
    SMS = "sms"
    PHONE = "phone"
    CHAT = "chat"
    IN_STORE = "in_store"
    APP = "app"
    OTHER = "other"


class Status(StrEnum):
    COMPLETE = "complete"
    PARTIAL = "partial"


WAVE_PROGRAMS = (Program.MYSTERY_SHOP.value, Program.AUDIT.value)
"""The programs run in waves: their records' waves are the periods of a ranking by wave."""

RESPONDENT_BY_PROGRAM = {
    Program.VOC: RespondentType.CUSTOMER,
    Program.MYSTERY_SHOP: RespondentType.SHOPPER,
    Program.AUDIT: RespondentType.AUDITOR,
    Program.EMPLOYEE: RespondentType.EMPLOYEE,
}


def to_utc(value: datetime) -> datetime:
    return value.astimezone(timezone.utc)


UtcDatetime = Annotated[AwareDatetime, AfterValidator(to_utc)]  # inside `| None`: None skips the call
_RESPONDENT_OF_PROGRAM = {program.value: respondent.value for program, respondent in RESPONDENT_BY_PROGRAM.items()}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=True, validate_default=True)


class Answer(_Model):
    """One answer in `feedback.answers`, keyed by question id."""

    text: str | None = Field(default=None, description="the question text")
    value: Any = Field(default=None, description="the answer's value (number, text or list)")
    label: str | None = Field(default=None, description="the answer's label as the respondent saw it")


class Score(_Model):
    """One scored answer: a row of `feedback_scores`."""

    metric: str = Field(description="nps, enps, csat, ces, rating, audit, mystery_shop, criterion or a custom name")
    question_id: str
    question_text: str | None = None
    value: float = Field(description="the answer on its native scale")
    scale_min: float
    scale_max: float
    direction: Direction = Direction.HIGHER_IS_BETTER
    normalized: float = Field(ge=0, le=100, description="0–100, 100 = best answer")
    category: ScoreCategory | None = Field(
        default=None,
        description="nps/enps: promoter/passive/detractor; csat: satisfied/neutral/dissatisfied; "
        "ces: low_effort/neutral/high_effort; null for every other metric",
    )
    is_primary: bool = Field(default=False, description="the answer behind the record's nps/csat/ces column")
    question_key: str | None = Field(
        default=None,
        description="the logical question across survey versions: declared in the config, else "
        "'{survey id or source}/{question id}@{scale}' (docs/schema.md); set by cxbridge",
    )

    @model_validator(mode="after")
    def _category_fits_the_metric(self) -> Score:
        allowed = CATEGORIES_BY_METRIC.get(self.metric, frozenset())
        if self.category is not None and self.category not in allowed:
            expected = ", ".join(sorted(allowed)) or "none (null)"
            raise ValueError(f"category {self.category!r} does not fit metric {self.metric!r}; expected {expected}")
        return self


class Comment(_Model):
    """One free-text answer: a row of `feedback_comments`."""

    question_id: str
    question_text: str | None = None
    text: str
    language: str | None = None


class FeedbackRecord(_Model):
    """One response, rating, visit or audit: a row of `feedback` plus its scores and comments."""

    model_config = ConfigDict(json_schema_extra={"$schema": JSON_SCHEMA_DIALECT, "$id": SCHEMA_ID})

    record_id: str = Field(description="deterministic id from (source, stream, native id)")
    source: str = Field(description="the configured source instance name")
    connector: str = Field(description="the plugin that read it")
    stream: str
    source_record_id: str = Field(description="the native id in the source system")
    program: Program = Program.VOC
    respondent_type: RespondentType | None = None
    channel: Channel | None = None
    touchpoint: str | None = None
    survey_id: str | None = None
    survey_name: str | None = None
    wave: str | None = Field(
        default=None,
        description="the mystery-shop or audit wave the visit or audit belongs to (a column, or its local month or "
        "quarter by the source's wave_period); ranking by wave reads it (docs/ranking.md)",
    )
    status: Status = Status.COMPLETE
    submitted_at: UtcDatetime | None = Field(default=None, description="UTC")
    submitted_local_date: date | None = Field(
        default=None,
        description="the day of submitted_at in the source's time zone (its `timezone`, else [settings] "
        "timezone; UTC when none is given): the views count the record in its day, week, month and quarter",
    )
    updated_at: UtcDatetime | None = Field(default=None, description="UTC; the source's last change")
    location_id: str | None = None
    location_name: str | None = None
    team: str | None = None
    agent_id: str | None = None
    respondent_key: str | None = Field(default=None, description="salted hash of e-mail/phone")
    crm_contact_id: str | None = None
    crm_account_id: str | None = None
    ticket_id: str | None = None
    language: str | None = Field(default=None, description="BCP-47")
    country: str | None = Field(default=None, description="ISO-3166 alpha-2")
    nps: int | None = Field(default=None, ge=0, le=10)
    nps_group: NpsGroup | None = Field(default=None, description="promoter 9–10, passive 7–8, detractor 0–6")
    csat: float | None = None
    csat_normalized: float | None = Field(default=None, ge=0, le=100)
    ces: float | None = None
    ces_normalized: float | None = Field(default=None, ge=0, le=100)
    comment: str | None = None
    answers: dict[str, Answer] = Field(default_factory=dict)
    attributes: dict[str, Any] = Field(default_factory=dict)
    raw: Any = Field(default=None, description="the untouched source payload")
    scores: list[Score] = Field(default_factory=list)
    comments: list[Comment] = Field(default_factory=list)
    ingested_at: UtcDatetime | None = None
    sync_run_id: str | None = None
    schema_version: int = SCHEMA_VERSION
    duplicate_of: str | None = Field(
        default=None,
        description="the record_id of the copy of this response that views count instead (the same response read "
        "through another source; docs/identity.md); set by cxbridge, never by a source",
    )

    @model_validator(mode="after")
    def _consistent(self) -> FeedbackRecord:
        self.location_id = store_id(self.location_id, self.location_name)
        if self.nps is not None:
            expected = nps_category(self.nps)
            if self.nps_group not in (None, expected):
                raise ValueError(f"nps_group {self.nps_group!r} does not match nps {self.nps}")
            self.nps_group = expected
        elif self.nps_group is not None:
            raise ValueError("nps_group is set but nps is empty")
        if self.respondent_type is None:
            self.respondent_type = _RESPONDENT_OF_PROGRAM[self.program]
        if self.submitted_at is None:
            if self.submitted_local_date is not None:
                raise ValueError("submitted_local_date is set but submitted_at is empty")
        elif self.submitted_local_date is None:
            self.submitted_local_date = self.submitted_at.date()  # submitted_at is UTC
        elif abs((self.submitted_local_date - self.submitted_at.date()).days) > 1:
            raise ValueError(
                f"submitted_local_date {self.submitted_local_date} is not the day of submitted_at "
                f"{self.submitted_at.isoformat()} in any time zone"
            )
        return self


def store_id(location_id: str | None, location_name: str | None) -> str | None:
    """The location_id a record keeps: its source's, else one made of the store's name
    (`named_store_id`) — also on the paths that lay out rows without a FeedbackRecord."""
    return named_store_id(location_name) if not location_id and location_name else location_id


def named_store_id(name: str) -> str | None:
    """The location_id of a store its source names but gives no id: the name folded as names are
    matched — case, accents, spaces and punctuation — so that "Kraków  Centrum" and "krakow centrum"
    are one store in the views that key on location_id; None for a name of no letters or digits."""
    letters = "".join(c for c in unicodedata.normalize("NFKD", name.casefold()) if not unicodedata.combining(c))
    slug = _NOT_ALPHANUMERIC.sub("-", letters).strip("-")
    return NAMED_STORE + slug if slug else None
