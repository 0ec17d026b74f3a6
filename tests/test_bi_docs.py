"""Every ```sql block of docs/bi.md runs on SQLite, DuckDB, Parquet (through DuckDB and
`_cxbridge/views.sql`), PostgreSQL and Snowflake (fakesnow) after a sync of sample data, and the
documented way to mark a follow-up takes a record off `detractor_queue` on each of them. A block
whose first line is `-- engine: a, b` runs on the engines it names only."""

from __future__ import annotations

import contextlib
import csv
import re
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from cxbridge.testing.destinations import CLOCK_TOLERANCE, comparable, deliver
from cxbridge.timestamps import parse_timestamp
from tests.test_snowflake_destination import snowflake  # noqa: F401 — the fixture
from tests.test_snowflake_destination import the_sample

DOC = Path(__file__).resolve().parents[1] / "docs" / "bi.md"
ENGINES = ("sqlite", "duckdb", "parquet", "postgresql", "snowflake")
PLACEHOLDER_ID = "'3f1c…'"
SUBMITTED = "SELECT submitted_at FROM feedback WHERE submitted_at IS NOT NULL"


@dataclass(frozen=True)
class Block:
    line: int
    sql: str
    engines: tuple[str, ...]

    @property
    def is_follow_up(self) -> bool:
        return PLACEHOLDER_ID in self.sql and "feedback_followups" in self.sql


def documented_blocks() -> list[Block]:
    text = DOC.read_text(encoding="utf-8")
    blocks = []
    for match in re.finditer(r"^```sql\n(.*?)^```", text, flags=re.S | re.M):
        sql = match.group(1)
        marker = re.match(r"--\s*engine:\s*(.+)\n", sql)
        engines = tuple(e.strip() for e in marker.group(1).split(",")) if marker else ENGINES
        unknown = set(engines) - set(ENGINES) - {"snowflake", "bigquery"}
        assert not unknown, f"docs/bi.md line {text[: match.start()].count(chr(10)) + 1}: unknown engine {unknown}"
        blocks.append(Block(text[: match.start()].count("\n") + 1, sql, engines))
    return blocks


BLOCKS = documented_blocks()


class Session:
    """A connection to one synced destination that runs a block and rolls back what it wrote."""

    def __init__(self, engine: str, connect: Callable[[], Any], *, folder: Path | None = None):
        self.engine = engine
        self.conn = connect()
        self.folder = folder

    def run(self, sql: str) -> list[tuple[Any, ...]]:
        with contextlib.chdir(self.folder) if self.folder else contextlib.nullcontext():
            if self.engine == "sqlite":
                rows: list[tuple[Any, ...]] = []
                for statement in _statements(sql):
                    rows = self.conn.execute(statement).fetchall()
                return rows
            if self.engine == "snowflake":  # the connector runs one statement a call
                for statement in _statements(sql):
                    cursor = self.conn.cursor().execute(statement)
                return cursor.fetchall() if cursor.description else []
            cursor = self.conn.execute(sql)
            return cursor.fetchall() if cursor.description else []

    def queue(self) -> set[str]:
        return {row[0] for row in self.run("SELECT record_id FROM detractor_queue")}

    @contextlib.contextmanager
    def rolled_back(self) -> Iterator[None]:
        """What a block writes is undone, so every block sees the synced sample data alone."""
        before = set(self.folder.rglob("*")) if self.folder else set()
        if self.engine == "duckdb":
            self.conn.execute("BEGIN")
        elif self.engine == "snowflake":  # the connector commits each statement otherwise
            self.conn.cursor().execute("BEGIN")
        try:
            yield
        finally:
            if self.engine != "parquet":
                self.conn.rollback()
            for path in set(self.folder.rglob("*")) - before if self.folder else ():
                path.unlink()


def _statements(sql: str) -> Iterator[str]:
    statement = ""
    for line in sql.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            yield statement
            statement = ""
    if statement.strip():
        yield statement


@pytest.fixture(scope="module")
def sessions(tmp_path_factory, request) -> Iterator[dict[str, Session]]:
    """Each engine synced once with the conformance suite's sample data, opened lazily."""
    made: dict[str, Session] = {}
    root = tmp_path_factory.mktemp("bi")

    def session(engine: str) -> Session:
        if engine not in made:
            made[engine] = _synced(engine, root, request)
        return made[engine]

    yield session  # type: ignore[misc]
    for session_ in made.values():
        session_.conn.close()


def _synced(engine: str, root: Path, request: pytest.FixtureRequest) -> Session:
    if engine == "sqlite":
        from cxbridge.plugins.sqlite.destination import SQLiteDestination

        deliver(SQLiteDestination(f"sqlite:///{root / 'cx.db'}"))
        return Session(engine, lambda: sqlite3.connect(root / "cx.db"))
    import duckdb

    if engine == "duckdb":
        from cxbridge.plugins.duckdb.destination import DuckDBDestination

        deliver(DuckDBDestination(f"duckdb:///{root / 'cx.duckdb'}"))
        return Session(engine, lambda: duckdb.connect(str(root / "cx.duckdb")))
    if engine == "parquet":
        from cxbridge.plugins.parquet.destination import ParquetDestination

        lake = root / "lake"
        deliver(ParquetDestination(f"parquet:///{lake}"))
        with contextlib.chdir(lake):  # as `duckdb -init _cxbridge/views.sql` run in the folder
            conn = duckdb.connect()
            conn.execute((lake / "_cxbridge" / "views.sql").read_text(encoding="utf-8"))
        return Session(engine, lambda: conn, folder=lake)
    if engine == "snowflake":  # fakesnow, emulated while the module's `snowflake` fixture lasts
        from snowflake import connector

        from cxbridge.plugins.snowflake.destination import connect_arguments

        destination = the_sample(request.getfixturevalue("snowflake"), request.getfixturevalue("tmp_path_factory"))
        return Session(engine, lambda: connector.connect(**connect_arguments(destination.url)))
    import psycopg

    from cxbridge.plugins.postgres.destination import PostgresDestination

    server = request.getfixturevalue("postgres_url")
    database = f"cx_bi_docs_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {database}")
    url = server.rsplit("/", 1)[0] + "/" + database
    request.addfinalizer(lambda: _drop(server, database))
    deliver(PostgresDestination(url))
    return Session(engine, lambda: psycopg.connect(url))


def _drop(server: str, database: str) -> None:
    import psycopg

    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def _cases() -> list[Any]:
    return [
        pytest.param(engine, block, id=f"{engine}-line{block.line}")
        for block in BLOCKS
        for engine in ENGINES
        if engine in block.engines
    ]


def test_the_page_has_queries_and_every_engine_a_follow_up():
    assert len(BLOCKS) >= 8
    for engine in ENGINES:
        assert [b for b in BLOCKS if b.is_follow_up and engine in b.engines], f"no follow-up shown for {engine}"


NUMBER_WORDS = dict(zip("ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty".split(),
                        range(10, 21), strict=True))  # fmt: skip


def test_the_page_counts_and_names_every_view_a_destination_has(sessions):
    """The page said "the same ten views" of a destination holding seventeen, and named none of
    `location_ranking`, `location_trend`, `agent_scorecard`, `questions`, `question_trend`: an
    analyst looking for them here did not learn they exist. The views counted in the database."""
    views = {name for (name,) in sessions("sqlite").run("SELECT name FROM sqlite_master WHERE type = 'view'")}
    text = DOC.read_text(encoding="utf-8")
    said = re.search(r"the same (\w+) views", text)
    assert said and NUMBER_WORDS[said[1]] == len(views), (said and said[1], len(views))
    assert sorted(view for view in views if f"`{view}`" not in text) == []


def documented_view_columns() -> dict[str, list[str]]:
    """docs/schema.md's Views table: each view's columns, without the notes in brackets and after a dash."""
    text = (DOC.parent / "schema.md").read_text(encoding="utf-8").split("\n## Views\n", 1)[1].split("\n### ", 1)[0]
    found = {}
    for view, cell in re.findall(r"^\| `(\w+)` \| (.+) \|$", text, flags=re.M):
        cell = cell.split(" — ")[0]
        while re.search(r"\([^()]*\)", cell):
            cell = re.sub(r" ?\([^()]*\)", "", cell)
        found[view] = [name.strip() for name in cell.split(",")]
    return found


def test_the_schema_page_lists_each_views_columns_as_a_destination_has_them(sessions):
    """docs/schema.md listed `detractor_queue`'s "location" and "crm ids", columns no query can
    name (they are location_id, location_name, crm_contact_id, crm_account_id), and
    `location_ranking`'s as "… for c in nps, …, nps, enps, kpi": each view's columns, in order."""
    session = sessions("sqlite")
    views = [name for (name,) in session.run("SELECT name FROM sqlite_master WHERE type = 'view' ORDER BY name")]
    actual = {view: [row[1] for row in session.run(f"PRAGMA table_info({view})")] for view in views}
    assert documented_view_columns() == actual


@pytest.mark.parametrize(("engine", "block"), _cases())
def test_a_documented_query_runs(sessions, engine: str, block: Block):
    session = sessions(engine)
    with session.rolled_back():
        session.run(block.sql)


@pytest.mark.parametrize("engine", ENGINES)
def test_the_documented_follow_up_takes_a_record_off_the_queue(sessions, engine: str):
    session = sessions(engine)
    (block,) = [b for b in BLOCKS if b.is_follow_up and engine in b.engines]
    queue = session.queue()
    assert queue, "the sample data has detractors"
    followed = min(queue)
    with session.rolled_back():
        session.run(block.sql.replace(PLACEHOLDER_ID, f"'{followed}'"))
        assert session.queue() == queue - {followed}
        if engine == "parquet":
            assert followed not in _queue_as_cxbridge_reads_it(session.folder)
    assert session.queue() == queue


def _queue_as_cxbridge_reads_it(lake: Path) -> set[str]:
    from cxbridge.plugins.parquet.destination import ParquetDestination

    destination = ParquetDestination(f"parquet:///{lake}")
    destination.open(read_only=True)
    try:
        return {row["record_id"] for row in destination.query("SELECT record_id FROM detractor_queue")}
    finally:
        destination.close()


IN_THE_SAMPLE = {"'2026-11-01'": "'2025-01-01'", "'SV_123'": "'sv-1'", "'QID4'": "'q_visit'"}
"""The page's example values as the sample data has them (every record is of 2025), so that the
blocks naming them read rows to compare."""
NONE_IN_THE_SAMPLE = "FROM loop_queue\nWHERE overdue"
"""No case of the sample data is past its SLA."""


def in_the_sample(sql: str) -> str:
    for example, sample in IN_THE_SAMPLE.items():
        sql = sql.replace(example, sample)
    return sql


SELECTS = [b for b in BLOCKS if b.sql.lstrip().upper().startswith("SELECT") and set(ENGINES) <= set(b.engines)]


@pytest.mark.parametrize("block", SELECTS, ids=[f"line{b.line}" for b in SELECTS])
def test_a_documented_query_gives_the_same_rows_everywhere(sessions, block: Block):
    """The same rows, and for a block with ORDER BY the same order: "the oldest open detractors
    per store" listed the stores of equal counts in another order on DuckDB than on SQLite."""
    results = _rows_everywhere_at_one_age(sessions, block)
    assert results["sqlite"] or NONE_IN_THE_SAMPLE in block.sql, "no rows: nothing compared"
    assert all(rows == results["sqlite"] for rows in results.values()), results


def _rows_everywhere_at_one_age(sessions, block: Block) -> dict[str, list[str]]:
    """The block's rows on every engine, read while no record's age in whole days changed: an
    `age_days` read on both sides of such a moment differs for that reason alone."""
    submitted = [parse_timestamp(value) for (value,) in sessions("sqlite").run(SUBMITTED)]
    for _ in range(3):
        started = datetime.now(timezone.utc) - CLOCK_TOLERANCE
        sql = in_the_sample(block.sql)
        results = {engine: _in_order_of(block, list(map(repr, _comparable(sessions(engine).run(sql))))) for engine in ENGINES}
        finished = datetime.now(timezone.utc) + CLOCK_TOLERANCE
        if all((started - at).days == (finished - at).days for at in submitted):
            return results
    raise AssertionError("ages kept changing while the engines were queried")


def _in_order_of(block: Block, rows: list[str]) -> list[str]:
    """A block that orders its rows lists them as an analyst reads them, in that order on every
    engine; the others are compared as sets of rows."""
    return rows if "ORDER BY" in block.sql else sorted(rows)


def _comparable(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return [tuple(comparable(value) for value in row) for row in rows]


BIGGEST_FIRST = {"detractor accounts": ("feedback_accounts l", 3), "detractor comments": ("feedback_comments c", 0)}
"""Blocks that list the biggest or newest first, and the column they order by."""


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("listing", BIGGEST_FIRST)
def test_a_documented_biggest_or_newest_first_list_puts_unknown_values_last(sessions, engine: str, listing: str):
    """An account of unknown revenue or a comment of unknown time is no biggest or newest: it
    comes last. PostgreSQL and Snowflake sort NULL above every value (Snowflake's ORDER BY
    reference: DESC puts NULLs first unless NULLS LAST is said; fakesnow does the same), SQLite
    and DuckDB below."""
    text, column = BIGGEST_FIRST[listing]
    (block,) = [b for b in BLOCKS if text in b.sql]
    values = [comparable(row[column]) for row in sessions(engine).run(in_the_sample(block.sql))]
    known = [value for value in values if value is not None]
    assert len(known) < len(values), "the sample data has an unknown value to place"
    assert values == sorted(known, reverse=True) + [None] * (len(values) - len(known))


TIED_LISTS = ("FROM feedback_comments c", "FROM location_scorecard\nWHERE bottom_20_pct")
"""Blocks listing rows whose ORDER BY keys tie in real data: stores sharing a rank, comments of
one minute (or of one response with two comment questions)."""


def test_a_documented_list_orders_tied_rows_the_same_on_sqlite_and_duckdb(tmp_path):
    """Newest comments first and the bottom stores by rank ordered ties as each engine's plan
    happened to: twenty comments of one minute came in another order on DuckDB than on SQLite,
    and so may stores of one rank. Ten stores, three tied at the bottom, every answer at 10:00."""
    import duckdb

    import cxbridge
    from cxbridge.config import config_from_dict
    from cxbridge.plugins_host import create_host

    rows = [[f"R{n:02}", "2025-03-10 10:00", f"Store {n % 10}", 0 if n % 10 < 3 else n % 10, f"comment {n}"] for n in range(40)]
    with (tmp_path / "answers.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["id", "submitted", "store", "recommend", "why"], *rows])
    source = {"connector": "csv", "path": "answers.csv", "program": "voc",
              "columns": {"id": "id", "submitted_at": "submitted", "location_name": "store", "comment": "why"},
              "metrics": [{"column": "recommend", "metric": "nps"}]}  # fmt: skip
    config = config_from_dict({"sources": {"survey": source}}, create_host(), path=tmp_path / "cxbridge.toml")
    for engine in ("sqlite", "duckdb"):
        assert cxbridge.sync(config, destination=f"{engine}:///{tmp_path / f'cx.{engine}'}", host=create_host()).exit_code == 0
    connections = {"sqlite": sqlite3.connect(tmp_path / "cx.sqlite"), "duckdb": duckdb.connect(str(tmp_path / "cx.duckdb"))}
    try:
        for marker in TIED_LISTS:
            (block,) = [b for b in BLOCKS if marker in b.sql]
            listed = {engine: _comparable(conn.execute(block.sql).fetchall()) for engine, conn in connections.items()}
            assert len(listed["sqlite"]) >= 3, marker
            assert listed["duckdb"] == listed["sqlite"], marker
    finally:
        for conn in connections.values():
            conn.close()


def test_the_biggest_accounts_of_one_revenue_are_listed_by_account_id_on_sqlite_and_duckdb(tmp_path):
    """The biggest accounts ordered by revenue alone listed accounts of one revenue (or of none
    known) as each engine's plan happened to. 300 detractors, each of an account of its own: a
    third of 2,000, a third of 1,000, a third of unknown revenue."""
    import duckdb

    import cxbridge
    from cxbridge.config import config_from_dict
    from cxbridge.plugins_host import create_host

    rows = [[f"R{n:03}", "2026-11-10 10:00", "0", f"A{n:03}"] for n in range(300)]
    with (tmp_path / "answers.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["id", "submitted", "recommend", "account"], *rows])
    source = {"connector": "csv", "path": "answers.csv", "program": "voc",
              "columns": {"id": "id", "submitted_at": "submitted", "crm_account_id": "account"},
              "metrics": [{"column": "recommend", "metric": "nps"}]}  # fmt: skip
    config = config_from_dict({"sources": {"survey": source}}, create_host(), path=tmp_path / "cxbridge.toml")
    accounts = ", ".join(f"('crm', 'A{n:03}', 'Account {n}', {(2000.0, 1000.0, 'NULL')[n % 3]}, 'h', "
                         "'2026-11-10T00:00:00Z', 'run')" for n in range(300))  # fmt: skip
    (block,) = [b for b in BLOCKS if "feedback_accounts l" in b.sql]
    listed = {}
    for engine, connect in (("sqlite", sqlite3.connect), ("duckdb", duckdb.connect)):
        synced = cxbridge.sync(config, destination=f"{engine}:///{tmp_path / f'cx.{engine}'}", host=create_host())
        assert synced.exit_code == 0
        with contextlib.closing(connect(str(tmp_path / f"cx.{engine}"))) as conn:
            conn.execute("INSERT INTO crm_accounts (source, account_id, name, annual_revenue, content_hash, "
                         f"ingested_at, sync_run_id) VALUES {accounts}")  # fmt: skip
            listed[engine] = [(row[0], row[3]) for row in conn.execute(block.sql).fetchall()]
    by_revenue_then_id = sorted(listed["sqlite"], key=lambda row: (row[1] is None, -(row[1] or 0), row[0]))
    assert len(by_revenue_then_id) == 300
    assert listed["sqlite"] == by_revenue_then_id and listed["duckdb"] == by_revenue_then_id


def test_the_parquet_folders_month_is_the_utc_month_the_page_names(tmp_path):
    """docs/bi.md, Engine notes: "00:30 on 1 November in Tokyo is in `month=2025-10`, and a Warsaw
    response at 00:30 on 1 April sits in `month=2025-03`", while the views count them in November
    and April by `substr(submitted_local_date, 1, 7)`, the grouping the page gives."""
    import duckdb

    import cxbridge
    from cxbridge.config import config_from_dict
    from cxbridge.plugins_host import create_host

    text = " ".join(DOC.read_text(encoding="utf-8").split())
    said = re.search(r"00:30 on 1 (\w+) in Tokyo is in `month=(\S+)`, and a Warsaw response at 00:30 on 1 (\w+) sits in "
                     r"`month=(\S+)`", text)  # fmt: skip
    assert said, "docs/bi.md no longer says this: change the test with it"
    sources = {}
    for name, zone, month in (("tokyo", "Asia/Tokyo", said[1]), ("warsaw", "Europe/Warsaw", said[3])):
        day = datetime.strptime(f"1 {month} 2025", "%d %B %Y").date()
        (tmp_path / f"{name}.csv").write_text(f"id,submitted,recommend,why\n{name}-1,{day} 00:30,10,Kind staff\n", encoding="utf-8")
        sources[name] = {"connector": "csv", "path": f"{name}.csv", "program": "voc", "timezone": zone,
                         "columns": {"id": "id", "submitted_at": "submitted", "comment": "why"}, "metrics": [{"column": "recommend", "metric": "nps"}]}  # fmt: skip
    config = config_from_dict({"sources": sources}, create_host(), path=tmp_path / "cxbridge.toml")
    lake = tmp_path / "lake"
    lake.mkdir()
    assert cxbridge.sync(config, destination=f"parquet:///{lake}", host=create_host()).exit_code == 0
    folders = {path.parent.name: path.name for path in (lake / "feedback").glob("source=[a-z]*/month=*")}
    assert folders == {"source=tokyo": f"month={said[2]}", "source=warsaw": f"month={said[4]}"}
    with contextlib.chdir(lake):
        conn = duckdb.connect()
        conn.execute((lake / "_cxbridge" / "views.sql").read_text(encoding="utf-8"))
        local = conn.execute("SELECT source, substr(submitted_local_date, 1, 7) FROM feedback ORDER BY source").fetchall()
        views = conn.execute("SELECT source, month FROM nps_by_month ORDER BY source").fetchall()
    expected = [("tokyo", "2025-11"), ("warsaw", "2025-04")]
    assert local == views == expected and [f"month={m}" for _, m in expected] != sorted(folders.values())
