"""A column of survey weights ("Weight", "weight_final", "Gewichtung"): a weighted or quota'd
export's weight per response. Every metric counts each response once, unweighted, so such a column
is named with what that means for the figures — in `inspect`, the import and a sync whose mapping
leaves it out — never applied and never dropped without a word (docs/report.md#weights)."""

from __future__ import annotations

import re

from cxbridge.detection.profile import ColumnProfile
from cxbridge.detection.scale_fit import written_number

_WEIGHT = frozenset({"weight", "weights", "weighting", "wgt", "wt", "gewicht", "gewichtung", "gewichtungsfaktor",
                     "poids", "pondération", "ponderation", "peso", "ponderación", "ponderacion", "ponderação",
                     "ponderacao", "waga", "wagi", "вес", "веса"})  # fmt: skip
_QUALIFIERS = frozenset({"final", "design", "rim", "survey", "sample", "sampling", "response", "respondent", "post",
                         "poststrat", "stratification", "trimmed", "raking", "rake", "base", "case", "cell", "quota",
                         "factor", "faktor", "total", "adj", "adjusted", "nonresponse", "de", "la", "of", "w", "var",
                         "finale", "endgültige"})  # fmt: skip
_WORDS = re.compile(r"[^\W\d_]+")


def weight_warning(profile: ColumnProfile) -> str | None:
    """The warning of a column whose header names a survey weight and nothing else ("Parcel weight",
    "Weight (kg)" name other things) and whose answers are differing numbers none below 0."""
    words = {word.lower() for word in _WORDS.findall(profile.column.label)}
    if not words & _WEIGHT or words - _WEIGHT - _QUALIFIERS:
        return None
    numbers = profile.numbers
    if not numbers or len(numbers) < 0.9 * profile.answered or min(numbers) < 0 or len(set(numbers)) < 2:
        return None
    span = f"{written_number(min(numbers))}–{written_number(max(numbers))}"
    return (f"column {profile.column.label!r} holds a weight per response ({span}): cxbridge counts each response "
            "once, unweighted — NPS, CSAT % and CES in the report, the views and the ranking are unweighted figures, "
            "not the weighted ones the export may be published with; the weights are kept in attributes for a "
            "weighted figure of your own (docs/report.md#weights); list the column under attributes to keep it "
            "without this warning")  # fmt: skip
