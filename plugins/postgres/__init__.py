"""The PostgreSQL destination plugin (psycopg 3)."""

from cxbridge.hookspecs import hookimpl


@hookimpl
def register_destinations(register):
    from cxbridge.plugins.postgres.destination import PostgresAliasDestination, PostgresDestination

    register(PostgresDestination)
    register(PostgresAliasDestination)
