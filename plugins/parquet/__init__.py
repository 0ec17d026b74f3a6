"""The Parquet destination plugin: a Hive-partitioned folder of Parquet files."""

from cxbridge.hookspecs import hookimpl
from cxbridge.plugins.parquet.destination import ParquetDestination


@hookimpl
def register_destinations(register):
    register(ParquetDestination)
