"""What the read of a table decided of each scored column's scale from every label the column holds
(`degrees.off_builtin_scale`) — kept with each of its rows quarantined (the context's
`replay.scales`), so that a replay of the row, which reads no table, judges its answer as the
read did, after a restart too; and which entries a replayed row's read decided nothing of."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cxbridge.detection import labels as builtin
from cxbridge.detection.degrees import off_builtin_scale
from cxbridge.identity import content_id
from cxbridge.metrics import NPS_METRICS
from cxbridge.tabular.cells import whole_number
from cxbridge.tabular.column_answers import KeptAnswers, text_answers
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
    `unknown`, the entries read on built-in labels that a replayed row's read decided nothing of;
    `answers`, what the decisions were made from, as a file's state keeps them; `apart`, of a
    table read on, the entries its file's rows read before were decided otherwise on, or their
    answers keep nothing of."""

    off: Mapping[int, str]
    kept: Mapping[str, str | None]
    unknown: frozenset[int] = frozenset()
    answers: KeptAnswers | None = field(default=None, compare=False)
    apart: tuple[MetricColumn, ...] = field(default=(), compare=False)

    @classmethod
    def of_table(cls, table: Table, metrics: Metrics, choices: Choices, *, before: KeptAnswers,
                 read_on: bool = False) -> ColumnScales:  # fmt: skip
        """Decided from the whole table before any row is read, so every row of it is read alike:
        per entry read on built-in labels (`on_builtin_labels`), from every text answer its
        column holds with those `before` — for a table `read_on` from where the last read of its
        file ended, the answers of the rows read before (a state's), so that rows appended are
        read as a read of the whole file reads them."""
        read = {id(metric): (header_key(metric.column), metric) for column, metric in metrics
                if on_builtin_labels(metric, choices(column))}  # fmt: skip
        keys = {key for key, _ in read.values()}
        answers = before.adding(text_answers(table, keys), keys)
        off = _decided(answers, read)
        kept = {entry_key(metric): off.get(id(metric)) for _, metric in metrics}
        if not read_on:
            return cls(off, kept, answers=answers)
        earlier = _decided(before, read)
        apart = tuple(metric for ident, (key, metric) in read.items()
                      if not before.knows(key) or (ident in off) != (ident in earlier))  # fmt: skip
        return cls(off, kept, answers=answers, apart=apart)

    @classmethod
    def replayed(cls, kept: Mapping[str, str | None] | None, metrics: Metrics, choices: Choices) -> ColumnScales:
        """As a quarantined row's read decided (`kept`; None: quarantined before cxbridge kept it):
        an entry configured otherwise since, or not kept, is unknown when read on built-in labels."""
        kept = dict(kept or {})
        off = {id(metric): why for _, metric in metrics if (why := kept.get(entry_key(metric)))}
        unknown = {id(metric) for column, metric in metrics
                   if entry_key(metric) not in kept and on_builtin_labels(metric, choices(column))}  # fmt: skip
        return cls(off, kept, frozenset(unknown))


def _decided(answers: KeptAnswers, read: Mapping[int, tuple[str, MetricColumn]]) -> dict[int, str]:
    """Per entry of `read` (id → its column's key and the entry), why its column's `answers` are on
    no built-in scale, where they are not (a column of too many answers, None, is on none)."""
    found = {ident: off_builtin_scale(labels, **settings(metric), own=metric.labels)
             for ident, (key, metric) in read.items() if (labels := answers.of(key))}  # fmt: skip
    return {ident: why for ident, why in found.items() if why}


def read_again(where: str, apart: tuple[MetricColumn, ...], *, kept: bool) -> str:
    """Why the file `where` names, read on, was read whole again: rows appended to it decide the
    scale of the columns of `apart` otherwise than its rows read before did, or (not `kept`) its
    state cannot tell: saved before cxbridge kept its columns' answers, or hashed under another salt."""
    columns = " and ".join(map(repr, dict.fromkeys(metric.column for metric in apart)))
    if not kept:
        return (f"{where}: its state in the cursor keeps no labels of column {columns} to judge the rows appended "
                "with (saved before 2026-12-07, or under another respondent salt), so the whole file was read "
                "again, once")  # fmt: skip
    scales = " and ".join(dict.fromkeys(f"{whole_number(metric.scale_bounds[0])}–{whole_number(metric.scale_bounds[1])} "
                                        f"{metric.metric}" for metric in apart))  # fmt: skip
    return (f"{where}: the rows appended change whether column {columns} is scored on the built-in {scales} scale, "
            "so the whole file was read again and the rows read before are judged with them")


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
