"""`typeform`: form responses through the Typeform Responses API (see docs/connectors/typeform.md)."""

from cxbridge.hookspecs import hookimpl
from cxbridge.plugins_host import LazyClass


@hookimpl
def register_sources(register):
    register(LazyClass("typeform", "cxbridge.plugins.typeform.source:TypeformSource"))
