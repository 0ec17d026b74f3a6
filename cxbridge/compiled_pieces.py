"""What the two compiled row paths — a file source's (`tabular.compiled_rows`) and an API
stream's (`built_rows`) — make rows from, without a FeedbackRecord per row (issue 19): results
remembered per distinct cell (`remembered`), a field validated as the record validates it
(`valid_field`), an answer as a member of the answers' JSON, a score row as stored and as the
content hash writes it; and the check of a fast path's first rows against the reference path's
(`FirstChecked`)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import Enum
from functools import cache
from typing import Annotated, Any

from pydantic import TypeAdapter, ValidationError

from cxbridge.errors import DataError
from cxbridge.metrics import nps_category
from cxbridge.normalize import PRIMARY_COLUMN_OF, AnswerInput, score_row
from cxbridge.records import Answer, FeedbackRecord, Score
from cxbridge.tables import SCORE_COLUMNS, RecordRows, packed, packed_row, to_json

DISTINCT = 4096
"""Results remembered per column: cells past that many distinct ones are converted each time."""

REFUSED = object()
"""A remembered cell that sends its row the reference way."""
UNSEEN = object()
"""A cell not remembered (`memo.get(key, UNSEEN)`)."""

SCORE_ROW = packed_row(len(SCORE_COLUMNS), b"")
"""The head of a score row as the content hash writes it, before its record id."""
_SCORE_TAIL = SCORE_COLUMNS[1:]  # a score row without its record id


class Fallback(Exception):
    """This row goes the reference way."""


class FirstChecked:
    """A fast path's first rows compared with the reference path's (`left` of them still to
    compare): the first difference turns the fast path off (`on`) for the rest of its stream,
    with one warning, and the reference's rows (None: it quarantines the record) are used."""

    def __init__(self, count: int):
        self.left = count
        self.on = True

    def __call__(self, rows: RecordRows, reference: Callable[[], RecordRows], log: logging.Logger, warning: str,
                 *args: Any) -> RecordRows | None:  # fmt: skip
        """`rows` when `reference()` makes the same, else the reference's rows."""
        self.left -= 1
        try:
            expected = reference()
        except DataError:
            expected = None
        if expected == rows:
            return rows
        self.on = False
        log.warning(warning, *args)
        return expected


def remembered(memo: dict[Any, Any], key: Any, make: Callable[..., Any], *args: Any) -> Any:
    """What `make(*args)` gave the last time for `key`, else made now (and kept, while the
    column has fewer than DISTINCT); Fallback when it sends the row the reference way."""
    try:
        found = memo.get(key, UNSEEN)
    except TypeError:  # an unhashable cell (a list from a JSON export): made each time
        return make(*args)
    if found is UNSEEN:
        try:
            found = make(*args)
        except (Fallback, DataError, ValidationError):
            found = REFUSED
        if len(memo) < DISTINCT:
            memo[key] = found
    if found is REFUSED:
        raise Fallback
    return found


def valid_field(name: str, value: Any) -> Any:
    """A feedback field's value as the record keeps it (ValidationError when it would refuse it)."""
    return _validator(name)(value)


@cache
def _validator(name: str) -> Callable[[Any], Any]:
    """Validates one feedback field as the record does (its type and constraints; enums as values)."""
    info = FeedbackRecord.model_fields[name]
    kind = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation  # type: ignore[valid-type]
    validate = TypeAdapter(kind).validate_python

    def valid(value: Any) -> Any:
        checked = validate(value)
        return checked.value if isinstance(checked, Enum) else checked

    return valid


def answer_entry(answer: AnswerInput) -> dict[str, Any]:
    """An answer as `feedback.answers` holds it."""
    return dict(Answer.model_validate({"text": answer.question_text, "value": answer.value,
                                       "label": answer.label}).__dict__)  # fmt: skip


def json_member(question: str, answer: dict[str, Any]) -> str:
    """`"question":{…}`: an answer as a member of the answers' JSON object, the same text
    `to_json` writes for it within the whole object."""
    return to_json({question: answer})[1:-1]


def score_parts(answer: AnswerInput, scored: Any, namespace: str) -> tuple[tuple[Any, ...], tuple[bytes, bytes]]:
    """A scored answer's score row as `Score` validates it, without record id and primary flag,
    and the row's parts as the content hash writes them: those before the primary flag, the one
    after it (`score_tails`)."""
    row = Score.model_validate(score_row(answer, scored, is_primary=False, namespace=namespace)).__dict__
    score = tuple(row[c] for c in _SCORE_TAIL if c != "is_primary")
    return score, (packed(score[:-1]), packed(score[-1:]))


def score_tails(
    scores: list[tuple[Any, ...]], packs: list[tuple[bytes, bytes]], primary: set[int]
) -> tuple[list[tuple[Any, ...]], list[bytes]]:
    """A record's score rows without their record id, from `score_parts` (`primary`: the positions
    of its primary answers), and each as the content hash writes it after the record id (each
    row's head: `SCORE_ROW` and the id, marshalled)."""
    tails = [(*score[:-1], at in primary, score[-1]) for at, score in enumerate(scores)]
    written = [items + (b"T" if at in primary else b"F") + last for at, (items, last) in enumerate(packs)]
    return tails, written


def primary_columns(answer: AnswerInput, scored: Any, valid: Callable[[str, Any], Any]) -> dict[str, Any] | None:
    """The record columns a scored answer fills as its primary answer, each as `valid` (the
    record's validation of one field) keeps it; None when the record would refuse them."""
    column = PRIMARY_COLUMN_OF.get(answer.spec.metric)  # type: ignore[union-attr]
    try:
        if column == "nps":
            nps = valid("nps", int(scored.value))
            return {"nps": nps, "nps_group": nps_category(nps)}
        if column is not None:
            return {column: valid(column, scored.value),
                    f"{column}_normalized": valid(f"{column}_normalized", scored.normalized)}  # fmt: skip
    except ValidationError:
        return None
    return {}
