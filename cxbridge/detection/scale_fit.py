"""Which usual scale a column's numbers fit, by the typo rule of every scored column
(`tolerance`): the answers off it few enough to be slips, quarantined at import, no-answer codes
(99) apart — and the evidence saying which answers are off it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Container
from dataclasses import dataclass, field, replace

from cxbridge.detection.declared_scale import named_scale
from cxbridge.detection.labels import label_key
from cxbridge.detection.profile import ColumnProfile, answers_shown
from cxbridge.detection.tolerance import code_note, far_and_coded, far_off, no_answer_codes, tolerated

USUAL_SCALES = ((1, 5), (1, 7), (0, 10), (1, 10))


@dataclass(frozen=True)
class ScaleFit:
    """A scale the answers fit, and the few answers off it (or not on any scale), which the
    import quarantines: one typo or unknown label must not hide a scored column."""

    low: float
    high: float
    odd: Counter[str] = field(default_factory=Counter)
    codes: tuple[int, ...] = ()  # far-off no-answer codes (`tolerance.no_answer_codes`), not in `odd`
    wider: tuple[float, float] | None = None  # a usual scale whose top only the far-off slips reach
    scores_between: bool = False  # a CSAT's or CES's: an answer between two points is scored (`metrics.Scale`)

    def notes(self, profile: ColumnProfile) -> list[str]:
        """The evidence about answers off the scale, between two of its points, and without a score."""
        found = [code_note(code, profile.numbers.count(code)) for code in self.codes]
        answered = profile.answered - sum(map(profile.numbers.count, self.codes))
        between = Counter({value: n for value, n in self.odd.items() if self.scores_between and self._between(value)})
        if between:
            count = sum(between.values())
            found.append(f"{count} of {answered} answers {'lies' if count == 1 else 'lie'} between two points of the "
                         f"scale ({answers_shown(list(between)[:3])}): stored as written, in a box only from that "
                         "box's own point")  # fmt: skip
        if odd := self.odd - between:
            shown = answers_shown(list(odd)[:3])
            count = sum(odd.values())
            found.append(f"{count} of {answered} answers {'is' if count == 1 else 'are'} not on the scale "
                         f"({shown}): {'that row goes' if count == 1 else 'those rows go'} to quarantine")  # fmt: skip
            if self.wider:
                low, high = map(written_number, self.wider)
                found[-1] += f"; if it was asked {low}–{high}, map it with scale = [{low}, {high}]"
        if profile.no_score:
            count = sum(profile.no_score.values())
            found.append(f"{count} {'answer carries' if count == 1 else 'answers carry'} no score "
                         f"({answers_shown(list(profile.no_score)[:3])})")  # fmt: skip
        return found

    def _between(self, answer: str) -> bool:
        try:
            return self.low < float(answer) < self.high
        except ValueError:
            return False

    def describe(self, profile: ColumnProfile) -> list[str]:
        return [f"values fit a {written_number(self.low)}–{written_number(self.high)} scale ({profile.example(typed=True)})",
                *self.notes(profile)]


def odd_answers(profile: ColumnProfile, scale: tuple[float, float]) -> Counter[str]:
    low, high = scale
    odd = Counter(written_number(n) for n in profile.numbers if not (low <= n <= high and float(n).is_integer()))
    return odd + profile.labels + profile.addresses


def fit_scale(
    profile: ColumnProfile, scale: tuple[float, float], *, named: bool = False, points: Container[str] = ()
) -> ScaleFit | None:
    """The scale, when all but a few answers are whole numbers on it (or labels of its `points`,
    by `label_key`: a built-in scale's), those few typos (`tolerance.tolerated`): a few numbers far
    off it — a typed 55 for 5 — and up to a tenth of the others; when the header names the metric
    (`named`), any minority of the others — 11, -1, 7.5, 'abc'. Many far-off numbers (15 and 40, a
    0–100 answer's) are another quantity. No-answer codes (99, -99: `tolerance.no_answer_codes`)
    are no answers, as "N/A" is."""
    codes = no_answer_codes(profile.numbers, scale)
    far, coded = far_and_coded(profile.numbers, scale)
    odd = Counter({value: n for value, n in odd_answers(profile, scale).items()
                   if value not in map(written_number, codes) and label_key(value) not in points})  # fmt: skip
    on_scale = sum(scale[0] <= n <= scale[1] and float(n).is_integer() for n in profile.numbers)
    on_scale += sum(n for label, n in profile.labels.items() if label_key(label) in points)
    count, answered = sum(odd.values()), profile.answered - coded
    if not on_scale or 2 * count >= answered or not tolerated(count, far, answered, named=named):
        return None
    return ScaleFit(*scale, odd, tuple(codes))


def numeric_scale(profile: ColumnProfile, header: str, *, largest: float) -> ScaleFit | None:
    """The usual scale (up to `largest`) the header names — "(0-10)": nobody need have answered 0
    or 10 — else the smallest one the numbers fit whose top answer someone gave: 1, 2, 3 alone say
    neither whether the scale is 1–3 or 1–5 nor which end is best; a top reached only by far-off
    slips (`_off_only_by_slips`) is not given."""
    fit = _numeric_scale(profile, header, largest=largest)
    return replace(fit, scores_between=True) if fit else None


def _numeric_scale(profile: ColumnProfile, header: str, *, largest: float) -> ScaleFit | None:
    named = named_scale(header) or _top_named(profile)
    if named is not None and named[1] <= largest and (fit := fit_scale(profile, named)) is not None:
        return fit  # a scale the header names, usual or not ("(1-6)": its 6s are answers, not slips off 1–5)
    fits = [fit for scale in USUAL_SCALES if scale[1] <= largest and (fit := fit_scale(profile, scale)) is not None]
    reached = [fit for fit in fits if fit.high in profile.numbers]
    fewest_off = min(reached, key=lambda fit: (sum(fit.odd.values()), fit.high - fit.low), default=None)
    if shown := [fit for fit in reached if _off_only_by_slips(profile, fit)]:
        narrowest = min(shown, key=lambda fit: fit.high - fit.low)
        if narrowest is not fewest_off:  # the wider scale's top reached by slips alone: named, not chosen
            narrowest = replace(narrowest, wider=(fewest_off.low, fewest_off.high))  # type: ignore[union-attr]
        return narrowest
    return fewest_off


def _top_named(profile: ColumnProfile) -> tuple[float, float] | None:
    """The usual scale the answers name by their one top ("7/10", "★★★★☆": `written_scores.out_of`),
    from 0 when someone answered 0: nobody need have given the top itself."""
    if len(profile.tops) != 1:
        return None
    [top] = profile.tops
    return next((scale for scale in USUAL_SCALES if scale[1] == top and (scale[0] == 0) == (0 in profile.numbers)),
                None)  # fmt: skip


def _off_only_by_slips(profile: ColumnProfile, fit: ScaleFit) -> bool:
    """Whether the numbers off `fit`, its no-answer codes apart, are all more than a point off it:
    slips by the typo rule (`fit_scale` tolerated them), which say nothing of a wider scale whose top
    they reach — a 10 typed among answers 1–5 makes no 1–10 scale."""
    off = [n for n in profile.numbers if not fit.low <= n <= fit.high and n not in fit.codes]
    return far_off(off, (fit.low, fit.high)) == len(off)


def written_number(value: float) -> str:
    """A number as the evidence writes it: 5 for 5.0, 7.5 as it is."""
    return str(int(value)) if float(value).is_integer() else str(value)
