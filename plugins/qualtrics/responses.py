"""Qualtrics responses as feedback records. A JSON export keeps metadata and answers in
`values`, keyed by import id (`recordedDate`, `QID3`, `QID4_2`, `QID5_TEXT`); the survey
definition says what each answer key is, and `cxbridge.questions` scores it — an NPS question by
its selector, a satisfaction or effort scale by its text and choices — under the config's
per-question overrides."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from datetime import datetime, timezone
from operator import itemgetter
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from cxbridge.built_rows import BuiltRows
from cxbridge.detection.weights import WeightFields
from cxbridge.errors import DataError
from cxbridge.exports import qualtrics_fields as fields
from cxbridge.exports.qualtrics_definition import SurveyDefinition
from cxbridge.normalize import AnswerInput, RecordBuilder
from cxbridge.record_comment import explaining
from cxbridge.questions import Question, QuestionOverride, QuestionPlan, with_rating_defaults
from cxbridge.records import FeedbackRecord
from cxbridge.tables import RecordRows
from cxbridge.tabular import values as coerce
from cxbridge.tabular.cells import whole_number
from cxbridge.timestamps import parse_timestamp

FIELD_DEFAULTS = {
    "submitted_at": "recordedDate", "email": "recipientEmail", "status": "finished",
    "language": "userLanguage", "channel": "distributionChannel",
}  # fmt: skip
SKIPPED = fields.PERSONAL | {"_recordId", "responseId", "startDate", "endDate", "recordedDate", "status", "finished",
                             "progress", "duration"}  # fmt: skip
_QUESTION_KEY = re.compile(r"^QID\d+")
_KINDS = {"nps": "nps", "choice": "choice", "multi": "multi", "text": "text", "scale": "scale"}


class SurveyReader:
    """Turns the responses of one survey into records. What each answer key is (metadata,
    embedded data or which question) is worked out once per key, and the answer a question's
    value (and label) makes once per distinct value: the records after reuse them (issue 19)."""

    remembered = 1024
    """How many distinct values per answer key (or mapped field) keep what they make; 0 works
    every answer out afresh (tests compare both)."""

    def __init__(self, definition: SurveyDefinition | None, plan: QuestionPlan, columns: dict[str, str], *,
                 acknowledged: Collection[str] = ()):  # fmt: skip
        self.definition = definition
        self.plan = plan
        self.columns = FIELD_DEFAULTS | columns
        self.mapped = set(self.columns.values())
        self._questions: dict[str, tuple[Question, tuple[str, ...]] | None] = {}
        self._kinds: dict[str, Any] = {}  # answer key → _LEFT_OUT, _ATTRIBUTE or its question
        self._splits: dict[tuple[str, ...], tuple[Any, ...]] = {}  # `_keys`
        self._answers: dict[str, dict[tuple[type, Any, Any], AnswerInput | None]] = {}
        self._mapped_fields = [(name, key) for name, key in self.columns.items()
                               if name not in ("submitted_at", "email", "phone")]  # fmt: skip
        self._field_values: dict[str, dict[tuple[type, Any], Any]] = {name: {} for name, _ in self._mapped_fields}
        self._mapped_values = _values_of(tuple(key for _, key in self._mapped_fields))
        self._field_sets: dict[tuple[Any, ...], dict[str, Any]] = {}  # `_fields`
        self._submitted_text: str | None = None  # `_submitted`'s
        self.weights = WeightFields("embedded data", acknowledged=acknowledged)
        keys = definition.answer_keys() if definition else []
        rows = {key.rsplit("_", 1)[0] for key in keys}  # a matrix's or slider's: its override reads its rows
        keys += [key for key in plan.overrides if _QUESTION_KEY.match(key) and key not in keys and key not in rows]
        questions = [found for key in keys if key not in self.mapped and (found := self._question(key)) is not None]
        plan.decide_primaries(questions)
        self.sliders = [note for question, also in questions if (note := self._unscored_slider(question, also))]
        self.comment_questions = () if "comment" in columns else explaining(
            plan.reading(question, also=also) for question, also in questions
        )  # fmt: skip

    def normalize(self, raw: dict[str, Any], builder: RecordBuilder) -> FeedbackRecord:
        return builder.build(**self._record(raw, builder))

    def rows(self, raw: dict[str, Any], built: BuiltRows, *, ingested_at: str, run_id: str) -> RecordRows | None:
        """The response's rows as `to_rows(normalize(…))` makes them, from the answers the
        builder remembers (`cxbridge.built_rows`); None: normalize it."""
        try:
            record = self._record(raw, built.builder)
        except DataError:
            return None  # normalize says it again, as the quarantine's reason
        return built.rows(**record, ingested_at=ingested_at, run_id=run_id, submitted_text=self._submitted_text)

    def _record(self, raw: dict[str, Any], builder: RecordBuilder) -> dict[str, Any]:
        """What `builder.build` makes the response's record of."""
        values: dict[str, Any] = raw.get("values") or {}
        labels: dict[str, Any] = raw.get("labels") or {}
        found = self._fields(values)
        contact = values.get(self.columns.get("email", ""))
        attributes = {}
        asked, embedded, plans = self._keys(values)
        for key in embedded:
            value = values[key]
            if value is not None and value != "":
                attributes[key] = value
        self.weights.see(attributes)
        answers = self._answers_made(values, labels, asked) if plans is None else self._answers_of(values, labels, asked, plans)
        return {
            "native_id": str(raw["responseId"]),
            "raw": raw,
            "answers": answers,
            "submitted_at": self._submitted(values, builder.zone),
            "respondent_key": builder.keys.key(str(contact) if contact else None),  # builder.respondent_key's
            "attributes": attributes,
            "survey_id": raw.get("surveyId"),
            "survey_name": self.definition.survey_name if self.definition else None,
            "comment_from": self.comment_questions,
            **found,
        }

    def _answers_of(
        self, values: dict[str, Any], labels: dict[str, Any], asked: tuple[Any, ...], plans: tuple[Any, ...]
    ) -> list[AnswerInput]:
        """The answers of a response's asked keys — the same answer objects, kept (in `plans`,
        `_keys`') per set of values of those keys and labels, when each is text, an int or none:
        most of an export's responses repeat a set seen before (issue 19)."""
        key = (*plans[0](values), *labels, *labels.values())  # every asked key is one of `values`
        return list(self._kept(plans[1], key, self._answers_made, values, labels, asked))

    def _answers_made(self, values: dict[str, Any], labels: dict[str, Any], asked: tuple[Any, ...]) -> list[AnswerInput]:
        """The answers of a response's asked keys, each from the key's memory or made."""
        answers = []
        for key, kind, known in asked:
            value = values[key]
            if value is None or value == "":
                continue
            label = labels.get(key)
            kind_of_value = type(value)
            if known is not None and kind_of_value in _SCALARS and (kind_of_value is not float or value != 0):
                # `_answer`'s memory, looked up here
                shown = label if label is None or type(label) is str else _shown(label)
                answer = known.get((kind_of_value, value, shown), _UNSEEN)
                if answer is _UNSEEN:
                    answer = self._answer(key, kind, value, label)
            else:
                answer = self._answer(key, kind, value, label)
            if answer is not None:
                answers.append(answer)
        return answers

    def _keys(self, values: dict[str, Any]) -> tuple[Any, ...]:
        """The answer keys of `values` (each with its question and its answers' memory, None
        while there is none or answers are not remembered), its embedded data keys, each in
        their order (the rest is left out: `_kind`), and the memory of the answers per set of
        values (`_answers_of`; None: none) — worked out once per set of keys in order, as an
        export's responses share them."""
        keys = tuple(values)
        split = self._splits.get(keys)
        if split is None:
            kinds = [(key, self._kinds.get(key) or self._kinds.setdefault(key, self._kind(key))) for key in keys]
            asked = tuple((key, kind) for key, kind in kinds if kind is not _LEFT_OUT and kind is not _ATTRIBUTE)
            embedded = tuple(key for key, kind in kinds if kind is _ATTRIBUTE)
            if not self.remembered:
                return tuple((key, kind, None) for key, kind in asked), embedded, None
            split = (tuple((key, kind, self._answers.setdefault(key, {})) for key, kind in asked), embedded,
                     (_values_of(tuple(key for key, _ in asked)), {}))  # fmt: skip
            if len(self._splits) < self.remembered:
                self._splits[keys] = split
        return split

    def _kind(self, key: str) -> Any:
        """What answer key `key` is: left out (mapped, metadata, Qualtrics' NPS group, a display order), embedded
        data (an attribute), or the question it answers."""
        if key in self.mapped or key in SKIPPED or key.endswith(fields.NPS_GROUP) or fields.display_order(key):
            return _LEFT_OUT
        question = self._question(key)
        if question is None:
            self.weights.named(key)  # a weighted study's weight: warned of (docs/report.md#weights)
        return _ATTRIBUTE if question is None else question

    def _fields(self, values: dict[str, Any]) -> dict[str, Any]:
        """The mapped fields' values — the same dict, kept per set of the mapped keys' values when
        `values` holds every mapped key and each value is text, an int or none (not to be changed)."""
        try:
            given = self._mapped_values(values)
        except KeyError:
            return self._fields_made(values)
        return self._kept(self._field_sets, given, self._fields_made, values)

    def _kept(self, memo: dict[tuple[Any, ...], _T], key: tuple[Any, ...], make: Callable[..., _T], *args: Any) -> _T:
        """What `make(*args)` gives for `key`, a set of values, kept in `memo` (up to `remembered`)
        when each value is text, an int or none: only then are equal keys of the same types (1,
        1.0 and True are equal keys)."""
        if not _PLANNED.issuperset(map(type, key)):
            return make(*args)
        found = memo.get(key)
        if found is None:
            found = make(*args)
            if len(memo) < self.remembered:
                memo[key] = found
        return found

    def _fields_made(self, values: dict[str, Any]) -> dict[str, Any]:
        found = {}
        remembered = self.remembered
        for name, key in self._mapped_fields:
            value = values.get(key)
            if value is None or value == "":
                continue
            known = self._field_values[name]
            kind = type(value)
            if not (remembered and kind in _SCALARS and (kind is not float or value != 0)):  # _rememberable's
                found[name] = coerce.field_value(name, value, column=key)
                continue
            result = known.get((kind, value), _UNSEEN)
            if result is _UNSEEN:
                try:
                    result = coerce.field_value(name, value, column=key)
                except DataError as exc:
                    result = exc
                if len(known) < self.remembered:
                    known[(type(value), value)] = result
            if isinstance(result, DataError):
                raise result.restated(str(result), field=result.field)
            found[name] = result
        return found

    def _submitted(self, values: dict[str, Any], zone: ZoneInfo) -> Any:
        """The response's time — one without an offset (embedded data `[columns]` maps) read in
        the source's `zone`; and, in `_submitted_text`, that time as stored when it was read
        from the export's own form (`2026-01-05T10:05:00.250Z`), else None."""
        self._submitted_text = None
        key = self.columns["submitted_at"]
        value = values.get(key) or values.get("endDate")
        if value in (None, ""):
            raise DataError(f"the response has no {key}", field=key, kind="missing-submitted-time")
        if type(value) is str:  # the export's own form (`…Z`) read as `parse_timestamp` reads it, in fewer steps
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                pass
            else:
                if moment.tzinfo is timezone.utc:
                    self._submitted_text = _stored_time(value)
                    return moment
        try:
            return parse_timestamp(value, tz=zone)
        except DataError as exc:
            raise exc.restated(f"{key}: {exc}", field=key) from None

    def _unscored_slider(self, question: Question, also: tuple[str, ...]) -> str | None:
        """What a bar or slider row kept unscored is, and the setting that scores it, when no override
        decides it: its range is not read as a scale (a star slider's rows are ratings: `star_ratings`)."""
        meaning = self.definition.meaning(question.id) if self.definition else None
        if meaning is None or not meaning.slider or any(key in self.plan.overrides for key in (question.id, *also)):
            return None  # fmt: skip
        if (reading := self.plan.reading(question, also=also)) is None or reading.spec is not None:
            return None
        low, high = (whole_number(end) for end in meaning.slider)
        return (f"question {question.id} ({question.text!r}): a slider from {low} to {high}, not scored: a slider's "
                f'range is not read as a scale; to score it, set metric (e.g. "csat" or "rating") and scale = '
                f"[{low}, {high}] under [{self.plan.where}.questions.{meaning.qid}]")  # fmt: skip

    def _question(self, key: str) -> tuple[Question, tuple[str, ...]] | None:
        """The question an answer key belongs to (None: embedded data), cached per key."""
        if key not in self._questions:
            if (defined := defined_question(self.definition, key)) is not None:
                self._questions[key] = defined
            elif _QUESTION_KEY.match(key):  # not in the definition: a `…_TEXT` key is still a text entry
                self._questions[key] = (Question(id=key, text=key, kind="text" if key.endswith("_TEXT") else "other"), ())
            else:
                self._questions[key] = None
        return self._questions[key]

    def _answer(self, key: str, found: tuple[Question, tuple[str, ...]], value: Any, label: Any) -> AnswerInput | None:
        """The answer `value` (shown as `label`) makes, the same object for the same value and
        label each time: nothing downstream changes an AnswerInput. A multi-select keeps the labels
        chosen (`fields.chosen`)."""
        value, label = fields.chosen(value, label)
        shown = _shown(label)
        if not (self.remembered and _rememberable(value)):
            return self.plan.answer(found[0], value, label=shown, also=found[1])
        known = self._answers.get(key)
        if known is None:
            known = self._answers[key] = {}
        answer = known.get((type(value), value, shown), _UNSEEN)
        if answer is _UNSEEN:
            answer = self.plan.answer(found[0], value, label=shown, also=found[1])
            if len(known) < self.remembered:
                known[(type(value), value, shown)] = answer
        return answer


def defined_question(definition: SurveyDefinition | None, key: str) -> tuple[Question, tuple[str, ...]] | None:
    """The question the survey's definition says an answer key is, with the question id a row's
    override may be keyed by; None when the definition does not name it."""
    meaning = definition.meaning(key) if definition else None
    if meaning is None:
        return None
    scale = (1.0, float(meaning.stars)) if meaning.stars else None  # a star slider: 1 to its stars
    question = Question(id=key, text=meaning.text, kind=_KINDS.get(meaning.kind, "other"), scale=scale,
                        choices=meaning.choices, paragraph=meaning.paragraph, from_zero=bool(meaning.stars))  # fmt: skip
    return question, (meaning.qid,) if meaning.qid != key else ()


def star_ratings(definition: SurveyDefinition | None, overrides: Mapping[str, QuestionOverride]) -> dict[str, QuestionOverride]:
    """The config's overrides, plus a `rating` on 1 to its stars for each star slider row whose words
    name no metric, as every connector reads a row of stars (`with_rating_defaults`): the slider's
    table (`[questions.QID1]`) or the row's own wins."""
    rows = [found for key in (definition.answer_keys() if definition else [])
            if (found := defined_question(definition, key)) is not None and found[0].scale is not None]  # fmt: skip
    return with_rating_defaults(overrides, [row for row, _ in rows], parents={row.id: also[0] for row, also in rows if also})


_LEFT_OUT = object()
_ATTRIBUTE = object()
_UNSEEN = object()
_SCALARS = frozenset((str, int, float, bool))
_PLANNED = frozenset((str, int, type(None)))
_T = TypeVar("_T")


def _values_of(keys: tuple[str, ...]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """The values of `keys` in a dict holding them all, as a tuple (`itemgetter`'s, one key too)."""
    if len(keys) == 1:
        return lambda values: (values[keys[0]],)
    return itemgetter(*keys) if keys else lambda values: ()


def _stored_time(text: str) -> str | None:
    """A time `datetime.fromisoformat` read as UTC, as `format_timestamp` stores it, when its
    text is the export's `2026-01-05T10:05:00.250Z` (`…00.250000Z`; `…00Z` for `.000`), else None."""
    if len(text) == 24 and text[23] == "Z" and text[19] == "." and text[16] == ":" and text[13] == ":" \
            and text[10] == "T" and text[7] == "-" and text[4] == "-":  # fmt: skip
        return text[:19] + "Z" if text[20:23] == "000" else text[:23] + "000Z"
    return None


def _shown(label: Any) -> str | None:
    """A label as the answer keeps it: text (a number's too), else none."""
    return str(label) if isinstance(label, str | int | float) else None


def _rememberable(value: Any) -> bool:
    """A value whose (type, value) says all of it: a scalar, but not -0.0 (equal to 0.0)."""
    return type(value) in _SCALARS and not (type(value) is float and value == 0)
