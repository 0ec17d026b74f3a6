"""What the read of a table decided of each scored column's scale from every label the column holds
(`degrees.off_builtin_scale`) — kept with each of its rows quarantined (the context's
`replay.scales`), so that a replay of the row, which reads no table, judges its answer as the
read did, after a restart too; and which entries a replayed row's read decided nothing of."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cxbridge.detection import labels as builtin
from cxbridge.detection.degrees import off_builtin_scale
from cxbridge.identity import content_id
from cxbridge.metrics import NPS_METRICS
from cxbridge.tabular.column_answers import text_answers
from cxbridge.tabular.config import MetricColumn
from cxbridge.tabular.table import Table, header_key

Metrics = list[tuple[str, MetricColumn]]
"""A row mapping's scored columns: each column's key in a row, and its entry."""
Choices = Callable[[str], dict[str, float]]
"""A column's choices (label → recode) by its key: a column that has some is read on them."""


@dataclass(frozen=True)
class ColumnScales:
    """Per entry (the id of its MetricColumn), why its column is on no built-in scale; `kept`, the
    same by `entry_key` for every entry decided (None: on it), as a quarantined row keeps it;
    `unknown`, the entries read on built-in labels that a replayed row's read decided nothing of."""

    off: Mapping[int, str]
    kept: Mapping[str, str | None]
    unknown: frozenset[int] = frozenset()

    @classmethod
    def of_table(cls, table: Table, metrics: Metrics, choices: Choices) -> ColumnScales:
        """Decided from the whole table before any row is read, so every row of it is read alike:
        per entry read on built-in labels (`on_builtin_labels`), from every text answer its
        column holds."""
        read = {id(metric): (header_key(metric.column), metric) for column, metric in metrics
                if on_builtin_labels(metric, choices(column))}  # fmt: skip
        answers = text_answers(table, {key for key, _ in read.values()})
        found = {ident: off_builtin_scale(answers[key], **settings(metric), own=metric.labels)
                 for ident, (key, metric) in read.items() if key in answers}  # fmt: skip
        off = {ident: why for ident, why in found.items() if why}
        return cls(off, {entry_key(metric): off.get(id(metric)) for _, metric in metrics})

    @classmethod
    def replayed(cls, kept: Mapping[str, str | None] | None, metrics: Metrics, choices: Choices) -> ColumnScales:
        """As a quarantined row's read decided (`kept`; None: quarantined before cxbridge kept it):
        an entry configured otherwise since, or not kept, is unknown when read on built-in labels."""
        kept = dict(kept or {})
        off = {id(metric): why for _, metric in metrics if (why := kept.get(entry_key(metric)))}
        unknown = {id(metric) for column, metric in metrics
                   if entry_key(metric) not in kept and on_builtin_labels(metric, choices(column))}  # fmt: skip
        return cls(off, kept, frozenset(unknown))


def on_builtin_labels(metric: MetricColumn, choices: dict[str, float]) -> bool:
    """Whether the entry's text answers are read on built-in labels: no NPS, no choices of its
    column, and a built-in scale of its metric, size and direction."""
    scale = tuple(map(float, metric.scale_bounds))
    return metric.metric not in NPS_METRICS and not choices and bool(builtin.builtin_labels(metric.metric, scale,
                                                                                             metric.direction))


def entry_key(metric: MetricColumn) -> str:
    """The entry as the decision depends on it: its column, metric, scale, direction and own labels."""
    labels = sorted((builtin.label_key(label), value) for label, value in metric.labels.items())
    return content_id(metric.column, metric.metric, metric.scale_bounds, metric.direction.value, labels)


def settings(metric: MetricColumn) -> dict[str, Any]:
    return {"metric": metric.metric, "scale": metric.scale_bounds, "direction": metric.direction}
