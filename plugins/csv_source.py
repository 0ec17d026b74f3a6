"""`csv`: delimited text files (comma, semicolon, tab; any common encoding), one file, a glob or
a folder, read as plain sheets or as Google Forms, Qualtrics or SurveyMonkey exports.

The mapping keys are those of the first csv source (`columns`, `metrics`, `comments`,
`attributes`, `encoding`, `delimiter`, `timestamp_format`, `timezone`), so older configurations
keep working; see `cxbridge.tabular.config` for the rest.
"""

from __future__ import annotations

from cxbridge.hookspecs import hookimpl
from cxbridge.tabular.config import FIELD_COLUMNS, ColumnMap, CsvConfig, MetricColumn
from cxbridge.tabular.source import FileSource

LOWER_CASE_FIELDS = frozenset({"channel", "status"})  # for mappings of other sources (singer) that share ours


class CsvSource(FileSource):
    """Rows of delimited text files."""

    name = "csv"
    config_model = CsvConfig


@hookimpl
def register_sources(register):
    register(CsvSource)


__all__ = ["FIELD_COLUMNS", "LOWER_CASE_FIELDS", "ColumnMap", "CsvConfig", "CsvSource", "MetricColumn"]
