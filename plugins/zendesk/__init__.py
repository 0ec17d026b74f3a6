"""`zendesk`: CSAT ratings with ticket context from Zendesk Support (see docs/connectors/zendesk.md)."""

from cxbridge.hookspecs import hookimpl


@hookimpl
def register_sources(register):
    from cxbridge.plugins.zendesk.source import ZendeskSource

    register(ZendeskSource)
