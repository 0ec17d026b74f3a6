"""Rows naming nobody repeated across a source's export files: told of, each copy counted.

A row without an id column is keyed by its file, so the same row in two files is a record in
each. One that names its respondent is linked as an exact copy (`duplicates._repeated_rows`); one
that names nobody is not (docs/identity.md#rows-repeated-in-a-sources-files): its time, store and
answers are all that tell it, and two people give the same answers at one store in the same
second — or the same minute or day, where an export writes no seconds — as an export's own rows
show (two alike rows of a file are two responses). Files of two kiosks or stores told apart only
by their names are such rows too, and merged they would leave real answers out of the views,
unseen. So they count, and the sync says which files repeat how many rows, and what to do.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from cxbridge.destinations import Destination
from cxbridge.duplicates import answers_fingerprint, stored_answers

PAIRS_SHOWN = 3


def nameless_repeats(destination: Destination, source: str, stream: str) -> list[str]:
    """The warning that rows of `source`'s `stream` naming nobody repeat exactly — submitted time,
    location, survey and answers — across its files (none when no row does)."""
    files: dict[Any, Counter[str]] = defaultdict(Counter)
    fingerprint = _Fingerprints()
    for row in destination.query_rows(_alike_sql(destination), [source, stream, source, stream]):
        if row["file"] is not None:  # `store_raw = false`: no file to tell
            alike = (row["submitted_at"], row["location_id"], row["survey_id"], fingerprint(row["answers"]))
            files[alike][row["file"]] += 1
    repeats = [counts for counts in files.values() if len(counts) > 1]
    return [_repeated_across(source, _pairs(repeats), _extra(repeats))] if repeats else []


def _repeated_across(source: str, pairs: Mapping[tuple[str, str], int], total: int) -> str:
    """The warning of `total` rows naming nobody repeated across files (those beyond the fullest
    file's of each): how many each pair of files holds alike."""
    ranked = sorted(pairs.items(), key=lambda item: (-item[1], item[0]))
    shown = "; ".join(f"{a} and {b}: {n:,}" for (a, b), n in ranked[:PAIRS_SHOWN])
    more = f"; and {len(ranked) - PAIRS_SHOWN} more pairs" if len(ranked) > PAIRS_SHOWN else ""
    (first, second), _ = ranked[0]
    where = f"across files {first} and {second}" if len(ranked) == 1 else f"across its files ({shown}{more})"
    return (
        f"source {source!r}: {total:,} row{'s' * (total != 1)} naming nobody (no id column, no e-mail or phone) "
        f"repeat{'s' * (total == 1)} exactly {where} — the same submitted time, location and answers — and "
        "each copy counts as a response: if a file is a newer export holding another's rows, map the response's id "
        "column as `columns.id`, or keep the newest file alone in the folder and run `cxbridge sync "
        "--full-refresh --prune`; if they are different people's answers, nothing to do "
        "(docs/identity.md#rows-repeated-in-a-sources-files)"
    )


class _Fingerprints(dict[str, str]):
    """`answers_fingerprint` of answers as stored, each text hashed once: alike rows share theirs."""

    def __call__(self, answers: Any) -> str:
        if not isinstance(answers, str):  # an object (PostgreSQL's jsonb)
            return answers_fingerprint(stored_answers(answers))
        if answers not in self:
            self[answers] = answers_fingerprint(stored_answers(answers))
        return self[answers]


def _pairs(buckets: Iterable[Counter[str]]) -> dict[tuple[str, str], int]:
    """Of each pair of files, the rows alike in both: as many as the file with fewer holds."""
    pairs: Counter[tuple[str, str]] = Counter()
    for counts in buckets:
        for a, b in itertools.combinations(sorted(counts), 2):
            pairs[a, b] += min(counts[a], counts[b])
    return dict(pairs)


def _extra(buckets: Iterable[Counter[str]]) -> int:
    """The rows that would be copies were the files overlapping exports: all but the fullest file's."""
    return sum(sum(counts.values()) - max(counts.values()) for counts in buckets)


def _alike_sql(d: Destination) -> str:
    """The counted rows of a source's stream naming nobody whose submitted time another such row
    has (its file, from `raw`, read for those alone)."""
    table = d.qualified("feedback")

    def nameless(first: int) -> str:
        return (f"source = {d.param(first)} AND stream = {d.param(first + 1)} AND respondent_key IS NULL "
                "AND duplicate_of IS NULL AND submitted_at IS NOT NULL")  # fmt: skip

    return (
        f"SELECT submitted_at, location_id, survey_id, answers, {d.json_string('raw', 'file')} AS file FROM {table} "
        f"WHERE {nameless(0)} AND submitted_at IN "
        f"(SELECT submitted_at FROM {table} WHERE {nameless(2)} GROUP BY submitted_at HAVING COUNT(*) > 1)"
    )
