"""`questionpro`: survey responses through the QuestionPro API v2 (see docs/connectors/questionpro.md)."""

from cxbridge.hookspecs import hookimpl
from cxbridge.plugins.questionpro.source import QuestionProSource


@hookimpl
def register_sources(register):
    register(QuestionProSource)
