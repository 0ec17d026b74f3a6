"""The PostgreSQL destination plugin (psycopg 3)."""

from cxbridge.hookspecs import hookimpl
from cxbridge.plugins.postgres.destination import PostgresAliasDestination, PostgresDestination


@hookimpl
def register_destinations(register):
    register(PostgresDestination)
    register(PostgresAliasDestination)
