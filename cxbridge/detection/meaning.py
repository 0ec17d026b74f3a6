"""What a question's answer options establish about its scale — from the labels' meaning, never
from the order of their recode numbers. "Extremely easy" recoded 1 and "Extremely difficult"
recoded 7 is an ease scale on which lower is better; Yes/No answers are no scale at all; labels
that are none of the built-in scales leave the scale unknown. Each reading carries its evidence,
which `inspect`, the import summary and the sync warnings show. Options that show numbers ("1" …
"5", "1 - Very dissatisfied" … "5 - Very satisfied") are those numbers: the words beside them say
which end is best, else the question's wording does, as it does for a file's numbers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from cxbridge.detection import labels as builtin
from cxbridge.detection.degrees import in_order_of_degree
from cxbridge.detection.keywords import first_mentioned, mentions, negation, no_effort, no_effort_needed
from cxbridge.metrics import Direction, MetricSpec, label_value, shown_number, shown_words
from cxbridge.quoted_values import quoted

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
    numbered: bool = False  # the answers are numbers on `bounds`

    @property
    def kind(self) -> str | None:
        """satisfaction, agreement, ease, effort or quality; numbers when only the question says what they measure."""
        if self.scale is not None:
            return builtin.SCALE_KIND.get(self.scale)
        return "numbers" if self.numbered else None


def read_options(
    options: Mapping[str, float | None], *, complete: bool, signed: bool = False, typed: bool = False
) -> ScaleReading:
    """How answers given as these options (label → recode, or None where answers are the labels
    themselves) read. `complete`: the options are the question's whole list (a survey
    definition), so they must be every point of the scale, not a few of them. `signed`: a
    negative recode is a score (a weight), not a no-answer code. `typed`: the labels were typed in
    the cells, not a definition's, and are quoted as such (`profile.answers_shown`)."""
    scored = {label: value for label, value in options.items() if not _no_score(label, value, signed=signed)}
    shown = _shown(scored, typed=typed)
    if not scored:
        return ScaleReading("no answer option carries a score")
    if builtin.is_yes_no(scored):
        return ScaleReading(f"the answers are Yes/No ({shown}): a question of fact, not a scale")
    if numbers := _numbers_of(scored):
        return _numbered(options, scored, numbers, signed=signed)
    scale = builtin.scale_for(scored)
    if scale is None and (graded := builtin.by_degree(scored)) is not None:
        return ScaleReading(_beyond_very(graded))
    if scale is None:
        return ScaleReading(f"the answer labels ({shown}) are not points of a known satisfaction, effort, ease, "
                            "agreement or quality scale")  # fmt: skip
    ranks = {label: scale.values()[builtin.label_key(label)] for label in scored}
    if complete and len(set(ranks.values())) < len(scale.points):
        return ScaleReading(f"the answer labels ({shown}) are only some of the points of the built-in {scale.name} "
                            "scale")  # fmt: skip
    if all(value is None for value in scored.values()):
        return ScaleReading(f"the answers are labels of the built-in {scale.name} scale ({shown})", scale,
                            scale.scale, scale.direction, ranks)  # fmt: skip
    return _recoded(scale, ranks, scored, shown)


def _beyond_very(graded: builtin.Graded) -> str:
    """Why labels graded beyond "very" are scored by no built-in scale, and their order to map."""
    return (f"the answer labels grade {graded.kind} a degree beyond 'very' ({graded.strongest!r}), the top of the "
            f"built-in {graded.kind} scales, which would read the 'very' answers as the best: "
            f"{in_order_of_degree(graded)}")


def read_numbers(numbers: Mapping[str, float], bounds: tuple[float, float], *, typed: bool = False,
                 written_by: str = "") -> ScaleReading:
    """Answers that are numbers on `bounds`, some written beside words (label → the number it
    shows: "5 - Very satisfied" → 5), or the words `written_by` the question ("the header") beside
    them: words that are points of a built-in scale say which end is best — "1 - Very satisfied" …
    "5 - Very dissatisfied" runs lower-is-better; bare numbers leave it to the question's wording
    (`as_statement`); words naming both ends at one end of the numbers establish nothing."""
    words = {label: said for label in numbers if (said := shown_words(label))}
    shown = f"{written_by} writes {_shown(numbers, typed=typed)}" if written_by else _shown(numbers, typed=typed)
    span = f"{_fmt(bounds[0])}–{_fmt(bounds[1])}" + (f" ({shown})" if numbers else "")
    scale = builtin.scale_for(words.values()) if words else None
    if scale is None:
        return ScaleReading(f"the answers are numbers {span}", bounds=bounds, numbered=True)
    ranks, middle, middle_rank = scale.values(), sum(bounds) / 2, sum(scale.scale) / 2
    sides = [(numbers[label] - middle) * (ranks[builtin.label_key(said)] - middle_rank) for label, said in words.items()]
    rising, falling = any(side > 0 for side in sides), any(side < 0 for side in sides)
    if rising == falling:
        why = "at the same end of the numbers" if rising else "only at their middle"
        return ScaleReading(f"the numbers {span} carry labels of the built-in {scale.name} scale {why}")
    direction = scale.direction if rising else _FLIPPED[scale.direction]
    better = "higher" if direction is Direction.HIGHER_IS_BETTER else "lower"
    evidence = f"the answers are numbers {span} labelled as the built-in {scale.name} scale: {better} is better"
    return ScaleReading(evidence, scale, bounds, direction, numbered=True)


def answered_directions(answered: Mapping[str, float], bounds: tuple[float, float]) -> dict[Direction, list[str]]:
    """Answers written beside their numbers ("1 - Very satisfied" → 1), every one a question holds,
    by the direction each one's words give on `bounds` (`read_numbers`), in the order of their
    labels: one direction is the question's, whatever order they were answered in; both are
    answers numbering the scale opposite ways. Answers whose words are no built-in scale's end
    ("3 - Neutral", "1 - Poor") give none."""
    found: dict[Direction, list[str]] = {}
    for label in sorted(answered, key=builtin.label_key):
        reading = read_numbers({label: answered[label]}, bounds)
        if reading.scale is not None:
            found.setdefault(reading.direction, []).append(label)
    return found


def asked_metric(text: str) -> str | None:
    """What numbers or agreement under a question measure by its wording — whichever of
    satisfaction and effort or ease it names first (`first_mentioned`): csat under "How satisfied
    were you with how easy it was to get your problem resolved?", ces under "How easy was it to
    get your problem resolved to your satisfaction?"; nothing under a question of fact, which
    names the resolution before the satisfaction ("Was your problem resolved to your
    satisfaction?"), nor under wording turned round (`turned_round`: "I was not satisfied", "How
    dissatisfied were you?", "It was not easy"), whose top answer may be the worst one."""
    asked = first_mentioned(text, ("satisfaction", "effort"))
    if asked == "satisfaction" and first_mentioned(text, ("resolved", "satisfaction")) == "resolved":
        return None
    if turned_round(text):
        return None
    return {"satisfaction": "csat", "effort": "ces"}.get(asked or "")


def metric_of(reading: ScaleReading, text: str) -> str | None:
    """csat for satisfaction labels, ces for ease or effort labels — whatever the wording, which
    the labels outweigh; quality labels ("Poor" … "Excellent") a rating, csat under a question
    asking about satisfaction; bare numbers and agreement labels by the wording (`asked_metric`: "I was
    satisfied with the service" is a csat, "The company made it easy" a ces, "I was satisfied with
    how easy it was" a csat, "I was not satisfied" nothing: the scale's own direction would score
    it backwards)."""
    if reading.kind == "numbers" and no_effort_needed(text):
        return None  # agreeing is the least effort; the numbers' way round is not said
    if reading.kind in ("agreement", "numbers"):
        return asked_metric(text)
    if reading.kind == "satisfaction":
        return "csat"
    if reading.kind == "quality":
        return "csat" if asked_metric(text) == "csat" else "rating"
    return "ces" if reading.kind in ("ease", "effort") else None


def turned_round(text: str) -> str | None:
    """The word negating what a statement or question asserts — satisfaction or ease, whichever
    it names first ("not", "dissatisfied", "uneasy", "недоволен") — or None."""
    role = first_mentioned(text, ("satisfaction", "effort"))
    return negation(text, role) if role else None


def as_statement(reading: ScaleReading, text: str) -> ScaleReading:
    """An agreement scale under a statement of difficulty ("It was difficult to…", "…was a
    hassle"): agreeing is the most effort, so the scale's direction is reversed — not when the
    statement names satisfaction first (`asked_metric`): agreeing is then satisfied. Bare numbers
    run as the question asks: the most satisfied at the top, effort by `effort_direction`."""
    if reading.kind == "numbers":
        return _as_asked(reading, text)
    stem = mentions(text, "difficulty")
    if reading.kind != "agreement" or stem is None or mentions(text, "ease") or mentions(text, "effortless"):
        return reading
    if asked_metric(text) == "csat":
        return reading
    direction = _FLIPPED[reading.direction]
    better = "lower" if direction is Direction.LOWER_IS_BETTER else "higher"
    evidence = f"{reading.evidence}; the statement says it was hard ({stem!r}), so agreeing is the most effort: {better} is better"
    return replace(reading, direction=direction, evidence=evidence)


def _as_asked(reading: ScaleReading, text: str) -> ScaleReading:
    """Bare numbers as the question asks (`asked_metric`): the most satisfied at the top, effort by its wording."""
    metric, high = asked_metric(text), _fmt(reading.bounds[1])  # type: ignore[index]
    if metric == "csat" and reading.direction is Direction.HIGHER_IS_BETTER:
        return replace(reading, evidence=f"{reading.evidence}; {high} taken as the most satisfied (numbers without labels)")
    if metric != "ces" or no_effort_needed(text):  # its numbers' way round unsaid (`metric_of`)
        return reading
    direction, why = effort_direction(text)
    if reading.direction is Direction.LOWER_IS_BETTER:  # recodes running against the numbers shown
        direction = _FLIPPED[direction]
    return replace(reading, direction=direction, evidence=f"{reading.evidence}; {why}")


_HOW_MUCH_EFFORT = ("how much effort", "more effort", "less effort", "level of effort", "effort required",
                    "усилий", "усилия", "усилие", "wysiłku", "wysiłek", "wysilku", "wysilek", "aufwand", "esfuerzo",
                    "effort avez", "efforts avez", "combien d'effort", "combien d’effort", "niveau d'effort",
                    "niveau d’effort", "esforço", "esforco")  # fmt: skip
"""Words of a question of how much effort, in each inflection a question puts them ("усилия",
"wysiłek", "d'efforts", "level of effort"): the noun alone ("Effort", "Customer Effort Score") may
name the metric, and says no direction."""


def effort_direction(text: str) -> tuple[Direction, str]:
    """Which way numbers under an effort or ease question run, by its wording."""
    key = builtin.label_key(text)
    if stem := mentions(text, "effortless"):
        return Direction.HIGHER_IS_BETTER, f"it says {stem!r}: higher is better (set direction if not)"
    if noun := no_effort(text):  # before "how much effort": "kein Aufwand" is none of it
        return Direction.HIGHER_IS_BETTER, f"it says no effort ({noun!r}): higher is better (set direction if not)"
    if any(word in key for word in _HOW_MUCH_EFFORT):
        return Direction.LOWER_IS_BETTER, "it asks how much effort: lower is better (set direction if not)"
    if mentions(text, "difficulty") and not mentions(text, "ease"):
        return Direction.LOWER_IS_BETTER, "it asks how difficult: lower is better (set direction if not)"
    return Direction.HIGHER_IS_BETTER, "it asks how easy: higher is better (set direction if not)"


def effort_read_backwards(text: str, *, what: str) -> str | None:
    """Why a CES set without a direction is read the wrong way round: read higher-is-better, but
    its wording (of `what`: the column, the question) asks how much effort or how difficult;
    None when the wording agrees. A config error, never a guess: the figures would turn round."""
    direction, why = effort_direction(text)
    if direction is Direction.HIGHER_IS_BETTER:
        return None
    return (f"no direction is set, so {what} would be read higher_is_better, but "
            f"{why.removesuffix(' (set direction if not)')}; set direction = \"lower_is_better\", "
            'or "higher_is_better" if its top answer is the least effort')  # fmt: skip


def read_backwards(metric: str, text: str, ends: Mapping[str, float], scale: tuple[float, float] | None, *,
                   what: str, by: str) -> str | None:
    """Why a CSAT or CES set without a direction (of `what`: a file's column, an API question) is
    read the wrong way round, higher-is-better: the words `by` (its header, its definition) writes
    beside its numbers (`ends`: "1 - Very satisfied" → 1, `declared_scale.end_words`, a Google
    Forms linear scale's end labels) are a built-in scale's points best first, or, a CES, its
    wording asks how much effort or how difficult (`effort_read_backwards`). None when nothing says
    so. A config error, never a guess: the figures would turn round."""
    if metric not in ("csat", "ces"):
        return None
    reading = read_numbers(ends, scale) if ends and scale else None
    if reading is not None and reading.direction is Direction.LOWER_IS_BETTER:
        return (f"no direction is set, so {what} would be read higher_is_better, but {by} writes "
                f"{_shown(ends, typed=False)}, labels of the built-in {reading.scale.name} scale: lower is better; "  # type: ignore[union-attr]
                'set direction = "lower_is_better"')  # fmt: skip
    return effort_read_backwards(text, what=what) if metric == "ces" else None


def set_against_words(metric: str, direction: Direction, reading: ScaleReading, words: Mapping[str, float], *,
                      by: str) -> str | None:
    """Why a CSAT or CES whose `direction` is set would be read the wrong way round: the `words`
    `by` writes (a definition's or a header's words beside its numbers, or a definition's choices
    by their values), read as `reading`, are a built-in satisfaction, ease or effort scale's
    points that make the other end the best — their meaning decides, as a file's numbered answers'
    does (`tabular.scale_checks.check_order`). Agreement decides nothing: what agreeing means is
    the statement's, which the direction set says. None when they agree or say nothing."""
    if metric not in ("csat", "ces") or reading.scale is None or reading.direction is direction:
        return None
    if reading.kind not in ("satisfaction", "ease", "effort"):
        return None
    if all(shown_number(label) is not None for label in words):
        written = f"writes {_shown(words)}"
    else:
        (low, lowest), *_, (high, highest) = sorted(reading.labels.items(), key=lambda item: item[1])
        written = f"value {low!r} {_fmt(lowest)} … {high!r} {_fmt(highest)}"
    better = "higher" if reading.direction is Direction.HIGHER_IS_BETTER else "lower"
    return (f'direction = "{direction.value}" is set, but {by} {written}, labels of the built-in '
            f"{reading.scale.name} scale: {better} is better; set direction = \"{reading.direction.value}\"")


def numbers_shown(choices: Mapping[str, float], *, signed: bool = False) -> dict[str, float]:
    """Choices showing numbers ("5", "5 - Very satisfied") that are not all their recodes — a 0–10
    scale Qualtrics recodes 1–11 (the choice ids), a 1–5 scale recoded 2–6, or 5 … 1 once the
    choices were reordered — or whose "N/A" choice is recoded as one of the numbers shown
    ("Not applicable" recoded 5 beside "5" recoded 4), as the numbers shown: what a scored
    question's answers are, when they are its scale (`shows_scale`), its N/A answers told apart
    by their label (`choice_value`). {} unless every choice carrying a score shows a number of
    its own. `signed`: negative recodes are scores (`read_options`)."""
    scored = {label: recode for label, recode in choices.items() if not _no_score(label, recode, signed=signed)}
    shown = _numbers_of(scored)
    if not shown:
        return {}
    as_recoded = all(scored[label] == n for label, n in shown.items())
    if as_recoded and not _no_score_recodes(choices, signed) & set(shown.values()):
        return {}
    return shown


def no_score_values(choices: Mapping[str, float], *, signed: bool = False) -> list[float]:
    """The values a definition marks as carrying no score — negative recodes (unless `signed`),
    the recodes of "N/A"-type choices — but none a scored answer carries (a number shown, or
    another choice's recode): an N/A choice recoded as one of those carries no score by its label
    (`choice_value`)."""
    shown = numbers_shown(choices, signed=signed)
    scored = set(shown.values()) or {v for label, v in choices.items() if not _no_score(label, v, signed=signed)}
    return sorted(_no_score_recodes(choices, signed) - scored)


def choice_value(label: str, recode: Any, labels: Mapping[str, float], *, by_label: bool) -> Any:
    """The value of an answer naming a choice: the one `labels` (`index_labels`) give its label;
    else none for an "N/A"-type choice when answers are read by their label (`by_label`: a file's
    cell naming a definition's choice, or a question read by the numbers its choices show, where
    the N/A recode may be one of them, or off the scale); else its recode."""
    if (configured := label_value(label, labels)) is not None:
        return configured
    return None if by_label and builtin.is_no_score(label) else recode


def shared_recodes(choices: Mapping[str, float]) -> dict[str, str]:
    """"N/A"-type choice → the choice carrying a score recoded as it ("Not applicable" and "1" both
    recoded 1): a cell holding that recode cannot say which was chosen; it reads as the choice
    carrying a score (`recoded_choice`)."""
    scored = {recode: label for label, recode in reversed(choices.items()) if not _no_score(label, recode)}
    return {label: scored[recode] for label, recode in choices.items() if builtin.is_no_score(label) and recode in scored}


def recoded_choice(choices: Mapping[str, float], recode: Any) -> str | None:
    """The label of the choice recoded as `recode` — of an "N/A"-type choice and one carrying a
    score that share it (`shared_recodes`), the latter, whichever the definition lists first."""
    found = [label for label, number in choices.items() if number == recode]
    return next((label for label in found if not builtin.is_no_score(label)), found[0] if found else None)


def _no_score_recodes(choices: Mapping[str, float], signed: bool = False) -> set[float]:
    return {recode for label, recode in choices.items() if _no_score(label, recode, signed=signed)}


def _numbers_of(options: Mapping[str, object]) -> dict[str, float]:
    """label → the number it shows, when every option shows a number of its own; else {}."""
    shown = {label: shown_number(label) for label in options}
    numbers = set(shown.values())
    return shown if None not in numbers and len(numbers) == len(shown) else {}  # type: ignore[return-value]


def _numbered(options: Mapping[str, float | None], scored: dict[str, float | None], numbers: dict[str, float], *,
              signed: bool):  # fmt: skip
    """Options showing numbers: their answers score the numbers shown (`numbers_shown`), or the
    recodes where an "N/A"-type option is recoded as one of those numbers — recodes running
    against the numbers reverse the scale."""
    recoded = {label: numbers[label] if v is None else v for label, v in scored.items()}
    values = numbers_shown(options, signed=signed) or recoded
    by_number = [values[label] for label in sorted(scored, key=numbers.__getitem__)]
    steps = {b > a for a, b in zip(by_number, by_number[1:]) if b != a}
    if len(steps) != 1 or len(set(by_number)) < len(by_number):
        return ScaleReading(f"the recodes of the numbered answers ({_shown(scored)}) do not follow their numbers")
    reading = read_numbers(numbers, (min(numbers.values()), max(numbers.values())))
    if reading.bounds is None:
        return reading
    direction = reading.direction if steps == {True} else _FLIPPED[reading.direction]
    return replace(reading, bounds=(min(by_number), max(by_number)), direction=direction, labels=values)  # type: ignore


def shows_scale(shown: Mapping[str, float], spec: MetricSpec) -> bool:
    """Whether the numbers shown run from one end of the spec's scale to the other; if not, the
    scale was set for the recodes (`[0, 4]` for choices shown 1 … 5 recoded 0 … 4, `[0, 100]` for
    ones recoded as points 0, 25 … 100), and they score."""
    return (min(shown.values()), max(shown.values())) == spec.scale_bounds


def value_range(values: Iterable[float]) -> tuple[float, float] | None:
    """The lowest and highest of `values`; None for fewer than two different ones."""
    numbers = [float(value) for value in values]
    if len(numbers) < 2 or min(numbers) == max(numbers):
        return None
    return (min(numbers), max(numbers))


def labels_direction(choices: Mapping[str, float], *, signed: bool = False) -> Direction | None:
    """The direction a question's choice labels give though they be only some points of a built-in
    scale ("Satisfied" 1, "Neutral" 2, "Dissatisfied" 3: lower is better), for a question whose
    metric is configured: their meaning settles which end is best, whatever the recodes' order —
    as the end words of a list of no built-in scale's do ("Great" 1 … "Awful" 3: `_ends_direction`).
    None when they establish none."""
    reading = read_options(choices, complete=False, signed=signed)
    return reading.direction if reading.bounds is not None else _ends_direction(choices, signed=signed)


def _ends_direction(choices: Mapping[str, float], *, signed: bool) -> Direction | None:
    """The direction the words of a list's two ends give when they are no built-in scale's: the
    lowest value "Great" and the highest "Awful" (`builtin.END_WORDS`) is lower is better, "Poor"
    … "Excellent" higher; None unless one end names the best and the other the worst."""
    scored = {label: value for label, value in choices.items()
              if value is not None and not _no_score(label, value, signed=signed)}  # fmt: skip
    if len(set(scored.values())) < 2:
        return None
    low, high = min(scored, key=scored.__getitem__), max(scored, key=scored.__getitem__)
    sides = (builtin.END_WORDS.get(builtin.label_key(low)), builtin.END_WORDS.get(builtin.label_key(high)))
    return {(1, -1): Direction.LOWER_IS_BETTER, (-1, 1): Direction.HIGHER_IS_BETTER}.get(sides)  # type: ignore[arg-type]


def choices_scale(choices: Mapping[str, float], *, signed: bool = False) -> tuple[float, float] | None:
    """The scale a definition's choices give a question configured by its metric alone, as an
    API's question is read (`questions.QuestionPlan`): the range of the values its answers
    score — the numbers the choices show (`numbers_shown`), else their recodes but those that
    carry no score (`no_score_values`)."""
    shown = numbers_shown(choices, signed=signed)
    ignored = no_score_values(choices, signed=signed)
    return value_range(shown.values() if shown else (v for v in choices.values() if v not in ignored))


def scores_ranks(spec: MetricSpec | None, ranks: tuple[float, float] | None) -> bool:
    """Whether a rating scored by its options' ranks (SurveyMonkey weights with gaps, each
    option's weight kept beside its rank) scores the ranks under `spec`: unless it sets a scale
    other than theirs (`[0, 100]`, the weights' own, as a config written for them would)."""
    return spec is None or spec.scale is None or spec.scale_bounds == ranks


def unscored_note(text: str, reading: ScaleReading | None = None, *, why: str | None = None) -> str:
    """Why a question that looks scored — by its wording, or answers on a known scale — is kept
    unscored; "" for a question that does not look scored."""
    role = "recommend" if mentions(text, "recommend") else first_mentioned(text, ("satisfaction", "effort"))
    stem = mentions(text, role) if role else None
    known = reading is not None and reading.scale is not None
    if stem is None and not known:
        return ""
    if why is None and reading is not None:
        why = f"{reading.evidence}{_not_asked(reading, text) if known or reading.numbered else ''}"
    looks = f"it asks about {stem!r}" if stem else "its answers are a known scale"
    return f"{looks}, but {why}: kept as answers, unscored"


def _not_asked(reading: ScaleReading, text: str) -> str:
    if reading.kind in ("agreement", "numbers") and (word := turned_round(text)):
        top = "agreeing" if reading.kind == "agreement" else "its highest number"
        return (f", and the wording is negated ({word!r}), so {top} may be the worst answer, not the best one "
                '(then its direction is "lower_is_better")')  # fmt: skip
    if reading.kind == "numbers" and (verb := no_effort_needed(text)):
        return (f", and the statement says no effort was needed ({verb!r}): which end of numbers without labels "
                "is the least effort it does not say")  # fmt: skip
    by_wording = reading.kind == "numbers" or mentions(text, "effort")  # read by `asked_metric`
    if by_wording and (fact := mentions(text, "resolved")):
        return f", and the question asks whether something was {fact!r}: a question of fact"
    if reading.kind != "numbers":
        return ", and the question is not about effort"
    return ", and the question asks about neither satisfaction nor effort"


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


def _no_score(label: str, value: float | None, *, signed: bool = False) -> bool:
    return builtin.is_no_score(label) or (value is not None and value < 0 and not signed)


def _shown(options: Mapping[str, object], *, typed: bool = False) -> str:
    labels = [quoted(label) if typed else repr(label) for label in options]  # typed: `profile.answers_shown`
    return ", ".join(labels) if len(labels) <= 3 else f"{labels[0]} … {labels[-1]}"


def _fmt(value: object) -> str:
    number = float(value)  # type: ignore[arg-type]
    return str(int(number)) if number.is_integer() else str(number)
