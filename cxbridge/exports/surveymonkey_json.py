"""SurveyMonkey API v3 responses saved as JSON (`GET /surveys/{id}/responses/bulk`), with the
survey's `GET /surveys/{id}/details` as its definition: answers are choice ids, and only the
details say what each id reads as — the same reading as the surveymonkey source's
(`surveymonkey_details`): the NPS question 0–10 by place, never its −100/0/100 weight."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cxbridge.exports.layout import FormatKnowledge, LayoutOptions, Recognition, named_fields
from cxbridge.exports.qualtrics_fields import defined_column
from cxbridge.exports.surveymonkey_details import SurveyDefinition, is_details, names_only_a_row
from cxbridge.exports.surveymonkey_details import parse_details as parse
from cxbridge.tabular.json_records import RecordSet
from cxbridge.tabular.table import Column, Row, Table

NAME = "surveymonkey_json"
METADATA = ("id", "date_created", "date_modified", "response_status", "collector_id", "total_time",
            "collection_mode", "ip_address", "email_address", "first_name", "last_name", "recipient_id",
            "custom_value")  # fmt: skip
CONTACT = "contact_"  # a Contact Information answer's column: contact_<row type>, as the surveymonkey source keys it
CONTACTS = frozenset({CONTACT + "email", CONTACT + "phone"})  # hashed
PERSONAL = frozenset({"ip_address", "email_address", "first_name", "last_name"}) | {
    CONTACT + kind for kind in ("name", "company", "address", "address2", "city", "state", "zip", "country")
}  # fmt: skip
_FIELDS = (
    ("id", "id", "SurveyMonkey's response id"),
    ("submitted_at", "date_modified", "when the response was last changed (completed)"),
    ("updated_at", "date_modified", "SurveyMonkey's modification time"),
    ("email", "email_address", "the e-mail of an e-mail-invitation collector"),
    ("phone", "contact_phone", "the Contact Information question's phone"),
    ("status", "response_status", "completed or partial"),
)


def parse_details(document: Any) -> SurveyDefinition | None:
    """The survey's details (`cxbridge.exports.surveymonkey_details`), if `document` is one."""
    return parse(document) if is_details(document) else None


def recognize(records: RecordSet) -> Recognition | None:
    preview = records.preview(5)
    if not preview or not all(isinstance(r.get("pages"), list) and "response_status" in r for _, r in preview):
        return None
    return Recognition(NAME, 0.97, [f"a {records.container!r} list of responses with pages and response_status: "
                                    "SurveyMonkey's responses/bulk"])  # fmt: skip


def to_table(records: RecordSet, options: LayoutOptions) -> Table:
    details = options.definition if isinstance(options.definition, SurveyDefinition) else None
    keys: dict[str, None] = dict.fromkeys(METADATA)
    keys.update(dict.fromkeys(part.question.id for part in details.ordered()) if details else {})
    for _, record in records.preview():
        keys.update(dict.fromkeys(_answers(record, details)[0]))
    columns = [_column(key, details) for key in keys]

    def read_rows() -> Iterator[Row]:
        for number, record in records.records():
            values = {key: _scalar(record.get(key)) for key in METADATA}
            values |= {f"custom_{k}": v for k, v in (record.get("custom_variables") or {}).items()}
            answers, labels = _answers(record, details)
            yield Row(number, values | answers, labels)

    table = Table(file=records.file, sheet=None, format=NAME, columns=columns, read_rows=read_rows)
    if details is not None:
        table.survey_id, table.survey_name = details.survey_id or None, details.title or None
    return table


def no_details_warning(table: Table) -> str | None:
    """What to tell the user when responses/bulk are read without the survey's details (the table
    then carries no survey id): answers stay choice ids no metric reads, and a Contact Information
    question's rows cannot be told from other answers, so they are kept as written."""
    if table.format != NAME or table.survey_id is not None:
        return None
    return (f"{table.where}: SurveyMonkey responses read without the survey's details (GET /surveys/{{id}}/details) "
            "as their definition: answers are stored as choice ids, unscored, and a Contact Information question's "
            "answers as written; import it with --definition DETAILS.json (definition = in a source)")


def knowledge(table: Table) -> FormatKnowledge:
    known = named_fields(table, _FIELDS)
    known.metadata.update(METADATA)
    known.questions = [column.key for column in table.columns if column.key not in METADATA]
    return known


def _answers(record: dict[str, Any], details: SurveyDefinition | None) -> tuple[dict[str, Any], dict[str, str]]:
    """`{question id[_row id]: answer}`, several choices of one question making a list, and the
    label shown of each scored choice answered alone (read as the API's answer is: a rating's
    options "1" … "5" weighed −2 … 2 score the numbers shown, `RowNormalizer._read_choice`)."""
    answers: dict[str, Any] = {}
    labels: dict[str, str] = {}
    for page in record.get("pages", []):
        for question in page.get("questions", []):
            qid = str(question.get("id"))
            for answer in question.get("answers", []):
                key, value, label = _answer(qid, answer, details)
                if key in answers:
                    previous = answers[key]
                    answers[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
                    labels.pop(key, None)
                else:
                    answers[key] = value
                    if label is not None:
                        labels[key] = label
    return answers, labels


def _answer(qid: str, answer: dict[str, Any], details: SurveyDefinition | None) -> tuple[str, Any, str | None]:
    """The column, value and scored label of one answer object: through the details, the part it
    answers and what its option stands for (the NPS question's 0–10, a rating's weight, a number,
    a label) with the option as shown; without them, the ids as they are."""
    part = details.part(qid, answer) if details else None
    if part is None:
        return *_undefined_answer(qid, answer), None
    if part.demographic:  # hashed or removed by this name, whatever the question's id
        return CONTACT + part.demographic, answer.get("text"), None
    if "choice_id" not in answer:
        return part.question.id, True if names_only_a_row(answer) else answer.get("text"), None
    choice = part.choices.get(str(answer["choice_id"]))
    if choice is None:
        return part.question.id, str(answer["choice_id"]), None
    if not choice.scored:
        return part.question.id, choice.label, None
    if choice.weight is not None and choice.label:  # scored by rank: the cell keeps the weight, the label the rank
        return part.question.id, choice.weight, choice.label
    return part.question.id, choice.value, choice.label if isinstance(choice.value, int | float) else None


def _undefined_answer(qid: str, answer: dict[str, Any]) -> tuple[str, Any]:
    if "other_id" in answer:
        return f"{qid}_other", answer.get("text")
    key = f"{qid}_{answer['row_id']}" if "row_id" in answer else qid
    return key, str(answer["choice_id"]) if "choice_id" in answer else answer.get("text")


def _column(key: str, details: SurveyDefinition | None) -> Column:
    if key in METADATA:
        return Column(key=key, text=key, kind="metadata")
    meaning = details.meaning(key) if details else None
    if meaning is None:
        return Column(key=key, text=key)
    return defined_column(key, meaning)


def _scalar(value: Any) -> Any:
    return None if value in ("", {}, []) else value
