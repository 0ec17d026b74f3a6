"""`google_forms`: form responses through the Google Forms API v1 (see docs/connectors/google_forms.md)."""

from cxbridge.hookspecs import hookimpl
from cxbridge.plugins.google_forms.source import GoogleFormsSource


@hookimpl
def register_sources(register):
    register(GoogleFormsSource)
