"""`csv`: a CSV file (or a glob of them) with an explicit column mapping.

Files are fingerprinted: an unchanged file is not read again, and a changed one is re-read with
unchanged rows skipped by the engine's content hash. The cursor is the set of fingerprints.
"""

from __future__ import annotations

import csv
import difflib
import glob
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from cxbridge.errors import DataError, SourceError
from cxbridge.hookspecs import hookimpl
from cxbridge.identity import content_id
from cxbridge.metrics import MetricSpec
from cxbridge.normalize import AnswerInput, RecordBuilder
from cxbridge.records import FeedbackRecord
from cxbridge.sources import Source, SourceConfig, Stream
from cxbridge.tables import to_json
from cxbridge.timestamps import TimeZoneName, parse_timestamp, zone

FIELD_COLUMNS = (
    "updated_at", "location_id", "location_name", "team", "agent_id", "crm_contact_id",
    "crm_account_id", "ticket_id", "language", "country", "channel", "touchpoint", "survey_id",
    "survey_name", "status", "comment",
)  # fmt: skip


LOWER_CASE_FIELDS = frozenset({"channel", "status"})  # "Email" → "email"


class ColumnMap(BaseModel):
    """`[sources.NAME.columns]`: which CSV column holds which feedback field."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(default=None, description="native id; without it rows are keyed by content")
    submitted_at: str = Field(description="when the respondent submitted")
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
    status: str | None = None
    comment: str | None = Field(default=None, description="the primary free-text answer")


class MetricColumn(MetricSpec):
    """`[[sources.NAME.metrics]]`: a scored column."""

    column: str
    primary: bool = Field(default=False, description="the record's nps/csat/ces column comes from here")


class CsvConfig(SourceConfig):
    connector: Literal["csv"] = "csv"
    path: str = Field(description="a CSV file or a glob (data/*.csv), relative to cxbridge.toml")
    encoding: str = Field(default="utf-8-sig", description="file encoding, e.g. utf-8, cp1251, latin-1")
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    timestamp_format: str | None = Field(default=None, description="strptime format; ISO-8601 if unset")
    timezone: TimeZoneName | None = Field(default=None, description="zone of naive timestamps; [settings] timezone if unset")
    columns: ColumnMap
    metrics: list[MetricColumn] = Field(default_factory=list)
    comments: list[str] = Field(default_factory=list, description="more free-text columns")
    attributes: list[str] | None = Field(default=None, description="columns kept in attributes; default: all unmapped")


class CsvStream(Stream):
    name = "rows"

    def __init__(self, source: CsvSource):
        super().__init__(source)
        self.config: CsvConfig = source.config  # type: ignore[assignment]
        self.primary_key = ("id",)
        self._zone = zone(self.config.timezone or source.context.timezone)
        self._config_hash = hashlib.sha256(self.config.model_dump_json().encode()).hexdigest()[:16]
        self._fingerprints: dict[str, str] = {}
        columns = self.config.columns
        self._fields = [(name, column) for name in FIELD_COLUMNS if (column := getattr(columns, name))]
        self._comment_columns = [c for c in [columns.comment] if c] + self.config.comments
        self._mapped = {c for c in columns.model_dump().values() if c}
        self._mapped |= {m.column for m in self.config.metrics} | set(self.config.comments)

    def files(self) -> list[Path]:
        base = self.source.context.base_dir
        pattern = str(base / self.config.path)
        matches = sorted(Path(p) for p in glob.glob(pattern, recursive=True)) if glob.has_magic(pattern) else []
        if not glob.has_magic(pattern):
            matches = [Path(pattern)] if Path(pattern).is_file() else []
        if not matches:
            raise SourceError(f"no CSV file matches {self.config.path!r} (looked in {base})")
        return matches

    def read(self, cursor: Any) -> Iterator[dict[str, Any]]:
        seen = cursor.get("files", {}) if cursor and cursor.get("config") == self._config_hash else {}
        for path in self.files():
            key = self._relative(path)
            fingerprint = _fingerprint(path)
            if seen.get(key) != fingerprint:
                yield from self._rows(path, key)
            self._fingerprints[key] = fingerprint

    def final_cursor(self, cursor: Any) -> Any:
        return {"config": self._config_hash, "files": dict(sorted(self._fingerprints.items()))}

    def _relative(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.source.context.base_dir.resolve()).as_posix()
        except ValueError:
            return path.resolve().as_posix()

    def _rows(self, path: Path, key: str) -> Iterator[dict[str, Any]]:
        try:
            with path.open(encoding=self.config.encoding, newline="") as handle:
                reader = csv.reader(handle, delimiter=self.config.delimiter)
                header = next(reader, None)
                if header is None:
                    return
                self._check_header(key, header)
                for values in reader:
                    if not any(cell.strip() for cell in values):
                        continue
                    row = dict(zip(header, values, strict=False))
                    raw = {"file": key, "row": reader.line_num, "values": row}
                    if len(values) != len(header):
                        raw["error"] = f"row has {len(values)} fields but the header has {len(header)}"
                    yield raw
        except UnicodeDecodeError as exc:
            raise SourceError(
                f"{key}: not readable as {self.config.encoding} (byte {exc.start}); set 'encoding' for this source"
            ) from None
        except csv.Error as exc:
            raise SourceError(f"{key}: malformed CSV: {exc}") from None
        except OSError as exc:
            raise SourceError(f"{key}: cannot read it ({exc.strerror})") from None

    def _check_header(self, key: str, header: list[str]) -> None:
        for column in [*sorted(self._mapped), *(self.config.attributes or [])]:
            if column not in header:
                close = difflib.get_close_matches(column, header, n=1)
                hint = f"did you mean {close[0]!r}?" if close else f"columns are: {', '.join(header)}"
                raise SourceError(f"{key}: the mapped column {column!r} is not in the header; {hint}")

    def native_id(self, raw: dict[str, Any]) -> str:
        id_column = self.config.columns.id
        if id_column is None:
            return content_id(raw["file"], to_json(raw["values"]))
        value = raw["values"].get(id_column, "").strip()
        if not value:
            raise DataError(f"the id column {id_column!r} is empty", field=id_column)
        return value

    def quarantine_context(self, raw: dict[str, Any]) -> dict[str, Any]:
        return {"file": raw.get("file"), "row": raw.get("row")}

    def normalize(self, raw: dict[str, Any], builder: RecordBuilder) -> FeedbackRecord:
        if "error" in raw:
            raise DataError(raw["error"])
        values: dict[str, str] = raw["values"]
        columns = self.config.columns
        fields: dict[str, Any] = {}
        for name, column in self._fields:
            if value := values.get(column, "").strip():
                fields[name] = value.lower() if name in LOWER_CASE_FIELDS else value
        if "updated_at" in fields:
            fields["updated_at"] = self._timestamp(fields["updated_at"], columns.updated_at)
        contact = (values.get(columns.email or "") or values.get(columns.phone or "") or "").strip()
        fields["respondent_key"] = builder.respondent_key(contact or None)
        answers = [
            AnswerInput(question_id=m.column, question_text=m.column, value=values.get(m.column), spec=m,
                        is_primary=m.primary)
            for m in self.config.metrics
        ] + [
            AnswerInput(question_id=column, question_text=column, value=values.get(column), is_comment=True)
            for column in self._comment_columns
        ]  # fmt: skip
        return builder.build(
            native_id=self.native_id(raw),
            raw=raw,
            answers=answers,
            submitted_at=self._timestamp(values.get(columns.submitted_at), columns.submitted_at, required=True),
            attributes={column: values[column] for column in self._attribute_columns(values) if values[column] != ""},
            **fields,
        )

    def _attribute_columns(self, values: dict[str, str]) -> list[str]:
        if self.config.attributes is not None:
            return self.config.attributes
        return [column for column in values if column not in self._mapped and column]

    def _timestamp(self, value: str | None, column: str | None, *, required: bool = False) -> Any:
        try:
            parsed = parse_timestamp(value, tz=self._zone, fmt=self.config.timestamp_format)
        except DataError as exc:
            raise DataError(f"column {column!r}: {exc}", field=column) from None
        if parsed is None and required:
            raise DataError(f"column {column!r} is empty; every row needs a submitted time", field=column)
        return parsed


class CsvSource(Source):
    """Rows of CSV files mapped column by column."""

    name = "csv"
    config_model = CsvConfig

    def streams(self) -> list[Stream]:
        return [CsvStream(self)]


def _fingerprint(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


@hookimpl
def register_sources(register):
    register(CsvSource)
