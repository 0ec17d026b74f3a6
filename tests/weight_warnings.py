"""The warning of a survey weight (`cxbridge.detection.weights`) as the user reads it, for the tests
of every source that gives it: files, Qualtrics, SurveyMonkey, QuestionPro."""

from __future__ import annotations


def weight_warning(held_by: str, span: str, name: str) -> str:
    """The warning that `held_by` ("column 'Weight'") holds weights over `span` ("0.5–1.25"),
    ending in the `acknowledged_weights` entry that names field `name`."""
    return (f"{held_by} holds a weight per response ({span}): cxbridge counts each response once, unweighted — "
            "NPS, CSAT % and CES in the report, the views and the ranking are unweighted figures, not the weighted "
            "ones the export may be published with; the weights are kept in attributes for a weighted figure of your "
            "own (docs/report.md#weights); to sync without this warning once read, write "
            f'acknowledged_weights = ["{name}"] in the source\'s table')  # fmt: skip
