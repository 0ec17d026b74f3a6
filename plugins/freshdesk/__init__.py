"""`freshdesk`: CSAT ratings with ticket context from Freshdesk (see docs/connectors/freshdesk.md)."""

from cxbridge.hookspecs import hookimpl


@hookimpl
def register_sources(register):
    from cxbridge.plugins.freshdesk.source import FreshdeskSource

    register(FreshdeskSource)
