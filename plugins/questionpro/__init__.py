"""`questionpro`: survey responses through the QuestionPro API v2 (see docs/connectors/questionpro.md)."""

from cxbridge.hookspecs import hookimpl
from cxbridge.plugins_host import LazyClass


@hookimpl
def register_sources(register):
    register(LazyClass("questionpro", "cxbridge.plugins.questionpro.source:QuestionProSource"))
