"""One row of a file source as a FeedbackRecord: fields, the submitted time, the hashed
respondent, scored answers (labels read through the mapping's or the built-in label maps),
comments, other answers and attributes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from typing import Any

from cxbridge.detection import labels as builtin
from cxbridge.detection.meaning import (
    choice_value, choices_scale, labels_direction, no_score_values, numbers_shown, recoded_choice, scores_ranks,
    shows_scale,
)
from cxbridge.detection.other_way_round import TRAILING_NUMBER, known_labels
from cxbridge.detection.question_metrics import detect
from cxbridge.errors import DataError
from cxbridge.exports.qualtrics_csv import unnamed_zone_warning
from cxbridge.exports.surveymonkey_csv import undefined_warning
from cxbridge.exports.surveymonkey_json import no_details_warning
from cxbridge.metrics import NPS_METRICS, answer_code, index_labels, shown_number
from cxbridge.normalize import SCALARS, AnswerInput, RecordBuilder
from cxbridge.questions import Question
from cxbridge.records import FeedbackRecord, Status
from cxbridge.sources import SourceContext
from cxbridge.tabular import values as coerce
from cxbridge.tabular.answer_values import CellValues
from cxbridge.tabular.cells import DateOrder, parse_datetime, parse_number, whole_number
from cxbridge.tabular.column_answers import KeptAnswers
from cxbridge.tabular.column_scales import ColumnScales
from cxbridge.tabular.config import FIELD_COLUMNS, MetricColumn, RowMapping
from cxbridge.tabular.reading import date_order_warning
from cxbridge.tabular.scale_checks import check_degrees, check_order, check_size
from cxbridge.tabular.source_dates import SourceDates
from cxbridge.tabular.table import Table, header_key
from cxbridge.timestamps import format_timestamp, zone, zone_named_by



class RowNormalizer:
    """Turns raw rows (`{"id": …, "values": {column: value}, "labels": …}`) into records, through
    a row mapping: a file source's, or a singer stream's. `rename` gives the name a column takes
    in a scrubbed row (`Scrubber.key_name`: a header that is an e-mail address as its key): the
    mapping's columns are looked up, and stored as questions, by it."""

    def __init__(
        self, config: RowMapping, context: SourceContext, *, definition: Any = None, values: CellValues | None = None,
        rename: Callable[[str], str] | None = None,
    ):  # fmt: skip
        self.config = config
        self.source = context.name
        self.rename = rename or _as_it_is
        key = self.key
        self.columns = {name: key(column) for name, column in config.columns.mapped().items()}
        self.fields = [
            (name, self.columns[name]) for name in FIELD_COLUMNS if name in self.columns and name != "comment"
        ]
        self.default_zone = config.timezone or context.timezone
        self.zone = zone(self.default_zone)
        self.zone_named: str | None = None  # the zone the table being read names, if any
        self.definition = definition
        self.values = values  # what cells hold of a definition's choices: recodes, their text, or unsaid (recodes)
        self.metrics = [(key(metric.column), metric) for metric in config.metrics]
        primary = config.primary_columns()
        self.primary = {id(metric): metric.column in primary for metric in config.metrics}
        self.comments = list(dict.fromkeys(key(c) for c in [config.columns.comment, *config.comments] if c))
        self.comment_from = (key(config.columns.comment),) if config.columns.comment else None  # by hand: it alone
        self.questions = [key(c) for c in config.questions]
        self.multi = {key(c) for c in config.multi_choice}
        self.ignored = {key(c) for c in config.ignore}
        self.timestamps = {key(c) for c in config.timestamps}
        self.date_order = config.date_order
        self.dates = SourceDates()  # the order the source's files show (`FileStream` gives the saved one)
        self.warnings: list[str] = []  # dates read in an order, or a zone, the data does not show
        self._labels: dict[int, dict[str, float]] = {}
        self._scales: ColumnScales | None = None  # what the read of the row's table decided of its columns' scales
        self._read: dict[tuple[str, int, type, Any, str | None], tuple[Any, str | None]] = {}  # metric cells read
        self._scaled: dict[tuple[str, int], MetricColumn] = {}  # entries on the scale their column's choices give
        self.texts: dict[str, str] = {}
        self.choices: dict[str, dict[str, float]] = {}
        self.signed: set[str] = set()  # columns whose definition flags its no-answer options
        self.used = set(self.columns.values()) | {c for c, _ in self.metrics} | set(self.comments)
        self.used |= set(self.questions) | self.ignored
        if not context.keep_personal_data:
            self.used |= {key(c) for c in config.personal}
        self._unmapped: dict[tuple[str, ...], list[str]] = {}  # the attribute columns of rows with these columns

    def learn_table(self, table: Table, *, answers: KeptAnswers, read_on: bool = False) -> None:
        """What the table being read tells: its date order, its time zone (a Qualtrics export's
        own, or the one its submitted time's header names — Typeform's `Submit Date (UTC)` —
        whatever the source's: that one is the zone of times that carry none), question texts,
        definition labels; its columns' scales, with `answers` (of its file's rows read before, when
        it is `read_on`: `ColumnScales.of_table`)."""
        self._read, self._scaled = {}, {}  # a cell's label and its column's scale can come from the table's choices
        submitted = self.columns.get("submitted_at")
        column = table.column(submitted) if submitted is not None else None
        named = zone_named_by(column.label) if column is not None else None
        self.zone_named = table.details.get("timezone") or named  # the table's own, kept for a replay
        self.zone = zone(self.zone_named or self.default_zone)
        unnamed = unnamed_zone_warning(table, self.default_zone) if self.config.timezone is None else None
        for warning in (unnamed, no_details_warning(table), undefined_warning(table)):
            if warning and warning not in self.warnings:
                self.warnings.append(warning)
        if self.config.date_order is None and submitted is not None:
            guess = self.dates.settle(table, submitted)
            self.date_order = guess.order
            if (warning := date_order_warning(submitted, guess)) and f"{table.where}: {warning}" not in self.warnings:
                self.warnings.append(f"{table.where}: {warning}")
        for column in table.columns:
            key = self.rename(column.key)
            if column.text and column.text != column.key:
                self.texts[key] = self.rename(column.text)
            if column.choices:
                self.choices[key] = column.choices
            if column.marks_no_answer:
                self.signed.add(key)
        self._scales = ColumnScales.of_table(table, self.metrics, self._choices, before=answers, read_on=read_on)

    def replaying(self, kept: Mapping[str, Any]) -> bool:
        """A quarantined row replayed is read as its table's read did (`kept`, by the row's
        quarantine context, `replay_context`; {}: quarantined before cxbridge kept it, read as the
        source's settings say): whether that changed how its cells read."""
        scales = ColumnScales.replayed(kept.get("scales"), self.metrics, self._choices)
        read = (kept.get("zone"), kept.get("date_order"), kept.get("texts") or {})
        if scales == self._scales and read == (self.zone_named, self._date_order_kept(), self.texts):
            return False
        self._scales, self._read = scales, {}  # a cell read under another decision reads again
        self.zone_named, self.texts = read[0], dict(read[2])
        self.zone = zone(self.zone_named or self.default_zone)
        self.date_order = DateOrder(read[1]) if read[1] else self.config.date_order
        return True

    def replay_context(self) -> dict[str, Any]:
        """What a row quarantined now keeps of its table's read for a replay, which reads no table:
        its columns' scale decisions (`ColumnScales.kept`), and where the table decided them, the
        zone its times are in, the day/month order of its dates and its questions' texts."""
        asked = [*(column for column, _ in self.metrics), *self.comments, *self.questions]
        found = {"scales": self._scales.kept if self._scales is not None else None, "zone": self.zone_named,
                 "date_order": self._date_order_kept(),
                 "texts": {column: self.texts[column] for column in asked if column in self.texts}}  # fmt: skip
        return {key: value for key, value in found.items() if value}

    def _date_order_kept(self) -> str | None:
        return self.date_order.value if self.date_order is not None and self.config.date_order is None else None

    @property
    def scales(self) -> ColumnScales | None:
        """What the read of the table being read decided of its columns' scales (`learn_table`)."""
        return self._scales

    def normalize(self, raw: dict[str, Any], builder: RecordBuilder) -> FeedbackRecord:
        values: dict[str, Any] = raw["values"]
        labels: dict[str, str] = raw.get("labels") or {}
        fields = self._fields(values)
        address, number = values.get(self.columns.get("email", "")), values.get(self.columns.get("phone", ""))
        fields["respondent_key"] = builder.respondent_key(address, number)
        if address:
            builder.shared_phones.note(fields["respondent_key"], number)
        if self.definition is not None:
            fields.setdefault("survey_id", self.definition.survey_id)
            fields.setdefault("survey_name", self.definition.survey_name)
        answers = self._answers(values, labels, remembered=builder.remembered)
        try:
            submitted_at, problems = self.submitted(values, partial=fields.get("status") == Status.PARTIAL.value), ()
        except DataError as exc:  # told with the row's other problems, which build looks for
            submitted_at, problems = None, (exc,)
        return builder.build(
            native_id=raw["id"],
            raw=raw,
            answers=answers,
            submitted_at=submitted_at,
            problems=problems,
            attributes=self._attributes(values),
            comment_from=self.comment_from,
            **{key: value for key, value in fields.items() if value is not None},
        )

    def _fields(self, values: dict[str, Any]) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        for name, column in self.fields:
            value = values.get(column)
            if value is None:
                continue
            if name == "updated_at":
                fields[name] = self.timestamp(values, name)
            else:
                fields[name] = coerce.field_value(name, value, column=column)
        return fields

    def submitted(self, values: dict[str, Any], *, partial: bool) -> datetime | None:
        """The submitted time; a partial response, never submitted, is dated by the latest time of
        its `timestamps` (Typeform's Stage Date, a start time), as the API sources date theirs."""
        submitted = self.timestamp(values, "submitted_at", required=not partial)
        if submitted is not None or "submitted_at" not in self.columns:
            return submitted
        times = [at for key in sorted(self.timestamps) if (at := self._time_in(key, values.get(key))) is not None]
        if not times:
            raise DataError(f"column {self.columns['submitted_at']!r} is empty and this partial response (never "
                            "submitted) has no other time to be dated by: fill the cell, or map its start or "
                            "last-activity time under timestamps, then `cxbridge quarantine replay`",
                            field=self.columns["submitted_at"], kind="undated-partial-response")  # fmt: skip
        return max(times)

    def timestamp(self, values: dict[str, Any], name: str, *, required: bool = False) -> datetime | None:
        """The time in the column mapped to `name` (`submitted_at`, `updated_at`), read in the source's zone."""
        column = self.columns.get(name)
        if column is None:
            return None
        try:
            parsed = parse_datetime(
                values.get(column), tz=self.zone, order=self.date_order, fmt=self.config.timestamp_format
            )
        except DataError as exc:
            raise exc.restated(f"column {column!r}: {exc}", field=column) from None
        if parsed is None and required:
            raise DataError(f"column {column!r} is empty; every row needs a submitted time (a partial response, its "
                            "status mapped, is dated by its start or last-activity time under timestamps): fill the "
                            "cell or map another time column as submitted_at, then `cxbridge quarantine replay`",
                            field=column, kind="missing-submitted-time")  # fmt: skip
        return parsed

    def _answers(self, values: dict[str, Any], labels: dict[str, str], *, remembered: int) -> list[AnswerInput]:
        answers = [
            self.scored(column, metric, values.get(column), labels.get(column), remembered=remembered)
            for column, metric in self.metrics
        ]
        answers += [
            AnswerInput(question_id=c, question_text=self._text(c), value=values.get(c), is_comment=True)
            for c in self.comments
        ]
        scored = {column for column, _ in self.metrics} | set(self.comments)
        for column in self.questions:
            if column in scored:
                continue
            value = values.get(column)
            if column in self.multi and isinstance(value, str):
                value = [part.strip() for part in value.split(", ") if part.strip()]
            label = labels.get(column) or self._label(column, value)
            answers.append(
                AnswerInput(question_id=column, question_text=self._text(column), value=cell_json(value), label=label)
            )
        return answers

    def scored(
        self, column: str, metric: MetricColumn, value: Any, label: str | None, *, remembered: int
    ) -> AnswerInput:
        """The answer of a metric column, its cell read as it was before when it was (`remembered`:
        how many distinct cells per column are kept; the table's choices can change what they read)."""
        primary = self.primary[id(metric)]
        metric = self._on_its_scale(column, metric)
        if remembered and type(value) in SCALARS and (label is None or type(label) is str):
            key = (column, id(metric), type(value), value, label)
            read = self._read.get(key)
            if read is None:
                read = self._read_cell(column, metric, value, label)
                if len(self._read) < remembered * len(self.metrics):
                    self._read[key] = read
        else:
            read = self._read_cell(column, metric, value, label)
        return AnswerInput(
            question_id=column, question_text=self._text(column), value=read[0], label=read[1], spec=metric,
            is_primary=primary, question_key=metric.question_key,
        )  # fmt: skip

    def _on_its_scale(self, column: str, metric: MetricColumn) -> MetricColumn:
        """The entry, on the scale its column's choices give (`meaning.choices_scale`: a definition's,
        or the export's own) when it sets neither `scale` nor `labels`, as an API's question
        configured by its metric alone is read — the choices' no-answer recodes ("No opinion" = -1,
        `meaning.no_score_values`) carrying no score unless it sets `ignore_values`, and the
        direction their labels give unless it sets `direction` (`_direction_of`); else as written
        (a metric's default scale)."""
        if metric.scale is not None or metric.labels or metric.metric in NPS_METRICS:
            return metric
        found = self._scaled.get((column, id(metric)))
        if found is None:
            choices, signed = self._choices(column), self._signed(column)
            scale = choices_scale(choices, signed=signed)
            ignored = metric.ignore_values or no_score_values(choices, signed=signed)
            settings = {**metric.model_dump(exclude_unset=True), "scale": scale, "ignore_values": ignored}
            if "direction" not in metric.model_fields_set:
                settings |= self._direction_of(column, metric, choices, signed)
            found = metric if scale is None else MetricColumn(**settings)
            self._scaled[(column, id(metric))] = found
        return found

    def _direction_of(self, column: str, metric: MetricColumn, choices: dict[str, float], signed: bool) -> dict:
        """The direction the choices' labels give a question of the entry's metric, as `inspect`
        proposes it and an API's question configured by its metric alone is read
        (`question_metrics.detect`, else `meaning.labels_direction` of labels that are only some points of
        a built-in scale): "Very satisfied" recoded 1 makes lower better, whatever the recodes'
        order; {} when the labels establish none. Choices showing numbers are worth them."""
        shown = {**choices, **numbers_shown(choices, signed=signed)}
        detected = detect(Question(column, self._text(column), "choice", choices=shown, marks_no_answer=signed)).spec
        if detected is not None and detected.metric == metric.metric:
            return {"direction": detected.direction}
        direction = labels_direction(shown, signed=signed)
        return {} if direction is None else {"direction": direction}

    def _read_cell(self, column: str, metric: MetricColumn, value: Any, label: str | None) -> tuple[Any, str | None]:
        """A metric cell's number (or text the metric rules read) and the label it shows; a number
        the mapping's `labels` name is a code, read as the label's value. A cell naming a
        definition's choice as the source's `values` says, or carrying the export's label of the
        choice, is read by the choice shown (`_read_choice`); without the definition's choices, that
        label is read as a cell of choice text is, over the recode — unless no rule reads its words.
        A whole number is an int (a label's −2.0 as −2), as a number written in a cell and an API's
        answer are."""
        if type(label) is str and not self._choices(column):
            shown = self._read_cell(column, metric, label, None)
            if not isinstance(shown[0], str) or shown_number(label) is not None:
                return shown
        reads_choices = self.values is not None or label is not None
        if reads_choices and (shown := self._read_choice(column, metric, value, label)) is not None:
            return whole_number(shown[0]), shown[1]
        number = value
        parsed = value if type(value) in (int, float) else None
        if isinstance(value, str):
            text = value.strip()
            parsed = parse_number(text)  # read once: it says both the number and whether it is one
            number = self._number(text, parsed, metric)
            if label is None and parsed is None:
                label = text  # the answer as written: "Очень доволен", "N/A"
                check_order(column, metric, text, self._labels_of(metric), config=self.config, source=self.source)
                check_size(column, metric, text, number, config=self.config, source=self.source)
                check_degrees(column, metric, text, self._scales, config=self.config, source=self.source)
        if parsed is not None and (coded := answer_code(parsed, metric)) is not None:
            return whole_number(coded), label or coerce.text_of(value)  # the code as written: "0" of a 0–4 export
        return whole_number(number), label or self._label(column, number)

    def _read_choice(
        self, column: str, metric: MetricColumn, value: Any, label: str | None
    ) -> tuple[Any, str | None] | None:
        """A cell naming a definition's choice as the source's `values` says, read as an API's
        answer is: the label shown, named in the mapping's `labels` (or, when the choices show
        the numbers of the column's scale over other recodes, the number it shows:
        `meaning.numbers_shown`) gives the value, else, but for an "N/A"-type choice, which carries
        none, the choice's recode (`meaning.choice_value`); None for a cell naming no choice (read
        as any other cell)."""
        if label is not None:  # the export's own (a JSON export's labels.QID…): its value is the recode
            found = (value, label) if type(value) in (int, float) and isinstance(label, str) else None
        elif self.values == "recodes" and isinstance(value, str):
            found = self._choice(column, parse_number(value.strip()))
        else:
            found = self._choice(column, value)
        if found is None:
            return None
        recode, shown = found
        if label is not None:
            recode = self._ranked(column, metric, recode, shown)
        numbers = numbers_shown(self._choices(column), signed=self._signed(column))
        labels = index_labels(numbers | metric.labels) if numbers and shows_scale(numbers, metric) else metric.label_index
        return choice_value(shown, recode, labels, by_label=True), shown

    def _ranked(self, column: str, metric: MetricColumn, cell: Any, shown: str) -> Any:
        """What a cell naming the option `shown` holds: the option's rank where the cell keeps the
        weight of a SurveyMonkey rating scored by rank (its weights leave gaps; the definition gives
        the option its rank, `surveymonkey_details`), as the API scores it, unless the mapping sets
        another scale (`scores_ranks`); else the cell."""
        choices = self._choices(column)
        rank = choices.get(shown)
        if rank is None or rank == cell or not self._signed(column):
            return cell
        return rank if scores_ranks(metric, (min(choices.values()), max(choices.values()))) else cell

    def _number(self, text: str, parsed: float | None, metric: MetricColumn) -> Any:
        """A label's value through the mapping, then the built-in maps; numbers (`parsed`) as numbers."""
        if parsed is not None:
            return whole_number(parsed)
        key = builtin.label_key(text)
        if key in builtin.NO_SCORE_LABELS:
            return None
        labels = self._labels_of(metric)
        if key in labels:
            return labels[key]
        if match := TRAILING_NUMBER.match(text):
            return parse_number(match.group(2))
        return text  # the metric rules read leading numbers and ignore_values, or quarantine it by name

    def _labels_of(self, metric: MetricColumn) -> dict[str, float]:
        """The metric's own labels over the built-in ones for its scale (cached per metric)."""
        found = self._labels.get(id(metric))
        if found is None:
            found = self._labels[id(metric)] = known_labels(metric)
        return found

    def _text(self, column: str) -> str:
        if self.definition is not None and (meaning := self.definition.meaning(column)) is not None:
            return meaning.text
        return self.texts.get(column, column)

    def _label(self, column: str, value: Any) -> str | None:
        found = self._choice(column, value)
        return found[1] if found is not None else None

    def _choice(self, column: str, value: Any) -> tuple[float, str] | None:
        """The definition's choice a cell names, as (its recode, its label): the choice whose text
        the cell shows under `values = "choice_text"`, else the one recoded as the cell's value
        (`meaning.recoded_choice`: not an "N/A" choice sharing its recode)."""
        choices = self._choices(column)
        if not choices or isinstance(value, list | dict) or value is None:
            return None
        if self.values == "choice_text":
            shown = builtin.label_key(coerce.text_of(value))
            return next(
                ((number, label) for label, number in choices.items() if builtin.label_key(label) == shown), None
            )
        label = recoded_choice(choices, value)
        return None if label is None else (choices[label], label)

    def _choices(self, column: str) -> dict[str, float]:
        """The column's choices, label → recode: the table's, else the definition's."""
        choices = self.choices.get(column)
        if choices is None and self.definition is not None:
            meaning = self.definition.meaning(column)
            choices = meaning.choices if meaning else {}
        return choices or {}

    def _signed(self, column: str) -> bool:
        """Whether the column's definition flags its no-answer options (SurveyMonkey's `is_na`):
        a negative recode is then a score (`meaning.numbers_shown`)."""
        if column in self.signed:
            return True
        meaning = self.definition.meaning(column) if self.definition is not None else None
        return meaning is not None and meaning.marks_no_answer

    def _attributes(self, values: dict[str, Any]) -> dict[str, Any]:
        wanted = self.attribute_columns(values)
        return {key: self.attribute(key, values[key]) for key in wanted if values.get(key) is not None}

    def attribute_columns(self, values: dict[str, Any]) -> list[str]:
        """The configured attribute columns, or every column not mapped otherwise (by name)."""
        if self.config.attributes is not None:
            return [self.key(c) for c in self.config.attributes]
        columns = tuple(values)
        wanted = self._unmapped.get(columns)  # a file's rows have the same columns
        if wanted is None:
            wanted = sorted(key for key in values if key not in self.used)
            if len(self._unmapped) < 64:
                self._unmapped[columns] = wanted
        return wanted

    def key(self, column: Any) -> str:
        """A column the mapping names, as the rows' values are keyed (`rename`)."""
        return self.rename(header_key(column))

    def attribute(self, key: str, value: Any) -> Any:
        """An attribute cell as stored: JSON-ready, a timestamp column's cell as ISO text."""
        if key not in self.timestamps:
            return cell_json(value)
        return format_timestamp(self._time_in(key, value))

    def _time_in(self, key: str, value: Any) -> datetime | None:
        """A timestamp column's cell, read in the source's zone."""
        try:
            return parse_datetime(value, tz=self.zone, order=self.date_order, fmt=self.config.timestamp_format)
        except DataError as exc:
            raise exc.restated(f"column {key!r}: {exc}", field=key) from None


def _as_it_is(name: str) -> str:
    return name


def cell_json(value: Any) -> Any:
    """Cell values as JSON can hold them: dates and times as ISO text."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list):
        return [cell_json(v) for v in value]
    return value
