"""The line each key of a config text is written on, named as validation names keys."""

from __future__ import annotations

from cxbridge.config_lines import key_lines, on_line, written_twice

TEXT = '''[settings]
timezone = "UTC"   # a comment
[sources.a]
connector = "csv"
columns.id = "Response ID"
"quoted key" = 1
note = """
fake = 1
"""
[[sources.a.metrics]]
column = "q1"
[[sources.a.metrics]]
column = "q2"
labels = { Good = 5 }
[sources.a.metrics.options]
depth = 2
'''


def test_each_key_is_on_its_line_array_entries_counted_from_zero():
    lines = key_lines(TEXT)
    assert {key: lines[key] for key in ("settings.timezone", "sources.a.connector", "sources.a.columns.id",
                                        "sources.a.quoted key", "sources.a.note", "sources.a.metrics.0.column",
                                        "sources.a.metrics.1.column", "sources.a.metrics.1.options.depth")} == {
        "settings.timezone": 2, "sources.a.connector": 4, "sources.a.columns.id": 5, "sources.a.quoted key": 6,
        "sources.a.note": 7, "sources.a.metrics.0.column": 11, "sources.a.metrics.1.column": 13,
        "sources.a.metrics.1.options.depth": 16}  # fmt: skip
    assert "sources.a.fake" not in lines  # inside a multi-line string


def test_a_key_inside_an_inline_table_or_missing_takes_the_line_holding_it():
    lines = key_lines(TEXT)
    assert on_line("sources.a.metrics.1.labels.Good", lines) == " (line 14)"
    assert on_line("sources.a.path", lines) == " (line 3)"
    assert on_line("nowhere", lines) == ""


def test_a_key_written_twice_names_both_lines():
    assert written_twice(TEXT) is None
    assert written_twice('[s]\nx = 1\ny = 2\nx = 3\n') == "s.x is written twice (lines 2 and 4)"
