"""Which columns are scored, on evidence only — NPS (0–10 answers to a recommend question, in
seven languages), CSAT and CES from the meaning of their answer labels (a survey definition's
options, or the labels written in the cells), or from numbers under a satisfaction or effort
question that reach the top of a usual scale — and which hold comments or lists of choices.

A column that looks scored but whose scale or direction is not established (Yes/No answers, labels
of no known scale, an export's choice recodes without their definition) is kept as an answer,
unscored, and its proposal says why and what to do."""

from __future__ import annotations

import re
from collections import Counter

from cxbridge.detection import labels as builtin
from cxbridge.detection import school_grades
from cxbridge.detection.declared_scale import end_words, labelled_scale, named_scale, no_zero, not_nps
from cxbridge.detection.evidence import Proposal
from cxbridge.detection.keywords import (
    asks_amount, elsewhen, first_mentioned, mentions, names_a_score, names_a_year,
)
from cxbridge.detection.meaning import (
    ScaleReading, as_statement, asked_metric, choices_scale, metric_of, no_score_values, read_numbers, read_options,
    turned_round, unscored_note,
)
from cxbridge.detection.other_quantities import another_quantity, nps_result
from cxbridge.detection.profile import ColumnProfile, answers_shown
from cxbridge.detection.scale_fit import (
    USUAL_SCALES, ScaleFit, fit_scale, numeric_scale, odd_answers, written_number,
)
from cxbridge.detection.tolerance import far_and_coded, slips
from cxbridge.exports.plain import JOINED
from cxbridge.metrics import Direction
from cxbridge.questions import Question, rating_spec

_SAYS_NPS = re.compile(r"\be?nps\b", re.IGNORECASE)  # a header naming the metric: 0–10 by definition
_MANY = 10  # answers enough to expect one above 5 of a 0–10 question: fewer say nothing of the scale
_NAMES_A_YEAR = 0.06  # a scored header naming a year ("NPS 2024") is below a plain one, typos and all (0.90)
TO_SCORE_IT = "to score it, map it under [[metrics]] with its metric, scale and labels"


def propose_scores(profile: ColumnProfile, *, recoded: bool = False) -> list[Proposal]:
    """The metric proposals for one column (an empty list for unscored columns); `recoded`: the
    file is an export whose numbers stand for answer options (Qualtrics), so numbers alone say
    nothing about a scale's direction — but in a column whose choices the definition gives (they
    say what each number shows) or a slider's row (its numbers are the answers: stars, points)."""
    if not profile.filled or profile.dates or profile.of_emails:
        return []
    if stars := profile.column.stars:
        return _stars(profile, stars)
    recoded = recoded and not profile.column.choices and profile.column.kind != "scale"
    header = profile.column.label
    if comment_of_a_group(header) and profile.text_share >= 0.8:
        return []  # the recommend or satisfaction words are its group's title, the question it comments on
    if amount := asks_amount(header):
        why = f"the header asks for an amount ({amount!r}), not a rating on a scale: kept as an answer, unscored"
        return [_note(profile, f"{why}; {TO_SCORE_IT}")] if _names_a_metric(header) else []
    if (other := elsewhen(header)) and (_names_a_metric(header) or names_a_score(header, of_numbers=True)):
        why = f"the header names another time's or a target's score ({other!r}), not this response's answer"
        return [_note(profile, f"{why}: kept as an answer, unscored; {TO_SCORE_IT}")]
    found = [proposal for proposal in (_nps(profile, header, recoded=recoded), _rated(profile, header, recoded=recoded))
             if proposal is not None]  # fmt: skip
    if year := names_a_year(header):
        for proposal in (p for p in found if p.mapped and not p.unscored):
            proposal.confidence -= _NAMES_A_YEAR
            proposal.evidence.append(f"it names a year ({year}), maybe another one's: a header naming none is the "
                                     "primary over it")  # fmt: skip
    return found


def _names_a_metric(header: str) -> bool:
    return bool(mentions(header, "recommend") or first_mentioned(header, ("satisfaction", "effort")))


def _nps(profile: ColumnProfile, header: str, *, recoded: bool = False) -> Proposal | None:
    stem = mentions(header, "recommend")
    kind = profile.column.kind
    fit = fit_scale(profile, (0, 10), named=bool(stem))
    if not (stem or kind == "nps") or not (fit or kind == "nps"):
        if stem and (result := nps_result(profile, header, says_nps=bool(_SAYS_NPS.search(header)))):
            return _note(profile, f"the header asks about recommending ({stem!r}) but {result}")
        if stem and profile.filled:
            odd = odd_answers(profile, (0, 10))
            shown = answers_shown(list(odd)[:3]) or profile.example(typed=True)
            why = f"the values are not 0–10 ({shown})"
            far, coded = far_and_coded(profile.numbers, (0, 10))
            answered = profile.answered - coded
            if far > slips(answered):
                why += f", {far} of {answered} answers more than a point off it, too many for typos"
            on_scale = sum(0 <= n <= 10 and float(n).is_integer() for n in profile.numbers)
            fix = ("to score it, map it as nps (answers off 0–10 then go to quarantine)" if 2 * on_scale > answered
                   else another_quantity(profile, "rating", "a likelihood to recommend"))  # fmt: skip
            evidence = [f"the header asks about recommending ({stem!r}) but {why}: kept unscored; {fix}"]
            return Proposal("nps", profile.key, 0.3, evidence)
        return None
    if kind != "nps" and (other := _another_scale(profile, header, recoded=recoded)):
        return Proposal("nps", profile.key, 0.3, [f"the header asks about recommending ({stem!r}) but {other}"])
    metric = "enps" if mentions(header, "employer") else "nps"
    evidence = []
    if kind == "nps":
        evidence.append("the survey definition makes it a Net Promoter question")
    if stem:
        evidence.append(f"the header asks about recommending ({stem!r})")
    if metric == "enps":
        evidence.append(f"about a place to work ({mentions(header, 'employer')!r}): employee NPS")
    if fit:
        inside = [n for n in profile.numbers if 0 <= n <= 10 and float(n).is_integer()]
        evidence += [f"values are whole numbers {written_number(min(inside))}–{written_number(max(inside))}", *fit.notes(profile)]
        if kind != "nps" and (min(inside), max(inside)) == (1, 10):
            evidence.append(no_zero(inside))
    spec = _no_score_spec(profile, fit.codes if fit else ())
    confidence = 0.99 if kind == "nps" else 0.9 if fit and fit.odd else 0.95
    return Proposal(metric, profile.key, confidence, evidence, spec)


def _stars(profile: ColumnProfile, stars: int) -> list[Proposal]:
    """A star slider's row, its stars given by the survey's definition, read as the API connector
    reads it (`questions.rating_spec`): CSAT (or CES) when its words ask so, else a `rating` — on 1
    to its stars, whichever stars the file's answers reach."""
    header = profile.column.label
    if (spec := rating_spec(Question(profile.key, header, "scale", scale=(1.0, float(stars))))) is None:
        return []
    named = ["its words name no metric (satisfaction, effort): a rating, as a row of stars read through the API is"]
    evidence = [f"the survey definition makes it a row of {stars} stars, answered 1–{stars}",
                *(named if spec.metric == "rating" else _header_evidence(header, spec.metric))]  # fmt: skip
    scored = spec.model_dump(mode="json", include={"direction", "labels", "ignore_values"}, exclude_defaults=True)
    return [Proposal(spec.metric, profile.key, 0.95, evidence, {"scale": [1, stars], **scored})]


def _another_scale(profile: ColumnProfile, header: str, *, recoded: bool) -> str | None:
    """Why a recommend question's whole numbers may not be its 0–10 answers, and what to do: the
    header names another scale ("(1-5)"), or, unless it says NPS, none of its many answers is
    above 5 — a 0–5 or 1–5 rating read as 0–10 makes every answer a detractor's —, or they run
    1–11: an export's recodes (Qualtrics recodes a 0–10 scale 1–11) or places, one point high,
    whose 11s are no typos when several are and no one answered 0."""
    if recoded and 11 in profile.numbers:
        return ("answers reach 11, and without its survey definition a Qualtrics export holds the choices' recodes: "
                "Qualtrics recodes a 0–10 scale 1–11 unless told otherwise, so 7 may be the choice '6': kept "
                "unscored; give the survey definition (--definition survey.qsf), which says what each recode shows")  # fmt: skip
    elevens = profile.numbers.count(11)
    if 0 not in profile.numbers and elevens >= max(3, 0.05 * profile.answered):
        codes = ", ".join(f'"{place}" = {place - 1}' for place in (1, 2))
        return (f"its answers run 1–11 ({elevens} answered 11, none 0): the places of a 0–10 scale's choices, each "
                f"one above the answer shown, rather than typos: kept unscored; to score it, map it as nps with "
                f'labels = {{ {codes}, …, "11" = 10 }}')  # fmt: skip
    if declared := _declared_not_nps(profile, header):
        return f"{declared}: kept unscored; map it as nps only if it was in fact asked 0–10"
    answers = [n for n in profile.numbers if 0 <= n <= 10]
    if _SAYS_NPS.search(header) or len(answers) < _MANY or max(answers) > 5:
        return None
    return (f"none of its {len(answers)} answers is above 5 ({profile.example(typed=True)}), which a 0–5 or 1–5 scale fits, "
            "and an NPS is asked 0–10: kept unscored; to score it, map it as nps if it was asked 0–10, else as "
            "metric 'rating' with its scale")  # fmt: skip


def _declared_not_nps(profile: ColumnProfile, header: str) -> str | None:
    """The scale other than 0–10 the survey definition's choices, the header or the words beside
    the end answers declare (`declared_scale`), as the API sync reads a definition's."""
    column = profile.column
    if column.choices and (defined := choices_scale(column.choices, signed=column.marks_no_answer)):
        return not_nps(defined, declared_by="its survey definition's choices run")
    if named := named_scale(header):
        return not_nps(named, declared_by="it names")
    if profile.numbered and (marked := labelled_scale(profile.numbered, profile.numbers)):
        ends = [label for label, n in profile.numbered.items() if n in marked]
        first, last = answers_shown([ends[0]]), answers_shown([ends[-1]])
        return not_nps(marked, declared_by=f"its answer labels ({first} … {last}) mark")
    if (words := end_words(header)) and (marked := labelled_scale(words, profile.numbers)):
        return not_nps(marked, declared_by=f"the header's words beside its ends ({answers_shown(list(words))}) mark")
    return None


def _rated(profile: ColumnProfile, header: str, *, recoded: bool) -> Proposal | None:
    """CSAT or CES: from the definition's options, else the labels in the cells, else numbers."""
    if profile.column.choices:
        return _from_options(profile, header)
    if profile.labels and sum(profile.labels.values()) >= 0.8 * profile.answered:
        return _from_labels(profile, header)
    return _from_numbers(profile, header, recoded=recoded)


def _from_options(profile: ColumnProfile, header: str) -> Proposal | None:
    """A survey definition's options: their labels say the scale and which way it runs."""
    column = profile.column
    reading = as_statement(read_options(column.choices, complete=True, signed=column.marks_no_answer), header)
    metric = metric_of(reading, header)
    if metric is None:
        return _unscored(profile, header, reading)
    evidence = [f"the survey definition: {reading.evidence}", *_header_evidence(header, metric)]
    labels = {label: value for label, value in reading.labels.items()}
    return Proposal(metric, profile.key, 0.9, evidence, _spec(metric, reading, profile, labels=labels))


def _from_labels(profile: ColumnProfile, header: str) -> Proposal | None:
    """Labels written in the cells ("Very satisfied", "Гораздо меньше, чем я предполагал"); a
    column whose labels, those of rows after the profiled ones too, grade a point beyond "very" or
    in two degrees is on the survey's own scale (`labels.by_degree`), whatever row shows it first."""
    every = sorted({*profile.labels, *profile.later}, key=builtin.label_key)
    if builtin.scale_for(every) is None and builtin.by_degree(every) is not None:  # as `read_options` reads them
        return _unscored(profile, header, read_options(dict.fromkeys(every), complete=False, typed=True))
    labelled = _label_scale(profile)
    if labelled is None:
        reading = read_options(dict.fromkeys(profile.labels), complete=False, typed=True)
        return _unscored(profile, header, reading)
    reading, fit = as_statement(labelled[0], header), labelled[1]
    if reading.kind == "quality" and (stem := _asks_for_comments(header)):
        return _note(profile, f"the header asks for comments ({stem!r}): quality words typed there ("
                              f"{profile.example(typed=True)}) are free text, not a rating; {TO_SCORE_IT}")  # fmt: skip
    metric = metric_of(reading, header)
    if metric is None:
        return _unscored(profile, header, reading)
    evidence = [reading.evidence, *_header_evidence(header, metric), *fit.notes(profile)]
    confidence = (0.9 if _header_evidence(header, metric) else 0.8) - (0.05 if fit.odd else 0)
    # the built-in labels read only the scale's own way: a reversed one names its labels' values
    own = reading.scale is not None and reading.direction is reading.scale.direction and metric in reading.scale.metrics
    labels = None if own else _every_label(reading)
    if own and (other := builtin.sized_apart(reading.scale, reading.labels)):  # type: ignore[arg-type]
        labels = reading.labels  # a later answer it reads as one of these, the other holds apart, is quarantined
        evidence.append(f"its labels are also points of the built-in {other.name} scale, which holds apart answers "
                        "this one reads as one point: the mapping lists those read")  # fmt: skip
    if reading.kind == "quality" and (read := builtin.valued_otherwise(reading.scale, reading.labels)):  # type: ignore[arg-type]
        otherwise = (f"they are also points of the built-in {read.name} scale, which values them otherwise: "
                     "if the survey offered that one, write its labels in the mapping")  # fmt: skip
        # "Good" is 3 of four points, 4 or 3 of five: a satisfied or a neutral, 66.7, 75 or 50 normalized
        return _note(profile, f"{reading.evidence}; {otherwise} — what each answer is worth depends on it, "
                              f"so no {metric} is read; {TO_SCORE_IT}")  # fmt: skip
    return Proposal(metric, profile.key, confidence, evidence,
                    _spec(metric, reading, profile, labels=labels, codes=fit.codes))


def _asks_for_comments(header: str) -> str | None:
    """The comment word of a header asking for comments and no rating ("Any other feedback?", not
    "How would you rate our reply to your feedback?"): the quality words typed under it ("Good",
    "Poor") are what people write in a comment box."""
    rates = mentions(header, "rating") or _names_a_metric(header)
    return None if rates else mentions(header, "comment")


def _every_label(reading: ScaleReading) -> dict[str, float]:
    """The labels read, as written, then every other way the scale's points are written: a label
    first answered after the rows inspect read (`PROFILED_ROWS`) is read, not quarantined."""
    if reading.scale is None:
        return reading.labels
    seen = {builtin.label_key(label) for label in reading.labels}
    every = reading.labels | {key: rank for key, rank in reading.scale.values().items() if key not in seen}
    return dict(sorted(every.items(), key=lambda item: item[1]))  # point by point, those read first


def _from_numbers(profile: ColumnProfile, header: str, *, recoded: bool) -> Proposal | None:
    """Numbers under a satisfaction or effort question; never a question of fact ("resolved?").
    Words beside them ("1 - Very satisfied") say which end is best, as a definition's would."""
    asks = first_mentioned(header, ("satisfaction", "effort"))
    rated = not recoded and not mentions(header, "recommend")  # a recommend question is `_nps`'s
    rate = mentions(header, "rating") if rated else None
    if asks is None and profile.numbers and (rate or (rated and named_scale(header))):
        return _rated_on_no_metric(profile, header, rate)
    if asks is None or not profile.numbers:
        return None
    stem = mentions(header, asks)
    if recoded:
        why = ("its numbers are the export's answer recodes, which can run either way (1 = 'Extremely easy' in some "
               "surveys): give the survey definition (--definition survey.qsf) to score it")  # fmt: skip
        return _note(profile, f"the header asks about {stem!r}, but {why}")
    if asked_metric(header) is None and not turned_round(header):
        return _note(profile, f"the header asks whether something was {mentions(header, 'resolved')!r}: a question of "
                              f"fact, not a satisfaction scale; kept as an answer, unscored")  # fmt: skip
    if grades := school_grades.HEADER.search(header):
        return _note(profile, f"the header asks about {stem!r} in school grades ({grades.group(0)!r}), on which 1 is "
                              "the best answer and 6 the worst: kept as an answer, unscored; to score it, map it "
                              f"under [[metrics]] with {school_grades.MAPPING}")  # fmt: skip
    fit = numeric_scale(profile, header, largest=7 if asks == "effort" else 10)
    if fit is None:
        fix = another_quantity(profile, *(("ces", "an effort answer") if asks == "effort" else
                                           ("csat", "a satisfaction answer")))  # fmt: skip
        return _note(profile, f"the header asks about {stem!r}, but its numbers ({profile.example(typed=True)}) "
                              f"{_why_no_scale(profile, largest=7 if asks == 'effort' else 10)}, so neither its scale "
                              f"nor which end is best is known; kept as an answer, unscored; {fix}")  # fmt: skip
    numbered, by = (profile.numbered, "") if profile.numbered else (end_words(header), "the header")
    reading = as_statement(read_numbers(numbered, (fit.low, fit.high), typed=True, written_by=by), header)
    metric = metric_of(reading, header)
    if metric is None:
        return _unscored(profile, header, reading)
    role = "satisfaction" if asks == "satisfaction" else "effort or ease"
    evidence = [f"the header asks about {role} ({stem!r})", *fit.describe(profile), reading.evidence]
    spec = _spec(metric, reading, profile, codes=fit.codes)
    confidence = (0.8 if fit.odd else 0.85) if metric == "csat" else (0.7 if fit.odd else 0.75)
    return Proposal(metric, profile.key, confidence, evidence, spec)


def _rated_on_no_metric(profile: ColumnProfile, header: str, rate: str | None) -> Proposal | None:
    """Numbers on a usual scale under a header asking to rate, agree or say how likely, or naming
    the scale ("Sauberkeit der Filiale (1-5)"), but about no metric ("How would you rate your
    delivery experience?", a star rating of Microsoft Forms or Typeform): neither CSAT nor CES by
    its words, so an answer, named unscored with how to score it."""
    fit = numeric_scale(profile, header, largest=10)
    if fit is None or profile.text_share > 0.2:
        return None
    scale = f"{written_number(fit.low)}–{written_number(fit.high)}"
    asked = f"asks for a rating ({rate!r}) on a {scale} scale" if rate else f"names a {scale} scale"
    return _note(profile, f"the header {asked} ({profile.example()}), but about "
                          "no metric of its own (satisfaction, effort, recommending): kept as an answer, unscored; "
                          f'to score it, map it under [[metrics]] with metric = "rating" (or "csat") and scale = '
                          f"[{written_number(fit.low)}, {written_number(fit.high)}]")  # fmt: skip


def _why_no_scale(profile: ColumnProfile, *, largest: float) -> str:
    """Why numbers fit no usual scale: answers that are not whole within a scale's range (4.5 of
    averages), else their top, and how many are far off every usual scale when too many for typos."""
    fractional = [n for n in profile.numbers if not float(n).is_integer()]
    if fractional and all(0 <= n <= largest for n in profile.numbers):
        return f"are not all whole (as {fractional[0]:g}), as a scale's answers are"
    usual = ", ".join(f"{low}–{high}" for low, high in USUAL_SCALES if high <= largest)
    why = f"reach the top of no usual scale ({usual})"
    far, coded = far_and_coded(profile.numbers, (0, largest))
    if far > slips(answered := profile.answered - coded):
        why += f", {far} of {answered} answers more than a point off every usual scale, too many for typos"
    return why


def _unscored(profile: ColumnProfile, header: str, reading: ScaleReading) -> Proposal | None:
    note = unscored_note(header, reading)
    return _note(profile, f"{note}; {TO_SCORE_IT}") if note else None


def _note(profile: ColumnProfile, why: str) -> Proposal:
    """A column that looks scored but is not: kept as an answer, with the reason as its evidence."""
    return Proposal("question", profile.key, 0.9, [why], unscored=True)


def _header_evidence(header: str, metric: str) -> list[str]:
    role = "satisfaction" if metric == "csat" else "effort"
    stem = mentions(header, role)
    return [f"the header asks about {role} ({stem!r})"] if stem else []


def _spec(metric: str, reading: ScaleReading, profile: ColumnProfile, *, labels: dict | None = None,
          codes: tuple[int, ...] = ()) -> dict:
    spec: dict = {"scale": list(reading.bounds or reading.scale.scale)}  # type: ignore[union-attr]
    if metric == "ces" or reading.direction is Direction.LOWER_IS_BETTER:
        spec["direction"] = reading.direction.value
    if labels:
        spec["labels"] = labels
    return spec | _no_score_spec(profile, codes)


def propose_comment(profile: ColumnProfile) -> Proposal | None:
    """Free text: mostly non-numeric, long answers, varied or under a header asking for comments;
    short answers ("Gut", "Zu teuer") only varied and under such a header. Never the browser a
    web survey records ("User Agent"), nor, under any other header, answers of one token each —
    a session id, a referring URL, a response token (Alchemer's `SessionID`, `Referer`, Typeform's
    `#`): Latin letters, digits and signs without a space, no words (Chinese and Japanese write
    words without spaces, in other letters)."""
    if profile.text_share < 0.8 or not profile.labels or profile.dates or profile.emails:
        return None
    if mentions(profile.column.label, "browser"):
        return None
    varied = len(profile.labels) >= 0.7 * sum(profile.labels.values())
    stem = mentions(profile.column.label, "comment")
    tokens = sum(n for text, n in profile.labels.items() if " " not in text and text.isascii())
    if not stem and tokens > 0.8 * profile.labels.total():
        return None
    if (profile.average_length >= 15 and (varied or stem)) or (stem and varied) or comment_of_a_group(profile.column.label):
        evidence = [f"free text, {profile.average_length:.0f} characters on average ({profile.example()})"]
        if stem:
            evidence.append(f"the header asks for comments ({stem!r})")
        return Proposal("comment", profile.key, 0.9 if stem else 0.7, evidence)
    return None


def comment_of_a_group(header: str) -> str | None:
    """The comment word of a header whose own title, under a group title joined over it, asks
    for comments ('Weiterempfehlung (0-10) - Kommentar': the comment on that question)."""
    group, joined, own = header.rpartition(JOINED)
    return mentions(own, "comment") if joined and group.strip() else None


def propose_multi_choice(profile: ColumnProfile) -> Proposal | None:
    """Checkbox answers joined with ", " (Google Forms): a few short options, combined — never
    the labels of a known scale, whose commas are their own («Гораздо меньше, чем я предполагал»)."""
    joined = [label for label in profile.labels if ", " in label]
    if len(joined) < 2 or _label_scale(profile) is not None:
        return None
    parts: Counter[str] = Counter()
    for label, count in profile.labels.items():
        for part in label.split(", "):
            parts[part.strip()] += count
    if len(parts) > 20 or sum(parts.values()) < 2 * len(parts) or max(map(len, parts)) > 60:
        return None
    options = ", ".join(repr(part) for part, _ in parts.most_common(4))
    return Proposal("multi_choice", profile.key, 0.75, [f"{len(joined)} answers list several of the options {options}"])


def _label_scale(profile: ColumnProfile) -> tuple[ScaleReading, ScaleFit] | None:
    """The built-in scale whose labels most answers are, each label on a point of its own (ties:
    the smallest), with the labels on none of its points; Yes/No answers are none."""
    if builtin.is_yes_no(profile.labels):
        return None
    best: tuple[int, int, builtin.LabelScale] | None = None
    for scale in builtin.SCALES:
        values = scale.values()
        keys = {builtin.label_key(label) for label in profile.labels} & values.keys()
        if len({values[key] for key in keys}) < len(keys):
            continue  # "Satisfied" and "Somewhat satisfied" are two points: not this scale
        known = sum(count for label, count in profile.labels.items() if builtin.label_key(label) in values)
        if known and (best is None or (known, -len(scale.points)) > best[:2]):
            best = (known, -len(scale.points), scale)
    if best is None:
        return None
    scale = best[2]
    if (fit := fit_scale(profile, scale.scale, points=scale.values())) is None:  # numbers among them too (a 99)
        return None
    known = [label for label in profile.labels if label not in fit.odd]
    return read_options(dict.fromkeys(known), complete=False, typed=True), fit


def _no_score_spec(profile: ColumnProfile, codes: tuple[int, ...] = ()) -> dict:
    """N/A answers written out, far-off no-answer codes (99, -99), and negative recodes of a
    definition ("No opinion" = -1) that does not flag its no-answer options itself
    (`Column.marks_no_answer`)."""
    ignored: list[float | str] = [*sorted(profile.no_score), *codes]
    ignored += no_score_values(profile.column.choices, signed=profile.column.marks_no_answer)
    return {"ignore_values": ignored} if ignored else {}
