"""Figures rounded from exact sums (docs/report.md, Rounding). The conformance suite checks every
destination's views and report at exact ties (`cxbridge.testing.ties`); here a destination whose
views were made before gets them again from its migration, and the rounding SQL is checked at
ties no float holds on SQLite and DuckDB directly."""

from __future__ import annotations

import json
import sqlite3
from fractions import Fraction

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxbridge import reporting
from cxbridge.plugins.duckdb.destination import DuckDBDestination
from cxbridge.plugins.parquet.destination import ParquetDestination
from cxbridge.plugins.parquet.migrations import MIGRATIONS as LAKE_MIGRATIONS
from cxbridge.plugins.postgres.destination import PostgresDestination
from cxbridge.plugins.sqlite.destination import SQLiteDestination
from cxbridge.testing.destinations import assert_ties_exact, deliver_ties
from cxbridge.testing.ties import Group
from cxbridge.views import VIEW_NAMES
from tests.conftest import half_up

STALE = "SELECT 'made before exact rounding' AS stale"


def _stale_sql_views(execute, migrations_table: str, migration: str) -> None:
    """As an older cxbridge left a SQL database: views of other SQL, the migration not applied."""
    for view in VIEW_NAMES:
        execute(f"DROP VIEW IF EXISTS {view}")
        execute(f"CREATE VIEW {view} AS {STALE}")
    execute(f"DELETE FROM {migrations_table} WHERE name = '{migration}'")


@pytest.mark.parametrize("engine", ["sqlite", "duckdb", "postgresql"])
def test_a_database_made_before_exact_rounding_gets_the_views_again(engine, tmp_path, request):
    destination = {
        "sqlite": lambda: SQLiteDestination(f"sqlite:///{tmp_path / 'cx.db'}"),
        "duckdb": lambda: DuckDBDestination(f"duckdb:///{tmp_path / 'cx.duckdb'}"),
        "postgresql": lambda: PostgresDestination(request.getfixturevalue("postgres_database")("before")),
    }[engine]()
    deliver_ties(destination)
    if engine == "sqlite":
        with sqlite3.connect(tmp_path / "cx.db") as conn:
            _stale_sql_views(conn.execute, "_sqlite_migrations", "0018_exact_rounding")
        conn.close()
    else:
        destination.open()
        _stale_sql_views(destination.execute, "cxbridge_migrations", "0014_exact_rounding")
        destination.close()
    destination.open()  # a sync's open applies the migration
    destination.close()
    assert_ties_exact(destination)


def test_a_lake_made_before_exact_rounding_gets_the_views_script_again(tmp_path):
    """A Parquet lake's queries define the views anew each time; `_cxbridge/views.sql`, for BI
    tools, is written by the migration as a new lake has it."""
    old, new = ParquetDestination(f"parquet:///{tmp_path / 'old'}"), ParquetDestination(f"parquet:///{tmp_path / 'new'}")
    for lake in (old, new):
        deliver_ties(lake)
    script = tmp_path / "old" / "_cxbridge" / "views.sql"
    script.write_text(STALE, encoding="utf-8")
    done = LAKE_MIGRATIONS[: LAKE_MIGRATIONS.index("0017_exact_rounding")]
    (tmp_path / "old" / "_cxbridge" / "migrations.json").write_text(json.dumps(done), encoding="utf-8")
    old.open()
    old.close()
    assert script.read_text(encoding="utf-8") == (tmp_path / "new" / "_cxbridge" / "views.sql").read_text(encoding="utf-8")
    assert_ties_exact(old)


TIES = [(3, 2000), (-3, 2000), (7, 2000), (1, 16), (-1, 16), (21, 2000), (2001, 2000)]
"""(part, whole) whose 100 · part / whole is exactly halfway between two one-decimal figures:
0.15, 0.35, 1.05 and 100.05 % no binary float holds."""


@pytest.mark.parametrize("dialect", [SQLiteDestination, DuckDBDestination])
def test_a_share_at_a_tie_no_float_holds_rounds_half_away_from_zero(dialect):
    """`ROUND(100.0 * 3 / 2000, 1)` reads 0.2 on SQLite and 0.1 on DuckDB (which multiplies the
    float nearest 0.15 by ten again); one division to the figure times ten reads 0.2 on both."""
    run = sqlite3.connect(":memory:").execute if dialect is SQLiteDestination else duckdb.connect().execute
    for part, whole in TIES:
        [(read,)] = run(f"SELECT {dialect.rounded_ratio(f'100 * {part}', str(whole), 1)}").fetchall()
        assert read == half_up(Fraction(100 * part, whole)), (part, whole)


@pytest.mark.parametrize("dialect", [SQLiteDestination, DuckDBDestination])
def test_a_change_between_months_at_a_tie_is_rounded_from_the_exact_figures(dialect, tmp_path):
    """NPS 6.15 (123 net of 2,000) in January, 6.3 (63 of 1,000) in February: a change of exactly
    0.15, which the floats 6.3 - 6.15 make 0.1499999999999995; the report says 0.2."""
    months = (Group(efforts=(), answers=2000, promoters=123, detractors=0, satisfied=0),
              Group(efforts=(), answers=1000, promoters=63, detractors=0, satisfied=0))  # fmt: skip
    scheme = "sqlite" if dialect is SQLiteDestination else "duckdb"
    destination = dialect(f"{scheme}:///{tmp_path / 'cx'}.{scheme}")
    deliver_ties(destination, months)
    destination.open(read_only=True)
    try:
        rows = reporting.report_rows(destination, reporting.ReportOptions(by="month", intervals=True))
    finally:
        destination.close()
    nps = {row["month"]: row for row in rows if row["metric"] == "nps"}
    assert (nps["2024-01"]["score"], nps["2024-02"]["score"]) == (6.2, 6.3)  # 6.15 → 6.2
    assert float(nps["2024-02"]["change"]) == half_up(Fraction(63, 10) - Fraction(123, 20)) == 0.2
    assert nps["2024-02"]["previous"] == "2024-01"


@given(value=st.floats(allow_nan=False, allow_infinity=False) | st.floats(-200, 200).map(lambda v: round(v, 2))
       | st.integers(-20000, 20000).map(lambda n: n / 20))  # fmt: skip
def test_an_intervals_bound_is_rounded_half_away_from_zero_as_its_repr_reads(value):
    """A bound (a float) is rounded as the decimal its shortest repr writes, ties (x.x5) away from
    zero, never to -0.0 — what the report printed when Fraction read that text."""
    rounded = reporting._half_up(value)
    assert rounded == half_up(Fraction(repr(value))) and str(rounded) != "-0.0", value
