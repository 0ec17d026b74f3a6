"""Built-in label maps for the answer scales surveys use most, in English, Russian, Polish,
German, Spanish, French and Portuguese (agreement also in Italian and Dutch; quality, "Poor" …
"Excellent", in English), the answers that carry no score ("N/A", "Не знаю"), and
Yes/No answers (which are no scale at all).

A scale is a list of points, worst first (for effort: least first); each point lists the ways it
is written. Labels are matched case-, space- and punctuation-insensitively to the smallest scale
that holds each of them on a point of its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from cxbridge.detection.expectation import expectation_points
from cxbridge.metrics import NO_ANSWER_LABELS, Direction, shown_words
from cxbridge.metrics import label_key as answer_key  # the key of a mapping's labels, this one builds on

_PUNCTUATION = str.maketrans(dict.fromkeys(',.;:!?¿¡«»"“”„', " "))


@dataclass(frozen=True)
class LabelScale:
    name: str
    metrics: tuple[str, ...]  # the metrics whose configured scale reads these labels without `labels`
    # (`builtin_labels`): csat, ces (agreement: either, by the statement); none for quality (`QUALITY_5`)
    direction: Direction
    points: tuple[tuple[str, ...], ...]  # worst (or, for effort, least) first

    def values(self) -> dict[str, float]:
        """label → 1-based value, every spelling of every point."""
        return _values_of(self)

    @property
    def scale(self) -> tuple[float, float]:
        return (1.0, float(len(self.points)))

    @property
    def keeps_values(self) -> bool:
        """Whether its words keep their values under either direction: agreement's meaning is the
        statement's, which the direction states ("Strongly agree" 5 of 5 whichever end is best)."""
        return SCALE_KIND[self] == "agreement"

    def turned_round(self) -> dict[str, float]:
        """label → its value under the other direction ("Very satisfied" 1 of 5 under
        lower_is_better): satisfaction, ease and effort words keep their meaning whichever end is
        best, agreement its values (`keeps_values`) — a file's column as an API's options."""
        if self.keeps_values:
            return self.values()
        low, high = self.scale
        return {key: low + high - value for key, value in self.values().items()}


def label_key(text: str) -> str:
    """How a built-in label is looked up: as a mapping's (`metrics.label_key`: case, spacing, the
    apostrophe's shape), and punctuation and ё/е do not matter either."""
    return answer_key(text.translate(_PUNCTUATION)).replace("ё", "е")


SATISFACTION_5 = LabelScale("satisfaction (5 points)", ("csat",), Direction.HIGHER_IS_BETTER, (
    ("very dissatisfied", "extremely dissatisfied", "very unsatisfied", "очень недоволен", "очень недовольна",
     "совсем не удовлетворен", "bardzo niezadowolony", "bardzo niezadowolona", "sehr unzufrieden",
     "muy insatisfecho", "muy insatisfecha", "très insatisfait", "très insatisfaite", "muito insatisfeito",
     "muito insatisfeita"),
    ("dissatisfied", "somewhat dissatisfied", "unsatisfied", "недоволен", "недовольна", "скорее недоволен",
     "niezadowolony", "niezadowolona", "raczej niezadowolony", "unzufrieden", "eher unzufrieden", "insatisfecho",
     "insatisfecha", "insatisfait", "insatisfaite", "plutôt insatisfait", "insatisfeito", "insatisfeita"),
    ("neutral", "neither satisfied nor dissatisfied", "neither", "нейтрально", "ни доволен, ни недоволен",
     "не знаю, доволен ли", "neutralnie", "ani zadowolony, ani niezadowolony", "neutralny",
     "weder zufrieden noch unzufrieden", "weder noch", "teils/teils", "ni satisfecho ni insatisfecho", "neutro", "neutre",
     "ni satisfait ni insatisfait", "nem satisfeito nem insatisfeito"),
    ("satisfied", "somewhat satisfied", "доволен", "довольна", "скорее доволен", "zadowolony", "zadowolona",
     "raczej zadowolony", "zufrieden", "eher zufrieden", "satisfecho", "satisfecha", "satisfait", "satisfaite",
     "plutôt satisfait", "satisfeito", "satisfeita"),
    ("very satisfied", "extremely satisfied", "очень доволен", "очень довольна", "полностью удовлетворен",
     "bardzo zadowolony", "bardzo zadowolona", "sehr zufrieden", "muy satisfecho", "muy satisfecha",
     "très satisfait", "très satisfaite", "muito satisfeito", "muito satisfeita"),
))  # fmt: skip

SATISFACTION_7 = LabelScale("satisfaction (7 points)", ("csat",), Direction.HIGHER_IS_BETTER, (
    ("extremely dissatisfied", "very dissatisfied", "completely dissatisfied", "очень недоволен", "очень недовольна",
     "bardzo niezadowolony", "bardzo niezadowolona", "sehr unzufrieden", "très insatisfait", "très insatisfaite"),
    ("moderately dissatisfied", "dissatisfied", "mostly dissatisfied", "недоволен", "недовольна", "niezadowolony",
     "niezadowolona", "unzufrieden", "insatisfait", "insatisfaite"),
    ("slightly dissatisfied", "somewhat dissatisfied", "скорее недоволен", "raczej niezadowolony", "eher unzufrieden",
     "plutôt insatisfait"),
    ("neither satisfied nor dissatisfied", "neutral", "neither", "нейтрально", "ни доволен, ни недоволен",
     "ani zadowolony, ani niezadowolony", "neutralnie", "weder zufrieden noch unzufrieden", "weder noch", "teils/teils",
     "ni satisfait ni insatisfait", "neutre"),
    ("slightly satisfied", "somewhat satisfied", "скорее доволен", "raczej zadowolony", "eher zufrieden",
     "plutôt satisfait"),
    ("moderately satisfied", "satisfied", "mostly satisfied", "доволен", "довольна", "zadowolony", "zadowolona",
     "zufrieden", "satisfait", "satisfaite"),
    ("extremely satisfied", "very satisfied", "completely satisfied", "очень доволен", "очень довольна",
     "bardzo zadowolony", "bardzo zadowolona", "sehr zufrieden", "très satisfait", "très satisfaite"),
))  # fmt: skip
"""Russian, Polish, German and French: very, —, somewhat (скорее, raczej, eher, plutôt), "neither" —
the 7-point wording of those languages' questionnaires (German's "sehr zufrieden / zufrieden / eher
zufrieden / teils/teils / …"), each point spelt as the 5-point list spells it. Left out: Spanish
and Portuguese, whose "somewhat" point has no one established wording, and the "extremely",
"moderately" and "completely" spellings in any language but English."""

AGREEMENT_5 = LabelScale("agreement (5 points)", ("ces", "csat"), Direction.HIGHER_IS_BETTER, (
    ("strongly disagree", "полностью не согласен", "совершенно не согласен", "zdecydowanie się nie zgadzam",
     "zdecydowanie nie", "stimme überhaupt nicht zu", "totalmente en desacuerdo", "pas du tout d'accord",
     "tout à fait en désaccord", "discordo totalmente", "per niente d'accordo", "non concordo affatto",
     "helemaal mee oneens"),
    ("disagree", "somewhat disagree", "не согласен", "скорее не согласен", "nie zgadzam się", "raczej nie",
     "raczej się nie zgadzam", "stimme nicht zu", "stimme eher nicht zu", "en desacuerdo", "algo en desacuerdo",
     "pas d'accord", "plutôt pas d'accord", "discordo", "discordo parcialmente", "non d'accordo",
     "abbastanza in disaccordo", "mee oneens", "enigszins mee oneens"),
    ("neither agree nor disagree", "neutral", "ни да, ни нет", "нейтрально", "ani się zgadzam, ani nie zgadzam",
     "trudno powiedzieć, raczej neutralnie", "weder noch", "stimme weder zu noch nicht zu",
     "ni de acuerdo ni en desacuerdo", "ni d'accord ni pas d'accord", "não concordo nem discordo", "neutro", "neutre",
     "né d'accordo né in disaccordo", "neutrale", "niet mee eens, niet mee oneens", "neutraal"),
    ("agree", "somewhat agree", "согласен", "скорее согласен", "zgadzam się", "raczej tak", "raczej się zgadzam",
     "stimme zu", "stimme eher zu", "de acuerdo", "algo de acuerdo", "d'accord", "plutôt d'accord", "concordo",
     "concordo parcialmente", "d'accordo", "abbastanza d'accordo", "mee eens", "enigszins mee eens"),
    ("strongly agree", "полностью согласен", "совершенно согласен", "zdecydowanie się zgadzam", "zdecydowanie tak",
     "stimme voll und ganz zu", "stimme völlig zu", "totalmente de acuerdo", "tout à fait d'accord",
     "concordo totalmente", "pienamente d'accordo", "concordo in pieno", "helemaal mee eens"),
))  # fmt: skip
"""The "somewhat" points (somewhat, eher, скорее, raczej, algo, plutôt, parcialmente, abbastanza,
enigszins) share the plain one, as in `SATISFACTION_5`: Qualtrics' 5-point agreement ("Strongly
disagree", "Somewhat disagree", …), the lists SurveyMonkey publishes in German ("Stimme eher zu") and
Italian ("Abbastanza d'accordo") and the Brazilian "Concordo parcialmente" use them as its 2nd and 4th
points. Italian and Dutch: Qualtrics' Italian list ("Pienamente d'accordo" … "Per niente d'accordo")
and Statistics Netherlands' ("Helemaal mee eens" … "Helemaal mee oneens")."""

AGREEMENT_7 = LabelScale("agreement (7 points)", ("ces", "csat"), Direction.HIGHER_IS_BETTER, (
    ("strongly disagree", "полностью не согласен", "совершенно не согласен", "zdecydowanie się nie zgadzam",
     "stimme überhaupt nicht zu", "totalmente en desacuerdo", "pas du tout d'accord", "tout à fait en désaccord",
     "discordo totalmente", "per niente d'accordo", "non concordo affatto", "helemaal mee oneens"),
    ("disagree", "не согласен", "nie zgadzam się", "stimme nicht zu", "en desacuerdo", "pas d'accord", "discordo",
     "non d'accordo", "mee oneens"),
    ("somewhat disagree", "скорее не согласен", "raczej się nie zgadzam", "stimme eher nicht zu", "algo en desacuerdo",
     "plutôt pas d'accord", "discordo parcialmente", "abbastanza in disaccordo", "enigszins mee oneens"),
    ("neither agree nor disagree", "neutral", "ни да, ни нет", "нейтрально", "ani się zgadzam, ani nie zgadzam",
     "weder noch", "stimme weder zu noch nicht zu", "ni de acuerdo ni en desacuerdo", "ni d'accord ni pas d'accord",
     "não concordo nem discordo", "neutro", "neutre", "né d'accordo né in disaccordo", "neutrale",
     "niet mee eens, niet mee oneens", "neutraal"),
    ("somewhat agree", "скорее согласен", "raczej się zgadzam", "stimme eher zu", "algo de acuerdo", "plutôt d'accord",
     "concordo parcialmente", "abbastanza d'accordo", "enigszins mee eens"),
    ("agree", "согласен", "zgadzam się", "stimme zu", "de acuerdo", "d'accord", "concordo", "d'accordo", "mee eens"),
    ("strongly agree", "полностью согласен", "совершенно согласен", "zdecydowanie się zgadzam", "stimme voll und ganz zu",
     "stimme völlig zu", "totalmente de acuerdo", "tout à fait d'accord", "concordo totalmente", "pienamente d'accordo",
     "concordo in pieno", "helemaal mee eens"),
))  # fmt: skip
"""Very, —, somewhat, neither in each language, each point spelt as `AGREEMENT_5` spells it (the
7-point wording from the questionnaires of those languages, not a vendor's published list; Italian
and Dutch put together from the published 5-point lists, their "somewhat" points SurveyMonkey's
"abbastanza" and "enigszins": tests/test_scale_evidence.py names the sources). Left out: the Polish
"zdecydowanie nie" … "raczej tak", a 5-point wording with no plain point."""

EASE_5 = LabelScale("ease (5 points)", ("ces",), Direction.HIGHER_IS_BETTER, (
    ("very difficult", "extremely difficult", "очень сложно", "очень трудно", "bardzo trudno", "bardzo trudne",
     "sehr schwierig", "sehr schwer", "muy difícil", "très difficile", "muito difícil"),
    ("difficult", "somewhat difficult", "сложно", "трудно", "trudno", "trudne", "schwierig", "schwer", "difícil",
     "difficile", "plutôt difficile"),
    ("neither easy nor difficult", "neutral", "нейтрально", "ani łatwo, ani trudno", "weder leicht noch schwer",
     "ni fácil ni difícil", "ni facile ni difficile", "nem fácil nem difícil", "neutro", "neutre"),
    ("easy", "somewhat easy", "легко", "просто", "łatwo", "łatwe", "leicht", "einfach", "fácil", "facile",
     "plutôt facile"),
    ("very easy", "extremely easy", "очень легко", "очень просто", "bardzo łatwo", "bardzo łatwe", "sehr leicht",
     "sehr einfach", "muy fácil", "très facile", "muito fácil"),
))  # fmt: skip

EASE_7 = LabelScale("ease (7 points)", ("ces",), Direction.HIGHER_IS_BETTER, (
    ("extremely difficult", "very difficult", "très difficile"), ("moderately difficult", "difficult", "difficile"),
    ("slightly difficult", "somewhat difficult", "plutôt difficile"),
    ("neither easy nor difficult", "neutral", "neither", "ni facile ni difficile", "neutre"),
    ("slightly easy", "somewhat easy", "plutôt facile"), ("moderately easy", "easy", "facile"),
    ("extremely easy", "very easy", "très facile"),
))  # fmt: skip
"""French as its satisfaction (`SATISFACTION_7`); the other languages' 5-point ease lists have no
"somewhat" point to place."""

EFFORT_5 = LabelScale("effort (5 points, lower is better)", ("ces",), Direction.LOWER_IS_BETTER, (
    ("very low effort", "much less effort than expected", "much less than expected", "очень низкие усилия",
     "bardzo mały wysiłek", "sehr geringer aufwand", "muy poco esfuerzo", "très peu d'effort", "muito pouco esforço"),
    ("low effort", "less effort than expected", "less than expected", "низкие усилия", "mały wysiłek",
     "geringer aufwand", "poco esfuerzo", "peu d'effort", "pouco esforço"),
    ("moderate effort", "about as expected", "as much effort as expected", "средние усилия", "średni wysiłek",
     "mittlerer aufwand", "esfuerzo moderado", "effort modéré", "esforço moderado"),
    ("high effort", "more effort than expected", "more than expected", "высокие усилия", "duży wysiłek",
     "hoher aufwand", "mucho esfuerzo", "beaucoup d'effort", "muito esforço"),
    ("very high effort", "much more effort than expected", "much more than expected", "очень высокие усилия",
     "bardzo duży wysiłek", "sehr hoher aufwand", "muchísimo esfuerzo", "énormément d'effort", "esforço enorme"),
))  # fmt: skip

EXPECTATION_5 = LabelScale("effort compared with what was expected (5 points, lower is better)", ("ces",),
                           Direction.LOWER_IS_BETTER, expectation_points())  # fmt: skip

QUALITY_4 = LabelScale("quality (4 points)", (), Direction.HIGHER_IS_BETTER, (
    ("poor",), ("fair",), ("good",), ("excellent",),
))  # fmt: skip

QUALITY_5 = LabelScale("quality (5 points)", (), Direction.HIGHER_IS_BETTER, (
    ("poor",), ("fair",), ("good",), ("very good",), ("excellent",),
))  # fmt: skip

QUALITY_5_FROM_VERY_POOR = LabelScale("quality (5 points, from very poor)", (), Direction.HIGHER_IS_BETTER, (
    ("very poor", "terrible"), ("poor",), ("fair", "average"), ("good",), ("excellent",),
))  # fmt: skip
"""A quality rating — "How would you rate…?" — a `rating`, or CSAT when the question asks about
satisfaction (`meaning.metric_of`). No metric reads these words by themselves (`metrics` empty,
so `builtin_labels` never gives them): "Poor" is 1 of 5 in one wording and 2 of 5 in the other,
and "Good" 3 of 4, 3 of 5 or 4 of 5; only the whole list — a survey definition's options, the
words a file's column holds — says which, and the labels it values are written out. English only:
the other languages' wordings differ from survey to survey."""

SCALES = (SATISFACTION_5, SATISFACTION_7, AGREEMENT_5, AGREEMENT_7, EASE_5, EASE_7, EFFORT_5, EXPECTATION_5,
          QUALITY_4, QUALITY_5, QUALITY_5_FROM_VERY_POOR)  # fmt: skip
SCALE_KIND = {SATISFACTION_5: "satisfaction", SATISFACTION_7: "satisfaction", AGREEMENT_5: "agreement",
              AGREEMENT_7: "agreement", EASE_5: "ease", EASE_7: "ease", EFFORT_5: "effort",
              EXPECTATION_5: "effort", QUALITY_4: "quality", QUALITY_5: "quality",
              QUALITY_5_FROM_VERY_POOR: "quality"}  # fmt: skip

YES = frozenset({"yes", "да", "tak", "ja", "sí", "si", "oui", "sim"})
NO = frozenset({"no", "нет", "nie", "nein", "non", "não", "nao"})

_END_WORDS = {
    1: ("excellent", "great", "very good", "good", "like", "like it", "like a lot", "love", "love it"),
    -1: ("poor", "very poor", "awful", "terrible", "bad", "very bad", "dislike", "dislike it", "hate", "hate it"),
}
END_WORDS = {label_key(word): side for side, words in _END_WORDS.items() for word in words}
"""Answers of no built-in scale that name the best (1) or worst (-1) end of a question's list —
quality ("Excellent" … "Poor") and liking ("Like" … "Dislike") — by the whole label, so "Not good"
names neither: enough to say which end is best, never a scale's points."""


NO_SCORE_LABELS = frozenset(
    label_key(label) for label in (
        *NO_ANSWER_LABELS, "no basis for evaluation", "prefer not to say", "prefer not to answer", "not sure",
        "нет ответа", "не знаю", "затрудняюсь ответить", "не применимо", "нет мнения",
        "nie wiem", "nie dotyczy", "trudno powiedzieć", "brak zdania", "nie mam zdania",
        "weiß nicht", "keine angabe", "k.a.", "nicht zutreffend", "keine meinung", "entfällt", "н/д", "нет данных",
        "b/d", "brak danych", "nsp", "ns/nr",
        "no sé", "no aplica", "ns/nc", "sin opinión", "no sabe", "no utilizo", "no conozco",
        "ne sais pas", "sans opinion", "non applicable", "non concerné",
        "não sei", "não se aplica", "sem opinião", "prefiro não responder",
    )
)  # fmt: skip


_DEGREE_WORDS = {
    1: ("very", "очень", "bardzo", "sehr", "muy", "très", "muito", "molto", "zeer"),
    2: ("extremely", "completely", "totally", "absolutely", "fully", "entirely", "полностью", "совершенно", "абсолютно",
        "крайне", "całkowicie", "absolutnie", "niezwykle", "äußerst", "völlig", "vollkommen", "absolut", "extrem",
        "totalmente", "completamente", "extremadamente", "absolutamente", "sumamente", "extrêmement", "complètement",
        "totalement", "entièrement", "tout à fait", "extremamente", "plenamente"),
}  # fmt: skip
DEGREES = {label_key(word): degree for degree, words in _DEGREE_WORDS.items() for word in words}
"""Words that grade a point of a scale: 1 as "very" does, 2 beyond it ("Totalmente satisfecho",
"Extremely satisfied", "Äußerst zufrieden") — a degree the built-in scales' top ("very") may be below."""


@dataclass(frozen=True)
class Graded:
    """Labels that grade the points of one kind of built-in scale by degree, in order, worst first."""

    kind: str
    labels: tuple[str, ...]
    strongest: str  # a label graded beyond "very"


def by_degree(labels: Iterable[str]) -> Graded | None:
    """The labels in order of degree when each is a built-in scale's plain point, graded or not
    ("Totalmente insatisfecho", "Insatisfecho", "Satisfecho", "Muy satisfecho", "Totalmente
    satisfecho": Zoho Survey's Spanish list), all of one kind, one graded beyond "very" and no two
    on one place; else None."""
    places: dict[str, tuple[int, int]] = {}
    kinds, strongest = set(), None
    for label in labels:
        key = label_key(label)
        if key in NO_SCORE_LABELS:
            continue
        degree, base = graded(key)
        found = _side(base)
        if found is None:
            return None
        kind, side = found
        kinds |= {kind} if side else set()
        places[label] = (side, degree * side)
        strongest = label if degree == 2 and (strongest is None or places[label] > places[strongest]) else strongest
    if strongest is None or len(kinds) != 1 or len(set(places.values())) != len(places):
        return None
    return Graded(kinds.pop(), tuple(sorted(places, key=places.__getitem__)), strongest)


def degree_above(text: str, *, metric: str, scale: tuple[float, float], direction: Direction) -> str | None:
    """The built-in label of `scale` an answer none of its labels is grades beyond "very"
    ("Totalmente satisfecho" → 'satisfecho', whose "muy" is the top), or None."""
    labels = builtin_labels(metric, (float(scale[0]), float(scale[1])), direction)
    key = label_key(text)
    degree, base = graded(key)
    return base if key not in labels and degree == 2 and base in labels else None


def graded(key: str) -> tuple[int, str]:
    """A label key's degree word's degree and the point it grades (0 and the label without one)."""
    for word, degree in DEGREES.items():
        if key.startswith(word + " ") and len(key) > len(word) + 1:
            return degree, key[len(word) + 1 :]
    return 0, key


def _side(base: str) -> tuple[str, int] | None:
    """The kind of the first built-in scale holding a plain point, and its side: −1 below the middle, 0, 1."""
    for scale in SCALES:
        if (value := scale.values().get(base)) is not None:
            middle = (1 + len(scale.points)) / 2
            return SCALE_KIND[scale], (value > middle) - (value < middle)
    return None


def names_a_point(text: str) -> bool:
    """Whether an answer is a scale's word: graded by degree, a built-in scale's plain point, or
    a no-answer one — the answers a decision of `degrees.off_builtin_scale` reads as more than one
    answer no scale knows."""
    key = label_key(text)
    degree, base = graded(key)
    return bool(degree) or key in NO_SCORE_LABELS or _side(base) is not None


def is_no_score(text: str) -> bool:
    """An answer that means 'no answer' in any of the built-in languages, also written after a
    number as other options are ("6 - Not applicable" beside "5 - Very satisfied")."""
    key = label_key(text)
    if key in NO_SCORE_LABELS:
        return True
    words = shown_words(text) if key.lstrip("+-")[:1].isdigit() else ""  # most labels show no number
    return bool(words) and label_key(words) in NO_SCORE_LABELS


def is_yes_no(labels: Iterable[str]) -> bool:
    """Whether the answers are Yes/No ones ("Yes", "No, the problem was not resolved", "Да",
    "Nein"): a question of fact, never a scale of satisfaction or effort."""
    firsts = {label_key(label).split(" ", 1)[0] for label in labels} - {""}
    return firsts <= YES | NO and bool(firsts & YES) and bool(firsts & NO)


def scale_for(labels: Iterable[str]) -> LabelScale | None:
    """The smallest built-in scale that holds every label given (N/A answers aside), each on a
    point of its own: "Very satisfied … Satisfied … Somewhat satisfied" is 7 points, not 5."""
    keys = {label_key(label) for label in labels} - NO_SCORE_LABELS
    if not keys:
        return None
    fitting = [scale for scale in SCALES if _distinct_points(keys, scale)]
    return min(fitting, key=lambda scale: len(scale.points), default=None)


def _distinct_points(keys: set[str], scale: LabelScale) -> bool:
    values = scale.values()
    return keys <= values.keys() and len({values[key] for key in keys}) == len(keys)


def builtin_value(text: str, *, metric: str, scale: tuple[float, float], direction: Direction) -> float | None:
    """The value of a label on a built-in scale of this metric, size and direction, if any."""
    return builtin_labels(metric, (float(scale[0]), float(scale[1])), direction).get(label_key(text))


@cache
def builtin_labels(metric: str, scale: tuple[float, float], direction: Direction) -> dict[str, float]:
    """Every built-in label of the scales of this metric, size and direction, with its value —
    agreement of a csat as of a ces ("Strongly agree" that "I was satisfied…" is 5 of 5) — and
    the words of a scale of this size that run the other way, valued the configured way
    (`LabelScale.turned_round`: "Very satisfied" 1 of 5 under lower_is_better, their meaning holding
    as an API's options' does, `questions._words_by_direction`; agreement keeping its values, the
    direction saying which end is good)."""
    found: dict[str, float] = {}
    for candidate in SCALES:
        if metric in candidate.metrics and candidate.scale == scale and candidate.direction != direction:
            found |= candidate.turned_round()
    for candidate in SCALES:
        if metric in candidate.metrics and (candidate.scale, candidate.direction) == (scale, direction):
            found |= candidate.values()
    return found


def other_size_holding(text: str, *, metric: str, scale: tuple[float, float], direction: Direction) -> LabelScale | None:
    """The built-in scale of this metric and direction, of another size than `scale`, whose label
    `text` is when it is none of `scale`'s ("Slightly satisfied" read on 1–5: the 7-point
    satisfaction scale), or None — also when `scale` is no built-in scale's of the metric."""
    key, bounds = label_key(text), (float(scale[0]), float(scale[1]))
    if key in builtin_labels(metric, bounds, direction) or not builtin_labels(metric, bounds, direction):
        return None
    return next((other for other in _other_sizes(metric, bounds, direction) if key in other.values()), None)


def told_apart(text: str, listed: Iterable[str], *, metric: str, scale: tuple[float, float],
               direction: Direction) -> tuple[str, LabelScale] | None:  # fmt: skip
    """For an answer none of the `listed` labels is: one of them that `scale`'s built-in labels read
    on the answer's point but a built-in scale of another size holds apart from it, with that
    scale ("Satisfied" for "Somewhat satisfied": 4 of 5 both, 6 and 5 of 7), or None."""
    listed, key, bounds = list(listed), label_key(text), (float(scale[0]), float(scale[1]))
    here = builtin_labels(metric, bounds, direction)
    if key not in here or key in {label_key(label) for label in listed}:
        return None
    alike = [label for label in listed if here.get(label_key(label)) == here[key]]
    for other in _other_sizes(metric, bounds, direction):
        there = other.values()
        if key in there and (apart := [label for label in alike if there.get(label_key(label), there[key]) != there[key]]):
            return apart[0], other
    return None


def sized_apart(scale: LabelScale, labels: Iterable[str]) -> LabelScale | None:
    """The built-in scale of the same kind and another size on whose points `labels` also stand,
    each on its own, when it tells apart a label read from one of its wording that `scale` reads on
    the same point ("Satisfied" and "Somewhat satisfied": one point of 5, two of 7) — so a later
    answer could be either; or None."""
    keys = {label_key(label) for label in labels}
    for other in SCALES:
        if SCALE_KIND[other] != SCALE_KIND[scale] or other.scale == scale.scale or not _distinct_points(keys, other):
            continue
        mine, theirs = scale.values(), other.values()
        shared = [key for key in mine if key in theirs]
        if any(mine[a] == mine[b] and theirs[a] != theirs[b] and _one_wording(a, b) for a in keys for b in shared):
            return other
    return None


def valued_otherwise(scale: LabelScale, labels: Iterable[str]) -> LabelScale | None:
    """Another built-in scale of the same kind on whose points every label also stands, each on
    its own, valuing some of them otherwise ("Poor", "Good", "Excellent": 1, 3, 4 of four points,
    1, 3, 5 of five, 2, 4, 5 from "Very poor"), so the answers alone do not say which the survey
    offered; or None."""
    keys = {label_key(label) for label in labels} - NO_SCORE_LABELS
    mine = scale.values()
    return next((other for other in SCALES if other is not scale and SCALE_KIND[other] == SCALE_KIND[scale]
                 and _distinct_points(keys, other) and any(other.values()[key] != mine[key] for key in keys)), None)  # fmt: skip


def _one_wording(one: str, other: str) -> bool:
    """Whether two spellings are one wording's points, one the other with words added ("zufrieden",
    "eher zufrieden"): a later answer in the language of a label read, not another language's."""
    words, others = set(one.split()), set(other.split())
    return words < others or others < words


def _other_sizes(metric: str, bounds: tuple[float, float], direction: Direction) -> list[LabelScale]:
    return [s for s in SCALES if metric in s.metrics and s.direction is direction and s.scale[1] != bounds[1]]


@cache
def _values_of(scale: LabelScale) -> dict[str, float]:
    return {label_key(label): float(rank) for rank, labels in enumerate(scale.points, 1) for label in labels}
