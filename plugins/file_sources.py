"""The file connectors `csv`, `excel` and `json` (`cxbridge.plugins.csv_source`, `excel_source`,
`json_source`), registered through the same hook as every plugin. Their modules are imported
when the sources are first asked for, not when the plugins load, so that `cxbridge --help` and
`--version` stay quick."""

from __future__ import annotations

from cxbridge.hookspecs import hookimpl


@hookimpl
def register_sources(register):
    from cxbridge.plugins.csv_source import CsvSource
    from cxbridge.plugins.excel_source import ExcelSource
    from cxbridge.plugins.json_source import JsonSource

    for source in (CsvSource, ExcelSource, JsonSource):
        register(source)
