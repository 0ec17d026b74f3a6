"""Reading a report page back in the tests: its tables by name, its counters, its script and
event-handler markup, and the Plotly figures it draws — with the standard library's parser."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any


class Page(HTMLParser):
    """Tables (`data-table` → rows of cell texts), counters (`data-count` → text), comment lists
    (`data-comments` → item texts), every start tag with its attributes, and script bodies."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, list[list[str]]] = {}
        self.counts: dict[str, str] = {}
        self.comments: dict[str, list[str]] = {}
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self.text: list[str] = []
        self._table: str | None = None
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._count: str | None = None
        self._comments: str | None = None
        self._item: list[str] | None = None
        self._in_script = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "table":
            self._table = attributes.get("data-table")
            self.tables.setdefault(self._table or "", [])
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif "data-count" in attributes:
            self._count = attributes["data-count"]
            self.counts[self._count or ""] = ""
        elif tag == "ul" and "data-comments" in attributes:
            self._comments = attributes["data-comments"] or ""
            self.comments[self._comments] = []
        elif tag == "blockquote" and self._comments is not None:
            self._item = []
        elif tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self._table or ""].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None
        elif tag == "strong" or tag == "span":
            self._count = None
        elif tag == "blockquote" and self._item is not None and self._comments is not None:
            self.comments[self._comments].append("".join(self._item))
            self._item = None
        elif tag == "ul":
            self._comments = None
        elif tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data
            return
        self.text.append(data)
        for collecting in (self._cell, self._item):
            if collecting is not None:
                collecting.append(data)
        if self._count is not None:
            self.counts[self._count] += data

    def body(self, name: str) -> list[list[str]]:
        """A table's rows below its header."""
        return self.tables[name][1:]


def figure_data(html: str, chart_id: str) -> list[dict[str, Any]]:
    """The traces Plotly draws in the chart `chart_id`, from the JSON the page hands it."""
    found = re.search(r'Plotly\.newPlot\(\s*"' + re.escape(chart_id) + '",', html)
    assert found, f"no chart {chart_id}"
    start = html.index("[", found.end())
    traces, _ = json.JSONDecoder().raw_decode(html, start)
    return traces


def month_before(month: str) -> str:
    """The calendar month before `month` ('2025-01' → '2024-12'): a trend's change from any other
    month (a month without answers between) names it under `since`."""
    year, number = int(month[:4]), int(month[5:])
    return f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"
