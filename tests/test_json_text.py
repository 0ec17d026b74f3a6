"""The JSON text cxbridge stores is byte for byte what the json module writes, whichever encoder
writes it (cxbridge.json_text): stored rows and content ids must not change with the encoder."""

from __future__ import annotations

import datetime as dt
import enum
import json
import math
import struct
import uuid
from collections import OrderedDict, namedtuple
from dataclasses import dataclass
from decimal import Decimal

import orjson
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cxbridge.json_text import is_plain, decoded_json, orjson_text, plain_json, to_json

reference = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode


def written_alike(value, write=to_json):
    """`write` (to_json) gives json's text, or raises json's error."""
    try:
        expected = reference(value)
    except Exception as exc:  # noqa: BLE001 - the same failure is the expectation
        with pytest.raises(type(exc)) as raised:
            write(value)
        assert str(raised.value) == str(exc)
        return
    assert write(value) == expected


class Colour(enum.Enum):
    RED = 1


class Level(enum.IntEnum):
    HIGH = 3


class Tier(str, enum.Enum):
    GOLD = "gold"


class Ratio(float, enum.Enum):
    HALF = 0.5


class Text(str):
    pass


class LoudText(str):
    def __str__(self):
        return "LOUD"


class Count(int):
    pass


class Amount(float):
    pass


class Mapping(dict):
    pass


class Reversed(dict):
    def items(self):
        return reversed(list(super().items()))


class Items(list):
    pass


class Backwards(list):
    def __iter__(self):
        return reversed(list(super().__iter__()))


@dataclass
class Point:
    x: int


Pair = namedtuple("Pair", "a b")


HAND_CASES = [
    None, True, False, 0, -1, 2**63 - 1, 2**63, 2**64 - 1, 2**64, -(2**63), -(2**63) - 1, 10**40, -(10**40),
    0.0, -0.0, 1.0, 0.1, 1 / 3, 1e15, 9999999999999998.0, 1e16, 1.5e16, 1e22, 1e100, 1.7976931348623157e308,
    1e-4, 1.2e-4, 9.9e-5, 1e-5, 2.5e-5, 1e-7, 1e-9, 1e-10, 5e-324, -1e-5, -1e16,
    math.nan, -math.nan, math.inf, -math.inf, struct.unpack("<d", b"\x01\x00\x00\x00\x00\x00\xf8\x7f")[0],
    "", "plain", "é ü 😀 \u2028\u2029 \x7f", "\x00\x01\x1f\b\f\n\r\t\"\\/", "\ud800", "a\udfffb", "1e-05", "0.00001",
    [], {}, (), (1, "a"), [[[]]], {"a": {"b": [1, 2.5, None]}},
    {1: "int key"}, {1.5: "float key"}, {True: "bool key"}, {None: "none key"}, {1e-5: "tiny key"},
    {math.nan: "nan key"}, {2**70: "big key"}, {(1, 2): "tuple key"}, {dt.date(2024, 1, 2): "date key"},
    dt.datetime(2024, 5, 31, 14, 5, tzinfo=dt.timezone.utc), dt.datetime(2024, 5, 31, 14, 5, 0, 123),
    dt.date(2024, 5, 31), dt.time(14, 5), dt.timedelta(hours=1), Decimal("1.50"), Decimal("NaN"),
    uuid.UUID("12345678-1234-5678-1234-567812345678"), b"bytes", bytearray(b"ba"), {1, 2}, frozenset(), 1 + 2j,
    Colour.RED, Level.HIGH, Tier.GOLD, Ratio.HALF, Text("sub"), LoudText("quiet"), {Text("k"): 1}, Count(7),
    Amount(1.5), Amount(1e-5), Mapping(a=1), Reversed(a=1, b=2), Items([1]), Backwards([1, 2]), Point(1),
    Pair(1, "b"), OrderedDict(b=1, a=2), {"values": {"Email": "hashed:0f", "NPS": "9"}, "row": 2, "file": "a.csv"},
]  # fmt: skip


@pytest.mark.parametrize("value", HAND_CASES, ids=repr)
def test_every_kind_of_value_is_written_as_json_writes_it(value):
    written_alike(value)
    written_alike([value])
    written_alike({"k": value, "n": [value, {"deep": value}]})


def test_a_value_that_contains_itself_fails_as_json_fails():
    loop: list = []
    loop.append(loop)
    written_alike(loop)
    cyclic: dict = {}
    cyclic["self"] = cyclic
    written_alike(cyclic)


def test_nesting_deeper_than_orjson_takes_is_written_by_json():
    deep: list = []
    for _ in range(300):
        deep = [deep]
    assert orjson_text(deep) is None
    written_alike(deep)


def test_plain_values_take_orjson_and_those_it_writes_otherwise_do_not():
    assert orjson_text({"NPS": {"text": "NPS", "value": 9, "label": None}, "csat": 4.5, "t": "Straße"}) is not None
    assert orjson_text([0.0001, 1e15, -0.0, 2**64 - 1, "plain text"]) is not None
    for value in (math.nan, math.inf, 1e-5, 1e-7, 1e16, 2**64, Colour.RED, Text("x"), {1: 2}, "\ud800", Decimal(1),
                  dt.date(2024, 1, 1), Point(1), Reversed(a=1)):  # fmt: skip
        assert orjson_text({"k": [value]}) is None, value


@pytest.mark.parametrize("key", [Text("k"), LoudText("quiet"), Tier.GOLD, Colour.RED, Count(1), 1, 2.5, None, True,
                                 "\ud800", "é\n\"", (1, 2), dt.date(2024, 1, 2)], ids=repr)  # fmt: skip
def test_a_row_of_plain_values_is_written_as_json_writes_it_whatever_its_keys(key):
    """Dicts of text, ints, bools and None (and dicts or lists of them) skip marshal's type
    check: their keys are orjson's to refuse, and the values it cannot write."""
    written_alike({key: "text", "n": 1})
    written_alike({"values": {key: None, "b": True}, "row": 2})
    written_alike({"values": {"a": "\ud800"}, "big": 2**64})
    for row in ({key: "text", "n": 1}, {"values": {key: None, "b": True}, "row": 2}, {"values": {"a": "\ud800"}}):
        written_alike(row, plain_json)  # what compiled file rows call for rows of types seen plain
    written_alike({"values": {"a": 1}, "shown": ["QID1", None, True, 7], "labels": {key: "x"}})
    written_alike({"shown": ["\ud800"]})
    written_alike({"shown": [2**64, "a"]})
    written_alike({"shown": [1.5, "a"], "more": [Text("sub")], "nested": [[1]], "items": Items([1])})


def test_floats_at_every_scale_are_written_as_json_writes_them():
    """Each power of ten, a little above and below it, both signs: where repr turns to exponents."""
    for exponent in range(-330, 309):
        for digits in ("1", "1.0000000000000002", "9.999999999999998", "2.5", "3.141592653589793"):
            for value in (float(f"{digits}e{exponent}"), float(f"-{digits}e{exponent}")):
                assert to_json(value) == reference(value)
                assert to_json([value]) == reference([value])


@settings(max_examples=2000, derandomize=True, database=None)
@given(st.integers(min_value=0, max_value=2**64 - 1))
def test_floats_of_any_bit_pattern_are_written_as_json_writes_them(bits):
    value = struct.unpack("<d", struct.pack("<Q", bits))[0]
    assert to_json({"v": value}) == reference({"v": value})


characters = st.characters(codec=None, categories=None)  # surrogates and control characters included
scalars = (
    st.none() | st.booleans() | st.integers() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True) | st.text(characters, max_size=20)
    | st.sampled_from(["e-mail", "1e-05", "0.00001", "2e+16", "null", "NaN"])
    | st.dates() | st.datetimes(timezones=st.none() | st.just(dt.timezone.utc)) | st.decimals(allow_nan=True)
    | st.sampled_from([Colour.RED, Level.HIGH, Tier.GOLD, Ratio.HALF, Text("t"), Count(1), Amount(2.0), Point(3)])
)  # fmt: skip
keys = st.text(characters, max_size=8) | st.integers() | st.floats() | st.booleans() | st.none()
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.tuples(inner, inner) | st.dictionaries(keys, inner, max_size=5)
    | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=30,
)  # fmt: skip


RARE = [float("nan"), float("inf"), -float("inf"), -0.0, 5e-324, -2.2250738585072014e-308, "a\ud800b", 2**63 + 1,
        2**64 + 1, -(2**63) - 1]  # fmt: skip
"""The values that send a value to json (or not) that random values hold least often (at 500
examples some once, NaN and lone surrogates once or twice in 1,000): each in every run."""


def with_rare_values(test):
    for value in RARE:
        test = example({"v": [value, 1.5]})(test)
    return test


@settings(max_examples=500, derandomize=True, database=None)
@given(values)
@with_rare_values
def test_random_values_are_written_as_json_writes_them(value):
    written_alike(value)


def test_orjson_writes_the_floats_the_checks_expect():
    """The exponent checks read orjson's float text this way; a release writing otherwise would
    leave every value to json (`_FLOATS_AS_READ`) — this test says when that happens."""
    assert orjson.dumps([1e16, 1e-10, 1e-7]) == b"[1e+16,1e-10,1e-7]"


plain_rows = st.dictionaries(keys, st.none() | st.booleans() | st.integers() | st.text(characters, max_size=20)
                             | st.dictionaries(keys, st.none() | st.booleans() | st.integers() | st.text(characters),
                                               max_size=6), max_size=6)  # fmt: skip


@settings(max_examples=500, derandomize=True, database=None)
@given(plain_rows)
def test_rows_of_plain_values_are_written_by_plain_json_as_json_writes_them(row):
    """`plain_json`, for dicts `is_plain` accepts (compiled file rows call it once a row's value
    types have passed): json's text, whatever the keys, ints or surrogates."""
    assert is_plain(row)
    written_alike(row, plain_json)


DECODED_CASES = [
    '{"a": NaN, "b": null}', '{"a": [Infinity, -Infinity], "b": "x"}', '[1e-7, 1e16, 2.5e-05, 0.0001, 0.00001]',
    '{"big": 123456789012345678901234567890, "small": -18446744073709551617, "u64": 18446744073709551615}',
    '{"s": "\\ud800", "t": "a\\udfffb"}', '{"null": "null", "k": "NaN", "e": "1e-05"}', '{"a": {"b": [null, 1.5]}}',
    '{"x": 1E400}', '[]', '{}', '"text"', '-0.0', '{"a": 1, "a": 2}',
]  # fmt: skip


@pytest.mark.parametrize("text", DECODED_CASES)
def test_decoded_values_are_written_by_decoded_json_as_json_writes_them(text):
    """`decoded_json`, for what a JSON decoder made (API responses): json's text, floats that
    orjson writes otherwise (NaN as null, exponents) and what it refuses included."""
    value = json.loads(text)
    written_alike(value, decoded_json)
    written_alike({"surveyId": "SV_1", "values": {"email": "hashed:0f", "v": value}}, decoded_json)


@settings(max_examples=500, derandomize=True, database=None)
@given(values)
@with_rare_values
def test_random_decoded_values_are_written_by_decoded_json_as_json_writes_them(value):
    written_alike(json.loads(reference(value)), decoded_json)
