"""QuestionPro responses as feedback records. Each `responseSet` item is one question with its
answers: `answerText` is the chosen option as the respondent saw it (the number itself on a
rating or NPS scale), `value.scale` only that option's position, `value.text` typed text."""

from __future__ import annotations

from typing import Any

from cxbridge.normalize import AnswerInput, RecordBuilder
from cxbridge.plugins.questionpro.timestamps import parse_response_time
from cxbridge.questions import Question, QuestionPlan
from cxbridge.records import FeedbackRecord
from cxbridge.tabular import values as coerce
from cxbridge.tabular.cells import parse_number
from cxbridge.detection import labels as builtin
from cxbridge.detection.keywords import mentions


class ResponseReader:
    """Turns the responses of one source's surveys into records."""

    def __init__(self, plan: QuestionPlan, columns: dict[str, str], zones: dict[str, str]):
        self.plan = plan
        self.columns = columns  # feedback field → custom variable
        self.zones = {name.upper(): offset for name, offset in zones.items()}
        self._questions: dict[str, Question] = {}

    def normalize(self, raw: dict[str, Any], builder: RecordBuilder) -> FeedbackRecord:
        custom = raw.get("customVariables") or {}
        fields = {name: coerce.field_value(name, custom[key], column=key) for name, key in self.columns.items()
                  if name not in ("email", "phone", "id", "submitted_at") and custom.get(key) not in (None, "")}  # fmt: skip
        contact = custom.get(self.columns.get("email", "")) or custom.get(self.columns.get("phone", ""))
        location = raw.get("location") or {}
        if location.get("countryCode") and "country" not in fields:
            fields["country"] = coerce.field_value("country", location["countryCode"], column="location.countryCode")
        if raw.get("language") and "language" not in fields:
            fields["language"] = coerce.field_value("language", raw["language"], column="language")
        if raw.get("responseStatus"):
            fields.setdefault("status", coerce.field_value("status", raw["responseStatus"], column="responseStatus"))
        answers = [answer for item in raw.get("responseSet") or [] if (answer := self._answer(item)) is not None]
        mapped = set(self.columns.values())
        attributes = {key: value for key, value in custom.items() if value not in (None, "") and key not in mapped}
        if raw.get("externalReference"):
            attributes["externalReference"] = raw["externalReference"]
        return builder.build(
            native_id=str(raw["responseID"]),
            raw=raw,
            answers=answers,
            submitted_at=parse_response_time(raw.get("timestamp"), extra=self.zones),
            respondent_key=builder.respondent_key(str(contact) if contact else None),
            survey_id=str(raw.get("surveyID") or "") or None,
            survey_name=raw.get("surveyName") or None,
            attributes=attributes,
            **fields,
        )

    def _answer(self, item: dict[str, Any]) -> AnswerInput | None:
        """The answer's text is its value: `answerText` for a chosen option (the number itself on
        a rating or NPS scale), `value.text` for typed text. `value.scale` is only the option's
        position (an NPS "3" sits at position "4"), so it never becomes the value."""
        qid = str(item.get("questionID"))
        chosen = item.get("answerValues") or []
        typed = [text for answer in chosen if (text := str((answer.get("value") or {}).get("text") or "").strip())]
        labels = [label for answer in chosen if (label := str(answer.get("answerText") or "").strip())]
        question = self._question(qid, item, labels, typed)
        if typed:
            return self.plan.answer(question, " ".join(typed))
        if not labels:
            return None
        if len(labels) > 1 or question.kind == "multi":
            return self.plan.answer(question, labels)
        number = parse_number(labels[0])
        if number is not None:
            return self.plan.answer(question, int(number) if number.is_integer() else number)
        return self.plan.answer(question, self._label_value(question, labels[0]), label=labels[0])

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
            found = builtin.builtin_value(label, metric=spec.metric, scale=spec.scale_bounds, direction=spec.direction)
        return label if found is None else found

    def _question(self, qid: str, item: dict[str, Any], labels: list[str], typed: list[str]) -> Question:
        """The question, as its first answer shows it: typed text is a comment; several options a
        multiple choice; a number about recommending on a scale from 0 (the documented examples
        put 0 at position 1) is NPS; other numbers and labels are scored when the config says how."""
        if qid not in self._questions:
            text = (item.get("questionText") or "").strip() or item.get("questionCode") or qid
            number = parse_number(labels[0]) if len(labels) == 1 else None
            if typed:
                self._questions[qid] = Question(qid, text, "text")
            elif len(labels) > 1:
                self._questions[qid] = Question(qid, text, "multi")
            elif number is not None:
                nps = mentions(text, "recommend") and 0 <= number <= 10 and _counts_from_zero(item, number)
                self._questions[qid] = Question(qid, text, "scale", scale=(0.0, 10.0) if nps else None)
            else:
                self._questions[qid] = Question(qid, text, "choice")
        return self._questions[qid]


def _counts_from_zero(item: dict[str, Any], number: float) -> bool:
    """Whether the chosen option's position is one more than its number (0 at position 1), or
    the answer gives no position: a "recommend" scale from 1 is not an NPS question."""
    [answer] = [a for a in item.get("answerValues") or [] if str(a.get("answerText") or "").strip()]
    position = parse_number(str((answer.get("value") or {}).get("scale") or ""))
    return position is None or position == number + 1
