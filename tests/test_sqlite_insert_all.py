"""The SQLite destination inserts a batch's rows as statements of many rows each (`_insert_all`),
the columns holding one text or integer in every row bound once a statement: the table holds
what `executemany` of the one-row statement leaves — the same rows in the same order (rowids),
the same types (1, True and 1.0 are equal in Python, not in SQLite), an upsert's last version —
and the count of rows it changed is the same."""

from __future__ import annotations

import sqlite3

import pytest

from cxbridge.plugins.sqlite.destination import MAX_VARIABLES, _insert_all

WIDE = 41  # feedback's columns
COLUMNS = ", ".join(["k"] + [f"c{at}" for at in range(1, WIDE)])


def _tables(tmp_path, width: int) -> tuple[sqlite3.Connection, sqlite3.Connection]:
    made = []
    for name in ("one_by_one", "many"):
        conn = sqlite3.connect(tmp_path / f"{name}.db", isolation_level=None)
        conn.execute(f"CREATE TABLE t (k PRIMARY KEY, {', '.join(f'c{at}' for at in range(1, width))})")
        made.append(conn)
    return made[0], made[1]


SAME = ["batch", 7, True, False, 0, ""]  # a value some columns hold in every row
EQUAL = [1, True, 1.0]  # equal in Python, stored as 1, 1 and 1.0


def _rows(count: int, width: int, *, repeat_every: int = 0) -> list[tuple]:
    """Rows keyed 0, 1, …: columns of varied values, of one value in every row (`SAME`), and of
    equal values of different types (`EQUAL`); with `repeat_every`, every so many rows a key
    seen before comes again."""
    rows = []
    for n in range(count):
        key = n // 2 if repeat_every and n % repeat_every == 0 else n
        rows.append((key, *(_cell(n, at) for at in range(1, width))))
    return rows


def _cell(n: int, at: int):
    if at % 4 == 1:
        return SAME[at // 4 % len(SAME)]
    if at % 4 == 3 and at < 12:
        return EQUAL[(n + at) % len(EQUAL)]
    return None if (n + at) % 5 == 0 else f"v{n}.{at}" if at % 2 else n * at


@pytest.mark.parametrize("count", [1, 20, 21, 22, 63, 1000])
@pytest.mark.parametrize(
    "after", ["", " ON CONFLICT (k) DO NOTHING", " ON CONFLICT (k) DO UPDATE SET c1 = excluded.c1"]
)
def test_the_table_and_the_count_are_those_of_executemany(tmp_path, count, after):
    one_by_one, many = _tables(tmp_path, WIDE)
    sql = f"INSERT INTO t ({COLUMNS}) VALUES ({', '.join('?' * WIDE)}){after}"
    rows = _rows(count, WIDE, repeat_every=7 if after else 0)
    expected = one_by_one.executemany(sql, rows).rowcount
    assert _insert_all(many, sql, rows) == expected
    select = "SELECT rowid, *, " + ", ".join(f"typeof(c{at})" for at in range(1, WIDE)) + " FROM t ORDER BY rowid"
    assert many.execute(select).fetchall() == one_by_one.execute(select).fetchall()


def test_a_statement_holds_as_many_rows_as_the_bound_parameter_limit_lets_it(tmp_path):
    seen = []
    _, many = _tables(tmp_path, WIDE)
    many.set_trace_callback(seen.append)  # the statements as run, their parameters written in
    _insert_all(many, f"INSERT OR IGNORE INTO t ({COLUMNS}) VALUES ({', '.join('?' * WIDE)})", _rows(100, WIDE))
    same = len(range(1, WIDE, 4))  # `_cell`'s columns of one value: bound once a statement
    per = (MAX_VARIABLES - same) // (WIDE - same)
    assert len([statement for statement in seen if statement.startswith("INSERT")]) == -(-100 // per)


def test_a_statement_that_is_not_an_insert_of_one_row_of_marks_is_refused(tmp_path):
    _, many = _tables(tmp_path, 2)
    with pytest.raises(ValueError, match="not an INSERT"):
        _insert_all(many, "INSERT INTO t SELECT ?, ?", [(1, 2)])
