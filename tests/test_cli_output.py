"""`--format json` prints what `json.dumps(rows, indent=2, ensure_ascii=False, default=str)`
writes (cli/output.py), whichever of json's encoders lays out a row."""

from __future__ import annotations

import datetime as dt
import enum
import io
import json
from contextlib import redirect_stdout
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from cxbridge.cli import output


class Colour(enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(),
    st.sampled_from([Colour.RED, Level.HIGH, Decimal("1.50"), dt.date(2025, 2, 1), dt.datetime(2025, 2, 1, 9, 30)]),
)  # fmt: skip
VALUES = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3), max_leaves=6
)
ROWS = st.lists(st.dictionaries(st.text(), VALUES, max_size=5) | st.dictionaries(st.text(), SCALARS, max_size=8),
                max_size=4)  # fmt: skip


def printed(rows: list[dict]) -> str:
    with redirect_stdout(io.StringIO()) as out:
        output.rows(rows, fmt="json")
    return out.getvalue()


@given(rows=ROWS)
def test_json_rows_are_printed_as_json_dumps_lays_them_out(rows):
    assert printed(rows) == json.dumps(rows, indent=2, ensure_ascii=False, default=str) + "\n"


def test_a_row_of_texts_that_read_like_its_layout_is_printed_as_json_dumps_lays_it_out():
    rows = [{"a\n  b": ",\n    ", "": "{}", "ü": [], "x": {}}, {"k": "  }"}, {}]
    assert printed(rows) == json.dumps(rows, indent=2, ensure_ascii=False, default=str) + "\n"
