"""Google Forms response sheets and their CSV downloads: `Timestamp` (in the form owner's
language) first, then an optional e-mail column, then the question titles verbatim — repeated
titles are numbered `Title (2)`; checkbox answers are one cell joined with ", "."""

from __future__ import annotations

import re
from datetime import datetime

from cxbridge.exports import plain
from cxbridge.exports.layout import FormatKnowledge, KnownField, LayoutOptions, Recognition, grid_table
from cxbridge.tabular.cells import with_am_pm
from cxbridge.tabular.grid import Cells, Grid, blank_row
from cxbridge.tabular.table import Column, Table, header_key, unique_keys

NAME = "google_forms"

TIMESTAMP_TITLES = frozenset(
    {
        "timestamp", "marca temporal", "horodateur", "zeitstempel", "sygnatura czasowa",
        "отметка времени", "carimbo de data/hora", "informazioni cronologiche", "tijdstempel",
        "časová značka", "позначка часу", "タイムスタンプ", "타임스탬프", "时间戳记", "時間戳記",
    }
)  # fmt: skip
EMAIL_TITLES = frozenset(
    {
        "email address", "e-mail address", "email", "dirección de correo electrónico", "adresse e-mail",
        "e-mail-adresse", "adres e-mail", "адрес электронной почты", "endereço de e-mail", "indirizzo email",
        "e-mailadres", "メールアドレス",
    }
)  # fmt: skip
SCORE_TITLES = frozenset({"score", "puntuación", "score total", "punktzahl", "wynik", "баллы", "pontuação"})
_STAMP = re.compile(r"\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4},? \d{1,2}:\d{2}:\d{2}(\D|$)")
"""A submission time as Google Forms writes it: the date, then the time to the second —
`2025/03/01 10:15:00 AM GMT+1` (CSV download), `3/1/2025 10:15:00`, `01.03.2025 10:15:00` (sheet),
Korean sheets' `2025. 12. 26. 오후 7:11:27` once read as `2025/12/26 7:11:27 PM`, Chinese ones'
`2025-12-5 下午01:14:13` (or `2025/12/26 下午 7:11:27`) as `2025/12/5 01:14:13 PM`."""


def recognize(preview: list[tuple[int, Cells]]) -> Recognition | None:
    header = _first_row(preview)
    if header is None or not header[1] or header_key(header[1][0]).casefold() not in TIMESTAMP_TITLES:
        return None
    number, cells = header
    if not all(_stamped(row[0]) for at, row in preview if at > number and row and not blank_row(row[:1])):
        return None  # a "Timestamp" of other values (a moment in a recording, epoch seconds): another tool's file
    evidence = [f"row {number} starts with {header_key(cells[0])!r}, the column Google Forms writes first, "
                "holding submission times"]
    if len(cells) > 1 and header_key(cells[1]).casefold() in EMAIL_TITLES:
        evidence.append(f"followed by {header_key(cells[1])!r}, the form's collected e-mail")
    confidence = 0.95 if len(evidence) > 1 else 0.85
    return Recognition(NAME, confidence, evidence, header_row=number)


def to_table(grid: Grid, options: LayoutOptions) -> Table:
    header = _first_row(grid.preview()) if options.header_row is None else None
    row = options.header_row or (header[0] if header else 1)
    cells = next((cells for number, cells in grid.preview() if number == row), [])
    width = plain.used_width(cells, [c for n, c in grid.preview() if n > row])
    names = [*cells[:width], *[None] * (width - len(cells))]
    columns = [Column(key=key, text=key, index=index) for index, key in enumerate(unique_keys(names))]
    return grid_table(grid, format=NAME, columns=columns, first_data_row=row + 1)


def knowledge(table: Table) -> FormatKnowledge:
    known = FormatKnowledge()
    first = table.columns[0]
    known.fields["submitted_at"] = KnownField(first.key, "Google Forms' first column is the submission time")
    for column in table.columns[1:]:
        title = column.key.casefold()
        if title in EMAIL_TITLES:
            known.fields["email"] = KnownField(column.key, "the e-mail Google Forms collected with the response")
        elif title in SCORE_TITLES:
            known.metadata.add(column.key)
        else:
            known.questions.append(column.key)
    return known


def _stamped(value: object) -> bool:
    return isinstance(value, datetime) or (isinstance(value, str) and _STAMP.match(with_am_pm(value.strip())) is not None)


def _first_row(preview: list[tuple[int, Cells]]) -> tuple[int, Cells] | None:
    return next(((number, cells) for number, cells in preview if not blank_row(cells)), None)
