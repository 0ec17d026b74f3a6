"""The SQLite destination's INSERT of a batch's rows leaves out the columns no row fills
(`_filled_columns`): whatever the rows' pattern of empty cells, the rows stored are the rows given,
and the columns named are those some row fills — checked against a computation cell by cell."""

from __future__ import annotations

import sqlite3

from hypothesis import given, settings
from hypothesis import strategies as st

from cxbridge.layout import FEEDBACK_CASES, FEEDBACK_SCORES
from cxbridge.loop.cases import OPENED_CASE_COLUMNS
from cxbridge.plugins.sqlite.destination import _filled_columns
from cxbridge.tables import SCORE_COLUMNS

FILLED = st.one_of(st.text(max_size=3), st.integers(-3, 3), st.floats(allow_nan=False), st.booleans())
CELLS = st.one_of(st.none(), FILLED)


def _rows(width: int) -> st.SearchStrategy[list[tuple]]:
    """Rows whose columns are each always empty, sometimes empty or never empty (the first, a
    key, never)."""
    rest = st.lists(st.sampled_from(["empty", "some", "full"]), min_size=width - 1, max_size=width - 1)
    kinds = rest.map(lambda kinds: ["full", *kinds])

    def of(kinds: list[str]) -> st.SearchStrategy[list[tuple]]:
        cell = {"empty": st.none(), "some": CELLS, "full": FILLED}
        return st.lists(st.tuples(*(cell[kind] for kind in kinds)), min_size=1, max_size=12)

    return kinds.flatmap(of)


def _expected_columns(columns: tuple[str, ...], rows: list[tuple]) -> tuple[str, ...]:
    return tuple(column for at, column in enumerate(columns) if any(row[at] is not None for row in rows))


def _as_stored(value):
    return int(value) if isinstance(value, bool) else value


@settings(max_examples=60, deadline=None)
@given(rows=_rows(len(SCORE_COLUMNS)))
def test_score_rows_are_stored_as_given_with_the_columns_some_row_fills(tmp_path_factory, rows):
    named, stored = _stored_no_keys(tmp_path_factory.mktemp("scores"), rows)
    assert named == _expected_columns(SCORE_COLUMNS, rows)
    assert stored == [tuple(map(_as_stored, row)) for row in rows]


def _stored_no_keys(tmp_path, rows: list[tuple]) -> tuple[tuple[str, ...], list[tuple]]:
    """`rows` through `_filled_columns` into a table with feedback_scores's columns and no key."""
    conn = sqlite3.connect(tmp_path / "plain.db")
    conn.execute(f"CREATE TABLE {FEEDBACK_SCORES.name} ({', '.join(SCORE_COLUMNS)})")
    sql, columns = _filled_columns(FEEDBACK_SCORES, SCORE_COLUMNS, rows)
    named = tuple(sql.split("(", 1)[1].split(")", 1)[0].split(", "))
    conn.executemany(sql, zip(*columns))
    stored = conn.execute(f"SELECT {', '.join(SCORE_COLUMNS)} FROM {FEEDBACK_SCORES.name} ORDER BY rowid").fetchall()
    conn.close()
    return named, stored


def test_a_column_empty_in_the_first_row_only_is_written_and_one_empty_in_all_is_left_out():
    picked = [FEEDBACK_CASES.column_names.index(column) for column in OPENED_CASE_COLUMNS]
    later, never = picked[1], picked[2]
    width = len(FEEDBACK_CASES.column_names)
    first = tuple(None if at in (later, never) else f"a{at}" for at in range(width))
    second = tuple(None if at == never else f"b{at}" for at in range(width))
    sql, columns = _filled_columns(FEEDBACK_CASES, OPENED_CASE_COLUMNS, [first, second])
    kept = [at for at in picked if at != never]
    assert sql.split("(", 1)[1].split(")", 1)[0].split(", ") == [FEEDBACK_CASES.column_names[at] for at in kept]
    assert columns == [(first[at], second[at]) for at in kept]


def test_rows_that_fill_every_column_give_every_column():
    rows = [tuple(f"{row}-{at}" for at in range(len(SCORE_COLUMNS))) for row in range(3)]
    sql, columns = _filled_columns(FEEDBACK_SCORES, SCORE_COLUMNS, rows)
    assert columns == list(zip(*rows))
    assert sql.startswith(f"INSERT INTO feedback_scores ({', '.join(SCORE_COLUMNS)}) VALUES")
