"""The csv, excel and json sources pass the source conformance suite every plugin runs."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from cxbridge.plugins.csv_source import CsvSource
from cxbridge.plugins.excel_source import ExcelSource
from cxbridge.plugins.json_source import JsonSource

from cxbridge.testing import SourceConformance, SourceUnderTest
from tests.sqlite_runs import copy_sample
from tests.workbooks import write_xlsx

MAPPING = {
    "columns": {"submitted_at": "Submitted", "location_name": "Store", "comment": "Comment", "phone": "Phone"},
    "metrics": [{"column": "How likely are you to recommend us?", "metric": "nps"}],
    "personal": ["Full name"], "ignore": ["IP"],
}
ROWS = [
    ["Submitted", "Store", "How likely are you to recommend us?", "Comment", "Phone", "Full name", "IP", "Contact"],
    *[[datetime(2024, 4, n, 10), f"Store {n % 2}", n % 11, f"visit {n}", f"+48 600 100 20{n}", f"Zofia Nowak-{n}",
       f"192.0.2.{n}", f"zofia{n}@example.com"] for n in range(1, 9)],
]  # fmt: skip
PERSONAL = [value for row in ROWS[1:] for value in row[4:]]


class TestCsvSource(SourceConformance):
    @pytest.fixture
    def source_under_test(self, tmp_path: Path) -> SourceUnderTest:
        lines = [";".join(str(cell) for cell in row) for row in ROWS]
        (tmp_path / "responses.csv").write_bytes("\n".join(lines).encode("cp1250"))
        return SourceUnderTest(CsvSource, {"path": "responses.csv", **MAPPING}, base_dir=tmp_path, personal_data=PERSONAL)


class TestExcelSource(SourceConformance):
    @pytest.fixture
    def source_under_test(self, tmp_path: Path) -> SourceUnderTest:
        write_xlsx(tmp_path / "responses.xlsx", {"2024": ROWS, "Chart": [["totals only"]]})
        return SourceUnderTest(ExcelSource, {"path": "*.xlsx", **MAPPING}, base_dir=tmp_path, personal_data=PERSONAL)


class TestJsonSource(SourceConformance):
    @pytest.fixture
    def source_under_test(self, tmp_path: Path) -> SourceUnderTest:
        copy_sample("roumaya_318754279_responses_bulk.json", tmp_path)
        copy_sample("roumaya_318754279_details.json", tmp_path)
        config = {
            "path": "roumaya_318754279_responses_bulk.json", "definition": "roumaya_318754279_details.json",
            "columns": {"id": "id", "submitted_at": "date_modified", "status": "response_status"},
            "questions": ["769893650"], "comments": ["769893903"],
        }  # fmt: skip
        return SourceUnderTest(JsonSource, config, base_dir=tmp_path, personal_data=["100.34.161.38"],
                               unscored_streams={"rows"})  # its two questions are kept unscored
