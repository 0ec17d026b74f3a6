"""Typeform responses as feedback records. Each answer names its field (`field.id`) and holds its
value under a key named after its `type` (`number`, `text`, `choice`, `choices`, `boolean`, …);
it is read through the form's field (scale, choices, matrix row) and scored by
`cxbridge.questions` under the config's overrides. Hidden fields become attributes or, when the
config maps them, feedback fields."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cxbridge.normalize import AnswerInput, RecordBuilder
from cxbridge.plugins.typeform.form import FormDefinition
from cxbridge.questions import Question, QuestionPlan
from cxbridge.record_comment import explaining
from cxbridge.records import FeedbackRecord
from cxbridge.tabular import values as coerce
from cxbridge.timestamps import field_timestamp

CONTACT_ANSWERS = ("email", "phone_number")  # answer types whose value identifies the respondent
SCALE_FIELDS = frozenset({"nps", "opinion_scale", "rating"})  # field types whose answers are points of a scale
_UNSET_YEAR = 1  # Typeform writes "0001-01-01T00:00:00Z" for a response never submitted


class FormReader:
    """Turns the responses of one form into records."""

    def __init__(self, form: FormDefinition, plan: QuestionPlan, columns: dict[str, str]):
        self.form = form
        self.plan = plan
        self.columns = columns  # feedback field → hidden field name, or field id/ref
        self.mapped = {self.form.field_id(key) or key for name, key in columns.items() if name != "comment"}
        self._no_scale: set[str] = set()  # scale fields already named in the plan's warnings
        plan.decide_primaries((question, ()) for question in form.questions.values() if question.id not in self.mapped)
        self.comment_fields = () if "comment" in columns else explaining(
            plan.reading(question) if question.id not in self.mapped else None for question in form.questions.values()
        )  # fmt: skip

    def normalize(self, raw: dict[str, Any], builder: RecordBuilder) -> FeedbackRecord:
        hidden = raw.get("hidden") if isinstance(raw.get("hidden"), dict) else {}
        answers = {str((answer.get("field") or {}).get("id")): answer for answer in raw.get("answers") or []
                   if isinstance(answer, dict) and isinstance(answer.get("field"), dict)}  # fmt: skip
        fields = self._mapped_fields(hidden, answers)
        contacts = self._lookup("email", hidden, answers), self._lookup("phone", hidden, answers), _contact(answers)
        submitted = moment(raw, "submitted_at")
        found = [self._answer(fid, answer) for fid, answer in answers.items() if fid not in self.mapped]
        if self.form.language and "language" not in fields:
            fields["language"] = coerce.field_value("language", self.form.language, column="settings.language")
        return builder.build(
            native_id=native_id(raw),
            raw=raw,
            answers=[answer for answer in found if answer is not None],
            submitted_at=submitted or moment(raw, "staged_at") or moment(raw, "landed_at"),
            updated_at=submitted or moment(raw, "staged_at"),
            status="complete" if submitted else "partial",
            respondent_key=builder.respondent_key(*contacts),  # the first that keys someone
            survey_id=self.form.form_id or str(raw.get("form_id") or "") or None,
            survey_name=self.form.title or None,
            attributes=self._attributes(raw, hidden),
            comment_from=self.comment_fields,
            **fields,
        )

    def _mapped_fields(self, hidden: dict[str, Any], answers: dict[str, dict[str, Any]]) -> dict[str, Any]:
        fields = {}
        for name, key in self.columns.items():
            if name in ("email", "phone", "id", "submitted_at"):
                continue
            value = self._lookup(name, hidden, answers)
            if value not in (None, ""):
                fields[name] = coerce.field_value(name, value, column=key)
        return fields

    def _lookup(self, name: str, hidden: dict[str, Any], answers: dict[str, dict[str, Any]]) -> Any:
        """The value of the hidden field, or the answer of the field (id or ref), a column names."""
        key = self.columns.get(name)
        if key is None:
            return None
        if key in hidden:
            return hidden[key]
        answer = answers.get(self.form.field_id(key) or key)
        return answer_value(answer)[0] if answer is not None else None

    def _answer(self, fid: str, answer: dict[str, Any]) -> AnswerInput | None:
        question = self.form.questions.get(fid) or Question(fid, str(answer["field"].get("ref") or fid))
        value, label = answer_value(answer)
        if value is None:
            return None
        also = (str(answer["field"]["ref"]),) if answer["field"].get("ref") else ()
        self._warn_without_scale(question, str(answer["field"].get("type")), also)
        if question.kind == "choice" and isinstance(value, str) and value in question.choices:
            return self.plan.answer(question, question.choices[value], label=value, also=also)
        return self.plan.answer(question, value, label=label, also=also)

    def _warn_without_scale(self, question: Question, kind: str, also: tuple[str, ...]) -> None:
        """A scale field the form's definition gives no scale for (a field it no longer has, a
        rating without `steps`) is kept unscored, nothing guessed: the summary names it and the
        override that scores it, once."""
        if kind not in SCALE_FIELDS or question.scale is not None or question.id in self._no_scale:
            return
        self._no_scale.add(question.id)
        if not {question.id, *also} & self.plan.overrides.keys():
            self.plan.warnings.append(
                f"question {question.id} ({question.text}): a {kind} answer, but the form's definition gives no scale "
                f"for it (the field is not in it, or has no steps): kept as an answer, unscored; to score it, set "
                f"{self.plan.where}.questions.{question.id}.metric with its scale"
            )

    def _attributes(self, raw: dict[str, Any], hidden: dict[str, Any]) -> dict[str, Any]:
        """Hidden fields the config does not map, and the form's variables (`score`, `price`)."""
        found = {name: value for name, value in hidden.items() if name not in self.columns.values()
                 and value not in (None, "")}  # fmt: skip
        for variable in raw.get("variables") or []:
            if isinstance(variable, dict) and variable.get("key") and variable.get("type") in variable:
                found[f"variables.{variable['key']}"] = variable[variable["type"]]
        calculated = raw.get("calculated")
        if isinstance(calculated, dict) and "score" in calculated and "variables.score" not in found:
            found["calculated.score"] = calculated["score"]
        return found


def answer_value(answer: dict[str, Any]) -> tuple[Any, str | None]:
    """An answer's value and label: a choice is its label (or the text typed as "Other"), a
    dropdown's `text` the label of its option, several choices the list of labels, a number an int
    when whole, anything else the value under its type."""
    kind = answer.get("type")
    if kind == "text" and (answer.get("field") or {}).get("type") == "dropdown":
        return answer.get("text"), answer.get("text")
    if kind == "choice":
        choice = answer.get("choice") or {}
        label = choice.get("label")
        return (label, label) if label is not None else (choice.get("other"), None)
    if kind == "choices":
        choices = answer.get("choices") or {}
        labels = [str(label) for label in choices.get("labels") or []]
        return (labels + [str(choices["other"])] if choices.get("other") else labels) or None, None
    value = answer.get(kind) if isinstance(kind, str) else None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return value, None


def native_id(raw: dict[str, Any]) -> str:
    """`<form id>|<response id>`: response ids are unique per form, not across forms. Typeform's
    own examples leave `response_id` out of some responses; their `landing_id` is the same id."""
    response = raw.get("response_id") or raw.get("landing_id") or raw.get("token")
    return f"{raw.get('form_id')}|{response}" if response else ""


def moment(raw: dict[str, Any], name: str) -> datetime | None:
    """A response time, None when unset (Typeform's year-1 placeholder)."""
    found = field_timestamp(raw.get(name), name)
    return found if found is not None and found.year > _UNSET_YEAR else None


def _contact(answers: dict[str, dict[str, Any]]) -> Any:
    """The first e-mail (else phone) answer: the respondent's own, in a Typeform."""
    for kind in CONTACT_ANSWERS:
        found = next((answer.get(kind) for answer in answers.values() if answer.get("type") == kind), None)
        if found:
            return found
    return None
