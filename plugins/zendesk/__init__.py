"""`zendesk`: CSAT ratings with ticket context from Zendesk Support (see docs/connectors/zendesk.md)."""

from cxbridge.hookspecs import hookimpl
from cxbridge.plugins.zendesk.source import ZendeskSource


@hookimpl
def register_sources(register):
    register(ZendeskSource)
