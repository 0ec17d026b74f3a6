"""JSON from sources holding a lone UTF-16 surrogate (`"\\ud83d"`: an emoji cut in half by the
sender) is read with U+FFFD in its place, so the record syncs instead of failing the source —
from a JSON-lines file, a JSON array (the orjson runs refuse it), and an API through real HTTP."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from cxbridge.json_input import parsed_json
from tests.freshdesk_api import freshdesk, rating, support_helpdesk
from tests.sqlite_runs import query, sync_source
from tests.test_freshdesk_source import entry, no_waiting  # noqa: F401  (the fixture, used by name)

CUT_EMOJI = "\ud83d"  # the first half of 😀 (U+1F600), without its second


def replaced(text: str) -> str:
    """`text` with each high-low pair of surrogates as the character it encodes and any other
    surrogate as U+FFFD (the expectation, worked out code point by code point)."""
    out, i = [], 0
    while i < len(text):
        code = ord(text[i])
        low = ord(text[i + 1]) if i + 1 < len(text) else 0
        if 0xD800 <= code <= 0xDBFF and 0xDC00 <= low <= 0xDFFF:
            out.append(chr(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)))
            i += 2
            continue
        out.append("\ufffd" if 0xD800 <= code <= 0xDFFF else text[i])
        i += 1
    return "".join(out)


def test_a_lone_surrogate_becomes_the_replacement_character_and_a_pair_stays_one_emoji():
    text = json.dumps({"a\udfff": ["x\ud83dy", "\ud83d\ude00", "plain"], "n": 1})  # ensure_ascii: all escaped
    assert parsed_json(text) == {"a\ufffd": ["x\ufffdy", "😀", "plain"], "n": 1}
    assert parsed_json(text.encode()) == parsed_json(text)
    cesu = '{"t": "\ud83d\ude00 \ud83d"}'.encode("utf-8", "surrogatepass")  # surrogates as UTF-8 would write them
    assert parsed_json(cesu) == {"t": "😀 \ufffd"}
    assert parsed_json(r'{"t": "\\ud800 is how it is written"}') == {"t": "\\ud800 is how it is written"}


TEXTS = st.text(st.sampled_from('\ud83d\ude00\udfff\ud800a\\"é😀') | st.characters(exclude_categories=[]))
VALUES = st.recursive(st.none() | st.booleans() | st.integers() | TEXTS,
                      lambda inner: st.lists(inner) | st.dictionaries(TEXTS, inner), max_leaves=12)  # fmt: skip


def written_with_surrogates(value) -> list[str | bytes]:
    """`value` as JSON text with its surrogates escaped, as themselves, and in CESU-8 bytes."""
    text = json.dumps(value, ensure_ascii=False)
    return [json.dumps(value), json.dumps(value).encode(), text, text.encode("utf-8", "surrogatepass")]


@given(VALUES)
def test_any_json_reads_as_json_does_but_for_surrogates_and_always_encodes_to_utf8(value):
    for text in written_with_surrogates(value):
        got = parsed_json(text)
        json.dumps(got, ensure_ascii=False).encode("utf-8")  # raises on any surrogate left
        assert got == _replaced_everywhere(json.loads(text))
        if not any(0xD800 <= ord(c) <= 0xDFFF for c in json.dumps(value, ensure_ascii=False)):
            assert got == json.loads(text)


def _replaced_everywhere(value):
    if isinstance(value, str):
        return replaced(value)
    if isinstance(value, dict):
        return {replaced(k): _replaced_everywhere(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_replaced_everywhere(v) for v in value]
    return value


JSON_SOURCE = {"connector": "json", "timezone": "UTC",
               "columns": {"id": "id", "submitted_at": "submitted", "email": "email", "comment": "comment"},
               "metrics": [{"column": "nps", "metric": "nps"}]}  # fmt: skip


def responses(email: str, comment: str, count: int = 30) -> list[dict[str, str]]:
    return [{"id": str(n), "submitted": "2026-05-02T10:00:00Z", "nps": str(n % 11),
             "email": email if n == 7 else f"r{n}@example.com", "comment": comment if n == 7 else f"fine {n}"}
            for n in range(1, count + 1)]  # fmt: skip


def stored(tmp_path) -> list[tuple]:
    return query(
        tmp_path, "SELECT source_record_id, respondent_key, comment FROM feedback ORDER BY 0 + source_record_id"
    )


def test_a_cut_emoji_in_a_json_lines_file_or_array_syncs_like_the_replacement_character(tmp_path):
    cut = responses(f"ann{CUT_EMOJI}@example.com", f"great service {CUT_EMOJI}")
    whole = responses("ann\ufffd@example.com", "great service \ufffd")
    for suffix in ("jsonl", "json"):  # lines, and an array (whose record orjson refuses: json reads it)
        for name, records in (("cut", cut), ("whole", whole)):
            folder = tmp_path / suffix / name
            folder.mkdir(parents=True)
            lines = "".join(json.dumps(r) + "\n" for r in records)
            (folder / f"responses.{suffix}").write_text(lines if suffix == "jsonl" else json.dumps(records, indent=1))
            result = sync_source(folder, {**JSON_SOURCE, "path": f"responses.{suffix}"}, shared_salt=True)
            assert (result.status, result.written, result.quarantined) == ("success", 30, 0), result.error
        assert stored(tmp_path / suffix / "cut") == stored(tmp_path / suffix / "whole")
        [(_, _, comment)] = [row for row in stored(tmp_path / suffix / "cut") if row[0] == "7"]
        assert comment == "great service \ufffd"


def test_a_cut_emoji_in_an_api_answer_syncs(tmp_path, no_waiting):  # noqa: F811
    helpdesk = support_helpdesk()
    helpdesk.ratings[0] = rating(1, 103, feedback=f"Super quick {CUT_EMOJI}", extra={"question_4": 103})
    with freshdesk(helpdesk) as api:  # the fake writes JSON with ensure_ascii: the half as \ud83d
        result = sync_source(tmp_path, entry(api.url), name="helpdesk")
    assert (result.status, result.written) == ("success", 4), result.error
    assert query(tmp_path, "SELECT comment FROM feedback WHERE source_record_id = '9101'") == [("Super quick \ufffd",)]
