"""The day/month order of a file source's dates, decided by any of its files: they share the
source's mapping, so a file whose days are all 12 or less reads as another file's 31/01/2025
shows, in this sync or an earlier one (the order is kept in the source's state); files showing
both orders are an error naming them, as which one is right is the user's to say. A source whose
date_order is set reads its files so, and refuses whole a file whose dates show the other order.
Rows appended to a file read on are judged so too, as a block: refused against an order shown,
or, showing the other order than the rows above them were assumed in, the file read again.
Dotted dates stay day first by their custom: beside month-first files, a note says so."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cxbridge.errors import SourceError
from cxbridge.tabular.cells import DateOrder, DateOrderGuess
from cxbridge.tabular.reading import decide_date_order
from cxbridge.tabular.table import Table

_DAY_MONTH = (DateOrder.DMY, DateOrder.MDY)
_WRITTEN = {DateOrder.DMY: "d/m/y", DateOrder.MDY: "m/d/y"}
APPENDED = "the rows appended since the last sync"
IMPORT_FILES = "the files of this import"
IMPORT_ADVICE = ("if the files are one export, say how its dates read, --date-order dmy or --date-order mdy (a date that "
                 "cannot be read so is quarantined), else import the files of each order on their own")  # fmt: skip


def undecided(guess: DateOrderGuess) -> bool:
    """Whether the order was assumed where another file could decide it (dotted dates stay day
    first, as everywhere)."""
    return guess.assumed and guess.separator != "."


def dotted(guess: DateOrderGuess) -> bool:
    """Whether the order is the dotted dates' custom (day first), some of them reading as two days."""
    return guess.assumed and guess.separator == "." and guess.example is not None


def read_day_first(column: str, guess: DateOrderGuess, shown_by: str) -> str:
    """A note for dotted dates that cannot show their order, read day first as everywhere, in a
    source whose other files show month first (`shown_by`: the file and its dates' evidence)."""
    return (f"column {column!r}: its dotted dates cannot show their order (as {guess.example!r}: day and month 12 or "
            "less) and are read day first, as dotted dates are everywhere — though the source's other files are "
            f"month first ({shown_by}); if these are month first too, set date_order = 'mdy' for the source")  # fmt: skip


class DateOrderConflict(SourceError):
    """Files that share a mapping show both day/month orders: which is right is the user's to say."""


Evidence = dict[tuple[str, str], DateOrderGuess]
"""What tables showed of their day/month order, by (table's `where`, column)."""


class SourceDates:
    """The order the source's files have shown, with where; each table's own evidence, read once
    a sync (or `known` before it: an import's). The files not read yet are searched only for a
    file that shows no order itself, so files that conflict with those read before fail as they
    are read."""

    def __init__(self, order: DateOrder | None = None, shown_by: str = "", *, whose: str = "the files of this source",
                 fix: str | None = None, known: Evidence | None = None):  # fmt: skip
        self.order, self.shown_by = order, shown_by
        self.whose, self.fix = whose, fix  # the files sharing the order; how to settle a conflict (`_source_fix`)
        self.look_ahead: Callable[[], None] | None = None  # learns the files not read yet, when one is needed
        self._guesses: Evidence = dict(known or {})
        self._dotted: Evidence = {}  # the tables read day first by the dotted dates' custom (`notes`)
        self.set = False  # the order is the source's date_order: a file against it is refused (`set_for_source`)

    @classmethod
    def from_cursor(cls, cursor: Any, *, known: Evidence | None = None) -> SourceDates:
        """The order the source's state keeps, and what `known` evidence shows learnt against it
        (an import's files: an error when against it, whose advice is the import's option)."""
        saved = cursor.get("date_order") if isinstance(cursor, dict) else None
        if not isinstance(saved, dict) or saved.get("order") not in _DAY_MONTH:
            saved = {}
        advice = {} if known is None else {
            "whose": IMPORT_FILES + (" and those its source read before" if saved else ""),
            "fix": f"and an import reads its files one way; nothing of this file was imported: {IMPORT_ADVICE}",
        }  # fmt: skip
        order = DateOrder(saved["order"]) if saved else None
        dates = cls(order, str(saved.get("shown_by", "")), known=known, **advice)
        for (where, column), guess in (known or {}).items():
            dates.learn(where, guess, column)
        return dates

    @classmethod
    def set_for_source(cls, order: DateOrder, cursor: Any) -> SourceDates:
        """The order date_order sets for the source, with the file that showed it, if one has — in
        this sync or an earlier one (kept in the source's state)."""
        saved = cls.from_cursor(cursor)
        dates = cls(order, saved.shown_by if saved.order is order else "")
        dates.set = True
        return dates

    def to_cursor(self) -> dict[str, str] | None:
        if self.order is None or self.set and not self.shown_by:
            return None  # date_order's, shown by no file, is the config's to say
        return {"order": self.order.value, "shown_by": self.shown_by}

    def evidence(self, table: Table, column: str) -> DateOrderGuess:
        """What the table's own dates show, read once a sync."""
        if (table.where, column) not in self._guesses:
            self._guesses[table.where, column] = decide_date_order(table, column)
        return self._guesses[table.where, column]

    def learn(self, where: str, guess: DateOrderGuess, column: str, *, appended: bool = False) -> None:
        """A day/month order the table shows becomes the source's; one against the order another
        file showed is an error naming both — against the source's date_order, one naming the file
        (`_against_setting`). `appended`: the table is the rows appended to a file read on, named so."""
        if not guess.decided or guess.order not in _DAY_MONTH:
            return
        named = f"{where}, {APPENDED}" if appended else where
        if self.order is None or guess.order is self.order and not self.shown_by:
            self.order, self.shown_by = guess.order, f"{where}: {guess.evidence}"
        elif guess.order is not self.order and self.set:
            raise DateOrderConflict(self._against_setting(named, guess, column, appended=appended))
        elif guess.order is not self.order:
            fix = self.fix or (_appended_fix(self.order, guess.order) if appended else self._source_fix(where, guess))
            raise DateOrderConflict(f"column {column!r}: {self.whose} write dates both ways — {self.shown_by}; "
                                    f"{named}: {guess.evidence} — {fix}")  # fmt: skip

    def _source_fix(self, where: str, guess: DateOrderGuess) -> str:
        """How to settle two files of a source showing both orders, saying which file each
        date_order then refuses (`_against_setting`): the one showing the other order."""
        assert self.order is not None and guess.order is not None
        first = self.shown_by.partition(": ")[0]  # `where: evidence`; a sheet's name holds no ':'
        mine, other = self.order, guess.order
        return (f"and one mapping reads them one way: give the files of each order a source of their own (date_order "
                f"= '{mine.value}' for those written {_WRITTEN[mine]}, '{other.value}' for those written "
                f"{_WRITTEN[other]}), or set date_order for the source, and the files written the other way are then "
                f"refused whole, each named, until exported again in that order: with date_order = '{mine.value}', "
                f"{where}; with '{other.value}', {first}")  # fmt: skip

    def _against_setting(self, where: str, guess: DateOrderGuess, column: str, *, appended: bool) -> str:
        """A file (or the rows appended to one) whose dates show the other order than the source's
        date_order: read so, its dates would be quarantined (a month above 12) or, where they
        cannot show it, misread."""
        assert self.order is not None and guess.order is not None
        shown = f" ({self.shown_by})" if self.shown_by else ""
        todo = _appended_fix(self.order, guess.order) if appended else (
            f"nothing of the file was imported: give the files written {_WRITTEN[guess.order]} a source of their own "
            f"(date_order = '{guess.order.value}'), or export this one {_WRITTEN[self.order]} as the source's other "
            "files are")  # fmt: skip
        return (f"{where}: column {column!r}: {guess.evidence}, against date_order '{self.order.value}' set for the "
                f"source{shown} — {todo}")  # fmt: skip

    def reordered(self, table: Table, column: str | None, read_in: str | None) -> str | None:
        """Why a file read on is read whole again: the rows appended (`table`) show the other
        day/month order than its rows read before were read in — assumed, as their dates could not
        show one (against an order shown, the rows appended are refused: `learn`). The whole file
        then decides its order again."""
        guess = self._guesses.get((table.where, column)) if column is not None else None
        if guess is None or not guess.decided or guess.order not in _DAY_MONTH:
            return None
        if read_in not in {order.value for order in _DAY_MONTH} or guess.order.value == read_in:
            return None
        del self._guesses[table.where, column]
        return (f"{table.where}: {APPENDED} show its dates are {_WRITTEN[guess.order]} ({guess.evidence}), and its "
                f"rows read before were read {_WRITTEN[DateOrder(read_in)]} as assumed, so the whole file was read "
                "again")  # fmt: skip

    def notes(self) -> list[str]:
        """The tables whose dotted dates were read day first, by their custom, in a source whose
        files show month first (in this sync or an earlier one), whichever was read first."""
        if self.order is not DateOrder.MDY:
            return []
        return [f"{where}: {read_day_first(column, guess, self.shown_by)}" for (where, column), guess in self._dotted.items()]

    def settle(self, table: Table, column: str) -> DateOrderGuess:
        """The order to read the table in: its own evidence, else the order the source's other
        files showed (`undecided`), else the separator's custom."""
        guess = self.evidence(table, column)
        self.learn(table.where, guess, column)
        if dotted(guess):
            self._dotted[table.where, column] = guess
        if undecided(guess) and self.order is None and self.look_ahead is not None:
            look, self.look_ahead = self.look_ahead, None
            look()
        if undecided(guess) and self.order is not None:
            return DateOrderGuess(self.order, f"the source's other files decide it ({self.shown_by})", True)
        return guess


def _appended_fix(order: DateOrder, shown: DateOrder) -> str:
    """What to do with rows appended to a file read on whose dates show the order `shown`, not
    the source's `order`: refused, the file's rows read before kept."""
    return (f"none of the appended rows was imported, and the rows read before are kept: write the appended rows "
            f"{_WRITTEN[order]} as the rows above them are (the next sync reads on from the first of them), or move "
            f"them to a file of a source of its own (date_order = '{shown.value}')")  # fmt: skip
