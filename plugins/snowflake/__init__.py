"""The Snowflake destination plugin (snowflake-connector-python)."""

from cxbridge.hookspecs import hookimpl
from cxbridge.plugins_host import LazyClass


@hookimpl
def register_destinations(register):
    register(LazyClass("snowflake", "cxbridge.plugins.snowflake.destination:SnowflakeDestination"))
