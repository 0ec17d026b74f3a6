"""What the conformance suite finds wrong in how a source's streams use their cursor: a read that
ignores the saved cursor, and a stream declared sorted whose records do not come ascending by
the cursor. Each function returns the problems found, one message each, saying what to change
(or skips the test, saying why, where the test data cannot tell)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from cxbridge.testing.harness import SourceHarness

_SHOWN = 3


def rereads_from_the_saved_cursor(harness: SourceHarness) -> list[str]:
    """Streams that, after a sync, read as many records from the cursor it saved as from scratch:
    the next sync with nothing new would read everything again (DESIGN §5: it must read only
    what the cursor says is new)."""
    harness.sync()
    saved = harness.saved_cursors()
    problems = []
    for stream in harness.streams():
        whole = len(harness.read_stream(stream.name).ids)
        if whole < 2:  # one record is its own boundary: nothing to tell
            continue
        cursor = saved.get(stream.name)
        if cursor is None:
            problems.append(
                f"stream {stream.name!r} saved no cursor after a sync that read its {whole} records, so every "
                "sync reads them all again: set cursor_field to the raw field that grows with each change "
                "(updated_at), or return the position from advance_cursor/final_cursor"
            )
            continue
        again = len(harness.read_stream(stream.name, cursor).ids)
        if again >= whole:
            problems.append(
                f"stream {stream.name!r} read {again} records from its saved cursor {_short(cursor)} — as many "
                f"as the {whole} of a first read: read(cursor) ignores the cursor. Ask the API only for what "
                "changed since it (updated_since=cursor, a filter or a start page), so that a sync with nothing "
                "new reads (almost) nothing"
            )
    return problems


def sorted_streams_out_of_order(harness: SourceHarness) -> list[str]:
    """Streams declaring `is_sorted` whose cursor, saved where the engine saves it (after a
    batch), would pass over records that came later in the same read: a sync stopped there
    loses them."""
    problems = []
    for stream in harness.streams():
        if not stream.is_sorted:
            continue
        whole = harness.read_stream(stream.name)
        total = len(whole.ids)
        if total < 2:
            continue
        before = (total + 1) // 2  # a batch boundary halfway
        checkpoint = whole.cursors[before - 1]
        if checkpoint is None:
            continue
        seen_again = set(harness.read_stream(stream.name, checkpoint).ids)
        if seen_again and seen_again.isdisjoint(whole.ids):
            continue  # ids that differ from read to read: test_ids_are_deterministic tells
        lost = [native for native in whole.ids[before:] if native is not None and native not in seen_again]
        if lost:
            names = ", ".join(map(repr, lost[:_SHOWN])) + (", …" if len(lost) > _SHOWN else "")
            problems.append(
                f"stream {stream.name!r} declares is_sorted = True (records come ascending by the cursor, so "
                f"cxbridge saves the cursor after every batch), but after its first {before} of {total} records "
                f"the cursor is {_short(checkpoint)}, and a read from there misses {names}, read after them: a "
                "sync stopped at that batch would lose them for good. A stream that comes newest first (or in "
                "no order) must say is_sorted = False — its cursor is then saved once the whole stream is "
                "read — or ask the API for the oldest change first"
            )
    return problems


def _short(cursor: Any, limit: int = 80) -> str:
    text = repr(cursor)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def reads_before_start_date(harness: SourceHarness) -> list[str]:
    """A source whose config has `start_date`, and whose first read gives as many records with
    a start_date after every record's time as without: a user's start_date is ignored. Skipped,
    saying why, when the test data has fewer than 2 records or none with a time."""
    if "start_date" not in harness.under_test.source_class.config_model.model_fields:
        return []
    records = harness.read().records
    times = [time for record in records for time in (record.submitted_at, record.updated_at) if time]
    if len(records) < 2:
        pytest.skip(f"start_date is not tested: the test data gives {len(records)} record(s); give it 2 or more")
    if not times:
        pytest.skip(
            f"start_date is not tested: none of its {len(records)} records carries a time (submitted_at or "
            "updated_at), so no start_date can be set after them; give the test data's records their times"
        )
    start = (max(times) + timedelta(days=2)).date().isoformat()
    after = harness.read(harness.config(start_date=start)).records
    if len(after) < len(records):
        return []
    return [
        f"with start_date = {start!r}, after every record's time, a first read gave {len(after)} records — as "
        f"many as the {len(records)} without it: read(None) ignores start_date. Ask the API only for what "
        "changed since it when there is no cursor yet (ApiSource.start_time() reads it in the source's time zone)"
    ]
