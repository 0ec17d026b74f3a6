"""An answer written as a number beside a scale's words whose number and words stand at opposite
ends of the scale ('1 - Very dissatisfied' read lower-is-better): the source numbers the scale the
other way round, and the number would score the answer as its opposite. A file's cell
(`tabular.scale_checks.check_order`) and an API's answer (`questions.QuestionPlan.answer`) are
refused alike, with the same reason and advice."""

from __future__ import annotations

import re
from collections.abc import Mapping

from cxbridge.detection import labels as builtin
from cxbridge.metrics import MetricSpec
from cxbridge.scales import Direction

TRAILING_NUMBER = re.compile(r"^(\D*?)\s*[-–—:=]\s*(\d+(?:[.,]\d+)?)\s*$")  # "Neutral - 3"
_LEADING_NUMBER = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(?:[-–—=:.)/]\s*|\s+)(\D.*?)\s*$")  # "5 - Very dissatisfied"


def known_labels(spec: MetricSpec) -> dict[str, float]:
    """The metric's own labels over the built-in ones of its scale and direction, by `label_key`."""
    low, high = spec.scale_bounds
    found = dict(builtin.builtin_labels(spec.metric, (float(low), float(high)), spec.direction))
    return found | {builtin.label_key(label): value for label, value in spec.labels.items()}


def numbered_other_way(question: str, text: str, labels: Mapping[str, float], spec: MetricSpec, *,
                       where: str) -> str | None:  # fmt: skip
    """Why `text` cannot be scored by its number ('5 - Very dissatisfied' on a scale read
    higher-is-better, '1 - Very dissatisfied' on one read lower-is-better) and what to set in
    `where`, the config's entry of the question; None when its words, by `labels` (`known_labels`),
    stand at its number's end or say nothing. A label `labels` names whole is read as they say.
    Agreement's words stand at the same end under either direction (`LabelScale.keeps_values`), so
    for '1 - Strongly agree' no direction helps: only `labels` do."""
    trailing = TRAILING_NUMBER.match(text)
    match = trailing or _LEADING_NUMBER.match(text)
    if match is None or builtin.label_key(text) in labels:
        return None
    named, number = match.groups() if trailing else match.groups()[::-1]
    meant, middle = labels.get(builtin.label_key(named)), sum(spec.scale_bounds) / 2
    if meant is None or (float(number.replace(",", ".")) - middle) * (meant - middle) >= 0:
        return None
    own = builtin.scale_for([named])
    other = next(direction for direction in Direction if direction != spec.direction)
    fix = "" if own is not None and own.keeps_values else f"set direction = '{other}', or "
    return (f"question {question!r}: answer {text!r} is numbered {number}, but {named.strip()!r} is the other end of "
            f"this {spec.metric} scale: its answers are numbered the other way round; in {where}, {fix}map its "
            "answers under 'labels'")  # fmt: skip
