"""`csv`: delimited text files (comma, semicolon, tab; any common encoding), one file, a glob or
a folder, read as plain sheets or as Google Forms, Qualtrics or SurveyMonkey exports.

The mapping keys are those of the first csv source (`columns`, `metrics`, `comments`,
`attributes`, `encoding`, `delimiter`, `timestamp_format`, `timezone`), so older configurations
keep working; see `cxbridge.tabular.config` for the rest.
"""

from __future__ import annotations

from cxbridge.tabular.config import CsvConfig
from cxbridge.tabular.source import FileSource


class CsvSource(FileSource):
    """Rows of delimited text files."""

    name = "csv"
    config_model = CsvConfig


__all__ = ["CsvConfig", "CsvSource"]
