"""QuestionPro responses as feedback records. Each `responseSet` item is one question with its
answers: `value.scale` holds a rating or NPS number (as text) and `answerText` its label — they
need not agree, and the number is what is scored; `value.text` holds typed text."""

from __future__ import annotations

from typing import Any

from cxbridge.normalize import AnswerInput, RecordBuilder
from cxbridge.plugins.questionpro.timestamps import parse_response_time
from cxbridge.questions import Question, QuestionPlan
from cxbridge.records import FeedbackRecord
from cxbridge.tabular import values as coerce
from cxbridge.tabular.cells import parse_number
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
        qid = str(item.get("questionID"))
        chosen = item.get("answerValues") or []
        numbers = [parse_number(str((a.get("value") or {}).get("scale") or "")) for a in chosen]
        texts = [str((a.get("value") or {}).get("text") or "").strip() for a in chosen]
        labels = [str(a.get("answerText") or "").strip() for a in chosen]
        question = self._question(qid, item, numbers, texts)
        if len(chosen) == 1 and numbers[0] is not None:
            number = numbers[0]
            return self.plan.answer(question, int(number) if number.is_integer() else number, label=labels[0] or None)
        if any(texts):
            return self.plan.answer(question, " ".join(text for text in texts if text))
        if labels:
            return self.plan.answer(question, labels if len(labels) > 1 else labels[0])
        return None

    def _question(self, qid: str, item: dict[str, Any], numbers: list[Any], texts: list[str]) -> Question:
        """The question, as its first answer shows it: a 0–10 rating about recommending is NPS;
        typed text is a comment; other ratings are scored when the config says how."""
        if qid not in self._questions:
            text = (item.get("questionText") or "").strip() or item.get("questionCode") or qid
            if numbers and numbers[0] is not None:
                scale = (0.0, 10.0) if mentions(text, "recommend") and 0 <= numbers[0] <= 10 else None
                self._questions[qid] = Question(qid, text, "scale", scale=scale)
            elif any(texts):
                self._questions[qid] = Question(qid, text, "text")
            else:
                self._questions[qid] = Question(qid, text, "multi" if len(numbers) > 1 else "choice")
        return self._questions[qid]
