"""`bigquery://PROJECT/DATASET?location=EU`: BigQuery through google-cloud-bigquery, with
credentials from the standard Google mechanisms (Application Default Credentials).

Each batch is loaded from newline-delimited JSON into this session's staging tables with load
jobs, then one query job runs a script that merges it — `MERGE` on `record_id`, the quarantine
and the cursor — between `BEGIN TRANSACTION` and `COMMIT TRANSACTION`. BigQuery cancels a
transaction when another one mutates the same table meanwhile, so syncs of other sources in
other processes take turns for that script (the lock row `section write`, `cxbridge.lock_rows`);
their loads and everything before run side by side.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from cxbridge.destinations import Batch, Destination, LoopChanges, WriteStats
from cxbridge.errors import ConfigError, DestinationError
from cxbridge.lock_rows import LOCKS, RowLockedDestination
from cxbridge.sql_destination import FETCH_BATCH
from cxbridge.layout import CRM_TABLES, FEEDBACK_CASES, LOOP_TABLES, QUARANTINE, SYNC_STATE, TABLES, Column, ColumnType, Table
from cxbridge.sql_migrations import ERASURES_MIGRATION, MIGRATIONS, MIGRATIONS_TABLE
from cxbridge.sql_rows import CHANGED, LINKS, STAGED_TABLES, batch_stats, empty_stage_options, loop_change_rows
from cxbridge.sql_rows import merge_links_sql, merge_sql, plain, staged_rows, utc_now
from cxbridge.tables import to_json

TYPE_NAMES = {
    ColumnType.TEXT: "STRING",
    ColumnType.INTEGER: "INT64",
    ColumnType.REAL: "FLOAT64",
    ColumnType.BOOLEAN: "BOOL",
    ColumnType.TIMESTAMP: "TIMESTAMP",
    ColumnType.JSON: "JSON",
}
LOAD_TYPES = {  # the staging tables' schema in load jobs: JSON travels as text, PARSE_JSON in the merge
    ColumnType.TEXT: "STRING",
    ColumnType.INTEGER: "INTEGER",
    ColumnType.REAL: "FLOAT",
    ColumnType.BOOLEAN: "BOOLEAN",
    ColumnType.TIMESTAMP: "TIMESTAMP",
    ColumnType.JSON: "STRING",
}
NEW_CASES = "cx_new_cases"  # a batch script's temporary table: the ids of the cases its merge adds
PARAMETER_TYPES = {bool: "BOOL", int: "INT64", float: "FLOAT64", str: "STRING"}


def parse_url(url: str) -> tuple[str, str, str | None]:
    """(project, dataset, location) of a `bigquery://` URL."""
    parts = urlsplit(url)
    path = [p for p in parts.path.split("/") if p]
    options = dict(parse_qsl(parts.query))
    if not parts.netloc or len(path) != 1 or set(options) - {"location"}:
        raise ConfigError(f"{url!r} is not a BigQuery URL; write bigquery://PROJECT/DATASET (or …?location=EU)")
    return parts.netloc, path[0], options.get("location")


def import_bigquery() -> Any:
    try:
        from google.cloud import bigquery
    except ImportError:
        raise ConfigError(
            "the bigquery destination needs google-cloud-bigquery: pip install 'cxbridge[bigquery]'"
        ) from None
    return bigquery


class BigQueryDestination(RowLockedDestination):
    """`bigquery://PROJECT/DATASET?location=EU`."""

    name = "bigquery"
    batch_size = 10_000  # a transaction (and a load) costs more than its rows here
    type_names = TYPE_NAMES
    indexes = False
    keyless = frozenset([*(table.name for table in TABLES), MIGRATIONS_TABLE.name, LOCKS.name])  # never enforced here
    transactional_ddl = False
    migrations = tuple(migration for migration in MIGRATIONS if migration.name != ERASURES_MIGRATION)
    erase = Destination.erase  # refused (and no `erasures`): no transaction spans an erasure's statements here
    erased = Destination.erased
    prunes, prune, remove = False, Destination.prune, Destination.remove  # refused, before a sync reads: no transaction spans the statements

    def __init__(self, url: str, *, base_dir: Path | None = None, credentials: Any = None, client_options: Any = None):
        super().__init__(url, base_dir=base_dir)
        self.project, self.dataset, self.location = parse_url(url)
        self._credentials, self._client_options = credentials, client_options
        self._session = uuid.uuid4().hex[:12]
        self._staged = False

    # --- dialect --------------------------------------------------------------------------

    @classmethod
    def day_of(cls, column: str) -> str:
        return f"FORMAT_TIMESTAMP('%Y-%m-%d', {column}, 'UTC')"

    @classmethod
    def iso_week_of(cls, day: str) -> str:
        return f"FORMAT_DATE('%G-W%V', CAST({day} AS DATE))"

    @classmethod
    def days_since(cls, column: str) -> str:
        return f"DIV(TIMESTAMP_DIFF(CURRENT_TIMESTAMP(), {column}, SECOND), 86400)"

    @classmethod
    def json_integer(cls, column: str, key: str) -> str:
        return f"SAFE_CAST({cls._json_of(column, key)} AS INT64)"  # text in quotes is no number

    @classmethod
    def json_string(cls, column: str, key: str) -> str:
        return f"CASE WHEN STARTS_WITH({cls._json_of(column, key)}, '\"') THEN JSON_VALUE({column}, '$.{key}') END"

    @staticmethod
    def _json_of(column: str, key: str) -> str:
        """The JSON text of the value at `key`: `9`, `"notes"`."""
        return f"TO_JSON_STRING(JSON_QUERY({column}, '$.{key}'))"

    @classmethod
    def as_number(cls, expression: str) -> str:
        return f"CAST({expression} AS FLOAT64)"

    @classmethod
    def is_past(cls, column: str) -> str:
        return f"{column} < CURRENT_TIMESTAMP()"

    @classmethod
    def seconds_from_now(cls, seconds: float) -> str:
        return f"TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL {int(seconds)} SECOND)"

    @classmethod
    def hours_between(cls, start: str, end: str) -> str:
        return f"(TIMESTAMP_DIFF({end}, {start}, MICROSECOND) / 3600000000.0)"

    def qualified(self, table: str) -> str:  # type: ignore[override]
        return f"`{self.project}.{self.dataset}.{table}`"

    def param(self, index: int) -> str:
        return f"@p{index}"

    def stage_name(self, table: Table) -> str:
        return f"cx_stage_{table.name}_{self._session}"

    def from_stage(self, column: Column) -> str:
        return self.cast(column, column.name) if column.type is ColumnType.JSON else column.name

    def cast(self, column: Column, expression: str) -> str:
        if column.type is ColumnType.JSON:
            return f"PARSE_JSON({expression})"
        return super().cast(column, expression)

    def column_sql(self, column: Column, *, staged: bool = False) -> str:
        if staged and column.type is ColumnType.JSON:
            return f"{column.name} STRING"
        return super().column_sql(column, staged=staged)

    def upsert_sql(self, table: Table, select: str, *, keep: Sequence[str] = ()) -> str:
        return merge_sql(table, select, keep=keep)

    def set_links_sql(self, select: str) -> str:
        return merge_links_sql(select)

    def clear_sql(self, name: str) -> str:
        return f"TRUNCATE TABLE {name}"

    # --- the client -----------------------------------------------------------------------

    def connect(self, *, read_only: bool) -> Any:
        bigquery = import_bigquery()
        from google.auth.exceptions import DefaultCredentialsError

        try:
            client = bigquery.Client(
                project=self.project,
                credentials=self._credentials,
                location=self.location,
                client_options=self._client_options,
            )
        except DefaultCredentialsError as exc:
            raise DestinationError(
                f"no Google credentials for {self.display_name}: {exc} — set GOOGLE_APPLICATION_CREDENTIALS "
                "to a service-account key, or run `gcloud auth application-default login`"
            ) from None
        if not read_only:
            dataset = bigquery.Dataset(f"{self.project}.{self.dataset}")
            dataset.location = self.location
            self._call(client.create_dataset, dataset, exists_ok=True)
        return client

    def _call(self, method: Any, *args: Any, **kwargs: Any) -> Any:
        with self._api_errors():
            return method(*args, **kwargs)

    @contextmanager
    def _api_errors(self) -> Iterator[None]:
        """An error of the API (a call, or a page of rows read later) as a DestinationError."""
        from google.api_core.exceptions import GoogleAPIError

        try:
            yield
        except GoogleAPIError as exc:
            message = getattr(exc, "message", None) or str(exc)
            raise DestinationError(f"BigQuery ({self.display_name}): {message}") from None

    def exists(self) -> bool:
        if self._writable:
            return True
        from google.api_core.exceptions import NotFound

        client = self.connect(read_only=True)
        try:
            client.get_table(f"{self.project}.{self.dataset}.cxbridge_migrations")
            return True
        except NotFound:
            return False
        finally:
            client.close()

    def transaction(self) -> AbstractContextManager[None]:
        return nullcontext()  # single statements are atomic; a batch is one script (write_batch)

    def beside(self) -> BigQueryDestination:
        return type(self)(self.url, base_dir=self.base_dir, credentials=self._credentials,
                          client_options=self._client_options)  # fmt: skip

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.fetch(sql, params)

    def execute_all(self, statements: Sequence[str]) -> None:
        """One script, one job (each of its statements a child job): a new dataset's tables and
        views were 47 jobs of their own, each waited for in turn."""
        if statements:
            self.execute(";\n".join(statements))

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        return list(self._plain_rows(self._query(sql, params)))

    def fetch_rows(self, sql: str, params: Sequence[Any] = ()) -> Iterator[dict[str, Any]]:
        """The job's rows a page of FETCH_BATCH at a time: the client's iterator asks
        jobs.getQueryResults for each page after the first, with the page token of the one
        before, when the rows before it are taken."""
        return self._plain_rows(self._query(sql, params, page_size=FETCH_BATCH))

    def _plain_rows(self, rows: Iterable[Any]) -> Iterator[dict[str, Any]]:
        with self._api_errors():
            for row in rows:
                yield {key.lower(): plain(value) for key, value in row.items()}

    def changed_rows(self, sql: str, params: Sequence[object] = ()) -> int:
        """The job's `numDmlAffectedRows`."""
        return int(self._query(sql, params).num_dml_affected_rows or 0)

    def _query(self, sql: str, params: Sequence[Any], *, page_size: int | None = None) -> Any:
        bigquery = import_bigquery()
        config = bigquery.QueryJobConfig(
            default_dataset=f"{self.project}.{self.dataset}",
            query_parameters=[
                bigquery.ScalarQueryParameter(f"p{i}", PARAMETER_TYPES.get(type(value), "STRING"), value)
                for i, value in enumerate(params)
            ],
        )
        return self._call(self.conn.query_and_wait, sql, job_config=config, page_size=page_size)

    def close(self) -> None:
        if self._conn is not None and self._staged:
            for table in STAGED_TABLES:
                self.conn.delete_table(f"{self.project}.{self.dataset}.{self.stage_name(table)}", not_found_ok=True)
            self._staged = False
        super().close()

    def create_stage_sql(self, table: Table, name: str) -> str:
        """A table of this session (load jobs cannot fill temporary ones) that expires by itself
        should the session never close."""
        columns = ", ".join(self.column_sql(column, staged=True) for column in table.columns)
        expiry = "TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)"
        return f"CREATE TABLE IF NOT EXISTS {name} ({columns}) OPTIONS (expiration_timestamp = {expiry})"

    def create_stages(self) -> None:
        """All staging tables in one job; `cx_changed` is a temporary table of each batch's script."""
        self.execute(";\n".join(self.create_stage_sql(table, self.stage_name(table)) for table in STAGED_TABLES))
        self._staged = True

    # --- writing --------------------------------------------------------------------------

    def load_stage(self, table: Table, rows: Sequence[tuple[Any, ...]]) -> None:
        bigquery = import_bigquery()
        config = bigquery.LoadJobConfig(
            source_format=bigquery.SourceFormat.NEWLINE_DELIMITED_JSON,
            write_disposition=bigquery.WriteDisposition.WRITE_TRUNCATE,
            schema=[bigquery.SchemaField(column.name, LOAD_TYPES[column.type]) for column in table.columns],
        )
        data = "".join(to_json(dict(zip(table.column_names, row, strict=True))) + "\n" for row in rows).encode()
        target = f"{self.project}.{self.dataset}.{self.stage_name(table)}"
        job = self._call(self.conn.load_table_from_file, io.BytesIO(data), target, size=len(data), job_config=config)
        from google.api_core.exceptions import GoogleAPIError

        try:
            job.result()  # polls jobs.get until DONE; an errorResult raises
        except GoogleAPIError as exc:
            reason = getattr(exc, "message", None) or str(exc)
            raise DestinationError(
                f"BigQuery ({self.display_name}): the load job {job.job_id} of {len(rows)} {table.name} rows into "
                f"the staging table {self.stage_name(table)} failed: {reason}. Nothing of this batch was merged — "
                "the tables and the cursor are as before; fix the cause and run the sync again"
            ) from None

    def write_batch(self, batch: Batch) -> WriteStats:
        now = utc_now()
        script = [f"CREATE TEMP TABLE {CHANGED.name} (record_id STRING, existed BOOL)"]
        staged = staged_rows(batch, now)
        options = empty_stage_options(batch, staged)  # each statement of a script is a child job
        unread = (*CRM_TABLES, LINKS, *LOOP_TABLES, *([] if options["quarantined"] else [QUARANTINE]))
        for table, rows in staged.items():
            if rows:
                self.load_stage(table, rows)
            elif table not in unread:  # an empty CRM, links, loop or (unread) quarantine stage
                script.append(self.clear_sql(self.stage_name(table)))
        params: list[Any] = []
        context_tables = [table for table in CRM_TABLES if staged[table]]
        merge = self.merge_statements(context_tables, links=bool(staged[LINKS]), cases=bool(batch.cases), **options)
        if staged[FEEDBACK_CASES]:  # those the merge adds: their ids are not stored
            script += [f"CREATE TEMP TABLE {NEW_CASES} (case_id STRING)",
                       f"INSERT INTO {NEW_CASES} (case_id) {self.new_cases_sql('case_id')}"]  # fmt: skip
        script += ["BEGIN TRANSACTION", *merge, *self.released_sql(batch.released)]
        if batch.cursor is not None:
            cursor = batch.cursor
            script.append(self.upsert_values_sql(SYNC_STATE))
            params = [cursor.source, cursor.stream, to_json(cursor.value), now, batch.run_id]
        counted = f"SELECT COUNT(*) AS n FROM {CHANGED.name}"
        if staged[FEEDBACK_CASES]:
            counted = f"SELECT ({counted}) AS n, (SELECT COUNT(*) FROM {NEW_CASES}) AS cases"
        script += ["COMMIT TRANSACTION", counted]
        with self.exclusive("write"):
            [counts] = self.fetch(";\n".join(script), params)
        return batch_stats(batch, int(counts["n"]), cases_opened=int(counts.get("cases", 0)))

    def write_loop(self, changes: LoopChanges) -> None:
        """The changed rows loaded into this session's stages, merged by one transactional script."""
        staged = loop_change_rows(changes)
        for table, rows in staged.items():
            if rows:
                self.load_stage(table, rows)
        if statements := self.loop_change_statements(staged):
            with self.exclusive("write"):
                self.execute(";\n".join(["BEGIN TRANSACTION", *statements, "COMMIT TRANSACTION"]))
