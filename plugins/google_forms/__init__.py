"""`google_forms`: form responses through the Google Forms API v1 (see docs/connectors/google_forms.md)."""

from cxbridge.hookspecs import hookimpl
from cxbridge.plugins_host import LazyClass


@hookimpl
def register_sources(register):
    register(LazyClass("google_forms", "cxbridge.plugins.google_forms.source:GoogleFormsSource"))
