"""Whether a question's answer labels, all of them, grade more degrees than the built-in scale it is
read on holds — "Totalmente satisfecho" beyond "Muy satisfecho", that scale's end, or "Extremely
satisfied" beside "Very satisfied", one point of it: then that scale is not the survey's and no
answer of the question is scored on it. Decided from every label the question holds (a file
column's, an API question's options), so it reads the same whatever order the answers come in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from cxbridge.detection import labels as builtin
from cxbridge.metrics import Direction
from cxbridge.tabular.cells import whole_number


def off_builtin_scale(
    labels: Iterable[str], *, metric: str, scale: tuple[float, float], direction: Direction,
    own: Mapping[str, float] | None = None,
) -> str | None:
    """Why a question whose answers hold these labels is on no built-in scale of this metric, size
    and direction — the answers that show it, and the order of degree to map when the labels make
    one (`labels.by_degree`) — or None. Labels the entry maps itself (`own`: label → value) are the
    survey's: two degrees of one point are wrong only when the built-in labels read one of them."""
    settings = {"metric": metric, "scale": scale, "direction": direction}
    mapped = {builtin.label_key(label): value for label, value in (own or {}).items()}
    values = builtin.builtin_labels(metric, (float(scale[0]), float(scale[1])), direction) | mapped
    labels = sorted(set(labels), key=builtin.label_key)
    low, high = (whole_number(end) for end in scale)
    reasons, points = [], {}
    for label in labels:
        key = builtin.label_key(label)
        degree, base = builtin.graded(key)
        if key not in mapped and (beyond := builtin.degree_above(label, **settings)) is not None:
            reasons.append(f"answer {label!r} grades {beyond!r} a degree beyond 'very', the end of the built-in "
                           f"{low}–{high} scale this {metric} question is read on")  # fmt: skip
        elif degree and key in values:
            points.setdefault((base, values[key]), {}).setdefault(degree, label)
    for (base, _), graded in sorted(points.items()):
        if len(graded) > 1 and not {builtin.label_key(label) for label in graded.values()} <= mapped.keys():
            first, *others = (graded[degree] for degree in sorted(graded))
            reasons.append(f"answers {first!r} and {' and '.join(map(repr, others))} grade {base!r} in two degrees, "
                           f"which the built-in scale this {metric} question is read on holds as one point")  # fmt: skip
    if not reasons:
        return None
    order = builtin.by_degree(labels)
    ranks = ", ".join(f"{label!r} = {rank}" for rank, label in enumerate(order.labels, 1)) if order else ""
    shown = f"; its answers in order of degree: {ranks} — scale = [1, {len(order.labels)}] if the survey lists no " \
            "other point" if order else ""  # fmt: skip
    return f"{'; '.join(reasons)}: that scale is not the survey's, and none of its answers is scored on it{shown}"
