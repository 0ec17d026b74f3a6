"""`surveymonkey`: survey responses through the SurveyMonkey API v3 (see docs/connectors/surveymonkey.md)."""

from cxbridge.hookspecs import hookimpl
from cxbridge.plugins_host import LazyClass


@hookimpl
def register_sources(register):
    register(LazyClass("surveymonkey", "cxbridge.plugins.surveymonkey.source:SurveyMonkeySource"))
