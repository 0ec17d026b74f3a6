"""The BigQuery destination plugin (google-cloud-bigquery)."""

from cxbridge.hookspecs import hookimpl
from cxbridge.plugins_host import LazyClass


@hookimpl
def register_destinations(register):
    register(LazyClass("bigquery", "cxbridge.plugins.bigquery.destination:BigQueryDestination"))
