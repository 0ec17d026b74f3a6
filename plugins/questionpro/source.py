"""The questionpro source: the configured surveys (or every survey of a user), read in full the
first time and then through the filter endpoint in date windows from the latest response seen."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx

from cxbridge.detection.fields import asks_for_personal_data
from cxbridge.errors import ConfigError, DataError
from cxbridge.http import ApiSource, HeaderToken, PageRequest
from cxbridge.normalize import toml_key
from cxbridge.plugins.questionpro import api
from cxbridge.plugins.questionpro.config import HOSTS, QuestionProConfig
from cxbridge.plugins.questionpro.responses import ResponseReader
from cxbridge.plugins.questionpro.timestamps import response_time
from cxbridge.privacy import PersonalFields, ignored_questions
from cxbridge.questions import QuestionOverride, QuestionPlan, survey_overrides
from cxbridge.records import FeedbackRecord
from cxbridge.sources import Stream
from cxbridge.timestamps import parse_timestamp

FILTER_FORMAT = "%Y-%m-%dT%H:%M:%S"
LEARNT = "learnt"  # the cursor's key of what was learnt from answers, by survey (`ResponseReader.learnt`)
MATRICES = "matrices"  # the cursor's key of each matrix's rows, by survey: a replay reads no question list
COMPLETED, EVERY_RESPONSE = 2, 0  # the filter's resultMode
NO_ANSWER = ": it is read by no answer; key it by one of them"


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

    def access_request(self) -> PageRequest:
        """One question of the first listed survey, else one survey of user_id (api_reference §3.3)."""
        config = self.config
        if config.surveys:
            return PageRequest(f"/a/api/v2/surveys/{config.surveys[0]}/questions", {"page": 1, "perPage": 1})
        return PageRequest(f"/a/api/v2/users/{config.user_id}/surveys", {"page": 1, "perPage": 1})

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
    replays keep (a cursor an earlier release saved has none), and under `MATRICES` the rows of its
    matrices, which a matrix's override reaches in a replay too."""

    name = "responses"
    primary_key = ("responseID",)

    def __init__(self, source: QuestionProSource):
        super().__init__(source)
        self.source: QuestionProSource = source
        self.readers: dict[str, ResponseReader] = {}  # by survey: see `reader`
        self.lists: dict[str, api.QuestionList] = {}  # by survey: its question list, read when the config keys questions
        self.answered: dict[str, set[str]] = {}  # by survey: the question ids its responses read answer
        self.learnt: dict[str, Any] = {}  # by survey: what the saved cursor keeps under `LEARNT` (`restore`)
        self.matrices: dict[str, dict[str, list[str]]] = {}  # by survey: what the saved cursor keeps under `MATRICES`
        self._unlearnt: list[str] = []  # warnings: surveys learning directions whose cursor, saved before, keeps none

    def reader(self, survey_id: str) -> ResponseReader:
        """The survey's reader: which of its questions fills a record's nps/csat/ces column is
        decided within the survey, never between two surveys' questions, and a configured `primary`
        is its own survey's (keyed by the question id, or "<survey id>/<question id>"). A matrix's
        override reaches its rows, as the question list (`_list`) or the saved cursor names them."""
        if survey_id not in self.readers:
            config, listed = self.source.config, self.lists.get(survey_id)
            where = f"sources.{self.source.context.name}"
            rows = listed.rows if listed else self.matrices.get(survey_id, {})
            overrides = rows_overrides(config.questions, survey_id, rows, where=where)
            plan = QuestionPlan(overrides, where=where, survey=survey_id)
            self.readers[survey_id] = ResponseReader(plan, config.columns.mapped(), config.timezone_abbreviations,
                                                     acknowledged=config.acknowledged_weights)  # fmt: skip
            self.readers[survey_id].options = listed.options if listed else None
            self.readers[survey_id].recall(self.learnt.get(survey_id) or {})
        return self.readers[survey_id]

    def restore(self, cursor: Any) -> None:
        """What the saved cursor keeps under `LEARNT`, for the readers made from now on: before a
        read, and before `cxbridge quarantine replay` normalizes responses without one."""
        self.learnt = dict((cursor or {}).get(LEARNT) or {})
        self.matrices = dict((cursor or {}).get(MATRICES) or {})

    def read(self, cursor: Any) -> Iterator[dict[str, Any]]:
        config, client = self.source.config, self.source.client
        keep = self.source.context.keep_personal_data
        self.restore(cursor)
        for survey_id in self.source.survey_ids():
            self._list(survey_id)
            reader, since = self.reader(str(survey_id)), (cursor or {}).get(str(survey_id))
            ignored = {qid for qid, override in reader.plan.overrides.items() if override.ignore}
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
                response = without_questions(response, ignored)
                self.answered.setdefault(str(survey_id), set()).update(answered(response))
                yield {"surveyID": survey_id, **(response if keep else without_names(response))}

    def _unlearnt_warning(self, survey_id: int, undirected: set[str]) -> str:
        """Why a survey read before, of questions taking their direction from answers, may score
        them otherwise than before: its cursor, saved by an earlier release, keeps nothing learnt."""
        return (f"survey {survey_id}: questions {', '.join(sorted(undirected))} take their direction from answers "
                "written beside numbers, and the cursor, saved by an earlier release, keeps none the syncs before "
                "read: this sync decided from its own answers alone; run cxbridge sync --full-refresh --source "
                f"{self.source.context.name} once to decide from all of them")  # fmt: skip

    def _list(self, survey_id: int) -> None:
        """The survey's question list (`api.question_list`), read once before its responses and its
        reader when the config keys any of its questions: a labelled answer's scale is decided from
        all of its options, a matrix's override reaches its rows, and a key naming no question is
        told (`_unknown_keys`). A question the list gives no options of has each answer told by itself."""
        survey = str(survey_id)
        if survey not in self.lists and survey not in self.readers and survey_overrides(self.source.config.questions, survey):
            self.lists[survey] = api.question_list(self.source.client, survey_id, self.source.config.page_size)

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
                for warning in [*reader.plan.warnings, *reader.warnings()]] + self._unlearnt + self._unknown_keys()  # fmt: skip

    def _unknown_keys(self) -> list[str]:
        """The config's question keys naming no question of the surveys read — by their lists, or the
        answers of the responses read — each with the ids there are: a typo is read by no answer."""
        known = {survey: listed.ids() | self.answered.get(survey, set()) for survey, listed in self.lists.items()}
        where, found = f"sources.{self.source.context.name}.questions", []
        for key in sorted(self.source.config.questions):
            survey, _, qid = key.rpartition("/")
            surveys = [survey] if survey else sorted(known)
            if not known or any(qid.removesuffix("_other") in known.get(each, {qid}) for each in surveys):
                continue
            if len(surveys) == 1:
                ids = f"survey {surveys[0]}: [{where}.{toml_key(key)}] names no question of the survey, whose question ids are "
                found.append(ids + _ids_text(self.lists[surveys[0]], known[surveys[0]]) + NO_ANSWER)
            else:
                ids = "; ".join(f"survey {each}: {_ids_text(self.lists[each], known[each])}" for each in surveys)
                found.append(f"[{where}.{toml_key(key)}] names no question of the surveys read ({ids}){NO_ANSWER}")
        return found

    def final_cursor(self, cursor: Any) -> Any:
        """The cursor with what the surveys read learnt from their answers and the rows of their
        matrices, and what it kept of the others: a survey's new state lands with the last batch of
        its responses."""
        learnt = {survey: state for survey, state in self.learnt.items() if survey not in self.readers}
        learnt |= {survey: state for survey, reader in self.readers.items() if (state := reader.learnt())}
        matrices = {survey: rows for survey, rows in self.matrices.items() if survey not in self.lists}
        matrices |= {survey: listed.rows for survey, listed in self.lists.items() if listed.rows}
        if cursor is None and not learnt and not matrices:
            return cursor
        return {**(cursor or {}), LEARNT: learnt, **({MATRICES: matrices} if matrices else {})}

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
        return sorted(set(cursor) - {LEARNT, MATRICES}) if isinstance(cursor, dict) else None

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


def rows_overrides(given: Mapping[str, QuestionOverride], survey_id: str, rows: Mapping[str, list[str]], *,
                   where: str) -> dict[str, QuestionOverride]:  # fmt: skip
    """The config's overrides, each matrix's (of `rows`, by matrix id) reaching its rows as if keyed
    the same way by each row's id, unless the row's own override, keyed either way, replaces it;
    ConfigError for a matrix's `primary` or `question_key`, which name one question, not all its rows."""
    found = dict(given)
    for matrix, its_rows in rows.items():
        key = next((key for key in (f"{survey_id}/{matrix}", matrix) if key in given), None)
        if key is None:
            continue
        if one := _of_one_question(given[key]):
            raise ConfigError(f"{where}.questions.{key}: {one} names one question, and matrix {matrix} is the "
                              f"questions of its rows {', '.join(its_rows)}: set it under one row's table")
        found |= {key.removesuffix(matrix) + row: given[key] for row in its_rows
                  if row not in given and f"{survey_id}/{row}" not in given}  # fmt: skip
    return found


def _of_one_question(override: QuestionOverride) -> str | None:
    """The setting of the override that names one question (`primary`, `question_key`), as written."""
    if override.primary:
        return "primary = true"
    return f"question_key = {override.question_key!r}" if override.question_key else None


def without_questions(response: dict[str, Any], ids: set[str]) -> dict[str, Any]:
    """The response without its answers to the questions `ids` (ignored: the config's, and the rows
    of an ignored matrix, which the scrubber does not know of)."""
    answers = response.get("responseSet")
    if not ids or not isinstance(answers, list):
        return response
    return response | {"responseSet": [a for a in answers if not (isinstance(a, dict) and str(a.get("questionID")) in ids)]}


def answered(response: dict[str, Any]) -> set[str]:
    """The question ids the response answers: ids a key may name though the question list does not."""
    answers = response.get("responseSet")
    return {str(a.get("questionID")) for a in answers if isinstance(a, dict)} if isinstance(answers, list) else set()


def _ids_text(listed: api.QuestionList, ids: set[str]) -> str:
    """The question ids, in order, a matrix's followed by its rows' ("9100 (a matrix: its rows 9101, 9102)")."""
    rows = {row for its_rows in listed.rows.values() for row in its_rows}
    return ", ".join(qid + (f" (a matrix: its rows {', '.join(listed.rows[qid])})" if qid in listed.rows else "")
                     for qid in sorted(ids - rows, key=lambda qid: (len(qid), qid)))  # fmt: skip


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
