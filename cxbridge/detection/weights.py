"""A column of survey weights ("Weight", "weight_final", "Gewichtung"): a weighted or quota'd
export's weight per response. Every metric counts each response once, unweighted, so such a column
is named with what that means for the figures — in `inspect`, the import and a sync whose mapping
leaves it out — never applied and never dropped without a word (docs/report.md#weights), until the
source's `acknowledged_weights` names it: the user has read the warning."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any

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
ACKNOWLEDGED = "acknowledged_weights"  # the `[sources.NAME]` key
_EXAMPLE = f'e.g. {ACKNOWLEDGED} = ["weight_final"]'


def names_weight(name: str) -> bool:
    """Whether a header or field name (an export's column, an API's embedded data or custom
    variable) names a survey weight and nothing else: "Weight_final" does, "Parcel weight" and
    "Weight (kg)" name other things."""
    words = {word.lower() for word in _WORDS.findall(name)}
    return bool(words & _WEIGHT) and not words - _WEIGHT - _QUALIFIERS


def weight_warning(profile: ColumnProfile, *, acknowledged: Collection[str] = ()) -> str | None:
    """The warning of a column whose header names a survey weight (`names_weight`) and whose
    answers are differing numbers none below 0, unless `acknowledged` names it."""
    numbers, name = profile.numbers, profile.column.label
    if not names_weight(name) or not numbers or len(numbers) < 0.9 * profile.answered:
        return None
    if is_acknowledged(name, acknowledged):
        return None
    return weights_warning(f"column {name!r}", name, numbers)


def weights_warning(held_by: str, name: str, numbers: Sequence[float]) -> str | None:
    """The warning that `held_by` (a column, an embedded data field) holds weights `numbers`, ending
    in the `acknowledged_weights` entry that keeps field `name` without it — None when they are no
    weights: one below 0, or all the same."""
    if min(numbers) < 0 or len(set(numbers)) < 2:
        return None
    span = f"{written_number(min(numbers))}–{written_number(max(numbers))}"
    return (f"{held_by} holds a weight per response ({span}): cxbridge counts each response "
            "once, unweighted — NPS, CSAT % and CES in the report, the views and the ranking are unweighted figures, "
            "not the weighted ones the export may be published with; the weights are kept in attributes for a "
            f"weighted figure of your own (docs/report.md#weights); to sync without this warning once read, write "
            f"{ACKNOWLEDGED} = [{json.dumps(name, ensure_ascii=False)}] in the source's table")  # fmt: skip


def acknowledgeable(names: Any) -> list[str]:
    """A source's `acknowledged_weights` as the config gives it: a list of the fields whose weight
    warning the user has read, each named as a weight (`names_weight`) — a misspelt one is refused,
    as it would silence nothing."""
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise ValueError(f"write a list of the fields the source's weight warnings quote, {_EXAMPLE}")
    if wrong := [name for name in names if not names_weight(name)]:
        raise ValueError(f"{', '.join(map(repr, wrong))} names no survey weight (Weight, weight_final, Gewichtung, …), "
                         f"so no weight warning quotes it: write each field as its warning quotes it, {_EXAMPLE}")  # fmt: skip
    return names


def is_acknowledged(name: str, acknowledged: Collection[str]) -> bool:
    """Whether `acknowledged` (a source's `acknowledged_weights`) names field `name`, in any case."""
    return name.casefold() in {known.casefold() for known in acknowledged}


class WeightFields:
    """The fields of an API's responses (Qualtrics embedded data, SurveyMonkey and QuestionPro custom
    variables) that name a survey weight, each with the lowest and highest number it held over a
    read, and their warnings: the file rule's, for records that come without a column to profile."""

    def __init__(self, kind: str, *, acknowledged: Collection[str] = ()):
        self.kind = kind  # "embedded data", what `warnings` names a field as
        self.acknowledged = acknowledged  # the source's acknowledged_weights: not followed
        self._named: dict[str, bool] = {}
        self._spans: dict[str, list[float] | None] = {}  # a named field → [lowest, highest]; None: a value no number

    def named(self, key: str) -> bool:
        """Whether field `key` names a weight; its numbers are followed (`see`) from then on,
        unless it is acknowledged."""
        found = self._named.get(key)
        if found is None:
            found = self._named[key] = names_weight(key)
            if found and not is_acknowledged(key, self.acknowledged):
                self._spans[key] = []
        return found

    def see(self, values: Mapping[str, Any]) -> None:
        """Follows the numbers of a response's `values` under the named fields (most surveys have none)."""
        for key, span in self._spans.items():
            if span is not None and key in values:
                self._spans[key] = _spanned(span, values[key])

    def read(self, values: Mapping[str, Any]) -> None:
        """`see`, each field of `values` `named` first: for a reader that does not sort a response's
        fields once per key."""
        for key in values:
            self.named(key)
        self.see(values)

    def warnings(self) -> list[str]:
        return [warning for key, span in self._spans.items()
                if span and (warning := weights_warning(f"{self.kind} {key!r}", key, span))]  # fmt: skip


def _spanned(span: list[float], value: Any) -> list[float] | None:
    """`span` (lowest, highest; empty: none yet) with `value` — a number or one written as text —
    or None: a value that is no number."""
    try:
        number = float(value) if type(value) in (int, float, str) else math.nan
    except ValueError:
        return None
    if not math.isfinite(number):
        return None
    return [min(span[0], number), max(span[1], number)] if span else [number, number]
