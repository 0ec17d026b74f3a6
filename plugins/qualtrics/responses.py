"""Qualtrics responses as feedback records. A JSON export keeps metadata and answers in
`values`, keyed by import id (`recordedDate`, `QID3`, `QID4_2`, `QID5_TEXT`); the survey
definition says what each answer key is, and `cxbridge.questions` scores it — an NPS question by
its selector, a satisfaction or effort scale by its text and choices — under the config's
per-question overrides."""

from __future__ import annotations

import re
from typing import Any

from cxbridge.errors import DataError
from cxbridge.exports import qualtrics_fields as fields
from cxbridge.exports.qualtrics_definition import SurveyDefinition
from cxbridge.normalize import AnswerInput, RecordBuilder
from cxbridge.questions import Question, QuestionPlan
from cxbridge.records import FeedbackRecord
from cxbridge.tabular import values as coerce
from cxbridge.timestamps import parse_timestamp

FIELD_DEFAULTS = {
    "submitted_at": "recordedDate", "email": "recipientEmail", "status": "finished",
    "language": "userLanguage", "channel": "distributionChannel",
}  # fmt: skip
SKIPPED = fields.PERSONAL | {"_recordId", "responseId", "startDate", "endDate", "recordedDate", "status", "finished",
                             "progress", "duration"}  # fmt: skip
_QUESTION_KEY = re.compile(r"^QID\d+")
_KINDS = {"nps": "nps", "choice": "choice", "multi": "multi", "text": "text"}


class SurveyReader:
    """Turns the responses of one survey into records."""

    def __init__(self, definition: SurveyDefinition | None, plan: QuestionPlan, columns: dict[str, str]):
        self.definition = definition
        self.plan = plan
        self.columns = FIELD_DEFAULTS | columns
        self.mapped = set(self.columns.values())
        self._questions: dict[str, tuple[Question, tuple[str, ...]] | None] = {}
        keys = definition.answer_keys() if definition else []
        keys += [key for key in plan.overrides if _QUESTION_KEY.match(key) and key not in keys]
        questions = (found for key in keys if key not in self.mapped and (found := self._question(key)) is not None)
        plan.decide_primaries(questions)

    def normalize(self, raw: dict[str, Any], builder: RecordBuilder) -> FeedbackRecord:
        values: dict[str, Any] = raw.get("values") or {}
        labels: dict[str, Any] = raw.get("labels") or {}
        found = self._fields(values)
        contact = values.get(self.columns.get("email", ""))
        answers, attributes = [], {}
        for key, value in values.items():
            if key in self.mapped or key in SKIPPED or key.endswith("_NPS_GROUP") or value in (None, ""):
                continue
            question = self._question(key)
            if question is None:
                attributes[key] = value
            elif (answer := self._answer(question, value, labels.get(key))) is not None:
                answers.append(answer)
        return builder.build(
            native_id=str(raw["responseId"]),
            raw=raw,
            answers=answers,
            submitted_at=self._submitted(values),
            respondent_key=builder.respondent_key(str(contact) if contact else None),
            attributes=attributes,
            survey_id=raw.get("surveyId"),
            survey_name=self.definition.survey_name if self.definition else None,
            **found,
        )

    def _fields(self, values: dict[str, Any]) -> dict[str, Any]:
        found = {}
        for name, key in self.columns.items():
            if name in ("submitted_at", "email", "phone") or values.get(key) in (None, ""):
                continue
            found[name] = coerce.field_value(name, values[key], column=key)
        return found

    def _submitted(self, values: dict[str, Any]) -> Any:
        key = self.columns["submitted_at"]
        value = values.get(key) or values.get("endDate")
        if value in (None, ""):
            raise DataError(f"the response has no {key}", field=key)
        try:
            return parse_timestamp(value)
        except DataError as exc:
            raise DataError(f"{key}: {exc}", field=key) from None

    def _question(self, key: str) -> tuple[Question, tuple[str, ...]] | None:
        """The question an answer key belongs to (None: embedded data), cached per key."""
        if key not in self._questions:
            meaning = self.definition.meaning(key) if self.definition else None
            if meaning is not None:
                kind = _KINDS.get(meaning.kind, "other")
                question = Question(id=key, text=meaning.text, kind=kind, choices=meaning.choices)
                self._questions[key] = (question, (meaning.qid,) if meaning.qid != key else ())
            elif _QUESTION_KEY.match(key):
                self._questions[key] = (Question(id=key, text=key), ())
            else:
                self._questions[key] = None
        return self._questions[key]

    def _answer(self, found: tuple[Question, tuple[str, ...]], value: Any, label: Any) -> AnswerInput | None:
        question, parents = found
        shown = str(label) if isinstance(label, str | int | float) else None
        return self.plan.answer(question, value, label=shown, also=parents)
