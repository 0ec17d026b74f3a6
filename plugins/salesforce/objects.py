"""Salesforce rows as cxbridge data: a SurveyResponse with its SurveyQuestionResponses as one
feedback record, a custom object's rows through a spreadsheet-style field mapping, Accounts and
Contacts as CRM context."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from cxbridge.crm import CrmAccount, CrmContact
from cxbridge.detection.declared_scale import may_be_nps
from cxbridge.detection.keywords import mentions
from cxbridge.detection.question_metrics import option_values
from cxbridge.errors import DataError
from cxbridge.metrics import NPS_METRICS
from cxbridge.normalize import AnswerInput, RecordBuilder
from cxbridge.plugins.salesforce.config import SalesforceConfig
from cxbridge.questions import Question, QuestionOverride, QuestionPlan
from cxbridge.quoted_values import quoted
from cxbridge.record_comment import explaining_answers
from cxbridge.records import FeedbackRecord
from cxbridge.tabular import values as coerce
from cxbridge.timestamps import field_timestamp

RESPONSE_FIELDS = ["Name", "SurveyId", "InvitationId", "SubmitterId", "Status", "CompletionDateTime", "Language",
                   "CreatedDate"]  # fmt: skip
ANSWER_FIELDS = ["ResponseId", "QuestionId", "Datatype", "NumberValue", "ChoiceValue", "ResponseShortText"]
QUESTION_FIELDS = ["Name", "QuestionType", "SurveyPageId", "QuestionOrder"]  # QuestionOrder: within its page
PAGE_ORDER, PAGE_ORDER_SINCE = "PageDisplayOrder", 54.0  # the order of the question's page, in API v54.0 and later
CHOICE_FIELDS = ["QuestionId", "Name"]  # SurveyQuestionChoice: the label a ChoiceValue answer carries
SCORED_TYPES = ("NPS", "CSAT", "Rating", "Score", "Slider")  # the types whose answers carry a score
LONG_TEXT = "FreeText"  # the paragraph type (ShortText the single line): the record's comment by the shared rule
SCALE_SETTINGS = {"CSAT": "csat_scale", "Rating": "rating_scale"}  # the setting of each type's scale, without choices
INVITATION_FIELDS = ["ParticipantId", "ResponseStatus"]
ACCOUNT_FIELDS = ["Name", "OwnerId", "AnnualRevenue", "Industry", "BillingCountry"]
PERSON_ACCOUNT = "IsPersonAccount"  # an Account field only orgs with Person Accounts enabled have
CONTACT_PERSONAL = frozenset({"Name", "FirstName", "LastName", "Phone", "MobilePhone", "MailingStreet"})
CONTACT_FIELDS = ["AccountId", "Email", "OwnerId"]
CONTACT_PREFIX = "003"  # the key prefix of Contact ids (SubmitterId and ParticipantId may name a User or a Lead)


def type_overrides() -> dict[str, QuestionOverride]:
    """How the SurveyQuestion types that carry a score are read, keyed by QuestionType (a CSAT or
    Rating question brings its scale, `question_scale`): an override keyed by a question's id
    wins, and one keyed by a type replaces these."""
    return {"NPS": QuestionOverride(metric="nps"), "CSAT": QuestionOverride(metric="csat"),
            "Rating": QuestionOverride(metric="rating")}  # fmt: skip


def question_scale(
    kind: str, choices: dict[str, float], scales: Mapping[str, tuple[int, int] | None]
) -> tuple[float, float] | None:
    """The scale of a CSAT or Rating question: the range of its choices' values where they have
    some (a six-star Rating's choices are "1.0" … "6.0"), else csat_scale or rating_scale (None
    when not set)."""
    if kind not in scales:
        return None
    values = sorted(set(choices.values()))
    return (values[0], values[-1]) if len(values) > 1 else scales[kind]


def respondent_contact(raw: dict[str, Any]) -> str | None:
    """The Contact who answered: the submitter, else the invitation's participant, when a Contact."""
    invitation = raw.get("invitation") or {}
    found = (raw.get("SubmitterId"), invitation.get("ParticipantId"))
    return next((str(c) for c in found if str(c or "").startswith(CONTACT_PREFIX)), None)


def question_fields(api_version: str) -> list[str]:
    """The SurveyQuestion fields asked: its page's order too where the API version has it."""
    return [*QUESTION_FIELDS, PAGE_ORDER] if float(api_version.removeprefix("v")) >= PAGE_ORDER_SINCE else QUESTION_FIELDS


def in_survey_order(answers: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], bool]:
    """A response's SurveyQuestionResponse rows (each with its `question`) as the survey asks them,
    and whether that order is known: by the page's PageDisplayOrder, then QuestionOrder (which
    counts from 1 on each page); unknown when a question lacks its QuestionOrder, or its page's
    order while the answers span pages — then they stay in the order read (none documented)."""
    asked = [a.get("question") or {} for a in answers]
    pages = {q.get("SurveyPageId") for q in asked}
    known = all(q.get("QuestionOrder") is not None for q in asked) and (
        len(pages) <= 1 or all(q.get(PAGE_ORDER) is not None for q in asked))
    if not known:
        return answers, False
    order = {id(a): (q.get(PAGE_ORDER) or 0, q["QuestionOrder"]) for a, q in zip(answers, asked, strict=True)}
    return sorted(answers, key=lambda a: order[id(a)]), True


def survey_record(
    raw: dict[str, Any], builder: RecordBuilder, plan: QuestionPlan, *, scales: Mapping[str, tuple[int, int] | None]
) -> FeedbackRecord:
    """A SurveyResponse (with its answers under `answers`, each with its SurveyQuestion under
    `question`, so a quarantined response is replayed the same way) as a feedback record;
    `scales`: the configured scale by QuestionType (CSAT, Rating), for questions whose choices
    do not give one."""
    ordered, in_order = in_survey_order(raw.get("answers") or [])
    read = [_answer(answer, plan, scales) for answer in ordered]  # None: unanswered or ignored
    answers = [a for a in read if a is not None]
    paragraphs = {str(a.get("QuestionId")) for a in raw.get("answers") or []
                  if (a.get("question") or {}).get("QuestionType") == LONG_TEXT}  # fmt: skip
    status = raw.get("Status")
    invitation = raw.get("invitation") or {}
    fields = {
        "survey_id": raw.get("SurveyId"),
        "language": coerce.field_value("language", raw["Language"], column="Language") if raw.get("Language") else None,
        "status": coerce.field_value("status", status, column="Status") if status else None,
        "crm_contact_id": respondent_contact(raw),
        "crm_account_id": (raw.get("contact") or {}).get("AccountId"),  # that Contact's Account
    }
    return builder.build(
        native_id=str(raw["Id"]),
        raw=raw,
        answers=answers,
        comment_from=explaining_answers(read, paragraphs=paragraphs, in_order=in_order),
        submitted_at=field_timestamp(raw.get("CompletionDateTime") or raw.get("CreatedDate"), "CompletionDateTime"),
        updated_at=field_timestamp(raw.get("SystemModstamp"), "SystemModstamp"),
        attributes={key: value for key, value in (("InvitationId", raw.get("InvitationId")), ("Name", raw.get("Name")),
                    ("invitation_status", invitation.get("ResponseStatus"))) if value},  # fmt: skip
        **{key: value for key, value in fields.items() if value},
    )


def _answer(
    answer: dict[str, Any], plan: QuestionPlan, scales: Mapping[str, tuple[int, int] | None]
) -> AnswerInput | None:  # fmt: skip
    """An answer read from the field its question type fills (the object reference: NumberValue for
    NPS, Rating, Score and Slider; ChoiceValue for choice questions, and for CSAT): a scored type's
    choice is read through its choices' labels (numbers, or a built-in label scale)."""
    qid = str(answer.get("QuestionId"))
    definition = answer.get("question") or {}
    text = definition.get("Name") or qid
    number = answer.get("NumberValue")
    kind = str(definition.get("QuestionType") or "")
    choices = option_values(definition.get("choices") or []) if kind in SCORED_TYPES else {}
    scale = question_scale(kind, choices, scales)
    if number is not None:
        is_nps = kind.upper() == "NPS"
        question = Question(qid, text, "nps" if is_nps else "scale", scale=None if is_nps else scale)
        if not is_nps and mentions(text, "recommend") and may_be_nps(text):
            _warn_no_range(question, kind, plan)
        _require_scale(question, kind, number, plan)
        return plan.answer(question, number, also=(kind,))
    choice = answer.get("ChoiceValue")
    if kind in SCORED_TYPES and choice not in (None, ""):
        scored = Question(qid, text, "choice", scale=scale, choices=choices)
        _require_scale(scored, kind, choice, plan, labels=definition.get("choices") or ())
        return plan.answer(scored, choice, label=str(choice), also=(kind,))
    value = choice or answer.get("ResponseShortText")
    if value in (None, ""):
        return None
    free_text = kind.lower() in ("freetext", "free_text", "longtext", "shorttext") or not choice
    return plan.answer(Question(qid, text, "text" if free_text else "choice"), value, also=(kind,))


def _require_scale(
    question: Question, kind: str, value: Any, plan: QuestionPlan, *, labels: Iterable[str] = ()
) -> None:
    """A CSAT or Rating answer is scored on a scale its question's choices, the config's
    csat_scale / rating_scale or its override (a scale, or labels) give, never on a guessed one:
    Salesforce documents none for a question without choices (the recorded org's CSAT question has
    none), so such an answer waits in quarantine until the config says it. `labels`: its choices'
    labels, which the reason quotes."""
    if kind not in SCALE_SETTINGS or question.scale is not None:
        return
    reading = plan.reading(question, also=(kind,))
    if reading is None or reading.spec is None or reading.spec.metric in NPS_METRICS:
        return
    override = next((plan.overrides[key] for key in (question.id, kind) if key in plan.overrides), None)
    if override is not None and (override.scale or override.labels):
        return
    raise DataError(f"question {question.id} ({question.text!r}): a {kind} question whose SurveyQuestionChoice rows "
                    f"give no scale, and {SCALE_SETTINGS[kind]} is not set, so its answer {quoted(value, known=labels)} is not scored on "
                    f"a guessed one; set {SCALE_SETTINGS[kind]} in [{plan.where}] (e.g. [1, 5]), or scale (and labels, "
                    f"for answers in words) in [{plan.where}.questions.{question.id}], then run `cxbridge quarantine "
                    "replay`", field=question.id, kind="unknown-scale")  # fmt: skip


def _warn_no_range(question: Question, kind: str, plan: QuestionPlan) -> None:
    """A numeric question about recommending of a type other than NPS (a Slider, a Score) is NPS
    only when the config says so: its definition gives no range (Salesforce documents no Slider
    minimum or maximum), and the answers' range would make it NPS or not by which came first. One
    worded on another scale ("On a scale of 1 to 10") is none: `question_metrics.detect` says why."""
    if any(key in plan.overrides for key in (question.id, kind)):
        return
    note = (f"question {question.id} ({question.text!r}): a {kind} question about recommending whose definition "
            f"gives no 0–10 range: kept unscored; if it is NPS, set [{plan.where}.questions.{question.id}] "
            'metric = "nps"')  # fmt: skip
    if note not in plan.warnings:
        plan.warnings.append(note)


def account(raw: dict[str, Any], config: SalesforceConfig) -> CrmAccount:
    """An Account; its currency is the org's one (none named) unless `currency_field` names where it is."""
    revenue = raw.get("AnnualRevenue")
    return CrmAccount(
        account_id=str(raw["Id"]), name=raw.get("Name"), segment=raw.get(config.segment_field), owner=raw.get("OwnerId"),
        lifecycle_stage=raw.get(config.lifecycle_field) if config.lifecycle_field else None,
        currency=raw.get(config.currency_field) if config.currency_field else None,
        annual_revenue=float(revenue) if revenue is not None else None, industry=raw.get("Industry"),
        country=raw.get("BillingCountry"), updated_at=field_timestamp(raw.get("SystemModstamp"), "SystemModstamp"),
    )  # fmt: skip


def contact(raw: dict[str, Any], builder: RecordBuilder) -> CrmContact:
    return CrmContact(
        contact_id=str(raw["Id"]), account_id=raw.get("AccountId"), respondent_key=builder.respondent_key(raw.get("Email")),
        owner=raw.get("OwnerId"), updated_at=field_timestamp(raw.get("SystemModstamp"), "SystemModstamp"),
    )  # fmt: skip

