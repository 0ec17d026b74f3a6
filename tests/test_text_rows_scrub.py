"""The scrub of a delimited file's rows the shorter way (`Scrubber.text_rows`, issue 19): the
declared columns changed once per row, the walk taken only by a row whose other text holds an
"@". What it gives must be what the walk gives, byte for byte (random tables of text, traps
among them), and a sync of a CSV whose e-mail addresses hide in undeclared cells — quoted, with
escaped quotes, on several lines, in the id — must store the raw JSON worked out independently
(`test_scrubbed_rows.expected_raw`: csv module, BLAKE2b, json) and the same rows as a sync that
walks every row."""

from __future__ import annotations

import copy
import csv
import json
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from cxbridge.privacy import PersonalFields, Scrubber
from cxbridge.respondents import RespondentKeys
from cxbridge.sources import Stream
from cxbridge.tabular.source import FileStream
from tests.both_ways import synced
from tests.test_scrubbed_rows import HEADER, MAPPING, expected_raw, key, stored

KEYS = RespondentKeys("text-rows-test-salt")
FIELDS = PersonalFields(
    contacts=frozenset({"email", "phone"}), personal=frozenset({"name"}), ignored=frozenset({"internal"}),
    ignored_prefixes=("QID4_",),
)  # fmt: skip
COLUMNS = ["id", "email", "phone", "name", "internal", "QID4_1", "comment", "note", "Email", "e mail"]
TEXTS = st.one_of(
    st.none(),
    st.sampled_from([
        "a@example.com", " B@Example.com ", "x@y", "@", "@handle", "mail z@example.org please", "plain", "",
        "600 100 200", "hashed:" + "0" * 32, "a@b.c.", "<a@example.com>", "a@example.com\n", 'say ""a@example.com""',
        "a%40example.com", " https://x.example/?e=a%40example.com&n=1", "https://x.example/u/a@example.com", "ab%4",
        "0ab",
    ]),
    st.text(alphabet="ab@. \n\t\"é", max_size=10),
)  # fmt: skip
"""Cells of text (or None, a blank cell), e-mail addresses whole and inside text among them."""


def table(columns: list[str], cells: list[list[str | None]], file: str, ids: list[str | None]) -> list[dict]:
    """The raws of one table of text, as a file source gives them."""
    return [
        {"file": file, "row": number, "values": dict(zip(columns, row, strict=True)), "id": ids[number % len(ids)]}
        for number, row in enumerate(cells, start=2)
    ]


def exactly(value: object) -> str:
    """A raw as stored: JSON, keys in their order."""
    return json.dumps(value, ensure_ascii=False)


@settings(max_examples=300, deadline=None)
@given(
    columns=st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=8, unique=True),
    data=st.data(),
    file=st.sampled_from(["responses.csv", "a@example.com.csv", "data/x@y.csv"]),
    ids=st.lists(st.one_of(st.none(), st.sampled_from(["R1", "r@example.com", "7f3a"])), min_size=1, max_size=3),
    keep=st.booleans(),
)
@example(columns=["email", "comment"], data=None, file="responses.csv", ids=["R1"], keep=False)
def test_text_rows_scrub_as_the_walk_does_byte_for_byte(columns, data, file, ids, keep):
    if data is None:  # the explicit example: an address in an undeclared cell beside a declared one
        cells = [["a@example.com", "b@example.com"], ["a@example.com", "fine"], [None, " c@example.com "]]
    else:
        cells = data.draw(
            st.lists(st.lists(TEXTS, min_size=len(columns), max_size=len(columns)), min_size=1, max_size=6)
        )
    scrubber = Scrubber(FIELDS, KEYS, keep_personal_data=keep)
    raws = table(columns, cells, file, ids)
    rows = scrubber.text_rows(raws[0])
    assert rows is not None
    for raw in raws:
        before = copy.deepcopy(raw)
        assert exactly(rows(raw)) == exactly(scrubber(raw))
        assert exactly(raw) == exactly(before), "the raw read is left as it was"


def test_a_column_named_like_an_address_leaves_the_rows_to_the_walk():
    raw = {"file": "a.csv", "row": 2, "values": {"email": "a@example.com", "jo%40example.com": "9"}, "id": "R1"}
    assert Scrubber(FIELDS, KEYS).text_rows(raw) is None
    assert list(Scrubber(FIELDS, KEYS)(raw)["values"]) == ["email", KEYS.pseudonym("jo@example.com")]


def test_a_declared_top_level_key_leaves_the_rows_to_the_walk():
    raw = {"file": "a.csv", "row": 2, "values": {"email": "a@example.com"}, "id": "R1"}
    assert Scrubber(FIELDS | PersonalFields(personal=frozenset({"file"})), KEYS).text_rows(raw) is None
    assert Scrubber(FIELDS | PersonalFields(ignored=frozenset({"values"})), KEYS).text_rows(raw) is None
    assert Scrubber(FIELDS, KEYS).text_rows(raw | {"labels": {"nps": "ten"}}) is None


TRAPS = [
    # the only "@" of the row in its declared contact: no walk
    ["R1", "2024-01-05 10:00", "ann@example.com", "", "", "", "9", "fine", "", "plain"],
    # an address alone in an undeclared cell, the contact blank
    ["R2", "2024-01-05 11:00", "", "", "", "", "10", "", "", "bob@example.com"],
    # in a quoted cell with escaped quotes and a delimiter; whole after trimming
    ["R3", "2024-01-05 12:00", "ann@example.com", "", "", "", "8", 'said "hi", bye', " carol@example.net ", ""],
    # a cell over two lines whose text is an address once trimmed; another that is not one
    ["R4", "2024-01-06 09:00", "", "", "", "", "3", "dave@example.org\n", "", "line one\nerin@example.com"],
    # quotes around an address inside the cell: not an address as a whole
    ["R5", "2024-01-06 10:00", "ann@example.com", "", "", "", "7", '"frank@example.com"', "", ""],
    # the id holds an address; the declared contact holds two "@"
    ["grace@example.com", "2024-01-07 10:00", "a@b@example.com", "", "", "", "0", "", "", ""],
    # personal and ignored cells with an "@" (removed), nothing else
    ["R7", "2024-01-08 10:00", "", "600 100 200", "heidi@example.com", "ivan@example.com", "5", "", "", ""],
]  # fmt: skip
"""Rows whose e-mail addresses stand where the shortcut must not miss them."""


def write_traps(path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, quoting=csv.QUOTE_MINIMAL).writerows([HEADER, *TRAPS])


def test_a_csv_with_addresses_in_undeclared_cells_stores_the_raw_json_worked_out_independently(tmp_path, monkeypatch):
    write_traps(tmp_path / "responses.csv")
    walks = []
    walk = Scrubber.__call__
    monkeypatch.setattr(Scrubber, "__call__", lambda self, raw: walks.append(raw["row"]) or walk(self, raw))
    synced(tmp_path, None, settings=[], monkeypatch=monkeypatch, mapping=MAPPING, label="sync")
    rows = stored(tmp_path / "sync.db")
    assert {rid: raw for rid, (raw, _) in rows.items()} == expected_raw(tmp_path / "responses.csv")
    text = (tmp_path / "sync.db").read_bytes()
    for address in ("bob@", "carol@", "dave@", "grace@", "heidi@", "ivan@", "a@b@example.com", "ann@"):
        assert address.encode() not in text, address
    assert b"frank@example.com" in text, "an address inside other text is kept as written"
    assert ("hashed:" + key("carol@example.net")).encode() in text
    assert walks == [3, 4, 5, 6, 7], "rows 2 and 8 (an '@' only in the contact, or in removed cells) take no walk"


def test_a_csv_with_addresses_in_undeclared_cells_stores_the_same_rows_as_the_walk(tmp_path, monkeypatch):
    write_traps(tmp_path / "responses.csv")
    short = synced(tmp_path, None, settings=[], monkeypatch=monkeypatch, mapping=MAPPING, label="short")
    walked = synced(tmp_path, None, settings=[(FileStream, "scrubbing", Stream.scrubbing)], monkeypatch=monkeypatch,
                    mapping=MAPPING, label="walk")  # fmt: skip
    assert short == walked and len(short["feedback"]) == len(TRAPS)
