"""A Google Form's items (forms.get) as the questions its answers are keyed by: `questionId` →
title, kind, scale and choices. Grid rows are questions of their own; answer labels that fit a
built-in scale ("Very satisfied", "Bardzo zadowolony") carry that scale's values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cxbridge.detection import labels as builtin
from cxbridge.questions import Question

_CHOICE_KINDS = {"RADIO": "choice", "DROP_DOWN": "choice", "CHECKBOX": "multi"}


@dataclass(frozen=True)
class FormDefinition:
    form_id: str
    title: str
    questions: dict[str, Question]


def parse_form(form: dict[str, Any]) -> FormDefinition:
    questions: dict[str, Question] = {}
    for item in form.get("items") or []:
        title = (item.get("title") or "").strip()
        if "questionItem" in item:
            question = item["questionItem"].get("question") or {}
            if "questionId" in question:
                questions[question["questionId"]] = _question(question, title)
        elif "questionGroupItem" in item:
            group = item["questionGroupItem"]
            options = ((group.get("grid") or {}).get("columns") or {}).get("options") or []
            for row in group.get("questions") or []:
                row_title = ((row.get("rowQuestion") or {}).get("title") or "").strip()
                text = f"{title} - {row_title}" if row_title else title
                questions[row["questionId"]] = Question(row["questionId"], text, "choice", choices=_values(options))
    info = form.get("info") or {}
    return FormDefinition(str(form.get("formId") or ""), info.get("title") or info.get("documentTitle") or "", questions)


def _question(question: dict[str, Any], title: str) -> Question:
    qid = question["questionId"]
    if scale := question.get("scaleQuestion"):
        low, high = float(scale.get("low", 1)), float(scale.get("high", 5))
        return Question(qid, title, "scale", scale=(low, high))
    if choice := question.get("choiceQuestion"):
        options = choice.get("options") or []
        return Question(qid, title, _CHOICE_KINDS.get(choice.get("type", ""), "choice"), choices=_values(options))
    if "textQuestion" in question:
        return Question(qid, title, "text")
    return Question(qid, title)


def _values(options: list[dict[str, Any]]) -> dict[str, float]:
    """Option label → value, when the labels form a built-in scale (else no numbers)."""
    labels = [str(option["value"]) for option in options if "value" in option and not option.get("isOther")]
    scale = builtin.scale_for(labels)
    if scale is None:
        return {}
    values = scale.values()
    return {label: values[builtin.label_key(label)] for label in labels if builtin.label_key(label) in values}
