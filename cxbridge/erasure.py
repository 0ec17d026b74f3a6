"""A person's data erased (GDPR art. 17, `cxbridge erase`): every row that belongs to them, found
by their respondent key — or, where a help desk names them by its user id only, by that id in a
source (`--requester`) — removed in one transaction, and tombstones kept in `erasures` — the key,
the source and user id, and the ids of the records erased, never the contact — so that later
syncs skip what a source still holds of them (`Erased`).

What belongs to a person: the records keyed to them, with every copy of those responses read
through another source (`duplicate_of`, docs/identity.md), their scores, comments and follow-ups;
the quarantined records that hold their `hashed:<key>` (or, kept by `keep_personal_data`, their
address); the cases those records opened, with their events and deliveries; and their CRM
contacts. What it cannot reach is listed for a person: other people's free text naming the
address or writing the phone number, the records keyed by another contact written beside theirs
(a number beside their address: theirs, or a store's, a household's — `Erasure.linked`), and what
the loop delivered of the cases to other systems (`Erasure`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from cxbridge.crm import CONTACT_COLUMNS
from cxbridge.json_text import to_json
from cxbridge.layout import ERASURES
from cxbridge.phones import phones_in
from cxbridge.respondents import PSEUDONYM_PREFIX, canonical_contact
from cxbridge.tables import FEEDBACK_COLUMNS, RecordRows

if TYPE_CHECKING:
    from cxbridge.destinations import QuarantineItem

RESPONDENT, RECORD, REQUESTER = "respondent", "record", "requester"
"""The kinds of tombstone: a respondent key, the id of a record erased (which a source may hold
under no key: a copy without the contact column, a record quarantined), and a requester
(`source:user_id`)."""
IDS_PER_STATEMENT = 500
PAGE = 1000
"""Texts an erasure holds at a time, looking for a phone number in them (`_writing`)."""
_TEXTS = (("feedback", "comment", ("record_id",)), ("feedback_comments", "text", ("record_id", "question_id")))
"""Where a record's free text is, with each table's primary key."""
RECORD_TABLES = ("feedback_followups", "feedback_scores", "feedback_comments", "feedback")
"""The tables holding a stored record's rows by its `record_id`, the record's own last."""
_WHOLE_VALUE = (('"', '"'), ("<", ">"), (":", '"'))
"""How a kept address (`keep_personal_data`) sits in a payload's JSON text as a whole value: as
is, with a display name (`Jo <jo@…>`), as a `mailto:` link — not inside `joanne@…`."""
_RESPONDENT_AT = FEEDBACK_COLUMNS.index("respondent_key")
_SOURCE_AT, _ATTRIBUTES_AT = FEEDBACK_COLUMNS.index("source"), FEEDBACK_COLUMNS.index("attributes")
_CONTACT_KEY_AT = CONTACT_COLUMNS.index("respondent_key")
_PSEUDONYM = re.compile(re.escape(PSEUDONYM_PREFIX) + "([0-9a-f]{32})")


@dataclass(frozen=True)
class Erased:
    """The tombstones of a destination: what a sync skips instead of writing it."""

    keys: frozenset[str] = frozenset()
    records: frozenset[str] = frozenset()
    requesters: frozenset[str] = frozenset()
    requester_fields: tuple[str, ...] = ()
    """The attributes the source being synced names its requester by (`Source.requester_fields`):
    a requester's tombstone holds records of that source naming the user id there only."""

    def __bool__(self) -> bool:
        return bool(self.keys or self.records or self.requesters)

    def holds_record(self, rows: RecordRows) -> bool:
        if rows.record_id in self.records or rows.feedback[_RESPONDENT_AT] in self.keys:
            return True
        attributes = rows.feedback[_ATTRIBUTES_AT] if self.requesters else None
        return attributes is not None and self._names(rows.feedback[_SOURCE_AT], json.loads(attributes))

    def holds_quarantined(self, item: QuarantineItem) -> bool:
        """A record that failed normalization, erased by id, naming an erased requester, or naming
        an erased key (`hashed:<key>`)."""
        if item.record_id in self.records or (self.requesters and self._names(item.source, item.raw)):
            return True
        text = to_json(item.raw) if self.keys and item.raw is not None else ""
        return PSEUDONYM_PREFIX in text and any(PSEUDONYM_PREFIX + key in text for key in self.keys)

    def holds_contact(self, values: tuple[Any, ...]) -> bool:
        """A row of `crm_contacts` (in its column order) of an erased respondent."""
        return values[_CONTACT_KEY_AT] in self.keys

    def _names(self, source: str, fields: Any) -> bool:
        return not requesters_in(source, fields, self.requester_fields).isdisjoint(self.requesters)


def requesters_in(source: str, fields: Any, named_by: Sequence[str]) -> set[str]:
    """The requesters (`source:user_id`) that a record's attributes or raw payload name in the
    attributes `named_by` (its source's `Source.requester_fields`)."""
    if not isinstance(fields, dict):
        return set()
    return {f"{source}:{fields[name]}" for name in named_by if fields.get(name) not in (None, "")}


def erased_of(rows: Iterable[dict[str, Any]]) -> Erased:
    """The tombstones of the `erasures` rows read."""
    found: dict[str, set[str]] = {RESPONDENT: set(), RECORD: set(), REQUESTER: set()}
    for row in rows:
        found.setdefault(row["kind"], set()).add(row["erased_id"])
    return Erased(frozenset(found[RESPONDENT]), frozenset(found[RECORD]), frozenset(found[REQUESTER]))


class Statements(Protocol):
    """What an erasure runs its SQL through, inside the destination's transaction."""

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]: ...
    def query_rows(self, sql: str, params: Sequence[Any] = ()) -> Iterator[dict[str, Any]]: ...
    def execute(self, sql: str, params: Sequence[Any] = ()) -> None: ...
    def param(self, index: int) -> str: ...
    def json_text(self, column: str) -> str: ...


@dataclass
class Found:
    """The ids of a person's rows, table by table (`found`)."""

    records: set[str] = field(default_factory=set)
    quarantined: set[str] = field(default_factory=set)
    cases: set[str] = field(default_factory=set)

    def plan(self, keys: Collection[str]) -> list[tuple[str, str, Collection[str]]]:
        """(table, key column, ids) of every row to remove, the cases' rows before the records'."""
        return [
            ("loop_outbox", "case_id", self.cases), ("feedback_case_events", "case_id", self.cases),
            ("feedback_cases", "case_id", self.cases), *records_plan(self.records, self.quarantined),
            ("crm_contacts", "respondent_key", keys),
        ]  # fmt: skip


@dataclass(frozen=True)
class Erasure:
    """What an erasure removed (in a dry run, would remove): rows per table; and the records of
    other people whose free text names an address or writes a phone number erased, which it
    keeps for a person to review."""

    rows: dict[str, int]
    mentioned: list[str] = field(default_factory=list)
    delivered: list[str] = field(default_factory=list)
    """What the loop delivered of the erased cases to other systems, which the erasure cannot
    reach: `action: reference` (a ticket, a task), or the action alone (an e-mail, a webhook)."""
    holding: list[str] = field(default_factory=list)
    """The records not erased whose raw payload holds a key of the person (`hashed:<key>`) in a
    field other than the one that keyed them — a second contact column of their own record (keyed
    by their address, holding their number), or another person's record naming them (a CC): which
    one, no key tells, so they are kept for a person to review."""
    linked: dict[str, list[str]] = field(default_factory=dict)
    """The records not erased keyed by another contact written beside the person's — a key in
    the raw payload of a record erased (their number beside their address), or the key of a
    record `holding` theirs (their address beside the number given) — by that key: the contact
    may be a store's or a household's, so they are kept for a person to review (`--key` erases them)."""

    @property
    def records(self) -> int:
        """The person's records among the rows, stored and quarantined (`sync_runs.records_pruned`)."""
        return self.rows.get("feedback", 0) + self.rows.get("quarantine", 0)


def erase_rows(
    db: Statements,
    keys: Sequence[str],
    *,
    former: Sequence[str] = (),
    addresses: Sequence[str] = (),
    phones: Sequence[str] = (),
    requesters: Mapping[str, Sequence[str]] | None = None,
    now: str,
    dry_run: bool = False,
) -> Erasure:
    """The rows that belong to the respondents of `keys` and `former` (with `addresses`, their
    e-mail addresses, lower-cased, and `phones`, their numbers' digits) and to `requesters`
    (`source:user_id` → the attributes its source names requesters by), removed unless `dry_run`,
    and their tombstones recorded: `keys`, not `former` — the keys the rules before made of their
    numbers, which no sync makes now (`erasure_people.former_keys`: thousands of one Chinese
    number), the records found under them kept out by their ids. The caller holds the transaction."""
    requesters, searched = requesters or {}, [*keys, *former]
    found = found_rows(db, searched, addresses, requesters)
    mentioned, delivered = _mentioning(db, addresses, phones, found.records), _delivered(db, found.cases)
    holding = sorted(_holding(db, "feedback", [f"%{PSEUDONYM_PREFIX}{key}%" for key in keys]) - found.records)
    linked = _linked(db, found.records, holding, searched)
    plan = found.plan(searched)
    counts = {table: _count(db, table, column, ids) for table, column, ids in plan}
    if not dry_run:
        remove_rows(db, plan)
        erased = {(RESPONDENT, key) for key in keys} | {(RECORD, rid) for rid in found.records | found.quarantined}
        erased |= {(REQUESTER, requester) for requester in requesters}
        _add_tombstones(db, erased, now)
    return Erasure(counts, mentioned, delivered, holding, linked)


def records_plan(records: Collection[str], quarantined: Collection[str]) -> list[tuple[str, str, Collection[str]]]:
    """(table, key column, ids) of the rows of stored `records` and of `quarantined` ones."""
    return [*((table, "record_id", records) for table in RECORD_TABLES), ("quarantine", "record_id", quarantined)]


def remove_rows(db: Statements, plan: Iterable[tuple[str, str, Collection[str]]]) -> None:
    """The rows of a plan, (table, key column, ids), deleted in its order; the caller holds the transaction."""
    for table, column, ids in plan:
        for marks, chunk in _chunks(db, ids):
            db.execute(f"DELETE FROM {table} WHERE {column} IN ({marks})", chunk)


def found_rows(
    db: Statements, keys: Sequence[str], addresses: Sequence[str] = (), requesters: Mapping[str, Sequence[str]] | None = None
) -> Found:
    """The records of `keys` and of `requesters` and every copy of their responses, their
    quarantined records — those naming a key (`hashed:<key>`) or a requester, or holding one of
    `addresses` as a value (`keep_personal_data` keeps contacts as sent) — and the cases of either."""
    found = Found()
    keyed = _select(db, "SELECT record_id, duplicate_of FROM feedback WHERE respondent_key IN ({})", keys)
    requesters = requesters or {}
    keyed += _requested(db, "feedback", "attributes", requesters)
    responses = {row["record_id"] for row in keyed} | {row["duplicate_of"] for row in keyed if row["duplicate_of"]}
    for select in ("SELECT record_id FROM feedback WHERE record_id IN ({})",
                   "SELECT record_id FROM feedback WHERE duplicate_of IN ({})"):  # fmt: skip
        found.records |= {row["record_id"] for row in _select(db, select, sorted(responses))}
    patterns = [f"%{PSEUDONYM_PREFIX}{key}%" for key in keys]
    patterns += [f"%{before}{_escaped(a)}{after}%" for a in addresses for before, after in _WHOLE_VALUE]
    found.quarantined |= _holding(db, "quarantine", patterns)
    found.quarantined |= {row["record_id"] for row in _requested(db, "quarantine", "raw", requesters)}
    cases = "SELECT case_id FROM feedback_cases WHERE record_id IN ({})"
    found.cases = {row["case_id"] for row in _select(db, cases, sorted(found.records | found.quarantined))}
    return found


def _holding(db: Statements, table: str, patterns: Sequence[str]) -> set[str]:
    """The ids of the records of `table` whose raw payload, lower-cased, is LIKE one of `patterns`
    (escaped with `!`), `IDS_PER_STATEMENT` at a time: a region's former keys may be thousands."""
    raw, found = f"LOWER({db.json_text('raw')})", set()
    for start in range(0, len(patterns), IDS_PER_STATEMENT):
        sliced = patterns[start : start + IDS_PER_STATEMENT]
        named = " OR ".join(f"{raw} LIKE {db.param(i)} ESCAPE '!'" for i in range(len(sliced)))
        found |= {row["record_id"] for row in db.query(f"SELECT record_id FROM {table} WHERE {named}", sliced)}
    return found


def _linked(db: Statements, erased: set[str], holding: Sequence[str], searched: Sequence[str]) -> dict[str, list[str]]:
    """`Erasure.linked`: the keys in the raw payloads of the `erased` records, and those they and
    the records `holding` the person's are keyed by (a requester's ratings, keyed by the address
    their help desk gave) — the `searched` keys left out — each with the ids of the records it
    keys that are neither erased nor `holding`."""
    raws = _select(db, f"SELECT respondent_key, {db.json_text('raw')} AS raw FROM feedback WHERE record_id IN ({{}})",
                   sorted(erased))  # fmt: skip
    written = {key for row in raws if row["raw"] for key in _PSEUDONYM.findall(row["raw"])}
    keyed = _select(db, "SELECT respondent_key FROM feedback WHERE record_id IN ({})", holding)
    others = sorted((written | {row["respondent_key"] for row in [*raws, *keyed]}) - {None, *searched})
    linked: dict[str, list[str]] = {}
    for row in _select(db, "SELECT respondent_key, record_id FROM feedback WHERE respondent_key IN ({})", others):
        if row["record_id"] not in erased and row["record_id"] not in holding:
            linked.setdefault(row["respondent_key"], []).append(row["record_id"])
    return {key: sorted(ids) for key, ids in sorted(linked.items())}


def _requested(db: Statements, table: str, column: str, requesters: Mapping[str, Sequence[str]]) -> list[dict[str, Any]]:
    """The rows of `table` whose JSON `column` (a record's attributes, a quarantined one's raw
    payload) names one of `requesters` in its source, in an attribute it names requesters by:
    those holding the user id's text, read `PAGE` at a time and looked at here."""
    found, text, linked = [], db.json_text(column), ", duplicate_of" if table == "feedback" else ""
    select = (f"SELECT record_id{linked}, {text} AS named FROM {table} "
              f"WHERE source = {db.param(0)} AND {text} LIKE {db.param(1)} ESCAPE '!'")  # fmt: skip
    for requester in sorted(requesters):
        source, _, user_id = requester.partition(":")
        rows = _pages(db, select, ("record_id",), [source, f"%{_escaped(user_id)}%"])
        found += [row for row in rows if requester in requesters_in(source, _decoded(row["named"]), requesters[requester])]
    return found


def _decoded(text: Any) -> Any:
    return json.loads(text) if isinstance(text, str) else text


def _mentioning(db: Statements, addresses: Sequence[str], phones: Sequence[str], erased: set[str]) -> list[str]:
    """The ids of the records not erased whose comments or open answers name one of `addresses`
    or write one of `phones`."""
    return sorted((_naming(db, addresses) | _writing(db, phones)) - erased)


def _naming(db: Statements, addresses: Sequence[str]) -> set[str]:
    if not addresses:
        return set()
    patterns, found = [f"%{_escaped(address)}%" for address in addresses], set()
    for table, column, _ in _TEXTS:
        named = " OR ".join(f"LOWER({column}) LIKE {db.param(i)} ESCAPE '!'" for i in range(len(patterns)))
        found |= {row["record_id"] for row in db.query(f"SELECT record_id FROM {table} WHERE {named}", patterns)}
    return found


def _writing(db: Statements, phones: Sequence[str]) -> set[str]:
    """The records writing one of `phones` (digits) as `phones_in` finds a number — spaced, dashed
    or bracketed in any way, which no LIKE matches: the texts holding its digits in order are read
    `PAGE` at a time and looked at here."""
    if not phones:
        return set()
    patterns, numbers, found = ["%" + "%".join(digits) + "%" for digits in _fewest(phones)], set(phones), set()
    for table, column, keys in _TEXTS:
        named = " OR ".join(f"{column} LIKE {db.param(i)}" for i in range(len(patterns)))
        select = f"SELECT {', '.join(keys)}, {column} AS written FROM {table} WHERE ({named})"
        found |= {row["record_id"] for row in _pages(db, select, keys, patterns)
                  if any(canonical_contact(phone) in numbers for phone in phones_in(row["written"]))}  # fmt: skip
    return found


def _fewest(phones: Sequence[str]) -> list[str]:
    """The digits of `phones` a text must hold in order, one of them at least: a number holding
    another's digits in order (`0014402079460958` those of `442079460958`) needs no LIKE of its own
    — a region's former keys of one number, thousands for China, come to a few."""
    kept: list[str] = []
    for digits in sorted(set(phones), key=lambda digits: (len(digits), digits)):
        if not any(_in_order(shorter, digits) for shorter in kept):
            kept.append(digits)
    return kept


def _in_order(shorter: str, digits: str) -> bool:
    rest = iter(digits)
    return all(digit in rest for digit in shorter)


def _pages(db: Statements, select: str, keys: Sequence[str], params: Sequence[Any]) -> Iterator[dict[str, Any]]:
    """The rows of `select` in the order of `keys` (the table's primary key), `PAGE` at a time."""
    last: list[Any] = []
    while True:
        after, values = _after(db, keys, last, start=len(params))
        rows = db.query(f"{select}{after} ORDER BY {', '.join(keys)} LIMIT {PAGE}", [*params, *values])
        yield from rows
        if len(rows) < PAGE:
            return
        last = [rows[-1][key] for key in keys]


def _after(db: Statements, keys: Sequence[str], last: Sequence[Any], *, start: int) -> tuple[str, list[Any]]:
    """` AND (…)`: the rows after `last` in the order of `keys`, and its parameters (numbered
    from `start`); nothing before the first page."""
    terms: list[str] = []
    values: list[Any] = []
    for at in range(len(last)):  # k0 = v0 AND … AND k_at > v_at
        compared = []
        for i, key in enumerate(keys[: at + 1]):
            compared.append(f"{key} {'>' if i == at else '='} {db.param(start + len(values))}")
            values.append(last[i])
        terms.append(" AND ".join(compared))
    return (f" AND (({') OR ('.join(terms)}))", values) if terms else ("", [])


def _delivered(db: Statements, cases: Collection[str]) -> list[str]:
    """The loop's deliveries of `cases` and the references set on them (`cases update --ref`)."""
    select = "SELECT action, external_ref FROM loop_outbox WHERE status = 'delivered' AND case_id IN ({})"
    made = {f"{row['action']}: {row['external_ref']}" if row["external_ref"] else row["action"]
            for row in _select(db, select, sorted(cases))}  # fmt: skip
    linked = "SELECT external_ref FROM feedback_cases WHERE external_ref IS NOT NULL AND case_id IN ({})"
    refs = {row["external_ref"] for row in _select(db, linked, sorted(cases))}
    return sorted(made | {ref for ref in refs if not any(item.endswith(f": {ref}") for item in made)})


def _escaped(text: str) -> str:
    """`text` in a LIKE pattern escaped with `!` (a backslash is read apart in some dialects'
    literals): its `%` and `_` matched as written."""
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_")


def _select(db: Statements, select: str, ids: Sequence[str]) -> list[dict[str, Any]]:
    return [row for marks, chunk in _chunks(db, ids) for row in db.query(select.format(marks), chunk)]


def _count(db: Statements, table: str, column: str, ids: Collection[str]) -> int:
    select = f"SELECT COUNT(*) AS n FROM {table} WHERE {column} IN ({{}})"
    return sum(int(row["n"]) for row in _select(db, select, sorted(ids)))


def _chunks(db: Statements, ids: Collection[str]) -> Iterable[tuple[str, list[str]]]:
    """The ids in slices a statement binds, each with its placeholders."""
    ordered = sorted(ids)
    for start in range(0, len(ordered), IDS_PER_STATEMENT):
        chunk = ordered[start : start + IDS_PER_STATEMENT]
        yield ", ".join(db.param(i) for i in range(len(chunk))), chunk


def _add_tombstones(db: Statements, tombstones: set[tuple[str, str]], now: str) -> None:
    """The (kind, id) tombstones not recorded yet: an erasure run again keeps the first one's time."""
    stored = {(row["kind"], row["erased_id"]) for row in db.query(f"SELECT kind, erased_id FROM {ERASURES.name}")}
    marks = ", ".join(db.param(i) for i in range(3))
    for kind, erased_id in sorted(tombstones - stored):
        db.execute(f"INSERT INTO {ERASURES.name} (kind, erased_id, erased_at) VALUES ({marks})", [kind, erased_id, now])

