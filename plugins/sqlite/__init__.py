"""The SQLite destination plugin (the embedded default)."""

from cxbridge.hookspecs import hookimpl


@hookimpl
def register_destinations(register):
    from cxbridge.plugins.sqlite.destination import SQLiteDestination

    register(SQLiteDestination)
