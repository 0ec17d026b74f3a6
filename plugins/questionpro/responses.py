"""QuestionPro responses as feedback records. Each `responseSet` item is one question with its
answers: `answerText` is the chosen option as the respondent saw it (the number itself on a
rating or NPS scale), `value.scale` only that option's position, `value.text` typed text;
`customVariables` (`custom1` … or labels the survey renamed them to) are mapped fields or
attributes."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from cxbridge.normalize import AnswerInput, RecordBuilder
from cxbridge.plugins.questionpro.timestamps import response_time
from cxbridge.questions import Question, QuestionPlan
from cxbridge.record_comment import explaining_answers
from cxbridge.records import FeedbackRecord
from cxbridge.tabular import values as coerce
from cxbridge.tabular.cells import parse_number
from cxbridge.detection import labels as builtin
from cxbridge.detection.degrees import degrees_advice, off_builtin_scale
from cxbridge.detection.declared_scale import may_be_nps
from cxbridge.detection.keywords import mentions
from cxbridge.detection.question_metrics import option_values
from cxbridge.detection.weights import WeightFields
from cxbridge.errors import DataError
from cxbridge.metrics import NPS_METRICS, Direction, MetricSpec, shown_number, shown_words


class ResponseReader:
    """Turns the responses of one source's surveys into records."""

    def __init__(self, plan: QuestionPlan, columns: dict[str, str], zones: dict[str, str], *,
                 acknowledged: Collection[str] = ()):  # fmt: skip
        self.plan = plan
        self._undecided = plan.anew()  # see `_decides_nothing`
        self.columns = columns  # feedback field → custom variable
        self.zones = {name.upper(): offset for name, offset in zones.items()}
        self._questions: dict[str, Question] = {}
        self._positions: dict[str, set[str]] = {}  # recommend question → how its numbers were placed: see warnings()
        self.options: dict[str, list[str]] | None = None  # each question's answer options, when the API gave them
        self._off_scale: dict[str, str | None] = {}  # question → why its options are on no built-in scale
        self.weights = WeightFields("custom variable", acknowledged=acknowledged)
        self._answered: dict[str, dict[str, float]] = {}  # question → its answers written beside numbers: see `learn`
        self._learnt: dict[str, Direction] = {}  # question → the direction earlier syncs took from them: see `recall`

    def undirected(self) -> set[str]:
        """The questions scored by an override's metric (other than NPS) that sets no direction, of
        which the question list gives no options: their answers decide their direction (`learn`)."""
        return {qid for qid, o in self.plan.overrides.items() if o.metric is not None and o.metric not in NPS_METRICS
                and o.direction is None and not o.ignore and not (self.options or {}).get(qid)}  # fmt: skip

    def learn(self, responses: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """`responses`, every one the sync keeps of the survey, whose one-option answers to the
        `undirected` questions showing a number beside words ("1 - Very satisfied") give them their
        direction (`Question.answered`): decided from all of them before any is read, so that where
        such an answer comes cannot change a score, as a file's column decides from all its rows."""
        undirected = self.undirected()
        for raw in responses:
            for item in raw.get("responseSet") or []:
                qid, options = str(item.get("questionID")), _read_values(item)[0]
                if qid in undirected and len(options) == 1 and shown_words(options[0]):
                    if (number := shown_number(options[0])) is not None:
                        self._answered.setdefault(qid, {})[options[0]] = number
        return responses

    def recall(self, learnt: Mapping[str, Any]) -> None:
        """What earlier syncs learnt of the survey (`learnt`, as the cursor keeps it): the answers
        written beside numbers they read, and the direction those gave, which holds (`Question.learnt`)."""
        for qid, kept in learnt.items():
            self._answered.setdefault(qid, {}).update(kept.get("answers") or {})
            if kept.get("direction"):
                self._learnt[qid] = Direction(kept["direction"])

    def learnt(self) -> dict[str, Any]:
        """What the cursor keeps for later syncs (`recall`), by `undirected` question: the answers
        written beside numbers read so far, and the direction they gave."""
        found = {}
        for qid in sorted(self.undirected() & set(self._answered)):
            direction = self._learnt.get(qid) or self.plan.learnt.get(qid)
            found[qid] = {"answers": self._answered[qid], **({"direction": str(direction)} if direction else {})}
        return found

    def normalize(self, raw: dict[str, Any], builder: RecordBuilder) -> FeedbackRecord:
        custom = raw.get("customVariables") or {}
        fields = {name: coerce.field_value(name, custom[key], column=key) for name, key in self.columns.items()
                  if name not in ("email", "phone", "id", "submitted_at") and custom.get(key) not in (None, "")}  # fmt: skip
        contacts = custom.get(self.columns.get("email", "")), custom.get(self.columns.get("phone", ""))
        location = raw.get("location") or {}
        if location.get("countryCode") and "country" not in fields:
            fields["country"] = coerce.field_value("country", location["countryCode"], column="location.countryCode")
        if raw.get("language") and "language" not in fields:
            fields["language"] = coerce.field_value("language", raw["language"], column="language")
        if raw.get("responseStatus"):
            fields.setdefault("status", coerce.field_value("status", raw["responseStatus"], column="responseStatus"))
        found = [self._answers(item) for item in raw.get("responseSet") or []]
        # "Other" texts after every answer: the record's comment is an open question's when there is one
        answers = [main for main, _ in found if main is not None] + [other for _, other in found if other is not None]
        mapped = set(self.columns.values())
        attributes = {key: value for key, value in custom.items() if value not in (None, "") and key not in mapped}
        self.weights.read(attributes)  # a weighted study's weight: warned of (docs/report.md#weights)
        if raw.get("externalReference"):
            attributes["externalReference"] = raw["externalReference"]
        return builder.build(
            native_id=str(raw["responseID"]),
            raw=raw,
            answers=answers,
            submitted_at=response_time(raw, extra=self.zones),
            respondent_key=builder.respondent_key(*contacts),  # the first that keys someone
            survey_id=str(raw.get("surveyID") or "") or None,
            survey_name=raw.get("surveyName") or None,
            attributes=attributes,
            comment_from=explaining_answers(answer for pair in found for answer in pair),  # beside its question
            **fields,
        )

    def _answers(self, item: dict[str, Any]) -> tuple[AnswerInput | None, AnswerInput | None]:
        """The answer to one question, and the text typed beside a chosen option (an "Other, please
        specify" box) as a comment of its own. A chosen option is its `answerText` with a position
        (`value.scale`): its text is the value (its number where the scale is known), never the
        position (an NPS "3" sits at position "4"); typed text without a position is the answer."""
        qid = str(item.get("questionID"))
        options, beside, typed = _read_values(item)
        text = (item.get("questionText") or "").strip() or item.get("questionCode") or qid
        typed_beside = Question(f"{qid}_other", f"{text} - Other", "text")
        other = self.plan.answer(typed_beside, " ".join(beside)) if beside else None
        if self._decides_nothing(qid, text, item, options):  # in a plan of its own, by the override alone (no choices)
            one = options[0] if len(options) == 1 else None
            return self._undecided.answer(Question(qid, text, "choice"), one or options, label=one), other
        question = self._question(qid, text, options)
        if not options:
            return (self.plan.answer(question, " ".join(typed)) if typed else None), None
        number = shown_number(options[0])  # "10", or "10 - Extremely likely": its words keep it as the label
        if number is not None and self._scored(question):
            label = options[0] if shown_words(options[0]) else None
            return self.plan.answer(question, number, label=label), other
        return self.plan.answer(question, self._label_value(question, options[0]), label=options[0]), other

    def _scored(self, question: Question) -> bool:
        """Whether the question's scale is known (NPS, or an override's metric): only then is a
        numbered option its number; else it is its text, as the option list writes it ("1" as
        "3 or more" and ["1", "2"] are)."""
        reading = self.plan.reading(question)
        return reading is not None and reading.spec is not None

    def _decides_nothing(self, qid: str, text: str, item: dict[str, Any], options: list[str]) -> bool:
        """Whether the answer shows nothing of how the question reads — several options (a multiple
        choice), or, on a question whose override names no metric to score it by, a lone option of
        words ("Other", "Not applicable", "Always") or a number about recommending at a position that
        counts from 1 (no NPS answer) — so that it must not decide the question's reading, cached from
        the first answer read: a 0–10 recommend question answered "Other" or with several options
        first would be taken for a choice question and none of its numbers scored; read after them,
        such an answer was no label of its NPS scale (quarantined). Read on its own, it is kept as
        chosen, unscored, unless the override names the metric (a list is then no score of it)."""
        override = self.plan.overrides.get(qid)
        word = len(options) == 1 and shown_number(options[0]) is None
        from_one = self._placed(qid, text, item, options) == "from 1"
        return len(options) > 1 or ((word or from_one) and (override is None or override.metric is None))

    def _placed(self, qid: str, text: str, item: dict[str, Any], options: list[str]) -> str | None:
        """Where a lone number about recommending sits — "from 0" (its position is the number plus
        one), "from 1" (any other position) or "unplaced" (no position) — noted by question for
        `warnings`; None for any other answer."""
        number = shown_number(options[0]) if len(options) == 1 else None
        if number is None or not mentions(text, "recommend"):
            return None
        position = _position(item)
        placed = "unplaced" if position is None else "from 0" if position == number + 1 else "from 1"
        self._positions.setdefault(qid, set()).add(placed)
        return placed

    def warnings(self) -> list[str]:
        """Recommend questions whose numbers came both without a position (scored as NPS 0–10) and
        at positions counting from 1 (kept unscored): which the question is, no answer says; and
        custom variables holding weights."""
        mixed = [qid for qid, placed in sorted(self._positions.items()) if {"unplaced", "from 1"} <= placed
                 and getattr(self.plan.overrides.get(qid), "metric", None) is None]  # fmt: skip
        placed = [f"question {qid}: numbers without a position were scored as NPS 0–10, others at positions counting "
                  f"from 1 (a 1–N scale) kept unscored; if it is no 0–10 question, set metric and scale under "
                  f"[{self.plan.where}.questions.{qid}], then run cxbridge sync --full-refresh" for qid in mixed]  # fmt: skip
        return placed + self.weights.warnings()

    def _label_value(self, question: Question, label: str) -> Any:
        """A labelled answer of a scored question as the number its label stands for (the
        override's `labels`, else a built-in label scale of the same metric and size); the label
        itself when neither knows it, so scoring names it instead of guessing from its position."""
        reading = self.plan.reading(question)
        spec = reading.spec if reading is not None else None
        if spec is None:
            return label
        found = spec.label_index.get(builtin.label_key(label))
        if found is None:
            self._check_degrees(question.id, spec, label)
            found = builtin.builtin_value(label, metric=spec.metric, scale=spec.scale_bounds, direction=spec.direction)
        return label if found is None else found

    def _check_degrees(self, qid: str, spec: MetricSpec, label: str) -> None:
        """A DataError for an answer the built-in labels read when the question's answer options, all
        of them, grade more degrees than the built-in scale holds — by the rule a file's column
        follows (`degrees.off_builtin_scale`: 'Totalmente satisfecho' beyond 'Muy satisfecho'), so
        every answer of it is refused alike, whatever order they come in; without the options (the
        API gave none) the answer is told by itself, as an API record's with no table is."""
        settings = {"metric": spec.metric, "scale": spec.scale_bounds, "direction": spec.direction}
        if options := (self.options or {}).get(qid):
            if qid not in self._off_scale:
                self._off_scale[qid] = off_builtin_scale(options, **settings, own=spec.labels)
            why = self._off_scale[qid]
        else:
            why = off_builtin_scale([label], **settings)
        if why is not None and not builtin.is_no_score(label):
            advice = degrees_advice(f"[{self.plan.where}.questions.{qid}]", "`cxbridge sync --full-refresh`")
            raise DataError(f"question {qid!r}: {why}; {advice}", field=qid, kind="graded-beyond-scale")

    def _question(self, qid: str, text: str, options: list[str]) -> Question:
        """The question, as the fields of an answer choosing at most one option show it: typed text
        without a chosen option (an "Other" text does not count) is a comment; a number about
        recommending is NPS unless its wording names a scale other than 0–10 (`declared_scale`) — a
        number as an option shows it, alone or beside words (`metrics.shown_number`: "10 - Extremely
        likely"), whatever its value: one off 0–10 read first
        would otherwise leave the question unscored, and scoring quarantines it; one at a position
        counting from 1 never comes here (`_decides_nothing`), so an answer without a position reads
        alike whichever comes first; other numbers and labels are scored when the config says how. Its
        listed options are its choices (`question_metrics.option_values`), as another connector's are: the
        numbers they show ("1 - Very satisfied" → 1), whose words give an override without a
        direction its direction (`meaning.labels_direction`), or the built-in scale of their words
        alone, valued again under an override's direction (`questions._words_by_direction`). Without
        listed options, the answers of the sync written beside their numbers give that direction
        (`learn`), whichever answer comes first."""
        if qid not in self._questions:
            number = shown_number(options[0]) if options else None
            seen = {"choices": option_values((self.options or {}).get(qid) or []), "answered": self._answered.get(qid, {}),
                    "learnt": self._learnt.get(qid)}  # fmt: skip
            if not options:
                self._questions[qid] = Question(qid, text, "text", answered=seen["answered"], learnt=seen["learnt"])
            elif number is not None:
                nps = mentions(text, "recommend") and may_be_nps(text)
                self._questions[qid] = Question(qid, text, "scale", scale=(0.0, 10.0) if nps else None, **seen)
            else:  # a word answered first ("Not applicable"): the answers' numbers still decide its direction
                self._questions[qid] = Question(qid, text, "choice", **seen)
        return self._questions[qid]


def _read_values(item: dict[str, Any]) -> tuple[list[str], list[str], list[str]]:
    """The options chosen (`answerText` with a position, or without typed text), the texts typed
    beside them (`value.text`, or an "Other" box's `value.other`), and the texts typed as the
    answer (a text field: no position, its `answerText` a field name such as "FIRST_NAME")."""
    options, beside, typed = [], [], []
    for answer in item.get("answerValues") or []:
        value = answer.get("value") or {}
        label, text = str(answer.get("answerText") or "").strip(), str(value.get("text") or "").strip()
        texts = [found for found in (text, str(value.get("other") or "").strip()) if found]
        if label and (str(value.get("scale") or "").strip() or not text):
            options.append(label)
            beside += texts
        else:
            typed += texts
    return options, beside, typed


def _position(item: dict[str, Any]) -> float | None:
    """The position (`value.scale`) of the one option an answer chooses; None when it gives none."""
    [answer] = [a for a in item.get("answerValues") or [] if str(a.get("answerText") or "").strip()]
    return parse_number(str((answer.get("value") or {}).get("scale") or ""))

