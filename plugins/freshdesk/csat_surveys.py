"""Freshdesk's customer-satisfaction surveys (`GET /api/v2/customer-satisfaction/surveys`) as the
questions their responses answer.

A `range` question is scored only where its definition says which end is satisfied: its
`ratings` labels (`{value, label}`) are points of a built-in scale ("Very dissatisfied" …
"Very satisfied"), or its `scale.score_ranges` labels are ("Dissatisfied" 1–2 … "Satisfied"
4–5); a 0–10 question about recommending is NPS. Neither `scale.order` (the order the points are
shown in) nor `scale.variant` (emoji, numbers) says what a value means, so a range question with
neither kind of label stays unscored, named in the sync's warnings with the setting that scores
it. `choice` questions keep their option labels, scored on their numbers when every label is a
number ("1" … "5") or on a built-in scale's values when the labels are its points, and `text`
questions are comments."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cxbridge.detection.meaning import metric_of, read_options
from cxbridge.detection.question_metrics import detect, no_nps, option_values
from cxbridge.metrics import NPS_METRICS
from cxbridge.questions import Question, QuestionOverride, survey_overrides


@dataclass(frozen=True)
class CsatSurvey:
    """One survey's questions by id, in the survey's order; `labels` maps each question's answer
    values (rating values, option values) to their labels."""

    id: str
    title: str
    questions: dict[str, Question]
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    from_ranges: dict[str, QuestionOverride] = field(default_factory=dict)  # scored by their score ranges
    unscored: dict[str, str] = field(default_factory=dict)  # range question id → why it is not scored
    bounds: dict[str, tuple[float, float]] = field(default_factory=dict)  # range question id → its min and max

    def overrides(self, given: Mapping[str, QuestionOverride]) -> dict[str, QuestionOverride]:
        """The config's overrides of this survey's questions — keyed `Q_1` (that question of every
        survey) or `<survey id>/Q_1` (of this survey only, which wins) — over what the score
        ranges establish."""
        return {**self.from_ranges, **survey_overrides(given, self.id)}

    def settled(self, qid: str, given: Mapping[str, QuestionOverride]) -> bool:
        """Whether the config says how to read this survey's question `qid`."""
        return qid in given or f"{self.id}/{qid}" in given


def parse_survey(survey: dict[str, Any]) -> CsatSurvey:
    questions: dict[str, Question] = {}
    labels: dict[str, dict[str, str]] = {}
    from_ranges: dict[str, QuestionOverride] = {}
    unscored: dict[str, str] = {}
    bounds: dict[str, tuple[float, float]] = {}
    for item in survey.get("questions") or []:
        if not isinstance(item, dict) or not item.get("id") or item.get("deleted"):
            continue
        qid, kind = str(item["id"]), str(item.get("type") or "")
        text = " ".join(str(item.get("text") or item.get("label") or qid).split())
        if kind == "range":
            ratings = [r for r in item.get("ratings") or [] if isinstance(r, dict) and r.get("label")]
            labels[qid] = {value_key(r.get("value")): str(r["label"]) for r in ratings}
            question, override, why = _range_question(qid, text, item)
            questions[qid] = question
            if override is not None:
                from_ranges[qid] = override
            if why:
                unscored[qid] = why
            if (scale := _bounds(item.get("scale") if isinstance(item.get("scale"), dict) else {})) is not None:
                bounds[qid] = scale
        elif kind == "choice":
            labels[qid] = {value_key(c.get("value")): str(c["label"]) for c in item.get("choices") or []
                           if isinstance(c, dict) and c.get("label") is not None}  # fmt: skip
            multiple = "multi" if item.get("multiple") else "choice"
            questions[qid] = Question(qid, text, multiple, choices=option_values(labels[qid].values()))
        elif kind == "text":
            questions[qid] = Question(qid, text, "text")
    title = str(survey.get("title") or "")
    return CsatSurvey(str(survey.get("id") or ""), title, questions, labels, from_ranges, unscored, bounds)


def value_key(value: Any) -> str:
    """An answer value as the key of its label: 3, 3.0 and "3" are one."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _range_question(qid: str, text: str, item: dict[str, Any]) -> tuple[Question, QuestionOverride | None, str]:
    """The question, the override its score ranges establish (if its ratings' labels do not), and
    why it stays unscored ("" when it is scored)."""
    scale = item.get("scale") if isinstance(item.get("scale"), dict) else {}
    bounds = _bounds(scale)
    labels = {str(r["label"]): float(r["value"]) for r in item.get("ratings") or []
              if isinstance(r, dict) and r.get("label") and isinstance(r.get("value"), int | float)}  # fmt: skip
    nps = str(item.get("question_identifier") or "").upper() == "NPS" and bounds == (0.0, 10.0)
    question = Question(qid, text, "nps" if nps else "scale", scale=bounds, choices=labels)
    unscored = Question(qid, text, "scale")  # no numbers to score by the question's wording alone
    if bounds is None:
        return unscored, None, "its scale has no min and max"
    spec = detect(question).spec
    if spec is not None and (labels or spec.metric in NPS_METRICS):  # by its labels, or a 0–10 NPS
        return question, None, ""
    override = _from_score_ranges(scale.get("score_ranges"), bounds, text)
    if override is not None:
        return question, override, ""
    if why := no_nps(question):
        return unscored, None, why
    shown = ", ".join(repr(label) for label in labels) or "none"
    return unscored, None, (f"a {bounds[0]:g}–{bounds[1]:g} scale whose labels ({shown}) and score ranges name no "
                            "built-in scale, so which end is satisfied is not known")  # fmt: skip


def _from_score_ranges(ranges: Any, bounds: tuple[float, float], text: str) -> QuestionOverride | None:
    """CSAT (or CES) on the question's scale, when its score ranges, taken low to high, are
    labelled as points of a built-in scale: their order gives the direction."""
    found = sorted(((float(r["min"]), str(r["label"])) for r in ranges or []
                    if isinstance(r, dict) and r.get("label") and isinstance(r.get("min"), int | float)))  # fmt: skip
    if len(found) < 2:
        return None
    reading = read_options({label: rank for rank, (_, label) in enumerate(found, start=1)}, complete=False)
    metric = metric_of(reading, text)
    if reading.scale is None or metric is None:
        return None
    return QuestionOverride(metric=metric, scale=bounds, direction=reading.direction)


def _bounds(scale: Mapping[str, Any]) -> tuple[float, float] | None:
    low, high = scale.get("min"), scale.get("max")
    if not isinstance(low, int | float) or not isinstance(high, int | float) or low >= high:
        return None
    return (float(low), float(high))
