"""The records of a JSON export's list, decoded in runs by orjson (cxbridge.tabular.json_records),
are the records json's decoder reads one by one: the same values of the same types, the same
numbering, and the same error at the same record when the file is broken."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxbridge.errors import SourceError
from cxbridge.json_input import parsed_json
from cxbridge.tabular import json_records
from cxbridge.tabular.json_records import array_records

HEAD = '{"responseId":'
SLY = ['{"responseId":1}', '},{"responseId":', '}, {"responseId": 2}', "}", "{", '"', "\\", "]", "[", ":"]
scalars = (
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.sampled_from([2**64, -(2**63) - 1, -(10**18) * 9, 10**19])
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12) | st.sampled_from(SLY)
    | st.sampled_from(["\ud800", "a\udfffb", "Очень доволен", "😀"])
)  # fmt: skip
inner = st.recursive(
    scalars,
    lambda more: (
        st.lists(more, max_size=4) | st.dictionaries(st.sampled_from(["responseId", "values", "k"]), more, max_size=3)
    ),  # fmt: skip
    max_leaves=12,
)
records = st.lists(
    st.builds(
        lambda rid, values, labels: {"responseId": rid, "values": values, "labels": labels},
        st.text(max_size=8),
        st.dictionaries(st.text(max_size=6), inner, max_size=6),
        inner,
    )  # fmt: skip
    | st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(["k", "responseId"]), inner, max_size=3)
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from([1e-7, 2.5e16]),
    max_size=30,  # items that are not records (lists, other objects, numbers) are counted, not read
)
layouts = st.sampled_from([(", ", ": ", None), (",", ":", None), (",", ":", 2), (", ", ": ", "\t")])


def read(text: str, key: str | None = "responses") -> tuple[list[tuple[int, object]], str | None]:
    """The records read, and the error that stopped the reading (None: none)."""
    found = []
    try:
        for number, record in array_records(io.StringIO(text), "export.json", key):
            found.append((number, record))
    except SourceError as exc:
        return found, str(exc)
    return found, None


def same(a, b) -> bool:
    """Equal values of equal types all the way down (NaN equal to NaN, 1 not 1.0, -0.0 not 0.0)."""
    return repr(a) == repr(b)


@pytest.fixture(params=[7, 300, 65536], ids=["chunk 7", "chunk 300", "chunk 64 KiB"])
def chunk(request, monkeypatch):
    monkeypatch.setattr(json_records, "_CHUNK", request.param)
    return request.param


@settings(
    max_examples=200,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)  # the fixture sets a constant
@given(records, layouts)
def test_records_decoded_in_runs_are_the_records_json_reads(chunk, items, layout):
    separator, colon, indent = layout
    text = json.dumps({"responses": items}, separators=(separator, colon), indent=indent)
    found, error = read(text)
    assert error is None
    read_as = parsed_json(text)["responses"]  # json's records, a lone surrogate as U+FFFD (tests/test_json_input.py)
    wanted = [(n, item) for n, item in enumerate(read_as, start=1) if isinstance(item, dict)]
    assert same(found, wanted)


def test_most_records_of_an_export_are_decoded_in_runs(monkeypatch):
    """The runs are used: of 2,000 plain responses, the list's last and the one holding an
    integer beyond 64 bits go to json, not the record a 64 KiB block's end cuts (the block is
    read on for it)."""
    runs = []
    decoded = json_records._Runs.decoded

    def counted(self, buffer, position, **options):
        run = decoded(self, buffer, position, **options)
        runs.append(0 if run is None or run is json_records._READ_ON else len(run[0]))
        return run

    monkeypatch.setattr(json_records._Runs, "decoded", counted)
    items = [{"responseId": f"R_{n}", "values": {"QID1": n % 11, "big": 2**70 if n == 700 else 1}} for n in range(2000)]
    text = json.dumps({"responses": items})
    found, error = read(text)
    assert error is None and same(found, list(enumerate(items, start=1)))
    assert sum(runs) == 2000 - 2
    assert found[700][1]["values"]["big"] == 2**70 and type(found[700][1]["values"]["big"]) is int


BROKEN = [
    '{"responses": [{"responseId": "R_1"} {"responseId": "R_2"}, {"responseId": "R_3"}]}',  # a comma missing
    '{"responses": [{"responseId": "R_1"},, {"responseId": "R_2"}, {"responseId": "R_3"}]}',  # one too many
    '{"responses": [{"responseId": "R_1"}, {"responseId": "R_2", "v": tru}, {"responseId": "R_3"}]}',
    '{"responses": [{"responseId": "R_1"}, {"responseId": "R_2", "v": NaN}, {"responseId": "R_3", "v": 1E400}]}',
    '{"responses": [{"responseId": "R_1"}, {"responseId": "R_2"}, {"responseId": "R_3", "v": [1, 2}]}',
    '{"responses": [{"responseId": "R_1"}, {"responseId": "R_2"}, {"responseId": "R_3"',  # cut short
    '{"responses": [{"responseId": "R_1"}, {"responseId": "R_2"}, {"responseId": "R_3"}',
    '{"responses": [{"responseId": "R_1", "n": 123456789012345678901234}, {"responseId": "R_2", "n": -0}, 7]}',
    '{"responses": [{"responseId": "R_1", "s": "\\ud800"}, {"responseId": "R_2", "a": 1, "a": 2}, {"responseId": "x"}]}',
]  # fmt: skip


@pytest.mark.parametrize("text", BROKEN)
def test_a_list_json_reads_its_own_way_is_read_the_same(chunk, monkeypatch, text):
    """Missing or doubled commas (json's reading of the list lets them pass), a broken record, a
    file cut short, numbers orjson refuses or reads otherwise: the same records and the same
    error as json's decoder alone gives."""
    found, error = read(text)
    monkeypatch.setattr(json_records, "orjson", None)
    alone, alone_error = read(text)
    assert same(found, alone) and error == alone_error


@pytest.mark.parametrize("number", ["123456", "-0.5", "1.25e-7", "2E+16", "-Infinity", "98765432109876543210"])
def test_a_number_cut_by_the_end_of_a_block_is_read_whole(monkeypatch, number):
    """A number between the records, cut by the end of a block at any of its characters, is read
    as one item: the records after it keep their numbers, and no error is made up."""
    records = [{"responseId": "R_1"}, {"responseId": "R_2"}]
    for at in range(1, 12):
        monkeypatch.setattr(json_records, "_CHUNK", at)
        text = f'[{{"responseId": "R_1"}}, {number}, {{"responseId": "R_2"}}, {number}]'
        assert read(text, key=None) == ([(1, records[0]), (3, records[1])], None), (at, number)
