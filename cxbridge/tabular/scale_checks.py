"""Answers that show a scored column is read on the wrong scale — numbered the other way round,
a point of a built-in scale of another size, or graded finer than the built-in scale holds —
each refused with a DataError that names the setting to change in the source's metrics entry.
`RowNormalizer` asks them of an answer written as text that no number or label of its own reads."""

from __future__ import annotations

from typing import Any

from cxbridge.detection import labels as builtin
from cxbridge.detection.degrees import degrees_advice, off_builtin_scale
from cxbridge.detection.other_way_round import numbered_other_way
from cxbridge.errors import DataError
from cxbridge.tabular.cells import whole_number
from cxbridge.tabular.column_scales import ColumnScales, settings
from cxbridge.tabular.config import MetricColumn, RowMapping



def check_order(column: str, metric: MetricColumn, text: str, labels: dict[str, float], *, config: RowMapping,
                source: str) -> None:  # fmt: skip
    """A DataError when an answer's number and its label stand at opposite ends of the scale
    (`other_way_round.numbered_other_way`): the export numbers the scale the other way round, and
    its numbers would score each answer as its opposite. `labels`: the metric's own labels over
    the built-in ones."""
    where = config.metrics_entry(column, source=source)
    if problem := numbered_other_way(column, text, labels, metric, where=where):
        raise DataError(problem, field=column, kind="numbered-other-way-round")


def check_size(column: str, metric: MetricColumn, text: str, read: Any, *, config: RowMapping, source: str) -> None:
    """A DataError for an answer that a built-in scale of another size says is on that scale
    (`_on_another_size`): inspect saw only labels both scales share, and proposed the one they
    all stand on."""
    found = _on_another_size(metric, text, read)
    if found is None:
        return
    problem, other, fix = found
    low, high = (whole_number(end) for end in other.scale)
    raise DataError(
        f"question {column!r}: answer {text!r} {problem}; in {config.metrics_entry(column, source=source)}, "
        f"set scale = [{low}, {high}]{fix} ({config.read_again(source=source)} then reads the answers "
        "stored before on it too), or map it under 'labels'",
        field=column,
        kind="point-of-another-scale",
    )


def check_degrees(column: str, metric: MetricColumn, text: str, scales: ColumnScales | None, *,
                  config: RowMapping, source: str) -> None:  # fmt: skip
    """A DataError for an answer the built-in labels read when its column's labels, all of them,
    grade more degrees than the built-in scale holds (`scales`, decided by the read of its table:
    'Totalmente satisfecho' beyond 'Muy satisfecho', 'Extremely satisfied' beside 'Very
    satisfied'): no answer of it is scored on that scale, whatever row it is in — or, replayed,
    whenever it was read. An answer with no table (`scales` None: an API's record) is told by its
    own alone (`labels.degree_above`), as is a replayed one whose read decided nothing of its entry
    (`ColumnScales.unknown`), which is refused when that alone cannot tell and the labels read it."""
    key = builtin.label_key(text)
    if key in {builtin.label_key(label) for label in metric.labels} or key in builtin.NO_SCORE_LABELS:
        return
    if scales is not None and id(metric) not in scales.unknown:
        why = scales.off.get(id(metric))
    elif (why := off_builtin_scale([text], **settings(metric))) is None and scales is not None:
        if builtin.builtin_value(text, **settings(metric)) is not None:
            raise DataError(f"question {column!r}: {_undecided(column, metric, text, config, source)}", field=column,
                            kind="degrees-undecided")  # fmt: skip
    if why is not None:
        raise DataError(f"question {column!r}: {why}; {_degrees_advice(column, config, source)}", field=column,
                        kind="graded-beyond-scale")  # fmt: skip


def _undecided(column: str, metric: MetricColumn, text: str, config: RowMapping, source: str) -> str:
    """Why a replayed answer the built-in labels read is not scored: whether they are the survey's
    scale is decided from every answer of its column in its file, which the replay does not read."""
    low, high = (whole_number(end) for end in metric.scale_bounds)
    return (f"answer {text!r} is scored on the built-in {low}–{high} {metric.metric} scale only when no answer of its "
            "column in its file grades more degrees than that scale holds, which only a read of the file tells: the "
            "row was quarantined before cxbridge kept that with it, or under another entry of the question in "
            f"{config.metrics_entry(column, source=source)}; read the file again with "
            f"{config.read_again(source=source)}")


def _degrees_advice(column: str, config: RowMapping, source: str) -> str:
    """What to do when a question's answers grade more points than the built-in scale it is read on."""
    return degrees_advice(config.metrics_entry(column, source=source), config.read_again(source=source))


def _on_another_size(metric: MetricColumn, text: str, read: Any) -> tuple[str, Any, str] | None:
    """Why an answer is on a built-in scale of another size, that scale, and what else to change:
    no label reads it, and it is a point of that scale ('Slightly satisfied' on 5-point satisfaction);
    or the built-in labels read it on the point of a label the entry lists, which that scale
    holds apart ('Somewhat satisfied' read as 'Satisfied', 4 of 5; 5 and 6 of 7)."""
    low, high = (whole_number(end) for end in metric.scale_bounds)
    on = f"the {low}–{high} scale this {metric.metric} question is read on"
    of_metric = settings(metric)
    if isinstance(read, str):
        other = builtin.other_size_holding(text, **of_metric)
        return (f"is a point of the built-in {other.name} scale, not of {on}", other, "") if other else None
    if found := builtin.told_apart(text, metric.labels, **of_metric):
        label, other = found
        return (f"is read as {whole_number(read)} on {on}, as {label!r} is, but the built-in {other.name} scale "
                f"holds them apart", other, " and take out its 'labels' (those read on the old one)")  # fmt: skip
    return None
