"""`[settings] phone_region`: a number written without its country code (`020 7946 0958`, typed in
a UK survey) is keyed as that region's international number (`+44 20 7946 0958`, the CRM's): one
respondent key, one person across sources; `cxbridge erase` given either spelling still finds the
records stored before under the national number's digits; without the setting every key is as it
was (docs/identity.md, docs/security.md)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

import cxbridge
from cxbridge.config import config_from_dict
from cxbridge.errors import ConfigError
from cxbridge.plugins_host import create_host
from cxbridge.respondents import RespondentKeys
from tests.test_trunk_zero import LONDON, keys, query, write_csv

SALT = "the dataset's salt"
ONE_NUMBER = {
    "GB": [LONDON, "020 7946 0958", "(020) 7946-0958", "0044 20 7946 0958", "+44 (0)20 7946 0958"],
    "US": ["+1 212 555 0100", "(212) 555-0100", "212-555-0100", "1 212 555 0100"],
    "DE": ["+49 30 1234567", "030 1234567", "030-1234567", "030/1234567", "030 / 123 45 67", "+49 (0)30/1234567"],
    "AT": ["+43 1 5123456", "01 5123456", "01/5123456"],  # the slash after the area code, as DIN 5008 once wrote it
    "IT": ["+39 06 1234 5678", "06 1234 5678"],  # Italy's 0 is dialled after the country code too
}


@pytest.mark.parametrize("region", ONE_NUMBER)
def test_a_national_number_is_keyed_as_the_regions_international_number(region):
    dataset = RespondentKeys(SALT, phone_region=region)
    assert len({dataset.key(spelling) for spelling in ONE_NUMBER[region]}) == 1


def test_without_a_region_every_key_is_the_digits_it_was():
    """The guard: no setting, no change — a national number keyed by its digits as written."""
    dataset, region = RespondentKeys(SALT), RespondentKeys(SALT, phone_region="GB")
    salted = {number: hashlib.blake2b(number.encode(), key=SALT.encode(), digest_size=16).hexdigest()
              for number in ("02079460958", "442079460958", "2125550100")}  # fmt: skip
    assert dataset.key("020 7946 0958") == salted["02079460958"] != region.key("020 7946 0958")
    assert dataset.key(LONDON) == region.key(LONDON) == salted["442079460958"]
    assert dataset.key("(212) 555-0100") == salted["2125550100"]


def test_a_region_never_rejects_a_value():
    """What the region cannot place keeps its digits, as without it; a text stays a text."""
    dataset, region = RespondentKeys(SALT), RespondentKeys(SALT, phone_region="GB")
    for value in ("12", "999 999 999 999 999 999", "ticket 4711", "+999 1234 5678", "not known"):
        assert region.key(value) == dataset.key(value)


def test_a_region_unknown_to_the_phone_rules_is_refused_naming_the_field(tmp_path):
    with pytest.raises(ConfigError) as refused:
        config_from_dict({"settings": {"phone_region": "UK"}}, create_host(), path=tmp_path / "cxbridge.toml")
    assert "phone_region" in str(refused.value) and "GB" in str(refused.value)


def config(folder: Path, region: str | None) -> Any:
    settings = {"phone_region": region} if region else {}
    sources = {name: {"connector": "csv", "path": f"{name}.csv", "metrics": [{"column": "nps", "metric": "nps"}],
                      "columns": {"id": "id", "submitted_at": "submitted", "phone": "phone"}}
               for name in ("survey", "crm")}  # fmt: skip
    return config_from_dict({"settings": settings, "sources": sources}, create_host(), path=folder / "cxbridge.toml")


def sync(folder: Path, name: str, region: str | None, **options) -> None:
    [result] = cxbridge.sync(config(folder, region), sources=[name], destination=url(folder), **options).results
    assert result.status == "success"


def url(folder: Path) -> str:
    return f"sqlite:///{folder / 'cx.db'}"


SURVEY = [["S1", "2026-02-01T08:00:00Z", "3", "020 7946 0958"],
          ["S2", "2026-02-02T08:00:00Z", "9", "(020) 7946-0958"],
          ["S3", "2026-02-03T08:00:00Z", "eleven", "020 7946 0958"],  # not a score: quarantined
          ["S4", "2026-02-04T08:00:00Z", "7", "0161 496 0000"]]  # fmt: skip
"""The UK survey's export: the number typed at home, and another person's."""


def both_synced(folder: Path, *, survey_region: str | None = "GB") -> None:
    """The survey's export (keyed with `survey_region`: None stands for the records stored before
    the setting) and the CRM's (the number with its country code) synced with phone_region GB."""
    write_csv(folder, "survey", SURVEY)
    write_csv(folder, "crm", [["C1", "2026-02-05T08:00:00Z", "2", LONDON]])
    sync(folder, "survey", survey_region)
    sync(folder, "crm", "GB")


def test_one_number_typed_at_home_and_with_its_country_code_in_two_sources_is_one_person(tmp_path):
    both_synced(tmp_path)
    found = keys(tmp_path)
    assert found["S1"] == found["S2"] == found["C1"] is not None
    assert found["S4"] not in (None, found["C1"]), "another number stays another person"
    erased = cxbridge.erase([LONDON], config=config(tmp_path, "GB"), destination=url(tmp_path))
    assert (erased.rows["feedback"], erased.rows["quarantine"]) == (3, 1)
    assert set(keys(tmp_path)) == {"S4"}


def test_without_the_setting_the_two_sources_stay_two_keys(tmp_path):
    write_csv(tmp_path, "survey", SURVEY)
    write_csv(tmp_path, "crm", [["C1", "2026-02-05T08:00:00Z", "2", LONDON]])
    sync(tmp_path, "survey", None)
    sync(tmp_path, "crm", None)
    found = keys(tmp_path)
    assert found["S1"] == found["S2"] != found["C1"]


def salted(folder: Path, digits: str) -> str:
    [(salt,)] = query(folder, "SELECT value FROM cxbridge_metadata WHERE name = 'respondent_salt'")
    return hashlib.blake2b(digits.encode(), key=salt.encode()[:64], digest_size=16).hexdigest()


@pytest.mark.parametrize("named", [LONDON, "020 7946 0958", "0044 (0)20 7946 0958"])
def test_erase_finds_the_records_stored_under_the_national_digits_before_the_setting(tmp_path, named):
    both_synced(tmp_path, survey_region=None)
    found = keys(tmp_path)
    assert found["S1"] == found["S2"] == salted(tmp_path, "02079460958") != found["C1"]

    erased = cxbridge.erase([named], config=config(tmp_path, "GB"), destination=url(tmp_path))

    assert (erased.rows["feedback"], erased.rows["quarantine"]) == (3, 1)
    assert set(keys(tmp_path)) == {"S4"}
    sync(tmp_path, "survey", "GB", full_refresh=True)
    assert set(keys(tmp_path)) == {"S4"}, "read again, under the new key, nothing of theirs comes back"


def test_a_full_re_read_with_the_setting_gives_the_records_stored_before_the_international_key(tmp_path):
    both_synced(tmp_path, survey_region=None)

    sync(tmp_path, "survey", "GB", full_refresh=True)

    found = keys(tmp_path)
    assert found["S1"] == found["S2"] == found["C1"] != salted(tmp_path, "02079460958")


@pytest.mark.parametrize("named", [LONDON, "020 7946 0958"])
def test_other_peoples_comments_writing_the_number_either_way_are_listed_for_review(tmp_path, named):
    """The number is no one's contact here; comments write it at home and with its country code."""
    comments = {"M1": "ring me on 020 7946 0958 after 5", "M2": "call +44 20 7946 0958", "M3": "call 0161 496 0000"}
    with (tmp_path / "survey.csv").open("w", encoding="utf-8") as handle:
        handle.write("id,submitted,nps,comment\n")
        handle.writelines(f"{n},2026-02-01T08:00:00Z,5,{text}\n" for n, text in comments.items())
    source = {"connector": "csv", "path": "survey.csv", "metrics": [{"column": "nps", "metric": "nps"}],
              "columns": {"id": "id", "submitted_at": "submitted", "comment": "comment"}}  # fmt: skip
    cfg = config_from_dict({"settings": {"phone_region": "GB"}, "sources": {"survey": source}}, create_host(),
                           path=tmp_path / "cxbridge.toml")  # fmt: skip
    cxbridge.sync(cfg, destination=url(tmp_path))

    erased = cxbridge.erase([named], config=cfg, destination=url(tmp_path), dry_run=True)

    mentioned = dict(query(tmp_path, "SELECT record_id, source_record_id FROM feedback"))
    assert sorted(mentioned[record] for record in erased.mentioned) == ["M1", "M2"]


@pytest.mark.parametrize("named", ["+49 30 1234567", "030/1234567"])
def test_a_number_written_with_a_slash_is_one_person_in_a_phone_column_and_found_in_comments(tmp_path, named):
    """`030/1234567` (the area code split off by a slash, as Germans long wrote it) in the phone
    column is the CRM's `+49 30 1234567`; another's comment writing it so is listed for review, and
    `erase` takes it written either way (`030/1234567` was refused as no phone number before)."""
    rows = {"S1": ("030/1234567", ""), "C1": ("+49 30 1234567", ""), "M1": ("", "ruf mich an: 030 / 123 45 67")}
    with (tmp_path / "survey.csv").open("w", encoding="utf-8") as handle:
        handle.write("id,submitted,nps,phone,comment\n")
        handle.writelines(f"{n},2026-02-01T08:00:00Z,5,{phone},{text}\n" for n, (phone, text) in rows.items())
    source = {"connector": "csv", "path": "survey.csv", "metrics": [{"column": "nps", "metric": "nps"}],
              "columns": {"id": "id", "submitted_at": "submitted", "phone": "phone", "comment": "comment"}}  # fmt: skip
    cfg = config_from_dict({"settings": {"phone_region": "DE"}, "sources": {"survey": source}}, create_host(),
                           path=tmp_path / "cxbridge.toml")  # fmt: skip
    cxbridge.sync(cfg, destination=url(tmp_path))

    erased = cxbridge.erase([named], config=cfg, destination=url(tmp_path), dry_run=True)

    stored = dict(query(tmp_path, "SELECT record_id, source_record_id FROM feedback"))
    assert keys(tmp_path)["S1"] == keys(tmp_path)["C1"] == salted(tmp_path, "49301234567")
    assert erased.rows["feedback"] == 2
    assert [stored[record] for record in erased.mentioned] == ["M1"]
