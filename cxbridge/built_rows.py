"""An API stream's records as table rows without a FeedbackRecord each (issue 19).

`RecordBuilder.build` validates every record with pydantic and `to_rows` lays it out, although
a stream hands it the same few answers and field values over and over. `BuiltRows.rows` takes
what a stream would hand `build` and gives the `RecordRows` that `to_rows(build(…))` gives, from
what each distinct part gave the first time: an answer's member of the answers' JSON, its score
row (validated by `Score`) and the primary columns it fills, a comment, a field's value as the
record validates it. The pieces are the file sources' compiled ones (`cxbridge.compiled_pieces`).

Anything out of the ordinary — an answer that does not score, a value the schema refuses, a
field this path does not make, a time without a zone — returns None: the record then goes the
reference way (`build`, `to_rows`), which also says why it is quarantined. The first records of
each stream are built both ways and compared: a difference logs a warning and turns this path
off for the rest of the stream.
"""

from __future__ import annotations

import logging
import marshal
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from itertools import repeat
from operator import add, itemgetter
from typing import Any

from pydantic import ValidationError

from cxbridge.compiled_pieces import (
    DISTINCT, REFUSED, SCORE_ROW, Fallback, FirstChecked, answer_entry, json_member, primary_columns, remembered,
    score_parts, score_tails, valid_field,
)  # fmt: skip
from cxbridge.errors import DataError
from cxbridge.json_text import decoded_json
from cxbridge.normalize import AnswerInput, RecordBuilder, primaries, comment_text
from cxbridge.record_comment import record_comment
from cxbridge.records import _RESPONDENT_OF_PROGRAM, Comment, FeedbackRecord, Program, store_id
from cxbridge.tables import CONTENT_COLUMNS, RecordRows, content_rows, to_json, to_rows
from cxbridge.timestamps import format_timestamp, local_date

log = logging.getLogger("cxbridge.normalize")

MADE = frozenset({
    "record_id", "source", "connector", "stream", "source_record_id", "submitted_at", "submitted_local_date",
    "updated_at", "wave", "nps", "nps_group", "csat", "csat_normalized", "ces", "ces_normalized", "answers",
    "attributes", "raw", "scores", "comments", "schema_version", "ingested_at", "sync_run_id", "duplicate_of",
})  # fmt: skip
"""Record fields this path makes itself: a stream that hands one of them (other than `updated_at`,
`wave` and `attributes`, which it takes) sends its record the reference way."""
PLAIN = frozenset(CONTENT_COLUMNS) - MADE
"""The feedback columns a stream's value fills as the record validates it (one validation per distinct value)."""
TEXT = frozenset(name for name in CONTENT_COLUMNS if FeedbackRecord.model_fields[name].annotation == str | None
                 and not FeedbackRecord.model_fields[name].metadata)  # fmt: skip
"""The columns any text fills as it is."""
_CONTENT = itemgetter(*CONTENT_COLUMNS)
_NONE: dict[str, Any] = {}


class BuiltRows:
    """The rows of one stream's records, from what its `RecordBuilder` remembers."""

    checked = 16
    """Records of the stream also built the reference way and compared (0: none; tests use 0
    so that a difference shows in the tables)."""

    def __init__(
        self, builder: RecordBuilder, *, decoded: bool = False, written: Callable[[Any], bytes | None] | None = None
    ):
        """`decoded`: the stream's raw records are JSON as a decoder made it (scrubbed), whose
        JSON needs no look at its types (`json_text.decoded_json`); `written`: orjson's text of
        such a raw record when its scrub wrote it already (`DecodedScrub.written`), else None."""
        self.builder = builder
        self.check = FirstChecked(self.checked)
        self.store_raw = builder.context.store_raw
        self.raw_json = decoded_json if decoded else to_json
        if decoded and written is not None:
            self.raw_json = lambda raw: decoded_json(raw, written(raw))
        self.utc = builder.zone.key == "UTC"  # a UTC time's local day is its own
        self.periods = bool(builder.config.wave_period)  # else a record without a wave has none (`_wave`)
        blank = to_rows(FeedbackRecord(record_id="", source="", connector="", stream="", source_record_id=""),
                        ingested_at="", run_id="").feedback  # fmt: skip
        self.base = dict(zip(CONTENT_COLUMNS, blank))
        self.base.update(source=builder.context.name, connector=builder.connector, stream=builder.stream)
        self.fields: dict[str, dict[Any, Any]] = {name: {} for name in PLAIN}
        self.updated: dict[Any, Any] = {}
        self.answers: dict[tuple[str, bool], dict[int, Any]] = {}  # by namespace and population: per answer
        self.plans: dict[tuple[Any, ...], tuple[Any, ...]] = {}  # by the ids of a record's scored pairs: `_scores_plan`
        self.sets: dict[tuple[Any, ...], tuple[Any, ...]] = {}  # by namespace, population, answers' ids: `_answer_set`

    def rows(
        self,
        *,
        native_id: str,
        raw: Any,
        ingested_at: str,
        run_id: str,
        answers: Sequence[AnswerInput] = (),
        submitted_at: datetime | None = None,
        submitted_text: str | None = None,
        comment_from: Sequence[str] | None = None,
        **fields: Any,
    ) -> RecordRows | None:
        """The rows `to_rows(builder.build(…))` gives for the same arguments (`answers` a
        sequence: the first records read it twice), or None: build it. `submitted_text`: a UTC
        `submitted_at` as stored (`format_timestamp`'s), when the stream has it from its text."""
        if not self.check.on:
            return None
        try:
            rows = self._rows(native_id, raw, answers, (submitted_at, submitted_text), fields, ingested_at, run_id,
                              comment_from)  # fmt: skip
        except (Fallback, DataError, ValidationError):
            return None
        if self.check.left:

            def reference() -> RecordRows:
                record = self.builder.build(native_id=native_id, raw=raw, answers=answers, submitted_at=submitted_at,
                                            comment_from=comment_from, **fields)  # fmt: skip
                return to_rows(record, ingested_at=ingested_at, run_id=run_id)

            rows = self.check(rows, reference, log,
                              "%s record %s: the rows built from remembered answers differ from the reference path's; "
                              "the rest of the stream is built the reference way (a bug: please report it)",
                              self.builder.context.name, native_id)  # fmt: skip
        return rows

    def _rows(self, native_id: str, raw: Any, answers: Sequence[AnswerInput], submitted: tuple[Any, str | None],
              fields: dict[str, Any], ingested_at: str, run_id: str,
              comment_from: Sequence[str] | None = None) -> RecordRows:  # fmt: skip
        b = self.builder
        submitted_at, stamp = submitted
        values = b._defaults | fields
        out = self.base.copy()
        out["record_id"] = rid = b.record_id(native_id)
        out["source_record_id"] = native_id
        fields_memo = self.fields
        for name, value in values.items():
            if type(value) is str and name in TEXT:
                out[name] = value
                continue
            memo = fields_memo.get(name)
            if memo is None:
                if name in ("wave", "attributes", "updated_at"):
                    continue
                raise Fallback  # a field made here, or none of the record's
            try:
                found = memo.get((type(value), value), REFUSED)
            except TypeError:  # unhashable
                found = REFUSED
            out[name] = remembered(memo, (type(value), value), valid_field, name, value) if found is REFUSED else found
        if values.get("respondent_type") is None:
            out["respondent_type"] = _RESPONDENT_OF_PROGRAM[out["program"]]
        out["location_id"] = store_id(out["location_id"], out["location_name"])
        if submitted_at is None:
            day = None
        elif type(submitted_at) is not datetime or submitted_at.tzinfo is None:
            raise Fallback
        elif self.utc and submitted_at.tzinfo is timezone.utc:
            day = submitted_at.date()  # its day in UTC, the source's zone
            if stamp is None:  # `format_timestamp`'s (isoformat: ~11,000 instructions), the day's isoformat in its first ten
                stamp = submitted_at.isoformat()[:-6] + "Z"
            out["submitted_at"], out["submitted_local_date"] = stamp, stamp[:10]
        else:
            day = local_date(submitted_at, b.zone)
            if abs((day - submitted_at.date()).days) > 1:  # type: ignore[operator]
                raise Fallback
            out["submitted_at"], out["submitted_local_date"] = format_timestamp(submitted_at), day.isoformat()  # type: ignore[union-attr]
        if (updated := values.get("updated_at")) is not None:
            out["updated_at"] = remembered(self.updated, (type(updated), updated), self._stamp, "updated_at", updated)
        wave = values.get("wave")
        if wave is not None or self.periods:
            wave = b._wave(wave, day)
        out["wave"] = wave if wave is None or (type(wave) is str and "wave" in TEXT) else valid_field("wave", wave)
        attributes = values.get("attributes", _NONE)
        if attributes:
            if type(attributes) is not dict or any(type(key) is not str for key in attributes):
                raise Fallback
            out["attributes"] = to_json(attributes)
        elif type(attributes) is not dict:
            raise Fallback
        out["answers"], scores, packed_scores, comments = self._answers(answers, values, rid, out)
        if comments and "comment" not in values:
            out["comment"] = record_comment(((c[1], c[3]) for c in comments), comment_from)
        out["raw"] = self.raw_json(raw) if self.store_raw else None
        return content_rows(list(_CONTENT(out)), scores, comments, ingested_at=ingested_at, run_id=run_id,
                            packed_scores=packed_scores)  # fmt: skip

    def _answers(
        self, answers: Sequence[AnswerInput], values: dict[str, Any], rid: str, out: dict[str, Any]
    ) -> tuple[str, list[tuple[Any, ...]], bytes, list[tuple[Any, ...]]]:
        """The record's answers' JSON, score rows (and as the content hash writes them) and
        comment rows; the primary answers' columns into `out`. Worked out once per set of
        answers (the same remembered objects in order: `_answer_set`)."""
        employees = values.get("program") == Program.EMPLOYEE
        namespace = values.get("survey_id") or self.builder.context.name
        key = (namespace, employees, *map(id, answers))
        found = self.sets.get(key)
        if found is None:
            found = self._answer_set(answers, employees, namespace)
            if len(self.sets) < DISTINCT:
                self.sets[key] = found  # holds the answers: their ids stay theirs while it is kept
        _, text, (_, columns, tails, written), comments = found
        if columns is None:
            raise Fallback
        out.update(columns)
        # `score_tails`' rows and bytes with the record id put in front, joined once per set
        head = SCORE_ROW + marshal.dumps(rid, 0)
        return text, list(map(add, repeat((rid,)), tails)), head.join(written), [(rid, *c) for c in comments]

    def _answer_set(self, answers: Sequence[AnswerInput], employees: bool, namespace: str) -> tuple[Any, ...]:
        """What a record's answers make, the same for every record holding the same answers in
        the same order: (the answers, their JSON — each answer its member, by question: a
        question answered twice keeps its first place and its last answer, as `build`'s dict
        does —, `_scores_plan`, the comment rows without record id). Fallback when the record
        goes the reference way."""
        memo = self.answers.get((namespace, employees))
        if memo is None:
            memo = self.answers[(namespace, employees)] = {}
        members: dict[str, str] = {}
        scored: list[tuple[Any, ...]] = []  # (answer as scored, its result, …): blank ones too, they may be the primary
        comments: list[tuple[Any, ...]] = []
        for answer in answers:
            parts = memo.get(id(answer))
            if parts is None or parts[0] is not answer:  # not seen, or the id of an answer gone (not kept)
                parts = self._remember(memo, answer, employees, namespace)
            elif parts[2] is None:
                raise Fallback  # an answer that does not score, or that the record refuses
            members[parts[1]] = parts[2]
            if parts[3] is not None:
                scored.append(parts[3])
            elif parts[4] is not None:
                comments.append(parts[4])
        key = (employees, *map(id, scored))
        plan = self.plans.get(key)
        if plan is None:
            plan = self._scores_plan(scored, employees)
            if len(self.plans) < DISTINCT:
                self.plans[key] = plan  # holds the pairs: their ids stay theirs while it is kept
        return tuple(answers), "{" + ",".join(members.values()) + "}", plan, comments

    @staticmethod
    def _scores_plan(scored: list[tuple[Any, ...]], employees: bool) -> tuple[Any, ...]:
        """What a record's scored answers (`_answer_parts`' pairs, in order) make, the same for
        every record holding the same pairs: (the pairs, the primary columns they fill — None
        when the record goes the reference way —, the score rows without record id, and the
        rows as the content hash writes them, each after a first empty part: `score_tails`'
        rows and bytes, the record's id (and its row's head) put in front of each)."""
        pairs = tuple(scored)
        if employees and len({id(pair) for pair in scored}) < len(scored):
            return pairs, None, None, None  # one answer twice: `build` scores each as a new eNPS answer
        chosen = {id(pair) for pair in primaries(scored).values()}  # type: ignore[arg-type]
        columns: dict[str, Any] = {}
        primary: set[int] = set()
        scores, packs = [], []
        for pair in scored:
            if pair[1]:
                if id(pair) in chosen:
                    if pair[4] is None:
                        return pairs, None, None, None  # the record refuses it as its primary answer
                    columns.update(pair[4])
                    primary.add(len(scores))
                scores.append(pair[2])
                packs.append(pair[3])
        tails, written = score_tails(scores, packs, primary)
        return pairs, columns, tuple(tails), [b"", *written]

    def _remember(self, memo: dict[int, Any], answer: AnswerInput, employees: bool, namespace: str) -> tuple[Any, ...]:
        """What `answer` makes in every record holding it (kept while fewer than DISTINCT are):
        the answer itself (so that its id stays its own), its question, its member of the
        answers' JSON, and, scored, (the answer as scored — an employee's NPS as eNPS —, its
        result, score row, the row's parts as hashed, the primary columns it fills) or, a
        comment, its comment row without record id. Fallback when the record goes the reference way."""
        try:
            parts = self._answer_parts(answer, employees, namespace)
        except (DataError, ValidationError):
            parts = (answer, None, None, None, None)
        if len(memo) < DISTINCT:
            memo[id(answer)] = parts
        if parts[2] is None:
            raise Fallback
        return parts

    def _answer_parts(self, answer: AnswerInput, employees: bool, namespace: str) -> tuple[Any, ...]:
        b = self.builder
        used = b.of_population(answer, employees=employees)
        member = json_member(used.question_id, answer_entry(used))
        if used.spec is not None:
            result = b._score(used)
            if not result:
                return answer, used.question_id, member, (used, result, None, None, None), None
            score, pack = score_parts(used, result, namespace)
            columns = primary_columns(used, result, valid_field)
            return answer, used.question_id, member, (used, result, score, pack, columns), None
        if used.is_comment and (text := comment_text(used.value)):
            comment = Comment.model_validate({"question_id": used.question_id, "question_text": used.question_text,
                                              "text": text})  # fmt: skip
            return answer, used.question_id, member, None, (comment.question_id, comment.question_text, comment.text,
                                                            comment.language)  # fmt: skip
        return answer, used.question_id, member, None, None

    def _stamp(self, name: str, value: Any) -> str | None:
        """A time the record takes as it is (text, a datetime) as stored."""
        return format_timestamp(valid_field(name, value))

