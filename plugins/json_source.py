"""`json`: JSON and NDJSON response exports — Qualtrics (`{"responses": [...]}` or one response
a line) and SurveyMonkey's responses/bulk — read record by record."""

from __future__ import annotations

from cxbridge.tabular.config import JsonConfig
from cxbridge.tabular.source import FileSource


class JsonSource(FileSource):
    """Responses of JSON exports."""

    name = "json"
    config_model = JsonConfig

