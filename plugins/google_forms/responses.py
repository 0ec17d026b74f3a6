"""Google Forms responses as feedback records: answers keyed by question id, so a form whose
titles were edited still maps its old responses; each answer read through the form's question
(scale, choices, grid row) and scored by `cxbridge.questions` under the config's overrides."""

from __future__ import annotations

from typing import Any

from cxbridge.normalize import AnswerInput, RecordBuilder
from cxbridge.plugins.google_forms.form import FormDefinition
from cxbridge.questions import Question, QuestionPlan
from cxbridge.record_comment import explaining
from cxbridge.records import FeedbackRecord
from cxbridge.tabular import values as coerce
from cxbridge.tabular.cells import parse_number
from cxbridge.timestamps import field_timestamp


class FormReader:
    """Turns the responses of one form into records."""

    def __init__(self, form: FormDefinition, plan: QuestionPlan, columns: dict[str, str]):
        self.form = form
        self.plan = plan
        self.columns = columns  # feedback field → question id
        self.mapped = set(columns.values())
        questions = [*form.questions.values(), *(Question(qid, qid) for qid in plan.overrides if qid not in form.questions)]
        plan.decide_primaries((question, ()) for question in questions if question.id not in self.mapped)
        self.comment_questions = () if "comment" in columns else explaining(
            plan.reading(question) if question.id not in self.mapped else None for question in form.questions.values()
        )  # fmt: skip

    def normalize(self, raw: dict[str, Any], builder: RecordBuilder) -> FeedbackRecord:
        answers = raw.get("answers") or {}
        texts = {qid: _texts(answer) for qid, answer in answers.items()}
        fields = {name: coerce.field_value(name, texts[qid][0], column=qid) for name, qid in self.columns.items()
                  if name not in ("email", "phone", "submitted_at", "id") and texts.get(qid)}  # fmt: skip
        contact = raw.get("respondentEmail") or _first(texts, self.columns.get("email"))
        found = [self._answer(qid, values) for qid, values in texts.items() if qid not in self.mapped and values]
        return builder.build(
            native_id=str(raw["responseId"]),
            raw=raw,
            answers=[answer for answer in found if answer is not None],
            submitted_at=field_timestamp(raw.get("createTime"), "createTime") or field_timestamp(raw.get("lastSubmittedTime"), "lastSubmittedTime"),
            updated_at=field_timestamp(raw.get("lastSubmittedTime"), "lastSubmittedTime"),
            respondent_key=builder.respondent_key(contact),
            survey_id=self.form.form_id,
            survey_name=self.form.title or None,
            comment_from=self.comment_questions,
            **fields,
        )

    def _answer(self, qid: str, values: list[str]) -> AnswerInput | None:
        question = self.form.questions.get(qid) or Question(qid, qid)
        if question.kind == "multi":
            return self.plan.answer(question, values)
        text = values[0]
        if question.kind == "scale":
            number = parse_number(text)
            return self.plan.answer(question, text if number is None else number)
        if text in question.choices:
            return self.plan.answer(question, question.choices[text], label=text)
        return self.plan.answer(question, text, label=text if question.kind == "choice" else None)


def _texts(answer: dict[str, Any]) -> list[str]:
    """An answer's values: the text answers, or the names of uploaded files."""
    if "textAnswers" in answer:
        return [str(item.get("value", "")) for item in answer["textAnswers"].get("answers") or []]
    if "fileUploadAnswers" in answer:
        return [str(item.get("fileName") or item.get("fileId")) for item in answer["fileUploadAnswers"].get("answers") or []]
    return []


def _first(texts: dict[str, list[str]], qid: str | None) -> str | None:
    values = texts.get(qid or "")
    return values[0] if values else None

