"""The report page: its head (styles, plotly.js inlined once), what it shows, and its sections."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cxbridge.destinations import Destination
from cxbridge.reporting import Parameters, ReportOptions, record_filters

from . import charts, comments, criteria, queues, ranking, trends
from .markup import empty, text

SECTIONS: tuple[tuple[str, str, Callable[[Destination, ReportOptions], str]], ...] = (
    ("trends", "Trends", trends.render),
    ("ranking", "Store ranking", ranking.render),
    ("criteria", "Criteria", criteria.render),
    ("queues", "Follow-up queues", queues.render),
    ("comments", "Comments", comments.render),
)
STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #212529;
       background: #f8f9fa; }
header { background: #1f3b5c; color: #fff; padding: 16px 28px; }
header h1 { margin: 0 0 4px; font-size: 22px; }
header p { margin: 2px 0; font-size: 13px; opacity: .9; }
nav a { color: #fff; margin-right: 14px; font-size: 13px; }
main { padding: 8px 28px 40px; }
section { margin-top: 22px; }
h2 { font-size: 19px; border-bottom: 2px solid #dee2e6; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 14px 0 6px; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(440px, 1fr)); gap: 14px; }
.card, .store-comments { background: #fff; border: 1px solid #dee2e6; border-radius: 6px; padding: 8px 12px; }
.note { color: #495057; font-size: 13px; max-width: 900px; }
.empty { color: #868e96; font-style: italic; }
table { border-collapse: collapse; font-size: 13px; margin: 6px 0 10px; background: #fff; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { border: 1px solid #dee2e6; padding: 3px 8px; text-align: left; }
tr.top td { background: #d3f9d8; } tr.bottom td { background: #ffe3e3; }
summary { cursor: pointer; font-size: 13px; color: #1f5fa8; }
ul { padding-left: 0; list-style: none; margin: 0; }
li { margin: 0 0 8px; } blockquote { margin: 0; } .meta { color: #868e96; font-size: 12px; }
.summary { font-size: 15px; }
.indicative { color: #868e96; font-style: italic; }
"""


def records_shown(destination: Destination, options: ReportOptions) -> dict[str, Any]:
    """How many records the filters keep, and the first and last day among them."""
    parameters = Parameters(destination)
    where = record_filters(options, parameters)
    [row] = destination.query(
        "SELECT COUNT(*) AS records, MIN(f.submitted_local_date) AS first_day, MAX(f.submitted_local_date) AS last_day "
        f"FROM feedback f WHERE {where}", parameters.values)  # fmt: skip
    return row


def html_page(destination: Destination, options: ReportOptions) -> str:
    """The whole report as one HTML document that needs no network."""
    [total] = destination.query(
        "SELECT (SELECT COUNT(*) FROM feedback) AS records, (SELECT COUNT(*) FROM loop_queue) AS cases"
    )
    if not int(total["records"]) and not int(total["cases"]):  # cases outlive their records removed (loop.md)
        body = empty(f"{destination.display_name} holds no records yet: run `cxbridge sync` first, then build the "
                     "report again.")  # fmt: skip
        return _document(_header(destination, options, None), body, scripts="")
    shown = records_shown(destination, options)
    body = "".join(render(destination, options) for _, _, render in SECTIONS)
    if not int(total["records"]):
        body = empty(f"{destination.display_name} holds no records now: the cases below outlived theirs (removed or "
                     "pruned, docs/loop.md).") + body  # fmt: skip
    elif not int(shown["records"]):
        body = empty("No records match the filters; the sections below say what each found.") + body
    return _document(_header(destination, options, shown), body, scripts=f"<script>{charts.plotly_js()}</script>")


def _header(destination: Destination, options: ReportOptions, shown: dict[str, Any] | None) -> str:
    filters = [f"by {options.by}"]
    if options.programs:
        filters.append("programs: " + ", ".join(options.programs))
    if options.sources:
        filters.append("sources: " + ", ".join(options.sources))
    if options.metric:
        filters.append(f"metric: {options.metric}")
    if options.since or options.until:
        filters.append(f"days: {options.since or '…'} to before {options.until or '…'}")
    lines = [f"<p>{text(destination.display_name)} · {text(' · '.join(filters))}</p>"]
    if shown is not None:
        days = f", {shown['first_day']} to {shown['last_day']}" if shown["first_day"] else ""
        lines.append(f'<p><span data-count="records">{int(shown["records"])}</span> records{text(days)}</p>')
    links = "".join(f'<a href="#{anchor}">{text(title)}</a>' for anchor, title, _ in SECTIONS)
    return f"<header><h1>cxbridge report</h1>{''.join(lines)}<nav>{links}</nav></header>"


def _document(header: str, body: str, *, scripts: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>cxbridge report</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{STYLE}</style>{scripts}'
            f"</head><body>{header}<main>{body}</main></body></html>\n")  # fmt: skip
