"""Which columns are scored — NPS (0–10 answers to a recommend question, in seven languages),
CSAT and CES (numbers on a small scale, or labels of a known scale, under a satisfaction or
effort question; CES with its direction) — and which hold comments or lists of choices."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from cxbridge.detection import labels as builtin
from cxbridge.detection.evidence import Proposal
from cxbridge.detection.keywords import mentions
from cxbridge.detection.profile import ColumnProfile
from cxbridge.metrics import Direction

_SCALES = ((1, 5), (1, 7), (0, 10), (1, 10))
TOLERATED = 0.1  # the share of a scored column's answers that may be off its scale (they are quarantined)


def propose_scores(profile: ColumnProfile) -> list[Proposal]:
    """The metric proposals for one column (an empty list for unscored columns)."""
    if not profile.filled or profile.dates or profile.share(profile.emails):
        return []
    header = profile.column.label
    found = [_nps(profile, header), _csat(profile, header), _ces(profile, header)]
    return [proposal for proposal in found if proposal is not None]


def _nps(profile: ColumnProfile, header: str) -> Proposal | None:
    stem = mentions(header, "recommend")
    kind = profile.column.kind
    fit = _fit(profile, (0, 10))
    if not (stem or kind == "nps") or not (fit or kind == "nps"):
        if stem and profile.filled:
            odd = _odd_answers(profile, (0, 10))
            shown = ", ".join(repr(value) for value in list(odd)[:3]) or profile.example()
            evidence = [f"the header asks about recommending ({stem!r}) but the values are not 0–10 ({shown})"]
            return Proposal("nps", profile.key, 0.3, evidence)
        return None
    metric = "enps" if mentions(header, "employer") else "nps"
    evidence = []
    if kind == "nps":
        evidence.append("the survey definition makes it a Net Promoter question")
    if stem:
        evidence.append(f"the header asks about recommending ({stem!r})")
    if fit:
        inside = [n for n in profile.numbers if 0 <= n <= 10 and float(n).is_integer()]
        evidence += [f"values are whole numbers {_fmt(min(inside))}–{_fmt(max(inside))}", *fit.notes(profile)]
    spec = _no_score_spec(profile)
    confidence = 0.99 if kind == "nps" else 0.9 if fit and fit.odd else 0.95
    return Proposal(metric, profile.key, confidence, evidence, spec)


def _csat(profile: ColumnProfile, header: str) -> Proposal | None:
    stem = mentions(header, "satisfaction")
    labelled = _label_scale(profile)
    if labelled is not None and labelled[0].metric == "csat":
        scale, fit = labelled
        evidence = [f"the answers are labels of the built-in {scale.name} scale ({profile.example()})"]
        if stem:
            evidence.append(f"the header asks about satisfaction ({stem!r})")
        evidence += fit.notes(profile)
        spec = {"scale": list(scale.scale), **_no_score_spec(profile)}
        return Proposal("csat", profile.key, (0.9 if stem else 0.8) - (0.05 if fit.odd else 0), evidence, spec)
    if stem and (fit := _numeric_scale(profile)):
        spec = {"scale": [fit.low, fit.high], **_labels_of_definition(profile), **_no_score_spec(profile)}
        evidence = [f"the header asks about satisfaction ({stem!r})", *fit.describe(profile)]
        return Proposal("csat", profile.key, 0.8 if fit.odd else 0.85, evidence, spec)
    if stem and profile.labels:
        return Proposal("csat", profile.key, 0.3, [f"the header asks about satisfaction ({stem!r}) but the labels "
                                                   f"are not a known scale ({profile.example()})"])  # fmt: skip
    return None


def _ces(profile: ColumnProfile, header: str) -> Proposal | None:
    stem = mentions(header, "effort")
    if not stem:
        return None
    labelled = _label_scale(profile)
    if labelled is not None and labelled[0].metric == "ces":
        scale, fit = labelled
        evidence = [f"the header asks about effort or ease ({stem!r})",
                    f"the answers are labels of the built-in {scale.name} scale ({profile.example()})",
                    *fit.notes(profile)]  # fmt: skip
        spec = {"scale": list(scale.scale), "direction": scale.direction.value, **_no_score_spec(profile)}
        return Proposal("ces", profile.key, 0.8 if fit.odd else 0.85, evidence, spec)
    fit = _numeric_scale(profile)
    if fit is None or fit.high > 7:
        return None
    direction, why = effort_direction(header)
    evidence = [f"the header asks about effort or ease ({stem!r})", *fit.describe(profile), why]
    spec = {"scale": [fit.low, fit.high], "direction": direction.value, **_no_score_spec(profile)}
    return Proposal("ces", profile.key, 0.7 if fit.odd else 0.75, evidence, spec)


def propose_comment(profile: ColumnProfile) -> Proposal | None:
    """Free text: mostly non-numeric, long or varied answers."""
    if profile.text_share < 0.8 or not profile.labels or profile.dates or profile.emails:
        return None
    varied = len(profile.labels) >= 0.7 * sum(profile.labels.values())
    stem = mentions(profile.column.label, "comment")
    if profile.average_length >= 15 and (varied or stem):
        evidence = [f"free text, {profile.average_length:.0f} characters on average ({profile.example()})"]
        if stem:
            evidence.append(f"the header asks for comments ({stem!r})")
        return Proposal("comment", profile.key, 0.9 if stem else 0.7, evidence)
    return None


def propose_multi_choice(profile: ColumnProfile) -> Proposal | None:
    """Checkbox answers joined with ", " (Google Forms): a few short options, combined."""
    joined = [label for label in profile.labels if ", " in label]
    if len(joined) < 2:
        return None
    parts: Counter[str] = Counter()
    for label, count in profile.labels.items():
        for part in label.split(", "):
            parts[part.strip()] += count
    if len(parts) > 20 or sum(parts.values()) < 2 * len(parts) or max(map(len, parts)) > 60:
        return None
    options = ", ".join(repr(part) for part, _ in parts.most_common(4))
    return Proposal("multi_choice", profile.key, 0.75, [f"{len(joined)} answers list several of the options {options}"])


@dataclass(frozen=True)
class ScaleFit:
    """A scale the answers fit, and the few answers off it (or not on any scale), which the
    import quarantines: one typo or unknown label must not hide a scored column."""

    low: float
    high: float
    odd: Counter[str] = field(default_factory=Counter)

    def notes(self, profile: ColumnProfile) -> list[str]:
        """The evidence about answers off the scale and answers without a score."""
        found = []
        if self.odd:
            shown = ", ".join(repr(value) for value in list(self.odd)[:3])
            count = sum(self.odd.values())
            found.append(f"{count} of {profile.answered} answers {'is' if count == 1 else 'are'} not on the scale "
                         f"({shown}): {'that row goes' if count == 1 else 'those rows go'} to quarantine")  # fmt: skip
        if profile.no_score:
            count = sum(profile.no_score.values())
            found.append(f"{count} {'answer carries' if count == 1 else 'answers carry'} no score "
                         f"({', '.join(repr(label) for label in list(profile.no_score)[:3])})")  # fmt: skip
        return found

    def describe(self, profile: ColumnProfile) -> list[str]:
        return [f"values fit a {_fmt(self.low)}–{_fmt(self.high)} scale ({profile.example()})", *self.notes(profile)]


def _odd_answers(profile: ColumnProfile, scale: tuple[float, float]) -> Counter[str]:
    low, high = scale
    odd = Counter(_fmt(n) for n in profile.numbers if not (low <= n <= high and float(n).is_integer()))
    return odd + profile.labels


def _fit(profile: ColumnProfile, scale: tuple[float, float]) -> ScaleFit | None:
    """The scale, when all but a small minority of the answers are whole numbers on it."""
    odd = _odd_answers(profile, scale)
    on_scale = sum(scale[0] <= n <= scale[1] and float(n).is_integer() for n in profile.numbers)
    if not on_scale or sum(odd.values()) > TOLERATED * profile.answered:
        return None
    return ScaleFit(*scale, odd)


def _numeric_scale(profile: ColumnProfile) -> ScaleFit | None:
    """The definition's scale, else the smallest usual scale with the fewest answers off it."""
    if profile.column.choices:
        values = [v for v in profile.column.choices.values() if v >= 0]
        return ScaleFit(min(values), max(values)) if values else None
    fits = [fit for scale in _SCALES if (fit := _fit(profile, scale)) is not None]
    return min(fits, key=lambda fit: sum(fit.odd.values()), default=None)


def _label_scale(profile: ColumnProfile) -> tuple[builtin.LabelScale, ScaleFit] | None:
    """The built-in scale whose labels most answers are (ties: the smallest), with the labels
    that are on none of its points."""
    if not profile.labels or sum(profile.labels.values()) < 0.8 * profile.answered:
        return None
    best: tuple[int, int, builtin.LabelScale] | None = None
    for scale in builtin.SCALES:
        known = sum(count for label, count in profile.labels.items() if builtin.label_key(label) in scale.values())
        if known and (best is None or (known, -len(scale.points)) > best[:2]):
            best = (known, -len(scale.points), scale)
    if best is None:
        return None
    scale = best[2]
    odd = Counter({label: c for label, c in profile.labels.items() if builtin.label_key(label) not in scale.values()})
    if sum(odd.values()) > TOLERATED * profile.answered:
        return None
    return scale, ScaleFit(*scale.scale, odd)


def _labels_of_definition(profile: ColumnProfile) -> dict:
    choices = {label: value for label, value in profile.column.choices.items() if value >= 0}
    return {"labels": choices} if choices else {}


def _no_score_spec(profile: ColumnProfile) -> dict:
    """N/A answers written out, and negative recodes of a definition ("No opinion" = -1)."""
    ignored: list[float | str] = sorted(profile.no_score)
    ignored += sorted({v for label, v in profile.column.choices.items() if v < 0 or builtin.is_no_score(label)})
    return {"ignore_values": ignored} if ignored else {}


def effort_direction(header: str) -> tuple[Direction, str]:
    text = builtin.label_key(header)
    if any(word in text for word in ("how much effort", "more effort", "less effort", "усилий", "wysiłku", "aufwand",
                                     "esfuerzo", "effort avez", "esforço")):  # fmt: skip
        return Direction.LOWER_IS_BETTER, "it asks how much effort: lower is better (set direction if not)"
    return Direction.HIGHER_IS_BETTER, "it asks how easy: higher is better (set direction if not)"


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
