"""The source conformance suite, run against the built-in `csv` source as any plugin would run it."""

from __future__ import annotations

import csv
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
        [path] = EXAMPLES.glob(table["path"])
        with path.open(encoding="utf-8") as file:
            emails = [row["Email"] for row in csv.DictReader(file) if row["Email"]]
        assert len(emails) > 100
        return SourceUnderTest(CsvSource, table, base_dir=EXAMPLES, expected_quarantined=3, personal_data=emails)
