"""`singer`: any Singer tap as a cxbridge source.

cxbridge runs the tap executable with its config (written to a private file, `${ENV}` secrets
resolved), selects the tap streams that have a mapping, reads the SCHEMA/RECORD/STATE messages
and maps each record to a feedback record through a row mapping — written inline, or a mapping
file as `cxbridge inspect --write-mapping` writes for spreadsheets — read by the same
`RowNormalizer` as the file sources (nested fields as `a.b`). The tap's own STATE is the cursor,
handed back with `--state` next time.
"""

from __future__ import annotations

import copy
import shlex
from collections.abc import Iterator
from typing import Any, Literal

from pathlib import Path

from pydantic import Field, PrivateAttr, field_validator

from cxbridge.detection.mapping_file import read_mapping
from cxbridge.config import validate_model
from cxbridge.errors import DataError, SourceError
from cxbridge.identity import content_id
from cxbridge.normalize import RecordBuilder
from cxbridge.plugins.singer.tap import TapProcess
from cxbridge.plain_secrets import plain_credential_keys
from cxbridge.privacy import PersonalFields
from cxbridge.records import FeedbackRecord
from cxbridge.secrets import PLAIN_TEXT
from cxbridge.sources import Source, SourceConfig, Stream, volatile_keys
from cxbridge.tables import to_json
from cxbridge.tabular.config import FILE_CONFIGS, RowMapping
from cxbridge.tabular.json_records import flatten_record
from cxbridge.tabular.rows import RowNormalizer
from cxbridge.tabular.table import header_key


FILE_ONLY_KEYS = frozenset().union(*(model.model_fields for model in FILE_CONFIGS)) - set(RowMapping.model_fields)
SDK_VOLATILE_FIELDS = (
    "_sdc_extracted_at", "_sdc_received_at", "_sdc_batched_at", "_sdc_sequence", "_sdc_table_version",
    "_sdc_sync_started_at",
)  # fmt: skip
"""The Singer SDK's record metadata that changes on every extraction (`_sdc_deleted_at`, which
marks a deletion, is not among them: it changes only when the record does)."""


class StreamMapping(RowMapping):
    """`[sources.NAME.streams.TAP_STREAM]`: a row mapping over the tap's records (`a.b` reaches
    into nested objects), inline or from a mapping file."""

    mapping: str | None = Field(
        default=None,
        description="a mapping file (as `cxbridge inspect --write-mapping` writes); keys written here win over it",
    )
    _entries_in: str = PrivateAttr(default="")  # where its `metrics` entries are written, as advice names it

    def resolved(self, base_dir: Path, *, where: str) -> StreamMapping:
        """The mapping with its file's keys under the ones written inline, knowing where its
        `metrics` are written — the stream's table `where`, or its mapping file — for advice."""
        table = f"[{where}]"
        if self.mapping is None:
            found = self.model_copy()
            found._entries_in = table
            return found
        path = base_dir / self.mapping
        _, entry, _ = read_mapping(path)
        from_file = {key: value for key, value in entry.items() if key not in FILE_ONLY_KEYS}
        written = self.model_dump(include=self.model_fields_set - {"mapping"})
        found = validate_model(StreamMapping, from_file | written, label=f"{path} (the mapping of {where})", prefix=where)
        found._entries_in = table if "metrics" in self.model_fields_set else f"{self.mapping}, the mapping file of {table}"
        return found

    def metrics_entry(self, column: str, *, source: str) -> str:
        """Where advice tells to change how a field is scored: its entry under the stream's `metrics`."""
        return f"the metrics entry of column {column!r} in {self._entries_in or f'[sources.{source}.streams]'}"


class SingerConfig(SourceConfig):
    connector: Literal["singer"] = "singer"
    command: list[str] | str = Field(description="the tap executable and its arguments, e.g. tap-typeform")
    tap_config: dict[str, Any] = Field(default_factory=dict, description="the tap's config.json; secrets as ${ENV}")
    streams: dict[str, StreamMapping] = Field(min_length=1, description="tap stream name → its mapping")
    discover: bool = Field(default=True, description="run --discover and select only the mapped streams")
    catalog_flag: Literal["--catalog", "--properties"] = Field(
        default="--catalog", description="--properties for older taps"
    )
    volatile_fields: list[str] = Field(
        default=list(SDK_VOLATILE_FIELDS),
        description="record fields that change on every extraction (`prefix*` for all that start so): left out, "
        "so an unchanged row stays unchanged",
    )

    @field_validator("tap_config", mode="before")
    @classmethod
    def _no_plain_credentials(cls, tap_config: Any) -> Any:
        if plain := plain_credential_keys(tap_config):
            raise ValueError(f"{', '.join(plain)}: {PLAIN_TEXT}")
        return tap_config


class SingerStream(Stream):
    """One tap stream; `is_sorted` because a Singer STATE covers every record sent before it."""

    is_sorted = True

    def __init__(self, source: SingerSource, name: str, mapping: StreamMapping):
        super().__init__(source)
        self.name = name  # type: ignore[misc]
        self.mapping = self.row_mapping = mapping  # advice names the stream's entries (`StreamMapping.metrics_entry`)
        self.normalizer = RowNormalizer(mapping, source.context)
        self._state: Any = None
        self._key_properties: list[str] = []
        self._contents_seen: dict[str, int] = {}  # of a record keyed by its content, how many were sent before

    def read(self, cursor: Any) -> Iterator[dict[str, Any]]:
        source: SingerSource = self.source  # type: ignore[assignment]
        self._state = cursor
        self._contents_seen = {}
        catalog = source.catalog_selecting(self.name)
        names = {self.name, *_entry_names(_chosen_entry(catalog, self.name))} if catalog is not None else {self.name}
        for message in source.tap.sync(catalog=catalog, state=cursor, catalog_flag=source.config.catalog_flag):
            if message.type == "STATE":
                self._state = message.body.get("value")
            elif message.stream not in names:
                continue
            elif message.type == "SCHEMA":
                self._key_properties = list(message.body.get("key_properties") or [])
            elif message.type == "RECORD":
                yield self._row(message.body.get("record") or {})

    def advance_cursor(self, cursor: Any, raw: dict[str, Any]) -> Any:
        return self._state

    def final_cursor(self, cursor: Any) -> Any:
        return self._state

    def native_id(self, raw: dict[str, Any]) -> str:
        if raw.get("id") is None:
            column = self.mapping.columns.id
            raise DataError(f"the id field {column!r} is empty", field=column, kind="missing-id")
        return raw["id"]

    def normalize(self, raw: dict[str, Any], builder: RecordBuilder) -> FeedbackRecord:
        return self.normalizer.normalize(raw, builder)

    def personal_fields(self) -> PersonalFields:
        return self.mapping.personal_fields()

    def volatile_fields(self) -> frozenset[str]:
        return frozenset(self.source.config.volatile_fields)  # type: ignore[attr-defined]

    def _row(self, record: dict[str, Any]) -> dict[str, Any]:
        values = {header_key(key): value for key, value in flatten_record(record).items()}
        return {"id": self._id_of(values), "values": values}

    def _lasting(self, values: dict[str, Any]) -> dict[str, Any]:
        """`values` without the volatile fields: what a record's content id may depend on."""
        exact, prefixes = volatile_keys(self.volatile_fields())
        return {key: value for key, value in values.items() if key not in exact and not key.startswith(prefixes)}

    def _id_of(self, values: dict[str, Any]) -> str | None:
        """The id field's value; else the tap's key properties; else the record's content and,
        for content sent before in this sync, how many times: a stream without a key is a list of
        rows (Singer targets append them), so two respondents' identical answers stay two records."""
        if self.mapping.columns.id:
            value = values.get(header_key(self.mapping.columns.id))
            return None if value is None or value == "" else str(value)
        if self._key_properties:
            return "|".join(str(values.get(key)) for key in self._key_properties)
        base = content_id(to_json(self._lasting(values)))
        before = self._contents_seen.get(base, 0)
        self._contents_seen[base] = before + 1
        return content_id(base, before) if before else base


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
        base_dir = Path(context.base_dir)
        self.mappings = {  # mapping files are read now, so that a bad one fails before any data moves
            name: mapping.resolved(base_dir, where=f"sources.{context.name}.streams.{name}")
            for name, mapping in config.streams.items()
        }

    @property
    def tap(self) -> TapProcess:
        if self._tap is None:
            self._tap = TapProcess(self._command, dict(self.config.tap_config), cwd=self.context.base_dir)
        return self._tap

    def streams(self) -> list[Stream]:
        return [SingerStream(self, name, mapping) for name, mapping in self.mappings.items()]

    def catalog_selecting(self, stream: str) -> dict[str, Any] | None:
        """The tap's catalog with only `stream` selected (None when discovery is off)."""
        if not self.config.discover:
            return None
        if self._catalog is None:
            self._catalog = self.tap.discover()
        catalog = copy.deepcopy(self._catalog)
        chosen = _chosen_entry(catalog, stream)
        for entry in catalog.get("streams", []):
            _select(entry, selected=entry is chosen)
        return catalog


def _entry_names(entry: dict[str, Any]) -> set[str]:
    """A catalog entry's `tap_stream_id` and `stream`: taps that read tables name their messages
    by the table (tap-mysql: `example_db-animals` in the catalog, `"stream": "animals"` in them)."""
    return {str(name) for name in (entry.get("tap_stream_id"), entry.get("stream")) if name}


def _chosen_entry(catalog: dict[str, Any], stream: str) -> dict[str, Any]:
    """The catalog entry `stream` names, by its tap_stream_id or, when only one has it, its stream
    name; SourceError naming the streams there are otherwise."""
    entries = catalog.get("streams", [])
    by_id = [entry for entry in entries if entry.get("tap_stream_id") == stream]
    found = by_id or [entry for entry in entries if stream in _entry_names(entry)]
    if len(found) == 1:
        return found[0]
    ids = ", ".join(str(entry.get("tap_stream_id") or entry.get("stream")) for entry in (found or entries))
    if found:
        raise SourceError(f"the tap has several streams named {stream!r}: {ids}; name one of them by its tap_stream_id")
    raise SourceError(f"the tap has no stream {stream!r}; its streams are: {ids}")


def _select(entry: dict[str, Any], *, selected: bool) -> None:
    metadata = entry.setdefault("metadata", [])
    top = next((item for item in metadata if item.get("breadcrumb") == []), None)
    if top is None:
        top = {"breadcrumb": [], "metadata": {}}
        metadata.append(top)
    top.setdefault("metadata", {})["selected"] = selected
    entry["selected"] = selected  # the legacy flag some taps read
