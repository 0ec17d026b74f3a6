"""A phone number written with its trunk `0` in brackets after the country code (`+44 (0)20 7946
0958`, as the UK, Germany, Switzerland and Austria write it) is the number without it: one
respondent key, linking one person across sources; and `cxbridge erase` still finds the records
stored before, under the key the bracketed `0` made then (docs/identity.md, docs/security.md)."""

from __future__ import annotations

import csv
import hashlib
import sqlite3
from pathlib import Path

import pytest

import cxbridge
from cxbridge.respondents import RespondentKeys
from tests.sqlite_runs import sync_source

LONDON = "+44 20 7946 0958"
ONE_NUMBER = [
    [LONDON, "+44 (0)20 7946 0958", "+44(0)20 7946 0958", "+44 (0) 20-7946-0958", "(+44) (0)20 7946 0958"],
    ["+49 30 1234567", "+49 (0)30 1234567", "+49(0)30/1234567"],
    ["0044 20 7946 0958", "0044 (0)20 7946 0958"],
    ["+39 06 1234 5678", "+39 (0)6 1234 5678"],  # Italy dials its 0 after the country code: kept
]
OTHER_NUMBERS = [
    LONDON, "020 7946 0958", "+44 020 7946 0958", "+4 (0)42 0794 6095", "+39 6 1234 5678",
    "+442 (0)0 7946 0958",
]  # fmt: skip
"""Each another key: a national number (its `0` is no country code's), a `0` not in brackets, a
`(0)` not after a country code (4 is none, 442 is 44 and a digit), Italy's number without its 0."""


@pytest.mark.parametrize("spellings", ONE_NUMBER, ids=lambda spellings: spellings[0])
def test_a_bracketed_trunk_zero_after_the_country_code_is_one_key_with_the_number_without_it(spellings):
    dataset = RespondentKeys("the dataset's salt")
    assert len({dataset.key(spelling) for spelling in spellings}) == 1


def test_a_zero_anywhere_else_is_still_a_digit_of_the_number():
    dataset = RespondentKeys("the dataset's salt")
    assert len({dataset.key(number) for number in OTHER_NUMBERS}) == len(OTHER_NUMBERS)


def write_csv(folder: Path, name: str, rows: list[list[str]]) -> None:
    with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["id", "submitted", "nps", "phone"], *rows])


def sync(folder: Path, name: str, **options) -> None:
    source = {"connector": "csv", "path": f"{name}.csv", "metrics": [{"column": "nps", "metric": "nps"}],
              "columns": {"id": "id", "submitted_at": "submitted", "phone": "phone"}}  # fmt: skip
    assert sync_source(folder, source, name=name, db="cx.db", **options).status == "success"


def query(folder: Path, sql: str, params: tuple = ()) -> list[tuple]:
    with sqlite3.connect(folder / "cx.db") as db:
        return db.execute(sql, params).fetchall()


def keys(folder: Path) -> dict[str, str]:
    return dict(query(folder, "SELECT source_record_id, respondent_key FROM feedback"))


STORE = [["S1", "2026-02-01T08:00:00Z", "3", "+44 (0)20 7946 0958"],
         ["S2", "2026-02-02T08:00:00Z", "9", "+44(0)20-7946-0958"],
         ["S3", "2026-02-03T08:00:00Z", "eleven", "+44 (0)20 7946 0958"],  # not a score: quarantined
         ["S4", "2026-02-04T08:00:00Z", "7", "020 7946 0958"]]  # fmt: skip
"""The store's export: the number written with `(0)`, and a national number."""
OLD_DIGITS = "4402079460958"
"""What the rule before kept of the number written with `(0)`: its digits, the 0 among them."""


def store_synced(folder: Path, *, before: bool = False) -> None:
    """The store's export and the kiosk's (the number without `(0)`) synced; `before`: the
    store's keyed as the rule before keyed it — each `(0)` number written as the digits it kept,
    which makes the same key and, its contact stored as the key, the same rows."""
    written = [[*row[:3], f"+{OLD_DIGITS}" if before and "(0)" in row[3] else row[3]] for row in STORE]
    write_csv(folder, "store", written)
    write_csv(folder, "kiosk", [["K1", "2026-02-05T08:00:00Z", "2", LONDON]])
    sync(folder, "store")
    sync(folder, "kiosk")


def test_one_number_written_with_and_without_the_trunk_zero_in_two_sources_is_one_person(tmp_path):
    store_synced(tmp_path)
    found = keys(tmp_path)
    assert found["S1"] == found["S2"] == found["K1"] is not None
    assert found["S4"] not in (None, found["K1"]), "a national number stays a key of its own"
    erased = cxbridge.erase([LONDON], destination=f"sqlite:///{tmp_path / 'cx.db'}")
    assert (erased.rows["feedback"], erased.rows["quarantine"]) == (3, 1)
    assert set(keys(tmp_path)) == {"S4"}


def old_key(folder: Path) -> str:
    """The key the rule before made of the number written with `(0)`: BLAKE2b of its digits keyed
    with the dataset's stored salt, computed here."""
    [(salt,)] = query(folder, "SELECT value FROM cxbridge_metadata WHERE name = 'respondent_salt'")
    return hashlib.blake2b(OLD_DIGITS.encode(), key=salt.encode()[:64], digest_size=16).hexdigest()


@pytest.mark.parametrize("named", [LONDON, "+44 (0)20 7946 0958"])
def test_erase_finds_the_records_stored_under_the_key_the_trunk_zero_made_before(tmp_path, named):
    store_synced(tmp_path, before=True)
    old = old_key(tmp_path)
    assert keys(tmp_path)["S1"] == keys(tmp_path)["S2"] == old != keys(tmp_path)["K1"]
    assert query(tmp_path, "SELECT COUNT(*) FROM quarantine WHERE raw LIKE ?", (f"%hashed:{old}%",)) == [(1,)]

    erased_and_kept_out(tmp_path, named, STORE)


def erased_and_kept_out(folder: Path, named: str, store: list[list[str]]) -> None:
    """The person `named` erased — three records and the quarantined one; the national number's
    record S4 stays — and the store's export (`store`) read again in full: nothing of theirs
    comes back."""
    erased = cxbridge.erase([named], destination=f"sqlite:///{folder / 'cx.db'}")
    assert (erased.rows["feedback"], erased.rows["quarantine"]) == (3, 1)
    assert set(keys(folder)) == {"S4"}
    write_csv(folder, "store", store)
    sync(folder, "store", full_refresh=True)
    assert set(keys(folder)) == {"S4"}, "read again, under the new key, nothing of theirs comes back"


def test_a_full_re_read_gives_the_records_stored_under_the_old_key_the_new_one(tmp_path):
    store_synced(tmp_path, before=True)
    write_csv(tmp_path, "store", STORE)

    sync(tmp_path, "store", full_refresh=True)

    found, old = keys(tmp_path), old_key(tmp_path)
    assert found["S1"] == found["S2"] == found["K1"] != old
    assert query(tmp_path, "SELECT COUNT(*) FROM quarantine WHERE raw LIKE ?", (f"%hashed:{found['K1']}%",)) == [(1,)]
