"""`zendesk`: CSAT ratings with ticket context from Zendesk Support (see docs/connectors/zendesk.md)."""

from cxbridge.hookspecs import hookimpl
from cxbridge.plugins_host import LazyClass


@hookimpl
def register_sources(register):
    register(LazyClass("zendesk", "cxbridge.plugins.zendesk.source:ZendeskSource"))
