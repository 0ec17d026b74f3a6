"""`hubspot`: survey responses, companies and contacts from HubSpot (see docs/connectors/hubspot.md)."""

from cxbridge.hookspecs import hookimpl
from cxbridge.plugins.hubspot.source import HubSpotSource


@hookimpl
def register_sources(register):
    register(HubSpotSource)
