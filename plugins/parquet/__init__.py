"""The Parquet destination plugin: a Hive-partitioned folder of Parquet files."""

from cxbridge.hookspecs import hookimpl


@hookimpl
def register_destinations(register):
    from cxbridge.plugins.parquet.destination import ParquetDestination

    register(ParquetDestination)
