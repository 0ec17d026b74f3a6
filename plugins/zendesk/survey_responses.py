"""Zendesk's newer CSAT — survey responses (`GET /api/v2/guide/survey_responses`) — as feedback
records: the customer-satisfaction rating question scored as CSAT on the scale its survey version
defines (`GET /api/v2/guide/{locale}/surveys/{id}/{version}`: the lowest and highest option
rating), other rating questions as `rating`, open-ended answers as comments, chosen options kept
by label, skipped questions left out; the rated ticket from the response's subjects.

Zendesk's reference shows two shapes of a response: `subjects` (objects with `type` and `id`) and
`survey` (`id`, `version`), and the older `subject_zrns` (`zen:ticket:99`) with `survey_id` and
`survey_version`; both are read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cxbridge.detection.meaning import labels_direction
from cxbridge.errors import DataError
from cxbridge.metrics import Direction, MetricSpec
from cxbridge.normalize import AnswerInput, RecordBuilder
from cxbridge.plugins.zendesk.ratings import UNRATED, TicketContext, with_ticket_context
from cxbridge.quoted_values import quoted
from cxbridge.record_comment import explaining_answers
from cxbridge.requester_contacts import requester_contact
from cxbridge.records import FeedbackRecord
from cxbridge.tabular.cells import whole_int
from cxbridge.timestamps import field_timestamp

TICKET_ZRN = "zen:ticket:"
UNANSWERED = "survey responses offered but not answered (no question rated or answered)"
CATEGORY_SIDE = {"good": 1, "bad": -1}  # an answer's rating_category: the satisfied or dissatisfied half
_SCALE_ADVICE = {  # by whether the question is the customer-satisfaction one
    True: "set csat_scale in the config",
    False: "csat_scale sets only the customer-satisfaction question's scale, and no setting sets another rating "
           "question's: run cxbridge quarantine replay once Zendesk serves the survey version the response names, "
           "with whole-number option ratings",
}  # fmt: skip


@dataclass(frozen=True)
class SurveyQuestion:
    """One question of a survey version, as its definition describes it."""

    text: str | None = None
    scale: tuple[int, int] | None = None  # a rating-scale question: its lowest and highest option rating
    options: dict[str, str] = field(default_factory=dict)  # a closed-ended question: option id → label
    ratings: str = ""  # its options' ratings as listed, when one is no whole number (scale is None)
    direction: Direction | None = None  # which end its options' labels call satisfied (None: they name no end)
    points: str = ""  # its options' ratings and labels, as the reason for `direction`


def survey_key(raw: dict[str, Any]) -> tuple[str, int] | None:
    """(survey id, version) of a response, from `survey` or the older `survey_id`/`survey_version`;
    DataError for a version that is no whole number."""
    survey = raw.get("survey") or {}
    survey_id, version = survey.get("id") or raw.get("survey_id"), survey.get("version") or raw.get("survey_version")
    if not survey_id or version is None:
        return None
    if (number := whole_int(version)) is None:
        raise DataError(f"survey version {quoted(version)} is not a whole number (Zendesk numbers a survey's versions 1, 2, "
                        "3 …), so its definition cannot be asked for", field="survey.version" if survey else "survey_version",
                        kind="survey-version-not-whole-number")  # fmt: skip
    return (str(survey_id), number)


def survey_questions(survey: dict[str, Any]) -> dict[str, SurveyQuestion]:
    """The questions of a survey definition (the `survey` of Show Survey By Id And Version), by id."""
    found = {}
    for question in survey.get("questions") or []:
        options = [o for o in question.get("options") or [] if isinstance(o, dict)]
        rated = [o for o in options if "rating" in o]  # a rating-scale question's points
        ratings = [whole_int(o["rating"]) for o in rated]
        labels = {str(o["id"]): _text(o.get("label")) or str(o["id"]) for o in options if o.get("id")}
        text = _text(question.get("headline"))
        if None in ratings:  # one point unknown leaves the scale unknown: dropping it would move an end
            found[str(question["id"])] = SurveyQuestion(text, None, labels, ratings=repr([o["rating"] for o in rated]))
        elif len(set(ratings)) < 2:
            found[str(question["id"])] = SurveyQuestion(text, None, labels)
        else:
            direction, points = _labelled_direction(rated)
            scale = (min(ratings), max(ratings))  # type: ignore[type-var]
            found[str(question["id"])] = SurveyQuestion(text, scale, labels, direction=direction, points=points)
    return found


def _labelled_direction(rated: list[dict[str, Any]]) -> tuple[Direction | None, str]:
    """Which end the rating options' labels call satisfied ("Very unsatisfied" 1 … "Very
    satisfied" 2: higher is better), and the points that say so ("rating 1 'Very unsatisfied', 2
    'Very satisfied'"); (None, "") when they name no end of a built-in scale (emoji, none)."""
    points = {label: whole_int(o["rating"]) for o in rated if (label := _text(o.get("label")))}
    direction = labels_direction(points)  # type: ignore[arg-type]
    if direction is None:
        return None, ""
    ordered = sorted(points.items(), key=lambda point: point[1])
    return direction, "rating " + ", ".join(f"{rating} {label!r}" for label, rating in ordered)


def created_at(raw: dict[str, Any]) -> str | None:
    """When the response was answered: its earliest answer (the object carries no time itself)."""
    times = [answer["created_at"] for answer in raw.get("answers") or [] if answer.get("created_at")]
    return min(times) if times else None


def ticket_of(raw: dict[str, Any]) -> str | None:
    """The rated ticket: the `subjects` entry of type ticket, else a `zen:ticket:` ZRN."""
    from_subjects = (str(s["id"]) for s in raw.get("subjects") or [] if s.get("type") == "ticket" and s.get("id"))
    from_zrns = (zrn.removeprefix(TICKET_ZRN) for zrn in raw.get("subject_zrns") or [] if str(zrn).startswith(TICKET_ZRN))
    return next(from_subjects, None) or next(from_zrns, None)


def unanswered_response(raw: dict[str, Any]) -> str | None:
    """Why a survey response is no feedback: Zendesk lists it before the customer answers (every
    question skipped, its rating question without a rating): a survey sent, nothing to score."""
    return None if any(_answered(answer) for answer in raw.get("answers") or []) else UNANSWERED


def _answered(answer: dict[str, Any]) -> bool:
    """Whether an answer holds something the customer gave: a rating, typed text, a chosen option."""
    kind = answer.get("type")
    if kind == "rating_scale":
        return answer.get("rating") is not None
    if kind == "open_ended":
        return bool(str(answer.get("value") or "").strip())
    if kind == "closed_ended":
        return bool(answer.get("selections"))
    return kind != "skipped"


def normalize_survey_response(
    raw: dict[str, Any], builder: RecordBuilder, context: TicketContext | None, questions: dict[str, SurveyQuestion],
    *, csat_scale: tuple[int, int] | None,
) -> FeedbackRecord:  # fmt: skip
    """`questions` is the survey version's definition (empty when it could not be read);
    `csat_scale`, when configured, is the CSAT question's scale only where that definition gives none."""
    answered = [a for a in raw.get("answers") or [] if _answered(a)]
    if not answered:
        raise DataError("the survey response has no answer (every question skipped or unrated)", field="answers",
                        kind="unanswered-response")  # fmt: skip
    in_order = [_answer(a, questions, csat_scale) if _answered(a) else None for a in raw.get("answers") or []]
    answers = [answer for answer in in_order if answer is not None]
    categories = [a["rating_category"] for a in answered if a.get("rating_category")]
    key = survey_key(raw)
    attributes: dict[str, Any] = {"responder_id": raw.get("responder_id"), "survey_version": key and key[1]}
    if categories:
        attributes["rating_category"] = categories[0]
    fields: dict[str, Any] = {"ticket_id": ticket_of(raw), "survey_id": key and key[0],
                              "respondent_key": builder.respondent_key(requester_contact(raw))}  # fmt: skip
    with_ticket_context(fields, attributes, context, builder=builder)
    return builder.build(
        native_id=str(raw["id"]),
        raw=raw,
        answers=answers,
        # open-ended answers tell no long text from short; without the version's wording, the first is
        comment_from=explaining_answers(in_order) if questions else None,
        submitted_at=field_timestamp(created_at(raw), "answers.created_at"),
        updated_at=field_timestamp(max((a["updated_at"] for a in answered if a.get("updated_at")), default=None), "answers.updated_at"),
        attributes={key: value for key, value in attributes.items() if value is not None},
        **{key: value for key, value in fields.items() if value is not None},
    )


def _answer(answer: dict[str, Any], questions: dict[str, SurveyQuestion], csat_scale: tuple[int, int] | None) -> AnswerInput | None:
    question = answer.get("question") or {}
    qid = str(question.get("id") or answer.get("question_id"))
    listed = qid in questions
    defined = questions.get(qid, SurveyQuestion())
    text = _text(question.get("headline")) or defined.text or question.get("alias") or qid
    kind = answer.get("type")
    if kind == "rating_scale":
        satisfaction, rating = question.get("sub_type") == "customer_satisfaction", answer.get("rating")
        if rating is not None and whole_int(rating) is None:
            raise DataError(f"rating {quoted(rating)} of question {qid} is not a whole number: a rating is one of its "
                            "options' ratings", field=f"answers.{qid}", kind="answer-not-whole-number")  # fmt: skip
        scale = defined.scale or (csat_scale if satisfaction else None)
        if scale is None:
            why = ("its survey version could not be read" if not listed else
                   f"its survey version lists its options' ratings as {defined.ratings}, not all whole numbers"
                   if defined.ratings else "its survey version gives it fewer than two option ratings")  # fmt: skip
            raise DataError(f"the rating scale of question {qid} is unknown: {why}; {_SCALE_ADVICE[satisfaction]}",
                            field=f"answers.{qid}", kind="unknown-scale")  # fmt: skip
        spec = MetricSpec(metric="csat" if satisfaction else "rating", scale=scale,
                          direction=defined.direction or Direction.HIGHER_IS_BETTER)  # fmt: skip
        _check_category(qid, rating, answer.get("rating_category"), spec, defined.points)
        return AnswerInput(qid, rating, text, spec=spec, is_primary=satisfaction)
    if kind == "open_ended":
        return AnswerInput(qid, answer.get("value"), text, is_comment=True)
    if kind == "closed_ended":
        chosen = [s.get("option_id") or s.get("value") for s in answer.get("selections") or []]
        return AnswerInput(qid, [defined.options.get(str(c), c) for c in chosen], text)
    return None


def _check_category(qid: str, rating: Any, category: Any, spec: MetricSpec, points: str) -> None:
    """An answer's `rating_category` ("good", "bad") names the half of the scale its rating is in,
    "offered" or "unoffered" that there is no rating; where the direction (the options' labels,
    described by `points`, else higher is better) puts the rating in the other half, or a rating
    comes with a word for none, which is right is not known: DataError saying both."""
    if category in UNRATED and rating is not None:
        raise DataError(f"rating {quoted(rating, str)} of question {qid} has rating_category {category!r}, which says the survey "
                        "was sent and not rated: which is right is not known, so it is not scored; check the response "
                        "in Zendesk, then run cxbridge quarantine replay", field=f"answers.{qid}",
                        kind="rated-and-unrated")  # fmt: skip
    side, (low, high) = CATEGORY_SIDE.get(str(category)), spec.scale_bounds
    if side is None or rating is None or not low <= rating <= high:
        return  # no category it states, or a rating off the scale: scoring names that
    up = (rating - low) / (high - low) - 0.5
    better = -up if spec.direction is Direction.LOWER_IS_BETTER else up
    if better * side >= 0:
        return
    said = (f"its survey version's option labels ({points})" if points
            else "its numbers (higher is better: no option label names an end)")  # fmt: skip
    end = "satisfied" if better > 0 else "dissatisfied"
    raise DataError(f"rating {rating} of question {qid} has rating_category {category!r}, but on its {low:g}–{high:g} "
                    f"scale {said} put {rating} in the {end} half: which is right is not known, so it is not scored; "
                    "check the question's options in Zendesk, then run cxbridge quarantine replay",
                    field=f"answers.{qid}", kind="contradicts-direction")  # fmt: skip


def _text(content: Any) -> str | None:
    return content.get("value") if isinstance(content, dict) else content
