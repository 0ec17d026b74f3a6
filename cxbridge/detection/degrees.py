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
    for (base, _), spellings in sorted(points.items()):
        if len(spellings) > 1 and not {builtin.label_key(label) for label in spellings.values()} <= mapped.keys():
            first, *others = (spellings[degree] for degree in sorted(spellings))
            reasons.append(f"answers {first!r} and {' and '.join(map(repr, others))} grade {base!r} in two degrees, "
                           f"which the built-in scale this {metric} question is read on holds as one point")  # fmt: skip
    if not reasons:
        return None
    order = builtin.by_degree(labels)
    shown = f"; its answers {in_order_of_degree(order)}" if order else ""
    return f"{'; '.join(reasons)}: that scale is not the survey's, and none of its answers is scored on it{shown}"


def in_order_of_degree(graded: builtin.Graded) -> str:
    """Labels graded by degree as a mapping lists them, worst first, and the scale they make."""
    order = ", ".join(f"{label!r} = {rank}" for rank, label in enumerate(graded.labels, 1))
    return f"in order of degree, {order} — scale = [1, {len(graded.labels)}] if the survey lists no other point"


def degrees_advice(where: str, read_again: str) -> str:
    """What to do when a question's answers grade more points than the built-in scale it is read on:
    list them under `where` (the config's entry of the question) and read the stored answers again."""
    return (f"in {where}, list every answer of the survey's scale under 'labels' in order of degree (1 the worst), "
            f"set scale = [1, their number], then {read_again} reads the answers stored before on it too")
