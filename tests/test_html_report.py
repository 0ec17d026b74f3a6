"""`cxbridge report --html`: every number the page shows — each program's figures per month
with their 95 % intervals and significant changes, the store ranking, the queue counts, the
criteria heatmap, the newest comments — equals a computation written here over the input rows
(never cxbridge's metric code); user text is escaped; filters narrow the page; an empty
database says so."""

from __future__ import annotations

import csv
import math
import re
import shutil
import sqlite3
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import cxbridge
from cxbridge.cli.main import cli
from cxbridge.html_report.markup import signed_whole
from tests import test_population_views as example_files
from tests.conftest import ROOT, half_up
from tests.test_examples_network import WEIGHTS as EXAMPLE_WEIGHTS
from tests.test_examples_network import components as example_components
from tests.test_examples_network import expected_ranking, wave_starts
from tests.html_pages import Page, figure_data, month_before
from tests.killed_syncs import forked_command
from tests.test_snowflake_destination import URL as SNOWFLAKE
from tests.test_snowflake_destination import snowflake  # noqa: F401 — the fixture

STORE = 'Café <script>alert("s1")</script> & \'Bar\' "Q"'  # a store name that must stay text
COMMENT = '<img src=x onerror=alert(1)> "so" & \'good\' </blockquote><script>alert(2)</script>'
CRITERION = "Smile <b onmouseover=alert(3)>&</b> 'n' \"y\" (of 10)"
SOURCE = 'shop<script>alert("src")</script>&\'"'
STORES = {"S1": STORE, "S2": "Berlin", "S3": "Porto", "S4": "Lyon", "S5": "Oslo"}
CUSTOMERS = [  # id, submitted, store, NPS 0–10, CSAT 1–5, comment
    ("C01", "2025-01-03 09:00", "S1", 10, 5, COMMENT), ("C02", "2025-01-04 10:00", "S1", 9, 4, "Lovely."),
    ("C03", "2025-01-05 11:00", "S1", 10, 5, ""),
    ("C04", "2025-01-03 09:30", "S2", 3, 1, "Rude staff."), ("C05", "2025-01-06 12:00", "S2", 6, 2, "Slow."),
    ("C06", "2025-01-07 13:00", "S2", 8, 3, "Fine."),
    ("C07", "2025-01-08 09:00", "S3", 9, 4, "Good."), ("C08", "2025-01-09 09:00", "S3", 7, 4, ""),
    ("C09", "2025-01-10 09:00", "S3", 5, 2, "Messy."),
    ("C10", "2025-01-11 09:00", "S4", 10, 5, "Great."), ("C11", "2025-01-12 09:00", "S4", 10, 4, "Quick."),
    ("C12", "2025-01-13 09:00", "S4", 4, 1, "Broken till."),
    ("C13", "2025-01-14 09:00", "S5", 8, 3, "Okay."), ("C14", "2025-01-15 09:00", "S5", 9, 5, "Nice."),
    ("C15", "2025-01-16 09:00", "S5", 7, 4, ""),
    ("C16", "2025-02-03 09:00", "S1", 10, 5, "Again great."), ("C17", "2025-02-04 09:00", "S1", 6, 3, "Queue."),
    ("C18", "2025-02-05 09:00", "S1", 9, 4, "Good."),
    ("C19", "2025-02-03 10:00", "S2", 10, 5, "Much better."), ("C20", "2025-02-06 10:00", "S2", 9, 5, "Better."),
    ("C21", "2025-02-07 10:00", "S2", 9, 4, "Helpful."),
    ("C22", "2025-02-08 10:00", "S3", 2, 1, "Awful."), ("C23", "2025-02-09 10:00", "S3", 5, 2, "Dirty."),
    ("C24", "2025-02-10 10:00", "S3", 6, 3, ""),
    ("C25", "2025-02-11 10:00", "S4", 10, 5, "Top."), ("C26", "2025-02-12 10:00", "S4", 9, 5, "Fast."),
    ("C27", "2025-02-13 10:00", "S4", 8, 4, "Fine."),
    ("C28", "2025-02-14 10:00", "S5", 10, 5, "Good."), ("C29", "2025-02-15 10:00", "S5", 3, 1, "Bad."),
]  # fmt: skip
VISITS = [  # id, visited, store, total of 40, greeting of 10, smile of 10, notes
    ("N01", "2024-11-18 15:00", "S3", 28, 7, 6, ""), ("N02", "2024-11-19 15:00", "S4", 30, 7, 8, ""),
    ("N03", "2024-11-20 15:00", "S5", 32, 8, 8, ""),  # November: an interval, then none in December
    ("V00", "2024-12-18 15:00", "S3", 24, 6, 5, ""),  # December's one visit: a score without an interval
    ("V01", "2025-01-20 15:00", "S1", 36, 9, 10, "Warm welcome."), ("V02", "2025-01-20 16:00", "S2", 20, 4, 5, ""),
    ("V03", "2025-01-21 15:00", "S3", 30, 8, 6, "Tidy."), ("V04", "2025-01-21 16:00", "S4", 28, 6, 7, "Ok."),
    ("V05", "2025-01-22 15:00", "S5", 34, 9, 8, "Smiles."),
    ("V06", "2025-02-20 15:00", "S1", 32, 8, 8, "Good."), ("V07", "2025-02-20 16:00", "S2", 38, 10, 9, "Superb."),
    ("V08", "2025-02-21 15:00", "S3", 22, 5, 4, "Dusty."), ("V09", "2025-02-21 16:00", "S4", 30, 7, 8, ""),
    ("V10", "2025-02-22 15:00", "S5", 26, 6, 6, "Meh."),
]  # fmt: skip
EMPLOYEES = [  # id, submitted, store, eNPS 0–10: beside the KPI, never in it
    ("E01", "2025-02-10 08:00", "S1", 10), ("E02", "2025-02-11 08:00", "S1", 5), ("E03", "2025-02-12 08:00", "S1", 9),
    ("E04", "2025-02-10 08:30", "S2", 6), ("E05", "2025-02-10 08:40", "S5", 9),
]  # fmt: skip
WEIGHTS, MIN_NPS, SHARE = {"nps": 60, "mystery_shop": 40}, 3, 0.2  # S5 has 2 answers in February: unranked
CONFIG = f"""
[sources.customers]
connector = "csv"
path = "customers.csv"
program = "voc"
[sources.customers.columns]
id = "id"
submitted_at = "submitted"
location_id = "store"
location_name = "store name"
comment = "comment"
[[sources.customers.metrics]]
column = "nps"
metric = "nps"
[[sources.customers.metrics]]
column = "csat"
metric = "csat"
scale = [1, 5]

[sources.visits]
connector = "csv"
path = "visits.csv"
program = "mystery_shop"
[sources.visits.columns]
id = "id"
submitted_at = "visited"
location_id = "store"
location_name = "store name"
comment = "notes"
[[sources.visits.metrics]]
column = "total"
metric = "mystery_shop"
scale = [0, 40]
[[sources.visits.metrics]]
column = "Greeting (of 10)"
metric = "criterion"
scale = [0, 10]
[[sources.visits.metrics]]
column = '''{CRITERION}'''
metric = "criterion"
scale = [0, 10]

[sources.pulse]
connector = "csv"
path = "pulse.csv"
program = "employee"
[sources.pulse.columns]
id = "id"
submitted_at = "submitted"
location_id = "store"
location_name = "store name"
[[sources.pulse.metrics]]
column = "enps"
metric = "enps"

[ranking]
period = "month"
share = {SHARE * 100:g}
[ranking.components.nps]
weight = {WEIGHTS["nps"]}
min_answers = {MIN_NPS}
[ranking.components.mystery_shop]
weight = {WEIGHTS["mystery_shop"]}
"""


def write(path: Path, header: list[str], rows: list[tuple]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


@pytest.fixture(scope="session")
def network(tmp_path_factory) -> Path:
    """The network synced into SQLite; its config's path. Once a test process: the browser tests
    (tests/test_html_report_browser.py) load the same page."""
    folder = tmp_path_factory.mktemp("html-network")
    write(folder / "customers.csv", ["id", "submitted", "store", "store name", "nps", "csat", "comment"],
          [(i, when, store, STORES[store], nps, csat, text) for i, when, store, nps, csat, text in CUSTOMERS])
    write(folder / "visits.csv", ["id", "visited", "store", "store name", "total", "Greeting (of 10)", CRITERION, "notes"],
          [(i, when, store, STORES[store], *scores, notes) for i, when, store, *scores, notes in VISITS])  # fmt: skip
    write(folder / "pulse.csv", ["id", "submitted", "store", "store name", "enps"],
          [(i, when, store, STORES[store], enps) for i, when, store, enps in EMPLOYEES])
    (folder / "cxbridge.toml").write_text(CONFIG, encoding="utf-8")
    assert cxbridge.sync(folder / "cxbridge.toml").exit_code == 0
    return folder / "cxbridge.toml"


def page_of(config: Path, tmp_path: Path, *args: str) -> tuple[str, Page]:
    target = tmp_path / "report.html"
    result = CliRunner().invoke(cli, ["report", "-c", str(config), "--html", str(target), *args])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"wrote {target}"
    html = target.read_text(encoding="utf-8")
    return html, Page(html)


@pytest.fixture(scope="session")
def whole(network, tmp_path_factory) -> tuple[str, Page]:
    return page_of(network, tmp_path_factory.mktemp("page"))


# Independent arithmetic: one decimal half away from zero and a minus sign (−), as the page writes.
def one(value: float) -> str:
    rounded = Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{rounded:.1f}".replace("-", "−") if rounded != 0 else "0.0"


def signed(difference: float) -> str:
    size = one(abs(difference))
    return size if size == "0.0" else ("+" if difference > 0 else "−") + size


def group(answer: int) -> int:
    return 1 if answer >= 9 else -1 if answer <= 6 else 0


Figures = tuple[float, float | None, float | None, float | None, float | None]  # score, low, high, SE, centre


def nps_figures(answers: list[int]) -> Figures:
    """NPS and Rocks's (2016) adjusted-Wald 95 % bounds: ¾ promoter, ¾ detractor, 1½ passives
    added to the n answers; the centre is the adjusted NPS and its standard error is √(v / (n + 3))
    with v the adjusted answers' variance, all × 100."""
    n = len(answers)
    promoters, detractors = sum(group(a) == 1 for a in answers), sum(group(a) == -1 for a in answers)
    size = n + 3
    up, down = (promoters + 0.75) / size, (detractors + 0.75) / size
    centre = up - down
    error = math.sqrt((up + down - centre**2) / size)
    low, high = max(-1.0, centre - 1.96 * error), min(1.0, centre + 1.96 * error)
    return 100 * (promoters - detractors) / n, 100 * low, 100 * high, 100 * error, 100 * centre


def csat_figures(answers: list[int]) -> Figures:
    """CSAT % satisfied (4–5 of 1–5), its Wilson bounds, and the Agresti–Caffo standard error and
    centre a change is tested on (one satisfied and one not added)."""
    n, k, z = len(answers), sum(1 for a in answers if a >= 4), 1.96
    p = k / n
    centre, half = (p + z * z / (2 * n)) / (1 + z * z / n), z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    adjusted = (k + 1) / (n + 2)
    error = math.sqrt(adjusted * (1 - adjusted) / (n + 2))
    return 100 * p, 100 * max(0.0, centre - half), 100 * min(1.0, centre + half), 100 * error, 100 * adjusted


T_975 = {2: 4.302652729749464, 4: 2.7764451051977987}  # Student's t, 97.5th percentile, by degrees of freedom (tables)


def mean_figures(scores: list[float]) -> Figures:
    n = len(scores)
    mean = sum(scores) / n
    if n == 1 or len(set(scores)) == 1:
        return mean, None, None, None, None  # no spread to estimate from one score, or equal ones
    deviation = math.sqrt(sum((s - mean) ** 2 for s in scores) / (n - 1))
    half = T_975[n - 1] * deviation / math.sqrt(n)
    return mean, max(0.0, mean - half), min(100.0, mean + half), deviation / math.sqrt(n), mean


def by_month(rows: list[tuple], column: int) -> dict[str, list]:
    months: dict[str, list] = defaultdict(list)
    for row in rows:
        months[row[1][:7]].append(row[column])
    return dict(sorted(months.items()))


TRENDS = {  # chart → (answers per month, figures)
    "trend-voc-nps": (by_month(CUSTOMERS, 3), nps_figures),
    "trend-voc-csat": (by_month(CUSTOMERS, 4), csat_figures),
    "trend-employee-enps": (by_month(EMPLOYEES, 3), nps_figures),
    "trend-mystery_shop-mystery_shop": ({m: [100 * t / 40 for t in ts] for m, ts in by_month(VISITS, 3).items()},
                                        mean_figures),
}  # fmt: skip


AXIS = ["2024-11", "2024-12", "2025-01", "2025-02"]  # every month of the page's records: each chart spans them


@pytest.mark.parametrize("chart", TRENDS)
def test_each_months_figure_interval_and_change_are_the_ones_computed_here(whole, chart):
    html, page = whole
    months, figures = TRENDS[chart]
    expected, before = [], None
    for month, answers in months.items():
        score, low, high, error, centre = figures(answers)
        change = since = significant = ""
        small = len(answers) < 5  # indicative: no change from or to it is tested
        if before is not None:
            change = signed(score - before[0])
            since = before[4] if before[4] != month_before(month) else ""  # a month without answers between
            if error is not None and before[1] is not None and not (small or before[3]):  # tested on the centres
                significant = "yes" if abs(centre - before[2]) > 1.96 * math.sqrt(error**2 + before[1] ** 2) else "no"
        banded = low is not None
        figure = signed(score) if figures is nps_figures else one(score)  # NPS and eNPS with their sign
        expected.append([month, str(len(answers)), figure, one(low) if banded else "", one(high) if banded else "",
                         change, since, significant, "yes" if small else ""])  # fmt: skip
        before = (score, error, centre, small, month)
    assert page.body(chart) == expected
    *bands, line, rings = figure_data(html, chart)
    shown = {row[0]: row for row in expected}
    assert line["x"] == AXIS and [None if y is None else one(y) for y in line["y"]] == [
        shown[month][2].removeprefix("+") if month in shown else None for month in AXIS]  # a month without answers: a gap
    assert line["marker"]["symbol"] == ["circle-open" if month in shown and shown[month][8] else "circle"
                                        for month in AXIS]  # fmt: skip
    runs: list[list[list[str]]] = []  # consecutive months with an interval
    for index, month in enumerate(AXIS):
        row = shown.get(month)
        if row and row[3] and index and shown.get(AXIS[index - 1], [""] * 4)[3]:
            runs[-1].append(row)
        elif row and row[3]:
            runs.append([row])
    assert [band["x"] for band in bands] == [[r[0] for r in run] + [r[0] for r in reversed(run)] for run in runs]
    assert [[one(y) for y in band["y"]] for band in bands] == [[r[4] for r in run] + [r[3] for r in reversed(run)]
                                                               for run in runs]  # fmt: skip
    assert not {x for band in bands for x in band["x"]} & {row[0] for row in expected if not row[3]}
    assert rings.get("x", []) == [row[0] for row in expected if row[7] == "yes"]


def test_a_period_without_an_interval_splits_the_band(whole):
    """November's visits have an interval, December's single one none, January's and February's
    again: two bands, none across December; November's, one period wide, is drawn as a bar."""
    html, _ = whole
    *bands, _, _ = figure_data(html, "trend-mystery_shop-mystery_shop")
    assert [band["x"] for band in bands] == [["2024-11", "2024-11"], ["2025-01", "2025-02", "2025-02", "2025-01"]]
    assert all(band["fill"] == "toself" for band in bands)
    assert bands[0]["line"]["width"] > 0 and bands[1]["line"]["width"] == 0


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> tuple[Path, str, Page]:
    """The example network synced into SQLite: its database, and the page of README's command."""
    folder = tmp_path_factory.mktemp("example")
    shutil.copytree(ROOT / "examples" / "data", folder / "data")
    shutil.copy(ROOT / "examples" / "cxbridge.toml", folder / "cxbridge.toml")
    assert cxbridge.sync(folder / "cxbridge.toml").exit_code == 0
    return folder / "cxbridge.db", *page_of(folder / "cxbridge.toml", folder)


def test_the_examples_month_without_visits_is_a_gap_and_its_single_audits_are_hollow(example):
    """The example network (3 January to 30 June): no mystery shop in January nor April, so the
    line and its band break there rather than join March to May; March's and June's audits are
    one each — hollow grey points, marked indicative, without a band or a ring."""
    _, html, page = example

    def per_month(name: str, column: str) -> Counter:
        with (ROOT / "examples" / "data" / name).open(encoding="utf-8") as handle:
            return Counter(row[column][:7] for row in csv.DictReader(handle))

    visits, audits = per_month("mystery_shop_2025.csv", "Visit date"), per_month("store_audit_2025.csv", "Audit date")
    months = [f"2025-0{month}" for month in range(1, 7)]
    *bands, line, _ = figure_data(html, "trend-mystery_shop-mystery_shop")
    assert line["x"] == months and [y is None for y in line["y"]] == [not visits[m] for m in months]
    assert [m for m in months if not visits[m]] == ["2025-01", "2025-04"]
    assert [sorted(set(band["x"])) for band in bands] == [["2025-02", "2025-03"], ["2025-05", "2025-06"]]
    *_, line, rings = figure_data(html, "trend-audit-audit")
    assert line["marker"]["symbol"] == ["circle-open" if 0 < audits[m] < 5 else "circle" for m in months]
    assert [m for m in months if 0 < audits[m] < 5] == ["2025-03", "2025-06"] and not rings.get("x")
    assert [row[8] for row in page.body("trend-audit-audit")] == ["yes" if audits[m] < 5 else "" for m in sorted(audits)]
    assert "A hollow grey point is indicative: fewer than 5 responses" in html


def test_a_change_after_a_month_without_answers_names_the_month_it_is_from(example):
    """The example has no mystery shop nor audit in April: May's change is from March, and the
    figures say so under `since`, where a reader took it for April's change; a change from the
    month just before leaves it empty. Each month's figure and change from the example files."""
    _, html, page = example
    scores = {  # chart → (month, 0–100 score) of each visit or audit
        "trend-mystery_shop-mystery_shop": [(r["Visit date"][:7], Fraction(int(r["Score (of 40)"]) * 5, 2))
                                            for r in example_files.VISITS],
        "trend-audit-audit": [(r["Audit date"][:7], Fraction(int(r["Points (of 50)"]) * 2)) for r in example_files.AUDITS],
    }  # fmt: skip
    for chart, answers in scores.items():
        months: dict[str, list[Fraction]] = defaultdict(list)
        for month, score in answers:
            months[month].append(score)
        expected, hovers, before = [], {}, None
        for month, month_scores in sorted(months.items()):
            mean = sum(month_scores) / len(month_scores)
            change = signed(float(mean - before[1])) if before else ""
            since = before[0] if before and before[0] != month_before(month) else ""
            expected.append([month, str(len(month_scores)), one(float(mean)), change, since])
            hovers[month] = f"<br>change {change} since {before[0]}" if before else ""  # the hover always says
            before = (month, mean)
        assert [[row[0], row[1], row[2], row[5], row[6]] for row in page.body(chart)] == expected, chart
        assert ["2025-05", "2025-03"] in [[row[0], row[4]] for row in expected]  # the gap of April
        *_, line, _ = figure_data(html, chart)
        assert {x: data[4] for x, data in zip(line["x"], line["customdata"], strict=True) if x in hovers} == hovers
        assert "%{customdata[4]}" in line["hovertemplate"]
    for chart in ("trend-voc-nps", "trend-voc-csat", "trend-voc-ces", "trend-employee-enps"):  # no month without
        assert [row[6] for row in page.body(chart)] == [""] * 6, chart
    assert "after a period without answers, from the last one with answers" in html


def test_the_examples_trends_count_visits_and_audits_as_visits_and_audits(example):
    """The trend figures counted mystery-shop visits and store audits under "responses": each table
    and hover names its program's unit, as the criteria and the note do. The visits and audits per
    month, and which are indicative, from the example files."""
    _, html, page = example
    units = {"trend-voc-nps": "responses", "trend-voc-csat": "responses", "trend-voc-ces": "responses",
             "trend-employee-enps": "responses", "trend-mystery_shop-mystery_shop": "visits", "trend-audit-audit": "audits"}  # fmt: skip
    for chart, unit in units.items():
        assert page.tables[chart][0][:3] == ["period", unit, "score"], chart
        *_, line, _ = figure_data(html, chart)
        assert f"n = %{{customdata[0]}} {unit}%{{customdata[3]}}" in line["hovertemplate"], chart
    counted = {"trend-mystery_shop-mystery_shop": Counter(r["Visit date"][:7] for r in example_files.VISITS),
               "trend-audit-audit": Counter(r["Audit date"][:7] for r in example_files.AUDITS)}  # fmt: skip
    for chart, months in counted.items():
        assert {row[0]: int(row[1]) for row in page.body(chart)} == months, chart
        *_, line, _ = figure_data(html, chart)
        small = f" · indicative (fewer than 5 {units[chart]})"
        assert {x: data[3] for x, data in zip(line["x"], line["customdata"], strict=True) if x in months} == {
            month: small if count < 5 else "" for month, count in months.items()}, chart  # fmt: skip
    assert counted["trend-audit-audit"]["2025-03"] == 1


def test_the_trends_note_names_each_programs_unit_of_the_minimum_base(example, tmp_path):
    """The note said "fewer than 5 answers (visits, audits)" beside tables counting responses,
    visits and audits: it names the base in each shown program's unit, as the tables head it —
    the programs of the example's files, and only mystery shops' visits with --program."""
    database, html, _ = example
    units = {"Customers": "responses", "Employees": "responses", "Mystery shop": "visits", "Audit": "audits"}
    programs = {"Customers": example_files.CUSTOMERS, "Employees": example_files.EMPLOYEES,
                "Mystery shop": example_files.VISITS, "Audit": example_files.AUDITS}  # fmt: skip
    assert all(programs.values()) and list(programs) == list(units)
    assert "fewer than 5 responses (Customers, Employees), visits (Mystery shop) or audits (Audit)" in html
    assert "answers (visits, audits)" not in html
    shop, _ = page_of(database.parent / "cxbridge.toml", tmp_path, "--program", "mystery_shop")
    assert "A hollow grey point is indicative: fewer than 5 visits (Mystery shop), shown" in shop


def test_each_trend_names_the_scale_its_figures_are_in(example):
    """"Customers · NPS" and "mystery-shop score" left a reader to guess whether 31.1 was of
    −100…100 or 0–100: each chart and its figures name the scale. The example's figures lie in it
    (January's eNPS is below 0, so the scale is no formality)."""
    _, html, page = example
    scales = {"trend-voc-nps": "Customers · NPS −100…100", "trend-voc-csat": "Customers · CSAT % satisfied",
              "trend-voc-ces": "Customers · CES % low effort", "trend-employee-enps": "Employees · eNPS −100…100",
              "trend-mystery_shop-mystery_shop": "Mystery shop · mystery-shop score 0–100",
              "trend-audit-audit": "Audit · audit score 0–100"}  # fmt: skip
    for chart, title in scales.items():
        assert f'"text":"{title}"' in html and f"Figures: {title}" in page.text, chart
        low = -100.0 if "−100…100" in title else 0.0
        assert all(low <= float(row[2].replace("−", "-")) <= 100 for row in page.body(chart)), chart
    assert any(row[2].startswith("−") for row in page.body("trend-employee-enps"))


def test_an_nps_reads_with_its_sign_in_the_trends_as_in_the_ranking(example):
    """The ranking wrote a store's NPS +53.8 and the trends the network's 9.7: one kind of figure
    written two ways. Every NPS and eNPS on the page carries its sign; January's NPS of the
    example's customers, worked out from its files."""
    _, html, page = example
    nps = example_files.NPS_QUESTION
    january = [int(row[nps]) for row in example_files.CUSTOMERS if row["Submitted"].startswith("2025-01")]
    net = Fraction(100 * (sum(a >= 9 for a in january) - sum(a <= 6 for a in january)), len(january))
    assert page.body("trend-voc-nps")[0][:3] == ["2025-01", str(len(january)), signed(half_up(net))] == \
        ["2025-01", "31", "+9.7"]  # fmt: skip
    *_, line, _ = figure_data(html, "trend-voc-nps")
    assert line["customdata"][0][5] == "+9.7"
    for chart in ("trend-voc-nps", "trend-employee-enps"):
        assert all(re.fullmatch(r"[+−]\d+\.\d|0\.0", row[2]) for row in page.body(chart)), chart
    assert all(re.fullmatch(r"[+−]\d+\.\d \(\d+\)|0\.0 \(\d+\)|– \(0\)", row[3]) for row in page.body("ranking"))


def test_hovering_a_point_shows_its_figure_as_the_table_writes_it(example):
    """The hover wrote each point by Plotly's own format, the employees' January as -100.0 with a
    hyphen beside the table's −100.0: it now shows the table's figure, with the page's minus sign.
    January's eNPS from the example's pulse file: its 14 staff all detractors."""
    _, html, page = example
    for chart in ("trend-voc-nps", "trend-voc-csat", "trend-voc-ces", "trend-employee-enps",
                  "trend-mystery_shop-mystery_shop", "trend-audit-audit"):  # fmt: skip
        *_, line, _ = figure_data(html, chart)
        hovered = {x: data[5] for x, data in zip(line["x"], line["customdata"], strict=True) if data[5]}
        assert hovered == {row[0]: row[2] for row in page.body(chart)}, chart
        assert line["hovertemplate"].startswith("%{x}: %{customdata[5]}<br>"), chart
    enps = next(column for column in example_files.EMPLOYEES[0] if "recommend" in column.lower())
    january = [int(row[enps]) for row in example_files.EMPLOYEES if row["Submitted"].startswith("2025-01")]
    net = Fraction(100 * (sum(a >= 9 for a in january) - sum(a <= 6 for a in january)), len(january))
    *_, line, _ = figure_data(html, "trend-employee-enps")
    assert line["customdata"][0][5] == signed(half_up(net)) == "−100.0" and len(january) == 14


def test_the_examples_queue_says_its_dissatisfied_are_those_not_counted_as_detractors(example):
    """The queue's columns add up to the customers waiting: one who is a detractor and dissatisfied
    counts once, as a detractor. Headed "dissatisfied", Madrid Sol's 1 read as its only dissatisfied
    customer, of 10 waiting. Each store's counts from the example files (none followed up yet)."""
    _, html, page = example
    nps, csat = example_files.NPS_QUESTION, example_files.CSAT_QUESTION
    waiting: dict[str, Counter] = defaultdict(Counter)
    for row in example_files.CUSTOMERS:
        detractor, dissatisfied = int(row[nps]) <= 6, example_files.CSAT_LABELS[row[csat]] <= 2
        waiting[row["Store"]].update(detractor=detractor, only=dissatisfied and not detractor, both=detractor and dissatisfied)
    assert page.tables["detractor-queue"][0] == ["store", "detractors", "dissatisfied, not detractors", "not followed up"]
    assert {row[0]: row[1:] for row in page.body("detractor-queue")} == {
        store: [str(c["detractor"]), str(c["only"]), str(c["detractor"] + c["only"])]
        for store, c in waiting.items() if c["detractor"] + c["only"]}  # fmt: skip
    assert waiting["Madrid Sol"] == Counter(detractor=12, both=9, only=1)
    assert "a detractor who is also dissatisfied counts once, as a detractor" in html


@pytest.mark.parametrize("since", [None, "2025-03-01"])
def test_the_examples_queue_totals_name_the_days_of_the_responses_they_count(example, since, tmp_path):
    """"94 customers not followed up" named no period, beside sections that name theirs: each total
    names the days of the responses it counts — its detractors and dissatisfied customers (every
    one of them waiting, and with a case of the default rules), from the example's file."""
    database, html, page = example
    if since:
        html, page = page_of(database.parent / "cxbridge.toml", tmp_path, "--since", since)
    nps, csat = example_files.NPS_QUESTION, example_files.CSAT_QUESTION
    days = sorted(row["Submitted"][:10] for row in example_files.CUSTOMERS
                  if (int(row[nps]) <= 6 or example_files.CSAT_LABELS[row[csat]] <= 2) and row["Submitted"] >= (since or ""))  # fmt: skip
    assert page.counts["not-followed-up"] == page.counts["cases"] == str(len(days))
    summary = f"{len(days)} customers not followed up, who answered from {days[0]} to {days[-1]} · " \
        f"{len(days)} cases not closed, opened for responses from {days[0]} to {days[-1]}"  # fmt: skip
    assert summary in "".join(page.text)
    assert since or (len(days), days[0], days[-1]) == (94, "2025-01-05", "2025-06-29")


def test_the_examples_header_and_each_trends_total_are_the_databases_own_count(example):
    """'457 records, 2025-01-03 to 2025-06-30', and each program's answers over the months, by SQL
    written here (a copy counted through another source is left out, as the report does)."""
    database, html, page = example
    with sqlite3.connect(database) as db:
        records, first, last = db.execute("SELECT COUNT(*), MIN(submitted_local_date), MAX(submitted_local_date) "
                                          "FROM feedback WHERE duplicate_of IS NULL").fetchone()  # fmt: skip
        scored = dict(db.execute(
            "SELECT f.program || ' ' || s.metric, COUNT(DISTINCT f.record_id) FROM feedback f JOIN feedback_scores s "
            "ON s.record_id = f.record_id WHERE f.duplicate_of IS NULL AND s.metric IN ('nps', 'csat', 'ces', 'enps', "
            "'mystery_shop', 'audit') GROUP BY 1").fetchall())  # fmt: skip
    assert page.counts["records"] == str(records) and f" records, {first} to {last}" in "".join(page.text)
    assert (records, first, last) == (457, "2025-01-03", "2025-06-30")
    shown = {f"{p} {m}": sum(int(row[1]) for row in page.body(f"trend-{p}-{m}"))
             for p, m in (key.split() for key in scored)}  # fmt: skip
    assert shown == scored and scored["voc nps"] + scored["employee enps"] + scored["mystery_shop mystery_shop"] + \
        scored["audit audit"] == records  # fmt: skip


def test_the_examples_ranked_stores_have_every_component_and_their_kpi_is_its_weighted_mean(example):
    """examples/cxbridge.toml: 50 % NPS (5 answers at least), 30 % mystery shop, 20 % audit (1 each).
    A ranked store has them all and its KPI is their weighted mean (within the 0.1 the cells'
    rounding allows); a store short of one — Vienna Graben's audit "– (0)" — is listed unranked
    with it, never ranked on the others re-weighted."""
    _, _, page = example
    minimum = {"NPS": 5, "mystery shop": 1, "audit": 1}
    weight = {"NPS": 0.5, "mystery shop": 0.3, "audit": 0.2}
    headers = page.tables["ranking"][0]
    parts = [header.split(" −100…100")[0].split(" 0–100")[0] for header in headers[3:6]]
    assert parts == list(minimum) and headers[6] == "eNPS −100…100 (responses), not in the KPI"

    def cell(text: str) -> tuple[float | None, int]:
        figure, answers = re.fullmatch(r"(\S+) \((\d+)\)", text).groups()
        return (None if figure == "–" else float(figure.replace("−", "-"))), int(answers)

    for row in page.body("ranking"):
        components = dict(zip(parts, map(cell, row[3:6]), strict=True))
        assert all(answers >= minimum[name] for name, (_, answers) in components.items()), row
        kpi = sum(weight[name] * (score if name != "NPS" else (score + 100) / 2) for name, (score, _) in components.items())
        assert abs(float(row[2]) - kpi) <= 0.1, row
    units = {"NPS": "responses", "mystery shop": "visits", "audit": "audits"}
    for row in page.body("unranked"):
        components = dict(zip(parts, map(cell, row[2:5]), strict=True))
        short = [(name, answers) for name, (_, answers) in components.items() if answers < minimum[name]]
        assert row[1] == "; ".join(f"{name} ({answers} of {minimum[name]} {units[name]})" for name, answers in short)
    [(_, wave)] = wave_starts()[-1:]
    budapest = len(next(a["nps"] for (period, store), a in example_components().items() if period == wave and
                        store == next(r["Store ID"] for r in example_files.CUSTOMERS if r["Store"] == "Budapest Váci utca")))  # fmt: skip
    assert [row[:2] for row in page.body("unranked")] == [["Budapest Váci utca", f"NPS ({budapest} of 5 responses)"],
                                                          ["Vienna Graben", "audit (0 of 1 audits)"]]  # fmt: skip


def test_the_examples_ranking_shows_each_stores_nps_on_the_scale_of_the_trends(example):
    """The ranking showed "NPS 0–100", the (NPS + 100) / 2 the KPI weighs: Lyon Part-Dieu's 76.9
    beside trends of −100…100, where its NPS of the wave is +53.8. Each store's NPS of the latest
    wave with its responses, from the example files; the line under the chart says how the KPI
    weighs each component."""
    _, _, page = example
    [(_, wave)] = wave_starts()[-1:]
    names = {row["Store ID"]: row["Store"] for row in example_files.CUSTOMERS}
    expected = {names[store]: f"{signed(half_up(Fraction(100 * int(sum(a['nps'])), len(a['nps']))))} ({len(a['nps'])})"
                for (period, store), a in example_components().items() if period == wave and a["nps"]}  # fmt: skip
    assert page.tables["ranking"][0][3] == page.tables["unranked"][0][2] == "NPS −100…100 (responses)"
    shown = {row[1]: row[3] for row in page.body("ranking")} | {row[0]: row[2] for row in page.body("unranked")}
    assert shown == expected and shown["Lyon Part-Dieu"] == "+53.8 (13)"
    total = sum(EXAMPLE_WEIGHTS.values())
    share = {name: f"{100 * weight // total} %" for name, weight in EXAMPLE_WEIGHTS.items()}
    assert (f"KPI (0–100) = {share['nps']} × (NPS + 100) / 2 + {share['mystery_shop']} × mystery shop + "
            f"{share['audit']} × audit: NPS, −100…100 in the table and the trends, enters rescaled to 0–100 "
            "(0 counts as 50).") in page.text  # fmt: skip


def test_the_significant_change_is_ringed_and_the_others_are_not(whole):
    """NPS: January 3 promoters… to February; S2's turnaround makes some month change count."""
    html, page = whole
    flags = {chart: [row[7] for row in page.body(chart)] for chart in TRENDS}
    assert all(flag in ("", "yes", "no") for column in flags.values() for flag in column)
    assert flags["trend-voc-nps"][0] == ""  # the first month has nothing to change from
    assert "no change from or to that period is called significant" in html  # the note says why


def ranking(month: str) -> dict[str, dict[str, Any]]:
    """Each store's components, KPI, rank and flags in `month`, worked out from the rows above."""
    stores: dict[str, dict[str, Any]] = {}
    for store in STORES:
        answers = [row[3] for row in CUSTOMERS if row[2] == store and row[1].startswith(month)]
        visits = [100 * row[3] / 40 for row in VISITS if row[2] == store and row[1].startswith(month)]
        nps_score = (nps_figures(answers)[0] + 100) / 2 if answers else None
        shop = sum(visits) / len(visits) if visits else None
        ranked = len(answers) >= MIN_NPS and visits
        kpi = float(one((WEIGHTS["nps"] * nps_score + WEIGHTS["mystery_shop"] * shop) / 100)) if ranked else None
        staff = [row[3] for row in EMPLOYEES if row[2] == store and row[1].startswith(month)]
        enps = f"{signed(nps_figures(staff)[0])} ({len(staff)})" if staff else "– (0)"
        stores[store] = {"answers": len(answers), "visits": len(visits), "nps": nps_score, "shop": shop, "kpi": kpi,
                         "enps": enps, "net": f"{signed(nps_figures(answers)[0])} ({len(answers)})" if answers else "– (0)"}  # fmt: skip
    kpis = [s["kpi"] for s in stores.values() if s["kpi"] is not None]
    for store in stores.values():
        if store["kpi"] is not None:
            above, below = sum(k > store["kpi"] for k in kpis), sum(k < store["kpi"] for k in kpis)
            store |= {"rank": above + 1, "top": above < SHARE * len(kpis), "bottom": below < SHARE * len(kpis)}
    return stores


def test_the_ranking_of_the_latest_month_is_the_one_worked_out_here(whole):
    html, page = whole
    february = ranking("2025-02")
    ranked = sorted((s for s in february.items() if s[1]["kpi"] is not None), key=lambda item: (item[1]["rank"], item[0]))
    assert page.body("ranking") == [
        [str(s["rank"]), STORES[store], one(s["kpi"]), s["net"], f"{one(s['shop'])} ({s['visits']})", s["enps"],
         "top" if s["top"] else "bottom" if s["bottom"] else ""]
        for store, s in ranked
    ]  # fmt: skip
    assert page.tables["ranking"][0] == ["rank", "store", "KPI", "NPS −100…100 (responses)",
                                         "mystery shop 0–100 (visits)", "eNPS −100…100 (responses), not in the KPI",
                                         "place"]  # fmt: skip
    assert "KPI (0–100) = 60 % × (NPS + 100) / 2 + 40 % × mystery shop: NPS, −100…100 in the table and the trends, " \
        "enters rescaled to 0–100 (0 counts as 50)." in page.text  # fmt: skip
    last_day = max(row[1][:10] for rows in (CUSTOMERS, VISITS, EMPLOYEES) for row in rows)  # the month so far
    assert f"2025-02, 2025-02-01 to {last_day}: {len(ranked)} stores ranked" in "".join(page.text)
    oslo = february["S5"]
    assert page.tables["unranked"][0][1] == "short of responses or visits for"  # NPS and mystery shop
    assert page.body("unranked") == [["Oslo", f"NPS ({oslo['answers']} of {MIN_NPS} responses)", oslo["net"],
                                      f"{one(oslo['shop'])} (1)", oslo["enps"]]]  # fmt: skip
    [bars] = figure_data(html, "ranking-kpi")
    assert [one(x) for x in reversed(bars["x"])] == [one(s["kpi"]) for _, s in ranked]
    rows = [tag for tag, attributes in page.tags if tag == "tr" and attributes.get("class") in ("top", "bottom")]
    assert len(rows) == sum(s["top"] or s["bottom"] for _, s in ranked)


def test_the_rankings_figures_of_fewer_answers_than_their_minimum_are_greyed(whole):
    """February: Oslo's 2 customers are short of the 3 its NPS needs (unranked), and every store's
    eNPS, beside the KPI, is of fewer than 5 staff: those cells, and no other, are indicative."""
    html, _ = whole
    part = html[html.index('<section id="ranking">'):html.index('<section id="criteria">')]
    greyed = re.findall(r'<span class="indicative" title="indicative: fewer than (\d+) responses">([^<]*)</span>', part)
    february = ranking("2025-02")
    staff = Counter(row[2] for row in EMPLOYEES if row[1].startswith("2025-02"))
    want = [("5", s["enps"]) for store, s in february.items() if 0 < staff[store] < 5]
    want += [(str(MIN_NPS), s["net"]) for s in february.values() if 0 < s["answers"] < MIN_NPS]
    assert sorted(greyed) == sorted(want) and len(want) == 4
    assert "never re-weighted" in part and "grey italics" in part


def test_januarys_bottom_stores_are_followed_into_february(whole):
    _, page = whole
    january, february = ranking("2025-01"), ranking("2025-02")
    bottom = sorted((store for store, s in january.items() if s.get("bottom")), key=lambda store: STORES[store])
    assert bottom, "the data has a bottom store in January"
    expected = []
    for store in bottom:
        before, after = january[store], february[store]
        change = after["kpi"] - before["kpi"]
        expected.append([STORES[store], one(before["kpi"]), one(after["kpi"]), signed(change),
                         str(before["rank"]), str(after["rank"]), f"{before['rank'] - after['rank']:+d}",
                         "yes" if change > 0 else "no"])  # fmt: skip
    assert page.body("previous-bottom") == expected
    ranked = [sum(s["kpi"] is not None for s in month.values()) for month in (january, february)]
    assert page.tables["previous-bottom"][0] == ["store", "KPI 2025-01", "KPI 2025-02", "change",
                                                 f"rank 2025-01 (of {ranked[0]})", f"rank 2025-02 (of {ranked[1]})",
                                                 "places up", "improved"]  # fmt: skip


def test_the_examples_ranking_says_which_days_its_wave_counts(example):
    """"2025 wave 2: 11 stores ranked" left a reader to guess whose answers count: the wave's days,
    from its first visit or audit to the last record, worked out from the example files."""
    _, _, page = example
    (_, wave), first = wave_starts()[-1], wave_starts()[-1][0][:10]
    files = (example_files.CUSTOMERS, example_files.EMPLOYEES, example_files.VISITS, example_files.AUDITS)
    last = max(next(row[column] for column in ("Submitted", "Visit date", "Audit date") if column in row)[:10]
               for rows in files for row in rows)  # fmt: skip
    ranked = sum(1 for (period, _), (kpi, *_) in expected_ranking().items() if period == wave and kpi is not None)
    assert f"{wave}, {first} to {last}: {ranked} stores ranked" in "".join(page.text)
    assert (wave, first, last) == ("2025 wave 2", "2025-05-05", "2025-06-30")


def test_the_examples_unranked_stores_are_headed_by_what_their_components_count(example):
    """"short of answers for" headed "audit (0 of 1 audits)": the header and caption name the unit
    of each KPI component of the example's [ranking] — responses, visits, audits — and each
    store's shortfall is in one of them."""
    _, _, page = example
    units = {"nps": "responses", "csat": "responses", "ces": "responses", "mystery_shop": "visits", "audit": "audits"}
    named = list(dict.fromkeys(units[name] for name in EXAMPLE_WEIGHTS))
    words = f"{', '.join(named[:-1])} or {named[-1]}"
    assert page.tables["unranked"][0][1] == f"short of {words} for" == "short of responses, visits or audits for"
    assert f"Not ranked: too few {words}" in page.text
    assert all(re.fullmatch(rf".+ \(\d+ of \d+ ({'|'.join(named)})\)", row[1]) for row in page.body("unranked"))


def test_the_examples_bottom_stores_ranks_say_of_how_many_stores(example):
    """Gdańsk Oliwa's rank 11 in wave 1 was the last one, which "rank 2025 wave 1" did not say: the
    header names how many stores each wave ranked, counted from the example files."""
    _, _, page = example
    ranked = Counter(wave for (wave, _), (kpi, *_) in expected_ranking().items() if kpi is not None)
    assert page.tables["previous-bottom"][0][4:6] == [f"rank {wave} (of {ranked[wave]})" for wave in sorted(ranked)]
    assert ["Gdańsk Oliwa", "11"] in [[row[0], row[4]] for row in page.body("previous-bottom")] and \
        ranked["2025 wave 1"] == 11  # fmt: skip


def test_the_examples_bottom_stores_name_the_days_of_the_wave_they_were_at_the_bottom(example):
    """The caption named wave 2's days, the bottom stores' header only "2025 wave 1": its days, from
    its first visit or audit to the day before wave 2's, from the example files."""
    _, html, _ = example
    [(first, earlier), (following, later)] = wave_starts()[-2:]
    last = (date.fromisoformat(following[:10]) - timedelta(days=1)).isoformat()
    assert f"<h3>{earlier}'s bottom stores in {later} ({earlier}, {first[:10]} to {last})</h3>" in html
    assert (first[:10], last) == ("2025-02-03", "2025-05-04")


def test_januarys_bottom_stores_name_januarys_days(whole):
    html, _ = whole
    assert "<h3>2025-01's bottom stores in 2025-02 (2025-01, 2025-01-01 to 2025-01-31)</h3>" in html


def test_places_up_is_written_with_the_pages_minus_sign():
    """A bottom store that fell read "-1" (a hyphen) beside changes written "−35.0"."""
    assert [signed_whole(places) for places in (4, 0, -1, None)] == ["+4", "0", "−1", ""]


def test_the_queues_count_the_unhappy_customers_of_each_store(whole):
    _, page = whole
    expected: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for _, _, store, nps, csat, _ in CUSTOMERS:
        if nps <= 6:
            expected[STORES[store]][0] += 1
        elif csat <= 2:
            expected[STORES[store]][1] += 1
    rows = sorted(([name, d, s, d + s] for name, (d, s) in expected.items()), key=lambda row: (-row[3], row[0]))
    assert page.body("detractor-queue") == [[str(cell) for cell in row] for row in rows]
    # the note names what is counted: CSAT 2 of 5 (C05, C09, C23) is dissatisfied, not only the bottom box
    assert f"dissatisfied CSAT ({DISSATISFIED_BOXES})" in " ".join(page.text)
    # every one of them opened a case of the default rules, still open and not yet due
    assert page.body("case-queue") == [[name, str(total), "0", "0", "0", str(total)] for name, _, _, total in rows]
    total = sum(row[3] for row in rows)
    assert page.counts["not-followed-up"] == page.counts["cases"] == str(total)
    records = len(CUSTOMERS) + len(VISITS) + len(EMPLOYEES)
    assert page.counts["records"] == str(records)
    days = sorted(row[1][:10] for row in CUSTOMERS + VISITS + EMPLOYEES)
    assert f"{records} records, {days[0]} to {days[-1]}" in "".join(page.text)


def test_the_criteria_heatmap_holds_each_stores_mean_per_criterion(whole):
    html, page = whole
    greeting = {store: [100 * g / 10 for _, _, s, _, g, _, _ in VISITS if s == store] for store in STORES}
    smile = {store: [100 * m / 10 for _, _, s, _, _, m, _ in VISITS if s == store] for store in STORES}
    names = sorted(STORES.values())
    ids = {name: store for store, name in STORES.items()}
    criteria = sorted(["Greeting (of 10)", CRITERION])
    means = {"Greeting (of 10)": greeting, CRITERION: smile}
    assert page.tables["criteria-mystery_shop"][0] == ["store", *criteria]
    assert page.body("criteria-mystery_shop") == [  # each mean with the visits behind it, as the ranking's figures
        [name, *(f"{one(sum(means[c][ids[name]]) / len(means[c][ids[name]]))} ({len(means[c][ids[name]])})"
                 for c in criteria)] for name in names
    ]  # fmt: skip
    heat, *_ = figure_data(html, "criteria-mystery_shop")
    assert [[f"{one(z)} ({n})" for z, (n, _) in zip(row, counts, strict=True)] for row, counts in
            zip(heat["z"], heat["customdata"], strict=True)] == [row[1:] for row in page.body("criteria-mystery_shop")]
    assert "n = %{customdata[0]} visits" in heat["hovertemplate"]  # fmt: skip


def examples_criteria() -> tuple[list[str], list[str], list[list[str]]]:
    """The example's stores, criteria and each store's mean per criterion as the page writes it
    (one decimal, half away from zero, docs/report.md#rounding), from its mystery-shop file."""
    criteria = sorted(column for column in example_files.VISITS[0] if column.endswith("(of 10)"))
    points: dict[tuple[str, str], list[int]] = defaultdict(list)
    for row in example_files.VISITS:
        for criterion in criteria:
            points[row["Store"], criterion].append(int(row[criterion]))
    stores = sorted({store for store, _ in points})
    means = [[f"{half_up(Fraction(10 * sum(points[s, c]), len(points[s, c]))):.1f}" for c in criteria] for s in stores]
    return stores, criteria, means


def test_the_examples_heatmap_writes_each_cell_as_the_figures_under_it(example):
    """Kraków Rynek's checkout read 33 in its cell and 32.5 in the figures under it (Plotly's own
    format, to no decimal and half up): each cell now writes the figure of the table."""
    _, html, page = example
    stores, criteria, means = examples_criteria()
    heat, *_ = figure_data(html, "criteria-mystery_shop")
    assert (heat["y"], heat["x"]) == (stores, criteria)
    assert heat["text"] == means and heat["texttemplate"] == "%{text}" and "%{text}" in heat["hovertemplate"]
    assert [[cell.split(" (")[0] for cell in row[1:]] for row in page.body("criteria-mystery_shop")] == means
    assert means[stores.index("Kraków Rynek")][criteria.index("Checkout (of 10)")] == "32.5"


def test_the_examples_heatmap_greys_the_cells_of_fewer_than_5_visits(example):
    """Budapest's cells, of 1 visit, looked as sure as Porto's of 5, where the trends and the ranking
    grey a figure below the base: each cell of fewer than 5 visits is greyed over in the heatmap,
    its hover and its figure under the chart say indicative. Which, from the example's file."""
    _, html, _ = example
    stores, criteria, means = examples_criteria()
    visits = Counter(row["Store"] for row in example_files.VISITS)
    small = [visits[store] < 5 for store in stores]
    assert visits["Budapest Váci utca"] == 1 and 0 < sum(small) < len(stores)
    part = html[html.index('<section id="criteria">'):html.index('<section id="queues">')]
    greyed = re.findall(r'<span class="indicative" title="indicative: fewer than 5 visits">([^<]*)</span>', part)
    assert greyed == [f"{mean} ({visits[store]})" for store, row, few in zip(stores, means, small, strict=True)
                      if few for mean in row]  # fmt: skip
    heat, grey = figure_data(html, "criteria-mystery_shop")
    assert grey["z"] == [[1 if few else None for _ in criteria] for few in small]
    assert grey["hoverinfo"] == "skip" and "text" not in grey and grey["opacity"] < 1
    notes = [[data[1] for data in row] for row in heat["customdata"]]
    assert notes == [[" · indicative (fewer than 5 visits)" if few else "" for _ in criteria] for few in small]
    assert "n = %{customdata[0]} visits%{customdata[1]}" in heat["hovertemplate"]
    assert "A cell of fewer than 5 visits or audits is indicative" in part


def test_the_examples_heatmap_names_the_visits_and_days_it_is_of(example):
    """The heatmap named no period beside a ranking of the latest wave: a reader took its cells for
    that wave's. Its title and figures name the visits and their days, every one shown, from the
    example's mystery-shop file."""
    _, html, page = example
    days = sorted(row["Visit date"][:10] for row in example_files.VISITS)
    title = f"Mystery-shop criteria, {days[0]} to {days[-1]}: {len(days)} visits"
    assert f'"text":"{title}"' in html and f"Figures: {title}" in page.text
    assert (days[0], days[-1], len(days)) == ("2025-02-03", "2025-06-27", 51)
    assert "Every visit and audit shown counts, over the days each title names" in html


def test_the_heatmap_counts_the_visits_the_filters_keep(network, tmp_path):
    """With --since, the title's visits and days are those of the records kept, as every cell's."""
    html, page = page_of(network, tmp_path, "--since", "2025-01-01")
    days = sorted(when[:10] for _, when, *_ in VISITS if when >= "2025-01-01")
    title = f"Mystery-shop criteria, {days[0]} to {days[-1]}: {len(days)} visits"
    assert f"Figures: {title}" in page.text and len(days) == 10


def test_each_store_shows_its_newest_three_comments(whole):
    _, page = whole
    written = [(when, store, text) for _, when, store, _, _, text in CUSTOMERS if text]
    written += [(when, store, notes) for _, when, store, *_, notes in VISITS if notes]
    expected = {}
    for store, name in STORES.items():
        mine = sorted((row for row in written if row[1] == store), reverse=True)
        expected[name] = [text for _, _, text in mine[:3]]
    assert page.comments == expected
    assert COMMENT not in page.comments[STORE]  # January's: three newer ones stand before it


def test_stores_that_share_a_name_are_kept_apart_in_every_section(network, tmp_path):
    """Porto (S3) renamed Berlin, the name of S2: the queues, the criteria and the comments show
    two stores, 'Berlin (S2)' and 'Berlin (S3)', each with its own customers and visits."""
    copy = tmp_path / "namesakes.db"
    with sqlite3.connect(network.parent / "cxbridge.db") as source, sqlite3.connect(copy) as target:
        source.backup(target)
    with sqlite3.connect(copy) as db:
        db.execute("UPDATE feedback SET location_name = 'Berlin' WHERE location_id = 'S3'")
    names = {**STORES, "S2": "Berlin (S2)", "S3": "Berlin (S3)"}
    _, page = page_of(network, tmp_path, "--db", str(copy))
    assert_stores_named(page, names)


def assert_stores_named(page, names: dict[str, str]) -> None:
    """The queue, the mystery-shop criteria and the comments show each store id's customers and
    visits under `names[id]`, counted here from the test's own rows."""
    waiting: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for _, _, store, nps, csat, _ in CUSTOMERS:
        if nps <= 6 or csat <= 2:
            waiting[names[store]][0 if nps <= 6 else 1] += 1
    rows = sorted(([name, d, s, d + s] for name, (d, s) in waiting.items()), key=lambda row: (-row[3], row[0]))
    assert page.body("detractor-queue") == [[str(cell) for cell in row] for row in rows]
    greeting = {names[store]: [100 * g / 10 for _, _, s, _, g, _, _ in VISITS if s == store] for store in STORES}
    assert [row[:2] for row in page.body("criteria-mystery_shop")] == [
        [name, f"{one(sum(greeting[name]) / len(greeting[name]))} ({len(greeting[name])})"] for name in sorted(greeting)
    ]
    written = [(when, store, text) for _, when, store, _, _, text in CUSTOMERS if text]
    written += [(when, store, notes) for _, when, store, *_, notes in VISITS if notes]
    assert page.comments == {
        names[store]: [text for _, _, text in sorted((row for row in written if row[1] == store), reverse=True)[:3]]
        for store in STORES
    }


def test_a_store_whose_name_is_written_two_ways_is_one_store_in_every_section(network, tmp_path):
    """Porto (S3) written "Porto Ribeira" on its February answers: the queues, the criteria and the
    comments show one store S3, under the spelling most of its records carry (as location_scorecard
    names it), with all its customers and visits — never a "Porto" row and a "Porto Ribeira" row."""
    copy = tmp_path / "spellings.db"
    with sqlite3.connect(network.parent / "cxbridge.db") as source, sqlite3.connect(copy) as target:
        source.backup(target)
    with sqlite3.connect(copy) as db:
        db.execute("UPDATE feedback SET location_name = 'Porto Ribeira' WHERE location_id = 'S3' "
                   "AND program = 'voc' AND submitted_local_date >= '2025-02-01'")  # fmt: skip
        spellings = Counter(name for (name,) in db.execute(
            "SELECT location_name FROM feedback WHERE location_id = 'S3' AND location_name IS NOT NULL"))  # fmt: skip
    [(most, _), (other, fewer)] = spellings.most_common()
    assert most != other and spellings[most] > fewer  # no tie: the spelling written most names the store
    names = {**STORES, "S3": most}
    _, page = page_of(network, tmp_path, "--db", str(copy))
    assert_stores_named(page, names)


COPIED = ["till", "backup"]  # the till's export, then a backup of the same sheet read as a source of its own


def test_a_case_stays_in_the_queue_when_a_copy_of_its_response_counts_for_it(tmp_path):
    """The till's rows open cases; the backup, read next, holds exact copies that count instead
    (`backup` sorts first, docs/identity.md). The cases stay the responses' cases, open in
    loop_queue, and the page counts every one of them — once — as it counts the customers."""
    rows = [(i, when, store, STORES[store], nps, csat, text) for i, when, store, nps, csat, text in CUSTOMERS]
    config = ""
    for name in COPIED:
        write(tmp_path / f"{name}.csv", ["id", "submitted", "store", "store name", "nps", "csat", "comment"], rows)
        config += CONFIG[: CONFIG.index("[sources.visits]")].replace("customers", name)
    (tmp_path / "cxbridge.toml").write_text(config, encoding="utf-8")
    assert cxbridge.sync(tmp_path / "cxbridge.toml").exit_code == 0
    with sqlite3.connect(tmp_path / "cxbridge.db") as db:
        cases = dict(db.execute("SELECT f.source, COUNT(*) FROM loop_queue q JOIN feedback f ON f.record_id = q.record_id "
                                "GROUP BY f.source"))  # fmt: skip
    unhappy: dict[str, int] = defaultdict(int)
    for _, _, store, nps, csat, _ in CUSTOMERS:
        if nps <= 6 or csat <= 2:
            unhappy[STORES[store]] += 1
    assert cases == {"till": sum(unhappy.values())}  # opened by the till's records, none by their copies
    _, page = page_of(tmp_path / "cxbridge.toml", tmp_path)
    assert page.counts["cases"] == page.counts["not-followed-up"] == str(sum(unhappy.values()))
    assert sorted(row[0::5] for row in page.body("case-queue")) == sorted([name, str(n)] for name, n in unhappy.items())


def test_user_text_is_shown_as_text_and_never_becomes_markup(network, tmp_path):
    """The store name, a comment, a criterion and a source name full of markup: shown verbatim,
    and the page has no element or handler beyond its own."""
    database = network.parent / "cxbridge.db"
    copy = tmp_path / "hostile.db"
    with sqlite3.connect(database) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    with sqlite3.connect(copy) as db:  # a source name no config allows, as another writer may leave it
        db.execute("UPDATE feedback SET source = ? WHERE source = 'visits'", (SOURCE,))
    html, page = page_of(network, tmp_path, "--db", str(copy), "--since", "2025-01-01", "--until", "2025-01-18",
                         "--source", SOURCE, "--source", "customers")  # fmt: skip
    shown = "".join(page.text)
    assert STORE in shown and COMMENT in shown and SOURCE in shown
    assert {tag for tag, _ in page.tags} <= {"html", "head", "meta", "title", "style", "script", "body", "header", "h1",
                                             "p", "span", "nav", "a", "main", "section", "h2", "h3", "div", "details",
                                             "summary", "table", "caption", "thead", "tbody", "tr", "th", "td", "ul",
                                             "li", "blockquote", "strong"}  # fmt: skip
    assert not [name for _, attributes in page.tags for name in attributes if name.startswith("on")]
    charts = html.count('class="chart"')
    assert len(page.scripts) == 1 + charts  # plotly.js, then one call per chart
    assert all("<" not in script for script in page.scripts[1:])  # user text in a chart's JSON is \u003c-escaped
    assert COMMENT in page.comments[STORE]  # January before the 18th: the comment is among the newest


def test_filters_narrow_every_section(network, tmp_path):
    html, page = page_of(network, tmp_path, "--program", "voc", "--since", "2025-02-01")
    assert page.counts["records"] == str(sum(1 for row in CUSTOMERS if row[1] >= "2025-02"))
    assert [row[0] for row in page.body("trend-voc-nps")] == ["2025-02"]
    assert "trend-mystery_shop-mystery_shop" not in page.tables
    assert "criteria-mystery_shop" not in page.tables  # criteria are mystery-shop records: not voc
    shown = sum(page.comments.values(), [])
    assert "Superb." not in shown and "Dusty." not in shown  # February's visit notes
    assert "Again great." in shown
    assert sum(int(row[3]) for row in page.body("detractor-queue")) == sum(
        1 for _, when, _, nps, csat, _ in CUSTOMERS if when >= "2025-02" and (nps <= 6 or csat <= 2))
    html, page = page_of(network, tmp_path, "--metric", "csat")
    assert [name for name in page.tables if name.startswith("trend-")] == ["trend-voc-csat"]
    html, page = page_of(network, tmp_path, "--until", "2025-02-01")
    assert "Store ranking 2025-01" in "".join(page.text)  # the latest month within the days asked
    assert [row[0] for row in page.body("trend-voc-nps")] == ["2025-01"]


DISSATISFIED_BOXES = ("the bottom two boxes of a scale of 4 to 11 points, the bottom box of a 2- or 3-point one, "
                      "the bottom 25 % of a longer or continuous one")


def sync_desk_ratings(folder: Path, rows: list[tuple[int, str, str, str]]) -> None:
    """A help desk's good/bad CSAT (1–2) of `rows` (id, day, store, rating), synced."""
    write(folder / "ratings.csv", ["id", "day", "store", "rating"], rows)
    (folder / "cxbridge.toml").write_text(
        '[sources.desk]\nconnector = "csv"\npath = "ratings.csv"\n[sources.desk.columns]\nid = "id"\n'
        'submitted_at = "day"\nlocation_id = "store"\n[[sources.desk.metrics]]\ncolumn = "rating"\nmetric = "csat"\n'
        'scale = [1, 2]\nlabels = { bad = 1, good = 2 }\n', encoding="utf-8")  # fmt: skip
    assert cxbridge.sync(folder / "cxbridge.toml").exit_code == 0


def test_the_queue_note_states_the_dissatisfied_boxes_of_every_scale_not_of_a_5_point_one(tmp_path):
    """A help desk's good/bad CSAT (1–2): its one "bad" answer is the dissatisfied box, which the
    note says — before, it said "the bottom two boxes of a 5-point scale" whatever the scales."""
    sync_desk_ratings(tmp_path, [(1, "2025-03-01", "S1", "bad"), (2, "2025-03-02", "S1", "good")])
    _, page = page_of(tmp_path / "cxbridge.toml", tmp_path)
    text = " ".join(page.text)
    assert page.body("detractor-queue") == [["S1", "0", "1", "1"]]
    assert f"dissatisfied CSAT ({DISSATISFIED_BOXES})" in text and "5-point" not in text


def test_the_queue_says_there_was_no_unhappy_customer_rather_than_that_each_was_followed_up(tmp_path):
    """Only "good" ratings: nobody to follow up, which is not every one followed up."""
    sync_desk_ratings(tmp_path, [(1, "2025-03-01", "S1", "good")])
    _, page = page_of(tmp_path / "cxbridge.toml", tmp_path)
    text = " ".join(page.text)
    assert "No detractor or dissatisfied customer among the responses shown: nobody to follow up." in text
    assert "was followed up" not in text
    sync_desk_ratings(tmp_path, [(1, "2025-03-01", "S1", "good"), (2, "2025-03-02", "S1", "bad")])
    with sqlite3.connect(tmp_path / "cxbridge.db") as db:  # the one "bad" customer was called back
        db.execute("INSERT INTO feedback_followups (record_id, followed_up_at) "
                   "SELECT record_id, '2025-03-03T09:00:00Z' FROM feedback WHERE csat = 1")  # fmt: skip
    _, page = page_of(tmp_path / "cxbridge.toml", tmp_path)
    assert "Every detractor and dissatisfied customer shown was followed up." in " ".join(page.text)


def test_an_empty_database_says_so(tmp_path):
    """A first sync that found nothing leaves a database without records: the page says what to do."""
    (tmp_path / "empty.csv").write_text("id,nps\n", encoding="utf-8")
    (tmp_path / "cxbridge.toml").write_text(
        '[sources.empty]\nconnector = "csv"\npath = "empty.csv"\nprogram = "voc"\n[sources.empty.columns]\nid = "id"\n'
        '[[sources.empty.metrics]]\ncolumn = "nps"\nmetric = "nps"\n', encoding="utf-8")  # fmt: skip
    assert cxbridge.sync(tmp_path / "cxbridge.toml").exit_code == 1  # no rows below the header
    html, page = page_of(tmp_path / "cxbridge.toml", tmp_path)
    assert "holds no records yet: run `cxbridge sync` first" in "".join(page.text)
    assert page.scripts == []  # nothing to draw: no plotly.js either


def test_a_missing_database_is_an_error_not_a_traceback(tmp_path):
    result = CliRunner().invoke(cli, ["report", "--db", str(tmp_path / "none.db"), "--html", str(tmp_path / "r.html")])
    assert result.exit_code == 2 and "does not exist yet; run `cxbridge sync` first" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "r.html").exists()


def test_html_takes_a_time_bucket_and_open_needs_html(network, tmp_path):
    result = CliRunner().invoke(cli, ["report", "-c", str(network), "--html", str(tmp_path / "r.html"), "--by", "location"])
    assert result.exit_code == 2 and "--html draws trends over time" in result.output
    result = CliRunner().invoke(cli, ["report", "-c", str(network), "--open"])
    assert result.exit_code == 2 and "give --html FILE too" in result.output


def test_the_python_api_writes_the_same_page(network, tmp_path, whole):
    written = cxbridge.report_html(tmp_path / "api.html", network)
    assert written.read_text(encoding="utf-8") == whole[0]


@pytest.mark.parametrize("engine", ["duckdb", "postgresql", "parquet", "snowflake"])
def test_every_destination_gives_the_page_sqlite_gives(network, whole, engine, tmp_path, request):
    """The sections' SQL runs on each engine: the same tables, counters and comments as SQLite
    (Snowflake's on fakesnow)."""
    from tests.test_population_views import made_database

    url = {"duckdb": f"duckdb:///{tmp_path / 'cx.duckdb'}", "parquet": f"parquet:///{tmp_path / 'lake'}"}.get(engine)
    if engine == "snowflake":
        request.getfixturevalue("snowflake")  # the emulator, while the module lasts
        url = SNOWFLAKE.format(password="pw-123", name="HTML_REPORT")
    url = url or made_database(request.getfixturevalue("postgres_url"), "html_report")
    assert cxbridge.sync(network, destination=url).exit_code == 0
    _, page = page_of(network, tmp_path, "--destination", url)
    _, sqlite_page = whole
    assert page.tables == sqlite_page.tables
    assert (page.counts, page.comments) == (sqlite_page.counts, sqlite_page.comments)


def test_open_hands_the_page_to_the_browser(network, tmp_path, monkeypatch):
    """--open asks the system's browser (here $BROWSER, a script that notes what it was given)."""
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" > {tmp_path / "opened.txt"}\n', encoding="utf-8")
    browser.chmod(0o755)
    target = tmp_path / "report.html"
    monkeypatch.setenv("BROWSER", f"{browser} %s")
    code, said = cxbridge_run(["report", "-c", str(network), "--html", str(target), "--open"], tmp_path)
    assert code == 0, said
    assert (tmp_path / "opened.txt").read_text(encoding="utf-8").strip() == target.resolve().as_uri()


def test_open_without_a_browser_to_open_it_says_so(network, tmp_path, monkeypatch):
    """On a server over SSH no browser starts: the page is written and the command says where,
    instead of appearing to have opened it."""
    target = tmp_path / "report.html"
    monkeypatch.setenv("BROWSER", "false %s")  # a browser that fails to start
    code, said = cxbridge_run(["report", "-c", str(network), "--html", str(target), "--open"], tmp_path)
    assert code == 0 and target.is_file(), said
    said = " ".join(said.split())
    assert f"no browser opened it here: open {target.resolve().as_uri()} on a machine with one" in said, said


def cxbridge_run(args: list[str], folder: Path) -> tuple[int | None, str]:
    """`cxbridge ARGS` in a process of its own (the system's browser is looked up once a process),
    forked from one that imported cxbridge once: its exit code and output."""
    process = forked_command(args, cwd=folder, output=folder / "output.txt")
    process.join(120)
    return process.exitcode, (folder / "output.txt").read_text(encoding="utf-8")
