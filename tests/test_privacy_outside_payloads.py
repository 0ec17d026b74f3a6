"""The privacy promise (docs/security.md, Privacy) held to payloads no one on this project wrote:
every outside payload the connectors' vendor tests serve (tests/data/vendor/, tests/data/samples/,
with their sources in the READMEs) is synced with default settings, from local servers answering
them as stored, into a SQLite file, a DuckDB file and a Parquet lake, and each real export there is
imported from its file. The personal values are read out of the payloads themselves — every e-mail
address, the phone numbers, IP addresses, user agents, coordinates and the answers to questions
asking for a name — and none may be in any text cell of any table, any file of the lake, the
sync's JSON `-vv` log, `quarantine list`, `status` or `report --html`. One sync per destination."""

from __future__ import annotations

import csv
import json
import re
import sqlite3
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from cxbridge import plugins_host
from cxbridge.cli.main import cli
from cxbridge.plugins.freshdesk.source import FreshdeskSource
from cxbridge.plugins.hubspot.source import HubSpotSource
from cxbridge.plugins.qualtrics.source import QualtricsSource
from cxbridge.plugins.questionpro.source import QuestionProSource
from cxbridge.plugins.surveymonkey.source import SurveyMonkeySource
from cxbridge.plugins.typeform.source import TypeformSource
from cxbridge.plugins.zendesk.source import ZendeskSource
from tests.freshdesk_api import API_KEY as FRESHDESK_KEY
from tests.freshdesk_api import SURVEYS as FRESHDESK_SURVEYS
from tests.freshdesk_api import Helpdesk, freshdesk
from tests.freshdesk_api import rating as freshdesk_rating
from tests.hubspot_api import TOKEN as HUBSPOT_TOKEN
from tests.local_api import FakeApi, Reply, fake_api
from tests.qualtrics_api import ROOT, QualtricsAccount, qualtrics
from tests.qualtrics_api import TOKEN as QUALTRICS_TOKEN
from tests.questionpro_api import API_KEY, QuestionProAccount, questionpro
from tests.sqlite_runs import SAMPLES
from tests.surveymonkey_api import TOKEN as SURVEYMONKEY_TOKEN
from tests.typeform_api import TOKEN as TYPEFORM_TOKEN
from tests.zendesk_api import API_TOKEN as ZENDESK_TOKEN
from tests.zendesk_api import EMAIL as ZENDESK_AGENT
from tests.zendesk_api import ZendeskAccount, zendesk
from tests.zendesk_api import rating as zendesk_rating

VENDOR = Path(__file__).parent / "data" / "vendor"
EXPORTS = sorted(SAMPLES.glob("*.csv"))  # Qualtrics exports, imported as a user would
TYPEFORM = [("retrieve_responses_example_form.json", "retrieve_responses_example.json"),
            ("passculture_form_aBCdEF12.json", "passculture_responses_aBCdEF12.json"),
            ("passculture_form_AllTypes.json", "passculture_responses_AllTypes.json"),
            ("airbyte_form_VWO7mLtl.json", "airbyte_responses_VWO7mLtl.json")]  # fmt: skip
QUALTRICS = ["poprox_export_record.json", "asist_export_record.json", "rita_export_record.json"]
QUESTIONPRO = ["get_response.json", "cx_responses.json", "cx_import.json"]
SURVEYMONKEY = {"/surveys": VENDOR / "surveymonkey" / "roumaya_surveys.json",
                "/surveys/318754279/details": SAMPLES / "roumaya_318754279_details.json",
                "/surveys/318754279/responses/bulk": SAMPLES / "roumaya_318754279_responses_bulk.json"}  # fmt: skip
ZENDESK = ["satisfaction_ratings_airbyte.json", "satisfaction_ratings_offered_airbyte.json", "tickets_airbyte.json",
           "ticket_bad_rating_justeat.json"]  # fmt: skip
FRESHDESK = ["satisfaction_ratings_example.json", "tickets_airbyte.json"]
HUBSPOT = ["feedback_submission_example.json", "search_contacts_example.json"]
SECRETS = {"TYPEFORM_TOKEN": TYPEFORM_TOKEN, "QUALTRICS_API_TOKEN": QUALTRICS_TOKEN, "QUESTIONPRO_API_KEY": API_KEY,
           "SURVEYMONKEY_TOKEN": SURVEYMONKEY_TOKEN, "ZENDESK_API_TOKEN": ZENDESK_TOKEN, "FRESHDESK_API_KEY": FRESHDESK_KEY,
           "HUBSPOT_TOKEN": HUBSPOT_TOKEN}  # fmt: skip

ADDRESS = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+")
PERSONAL_KEYS = re.compile(r"^(ip_?address|user_agent|(location)?latitude|(location)?longitude|phone(_number)?|"
                           r"formatted_phone|mobile|recipient(first|last)name)$", re.I)  # fmt: skip
CSV_PERSONAL = re.compile(
    r"^(IPAddress|Recipient(First|Last)Name|RecipientEmail|EmailAddress|Location(Latitude|Longitude))$"
)


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def vendor(name: str, files: list[str]) -> list[Path]:
    return [VENDOR / name / file for file in files]


def spelled(value: Any) -> list[str]:
    """How a personal value could be found stored: as written, a coordinate by its first three
    decimals or four (a float may be written back with other digits after them; a log's
    times have three), a phone by its digits."""
    text = str(value).strip()
    if re.fullmatch(r"-?\d+\.\d+", text):
        whole, decimals = text.lstrip("-").split(".")
        return [f"{whole}.{decimals[:4]}"] if float(text) else []
    digits = re.sub(r"\D", "", text)
    if re.fullmatch(r"\d+(\.\d+){3}", text):  # an IP address: its digits alone could be a salted key's
        return [text]
    if re.fullmatch(r"[+()\d\s.-]{7,}", text) and len(digits) >= 7:
        return [text, digits]
    return [text] if len(text) > 2 else []


def personal_in(payload: Any, key: str = "") -> Iterator[str]:
    """Each e-mail address anywhere in a payload, and each value under a key naming a personal field."""
    if isinstance(payload, dict):
        for name, value in payload.items():
            yield from personal_in(value, name)
    elif isinstance(payload, list):
        for value in payload:
            yield from personal_in(value, key)
    elif payload is not None:
        yield from ADDRESS.findall(str(payload))
        if PERSONAL_KEYS.match(key):
            yield from spelled(payload)


def typeform_names(form: dict[str, Any], page: dict[str, Any]) -> Iterator[str]:
    """Answers to a Typeform question asking for a name: "What is your name?", a contact block's name parts."""

    def fields(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for item in items:
            yield item
            yield from fields(item.get("properties", {}).get("fields", []))

    naming = {item["id"] for item in fields(form.get("fields", []))
              if re.search(r"\bname\b|_name$", f"{item.get('title', '')} {item.get('ref', '')}", re.I)}  # fmt: skip
    for item in page["items"]:
        for answer in item.get("answers") or []:
            if answer["field"]["id"] in naming:
                yield answer.get("text", "").strip()


def export_values(path: Path) -> Iterator[str]:
    """A Qualtrics export's cells under its personal columns (names, e-mail, IP address, location)."""
    with path.open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.reader(file))
    columns = [n for n, name in enumerate(rows[0]) if CSV_PERSONAL.match(name)] or [
        n for n, name in enumerate(rows[1]) if CSV_PERSONAL.match(name)]  # fmt: skip  # a legacy export: V1… first
    for row in rows[1:]:
        for n in columns:
            if n < len(row) and row[n] not in ("", rows[0][n], rows[1][n]) and not row[n].startswith("{"):
                yield from spelled(row[n])


def personal_values() -> set[str]:
    """Every personal value of the payloads but names, as searched: case-folded, found inside any text.
    (Not the loopback address one documented QuestionPro response gives, which every local server's URL holds.)"""
    found: set[str] = set()
    for _, page in TYPEFORM:
        found |= set(personal_in(load(VENDOR / "typeform" / page)))
    for name in QUALTRICS + [f"questionpro/{name}" for name in QUESTIONPRO]:
        found |= set(personal_in(load(VENDOR / ("qualtrics" if "/" not in name else "") / name)))
    for path in [*SURVEYMONKEY.values(), *vendor("zendesk", ZENDESK), *vendor("freshdesk", FRESHDESK),
                 *vendor("hubspot", HUBSPOT)]:  # fmt: skip
        found |= set(personal_in(load(path)))
    for path in EXPORTS:
        found |= set(export_values(path))
    return {value.casefold() for value in found} - {"127.0.0.1"}


def personal_names() -> set[str]:
    """The names the payloads' respondents gave, as written ("Lian"; pass Culture's "First", "Second"…)."""
    names: set[str] = set()
    for form, page in TYPEFORM:
        names |= set(typeform_names(load(VENDOR / "typeform" / form), load(VENDOR / "typeform" / page)))
    for response in questionpro_account().responses.values():  # a Contact Information block's name rows
        for answer in (item for one in response for item in one.get("responseSet", [])):
            if re.search(r"\bname\b", answer["questionText"], re.I):
                names |= {value["value"]["text"] for value in answer["answerValues"] if value["value"]["text"]}
    for contact in load(VENDOR / "hubspot" / "search_contacts_example.json")["results"]:
        names |= {contact["properties"]["firstname"], contact["properties"]["lastname"]}
    return names - {"Test"}  # HubSpot's "Test Person": "Test" also names a QuestionPro response's custom variable


def named(name: str, text: str) -> bool:
    """A name as a value of its own (quoted, a cell, an element's text), not a word of a sentence
    or a label: "First" is pass Culture's respondent's last name, "First choice" an option."""
    return re.search(rf"(?<![\w ]){re.escape(name)}(?![\w ])", text) is not None


def test_the_payloads_carry_the_personal_values_the_scan_looks_for():
    """The scan is only as good as what it looks for: the payloads' own personal values."""
    values = personal_values()
    assert {"lian1078@example.com", "first@example.com", "33600000001", "192.0.2.236", "44.9764", "100.34.161.38",
            "130.92.34.66", "47.1150"} <= values, sorted(values)  # fmt: skip
    assert any(value.startswith("mozilla/5.0 (iphone") for value in values)
    assert {"Lian", "Sarah", "Paolo", "Premier", "First", "Maria", "FirstName"} <= personal_names()
    assert {"requester@example.com", "customer@example.com", "emailmaria@example.com", "15550100145"} <= values
    assert named("First", '{"value": "First"}') and not named("First", '{"value": "First choice"}')


# -- the servers ---------------------------------------------------------------------------------


@contextmanager
def typeform_server() -> Iterator[FakeApi]:
    with fake_api() as api:
        for form, page in TYPEFORM:
            form, page = load(VENDOR / "typeform" / form), load(VENDOR / "typeform" / page)
            links = {name: str(link).replace("https://api.typeform.com", api.url)
                     for name, link in form.get("_links", {}).items()}  # fmt: skip
            api.route("GET", f"/forms/{form['id']}")(lambda seen, _, form=form | {"_links": links}: form)
            api.route("GET", f"/forms/{form['id']}/responses")(lambda seen, _, page=page: page)
        yield api


def qualtrics_account() -> QualtricsAccount:
    account = QualtricsAccount()
    for n, name in enumerate(QUALTRICS):
        survey = f"SV_outside{n}"
        account.add_survey(survey, name)
        account.definitions[survey] = {"SurveyID": survey, "SurveyName": name, "Questions": {}}
        account.put(survey, load(VENDOR / "qualtrics" / name))
    return account


def questionpro_account() -> QuestionProAccount:
    responses = {}
    for name in QUESTIONPRO:
        body = load(VENDOR / "questionpro" / name)["response"]
        for response in body if isinstance(body, list) else [body]:
            responses.setdefault(response["surveyID"], []).append(response)
    pipedream = load(VENDOR / "questionpro" / "pipedream_new_survey_response.json")
    responses.setdefault(pipedream["surveyID"], []).append(pipedream)
    return QuestionProAccount(surveys={survey: f"survey {survey}" for survey in responses}, responses=responses)


def zendesk_account() -> ZendeskAccount:
    """Airbyte's recorded ratings and tickets; ours rate the recorded tickets, as tests/test_zendesk_source.py's do;
    Just Eat's recorded ticket with its embedded `bad` rating listed as tests/test_zendesk_source.py lists it."""
    recorded, offered, tickets, just_eat = (load(path) for path in vendor("zendesk", ZENDESK))
    at = {"created_at": "2023-04-01T10:00:00Z", "updated_at": "2023-04-01T10:00:00Z"}
    ours = [zendesk_rating(n, ticket=ticket["id"]) | at for n, ticket in enumerate(tickets, 1)]
    bad = just_eat["satisfaction_rating"] | {"ticket_id": just_eat["id"], "requester_id": just_eat["requester_id"],
                                             "created_at": just_eat["updated_at"], "updated_at": just_eat["updated_at"]}  # fmt: skip
    ratings = recorded["satisfaction_ratings"] + offered + ours + [bad]
    account = ZendeskAccount(ratings=ratings, tickets=[*tickets, just_eat])
    account.filters_scores = False
    return account


def freshdesk_desk() -> Helpdesk:
    """Freshdesk's documented ratings (one quarantined: its time is no time), ours of the ticket Airbyte recorded."""
    example, [ticket] = (load(path) for path in vendor("freshdesk", FRESHDESK))
    ours = freshdesk_rating(1, 102) | {"ticket_id": ticket["id"], "created_at": ticket["updated_at"],
                                       "updated_at": ticket["updated_at"]}  # fmt: skip
    seven = {"id": "question_2", "label": "Was the answer clear?", "accepted_ratings": [103, 102, 101, 100, -101, -102, -103]}  # fmt: skip
    survey = FRESHDESK_SURVEYS[0] | {"questions": [*FRESHDESK_SURVEYS[0]["questions"], seven]}
    return Helpdesk(ratings=[*example, ours], tickets=[ticket], surveys=[survey])


@contextmanager
def hubspot_server() -> Iterator[FakeApi]:
    submission, contacts = (load(path) for path in vendor("hubspot", HUBSPOT))
    pages = {"feedback_submissions": {"total": 1, "results": [submission]}, "contacts": contacts}
    with fake_api() as api:
        api.route("POST", "/crm/v3/objects/([a-z_]+)/search")(
            lambda seen, match: pages.get(match.group(1), {"total": 0, "results": []}))  # fmt: skip
        api.route("POST", "/crm/v4/associations/.*")(lambda seen, match: {"results": []})
        yield api


@contextmanager
def surveymonkey_server() -> Iterator[FakeApi]:
    with fake_api() as api:
        api.route("GET", ".*")(lambda seen, _: Reply(200, SURVEYMONKEY[seen.path].read_bytes())
                               if seen.path in SURVEYMONKEY else Reply(404, {"error": {"id": "1020"}}))  # fmt: skip
        yield api


def config(typeform: str, qualtrics_url: str, questionpro_url: str, surveymonkey: str, zendesk_url: str,
           freshdesk_url: str, hubspot: str, destination: str) -> str:  # fmt: skip
    sources = {
        "typeform": {"connector": "typeform", "base_url": typeform, "token": "${TYPEFORM_TOKEN}",
                     "forms": [load(VENDOR / "typeform" / form)["id"] for form, _ in TYPEFORM]},
        "qualtrics": {"connector": "qualtrics", "base_url": qualtrics_url + ROOT, "api_token": "${QUALTRICS_API_TOKEN}",
                      "surveys": [f"SV_outside{n}" for n in range(len(QUALTRICS))], "poll_interval": 0.01},
        "questionpro": {"connector": "questionpro", "base_url": questionpro_url, "api_key": "${QUESTIONPRO_API_KEY}",
                        "surveys": sorted(questionpro_account().responses)},
        "surveymonkey": {"connector": "surveymonkey", "base_url": surveymonkey, "access_token": "${SURVEYMONKEY_TOKEN}",
                         "surveys": ["318754279"]},
        "zendesk": {"connector": "zendesk", "base_url": zendesk_url, "email": ZENDESK_AGENT,
                    "api_token": "${ZENDESK_API_TOKEN}", "start_date": "2009-01-01T00:00:00Z"},
        "freshdesk": {"connector": "freshdesk", "base_url": freshdesk_url, "api_key": "${FRESHDESK_API_KEY}",
                      "start_date": "2015-01-01T00:00:00Z"},
        "hubspot": {"connector": "hubspot", "base_url": hubspot, "access_token": "${HUBSPOT_TOKEN}", "companies": False},
    }  # fmt: skip
    lines = [f"[destination]\nurl = {json.dumps(destination)}\n"]
    for name, source in sources.items():
        lines.append(f"[sources.{name}]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in source.items()]
    return "\n".join(lines) + "\n"


# -- one sync per destination --------------------------------------------------------------------


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def shown(tmp_path_factory) -> dict[str, dict[str, str]]:
    """For each destination: every table's text cells, every file of a lake, and every output, by name."""
    found = {}
    with pytest.MonkeyPatch.context() as patch, ExitStack() as servers:
        patch.setattr(plugins_host, "_host", None)
        for source in (QualtricsSource, QuestionProSource, SurveyMonkeySource, TypeformSource, ZendeskSource,
                       FreshdeskSource, HubSpotSource):  # fmt: skip
            patch.setattr(source, "sleep", staticmethod(lambda seconds: None))
        for name, value in SECRETS.items():
            patch.setenv(name, value)
        urls = [
            servers.enter_context(server).url
            for server in (
                typeform_server(),
                qualtrics(qualtrics_account()),
                questionpro(questionpro_account()),
                surveymonkey_server(),
                zendesk(zendesk_account()),
                freshdesk(freshdesk_desk()),
                hubspot_server(),
            )
        ]
        for kind, target in {"sqlite": "cx.db", "duckdb": "cx.duckdb", "parquet": "lake"}.items():
            folder = tmp_path_factory.mktemp(kind)
            patch.chdir(folder)
            url = f"{kind}:///{folder / target}"
            (folder / "cxbridge.toml").write_text(config(*urls, url), encoding="utf-8")
            outputs = {"sync": run("--log-format", "json", "-vv", "sync")}
            for export in EXPORTS:
                outputs[f"import {export.name}"] = run("--log-format", "json", "-vv", "import", str(export), "-d", url)
            outputs |= {"quarantine list": run("quarantine", "list"), "status": run("status"),
                        "report": run("report", "--html", "report.html"),
                        "report.html": (folder / "report.html").read_text(encoding="utf-8")}  # fmt: skip
            found[kind] = outputs | stored(kind, folder / target)
    return found


def stored(kind: str, path: Path) -> dict[str, str]:
    """Every text cell of every table (JSON columns as their text), or every file of the lake."""
    if kind == "sqlite":
        with sqlite3.connect(path) as db:
            names = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            return {f"table {name}": "\n".join(map(repr, db.execute(f'SELECT * FROM "{name}"'))) for name in names}
    if kind == "duckdb":
        with duckdb.connect(str(path), read_only=True) as db:
            names = [name for (name,) in db.execute("SELECT table_name FROM information_schema.tables "
                                                    "WHERE table_type = 'BASE TABLE'").fetchall()]  # fmt: skip
            return {f"table {name}": "\n".join(map(repr, db.execute(f'SELECT * FROM "{name}"').fetchall()))
                    for name in names}  # fmt: skip
    files = {}
    with duckdb.connect() as db:
        for file in sorted(p for p in path.rglob("*") if p.is_file()):
            if file.suffix == ".parquet":
                rows = db.execute("SELECT * FROM read_parquet(?)", [str(file)]).fetchall()
                files[f"file {file.relative_to(path)}"] = "\n".join(map(repr, rows))
            else:
                files[f"file {file.relative_to(path)}"] = file.read_bytes().decode("utf-8", "replace")
    return files


@pytest.mark.parametrize("kind", ["sqlite", "duckdb", "parquet"])
def test_no_personal_value_of_an_outside_payload_is_stored_logged_or_shown(shown, kind):
    everything = shown[kind]
    feedback = "\n".join(text for name, text in everything.items() if re.match(r"(table|file) feedback\b(?!_)", name))
    written = ("typeform", "qualtrics", "questionpro", "surveymonkey", "zendesk", "freshdesk", "hubspot", "qualtrics_sample")  # fmt: skip
    assert all(f"'{source}'" in feedback for source in written), f"not every source was written to {kind}"
    quarantine = "\n".join(text for name, text in everything.items() if re.match(r"(table|file) quarantine\b", name))
    assert "'freshdesk'" in quarantine  # Freshdesk's documented rating whose time is no time
    values, names = personal_values(), personal_names()
    leaks = sorted(
        {(value, name) for name, text in everything.items() for value in values if value in text.casefold()}
        | {(value, name) for name, text in everything.items() for value in names if named(value, text)}
    )
    assert not leaks, f"personal values found in {kind}: {leaks}"
