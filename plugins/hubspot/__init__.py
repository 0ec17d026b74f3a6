"""`hubspot`: survey responses, companies and contacts from HubSpot (see docs/connectors/hubspot.md)."""

from cxbridge.hookspecs import hookimpl


@hookimpl
def register_sources(register):
    from cxbridge.plugins.hubspot.source import HubSpotSource

    register(HubSpotSource)
