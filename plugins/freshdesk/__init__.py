"""`freshdesk`: CSAT ratings with ticket context from Freshdesk (see docs/connectors/freshdesk.md)."""

from cxbridge.hookspecs import hookimpl
from cxbridge.plugins_host import LazyClass


@hookimpl
def register_sources(register):
    register(LazyClass("freshdesk", "cxbridge.plugins.freshdesk.source:FreshdeskSource"))
