"""Rows of another population in a file source: a column saying who answered ("Respondent type":
customer, employee, …). A source has one population, its `program` (docs/schema.md, Populations),
and a file source maps no column to it, so such rows are stored and counted as the source's own;
the sync's summary names the file, the column and how many rows, for the user to split them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from cxbridge.errors import SourceError
from cxbridge.records import RESPONDENT_BY_PROGRAM, RespondentType
from cxbridge.sources import SourceConfig
from cxbridge.tabular.table import Table

_WORDS = {
    RespondentType.CUSTOMER: (
        "customer", "customers", "client", "clients", "consumer", "buyer", "клиент", "покупатель", "klient",
        "klientka", "kunde", "kundin", "cliente", "consommateur",
    ),
    RespondentType.EMPLOYEE: (
        "employee", "employees", "staff", "staff member", "worker", "colleague", "team member", "сотрудник",
        "работник", "персонал", "pracownik", "personel", "mitarbeiter", "mitarbeiterin", "angestellte",
        "angestellter", "empleado", "empleada", "personal", "colaborador", "colaboradora", "employé", "employée",
        "salarié", "salariée", "collaborateur", "funcionário", "funcionária",
    ),
    RespondentType.SHOPPER: (
        "mystery shopper", "тайный покупатель", "tajemniczy klient", "testkäufer", "cliente misterioso",
        "cliente oculto", "client mystère",
    ),
    RespondentType.AUDITOR: ("auditor", "аудитор", "audytor", "prüfer", "auditeur", "auditora"),
}  # fmt: skip
POPULATION_OF = {word: population for population, words in _WORDS.items() for word in words}
"""A cell's text (trimmed, case-folded) → the respondent it names."""
_NOUNS = {
    RespondentType.CUSTOMER: "a customer", RespondentType.EMPLOYEE: "an employee",
    RespondentType.SHOPPER: "a mystery shopper", RespondentType.AUDITOR: "an auditor",
}  # fmt: skip


def population_of(value: Any) -> RespondentType | None:
    return POPULATION_OF.get(str(value).strip().casefold()) if value is not None else None


class OtherPopulations:
    """The rows of one table whose population column names another respondent than the source's."""

    def __init__(self, table: Table, column: str, *, source: str, program: str, respondent: str):
        self.table, self.column = table, column
        self.source, self.program, self.respondent = source, program, respondent
        self.found: Counter[str] = Counter()  # cell as written → rows

    @classmethod
    def of(cls, table: Table, config: SourceConfig, *, source: str) -> OtherPopulations | None:
        """For the table's first column whose first rows' cells all name a population; None without one."""
        program, respondent = str(config.program), str(config.respondent_type or RESPONDENT_BY_PROGRAM[config.program])
        try:
            preview = table.preview()
        except SourceError:
            return None  # the rows themselves fail, naming the row
        for column in table.columns:
            if _names_populations(row.values.get(column.key) for row in preview):
                return cls(table, column.key, source=source, program=program, respondent=respondent)
        return None

    def count(self, values: dict[str, Any]) -> None:
        value = values.get(self.column)
        population = population_of(value)
        if population is not None and population != self.respondent:
            self.found[str(value).strip()] += 1

    def warning(self) -> str | None:
        if not self.found:
            return None
        by_population: dict[RespondentType, list[str]] = {}
        for written in self.found:
            by_population.setdefault(POPULATION_OF[written.casefold()], []).append(written)
        total = sum(self.found.values())
        rows = f"{total} rows say" if total > 1 else "1 row says"
        named = " or ".join(_NOUNS[population] for population in by_population)
        counts = ", ".join(f"{written!r} {count}" for written, count in self.found.items())
        return (
            f"{self.table.where}: {rows} in column {self.column!r} that {named} answered ({counts}), but source "
            f"{self.source!r} counts them as {self.respondent}s (program {self.program}): their answers are in that "
            "program's figures (nps_by_month, csat_by_month, location_scorecard, the follow-up queues); a file source "
            "gives all its rows one program, so put those rows in a file of their own under a source of their "
            "program (e.g. program = 'employee'), or remove them"
        )


def _names_populations(cells: Iterable[Any]) -> bool:
    """Whether the cells, blanks aside, are all population words (and not all blank)."""
    named = False
    for value in cells:
        if value is None or value == "":
            continue
        if population_of(value) is None:
            return False
        named = True
    return named
