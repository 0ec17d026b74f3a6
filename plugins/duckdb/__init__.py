"""The DuckDB destination plugin: one embedded analytical database file."""

from cxbridge.hookspecs import hookimpl
from cxbridge.plugins_host import LazyClass


@hookimpl
def register_destinations(register):
    register(LazyClass("duckdb", "cxbridge.plugins.duckdb.destination:DuckDBDestination"))
