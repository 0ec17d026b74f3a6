"""The scrub of decoded API records told from their JSON text (`cxbridge.decoded_scrub`, issue
19) against the walk (`Scrubber`): random records shaped like Qualtrics responses — declared
keys in `values` and anywhere else, keys under ignored prefixes, e-mail addresses whole or in
text, braces in text, objects and lists at every depth, numbers orjson refuses or writes its own
way — must come out byte for byte as the walk makes them, the same objects where the walk keeps
them, the raw left as it was; the text it hands on is orjson's text of what it gave."""

from __future__ import annotations

import copy
import json
import math

import orjson
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cxbridge.decoded_scrub import DecodedScrub
from cxbridge.json_text import DECODED_OPTIONS
from cxbridge.plugins.qualtrics.source import PERSONAL_METADATA
from cxbridge.privacy import PersonalFields, Scrubber
from cxbridge.respondents import RespondentKeys
from tests.qualtrics_api import response

KEYS = RespondentKeys("decoded-scrub-test-salt")
FIELDS = PersonalFields(
    contacts=frozenset({"recipientEmail", "phone"}), personal=frozenset({"ipAddress", "recipientFirstName"}),
    ignored=frozenset({"internal", "phone"}), ignored_prefixes=("QID4_",),
)  # fmt: skip
RESPONSES = PersonalFields(contacts=frozenset({"recipientEmail"}), personal=PERSONAL_METADATA)
"""What the qualtrics source declares without a config's ignored questions."""
NAMES = ["recipientEmail", "phone", "ipAddress", "recipientFirstName", "internal", "QID4_TEXT", "QID4", "QID1",
         "StoreID", "values", "labels", "note", "b%40example.com", "c%2540example.com"]  # fmt: skip
TEXTS = st.sampled_from([
    "a@example.com", " B@Example.com ", "mail z@example.org please", "@", "plain", "", "{", "{}", "x}", "[1]",
    "hashed:" + "0" * 32, '"ipAddress":', "Очень", "\ud800", "a%40example.com",
    "https://x.example/?e=a%40example.com", "100%40", "a%2540example.com", "a&#64;example.com", "&#39;",
])  # fmt: skip
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(), TEXTS)
JSON = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(NAMES), inner, max_size=4)), max_leaves=8)  # fmt: skip


def written(value: object) -> str:
    """A record as stored: JSON, keys in their order (NaN and the infinities as json writes them)."""
    return json.dumps(value, ensure_ascii=False)


def scrubbed_alike(raw: dict, keep: bool, fields: PersonalFields = FIELDS) -> DecodedScrub:
    walk = Scrubber(fields, KEYS, keep_personal_data=keep)
    scrub = DecodedScrub(walk, inside="values")
    before = copy.deepcopy(raw)
    try:
        reference = walk(copy.deepcopy(raw))
    except UnicodeEncodeError:  # the walk's own refusal (a contact holding a lone surrogate): the same
        with pytest.raises(UnicodeEncodeError):
            scrub(raw)
        return scrub
    result = scrub(raw)
    assert written(result) == written(reference)
    assert written(raw) == written(before), "the raw read is left as it was"
    assert (result is raw) == (walk(raw) is raw)
    text = scrub.written(result)
    if text is not None:
        assert text == orjson.dumps(result, option=DECODED_OPTIONS)
        assert not any(isinstance(v, float) and not math.isfinite(v) for v in result.get("values", {}).values())
    return scrub


@settings(max_examples=400, deadline=None)
@given(
    values=st.dictionaries(st.sampled_from(NAMES), JSON, max_size=8),
    beside=st.dictionaries(
        st.sampled_from(["labels", "displayedFields", "displayedValues", "surveyId", "note"]), JSON, max_size=4
    ),
    keep=st.booleans(),
)
@example(values={"recipientEmail": "a@example.com", "QID1": 9}, beside={"labels": {"QID1": "9"}}, keep=False)
def test_random_records_are_scrubbed_as_the_walk_scrubs_them(values, beside, keep):
    scrubbed_alike({"responseId": "R_1", **beside, "values": values}, keep)


def test_responses_take_the_short_way_and_come_out_as_the_walk_makes_them():
    """Qualtrics-shaped responses (the bench's and the tests' fake API's): the address hashed,
    the IP address and first name removed, nothing else walked; the text handed on is theirs."""
    for n in range(1, 40):
        raw = {"surveyId": "SV_1", **response(n, comment="Friendly staff" if n % 2 else "")}
        raw["displayedValues"] = {"QID2": [1, 2, 3, 4, 5]}
        scrub = scrubbed_alike(raw, keep=False, fields=RESPONSES)
        result = scrub(raw)
        assert scrub.written(result) is not None, "the short way was taken"
        assert result["values"]["recipientEmail"] == KEYS.pseudonym(f"shopper{n}@example.com")
        assert not {"ipAddress", "recipientFirstName"} & set(result["values"])
        assert result["labels"] is raw["labels"] and result["displayedValues"] is raw["displayedValues"]


def test_what_the_short_way_cannot_tell_goes_through_the_walk():
    """An address in a label, a declared key among the labels or deeper, an ignored question's
    part, a brace in text, an int orjson refuses: the walk's result, and no text handed on."""
    base = {"surveyId": "SV_1", **response(3, comment="fine")}
    cases = [
        ("labels", {"QID2": "a@example.com"}),
        ("labels", {"ipAddress": "x"}),
        ("labels", {"QID2": {"phone": "555 0100"}}),
        ("values", {**base["values"], "QID4_2": 1}),
        ("values", {**base["values"], "note": "{braces}"}),
        ("values", {**base["values"], "big": 2**70}),
        ("displayedFields", [{"recipientEmail": "b@example.com"}]),
    ]
    for key, value in cases:
        raw = {**copy.deepcopy(base), key: value}
        scrub = scrubbed_alike(raw, keep=False)
        assert scrub.written(scrub(raw)) is None, (key, value)
