"""The expectation-style effort scale — "much less effort than I expected" … "much more effort
than I expected" (Gartner's CES wording), «гораздо меньше, чем я предполагал» … «гораздо больше,
чем я предполагал» — in English, Russian, Polish, German, Spanish, French and Portuguese.

Surveys word it in many small variants (with or without "effort", "I", a gendered verb), so each
language lists its parts and every combination is a spelling. Labels are compared punctuation-
insensitively (`labels.label_key`), so «меньше, чем» and "меньше чем" are one spelling.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product


@dataclass(frozen=True)
class Wording:
    """How one language says "[much] less/more [effort] than [I] expected" and "as expected"."""

    much: tuple[str, ...]  # the intensifiers of the outer points
    less: tuple[str, ...]
    more: tuple[str, ...]
    than_expected: tuple[str, ...]  # " than I expected", ", чем я предполагал", …
    as_expected: tuple[str, ...]  # the middle point, whole
    slightly: tuple[str, ...] = ()  # "a little less": still the inner point


WORDINGS = (
    Wording(("much", "a lot", "far"), ("less", "less effort"), ("more", "more effort"),
            (" than i expected", " than expected", " than i thought"),
            ("about as much effort as i expected", "about as much effort as expected", "about as expected",
             "as much effort as expected", "as much effort as i expected", "about what i expected", "as expected",
             "about the same as i expected", "neither more nor less than expected"),
            ("a little", "slightly", "somewhat")),
    Wording(("гораздо", "намного", "значительно", "существенно"), ("меньше", "меньше усилий"),
            ("больше", "больше усилий"),
            (", чем я предполагал", ", чем я предполагала", ", чем я ожидал", ", чем я ожидала", ", чем ожидалось",
             ", чем предполагалось", ", чем я думал", ", чем я думала"),
            ("примерно столько, сколько я предполагал", "примерно столько, сколько я предполагала",
             "примерно столько, сколько я ожидал", "примерно столько, сколько я ожидала", "столько, сколько я ожидал",
             "столько, сколько я предполагал", "как я и ожидал", "как я и ожидала", "как и ожидалось",
             "как я и предполагал", "как я и предполагала", "ни больше ни меньше, чем я ожидал"),
            ("немного", "чуть")),
    Wording(("znacznie", "dużo", "o wiele"), ("mniej", "mniej wysiłku"), ("więcej", "więcej wysiłku"),
            (", niż się spodziewałem", ", niż się spodziewałam", ", niż oczekiwałem", ", niż oczekiwałam",
             ", niż się spodziewano", " niż oczekiwano"),
            ("tyle, ile się spodziewałem", "tyle, ile się spodziewałam", "mniej więcej tyle, ile się spodziewałem",
             "mniej więcej tyle, ile się spodziewałam", "zgodnie z oczekiwaniami"),
            ("trochę", "nieco")),
    Wording(("viel", "deutlich", "wesentlich"), ("weniger", "weniger aufwand"), ("mehr", "mehr aufwand"),
            (" als erwartet", " als ich erwartet hatte", " als gedacht"),
            ("etwa so viel wie erwartet", "ungefähr so viel wie erwartet", "etwa so viel aufwand wie erwartet",
             "so viel wie erwartet", "wie erwartet"),
            ("etwas", "ein wenig")),
    Wording(("mucho", "bastante"), ("menos", "menos esfuerzo"), ("más", "más esfuerzo"),
            (" de lo que esperaba", " de lo esperado", " de lo que pensaba"),
            ("más o menos lo que esperaba", "más o menos lo esperado", "tanto como esperaba", "lo que esperaba",
             "lo esperado", "como esperaba"),
            ("un poco", "algo")),
    Wording(("beaucoup", "bien"), ("moins", "moins d'effort", "moins d'efforts"),
            ("plus", "plus d'effort", "plus d'efforts"),
            (" que prévu", " que ce que j'attendais", " que je ne le pensais", " que ce que je pensais"),
            ("à peu près autant que prévu", "autant que prévu", "comme prévu", "à peu près ce que j'attendais",
             "autant d'effort que prévu"),
            ("un peu", "légèrement")),
    Wording(("muito", "bem"), ("menos", "menos esforço"), ("mais", "mais esforço"),
            (" do que eu esperava", " do que o esperado", " do que esperava", " do que eu imaginava"),
            ("mais ou menos o que eu esperava", "mais ou menos o esperado", "o que eu esperava", "como esperado",
             "tanto quanto eu esperava", "o esperado"),
            ("um pouco", "ligeiramente")),
)  # fmt: skip


def expectation_points() -> tuple[tuple[str, ...], ...]:
    """The five points, least effort first: much less, less, as expected, more, much more."""
    points: list[list[str]] = [[], [], [], [], []]
    for wording in WORDINGS:
        for words, tail in product((*wording.less, *wording.more), wording.than_expected):
            outer, inner = (0, 1) if words in wording.less else (4, 3)
            points[inner] += [f"{words}{tail}", *(f"{little} {words}{tail}" for little in wording.slightly)]
            points[outer] += [f"{much} {words}{tail}" for much in wording.much]
        points[2] += wording.as_expected
    return tuple(tuple(dict.fromkeys(point)) for point in points)
