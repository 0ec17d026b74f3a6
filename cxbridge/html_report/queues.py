"""Section: what still waits for someone — customers not followed up (`detractor_queue`) and
the cases of the loop not yet closed (`loop_queue`), per store."""

from __future__ import annotations

from typing import Any

from cxbridge.destinations import Destination
from cxbridge.reporting import Parameters, ReportOptions, record_filters
from cxbridge.sql_parts import CUSTOMERS, count_if, store_label, store_names
from cxbridge.views import primary_records

from .markup import empty, section, table, text

STORE = store_label("q")
CASE_STATUSES = ("open", "contacted", "resolved")


def _per_store(
    destination: Destination, view: str, counts: dict[str, str], options: ReportOptions, *, cases: bool = False
) -> list[dict[str, Any]]:
    """Rows of `view` of the records the report counts, per store, with their first and last local
    day; with `cases`, of their copies too and of the cases whose record is gone (no day)."""
    parameters = Parameters(destination)
    where = record_filters(options, parameters, copies=cases)
    if cases:
        where = f"({where}) OR ({_record_gone(options, parameters)})"
    days = {"first_day": "MIN(f.submitted_local_date)", "last_day": "MAX(f.submitted_local_date)"}
    columns = ",\n       ".join(f"{sql} AS {name}" for name, sql in {**counts, **days}.items())
    sql = f"""SELECT {STORE} AS store, {columns}
FROM {view} q {"LEFT " if cases else ""}JOIN feedback f ON f.record_id = q.record_id
{store_names(destination, "q")}
WHERE {where}
GROUP BY {STORE}"""
    rows = destination.query(sql, parameters.values)
    return sorted(rows, key=lambda row: (-int(row["waiting"]), str(row["store"] or "")))


def detractors_per_store(destination: Destination, options: ReportOptions) -> list[dict[str, Any]]:
    counts = {"detractors": count_if("q.reason = 'detractor'"), "dissatisfied": count_if("q.reason = 'dissatisfied'"),
              "waiting": "COUNT(*)"}  # fmt: skip
    return _per_store(destination, "detractor_queue", counts, options)


def any_unhappy(destination: Destination, options: ReportOptions) -> bool:
    """Whether a customer shown answered as a detractor or dissatisfied at all, followed up or not
    (detractor_queue's records before the follow-ups leave some out)."""
    parameters = Parameters(destination)
    kinds = (("nps", "detractor"), ("csat", "dissatisfied"))
    unhappy = " UNION ".join(primary_records(destination, metric, category) for metric, category in kinds)
    sql = (f"SELECT COUNT(*) AS n FROM feedback f WHERE {CUSTOMERS} AND {record_filters(options, parameters)} "
           f"AND f.record_id IN ({unhappy})")  # fmt: skip
    return int(destination.query(sql, parameters.values)[0]["n"]) > 0


def cases_per_store(destination: Destination, options: ReportOptions) -> list[dict[str, Any]]:
    counts = {status: count_if(f"q.status = '{status}'") for status in CASE_STATUSES}
    counts |= {"overdue": count_if("q.overdue"), "waiting": "COUNT(*)"}
    return _per_store(destination, "loop_queue", counts, options, cases=True)  # cases of copies stay (identity.md)


def _record_gone(options: ReportOptions, parameters: Parameters) -> str:
    """Cases whose record a prune or `cxbridge remove` took (they stay in loop_queue, loop.md):
    of the report's sources; in no period or program, which only the record could tell."""
    if options.programs or options.since or options.until:
        return "1 = 0"
    sources = f" AND q.source IN ({parameters.among(options.sources)})" if options.sources else ""
    return f"f.record_id IS NULL{sources}"


def render(destination: Destination, options: ReportOptions) -> str:
    note = ("Customers whose detractor NPS or dissatisfied CSAT (the bottom two boxes of a scale of 4 to 11 points, "
            "the bottom box of a 2- or 3-point one, the bottom 25 % of a longer or continuous one) nobody has "
            "followed up yet (detractor_queue: no follow-up recorded, no case contacted or closed; a detractor who is "
            "also dissatisfied counts once, as a detractor), and the cases "
            "opened for negative feedback that are not closed (loop_queue; overdue: open, never contacted, past the "
            "rule's deadline).")  # fmt: skip
    detractors = detractors_per_store(destination, options)
    cases = cases_per_store(destination, options)
    waiting, open_cases = sum(int(row["waiting"]) for row in detractors), sum(int(row["waiting"]) for row in cases)
    summary = (f'<p class="summary"><strong data-count="not-followed-up">{waiting}</strong> customers not followed up'
               f'{_days(detractors, "who answered")} · <strong data-count="cases">{open_cases}</strong> cases not '
               f'closed{_days(cases, "opened for responses")}</p>')  # fmt: skip
    parts = [summary]
    if detractors:
        parts.append(table(["store", "detractors", "dissatisfied, not detractors", "not followed up"],
                           [[_name(row), row["detractors"], row["dissatisfied"], row["waiting"]] for row in detractors],
                           name="detractor-queue", caption="Not followed up, per store"))  # fmt: skip
    elif any_unhappy(destination, options):
        parts.append(empty("Every detractor and dissatisfied customer shown was followed up."))
    else:
        parts.append(empty("No detractor or dissatisfied customer among the responses shown: nobody to follow up."))
    if cases:
        parts.append(table(["store", *CASE_STATUSES, "overdue (of open)", "not closed"],
                           [[_name(row), *(row[status] for status in CASE_STATUSES), row["overdue"], row["waiting"]]
                            for row in cases], name="case-queue", caption="Cases not closed, per store"))  # fmt: skip
    else:
        parts.append(empty("No case is waiting (cxbridge cases; docs/loop.md)."))
    return section("Follow-up queues", "queues", "".join(parts), note=note)


def _name(row: dict[str, Any]) -> str:
    return str(row["store"]) if row["store"] is not None else "(no store)"


def _days(rows: list[dict[str, Any]], words: str) -> str:
    """`, who answered from 2025-01-05 to 2025-06-29`: the days of the responses a total counts, as
    the other sections name theirs (a case whose record is gone has none)."""
    firsts = [row["first_day"] for row in rows if row["first_day"]]
    lasts = [row["last_day"] for row in rows if row["last_day"]]
    return text(f", {words} from {min(firsts)} to {max(lasts)}") if firsts else ""
