"""The Snowflake destination plugin (snowflake-connector-python)."""

from cxbridge.hookspecs import hookimpl
from cxbridge.plugins.snowflake.destination import SnowflakeDestination


@hookimpl
def register_destinations(register):
    register(SnowflakeDestination)
