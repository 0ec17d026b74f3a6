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
from json.encoder import encode_basestring
from operator import itemgetter
from typing import Any

from pydantic import ValidationError

from cxbridge.compiled_pieces import (
    REFUSED, SCORE_ROW, UNSEEN, Fallback, FirstChecked, answer_entry, json_member, primary_columns, remembered,
    score_parts, score_tails, valid_field,
)  # fmt: skip
from cxbridge.errors import DataError
from cxbridge.identity import record_ids
from cxbridge.json_text import is_plain, plain_json
from cxbridge.normalize import PRIMARY_COLUMN_OF, AnswerInput, RecordBuilder, comment_text
from cxbridge.record_comment import record_comment
from cxbridge.records import FeedbackRecord, Program, store_id
from cxbridge.tables import (
    CONTENT_COLUMNS, RecordRows, content_rows, to_json, to_rows,
)  # fmt: skip
from cxbridge.tabular import values as coerce
from cxbridge.tabular.config import FIELD_COLUMNS
from cxbridge.tabular.rows import RowNormalizer, cell_json
from cxbridge.timestamps import format_timestamp, local_date

log = logging.getLogger("cxbridge.files")

Reference = Callable[[dict[str, Any], str, str], RecordRows]
"""The reference path for one raw row, its ingestion time and run: `to_rows(stream.normalize(raw, builder), …)`."""

_AT = {column: at for at, column in enumerate(CONTENT_COLUMNS)}  # a feedback column's place in a row
_SOURCE_RECORD_ID, _SUBMITTED, _LOCAL_DATE = _AT["source_record_id"], _AT["submitted_at"], _AT["submitted_local_date"]
_UPDATED, _WAVE, _SURVEY, _KEY = _AT["updated_at"], _AT["wave"], _AT["survey_id"], _AT["respondent_key"]
_COMMENT, _ANSWERS, _ATTRIBUTES, _RAW = _AT["comment"], _AT["answers"], _AT["attributes"], _AT["raw"]
_LOCATION, _LOCATION_NAME = _AT["location_id"], _AT["location_name"]
_SCORED_AT = sorted(_AT[name] for column in set(PRIMARY_COLUMN_OF.values()) for name in (column, f"{column}_normalized",
                    "nps_group") if name in _AT)  # fmt: skip
_SCORED = slice(_SCORED_AT[0], _SCORED_AT[-1] + 1)  # the columns primary scores fill, one run: set by one assignment
assert not set(range(_SCORED.start, _SCORED.stop)) & {_AT[name] for name in FIELD_COLUMNS if name in _AT}


class CompiledRows:
    """The rows of one stream's records, through converters compiled from its mapping."""

    checked = 16
    """Rows of each table also built the reference way and compared (0: none; tests use 0 so
    that a difference shows in the tables)."""

    def __init__(self, normalizer: RowNormalizer, builder: RecordBuilder, base: dict[str, Any], reference: Reference):
        n = self.normalizer = normalizer
        self.builder = builder
        self.reference = reference
        self.check = FirstChecked(self.checked)
        self.employees = base["program"] == Program.EMPLOYEE.value
        self.store_raw = builder.context.store_raw
        self.scored = {column for column, _ in n.metrics} | set(n.comments)
        self.primary = [
            PRIMARY_COLUMN_OF.get(metric.metric) if n.primary[id(metric)] else None for _, metric in n.metrics
        ]
        wave = FeedbackRecord.model_fields["wave"]
        self.text_wave = wave.annotation == str | None and not wave.metadata  # any text is a wave
        self.template = [base[column] for column in CONTENT_COLUMNS]  # a row's constant columns
        self.source_name = builder.context.name
        self.record_id = record_ids(builder.context.name, builder.stream)  # builder.record_id's, one call fewer
        self.key = builder.keys.first_key  # builder.respondent_key's, one call fewer
        fields = [(name, column) for name, column in n.fields if name != "updated_at"]
        self.field_names = [name for name, _ in fields]
        self.field_at = [_AT[name] for name, _ in fields]
        self.field_columns = tuple(column for _, column in fields)
        self.metric_columns = tuple(column for column, _ in n.metrics)
        self.field_cells, self.metric_cells = _cells(self.field_columns), _cells(self.metric_columns)
        self.no_marks = (None,) * len(self.metric_columns)
        self.email, self.phone = n.columns.get("email", ""), n.columns.get("phone", "")
        self.shared_phones = builder.shared_phones if self.email and self.phone else None
        self.submitted, self.updated = n.columns.get("submitted_at"), n.columns.get("updated_at")
        questions = [column for column in n.questions if column not in self.scored]
        self.answer_keys = [*self.metric_columns, *n.comments, *questions]  # in the order the record's dict has them
        self.distinct = len(set(self.answer_keys)) == len(self.answer_keys)  # else: the last answer, the first place
        self.wave_per_row = "wave" in n.columns or bool(builder.config.wave_period)
        if not self.wave_per_row:
            try:
                self.template[_WAVE] = self._wave(self.template[_WAVE], None)
            except ValidationError:
                self.wave_per_row = True  # each row then goes the reference way, which says why
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
        self.fields = [{} for _ in self.field_columns]
        self.field_rows: dict[Any, Any] = {}  # the field columns' cells: a new row's template with them
        self.submitted_stamps: dict[Any, Any] = {}
        self.updated_stamps: dict[Any, Any] = {}
        self.cells = [{} for _ in n.metrics]
        self.metric_answers: dict[Any, Any] = {}  # the metric columns' cells: `_metric_answers`
        self.questions = [(column, {}) for column in self.answer_keys[len(self.metric_columns) + len(n.comments) :]]
        self.comments = [(column, n._text(column), _comment_head(column, n._text(column))) for column in n.comments]
        self.comment_from = n.comment_from
        self.attribute_plans: dict[tuple[str, ...], list[tuple[str, str, bool]]] = {}
        self.text_plan: list[tuple[str, str, bool]] | None = None  # the attribute plan of a table of text's rows
        self.attribute_cells: dict[str, dict[Any, Any]] = {}
        self.plain_raws: set[tuple[tuple[type, ...], tuple[type, ...]]] = set()  # `_raw_json`
        self.check.left = self.checked

    def rows(self, raw: dict[str, Any], *, ingested_at: str, run_id: str, text: bool = False) -> RecordRows | None:
        """The rows of one (scrubbed) raw row, or None: normalize it the reference way. `text`:
        its table holds only text (`Table.text`), so its JSON needs no look at its types."""
        if not self.check.on:
            return None
        try:
            rows = self._rows(raw, ingested_at, run_id, text)
        except (Fallback, DataError, ValidationError):
            return None
        if self.check.left:
            rows = self.check(rows, lambda: self.reference(raw, ingested_at, run_id), log,
                              "%s row %s: the compiled rows differ from the reference path's; the rest of the source is "
                              "normalized the reference way (a bug: please report it)", raw.get("file"), raw.get("row"))  # fmt: skip
        return rows

    def _rows(self, raw: dict[str, Any], ingested_at: str, run_id: str, text: bool = False) -> RecordRows:
        """One row's tables: its feedback row as a list in column order (`CONTENT_COLUMNS`),
        filled from what its cells gave before, its score and comment rows, the content hash."""
        values: dict[str, Any] = raw["values"]
        get = values.get
        out = self._field_row(values, text)
        native = raw["id"]
        out[0] = rid = self.record_id(native)
        out[_SOURCE_RECORD_ID] = native
        day = self._stamps(values, out, text)
        if self.wave_per_row:
            out[_WAVE] = self._wave(out[_WAVE], day)
        out[_KEY] = self.key(get(self.email), get(self.phone))
        if self.shared_phones is not None and get(self.email):  # the record keyed by its address
            self.shared_phones.note(out[_KEY], get(self.phone))
        scores, packed_scores, comments = self._answers(values, raw.get("labels"), rid, out, text)
        out[_ATTRIBUTES] = self._attributes(values, text)
        out[_RAW] = None if not self.store_raw else plain_json(raw) if text else self._raw_json(raw, values)
        return content_rows(out, scores, comments, ingested_at=ingested_at, run_id=run_id, packed_scores=packed_scores)

    def _raw_json(self, raw: dict[str, Any], values: dict[str, Any]) -> str:
        """`to_json(raw)`: the check that the row holds only text, numbers and None (the values
        JSON writes as orjson does) made once per set of value types, not per row."""
        kinds = (tuple(map(type, raw.values())), tuple(map(type, values.values())))
        if kinds in self.plain_raws:
            return plain_json(raw)
        if kinds[0].count(dict) == 1 and raw.get("values") is values and is_plain(raw) and len(self.plain_raws) < 64:
            self.plain_raws.add(kinds)  # the one dict in the row is its values, whose types the kinds hold
        return to_json(raw)

    def _field_row(self, values: dict[str, Any], text: bool = False) -> list[Any]:
        """A new feedback row: the constant columns, and the fields of the row's field columns
        (remembered for each distinct set of their cells; by the cells alone in a table of text,
        whose cells are text or None, else with their types: 1 and 1.0 are equal keys)."""
        if not self.field_columns:
            return self.template.copy()
        try:
            cells = self.field_cells(values)
        except KeyError:  # a row without one of the columns (a JSON record's): None there
            cells = tuple(map(values.get, self.field_columns))
        key = cells if text else (cells, tuple(map(type, cells)))
        try:
            row = self.field_rows.get(key, UNSEEN)
        except TypeError:  # an unhashable cell
            row = UNSEEN
        if row is UNSEEN or row is REFUSED:
            row = remembered(self.field_rows, key, self._fields, cells)
        return row.copy()

    def _fields(self, cells: tuple[Any, ...]) -> list[Any]:
        row = self.template.copy()
        places = zip(self.fields, self.field_at, self.field_names, self.field_columns, cells)
        for memo, at, name, column, value in places:
            if value is not None:
                row[at] = remembered(memo, (type(value), value), self._field, name, value, column)
        row[_LOCATION] = store_id(row[_LOCATION], row[_LOCATION_NAME])
        return row

    def _stamps(self, values: dict[str, Any], out: list[Any], text: bool = False) -> date | None:
        """The row's submitted and updated times as stored; the local day it was submitted (each
        cell remembered as `_field_row` remembers its cells)."""
        if self.updated is not None and (value := values.get(self.updated)) is not None:
            stamp = remembered(self.updated_stamps, (type(value), value), self._read_stamp, values, "updated_at",
                                False)  # fmt: skip
            if stamp is not None:
                out[_UPDATED] = stamp[0]
        if self.submitted is None:
            return None
        value = values.get(self.submitted)
        key = value if text else (type(value), value)
        try:
            stamp = self.submitted_stamps.get(key, UNSEEN)
        except TypeError:  # an unhashable cell
            stamp = UNSEEN
        if stamp is UNSEEN or stamp is REFUSED:
            stamp = remembered(self.submitted_stamps, key, self._read_stamp, values, "submitted_at", True)
        if stamp is None:
            return None
        out[_SUBMITTED], out[_LOCAL_DATE], day = stamp
        return day

    def _read_stamp(self, values: dict[str, Any], name: str, required: bool) -> tuple[str, str, date] | None:
        """A timestamp column's cell as stored, its local day as stored and as a date."""
        moment = self.normalizer.timestamp(values, name, required=required)
        if moment is None:
            return None
        if moment.tzinfo is None:
            raise Fallback
        day = local_date(moment, self.builder.zone)
        if day is None or abs((day - moment.date()).days) > 1:
            raise Fallback
        return format_timestamp(moment), day.isoformat(), day

    def _wave(self, given: Any, day: date | None) -> Any:
        wave = self.builder._wave(given, day)
        return wave if wave is None or self.text_wave else valid_field("wave", wave)

    def _answers(
        self, values: dict[str, Any], labels: dict[str, Any] | None, rid: str, out: list[Any], text: bool = False
    ) -> tuple[list[tuple[Any, ...]], bytes, list[tuple[Any, ...]]]:
        """The record's answers' JSON, its primary scores and comment into `out`; its score rows
        (and as the content hash writes them) and comment rows."""
        if self.metric_columns:
            try:
                cells = self.metric_cells(values)
            except KeyError:  # a row without one of the columns (a JSON record's): None there
                cells = tuple(map(values.get, self.metric_columns))
            namespace = out[_SURVEY] or self.source_name
            if labels:
                marks = tuple(map(labels.get, self.metric_columns))
                key = (cells, tuple(map(type, cells)), marks, tuple(map(type, marks)), namespace)
            else:  # a table of text: its cells are text or None (see `_field_row`)
                marks, key = self.no_marks, (cells, namespace) if text else (cells, tuple(map(type, cells)), namespace)
            try:
                found = self.metric_answers.get(key, UNSEEN)
            except TypeError:  # an unhashable cell
                found = UNSEEN
            if found is UNSEEN or found is REFUSED:
                found = remembered(self.metric_answers, key, self._metric_answers, cells, marks, namespace)
            members, head, tails, packs, out[_SCORED] = found
            scores = [(rid,) + tail for tail in tails]
            start = SCORE_ROW + marshal.dumps(rid, 0)
            packed_scores = start + start.join(packs) if packs else b""
        else:
            members, head, scores, packed_scores = [], "{", [], b""
        more = []  # the members after the metrics': comments, then questions
        comments = []
        for column, text_of, head_text in self.comments:
            value = values.get(column)
            # the cell's JSON as `to_json` writes it: text through json's own string encoder
            cell = encode_basestring(value) if type(value) is str else "null" if value is None else to_json(value)
            more.append(head_text + cell + _COMMENT_TAIL)
            if type(value) is str:
                if stripped := value.strip():
                    comments.append((rid, column, text_of, stripped, None))
            elif value is not None and (text := comment_text(value)):  # a cell typed as a number or a date
                comments.append((rid, column, text_of, text, None))
        if comments:
            out[_COMMENT] = record_comment(((c[1], c[3]) for c in comments), self.comment_from)
        for column, memo in self.questions:
            value, label = values.get(column), labels.get(column) if labels else None
            more.append(remembered(memo, (type(value), value, type(label), label), self._question, column,
                                    value, label))  # fmt: skip
        if not self.distinct:  # a question answered twice keeps its first place and its last answer
            members = list(dict(zip(self.answer_keys, [*members, *more])).values())
            out[_ANSWERS] = "{" + ",".join(members) + "}"
        elif not more:
            out[_ANSWERS] = head + "}"
        else:  # `head`: "{" and the metrics' members, joined once per set of metric cells
            out[_ANSWERS] = (head + "," if members else head) + ",".join(more) + "}"
        return scores, packed_scores, comments

    def _metric_answers(self, cells: tuple[Any, ...], marks: tuple[Any, ...], namespace: str) -> tuple[Any, ...]:
        """What a row's metric cells give: their answers' JSON members (and the answers' JSON up
        to them: "{" and the members), score rows without their record id, and as the content
        hash writes them, and the run of feedback columns the primary scores fill (`_SCORED`)
        as they fill it."""
        members: list[str] = []
        scores: list[tuple[Any, ...]] = []
        packs: list[tuple[bytes, bytes]] = []
        chosen: dict[str, tuple[int, dict[str, Any] | None]] = {}  # primary column: its score, what it fills
        for memo, fills, (column, metric), value, label in zip(self.cells, self.primary, self.normalizer.metrics,
                                                                cells, marks):  # fmt: skip
            key = (type(value), value, type(label), label, namespace)
            question, answer, score, columns, pack = remembered(memo, key, self._metric_cell, column, metric,
                                                                 value, label, namespace)  # fmt: skip
            if question != column:  # the answers' JSON is laid out by column
                raise Fallback
            members.append(answer)
            if score is not None:
                if fills is not None and fills not in chosen:
                    chosen[fills] = (len(scores), columns)
                scores.append(score)
                packs.append(pack)
        placed = self.template[_SCORED]
        for _, columns in chosen.values():
            if columns is None:
                raise Fallback  # the record refuses it as its primary answer
            for name, value in columns.items():
                placed[_AT[name] - _SCORED.start] = value
        primary = {index for index, _ in chosen.values()}
        tails, packed_tails = score_tails(scores, packs, primary)
        return members, "{" + ",".join(members), tails, packed_tails, placed

    def _attributes(self, values: dict[str, Any], text: bool = False) -> str:
        """The attributes' JSON, `to_json(normalizer._attributes(values))`: text cells written by
        json's string encoder, other cells (and timestamp columns) read once and remembered. The
        plan is per set of column keys; the rows of a table of text all have the same keys (the
        scrub removes the same ones from each: `privacy.TextRows`), so theirs is found once."""
        plan = self.text_plan if text else None
        if plan is None:
            columns = tuple(values)
            plan = self.attribute_plans.get(columns)
            if plan is None:
                plan = self.attribute_plans[columns] = self._attribute_plan(values)
            if text:
                self.text_plan = plan
        members = []
        for column, head, as_text in plan:
            value = values.get(column)
            if value is None:
                continue
            if as_text and type(value) is str:
                members.append(head + encode_basestring(value))
            else:
                memo = self.attribute_cells.setdefault(column, {})
                members.append(remembered(memo, (type(value), value), self._attribute, column, value))
        return "{" + ",".join(members) + "}"

    def _attribute_plan(self, values: dict[str, Any]) -> list[tuple[str, str, bool]]:
        """The attribute columns of rows with these columns: each with its JSON member's head and
        whether its text is written as it is (not a timestamp column)."""
        n = self.normalizer
        return [(column, json_member(column, None).removesuffix("null"), column not in n.timestamps)
                for column in n.attribute_columns(values)]  # fmt: skip

    def _attribute(self, column: str, value: Any) -> str:
        return json_member(column, self.normalizer.attribute(column, value))

    def _field(self, name: str, value: Any, column: str) -> Any:
        return valid_field(name, coerce.field_value(name, value, column=column))


    def _metric_cell(self, column: str, metric: Any, value: Any, label: Any, namespace: str) -> tuple[Any, ...]:
        """A metric cell's answer, its score row (without record id and primary flag), the
        record columns it fills as the primary answer (None: the record would refuse them) and
        the score row's parts as the content hash writes them: those before the primary flag,
        the one after it."""
        b = self.builder
        answer = self.normalizer.scored(column, metric, value, label, remembered=b.remembered)
        answer = b.of_population(answer, employees=self.employees)
        entry = answer_entry(answer)
        scored = b._score(answer)
        if scored is None:
            return answer.question_id, json_member(answer.question_id, entry), None, None, None
        score, pack = score_parts(answer, scored, namespace)
        columns = primary_columns(answer, scored, valid_field)
        return answer.question_id, json_member(answer.question_id, entry), score, columns, pack

    def _question(self, column: str, value: Any, label: Any) -> str:
        n = self.normalizer
        if column in n.multi and isinstance(value, str):
            value = [part.strip() for part in value.split(", ") if part.strip()]
        label = label or n._label(column, value)
        text = n._text(column)
        return json_member(column, answer_entry(AnswerInput(question_id=column, question_text=text, value=cell_json(value), label=label)))


_COMMENT_TAIL = ',"label":null}'


def _comment_head(column: str, text: str) -> str:
    """A comment column's member of the answers' JSON up to its value (then the value's JSON and
    `_COMMENT_TAIL`: `CompiledRows._answers`)."""
    member = json_member(column, {"text": text, "value": None, "label": None})
    return member.removesuffix("null" + _COMMENT_TAIL)


def _cells(columns: tuple[str, ...]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """The cells of `columns` in a row's values, as a tuple, by one `itemgetter` (KeyError when
    the row lacks one of them)."""
    if len(columns) == 1:
        column = columns[0]
        return lambda values: (values[column],)
    return itemgetter(*columns) if columns else lambda values: ()



