"""Points and percentages of mystery-shop visits and store audits: "Score (of 40)", "Points /50",
"Wynik (z 20)", "Compliance %", "Score" holding "85%". The scale comes from the maximum the header
names (of 40 → 0–40) or, for percentages, from the values (0–100; 0–1 for a spreadsheet's
percent cells); the metric rules normalize it 0–100.

Such a column is the visit's score only in a mystery-shop or audit program, as its metric
(`mystery_shop`, `audit`), one column a visit: the other points columns are its sections, scored
as `criterion`; yes/no criteria are kept as answers. In another program it is kept as an answer, and the warning says
how to score it."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from cxbridge.detection import labels as builtin
from cxbridge.detection.declared_scale import named_scale
from cxbridge.detection.evidence import Proposal
from cxbridge.detection.keywords import elsewhen, mentions, says_percent
from cxbridge.detection.profile import ColumnProfile, answers_shown
from cxbridge.detection.program import ProgramGuess, detect_program
from cxbridge.detection.tolerance import code_note, far_and_coded, no_answer_codes, slips, tolerated

POINTS_PROGRAMS = ("mystery_shop", "audit")
CRITERION = "criterion"  # a section of a visit's score (metrics.Metric.CRITERION)
_UNIT = r"\s*(?:points?|pts?|pkt|punkt\w*|балл\w*)?"
_MAXIMUM = r"(?:(?:(?<![^\s(\[])(?:out\s+of|of|max(?:imum)?\.?|z|из|von|sur|de|sobre)\s*)|/\s*)(\d+(?:[.,]\d+)?)"
_IN_BRACKETS = re.compile(rf"[(\[]\s*{_MAXIMUM}{_UNIT}\s*[)\]]", re.IGNORECASE)  # "(of 40)", "(max 40)", "[/40]"
_AT_THE_END = re.compile(rf"{_MAXIMUM}{_UNIT}$", re.IGNORECASE)  # "Score of 40", "Points /50", "Wynik z 20"
_UNITS_IN_BRACKETS = re.compile(r"[(\[]\s*(\d+(?:[.,]\d+)?)\s*(?:points?|pts?|pkt|punkt\w*|балл\w*)\s*[)\]]",
                                re.IGNORECASE)  # "(40 pts)"
_PERCENT_VALUE = re.compile(r"^\s*([+-]?\d+(?:[.,]\d+)?)\s*%\s*$")
_TOTAL = ("total", "overall", "final", "łącznie", "razem", "итог", "общ", "gesamt", "insgesamt", "global")


@dataclass(frozen=True)
class PointsReading:
    """What a points column's header and values say: its scale (None when the header names
    points but not their maximum, or answers off the one it names: `named`), why, and the answers
    off the scale."""

    scale: tuple[float, float] | None
    evidence: list[str]
    odd: Counter[str] = field(default_factory=Counter)
    total: bool = False  # the header says it is the total (overall) score
    codes: tuple[int, ...] = ()  # no-answer codes (99: `tolerance.no_answer_codes`), not in `odd`
    named: tuple[float, float] | None = None  # the scale the header names, too many answers off it

    def scale_fix(self, metric: str | None = None) -> str:
        """How to score the column, whose scale is not known: by `metric`, else its own."""
        fix = f"to score it, map it under [[metrics]] with {'its metric' if metric is None else f'metric = {metric!r}'}"
        if self.named is None:
            return f"{fix} and scale = [0, MAX]"
        low, high = self.named
        return f"{fix} and scale = [{_fmt(low)}, {_fmt(high)}], with labels for its answers written in words"

    def describe_scale(self) -> str:
        low, high = self.scale or (0, 0)
        return f"points of {_fmt(high)}" if low == 0 and high != 100 else f"a {_fmt(low)}–{_fmt(high)} score"


def propose_visit_scores(
    profiles: dict[str, ColumnProfile], *, program: str | None, headers: list[str], names: list[str],
    visit: Proposal | None = None, told: dict[str, Proposal] | None = None,
) -> tuple[list[Proposal], ProgramGuess]:
    """The points proposals among `profiles` (the columns no other metric claims), one score a
    visit (`visit` when a mapping already scores it), its other points columns as criteria, its
    yes/no criteria as answers — and the program: the one given, else detected when a column holds points.
    A column `told` of as unscored outside a visit program keeps that one note, the program's way to score it added."""
    readings = {key: reading for key, profile in profiles.items() if (reading := read_points(profile))}
    guess = ProgramGuess(program, "")
    if program is None and readings:
        guess = detect_program(headers, names)
    for key, reading in list(readings.items()):
        if reading.scale is not None and guess.program not in POINTS_PROGRAMS and key in (told or {}):
            told[key].evidence[-1] += (" — or, if the rows are mystery-shop visits or audits (its answers then "
                                       f"{reading.describe_scale()}, a visit's score), {_AS_VISITS}")  # fmt: skip
            del readings[key]
    found = [propose_points(profiles[key], reading, guess.program) for key, reading in readings.items()]
    found = one_score_a_visit(found, readings, visit=visit)
    if score := visit or next((p for p in found if p.target in POINTS_PROGRAMS), None):
        found += [criterion for key, profile in profiles.items()
                  if key != score.column and (criterion := propose_criterion(profile, score.column))]  # fmt: skip
    return found, guess


def read_points(profile: ColumnProfile) -> PointsReading | None:
    """The scale of a column that holds points or percentages, or None for any other column."""
    if not profile.filled or profile.dates or profile.emails:
        return None
    header = profile.column.label
    numbers = [*profile.numbers, *percent_values(profile)]
    if not numbers or elsewhen(header) or mentions(header, "recommend"):
        return None  # a goal's or another time's points, an NPS's percentages: kept unscored (`propose_scores`)
    total = any(word in header.casefold() for word in _TOTAL)
    if (most := _header_maximum(header)) is not None:
        why = f"the header names the maximum ({header!r}: 0–{_fmt(most)})"
        return _fitted(profile, numbers, (0.0, most), why, total=total)
    written = percent_values(profile)
    if says_percent(header) or (written and len(written) * 2 >= profile.answered):
        return _percentages(profile, numbers, header, written=bool(written), total=total)
    if stem := mentions(header, "points"):
        if (named := named_scale(header)) is not None:  # "Score (0-10)": its ends, as a maximum is
            return _fitted(profile, numbers, (float(named[0]), float(named[1])),
                           f"the header names a {named[0]}–{named[1]} scale ({header!r})", total=total)  # fmt: skip
        why = (f"the header names points ({stem!r}) but not their maximum, and the values ({profile.example(typed=True)}) are "
               "not percentages, so its scale is not known")  # fmt: skip
        return PointsReading(None, [why], total=total)
    return None


def _percentages(profile: ColumnProfile, numbers: list[float], header: str, *, written: bool, total: bool):
    """A 0–100 scale, or 0–1 for a spreadsheet's percent cells (0.85): fractions, but for the slips and
    no-answer codes of the typo rule (`_fitted`) — one 85 typed for 0.85 makes no 0–100 scale."""
    why = "values are written as percentages" if written else f"the header says percent ({header!r})"
    if not written and any(0 < n < 1 for n in numbers):
        fractions = _fitted(profile, numbers, (0.0, 1.0), f"{why}, as fractions (a spreadsheet's percent cells): a 0–1 "
                            "scale", total=total)  # fmt: skip
        if fractions.scale is not None:
            return fractions
    return _fitted(profile, numbers, (0.0, 100.0), f"{why}: a 0–100 scale", total=total)


def _fitted(profile: ColumnProfile, numbers: list[float], scale: tuple[float, float], why: str, *, total: bool):
    """The reading when the answers off the scale are typos by the rule of every scored column
    (`tolerance.tolerated`: a 380 typed for 38 among 8 visits is one), which go to quarantine,
    else a reading without a scale saying the values do not fit."""
    low, high = scale
    codes = no_answer_codes(numbers, scale)
    odd = Counter(_fmt(n) for n in numbers if not low <= n <= high and n not in codes)
    odd += Counter({label: count for label, count in profile.labels.items() if not _PERCENT_VALUE.match(label)})
    far, coded = far_and_coded(numbers, scale)
    count, answered = sum(odd.values()), profile.answered - coded
    given = [n for n in numbers if n not in codes]
    if not given or not tolerated(count, far, answered):
        shown = answers_shown(list(odd)[:3])
        many = f", {far} more than a point off, too many for typos" if far > slips(answered) else ""
        return PointsReading(None, [f"{why}, but {count} of {answered} answers are off it ({shown}){many}, "
                                    "so its scale is not known"], total=total, named=scale)  # fmt: skip
    evidence = [why, f"answers {_fmt(min(given))}–{_fmt(max(given))} ({profile.example(typed=True)})"]
    evidence += [code_note(code, numbers.count(code)) for code in codes]
    if odd:
        shown = answers_shown(list(odd)[:3])
        evidence.append(f"{count} of {answered} answers {'is' if count == 1 else 'are'} off the scale "
                        f"({shown}): {'that row goes' if count == 1 else 'those rows go'} to quarantine")  # fmt: skip
    return PointsReading(scale, evidence, odd, total=total, codes=tuple(codes))


def _header_maximum(header: str) -> float | None:
    """The maximum a header names: "(of 40)", "(out of 40)", "(max 40)", "(/40)", "(40 pts)", or at
    its end after a word for points ("Score of 40", "Points /50", "Wynik z 20")."""
    found = _IN_BRACKETS.search(header) or _UNITS_IN_BRACKETS.search(header)
    if found is None and mentions(header, "points"):
        found = _AT_THE_END.search(header.strip())
    if found is None:
        return None
    most = float(found.group(1).replace(",", "."))
    return most if most > 0 else None


def percent_values(profile: ColumnProfile) -> list[float]:
    """The answers written as percentages ("85%", "92,5 %"), each as often as it was given."""
    found = []
    for label, count in profile.labels.items():
        if match := _PERCENT_VALUE.match(label):
            found += [float(match.group(1).replace(",", "."))] * count
    return found


def propose_points(profile: ColumnProfile, reading: PointsReading, program: str | None) -> Proposal:
    """The points column scored as the program's metric, or kept as an answer saying why (a
    "Score" of no known scale only in a mystery-shop or audit program: elsewhere it may be anything,
    shown by `inspect` as left out of the mapping, unwarned)."""
    if reading.scale is None:
        if program not in POINTS_PROGRAMS:
            why = f"{'; '.join(reading.evidence)}; kept in attributes, unscored; {reading.scale_fix()}"
            return Proposal("question", profile.key, 0.3, [why])
        return _note(profile, f"{'; '.join(reading.evidence)}; kept as an answer, unscored; {reading.scale_fix(program)}")
    if program not in POINTS_PROGRAMS:
        return _note(profile, f"{'; '.join(reading.evidence)}: {reading.describe_scale()}, the score of a mystery-shop "
                              f"visit or an audit, but the program is {program or 'voc'}; kept as an answer, unscored; "
                              f"{_PROGRAM_FIX}")  # fmt: skip
    spec: dict = {"scale": [reading.scale[0], reading.scale[1]]}
    if ignored := [*sorted(profile.no_score), *reading.codes]:
        spec["ignore_values"] = ignored
    evidence = [*reading.evidence, f"the score of each {_VISIT[program]}, normalized 0–100"]
    return Proposal(program, profile.key, 0.8 if reading.odd else 0.85, evidence, spec)


_AS_VISITS = "import with --program mystery_shop (or audit), or set program in the source"
_PROGRAM_FIX = f"if the rows are mystery-shop visits or audits, {_AS_VISITS}, to score it"
_VISIT = {"mystery_shop": "mystery-shop visit", "audit": "audit"}


def one_score_a_visit(
    proposals: list[Proposal], readings: dict[str, PointsReading], *, visit: Proposal | None = None
) -> list[Proposal]:
    """One points column scores a visit: `visit` when the mapping already scores it, else the one
    whose header says total (overall), else the widest scale, else the first; the others (its
    sections) are scored as criteria beside it. Several scores of one metric would be averaged."""
    scored = [p for p in proposals if p.target in POINTS_PROGRAMS]
    if visit is None and len(scored) < 2:
        return proposals
    order = {p.column: n for n, p in enumerate(proposals)}
    main = visit or max(scored, key=lambda p: (
        readings[p.column].total, p.spec["scale"][1] - p.spec["scale"][0], -order[p.column]
    ))
    return [criterion_of(proposal, main) if proposal.target in POINTS_PROGRAMS and proposal is not main else proposal
            for proposal in proposals]  # fmt: skip


def criterion_of(section: Proposal, visit: Proposal) -> Proposal:
    """A points column besides the visit's score, scored as metric `criterion` on its own scale:
    its own feedback_scores row, never averaged into the visit's score (docs/ranking.md)."""
    evidence = [*section.evidence[:-1], f"another points column besides {visit.column!r} (the score of each "
                f"{_VISIT[visit.target]}): a criterion of it, normalized 0–100 beside it, never averaged into it"]
    return Proposal(CRITERION, section.column, section.confidence - 0.05, evidence, dict(section.spec))


def propose_criterion(profile: ColumnProfile, score_column: str) -> Proposal | None:
    """A yes/no criterion of a visit ("Greeting within 30s": yes/no): kept as an answer."""
    if not profile.labels or not builtin.is_yes_no(profile.labels):
        return None
    why = (f"yes/no answers ({profile.example(typed=True)}): a criterion of the visit, kept as an answer, unscored (the visit's "
           f"score is {score_column!r})")  # fmt: skip
    return Proposal("question", profile.key, 0.8, [why])


def _note(where: ColumnProfile | Proposal, why: str) -> Proposal:
    column = where.key if isinstance(where, ColumnProfile) else where.column
    return Proposal("question", column, 0.9, [why], unscored=True)


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
