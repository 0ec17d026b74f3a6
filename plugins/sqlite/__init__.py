"""The SQLite destination plugin (the embedded default)."""

from cxbridge.hookspecs import hookimpl
from cxbridge.plugins_host import LazyClass


@hookimpl
def register_destinations(register):
    register(LazyClass("sqlite", "cxbridge.plugins.sqlite.destination:SQLiteDestination"))
