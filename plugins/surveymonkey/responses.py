"""SurveyMonkey responses (`responses/bulk`) as feedback records: each answer object is read
through the survey's details (`survey.py`) — a choice id becomes the number or text it stands
for, a row id the matrix row it answers — and scored by `cxbridge.questions` under the config's
per-question overrides."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any

from cxbridge.detection.meaning import scores_ranks
from cxbridge.detection.weights import WeightFields
from cxbridge.errors import DataError
from cxbridge.normalize import AnswerInput, RecordBuilder
from cxbridge.exports.surveymonkey_details import Choice, Part, SurveyDefinition, names_only_a_row
from cxbridge.questions import Question, QuestionPlan
from cxbridge.record_comment import explaining
from cxbridge.records import FeedbackRecord
from cxbridge.tabular import values as coerce
from cxbridge.tabular.cells import parse_number
from cxbridge.timestamps import field_timestamp

CONTACT_KEY = "contact_"  # a Contact Information answer's text is kept under contact_<row type>
KEPT_METADATA = ("collector_id", "custom_value")


class ResponseReader:
    """Turns the responses of one survey into records."""

    def __init__(self, definition: SurveyDefinition, plan: QuestionPlan, columns: dict[str, str], *,
                 channels: dict[str, str] | None = None, acknowledged: Collection[str] = ()):  # fmt: skip
        self.definition = definition
        self.plan = plan
        self.columns = columns  # feedback field → custom variable or question id
        self.channels = channels or {}  # collector id → channel
        self.mapped = set(columns.values())
        self.weights = WeightFields("custom variable", acknowledged=acknowledged)
        scored = [part for part in definition.ordered() if part.question.id not in self.mapped and not part.demographic]
        plan.decide_primaries((part.question, (part.parent,)) for part in scored)
        self.comment_questions = () if "comment" in columns else explaining(
            plan.reading(part.question, also=(part.parent,)) for part in scored
        )  # fmt: skip

    def normalize(self, raw: dict[str, Any], builder: RecordBuilder) -> FeedbackRecord:
        custom = {key: value for key, value in (raw.get("custom_variables") or {}).items() if value not in (None, "")}
        parts = list(self._parts(raw))
        texts = {part.question.id: _texts(answers) for part, answers in parts}
        fields = self._fields(custom, texts)
        answers = [found for part, objects in parts if part.question.id not in self.mapped and not part.demographic
                   and (found := self._answer(part, objects)) is not None]  # fmt: skip
        attributes = {key: value for key, value in custom.items() if key not in self.mapped}
        self.weights.read(attributes)  # a weighted study's weight: warned of (docs/report.md#weights)
        attributes |= {key: raw[key] for key in KEPT_METADATA if raw.get(key) not in (None, "")}
        status = raw.get("response_status")
        if self.definition.language and "language" not in fields:
            fields["language"] = coerce.field_value("language", self.definition.language, column="details.language")
        if (channel := self.channels.get(str(raw.get("collector_id")))) and "channel" not in fields:
            fields["channel"] = channel
        return builder.build(
            native_id=str(raw["id"]),
            raw=raw,
            answers=answers,
            submitted_at=field_timestamp(raw.get("date_modified"), "date_modified"),
            updated_at=field_timestamp(raw.get("date_modified"), "date_modified"),
            respondent_key=builder.respondent_key(*self._contacts(raw, custom, texts, parts)),
            survey_id=self.definition.survey_id or str(raw.get("survey_id") or "") or None,
            survey_name=self.definition.title or None,
            attributes=attributes,
            comment_from=self.comment_questions,
            **({"status": coerce.field_value("status", status, column="response_status")} if status else {}),
            **fields,
        )

    def _parts(self, raw: dict[str, Any]) -> Iterator[tuple[Part, list[dict[str, Any]]]]:
        """Each part a response answers, with its answer objects, in the response's order."""
        grouped: dict[str, tuple[Part, list[dict[str, Any]]]] = {}
        for page in raw.get("pages") or []:
            for question in page.get("questions") or []:
                qid = str(question.get("id"))
                for answer in question.get("answers") or []:
                    part = self.definition.part(qid, answer) or _unknown(qid, answer)
                    grouped.setdefault(part.question.id, (part, []))[1].append(answer)
        return iter(grouped.values())

    def _answer(self, part: Part, objects: list[dict[str, Any]]) -> AnswerInput | None:
        question, also = part.question, (part.parent,)
        chosen = [self._choice(part, answer) for answer in objects if "choice_id" in answer]
        if question.kind == "multi":
            return self.plan.answer(question, [choice.label or str(choice.value) for choice in chosen], also=also)
        if len(chosen) == 1:
            [choice] = chosen
            return self.plan.answer(question, self._scored(part, choice), label=choice.label, also=also)
        typed = _texts(objects)
        if not typed:
            return self.plan.answer(question, True, also=also) if any(map(names_only_a_row, objects)) else None
        value: Any = typed[0] if len(typed) == 1 else typed
        if question.kind in ("scale", "other") and len(typed) == 1 and (number := parse_number(typed[0])) is not None:
            value = number
        return self.plan.answer(question, value, also=also)

    def _scored(self, part: Part, choice: Choice) -> Any:
        """What a chosen option scores: its value — but a rating ranked for its gapped weights
        scores its weight where the config sets a scale other than the ranks' (`[0, 100]`), as
        a file import's cell, which keeps the weight, reads under that scale."""
        if not choice.scored:
            return None
        if choice.weight is None:
            return choice.value
        reading = self.plan.reading(part.question, also=(part.parent,))
        return choice.value if scores_ranks(reading.spec if reading else None, part.question.scale) else choice.weight

    def _choice(self, part: Part, answer: dict[str, Any]) -> Choice:
        choice_id = str(answer["choice_id"])
        if choice_id in part.choices:
            return part.choices[choice_id]
        reading = self.plan.reading(part.question, also=(part.parent,))
        if reading is not None and reading.spec is not None:
            raise DataError(
                f"question {part.question.id!r}: choice {choice_id} is not among the options of the survey's details "
                "(an option deleted since?); replay the record from quarantine once the details list it, or set the "
                "question's ignore = true",
                field=part.question.id,
                kind="unknown-choice",
            )
        return Choice(choice_id, None)

    def _fields(self, custom: dict[str, Any], texts: dict[str, list[str]]) -> dict[str, Any]:
        """The feedback fields `[columns]` names: from a custom variable, else a question's answer."""
        found = {}
        for name, key in self.columns.items():
            if name in ("email", "phone", "id", "submitted_at"):
                continue
            value = custom.get(key) if key in custom else next(iter(texts.get(key) or []), None)
            if value not in (None, ""):
                found[name] = coerce.field_value(name, value, column=key)
        return found

    def _contacts(self, raw: dict[str, Any], custom: dict[str, Any], texts: dict[str, list[str]],
                  parts: list[tuple[Part, list[dict[str, Any]]]]) -> Iterator[Any]:  # fmt: skip
        """The respondent's e-mails and phones, the first that keys someone keying the response: a
        mapped custom variable or question, the invitation's address, the Contact Information answers."""
        for name in ("email", "phone"):
            if key := self.columns.get(name):
                yield custom.get(key) or next(iter(texts.get(key) or []), None)
        yield raw.get("email_address")
        for _, objects in parts:
            for answer in objects:
                yield from (answer.get(CONTACT_KEY + kind) for kind in ("email", "phone"))


def _texts(objects: list[dict[str, Any]]) -> list[str]:
    """The typed texts of a part's answer objects (an "Other" box, an open answer, a slider)."""
    return [text for answer in objects if "choice_id" not in answer and (text := str(answer.get("text") or "").strip())]


def _unknown(qid: str, answer: dict[str, Any]) -> Part:
    """A question the details do not list (deleted since the response): kept, unscored, by id."""
    row = answer.get("row_id")
    key = f"{qid}_{row}" if row not in (None, "") else qid
    return Part(Question(key, key, "other"), qid)
