"""The surveymonkey source: one `responses` stream over the chosen surveys, each read through
`responses/bulk` sorted by `date_modified` from the last response seen, its details fetched only
when it has something new — every request counted against the day's quota (`quota.py`)."""

from __future__ import annotations

import logging
import re
from collections.abc import Generator, Iterator
from datetime import datetime, timedelta, timezone
from functools import cached_property
from typing import Any

import httpx

from cxbridge.errors import DataError
from cxbridge.http import ApiSource, HeaderBudget, HeaderToken, PageRequest, tls
from cxbridge.plugins.surveymonkey import api
from cxbridge.plugins.surveymonkey.config import HOSTS, SurveyMonkeyConfig
from cxbridge.plugins.surveymonkey.quota import BudgetedTransport, RequestBudget
from cxbridge.plugins.surveymonkey.responses import CONTACT_KEY, ResponseReader
from cxbridge.exports.surveymonkey_details import DEMOGRAPHIC_CONTACTS, SurveyDefinition, parse_details
from cxbridge.privacy import PersonalFields, ignored_questions
from cxbridge.questions import QuestionPlan, with_rating_defaults
from cxbridge.records import FeedbackRecord
from cxbridge.sources import SourceContext, Stream
from cxbridge.tabular.values import SCREENED_OUT, screened_out
from cxbridge.timestamps import parse_timestamp

log = logging.getLogger(__name__)
QUERY_TIME = "%Y-%m-%dT%H:%M:%S"  # start_modified_at / end_modified_at, in UTC
DEMOGRAPHIC_TYPES = ("name", "company", "address", "address2", "city", "state", "zip", "country", "email", "phone")


class SurveyMonkeySource(ApiSource):
    """Responses of SurveyMonkey surveys."""

    name = "surveymonkey"
    config_model = SurveyMonkeyConfig
    config: SurveyMonkeyConfig
    errors = api.SurveyMonkeyErrors()
    default_requests_per_minute = 100  # the app may send 120 a minute
    budget = HeaderBudget(total=api.MINUTE_LIMIT, remaining=api.MINUTE_REMAINING, reset=api.MINUTE_RESET)

    def __init__(self, config: SurveyMonkeyConfig, context: SourceContext):
        super().__init__(config, context)
        self.requests = RequestBudget(limit=config.daily_requests, now=self.now)
        self.transport = BudgetedTransport(self.transport or tls.transport(), self.requests)

    @staticmethod
    def now() -> datetime:
        return datetime.now(timezone.utc)

    def base_url(self) -> str:
        return HOSTS[self.config.region]

    def access_request(self) -> PageRequest:
        """One survey of the account (api_reference §8.1 `GET /surveys`, `per_page`)."""
        return PageRequest("/surveys", {"per_page": 1, "page": 1})

    def auth(self) -> httpx.Auth:
        return HeaderToken(self.config.access_token)

    def streams(self) -> list[Stream]:
        return [Responses(self)]

    @cached_property
    def survey_ids(self) -> list[str]:
        """The configured surveys; every survey the token sees when none are; filtered by title."""
        config = self.config
        if config.surveys and config.name_pattern is None:
            return list(config.surveys)
        pattern = re.compile(config.name_pattern) if config.name_pattern else None
        return [str(survey["id"]) for survey in api.surveys(self.client)
                if (not config.surveys or str(survey["id"]) in config.surveys)
                and (pattern is None or pattern.search(str(survey.get("title") or "")))]  # fmt: skip

    def definition(self, survey_id: str) -> SurveyDefinition:
        return parse_details(api.details(self.client, survey_id))


class Responses(Stream):
    """Every response of the chosen surveys. The state holds each survey's latest `date_modified`
    read (and the ids read at that second), the day's request count, and — after a pause — the
    survey to start with next time, so that every survey gets its turn while the quota is short."""

    name = "responses"
    primary_key = ("id",)
    is_sorted = True  # each survey's responses come oldest change first, and its position follows them

    def __init__(self, source: SurveyMonkeySource):
        super().__init__(source)
        self.source: SurveyMonkeySource = source
        self.readers: dict[str, ResponseReader] = {}
        self.positions: dict[str, str] = {}
        self.boundary: dict[str, list[str]] = {}  # the ids read at each survey's position
        self.current: str | None = None

    def read(self, cursor: Any) -> Iterator[dict[str, Any]]:
        saved = cursor if isinstance(cursor, dict) else {}
        self.positions = dict(saved.get("surveys") or {})
        self.boundary = {survey: list(ids) for survey, ids in (saved.get("boundary") or {}).items()}
        self.source.requests.resume(saved.get("requests"))
        until = self.source.now().astimezone(timezone.utc).strftime(QUERY_TIME)
        for survey_id in _starting_with(self.source.survey_ids, saved.get("resume")):
            self.current = survey_id
            yield from self._survey(survey_id, until)
        self.current = None

    def advance_cursor(self, cursor: Any, raw: dict[str, Any]) -> Any:
        moment = _query_time_or_none(raw.get("date_modified"))
        survey, native = str(raw.get("survey_id")), str(raw.get("id"))
        if moment and moment > self.positions.get(survey, ""):
            self.positions[survey], self.boundary[survey] = moment, [native]
        elif moment and moment == self.positions.get(survey) and native not in self.boundary.setdefault(survey, []):
            self.boundary[survey].append(native)
        return self.final_cursor(cursor)

    def final_cursor(self, cursor: Any) -> Any:
        state: dict[str, Any] = {"surveys": dict(self.positions), "boundary": dict(self.boundary),
                                 "requests": self.source.requests.state()}  # fmt: skip
        if self.current is not None:
            state["resume"] = self.current
        return state

    def parts_read(self, cursor: Any) -> list[str] | None:
        """The surveys the state keeps a position of: each one a response was read of."""
        surveys = cursor.get("surveys") if isinstance(cursor, dict) else None
        return sorted(surveys) if isinstance(surveys, dict) else None

    part = "survey"

    def part_of(self, raw: dict[str, Any]) -> str | None:
        return str(raw.get("survey_id"))

    def normalize(self, raw: dict[str, Any], builder: Any) -> FeedbackRecord:
        return self._reader(str(raw.get("survey_id"))).normalize(raw, builder)

    def left_out(self, raw: dict[str, Any]) -> str | None:
        """A response the survey turned away (response_status `disqualified`, `overquota`, read with
        include_partial): no feedback, left out and counted by the rule files follow."""
        return SCREENED_OUT if screened_out(raw.get("response_status")) else None

    def warnings(self) -> list[str]:
        return [f"survey {survey_id}: {warning}" for survey_id, reader in self.readers.items()
                for warning in [*reader.plan.warnings, *reader.weights.warnings()]]  # fmt: skip

    def personal_fields(self) -> PersonalFields:
        """The invitation's e-mail and Contact Information e-mail/phone (and custom variables
        mapped as email/phone), hashed; names, IP address, the contact's metadata and other
        Contact Information answers, removed; the response's edit link and ignored questions'
        answers always removed."""
        config = self.source.config
        ignored = ignored_questions(config.questions)
        mapped = [config.columns.email, config.columns.phone]
        contact = {CONTACT_KEY + kind: kind in DEMOGRAPHIC_CONTACTS for kind in DEMOGRAPHIC_TYPES}
        return PersonalFields(
            contacts=frozenset({"email_address", *(key for key, hashed in contact.items() if hashed),
                                *filter(None, mapped)}),
            personal=frozenset({"ip_address", "first_name", "last_name", "metadata", "recipient_id",
                                *(key for key, hashed in contact.items() if not hashed)}),
            ignored=frozenset({"edit_url"}),
            ignored_items=(("id", frozenset(q for q in ignored if "_" not in q)),
                           ("row_id", frozenset(q.split("_")[1] for q in ignored if q.count("_") == 1))),
        )  # fmt: skip

    def _survey(self, survey_id: str, until: str) -> Iterator[dict[str, Any]]:
        """The survey's responses changed since its position (or start_date) and before this run
        began; read again from the start once if responses left the window while it was paged."""
        config = self.source.config
        params: dict[str, Any] = {"per_page": config.page_size, "sort_by": "date_modified", "sort_order": "ASC",
                                  "end_modified_at": until}  # fmt: skip
        since = self.positions.get(survey_id) or _start(self.source.start_time())
        if since:  # a second early: a response changed in the same second as the last one read is not skipped
            moment = datetime.strptime(since, QUERY_TIME) - timedelta(seconds=1)
            params["start_modified_at"] = moment.strftime(QUERY_TIME)
        if not config.include_partial:
            params["status"] = "completed"
        for attempt in (1, 2):
            shrunk = yield from self._pages(survey_id, params)
            if not shrunk:
                return
            log.warning("survey %s: responses changed while they were read (the page total fell); %s", survey_id,
                        "reading them again" if attempt == 1 else "a response may be read only on a later sync")

    def _pages(self, survey_id: str, params: dict[str, Any]) -> Generator[dict[str, Any], None, bool]:
        """The window's responses, but for those already read at the survey's position (the
        window starts a second early): those need neither the details nor a write. Returns
        whether the page total fell while paging."""
        position, seen = self.positions.get(survey_id), set(self.boundary.get(survey_id) or ())
        first_total: Any = None
        shrunk = False
        for page in api.response_pages(self.source.client, survey_id, params):
            total = page.get("total") if isinstance(page, dict) else None
            if first_total is None:
                first_total = total
            elif isinstance(total, int) and isinstance(first_total, int) and total < first_total:
                shrunk = True
            for response in api.data(page):
                if str(response.get("id")) in seen and _query_time_or_none(response.get("date_modified")) == position:
                    continue
                yield self._prepared(survey_id, response)
        return shrunk

    def _prepared(self, survey_id: str, response: dict[str, Any]) -> dict[str, Any]:
        """The response with its survey id, and each Contact Information answer's text under
        `contact_<row type>`, so that its personal parts are hashed or removed by name."""
        definition = self._reader(survey_id).definition
        pages = []
        for page in response.get("pages") or []:
            questions = []
            for question in page.get("questions") or []:
                answers = [_contact_answer(answer, definition.part(str(question.get("id")), answer))
                           for answer in question.get("answers") or []]  # fmt: skip
                questions.append({**question, "answers": answers})
            pages.append({**page, "questions": questions})
        return {**response, "survey_id": str(response.get("survey_id") or survey_id), "pages": pages}

    def _reader(self, survey_id: str) -> ResponseReader:
        """The survey's reader, its details read once per run — and only for a survey with responses."""
        if survey_id not in self.readers:
            config, where = self.source.config, f"sources.{self.source.context.name}"
            definition = self.source.definition(survey_id)
            ratings = [part for part in definition.ordered() if part.is_rating]
            overrides = with_rating_defaults(config.questions, [part.question for part in ratings],
                                             parents={part.question.id: part.parent for part in ratings})  # fmt: skip
            plan = QuestionPlan(overrides, where=where)
            channels = api.collector_channels(self.source.client, survey_id) if config.collector_channels else {}
            self.readers[survey_id] = ResponseReader(definition, plan, config.columns.mapped(), channels=channels,
                                                     acknowledged=config.acknowledged_weights)  # fmt: skip
        return self.readers[survey_id]


def _contact_answer(answer: dict[str, Any], part: Any) -> dict[str, Any]:
    if part is None or not part.demographic or "text" not in answer:
        return answer
    kept = {key: value for key, value in answer.items() if key != "text"}
    return {**kept, CONTACT_KEY + part.demographic: answer["text"]}


def _starting_with(survey_ids: list[str], first: Any) -> list[str]:
    """The surveys in order, starting with the one a paused run stopped in (then wrapping round)."""
    if first not in survey_ids:
        return list(survey_ids)
    at = survey_ids.index(first)
    return survey_ids[at:] + survey_ids[:at]


def _query_time(value: Any) -> str | None:
    moment = parse_timestamp(value) if value else None
    return moment.strftime(QUERY_TIME) if moment else None


def _query_time_or_none(value: Any) -> str | None:
    """The time as the query writes it; None for one that cannot be read (the record's problem,
    for quarantine, never the cursor's)."""
    try:
        return _query_time(value)
    except DataError:
        return None


def _start(moment: datetime | None) -> str | None:
    return _query_time(moment) if moment else None
