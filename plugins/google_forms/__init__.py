"""`google_forms`: form responses through the Google Forms API v1 (see docs/connectors/google_forms.md)."""

from cxbridge.hookspecs import hookimpl


@hookimpl
def register_sources(register):
    from cxbridge.plugins.google_forms.source import GoogleFormsSource

    register(GoogleFormsSource)
