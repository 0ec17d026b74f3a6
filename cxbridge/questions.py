"""Survey questions as a platform's API defines them, scored without hand mapping.

A connector describes each question (`Question`: text, kind, numeric scale, choice labels); the
metric is detected from that (`cxbridge.detection.question_metrics`: an NPS question type, or a
scale or choice question that asks about recommending, satisfaction or effort) — and the config's
per-question overrides (`QuestionOverride`, the keys of `MetricSpec` plus `ignore`, `comment` and
`primary`) win over what was detected.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from cxbridge.detection import labels as builtin
from cxbridge.detection.defined_scale import another_scale
from cxbridge.detection.meaning import (
    answered_directions, choice_value, labels_direction, no_score_values, numbers_shown, read_backwards, read_numbers,
    read_options, recoded_choice, set_against_words, shows_scale, value_range,
)
from cxbridge.detection.other_way_round import known_labels, numbered_other_way
from cxbridge.detection.question_metrics import detect, detect_spec, label_scale_values, scale_end_words
from cxbridge.errors import ConfigError, DataError
from cxbridge.metrics import (
    DEFAULT_SCALES, NPS_METRICS, Direction, MetricSpec, ScaleEnds, answer_code, index_labels, label_value,
    labels_short_of_scale, metric_name, shown_number,
)
from cxbridge.normalize import PRIMARY_COLUMN_OF, AnswerInput, primary_questions, toml_key
from cxbridge.tabular.cells import whole_number

log = logging.getLogger("cxbridge.questions")
KINDS = ("nps", "scale", "choice", "multi", "text", "other")


@dataclass(frozen=True)
class Question:
    """One question (or matrix row) as a survey definition describes it."""

    id: str
    text: str
    kind: str = "other"  # one of KINDS
    scale: tuple[float, float] | None = None  # the numeric range of a scale question
    ends: Mapping[str, float] = field(default_factory=dict)  # its ends' words, "1 - Very satisfied" → 1
    choices: Mapping[str, float] = field(default_factory=dict)  # answer label → numeric value
    answered: Mapping[str, float] = field(default_factory=dict)  # answers a sync saw beside their numbers, where
    # nothing lists its options ("1 - Very satisfied" → 1): their words give an override its direction
    learnt: Direction | None = None  # the direction an earlier sync took from `answered`: held, whatever they add
    marks_no_answer: bool = False  # its definition flags the options that carry no score (SurveyMonkey's
    # `is_na`): a negative value is a score (a weight), not a no-answer code
    paragraph: bool = False  # a long free text (a paragraph, an essay box): `record_comment.explaining` prefers it
    weighed: tuple[float, float] | None = None  # a rating scored by its options' ranks: their weights' range,
    # which a configured scale may name instead (SurveyMonkey's 0/25/…/100: `meaning.scores_ranks`)
    from_zero: bool = False  # its `scale` counts from 1 but 0 can be chosen too (a Qualtrics star slider dragged
    # to none): a configured scale from 0 to its top is its range as well (`defined_scale.defined_ranges`)


class QuestionOverride(BaseModel):
    """`[sources.NAME.questions.<question id>]`: how one question is read, over what was detected."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    metric: str | None = Field(
        default=None, description="nps, enps, csat, ces, rating, audit, mystery_shop, criterion, or custom:NAME"
    )
    scale: ScaleEnds | None = Field(default=None, description="[min, max] of the answers")
    direction: Direction | None = Field(default=None, description="higher_is_better or lower_is_better (CES)")
    labels: dict[str, float] = Field(default_factory=dict, description="answer label → value")
    ignore_values: list[float | str] = Field(default_factory=list, description="answers that carry no score")
    ignore: bool = Field(default=False, description="never store this question's answers")
    comment: bool | None = Field(default=None, description="true: a free-text comment; false: not one")
    primary: bool = Field(default=False, description="the record's nps/csat/ces column comes from here")
    unscored: bool = Field(default=False, description="keep the answer, but never score it (undo a detection)")
    question_key: str | None = Field(
        default=None, min_length=1,
        description="the logical question this one continues (the same key joins versions; docs/schema.md)",
    )  # fmt: skip

    @field_validator("metric", mode="before")
    @classmethod
    def _known_metric(cls, metric: object) -> object:
        return metric_name(metric) if isinstance(metric, str) else metric

    @field_validator("scale")
    @classmethod
    def _low_to_high(cls, scale: tuple[float, float] | None) -> tuple[float, float] | None:
        if scale is not None and scale[0] >= scale[1]:
            raise ValueError(f"write the scale low to high, e.g. [{scale[1]:g}, {scale[0]:g}]")
        return scale


def _relabelled(question: Question, labels: Mapping[str, float]) -> Question:
    """The question with its choices worth what the config's `labels` (by `index_labels`) make
    them: its scale and direction are those of the values its answers score, not of the recodes."""
    if not (labels and question.choices):
        return question
    choices = {
        text: value if (found := label_value(text, labels)) is None else found
        for text, value in question.choices.items()
    }
    return replace(question, choices=choices) if choices != question.choices else question


def _words_by_direction(question: Question, direction: Direction | None) -> dict[str, float]:
    """Choices of words alone valued by the built-in scale they are points of (`question_metrics.option_values`:
    "Very satisfied" 5 … "Very dissatisfied" 1) valued again under an override's `direction`
    ("Very satisfied" 1 under lower_is_better), as a file's words are read under its entry's: the
    values were made up for the words, and an explicit direction must not turn their meaning round.
    {} for choices valued otherwise (numbers shown, a vendor's own recodes), under the scale's own
    direction, or of agreement, whose words keep their values (`LabelScale.turned_round`: what
    agreeing means is the statement's, which the direction states — "Strongly agree" that "I was
    not satisfied" stays 5, the worst under lower_is_better, as a file's column reads it); recodes
    equal to the built-in values are read alike, by the words' meaning."""
    scale = builtin.scale_for(list(question.choices)) if direction is not None and question.choices else None
    if scale is None or scale.direction == direction or label_scale_values(question.choices) != question.choices:
        return {}
    turned = scale.turned_round()
    again = {label: turned[builtin.label_key(label)] for label in question.choices}
    return again if again != question.choices else {}


def _scored(value: Any, label: str | None, spec: MetricSpec) -> bool:
    """Whether an answer carries a score: not blank, N/A or a configured `ignore_values`."""
    return value not in (None, "") and not (label and builtin.is_no_score(label)) and value not in spec.ignore_values


def _short(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def with_rating_defaults(
    overrides: Mapping[str, QuestionOverride], ratings: Iterable[Question], *, parents: Mapping[str, str] | None = None
) -> dict[str, QuestionOverride]:
    """The config's overrides, plus `metric = "rating"` on its own scale for every icon rating
    (stars, hearts, thumbs) whose wording names no metric: a row of stars measures a rating, not
    satisfaction, unless the question says so (detection then makes it `csat`, or `ces` for
    effort) or the config names a metric (or `unscored`). A row that reads by its question's
    override (`parents`: row id → question id; `QuestionPlan.reading`'s `also`) is decided alone,
    by its own words, under that override: a default of its own copies the override's keys."""
    found = dict(overrides)
    for question in ratings:
        given = overrides.get(question.id) or overrides.get((parents or {}).get(question.id, question.id))
        spec = rating_spec(question)
        if spec is None or spec.metric != "rating" or (given and (given.metric or given.unscored)):
            continue
        if given is None:
            found[question.id] = QuestionOverride(metric="rating", scale=spec.scale)
        else:
            found[question.id] = given.model_copy(update={"metric": "rating", "scale": given.scale or spec.scale})
    return found


def rating_spec(question: Question) -> MetricSpec | None:
    """What an icon rating on its own scale measures, by API or by file (a star slider's row of a
    Qualtrics export imported with its .qsf: `detection.scores`): the metric its words name
    (`detect_spec`: CSAT when they ask satisfaction, CES for effort), else a `rating` on its scale.
    None for a question without a scale."""
    if question.scale is None:
        return None
    return detect_spec(question) or MetricSpec(metric="rating", scale=question.scale)


@dataclass(frozen=True)
class Reading:
    """How the answers of one question are read: scored by `spec`, a comment, or kept as is."""

    question: Question
    spec: MetricSpec | None
    is_comment: bool
    is_primary: bool = False
    question_key: str | None = None  # declared in the override
    labels: Mapping[str, float] = field(default_factory=dict)  # by `index_labels`: they score the label shown
    by_shown: bool = False  # scored by the numbers its choices show (`numbers_shown`): N/A told by its label
    another_scale: str | None = None  # why its configured scale is none its definition gives (`defined_scale`)


def survey_overrides(given: Mapping[str, QuestionOverride], survey_id: str) -> dict[str, QuestionOverride]:
    """The config's overrides of one survey's questions, by question id: keyed `Q_1` (that question
    wherever it is asked) or `<survey id>/Q_1` (in this survey only, which wins)."""
    every = {key: override for key, override in given.items() if "/" not in key}
    return every | _own_overrides(given, survey_id)


def _own_overrides(given: Mapping[str, QuestionOverride], survey_id: str) -> dict[str, QuestionOverride]:
    return {key.split("/", 1)[1]: override for key, override in given.items() if key.startswith(f"{survey_id}/")}


class QuestionPlan:
    """Every question of one survey, with the source's overrides applied once, and which
    question fills each of the record's nps/csat/ces columns, decided by question.

    Given `survey`, `overrides` are the source's (`survey_overrides`) and the plan knows none of
    the survey's questions before meeting them: a `primary` keyed by the question id alone may be
    another survey's, so it decides its column once its question is met in this survey; one keyed
    `<survey id>/<question id>` decides it from the survey's first answer. `written` names the key
    the config writes a question's table under where it is not the question's id (a Typeform ref),
    for the messages that name the table."""

    def __init__(
        self, overrides: Mapping[str, QuestionOverride], *, where: str, key_prefix: str = "", survey: str | None = None,
        written: Mapping[str, str] | None = None,
    ):  # fmt: skip
        self._given, self._survey, self._written = overrides, survey, written or {}
        own = overrides if survey is None else _own_overrides(overrides, survey)
        self.overrides = overrides if survey is None else survey_overrides(overrides, survey)
        self.where = where
        self.key_prefix = key_prefix if survey is None else f"{survey}/"  # of the config's keys of its questions
        self._readings: dict[str, Reading | None] = {}
        self._primary: set[str] | None = None  # decided from the survey's questions
        self._configured = {PRIMARY_COLUMN_OF.get(o.metric) for o in own.values() if o.primary and o.metric}
        self._keyed_alone = {  # column → its primary keyed by the question id alone: maybe another survey's
            PRIMARY_COLUMN_OF.get(o.metric): key
            for key, o in overrides.items()
            if survey is not None and "/" not in key and o.primary and o.metric
        }
        self._undecided: dict[str, str] = {}  # column → the first question met, where nothing decides
        self._warned: set[str] = set()
        self.warnings: list[str] = []  # questions that look scored but are kept unscored, and why
        self.learnt: dict[str, Direction] = {}  # question → the direction its answers gave (`Question.answered`)

    def anew(self) -> QuestionPlan:
        """A plan of the same survey and overrides, with nothing read yet."""
        return QuestionPlan(self._given, where=self.where, key_prefix=self.key_prefix, survey=self._survey,
                            written=self._written)  # fmt: skip

    def decide_primaries(self, questions: Iterable[tuple[Question, tuple[str, ...]]]) -> None:
        """Decide once, from every question of the survey in its order (with the ids an override
        may use for it), which one fills each column: the one configured `primary`, else the
        first of its metric. Without this, only configured primaries are known."""
        found, texts, parents = [], {}, {}
        for question, also in questions:
            reading = self.reading(question, also=also)
            if reading is not None and reading.spec is not None:
                found.append((question.id, reading.spec.metric, reading.is_primary))
                texts[question.id], parents[question.id] = question.text, also
        try:
            chosen = primary_questions(found)
        except ValueError as exc:
            raise ConfigError(f"{self.where}.questions: {exc}") from None
        self._primary = set(chosen.values())
        for column, first in chosen.items():
            of_column = [(qid, marked) for qid, metric, marked in found if PRIMARY_COLUMN_OF.get(metric) == column]
            if len(of_column) > 1 and not any(marked for _, marked in of_column):
                others = ", ".join(f"{qid} ({_short(texts[qid])})" for qid, _ in of_column if qid != first)
                self.warnings.append(
                    f"questions {first} ({_short(texts[first])}) and {others} all measure {column}, none marked "
                    f"primary: each record's {column} and the report count {first}, the first in the survey; to "
                    f"keep it and silence this, add primary = true under {self._table(first, parents[first])}, or "
                    "under another's table to count that one instead"
                )

    def _is_primary(self, reading: Reading) -> bool | None:
        if self._primary is not None:
            return reading.question.id in self._primary
        if reading.is_primary:
            column = PRIMARY_COLUMN_OF.get(reading.spec.metric) if reading.spec else None
            if column in self._keyed_alone and self._undecided.get(column, reading.question.id) != reading.question.id:
                self._warn_keyed_alone(column, self._undecided[column], reading.question.id)  # type: ignore[index]
            self._configured.add(column)
            return True
        column = PRIMARY_COLUMN_OF.get(reading.spec.metric) if reading.spec else None
        if column is None or column in self._configured:
            return False if column is not None else None
        first = self._undecided.setdefault(column, reading.question.id)
        if first != reading.question.id and column not in self._warned and column not in self._keyed_alone:
            self._warned.add(column)
            message = (f"questions {first!r} and {reading.question.id!r} both measure {column} and neither is "
                       f"configured primary: each record's {column} comes from the first of them it lists; add "
                       f'primary = true and metric = "{reading.spec.metric}" under {self._table(first)} (or under '
                       "the other's table)")  # type: ignore[union-attr]  # fmt: skip
            log.warning("%s: %s", self.where, message)
            self.warnings.append(message)
        return None

    def _warn_keyed_alone(self, column: str, first: str, primary: str) -> None:
        """Once: `primary`, keyed by its question id alone, is met in this survey after `first` of its
        column — a record read before that lacked it counted `first` (the plan cannot know a survey's
        questions before meeting them, and the key may be another survey's)."""
        if column in self._warned:
            return
        self._warned.add(column)
        message = (f"{column} question {first!r} was met before {primary!r}, the {column} "
                   f"primary keyed by its question id alone (it may be another survey's): a record of this survey "
                   f"read before {primary!r} was first met that lacked it counts {first!r}; key the primary by its "
                   f"survey, [{self.where}.questions.{toml_key(f'{self._survey}/{primary}')}], so every record of "
                   f"it counts {primary!r} alone")  # fmt: skip
        log.warning("%s: %s", self.where, message)
        self.warnings.append(message)

    def _table(self, question_id: str, also: tuple[str, ...] = ()) -> str:
        """The config table of one question's override, as written in TOML; the matrix's table whose
        keys it must copy, when the question reads by that one (a table of its own replaces it)."""
        table = f"[{self.where}.questions.{toml_key(self.key_prefix + self._key(question_id))}]"
        parent = next((key for key in (question_id, *also) if key in self.overrides), question_id)
        if parent == question_id:
            return table
        copied = f"[{self.where}.questions.{toml_key(self.key_prefix + self._key(parent))}]"
        return f"{table} (copying the keys of {copied}, which a table of its own replaces for it)"

    def reading(self, question: Question, *, also: tuple[str, ...] = ()) -> Reading | None:
        """How to read `question` (None: ignored). `also` names other ids an override may use
        (the parent question of a matrix row)."""
        if question.id in self._readings:
            return self._readings[question.id]
        key = next((key for key in (question.id, *also) if key in self.overrides), None)
        override = self.overrides[key] if key is not None else None
        found = None if override is not None and override.ignore else self._read(question, override)
        if found is not None and override is not None and key is not None:
            found = replace(found, another_scale=self._another_scale(question, override, found.spec, key))
        self._readings[question.id] = found
        return found

    def answer(self, question: Question, value: Any, *, label: str | None = None, also: tuple[str, ...] = ()):
        """The AnswerInput for one answer, or None when the question is ignored. An answer's label
        is the one shown (given, else the choice the definition recodes as the value): the config's
        `labels` naming it give the value, over the source's recode (a 0–10 scale recoded 1–11);
        else a labelled answer is the source's own value, never recoded again. An answer without a
        label, written as a number the question's labels name (`metrics.answer_code`), reads as the
        label's value and keeps the code as its label ("3", given 3 or 3.0). A whole number is an int (a label's 4.0 as 4),
        as a file's answer is (`tabular.cells.whole_number`)."""
        reading = self.reading(question, also=also)
        if reading is None:
            return None
        if label is None and question.choices and not isinstance(value, list | dict):
            label = recoded_choice(question.choices, value)
        if label is not None:
            value = choice_value(label, value, reading.labels, by_label=reading.by_shown)
            self._check_order(question, reading.spec, value, label)
        elif reading.spec is not None and (coded := answer_code(value, reading.spec)) is not None:
            value, label = coded, str(whole_number(value)).strip()  # the code as written: 3.0 is "3"
        if reading.another_scale is not None and reading.spec is not None and _scored(value, label, reading.spec):
            raise DataError(f"question {question.id!r} ({_short(question.text)}): {reading.another_scale}",
                            field=question.id, kind="point-of-another-scale")  # fmt: skip
        return AnswerInput(
            question_id=question.id, question_text=question.text, value=whole_number(value), label=label,
            spec=reading.spec, is_comment=reading.is_comment, is_primary=self._is_primary(reading),
            question_key=reading.question_key,
        )  # fmt: skip

    def _check_order(self, question: Question, spec: MetricSpec | None, value: Any, label: str) -> None:
        """A DataError for an answer scored by the number it shows beside words that stand at the
        other end of the scale under the direction in force ('1 - Very dissatisfied' read
        lower_is_better, configured or learnt): a file's cell is refused alike (`numbered_other_way`)."""
        if spec is None or value != shown_number(label):
            return
        where = self._override_table(question.id)
        if problem := numbered_other_way(question.id, label, known_labels(spec), spec, where=where):
            raise DataError(problem, field=question.id, kind="numbered-other-way-round")

    def _read(self, question: Question, override: QuestionOverride | None) -> Reading:
        """Choices showing numbers other than their recodes score the numbers shown (`numbers_shown`)
        when they are the question's scale (`shows_scale`), configured or not; the config's `labels` win."""
        shown = numbers_shown(question.choices, signed=question.marks_no_answer)
        reading = self._read_as(question, override, shown)
        if shown and reading.spec is not None and not shows_scale(shown, reading.spec):
            reading = self._read_as(question, override, {})
        return reading

    def _read_as(self, question: Question, override: QuestionOverride | None, shown: Mapping[str, float]) -> Reading:
        own = _words_by_direction(question, override.direction) if override is not None else {}
        labels = index_labels({**shown, **own, **(override.labels if override is not None else {})})
        scored = _relabelled(question, labels)
        detection = detect(scored)
        if detection.spec is None and scored is not question:
            detection = detect(question)  # labels that make no scale of their own keep what the recodes made
        detected = detection.spec
        if override is None:
            if detected is None and detection.evidence:
                key = f"{self.where}.questions.{question.id}"
                self.warnings.append(f"question {question.id} ({_short(question.text)}): {detection.evidence}; to "
                                     f"score it, set {key}.metric (with its scale and labels)")  # fmt: skip
            return Reading(question, detected, question.kind == "text", labels=labels if detected is not None else {},
                           by_shown=bool(shown) and detected is not None)  # fmt: skip
        spec = None if override.unscored else self._spec(scored, detected, override)
        comment = override.comment if override.comment is not None else (spec is None and question.kind == "text")
        return Reading(
            question, spec, comment, override.primary, override.question_key, labels if spec is not None else {},
            by_shown=bool(shown) and spec is not None,
        )

    def _another_scale(self, question: Question, override: QuestionOverride, spec: MetricSpec | None,
                       key: str) -> str | None:  # fmt: skip
        """Why the `scale` of the override keyed `key` scores no answer of the question: its
        definition gives them another range (`defined_scale.another_scale`). Its `labels` say what
        each answer is, and NPS is 0–10 whatever the scale."""
        if spec is None or override.scale is None or override.labels or spec.metric in NPS_METRICS:
            return None
        return another_scale(question, override.scale, ignored=spec.ignore_values, table=self._override_table(key))

    def _answered_direction(self, question: Question, bounds: tuple[float, float]) -> Direction | None:
        """The direction the answers a sync saw write beside their numbers (`Question.answered`) give
        an override that sets none, on a question nothing else says it of — decided from all of them
        (`meaning.answered_directions`), as a file's column is. Read best first, the sync says so and
        the line that keeps it for a sync that sees no such answer; answers numbering the scale both
        ways give none, and the sync says what to set. None when they say nothing. A direction an
        earlier sync learnt (`Question.learnt`) holds against answers numbering the scale the other
        way, which the sync names, so that no score changes between syncs."""
        found = answered_directions(question.answered, bounds)
        table, what = self._override_table(question.id), f"question {question.id} ({_short(question.text)})"
        if question.learnt is not None and len(found) > 1:  # later answers number it against what was learnt
            self._warn(self._held(question, found))
            self.learnt[question.id] = question.learnt
            return question.learnt
        if len(found) > 1:
            higher, lower = found[Direction.HIGHER_IS_BETTER][0], found[Direction.LOWER_IS_BETTER][0]
            self._warn(f"{what}: its answers {higher!r} and {lower!r} number the scale opposite ways, so neither says "
                       "which end is best: read higher_is_better, as no direction is set; if lower is better, set "
                       f'direction = "lower_is_better" under {table} (else "higher_is_better", to silence this), '
                       "then run cxbridge sync --full-refresh")  # fmt: skip
            return None
        if Direction.LOWER_IS_BETTER in found:
            labels = found[Direction.LOWER_IS_BETTER]
            scale = read_numbers({labels[0]: question.answered[labels[0]]}, bounds).scale
            self._warn(f"{what}: read lower_is_better, as its answers write {', '.join(map(repr, labels[:3]))}, labels "
                       f"of the built-in {scale.name} scale, and no direction is set; later syncs keep it: to say "  # type: ignore[union-attr]
                       f'so in the config, set direction = "lower_is_better" under {table}')  # fmt: skip
        if found:
            self.learnt[question.id] = next(iter(found))
        return next(iter(found), None)

    def _held(self, question: Question, found: Mapping[Direction, list[str]]) -> str:
        """Why a question keeps the direction an earlier sync learnt against an answer that numbers
        its scale the other way, and what to set."""
        kept, other = question.learnt, next(d for d in found if d != question.learnt)
        return (f"question {question.id} ({_short(question.text)}): its answer {found[other][0]!r} numbers the scale "
                f"opposite to {found[kept][0]!r}, from which an earlier sync took {kept}: still read {kept}, so that "
                f'no score changes between syncs; if {kept.replace("_", " ")}, set direction = "{kept}" under '
                f'{self._override_table(question.id)} (else "{other}"), then run cxbridge sync --full-refresh')  # fmt: skip

    def _override_table(self, question_id: str) -> str:
        """The config table of the override a question reads by: its survey's own key when the
        config writes one, else its id's."""
        own = self.key_prefix + question_id
        key = own if self._survey is None or own in self._given else question_id
        return f"[{self.where}.questions.{toml_key(self._key(key))}]"

    def _key(self, question_id: str) -> str:
        """The key the config writes the question's table under: its id, or what `written` names."""
        return self._written.get(question_id, question_id)

    def _against_words(self, question: Question, metric: str, direction: Direction,
                       scale: tuple[float, float] | None) -> str | None:  # fmt: skip
        """Why an override's `direction` is refused: it runs against the words of the question's
        choices, else those beside its numbers (`meaning.set_against_words`), as a file's header
        and numbered answers set against their entry's direction are; None when they agree or say nothing."""
        reading = read_options(question.choices, complete=False, signed=question.marks_no_answer)
        words, by = question.choices, "its choices"
        if reading.scale is None and scale is not None:
            words, by = scale_end_words(question)
            reading, by = read_numbers(words, scale), f"its {by}"
        if (problem := set_against_words(metric, direction, reading, words, by=by)) is None:
            return None
        table = self._override_table(question.id)
        return f"{table[1:-1]}: {problem} under {table}, or map its answers under labels"

    def _warn(self, message: str) -> None:
        if message not in self.warnings:  # a question may be read twice (`_read`)
            log.warning("%s: %s", self.where, message)
            self.warnings.append(message)

    def _spec(self, question: Question, detected: MetricSpec | None, override: QuestionOverride) -> MetricSpec | None:
        metric = override.metric or (detected.metric if detected else None)
        if metric is None:
            return None
        base = detected if detected is not None and detected.metric == metric else None
        settings: dict[str, Any] = {"metric": metric}
        defined = no_score_values(question.choices, signed=question.marks_no_answer)
        ignored = override.ignore_values or (base.ignore_values if base else defined)
        scale = override.scale or (base.scale if base else None)
        if scale is None and metric not in NPS_METRICS:
            scale = question.scale or value_range(value for value in question.choices.values() if value not in ignored)
        if scale is not None and metric not in NPS_METRICS:
            settings["scale"] = scale
        direction = override.direction or (base.direction if base else None)
        if direction is None and metric not in NPS_METRICS:
            direction = labels_direction(question.choices, signed=question.marks_no_answer)
        if direction is None and metric not in NPS_METRICS and question.answered:
            direction = self._answered_direction(question, scale or DEFAULT_SCALES.get(metric, (1, 5)))
        ends, by = scale_end_words(question)
        if override.direction and not override.labels and (problem := self._against_words(
                question, metric, override.direction, scale)):  # fmt: skip
            raise ConfigError(problem)
        if direction is not None:
            settings["direction"] = direction
        elif problem := read_backwards(metric, question.text, ends, scale, what=_short(question.text), by=f"its {by}"):
            raise ConfigError(f"{self.where}.questions.{self._key(question.id)}: {problem}")
        settings["labels"] = {**(base.labels if base else question.choices), **override.labels}
        settings["ignore_values"] = ignored
        try:
            spec = MetricSpec(**settings)
        except ValidationError as exc:
            message = exc.errors()[0]["msg"].removeprefix("Value error, ")
            raise ConfigError(f"{self.where}.questions.{self._key(question.id)}: {message}") from None
        if override.labels and (problem := labels_short_of_scale(spec)):  # as a file's [[metrics]] entry
            raise ConfigError(f"{self.where}.questions.{self._key(question.id)}: {problem}")
        return spec
