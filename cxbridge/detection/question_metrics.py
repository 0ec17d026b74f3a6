"""The metric a survey question measures, detected from its definition alone (`Question`: text,
kind, numeric scale, choice labels) — an NPS question type, or a scale or choice question that asks
about recommending, satisfaction or effort — and the values its answer options are worth
(`option_values`). The config's overrides win over it (`cxbridge.questions.QuestionPlan`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cxbridge.detection import labels as builtin
from cxbridge.detection.declared_scale import NPS_SCALE, end_words, named_scale, not_nps
from cxbridge.detection.keywords import mentions
from cxbridge.detection.meaning import (
    as_statement, metric_of, no_score_values, numbers_shown, read_numbers, read_options, unscored_note, value_range,
)
from cxbridge.metrics import MetricSpec, shown_number

if TYPE_CHECKING:
    from cxbridge.questions import Question


@dataclass(frozen=True)
class Detection:
    """The metric a question measures and why — or, for a question that looks scored but whose
    scale or direction its definition does not establish, no spec and why not."""

    spec: MetricSpec | None
    evidence: str = ""


def detect_spec(question: Question) -> MetricSpec | None:
    """The metric a question measures, from its definition alone; None when it is not scored."""
    return detect(question).spec


def detect(question: Question) -> Detection:
    """Scored only on evidence: an NPS question type or a 0–10 recommend question; answer
    options whose labels are a built-in scale (their meaning sets the direction, whatever the
    recodes' order); a numeric scale without labels under a satisfaction or effort question."""
    ignored = no_score_values(question.choices, signed=question.marks_no_answer)
    text = question.text
    if question.kind == "nps":
        return Detection(MetricSpec(metric=_nps_metric(text), ignore_values=ignored), "a Net Promoter question")
    numeric = question.scale or value_range(value for value in question.choices.values() if value not in ignored)
    if why := no_nps(question):
        return Detection(None, unscored_note(text, why=why))
    if mentions(text, "recommend") and numeric == NPS_SCALE:
        scored = {label: value for label, value in question.choices.items() if value not in ignored}
        spec = MetricSpec(metric=_nps_metric(text), labels=scored, ignore_values=ignored)
        return Detection(spec, "a 0–10 question about recommending")
    if question.kind in ("text", "multi"):
        return Detection(None)
    if question.choices:
        return _from_options(question, ignored)
    if numeric is not None:
        return _from_numbers(question, numeric, ignored)
    return Detection(None)


def no_nps(question: Question) -> str | None:
    """Why a question about recommending is no NPS by the rule files follow too
    (`declared_scale.not_nps`): its definition's scale (the numbers its choices show, else their
    values), else its wording's, is another than 0–10. None when it may be one."""
    if question.kind == "nps" or not mentions(question.text, "recommend"):
        return None
    ignored = no_score_values(question.choices, signed=question.marks_no_answer)
    shown = numbers_shown(question.choices, signed=question.marks_no_answer)
    defined = question.scale or value_range(value for value in question.choices.values() if value not in ignored)
    if scale := value_range(shown.values()) if shown else defined:
        return not_nps(scale, declared_by="its definition declares")
    return not_nps(named_scale(question.text), declared_by="its wording names")


def _from_options(question: Question, ignored: list[float | str]) -> Detection:
    options = read_options(question.choices, complete=True, signed=question.marks_no_answer)
    reading = as_statement(options, question.text)
    metric = metric_of(reading, question.text)
    if metric is None:
        return Detection(None, unscored_note(question.text, reading))
    spec = MetricSpec(metric=metric, scale=reading.bounds, direction=reading.direction, labels=reading.labels,
                      ignore_values=ignored)  # fmt: skip
    return Detection(spec, reading.evidence)


def _from_numbers(question: Question, numeric: tuple[float, float], ignored: list[float | str]) -> Detection:
    """A numeric scale without labels (a linear scale, a slider): read as a file's numbers are
    (`read_numbers`, `as_statement`), its wording saying what it measures and which way; CES up
    to 7 points, CSAT up to 11."""
    text, (low, high) = question.text, numeric
    ends, by = scale_end_words(question)
    reading = as_statement(read_numbers(ends, numeric, written_by=f"the {by}" if ends else ""), text)
    metric = metric_of(reading, text)
    if metric is None or high - low > (6 if metric == "ces" else 10):
        why = None if metric is None else f"its {low:g}–{high:g} scale has no labels saying what it measures"
        return Detection(None, unscored_note(text, reading, why=why))
    spec = MetricSpec(metric=metric, scale=numeric, direction=reading.direction, ignore_values=ignored)
    return Detection(spec, reading.evidence)


def scale_end_words(question: Question) -> tuple[Mapping[str, float], str]:
    """The words beside a scale's numbers and what writes them: its definition's end labels (a
    Google Forms linear scale's `lowLabel`, `highLabel`), else those its wording writes ("(1 = Very
    satisfied, 5 = Very dissatisfied)", `declared_scale.end_words`), as a file's header."""
    return (question.ends, "definition") if question.ends else (end_words(question.text), "wording")


def label_scale_values(labels: Iterable[str]) -> dict[str, float]:
    """Option label → value, when the labels are points of a built-in scale ("Very satisfied" …);
    else no numbers (the answers stay their labels)."""
    labels = list(labels)
    scale = builtin.scale_for(labels) if labels else None
    if scale is None:
        return {}
    values = scale.values()
    return {label: values[builtin.label_key(label)] for label in labels if builtin.label_key(label) in values}


def option_values(labels: Iterable[str]) -> dict[str, float]:
    """Option label → value: the numbers the labels show, when every one shows one and they are
    a scale's points, whole and one apart ("1" … "5", "1.0" … "6.0", "1 - Poor" … "5 - Excellent":
    `metrics.shown_number`, as files and the other connectors read them), else the built-in scale
    they are points of (`label_scale_values`). Numbers make no metric of their own: the
    question's wording decides (`detect`)."""
    labels = list(labels)
    numbers = [shown_number(label) for label in labels]
    if labels and all(number is not None for number in numbers) and _points_of_a_scale(numbers):  # type: ignore[arg-type]
        return dict(zip(labels, numbers, strict=True))  # type: ignore[arg-type]
    return label_scale_values(labels)


def _points_of_a_scale(numbers: list[float]) -> bool:
    """Whole numbers, each once, one apart in some order (0 … 10, 5 … 1)."""
    points = sorted(numbers)
    return all(n.is_integer() for n in points) and points == [points[0] + i for i in range(len(points))]


def _nps_metric(text: str) -> str:
    return "enps" if mentions(text, "employer") else "nps"
