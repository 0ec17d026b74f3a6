"""The Snowflake destination plugin (snowflake-connector-python)."""

from cxbridge.hookspecs import hookimpl


@hookimpl
def register_destinations(register):
    from cxbridge.plugins.snowflake.destination import SnowflakeDestination

    register(SnowflakeDestination)
