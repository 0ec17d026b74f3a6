"""`singer`: any Singer tap as a cxbridge source.

cxbridge runs the tap executable with its config (written to a private file, `${ENV}` secrets
resolved), selects the tap streams that have a mapping, reads the SCHEMA/RECORD/STATE messages
and maps each record to a feedback record with the same `columns`/`metrics`/`comments` mapping as
spreadsheet sources. The tap's own STATE is the cursor, handed back with `--state` next time.
"""

from __future__ import annotations

import copy
import shlex
from collections.abc import Iterator
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from cxbridge.errors import DataError, SourceError
from cxbridge.identity import content_id
from cxbridge.normalize import AnswerInput, RecordBuilder
from cxbridge.plugins.csv_source import FIELD_COLUMNS, LOWER_CASE_FIELDS, ColumnMap, MetricColumn
from cxbridge.plugins.singer.tap import TapProcess
from cxbridge.records import FeedbackRecord
from cxbridge.sources import Source, SourceConfig, Stream
from cxbridge.tables import to_json
from cxbridge.timestamps import parse_timestamp, zone


class StreamMapping(BaseModel):
    """`[sources.NAME.streams.TAP_STREAM]`: which record field holds which feedback field
    (`a.b` reaches into nested objects)."""

    model_config = ConfigDict(extra="forbid")

    columns: ColumnMap
    metrics: list[MetricColumn] = Field(default_factory=list)
    comments: list[str] = Field(default_factory=list, description="more free-text fields")
    attributes: list[str] | None = Field(default=None, description="fields kept in attributes; default: all unmapped")


class SingerConfig(SourceConfig):
    connector: Literal["singer"] = "singer"
    command: list[str] | str = Field(description="the tap executable and its arguments, e.g. tap-typeform")
    tap_config: dict[str, Any] = Field(default_factory=dict, description="the tap's config.json; secrets as ${ENV}")
    streams: dict[str, StreamMapping] = Field(min_length=1, description="tap stream name → its mapping")
    discover: bool = Field(default=True, description="run --discover and select only the mapped streams")
    catalog_flag: Literal["--catalog", "--properties"] = Field(
        default="--catalog", description="--properties for older taps"
    )


class SingerStream(Stream):
    """One tap stream; `is_sorted` because a Singer STATE covers every record sent before it."""

    is_sorted = True

    def __init__(self, source: SingerSource, name: str, mapping: StreamMapping):
        super().__init__(source)
        self.name = name  # type: ignore[misc]
        self.mapping = mapping
        self._state: Any = None
        self._key_properties: list[str] = []

    def read(self, cursor: Any) -> Iterator[dict[str, Any]]:
        source: SingerSource = self.source  # type: ignore[assignment]
        self._state = cursor
        catalog = source.catalog_selecting(self.name)
        for message in source.tap.sync(catalog=catalog, state=cursor, catalog_flag=source.config.catalog_flag):
            if message.type == "STATE":
                self._state = message.body.get("value")
            elif message.stream != self.name:
                continue
            elif message.type == "SCHEMA":
                self._key_properties = list(message.body.get("key_properties") or [])
            elif message.type == "RECORD":
                yield message.body.get("record") or {}

    def advance_cursor(self, cursor: Any, raw: dict[str, Any]) -> Any:
        return self._state

    def final_cursor(self, cursor: Any) -> Any:
        return self._state

    def native_id(self, raw: dict[str, Any]) -> str:
        if self.mapping.columns.id:
            value = field_value(raw, self.mapping.columns.id)
            if value is None or value == "":
                raise DataError(f"the id field {self.mapping.columns.id!r} is empty", field=self.mapping.columns.id)
            return str(value)
        if self._key_properties:
            return "|".join(str(raw.get(key)) for key in self._key_properties)
        return content_id(to_json(raw))

    def normalize(self, raw: dict[str, Any], builder: RecordBuilder) -> FeedbackRecord:
        columns = self.mapping.columns
        fields: dict[str, Any] = {}
        for name in FIELD_COLUMNS:
            value = field_value(raw, getattr(columns, name))
            if value is not None and str(value).strip():
                fields[name] = str(value).strip().lower() if name in LOWER_CASE_FIELDS else str(value).strip()
        if "updated_at" in fields:
            fields["updated_at"] = self._timestamp(fields["updated_at"], columns.updated_at)
        contact = field_value(raw, columns.email) or field_value(raw, columns.phone)
        answers = [
            AnswerInput(question_id=m.column, question_text=m.column, value=field_value(raw, m.column), spec=m,
                        is_primary=m.primary)
            for m in self.mapping.metrics
        ] + [
            AnswerInput(question_id=name, question_text=name, value=field_value(raw, name), is_comment=True)
            for name in [c for c in [columns.comment] if c] + self.mapping.comments
        ]  # fmt: skip
        submitted = self._timestamp(field_value(raw, columns.submitted_at), columns.submitted_at)
        if submitted is None:
            raise DataError(f"field {columns.submitted_at!r} is empty; every record needs a submitted time",
                            field=columns.submitted_at)  # fmt: skip
        return builder.build(
            native_id=self.native_id(raw),
            raw=raw,
            answers=answers,
            submitted_at=submitted,
            respondent_key=builder.respondent_key(str(contact) if contact else None),
            attributes=self._attributes(raw),
            **fields,
        )

    def _timestamp(self, value: Any, field: str | None) -> Any:
        try:
            return parse_timestamp(value, tz=zone(self.source.context.timezone))
        except DataError as exc:
            raise DataError(f"field {field!r}: {exc}", field=field) from None

    def _attributes(self, raw: dict[str, Any]) -> dict[str, Any]:
        if self.mapping.attributes is not None:
            return {name: field_value(raw, name) for name in self.mapping.attributes}
        mapped = {c.split(".")[0] for c in self.mapping.columns.model_dump().values() if c}
        mapped |= {m.column.split(".")[0] for m in self.mapping.metrics} | set(self.mapping.comments)
        return {key: value for key, value in raw.items() if key not in mapped and value not in (None, "")}


class SingerSource(Source):
    """Records of a Singer tap, mapped stream by stream."""

    name = "singer"
    config_model = SingerConfig
    config: SingerConfig

    def __init__(self, config: SingerConfig, context: Any):
        super().__init__(config, context)
        command = shlex.split(config.command) if isinstance(config.command, str) else list(config.command)
        self._tap: TapProcess | None = None
        self._command = command
        self._catalog: dict[str, Any] | None = None

    @property
    def tap(self) -> TapProcess:
        if self._tap is None:
            self._tap = TapProcess(self._command, dict(self.config.tap_config), cwd=self.context.base_dir)
        return self._tap

    def streams(self) -> list[Stream]:
        return [SingerStream(self, name, mapping) for name, mapping in self.config.streams.items()]

    def catalog_selecting(self, stream: str) -> dict[str, Any] | None:
        """The tap's catalog with only `stream` selected (None when discovery is off)."""
        if not self.config.discover:
            return None
        if self._catalog is None:
            self._catalog = self.tap.discover()
        catalog = copy.deepcopy(self._catalog)
        entries = catalog.get("streams", [])
        names = [entry.get("tap_stream_id") or entry.get("stream") for entry in entries]
        if stream not in names:
            raise SourceError(f"the tap has no stream {stream!r}; its streams are: {', '.join(map(str, names))}")
        for entry, name in zip(entries, names, strict=True):
            _select(entry, selected=name == stream)
        return catalog


def _select(entry: dict[str, Any], *, selected: bool) -> None:
    metadata = entry.setdefault("metadata", [])
    top = next((item for item in metadata if item.get("breadcrumb") == []), None)
    if top is None:
        top = {"breadcrumb": [], "metadata": {}}
        metadata.append(top)
    top.setdefault("metadata", {})["selected"] = selected
    entry["selected"] = selected  # the legacy flag some taps read


def field_value(record: dict[str, Any], path: str | None) -> Any:
    """`record[path]`, or the nested value at `a.b.c` when there is no key of that name."""
    if not path:
        return None
    if path in record:
        return record[path]
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value

