"""A Google Form's items (forms.get) as the questions its answers are keyed by: `questionId` →
title, kind, scale and choices. Grid rows are questions of their own; answer labels that fit a
built-in scale ("Very satisfied", "Bardzo zadowolony") carry that scale's values.

The API writes proto3 JSON, which leaves out every field at its zero value: a scale whose low end
is 0 arrives as `{"high": 10}`, so a missing `low` is 0, never 1."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cxbridge.detection.question_metrics import option_values
from cxbridge.questions import Question, QuestionOverride, with_rating_defaults

_CHOICE_KINDS = {"RADIO": "choice", "DROP_DOWN": "choice", "CHECKBOX": "multi"}


@dataclass(frozen=True)
class FormDefinition:
    form_id: str
    title: str
    questions: dict[str, Question]
    ratings: frozenset[str] = field(default_factory=frozenset)  # ids of icon-rating questions (stars, hearts, thumbs)

    def with_rating_defaults(self, overrides: Mapping[str, QuestionOverride]) -> dict[str, QuestionOverride]:
        """The config's overrides, plus `metric = "rating"` for every icon rating whose wording
        names no metric (`cxbridge.questions.with_rating_defaults`)."""
        return with_rating_defaults(overrides, [self.questions[qid] for qid in sorted(self.ratings)])


def parse_form(form: dict[str, Any]) -> FormDefinition:
    questions: dict[str, Question] = {}
    ratings: set[str] = set()
    for item in form.get("items") or []:
        title = (item.get("title") or "").strip()
        if "questionItem" in item:
            question = item["questionItem"].get("question") or {}
            if "questionId" in question:
                questions[question["questionId"]] = _question(question, title)
                if "ratingQuestion" in question and questions[question["questionId"]].scale:
                    ratings.add(question["questionId"])
        elif "questionGroupItem" in item:
            group = item["questionGroupItem"]
            options = ((group.get("grid") or {}).get("columns") or {}).get("options") or []
            for row in group.get("questions") or []:
                row_title = ((row.get("rowQuestion") or {}).get("title") or "").strip()
                text = f"{title} - {row_title}" if row_title else title
                questions[row["questionId"]] = Question(row["questionId"], text, "choice", choices=_values(options))
    info = form.get("info") or {}
    title = info.get("title") or info.get("documentTitle") or ""
    return FormDefinition(str(form.get("formId") or ""), title, questions, frozenset(ratings))


def _question(question: dict[str, Any], title: str) -> Question:
    qid = question["questionId"]
    if (scale := question.get("scaleQuestion")) is not None:
        bounds = _range(scale.get("low", 0), scale.get("high", 0))
        return Question(qid, title, "scale", scale=bounds, ends=_ends(bounds, scale))
    if (rating := question.get("ratingQuestion")) is not None:  # 1 to ratingScaleLevel icons
        return Question(qid, title, "scale", scale=_range(1, rating.get("ratingScaleLevel", 0)))
    if choice := question.get("choiceQuestion"):
        options = choice.get("options") or []
        return Question(qid, title, _CHOICE_KINDS.get(choice.get("type", ""), "choice"), choices=_values(options))
    if "textQuestion" in question:
        return Question(qid, title, "text", paragraph=bool(question["textQuestion"].get("paragraph")))
    return Question(qid, title)


def _range(low: Any, high: Any) -> tuple[float, float] | None:
    """The scale's bounds; None when the form gives none that make a scale (its answers stay unscored)."""
    try:
        bounds = float(low), float(high)
    except (TypeError, ValueError):
        return None
    return bounds if bounds[0] < bounds[1] else None


def _ends(bounds: tuple[float, float] | None, scale: dict[str, Any]) -> dict[str, float]:
    """The words shown at a linear scale's ends (`lowLabel`, `highLabel`), written as numbered
    answers are ("1 - Very satisfied"): they say which end is best."""
    if bounds is None:
        return {}
    labelled = zip(bounds, (scale.get("lowLabel"), scale.get("highLabel")), strict=True)
    return {f"{end:g} - {words.strip()}": end for end, words in labelled if isinstance(words, str) and words.strip()}


def _values(options: list[dict[str, Any]]) -> dict[str, float]:
    """Option label → value, when the labels are numbers or form a built-in scale (else no numbers)."""
    labels = [str(option["value"]) for option in options if "value" in option and not option.get("isOther")]
    return option_values(labels)
