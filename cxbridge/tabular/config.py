"""The configuration of a file source (`connector = "csv"`, `"excel"` or `"json"`): where the
files are, how to read them, and which column holds what. `cxbridge inspect --write-mapping`
writes exactly this, so a detected mapping is a `[sources.NAME]` entry as it stands."""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from cxbridge.config import EncodingName
from cxbridge.detection.declared_scale import end_words
from cxbridge.detection.meaning import read_backwards, read_numbers, set_against_words
from cxbridge.exports import FORMATS, RECORD_FORMATS, qualtrics_fields
from cxbridge.metrics import MetricSpec, labels_short_of_scale
from cxbridge.normalize import primary_questions
from cxbridge.privacy import PersonalFields
from cxbridge.sources import SourceConfig
from cxbridge.tabular.answer_values import CellValues
from cxbridge.tabular.cells import DateOrder
from cxbridge.tabular.delimited import MAX_ROW_LINES
from cxbridge.tabular.table import Column, header_key
from cxbridge.timestamps import TimestampFormat, TimeZoneName

if TYPE_CHECKING:
    from cxbridge.tabular.reading import SourceHeaders
    from cxbridge.tabular.source_dates import Evidence

FIELD_COLUMNS = (
    "updated_at", "location_id", "location_name", "team", "agent_id", "crm_contact_id",
    "crm_account_id", "ticket_id", "language", "country", "channel", "touchpoint", "survey_id",
    "survey_name", "wave", "status", "comment",
)  # fmt: skip


class ColumnMap(BaseModel):
    """`[sources.NAME.columns]`: which column holds which feedback field."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(default=None, description="native id; without it rows are keyed by file, sheet and content")
    submitted_at: str | None = Field(default=None, description="when the respondent submitted")
    email: str | None = Field(default=None, description="hashed into respondent_key, never stored")
    phone: str | None = Field(default=None, description="hashed into respondent_key, never stored")
    updated_at: str | None = None
    location_id: str | None = None
    location_name: str | None = None
    team: str | None = None
    agent_id: str | None = None
    crm_contact_id: str | None = None
    crm_account_id: str | None = None
    ticket_id: str | None = None
    language: str | None = None
    country: str | None = None
    channel: str | None = None
    touchpoint: str | None = None
    survey_id: str | None = None
    survey_name: str | None = None
    wave: str | None = Field(default=None, description="the mystery-shop or audit wave of the visit (docs/ranking.md)")
    status: str | None = Field(default=None, description="complete/partial, or 1/0, true/false, finished")
    comment: str | None = Field(default=None, description="the primary free-text answer")

    def mapped(self) -> dict[str, str]:
        return {name: column for name, column in self.model_dump().items() if column}


class MetricColumn(MetricSpec):
    """`[[sources.NAME.metrics]]`: a scored column."""

    column: str
    primary: bool = Field(
        default=False, description="the record's nps/csat/ces column comes from here (default: the first of its metric)"
    )
    question_key: str | None = Field(
        default=None, min_length=1,
        description="the logical question this column continues: columns with one key are one question (docs/schema.md)",
    )  # fmt: skip

    @model_validator(mode="after")
    def _labels_on_their_scale(self) -> MetricColumn:
        if problem := labels_short_of_scale(self):
            raise ValueError(problem)
        return self

    @model_validator(mode="after")
    def _effort_read_its_way(self) -> MetricColumn:
        """A CSAT or CES without `direction` is read higher-is-better; under a header numbering
        its best end first, or a question asking how much effort (or how difficult), that turns
        every answer round, so the entry must say. A direction set against the header's words of
        satisfaction, ease or effort turns them round too (`set_against_words`), unless `labels` map them."""
        ends, problem = end_words(self.column), None
        if "direction" not in self.model_fields_set:
            problem = read_backwards(self.metric, self.column, ends, self.scale_bounds, what=f"column {self.column!r}",
                                     by="its header")  # fmt: skip
        elif not self.labels and ends:
            problem = set_against_words(self.metric, self.direction, read_numbers(ends, self.scale_bounds), ends,
                                        by=f"column {self.column!r}")  # fmt: skip
            problem = problem and f"{problem}, or map its answers under labels"
        if problem:
            raise ValueError(problem)
        return self


@dataclass(frozen=True)
class ImportedMapping:
    """The mapping a file of `cxbridge import` is read with, as advice names it: the `--mapping`
    file (`saved`), or the one detected for it, which the user edits once `inspect` saved it."""

    file: str  # the data file, as the import names it
    saved: str | None = None
    named: bool = False  # given `--source`, which the mapping's own name would not be: named again

    @property
    def where(self) -> str:
        return self.saved or (f"a mapping saved by `cxbridge inspect {self.file} --write-mapping mapping.toml` "
                              "(then imported with `--mapping mapping.toml`)")

    def again(self, source: str) -> str:
        """The import that reads the file again with the mapping changed, into the same `source`."""
        named = f" --source {shlex.quote(source)}" if self.named else ""
        return f"`cxbridge import {self.file} --mapping {self.saved or 'mapping.toml'}{named}`"


class RowMapping(BaseModel):
    """Which field of a row holds what, and how its values read: the keys a mapping file
    (`cxbridge inspect --write-mapping`) holds, shared by the file sources and the singer source."""

    model_config = ConfigDict(extra="forbid")
    _imported: ImportedMapping | None = PrivateAttr(default=None)

    timestamp_format: TimestampFormat | None = Field(
        default=None, description="strptime format; otherwise ISO, dd.mm.yyyy, m/d/yyyy, …"
    )
    date_order: DateOrder | None = Field(default=None, description="dmy or mdy for 01/02/2024; detected when unset")
    timezone: TimeZoneName | None = Field(
        default=None,
        description="IANA zone of naive timestamps (and, as a source's key, of the days its records count in); "
        "[settings] timezone if unset",
    )
    key_columns: list[str] | None = Field(
        default=None, description="columns that identify a row without an id (default: submitted time, e-mail, phone)"
    )
    columns: ColumnMap = Field(default_factory=ColumnMap)
    metrics: list[MetricColumn] = Field(default_factory=list)
    comments: list[str] = Field(default_factory=list, description="more free-text columns")
    questions: list[str] = Field(default_factory=list, description="more answers kept (unscored) in `answers`")
    timestamps: list[str] = Field(
        default_factory=list, description="more time columns; kept in attributes as UTC ISO-8601"
    )
    multi_choice: list[str] = Field(default_factory=list, description="answers listing several choices, split on ', '")
    attributes: list[str] | None = Field(default=None, description="columns kept in attributes; default: all unmapped")
    personal: list[str] = Field(
        default_factory=list, description="columns of personal data (names, addresses): stored only with keep_personal_data"
    )
    ignore: list[str] = Field(default_factory=list, description="columns never stored (names, IP addresses)")

    @property
    def imported(self) -> ImportedMapping | None:
        """The mapping file of a `cxbridge import` this is, as its advice names it; None: a source's
        config (`cxbridge sync`). Not a config key."""
        return self._imported

    @imported.setter
    def imported(self, mapping: ImportedMapping | None) -> None:
        self._imported = mapping

    def metrics_entry(self, column: str, *, source: str) -> str:
        """Where advice tells to change how a column is scored: its [[metrics]] entry, in the config or
        the mapping the import read."""
        if self.imported is None:
            return f"the [[sources.{source}.metrics]] entry of column {column!r}"
        return f"the [[metrics]] entry of column {column!r} in {self.imported.where}"

    def read_again(self, *, source: str) -> str:
        """The command that reads the answers stored before again, once the mapping is changed."""
        return self.imported.again(source) if self.imported else f"`cxbridge sync --full-refresh --source {source}`"

    @model_validator(mode="after")
    def _one_primary_per_column(self) -> RowMapping:
        primary_questions((metric.column, metric.metric, metric.primary) for metric in self.metrics)
        return self

    def primary_columns(self) -> set[str]:
        """The scored columns that fill the record's nps/csat/ces: decided once, by column, and
        every column of the same metric declared the same question (`question_key`): a reworded
        header goes on filling the column its earlier wording filled."""
        chosen = set(primary_questions((metric.column, metric.metric, metric.primary) for metric in self.metrics).values())
        keys = {(m.question_key, m.metric) for m in self.metrics if m.column in chosen and m.question_key}
        return chosen | {m.column for m in self.metrics if (m.question_key, m.metric) in keys}

    def chosen_columns(self) -> set[str]:
        """The columns the mapping says something about, by column key: mapped, scored, kept as
        answers, comments, times, attributes, personal or ignored."""
        named = [*self.columns.mapped().values(), *(metric.column for metric in self.metrics), *self.comments,
                 *self.questions, *self.timestamps, *self.multi_choice, *(self.attributes or []), *self.personal,
                 *self.ignore]  # fmt: skip
        return {header_key(column) for column in named}

    def named_as_read(self, names: Mapping[str, str]) -> Self:
        """This mapping with each column it names by a name in `names` (a header as messages show
        it, an address in it as its key → the header as read) named as read; itself when none is."""
        def named(column: str) -> str:
            return names.get(header_key(column), column)

        def each(columns: list[str] | None) -> list[str] | None:
            return None if columns is None else [named(column) for column in columns]

        if not names:
            return self
        lists = ("key_columns", "comments", "questions", "timestamps", "multi_choice", "attributes", "personal", "ignore")
        return self.model_copy(update={
            "columns": self.columns.model_copy(update={name: named(c) for name, c in self.columns.mapped().items()}),
            "metrics": [metric.model_copy(update={"column": named(metric.column)}) for metric in self.metrics],
            **{name: each(getattr(self, name)) for name in lists},
        })  # fmt: skip

    def named_by_header(
        self, columns: Iterable[Column], *, qualtrics: bool = False
    ) -> tuple[PersonalFields, set[tuple[str, str]]]:
        """The columns of a table that `personal` and `ignore` entries name by their header as
        written alone (`Column.named`; by key, `personal_fields` has them), and the (list, entry)
        pairs naming a column of the table either way. A `qualtrics` export's columns are named
        by its first header row too (`Status`, keyed `status`), whatever its question texts read."""
        columns = list(columns)
        found: dict[str, set[str]] = {"personal": set(), "ignore": set()}
        named: set[tuple[str, str]] = set()
        for name, keys in found.items():
            for entry in getattr(self, name):
                alias = qualtrics_fields.canonical(entry) if qualtrics else None
                matched = [column.key for column in columns if column.named(entry) or column.key == alias]
                named |= {(name, entry)} if matched else set()
                keys.update(key for key in matched if key != header_key(entry))
        return PersonalFields(personal=frozenset(found["personal"]), ignored=frozenset(found["ignore"])), named

    def personal_fields(self) -> PersonalFields:
        """The mapped e-mail and phone (stored as their salted hash), the `personal` columns and
        the ignored ones, by column key (and as written, for records keyed by field name)."""

        def keys(columns: list[str | None]) -> frozenset[str]:
            return frozenset(key for column in columns if column for key in (column, header_key(column)))

        return PersonalFields(
            contacts=keys([self.columns.email, self.columns.phone]),
            personal=keys(list(self.personal)),
            ignored=keys(list(self.ignore)),
        )


class FileSourceConfig(RowMapping, SourceConfig):
    """Keys shared by the csv, excel and json connectors: where the files are, their layout, and
    the row mapping."""

    path: str = Field(description="a file, a glob (data/*.xlsx, exports/**/*.csv) or a folder, relative to the config")
    format: Literal["auto", *FORMATS] = Field(  # type: ignore[valid-type]
        default="plain", description="plain, google_forms, qualtrics, qualtrics_legacy, surveymonkey, … or auto"
    )
    definition: str | None = Field(
        default=None, description="survey definition: Qualtrics .qsf/API JSON, SurveyMonkey details"
    )
    values: CellValues | None = Field(
        default=None,
        description="with a definition, what the answer cells hold: recodes (numeric values; a JSON export) or "
        "choice_text; needed when a scored question's choices show numbers other than their recodes",
    )
    header_row: int | None = Field(
        default=None, ge=1, description="row number of the (first) header row; detected when unset"
    )
    header_rows: int | None = Field(default=None, ge=1, le=3, description="how many header rows (plain sheets: 1 or 2)")
    include_test_responses: bool = Field(
        default=False, description="Qualtrics exports: also keep previews, test and spam responses (Status 1, 2, 8)"
    )
    _source_headers: SourceHeaders | None = PrivateAttr(default=None)
    _date_evidence: Evidence | None = PrivateAttr(default=None)
    _cursor_root: Path | None = PrivateAttr(default=None)
    _file_identity: str | None = PrivateAttr(default=None)
    _date_order_given: bool = PrivateAttr(default=False)

    @model_validator(mode="after")
    def _values_need_a_definition(self) -> FileSourceConfig:
        if self.values is not None and self.definition is None:
            raise ValueError("values says how answer cells read through a survey definition: give definition too")
        return self

    @property
    def source_headers(self) -> SourceHeaders | None:
        """The files a mapped column missing from one file is looked for in, when they are more
        than `path` names (the files of one `cxbridge import --mapping`; with those of the
        configured source a file is imported into); not a config key."""
        return self._source_headers

    @source_headers.setter
    def source_headers(self, headers: SourceHeaders | None) -> None:
        self._source_headers = headers

    @property
    def date_evidence(self) -> Evidence | None:
        """What the tables of the one file of a `cxbridge import` showed of their day/month order,
        found (by inspecting it, or by the import's look at its dates) before its sync, which
        reads none of it again for that; not a config key."""
        return self._date_evidence

    @date_evidence.setter
    def date_evidence(self, evidence: Evidence | None) -> None:
        self._date_evidence = evidence

    @property
    def date_order_given(self) -> bool:
        """date_order is not a source's setting but one `cxbridge import`'s: `--date-order`, said
        for the files of one export that show both orders (a file of the other order is read so,
        its impossible dates quarantined), or what detecting the file without a mapping found;
        so a file against it is not refused as one against a source's date_order. Not a config key."""
        return self._date_order_given

    @date_order_given.setter
    def date_order_given(self, given: bool) -> None:
        self._date_order_given = given

    @property
    def cursor_root(self) -> Path | None:
        """The folder the cursor names the one file of a `cxbridge import` from (the project's),
        as its identity is only its name; not a config key."""
        return self._cursor_root

    @cursor_root.setter
    def cursor_root(self, root: Path | None) -> None:
        self._cursor_root = root

    @property
    def file_identity(self) -> str | None:
        """The identity of the one file of a `cxbridge import` into a configured source whose
        `path` names it (`2025-01/responses.csv` for `exports/**/*.csv`), so that its rows get the
        ids that source's sync gives them and its cursor entry is that sync's (not `cursor_root`'s);
        else (None) its name. Not a config key."""
        return self._file_identity

    @file_identity.setter
    def file_identity(self, identity: str | None) -> None:
        self._file_identity = identity


class CsvConfig(FileSourceConfig):
    connector: Literal["csv"] = "csv"
    encoding: EncodingName = Field(default="auto", description="auto, utf-8, utf-16, cp1251, cp1250, latin-1, …")
    delimiter: str | None = Field(default=None, min_length=1, max_length=1, description="detected when unset")
    max_row_lines: int = Field(
        default=MAX_ROW_LINES, ge=1, description="a row spanning more lines is taken for a quote left open: the file fails"
    )


class ExcelConfig(FileSourceConfig):
    connector: Literal["excel"] = "excel"
    sheets: list[str] | None = Field(default=None, description="the sheets to read; default: every sheet")
    reader: Literal["auto", "calamine", "openpyxl"] = Field(
        default="auto", description="calamine (fast) or openpyxl (streams large xlsx in little memory)"
    )


class JsonConfig(FileSourceConfig):
    connector: Literal["json"] = "json"
    format: Literal["auto", *RECORD_FORMATS] = Field(  # type: ignore[valid-type, assignment]
        default="auto", description="qualtrics_json, surveymonkey_json, plain_json (records of any shape) or auto"
    )


FILE_CONFIGS = (CsvConfig, ExcelConfig, JsonConfig)
