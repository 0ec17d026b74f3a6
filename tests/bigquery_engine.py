"""SQL for the local BigQuery API (tests/bigquery_api.py): GoogleSQL translated to DuckDB with
sqlglot and run there, one DuckDB schema per dataset, so that the destination conformance suite
can run against the BigQuery destination as fakesnow lets it run against Snowflake. An emulator:
what it proves is the destination's logic (staging, script, MERGE, transaction), not BigQuery's
own behaviour, which the cassettes pin down."""

from __future__ import annotations

import contextlib
import functools
import re
import threading
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import duckdb
import sqlglot
from sqlglot import exp

FIELD_TYPES = {"VARCHAR": "STRING", "BIGINT": "INTEGER", "INTEGER": "INTEGER", "HUGEINT": "INTEGER",
               "DOUBLE": "FLOAT", "FLOAT": "FLOAT", "BOOLEAN": "BOOLEAN", "JSON": "JSON",
               "TIMESTAMP WITH TIME ZONE": "TIMESTAMP"}  # fmt: skip
LOAD_TYPES = {
    "STRING": "VARCHAR",
    "INTEGER": "BIGINT",
    "FLOAT": "DOUBLE",
    "BOOLEAN": "BOOLEAN",
    "TIMESTAMP": "TIMESTAMPTZ",
}
DML = (exp.Insert, exp.Update, exp.Delete, exp.Merge)
PARAMETER_VALUES = {"INT64": int, "FLOAT64": float, "BOOL": lambda v: v == "true", "STRING": str}


class Engine:
    """One in-memory DuckDB; every call holds its lock (the HTTP server is threaded)."""

    def __init__(self) -> None:
        self.db = duckdb.connect()
        self.db.execute("SET TimeZone = 'UTC'")
        self.lock = threading.Lock()

    def create_dataset(self, dataset: str) -> None:
        with self.lock:
            self.db.execute(f'CREATE SCHEMA IF NOT EXISTS "{dataset}"')

    def has_table(self, dataset: str, table: str) -> bool:
        with self.lock:
            found = self.db.execute(
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
                [dataset, table],
            ).fetchall()
        return bool(found[0][0])

    def drop_table(self, dataset: str, table: str) -> None:
        with self.lock:
            self.db.execute(f'DROP TABLE IF EXISTS "{dataset}"."{table}"')

    def copy_dataset(self, source: Engine, dataset: str, *, to: str) -> None:
        """Dataset `dataset` of the engine `source` as dataset `to` of this one: its tables, rows
        and all, and views, each made again by the statement DuckDB keeps of it, renamed."""
        renamed = re.compile(rf'"?{re.escape(dataset)}"?\.')
        with source.lock:
            tables = source.db.execute(
                "SELECT table_name, sql FROM duckdb_tables() WHERE schema_name = ? ORDER BY table_oid", [dataset]
            ).fetchall()
            rows = {
                table: source.db.sql(f'SELECT * FROM "{dataset}"."{table}"').to_arrow_table() for table, _ in tables
            }
            views = source.db.execute(
                "SELECT sql FROM duckdb_views() WHERE schema_name = ? ORDER BY view_oid", [dataset]
            ).fetchall()
        self.create_dataset(to)
        with self.lock:
            for table, sql in tables:
                self.db.execute(renamed.sub(f'"{to}".', sql))
                self.db.register("copied", rows[table])
                self.db.execute(f'INSERT INTO "{to}"."{table}" SELECT * FROM copied')
                self.db.unregister("copied")
            for (sql,) in views:
                self.db.execute(renamed.sub(f'"{to}".', sql))

    def load(self, dataset: str, table: str, fields: list[dict[str, str]], data: bytes) -> None:
        """A WRITE_TRUNCATE load job of newline-delimited JSON, read by DuckDB in one statement:
        each line parsed once, each field's value as text (a string unescaped, a number or
        boolean as written, null as NULL) cast to its column's type, as a cast of the decoded
        value would. Row by row (`executemany`), loading was most of the BigQuery tests' time."""
        columns = ", ".join(f'"{f["name"]}" {LOAD_TYPES[f["type"]]}' for f in fields)
        paths = ", ".join(f"""'$."{f["name"]}"'""" for f in fields)
        casts = ", ".join(f"CAST(value[{i}] AS {LOAD_TYPES[f['type']]})" for i, f in enumerate(fields, 1))
        lines = "SELECT unnest(string_split(?, chr(10))) AS line"
        with self.lock:
            self.db.execute(f'CREATE OR REPLACE TABLE "{dataset}"."{table}" ({columns})')
            self.db.execute(
                f'INSERT INTO "{dataset}"."{table}" SELECT {casts} '
                f"FROM (SELECT json_extract_string(line, [{paths}]) AS value FROM ({lines}) WHERE line <> '')",
                [data.decode()],
            )

    def query(
        self, sql: str, dataset: str, parameters: list[dict[str, Any]]
    ) -> tuple[list[dict[str, str]], list[list[Any]], int | None]:
        """Run a query or script; the fields and rows of its last SELECT, and the rows a lone DML
        statement changed (jobs.query's numDmlAffectedRows)."""
        params = {
            p["name"]: None if p["parameterValue"].get("value") is None
            else PARAMETER_VALUES[p["parameterType"]["type"]](p["parameterValue"]["value"])
            for p in parameters
        }  # fmt: skip
        result: tuple[list[dict[str, str]], list[list[Any]]] = ([], [])
        temporary: list[str] = []
        affected = None
        with self.lock:
            try:
                sql, session = _session_left_out(_dataset_left_out(sql, dataset))
                steps = translate(sql)
                for step in steps:
                    if step.temporary:
                        temporary.append(step.temporary)
                    result = self._run(step, dataset, params, session) or result
                    if len(steps) == 1 and step.is_dml:
                        affected = int(self.db.fetchall()[0][0])
            except Exception:
                with contextlib.suppress(duckdb.Error):  # a failed script rolls its transaction back
                    self.db.execute("ROLLBACK")
                raise
            finally:
                for name in temporary:
                    self.db.execute(f'DROP TABLE IF EXISTS temp."{name}"')
        return (*result, affected)

    def _run(self, step: Step, dataset: str, params: dict[str, Any], session: str | None) -> Any:
        sql = step.sql.replace(f'"{DATASET}"', f'"{dataset}"')
        if session is not None:
            sql = sql.replace(SESSION, session)
        used = {name: value for name, value in params.items() if f"${name}" in sql}
        cursor = self.db.execute(sql, used) if used else self.db.execute(sql)
        if step.is_query:
            fields = [{"name": d[0], "type": _field_type(str(d[1]))} for d in cursor.description]
            return fields, [[_value(v) for v in row] for row in cursor.fetchall()]
        return None


@dataclass(frozen=True)
class Step:
    """One statement of a query or script, in DuckDB's SQL."""

    sql: str  # tables of the dataset in the schema named DATASET
    is_query: bool = False
    temporary: str | None = None  # the script's temporary table it creates
    is_dml: bool = False  # INSERT, UPDATE, DELETE or MERGE: DuckDB answers with the rows it changed


DATASET = "__dataset__"
SESSION = "0session0000"  # stands for a destination session's id in the names of its staging tables
SESSION_ID = re.compile(r"(?<=\bcx_stage_)(\w+_)([0-9a-f]{12})\b")


def _dataset_left_out(sql: str, dataset: str) -> str:
    """`project.dataset.t` of the default dataset (views name their tables so) as DATASET's."""
    return re.sub(rf"`([^`.]+)\.{re.escape(dataset)}\.([^`.]+)`", rf"`\1.{DATASET}.\2`", sql)


def _session_left_out(sql: str) -> tuple[str, str | None]:
    """The staging tables' session id (`cx_stage_feedback_1a2b3c4d5e6f`) as SESSION's, and the id:
    every destination has its own, and the statements that name them are otherwise the same."""
    sessions = {match[2] for match in SESSION_ID.finditer(sql)}
    if len(sessions) != 1 or SESSION in sql:
        return sql, None
    (session,) = sessions
    return SESSION_ID.sub(lambda match: match[1] + SESSION, sql), session


@functools.cache
def translate(sql: str) -> tuple[Step, ...]:
    """A query or script, statement by statement, with the dataset left to fill in: the suite sends
    the same SQL to dataset after dataset, and sqlglot's translation is most of the engine's time."""
    steps: list[Step] = []
    temporary: list[str] = []
    for statement in sqlglot.parse(sql, read="bigquery"):
        if isinstance(statement, exp.Transaction):
            steps.append(Step("BEGIN TRANSACTION"))
            continue
        if isinstance(statement, exp.Commit):
            steps.append(Step("COMMIT"))
            continue
        is_temporary = (
            isinstance(statement, exp.Create)
            and statement.args.get("properties")
            and any(isinstance(p, exp.TemporaryProperty) for p in statement.args["properties"].expressions)
        )
        name = None
        if is_temporary:
            name = statement.this.this.name if isinstance(statement.this, exp.Schema) else statement.this.name
            temporary.append(name)
        else:
            _qualify(statement, DATASET, skip=set(temporary))
        steps.append(Step(statement.sql(dialect="duckdb"), isinstance(statement, exp.Query), name, isinstance(statement, DML)))
    return tuple(steps)


def _qualify(statement: exp.Expression, dataset: str, *, skip: set[str]) -> None:
    """Every table in the dataset's schema: `project.dataset.t` and bare `t` alike; CTEs and the
    script's temporary tables stay as they are."""
    ctes = {cte.alias for cte in statement.find_all(exp.CTE)} | skip
    for table in statement.find_all(exp.Table):
        if table.name in ctes and not table.args.get("db"):
            continue
        target = table.args.get("db").name if table.args.get("db") else dataset
        table.set("catalog", None)
        table.set("db", exp.to_identifier(target, quoted=True))


def _field_type(duckdb_type: str) -> str:
    return "FLOAT" if duckdb_type.startswith("DECIMAL") else FIELD_TYPES.get(duckdb_type, "STRING")


def _value(value: Any) -> str | None:
    """A cell as jobs.query returns it: text; timestamps as microseconds since the epoch."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return str(round(value.timestamp() * 1_000_000))
    if isinstance(value, float | Decimal):
        return repr(float(value))
    return str(value)
