"""What a question's answer options establish about its scale — from the labels' meaning, never
from the order of their recode numbers. "Extremely easy" recoded 1 and "Extremely difficult"
recoded 7 is an ease scale on which lower is better; Yes/No answers are no scale at all; labels
that are none of the built-in scales leave the scale unknown. Each reading carries its evidence,
which `inspect`, the import summary and the sync warnings show."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from cxbridge.detection import labels as builtin
from cxbridge.detection.keywords import mentions
from cxbridge.metrics import Direction, MetricSpec, shown_number

_FLIPPED = {Direction.HIGHER_IS_BETTER: Direction.LOWER_IS_BETTER, Direction.LOWER_IS_BETTER: Direction.HIGHER_IS_BETTER}


@dataclass(frozen=True)
class ScaleReading:
    """A built-in scale the options are points of, the values the answers carry on it and which
    way is better — or, with `scale` None, why none could be established."""

    evidence: str
    scale: builtin.LabelScale | None = None
    bounds: tuple[float, float] | None = None
    direction: Direction = Direction.HIGHER_IS_BETTER
    labels: dict[str, float] = field(default_factory=dict)  # option label → the value its answers carry

    @property
    def kind(self) -> str | None:
        """satisfaction, agreement, ease or effort."""
        return builtin.SCALE_KIND.get(self.scale) if self.scale else None


def read_options(options: Mapping[str, float | None], *, complete: bool) -> ScaleReading:
    """How answers given as these options (label → recode, or None where answers are the labels
    themselves) read. `complete`: the options are the question's whole list (a survey
    definition), so they must be every point of the scale, not a few of them."""
    scored = {label: value for label, value in options.items() if not _no_score(label, value)}
    shown = _shown(scored)
    if not scored:
        return ScaleReading("no answer option carries a score")
    if builtin.is_yes_no(scored):
        return ScaleReading(f"the answers are Yes/No ({shown}): a question of fact, not a scale")
    scale = builtin.scale_for(scored)
    if scale is None:
        return ScaleReading(f"the answer labels ({shown}) are not points of a known satisfaction, effort, ease or "
                            "agreement scale")  # fmt: skip
    ranks = {label: scale.values()[builtin.label_key(label)] for label in scored}
    if complete and len(set(ranks.values())) < len(scale.points):
        return ScaleReading(f"the answer labels ({shown}) are only some of the points of the built-in {scale.name} "
                            "scale")  # fmt: skip
    if all(value is None for value in scored.values()):
        return ScaleReading(f"the answers are labels of the built-in {scale.name} scale ({shown})", scale,
                            scale.scale, scale.direction, ranks)  # fmt: skip
    return _recoded(scale, ranks, scored, shown)


def metric_of(reading: ScaleReading, text: str) -> str | None:
    """csat for satisfaction labels, ces for ease or effort labels, and for agreement labels
    only when the statement is about ease or effort ("The company made it easy")."""
    if reading.kind == "satisfaction":
        return "csat"
    if reading.kind in ("ease", "effort") or (reading.kind == "agreement" and mentions(text, "effort")):
        return "ces"
    return None


def as_statement(reading: ScaleReading, text: str) -> ScaleReading:
    """An agreement scale under a statement of difficulty ("It was difficult to…", "…was a
    hassle"): agreeing is the most effort, so the scale's direction is reversed."""
    stem = mentions(text, "difficulty")
    if reading.kind != "agreement" or stem is None or mentions(text, "ease") or mentions(text, "effortless"):
        return reading
    direction = _FLIPPED[reading.direction]
    better = "lower" if direction is Direction.LOWER_IS_BETTER else "higher"
    evidence = f"{reading.evidence}; the statement says it was hard ({stem!r}), so agreeing is the most effort: {better} is better"
    return replace(reading, direction=direction, evidence=evidence)


def numbers_shown(choices: Mapping[str, float]) -> dict[str, float]:
    """Choices showing numbers ("5", "5 - Very satisfied") that are not all their recodes — a 0–10
    scale Qualtrics recodes 1–11 (the choice ids), a 1–5 scale recoded 2–6, or 5 … 1 once the
    choices were reordered — as the numbers shown: what a scored question's answers are, when
    they are its scale (`shows_scale`). {} unless every choice carrying a score shows a number
    of its own, none of them the recode of a choice carrying none ("N/A" recoded 1)."""
    scored = {label: recode for label, recode in choices.items() if not _no_score(label, recode)}
    shown = {label: shown_number(label) for label in scored}
    numbers = set(shown.values())
    if None in numbers or len(numbers) < len(shown) or all(scored[label] == n for label, n in shown.items()):
        return {}
    if any(recode in numbers for label, recode in choices.items() if label not in scored):
        return {}
    return shown  # type: ignore[return-value]


def shows_scale(shown: Mapping[str, float], spec: MetricSpec) -> bool:
    """Whether the numbers shown run from one end of the spec's scale to the other; if not, the
    scale was set for the recodes (`[0, 4]` for choices shown 1 … 5 recoded 0 … 4, `[0, 100]` for
    ones recoded as points 0, 25 … 100), and they score."""
    return (min(shown.values()), max(shown.values())) == spec.scale_bounds


def unscored_note(text: str, reading: ScaleReading | None = None, *, why: str | None = None) -> str:
    """Why a question that looks scored — by its wording, or answers on a known scale — is kept
    unscored; "" for a question that does not look scored."""
    stem = next((found for role in ("recommend", "satisfaction", "effort") if (found := mentions(text, role))), None)
    known = reading is not None and reading.scale is not None
    if stem is None and not known:
        return ""
    if why is None and reading is not None:
        why = reading.evidence if not known else f"{reading.evidence}, and the question is not about effort"
    looks = f"it asks about {stem!r}" if stem else "its answers are a known scale"
    return f"{looks}, but {why}: kept as answers, unscored"


def _recoded(scale: builtin.LabelScale, ranks: dict[str, float], recodes: dict[str, float | None], shown: str):
    """The direction of recodes from the labels' order: recodes that rise with the labels' rank
    keep the scale's direction, falling ones reverse it; any other order establishes nothing."""
    if any(value is None for value in recodes.values()):
        return ScaleReading(f"some answer labels ({shown}) carry no number")
    by_rank = [recodes[label] for label in sorted(recodes, key=ranks.__getitem__)]
    steps = {b - a for a, b in zip(by_rank, by_rank[1:])}  # type: ignore[operator]
    if steps not in ({1}, {-1}):
        return ScaleReading(f"the recodes of the labels of the built-in {scale.name} scale ({shown}) are not "
                            "consecutive numbers in the labels' order")  # fmt: skip
    rising = steps == {1}
    direction = scale.direction if rising else _FLIPPED[scale.direction]
    low, high = min(by_rank), max(by_rank)  # type: ignore[type-var]
    best = _best_label(ranks, scale)
    evidence = (f"the answers are the built-in {scale.name} scale ({shown}), recoded "
                f"{_fmt(low)}–{_fmt(high)} with {best!r} = {_fmt(recodes[best])}: "
                f"{'higher' if direction is Direction.HIGHER_IS_BETTER else 'lower'} is better")  # fmt: skip
    return ScaleReading(evidence, scale, (float(low), float(high)), direction, dict(recodes))  # type: ignore[arg-type]


def _best_label(ranks: dict[str, float], scale: builtin.LabelScale) -> str:
    best_rank = max(ranks.values()) if scale.direction is Direction.HIGHER_IS_BETTER else min(ranks.values())
    return next(label for label, rank in ranks.items() if rank == best_rank)


def _no_score(label: str, value: float | None) -> bool:
    return builtin.is_no_score(label) or (value is not None and value < 0)


def _shown(options: Mapping[str, object]) -> str:
    labels = list(options)
    if len(labels) <= 3:
        return ", ".join(repr(label) for label in labels)
    return f"{labels[0]!r} … {labels[-1]!r}"


def _fmt(value: object) -> str:
    number = float(value)  # type: ignore[arg-type]
    return str(int(number)) if number.is_integer() else str(number)
