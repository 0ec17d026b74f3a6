"""The different text answers columns hold over a whole table — what a scale read from labels is
decided from, so that a label first answered in the table's last row counts as one in its first —
and over a file read on from where the last read ended, its rows read before included (`KeptAnswers`)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from cxbridge.detection.labels import names_a_point
from cxbridge.errors import CxbridgeError
from cxbridge.respondents import RespondentKeys
from cxbridge.tabular.cells import parse_number
from cxbridge.tabular.table import Table

DISTINCT = 100
"""Different answers a column may hold before it is no longer read: a scale's labels are a few."""


def text_answers(table: Table, keys: Iterable[str], *, after: int = 0) -> dict[str, set[str]]:
    """Each column's different answers that are text, no number, in the table's rows past the first
    `after` (the label an export gives beside a value counts as the answer); a column holding more
    than `DISTINCT` is left out (free text, no scale). One pass over the rows, none without keys."""
    found: dict[str, set[str]] = {key: set() for key in keys}
    try:
        for index, (_, values, labels) in enumerate(table.numbered() if found else ()):
            if index >= after:
                _add(found, values, labels)
            if not found:
                break
    except CxbridgeError:  # a file that breaks part way: its rows before count, and reading them fails there too
        pass
    return found


def _add(found: dict[str, set[str]], values: Mapping[str, Any], labels: Mapping[str, str]) -> None:
    for key in list(found):
        value = labels.get(key) if labels and isinstance(labels.get(key), str) else values.get(key)
        if isinstance(value, str) and (text := value.strip()) and parse_number(text) is None:
            found[key].add(text)
            if len(found[key]) > DISTINCT:
                del found[key]


KEYED = "keyed"
"""The salt a state keeps of answers hashed under a respondent salt kept out of the destination."""


@dataclass(frozen=True)
class KeptAnswers:
    """Each column's different text answers as a file's state keeps them (None: more than
    `DISTINCT`): a scale's word as written (`names_a_point`), any other — a word no scale knows may
    be a name — as `hashed:<16 hex digits>`, its BLAKE2b keyed with `salt`, which two answers alike
    share; the column's key (a header may hold an address) hashed alike. What a scale is decided
    from reads such a hash as any answer no scale knows. The salt is made from the dataset's
    respondent salt (`new`) and kept beside; not kept when that salt is kept out of the destination
    (`kept_apart`), so that whoever reads the state cannot test a guessed answer."""

    salt: str
    columns: Mapping[str, frozenset[str] | None] = field(default_factory=dict)  # by hashed key
    kept_apart: bool = False

    @classmethod
    def new(cls, keys: RespondentKeys | None) -> KeptAnswers:
        """None kept yet, hashed with a salt made from the dataset's respondent salt (random without it)."""
        if keys is None:
            return cls(secrets.token_hex(16))
        salt = hashlib.blake2b(keys.salt.encode(), person=b"cxbridge answers", digest_size=16).hexdigest()
        return cls(salt, kept_apart=keys.kept_apart)

    def knows(self, key: str) -> bool:
        return self._hashed(key) in self.columns

    def of(self, key: str) -> frozenset[str] | None:
        """The column's answers; None when it holds too many, or none is known."""
        return self.columns.get(self._hashed(key))

    def adding(self, found: Mapping[str, set[str]], keys: Iterable[str]) -> KeptAnswers:
        """With the answers `text_answers` found in the columns of `keys` (a column it left out holds too many)."""
        columns: dict[str, frozenset[str] | None] = {}
        for key in keys:
            before = self.columns.get(self._hashed(key), frozenset())
            both = None if before is None or key not in found else before | {self._kept(text) for text in found[key]}
            columns[self._hashed(key)] = both if both is None or len(both) <= DISTINCT else None
        return KeptAnswers(self.salt, columns, self.kept_apart)

    def _kept(self, text: str) -> str:
        return text if names_a_point(text) else self._hashed(text)

    def _hashed(self, text: str) -> str:
        return f"hashed:{hashlib.blake2b(text.encode(), key=bytes.fromhex(self.salt), digest_size=8).hexdigest()}"

    def to_cursor(self) -> dict[str, Any]:
        columns = {key: sorted(answers) if answers is not None else None for key, answers in self.columns.items()}
        return {"salt": KEYED if self.kept_apart else self.salt, "columns": columns}

    @classmethod
    def from_cursor(cls, saved: Any, *, keys: RespondentKeys | None) -> KeptAnswers | None:
        """As a state keeps them, their salt made again from `keys` when kept apart (`new`); None
        when it keeps none (saved before 2026-12-07), or is no such value."""
        try:
            columns = {str(key): None if answers is None else frozenset(map(str, answers))
                       for key, answers in saved["columns"].items()}  # fmt: skip
            if saved["salt"] == KEYED:
                return replace(cls.new(keys), columns=columns) if keys is not None and keys.kept_apart else None
            bytes.fromhex(saved["salt"])
            return cls(str(saved["salt"]), columns)
        except (KeyError, TypeError, ValueError, AttributeError):
            return None
