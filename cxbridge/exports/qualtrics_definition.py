"""Qualtrics survey definitions — a .qsf file, the v3 API's `GET /surveys/{id}` (camelCase
`questions`) or `GET /survey-definitions/{id}` (PascalCase `Questions`) — as what an import
needs: for each question its text, export tag, type, and answer labels with recode values."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

_TAGS = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"\s+")
_COLUMN = re.compile(r"^(QID\d+)(?:_(\d+))?(?:_(\d+))?(?:_(TEXT|NPS_GROUP))?$")


@dataclass(frozen=True)
class Choice:
    label: str
    value: float | str


@dataclass(frozen=True)
class Question:
    qid: str
    text: str
    export_tag: str | None = None
    kind: str = "other"  # nps, choice, multi, matrix, matrix_multi, slider, text, other
    choices: dict[str, Choice] = field(default_factory=dict)  # choice id → label and recode
    answers: dict[str, Choice] = field(default_factory=dict)  # matrix scale points: answer id → label, recode
    paragraph: bool = False  # a multi-line or essay text entry (TE, selector ML or ESTB): a comment box
    stars: int | None = None  # a star slider's StarCount: each row is answered 0 to that many stars
    slider: tuple[float, float] | None = None  # a bar or slider's CSSliderMin–CSSliderMax


@dataclass(frozen=True)
class ColumnMeaning:
    """What a survey column holds, from the definition."""

    qid: str
    text: str
    kind: str
    choices: dict[str, float]  # answer label → value (numeric recodes only)
    marks_no_answer: bool = False  # the definition flags its no-answer options: a negative value is a score
    paragraph: bool = False  # a multi-line or essay text entry
    stars: int | None = None  # a star slider's row: rated 1 to this many stars
    slider: tuple[float, float] | None = None  # a bar or slider's row: its range


@dataclass
class SurveyDefinition:
    survey_id: str | None
    survey_name: str | None
    questions: dict[str, Question]

    def qid_for_tag(self, tag: str) -> tuple[str, str] | None:
        """`Q2_4` → (`QID2`, `_4`): the question whose export tag starts the column name."""
        for question in sorted(self.questions.values(), key=lambda q: -len(q.export_tag or "")):
            tag_of = question.export_tag
            if tag_of and (tag == tag_of or tag.startswith(tag_of + "_")):
                return question.qid, tag[len(tag_of) :]
        return None

    def answer_keys(self) -> list[str]:
        """The keys a response's single answers go under, in the definition's order: a
        question's id, one per row of a matrix or a slider (`QID5_2`), a text entry's `QID19_TEXT`."""
        keys = []
        for question in self.questions.values():
            if question.kind in ("matrix", "matrix_multi", "slider"):
                keys += [f"{question.qid}_{row}" for row in question.choices]
            elif question.kind == "text":
                keys.append(f"{question.qid}_TEXT")
            elif question.kind != "multi":
                keys.append(question.qid)
        return keys

    def meaning(self, key: str) -> ColumnMeaning | None:
        """What a canonical column (`QID3_1`, `QID2_TEXT`, `QID5_1_3`) holds."""
        match = _COLUMN.match(key)
        if not match or match.group(1) not in self.questions:
            return None
        qid, first, second, suffix = match.groups()
        question = self.questions[qid]
        if suffix == "NPS_GROUP":
            return ColumnMeaning(qid, f"{question.text} (NPS group)", "metadata", {})
        if suffix == "TEXT":
            other = question.choices.get(first or "")
            if other:  # an "Other" box beside a choice
                return ColumnMeaning(qid, f"{question.text} - {other.label}", "text", {})
            return ColumnMeaning(qid, question.text, "text", {}, paragraph=question.paragraph)
        return self._choice_meaning(question, first, second)

    def _choice_meaning(self, question: Question, first: str | None, second: str | None) -> ColumnMeaning:
        if question.kind == "slider" and first is not None:  # a row's answer is a number: stars, or a point of 0–100
            row = question.choices.get(first)
            text = f"{question.text} - {row.label}" if row and row.label else question.text
            return ColumnMeaning(question.qid, text, "scale", {}, stars=question.stars, slider=question.slider)
        if question.kind in ("matrix", "matrix_multi") and first is not None:
            row = question.choices.get(first)
            text = f"{question.text} - {row.label}" if row else question.text
            if second is not None:
                answer = question.answers.get(second)
                return ColumnMeaning(question.qid, f"{text} - {answer.label}" if answer else text, "multi", {})
            return ColumnMeaning(question.qid, text, "choice", _numeric(question.answers))
        if first is not None:
            choice = question.choices.get(first)
            return ColumnMeaning(
                question.qid, f"{question.text} - {choice.label}" if choice else question.text, "multi", {}
            )
        return ColumnMeaning(question.qid, question.text, question.kind, _numeric(question.choices),
                             paragraph=question.paragraph)  # fmt: skip


def parse_definition(document: Any) -> SurveyDefinition | None:
    if not isinstance(document, dict):
        return None
    if "SurveyElements" in document:
        return _from_qsf(document)
    result = document.get("result", document)
    if isinstance(result.get("questions"), dict):
        return _from_api(result)
    if isinstance(result.get("Questions"), dict):
        questions = {qid: _pascal_question(qid, payload) for qid, payload in result["Questions"].items()}
        return SurveyDefinition(result.get("SurveyID"), result.get("SurveyName"), questions)
    return None


def _from_qsf(document: dict[str, Any]) -> SurveyDefinition:
    entry = document.get("SurveyEntry", {})
    questions = {}
    for element in document["SurveyElements"]:
        payload = element.get("Payload")
        if element.get("Element") == "SQ" and isinstance(payload, dict):
            qid = payload.get("QuestionID") or element.get("PrimaryAttribute")
            questions[qid] = _pascal_question(qid, payload)
    return SurveyDefinition(entry.get("SurveyID"), entry.get("SurveyName"), questions)


def _pascal_question(qid: str, payload: dict[str, Any]) -> Question:
    """A question as .qsf files and survey-definitions write it (QuestionText, Choices, …)."""
    recodes = payload.get("RecodeValues") or {}
    choices = {
        str(cid): Choice(plain_text(c.get("Display", "")), _recode(recodes.get(str(cid), cid)))
        for cid, c in _keyed(payload.get("Choices")).items()
    }
    answers = {
        str(aid): Choice(plain_text(a.get("Display", "")), _recode(recodes.get(str(aid), aid)))
        for aid, a in _keyed(payload.get("Answers")).items()
    }
    if answers:  # in a matrix the recodes belong to the scale points, not the rows
        choices = {cid: Choice(choice.label, cid) for cid, choice in choices.items()}
    kind = _kind(payload.get("QuestionType"), payload.get("Selector"), payload.get("SubSelector"))
    text = plain_text(payload.get("QuestionText") or "") or plain_text(payload.get("QuestionDescription") or "")
    return Question(qid, text, payload.get("DataExportTag"), kind, choices, answers,
                    paragraph=_paragraph(payload.get("QuestionType"), payload.get("Selector")),
                    stars=_stars(payload) if kind == "slider" else None,
                    slider=_slider_range(payload) if kind == "slider" else None)  # fmt: skip


def _stars(payload: dict[str, Any]) -> int | None:
    """A star slider's number of stars (`Selector` STAR, `Configuration.StarCount`); None for a bar or a slider."""
    count = (payload.get("Configuration") or {}).get("StarCount")
    if payload.get("Selector") != "STAR" or isinstance(count, bool) or not isinstance(count, int | str):
        return None
    return int(count) if str(count).isdigit() and int(count) >= 2 else None


def _slider_range(payload: dict[str, Any]) -> tuple[float, float] | None:
    """A bar or slider's `Configuration.CSSliderMin`–`CSSliderMax`; None for stars, or without both."""
    configuration = payload.get("Configuration") or {}
    ends = [_recode(configuration.get(end)) for end in ("CSSliderMin", "CSSliderMax")]
    if payload.get("Selector") == "STAR" or not all(isinstance(end, int | float) for end in ends):
        return None
    return (ends[0], ends[1]) if ends[0] < ends[1] else None  # type: ignore[return-value]


def _keyed(choices: Any) -> dict[Any, dict[str, Any]]:
    """Choices by id: an NPS question's are a list of its eleven points, each's id its place ("0"–"10")."""
    if isinstance(choices, list):
        return dict(enumerate(choices))
    return choices or {}


def _from_api(result: dict[str, Any]) -> SurveyDefinition:
    questions = {}
    for qid, payload in result["questions"].items():
        qtype = payload.get("questionType") or {}
        choices = {
            str(cid): Choice(
                plain_text(c.get("choiceText") or c.get("description") or ""), _recode(c.get("recode", cid))
            )
            for cid, c in (payload.get("choices") or {}).items()
        }
        kind = _kind(qtype.get("type"), qtype.get("selector"), qtype.get("subSelector"))
        text = plain_text(payload.get("questionText") or "")
        questions[qid] = Question(qid, text, payload.get("questionName"), kind, choices,
                                  paragraph=_paragraph(qtype.get("type"), qtype.get("selector")))  # fmt: skip
    return SurveyDefinition(result.get("id"), result.get("name"), questions)


def _kind(question_type: str | None, selector: str | None, sub_selector: str | None) -> str:
    if selector == "NPS":
        return "nps"
    if question_type == "MC":
        return "multi" if selector in ("MAVR", "MAHR", "MACOL", "MSB") else "choice"
    if question_type == "Matrix":
        return "matrix_multi" if sub_selector == "MultipleAnswer" else "matrix"
    if question_type == "TE":
        return "text"
    return "slider" if question_type == "Slider" else "other"


def _paragraph(question_type: str | None, selector: str | None) -> bool:
    """A text entry of several lines or an essay box, not a single line or a form of fields."""
    return question_type == "TE" and selector in ("ML", "ESTB")


def _recode(value: Any) -> float | str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return int(number) if number.is_integer() else number


def _numeric(choices: dict[str, Choice]) -> dict[str, float]:
    return {choice.label: choice.value for choice in choices.values() if isinstance(choice.value, int | float)}


def plain_text(text: str) -> str:
    """Question text without HTML tags and entities, on one line."""
    return _SPACES.sub(" ", html.unescape(_TAGS.sub(" ", text))).strip()
