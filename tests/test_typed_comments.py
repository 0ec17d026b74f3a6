"""A comment answer typed as a number or a date — a workbook cell that reads `42`, a JSON export
writing `"comment": 42` — is a comment with that text, on every path a record is built by (the
compiled rows of files, the record builder of API sources); a blank, a yes/no value, a list or
an object is none. Before, such comments were dropped from `feedback.comment` and
`feedback_comments` while `answers` kept them."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from cxbridge.normalize import AnswerInput, RecordBuilder
from cxbridge.sources import SourceConfig, SourceContext
from tests.sqlite_runs import query, sync_source
from tests.test_file_sources import EXCEL_SOURCE, HEADER
from tests.workbooks import write_xlsx

TYPED = [42, 3.5, datetime(2024, 5, 1), "  fine  ", None, True]
TEXTS = ["42", "3.5", "2024-05-01", "fine", None, None]  # the day: Excel's date cell at midnight reads as one


def comments_stored(folder: Path) -> tuple[list[tuple], list[tuple]]:
    column = query(folder, "SELECT comment FROM feedback ORDER BY submitted_at")
    listed = query(folder, "SELECT c.text FROM feedback_comments c JOIN feedback f USING (record_id) "
                           "ORDER BY f.submitted_at")  # fmt: skip
    return column, listed


def test_a_workbook_comment_typed_as_a_number_or_a_date_is_kept_as_its_text(tmp_path):
    rows = [[datetime(2024, 5, 1 + n, 10), "S1", 9, "Satisfied", comment] for n, comment in enumerate(TYPED)]
    write_xlsx(tmp_path / "nps_typed.xlsx", {"Q1": [HEADER, *rows]})
    assert sync_source(tmp_path, EXCEL_SOURCE).written == len(rows)
    assert comments_stored(tmp_path) == ([(t,) for t in TEXTS], [(t,) for t in TEXTS if t is not None])


def test_a_json_comment_typed_as_a_number_is_kept_as_its_text(tmp_path):
    values = [42, 3.5, "  fine  ", None, True, ["a", "b"], {"text": "x"}, 1e16]
    records = [{"id": str(n), "submitted": f"2024-05-{n + 1:02d}T10:00:00Z", "nps": 9, "comment": value}
               for n, value in enumerate(values)]  # fmt: skip
    (tmp_path / "responses.json").write_text(json.dumps(records), encoding="utf-8")
    source = {"connector": "json", "path": "responses.json", "timezone": "UTC",
              "columns": {"id": "id", "submitted_at": "submitted", "comment": "comment"},
              "metrics": [{"column": "nps", "metric": "nps"}]}  # fmt: skip
    assert sync_source(tmp_path, source).written == len(values)
    texts = ["42", "3.5", "fine", None, None, None, None, "1e+16"]
    assert comments_stored(tmp_path) == ([(t,) for t in texts], [(t,) for t in texts if t is not None])


@pytest.mark.parametrize(
    ("value", "text"),
    [(42, "42"), (-0.25, "-0.25"), (Decimal("7.10"), "7.10"), (date(2024, 5, 1), "2024-05-01"),
     ("\n  kept \t", "kept"), ("   ", None), (False, None), (float("inf"), None), ([1], None), ({"a": 1}, None)],
)  # fmt: skip
def test_the_record_builder_of_api_sources_reads_comments_alike(value, text):
    builder = RecordBuilder(context=SourceContext("api", Path(".")), config=SourceConfig(connector="api"),
                            connector="api", stream="responses")  # fmt: skip
    record = builder.build(native_id="1", raw={}, submitted_at=datetime(2025, 1, 1, tzinfo=timezone.utc),
                           answers=[AnswerInput("q_comment", value, "Anything else?", is_comment=True)])  # fmt: skip
    assert record.comment == text
    assert [c.text for c in record.comments] == ([] if text is None else [text])
