"""The qualtrics source: one `responses` stream over the chosen surveys, each read through the
response export (start → poll → download the ZIP) and kept incremental with its continuation
token, or by recorded date where there is none."""

from __future__ import annotations

import logging
import re
import tempfile
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import httpx

from cxbridge.built_rows import BuiltRows
from cxbridge.decoded_scrub import DecodedScrub
from cxbridge.errors import FatalSourceError
from cxbridge.exports import qualtrics_fields as fields
from cxbridge.exports.qualtrics_definition import SurveyDefinition, parse_definition
from cxbridge.http import ApiSource, HeaderToken, OAuth2ClientCredentials, PageRequest
from cxbridge.http.auth import TokenErrors
from cxbridge.plugins.qualtrics import api
from cxbridge.plugins.qualtrics.archive import export_records
from cxbridge.plugins.qualtrics.config import QualtricsConfig
from cxbridge.plugins.qualtrics.responses import FIELD_DEFAULTS, SurveyReader, star_ratings
from cxbridge.privacy import PersonalFields, Scrubber, ignored_questions
from cxbridge.questions import QuestionPlan
from cxbridge.records import FeedbackRecord
from cxbridge.sources import Stream
from cxbridge.tables import RecordRows
from cxbridge.tabular.values import SCREENED_OUT, screened_out
from cxbridge.timestamps import format_timestamp, parse_timestamp

log = logging.getLogger(__name__)


class QualtricsSource(ApiSource):
    """Responses of Qualtrics surveys."""

    name = "qualtrics"
    config_model = QualtricsConfig
    config: QualtricsConfig
    errors = api.QualtricsErrors()
    default_requests_per_second = 5  # well under the brand's ~3,000/minute; exports are few calls each

    def base_url(self) -> str:
        return f"https://{self.config.datacenter}.qualtrics.com/API/v3"

    def access_request(self) -> PageRequest:
        """The first page of the account's surveys (api_reference §1.7 `GET /API/v3/surveys`; no
        documented page size)."""
        return PageRequest("/surveys")

    def auth(self) -> httpx.Auth:
        config = self.config
        if config.api_token is not None:
            return HeaderToken(config.api_token, header="X-API-TOKEN", prefix="")
        root = (config.base_url or self.base_url()).removesuffix("/API/v3")
        return OAuth2ClientCredentials(
            f"{root}/oauth2/token", client_id=config.client_id or "", client_secret=config.client_secret,  # type: ignore[arg-type]
            scope=" ".join(config.scopes), errors=TokenErrors("Qualtrics", api.REFUSALS),
        )  # fmt: skip

    def streams(self) -> list[Stream]:
        return [ResponsesStream(self)]

    @cached_property
    def surveys(self) -> list[api.Survey]:
        """The configured surveys: the ids given, filtered by name and activity when asked."""
        config = self.config
        if config.surveys and config.name_pattern is None and not config.active_only:
            return [api.Survey(api.checked_id(survey_id), "", True) for survey_id in config.surveys]
        pattern = re.compile(config.name_pattern) if config.name_pattern else None
        chosen = [
            survey for survey in api.list_surveys(self.client)
            if (not config.surveys or survey.id in config.surveys)
            and (pattern is None or pattern.search(survey.name))
            and (survey.is_active or not config.active_only)
        ]  # fmt: skip
        missing = sorted(set(config.surveys) - {survey.id for survey in chosen})
        if missing and pattern is None and not config.active_only:
            raise FatalSourceError(f"Qualtrics does not list the surveys {', '.join(missing)}: check the ids")
        rule = [f"surveys = {config.surveys}" if config.surveys else "",
                f"name_pattern = {config.name_pattern!r}" if pattern else "", "active_only = true" if config.active_only else ""]  # fmt: skip
        return self.chosen(chosen, what="surveys", rule=" with ".join(filter(None, rule)) or "listing every survey")

    def reader(self, survey_id: str) -> SurveyReader:
        definition = parse_definition(api.survey_definition(self.client, survey_id))
        where = f"sources.{self.context.name}"
        columns = self.config.columns.mapped()
        plan = QuestionPlan(star_ratings(definition, self.config.questions), where=where)
        return SurveyReader(_with_id(definition, survey_id), plan, columns, acknowledged=self.config.acknowledged_weights)


class ResponsesStream(Stream):
    """Every response of the chosen surveys. The cursor holds, per survey, the continuation
    token of the last export and the latest recorded date seen; a survey's new state joins
    the cursor only once all of its export was handed over, so a batch never commits a token
    ahead of the records it covers."""

    name = "responses"
    primary_key = ("responseId",)
    is_sorted = True

    def __init__(self, source: QualtricsSource):
        super().__init__(source)
        self.source: QualtricsSource = source
        self.readers: dict[str, SurveyReader] = {}
        self.committed: dict[str, Any] = {}
        self._cursor: dict[str, Any] | None = None  # `advance_cursor`'s copy of `committed`
        self.built: BuiltRows | None = None
        self.scrub: DecodedScrub | None = None  # `scrubbing`'s: it wrote the responses' JSON

    def read(self, cursor: Any) -> Iterator[dict[str, Any]]:
        self.committed = dict(cursor or {})
        self._cursor = None
        for survey in self.source.surveys:
            self.readers[survey.id] = self.source.reader(survey.id)
            state = dict(self.committed.get(survey.id) or {})
            last = None
            for raw in self._survey(survey.id, state):  # one behind: the survey's last record carries its new state
                if last is not None:
                    yield last
                last = raw
            self.committed[survey.id] = state
            self._cursor = None
            if last is not None:
                yield last

    def advance_cursor(self, cursor: Any, raw: dict[str, Any]) -> Any:
        if self._cursor is None:  # one copy per change of `committed`, not one per response
            self._cursor = dict(self.committed)
        return self._cursor

    def left_out(self, raw: dict[str, Any]) -> str | None:
        """A response the survey screened out or ended over quota (`values.Q_TerminateFlag`), by the
        rule files follow; a preview, test or spam one (`values.status`), unless `include_test_responses`."""
        values = raw.get("values") or {}
        if screened_out(values.get(fields.TERMINATE_FLAG)):
            return SCREENED_OUT
        if self.source.config.include_test_responses or not fields.not_feedback(values.get("status")):
            return None
        return fields.LEFT_OUT

    def native_id(self, raw: dict[str, Any]) -> str:
        value = raw.get("responseId")
        if value is None or value == "":
            return super().native_id(raw)  # its error, naming the primary key
        return str(value)

    def warnings(self) -> list[str]:
        return [f"survey {survey_id}: {warning}" for survey_id, reader in self.readers.items()
                for warning in [*reader.plan.warnings, *reader.sliders, *reader.weights.warnings()]]  # fmt: skip

    def final_cursor(self, cursor: Any) -> Any:
        return dict(self.committed)

    def parts_read(self, cursor: Any) -> list[str] | None:
        """The surveys the cursor keeps a position of: each one the read exported."""
        return sorted(cursor) if isinstance(cursor, dict) else None

    part = "survey"

    def part_of(self, raw: dict[str, Any]) -> str | None:
        return raw.get("surveyId")

    def personal_fields(self) -> PersonalFields:
        """The recipient's e-mail (or the embedded data mapped as email/phone), hashed; names, the
        IP address and the location Qualtrics derives from it, removed; ignored questions with
        every part of their answers (QID4_TEXT, QID4_2)."""
        config = self.source.config
        columns = FIELD_DEFAULTS | config.columns.mapped()
        ignored = ignored_questions(config.questions)
        return PersonalFields(
            contacts=frozenset(filter(None, [columns.get("email"), columns.get("phone")])),
            personal=PERSONAL_METADATA,
            ignored=ignored,
            ignored_prefixes=tuple(sorted(f"{question}_" for question in ignored)),
        )

    def scrubbing(self, scrub: Scrubber) -> Callable[[dict[str, Any]], dict[str, Any]]:
        """A response's personal data sits in `values`: changed there directly, the rest told
        from the response's JSON text (`cxbridge.decoded_scrub`; the walk when in doubt)."""
        self.scrub = DecodedScrub(scrub, inside="values")
        return self.scrub

    def normalize(self, raw: dict[str, Any], builder: Any) -> FeedbackRecord:
        return self._reader(raw).normalize(raw, builder)

    def record_rows(self, raw: dict[str, Any], builder: Any, *, ingested_at: str, run_id: str) -> RecordRows | None:
        """The response's rows from the answers its builder remembers (`cxbridge.built_rows`),
        or None: normalize it."""
        if self.built is None or self.built.builder is not builder:
            # responses as the export's JSON decoder made them, written by their scrub
            written = self.scrub.written if self.scrub is not None else None
            self.built = BuiltRows(builder, decoded=True, written=written)
        return self._reader(raw).rows(raw, self.built, ingested_at=ingested_at, run_id=run_id)

    def _reader(self, raw: dict[str, Any]) -> SurveyReader:
        survey_id = raw["surveyId"]
        if survey_id not in self.readers:  # a quarantined response replayed without a read
            self.readers[survey_id] = self.source.reader(survey_id)
        return self.readers[survey_id]

    def _survey(self, survey_id: str, state: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """The survey's new and changed responses (then its in-progress ones, if asked);
        `state` is updated to the next export's starting point."""
        records, latest = self._export(survey_id, state)
        for _, record in records:
            recorded = (record.get("values") or {}).get("recordedDate")
            if isinstance(recorded, str) and recorded > latest:
                latest = recorded
            yield {"surveyId": survey_id, **record}
        if self.source.config.include_in_progress:
            yield from self._in_progress(survey_id)
        state["recordedDate"] = latest or state.get("recordedDate")

    def _export(self, survey_id: str, state: dict[str, Any]) -> tuple[Iterator[tuple[int, dict[str, Any]]], str]:
        """Every export asks for a continuation token (`allowContinuation`); one that follows a
        token sends both, and keeps the old token if Qualtrics returns no new one."""
        body: dict[str, Any] = {"format": "json", "compress": True, "allowContinuation": True}
        since = state.get("recordedDate") or _iso(self.source.start_time())
        token = state.get("continuationToken")
        if token:
            try:
                records, new_token = self._run_export(survey_id, body | {"continuationToken": token})
            except FatalSourceError as exc:
                if exc.status_code != 400:
                    raise
                log.warning("%s: the continuation token was refused (%s); exporting by recorded date", survey_id, exc)
                token = None
                records, new_token = self._run_export(survey_id, _window(body, since))
        else:
            records, new_token = self._run_export(survey_id, _window(body, since))
        state["continuationToken"] = new_token or token
        return records, since or ""

    def _run_export(self, survey_id: str, body: dict[str, Any]) -> tuple[Iterator[tuple[int, dict[str, Any]]], Any]:
        config, client = self.source.config, self.source.client
        progress_id = api.start_export(client, survey_id, body)
        export = api.wait_for_export(
            client, survey_id, progress_id, interval=config.poll_interval, timeout=config.export_timeout,
            sleep=self.source.sleep,
        )  # fmt: skip
        return self._records(survey_id, export.file_id), export.continuation_token

    def _records(self, survey_id: str, file_id: str) -> Iterator[tuple[int, dict[str, Any]]]:
        config = self.source.config
        with tempfile.TemporaryDirectory(prefix="cxbridge-qualtrics-") as folder:
            path = Path(folder) / f"{survey_id}.zip"
            with path.open("wb") as into:
                api.download_export(self.source.client, survey_id, file_id, into, max_bytes=config.max_export_bytes)
            yield from export_records(path, max_bytes=config.max_export_bytes, identity=f"{survey_id} export")

    def _in_progress(self, survey_id: str) -> Iterator[dict[str, Any]]:
        body = {"format": "json", "compress": True, "exportResponsesInProgress": True}
        records, _ = self._run_export(survey_id, body)
        for _, record in records:
            yield {"surveyId": survey_id, **record}


PERSONAL_METADATA = frozenset({"recipientName", "recipientFirstName", "recipientLastName", "ipAddress",
                               "locationLatitude", "locationLongitude"})  # fmt: skip


def _window(body: dict[str, Any], since: str | None) -> dict[str, Any]:
    return body | ({"startDate": export_start(since)} if since else {})


def export_start(value: Any) -> str:
    """`startDate` as Qualtrics documents it, ISO 8601 in UTC to the second
    (`2024-07-08T16:00:23Z`), rounded down: never later than the time given (a recordedDate
    with milliseconds), so the response at the boundary comes again rather than being skipped."""
    moment = parse_timestamp(value)
    return moment.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _iso(moment: datetime | None) -> str | None:
    return format_timestamp(parse_timestamp(moment)) if moment else None


def _with_id(definition: SurveyDefinition | None, survey_id: str) -> SurveyDefinition | None:
    if definition is not None and not definition.survey_id:
        definition.survey_id = survey_id
    return definition
