"""The HTML the report's sections are written in: every value from the data passes through
`text()` (html.escape), so a store named `<script>` is shown as text and never runs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

from cxbridge.metrics import NPS_METRICS


def text(value: Any) -> str:
    """A value as HTML text: escaped, with quotes, so it is safe in an element and an attribute."""
    if value is None:
        return ""
    if isinstance(value, float):
        return number(value)
    return escape(str(value), quote=True)


def number(value: float) -> str:
    """A figure as the page writes it: one decimal, a minus sign (−) below zero, never −0.0."""
    size = f"{abs(value):.1f}"
    return f"−{size}" if value < 0 and size != "0.0" else size


def signed(value: float | None) -> str:
    """A change or a −100…100 score with its sign (+3.2, −1.0, 0.0), empty when there is none."""
    if value is None:
        return ""
    shown = number(value)
    return f"+{shown}" if value > 0 and shown != "0.0" else shown


def figure(value: float, metric: str) -> str:
    """A metric's figure as the page writes it: NPS and eNPS, −100…100, with their sign (+53.8)."""
    return signed(float(value)) if metric in NPS_METRICS else number(float(value))


def signed_whole(value: int | None) -> str:
    """A change in whole units, such as the places a store went up (+2, −1, 0), with the same minus
    sign as the figures; empty when there is none."""
    if value is None:
        return ""
    return f"+{value}" if value > 0 else f"−{-value}" if value < 0 else "0"


def counted(program: str) -> str:
    """What a program's figures count (a ranking component's of the same name): its visits or audits,
    else responses — customers' and employees', every survey metric's."""
    return _UNITS.get(program, "responses")


_UNITS = {"mystery_shop": "visits", "audit": "audits"}


def listed(words: Sequence[str]) -> str:
    """Words as a sentence lists them: `responses, visits or audits`."""
    return " or ".join(filter(None, (", ".join(words[:-1]), words[-1]))) if words else ""


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, name: str,
          row_classes: Sequence[str] | None = None, caption: str = "") -> str:  # fmt: skip
    """A table named `name` (its `data-table`, which the tests read): cells are escaped unless
    they are `Html` (markup this package wrote)."""
    head = "".join(f"<th>{text(header)}</th>" for header in headers)
    body = []
    for index, row in enumerate(rows):
        css = row_classes[index] if row_classes and row_classes[index] else ""
        attribute = f' class="{text(css)}"' if css else ""
        body.append(f"<tr{attribute}>" + "".join(f"<td>{cell_html(cell)}</td>" for cell in row) + "</tr>")
    caption_html = f"<caption>{text(caption)}</caption>" if caption else ""
    return (f'<table data-table="{text(name)}">{caption_html}<thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table>")  # fmt: skip


class Html(str):
    """Markup written by this package, put into a table cell as it is."""


def marked(figure: str, answers: int, needed: int, unit: str) -> str:
    """A figure of fewer answers than its minimum: indicative, greyed, the minimum in its title."""
    if answers >= needed:
        return figure
    return Html(f'<span class="indicative" title="indicative: fewer than {needed} {unit}">{text(figure)}</span>')


def cell_html(cell: Any) -> str:
    return str(cell) if isinstance(cell, Html) else text(cell)


def section(title: str, anchor: str, body: str, *, note: str = "") -> str:
    """One section of the page: a heading, an optional explanation, the content."""
    explained = f'<p class="note">{text(note)}</p>' if note else ""
    return f'<section id="{text(anchor)}"><h2>{text(title)}</h2>{explained}{body}</section>'


def empty(message: str) -> str:
    """What a section shows when the data has nothing for it."""
    return f'<p class="empty">{text(message)}</p>'
