"""`typeform`: form responses through the Typeform Responses API (see docs/connectors/typeform.md)."""

from cxbridge.hookspecs import hookimpl
from cxbridge.plugins.typeform.source import TypeformSource


@hookimpl
def register_sources(register):
    register(TypeformSource)
