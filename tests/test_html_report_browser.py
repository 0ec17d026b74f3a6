"""The HTML report in a real browser (issue 17 item 6): headless Chromium (Debian's `chromium`,
installed by .ci/run) loads the page from disk with no network, runs plotly.js, and the rendered
DOM has every chart drawn — SVG paths of the trend lines and bands, the ranking bars, the
heatmap — with the expected labels, user text as text; its screenshot is not blank."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from tests.html_pages import Page
from tests.png_pixels import rgb_pixels
from tests.services import service_missing
from tests.test_html_report import CRITERION, STORE, STORES, network, whole  # noqa: F401  (fixtures)

WINDOW = (1000, 1600)
LINE, TOP, BOTTOM = (31, 95, 168), (43, 138, 62), (201, 42, 42)  # html_report.charts.COLOURS


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    service_missing("the browser tests need Chromium: apt-get install chromium")


@pytest.fixture(scope="module")
def rendered(whole, tmp_path_factory) -> tuple[str, str, Path]:  # noqa: F811
    """The page's HTML (tests/test_html_report.py's, written by `report --html`), the DOM
    Chromium built from it, and its screenshot."""
    folder = tmp_path_factory.mktemp("browser")
    html, _ = whole
    page = folder / "report.html"
    page.write_text(html, encoding="utf-8")
    browser = chromium()
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--virtual-time-budget=10000",
             f"--window-size={WINDOW[0]},{WINDOW[1]}"]  # fmt: skip
    screenshot = folder / "report.png"
    # one load gives both the DOM and the screenshot: a second Chromium cost ≈ 2.5 s of CPU
    run = subprocess.run([browser, *flags, f"--user-data-dir={folder / 'profile'}", "--dump-dom",
                          f"--screenshot={screenshot}", page.as_uri()], capture_output=True, text=True, timeout=120)  # fmt: skip
    assert run.returncode == 0 and screenshot.exists(), run.stderr
    dom = run.stdout
    return html, dom, screenshot


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
    html, dom, _ = rendered
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
    _, dom, _ = rendered
    axis = chart_dom(dom, "trend-mystery_shop-mystery_shop")
    ticks = re.findall(r'class="xtick"><text[^>]*data-unformatted="([^"]+)"', axis)
    assert ticks == ["2024-11", "2024-12", "2025-01", "2025-02"]


def test_the_charts_carry_their_labels_and_user_text_stays_text(rendered):
    _, dom, _ = rendered
    assert {"2025-01", "2025-02", "Customers · NPS"} <= labels(chart_dom(dom, "trend-voc-nps"))
    assert {STORES["S2"], STORES["S4"], STORE, "KPI 2025-02"} <= labels(chart_dom(dom, "ranking-kpi"))
    assert {"Greeting (of 10)", CRITERION, STORE} <= labels(chart_dom(dom, "criteria-mystery_shop"))
    page = Page(dom)
    assert not {"img", "b"} & {tag for tag, _ in page.tags}
    assert not [name for _, attributes in page.tags for name in attributes if name.startswith("on")]


def test_the_screenshot_shows_the_page_drawn(rendered):
    _, _, screenshot = rendered
    width, height, pixels = rgb_pixels(screenshot)
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
