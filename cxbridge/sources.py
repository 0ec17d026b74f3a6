"""What a source plugin implements: a config model, and streams that read raw records and
normalize each one into a FeedbackRecord (through `cxbridge.normalize.RecordBuilder`)."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from cxbridge.ages import Age
from cxbridge.crm import CrmObject
from cxbridge.deadline import RunDeadline
from cxbridge.detection.weights import acknowledgeable
from cxbridge.duplicates import MatchKey
from cxbridge.errors import DataError
from cxbridge.events import ReadProgress
from cxbridge.metrics import closed_word
from cxbridge.privacy import PersonalFields, Scrubber
from cxbridge.records import WAVE_PROGRAMS, Channel, FeedbackRecord, Program, RespondentType
from cxbridge.respondents import RespondentKeys
from cxbridge.tables import RecordRows
from cxbridge.timestamps import TimeZoneName


def _compiles(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a regular expression: {exc}") from None
    return value


RegularExpression = Annotated[str, AfterValidator(_compiles)]
"""A config field holding a regular expression (`name_pattern`), checked when the config loads."""


class SourceConfig(BaseModel):
    """Keys every `[sources.NAME]` table accepts; connectors extend it with their own."""

    model_config = ConfigDict(extra="forbid")

    connector: str = Field(description="which source plugin reads it (see `cxbridge plugins`)")
    enabled: bool = Field(default=True, description="false skips this source without removing it")
    program: Annotated[Program, BeforeValidator(closed_word)] = Field(
        default=Program.VOC, description="voc, mystery_shop, audit or employee (in any case, as metric names)"
    )
    respondent_type: Annotated[RespondentType | None, BeforeValidator(closed_word)] = Field(
        default=None, description="defaults from the program"
    )
    channel: Annotated[Channel | None, BeforeValidator(closed_word)] = Field(
        default=None, description="default channel of its records"
    )
    touchpoint: str | None = Field(default=None, description="default journey step of its records")
    timezone: TimeZoneName | None = Field(
        default=None,
        description="IANA zone of its records' days (day/week/month/quarter in the views) and of timestamps "
        "that carry none; [settings] timezone if unset",
    )
    same_as: str | None = Field(
        default=None, description="another source covering the same survey: records with the same match_on are one response"
    )
    match_on: MatchKey = Field(
        default="source_record_id", description="with same_as: the native response id (source_record_id) or ticket_id"
    )
    expected_every: Age | None = Field(
        default=None,
        description="how often a successful sync is expected (90m, 6h, 1d, 1w): older data is stale for "
        "`cxbridge status --stale` and the source's Dagster freshness policy",
    )
    wave_period: Literal["month", "quarter"] | None = Field(
        default=None,
        description="mystery_shop and audit sources: a record without a wave (no wave column, or an empty cell) "
        "belongs to the wave named by its local month (2025-11) or quarter (2025-Q4)",
    )
    acknowledged_weights: Annotated[list[str], BeforeValidator(acknowledgeable)] = Field(
        default_factory=list,
        description="survey weight fields (columns, embedded data, custom variables) whose warning was read: "
        "figures count each response once, unweighted, without saying so again (docs/report.md#weights)",
    )

    @model_validator(mode="after")
    def _waves_of_visits_and_audits(self) -> SourceConfig:
        if self.wave_period is not None and self.program not in WAVE_PROGRAMS:
            raise ValueError(
                f"wave_period is for mystery_shop and audit sources (this one's program is {str(self.program)!r}): a survey "
                "answer counts in the wave whose days it falls in (docs/ranking.md); remove wave_period"
            )
        return self


@dataclass(frozen=True)
class SourceContext:
    """What the engine tells a source about the run it is part of."""

    name: str
    base_dir: Path
    store_raw: bool = True
    keep_personal_data: bool = False
    timezone: str = "UTC"
    """The source's IANA time zone (its `timezone`, else `[settings] timezone`): timestamps that
    carry no zone are read in it, and each record's `submitted_local_date` is its day there."""
    deadline: RunDeadline | None = None
    """When the run must end (`[settings] run_deadline`): API clients cut requests short at it."""
    attempts: int | None = None
    """At most this many tries per request, whatever the source's `max_attempts`: `cxbridge check`
    asks for `checks.CHECK_ATTEMPTS`, so an API out of reach is told of in about a second."""


class Source(ABC):
    """A configured source instance: `[sources.NAME]` with `connector = Source.name`."""

    name: ClassVar[str]
    config_model: ClassVar[type[SourceConfig]] = SourceConfig
    reads_exports: ClassVar[bool] = False
    """True for connectors that read export files: where a response also came through an API
    source, the API's copy is the one views count (`cxbridge.duplicates`)."""
    requester_fields: ClassVar[tuple[str, ...]] = ()
    """The attributes in which the connector's records name the person they are of by the
    service's own user id, holding no contact (Zendesk's `requester_id`): what `cxbridge erase
    --requester SOURCE:USER_ID` matches in the source's records; none by default, and then
    `--requester` of such a source is refused."""
    keeps_days: ClassVar[int | None] = None
    """For a service that keeps only its recent responses, the days it keeps them: a full refresh
    cannot read the older records it stored again, so it records no newer reading of the source
    (`cxbridge.readings`); None, the default, for a service that keeps every response."""
    respondent_keys: RespondentKeys | None = None
    """The dataset's respondent keys when the run knows them before reading (a salt configured or
    stored), set before `check`: a check naming a column whose name holds an address names it as
    the records will (a file source's mapping may name such a column so)."""

    def __init__(self, config: SourceConfig, context: SourceContext):
        self.config = config
        self.context = context

    @abstractmethod
    def streams(self) -> list[Stream]:
        """The streams this source reads, in the order they sync."""

    def check(self, cursors: Mapping[str, Any]) -> list[str] | None:
        """Raise ConfigError for what in the configuration cannot work — a mapped column missing
        from a header — before any source of the run reads or writes (`cxbridge check` runs this
        alone); return what works but the user should know
        (`cxbridge check` shows it; a sync gives its own warnings once the source ran). `cursors` holds each stream's saved cursor
        by stream name (empty on a first or full-refresh run and in `cxbridge check`), so a
        check may pass over what an earlier run read with the same configuration. A
        FatalSourceError let through (credentials the API refuses, a path that finds no file
        today) fails this source alone in a sync and is a problem in `cxbridge check`. It runs on every sync: keep it quick."""

    def check_access(self) -> None:
        """`cxbridge check` only, after `check`: one request proving the service accepts the
        source's credentials (raise the FatalSourceError of a 401 or 403). Not made before a sync,
        whose first read finds the same at no extra request; nothing to do by default."""

    def close(self) -> None:
        """Release connections and files; called once after the source's streams ran."""

    def warnings(self) -> list[str]:
        """What the user should know once the source ran, beyond its streams' warnings — a
        name_pattern that selected no survey — for the run's summary."""
        return []


class Stream(ABC):
    """One kind of record in a source, read incrementally.

    `primary_key` names the raw fields that make the native id. `cursor_field` (optional) names
    the raw field whose largest value becomes the saved cursor. `is_sorted = True` promises that
    records come ascending by the cursor (oldest change first), which lets the engine save the
    cursor after every batch instead of only at the end of the stream; a stream that comes
    newest first, or in no stated order, must leave it False, or a sync stopped after a batch
    would lose the older records still to come.
    """

    name: ClassVar[str]
    primary_key: tuple[str, ...] = ("id",)
    cursor_field: str | None = None
    is_sorted: bool = False
    row_mapping: Any = None
    """The row mapping (`tabular.config.RowMapping`) the stream scores its records through when it
    is not the source's config itself (a Salesforce custom object's): advice names its entries."""

    def __init__(self, source: Source):
        self.source = source

    @abstractmethod
    def read(self, cursor: Any) -> Iterator[dict[str, Any]]:
        """Raw records newer than `cursor` (None on a first or full-refresh run)."""

    @abstractmethod
    def normalize(self, raw: dict[str, Any], builder: Any) -> FeedbackRecord:
        """One raw record as a FeedbackRecord; raise DataError to send it to quarantine."""

    def record_rows(self, raw: dict[str, Any], builder: Any, *, ingested_at: str, run_id: str) -> RecordRows | None:
        """The record's table rows made directly, as `to_rows(normalize(raw, builder))` makes
        them, by a stream that can make them faster (a file source's compiled mapping); None
        (the default) normalizes it, which also says why a record goes to quarantine."""
        return None

    def native_id(self, raw: dict[str, Any]) -> str:
        """The record's id in the source system, from its primary-key fields."""
        parts = []
        for key in self.primary_key:
            value = raw.get(key)
            if value is None or value == "":
                raise DataError(f"the record has no {key!r} (its primary key)", field=key, kind="missing-id")
            parts.append(str(value))
        return "|".join(parts)

    def left_out(self, raw: dict[str, Any]) -> str | None:
        """Why a record read is no feedback to keep — a survey platform's preview or test
        response — or None (the default): keep it. A record left out is neither written nor
        quarantined; the run counts it in `sync_runs.records_skipped`, and its summary by reason."""
        return None

    def advance_cursor(self, cursor: Any, raw: dict[str, Any]) -> Any:
        """The cursor after `raw` was read: by default the largest `cursor_field` value seen."""
        if self.cursor_field is None:
            return cursor
        value = raw.get(self.cursor_field)
        if value is None or (cursor is not None and value <= cursor):
            return cursor
        return value

    def final_cursor(self, cursor: Any) -> Any:
        """The cursor to save once the whole stream was read (for streams that track more)."""
        return cursor

    def restore(self, cursor: Any) -> None:
        """The stream's saved cursor, told it before `cxbridge quarantine replay` normalizes its
        quarantined records (no `read` comes first), for what a read keeps there that normalizing
        needs (the directions QuestionPro's questions took from their answers). By default nothing."""

    def parts_read(self, cursor: Any) -> list[str] | None:
        """The parts of the stream (files, surveys) a saved cursor of it says were read, by name,
        so that `sync --full-refresh --prune` names those a run read before and its full read
        read nothing of; None (the default): the cursor does not say."""
        return None

    def keyed_by_file(self) -> bool:
        """Whether rows without a native id are keyed by their file (and content), so that a
        response in two of the stream's files is a record in each: those naming nobody are told
        of (`cxbridge.nameless_repeats`); False (the default) for a stream of native ids."""
        return False

    def read_whole(self) -> dict[str, set[str | None]]:
        """The files this run read whole (as a record's raw names them, `file`), each with the
        sheets it read whole (None: a file of one table): their records and quarantined rows stored
        before that it did not produce are told of (`cxbridge.reread`); none (the default) for a
        stream of no files."""
        return {}

    part: ClassVar[str | None] = None
    """What the parts `parts_read` names are ("survey", "form") when each record is of one, by its
    `survey_id` (quarantined: by `part_of` its raw): `sync --full-refresh --prune` then removes only
    records of the parts its full read read, and keeps those of a part it did not read (a survey
    closed or renamed out of the selection). None (the default): the stream's records the full
    read did not find go, whatever part they were of (a file taken out of a file source's `path`)."""

    def part_of(self, raw: dict[str, Any]) -> str | None:
        """The part (`part`) a raw record is of: the `survey_id` its record has."""
        return None

    def quarantine_context(self, raw: dict[str, Any]) -> dict[str, Any]:
        """Where a bad record came from (file, sheet, row), for the quarantine table; under
        `REPLAY` (`destinations.REPLAY`), what `replaying` needs to read the record again as its read did."""
        return {}

    def replaying(self, context: dict[str, Any]) -> None:
        """Before a quarantined record is normalized again (`cxbridge quarantine replay`): the
        context it was quarantined with (`quarantine_context`). Streams whose read decides how
        each record reads (a file's table, its columns' scales) take it back from there."""

    def personal_fields(self) -> PersonalFields:
        """The fields of this stream's raw records that hold personal data: the engine stores
        contacts as their salted hash, and other personal or ignored fields not at all
        (`cxbridge.privacy`). A whole-value e-mail address is hashed even when undeclared."""
        return PersonalFields()

    def scrubbing(self, scrub: Scrubber) -> Callable[[dict[str, Any]], dict[str, Any]]:
        """What scrubs this stream's raw records before anything sees them: `scrub` itself,
        unless the stream knows its raws well enough to take a shorter way to the same result (a
        file source's rows of text: `Scrubber.text_rows`)."""
        return scrub

    def volatile_fields(self) -> frozenset[str]:
        """Raw fields whose value changes on every read while the response does not — a fetch
        time, Singer's `_sdc_extracted_at` — by key at any depth (`prefix*` for every key that
        starts so). The engine leaves them out of the record, so they never make a re-read
        record look changed (and rewritten on every sync)."""
        return frozenset()

    def warnings(self) -> list[str]:
        """What the user should know once the stream ran — a column or question that looks
        scored but is kept unscored, with the reason and the fix — for the run's summary."""
        return []

    def progress(self) -> ReadProgress | None:
        """How much of what `read` will yield it has read, where the whole is known in advance
        (the files of a file source, in bytes), else None: the progress display shows a
        percentage and the time left from it, after each committed batch."""
        return None


def volatile_keys(names: frozenset[str]) -> tuple[frozenset[str], tuple[str, ...]]:
    """`Stream.volatile_fields()` as exact keys and key prefixes (from `prefix*`)."""
    exact = frozenset(name for name in names if not name.endswith("*"))
    return exact, tuple(sorted(name[:-1] for name in names if name.endswith("*")))


class ContextStream(Stream):
    """A stream of CRM context — accounts or contacts (`cxbridge.crm`) — instead of feedback.

    `context` turns a raw object into a `CrmAccount` or `CrmContact` (DataError sends it to
    quarantine); the destination keeps the latest of each in `crm_accounts` / `crm_contacts`,
    in the same transaction as the stream's cursor."""

    @abstractmethod
    def context(self, raw: dict[str, Any], builder: Any) -> CrmObject:
        """One raw CRM object as a CrmAccount or CrmContact (use `builder.respondent_key(email)`)."""

    def crm_object(self, raw: dict[str, Any], builder: Any) -> CrmObject:
        """`context`, its `updated_at` read as a record's times are (`RecordBuilder.time`: text, an
        epoch number or a datetime, without an offset in the source's zone; DataError naming it)."""
        item = self.context(raw, builder)
        return item.model_copy(update={"updated_at": builder.time("updated_at", item.updated_at)})

    def normalize(self, raw: dict[str, Any], builder: Any) -> FeedbackRecord:
        raise TypeError(f"{type(self).__name__} is a context stream: it has no feedback records")
