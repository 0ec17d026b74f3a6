"""The newer Freshdesk customer-satisfaction surveys (`csat_api = "surveys"`): every survey
(`GET /api/v2/customer-satisfaction/surveys`) and each one's responses
(`GET /api/v2/customer-satisfaction/surveys/{id}/responses`), both as `{"data": […], "paging":
{"next": URL}}` pages continued by the `next_token` of `paging.next`.

These lists take no time filter and their order is not documented, so every response is read
on every sync and those updated since the cursor (less `lookback_days`) are kept; the cursor —
the latest `updated_at` seen — is saved only once every survey was read to its last page. Each
response's answers are scored through its survey's questions (`csat_surveys.py`) and the
config's `questions` overrides; its ticket gets the context the classic ratings get."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from cxbridge.errors import DataError, SourceError
from cxbridge.http import PageRequest, PageToken
from cxbridge.metrics import shown_number
from cxbridge.normalize import AnswerInput
from cxbridge.plugins.freshdesk.csat_surveys import CsatSurvey, parse_survey, value_key
from cxbridge.plugins.freshdesk.ratings import TicketContext, build_rated, with_requester
from cxbridge.privacy import PersonalFields, ignored_questions
from cxbridge.questions import Question, QuestionPlan
from cxbridge.quoted_values import quoted
from cxbridge.rated_tickets import RatedTickets
from cxbridge.records import FeedbackRecord
from cxbridge.requester_contacts import CONTACTS
from cxbridge.sources import Stream
from cxbridge.timestamps import parse_timestamp

if TYPE_CHECKING:
    from cxbridge.plugins.freshdesk.source import FreshdeskSource

log = logging.getLogger("cxbridge.freshdesk")
SURVEYS = "/api/v2/customer-satisfaction/surveys"


def next_token(body: Any) -> str | None:
    """The `next_token` of the page's `paging.next` URL (None on the last page)."""
    link = ((body or {}).get("paging") or {}).get("next") if isinstance(body, dict) else None
    if not link:
        return None
    return (parse_qs(urlsplit(str(link)).query).get("next_token") or [None])[0]


def page_items(body: Any) -> list[Any]:
    """The page's records; an answer of another shape fails the source (nothing in it is a response)."""
    if not isinstance(body, dict) or not isinstance(body.get("data", []), list):
        raise SourceError('Freshdesk answered a customer-satisfaction list with something other than {"data": [...]}: '
                          "is the account on the newer CSAT surveys? If not, set csat_api = \"classic\"")  # fmt: skip
    return body.get("data") or []


class SurveyResponses(Stream):
    """Responses to every customer-satisfaction survey; the cursor is the latest `updated_at`."""

    name = "survey_responses"
    cursor_field = "updated_at"
    is_sorted = False  # no documented order: the cursor is saved once every survey was read

    def __init__(self, source: FreshdeskSource):
        super().__init__(source)
        self.source: FreshdeskSource = source
        self.surveys: dict[str, CsatSurvey] = {}
        self.plans: dict[str, QuestionPlan] = {}
        self._listed = False
        self.tickets: RatedTickets[TicketContext] = RatedTickets(source.changed_tickets)

    def read(self, cursor: Any) -> Iterator[dict[str, Any]]:
        config = self.source.config
        since = self._since(cursor)
        for survey_id in self._read_surveys():
            for page in self._response_pages(survey_id):
                kept = [r for r in page_items(page) if isinstance(r, dict) and _updated_since(r, since)]
                if config.ticket_context:
                    self.tickets.cover([(r.get("ticket_id"), r.get("created_at")) for r in kept])
                yield from (with_requester({"survey_id": survey_id, **response}, self.tickets.get(response.get("ticket_id")))
                            for response in kept)  # fmt: skip

    def _response_pages(self, survey_id: str) -> Iterator[Any]:
        """The survey's pages of responses. Freshdesk answers 404 for a survey that has no
        responses yet (as singer-io/tap-freshdesk found): on the first page that is an empty
        survey, not a wrong domain; later in the listing it stays an error."""
        first = PageRequest(f"{SURVEYS}/{survey_id}/responses", {"per_page": self.source.config.page_size})
        pages = self.source.client.pages(first, PageToken(next_token, param="next_token", items=page_items))
        try:
            opening = next(pages, None)
        except SourceError as exc:
            if exc.status_code != 404:
                raise
            log.info("survey %s: no responses (HTTP 404 on its first page)", survey_id)
            return
        if opening is not None:
            yield opening
            yield from pages

    def _since(self, cursor: Any) -> datetime | None:
        """The cursor less the look-back; on a first sync, start_date (None: every response)."""
        config = self.source.config
        if cursor:
            return parse_timestamp(cursor) - timedelta(days=config.lookback_days)  # type: ignore[operator]
        return self.source.start_time()

    def _read_surveys(self) -> list[str]:
        """Every survey's definition, read once per run, in the order Freshdesk lists them."""
        if not self._listed:
            first = PageRequest(SURVEYS, {"per_page": 100})
            for page in self.source.client.pages(first, PageToken(next_token, param="next_token", items=page_items)):
                for survey in page_items(page):
                    parsed = parse_survey(survey)
                    self.surveys.setdefault(parsed.id, parsed)
            self._listed = True
        return list(self.surveys)

    def plan(self, survey_id: str) -> tuple[CsatSurvey, QuestionPlan]:
        """The survey's questions and how each is read, decided once per survey."""
        self._read_surveys()  # once: a quarantined response may be replayed without a read
        survey = self.surveys.get(survey_id) or CsatSurvey(survey_id, "", {})
        if survey_id not in self.plans:
            where = f"sources.{self.source.context.name}"
            plan = QuestionPlan(survey.overrides(self.source.config.questions), where=where, key_prefix=f"{survey_id}/")
            plan.decide_primaries((question, ()) for question in survey.questions.values())
            self.plans[survey_id] = plan
        return survey, self.plans[survey_id]

    def normalize(self, raw: dict[str, Any], builder: Any) -> FeedbackRecord:
        survey, plan = self.plan(str(raw.get("survey_id") or ""))
        answers: list[AnswerInput] = []
        for given in raw.get("answers") or []:
            if not isinstance(given, dict) or given.get("question_id") in (None, ""):
                continue
            qid, value = str(given["question_id"]), given.get("value")
            question = survey.questions.get(qid) or Question(qid, str(given.get("question_text") or qid))
            label = survey.labels.get(qid, {}).get(value_key(value)) if not isinstance(value, list | dict) else None
            if question.kind in ("choice", "multi") and label is not None:
                value = question.choices.get(label, label)  # an option's value is its label (or its scale point)
            answer = plan.answer(question, value, label=label)
            if answer is not None:  # an ignored question's answer is not read
                _check_point(question, value, None if answer.spec else survey.bounds.get(qid))
                answers.append(answer)
        attributes = {"survey_title": survey.title} if survey.title else {}
        for key in ("survey_version_id", "status"):
            if raw.get(key):
                attributes[key] = raw[key]
        return build_rated(raw, builder, answers, self.tickets.get(raw.get("ticket_id")), attributes=attributes)

    def warnings(self) -> list[str]:
        name, given = self.source.context.name, self.source.config.questions
        found = [f"survey {survey.id} question {qid}: {why}: kept unscored; to score it, set metric, scale and "
                 f'direction in [sources.{name}.questions."{survey.id}/{qid}"]'
                 for survey in self.surveys.values() for qid, why in survey.unscored.items()
                 if not survey.settled(qid, given)]  # fmt: skip
        return found + [f"survey {survey_id}: {warning}" for survey_id, plan in self.plans.items() for warning in plan.warnings]

    def personal_fields(self) -> PersonalFields:
        """Answers to questions the config ignores, removed from the raw response (a question
        ignored in one survey, `<survey id>/Q_1`, is removed wherever a raw answer carries its id:
        nothing it holds is stored); the requester's e-mail address or phone number as its `hashed:<key>`."""
        ignored = ignored_questions(self.source.config.questions, by_survey=True)
        return PersonalFields(contacts=CONTACTS, ignored_items=(("question_id", ignored),))


def _check_point(question: Question, value: Any, bounds: tuple[float, float] | None) -> None:
    """A `range` question (read as kind nps or scale) is answered with one of its points, whole
    numbers (4, 4.0, "4"): an answer written as any other number (4.5, "4.5") is none of them, and
    one past the `min`/`max` of an unscored question's definition (`bounds`; a scored one's scale
    is checked where it is scored) is none either."""
    if question.kind not in ("nps", "scale") or isinstance(value, bool):
        return
    number = value if isinstance(value, int | float) else shown_number(value) if isinstance(value, str) else None
    if number is not None and not float(number).is_integer():
        raise DataError(f"answer {quoted(value)} to range question {question.id} is not a whole number: a range question "
                        "is answered with one of its points, the whole numbers from its scale's min to its max",
                        field=f"answers.{question.id}", kind="answer-not-whole-number")  # fmt: skip
    if number is not None and bounds is not None and not bounds[0] <= number <= bounds[1]:
        raise DataError(f"answer {quoted(value)} to range question {question.id} is outside its scale {bounds[0]:g}–"
                        f"{bounds[1]:g} (its min and max in the survey): check the question in Freshdesk (a scale "
                        "changed since?), then `cxbridge quarantine replay`", field=f"answers.{question.id}",
                        kind="answer-outside-scale")  # fmt: skip


def _updated_since(response: dict[str, Any], since: datetime | None) -> bool:
    """Kept unless its `updated_at` is before `since`; a response without a readable time is
    kept (the normalizer quarantines what it cannot read)."""
    if since is None:
        return True
    try:
        return parse_timestamp(response.get("updated_at")) >= since  # type: ignore[operator]
    except DataError:
        return True
