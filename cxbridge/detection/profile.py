"""What a column's first values look like: numbers and their range, dates, e-mails, phone
numbers, labels, free text — the facts detection reasons from."""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from collections.abc import Collection, Iterable
from typing import Any

from cxbridge.addresses import addresses
from cxbridge.detection.labels import is_no_score
from cxbridge.errors import DataError
from cxbridge.metrics import names_amount
from cxbridge.phones import is_phone
from cxbridge.quoted_values import quoted
from cxbridge.tabular.cells import as_numbered, parse_datetime, parse_number
from cxbridge.tabular.column_answers import text_answers
from cxbridge.tabular.table import Column, Table
from cxbridge.written_scores import out_of

_EMAIL = re.compile(r"^[^@\s]+@[^@\s][^@\s.]*\.[^@\s]+$")  # the domain's first dot found once: linear time
_LEADING_NUMBER = re.compile(r"^\s*(\d{1,2})\s*(?:[-–—=:.)]\s*|\s+)\D")
_TEXT_DATE = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}")
_IP_LIKE = re.compile(r"^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7})$", re.IGNORECASE)


@dataclass
class ColumnProfile:
    column: Column
    filled: int = 0
    numbers: list[float] = field(default_factory=list)  # numeric values, labels' leading numbers included
    numbered: dict[str, float] = field(default_factory=dict)  # "5 - Very satisfied" → 5
    tops: Counter[int] = field(default_factory=Counter)  # the scale tops answers name: "7/10", "★★★★☆" (`out_of`)
    labels: Counter[str] = field(default_factory=Counter)  # non-numeric text values (N/A answers apart)
    later: set[str] = field(default_factory=set)  # other labels, first answered after the rows profiled
    no_score: Counter[str] = field(default_factory=Counter)  # "N/A", "Не знаю", …
    dates: int = 0
    text_dates: list[str] = field(default_factory=list)
    addresses: Counter[str] = field(default_factory=Counter)  # values that are e-mail addresses
    phones: int = 0
    ips: int = 0  # IPv4 and IPv6 addresses ("Submitter IP"): personal data, and no dates
    lengths: list[int] = field(default_factory=list)
    distinct: set[str] = field(default_factory=set)
    examples: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.column.key

    def share(self, count: int) -> float:
        return count / self.filled if self.filled else 0.0

    @property
    def emails(self) -> int:
        return self.addresses.total()

    @property
    def of_emails(self) -> bool:
        """Most values are e-mail addresses: a column of addresses, not answers with one among them."""
        return self.share(self.emails) >= 0.8

    @property
    def answered(self) -> int:
        """Values that are answers: N/A-type ones ("N/A", "Не знаю") apart."""
        return self.filled - sum(self.no_score.values())

    @property
    def numeric_share(self) -> float:
        """The share of answers that are numbers (N/A-type answers are not counted at all)."""
        return len(self.numbers) / self.answered if self.answered else 0.0

    @property
    def whole_numbers(self) -> bool:
        return bool(self.numbers) and all(float(n).is_integer() for n in self.numbers)

    @property
    def text_share(self) -> float:
        return self.share(sum(self.labels.values()))

    @property
    def average_length(self) -> float:
        return sum(self.lengths) / len(self.lengths) if self.lengths else 0.0

    @property
    def unique(self) -> bool:
        return self.filled > 1 and len(self.distinct) == self.filled

    def example(self, *, typed: bool = False) -> str:
        """The first values, quoted; `typed`: answers of a score column, quoted as `answers_shown` does."""
        return answers_shown(self.examples[:3]) if typed else ", ".join(repr(value) for value in self.examples[:3])


def answers_shown(answers: Iterable[str]) -> str:
    """Answers typed in a score cell as the evidence and warnings about the column quote them: as a
    quarantine reason quotes the cell (`quoted_values.quoted`) — '11', 'Neutral' as written, a name
    ('Jane Quill', 'Jo 10') or a contact by what it is —, for a score cell holds whatever was typed."""
    return ", ".join(quoted(answer) for answer in answers)


PROFILED_ROWS = 500
"""The rows of a table whose values the detection looks at (and quotes in its evidence)."""


def profile_table(
    table: Table, limit: int = PROFILED_ROWS, *, whole: bool = False, skip: Collection[str] = ()
) -> dict[str, ColumnProfile]:
    """Each column's answers in the first rows — for a question without its definition's choices,
    the label an export gives its answer (a JSON export's `labels`: the choice as shown, as a CSV
    exported with choice text writes it), not its recode. `whole`: a column of labels also gets
    those first answered in the rows after (`later`), which its scale is decided from too. The
    columns keyed in `skip` are left out, their values never looked at."""
    profiles = {column.key: ColumnProfile(column) for column in table.columns if column.key not in skip}
    by_label = {column.key for column in table.columns if not column.choices and column.kind != "metadata"}
    rows = table.preview(limit)
    for row in rows:
        for key, value in row.values.items():
            if key in by_label and isinstance(label := row.labels.get(key), str):
                value = label
            if key in profiles and value is not None:
                _observe(profiles[key], value)
    labelled = [key for key, profile in profiles.items() if profile.labels and key in by_label]
    if whole and len(rows) == limit:
        for key, answers in text_answers(table, labelled, after=limit).items():
            profile = profiles[key]
            profile.later = {text for text in answers - profile.labels.keys() if not is_no_score(text)}
    return profiles


def _observe(profile: ColumnProfile, value: Any) -> None:
    profile.filled += 1
    text = value.isoformat() if isinstance(value, datetime | date) else str(value).strip()
    profile.distinct.add(text)
    if len(profile.examples) < 5 and text not in profile.examples:
        profile.examples.append(text)
    if isinstance(value, datetime | date):
        profile.dates += 1
        return
    if isinstance(value, list):
        profile.labels.update(str(item) for item in value)
        return
    number = parse_number(value)
    if number is not None:
        profile.numbers.append(number)
        return
    profile.lengths.append(len(text))
    if _EMAIL.match(text) or ("@" in text and addresses(text) is not None):  # `Ann <ann@…>`, lists: hashed too
        profile.addresses[text] += 1
    elif _is_ip(text):
        profile.ips += 1
    elif _TEXT_DATE.match(as_numbered(text)) and _is_date(text):
        profile.dates += 1
        profile.text_dates.append(text)
    elif is_phone(text):
        profile.phones += 1
    elif is_no_score(text):
        profile.no_score[text] += 1
    elif written := out_of(text):  # "7/10", "★★★★☆": a number and its scale's top
        profile.numbers.append(written[0])
        if written[1] is not None:
            profile.tops[written[1]] += 1
    elif (match := _LEADING_NUMBER.match(text)) and not names_amount(text):  # "5 or more" is no point
        profile.numbers.append(number := float(match.group(1)))  # "10 - Extremely likely"
        profile.numbered[text] = number
    else:
        profile.labels[text] += 1


def _is_date(text: str) -> bool:
    try:
        return parse_datetime(text) is not None
    except DataError:
        return _TEXT_DATE.match(text) is not None  # d/m or m/d the other way round: still a date


def _is_ip(text: str) -> bool:
    """An IPv4 (`203.0.113.9`, which `_is_date` would read as a date) or IPv6 address."""
    if not _IP_LIKE.match(text):
        return False
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
