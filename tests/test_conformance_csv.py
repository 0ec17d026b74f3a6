"""The source conformance suite, run against the built-in `csv` source as any plugin would run it."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from cxbridge.plugins.csv_source import CsvSource
from cxbridge.testing import SourceConformance, SourceUnderTest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


class TestCsvSource(SourceConformance):
    @pytest.fixture
    def source_under_test(self) -> SourceUnderTest:
        config = tomllib.loads((EXAMPLES / "cxbridge.toml").read_text(encoding="utf-8"))
        table = config["sources"]["store_nps"]
        return SourceUnderTest(CsvSource, table, base_dir=EXAMPLES, expected_quarantined=3)
