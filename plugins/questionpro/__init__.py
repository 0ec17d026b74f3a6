"""`questionpro`: survey responses through the QuestionPro API v2 (see docs/connectors/questionpro.md)."""

from cxbridge.hookspecs import hookimpl


@hookimpl
def register_sources(register):
    from cxbridge.plugins.questionpro.source import QuestionProSource

    register(QuestionProSource)
