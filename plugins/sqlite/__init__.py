"""The SQLite destination plugin (the embedded default)."""

from cxbridge.hookspecs import hookimpl
from cxbridge.plugins.sqlite.destination import SQLiteDestination


@hookimpl
def register_destinations(register):
    register(SQLiteDestination)
