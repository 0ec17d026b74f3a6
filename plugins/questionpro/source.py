"""The questionpro source: the configured surveys (or every survey of a user), read in full the
first time and then through the filter endpoint in date windows from the latest response seen."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx

from cxbridge.detection.fields import asks_for_personal_data
from cxbridge.errors import DataError
from cxbridge.http import ApiSource, HeaderToken
from cxbridge.metrics import NPS_METRICS
from cxbridge.plugins.questionpro import api
from cxbridge.plugins.questionpro.config import HOSTS, QuestionProConfig
from cxbridge.plugins.questionpro.responses import ResponseReader
from cxbridge.plugins.questionpro.timestamps import response_time
from cxbridge.privacy import PersonalFields, ignored_questions
from cxbridge.questions import QuestionPlan
from cxbridge.records import FeedbackRecord
from cxbridge.sources import Stream
from cxbridge.timestamps import parse_timestamp

FILTER_FORMAT = "%Y-%m-%dT%H:%M:%S"
LEARNT = "learnt"  # the cursor's key of what was learnt from answers, by survey (`ResponseReader.learnt`)
COMPLETED, EVERY_RESPONSE = 2, 0  # the filter's resultMode


class QuestionProSource(ApiSource):
    """Responses of QuestionPro surveys."""

    name = "questionpro"
    config_model = QuestionProConfig
    config: QuestionProConfig
    errors = api.QuestionProErrors()
    default_requests_per_minute = 240  # the key's limit is 300 calls a minute

    @staticmethod
    def now() -> datetime:
        return datetime.now(timezone.utc)

    def base_url(self) -> str:
        return HOSTS[self.config.region]

    def auth(self) -> httpx.Auth:
        return HeaderToken(self.config.api_key, header="api-key", prefix="")

    def streams(self) -> list[Stream]:
        return [Responses(self)]

    def survey_ids(self) -> list[int]:
        config = self.config
        if config.surveys:
            return list(config.surveys)
        pattern = re.compile(config.name_pattern) if config.name_pattern else None
        found = [
            int(survey["surveyID"]) for survey in api.user_surveys(self.client, config.user_id or 0, config.page_size)
            if pattern is None or pattern.search(str(survey.get("name") or ""))
        ]  # fmt: skip
        rule = f"user_id = {config.user_id}" + (f" with name_pattern = {config.name_pattern!r}" if pattern else "")
        return self.chosen(found, what="surveys", rule=rule)


class Responses(Stream):
    """Every response of the surveys; the cursor holds each survey's latest response time and,
    under `LEARNT`, the directions its questions took from their answers, which later syncs and
    replays keep (a cursor an earlier release saved has none)."""

    name = "responses"
    primary_key = ("responseID",)

    def __init__(self, source: QuestionProSource):
        super().__init__(source)
        self.source: QuestionProSource = source
        self.readers: dict[str, ResponseReader] = {}  # by survey: see `reader`
        self.learnt: dict[str, Any] = {}  # by survey: what the saved cursor keeps under `LEARNT` (`restore`)
        self._unlearnt: list[str] = []  # warnings: surveys learning directions whose cursor, saved before, keeps none

    def reader(self, survey_id: str) -> ResponseReader:
        """The survey's reader: which of its questions fills a record's nps/csat/ces column is
        decided within the survey, never between two surveys' questions, and a configured `primary`
        is its own survey's (keyed by the question id, or "<survey id>/<question id>")."""
        if survey_id not in self.readers:
            config = self.source.config
            plan = QuestionPlan(config.questions, where=f"sources.{self.source.context.name}", survey=survey_id)
            self.readers[survey_id] = ResponseReader(plan, config.columns.mapped(), config.timezone_abbreviations,
                                                     acknowledged=config.acknowledged_weights)  # fmt: skip
            self.readers[survey_id].recall(self.learnt.get(survey_id) or {})
        return self.readers[survey_id]

    def restore(self, cursor: Any) -> None:
        """What the saved cursor keeps under `LEARNT`, for the readers made from now on: before a
        read, and before `cxbridge quarantine replay` normalizes responses without one."""
        self.learnt = dict((cursor or {}).get(LEARNT) or {})

    def read(self, cursor: Any) -> Iterator[dict[str, Any]]:
        config, client = self.source.config, self.source.client
        keep = self.source.context.keep_personal_data
        self.restore(cursor)
        for survey_id in self.source.survey_ids():
            self._learn_options(survey_id)
            reader, since = self.reader(str(survey_id)), (cursor or {}).get(str(survey_id))
            if since and LEARNT not in cursor and reader.undirected():
                self._unlearnt.append(self._unlearnt_warning(survey_id, reader.undirected()))
            since = since or _utc(self.source.start_time())
            if since is None:
                found = api.responses(client, survey_id, config.page_size)
            else:
                found = self._windows(survey_id, datetime.strptime(since, FILTER_FORMAT))
            kept = (r for r in found if config.include_partial or r.get("responseStatus") in (None, "Completed"))
            if reader.undirected():  # all its answers decide a direction: read before any is kept
                kept = reader.learn(list(kept))
            for response in kept:
                yield {"surveyID": survey_id, **(response if keep else without_names(response))}

    def _unlearnt_warning(self, survey_id: int, undirected: set[str]) -> str:
        """Why a survey read before, of questions taking their direction from answers, may score
        them otherwise than before: its cursor, saved by an earlier release, keeps nothing learnt."""
        return (f"survey {survey_id}: questions {', '.join(sorted(undirected))} take their direction from answers "
                "written beside numbers, and the cursor, saved by an earlier release, keeps none the syncs before "
                "read: this sync decided from its own answers alone; run cxbridge sync --full-refresh --source "
                f"{self.source.context.name} once to decide from all of them")  # fmt: skip

    def _learn_options(self, survey_id: int) -> None:
        """The survey's answer options (`api.question_options`), read once before its responses when
        the config scores a question other than NPS: a labelled answer's scale is decided from all of
        them. A question the list gives no options of has each answer told by itself."""
        reader = self.reader(str(survey_id))
        scored = any(o.metric is not None and o.metric not in NPS_METRICS for o in reader.plan.overrides.values())
        if reader.options is None and scored:
            reader.options = api.question_options(self.source.client, survey_id, self.source.config.page_size)

    def _windows(self, survey_id: int, since: datetime) -> Iterator[dict[str, Any]]:
        """Non-overlapping windows of `window_days` from `since` (inclusive) to now."""
        config = self.source.config
        end_of_all = self.source.now().astimezone(timezone.utc).replace(tzinfo=None, microsecond=0)
        start = since
        while start <= end_of_all:
            end = min(start + timedelta(days=config.window_days) - timedelta(seconds=1), end_of_all)
            body = {"resultMode": EVERY_RESPONSE if config.include_partial else COMPLETED,
                    "startDate": start.strftime(FILTER_FORMAT), "endDate": end.strftime(FILTER_FORMAT),
                    "timeZone": "GMT+00:00"}  # fmt: skip
            yield from api.filtered_responses(self.source.client, survey_id, config.page_size, body)
            start = end + timedelta(seconds=1)

    def warnings(self) -> list[str]:
        return [f"survey {survey_id}: {warning}" for survey_id, reader in self.readers.items()
                for warning in [*reader.plan.warnings, *reader.warnings()]] + self._unlearnt  # fmt: skip

    def final_cursor(self, cursor: Any) -> Any:
        """The cursor with what the surveys read learnt from their answers, and what it kept of
        the others: a survey's new state lands with the last batch of its responses."""
        learnt = {survey: state for survey, state in self.learnt.items() if survey not in self.readers}
        learnt |= {survey: state for survey, reader in self.readers.items() if (state := reader.learnt())}
        return cursor if cursor is None and not learnt else {**(cursor or {}), LEARNT: learnt}

    def advance_cursor(self, cursor: Any, raw: dict[str, Any]) -> Any:
        try:
            zones = self.reader(str(raw.get("surveyID"))).zones
            moment = response_time(raw, extra=zones).strftime(FILTER_FORMAT)
        except DataError:  # a bad time is the record's problem (quarantine), not the cursor's
            return cursor
        survey = str(raw["surveyID"])
        if moment <= (cursor or {}).get(survey, ""):
            return cursor
        return {**(cursor or {}), survey: moment}

    def parts_read(self, cursor: Any) -> list[str] | None:
        """The surveys the cursor keeps a time of: each one a response was read of."""
        return sorted(set(cursor) - {LEARNT}) if isinstance(cursor, dict) else None

    part = "survey"

    def part_of(self, raw: dict[str, Any]) -> str | None:
        return str(raw.get("surveyID"))

    def normalize(self, raw: dict[str, Any], builder: Any) -> FeedbackRecord:
        return self.reader(str(raw.get("surveyID"))).normalize(raw, builder)

    def personal_fields(self) -> PersonalFields:
        """The custom variables mapped as email/phone, hashed; the IP address and the location
        QuestionPro derives from it, removed (the country code is kept); ignored questions'
        answers, removed. (Answers to a question asking for a name go as a response is read:
        `without_names`.)"""
        config = self.source.config
        mapped = [config.columns.email, config.columns.phone]
        return PersonalFields(
            contacts=frozenset(["emailAddress", *filter(None, mapped)]),
            personal=frozenset({"ipAddress", "latitude", "longitude"}),
            ignored_items=(("questionID", ignored_questions(config.questions, by_survey=True)),),
        )


def without_names(response: dict[str, Any]) -> dict[str, Any]:
    """The response without its answers to questions asking for a name (a Contact Information
    block's `First Name`, "Your name"): personal data, by `asks_for_personal_data`."""
    answers = response.get("responseSet")
    if not isinstance(answers, list):
        return response
    kept = [a for a in answers if not (isinstance(a, dict) and asks_for_personal_data(str(a.get("questionText") or "")))]
    return response | {"responseSet": kept}


def _utc(moment: datetime | None) -> str | None:
    return parse_timestamp(moment).strftime(FILTER_FORMAT) if moment else None
