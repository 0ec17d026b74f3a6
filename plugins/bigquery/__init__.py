"""The BigQuery destination plugin (google-cloud-bigquery)."""

from cxbridge.hookspecs import hookimpl
from cxbridge.plugins.bigquery.destination import BigQueryDestination


@hookimpl
def register_destinations(register):
    register(BigQueryDestination)
