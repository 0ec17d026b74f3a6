"""Which columns are scored — NPS (0–10 answers to a recommend question, in seven languages),
CSAT and CES (numbers on a small scale, or labels of a known scale, under a satisfaction or
effort question; CES with its direction) — and which hold comments or lists of choices."""

from __future__ import annotations

from collections import Counter

from cxbridge.detection import labels as builtin
from cxbridge.detection.evidence import Proposal
from cxbridge.detection.keywords import mentions
from cxbridge.detection.profile import ColumnProfile
from cxbridge.metrics import Direction

_SCALES = ((1, 5), (1, 7), (0, 10), (1, 10))


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
    in_range = _numeric(profile) and min(profile.numbers) >= 0 and max(profile.numbers) <= 10 and profile.whole_numbers
    if not (stem or kind == "nps") or not (in_range or kind == "nps"):
        if stem and profile.filled:
            evidence = [f"the header asks about recommending ({stem!r}) but the values are not 0–10 "
                        f"({profile.example()})"]  # fmt: skip
            return Proposal("nps", profile.key, 0.3, evidence)
        return None
    metric = "enps" if mentions(header, "employer") else "nps"
    evidence = []
    if kind == "nps":
        evidence.append("the survey definition makes it a Net Promoter question")
    if stem:
        evidence.append(f"the header asks about recommending ({stem!r})")
    if in_range:
        evidence.append(f"values are whole numbers {_fmt(min(profile.numbers))}–{_fmt(max(profile.numbers))}")
    spec = _no_score_spec(profile)
    return Proposal(metric, profile.key, 0.99 if kind == "nps" else 0.95, evidence, spec)


def _csat(profile: ColumnProfile, header: str) -> Proposal | None:
    stem = mentions(header, "satisfaction")
    scale = _label_scale(profile)
    if scale is not None and scale.metric == "csat":
        evidence = [f"the answers are labels of the built-in {scale.name} scale ({profile.example()})"]
        if stem:
            evidence.append(f"the header asks about satisfaction ({stem!r})")
        spec = {"scale": list(scale.scale), **_no_score_spec(profile)}
        return Proposal("csat", profile.key, 0.9 if stem else 0.8, evidence, spec)
    if stem and (numeric := _numeric_scale(profile)):
        spec = {"scale": list(numeric), **_labels_of_definition(profile), **_no_score_spec(profile)}
        evidence = [f"the header asks about satisfaction ({stem!r})", f"values fit a {_fmt(numeric[0])}–"
                    f"{_fmt(numeric[1])} scale ({profile.example()})"]  # fmt: skip
        return Proposal("csat", profile.key, 0.85, evidence, spec)
    if stem and profile.labels:
        return Proposal("csat", profile.key, 0.3, [f"the header asks about satisfaction ({stem!r}) but the labels "
                                                   f"are not a known scale ({profile.example()})"])  # fmt: skip
    return None


def _ces(profile: ColumnProfile, header: str) -> Proposal | None:
    stem = mentions(header, "effort")
    if not stem:
        return None
    scale = _label_scale(profile)
    if scale is not None and scale.metric == "ces":
        evidence = [f"the header asks about effort or ease ({stem!r})",
                    f"the answers are labels of the built-in {scale.name} scale ({profile.example()})"]  # fmt: skip
        spec = {"scale": list(scale.scale), "direction": scale.direction.value, **_no_score_spec(profile)}
        return Proposal("ces", profile.key, 0.85, evidence, spec)
    numeric = _numeric_scale(profile)
    if numeric is None or numeric[1] > 7:
        return None
    direction, why = effort_direction(header)
    evidence = [f"the header asks about effort or ease ({stem!r})",
                f"values fit a {_fmt(numeric[0])}–{_fmt(numeric[1])} scale ({profile.example()})", why]  # fmt: skip
    spec = {"scale": list(numeric), "direction": direction.value, **_no_score_spec(profile)}
    return Proposal("ces", profile.key, 0.75, evidence, spec)


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


def _numeric(profile: ColumnProfile) -> bool:
    return bool(profile.numbers) and profile.numeric_share >= 0.9


def _numeric_scale(profile: ColumnProfile) -> tuple[float, float] | None:
    if profile.column.choices:
        values = [v for v in profile.column.choices.values() if v >= 0]
        return (min(values), max(values)) if values else None
    if not _numeric(profile) or not profile.whole_numbers:
        return None
    low, high = min(profile.numbers), max(profile.numbers)
    return next(((a, b) for a, b in _SCALES if a <= low and high <= b), None)


def _label_scale(profile: ColumnProfile) -> builtin.LabelScale | None:
    answered = profile.filled - sum(profile.no_score.values())
    if not profile.labels or sum(profile.labels.values()) < 0.8 * answered:
        return None
    return builtin.scale_for(profile.labels)


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
