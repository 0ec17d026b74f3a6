"""A delimited table's values by column key (`layout._text_values`, a function made per table
from its columns' keys) are what the general way (`_row_values`) makes of the same cells:
whatever the keys hold (quotes, braces, line breaks, code), the columns' order and the cells."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cxbridge.exports.layout import _row_values, _text_values

KEYS = st.one_of(
    st.text(max_size=8),
    st.sampled_from(["'", '"', "\\", "}", "{", "\n", "'''", '"""', "__import__('os')", "cells[0]", "fit", "len"]),
)
CELLS = st.lists(st.one_of(st.text(max_size=4), st.sampled_from(["", " ", " x\t", "\r\n"])), max_size=9)


@given(keys=st.lists(KEYS, max_size=7, unique=True), data=st.data())
def test_text_values_are_the_general_ones_of_any_keys_and_cells(keys, data):
    indexes = data.draw(st.lists(st.integers(0, 8), min_size=len(keys), max_size=len(keys)))
    positions = list(zip(keys, indexes))
    made, general = _text_values(positions), _row_values(positions, None)
    for _ in range(3):
        cells = data.draw(CELLS)
        values = made(list(cells))
        assert values == general(list(cells))
        assert list(values) == list(general(list(cells)))  # the same order


def test_a_row_shorter_or_longer_than_the_columns():
    made = _text_values([("Name", 0), ("Score", 2)])
    assert made([" Ann "]) == {"Name": "Ann", "Score": None}
    assert made(["Bo", "x", " 9 ", "extra"]) == {"Name": "Bo", "Score": "9"}
    assert made([]) == {"Name": None, "Score": None}
