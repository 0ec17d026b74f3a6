"""The BigQuery destination plugin (google-cloud-bigquery)."""

from cxbridge.hookspecs import hookimpl


@hookimpl
def register_destinations(register):
    from cxbridge.plugins.bigquery.destination import BigQueryDestination

    register(BigQueryDestination)
