"""A batch reaches DuckDB (and the Parquet destination's DuckDB) as NumPy arrays, one per column:
every value reads back as written — NULL apart from '', numbers and booleans with their types —
and a sync imports neither pyarrow nor pandas (≈ 100 MB of RSS between them)."""

from __future__ import annotations

import os
import subprocess
import sys

import duckdb
import pytest

from cxbridge.layout import Column, ColumnType, Table
from cxbridge.plugins.duckdb.destination import DuckDBDestination
from cxbridge.plugins.duckdb.staging import column_arrays
from cxbridge.plugins.parquet import files
from cxbridge.plugins.parquet.destination import ParquetDestination
from tests.conftest import ROOT

T = ColumnType
TABLE = Table(
    "every_type",
    (
        Column("text"), Column("number", T.INTEGER), Column("real", T.REAL), Column("flag", T.BOOLEAN),
        Column("stamp", T.TIMESTAMP), Column("doc", T.JSON), Column("late"),
    ),
    primary_key=(),
)  # fmt: skip


def test_the_parquet_writer_reads_staged_values_as_text_and_casts_each_to_its_type(tmp_path):
    """Parquet's writing connection reads staged object arrays as text (`pandas_analyze_sample`
    0) and writes each column cast to its type (`files.typed`): every value back with its type."""
    rows = [
        ("", 0, 0.0, False, "2025-01-01T00:00:00Z", "{}", None),
        (None, None, None, None, None, None, None),
        ("Zażółć ☕ \x00 \\N NULL", 2**62, 1e16, True, "2025-12-31T23:59:59.123456Z", '{"a": [1, "x"]}', "x"),
        ("7", -(2**62), -2.5e-300, None, None, "null", "True"),
    ] + [("text", 12, 3.5, True, None, None, None)] * 3000
    lake = ParquetDestination(f"parquet:///{tmp_path / 'lake'}")
    lake.open()
    try:
        assert lake.conn.execute("SELECT current_setting('pandas_analyze_sample')").fetchall() == [(0,)]
        lake.conn.register("staged", column_arrays(TABLE, rows).arrays)
        path = tmp_path / "every_type.parquet"
        files.copy(lake.conn, f"SELECT {files.typed(TABLE)} FROM staged", path)
        back = duckdb.connect().execute(
            "SELECT text, number, real, flag, strftime(stamp AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%fZ'), doc, late "
            f"FROM read_parquet('{path}')"
        ).fetchall()
    finally:
        lake.close()
    stamps = {"2025-01-01T00:00:00Z": "2025-01-01T00:00:00.000000Z", "2025-12-31T23:59:59.123456Z": "2025-12-31T23:59:59.123456Z"}
    assert back == [(*row[:4], stamps.get(row[4]), *row[5:]) for row in rows]
    assert [type(v) for v in back[0][:4]] == [str, int, float, bool]


def read_back(rows: list[tuple]) -> list[tuple]:
    conn = duckdb.connect()
    conn.register("staged", column_arrays(TABLE, rows).arrays)
    return conn.execute(f"SELECT {', '.join(TABLE.column_names)} FROM staged").fetchall()


def test_every_value_reads_back_as_written():
    rows = [
        ("", 0, 0.0, False, "2025-01-01T00:00:00Z", "{}", None),
        (None, None, None, None, None, None, None),
        ('say "hi", then\nleave\r\n', -(2**62), 0.1, True, "2025-12-31T23:59:59.123456Z", '{"a": [1, "x"]}', None),
        ("Zażółć gęślą jaźń ☕ \x00 \\N NULL", 2**62, 1e16, None, None, "null", None),
        ("  padded  ", 7, -2.5e-300, True, None, '"text"', None),
    ]
    assert read_back(rows) == rows
    assert [type(v) for v in read_back(rows)[0][:4]] == [str, int, float, bool]


def test_every_value_reads_back_as_written_when_read_as_text_and_cast():
    """The writing connection reads staged object arrays as text, with no sample of their
    types (`pandas_analyze_sample` 0), and casts each column to its type (`from_stage`)."""
    rows = [
        ("", 0, 0.0, False, None, None, None),
        (None, None, None, None, None, None, None),
        ("Zażółć ☕ \x00 \\N NULL", 2**62, 1e16, True, None, None, "x"),
        ("7", -(2**62), -2.5e-300, None, None, None, "True"),
    ] + [("text", 12, 3.5, True, None, None, None)] * 3000
    conn = duckdb.connect()
    conn.execute("SET pandas_analyze_sample = 0")
    conn.register("staged", column_arrays(TABLE, rows).arrays)
    destination = DuckDBDestination("duckdb:///unused.duckdb")
    read = ", ".join(destination.from_stage(column) for column in TABLE.columns if column.name not in ("stamp", "doc"))
    back = conn.execute(f"SELECT {read} FROM staged").fetchall()
    assert back == [(text, number, real, flag, late) for text, number, real, flag, _, _, late in rows]
    assert [type(v) for v in back[0][:4]] == [str, int, float, bool]


def test_a_column_empty_for_thousands_of_rows_then_set_keeps_its_values():
    """DuckDB works out an object column's type from a sample of it: values past the sample
    still read back (text, integers and booleans after 5,000 empty rows)."""
    empty = (None,) * 7
    rows = [empty] * 5000 + [("late text", 12, 3.5, True, None, None, "last")] + [empty] * 10
    back = read_back(rows)
    assert back[5000] == rows[5000]
    assert back[:5000] == rows[:5000] and back[5001:] == rows[5001:]


def test_an_empty_batch_is_an_empty_table():
    assert read_back([]) == []


@pytest.mark.parametrize("url", ["duckdb:///out.duckdb", "parquet:///lake"])
def test_a_sync_imports_neither_pyarrow_nor_pandas(tmp_path, url: str):
    """Stand-in packages of those names come first on the path and say when they are imported;
    the sync writes its records without them."""
    for name in ("pyarrow", "pandas"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text("import sys\nsys.stderr.write(__name__ + ' imported\\n')\n")
    (tmp_path / "answers.csv").write_text('id,nps,comment\nr1,9,\nr2,3,slow\nr3,10,"quick, ""kind"""\n')
    (tmp_path / "cxbridge.toml").write_text(
        '[sources.survey]\nconnector = "csv"\npath = "answers.csv"\n'
        '[sources.survey.columns]\nid = "id"\ncomment = "comment"\n'
        '[[sources.survey.metrics]]\ncolumn = "nps"\nmetric = "nps"\n'
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)]), "CXBRIDGE_LOAD_PLUGINS": ""}
    command = [sys.executable, "-m", "cxbridge", "sync", "--no-progress", "--destination", url]
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "imported" not in result.stderr
    if url.startswith("duckdb"):
        stored = duckdb.connect(str(tmp_path / "out.duckdb"), read_only=True).execute(
            "SELECT nps, comment FROM feedback"
        )
    else:
        stored = duckdb.connect().execute(
            f"SELECT nps, comment FROM read_parquet('{tmp_path}/lake/feedback/*/*/*.parquet')"
        )
    assert sorted(stored.fetchall()) == [(3, "slow"), (9, None), (10, 'quick, "kind"')]


def test_the_size_is_what_an_arrow_table_of_the_values_holds():
    """8 bytes a number, flag or real; a text's characters and 4 bytes of offset per row
    (what `memory_limit` is sized by while a batch merges)."""
    rows = [
        ("abc", 1, 0.5, True, "2025-01-01T00:00:00Z", "{}", None),
        (None, None, None, None, None, None, None),
        ("", 2, None, False, None, '{"a": 1}', "zz"),
    ]
    text = len("abc") + len("2025-01-01T00:00:00Z") + len("{}") + len('{"a": 1}') + len("zz")
    assert column_arrays(TABLE, rows).nbytes == text + 4 * 3 * 4 + 8 * 3 * 3
    assert column_arrays(TABLE, []).nbytes == 0
