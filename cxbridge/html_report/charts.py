"""The report's charts, drawn by Plotly (imported here, when a report is built, so that
`cxbridge --help` never loads it). The page inlines plotly.js once: the file opens without a
network, and hovering a point shows its figures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from cxbridge.reporting import MIN_BASE

from .markup import number

COLOURS = {"line": "#1f5fa8", "band": "rgba(31, 95, 168, 0.18)", "significant": "#d9480f",
           "top": "#2b8a3e", "bottom": "#c92a2a", "middle": "#868e96"}  # fmt: skip
CONFIG = {"displaylogo": False, "displayModeBar": False, "responsive": True}


def label(value: Any) -> str:
    """User text for Plotly, which reads `<b>`, `<a href>`, … in labels as markup: escaped, so
    that it is drawn as the characters it is."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plotly_js() -> str:
    """plotly.js itself, to inline once in the page."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def _html(figure: Any, chart_id: str) -> str:
    import plotly.io as pio

    div = pio.to_html(figure, full_html=False, include_plotlyjs=False, div_id=chart_id, config=CONFIG)
    return f'<div class="chart" data-chart="{chart_id}">{div}</div>'


def _layout(title: str, height: int, **more: Any) -> dict[str, Any]:
    return {"title": {"text": label(title), "x": 0.01, "font": {"size": 15}}, "height": height,
            "template": "plotly_white", "margin": {"l": 60, "r": 20, "t": 40, "b": 50},
            "showlegend": False, **more}  # fmt: skip


@dataclass(frozen=True)
class TrendPoint:
    """A period's figure; `score` None for a period without answers, which breaks the line."""

    bucket: str
    score: float | None
    low: float | None = None
    high: float | None = None
    responses: int = 0
    significant: bool = False
    indicative: bool = False
    """Fewer answers than the minimum base (`reporting.MIN_BASE`): drawn hollow and grey."""
    change: str = ""
    """The change and the period it is from (`+1.0 since 2025-03`), shown on hover; empty for none."""
    figure: str = ""
    """`score` as the figures table writes it (`+9.7`, `−100.0`), shown on hover: Plotly's own format
    writes −100.0 with a hyphen."""


def trend_chart(chart_id: str, title: str, points: Sequence[TrendPoint], *, y_range: tuple[float, float],
                unit: str = "responses") -> str:  # fmt: skip
    """A figure over time with its 95 % band (one per run of periods that have an interval); the
    points whose change from the one before is significant are ringed, the indicative ones hollow
    and grey, and a period without answers is a gap in the line. Its hover counts in `unit`
    (responses, visits, audits)."""
    import plotly.graph_objects as go

    buckets = [point.bucket for point in points]
    figure = go.Figure()
    for run in _banded_runs(points):
        figure.add_trace(_band(run))
    figure.add_trace(go.Scatter(
        x=buckets, y=[point.score for point in points], mode="lines+markers", name=label(title),
        line={"color": COLOURS["line"], "width": 2}, connectgaps=False,
        marker={"size": 7, "symbol": ["circle-open" if p.indicative else "circle" for p in points],
                "color": [COLOURS["middle"] if p.indicative else COLOURS["line"] for p in points]},
        customdata=[[p.responses, _bound(p.low), _bound(p.high), small_base(p.indicative, unit), _change(p), p.figure]
                    for p in points],
        hovertemplate="%{x}: %{customdata[5]}<br>95 %: %{customdata[1]} … %{customdata[2]}<br>n = %{customdata[0]} "
                      f"{unit}%{{customdata[3]}}%{{customdata[4]}}<extra></extra>",
    ))  # fmt: skip
    significant = [point for point in points if point.significant]
    figure.add_trace(go.Scatter(x=[p.bucket for p in significant], y=[p.score for p in significant], mode="markers",
                                marker={"size": 15, "color": "rgba(0,0,0,0)",
                                        "line": {"color": COLOURS["significant"], "width": 2.5}},
                                name="significant change", hoverinfo="skip"))  # fmt: skip
    in_order = {"type": "category", "categoryorder": "array", "categoryarray": buckets}  # not the traces' order
    figure.update_layout(**_layout(title, 300, yaxis={"range": list(y_range)}, xaxis=in_order))
    return _html(figure, chart_id)


def _banded_runs(points: Sequence[TrendPoint]) -> list[list[TrendPoint]]:
    """The runs of consecutive points that have an interval: each gets its own band, so that a
    period without one is never drawn inside a band filled from its neighbours."""
    return [list(run) for banded, run in groupby(points, key=lambda point: point.low is not None) if banded]


def _band(run: list[TrendPoint]) -> Any:
    """One run's band as a closed shape: along the high bounds, back along the low ones. A run of
    one period is a short thick bar, since a shape one period wide has no area to fill."""
    import plotly.graph_objects as go

    return go.Scatter(x=[p.bucket for p in run] + [p.bucket for p in reversed(run)],
                      y=[p.high for p in run] + [p.low for p in reversed(run)], mode="lines", fill="toself",
                      fillcolor=COLOURS["band"], line={"width": 0 if len(run) > 1 else 12, "color": COLOURS["band"]},
                      hoverinfo="skip", name="95 % band")  # fmt: skip


def _bound(value: float | None) -> str:
    return "–" if value is None else number(value)


def small_base(indicative: bool, unit: str) -> str:
    """What a hover adds to a figure below the minimum base: ` · indicative (fewer than 5 visits)`."""
    return f" · indicative (fewer than {MIN_BASE} {unit})" if indicative else ""


def _change(point: TrendPoint) -> str:
    return f"<br>change {label(point.change)}" if point.change else ""


def ranking_chart(chart_id: str, title: str, stores: Sequence[tuple[str, float, str]]) -> str:
    """Ranked stores' KPI as bars, best on top; `stores` holds (name, kpi, 'top'|'bottom'|'middle')."""
    import plotly.graph_objects as go

    ordered = list(reversed(stores))  # Plotly draws the first bar at the bottom
    figure = go.Figure(go.Bar(
        x=[kpi for _, kpi, _ in ordered], y=[label(name) for name, _, _ in ordered], orientation="h",
        marker={"color": [COLOURS[place] for _, _, place in ordered]},
        text=[number(kpi) for _, kpi, _ in ordered], textposition="outside",
        hovertemplate="%{y}: KPI %{text}<extra></extra>",
    ))  # fmt: skip
    height = 90 + 26 * len(stores)
    figure.update_layout(**_layout(title, height, xaxis={"range": [0, 105], "title": {"text": "KPI (0–100)"}},
                                   yaxis={"type": "category", "automargin": True}))  # fmt: skip
    return _html(figure, chart_id)


def heatmap(chart_id: str, title: str, stores: Sequence[str], criteria: Sequence[str],
            scores: Sequence[Sequence[float | None]], counts: Sequence[Sequence[int]], *, unit: str) -> str:  # fmt: skip
    """Stores × criteria, each cell the mean 0–100 score, written in the cell as the figures under
    the chart write it (`number`: Plotly's own format rounds 32.5 to 33, half up, to no decimal);
    hovering it shows the scores behind it (`counts`, in `unit`). A cell of fewer than the minimum
    base is greyed over, and its hover says indicative, as a trend's point."""
    import plotly.graph_objects as go

    names = {"x": [label(name) for name in criteria], "y": [label(name) for name in stores], "xgap": 2, "ygap": 2}
    small = [[score is not None and count < MIN_BASE for score, count in zip(row, row_counts, strict=True)]
             for row, row_counts in zip(scores, counts, strict=True)]  # fmt: skip
    figure = go.Figure(go.Heatmap(
        z=[list(row) for row in scores], **names,
        text=[["" if score is None else number(score) for score in row] for row in scores], texttemplate="%{text}",
        customdata=[[[count, small_base(few, unit)] for count, few in zip(row, flags, strict=True)]
                    for row, flags in zip(counts, small, strict=True)],
        zmin=0, zmax=100, colorscale="RdYlGn", hoverongaps=False,
        hovertemplate=f"%{{y}} · %{{x}}: %{{text}}, n = %{{customdata[0]}} {unit}%{{customdata[1]}}<extra></extra>",
        colorbar={"title": {"text": "0–100"}},
    ))  # fmt: skip
    if any(any(row) for row in small):  # a grey veil over them, which the hover passes through
        figure.add_trace(go.Heatmap(z=[[1 if few else None for few in row] for row in small], **names, zmin=0, zmax=1,
                                    colorscale=[[0, COLOURS["middle"]], [1, COLOURS["middle"]]], opacity=0.6,
                                    showscale=False, hoverinfo="skip"))  # fmt: skip
    height = 120 + 28 * len(stores)
    figure.update_layout(**_layout(title, height, yaxis={"type": "category", "autorange": "reversed",
                                                          "automargin": True},
                                   xaxis={"type": "category", "automargin": True}))  # fmt: skip
    return _html(figure, chart_id)
