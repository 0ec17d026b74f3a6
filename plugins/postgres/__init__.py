"""The PostgreSQL destination plugin (psycopg 3)."""

from cxbridge.hookspecs import hookimpl
from cxbridge.plugins_host import LazyClass


@hookimpl
def register_destinations(register):
    register(LazyClass("postgresql", "cxbridge.plugins.postgres.destination:PostgresDestination"))
    register(LazyClass("postgres", "cxbridge.plugins.postgres.destination:PostgresAliasDestination"))
