"""`cxbridge erase --requester SOURCE:USER_ID` (docs/security.md#erasure): a help desk's ratings
name their requester by user id only (Zendesk `requester_id`, `responder_id`; Freshdesk
`user_id`), so no respondent key reaches them; named by source and user id, they go — stored and
quarantined — and a full re-read leaves them out; the user id is never printed."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import cxbridge
from cxbridge import api, plugins_host
from cxbridge.cli.main import cli
from cxbridge.config import config_from_dict
from cxbridge.identity import record_id
from cxbridge.plugins.freshdesk.source import FreshdeskSource
from cxbridge.plugins.zendesk.source import ZendeskSource
from cxbridge.plugins_host import create_host
from tests import freshdesk_api, zendesk_api
from tests.test_erase import DATA_TABLES, rows_of

ZENDESK_USER, FRESHDESK_USER = 20978393, 80012345601
"""The requester of Zendesk rating 35401 (and of 35406), and the user of Freshdesk rating 9101 (and of 9105, quarantined)."""


@pytest.fixture(autouse=True)
def offline_help_desks(monkeypatch):
    monkeypatch.setattr(plugins_host, "_host", None)
    monkeypatch.setattr(ZendeskSource, "sleep", staticmethod(lambda seconds: None))
    monkeypatch.setattr(ZendeskSource, "now", staticmethod(lambda: datetime(2026, 4, 10, tzinfo=timezone.utc)))
    monkeypatch.setattr(FreshdeskSource, "sleep", staticmethod(lambda seconds: None))
    monkeypatch.setenv("ZENDESK_API_TOKEN", zendesk_api.API_TOKEN)
    monkeypatch.setenv("FRESHDESK_API_KEY", freshdesk_api.API_KEY)


def zendesk_account() -> zendesk_api.ZendeskAccount:
    account = zendesk_api.support_account()
    account.ratings.append(zendesk_api.rating(6, "bad", comment="Still broken", day=5) | {"requester_id": ZENDESK_USER})
    return account


def freshdesk_helpdesk() -> freshdesk_api.Helpdesk:
    helpdesk = freshdesk_api.support_helpdesk()
    helpdesk.ratings[0]["user_id"] = FRESHDESK_USER
    helpdesk.ratings.append(freshdesk_api.rating(5, 55) | {"user_id": FRESHDESK_USER})  # 55: no point of the survey
    return helpdesk


class HelpDesks:
    """The Zendesk and Freshdesk fakes, synced as `zendesk_support` and `freshdesk` into `url`."""

    def __init__(self, url: str, folder: Path, zendesk: str, freshdesk: str):
        self.url, self.folder, self.settings = url, folder, {}
        self.sources = {
            "zendesk_support": {"connector": "zendesk", "base_url": zendesk, "email": zendesk_api.EMAIL,
                                "api_token": "${ZENDESK_API_TOKEN}", "start_date": "2026-03-01T00:00:00Z"},
            "freshdesk": {"connector": "freshdesk", "base_url": freshdesk, "api_key": "${FRESHDESK_API_KEY}"},
        }  # fmt: skip

    def sync(self, **options: Any):
        config = config_from_dict({"settings": self.settings, "sources": self.sources}, create_host(),
                                  path=self.folder / "cxbridge.toml")  # fmt: skip
        return cxbridge.sync(config, destination=self.url, **options)


@pytest.fixture(params=["sqlite", "duckdb", "postgresql"])
def help_desks(request, tmp_path):
    url = {"sqlite": f"sqlite:///{tmp_path / 'cx.db'}", "duckdb": f"duckdb:///{tmp_path / 'cx.duckdb'}"}.get(request.param)
    url = url or request.getfixturevalue("postgres_database")("requester")
    with zendesk_api.zendesk(zendesk_account()) as zendesk, freshdesk_api.freshdesk(freshdesk_helpdesk()) as freshdesk:
        desks = HelpDesks(url, tmp_path, zendesk.url, freshdesk.url)
        result = desks.sync()
        assert [r.status for r in result.results] == ["success", "success"], result.results
        yield desks


def erase(url: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["erase", *args, "--destination", url])
    return result.exit_code, result.stdout, result.stderr


def theirs() -> tuple[set[str], set[str]]:
    """The requesters' stored record ids and their quarantined one."""
    stored = {record_id("zendesk_support", "satisfaction_ratings", str(n)) for n in (35401, 35406)}
    return stored | {record_id("freshdesk", "satisfaction_ratings", "9101")}, {record_id("freshdesk", "satisfaction_ratings", "9105")}


def ids(url: str, table: str) -> set[str]:
    return {row["record_id"] for row in rows_of(url)[table]}


def test_erasing_requesters_removes_their_ratings_and_a_full_re_read_leaves_them_out(help_desks):
    url = help_desks.url
    stored, quarantined = theirs()
    before = rows_of(url)
    assert ids(url, "feedback") >= stored and ids(url, "quarantine") == quarantined

    code, out, err = erase(url, "--requester", f"zendesk_support:{ZENDESK_USER}", "--requester", f"freshdesk:{FRESHDESK_USER}")

    assert code == 0, out + err
    after = rows_of(url)
    assert ids(url, "feedback") == {row["record_id"] for row in before["feedback"]} - stored
    assert ids(url, "quarantine") == set()
    assert {name: len(before[name]) - len(after[name]) for name in DATA_TABLES if len(before[name]) != len(after[name])} == {
        "feedback": 3, "feedback_scores": 4, "feedback_comments": 3, "quarantine": 1,  # 9101 rates two questions
        "feedback_cases": 1, "feedback_case_events": 1,  # the case 35406, a bad rating, opened
    }  # fmt: skip
    assert "zendesk_support:***93" in out and "freshdesk:***01" in out
    assert str(ZENDESK_USER) not in out + err and str(FRESHDESK_USER) not in out + err
    with api.reading(destination=url) as dest:
        [run] = dest.query("SELECT * FROM sync_runs WHERE source = '*'")
    assert (run["command"], run["status"], run["records_pruned"]) == ("erase --requester …", "success", 4)
    assert str(ZENDESK_USER) not in str(run) and str(FRESHDESK_USER) not in str(run)

    result = help_desks.sync(full_refresh=True)

    assert rows_of(url) == after
    with api.reading(destination=url) as dest:
        runs = dest.query(f"SELECT source, records_skipped FROM sync_runs WHERE run_id = '{result.run_id}'")
    assert {run["source"]: run["records_skipped"] for run in runs} == {"zendesk_support": 2, "freshdesk": 2}


def test_a_dry_run_counts_the_requester_s_rows_masked_and_removes_nothing(help_desks):
    url = help_desks.url
    before = rows_of(url)

    code, out, _ = erase(url, "--requester", f"freshdesk:{FRESHDESK_USER}", "--dry-run", "--format", "json")

    assert code == 0 and rows_of(url) == before
    printed = json.loads(out)
    assert printed["people"] == ["freshdesk:***01"] and printed["dry_run"] is True
    assert {table: n for table, n in printed["rows"].items() if n} == {
        "feedback": 1, "feedback_scores": 2, "feedback_comments": 1, "quarantine": 1,
    }  # fmt: skip
    with api.reading(destination=url) as dest:
        assert not dest.erased()


def test_a_requester_of_another_source_or_user_is_not_theirs(help_desks):
    url = help_desks.url
    before = rows_of(url)

    code, out, _ = erase(url, "--requester", f"freshdesk:{ZENDESK_USER}")  # Zendesk's user id, not Freshdesk's

    assert code == 4 and "nothing stored" in out and rows_of(url) == before


def test_a_later_rating_of_an_erased_requester_is_left_out_too(tmp_path):
    url = f"sqlite:///{tmp_path / 'cx.db'}"
    account = zendesk_account()
    with zendesk_api.zendesk(account) as zendesk, freshdesk_api.freshdesk(freshdesk_helpdesk()) as freshdesk:
        desks = HelpDesks(url, tmp_path, zendesk.url, freshdesk.url)
        desks.sync()
        assert erase(url, "--requester", f"zendesk_support:{ZENDESK_USER}")[0] == 0
        account.ratings.append(zendesk_api.rating(7, day=8) | {"requester_id": ZENDESK_USER})
        account.ratings.append(zendesk_api.rating(8, day=8))

        result = desks.sync()

    assert {r.source: r.erased for r in result.results}["zendesk_support"] >= 1
    stored = ids(url, "feedback")
    assert record_id("zendesk_support", "satisfaction_ratings", "35408") in stored
    assert record_id("zendesk_support", "satisfaction_ratings", "35407") not in stored


def test_a_survey_responder_is_erased_by_their_zendesk_user_id(tmp_path):
    url = f"sqlite:///{tmp_path / 'cx.db'}"
    account = zendesk_account()
    account.survey_responses = [zendesk_api.survey_response(1, 5, comment="Quick help") | {"responder_id": ZENDESK_USER},
                                zendesk_api.survey_response(2, 1, day=2)]  # fmt: skip
    with zendesk_api.zendesk(account) as zendesk, freshdesk_api.freshdesk(freshdesk_helpdesk()) as freshdesk:
        desks = HelpDesks(url, tmp_path, zendesk.url, freshdesk.url)
        desks.sources["zendesk_support"]["csat"] = "survey_responses"
        desks.sync()

        code, out, _ = erase(url, "--requester", f"zendesk_support:{ZENDESK_USER}", "--format", "json")

    assert code == 0 and json.loads(out)["rows"]["feedback"] == 1
    assert record_id("zendesk_support", "survey_responses", "01J1WB51MG6HXTYWE6Q0C93R01") not in ids(url, "feedback")


@pytest.mark.parametrize("kept", [False, True])
def test_the_address_a_requester_s_help_desk_gave_lists_their_answers_it_keys_elsewhere_for_review(tmp_path, kept):
    """The help desk gave Rae's address (Show Many Users), which keys her ratings; her NPS answer
    in a CSV survey is keyed by it too: erased by user id, the ratings go and the answer is
    listed under the address's key — the user id names no address, so it erases no more. With
    `keep_personal_data` the ratings' raw holds the address as sent: the key they hold names it."""
    url = f"sqlite:///{tmp_path / 'cx.db'}"
    account = zendesk_account()
    account.users.append(zendesk_api.user(ZENDESK_USER, "rae@example.com"))
    (tmp_path / "survey.csv").write_text("id,submitted,nps,email\nN1,2026-03-02T08:00:00Z,3,Rae@example.com\n")
    with zendesk_api.zendesk(account) as zendesk, freshdesk_api.freshdesk(freshdesk_helpdesk()) as freshdesk:
        desks = HelpDesks(url, tmp_path, zendesk.url, freshdesk.url)
        desks.settings["keep_personal_data"] = kept
        desks.sources["survey"] = {"connector": "csv", "path": str(tmp_path / "survey.csv"),
                                   "columns": {"id": "id", "submitted_at": "submitted", "email": "email"},
                                   "metrics": [{"column": "nps", "metric": "nps"}]}  # fmt: skip
        assert {r.status for r in desks.sync().results} == {"success"}
    with sqlite3.connect(tmp_path / "cx.db") as db:
        [(raes,)] = db.execute("SELECT respondent_key FROM feedback WHERE source = 'survey'")
        rated = {row[0] for row in db.execute("SELECT source_record_id FROM feedback WHERE respondent_key = ?", [raes])}
    assert rated == {"N1", "35401", "35406"}

    erased = cxbridge.erase(requesters=[f"zendesk_support:{ZENDESK_USER}"], destination=url)

    assert erased.rows["feedback"] == 2 and erased.linked == {raes: [record_id("survey", "rows", "N1")]}


@pytest.mark.parametrize(
    "given, said",
    [("20978393", "--requester '***93' is not SOURCE:USER_ID"), ("Zendesk Support:1", "is not SOURCE:USER_ID"),
     ("zendesk_support:", "is not SOURCE:USER_ID")],
)  # fmt: skip
def test_a_requester_named_wrongly_is_refused_before_anything_is_opened(given, said, tmp_path):
    result = CliRunner().invoke(cli, ["erase", "--requester", given, "--destination", f"sqlite:///{tmp_path / 'none.db'}"])
    assert result.exit_code == 2 and said in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "none.db").exists()


def test_a_requester_of_a_source_that_names_none_is_refused_naming_the_sources_that_do(tmp_path):
    """A CSV export's `user_id` column is no help desk's requester: `--requester` of its source
    (or of a source never synced) is refused, naming the sources whose connector declares one
    (`Source.requester_fields`), and nothing is removed or recorded."""
    url = f"sqlite:///{tmp_path / 'cx.db'}"
    (tmp_path / "kiosk.csv").write_text(f"Date,nps,user_id\n2026-04-02 10:00,9,{ZENDESK_USER}\n", encoding="utf-8")
    with zendesk_api.zendesk(zendesk_account()) as zendesk, freshdesk_api.freshdesk(freshdesk_helpdesk()) as freshdesk:
        desks = HelpDesks(url, tmp_path, zendesk.url, freshdesk.url)
        desks.sources["kiosk"] = {"connector": "csv", "path": "kiosk.csv",
                                  "columns": {"submitted_at": "Date"}, "metrics": [{"column": "nps", "metric": "nps"}]}  # fmt: skip
        assert all(r.ok for r in desks.sync().results)
    before = rows_of(url)
    assert any(json.loads(row["attributes"]).get("user_id") == str(ZENDESK_USER)
               for row in before["feedback"] if row["source"] == "kiosk")  # fmt: skip

    for source in ("kiosk", "zendesk"):  # the CSV source; a connector's name, not a source's
        code, out, err = erase(url, "--requester", f"{source}:{ZENDESK_USER}")

        assert code == 2 and "Traceback" not in out + err, out + err
        assert f"--requester {source}:***93" in err
        assert "freshdesk, zendesk_support" in err
        assert str(ZENDESK_USER) not in out + err
        assert rows_of(url) == before
    with sqlite3.connect(tmp_path / "cx.db") as db:  # a source whose connector is no longer installed
        db.execute("UPDATE sync_runs SET connector = 'retired' WHERE source = 'kiosk'")
    code, _, err = erase(url, "--requester", f"kiosk:{ZENDESK_USER}")
    assert code == 2 and "'kiosk' (connector retired) names nobody" in err and "Traceback" not in err
    with api.reading(destination=url) as dest:
        assert not dest.erased()
