"""A phone number written with the international prefix `00` before its country code (`0044 20
7946 0958`, as most of Europe, Africa and Asia dial abroad) is the number written with `+`: one
respondent key, linking one person across sources; `cxbridge erase` given either spelling still
finds the records stored before, under the key the `00` made then; and a number written
`(+44) 20 7946 0958`, which a sync keys, can be erased (docs/identity.md, docs/security.md)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

import cxbridge
from cxbridge.cli.main import cli
from cxbridge.erasure_people import former_keys
from cxbridge.phones import exit_codes
from cxbridge.plugins.sqlite.destination import SQLiteDestination
from cxbridge.respondents import RespondentKeys, salted_hash
from tests.test_phone_region import config as region_config
from tests.test_phone_region import sync as region_sync
from tests.test_phone_region import url as region_url
from tests.test_trunk_zero import LONDON, erased_and_kept_out, keys, query, sync, write_csv

ONE_NUMBER = [
    [LONDON, "0044 20 7946 0958", "00 44 20 7946 0958", "0044-20-7946-0958", "(0044) 20 7946 0958",
     "0044 (0)20 7946 0958", "(+44) 20 7946 0958"],
    ["+1 212 555 0100", "001 212 555 0100"],
    ["+49 30 1234567", "0049 30 1234567", "0049(0)30 1234567"],
    ["+39 06 1234 5678", "0039 06 1234 5678"],
]  # fmt: skip
OTHER_NUMBERS = [LONDON, "020 7946 0958", "011 44 20 7946 0958", "0118 496 0000", "118 496 0000", "000 44 20 7946 0958"]
"""Each another key: a national number, North America's exit code `011` (which a UK area code such
as Reading's `0118` begins with too: not told apart), a `00` followed by no country code."""


@pytest.mark.parametrize("spellings", ONE_NUMBER, ids=lambda spellings: spellings[0])
def test_the_international_prefix_00_is_one_key_with_the_plus_it_stands_for(spellings):
    dataset = RespondentKeys("the dataset's salt")
    assert len({dataset.key(spelling) for spelling in spellings}) == 1


def test_a_number_without_the_00_prefix_keeps_its_digits():
    dataset = RespondentKeys("the dataset's salt")
    assert len({dataset.key(number) for number in OTHER_NUMBERS}) == len(OTHER_NUMBERS)


STORE = [["S1", "2026-02-01T08:00:00Z", "3", "0044 20 7946 0958"],
         ["S2", "2026-02-02T08:00:00Z", "9", "0044-20-7946-0958"],
         ["S3", "2026-02-03T08:00:00Z", "eleven", "0044 (0)20 7946 0958"],  # not a score: quarantined
         ["S4", "2026-02-04T08:00:00Z", "7", "020 7946 0958"]]  # fmt: skip
"""The store's export: the number written with `00`, and a national number."""
OLD_DIGITS = {"0044 20 7946 0958": "00442079460958", "0044-20-7946-0958": "004402079460958",
              "0044 (0)20 7946 0958": "00442079460958"}  # fmt: skip
"""What the rules before kept of each spelling: its digits, `00` among them — and, before a trunk
`(0)` was left out, its `0` too (S2 stands for a record stored then, written `0044 (0)20 …`)."""


def salted(folder: Path, digits: str) -> str:
    """The key of `digits` under the dataset's stored salt: BLAKE2b computed here."""
    [(salt,)] = query(folder, "SELECT value FROM cxbridge_metadata WHERE name = 'respondent_salt'")
    return hashlib.blake2b(digits.encode(), key=salt.encode()[:64], digest_size=16).hexdigest()


def store_synced(folder: Path, *, before: bool = False) -> None:
    """The kiosk's export (the number with `+`) and the store's synced; `before`: the store's
    keyed as the rules before keyed it — each number given as `hashed:` and the key of the digits
    those kept, which a sync stores as that key (the dataset's salt made by the kiosk's sync)."""
    write_csv(folder, "kiosk", [["K1", "2026-02-05T08:00:00Z", "2", LONDON]])
    sync(folder, "kiosk")
    old = {written: f"hashed:{salted(folder, digits)}" for written, digits in OLD_DIGITS.items()} if before else {}
    write_csv(folder, "store", [[*row[:3], old.get(row[3], row[3])] for row in STORE])
    sync(folder, "store")


def test_one_number_written_with_00_and_with_plus_in_two_sources_is_one_person(tmp_path):
    store_synced(tmp_path)
    found = keys(tmp_path)
    assert found["S1"] == found["S2"] == found["K1"] is not None
    assert found["S4"] not in (None, found["K1"]), "a national number stays a key of its own"
    erased = cxbridge.erase(["0044 20 7946 0958"], destination=f"sqlite:///{tmp_path / 'cx.db'}")
    assert (erased.rows["feedback"], erased.rows["quarantine"]) == (3, 1)
    assert set(keys(tmp_path)) == {"S4"}


@pytest.mark.parametrize("named", [LONDON, "0044 20 7946 0958", "(+44) (0)20 7946 0958"])
def test_erase_finds_the_records_stored_under_the_keys_the_00_made_before(tmp_path, named):
    store_synced(tmp_path, before=True)
    found = keys(tmp_path)
    assert found["S1"] == salted(tmp_path, "00442079460958") != found["K1"]
    assert found["S2"] == salted(tmp_path, "004402079460958") != found["K1"]

    erased_and_kept_out(tmp_path, named, STORE)


def test_a_full_re_read_gives_the_records_stored_under_the_old_key_the_new_one(tmp_path):
    store_synced(tmp_path, before=True)
    write_csv(tmp_path, "store", STORE)

    sync(tmp_path, "store", full_refresh=True)

    found = keys(tmp_path)
    assert found["S1"] == found["S2"] == found["K1"] != salted(tmp_path, "00442079460958")


def test_erase_accepts_a_number_written_with_its_country_code_in_brackets(tmp_path):
    write_csv(tmp_path, "kiosk", [["K1", "2026-02-05T08:00:00Z", "2", "(+44) 20 7946 0958"]])
    sync(tmp_path, "kiosk")

    url = f"sqlite:///{tmp_path / 'cx.db'}"
    result = CliRunner().invoke(cli, ["erase", "(+44) 20 7946 0958", "--destination", url])

    assert result.exit_code == 0, result.output
    assert "feedback" in result.output and keys(tmp_path) == {}


EXIT_CODES = {
    "US": ["011 44 20 7946 0958", "011 44 (0)20 7946 0958", "(011) 44 20 7946 0958"],
    "AU": ["0011 44 20 7946 0958", "0011 44 (0)20 7946 0958", "0011-44-20-7946-0958"],
    "KR": ["001 44 20 7946 0958", "00700 44 20 7946 0958"],
}
"""The exit codes dialled abroad from the US (`011`), Australia (`0011`) and South Korea (`001`,
`00700`: one per carrier), as libphonenumber's metadata lists them."""


@pytest.mark.parametrize("region", EXIT_CODES)
def test_with_a_region_its_own_exit_code_stands_for_the_plus(region):
    dataset = RespondentKeys("the dataset's salt", phone_region=region)
    assert len({dataset.key(spelling) for spelling in [LONDON, "0044 20 7946 0958", *EXIT_CODES[region]]}) == 1


def test_without_a_region_or_in_another_an_exit_code_other_than_00_keeps_its_digits():
    """Without a region `0011 44 …` is `00` and `11 44 …`, and `011 44 …` a number of its own; in
    the UK `011…` begins Reading's and other towns' area codes, no exit code."""
    dataset, uk = RespondentKeys("the dataset's salt"), RespondentKeys("the dataset's salt", phone_region="GB")
    as_before = hashlib.blake2b(b"11442079460958", key=b"the dataset's salt", digest_size=16).hexdigest()
    assert dataset.key("0011 44 20 7946 0958") == as_before
    assert len({dataset.key(LONDON), dataset.key("011 44 20 7946 0958"), uk.key("011 44 20 7946 0958")}) == 3


AUSTRALIA = [["A1", "2026-02-01T08:00:00Z", "3", "0011 44 20 7946 0958"],
             ["A2", "2026-02-02T08:00:00Z", "eleven", "0011 44 (0)20 7946 0958"],  # not a score: quarantined
             ["A3", "2026-02-03T08:00:00Z", "9", "0011 44 20 7946 0958"],
             ["A4", "2026-02-04T08:00:00Z", "7", "0011 61 2 9374 4000"]]  # fmt: skip
"""An Australian survey's export: a UK number dialled with Australia's exit code, and another's."""
AUSTRALIAN_DIGITS = {"A1": "11442079460958", "A2": "00114402079460958"}
"""The keys the rules before made of A1 (`0011` read as `00` and `11`: since 2026-12-07) and A2
(every digit, the trunk `(0)` too: before)."""


@pytest.mark.parametrize("named", [LONDON, "0011 44 20 7946 0958", "0011 44 (0)20 7946 0958"])
def test_erase_finds_the_records_stored_under_the_keys_an_exit_code_made_before(tmp_path, named):
    write_csv(tmp_path, "crm", [["C1", "2026-02-05T08:00:00Z", "2", LONDON]])
    region_sync(tmp_path, "crm", "AU")
    old = {row: f"hashed:{salted(tmp_path, digits)}" for row, digits in AUSTRALIAN_DIGITS.items()}
    write_csv(tmp_path, "survey", [[*row[:3], old.get(row[0], row[3])] for row in AUSTRALIA])
    region_sync(tmp_path, "survey", "AU")
    found = keys(tmp_path)
    assert found["A3"] == found["C1"] != found["A1"] == salted(tmp_path, "11442079460958")

    erased = cxbridge.erase([named], config=region_config(tmp_path, "AU"), destination=region_url(tmp_path))

    assert (erased.rows["feedback"], erased.rows["quarantine"]) == (3, 1)
    assert set(keys(tmp_path)) == {"A4"}


def test_with_the_us_region_erase_keys_a_number_also_as_011_keyed_it_before_the_region():
    """`011 44 20 7946 0958`, stored before `phone_region = "US"` was set, has the key of its every
    digit: `erase "+44 20 7946 0958"` with the region looks for that key too."""
    dataset = RespondentKeys("the dataset's salt", phone_region="US")
    before = salted_hash("011442079460958", "the dataset's salt")
    assert before == RespondentKeys("the dataset's salt").key("011 44 20 7946 0958")
    assert before in former_keys([LONDON], dataset)


FORMER_KEYS = {
    "KR": {"K1": "1442079460958", "K2": "0024402079460958", "K3": "700442079460958", "K4": "5442079460958"},
    "AU": {"K1": "14442079460958", "K2": "00144402079460958", "K3": "11442079460958", "K4": "0011442079460958"},
    "US": {"K1": "0114402079460958", "K2": "011442079460958", "K3": "00442079460958", "K4": "004402079460958"},
}
"""The digits the rules before kept of `+44 20 7946 0958` dialled with each exit code of a region:
South Korea's carriers' `001`, `002`, `00700`, `005` (none preferred by libphonenumber); Australia's
`0014` beside its preferred `0011`; the US's `011`, with the trunk `(0)` too. `001 44 …` lost its
`00` (since 2026-12-07 before the region's exit code: `1442079460958`), `002 44 (0)20 …` kept every
digit (before the `00` rule), `00700 44 …` its `700`, and `005 44 …` read with no region set
(`5442079460958`) — each written here as the old code made it, not by cxbridge's functions."""


@pytest.mark.parametrize(("region", "named"), [("KR", LONDON), ("KR", "002 44 20 7946 0958"), ("AU", LONDON),
                                               ("AU", "0014 44 (0)20 7946 0958"), ("US", LONDON),
                                               ("US", "011 44 (0)20 7946 0958")])  # fmt: skip
def test_erase_finds_the_keys_every_exit_code_of_the_region_made_before(tmp_path, region, named):
    """A region with several exit codes (South Korea's one per carrier, Australia's `0011` and
    `0014`…): records stored under the keys the rules before made of the number dialled with any of
    them are found by `erase` given it with its country code or dialled with one of them."""
    write_csv(tmp_path, "crm", [["C1", "2026-02-05T08:00:00Z", "2", LONDON]])
    region_sync(tmp_path, "crm", region)
    old = [[f"K{n}", f"2026-02-0{n}T08:00:00Z", "3", f"hashed:{salted(tmp_path, digits)}"]
           for n, digits in enumerate(FORMER_KEYS[region].values(), 1)]  # fmt: skip
    write_csv(tmp_path, "survey", [*old, ["K9", "2026-02-09T08:00:00Z", "7", "+44 161 496 0000"]])
    region_sync(tmp_path, "survey", region)
    assert len(set(keys(tmp_path).values())) == 6

    erased = cxbridge.erase([named], config=region_config(tmp_path, region), destination=region_url(tmp_path))

    assert erased.rows["feedback"] == 5
    assert set(keys(tmp_path)) == {"K9"}


def test_every_regions_exit_codes_are_spelled_from_libphonenumbers_patterns():
    """Each region's international prefix pattern (`00(?:[125689]|3(?:[46]5|91)|7(?:00|27|3|55|6[126]))`
    for South Korea) spelled as the exit codes it matches, each matched whole by the pattern."""
    import phonenumbers

    for region in phonenumbers.SUPPORTED_REGIONS:
        pattern = phonenumbers.PhoneMetadata.metadata_for_region(region).international_prefix
        codes = exit_codes(region)
        assert codes and all(re.fullmatch(pattern, code) for code in codes), region
    assert sorted(exit_codes("KR")) == ["001", "002", "00345", "00365", "00391", "005", "006", "00700", "00727",
                                        "0073", "00755", "00761", "00762", "00766", "008", "009"]  # fmt: skip
    assert {"0011", "0014"} <= set(exit_codes("AU")) and exit_codes("AU")[0] == "0011" and exit_codes("RU") == ("810",)


def test_with_china_erase_looks_for_the_keys_of_its_thousands_of_exit_codes_in_one_run(tmp_path):
    """China's prefix pattern lists its carriers' `1xxxx00` prefixes (`17951 00 44 …`): 2,101 exit
    codes, some 4,200 former keys of one number — more than one SQL expression of SQLite holds
    (1,000 deep), so the quarantine is searched for them a slice at a time; `17951 00 44 …`, keyed by
    its every digit before a region was set, is erased, and so is a quarantined record of the number."""
    write_csv(tmp_path, "crm", [["C1", "2026-02-05T08:00:00Z", "2", LONDON]])
    region_sync(tmp_path, "crm", "CN")
    written = f"hashed:{salted(tmp_path, '1795100442079460958')}"
    write_csv(tmp_path, "survey", [["K1", "2026-02-01T08:00:00Z", "3", written],
                                   ["K2", "2026-02-02T08:00:00Z", "eleven", "0044 20 7946 0958"],
                                   ["K9", "2026-02-09T08:00:00Z", "7", "+44 161 496 0000"]])  # fmt: skip
    region_sync(tmp_path, "survey", "CN")

    erased = cxbridge.erase([LONDON], config=region_config(tmp_path, "CN"), destination=region_url(tmp_path))

    assert (erased.rows["feedback"], erased.rows["quarantine"]) == (2, 1)
    assert set(keys(tmp_path)) == {"K9"}


@pytest.mark.parametrize(("named", "digits"), [(LONDON, "442079460958"), ("0044 (0)20 7946 0958", "442079460958"),
                                               ("17951 00 44 20 7946 0958", "442079460958"),
                                               ("139 1234 5678", "8613912345678"), ("+86 139 1234 5678", "8613912345678")])  # fmt: skip
def test_a_chinese_erasure_keeps_out_the_one_key_a_sync_makes_of_the_number_not_its_thousands_of_former_keys(
    tmp_path, named, digits
):
    """Every way a sync keys the number now — with `+`, `00`, a trunk `(0)`, a carrier's exit code,
    at home — is one key, that of its E.164 digits (written here, not by cxbridge's functions): the
    one tombstone a later sync needs. The 4,200 keys the rules before made are looked for, not kept:
    no sync makes them any more, and a record found under one is kept out by its id."""
    write_csv(tmp_path, "crm", [["C1", "2026-02-05T08:00:00Z", "2", f"+{digits}"]])
    region_sync(tmp_path, "crm", "CN")

    cxbridge.erase([named], config=region_config(tmp_path, "CN"), destination=region_url(tmp_path))

    assert query(tmp_path, "SELECT erased_id FROM erasures WHERE kind = 'respondent'") == [(salted(tmp_path, digits),)]
    assert query(tmp_path, "SELECT COUNT(*) FROM erasures WHERE kind = 'record'") == [(1,)]


def test_records_found_under_a_former_key_stay_out_by_their_ids_and_a_new_answer_by_the_key_a_sync_makes(tmp_path):
    write_csv(tmp_path, "crm", [["C1", "2026-02-05T08:00:00Z", "2", LONDON]])
    region_sync(tmp_path, "crm", "CN")
    survey = [["K1", "2026-02-01T08:00:00Z", "3", f"hashed:{salted(tmp_path, '1795100442079460958')}"],
              ["K2", "2026-02-02T08:00:00Z", "eleven", "0044 20 7946 0958"],
              ["K9", "2026-02-09T08:00:00Z", "7", "+44 161 496 0000"]]  # fmt: skip
    write_csv(tmp_path, "survey", survey)
    region_sync(tmp_path, "survey", "CN")

    cxbridge.erase([LONDON], config=region_config(tmp_path, "CN"), destination=region_url(tmp_path))

    assert query(tmp_path, "SELECT kind, COUNT(*) FROM erasures GROUP BY kind ORDER BY kind") == [
        ("record", 3), ("respondent", 1)
    ]  # fmt: skip
    write_csv(tmp_path, "survey", [*survey, ["K3", "2026-02-10T08:00:00Z", "1", "17951 00 44 (0)20 7946 0958"]])
    region_sync(tmp_path, "survey", "CN", full_refresh=True)
    assert set(keys(tmp_path)) == {"K9"}, "read again, nothing of theirs comes back, nor their new answer"


def test_a_destination_plugin_whose_erase_takes_no_former_keys_is_given_them_among_the_keys(tmp_path, monkeypatch):
    """A third-party destination written before `erase()` took `former`: it is called as written,
    the former keys among the keys — it finds the records stored under them, and keeps their
    tombstones, as before."""
    write_csv(tmp_path, "crm", [["C1", "2026-02-05T08:00:00Z", "2", LONDON]])
    region_sync(tmp_path, "crm", "CN")
    write_csv(tmp_path, "survey", [["K1", "2026-02-01T08:00:00Z", "3", f"hashed:{salted(tmp_path, '1795100442079460958')}"]])
    region_sync(tmp_path, "survey", "CN")
    erase = SQLiteDestination.erase

    def without_former(self, keys, *, addresses=(), phones=(), dry_run=False, run=None):
        return erase(self, keys, addresses=addresses, phones=phones, dry_run=dry_run, run=run)

    monkeypatch.setattr(SQLiteDestination, "erase", without_former)
    erased = cxbridge.erase([LONDON], config=region_config(tmp_path, "CN"), destination=region_url(tmp_path))

    assert erased.rows["feedback"] == 2 and keys(tmp_path) == {}
    assert query(tmp_path, "SELECT COUNT(*) FROM erasures WHERE kind = 'respondent'") == [(len(exit_codes("CN")) * 2 + 2,)]
