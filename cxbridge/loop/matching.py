"""Whether a record meets a loop rule — the one test, used alike on a record just read and on the
version of it already stored. The rules are compiled once per sync (`CaseRules`): each condition
becomes a column position and a set of wanted values, so a batch is checked against the rows as
written (`RecordRows`), without building a dict per record."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, NamedTuple, Protocol

from cxbridge.loop.rules import OWNER_COLUMNS, RuleConfig
from cxbridge.tables import COMMENT_COLUMNS, FEEDBACK_COLUMNS, SCORE_COLUMNS
from cxbridge.timestamps import parse_timestamp

_FIELD = {column: FEEDBACK_COLUMNS.index(column) for column in FEEDBACK_COLUMNS}
_SCORE = {column: SCORE_COLUMNS.index(column) for column in SCORE_COLUMNS}
_METRIC, _VALUE, _NORMALIZED = _SCORE["metric"], _SCORE["value"], _SCORE["normalized"]
_CATEGORY, _PRIMARY = _SCORE["category"], _SCORE["is_primary"]
_SCALE_MIN, _SCALE_MAX = _SCORE["scale_min"], _SCORE["scale_max"]
_TEXT, _COMMENT, _SUBMITTED = COMMENT_COLUMNS.index("text"), _FIELD["comment"], _FIELD["submitted_at"]


class Subject(Protocol):
    """A record as the rules see it: its `feedback` row, `feedback_scores` rows and
    `feedback_comments` rows, each in its table's column order (`cxbridge.tables`)."""

    @property
    def feedback(self) -> Sequence[Any]: ...
    @property
    def scores(self) -> Sequence[Sequence[Any]]: ...
    @property
    def comments(self) -> Sequence[Sequence[Any]]: ...


class StoredRows(NamedTuple):
    """A stored record as a `Subject`: the columns it was read with, None in the others."""

    feedback: tuple[Any, ...]
    scores: list[tuple[Any, ...]]
    comments: list[tuple[Any, ...]]


def comment_texts(subject: Subject) -> list[str]:
    """The texts of a record's comments, its primary `comment` first where no comment row holds it."""
    texts = [comment[_TEXT] for comment in subject.comments]
    primary = subject.feedback[_COMMENT]
    return texts if not primary or primary in texts else [primary, *texts]


def describe_score(score: Sequence[Any]) -> str:
    """What met a rule, from a `feedback_scores` row: `nps 3 (detractor)`, `rating 2 of 1–5`."""
    text = f"{score[_METRIC]} {float(score[_VALUE]):g}"
    if score[_CATEGORY]:
        text += f" ({score[_CATEGORY]})"
    elif score[_SCALE_MIN] is not None:
        text += f" of {float(score[_SCALE_MIN]):g}–{float(score[_SCALE_MAX]):g}"
    return text


class CompiledRule:
    """One `[loop.rules.NAME]` as column positions and wanted values."""

    def __init__(self, name: str, config: RuleConfig):
        self.name, self.config = name, config
        self.sla_hours, self.actions = config.sla_hours, config.actions
        self.wanted: list[tuple[int, Any]] = [  # (position in feedback, values it must be one of)
            (_FIELD[column], values)
            for column, values in (
                ("respondent_type", tuple(config.respondents)), ("program", tuple(config.programs)),
                ("source", frozenset(config.sources)), ("location_id", frozenset(config.locations)),
            )
            if values
        ]  # fmt: skip
        self.max_age = None if config.max_age_days is None else timedelta(days=config.max_age_days)
        self.metric = config.metric
        self.categories = tuple(config.categories)
        self.terms = config.terms
        self.owner_at = None if config.owner_by is None else _FIELD[OWNER_COLUMNS[config.owner_by]]
        self._primary_only, self._below = config.primary_only, config.below
        self._normalized_below = config.normalized_below
        self._described: dict[tuple[Any, ...], str] = {}  # what met it, by the score's described columns

    def oldest(self, now: datetime) -> datetime | None:
        """The earliest submission this rule still opens a case for, at `now` (None: any)."""
        if self.max_age is None:
            return None
        try:
            return now - self.max_age
        except OverflowError:  # older than any date: nothing is too old
            return None

    def meets(self, subjects: list[Subject], oldest: datetime | None) -> list[str | None]:
        """What made each of `subjects` meet this rule (`nps 3 (detractor)`), None for those that
        do not: the whole list checked in one pass (issue 19: no call per record and condition)."""
        found: list[str | None] = [None] * len(subjects)
        metric, primary_only, categories = self.metric, self._primary_only, self.categories
        below, normalized_below, terms, wanted = self._below, self._normalized_below, self.terms, self.wanted
        described, describe = self._described, self._describe
        chosen: Iterable[int] = range(len(subjects))
        for position, values in wanted:  # the record's own columns first, a list's pass each
            chosen = [at for at in chosen if subjects[at].feedback[position] in values]
        for at in chosen:
            subject = subjects[at]
            if oldest is not None:
                submitted = parse_timestamp(subject.feedback[_SUBMITTED])
                if submitted is not None and submitted < oldest:
                    continue
            reason = ""
            if metric is not None:
                for score in subject.scores:  # the first score that meets the metric's conditions
                    if (
                        score[_METRIC] == metric
                        and (not primary_only or score[_PRIMARY])
                        and (not categories or score[_CATEGORY] in categories)
                        and (below is None or float(score[_VALUE]) < below)
                        and (normalized_below is None or float(score[_NORMALIZED]) < normalized_below)
                    ):
                        key = (score[_VALUE], score[_CATEGORY], score[_SCALE_MIN], score[_SCALE_MAX])
                        reason = described.get(key) or describe(score, key)  # a call only for a new answer
                        break
                else:
                    continue
            if terms is not None:
                term = next((m for text in comment_texts(subject) if (m := terms.search(text))), None)
                if term is None:
                    continue
                mention = f"comment mentions {term.group(0).casefold()!r}"
                reason = mention if metric is None else f"{reason}; {mention}"
            found[at] = reason
        return found

    def _describe(self, score: Sequence[Any], key: tuple[Any, ...]) -> str:
        """`describe_score`, remembered by `key`, the score's value, category and scale (its metric
        is the rule's): a rule meets the same few answers again and again."""
        text = self._described.get(key)
        if text is None:
            if len(self._described) >= 4096:  # many distinct values (a fine-grained scale): start again
                self._described.clear()
            text = self._described[key] = describe_score(score)
        return text

    def owner_of(self, feedback: Sequence[Any]) -> str | None:
        """The owner of a case of this rule: by the record's location, team or agent, else `owner`."""
        if self.owner_at is not None:
            key = feedback[self.owner_at]
            if key is not None and str(key) in self.config.owners:
                return self.config.owners[str(key)]
        return self.config.owner


class CaseRules:
    """The effective rules of a sync, compiled once, tried in order."""

    def __init__(self, rules: Sequence[tuple[str, RuleConfig]]):
        self.rules = [CompiledRule(name, config) for name, config in rules]

    def __bool__(self) -> bool:
        return bool(self.rules)

    def at(self, now: datetime) -> RulesAt:
        return RulesAt([(rule, rule.oldest(now)) for rule in self.rules])


class RulesAt:
    """The rules as they apply at one moment (a batch's start: how old is too old)."""

    def __init__(self, rules: list[tuple[CompiledRule, datetime | None]]):
        self.rules = rules

    def first_matches(self, subjects: list[Subject]) -> list[tuple[CompiledRule, str] | None]:
        """For each of `subjects`, the first rule it meets with what made it match, or None."""
        found: list[tuple[CompiledRule, str] | None] = [None] * len(subjects)
        left = list(range(len(subjects)))  # positions that met no rule yet
        for rule, oldest in self.rules:
            reasons = rule.meets([subjects[at] for at in left] if len(left) < len(subjects) else subjects, oldest)
            for at, reason in zip(left, reasons):
                if reason is not None:
                    found[at] = (rule, reason)
            left = [at for at, reason in zip(left, reasons) if reason is None]
            if not left:
                break
        return found

    def first_match(self, subject: Subject) -> tuple[CompiledRule, str] | None:
        """The first rule `subject` meets, with what made it match."""
        return self.first_matches([subject])[0]
