"""The HTML report in a real browser (issue 17 item 6): headless Chromium (Debian's `chromium`,
installed by .ci/run) loads the page from disk with no network, runs plotly.js, and the rendered
DOM has every chart drawn — SVG paths of the trend lines and bands, the ranking bars, the
heatmap — with the expected labels, user text as text; its screenshot is not blank; nothing is
logged to the console. The example network's page (examples/cxbridge.toml) draws its headline
figures — the records, each month's figure of each trend, the ranked stores' KPIs, the customers
waiting — as worked out here from the example's CSV files."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter, defaultdict
from fractions import Fraction
from pathlib import Path
from typing import NamedTuple

import pytest

from tests import test_population_views as files
from tests.conftest import half_up
from tests.html_pages import Page
from tests.png_pixels import rgb_pixels
from tests.services import service_missing
from tests.test_examples_network import expected_ranking
from tests.test_html_report import CRITERION, STORE, STORES, example, examples_criteria, network, whole  # noqa: F401

WINDOW = (1000, 1600)
LINE, TOP, BOTTOM = (31, 95, 168), (43, 138, 62), (201, 42, 42)  # html_report.charts.COLOURS


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    service_missing("the browser tests need Chromium: apt-get install chromium")


class Rendered(NamedTuple):
    """A page as written, the DOM Chromium built from it, its screenshot, and what it logged to
    the console (messages, warnings, errors and uncaught exceptions alike)."""

    html: str
    dom: str
    screenshot: Path
    console: list[str]


def render(html: str, folder: Path) -> Rendered:
    """`html` written into `folder` and opened from there in headless Chromium, without a network."""
    page = folder / "report.html"
    page.write_text(html, encoding="utf-8")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--virtual-time-budget=10000",
             f"--window-size={WINDOW[0]},{WINDOW[1]}", "--enable-logging=stderr", "--log-level=0"]  # fmt: skip
    screenshot = folder / "report.png"
    # one load gives the DOM, the screenshot and the console: a second Chromium cost ≈ 2.5 s of CPU
    run = subprocess.run([chromium(), *flags, f"--user-data-dir={folder / 'profile'}", "--dump-dom",
                          f"--screenshot={screenshot}", page.as_uri()], capture_output=True, text=True, timeout=120)  # fmt: skip
    assert run.returncode == 0 and screenshot.exists(), run.stderr
    console = [line for line in run.stderr.splitlines() if re.search(r":CONSOLE\b", line)]
    return Rendered(html, run.stdout, screenshot, console)


@pytest.fixture(scope="module")
def rendered(whole, tmp_path_factory) -> Rendered:  # noqa: F811
    """The page of tests/test_html_report.py's network, written by `report --html`."""
    html, _ = whole
    return render(html, tmp_path_factory.mktemp("browser"))


@pytest.fixture(scope="module")
def rendered_example(example, tmp_path_factory) -> Rendered:  # noqa: F811
    """The page of examples/cxbridge.toml synced into SQLite, as README's command writes it."""
    _, html, _ = example
    return render(html, tmp_path_factory.mktemp("browser-example"))


def chart_dom(dom: str, chart_id: str) -> str:
    """The part of the DOM that holds the chart `chart_id`."""
    start = dom.index(f'id="{chart_id}"')
    end = dom.find('data-chart="', start)
    return dom[start:end if end > 0 else len(dom)]


def drawn_paths(part: str, css: str) -> list[str]:
    """The `d` of the SVG paths of class `css` that draw something."""
    paths = re.findall(r'<path[^>]*class="[^"]*\b' + css + r'\b[^"]*"[^>]*>', part)
    paths += re.findall(r'<path[^>]*\bd="[^"]+"[^>]*class="[^"]*\b' + css + r'\b[^"]*"[^>]*>', part)
    return [d for path in paths for d in re.findall(r'\bd="(M[^"]+)"', path)]


def labels(part: str) -> set[str]:
    return {text for text in Page(part).text if text.strip()}


def test_every_chart_of_the_page_drew(rendered):
    html, dom = rendered.html, rendered.dom
    charts = re.findall(r'data-chart="([^"]+)"', html)
    assert charts == ["trend-voc-nps", "trend-voc-csat", "trend-employee-enps", "trend-mystery_shop-mystery_shop",
                      "ranking-kpi", "criteria-mystery_shop"]  # fmt: skip
    for chart in charts:
        part = chart_dom(dom, chart)
        assert '<svg class="main-svg"' in part, chart
        if chart.startswith("trend-"):
            assert drawn_paths(part, "js-line"), f"{chart}: no line"
            assert drawn_paths(part, "js-fill"), f"{chart}: no confidence band"
    bars = re.findall(r'<g class="point"><path[^>]*\bd="(M[^"]+)"', chart_dom(dom, "ranking-kpi"))
    assert len(bars) == 4  # February's ranked stores
    heat = re.findall(r'<image[^>]*href="data:image/png;base64,([^"]+)"', chart_dom(dom, "criteria-mystery_shop"))
    assert heat and len(heat[0]) > 100


def test_each_trend_runs_in_time_order(rendered):
    """December's single visit has no band: it still stands between November and January on the
    axis, not after the months the band traces name."""
    axis = chart_dom(rendered.dom, "trend-mystery_shop-mystery_shop")
    ticks = re.findall(r'class="xtick"><text[^>]*data-unformatted="([^"]+)"', axis)
    assert ticks == ["2024-11", "2024-12", "2025-01", "2025-02"]


def test_the_charts_carry_their_labels_and_user_text_stays_text(rendered):
    dom = rendered.dom
    assert {"2025-01", "2025-02", "Customers · NPS −100…100"} <= labels(chart_dom(dom, "trend-voc-nps"))
    assert {STORES["S2"], STORES["S4"], STORE, "KPI 2025-02"} <= labels(chart_dom(dom, "ranking-kpi"))
    assert {"Greeting (of 10)", CRITERION, STORE} <= labels(chart_dom(dom, "criteria-mystery_shop"))
    page = Page(dom)
    assert not {"img", "b"} & {tag for tag, _ in page.tags}
    assert not [name for _, attributes in page.tags for name in attributes if name.startswith("on")]


def test_the_screenshot_shows_the_page_drawn(rendered):
    width, height, pixels = rgb_pixels(rendered.screenshot)
    assert (width, height) == WINDOW
    colours = Counter(pixels)
    luminance = [0.2126 * r + 0.7152 * g + 0.0722 * b for r, g, b in pixels[:: 7]]
    mean = sum(luminance) / len(luminance)
    assert sum((value - mean) ** 2 for value in luminance) / len(luminance) > 200  # not one flat colour
    assert colours.most_common(1)[0][1] < 0.8 * len(pixels)
    near = lambda colour: sum(count for pixel, count in colours.items()  # noqa: E731
                              if all(abs(a - b) <= 12 for a, b in zip(pixel, colour, strict=True)))  # fmt: skip
    assert near(LINE) > 300  # trend lines and points
    assert near(TOP) > 300 and near(BOTTOM) > 300  # the top and bottom stores' bars


def test_neither_page_logs_anything_to_the_console(rendered, rendered_example):
    assert rendered.console == [] and rendered_example.console == []


def test_a_page_whose_script_fails_is_caught_by_its_console(tmp_path):
    """The check above cannot pass by missing an error: a failing script's message reaches it."""
    broken = render("<!DOCTYPE html><html><body><script>console.error('drawn wrong'); missing();</script></body></html>",
                    tmp_path)  # fmt: skip
    assert [any(text in line for line in broken.console) for text in ("drawn wrong", "missing is not defined")] == [
        True, True]  # fmt: skip


def drawn_points(part: str) -> dict[str, float]:
    """Each point of a trend's line where the browser drew it: its period (the x tick at its place)
    and its figure, read off the y axis's ticks from the SVG's pixel positions."""
    left, top = map(float, re.search(r'<g class="xy" transform="translate\(([\d.]+),\s*([\d.]+)\)', part).groups())

    def ticks(axis: str) -> list[tuple[str, float, float]]:
        found = re.findall(r'class="' + axis + r'tick"><text[^>]*data-unformatted="([^"]+)"[^>]*'
                           r'transform="translate\(([-\d.]+),\s*([-\d.]+)\)"', part)  # fmt: skip
        return [(label, float(x), float(y)) for label, x, y in found]

    periods, (low, *_, high) = ticks("x"), [(float(label.replace("−", "-")), y) for label, _, y in ticks("y")]
    points = re.findall(r'class="point plotly-customdata" transform="translate\(([-\d.]+),([-\d.]+)\)"', part)
    drawn = {}
    for x, y in ((float(x) + left, float(y) + top) for x, y in points):
        [period] = [label for label, at, _ in periods if abs(at - x) < 1]
        drawn[period] = low[0] + (y - low[1]) * (high[0] - low[0]) / (high[1] - low[1])
    return drawn


def example_figures() -> dict[str, dict[str, Fraction]]:
    """Chart → month → its figure, worked out from the example's CSV files (their times are the
    example's Warsaw times, so their months are the local ones the report counts by)."""
    nps, csat, ces, enps = files.NPS_QUESTION, files.CSAT_QUESTION, files.CES_QUESTION, files.ENPS_QUESTION

    def net(scores: list[int]) -> Fraction:
        return Fraction(100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)), len(scores))

    def share(flags: list[bool]) -> Fraction:
        return Fraction(100 * sum(flags), len(flags))

    def mean(scores: list[Fraction]) -> Fraction:
        return sum(scores, Fraction(0)) / len(scores)

    answers = {
        "trend-voc-nps": (net, [(r["Submitted"], int(r[nps])) for r in files.CUSTOMERS]),
        "trend-voc-csat": (share, [(r["Submitted"], files.CSAT_LABELS[r[csat]] >= 4) for r in files.CUSTOMERS]),  # 4–5 of 1–5
        "trend-voc-ces": (share, [(r["Submitted"], int(r[ces]) >= 6) for r in files.CUSTOMERS if r[ces]]),  # 6–7 of 1–7
        "trend-employee-enps": (net, [(r["Submitted"], int(r[enps])) for r in files.EMPLOYEES]),
        "trend-mystery_shop-mystery_shop": (mean, [(r["Visit date"], Fraction(int(r["Score (of 40)"]) * 5, 2))
                                                   for r in files.VISITS]),
        "trend-audit-audit": (mean, [(r["Audit date"], Fraction(int(r["Points (of 50)"]) * 2)) for r in files.AUDITS]),
    }  # fmt: skip
    figures = {}
    for chart, (figure, rows) in answers.items():
        months: dict[str, list] = defaultdict(list)
        for day, value in rows:
            months[day[:7]].append(value)
        figures[chart] = {month: figure(values) for month, values in months.items()}
    return figures


def test_the_examples_page_draws_the_figures_of_its_files(rendered_example):
    """The records and their days, each trend's points (April has no mystery shop nor audit: no
    point), the latest wave's KPI bars and the customers waiting, as drawn in Chromium."""
    dom = rendered_example.dom
    page = Page(dom)
    days = sorted(row[column][:10] for rows, column in ((files.CUSTOMERS, "Submitted"), (files.EMPLOYEES, "Submitted"),
                                                        (files.VISITS, "Visit date"), (files.AUDITS, "Audit date"))
                  for row in rows)  # fmt: skip
    assert page.counts["records"] == str(len(days)) and f" records, {days[0]} to {days[-1]}" in "".join(page.text)
    for chart, months in example_figures().items():
        drawn = drawn_points(chart_dom(dom, chart))
        assert sorted(drawn) == sorted(months), chart
        assert {month: round(figure, 1) for month, figure in drawn.items()} == {
            month: half_up(figure) for month, figure in months.items()}, chart  # fmt: skip
    ranking = expected_ranking()
    latest = max(wave for wave, _ in ranking)
    names = {row["Store ID"]: row["Store"] for row in files.CUSTOMERS}
    kpis = {names[store]: f"{kpi:.1f}" for (wave, store), (kpi, *_) in ranking.items() if wave == latest and kpi}
    part = chart_dom(dom, "ranking-kpi")
    stores = re.findall(r'class="ytick"><text[^>]*data-unformatted="([^"]+)"', part)
    assert dict(zip(stores, re.findall(r'<text class="bartext[^>]*>([^<]*)<', part), strict=True)) == kpis
    nps, csat = files.NPS_QUESTION, files.CSAT_QUESTION
    unhappy = sum(int(row[nps]) <= 6 or files.CSAT_LABELS[row[csat]] <= 2 for row in files.CUSTOMERS)
    assert page.counts["not-followed-up"] == page.counts["cases"] == str(unhappy)


def test_the_examples_heatmap_cells_read_as_the_figures_under_it(rendered_example):
    """Chromium wrote 33 in Kraków Rynek's checkout cell, 32.5 in the table under it: each cell, as
    drawn, reads the store's mean of the example's visits to one decimal, half away from zero."""
    _, criteria, means = examples_criteria()
    drawn = re.findall(r'<g class="heatmap-label"><text[^>]*>([^<]*)</text>', chart_dom(rendered_example.dom,
                                                                                       "criteria-mystery_shop"))
    assert [drawn[row * len(criteria):(row + 1) * len(criteria)] for row in range(len(means))] == means
