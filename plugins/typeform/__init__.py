"""`typeform`: form responses through the Typeform Responses API (see docs/connectors/typeform.md)."""

from cxbridge.hookspecs import hookimpl


@hookimpl
def register_sources(register):
    from cxbridge.plugins.typeform.source import TypeformSource

    register(TypeformSource)
