"""A sheet's own figures under its responses: `Total`, `Average`, `NPS` rows an analyst adds at
the bottom of a sheet kept by hand. They are no responses; read as rows, a count of 20 or an
NPS of -25 would be answers off the scale (or, within it, counted), their labels a store."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

SUMMARY = "rows of totals or averages"
"""Why a sync leaves such rows out, in its summary (`3 rows of totals or averages left out`)."""

_WORDS = frozenset({
    "total", "totals", "grand total", "subtotal", "sub-total", "sum", "average", "avg", "mean", "median", "count",
    "overall", "nps", "enps", "csat", "ces", "net promoter score", "result", "results",
    "gesamt", "insgesamt", "gesamtsumme", "summe", "durchschnitt", "mittelwert", "anzahl", "ergebnis",
    "total general", "suma", "promedio", "media", "resultado", "total général", "somme", "moyenne", "résultat",
    "razem", "łącznie", "ogółem", "średnia", "wynik", "итого", "итог", "всего", "сумма", "среднее", "в среднем",
    "soma", "média", "totale", "somma", "totaal", "gemiddelde", "ø",
})  # fmt: skip
"""Labels of such a row, in the languages cxbridge reads (a trailing colon aside; `Ø`, the German sign of an average)."""


def summary_cell(cells: Iterable[Any]) -> tuple[int, str] | None:
    """(column, label) when the row's first filled cell is text naming a total or an average.
    Asked of every row: one look at the first filled cell (about 0.2 µs, of a record's 20+)."""
    for index, cell in enumerate(cells):
        if cell is None:
            continue
        if cell.__class__ is not str or len(cell) > 30:
            return None
        key = cell.casefold().strip(" \t\r\n:")
        if key:
            return (index, cell.strip()) if key in _WORDS else None
    return None


def is_label(text: str) -> bool:
    """Whether the text, trimmed, is such a label."""
    return text.casefold().strip(" \t\r\n:") in _WORDS


def label_initials() -> frozenset[str]:
    """The letters such a label can start with, in either case: a row whose first cell starts
    otherwise (a date, an id) is no such row, told without a look at the rest."""
    return frozenset(case for word in _WORDS for case in (word[0], word[0].upper(), word[0].title()))


def trailing_summary(rows: list[tuple[int, tuple[int, str]]], data_columns: set[int]) -> bool:
    """Whether the labelled rows after the last response are the sheet's totals: a few, each
    labelled once, in a column no response's row holds such a word in (`Type`: NPS … CSAT is data)."""
    labels = [label.casefold() for _, (_, label) in rows]
    return len(rows) <= 8 and len(set(labels)) == len(labels) and not data_columns & {c for _, (c, _) in rows}


def summary_note(where: str, rows: list[tuple[int, str]]) -> str:
    """What `inspect` says of the rows left out: `rows 16–18 ('Gesamt', 'Durchschnitt', 'NPS') …`."""
    numbers = f"row {rows[0][0]}" if len(rows) == 1 else f"rows {rows[0][0]}–{rows[-1][0]}"
    labels = ", ".join(repr(label) for _, label in rows)
    return (f"{where}: {numbers} ({labels}) under the responses hold the sheet's own totals or averages, "
            "not responses: left out of the detection and the import")  # fmt: skip
