"""`freshdesk`: CSAT ratings with ticket context from Freshdesk (see docs/connectors/freshdesk.md)."""

from cxbridge.hookspecs import hookimpl
from cxbridge.plugins.freshdesk.source import FreshdeskSource


@hookimpl
def register_sources(register):
    register(FreshdeskSource)
