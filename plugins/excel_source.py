"""`excel`: workbooks — xlsx, xlsm, xls, xlsb and ods — every sheet or the named ones, cell
values (not formulas), as plain sheets or as Google Forms, Qualtrics or SurveyMonkey exports."""

from __future__ import annotations

from cxbridge.tabular.config import ExcelConfig
from cxbridge.tabular.source import FileSource


class ExcelSource(FileSource):
    """Rows of workbook sheets."""

    name = "excel"
    config_model = ExcelConfig

