"""A survey's `GET /surveys/{id}/details` as the parts its answers are keyed by — for the
surveymonkey source and for responses/bulk JSON imported as files (`surveymonkey_json`).

Responses name only ids: a question, a matrix row (`row_id`), a menu column (`col_id`), a chosen
option (`choice_id`) or an "Other" box (`other_id`). Each part is one question as cxbridge scores
it (`cxbridge.questions.Question`), with what each of its choice ids stands for:

- the NPS question (a one-row `matrix`/`rating` of 11 options): the option's place, 0–10 — its
  `weight` is SurveyMonkey's NPS arithmetic (−100 detractor, 0 passive, 100 promoter), never the
  answer;
- other ratings (`matrix`/`rating`, stars and smileys among them): the option's `weight`, the
  number SurveyMonkey itself averages — or, where the weights leave gaps (0/25/50/75/100), the
  option's rank by weight, 1 … n, the weight kept beside it;
- other options: their text, or the number or built-in scale point the text is;
- options marked `is_na`: their text, carrying no score.

An answer naming only a row (a `click_map` region clicked) answers that row's part: `True`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from cxbridge.detection import labels as builtin
from cxbridge.exports.qualtrics_definition import ColumnMeaning, plain_text
from cxbridge.questions import Question
from cxbridge.tabular.cells import parse_number, whole_number

NPS_WEIGHTS = (-100,) * 7 + (0,) * 2 + (100,) * 2  # what SurveyMonkey weighs NPS options 0–10 with
DEMOGRAPHIC_CONTACTS = frozenset({"email", "phone"})
_NUMBER_AT_AN_END = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:[-–—:]\s*\D.*)?$"  # "10 - Extremely likely", "3"
                               r"|^.*\D\s*[-–—:]\s*(\d+(?:\.\d+)?)\s*$")  # "Not at all likely - 0"


@dataclass(frozen=True)
class Choice:
    """What one choice id stands for: `value` is scored (a number, or a text for labels), `label`
    is the option as shown (None for a blank star); `scored` is False for an N/A option; `weight`
    is set where the value is the option's rank, not its weight."""

    value: Any
    label: str | None
    scored: bool = True
    weight: float | None = None  # a rating scored by rank (its weights leave gaps): the option's weight


@dataclass
class Part:
    """One question as scored: a SurveyMonkey question, one row of a matrix, one cell column of a
    menu matrix, or an "Other" box. `key` is its place in a response's answers."""

    question: Question
    parent: str  # the SurveyMonkey question id (an override may name it for every row)
    choices: dict[str, Choice] = field(default_factory=dict)
    demographic: str | None = None  # the row type of a Contact Information question: name, email, …
    is_rating: bool = False  # a weighted rating: scored as `rating` unless its wording or labels say more


@dataclass
class SurveyDefinition:
    survey_id: str
    title: str
    language: str | None
    parts: dict[tuple[str, str | None, str | None], Part]  # (question, row, column) → part; (question, "other", None)

    @property
    def survey_name(self) -> str | None:
        return self.title or None

    def part(self, question_id: str, answer: dict[str, Any]) -> Part | None:
        """The part an answer object belongs to (None: a question the details do not list)."""
        if "other_id" in answer:
            return self.parts.get((question_id, "other", None))
        row, column = _id(answer.get("row_id")), _id(answer.get("col_id"))
        return (self.parts.get((question_id, row, column)) or self.parts.get((question_id, row, None))
                or self.parts.get((question_id, None, None)))  # fmt: skip

    def ordered(self) -> Iterator[Part]:
        """Each part once, in the survey's order."""
        return iter({id(part): part for part in self.parts.values()}.values())

    def meaning(self, key: str) -> ColumnMeaning | None:
        """What the column `key` (a part's question id) of an imported file holds."""
        part = next((part for part in self.ordered() if part.question.id == key), None)
        if part is None:
            return None
        question = part.question
        return ColumnMeaning(part.parent, question.text, question.kind, dict(question.choices), question.marks_no_answer,
                             stars=_icons(part))  # fmt: skip


def _icons(part: Part) -> int | None:
    """An unlabelled rating's options 1 … n (stars, smileys, bare weights or ranks): a row of n
    icons, read as the connector reads it (`questions.rating_spec`); None for any other part."""
    scale = part.question.scale
    if not part.is_rating or part.question.kind != "scale" or scale is None or scale[0] != 1:
        return None
    return int(scale[1])


def names_only_a_row(answer: dict[str, Any]) -> bool:
    """A click map's answer: the region clicked (its row) and nothing else — no option, no text.
    The row's part is answered: `True`, the click."""
    return _id(answer.get("row_id")) is not None and not any(answer.get(key) for key in ("choice_id", "other_id", "text"))


def is_details(document: Any) -> bool:
    """Whether a JSON document is a survey's details (a title and its pages)."""
    return isinstance(document, dict) and isinstance(document.get("pages"), list) and "title" in document


def parse_details(details: dict[str, Any]) -> SurveyDefinition:
    parts: dict[tuple[str, str | None, str | None], Part] = {}
    for page in details.get("pages") or []:
        for question in page.get("questions") or []:
            if question.get("family") != "presentation":
                parts.update(_question_parts(question))
    return SurveyDefinition(str(details.get("id") or ""), plain_text(details.get("title") or ""),
                            details.get("language") or None, parts)  # fmt: skip


def _question_parts(question: dict[str, Any]) -> dict[tuple[str, str | None, str | None], Part]:
    qid = str(question["id"])
    heading = _heading(question) or qid
    answers = question.get("answers") or {}
    rows = [row for row in answers.get("rows") or [] if "id" in row]
    columns = [column for column in answers.get("cols") or [] if "id" in column]
    family, subtype = question.get("family", ""), question.get("subtype", "")
    parts: dict[tuple[str, str | None, str | None], Part] = {}
    if columns:  # a menu matrix: each row × column is one dropdown
        for row in rows:
            for column in columns:
                text = _joined(heading, _text(row), _text(column))
                key = f"{qid}_{row['id']}_{column['id']}"
                choices = _labelled_choices(column.get("choices") or [])
                part = Part(_question(key, text, "choice", choices), qid, choices)
                parts[(qid, str(row["id"]), str(column["id"]))] = part
    elif rows and not (len(rows) == 1 and not _text(rows[0]) and family == "matrix"):
        for row in rows:
            key, text = f"{qid}_{row['id']}", _joined(heading, _text(row) or row.get("type") or "")
            part = _part(question, key, text, family, subtype)
            part.demographic = row.get("type") if family == "demographic" else None
            parts[(qid, str(row["id"]), None)] = part
    else:
        part = _part(question, qid, heading, family, subtype)
        parts[(qid, str(rows[0]["id"]) if rows else None, None)] = part
        parts.setdefault((qid, None, None), part)
    other = answers.get("other")
    if isinstance(other, dict) and "id" in other:
        text = _joined(heading, plain_text(other.get("text") or "") or "Other")
        parts[(qid, "other", None)] = Part(Question(f"{qid}_other", text, "other"), qid)  # an answer, not a comment
    return parts


def _part(question: dict[str, Any], key: str, text: str, family: str, subtype: str) -> Part:
    """One question (or row) of a family that is not a menu matrix."""
    options = (question.get("answers") or {}).get("choices") or []
    display = question.get("display_options") or {}
    if family == "matrix" and subtype == "rating" and (nps := _nps_choices(options)):
        return Part(_question(key, text, "nps", nps, scale=(0.0, 10.0)), str(question["id"]), nps)
    if family == "matrix" and subtype == "rating" and (weighted := _weighted_choices(options)):
        scored = [choice for choice in weighted.values() if choice.scored]
        scale = _bounds(choice.value for choice in scored)
        labelled = display.get("display_type") != "emoji" and all(choice.label for choice in scored)
        scored_as = _question(key, text, "choice", weighted, scale=scale) if labelled else Question(key, text, "scale",
                                                                                                   scale=scale)  # fmt: skip
        weighed = _bounds(choice.weight for choice in scored if choice.weight is not None)
        return Part(replace(scored_as, weighed=weighed), str(question["id"]), weighted, is_rating=True)
    if family == "open_ended" and display.get("display_type") == "slider":
        return Part(Question(key, text, "scale", scale=_slider_range(question)), str(question["id"]))
    if family in ("single_choice", "multiple_choice", "matrix"):
        choices = _labelled_choices(options)
        kind = "multi" if family == "multiple_choice" or subtype == "multi" else "choice"
        return Part(_question(key, text, kind, choices), str(question["id"]), choices)
    if family == "open_ended" and subtype == "numerical":
        return Part(Question(key, text, "other"), str(question["id"]))
    if family == "open_ended":  # an essay is a comment box: a paragraph
        return Part(Question(key, text, "text", paragraph=subtype == "essay"), str(question["id"]))
    return Part(Question(key, text, "other"), str(question["id"]))


def _question(key: str, text: str, kind: str, choices: dict[str, Choice],
              scale: tuple[float, float] | None = None) -> Question:  # fmt: skip
    """The question as cxbridge scores it: the numbers its labelled options stand for (an N/A
    option is flagged, and left out: a negative weight is a score)."""
    numbers = {c.label: float(c.value) for c in choices.values()
               if c.scored and c.label and isinstance(c.value, int | float)}  # fmt: skip
    return Question(key, text, kind, scale=scale, choices=numbers, marks_no_answer=True)


def _nps_choices(options: list[dict[str, Any]]) -> dict[str, Choice] | None:
    """The options of an NPS question as 0–10 by place, if they are one: eleven options (besides
    any N/A) weighed as SurveyMonkey weighs NPS, or whose texts are the numbers 0 to 10."""
    ordered = _in_order(options)
    scored = [option for option in ordered if not option.get("is_na")]
    if len(scored) != 11:
        return None
    weights = tuple(option.get("weight") for option in scored)
    numbers = [_number_in(plain_text(option.get("text") or "")) for option in scored]
    if weights != NPS_WEIGHTS and numbers != list(range(11)):
        return None
    if any(number is not None and number != place for place, number in enumerate(numbers)):
        return None  # the texts say otherwise: not read by place
    found = {str(option["id"]): Choice(place, _label(option)) for place, option in enumerate(scored)}
    return found | _na_choices(ordered)


def _weighted_choices(options: list[dict[str, Any]]) -> dict[str, Choice] | None:
    """A rating's options by `weight`, when the weights make a scale (not all the same) — by
    their rank (`_ranks`) when the weights leave gaps."""
    ordered = _in_order(options)
    scored = [option for option in ordered if not option.get("is_na")]
    weights = [option.get("weight") for option in scored]
    if len(scored) < 2 or not all(isinstance(w, int | float) and not isinstance(w, bool) for w in weights):
        return None
    if len(set(weights)) < 2:
        return None
    ranks = _ranks(weights)
    found = {}
    for place, option in enumerate(scored):
        weight, label = whole_number(option["weight"]), _label(option)
        found[str(option["id"])] = Choice(weight, label) if ranks is None else Choice(ranks[place], label, weight=weight)
    return found | _na_choices(ordered)


def _ranks(weights: list[float]) -> list[int] | None:
    """Weights with gaps (0/25/50/75/100, 10/20/…/50) as the options' ranks by weight, 1 for the
    lowest (the weight is what SurveyMonkey averages, higher is better), whatever order the options
    are shown in; None for weights one apart (−2 … 2, 1 … 5), which are the scale."""
    distinct = sorted(set(weights))
    if all(higher - lower == 1 for lower, higher in zip(distinct, distinct[1:])):
        return None
    rank = {weight: place for place, weight in enumerate(distinct, start=1)}
    return [rank[weight] for weight in weights]


def _labelled_choices(options: list[dict[str, Any]]) -> dict[str, Choice]:
    """Options whose text is a number, or a point of a built-in label scale ("Very satisfied"),
    stand for that number; others for their text."""
    ordered = _in_order(options)
    texts = [plain_text(option.get("text") or "") for option in ordered if not option.get("is_na")]
    scale = builtin.scale_for(texts)
    points = scale.values() if scale else {}
    found = {}
    for option in ordered:
        text = plain_text(option.get("text") or "")
        if option.get("is_na") or builtin.is_no_score(text):
            found[str(option["id"])] = Choice(text, text or None, scored=False)
            continue
        number = _number_in(text)
        value = number if number is not None else points.get(builtin.label_key(text), text)
        found[str(option["id"])] = Choice(whole_number(value), text or None)
    return found


def _na_choices(ordered: list[dict[str, Any]]) -> dict[str, Choice]:
    return {str(option["id"]): Choice(_label(option), _label(option), scored=False)
            for option in ordered if option.get("is_na")}  # fmt: skip


def _in_order(options: list[dict[str, Any]]) -> list[dict[str, Any]]:
    kept = [option for option in options if "id" in option]
    return sorted(kept, key=lambda option: option.get("position") or 0)


def _slider_range(question: dict[str, Any]) -> tuple[float, float]:
    """A slider's range: its validation's min and max when given, else SurveyMonkey's 0–100."""
    validation = question.get("validation") or {}
    low, high = parse_number(str(validation.get("min", ""))), parse_number(str(validation.get("max", "")))
    return (low, high) if low is not None and high is not None and low < high else (0.0, 100.0)


def _number_in(text: str) -> float | None:
    """The number an option's text gives, alone or at one end ("Not at all likely - 0")."""
    match = _NUMBER_AT_AN_END.match(text)
    return float(match.group(1) or match.group(2)) if match else None


def _bounds(values: Iterator[Any]) -> tuple[float, float] | None:
    numbers = [float(value) for value in values]
    return (min(numbers), max(numbers)) if len(numbers) > 1 and min(numbers) < max(numbers) else None


def _heading(question: dict[str, Any]) -> str:
    headings = question.get("headings") or [{}]
    return plain_text(headings[0].get("heading") or "")


def _text(item: dict[str, Any]) -> str:
    return plain_text(item.get("text") or "")


def _label(option: dict[str, Any]) -> str | None:
    return plain_text(option.get("text") or "") or None


def _joined(*texts: str) -> str:
    return " - ".join(text for text in texts if text)


def _id(value: Any) -> str | None:
    return None if value in (None, "") else str(value)
