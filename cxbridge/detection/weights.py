"""A column of survey weights ("Weight", "weight_final", "Gewichtung"): a weighted or quota'd
export's weight per response. Every metric counts each response once, unweighted, so such a column
is named with what that means for the figures — in `inspect`, the import and a sync whose mapping
leaves it out — never applied and never dropped without a word (docs/report.md#weights)."""

from __future__ import annotations

import re
from collections.abc import Sequence

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


def names_weight(name: str) -> bool:
    """Whether a header or field name (an export's column, an API's embedded data or custom
    variable) names a survey weight and nothing else: "Weight_final" does, "Parcel weight" and
    "Weight (kg)" name other things."""
    words = {word.lower() for word in _WORDS.findall(name)}
    return bool(words & _WEIGHT) and not words - _WEIGHT - _QUALIFIERS


def weight_warning(profile: ColumnProfile) -> str | None:
    """The warning of a column whose header names a survey weight (`names_weight`) and whose
    answers are differing numbers none below 0."""
    numbers = profile.numbers
    if not names_weight(profile.column.label) or not numbers or len(numbers) < 0.9 * profile.answered:
        return None
    return weights_warning(f"column {profile.column.label!r}", numbers,
                           "list the column under attributes to keep it without this warning")  # fmt: skip


def weights_warning(held_by: str, numbers: Sequence[float], fix: str) -> str | None:
    """The warning that `held_by` (a column, an embedded data field) holds weights `numbers`, and
    `fix`, what silences it — None when they are no weights: one below 0, or all the same."""
    if min(numbers) < 0 or len(set(numbers)) < 2:
        return None
    span = f"{written_number(min(numbers))}–{written_number(max(numbers))}"
    return (f"{held_by} holds a weight per response ({span}): cxbridge counts each response "
            "once, unweighted — NPS, CSAT % and CES in the report, the views and the ranking are unweighted figures, "
            "not the weighted ones the export may be published with; the weights are kept in attributes for a "
            f"weighted figure of your own (docs/report.md#weights); {fix}")  # fmt: skip
