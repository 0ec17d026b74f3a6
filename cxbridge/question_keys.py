"""One stable `question_key` per logical question (docs/schema.md, Questions across versions).

A key declared in the config (`question_key` of a file's `[[sources.NAME.metrics]]` entry or of
an API source's `[sources.NAME.questions.ID]`) is used as written: it joins the versions the user
says are one question, even across a change of scale. Without one, the key is the platform's
question id in its survey (a Qualtrics QID, a Google Forms item id, a SurveyMonkey question id, a
Typeform field id; a file's column) with the scale it is answered on, so a reworded question
keeps its key where the platform keeps its id, and a change of scale is never merged silently.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any


def automatic_key(namespace: str, question_id: str, scale: tuple[float, float]) -> str:
    """`{survey id, else source}/{question id}@{low}-{high}`: `SV_1/QID1@0-10`, `visits/Overall@1-5`."""
    low, high = scale
    return f"{namespace}/{question_id}@{low:g}-{high:g}"



UNKEYED_ANSWERS_SQL = (
    "SELECT DISTINCT COALESCE(f.survey_id, f.source) AS namespace, s.question_id, s.scale_min, s.scale_max "
    "FROM feedback_scores s JOIN feedback f ON f.record_id = s.record_id WHERE s.question_key IS NULL"
)
"""The (survey id or source, question id, scale) of the stored answers that have no key yet."""


def key_updates(groups: Iterable[Sequence[Any]], param: Callable[[int], str]) -> Iterator[tuple[str, list[Any]]]:
    """(SQL, parameters) giving each group of `UNKEYED_ANSWERS_SQL` its automatic key — what a
    sync of the same answers writes, so that a migrated database's trends run on."""
    p = param
    sql = (
        f"UPDATE feedback_scores SET question_key = {p(0)} WHERE question_key IS NULL AND question_id = {p(1)} "
        f"AND scale_min = {p(2)} AND scale_max = {p(3)} AND record_id IN "
        f"(SELECT record_id FROM feedback WHERE COALESCE(survey_id, source) = {p(4)})"
    )
    for namespace, question_id, low, high in groups:
        key = automatic_key(namespace, question_id, (float(low), float(high)))
        yield sql, [key, question_id, low, high, namespace]
