"""Record ids made from a copied prefix hash (issue 19) are the ids of `feedback.record_id`:
BLAKE2b (16 bytes) of source, stream and native id joined by the unit separator."""

import hashlib
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from cxbridge.identity import record_id, record_ids
from cxbridge.normalize import RecordBuilder
from cxbridge.sources import SourceConfig, SourceContext


def _expected(source: str, stream: str, native: str) -> str:
    return hashlib.blake2b(f"{source}\x1f{stream}\x1f{native}".encode(), digest_size=16).hexdigest()


@given(st.text(min_size=1), st.text(min_size=1), st.lists(st.text(), min_size=1, max_size=5))
def test_prefixed_ids_are_the_record_ids(source: str, stream: str, natives: list[str]) -> None:
    make = record_ids(source, stream)
    for native in natives:  # one prefix, several ids: the copy leaves the prefix as it was
        assert make(native) == record_id(source, stream, native) == _expected(source, stream, native)


def test_builder_ids() -> None:
    builder = RecordBuilder(
        context=SourceContext(name="shop", base_dir=Path(".")),
        config=SourceConfig(connector="csv"),
        connector="csv",
        stream="rows",
    )
    assert builder.record_id("R1") == _expected("shop", "rows", "R1")
    assert builder.record_id("R2") == _expected("shop", "rows", "R2")
