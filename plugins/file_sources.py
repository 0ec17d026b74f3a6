"""The file connectors `csv`, `excel` and `json` (`cxbridge.plugins.csv_source`, `excel_source`,
`json_source`), registered through the same hook as every plugin. Each module is imported
when its source is first asked for, not when the plugins load (`cxbridge.plugins_host.LazyClass`)."""

from __future__ import annotations

from cxbridge.hookspecs import hookimpl
from cxbridge.plugins_host import LazyClass


@hookimpl
def register_sources(register):
    for name, path in (("csv", "csv_source:CsvSource"), ("excel", "excel_source:ExcelSource"), ("json", "json_source:JsonSource")):
        register(LazyClass(name, f"cxbridge.plugins.{path}", reads_exports=True))
