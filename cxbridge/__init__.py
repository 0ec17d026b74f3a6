"""cxbridge: NPS, CSAT, CES, mystery-shop and audit feedback from every tool, in one live dataset.

The API mirrors the CLI: `cxbridge.sync()`, `cxbridge.report()`, `cxbridge.status()`, … .
Importing cxbridge loads no plugins and touches no files.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from cxbridge.errors import (
    ConfigError,
    CxbridgeError,
    DataError,
    DestinationError,
    FatalSourceError,
    SourceError,
    TransientSourceError,
)
from cxbridge.hookspecs import hookimpl

__version__ = "0.1.0"

_API = {
    "cases_assign", "cases_deliver", "cases_list", "cases_show", "cases_update", "loop_report", "check", "erase", "import_", "init", "inspect", "plugin_new", "plugins", "quarantine_list", "quarantine_replay", "remove", "report", "report_html", "report_undated", "schema", "status", "sync",
    "SyncResult", "StatusReport", "SourceCheck", "open_destination",
}  # fmt: skip


def __getattr__(name: str) -> Any:
    if name == "plugins":  # the package of the built-in connectors, which answers the call as well
        return import_module("cxbridge.plugins")
    if name in _API:
        return getattr(import_module("cxbridge.api"), name)
    raise AttributeError(f"module 'cxbridge' has no attribute {name!r}")


__all__ = [
    "ConfigError",
    "CxbridgeError",
    "DataError",
    "DestinationError",
    "FatalSourceError",
    "SourceError",
    "TransientSourceError",
    "hookimpl",
    *sorted(_API),
]
