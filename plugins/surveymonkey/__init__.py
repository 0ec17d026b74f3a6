"""`surveymonkey`: survey responses through the SurveyMonkey API v3 (see docs/connectors/surveymonkey.md)."""

from cxbridge.hookspecs import hookimpl


@hookimpl
def register_sources(register):
    from cxbridge.plugins.surveymonkey.source import SurveyMonkeySource

    register(SurveyMonkeySource)
