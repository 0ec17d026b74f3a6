"""The metric rules of DESIGN.md §2: NPS/eNPS, CSAT, CES, ratings, audits — one place, no clamping.

Every answer is first turned into a number (`coerce`), checked against its declared scale, and
then given a 0–100 `normalized` value (100 = best) and a `category`. Anything that does not fit
raises `DataError`: the record goes to quarantine, it is never bent into range. The scale itself —
its ends, direction, 0–100 value and boxes — is `scales.Scale`.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Mapping
from functools import cached_property
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator

from cxbridge.detection.metric_words import AMOUNT_WORDS
from cxbridge.errors import DataError
from cxbridge.quoted_values import quoted
from cxbridge.scales import Direction, Scale
from cxbridge.written_scores import out_of


class Metric(StrEnum):
    NPS = "nps"
    ENPS = "enps"
    CSAT = "csat"
    CES = "ces"
    RATING = "rating"
    AUDIT = "audit"
    MYSTERY_SHOP = "mystery_shop"
    CRITERION = "criterion"
    """One section or criterion of a mystery-shop visit or an audit (greeting, cleanliness, …),
    0–100 by its question: beside the visit's total (`mystery_shop`, `audit`), never averaged into it."""


NPS_METRICS = frozenset({Metric.NPS, Metric.ENPS})
POINTS_METRICS = frozenset({Metric.AUDIT, Metric.MYSTERY_SHOP, Metric.CRITERION})

DEFAULT_SCALES: Mapping[str, tuple[float, float]] = {
    Metric.NPS: (0, 10),
    Metric.ENPS: (0, 10),
    Metric.CSAT: (1, 5),
    Metric.CES: (1, 7),
    Metric.RATING: (1, 5),
    Metric.AUDIT: (0, 100),
    Metric.MYSTERY_SHOP: (0, 100),
    Metric.CRITERION: (0, 100),
}

CUSTOM_PREFIX = "custom:"
_CUSTOM_NAME = re.compile(r"^[a-z][a-z0-9_]*$")

NO_ANSWER_LABELS = frozenset(
    {"", "n/a", "na", "n.a.", "-", "—", "no opinion", "not applicable", "don't know", "dont know"}
)


def _two_ends(scale: object) -> object:
    """`scale = "1-5"` or every point listed: say how a scale is written."""
    if isinstance(scale, list | tuple) and len(scale) != 2:
        got = f"{len(scale)} number{'s' * (len(scale) != 1)}"
    elif isinstance(scale, str):
        got = repr(scale)
    else:
        return scale
    raise ValueError(f"write the scale as its lowest and highest answer, scale = [1, 5]; got {got}")


ScaleEnds = Annotated[tuple[float, float], BeforeValidator(_two_ends)]
"""A config's `scale`: its lowest and highest answer, `[1, 5]`."""


class MetricSpec(BaseModel):
    """How one question is scored: which metric, on which scale, read through which labels."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    metric: str = Field(
        description="nps, enps, csat, ces, rating, audit, mystery_shop, criterion (any case), or custom:NAME for a metric "
        "of your own"
    )
    scale: ScaleEnds | None = Field(
        default=None, description="[min, max]; defaults: NPS 0–10, CSAT 1–5, CES 1–7, audit 0–100"
    )
    direction: Direction = Field(
        default=Direction.HIGHER_IS_BETTER,
        description="CES: higher_is_better for agreement ('made it easy'), lower_is_better for effort",
    )
    labels: dict[str, float] = Field(default_factory=dict, description="answer label → value")
    ignore_values: list[float | str] = Field(
        default_factory=list, description="answers that carry no score, e.g. -1 or 'No opinion'"
    )

    @field_validator("metric", mode="before")
    @classmethod
    def _known_metric(cls, metric: object) -> object:
        return metric_name(metric) if isinstance(metric, str) else metric

    @field_validator("scale")
    @classmethod
    def _check_scale(cls, scale: tuple[float, float] | None, info: ValidationInfo) -> tuple[float, float] | None:
        if scale is None:
            return None
        Scale(*scale)  # raises ValueError for min >= max
        metric = info.data.get("metric")
        if metric in NPS_METRICS and scale != (0, 10):
            raise ValueError(f"{metric} is always scored 0–10; remove 'scale' or map labels to 0–10")
        return scale

    @field_validator("direction")
    @classmethod
    def _check_direction(cls, direction: Direction, info: ValidationInfo) -> Direction:
        metric = info.data.get("metric")
        if metric in NPS_METRICS and direction is Direction.LOWER_IS_BETTER:
            raise ValueError(f"{metric} cannot be reversed; recode the answers with 'labels'")
        return direction

    @cached_property
    def scale_bounds(self) -> tuple[float, float]:
        return self.scale or DEFAULT_SCALES.get(self.metric, (1, 5))

    @cached_property
    def as_scale(self) -> Scale:
        return Scale(*self.scale_bounds, self.direction)

    @cached_property
    def label_index(self) -> dict[str, float]:
        """Labels keyed case- and space-insensitively."""
        return index_labels(self.labels)

    @cached_property
    def codes(self) -> dict[float, float]:
        """The `labels` written as numbers (`"0" = 1` of an export coding a 1–5 scale 0–4), by the
        number: an answer written as that number reads as the label's value (`answer_code`)."""
        return {_number(key): value for key, value in self.label_index.items() if _NUMBER.match(key)}


def closed_word(text: object) -> object:
    """A word of a closed vocabulary as a config may write it: any case, spaces or hyphens for its
    `_` (`NPS`, `Mystery-Shop`, `In Store`); anything else as given, for its model to refuse."""
    return re.sub(r"[\s-]+", "_", text.strip().casefold()) if isinstance(text, str) else text


def metric_name(name: str) -> str:
    """The metric a config names: a built-in one in any case and spelling of its separators
    (`NPS`, `Mystery-Shop`), or `custom:NAME`; anything else is a ValueError listing the valid
    names, so a typo never becomes a metric that quarantines every row."""
    text = name.strip()
    if text.casefold().startswith(CUSTOM_PREFIX):
        custom = text[len(CUSTOM_PREFIX) :].strip()
        if custom.casefold().replace("-", "_").replace(" ", "_") in set(Metric):
            raise ValueError(f"{custom!r} is a built-in metric: write metric = {custom.casefold()!r}")
        if not _CUSTOM_NAME.match(custom):
            raise ValueError(f"a custom metric is named in lower-case letters, digits and _, e.g. 'custom:cleanliness'; "
                             f"got {name!r}")  # fmt: skip
        return CUSTOM_PREFIX + custom
    key = closed_word(text)
    if key in set(Metric):
        return key
    known = [metric.value for metric in Metric]
    close = difflib.get_close_matches(key, known, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise ValueError(
        f"unknown metric {name!r}; {hint}the metrics are {', '.join(known)} (in any case); "
        f"for a metric of your own write 'custom:{key if _CUSTOM_NAME.match(key) else 'name'}'"
    )


class ScoreError(DataError):
    """An answer the metric rules cannot score. `fixes` are the keys of the question's settings
    that would score it (`labels`, `ignore_values`, `metric`, `scale`); the record builder
    re-words the advice with where the source sets them (`advice`)."""

    def __init__(self, problem: str, fixes: tuple[str, ...], *, kind: str):
        super().__init__(f"{problem}; {advice(fixes, where=QUESTION_SETTINGS)}", kind=kind)
        self.problem = problem
        self.fixes = fixes


QUESTION_SETTINGS = "the question's settings"
_FIXES = {
    "labels": "map it to its value in 'labels'",
    "ignore_values": "add it to 'ignore_values' if it means no answer",
    "metric": "set another 'metric' if the question is not a 0–10 recommend question",
    "scale": "set 'scale' to the one its answers use",
}


def advice(fixes: Iterable[str], *, where: str | None) -> str:
    """What the user can do about an answer that cannot be scored: fix it in the source, or set
    the `fixes` keys in `where` (how the source's configuration names the question); a source
    without such keys (`where` None) leaves only the first."""
    if where is None:
        return "fix the answer in the source: a sync reads the record again once the source has changed it"
    return f"fix the answer in the source, or, in {where}, " + ", or ".join(_FIXES[key] for key in fixes)


@dataclass(frozen=True)
class Scored:
    """One scored answer, ready for `feedback_scores`."""

    value: float
    normalized: float
    category: str | None


FORMULA_ERRORS = frozenset({
    "#null!", "#div/0!", "#value!", "#ref!", "#name?", "#num!", "#n/a", "#getting_data", "#spill!", "#calc!",
    "#field!", "#blocked!", "#connect!", "#busy!", "#unknown!", "#python!",
})  # fmt: skip
"""What a spreadsheet shows in a cell whose formula failed (as `label_key` folds it): in a
workbook read by openpyxl, or a CSV saved from one."""
_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")
_PERCENT = re.compile(r"^([+-]?\d+(?:[.,]\d+)?)\s*%$")
_LEADING_NUMBER = re.compile(r"^\s*([+-]?\d+(?:[.,]\d+)?)\s*(?:[-–—=:.)/]\s*|\s+)\D")
_TO, _OR = ("|".join(AMOUNT_WORDS[joins]) for joins in ("to a number", "or more"))
_RANGE = re.compile(rf"^\s*[+-]?\d+(?:[.,]\d+)?\s*(?:(?:[-–—/]|{_TO})\s*\d|(?:{_OR})(?!\w))")  # "1 - 2 times", "5 oder mehr"
_SPACES = re.compile(r"\s+")
_APOSTROPHES = str.maketrans(dict.fromkeys("’‘ʼ", "'"))  # as keyboards and word processors type one


def label_key(text: str) -> str:
    """How an answer is looked up in a mapping's labels and `ignore_values`: case, spacing and the
    apostrophe's shape ("C’est super", "C'est super") do not matter. The built-in labels are keyed
    by it too, and by more (`detection.labels.label_key`)."""
    return _SPACES.sub(" ", text.strip().translate(_APOSTROPHES)).casefold()


def index_labels(labels: Mapping[str, float]) -> dict[str, float]:
    """Labels keyed as an answer's label is looked up in them (`label_value`, `label_key`)."""
    return {label_key(label): value for label, value in labels.items()}


def label_value(label: str, index: Mapping[str, float]) -> float | None:
    """The value labels indexed by `index_labels` give an answer's label, None when they do not name it."""
    return index.get(label_key(label))


def shown_number(label: str) -> float | None:
    """The number a choice's label shows, as `coerce` reads an answer so written: "5", "5 - Very
    satisfied"; None for a label of words, or of an amount ("1 - 2 times a month", "5 or more"),
    whose number is no point of a scale."""
    key = label_key(label)
    if _NUMBER.match(key):
        return _number(key)
    match = _LEADING_NUMBER.match(key) if not names_amount(key) else None
    return _number(match.group(1)) if match else None


def names_amount(label: str) -> bool:
    """Whether a label names an amount — a number joined to another or to "more", in any language
    the detection reads (`metric_words.AMOUNT_WORDS`): "1 - 2 times", "5 or more", "5 oder mehr"."""
    return _RANGE.match(label_key(label)) is not None


def shown_words(label: str) -> str:
    """The words beside the number a choice's label shows ("very satisfied" of "5 - Very
    satisfied"), folded as labels are looked up; "" for a bare number or words alone."""
    key = label_key(label)
    match = _LEADING_NUMBER.match(key)
    return key[match.end() - 1 :].strip() if match else ""


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def answer_code(answer: object, spec: MetricSpec) -> float | None:
    """The value of an answer written as a number the spec's labels name (an answer code: "3",
    " 3", "3.0" or 3 under `"3" = 4`), None for any other answer: every path that reads an
    answer as given — a file's cell, an API's unlabelled answer, `coerce` — recodes it here."""
    if not spec.codes or isinstance(answer, bool):
        return None
    if isinstance(answer, int | float):
        return spec.codes.get(float(answer))
    key = label_key(answer) if isinstance(answer, str) else ""
    return spec.codes.get(_number(key)) if _NUMBER.match(key) else None


def coerce(answer: object, spec: MetricSpec) -> float | None:
    """The numeric value of an answer: a number, a label from the spec (a text written as a number
    the labels name is an answer code: `answer_code`), or a leading number ("5 - Very satisfied";
    never of an amount, "5 or more", which is a ScoreError unless the labels name it).

    Returns None for answers that carry no score (blank, N/A, configured `ignore_values`).
    """
    if answer is None:
        return None
    if isinstance(answer, bool):
        return _yes_or_no(answer, spec)
    if isinstance(answer, int | float):
        if isinstance(answer, float) and math.isnan(answer):
            return None
        return None if _ignored(float(answer), spec) else float(answer)
    text = str(answer)
    if text.isascii() and text.isdigit() and not (spec.ignore_values or spec.codes):  # the common case: a score
        return float(text)
    key = label_key(text)
    if key in NO_ANSWER_LABELS or _ignored(key, spec):
        return None
    if (labelled := spec.label_index.get(key)) is not None:
        value = labelled
    elif _NUMBER.match(key):
        value = spec.codes.get(number := _number(key), number)
    elif written := out_of(key):  # "7/10", "★★★★☆": the number shown, on a scale whose top the text names
        value, top = written
        if top is not None and top != spec.scale_bounds[1]:
            raise ScoreError(f"answer {quoted(text)} is out of {top}, not of this {spec.metric} scale's "
                             f"{_fmt(spec.scale_bounds[1])}", ("labels", "scale"),
                             kind="answer-out-of-another-top")  # fmt: skip
    elif (percent := _PERCENT.match(key)) and (spec.metric in POINTS_METRICS or spec.metric.startswith(CUSTOM_PREFIX)):
        value = _number(percent.group(1))  # "85%" of an audit: 85 on its 0–100 scale
    elif names_amount(key):  # "5 or more" is no 5, as `shown_number` and detection read it
        raise ScoreError(f"answer {quoted(text)} names an amount, not a point of this {spec.metric} scale",
                         ("labels", "ignore_values"), kind="answer-names-an-amount")  # fmt: skip
    elif match := _LEADING_NUMBER.match(key):
        value = _number(match.group(1))
    elif key in FORMULA_ERRORS:
        raise ScoreError(f"answer {quoted(text)} is a spreadsheet formula's error, not an answer", ("ignore_values",),
                         kind="formula-error")  # fmt: skip
    else:
        raise ScoreError(f"answer {quoted(text)} is neither a number nor a known label of this {spec.metric} question",
                         ("labels", "ignore_values"), kind="unknown-answer")  # fmt: skip
    return None if _ignored(value, spec) else value


_YES_NO_KEYS = {True: ("true", "yes"), False: ("false", "no")}


def _yes_or_no(answer: bool, spec: MetricSpec) -> float | None:
    """A yes/no answer (a JSON or spreadsheet boolean, a Typeform yes/no field): the value the
    spec's labels give `true`/`yes` or `false`/`no`, None when those are ignored, else ScoreError
    — a score is never read from it, nor is it taken silently for no answer."""
    for key in _YES_NO_KEYS[answer]:
        if _ignored(key, spec):
            return None
        if (value := spec.label_index.get(key)) is not None:
            return None if _ignored(value, spec) else value
    raise ScoreError(f"answer {str(answer).lower()} is a yes/no value, not a score of this {spec.metric} question",
                     ("labels", "ignore_values"), kind="yes-no-answer")  # fmt: skip


def _ignored(value: float | str, spec: MetricSpec) -> bool:
    for ignored in spec.ignore_values:
        if isinstance(ignored, str) and isinstance(value, str):
            if label_key(ignored) == value:
                return True
        elif not isinstance(ignored, str) and not isinstance(value, str) and float(ignored) == value:
            return True
    return False


def score(answer: object, spec: MetricSpec) -> Scored | None:
    """Score one answer by its spec; None when it carries no score; DataError when off the scale."""
    value = coerce(answer, spec)
    if value is None:
        return None
    scale = spec.as_scale
    if spec.metric in NPS_METRICS:
        if not (scale.contains(value) and value.is_integer()):
            outside = not scale.contains(value)
            problem = "is outside its scale 0–10" if outside else "is not a whole number 0–10"
            raise ScoreError(f"{spec.metric} answer {quoted(value, _fmt)} {problem}", ("ignore_values", "metric"),
                             kind="answer-outside-scale" if outside else "answer-not-whole-number")  # fmt: skip
        return Scored(value, value * 10.0, nps_category(int(value)))
    if not scale.contains(value):
        bounds = f"{_fmt(scale.min)}–{_fmt(scale.max)}"
        problem = f"{spec.metric} answer {quoted(value, _fmt)} is outside its scale {bounds}"
        # -1 is "no opinion" in many exports: not a point
        raise ScoreError(problem, ("ignore_values", "scale"), kind="answer-outside-scale")
    return Scored(value, scale.stored_score(value), category(spec.metric, value, scale))


def nps_category(value: int) -> str:
    """promoter 9–10, passive 7–8, detractor 0–6."""
    if value >= 9:
        return "promoter"
    if value >= 7:
        return "passive"
    return "detractor"


def category(metric: str, value: float, scale: Scale) -> str | None:
    """The box an answer falls in, for the metrics that have boxes."""
    if metric in NPS_METRICS:
        return nps_category(int(value))
    if metric == Metric.CSAT:
        if scale.in_top_boxes(value):
            return "satisfied"
        return "dissatisfied" if scale.in_bottom_boxes(value) else "neutral"
    if metric == Metric.CES:
        if scale.in_top_boxes(value):
            return "low_effort"
        return "high_effort" if scale.in_bottom_boxes(value) else "neutral"
    return None


def labels_short_of_scale(spec: MetricSpec) -> str | None:
    """Why labels given without a `scale` would be read on the wrong one: they start at the
    bottom of the metric's default scale and stop short of its top — a scale of their own
    (Poor 1, OK 2, Great 3), whose answers the default's boxes and 0–100 would misplace."""
    if spec.scale is not None or spec.metric in NPS_METRICS or len(set(spec.labels.values())) < 2:
        return None
    low, high = spec.scale_bounds
    named = sorted(spec.labels.items(), key=lambda item: item[1])
    (first, least), (last, most) = named[0], named[-1]
    if least != low or most >= high:
        return None
    return (f"labels run {_fmt(least)}–{_fmt(most)} ({first!r} … {last!r}) but no scale is set, so they would be read "
            f"on {spec.metric}'s default scale {_fmt(low)}–{_fmt(high)}, which runs on past them; set "
            f"scale = [{_fmt(least)}, {_fmt(most)}] if the labels name every answer, or "
            f"scale = [{_fmt(low)}, {_fmt(high)}] if the answers run on past them")  # fmt: skip


def net_promoter_score(values: Iterable[int]) -> float | None:
    """NPS = 100·(promoters − detractors)/responses, −100…100; None with no responses."""
    counts = {"promoter": 0, "passive": 0, "detractor": 0}
    for value in values:
        counts[nps_category(value)] += 1
    total = sum(counts.values())
    if not total:
        return None
    return 100.0 * (counts["promoter"] - counts["detractor"]) / total


def satisfied_share(categories: Iterable[str | None]) -> float | None:
    """CSAT % = share of scored answers in the satisfied box, 0–100."""
    scored = [c for c in categories if c is not None]
    if not scored:
        return None
    return 100.0 * sum(c == "satisfied" for c in scored) / len(scored)


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)

