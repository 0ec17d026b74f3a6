"""Running one source the way `cxbridge sync` does, inside a test: config validated from a dict,
secrets set as environment variables, records read stream by stream, syncs into a real SQLite
file in the test's temporary folder."""

from __future__ import annotations

import copy
import json
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from cxbridge import api
from cxbridge.config import Config, config_from_dict
from cxbridge.crm import CrmObject
from cxbridge.errors import DataError
from cxbridge.hookspecs import hookimpl
from cxbridge.record_intake import stream_tools
from cxbridge.plugins_host import PluginHost, create_host
from cxbridge.records import FeedbackRecord
from cxbridge.sources import ContextStream, Source, Stream

SOURCE_NAME = "conformance"


@dataclass
class SourceUnderTest:
    """What the suite needs to know about a plugin's source."""

    source_class: type[Source]
    config: dict[str, Any]
    """A valid `[sources.NAME]` table as `cxbridge.toml` parses it; credentials as `${ENV}` references."""
    secrets: dict[str, str] = field(default_factory=dict)
    """The environment values of those references; the suite proves they never leak."""
    base_dir: Path | None = None
    """The folder relative paths in the config start from (the test's temporary folder if None)."""
    expected_quarantined: int = 0
    """How many records of the test data are bad on purpose."""
    max_records: int = 100_000
    """Reading more than this from the test data means pagination never ends."""
    personal_data: list[str] = field(default_factory=list)
    """Personal values in the test data (e-mails, phones, names, IP addresses) outside free-text
    comments: the suite proves none of them is stored, logged or printed."""
    unscored_streams: set[str] = field(default_factory=set)
    """Streams whose test data holds no scored answer (comments only): the suite expects at
    least one scored answer from every other stream that gives records."""
    uncommented_streams: set[str] = field(default_factory=set)
    """Streams whose test data holds no free-text answer (scores only): the suite expects at
    least one comment from every other stream that gives records."""


@dataclass
class StreamRead:
    """One stream read as a sync reads it: each raw record's native id (None when it has none)
    and the cursor after it."""

    ids: list[str | None] = field(default_factory=list)
    cursors: list[Any] = field(default_factory=list)


@dataclass
class Reading:
    """What one full read of every stream gave."""

    records: list[FeedbackRecord] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    context: list[CrmObject] = field(default_factory=list)  # CRM accounts and contacts of context streams


class SourceHarness:
    """One source under test, with its own plugin host, environment and SQLite file."""

    def __init__(self, under_test: SourceUnderTest, *, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
        self.under_test = under_test
        self.base_dir = under_test.base_dir or tmp_path
        self.db_path = tmp_path / "conformance.db"
        for name, value in under_test.secrets.items():
            monkeypatch.setenv(name, value)
        self.host = _host_with(_bounded(under_test.source_class, under_test.max_records))

    @property
    def connector(self) -> str:
        return self.under_test.source_class.name

    def table(self, **changes: Any) -> dict[str, Any]:
        """The `[sources.NAME]` table of the test, with keys changed (a None value removes a key)."""
        merged = {"connector": self.connector, **self.under_test.config, **changes}
        return {key: value for key, value in merged.items() if value is not None}

    def config(self, **changes: Any) -> Config:
        data = {"sources": {SOURCE_NAME: self.table(**changes)}}
        return config_from_dict(data, self.host, path=self.base_dir / "cxbridge.toml")

    def read(self, config: Config | None = None) -> Reading:
        """Every stream read from scratch, scrubbed of personal data and normalized, as a first sync would."""
        source = (config or self.config()).build_source(SOURCE_NAME)
        reading = Reading()
        try:
            for stream in source.streams():
                builder, scrub = stream_tools(source, stream, keys=None)
                for raw in stream.read(None):
                    raw = scrub(raw)
                    try:
                        if isinstance(stream, ContextStream):
                            reading.context.append(stream.crm_object(raw, builder))
                        else:
                            reading.records.append(stream.normalize(raw, builder))
                    except DataError as exc:
                        reading.rejected.append((stream.name, str(exc)))
        finally:
            source.close()
        return reading

    def streams(self) -> list[Stream]:
        """The source's streams, as a new source instance declares them."""
        source = self.config().build_source(SOURCE_NAME)
        try:
            return source.streams()
        finally:
            source.close()

    def read_stream(self, name: str, cursor: Any = None) -> StreamRead:
        """One stream read from `cursor` by a new source instance, the cursor advanced record by
        record as the engine advances it."""
        source = self.config().build_source(SOURCE_NAME)
        found = StreamRead()
        try:
            [stream] = [stream for stream in source.streams() if stream.name == name]
            position = cursor
            for raw in stream.read(cursor):
                position = stream.advance_cursor(position, raw)
                found.ids.append(_native_id(stream, raw))
                found.cursors.append(copy.deepcopy(position))
        finally:
            source.close()
        return found

    def saved_cursors(self) -> dict[str, Any]:
        """The cursor each stream saved in the test's SQLite file, by stream name."""
        rows = self.rows(f"SELECT stream, cursor FROM sync_state WHERE source = '{SOURCE_NAME}'")
        return {stream: None if cursor is None else json.loads(cursor) for stream, cursor in rows}

    def sync(self, **options: Any) -> api.SyncResult:
        """A real `cxbridge sync` of the source into the test's SQLite file."""
        result = api.sync(self.config(), destination=f"sqlite:///{self.db_path}", host=self.host, **options)
        failures = [r.error for r in result.results if not r.ok]
        assert not failures, f"the sync failed: {failures[0]}"
        return result

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.db_path) as conn:
            return conn.execute(sql).fetchall()

    def stored_bytes(self) -> bytes:
        """Everything the destination holds on disk (the database and its write-ahead log)."""
        files = [self.db_path, self.db_path.with_name(self.db_path.name + "-wal")]
        return b"".join(path.read_bytes() for path in files if path.exists())


def _native_id(stream: Stream, raw: dict[str, Any]) -> str | None:
    try:
        return stream.native_id(raw)
    except DataError:
        return None


def _bounded(source_class: type[Source], limit: int) -> type[Source]:
    """The source class, with every stream failing the test once it read more than `limit` records."""

    def streams(self: Source) -> list[Stream]:
        found = source_class.streams(self)
        for stream in found:
            stream.read = _limited(stream, limit)  # type: ignore[method-assign]
        return found

    return type(source_class.__name__, (source_class,), {"streams": streams, "__module__": source_class.__module__})


def _limited(stream: Stream, limit: int) -> Callable[[Any], Iterator[dict[str, Any]]]:
    read = stream.read

    def limited_read(cursor: Any) -> Iterator[dict[str, Any]]:
        for count, raw in enumerate(read(cursor), start=1):
            if count > limit:
                pytest.fail(f"stream {stream.name!r} gave over {limit} records: does its pagination ever stop?")
            yield raw

    return limited_read


def _host_with(source_class: type[Source]) -> PluginHost:
    """The built-in plugins plus the source under test (first, so it wins over a built-in of the
    same name), whether or not its package is installed."""
    host = create_host(load_entry_points=False)

    class SourceUnderTestPlugin:
        @hookimpl(tryfirst=True)
        def register_sources(self, register):
            register(source_class)

    host.pm.register(SourceUnderTestPlugin(), name="cxbridge-source-under-test")
    return host
