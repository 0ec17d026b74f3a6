"""Why a column under a metric's header holds another quantity — an NPS result in percentages
("NPS 2024": 85%), numbers no scale of the metric fits ("OSAT" 92–99, an "LTR score" 0–1) — and
what the warning keeping it unscored says to do: how to map it if it is the metric after all, how
to keep it without the warning if it is not."""

from __future__ import annotations

from cxbridge.detection.keywords import names_a_year
from cxbridge.detection.points import percent_values
from cxbridge.detection.profile import ColumnProfile


def nps_result(profile: ColumnProfile, header: str, *, says_nps: bool) -> str | None:
    """Why a recommend column of percentages ("85%", a spreadsheet's 0.85) is kept as an answer: an
    NPS (promoters less detractors, −100…100 %) — a store's, a year's —, not this response's 0–10
    answer, which the metric would quarantine row by row; spreadsheet fractions only under a header
    that `says_nps` (an "LTR score" of 0.12, 0.87 is no NPS)."""
    cells = says_nps and all(-1 <= n <= 1 for n in profile.numbers) and not profile.whole_numbers
    if 2 * max(len(percent_values(profile)), len(profile.numbers) if cells else 0) < profile.answered:
        return None
    year = names_a_year(header)
    return (f"its values are percentages: an NPS {f'of {year}, the year it names ' if year else ''}(a result, "
            "promoters less detractors), not this response's 0–10 answer: kept as an answer, unscored; list it under "
            "questions to keep it without this warning")  # fmt: skip


def another_quantity(profile: ColumnProfile, metric: str, answer: str) -> str:
    """What to do with numbers under a metric's header that fit none of its scales: map them on the
    scale they span (0–1, 0–100; most answers numbers, else they span none) if they are its answers,
    else keep them without the warning — an
    "OSAT" may be oxygen saturation, an "LTR score" a learning-to-rank score."""
    spans = ((low, high) for low, high in ((0, 1), (0, 100)) if all(low <= n <= high for n in profile.numbers))
    span = next(spans, None) if 2 * len(profile.numbers) > profile.answered else None  # words make no span
    asked, scale = (f" asked {span[0]}–{span[1]}", f"scale = [{span[0]}, {span[1]}]") if span else ("", "its scale")
    direction = " and its direction" if metric == "ces" else ""
    return (f"to score it, if it is {answer}{asked}, map it under [[metrics]] with metric = {metric!r} and "
            f"{scale}{direction}; if it is no answer of this survey, list it under questions to keep it without this "
            "warning")  # fmt: skip
