"""SurveyMonkey API v3 responses saved as JSON (`GET /surveys/{id}/responses/bulk`), with the
survey's `GET /surveys/{id}/details` as its definition: answers are choice ids, and only the
details say what each id reads as."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from cxbridge.exports.layout import FormatKnowledge, LayoutOptions, Recognition, named_fields
from cxbridge.exports.qualtrics_definition import ColumnMeaning, plain_text
from cxbridge.tabular.json_records import RecordSet
from cxbridge.tabular.table import Column, Row, Table

NAME = "surveymonkey_json"
METADATA = ("id", "date_created", "date_modified", "response_status", "collector_id", "total_time",
            "collection_mode", "ip_address", "email_address", "first_name", "last_name", "recipient_id",
            "custom_value")  # fmt: skip
PERSONAL = frozenset({"ip_address", "email_address", "first_name", "last_name"})
_FIELDS = (
    ("id", "id", "SurveyMonkey's response id"),
    ("submitted_at", "date_modified", "when the response was last changed (completed)"),
    ("updated_at", "date_modified", "SurveyMonkey's modification time"),
    ("email", "email_address", "the e-mail of an e-mail-invitation collector"),
    ("status", "response_status", "completed or partial"),
)


@dataclass(frozen=True)
class MonkeyQuestion:
    heading: str
    family: str
    choices: dict[str, str] = field(default_factory=dict)
    rows: dict[str, str] = field(default_factory=dict)
    other: str | None = None


@dataclass
class SurveyMonkeyDetails:
    survey_id: str | None
    survey_name: str | None
    questions: dict[str, MonkeyQuestion]

    def choice_text(self, question_id: str, choice_id: str) -> str | None:
        question = self.questions.get(question_id)
        return question.choices.get(choice_id) if question else None

    def meaning(self, key: str) -> ColumnMeaning | None:
        question_id, _, row_id = key.partition("_")
        question = self.questions.get(question_id)
        if question is None:
            return None
        if row_id == "other":
            return ColumnMeaning(question_id, f"{question.heading} - {question.other or 'Other'}", "text", {})
        text = f"{question.heading} - {question.rows[row_id]}" if row_id in question.rows else question.heading
        kind = {"open_ended": "text", "multiple_choice": "multi"}.get(question.family, "choice")
        numeric = {label: float(label) for label in question.choices.values() if _is_number(label)}
        return ColumnMeaning(question_id, text, kind, numeric)


def parse_details(document: Any) -> SurveyMonkeyDetails | None:
    if not isinstance(document, dict) or not isinstance(document.get("pages"), list) or "title" not in document:
        return None
    questions = {}
    for page in document["pages"]:
        for question in page.get("questions", []):
            answers = question.get("answers") or {}
            heading = plain_text(((question.get("headings") or [{}])[0]).get("heading", ""))
            questions[str(question["id"])] = MonkeyQuestion(
                heading=heading,
                family=question.get("family", ""),
                choices={str(c["id"]): plain_text(c.get("text", "")) for c in answers.get("choices", [])},
                rows={str(r["id"]): plain_text(r.get("text", "")) for r in answers.get("rows", [])},
                other=plain_text(answers["other"].get("text", "")) if answers.get("other") else None,
            )
    return SurveyMonkeyDetails(str(document.get("id")), document.get("title"), questions)


def recognize(records: RecordSet) -> Recognition | None:
    preview = records.preview(5)
    if not preview or not all(isinstance(r.get("pages"), list) and "response_status" in r for _, r in preview):
        return None
    return Recognition(NAME, 0.97, [f"a {records.container!r} list of responses with pages and response_status: "
                                    "SurveyMonkey's responses/bulk"])  # fmt: skip


def to_table(records: RecordSet, options: LayoutOptions) -> Table:
    details = options.definition if isinstance(options.definition, SurveyMonkeyDetails) else None
    keys: dict[str, None] = dict.fromkeys(METADATA)
    for _, record in records.preview():
        keys.update(dict.fromkeys(_answers(record, details)))
    columns = [_column(key, details) for key in keys]

    def read_rows() -> Iterator[Row]:
        for number, record in records.records():
            values = {key: _scalar(record.get(key)) for key in METADATA}
            values |= {f"custom_{k}": v for k, v in (record.get("custom_variables") or {}).items()}
            yield Row(number, values | _answers(record, details))

    table = Table(file=records.file, sheet=None, format=NAME, columns=columns, read_rows=read_rows)
    if details is not None:
        table.survey_id, table.survey_name = details.survey_id, details.survey_name
    return table


def knowledge(table: Table) -> FormatKnowledge:
    known = named_fields(table, _FIELDS)
    known.metadata.update(METADATA)
    known.questions = [column.key for column in table.columns if column.key not in METADATA]
    return known


def _answers(record: dict[str, Any], details: SurveyMonkeyDetails | None) -> dict[str, Any]:
    """`{question id[_row id]: answer}`; several choices of one question make a list."""
    answers: dict[str, Any] = {}
    for page in record.get("pages", []):
        for question in page.get("questions", []):
            qid = str(question.get("id"))
            for answer in question.get("answers", []):
                key, value = _answer(qid, answer, details)
                if key in answers:
                    previous = answers[key]
                    answers[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
                else:
                    answers[key] = value
    return answers


def _answer(qid: str, answer: dict[str, Any], details: SurveyMonkeyDetails | None) -> tuple[str, Any]:
    if "other_id" in answer:
        return f"{qid}_other", answer.get("text")
    key = f"{qid}_{answer['row_id']}" if "row_id" in answer else qid
    if "choice_id" in answer:
        choice = str(answer["choice_id"])
        return key, (details.choice_text(qid, choice) if details else None) or choice
    return key, answer.get("text")


def _column(key: str, details: SurveyMonkeyDetails | None) -> Column:
    if key in METADATA:
        return Column(key=key, text=key, kind="metadata")
    meaning = details.meaning(key) if details else None
    if meaning is None:
        return Column(key=key, text=key)
    return Column(key=key, text=meaning.text, choices=meaning.choices, kind=meaning.kind)


def _scalar(value: Any) -> Any:
    return None if value in ("", {}, []) else value


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
