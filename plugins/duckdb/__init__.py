"""The DuckDB destination plugin: one embedded analytical database file."""

from cxbridge.hookspecs import hookimpl


@hookimpl
def register_destinations(register):
    from cxbridge.plugins.duckdb.destination import DuckDBDestination

    register(DuckDBDestination)
