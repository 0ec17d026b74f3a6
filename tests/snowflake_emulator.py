"""fakesnow (an in-process Snowflake emulator) as the Snowflake tests use it: one session per test
module, and each statement's translation to DuckDB done once per test run.

fakesnow parses every statement with sqlglot and runs it through some eighty transforms before
DuckDB sees it: three quarters of a Snowflake test's time. The destination sends the same
statements again and again — its migrations and views for every database, the same MERGE for
every batch, the same queries for every snapshot — so the translated statements are kept for the
whole test process (every module of a pytest-xdist worker), and run again as they are. A
statement's bound values (which the connector, and fakesnow after it, write into its text as
literals) are left out of its key: it is translated once more with a marker in each value's place,
and the next statement differing only by its values runs that translation with its own values'
literals written in. Only statements whose translation depends on nothing but their text are kept:
no stages (PUT, LIST), no session changes (USE, SET), no CREATE TABLE … AS SELECT (fakesnow
reads the database to translate it), no IDENTIFIER() or $variables; and a marked translation only
when, its first values written in, it is what fakesnow made of the statement with those values.
A load's COPY INTO (`LOAD_COPY`; fakesnow reads the stage's files when it runs the statement, not
when it translates it) differs from the table's last one only by its load's prefix, new each time:
it is kept with a marker in the prefix's place and run as a copy with its own prefix written in.
Each kept translation is also written to a file of the run's (`run_folder`), named by its key,
which the other pytest-xdist workers read before translating the statement themselves.
A cursor's `description` (every fetch reads it) is made from the column names and types DuckDB
reported for the result, not by fakesnow's DESCRIBE of the statement, parsed again each time.
`CXBRIDGE_FAKESNOW_VERIFY=1` translates every kept statement anew and describes every result as
fakesnow does as well, and fails on any difference, to check all of this against a fakesnow
upgrade."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import re
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fakesnow
import pytest
import sqlglot
from fakesnow import cursor as fakesnow_cursor
from fakesnow import info_schema
from fakesnow.cursor import FakeSnowflakeCursor
from fakesnow import transforms
from fakesnow.transforms import stage
from sqlglot import exp

from cxbridge.sql_rows import CHANGED

CACHEABLE = re.compile(
    r"\s*(SELECT|WITH|INSERT|MERGE|DELETE|UPDATE|BEGIN|COMMIT|ROLLBACK|ALTER\s+TABLE|DROP\s+(TABLE|VIEW)"
    r"|CREATE\s+(OR\s+REPLACE\s+)?VIEW|CREATE\s+(TEMPORARY\s+|TRANSIENT\s+)?TABLE(?!.*\bAS\s+(SELECT|WITH)\b))\b",
    re.IGNORECASE | re.DOTALL,
)
UNCACHEABLE = re.compile(r"\bIDENTIFIER\s*\(|\$|\bSTAGE\b|@", re.IGNORECASE)
VERIFY = os.environ.get("CXBRIDGE_FAKESNOW_VERIFY") == "1"
SESSION_TABLES = frozenset({"MERGE_CANDIDATES", CHANGED.name.upper()})  # temporary, no comment
AS_IS = frozenset({"NULL", "TRUE", "FALSE"})  # values kept in the key, not marked
MARKER = re.compile(r"'cx_param_(\d+)_'|\b919(\d{7})(?:\.5)?(?![\d.])")
"""A marker in DuckDB's SQL: text `'cx_param_N_'`, number `919000000N` (`….5` for a decimal)."""
PLAIN_NUMBER = re.compile(r"\d+(\.\d+)?")
LOAD_COPY = re.compile(r"\s*COPY\s+INTO\s+\w+\s+FROM\s+@\w+/\w+/(?P<prefix>[0-9a-f]{32})\s+[^@$]*", re.IGNORECASE)
"""The Snowflake destination's COPY of one load's files (`load_stage`): one prefix per load."""
LOAD_MARKER = "cx_load_prefix"
"""The marker in a kept COPY INTO where its load's prefix goes."""
FAKESNOW_BUCKET = stage.LOCAL_BUCKET_PATH
"""The folder of stage files fakesnow makes in the system's temporary folder when it is imported,
and never removes (37 of them on the test machine after a few runs): never used here."""


def _marker(index: int, literal: str) -> str | None:
    """The literal standing in a translation for the `index`-th bound value, of the same kind as
    the value's own literal (text, whole or decimal number); None for a literal no marker stands
    for (a negative number, an exponent, nan), whose statement is translated anew each time."""
    if literal.startswith("'") and literal.endswith("'"):
        return f"'cx_param_{index}_'"
    if PLAIN_NUMBER.fullmatch(literal):
        return str(9_190_000_000 + index) + (".5" if "." in literal else "")
    return None


@dataclass(frozen=True)
class Kept:
    """A statement's translation: DuckDB statements (shared, never changed), and their SQL with a
    marker where each bound value goes."""

    statements: tuple[exp.Expr, ...]
    sql: tuple[str, ...]


class _Current(threading.local):
    """The statement a thread is executing: lock rows are renewed from a thread of their own."""

    kept: Kept | None = None  # its translation, when kept
    filled: tuple[str, ...] = ()  # the kept SQL with its values written in
    recording: list[exp.Expr] | None = None  # its translation, on its first run


class TranslationCache:
    """Translations by statement text with its values marked, and the session state that the
    translation reads (current schema, whether a database and schema are set)."""

    def __init__(self) -> None:
        self.kept: dict[tuple[Any, ...], Kept | None] = {}  # None: translated anew every time
        self.current = _Current()
        self.folder: Path | None = None  # where the test processes of one run share what they keep

    def _file(self, key: tuple[Any, ...]) -> Path:
        assert self.folder is not None
        return self.folder / f"{hashlib.sha256(repr(key).encode()).hexdigest()}.pickle"

    def share(self, key: tuple[Any, ...]) -> None:
        """`key`'s translation (or that none is kept) written for the other test processes of the
        run: whole into a file of this process's own, then renamed, so a reader finds all or nothing."""
        if self.folder is None:
            return
        kept = self.kept[key]
        data = pickle.dumps((key, kept and (kept.statements, kept.sql)), protocol=pickle.HIGHEST_PROTOCOL)
        written = self._file(key).with_suffix(f".{os.getpid()}.{threading.get_ident()}")
        written.write_bytes(data)
        os.replace(written, self._file(key))

    def shared_by_another(self, key: tuple[Any, ...]) -> bool:
        """Whether another test process of the run kept `key`'s translation (or kept that there is
        none), now kept here too: fakesnow's eighty transforms are not run again in this process."""
        if self.folder is None:
            return False
        try:
            stored, translation = pickle.loads(self._file(key).read_bytes())
        except FileNotFoundError:
            return False
        if stored != key:  # two keys of one hash
            return False
        self.kept[key] = translation and Kept(*translation)
        return True

    @staticmethod
    def literals(cursor: FakeSnowflakeCursor, params: Any) -> tuple[str, ...] | None:
        """The bound values as the connector writes them into the text (pyformat, positional)."""
        if not params:
            return ()
        if isinstance(params, dict) or cursor._conn._paramstyle not in ("pyformat", "format"):
            return None
        if any(isinstance(value, list | tuple) for value in params):  # several literals for one value
            return None
        convert = cursor._converter
        return tuple(convert.quote(convert.escape(convert.to_snowflake(value))) for value in params)

    def key_of(
        self, cursor: FakeSnowflakeCursor, command: str, literals: tuple[str, ...], load: str | None = None
    ) -> tuple[Any, ...] | None:
        command = cursor._inline_variables(command)
        if load is not None:
            command = command.replace(load, LOAD_MARKER)
        elif not CACHEABLE.match(command) or UNCACHEABLE.search(command):
            return None
        shape = []
        for index, literal in enumerate(literals):
            if literal in AS_IS:
                shape.append(literal)
            elif (marker := _marker(index, literal)) is not None:
                shape.append(marker)
            else:
                return None
        conn = cursor._conn
        return command, tuple(shape), conn.schema, conn.database_set, conn.schema_set

    @staticmethod
    def marked(command: str, literals: tuple[str, ...]) -> tuple[str, bool]:
        """The statement with a marker in each value's place, and whether any was placed."""
        if not literals:
            return command, False
        markers = [literal if literal in AS_IS else _marker(i, literal) for i, literal in enumerate(literals)]
        return command % tuple(markers), any(literal not in AS_IS for literal in literals)

    @staticmethod
    def load_of(command: str, literals: tuple[str, ...] | None) -> str | None:
        """The prefix of a load's COPY INTO (`LOAD_COPY`), which has no bound values."""
        return (copy := LOAD_COPY.fullmatch(command)) and literals == () and copy["prefix"] or None

    @staticmethod
    def loading(kept: Kept, load: str) -> Kept:
        """A kept COPY INTO as the load `load` runs it: new statements, as fakesnow's COPY reads its
        stage location from the statement, not from its SQL."""

        def prefixed(node: exp.Expr) -> exp.Expr:
            if isinstance(node, exp.Var) and LOAD_MARKER in node.this:
                return exp.Var(this=node.this.replace(LOAD_MARKER, load))
            return node

        return Kept(
            tuple(statement.transform(prefixed) for statement in kept.statements),
            tuple(sql.replace(LOAD_MARKER, load) for sql in kept.sql),
        )

    @staticmethod
    def fill(sql: tuple[str, ...], literals: tuple[str, ...], load: str | None = None) -> tuple[str, ...]:
        """The kept SQL with each marker replaced by its value's literal, written as DuckDB writes it
        (and a load's prefix written in)."""
        if load is not None:
            sql = tuple(statement.replace(LOAD_MARKER, load) for statement in sql)
        if all(literal in AS_IS for literal in literals):
            return sql
        written = [
            None if literal in AS_IS else expression.sql(dialect="duckdb")
            for literal, expression in zip(
                literals, sqlglot.parse_one(f"SELECT {', '.join(literals)}", read="snowflake").expressions, strict=True
            )
        ]

        def value(match: re.Match[str]) -> str:
            return written[int(match[1] or match[2])]

        return tuple(MARKER.sub(value, statement) for statement in sql)

    @contextmanager
    def patched(self) -> Iterator[None]:
        real_execute = FakeSnowflakeCursor.execute
        real_parse_one = fakesnow_cursor.parse_one
        real_check = FakeSnowflakeCursor.check_db_and_schema
        real_explode = FakeSnowflakeCursor._transform_explode
        real_transform = FakeSnowflakeCursor._transform
        real_run = FakeSnowflakeCursor._execute
        real_describe = FakeSnowflakeCursor._describe_last_sql
        cache, current = self, self.current

        def translate(cursor: FakeSnowflakeCursor, command: str) -> list[exp.Expr]:
            expression = real_parse_one(command)
            real_check(cursor, expression)
            return [real_transform(cursor, statement, None) for statement in real_explode(cursor, expression)]

        def kept_sql(kept: Kept, index: int, statement: exp.Expr, dialect: Any = None, **options: Any) -> str:
            if current.kept is kept and dialect == "duckdb" and not options:
                return current.filled[index]
            return type(statement).sql(statement, dialect=dialect, **options)

        def keep(key: tuple[Any, ...], statements: list[exp.Expr], literals: tuple[str, ...], recorded: list[exp.Expr],
                 load: str | None):  # fmt: skip
            """Keep the marked translation if, its values written in, it is the one recorded."""
            sql = tuple(statement.sql(dialect="duckdb") for statement in statements)
            if cache.fill(sql, literals, load) != tuple(statement.sql(dialect="duckdb") for statement in recorded):
                cache.kept[key] = None
            else:
                cache.kept[key] = Kept(tuple(statements), sql)
            cache.share(key)
            kept_here(key)

        def kept_here(key: tuple[Any, ...]) -> None:
            """A kept translation's statements written out from the kept SQL, its values filled in."""
            if (kept := cache.kept[key]) is not None:
                for index, statement in enumerate(kept.statements):
                    statement.sql = functools.partial(kept_sql, kept, index, statement)  # type: ignore[method-assign]

        def execute(self, command, params=None, *args, **kwargs):
            literals = None if kwargs.get("binding_params") else cache.literals(self, params)
            load = cache.load_of(command, literals)
            key = None if literals is None else cache.key_of(self, command, literals, load)
            outer = current.kept, current.filled, current.recording
            current.kept, current.filled, current.recording = None, (), None
            try:
                if key is not None and key not in cache.kept and cache.shared_by_another(key):
                    kept_here(key)
                if key is None or cache.kept.get(key, ...) is None:
                    return real_execute(self, command, params, *args, **kwargs)
                if (kept := cache.kept.get(key)) is not None:
                    if load is not None:
                        kept = cache.loading(kept, load)
                    current.kept, current.filled = kept, cache.fill(kept.sql, literals)
                    return real_execute(self, command, params, *args, **kwargs)
                marked, any_marked = cache.marked(key[0], literals)
                try:
                    statements = translate(self, marked) if any_marked or load else None
                except Exception:  # the real statement fails as it fails
                    statements = None
                    cache.kept[key] = None
                current.recording = []
                result = real_execute(self, command, params, *args, **kwargs)
                if key not in cache.kept:
                    recorded = current.recording
                    keep(key, recorded if statements is None else statements, literals, recorded, load)
                return result
            finally:
                current.kept, current.filled, current.recording = outer

        def parse_one(command):
            return exp.Null() if current.kept is not None and not VERIFY else real_parse_one(command)

        def check_db_and_schema(self, expression):
            if current.kept is None or VERIFY:  # a kept statement passed this check in the same state
                real_check(self, expression)

        def transform_explode(self, expression):
            if current.kept is None:
                return real_explode(self, expression)
            if VERIFY:
                fresh = [real_transform(self, s, None).sql(dialect="duckdb") for s in real_explode(self, expression)]
                assert fresh == list(current.filled), (fresh, current.filled)
            return [_Kept(statement) for statement in current.kept.statements]

        def transform(self, expression, params):
            if isinstance(expression, _Kept):
                return expression.statement
            transformed = real_transform(self, expression, params)
            if current.recording is not None:
                current.recording.append(transformed.copy())
            return transformed

        def run(self, transformed, params=None):
            """fakesnow's execution of a translated statement, keeping DuckDB's description of the
            result's columns with the statement's query id."""
            ran = real_run(self, transformed, params)
            columns = self._duck_conn.description
            if columns is not None and not transformed.args.get("result_scan_sfqid"):
                self._cx_columns = self._sfqid, columns
            return ran

        def describe_last_sql(self):
            """The last result's columns as DuckDB's DESCRIBE of its statement gives them (the rows
            `description` reads), from the result itself: fakesnow parses the statement again and
            asks DuckDB to DESCRIBE it at every `description` — each fetch's — a tenth of the time
            of the Snowflake conformance tests."""
            query_id, columns = getattr(self, "_cx_columns", (None, []))
            if query_id is None or query_id != self._sfqid:
                return real_describe(self)
            described = [(name, str(kind), "YES", None, None, None) for name, kind, *_ in columns]
            if VERIFY:  # fakesnow reads a column's name and type only (`describe_as_rowtype`)
                fresh = real_describe(self)
                assert [row[:2] for row in fresh] == [row[:2] for row in described], (fresh, described)
            return described

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(FakeSnowflakeCursor, "execute", execute)
            patch.setattr(FakeSnowflakeCursor, "_execute", run)
            patch.setattr(FakeSnowflakeCursor, "_describe_last_sql", describe_last_sql)
            patch.setattr(fakesnow_cursor, "parse_one", parse_one)
            patch.setattr(FakeSnowflakeCursor, "check_db_and_schema", check_db_and_schema)
            patch.setattr(FakeSnowflakeCursor, "_transform_explode", transform_explode)
            patch.setattr(FakeSnowflakeCursor, "_transform", transform)
            yield


class _Kept:
    """A kept translation handed through fakesnow's loop untouched."""

    def __init__(self, statement: exp.Expr):
        self.statement = statement


TRANSLATIONS = TranslationCache()
"""Kept for the whole test process: every Snowflake test module translates the same statements."""


@contextmanager
def emulated_snowflake(bucket: Path | None = None, *, shared: Path | None = None) -> Iterator[TranslationCache]:
    """fakesnow's patch of the Snowflake connector, with kept translations (shared with the run's
    other test processes through the folder `shared`, `run_folder`), keeping the files PUT
    into stages in `bucket` (a pytest temporary folder), or else in a folder removed at the end.

    fakesnow runs MERGE as `CREATE TEMPORARY TABLE merge_candidates …` and records that table's
    comment in its own catalog database, which DuckDB refuses inside a transaction that already
    wrote elsewhere; the bookkeeping is skipped for that helper table (it has no comment). So it
    is for `cx_changed`, the temporary table every writing session creates: in Snowflake each
    session's is its own, but fakesnow keeps one catalog row for the name, and one for each of its
    text columns' length (`_fs_columns_ext`), and sessions opening at once (tests/test_lock_rows.py)
    raced on them with a duplicate-key error — on the comment's row until it was skipped, then,
    about once in twenty CI runs, on `record_id`'s length; neither is recorded for these tables
    (nothing reads them)."""
    with contextlib.suppress(OSError):
        os.rmdir(FAKESNOW_BUCKET)  # empty: its stage files go to `bucket`
    with contextlib.ExitStack() as stack:
        if bucket is None:
            bucket = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="fakesnow_bucket_")))
        patch = stack.enter_context(pytest.MonkeyPatch.context())
        patch.setattr(stage, "LOCAL_BUCKET_PATH", str(bucket))
        stack.enter_context(fakesnow.patch())
        stack.enter_context(TRANSLATIONS.patched())
        if shared is not None:
            TRANSLATIONS.folder = shared
        patch.setattr(transforms, "numeric_agg_implicit_cast", _counts_kept_whole(transforms.numeric_agg_implicit_cast))
        for bookkeeping in ("insert_table_comment_sql", "insert_text_lengths_sql"):
            patch.setattr(info_schema, bookkeeping, _skipped_for_session_tables(getattr(info_schema, bookkeeping)))
        patch.setattr(FakeSnowflakeCursor, "execute", _stages_created_one_at_a_time(FakeSnowflakeCursor.execute))
        yield TRANSLATIONS


def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of the pytest run's that its test processes share: pytest-xdist's workers' own
    temporary folders sit side by side in the run's."""
    base = tmp_path_factory.getbasetemp()
    folder = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "fakesnow_translations"
    folder.mkdir(exist_ok=True)
    return folder


CATALOG_TABLES = ("_fs_tables_ext", "_fs_columns_ext")
"""fakesnow's own catalog rows of a database's tables (comments, text columns' lengths)."""


def copy_database(source: str, target: str) -> None:
    """A new fakesnow database `target` holding what `source` holds (no session writing to it):
    its tables, views and macros (DuckDB's COPY FROM DATABASE; the views name their tables
    unqualified, so the copies read the copy) and fakesnow's catalog rows of its tables."""
    from snowflake import connector

    with contextlib.closing(connector.connect(account="copier", user="copier")) as conn:
        duck = conn._duck_conn
        duck.execute(f"ATTACH ':memory:' AS {target}")
        duck.execute(f"COPY FROM DATABASE {source} TO {target}")
        _copy_catalog_rows(duck, "_fs_global._fs_information_schema", target, source)


def _copy_catalog_rows(duck: Any, schema: str, target: str, source: str) -> None:
    """fakesnow's catalog rows of database `source`'s tables, from `schema`, made `target`'s."""
    for table in CATALOG_TABLES:
        name = f"_fs_global._fs_information_schema.{table}"
        columns = [row[0] for row in duck.execute(f"DESCRIBE {name}").fetchall()]
        values = ", ".join("?" if column == "ext_table_catalog" else column for column in columns)
        duck.execute(f"INSERT INTO {name} SELECT {values} FROM {schema}.{table} WHERE ext_table_catalog = ?", [target, source])


SAVED_CATALOG = "cx_saved_catalog"
"""The schema of a saved database's file holding fakesnow's catalog rows of its tables."""


def save_database(name: str, folder: Path) -> None:
    """fakesnow database `name` (no session writing to it) saved in the run's `folder`
    (`run_folder`) for the run's other test modules and processes (`load_database`): its tables,
    views and macros, and fakesnow's catalog rows of its tables, written whole into a file of this
    process's own, then renamed, so a reader finds all or nothing."""
    saved = folder / f"{name}.duckdb"
    written = saved.with_suffix(f".{os.getpid()}.{threading.get_ident()}")
    with _attached(written, read_only=False) as duck:
        duck.execute(f"COPY FROM DATABASE {name} TO cx_saved")
        duck.execute(f"CREATE SCHEMA cx_saved.{SAVED_CATALOG}")
        for table in CATALOG_TABLES:
            duck.execute(f"CREATE TABLE cx_saved.{SAVED_CATALOG}.{table} AS SELECT * FROM "
                         f"_fs_global._fs_information_schema.{table} WHERE ext_table_catalog = ?", [name])  # fmt: skip
    os.replace(written, saved)


def load_database(name: str, folder: Path, *, saved_as: str | None = None) -> bool:
    """A new fakesnow database `name` holding what `save_database` saved of the run's database of
    that name (or `saved_as`), in this module's session; False where no test process of the run
    saved one yet."""
    saved = folder / f"{saved_as or name}.duckdb"
    if not saved.exists():
        return False
    with _attached(saved, read_only=True) as duck:
        duck.execute(f"ATTACH ':memory:' AS {name}")
        duck.execute(f"COPY FROM DATABASE cx_saved TO {name}")
        duck.execute(f"DROP SCHEMA {name}.{SAVED_CATALOG} CASCADE")
        _copy_catalog_rows(duck, f"cx_saved.{SAVED_CATALOG}", name, saved_as or name)
    return True


@contextmanager
def _attached(path: Path, *, read_only: bool) -> Iterator[Any]:
    """fakesnow's DuckDB, through a session of its own, with the file `path` attached as `cx_saved`."""
    from snowflake import connector

    with contextlib.closing(connector.connect(account="copier", user="copier")) as conn:
        duck = conn._duck_conn
        duck.execute(f"ATTACH '{path}' AS cx_saved" + (" (READ_ONLY)" if read_only else ""))
        try:
            yield duck
        finally:
            duck.execute("DETACH cx_saved")


_CREATE_STAGE = re.compile(r"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMPORARY\s+)?STAGE\b", re.IGNORECASE)
_STAGE_CATALOG = threading.Lock()


def _stages_created_one_at_a_time(real_execute: Any) -> Any:
    """fakesnow's execute, with `CREATE … STAGE` statements run one at a time: in Snowflake each
    session's temporary stage (`cx_load`) is its own, but fakesnow keeps one catalog row per
    name, inserted where none exists, and sessions opening at once (tests/test_lock_rows.py) raced
    on it with a duplicate-key error under load."""

    def execute(self, command, *args, **kwargs):
        if isinstance(command, str) and _CREATE_STAGE.match(command):
            with _STAGE_CATALOG:
                return real_execute(self, command, *args, **kwargs)
        return real_execute(self, command, *args, **kwargs)

    return execute


def _counts_kept_whole(real_transform: Any) -> Any:
    """fakesnow's cast of every SUM's argument to DOUBLE (Snowflake casts text to a number there;
    DuckDB would not), except a column that counts, `SUM(CASE WHEN … THEN 1 ELSE 0 END) AS name`,
    which stays a whole number: Snowflake's SUM of a NUMBER(p, 0) is a NUMBER(38, 0), read by the
    connector as an int (4), where fakesnow read 4.0 — a limitation of the emulator, not a
    difference of Snowflake's (its SUM reference: NUMBER in, NUMBER out)."""

    def transform(expression: exp.Expr) -> exp.Expr:
        counted = isinstance(expression, exp.Sum) and isinstance(expression.parent, exp.Alias)
        if counted and isinstance(expression.parent.parent, exp.Select) and _whole(expression.this):
            return exp.Cast(this=expression, to=exp.DataType.build("BIGINT"))
        return real_transform(expression)

    return transform


def _whole(expression: exp.Expr) -> bool:
    """A whole-number literal, or a CASE whose every result is one."""
    if isinstance(expression, exp.Case):
        results = [branch.args["true"] for branch in expression.args.get("ifs", [])] + [expression.args.get("default")]
        return all(result is not None and _whole(result) for result in results)
    return isinstance(expression, exp.Literal) and expression.is_int


def _skipped_for_session_tables(catalog_sql: Any) -> Any:
    """fakesnow's statement recording something of a table in its catalog, a no-op for SESSION_TABLES."""

    def sql(catalog: str, schema: str, table: str, *details: Any) -> str:
        return "SELECT 1" if table.upper() in SESSION_TABLES else catalog_sql(catalog, schema, table, *details)

    return sql
