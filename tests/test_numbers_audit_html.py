"""The HTML report of the truth audit's network (tests/audit_network.py): its header, each
program's trend table and chart, the ranking and its chart, last period's bottom stores and the
queues, compared with figures worked out from the rows, never by cxbridge's code."""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from datetime import datetime
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import cxbridge
from cxbridge.config import config_from_dict
from cxbridge.plugins_host import create_host
from tests.audit_network import (
    DATA, FACT_OF, MIN_ANSWERS, PROGRAM_OF, TIMEZONE, WEIGHTS, answers, expected_ranking, interval, mean, net, network_config, one_decimal,
    rounded,
)  # fmt: skip
from tests.html_pages import Page, figure_data, month_before
from tests.test_location_ranking import url_for
from tests.test_report_intervals import Z, adjusted_wald, agresti_caffo
from tests.test_snowflake_destination import URL as SNOWFLAKE
from tests.test_snowflake_destination import snowflake  # noqa: F401 — the fixture


def shown(name: str, score: Fraction | None, answers: int) -> str:
    """A component's cell on the HTML page: one decimal, a minus sign, its answers; NPS and eNPS on
    their own −100…100 with a sign, not the (NPS + 100) / 2 the KPI weighs."""
    if score is None:
        return "– (0)"
    if name in ("nps", "enps"):
        return f"{change(rounded(2 * score - 100))} ({answers})"
    return f"{figure(rounded(score))} ({answers})"


def test_the_html_report_ranks_the_latest_ranked_month_with_every_component(tmp_path):
    """The page's ranking is February's (March has one kiosk answer and no ranked store): each
    store's KPI, CSAT, CES and eNPS beside NPS, mystery shop and audit, and the unranked store;
    the queues count each store's unhappy customers once, by the boxes of their own scale."""
    config = config_from_dict(network_config(tmp_path), create_host(), path=tmp_path / "cxbridge.toml")
    url = f"sqlite:///{tmp_path / 'cx.db'}"
    assert cxbridge.sync(config, destination=url, host=create_host()).exit_code == 0
    page = Page(cxbridge.report_html(tmp_path / "report.html", destination=url).read_text(encoding="utf-8"))
    february = sorted(((store, want) for (month, store), want in expected_ranking().items() if month == "2025-02"),
                      key=lambda item: (item[1]["rank"] or 0, item[0]))  # fmt: skip
    cells = {store: [shown(name, score, count) for name, (count, score) in want["components"].items()]
             for store, want in february}  # fmt: skip
    assert page.tables["ranking"][0][3:-1] == ["NPS −100…100 (responses)", "CSAT % satisfied (responses)",
                                               "CES mean 0–100 (responses)", "eNPS −100…100 (responses)",
                                               "mystery shop 0–100 (visits)", "audit 0–100 (audits)"]  # fmt: skip
    assert ("KPI (0–100) = 30 % × (NPS + 100) / 2 + 20 % × CSAT % satisfied + 15 % × CES mean + 10 % × (eNPS + 100) / 2 "
            "+ 15 % × mystery shop + 10 % × audit: NPS and eNPS, −100…100 in the table and the trends, enter rescaled to "
            "0–100 (0 counts as 50).") in page.text and WEIGHTS == {"nps": 30, "csat": 20, "ces": 15, "enps": 10,
                                                                   "mystery_shop": 15, "audit": 10}  # fmt: skip
    assert page.body("ranking") == [
        [str(want["rank"]), store, f"{want['kpi']:.1f}", *cells[store], "top" if want["top"] else "bottom" if want["bottom"] else ""]
        for store, want in february if want["kpi"] is not None
    ]  # fmt: skip
    units = {"mystery_shop": "visits", "audit": "audits"}
    short = {store: "; ".join(f"{NAMES[name]} ({want['components'][name][0]} of {MIN_ANSWERS[name]} {units.get(name, 'responses')})"
                              for name in want["missing"].split()) for store, want in february if want["kpi"] is None}  # fmt: skip
    assert page.body("unranked") == [[store, short[store], *cells[store]] for store, want in february if want["kpi"] is None]
    waiting: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # per store: detractors, else dissatisfied
    for fact in answers():
        if "nps" in fact and (fact["nps"] <= 6 or fact["csat_box"] == "dissatisfied"):
            waiting[fact["store"]][fact["nps"] > 6] += 1
    assert {row[0]: row[1:] for row in page.body("detractor-queue")} == {
        store: [str(detractors), str(dissatisfied), str(detractors + dissatisfied)] for store, (detractors, dissatisfied) in waiting.items()}  # fmt: skip
    cases = {row[0]: (row[1], row[-1]) for row in page.body("case-queue")}  # open and not closed: every case is new
    assert cases == {store: (str(sum(counts)),) * 2 for store, counts in waiting.items()}


NAMES = {"nps": "NPS", "csat": "CSAT", "ces": "CES", "enps": "eNPS", "mystery_shop": "mystery shop", "audit": "audit"}


def figure(value: float | None) -> str:
    """A figure as the page shows it, written here: one decimal, a minus sign (−), never −0.0."""
    if value is None:
        return ""
    size = f"{abs(value):.1f}"
    return f"−{size}" if value < 0 and size != "0.0" else size


def change(value: float | None) -> str:
    return "" if value is None else f"+{figure(value)}" if value > 0 and figure(value) != "0.0" else figure(value)


def places(value: int) -> str:
    return f"+{value}" if value > 0 else f"−{-value}" if value < 0 else "0"


def estimate(metric: str, rows: list[dict[str, Any]]) -> tuple[Fraction, float, float | None]:
    """The exact figure, and the centre and standard error the change test reads (docs/report.md):
    the adjusted Wald's for NPS and eNPS, Agresti and Caffo's for shares, the mean and s/√n."""
    if metric in ("nps", "enps"):
        values = [r[metric] for r in rows]
        return net(values), *adjusted_wald([1 if v >= 9 else -1 if v <= 6 else 0 for v in values])[:2]
    if metric in ("csat", "ces"):
        favourable = sum(r[FACT_OF[metric]] in ("satisfied", "low_effort") for r in rows)
        return Fraction(100 * favourable, len(rows)), *agresti_caffo(favourable, len(rows))
    scores = [r[metric] for r in rows]
    spread = len(scores) > 1 and len(set(scores)) > 1
    floats = [float(score) for score in scores]
    return mean(scores), statistics.fmean(floats), statistics.stdev(floats) / math.sqrt(len(floats)) if spread else None


def expected_trend(metric: str) -> list[list[str]]:
    """The trend table of one metric by month, each cell worked out here from the rows."""
    months: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for fact in answers():
        if FACT_OF[metric] in fact:
            months[fact["month"]].append(fact)
    found, before = [], None
    for month in sorted(months):
        rows = months[month]
        exact, centre, se = estimate(metric, rows)
        low, high = interval(metric, rows)
        moved = since = significant = ""
        small = len(rows) < 5  # indicative: no change from or to it is tested
        if before is not None:
            moved = change(rounded(exact - before[0]))
            since = before[4] if before[4] != month_before(month) else ""  # a month without answers between
            if se is not None and before[2] is not None and not (small or before[3]):
                significant = "yes" if abs(centre - before[1]) > Z * math.hypot(se, before[2]) else "no"
        score = change(rounded(exact)) if metric in ("nps", "enps") else figure(rounded(exact))  # NPS with its sign
        found.append([month, str(len(rows)), score, figure(low), figure(high), moved, since,
                      significant, "yes" if small else ""])  # fmt: skip
        before = (exact, centre, se, small, month)
    return found


def local_day(submitted: str) -> str:
    if submitted.endswith("Z"):
        return datetime.fromisoformat(submitted.replace("Z", "+00:00")).astimezone(ZoneInfo(TIMEZONE)).strftime("%Y-%m-%d")
    return submitted[:10]


@pytest.mark.parametrize("engine", ["sqlite", "duckdb", "parquet", "postgresql", "snowflake"])
def test_every_number_of_the_html_report_is_the_one_worked_out_here(tmp_path, request, engine):
    """The page's header (records, first and last day), each program's trend table and chart (responses,
    figure, 95 % bounds, change, significance), the ranking chart's bars and colours, last period's
    bottom stores and the queues' totals, against the network's rows — the copies and the 11 left
    out, as the report leaves them out."""
    config = config_from_dict(network_config(tmp_path), create_host(), path=tmp_path / "cxbridge.toml")
    if engine == "snowflake":  # fakesnow, emulated while the module's fixture lasts
        request.getfixturevalue("snowflake")
        url = SNOWFLAKE.format(password="pw-123", name="AUDIT_HTML")
    else:
        url = url_for(engine, tmp_path, request)
    assert cxbridge.sync(config, destination=url, host=create_host()).exit_code == 0
    html = cxbridge.report_html(tmp_path / "report.html", destination=url).read_text(encoding="utf-8")
    page = Page(html)
    counted = [row for name, rows in DATA.items() if name != "copies" for row in rows if row["id"] != "C-off"]
    days = sorted(local_day(row["submitted"]) for row in counted)
    assert page.counts["records"] == str(len(counted)) == str(len(answers()))
    assert f" records, {days[0]} to {days[-1]}" in page.text
    for metric, program in PROGRAM_OF.items():
        name = f"trend-{program}-{metric}"
        want = expected_trend(metric)
        assert [row[:2] + row[2:5] for row in page.body(name)] == [row[:5] for row in want], name
        assert [row[5:] for row in page.body(name)] == [row[5:] for row in want], name
        *_, line, _ = figure_data(html, name)
        assert [[month, figure(y), n, hover] for month, y, (n, *_, hover) in zip(line["x"], line["y"], line["customdata"], strict=True)
                if y is not None] == [[row[0], row[2].removeprefix("+"), int(row[1]), row[2]] for row in want]  # fmt: skip  (None: a gap)
    ranking = expected_ranking()
    february = sorted(((w["rank"], store, w) for (month, store), w in ranking.items() if month == "2025-02" and w["rank"]))
    [bars] = figure_data(html, "ranking-kpi")
    colour = {"top": "#2b8a3e", "bottom": "#c92a2a", "middle": "#868e96"}
    assert list(zip(bars["y"], bars["x"], bars["marker"]["color"], strict=True)) == [
        (store, w["kpi"], colour["top" if w["top"] else "bottom" if w["bottom"] else "middle"])
        for _, store, w in reversed(february)]  # fmt: skip
    was_bottom = sorted(store for (month, store), w in ranking.items() if month == "2025-01" and w["bottom"])
    assert page.body("previous-bottom") == [
        [store, figure(before["kpi"]), figure(now["kpi"]), change(one_decimal(Fraction(str(now["kpi"])) - Fraction(str(before["kpi"])))),
         str(before["rank"]), str(now["rank"]), places(before["rank"] - now["rank"]),
         "yes" if now["kpi"] > before["kpi"] else "no"]
        for store in was_bottom for before, now in [(ranking["2025-01", store], ranking["2025-02", store])]
    ]  # fmt: skip
    unhappy = sum("nps" in fact and (fact["nps"] <= 6 or fact["csat_box"] == "dissatisfied") for fact in answers())
    assert page.counts["not-followed-up"] == page.counts["cases"] == str(unhappy)
