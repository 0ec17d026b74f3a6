"""The DuckDB destination plugin: one embedded analytical database file."""

from cxbridge.hookspecs import hookimpl
from cxbridge.plugins.duckdb.destination import DuckDBDestination


@hookimpl
def register_destinations(register):
    register(DuckDBDestination)
