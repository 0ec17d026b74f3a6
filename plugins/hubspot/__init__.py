"""`hubspot`: survey responses, companies and contacts from HubSpot (see docs/connectors/hubspot.md)."""

from cxbridge.hookspecs import hookimpl
from cxbridge.plugins_host import LazyClass


@hookimpl
def register_sources(register):
    register(LazyClass("hubspot", "cxbridge.plugins.hubspot.source:HubSpotSource"))
