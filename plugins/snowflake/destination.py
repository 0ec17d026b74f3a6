"""`snowflake://user@account/DATABASE/SCHEMA?warehouse=WH`: Snowflake through
snowflake-connector-python, with password or key-pair authentication.

Each batch is written as Parquet files, PUT into the staging tables' own stages and COPied in,
then merged with `MERGE` in one explicit transaction together with the quarantine and the
cursor. JSON lands in VARIANT columns, timestamps in TIMESTAMP_TZ (UTC).
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from cxbridge.destinations import Batch
from cxbridge.errors import ConfigError, DestinationError
from cxbridge.layout import Column, ColumnType, Table
from cxbridge.lock_rows import RowLockedDestination
from cxbridge.sql_rows import CHANGED, STAGED_TABLES, empty_stage_options, merge_links_sql, merge_sql

TYPE_NAMES = {
    ColumnType.TEXT: "VARCHAR",
    ColumnType.INTEGER: "NUMBER(38, 0)",
    ColumnType.REAL: "FLOAT",
    ColumnType.BOOLEAN: "BOOLEAN",
    ColumnType.TIMESTAMP: "TIMESTAMP_TZ",
    ColumnType.JSON: "VARIANT",
}
TEXT_STAGED = (ColumnType.TIMESTAMP, ColumnType.JSON)  # staged as text, converted in the merge
LOAD_STAGE = "cx_load"  # a temporary internal stage: files uploaded for this session's loads
CONNECT_OPTIONS = {"warehouse", "role", "authenticator", "private_key_file", "private_key_file_pwd", "login_timeout"}


def connect_arguments(url: str) -> dict[str, Any]:
    """The connector's keyword arguments from a `snowflake://` URL."""
    parts = urlsplit(url)
    path = [unquote(p) for p in parts.path.split("/") if p]
    if not parts.hostname or not parts.username or len(path) > 2:
        raise ConfigError(
            f"{url!r} is not a Snowflake URL; write snowflake://USER@ACCOUNT/DATABASE/SCHEMA?warehouse=WH "
            "(password as snowflake://USER:${SNOWFLAKE_PASSWORD}@…, or ?private_key_file=PATH for key-pair auth)"
        )
    options = dict(parse_qsl(parts.query))
    unknown = set(options) - CONNECT_OPTIONS
    if unknown:
        raise ConfigError(
            f"{url!r}: unknown option(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(CONNECT_OPTIONS))}"
        )
    arguments: dict[str, Any] = {"account": parts.hostname, "user": unquote(parts.username), **options}
    if parts.password:
        arguments["password"] = unquote(parts.password)
    arguments["database"] = path[0] if path else "CXBRIDGE"
    arguments["schema"] = path[1] if len(path) > 1 else "CX"
    return arguments


def with_private_key(arguments: dict[str, Any], *, base_dir: Path) -> dict[str, Any]:
    """Key-pair sign-in: the `private_key_file` (PEM or DER, relative to `base_dir`), decrypted
    with `private_key_file_pwd`, handed to the connector as unencrypted PKCS#8 DER bytes (the
    `private_key` form it documents), so a bad key fails here, naming the file, before any
    connection."""
    if "private_key_file" not in arguments:
        return arguments
    arguments = dict(arguments)
    path = (base_dir / Path(arguments.pop("private_key_file")).expanduser()).resolve()
    passphrase = arguments.pop("private_key_file_pwd", None)
    arguments["private_key"] = private_key_der(path, passphrase)
    arguments.setdefault("authenticator", "SNOWFLAKE_JWT")
    return arguments


def private_key_der(path: Path, passphrase: str | None) -> bytes:
    from cryptography.hazmat.primitives import serialization

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"private_key_file {path}: cannot be read ({exc.strerror}); give the path of your Snowflake "
            "private key (rsa_key.p8), absolute or relative to cxbridge.toml"
        ) from None
    load = serialization.load_pem_private_key if b"-----BEGIN" in data else serialization.load_der_private_key
    password = passphrase.encode("utf-8") if passphrase else None
    try:
        key = load(data, password=password)
    except TypeError:  # encrypted without a passphrase, or a passphrase for a plain key
        hint = (
            "is encrypted: add private_key_file_pwd=${KEY_PASSPHRASE} to the URL"
            if password is None
            else "is not encrypted: remove private_key_file_pwd from the URL"
        )
        raise ConfigError(f"private_key_file {path} {hint}") from None
    except ValueError:
        what = "cannot be decrypted with private_key_file_pwd (wrong passphrase?) or " if password else ""
        raise ConfigError(
            f"private_key_file {path} {what}is not a private key in PEM or DER (PKCS#8) form; "
            "create one with `openssl genrsa 2048 | openssl pkcs8 -topk8 -out rsa_key.p8`"
        ) from None
    return key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def import_connector() -> Any:
    try:
        import snowflake.connector
    except ImportError:
        raise ConfigError(
            "the snowflake destination needs snowflake-connector-python: pip install 'cxbridge[snowflake]'"
        ) from None
    return snowflake.connector


def write_parquet(table: Table, rows: Sequence[tuple[Any, ...]], path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrow_types = {ColumnType.INTEGER: pa.int64(), ColumnType.REAL: pa.float64(), ColumnType.BOOLEAN: pa.bool_()}
    columns = list(zip(*rows, strict=True))
    arrays = {
        column.name.upper(): pa.array(values, type=arrow_types.get(column.type, pa.string()))
        for column, values in zip(table.columns, columns, strict=True)
    }
    pq.write_table(pa.table(arrays), path)


class SnowflakeDestination(RowLockedDestination):
    """`snowflake://USER:${PASSWORD}@ACCOUNT/DATABASE/SCHEMA?warehouse=WH&role=ROLE`."""

    name = "snowflake"
    batch_size = 10_000  # a transaction (and a load) costs more than its rows here
    type_names = TYPE_NAMES
    placeholder = "%s"
    indexes = False  # Snowflake has no indexes: micro-partitions prune on their own
    transactional_ddl = False  # DDL commits the open transaction; migrations are idempotent instead

    @classmethod
    def day_of(cls, column: str) -> str:
        return f"TO_CHAR(CONVERT_TIMEZONE('UTC', {column}), 'YYYY-MM-DD')"

    @classmethod
    def iso_week_of(cls, day: str) -> str:
        date = f"TO_DATE({day})"
        return f"YEAROFWEEKISO({date}) || '-W' || LPAD(CAST(WEEKISO({date}) AS VARCHAR), 2, '0')"

    @classmethod
    def days_since(cls, column: str) -> str:
        return f"FLOOR(DATEDIFF('second', {column}, CURRENT_TIMESTAMP()) / 86400)"

    @classmethod
    def json_integer(cls, column: str, key: str) -> str:
        return f"TRY_TO_NUMBER(TO_JSON({column}:{key}))"  # text in quotes is no number

    @classmethod
    def json_string(cls, column: str, key: str) -> str:
        return f"CASE WHEN STARTSWITH(TO_JSON({column}:{key}), '\"') THEN {column}:{key}::VARCHAR END"

    @classmethod
    def as_number(cls, expression: str) -> str:
        return f"CAST({expression} AS DOUBLE)"

    @classmethod
    def is_past(cls, column: str) -> str:
        return f"{column} < CURRENT_TIMESTAMP()"

    @classmethod
    def hours_between(cls, start: str, end: str) -> str:
        return f"(DATEDIFF('microsecond', {start}, {end}) / 3600000000.0)"

    @classmethod
    def seconds_from_now(cls, seconds: float) -> str:
        return f"DATEADD('second', {int(seconds)}, CURRENT_TIMESTAMP())"

    def connect(self, *, read_only: bool) -> Any:
        arguments = with_private_key(connect_arguments(self.url), base_dir=self.base_dir)
        connector = import_connector()
        try:
            conn = connector.connect(**arguments, autocommit=True, session_parameters={"TIMEZONE": "UTC"})
        except connector.Error as exc:
            raise DestinationError(f"cannot connect to {self.display_name}: {exc.msg or exc}") from None
        if not read_only:
            conn.cursor().execute(f"CREATE SCHEMA IF NOT EXISTS {arguments['schema']}")
            conn.cursor().execute(f"USE SCHEMA {arguments['schema']}")
        return conn

    def __init__(self, url: str, *, base_dir: Path | None = None):
        super().__init__(url, base_dir=base_dir)
        self._session = uuid.uuid4().hex[:12]
        self._staged = False
        self._filled: set[Table] = set()  # staging tables an earlier batch may have left rows in

    def stage_name(self, table: Table) -> str:
        return f"cx_stage_{table.name}_{self._session}"

    def create_stage_sql(self, table: Table, name: str) -> str:
        """Transient tables of this session (COPY INTO loads them), dropped when it closes."""
        if name == CHANGED.name:
            return super().create_stage_sql(table, name)
        columns = ", ".join(self.column_sql(column, staged=True) for column in table.columns)
        return f"CREATE TRANSIENT TABLE {name} ({columns}) DATA_RETENTION_TIME_IN_DAYS = 0"

    def create_stages(self) -> None:
        super().create_stages()
        self.execute(f"CREATE TEMPORARY STAGE IF NOT EXISTS {LOAD_STAGE}")
        self._staged, self._filled = True, set()

    def stage(self, staged: Mapping[Table, Sequence[tuple[Any, ...]]]) -> None:
        """Each table's rows in its staging table, emptied first only where an earlier batch of
        this session left rows: a DELETE of each of the ten, a round trip each, was a quarter of
        a batch's statements."""
        for table, rows in staged.items():
            if table in self._filled:
                self.execute(self.clear_sql(self.stage_name(table)))
            if rows:
                self.load_stage(table, rows)
        left = {table for table in self._filled if table not in staged}  # not given: as they were
        self._filled = left | {table for table, rows in staged.items() if rows}

    def merge_options(self, batch: Batch, staged: Mapping[Table, Sequence[tuple[Any, ...]]]) -> dict[str, bool]:
        """No statement reading an empty quarantine or outbox stage (`empty_stage_options`), nor
        looking for stored records a first sync's batch cannot have (`Batch.unstored`)."""
        return {"unstored": batch.unstored, **empty_stage_options(batch, staged)}

    def close(self) -> None:
        if self._conn is not None and self._staged:
            for table in STAGED_TABLES:
                self.execute(f"DROP TABLE IF EXISTS {self.stage_name(table)}")
            self._staged = False
        super().close()

    def exists(self) -> bool:
        if self._writable:
            return True
        conn = self.connect(read_only=True)
        try:
            cursor = conn.cursor()
            cursor.execute(
                "SELECT COUNT(*) FROM information_schema.tables "
                "WHERE table_schema = CURRENT_SCHEMA() AND table_name = 'CXBRIDGE_MIGRATIONS'"
            )
            return bool(cursor.fetchall()[0][0])
        finally:
            conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        filled = set(self._filled)
        self.execute("BEGIN")
        try:
            yield
        except BaseException:
            self._filled |= filled  # the rollback puts back the rows its DELETEs took out of the stages
            self.execute("ROLLBACK")
            raise
        self.execute("COMMIT")

    def column_sql(self, column: Column, *, staged: bool = False) -> str:
        if staged and column.type in TEXT_STAGED:
            return f"{column.name} VARCHAR"
        return super().column_sql(column, staged=staged)

    def json_text(self, column: str) -> str:
        return f"TO_JSON({column})"  # a VARIANT's JSON text (a cast of an OBJECT to VARCHAR fails)

    def from_stage(self, column: Column) -> str:
        return self.cast(column, column.name) if column.type in TEXT_STAGED else column.name

    def cast(self, column: Column, expression: str) -> str:
        if column.type is ColumnType.JSON:
            return f"PARSE_JSON({expression})"
        return super().cast(column, expression)

    def upsert_sql(self, table: Table, select: str, *, keep: Sequence[str] = ()) -> str:
        return merge_sql(table, select, keep=keep)

    def set_links_sql(self, select: str) -> str:
        return merge_links_sql(select)

    def load_stage(self, table: Table, rows: Sequence[tuple[Any, ...]]) -> None:
        stage = self.stage_name(table)
        location = f"@{LOAD_STAGE}/{stage}/{uuid.uuid4().hex}"  # one prefix per load: COPY takes all of it
        with tempfile.TemporaryDirectory(prefix="cxbridge-") as folder:
            path = Path(folder) / f"{stage}.parquet"
            write_parquet(table, rows, path)
            self.execute(f"PUT 'file://{path.as_posix()}' {location} AUTO_COMPRESS = FALSE OVERWRITE = TRUE")
        self.execute(
            f"COPY INTO {stage} FROM {location} FILE_FORMAT = (TYPE = PARQUET) "
            "MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE PURGE = TRUE"
        )
