"""The BI views that follow one logical question (`feedback_scores.question_key`) across its
versions — reworded, renumbered, read from an export and then from the API: `questions` lists
the versions of each key, `question_trend` its answers per month. Each response counts once
(copies with `duplicate_of` set are left out) and no figure mixes two programs or two metrics."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cxbridge.sql_parts import COUNTED, count_if, share, time_bucket

if TYPE_CHECKING:
    from cxbridge.sql_parts import Dialect

QUESTION_VIEWS = ("questions", "question_trend")
FAVOURABLE = ("promoter", "satisfied", "low_effort")
UNFAVOURABLE = ("detractor", "dissatisfied", "high_effort")


def _scored(d: Dialect) -> str:
    return f"""FROM {d.qualified("feedback_scores")} s
JOIN {d.qualified("feedback")} f ON f.record_id = s.record_id
WHERE {COUNTED}"""


def questions(d: Dialect) -> str:
    """One row per version of a question: its key, where it was asked (source, survey, the
    platform's question id), its wording and scale, how many answers and the first and last day
    (in its source's time zone) it was answered."""
    version = "s.question_key, s.metric, f.program, f.source, f.survey_id, s.question_id, s.question_text, " \
              "s.scale_min, s.scale_max"  # fmt: skip
    return f"""
SELECT {version},
       COUNT(*) AS answers,
       MIN(f.submitted_local_date) AS first_seen,
       MAX(f.submitted_local_date) AS last_seen
{_scored(d)}
GROUP BY {version}
"""


def question_trend(d: Dialect) -> str:
    """Per question key, metric, program and month, over every source and version: answers,
    favourable (promoters, satisfied, low effort) and unfavourable (detractors, dissatisfied,
    high effort) answers, the mean 0–100 score, and `score`: NPS for nps/enps, the share
    favourable for csat/ces, the mean 0–100 score for any other metric."""
    month = time_bucket(d, "month")
    good = count_if(f"s.category IN ({_quoted(FAVOURABLE)})")
    bad = count_if(f"s.category IN ({_quoted(UNFAVOURABLE)})")
    mean = d.rounded_mean("s.normalized", 1)
    return f"""
SELECT s.question_key, s.metric, f.program, {month} AS month,
       COUNT(*) AS responses,
       {good} AS favourable,
       {bad} AS unfavourable,
       {mean} AS avg_normalized,
       CASE WHEN s.metric IN ('nps', 'enps') THEN {share(d, f"{good} - {bad}", "COUNT(*)")}
            WHEN s.metric IN ('csat', 'ces') THEN {share(d, good, "COUNT(*)")}
            ELSE {mean} END AS score
{_scored(d)}
GROUP BY s.question_key, s.metric, f.program, {month}
"""


def _quoted(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{value}'" for value in values)


RENDERERS = {"questions": questions, "question_trend": question_trend}
