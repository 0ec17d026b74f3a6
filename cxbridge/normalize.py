"""Shared helpers that turn a stream's raw record into a FeedbackRecord: ids, scores by the
metric rules, primary metrics, comments, respondent keys. Streams describe; this module builds."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import ValidationError

from cxbridge import identity, metrics, question_keys
from cxbridge.errors import DataError
from cxbridge.metrics import NPS_METRICS, Metric, MetricSpec
from cxbridge.privacy import PersonalFields, Scrubber
from cxbridge.record_comment import record_comment
from cxbridge.records import FeedbackRecord, Program
from cxbridge.respondents import RespondentKeys, unsaved_keys
from cxbridge.shared_phones import SharedPhones
from cxbridge.sources import SourceConfig, SourceContext
from cxbridge.timestamps import calendar_period, local_date, parse_timestamp, zone

Read = TypeVar("Read")

PRIMARY_COLUMNS = {"nps": NPS_METRICS, "csat": {Metric.CSAT}, "ces": {Metric.CES}}
PRIMARY_COLUMN_OF = {metric: column for column, names in PRIMARY_COLUMNS.items() for metric in names}


@dataclass(slots=True)
class AnswerInput:
    """One answer as a stream found it; `spec` scores it, `is_comment` makes it a comment.

    `is_primary` says, by question, whether the answer fills the record's nps/csat/ces column:
    True for the one question the stream decided on for its survey, False for the others. Left
    None, the first answer of that metric the stream lists — answered or blank — fills it, which
    is stable only when the stream lists the same questions in the same order on every record.
    """

    question_id: str
    value: Any
    question_text: str | None = None
    label: str | None = None
    spec: MetricSpec | None = None
    is_comment: bool = False
    is_primary: bool | None = None
    question_key: str | None = None  # declared in the config; else automatic (cxbridge.question_keys)


def comment_text(value: Any) -> str | None:
    """The text of a comment answer: text stripped; a number, date or time that a spreadsheet or
    an export typed the cell as (a comment that reads `42`) as `str` writes it, as the answers'
    JSON does; None for a blank, a non-finite number, a yes/no value, a list or an object."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | date | time):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return str(value)


SCALARS = frozenset((str, int, float, type(None)))  # values whose reading (a score, a cell's number) can be remembered
_UNSEEN = object()


class RecordBuilder:
    """Builds the records of one stream of one source."""

    remembered = 1024
    """How many distinct answers per question (and spec) have their score kept for the records
    after: a scored question takes few values, and scoring one is the same work every time
    (issue 19). 0 scores every answer afresh (tests compare both)."""

    def __init__(
        self,
        *,
        context: SourceContext,
        config: SourceConfig,
        connector: str,
        stream: str,
        keys: RespondentKeys | None = None,
        mapping: Any = None,
    ):
        self.context = context
        self.config = config
        self.mapping = mapping  # the stream's row mapping, when not `config` itself (`Stream.row_mapping`)
        self.connector = connector
        self.stream = stream
        self.keys = keys or unsaved_keys()  # a sync passes the dataset's own (cxbridge.dataset_salt)
        defaults = {
            "program": config.program,
            "respondent_type": config.respondent_type,
            "channel": config.channel,
            "touchpoint": config.touchpoint,
        }
        self._defaults = {key: value for key, value in defaults.items() if value is not None}
        self.zone = zone(context.timezone)
        self.enps_questions: dict[str, str | None] = {}  # NPS questions of employees, scored as eNPS: id → text
        self.enps_elsewhere: dict[str, str | None] = {}  # eNPS questions of another program: id → text
        self.odd_currencies: dict[str, str] = {}  # CRM currencies not a three-letter code → the first account naming it
        self.shared_phones = SharedPhones(self.keys.key)  # numbers beside many addresses (a file's two contact columns)
        self._enps_specs: dict[int, tuple[MetricSpec, MetricSpec]] = {}  # by id: an nps spec and its enps copy
        self._scores: dict[tuple[str, int], tuple[MetricSpec, dict[tuple[type, Any], Any]]] = {}
        self._record_id = identity.record_ids(context.name, stream)

    def record_id(self, native_id: str) -> str:
        """`identity.record_id` of the source, the stream and `native_id`."""
        return self._record_id(native_id)

    def respondent_key(self, *contacts: object) -> str | None:
        """The salted hash of an e-mail or phone number (or of its `hashed:` form in a scrubbed
        record): of the first of `contacts` that keys someone (`RespondentKeys.first_key`)."""
        return self.keys.first_key(*contacts)

    def scrubbed(self, value: Any) -> Any:
        """`value`, read beside the raw record rather than in it (a rated ticket's tags), as the
        privacy step leaves the record's own values: an e-mail address as a whole as its `hashed:`
        key (`cxbridge.privacy`), as read with `keep_personal_data`."""
        return Scrubber(PersonalFields(), self.keys, keep_personal_data=self.context.keep_personal_data)(value)

    def build(
        self,
        *,
        native_id: str,
        raw: Any,
        answers: Iterable[AnswerInput] = (),
        submitted_at: datetime | str | float | None = None,
        comment_from: Sequence[str] | None = None,
        problems: Sequence[DataError] = (),
        **fields: Any,
    ) -> FeedbackRecord:
        """A validated record; DataError (naming the question) for anything that does not fit —
        of every problem found in its times and answers, after `problems` its caller found before.
        `submitted_at` and `updated_at` are read as `parse_timestamp` reads them (`time`), a time
        without an offset in the source's zone (`zone`), where the record's local day is counted too. `comment_from` names
        the questions whose answer may be its `comment`, best first (`record_comment.explaining`);
        without it, the first comment is."""
        found = list(problems)
        submitted_at = self._found(found, self.time, "submitted_at", submitted_at)
        # Nested parts go in as plain dicts: one validation pass builds the whole record.
        answer_map: dict[str, dict[str, Any]] = {}
        scored: list[tuple[AnswerInput, metrics.Scored | None]] = []  # blank ones too: they may be the primary
        comments: list[dict[str, Any]] = []
        values = self._defaults | fields
        if "updated_at" in values:
            values["updated_at"] = self._found(found, self.time, "updated_at", values["updated_at"])
        employees = values.get("program") == Program.EMPLOYEE
        for answer in answers:
            answer = self.of_population(answer, employees=employees)  # noqa: PLW2901 — the same answer
            answer_map[answer.question_id] = {"text": answer.question_text, "value": answer.value, "label": answer.label}
            if answer.spec is not None:
                scored.append((answer, self._found(found, self._score, answer)))
            elif answer.is_comment and (text := comment_text(answer.value)):
                comments.append({"question_id": answer.question_id, "question_text": answer.question_text, "text": text})
        if found:
            raise DataError.of_all(found)
        chosen = primaries(scored)
        primary_ids = {id(answer) for answer, _ in chosen.values()}
        namespace = values.get("survey_id") or self.context.name
        scores = [
            score_row(answer, result, is_primary=id(answer) in primary_ids, namespace=namespace)
            for answer, result in scored
            if result
        ]
        if "comment" not in values:
            values["comment"] = record_comment(((c["question_id"], c["text"]) for c in comments), comment_from)
        day = local_date(submitted_at, self.zone)
        values["wave"] = self._wave(values.get("wave"), day)
        try:
            return FeedbackRecord(
                record_id=self.record_id(native_id),
                source=self.context.name,
                connector=self.connector,
                stream=self.stream,
                source_record_id=native_id,
                submitted_at=submitted_at,
                submitted_local_date=day,
                answers=answer_map,
                scores=scores,
                comments=comments,
                raw=raw if self.context.store_raw else None,
                **_primary_columns(chosen),
                **values,
            )
        except ValidationError as exc:
            raise DataError.from_validation(exc) from None

    @staticmethod
    def _found(problems: list[DataError], read: Callable[..., Read], *args: Any) -> Read | None:
        """`read(*args)`, or None with its DataError added to `problems`: a record's reads go on
        past a problem, so that its quarantine reason tells every one of them."""
        try:
            return read(*args)
        except DataError as exc:
            problems.append(exc)
            return None

    def time(self, name: str, value: datetime | str | float | None) -> datetime | None:
        """A time a plugin hands `build` (text, epoch seconds or milliseconds, a datetime) as
        `parse_timestamp` reads it, one without an offset in the source's zone; DataError naming
        `name` when it is no time."""
        try:
            return parse_timestamp(value, tz=self.zone)
        except DataError as exc:
            raise exc.restated(f"{name}: {exc}", field=name) from None

    def _wave(self, given: Any, day: date | None) -> str | None:
        """The wave a stream read (blank is none), else the local month or quarter when the
        source's `wave_period` names one (docs/ranking.md)."""
        wave = given.strip() if isinstance(given, str) else given
        if wave:
            return str(wave)
        period = self.config.wave_period
        return calendar_period(day, period) if period and day is not None else None

    def of_population(self, answer: AnswerInput, *, employees: bool) -> AnswerInput:
        """The answer scored as its population's metric: an employee's NPS as eNPS (`_as_enps`);
        an eNPS answer outside an employee program is kept, and named in `warnings`."""
        metric = answer.spec.metric if answer.spec is not None else None
        if employees and metric == Metric.NPS:
            return self._as_enps(answer)
        if not employees and metric == Metric.ENPS:
            self.enps_elsewhere.setdefault(answer.question_id, answer.question_text)
        return answer

    def _as_enps(self, answer: AnswerInput) -> AnswerInput:
        """An employee's likelihood to recommend is eNPS (docs/schema.md, Populations): an `nps`
        question of an employee program is scored as `enps`, so it counts in enps_by_month, the
        scorecard's enps and employee_followup_queue, never beside customers' NPS."""
        self.enps_questions.setdefault(answer.question_id, answer.question_text)
        spec = answer.spec
        pair = self._enps_specs.get(id(spec))
        if pair is None or pair[0] is not spec:  # the pair keeps the spec, so its id stays its own
            pair = self._enps_specs[id(spec)] = (spec, spec.model_copy(update={"metric": Metric.ENPS}))  # type: ignore[union-attr]
        return replace(answer, spec=pair[1])

    def warnings(self) -> list[str]:
        """What the run's summary should say about how this stream's answers were scored."""
        name = self.context.name
        return [
            f"question {question_id!r}{f' ({text})' if text and text != question_id else ''}: metric nps in "
            f"employee program source {name!r} is employees' likelihood to recommend: scored as enps (eNPS), "
            f"never counted as customers' NPS; declare it as metric 'enps' to say so"
            for question_id, text in self.enps_questions.items()
        ] + [
            f"question {question_id!r}{f' ({text})' if text and text != question_id else ''}: eNPS in source "
            f"{name!r} of program {str(self.config.program)!r}: the views count eNPS of program employee "
            f"only, so the scorecard's and the ranking's enps and employee_followup_queue leave these answers out; "
            f'if employees answer it, set program = "employee" in [sources.{name}], else metric "nps"'
            for question_id, text in self.enps_elsewhere.items()
        ] + [
            f"account {account_id!r} of source {name!r} (and any other naming it): currency {currency!r} is not a "
            f"three-letter ISO 4217 code such as USD: kept as given, so nps_by_segment and nps_revenue_by_month read "
            f"its revenue as 'mixed' beside accounts in any other currency; set the code in the CRM"
            for currency, account_id in self.odd_currencies.items()
        ] + self.shared_phones.warnings(name)

    def _score(self, answer: AnswerInput) -> metrics.Scored | None:
        """The answer scored (as the same answer to the same question was before, when it was);
        a DataError naming the question, with advice the source's config accepts."""
        value = answer.value
        if type(value) not in SCALARS or not self.remembered:
            return self._score_afresh(answer)
        entry = self._scores.get((answer.question_id, id(answer.spec)))
        if entry is None or entry[0] is not answer.spec:  # the entry keeps the spec, so its id stays its own
            entry = self._scores[(answer.question_id, id(answer.spec))] = (answer.spec, {})  # type: ignore[assignment]
        known = entry[1].get((type(value), value), _UNSEEN)
        if known is _UNSEEN:
            try:
                known = self._score_afresh(answer)
            except DataError as exc:
                known = exc
            if len(entry[1]) < self.remembered:
                entry[1][(type(value), value)] = known
        if isinstance(known, DataError):
            raise known.restated(str(known), field=known.field)
        return known

    def _score_afresh(self, answer: AnswerInput) -> metrics.Scored | None:
        try:
            return metrics.score(answer.value, answer.spec)
        except metrics.ScoreError as exc:
            problem = f"question {answer.question_id!r}: {exc.problem}"
            raise exc.restated(f"{problem}; {self._advice(answer, exc.fixes)}", field=answer.question_id) from None
        except DataError as exc:
            raise exc.restated(f"question {answer.question_id!r}: {exc}", field=answer.question_id) from None

    def _advice(self, answer: AnswerInput, fixes: tuple[str, ...]) -> str:
        """The fixes, where this source's configuration sets them: a file's `[[metrics]]` entry (in the
        mapping its import read) or another row mapping's (a Salesforce custom object's), an API
        source's `[sources.NAME.questions.ID]`, a `csat_scale`, or only the source's data."""
        keys, name, mapping = type(self.config).model_fields, self.context.name, self.mapping or self.config
        if "metrics" in type(mapping).model_fields:  # a row mapping's (`RowMapping.metrics_entry`)
            return metrics.advice(fixes, where=mapping.metrics_entry(answer.question_id, source=name))
        if "questions" in keys and getattr(self.config, "takes_questions", True):
            return metrics.advice(fixes, where=f"[sources.{name}.questions.{toml_key(answer.question_id)}]")
        if "csat_scale" in keys and "scale" in fixes and answer.spec.metric == Metric.CSAT:  # type: ignore[union-attr]
            return f"fix the answer in the source, or set csat_scale in [sources.{name}] to the scale its answers use"
        return metrics.advice(fixes, where=None)


def toml_key(key: str) -> str:
    """A TOML table key as written: bare when it can be, else quoted."""
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def primary_questions(questions: Iterable[tuple[str, str, bool]]) -> dict[str, str]:
    """Per primary column, the question (of `(question id, metric, marked primary)`, in survey
    order) that fills it: the one marked primary, else the first of its metric. ValueError when
    two are marked for one column, or one whose metric fills no column."""
    marked: dict[str, str] = {}
    first: dict[str, str] = {}
    for question_id, metric, primary in questions:
        column = PRIMARY_COLUMN_OF.get(metric)
        if primary and column is None:
            raise ValueError(f"{question_id!r} is marked primary, but only nps, enps, csat and ces answers fill "
                             f"a column of the record ({metric!r} does not)")  # fmt: skip
        if column is None:
            continue
        if primary and column in marked:
            raise ValueError(f"{marked[column]!r} and {question_id!r} are both marked primary for the {column} "
                             "column; mark one")  # fmt: skip
        if primary:
            marked[column] = question_id
        first.setdefault(column, question_id)
    return first | marked


def score_row(answer: AnswerInput, scored: metrics.Scored, *, is_primary: bool, namespace: str) -> dict[str, Any]:
    spec = answer.spec
    low, high = spec.scale_bounds
    key = answer.question_key or question_keys.automatic_key(namespace, answer.question_id, (low, high))
    return {
        "metric": spec.metric,
        "question_id": answer.question_id,
        "question_text": answer.question_text,
        "value": scored.value,
        "scale_min": low,
        "scale_max": high,
        "direction": spec.direction,
        "normalized": scored.normalized,
        "category": scored.category,
        "is_primary": is_primary,
        "question_key": key,
    }


def primaries(
    scored: list[tuple[AnswerInput, metrics.Scored | None]],
) -> dict[str, tuple[AnswerInput, metrics.Scored]]:
    """The answer behind each primary column, chosen by question, never by which answers the
    record happens to hold: the answer marked primary; none when the stream decided by question
    and this record lacks that question or left it blank; else (nothing decided) the first
    answer of the metric listed, blank or not. A blank primary leaves its column empty."""
    marked: dict[str, tuple[AnswerInput, metrics.Scored | None]] = {}
    first: dict[str, tuple[AnswerInput, metrics.Scored | None]] = {}
    decided: set[str] = set()
    for pair in scored:
        column = PRIMARY_COLUMN_OF.get(pair[0].spec.metric)  # type: ignore[union-attr]
        if column is None:
            continue
        if pair[0].is_primary is None:
            first.setdefault(column, pair)
        else:
            decided.add(column)
            if pair[0].is_primary and (column not in marked or marked[column][1] is None):
                marked[column] = pair  # versions of one question (a reworded header): the one answered
    found = {}
    for column in PRIMARY_COLUMNS:
        pair = marked.get(column) if column in decided else first.get(column)
        if pair is not None and pair[1] is not None:
            found[column] = pair
    return found  # type: ignore[return-value]


def _primary_columns(primaries: dict[str, tuple[AnswerInput, metrics.Scored]]) -> dict[str, Any]:
    columns: dict[str, Any] = {}
    for column, (_, result) in primaries.items():
        if column == "nps":
            columns["nps"] = int(result.value)
        else:
            columns[column] = result.value
            columns[f"{column}_normalized"] = result.normalized
    return columns
