"""When two records are one response: the rules of cross-source identity (docs/identity.md).

The same response can reach cxbridge through several sources — years of CSV exports and then
the API source of the same survey, one export imported twice under two names. Each copy stays in
`feedback` (nothing is lost); the copies are found here, and all but one get `duplicate_of`, the
record views count instead (`cxbridge.resolver` keeps those pointers right in a destination).

Three ways two records of different sources are found to be one response:

- declared (`same_as`): the sources say they cover the same survey, and the records hold the
  same matching key (the native response id, e.g. Qualtrics' ResponseId) — always one response;
- exact copy: the same native id, the same submitted time and the same answers — one response
  unless `[identity] merge_exact_copies = false`; so are two rows of one source's export files
  holding the same respondent's answers at the same instant (a file renamed or copied, exports
  that overlap: a row's id without an id column is made of its file);
- likely duplicate: the same respondent, the same answers, submitted within `tolerance` seconds
  of each other — reported by `cxbridge duplicates`, one response only with
  `merge_likely_duplicates = true`.

Exact copies and likely duplicates are of the same program, and of the same survey when both
records name one. Of the copies of one response, views count the first by precedence: a record
read from an API before one read from an export file, then the newest `updated_at`, then the
source a `same_as` names, then the source name and record id (so the choice is stable).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from cxbridge.timestamps import parse_timestamp

MatchKey = Literal["source_record_id", "ticket_id"]
KEY_NAMES = {"source_record_id": "native id", "ticket_id": "ticket id"}


class IdentitySettings(BaseModel):
    """`[identity]`: which copies of a response across sources count once."""

    model_config = ConfigDict(extra="forbid")

    merge_exact_copies: bool = Field(
        default=True, description="the same native id, submitted time and answers in two sources count once"
    )
    merge_likely_duplicates: bool = Field(
        default=False, description="the same respondent and answers within `tolerance` count once (else: reported)"
    )
    tolerance: float = Field(
        default=600, ge=0, le=7 * 86400, description="seconds between the submitted times of likely duplicates"
    )


class Match(StrEnum):
    DECLARED = "same_as"
    EXACT = "exact_copy"
    LIKELY = "likely_duplicate"


KINDS = list(Match)
"""The kinds of match, strongest first: a group's links and matches are listed in this order."""


@dataclass(frozen=True)
class Declaration:
    """A source's `same_as`: the group of sources it belongs to (named by the source the chain
    ends at) and the column whose equal values make two of their records one response."""

    group: str
    match_on: MatchKey = "source_record_id"


@dataclass(frozen=True)
class IdentityRules:
    """Everything that decides which records are copies: `[identity]`, the sources' `same_as`,
    and which connectors read export files (an API's copy wins over an export's)."""

    settings: IdentitySettings = field(default_factory=IdentitySettings)
    declared: Mapping[str, Declaration] = field(default_factory=dict)
    export_connectors: frozenset[str] = frozenset({"csv", "excel", "json"})

    @property
    def merged(self) -> frozenset[Match]:
        """The kinds of match whose copies count once."""
        kinds = {Match.DECLARED}
        if self.settings.merge_exact_copies:
            kinds.add(Match.EXACT)
        if self.settings.merge_likely_duplicates:
            kinds.add(Match.LIKELY)
        return frozenset(kinds)

    def key_columns(self, *, likely: bool) -> set[str]:
        """The columns copies are looked up by: the native id, declared keys, and (for likely
        duplicates) the respondent key."""
        columns = {"source_record_id", *(d.match_on for d in self.declared.values())}
        return columns | {"respondent_key"} if likely else columns

    def fingerprint(self) -> str:
        """Changes when a rule that decides `duplicate_of` changes (a full pass is then due)."""
        decided = {
            "rows": "repeated export rows",  # the rule added on 2026-12-07: one pass links those stored
            "settings": self.settings.model_dump(),
            "declared": {name: [d.group, d.match_on] for name, d in sorted(self.declared.items())},
            "exports": sorted(self.export_connectors),
        }
        return hashlib.blake2b(json.dumps(decided, sort_keys=True).encode(), digest_size=8).hexdigest()


@dataclass(frozen=True)
class Copy:
    """What identity compares of a record, stored or about to be."""

    record_id: str
    source: str
    connector: str
    program: str
    survey_id: str | None
    source_record_id: str
    ticket_id: str | None
    submitted_at: datetime | None
    updated_at: datetime | None
    respondent_key: str | None
    answers: str
    """A fingerprint of the answers' values by question id (texts and labels left out)."""
    answer_count: int
    duplicate_of: str | None = None

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> Copy:
        """From a `feedback` row (as `Destination.identity_rows` reads it, or as staged)."""
        parsed = stored_answers(row["answers"])
        return cls(
            record_id=row["record_id"],
            source=row["source"],
            connector=row["connector"],
            program=row["program"],
            survey_id=row["survey_id"],
            source_record_id=row["source_record_id"],
            ticket_id=row["ticket_id"],
            submitted_at=parse_timestamp(row["submitted_at"]),
            updated_at=parse_timestamp(row["updated_at"]),
            respondent_key=row["respondent_key"],
            answers=answers_fingerprint(parsed),
            answer_count=len(parsed),
            duplicate_of=row.get("duplicate_of"),
        )

    def key(self, column: str) -> str | None:
        return getattr(self, column)


def stored_answers(answers: Any) -> Mapping[str, Any]:
    """`feedback.answers` as a destination gives it back: JSON text, an object, or NULL."""
    return json.loads(answers) if isinstance(answers, str) else answers or {}


def answers_fingerprint(answers: Mapping[str, Any]) -> str:
    """A hash of each answer's value by question id: equal for the same answers however the
    destination stored the JSON (key order, 3 or 3.0)."""
    values = {key: _plain(answer.get("value") if isinstance(answer, Mapping) else answer) for key, answer in answers.items()}
    text = json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


@dataclass(frozen=True)
class Link:
    """Two records found to be one response, how, and the evidence."""

    first: str
    second: str
    match: Match
    evidence: str


@dataclass
class DuplicateGroup:
    """Records found to be copies of one response, best first by precedence."""

    members: list[Copy]
    links: list[Link]
    merged: bool
    """Whether views count the group once (its links are of kinds `[identity]` merges)."""

    @property
    def kept(self) -> Copy:
        return self.members[0]

    @property
    def matches(self) -> list[Match]:
        return sorted({link.match for link in self.links}, key=KINDS.index)


def precedence(copy: Copy, rules: IdentityRules) -> tuple[Any, ...]:
    """Sort key of the copies of a response: the first is the one views count."""
    declaration = rules.declared.get(copy.source)
    named = declaration is not None and declaration.group == copy.source
    newest = -copy.updated_at.timestamp() if copy.updated_at else float("inf")
    return (copy.connector in rules.export_connectors, newest, not named, copy.source, copy.record_id)


def find_links(copies: Iterable[Copy], rules: IdentityRules, *, kinds: Iterable[Match] = tuple(Match)) -> list[Link]:
    """Every pair of records that are one response — of different sources, or rows repeated in one
    source's export files — by the kinds asked."""
    by_id = {copy.record_id: copy for copy in copies}
    kinds = set(kinds)
    links: dict[tuple[str, str], Link] = {}

    def add(pair: Sequence[Copy], match: Match, evidence: str) -> None:
        a, b = sorted(pair, key=lambda c: c.record_id)
        if (a.record_id, b.record_id) not in links:
            links[a.record_id, b.record_id] = Link(a.record_id, b.record_id, match, evidence)

    if Match.DECLARED in kinds:
        for pair, column in _declared_pairs(by_id.values(), rules):
            add(pair, Match.DECLARED, f"{pair[0].source} and {pair[1].source} are declared the same survey "
                f"(same_as); same {KEY_NAMES[column]} {pair[0].key(column)!r}")  # fmt: skip
    if Match.EXACT in kinds:
        for pair in _exact_pairs(by_id.values()):
            add(pair, Match.EXACT, f"same native id {pair[0].source_record_id!r}, same submitted time "
                f"{_when(pair[0].submitted_at)}, identical answers ({pair[0].answer_count})")  # fmt: skip
        for pair in _repeated_rows(by_id.values(), rules.export_connectors):
            add(pair, Match.EXACT, f"rows of {pair[0].source}'s export files: same respondent key "
                f"{pair[0].respondent_key[:12]}…, same submitted time {_when(pair[0].submitted_at)}, "  # type: ignore[index]
                f"identical answers ({pair[0].answer_count})")  # fmt: skip
    if Match.LIKELY in kinds:
        for pair, apart in _likely_pairs(by_id.values(), rules.settings.tolerance):
            add(pair, Match.LIKELY, f"same respondent key {pair[0].respondent_key[:12]}…, submitted {apart:g} s apart "  # type: ignore[index]
                f"(tolerance {rules.settings.tolerance:g} s), identical answers ({pair[0].answer_count})")  # fmt: skip
    return list(links.values())


def group_copies(copies: Iterable[Copy], rules: IdentityRules, *, kinds: Iterable[Match] | None = None) -> list[DuplicateGroup]:
    """The records linked into responses (by the kinds asked; by default every kind), each
    group's members best first; a group is `merged` when all its links are of merged kinds."""
    by_id = {copy.record_id: copy for copy in copies}
    links = find_links(by_id.values(), rules, kinds=tuple(Match) if kinds is None else kinds)
    parent = {record_id: record_id for record_id in by_id}

    def root(record_id: str) -> str:
        while parent[record_id] != record_id:
            parent[record_id] = parent[parent[record_id]]
            record_id = parent[record_id]
        return record_id

    for link in links:
        parent[root(link.first)] = root(link.second)
    members: dict[str, list[Copy]] = defaultdict(list)
    for record_id, copy in by_id.items():
        members[root(record_id)].append(copy)
    links_of: dict[str, list[Link]] = defaultdict(list)
    for link in links:
        links_of[root(link.first)].append(link)
    groups = []
    merged_kinds = rules.merged
    for record_id, found in members.items():
        if len(found) < 2:
            continue
        own = sorted(links_of[record_id], key=lambda link: (KINDS.index(link.match), link.first, link.second))
        found.sort(key=lambda copy: precedence(copy, rules))
        groups.append(DuplicateGroup(found, own, merged=all(link.match in merged_kinds for link in own)))
    return sorted(groups, key=lambda group: in_time(group.kept))


def duplicate_pointers(copies: Iterable[Copy], rules: IdentityRules) -> dict[str, str]:
    """`duplicate_of` of each record that is a copy views do not count: the record they count."""
    pointers = {}
    for group in group_copies(copies, rules, kinds=rules.merged):
        for copy in group.members[1:]:
            pointers[copy.record_id] = group.kept.record_id
    return pointers


def in_time(copy: Copy) -> tuple[Any, ...]:
    """Groups in the order their counted copies were submitted (undated last), then by source."""
    moment = copy.submitted_at.timestamp() if copy.submitted_at else float("inf")
    return (moment, copy.source, copy.source_record_id, copy.record_id)


def _same_response(a: Copy, b: Copy) -> bool:
    """Guards of detected (not declared) matches: two sources, one program, one survey."""
    return a.source != b.source and a.program == b.program and (a.survey_id is None or b.survey_id is None or a.survey_id == b.survey_id)


def _pairs(bucket: list[Copy]) -> Iterable[tuple[Copy, Copy]]:
    """Each pair once, by record id (so evidence names them the same whatever order they came in)."""
    bucket = sorted(bucket, key=lambda copy: copy.record_id)
    for i, a in enumerate(bucket):
        for b in bucket[i + 1 :]:
            yield a, b


def _declared_pairs(copies: Iterable[Copy], rules: IdentityRules) -> Iterable[tuple[tuple[Copy, Copy], str]]:
    buckets: dict[tuple[str, str, str], list[Copy]] = defaultdict(list)
    for copy in copies:
        declaration = rules.declared.get(copy.source)
        if declaration is not None and (value := copy.key(declaration.match_on)) is not None:
            buckets[declaration.group, declaration.match_on, value].append(copy)
    for (_, column, _), bucket in sorted(buckets.items()):
        for a, b in _pairs(bucket):
            if a.source != b.source:
                yield (a, b), column


def _exact_pairs(copies: Iterable[Copy]) -> Iterable[tuple[Copy, Copy]]:
    buckets: dict[tuple[str, datetime, str], list[Copy]] = defaultdict(list)
    for copy in copies:
        if copy.submitted_at is not None:
            buckets[copy.source_record_id, copy.submitted_at, copy.answers].append(copy)
    for bucket in buckets.values():
        yield from ((a, b) for a, b in _pairs(bucket) if _same_response(a, b))


def _repeated_rows(copies: Iterable[Copy], exports: frozenset[str]) -> Iterable[tuple[Copy, Copy]]:
    """Rows of one source's export files that are one response: the same respondent at the same
    instant with the same answers — a file renamed or copied, or exports that overlap, whose rows
    without an id column are keyed by their file."""
    buckets: dict[tuple[str, str, datetime, str], list[Copy]] = defaultdict(list)
    for copy in copies:
        if copy.connector in exports and copy.respondent_key is not None and copy.submitted_at is not None:
            buckets[copy.source, copy.respondent_key, copy.submitted_at, copy.answers].append(copy)
    for bucket in buckets.values():
        yield from _pairs(bucket)


def _likely_pairs(copies: Iterable[Copy], tolerance: float) -> Iterable[tuple[tuple[Copy, Copy], float]]:
    buckets: dict[tuple[str, str], list[Copy]] = defaultdict(list)
    for copy in copies:
        if copy.respondent_key is not None and copy.submitted_at is not None:
            buckets[copy.respondent_key, copy.answers].append(copy)
    for bucket in buckets.values():
        for a, b in _pairs(bucket):
            apart = abs((a.submitted_at - b.submitted_at).total_seconds())  # type: ignore[operator]
            if apart <= tolerance and _same_response(a, b):
                yield (a, b), apart


def _when(moment: datetime | None) -> str:
    return moment.isoformat().replace("+00:00", "Z") if moment else "none"
