"""A file source's mapping compiled into per-column converters that give each row's tables
(`RecordRows`) directly, without a FeedbackRecord per row (issue 19).

Each converter remembers what every distinct cell of its column gave — a field's value, a metric
cell's answer and score row, a question's answer, a timestamp's stored text and local day — made
by the reference path's own steps (`RowNormalizer`, `RecordBuilder`) and validated by the
schema's own models, once. A row is then put together from those results and laid out by
`cxbridge.tables`. Whatever a converter cannot give — a cell that does not read, a score off its
scale, a value the schema refuses, an NPS the record would refuse — sends that row the reference
way (`RowNormalizer.normalize` and `FeedbackRecord`), so a quarantined row and its reason are
the reference path's own. The first rows of every table are built both ways and compared: a
difference logs a warning and turns the compiled path off for the rest of the stream.

The results are per column, so a batch's columns could be handed to a columnar engine as they
are; today each row is assembled as the row-by-row destinations take it.
"""

from __future__ import annotations

import logging
import marshal
from collections.abc import Callable
from datetime import date
from enum import Enum
from json.encoder import encode_basestring
from operator import itemgetter
from typing import Annotated, Any

from pydantic import TypeAdapter, ValidationError

from cxbridge.errors import DataError
from cxbridge.metrics import Metric, nps_category
from cxbridge.normalize import PRIMARY_COLUMN_OF, AnswerInput, RecordBuilder, _score_row
from cxbridge.records import Answer, FeedbackRecord, Program, Score
from cxbridge.tables import (
    CONTENT_COLUMNS, SCORE_COLUMNS, RecordRows, content_rows, packed, packed_row, to_json, to_rows,
)  # fmt: skip
from cxbridge.tabular import values as coerce
from cxbridge.tabular.rows import RowNormalizer, _json
from cxbridge.timestamps import format_timestamp, local_date

log = logging.getLogger("cxbridge.files")

Reference = Callable[[dict[str, Any], str, str], RecordRows]
"""The reference path for one raw row, its ingestion time and run: `to_rows(stream.normalize(raw, builder), …)`."""

DISTINCT = 4096
"""Results remembered per column: cells past that many distinct ones are converted each time."""

_REFUSED = object()  # a remembered cell that sends its row the reference way
_UNSEEN = object()
_CONTENT = itemgetter(*CONTENT_COLUMNS)
_SCORE_TAIL = SCORE_COLUMNS[1:]  # a score row without its record id
_SCORE_ROW = packed_row(len(SCORE_COLUMNS), b"")


class Fallback(Exception):
    """This row goes the reference way."""


class CompiledRows:
    """The rows of one stream's records, through converters compiled from its mapping."""

    checked = 16
    """Rows of each table also built the reference way and compared (0: none; tests use 0 so
    that a difference shows in the tables)."""

    def __init__(self, normalizer: RowNormalizer, builder: RecordBuilder, base: dict[str, Any], reference: Reference):
        self.normalizer = normalizer
        self.builder = builder
        self.base = base
        self.reference = reference
        self.on = True
        self.employees = base["program"] == Program.EMPLOYEE.value
        self.store_raw = builder.context.store_raw
        self.scored = {column for column, _ in normalizer.metrics} | set(normalizer.comments)
        self.primary = [
            PRIMARY_COLUMN_OF.get(metric.metric) if normalizer.primary[id(metric)] else None
            for _, metric in normalizer.metrics
        ]
        self.adapters: dict[str, Callable[[Any], Any]] = {}
        wave = FeedbackRecord.model_fields["wave"]
        self.text_wave = wave.annotation == str | None and not wave.metadata  # any text is a wave
        self.new_table()

    @classmethod
    def compile(cls, normalizer: RowNormalizer, builder: RecordBuilder, reference: Reference) -> CompiledRows | None:
        """The compiled rows of a stream, or None when its constant fields do not validate (its
        rows then go the reference way, which says why)."""
        fields: dict[str, Any] = dict(builder._defaults)
        if normalizer.definition is not None:
            fields.setdefault("survey_id", normalizer.definition.survey_id)
            fields.setdefault("survey_name", normalizer.definition.survey_name)
        try:
            blank = FeedbackRecord(record_id="", source="", connector="", stream="", source_record_id="", **fields)
        except ValidationError:
            return None
        stored = to_rows(blank, ingested_at="", run_id="").feedback
        base = dict(zip(CONTENT_COLUMNS, stored))
        base.update(source=builder.context.name, connector=builder.connector, stream=builder.stream)
        return cls(normalizer, builder, base, reference)

    def new_table(self) -> None:
        """Forget what cells gave: the table the normalizer learnt next reads them its own way."""
        n = self.normalizer
        self.fields = [{} for _ in n.fields]
        self.stamps: dict[str, dict[Any, Any]] = {}
        self.cells = [{} for _ in n.metrics]
        self.questions = [(column, {}) for column in n.questions if column not in self.scored]
        self.comments = [(column, n._text(column), _comment_head(column, n._text(column))) for column in n.comments]
        self.to_check = self.checked

    def rows(self, raw: dict[str, Any], *, ingested_at: str, run_id: str) -> RecordRows | None:
        """The rows of one (scrubbed) raw row, or None: normalize it the reference way."""
        if not self.on:
            return None
        try:
            rows = self._rows(raw, ingested_at, run_id)
        except (Fallback, DataError, ValidationError):
            return None
        if self.to_check > 0:
            self.to_check -= 1
            rows = self._check(raw, rows, ingested_at, run_id)
        return rows

    def _check(self, raw: dict[str, Any], rows: RecordRows, ingested_at: str, run_id: str) -> RecordRows | None:
        try:
            reference = self.reference(raw, ingested_at, run_id)
        except DataError:
            reference = None
        if reference == rows:
            return rows
        self.on = False
        log.warning("%s row %s: the compiled rows differ from the reference path's; the rest of the source is "
                    "normalized the reference way (a bug: please report it)", raw.get("file"), raw.get("row"))  # fmt: skip
        return reference

    def _rows(self, raw: dict[str, Any], ingested_at: str, run_id: str) -> RecordRows:
        values: dict[str, Any] = raw["values"]
        out = self.base.copy()
        out["record_id"] = rid = self.builder.record_id(raw["id"])
        out["source_record_id"] = raw["id"]
        self._fields(values, out)
        answers, scores, packed_scores, comments = self._answers(values, raw.get("labels") or {}, rid, out)
        out["answers"] = "{" + ",".join(answers.values()) + "}"
        out["attributes"] = to_json(self.normalizer._attributes(values))
        out["raw"] = to_json(raw) if self.store_raw else None
        return content_rows(list(_CONTENT(out)), scores, comments, ingested_at=ingested_at, run_id=run_id,
                            packed_scores=packed_scores)  # fmt: skip

    def _fields(self, values: dict[str, Any], out: dict[str, Any]) -> None:
        """The record's fields from their columns, its times, wave and respondent key."""
        n, b = self.normalizer, self.builder
        for memo, (name, column) in zip(self.fields, n.fields):
            value = values.get(column)
            if value is None:
                continue
            if name == "updated_at":
                stamp = self._stamp(values, name, required=False)
                if stamp is not None:
                    out["updated_at"] = stamp[0]
            else:
                out[name] = _remembered(memo, (type(value), value), self._field, name, value, column)
        stamp = self._stamp(values, "submitted_at", required=True)
        day = None if stamp is None else stamp[1]
        if stamp is not None:
            out["submitted_at"], out["submitted_local_date"] = stamp[0], day.isoformat()  # type: ignore[union-attr]
        wave = b._wave(out["wave"], day)
        out["wave"] = wave if wave is None or self.text_wave else self._valid("wave", wave)
        contact = values.get(n.columns.get("email", "")) or values.get(n.columns.get("phone", ""))
        if contact is not None and type(contact) is not str:
            contact = str(contact)
        out["respondent_key"] = b.keys.key(contact)  # b.respondent_key's, one call fewer per row

    def _answers(
        self, values: dict[str, Any], labels: dict[str, Any], rid: str, out: dict[str, Any]
    ) -> tuple[dict[str, str], list[tuple[Any, ...]], bytes, list[tuple[Any, ...]]]:
        """The record's answers (each as its `"question":{…}` member of the answers' JSON object;
        a dict, so that a question answered twice keeps its first place and its last answer, as
        the record's dict does), score rows (and as the content hash writes them) and comment rows;
        its primary scores and comment into `out`."""
        answers: dict[str, str] = {}
        scores: list[tuple[Any, ...]] = []
        packs: list[tuple[bytes, bytes]] = []
        chosen: dict[str, tuple[int, dict[str, Any] | None]] = {}  # primary column: its score, what it fills
        namespace = out["survey_id"] or self.builder.context.name
        for memo, fills, (column, metric) in zip(self.cells, self.primary, self.normalizer.metrics):
            value, label = values.get(column), labels.get(column)
            key = (type(value), value, type(label), label, namespace)
            question, answer, score, columns, pack = _remembered(memo, key, self._metric_cell, column, metric,
                                                                 value, label, namespace)  # fmt: skip
            answers[question] = answer
            if score is not None:
                if fills is not None and fills not in chosen:
                    chosen[fills] = (len(scores), columns)
                scores.append(score)
                packs.append(pack)
        for columns in (columns for _, columns in chosen.values()):
            if columns is None:
                raise Fallback  # the record refuses it as its primary answer
            out.update(columns)
        primary = {index for index, _ in chosen.values()}
        score_rows = [(rid, *score[:-1], at in primary, score[-1]) for at, score in enumerate(scores)]
        head = _SCORE_ROW + marshal.dumps(rid, 0)
        packed_scores = b"".join([head + items + (b"T" if at in primary else b"F") + last
                                  for at, (items, last) in enumerate(packs)])  # fmt: skip
        comment_rows = []
        for column, text, head in self.comments:
            value = values.get(column)
            answers[column] = head + _value_json(value) + _COMMENT_TAIL
            if isinstance(value, str) and (stripped := value.strip()):
                comment_rows.append((rid, column, text, stripped, None))
        if comment_rows:
            out["comment"] = comment_rows[0][3]
        for column, memo in self.questions:
            value, label = values.get(column), labels.get(column)
            answers[column] = _remembered(memo, (type(value), value, type(label), label), self._question, column,
                                          value, label)  # fmt: skip
        return answers, score_rows, packed_scores, comment_rows

    def _stamp(self, values: dict[str, Any], name: str, *, required: bool) -> tuple[str, date] | None:
        """A timestamp column's cell as stored, and its day where the records count it."""
        column = self.normalizer.columns.get(name)
        if column is None:
            return None
        value = values.get(column)
        memo = self.stamps.setdefault(name, {})
        return _remembered(memo, (type(value), value), self._read_stamp, values, name, required)

    def _read_stamp(self, values: dict[str, Any], name: str, required: bool) -> tuple[str, date] | None:
        moment = self.normalizer._timestamp(values, name, required=required)
        if moment is None:
            return None
        if moment.tzinfo is None:
            raise Fallback
        day = local_date(moment, self.builder.zone)
        if day is None or abs((day - moment.date()).days) > 1:
            raise Fallback
        return format_timestamp(moment), day

    def _field(self, name: str, value: Any, column: str) -> Any:
        return self._valid(name, coerce.field_value(name, value, column=column))

    def _valid(self, name: str, value: Any) -> Any:
        """A feedback field's value as the record keeps it (ValidationError when it would refuse it)."""
        adapter = self.adapters.get(name)
        if adapter is None:
            adapter = self.adapters[name] = _adapter(name)
        return adapter(value)

    def _metric_cell(self, column: str, metric: Any, value: Any, label: Any, namespace: str) -> tuple[Any, ...]:
        """A metric cell's answer, its score row (without record id and primary flag), the
        record columns it fills as the primary answer (None: the record would refuse them) and
        the score row's parts as the content hash writes them: those before the primary flag,
        the one after it."""
        b = self.builder
        answer = self.normalizer._scored(column, metric, value, label, remembered=b.remembered)
        if self.employees and answer.spec is not None and answer.spec.metric == Metric.NPS:
            answer = b._as_enps(answer)
        entry = _answer(answer)
        scored = b._score(answer)
        if scored is None:
            return answer.question_id, _member(answer.question_id, entry), None, None, None
        row = Score.model_validate(_score_row(answer, scored, is_primary=False, namespace=namespace)).__dict__
        score = tuple(row[c] for c in _SCORE_TAIL if c != "is_primary")
        pack = (packed(score[:-1]), packed(score[-1:]))
        return answer.question_id, _member(answer.question_id, entry), score, self._primary_columns(answer, scored), pack

    def _primary_columns(self, answer: AnswerInput, scored: Any) -> dict[str, Any] | None:
        column = PRIMARY_COLUMN_OF.get(answer.spec.metric)  # type: ignore[union-attr]
        try:
            if column == "nps":
                nps = self._valid("nps", int(scored.value))
                return {"nps": nps, "nps_group": nps_category(nps)}
            if column is not None:
                return {column: self._valid(column, scored.value),
                        f"{column}_normalized": self._valid(f"{column}_normalized", scored.normalized)}  # fmt: skip
        except ValidationError:
            return None
        return {}

    def _question(self, column: str, value: Any, label: Any) -> str:
        n = self.normalizer
        if column in n.multi and isinstance(value, str):
            value = [part.strip() for part in value.split(", ") if part.strip()]
        label = label or n._label(column, value)
        text = n._text(column)
        return _member(column, _answer(AnswerInput(question_id=column, question_text=text, value=_json(value), label=label)))


def _answer(answer: AnswerInput) -> dict[str, Any]:
    """An answer as `feedback.answers` holds it."""
    return dict(Answer.model_validate({"text": answer.question_text, "value": answer.value,
                                       "label": answer.label}).__dict__)  # fmt: skip


def _member(question: str, answer: dict[str, Any]) -> str:
    """`"question":{…}`: an answer as a member of the answers' JSON object, the same text
    `to_json` writes for it within the whole object."""
    return to_json({question: answer})[1:-1]


_COMMENT_TAIL = ',"label":null}'


def _comment_head(column: str, text: str) -> str:
    """A comment column's member of the answers' JSON up to its value (`_value_json`, then
    `_COMMENT_TAIL`)."""
    member = _member(column, {"text": text, "value": None, "label": None})
    return member.removesuffix("null" + _COMMENT_TAIL)


def _value_json(value: Any) -> str:
    """A cell's JSON as `to_json` writes it: text through json's own string encoder, the one it
    uses for text."""
    if type(value) is str:
        return encode_basestring(value)
    return "null" if value is None else to_json(value)


def _adapter(name: str) -> Callable[[Any], Any]:
    """Validates one feedback field as the record does (its type and constraints; enums as values)."""
    info = FeedbackRecord.model_fields[name]
    kind = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation  # type: ignore[valid-type]
    validate = TypeAdapter(kind).validate_python

    def valid(value: Any) -> Any:
        checked = validate(value)
        return checked.value if isinstance(checked, Enum) else checked

    return valid


def _remembered(memo: dict[Any, Any], key: Any, make: Callable[..., Any], *args: Any) -> Any:
    """What `make(*args)` gave the last time for `key`, else made now (and kept, while the
    column has fewer than DISTINCT); Fallback when it sends the row the reference way."""
    try:
        found = memo.get(key, _UNSEEN)
    except TypeError:  # an unhashable cell (a list from a JSON export): made each time
        return make(*args)
    if found is _UNSEEN:
        try:
            found = make(*args)
        except (Fallback, DataError, ValidationError):
            found = _REFUSED
        if len(memo) < DISTINCT:
            memo[key] = found
    if found is _REFUSED:
        raise Fallback
    return found
