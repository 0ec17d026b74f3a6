"""fakesnow (an in-process Snowflake emulator) as the Snowflake tests use it: one session per test
module, and each statement's translation to DuckDB done once.

fakesnow parses every statement with sqlglot and runs it through some eighty transforms before
DuckDB sees it: three quarters of a Snowflake test's time. The destination sends the same
statements again and again — its migrations and views for every database, the same MERGE for
every batch, the same queries for every snapshot — so the translated statements are kept by
their text and a copy runs the next time. Only statements whose translation depends on nothing
but their text are kept: no stages (PUT, COPY, LIST), no session changes (USE, SET), no CREATE
TABLE … AS SELECT (fakesnow reads the database to translate it), no IDENTIFIER() or $variables.
`CXBRIDGE_FAKESNOW_VERIFY=1` translates every kept statement anew as well and fails on any
difference, to check that list against a fakesnow upgrade."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import fakesnow
import pytest
from fakesnow import cursor as fakesnow_cursor
from fakesnow import info_schema
from fakesnow.cursor import FakeSnowflakeCursor
from sqlglot import exp

from cxbridge.sql_destination import CHANGED

CACHEABLE = re.compile(
    r"\s*(SELECT|WITH|INSERT|MERGE|DELETE|UPDATE|BEGIN|COMMIT|ROLLBACK|ALTER\s+TABLE|DROP\s+(TABLE|VIEW)"
    r"|CREATE\s+(OR\s+REPLACE\s+)?VIEW|CREATE\s+(TEMPORARY\s+)?TABLE(?!.*\bAS\s+(SELECT|WITH)\b))\b",
    re.IGNORECASE | re.DOTALL,
)
UNCACHEABLE = re.compile(r"\bIDENTIFIER\s*\(|\$|\bSTAGE\b|@", re.IGNORECASE)
VERIFY = os.environ.get("CXBRIDGE_FAKESNOW_VERIFY") == "1"
SESSION_TABLES = frozenset({"MERGE_CANDIDATES", CHANGED.name.upper()})  # temporary, no comment


class TranslationCache:
    """The translated statements of each cacheable statement text, per session state that the
    translation reads (current schema, whether a database and schema are set). The statement
    being executed is each thread's own: lock rows are renewed from a thread of their own."""

    def __init__(self) -> None:
        self.kept: dict[tuple[Any, ...], list[exp.Expr]] = {}
        self._current = threading.local()

    @property
    def key(self) -> tuple[Any, ...] | None:
        """The statement being executed."""
        return getattr(self._current, "key", None)

    @key.setter
    def key(self, value: tuple[Any, ...] | None) -> None:
        self._current.key = value

    @property
    def recording(self) -> list[exp.Expr] | None:
        """Its translation, on its first run."""
        return getattr(self._current, "recording", None)

    @recording.setter
    def recording(self, value: list[exp.Expr] | None) -> None:
        self._current.recording = value

    def key_of(self, cursor: FakeSnowflakeCursor, command: str, params: Any) -> tuple[Any, ...] | None:
        command, params = cursor._rewrite_with_params(cursor._inline_variables(command), params)
        if params or not CACHEABLE.match(command) or UNCACHEABLE.search(command):
            return None
        conn = cursor._conn
        return command, conn.schema, conn.database_set, conn.schema_set

    @contextmanager
    def patched(self) -> Iterator[None]:
        real_execute = FakeSnowflakeCursor.execute
        real_parse_one = fakesnow_cursor.parse_one
        real_check = FakeSnowflakeCursor.check_db_and_schema
        real_explode = FakeSnowflakeCursor._transform_explode
        real_transform = FakeSnowflakeCursor._transform
        cache = self

        def execute(self, command, params=None, *args, **kwargs):
            outer = cache.key, cache.recording
            cache.key = None if kwargs.get("binding_params") else cache.key_of(self, command, params)
            cache.recording = None
            try:
                result = real_execute(self, command, params, *args, **kwargs)
                if cache.recording is not None:
                    cache.kept[cache.key] = cache.recording
                return result
            finally:
                cache.key, cache.recording = outer

        def parse_one(command):
            return exp.Null() if cache.key in cache.kept and not VERIFY else real_parse_one(command)

        def check_db_and_schema(self, expression):
            if cache.key not in cache.kept or VERIFY:  # a kept statement passed this check in the same state
                real_check(self, expression)

        def transform_explode(self, expression):
            if cache.key is None:
                return real_explode(self, expression)
            if cache.key in cache.kept:
                kept = [statement.copy() for statement in cache.kept[cache.key]]
                if VERIFY:
                    fresh = [real_transform(self, s, None) for s in real_explode(self, expression)]
                    again = [s.sql(dialect="duckdb") for s in fresh]
                    assert again == [s.sql(dialect="duckdb") for s in kept], cache.key
                return [_Kept(statement) for statement in kept]
            cache.recording = []
            return real_explode(self, expression)

        def transform(self, expression, params):
            if isinstance(expression, _Kept):
                return expression.statement
            transformed = real_transform(self, expression, params)
            if cache.recording is not None:
                cache.recording.append(transformed.copy())
            return transformed

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(FakeSnowflakeCursor, "execute", execute)
            patch.setattr(fakesnow_cursor, "parse_one", parse_one)
            patch.setattr(FakeSnowflakeCursor, "check_db_and_schema", check_db_and_schema)
            patch.setattr(FakeSnowflakeCursor, "_transform_explode", transform_explode)
            patch.setattr(FakeSnowflakeCursor, "_transform", transform)
            yield


class _Kept:
    """A kept translation handed through fakesnow's loop untouched."""

    def __init__(self, statement: exp.Expr):
        self.statement = statement


@contextmanager
def emulated_snowflake() -> Iterator[TranslationCache]:
    """fakesnow's patch of the Snowflake connector, with kept translations.

    fakesnow runs MERGE as `CREATE TEMPORARY TABLE merge_candidates …` and records that table's
    comment in its own catalog database, which DuckDB refuses inside a transaction that already
    wrote elsewhere; the bookkeeping is skipped for that helper table (it has no comment). So it
    is for `cx_changed`, the temporary table every writing session creates: in Snowflake each
    session's is its own, but fakesnow keeps one catalog row for the name, and sessions opening at
    once (tests/test_lock_rows.py) raced on it with a duplicate-key error."""
    real_comment_sql = info_schema.insert_table_comment_sql

    def comment_sql(catalog, schema, table, comment):
        if table.upper() in SESSION_TABLES:
            return "SELECT 1"
        return real_comment_sql(catalog, schema, table, comment)

    cache = TranslationCache()
    with pytest.MonkeyPatch.context() as patch, fakesnow.patch(), cache.patched():
        patch.setattr(info_schema, "insert_table_comment_sql", comment_sql)
        yield cache
