"""The Parquet destination plugin: a Hive-partitioned folder of Parquet files."""

from cxbridge.hookspecs import hookimpl
from cxbridge.plugins_host import LazyClass


@hookimpl
def register_destinations(register):
    register(LazyClass("parquet", "cxbridge.plugins.parquet.destination:ParquetDestination"))
