"""Shared helpers that turn a stream's raw record into a FeedbackRecord: ids, scores by the
metric rules, primary metrics, comments, respondent keys. Streams describe; this module builds."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from cxbridge import identity, metrics
from cxbridge.errors import DataError
from cxbridge.metrics import NPS_METRICS, Metric, MetricSpec
from cxbridge.records import Answer, Comment, FeedbackRecord, Score
from cxbridge.sources import SourceConfig, SourceContext

PRIMARY_COLUMNS = {"nps": NPS_METRICS, "csat": {Metric.CSAT}, "ces": {Metric.CES}}


@dataclass(frozen=True)
class AnswerInput:
    """One answer as a stream found it; `spec` scores it, `is_comment` makes it a comment."""

    question_id: str
    value: Any
    question_text: str | None = None
    label: str | None = None
    spec: MetricSpec | None = None
    is_comment: bool = False
    is_primary: bool = False


class RecordBuilder:
    """Builds the records of one stream of one source."""

    def __init__(self, *, context: SourceContext, config: SourceConfig, connector: str, stream: str):
        self.context = context
        self.config = config
        self.connector = connector
        self.stream = stream
        self._salt = context.respondent_salt or identity.DEFAULT_SALT

    def record_id(self, native_id: str) -> str:
        return identity.record_id(self.context.name, self.stream, native_id)

    def respondent_key(self, contact: str | None) -> str | None:
        return identity.respondent_key(contact, salt=self._salt)

    def build(
        self,
        *,
        native_id: str,
        raw: Any,
        answers: Iterable[AnswerInput] = (),
        submitted_at: datetime | None = None,
        **fields: Any,
    ) -> FeedbackRecord:
        """A validated record; DataError (naming the question) for anything that does not fit."""
        answer_map: dict[str, Answer] = {}
        scores: list[Score] = []
        comments: list[Comment] = []
        for answer in answers:
            answer_map[answer.question_id] = Answer(text=answer.question_text, value=answer.value, label=answer.label)
            if answer.spec is not None:
                scored = _score(answer)
                if scored is not None:
                    scores.append(scored)
            elif answer.is_comment and isinstance(answer.value, str) and answer.value.strip():
                comments.append(
                    Comment(question_id=answer.question_id, question_text=answer.question_text, text=answer.value.strip())
                )
        primary = _mark_primaries(scores)
        defaults = {
            "program": self.config.program,
            "respondent_type": self.config.respondent_type,
            "channel": self.config.channel,
            "touchpoint": self.config.touchpoint,
        }
        values = {key: value for key, value in defaults.items() if value is not None} | fields
        if "comment" not in values and comments:
            values["comment"] = comments[0].text
        try:
            return FeedbackRecord(
                record_id=self.record_id(native_id),
                source=self.context.name,
                connector=self.connector,
                stream=self.stream,
                source_record_id=native_id,
                submitted_at=submitted_at,
                answers=answer_map,
                scores=scores,
                comments=comments,
                raw=raw if self.context.store_raw else None,
                **_primary_columns(primary),
                **values,
            )
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(part) for part in error["loc"])
            raise DataError(f"{where}: {error['msg']}", field=where) from None


def _score(answer: AnswerInput) -> Score | None:
    spec = answer.spec
    assert spec is not None
    try:
        scored = metrics.score(answer.value, spec)
    except DataError as exc:
        raise DataError(f"question {answer.question_id!r}: {exc}", field=answer.question_id) from None
    if scored is None:
        return None
    low, high = spec.scale_bounds
    return Score(
        metric=spec.metric,
        question_id=answer.question_id,
        question_text=answer.question_text,
        value=scored.value,
        scale_min=low,
        scale_max=high,
        direction=spec.direction,
        normalized=scored.normalized,
        category=scored.category,
        is_primary=answer.is_primary,
    )


def _mark_primaries(scores: list[Score]) -> dict[str, Score]:
    """The score behind each primary column: the one marked primary, else the first of its metric."""
    primary: dict[str, Score] = {}
    for column, metric_names in PRIMARY_COLUMNS.items():
        candidates = [score for score in scores if score.metric in metric_names]
        if not candidates:
            continue
        chosen = next((score for score in candidates if score.is_primary), candidates[0])
        for score in candidates:
            score.is_primary = score is chosen
        primary[column] = chosen
    return primary


def _primary_columns(primary: dict[str, Score]) -> dict[str, Any]:
    columns: dict[str, Any] = {}
    if nps := primary.get("nps"):
        columns["nps"] = int(nps.value)
    if csat := primary.get("csat"):
        columns["csat"] = csat.value
        columns["csat_normalized"] = csat.normalized
    if ces := primary.get("ces"):
        columns["ces"] = ces.value
        columns["ces_normalized"] = ces.normalized
    return columns
