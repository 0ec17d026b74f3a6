"""The privacy promise (docs/security.md, Privacy) for every API connector at once: each is synced
with `-vv` from its local fake API, with every personal field its vendor's documented response
carries (and the config maps as a contact or personal) holding a marker of its own — an e-mail
address, a phone number, a name, an IP address, a latitude or longitude — in a record that is
stored and in one that is quarantined — and addresses in every form the promise names (encoded,
with a display name, a list, a `mailto:` link, in capitals) in fields no connector declares; then
no byte of the SQLite file (every table, `raw`, `quarantine`, `sync_state`), no log line and no
output of `quarantine replay`, `status`, `quarantine list`, `cases list`, `duplicates` and
`report` may hold a marker. An e-mail address or phone number the promise hashes is only ever its
`hashed:<key>`; the rest is dropped. Fields a connector never asks for hold markers too (a
Salesforce SurveyResponse's `IpAddress`, a HubSpot contact's phone: the fakes answer only what is
asked), and so do those it reads and does not keep (a Zendesk ticket's sender)."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager, closing
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cxbridge import plugins_host
from cxbridge.cli.main import cli
from tests import (freshdesk_api, google_forms_api, hubspot_api, qualtrics_api, questionpro_api, salesforce_api,
                   surveymonkey_api, typeform_api, zendesk_api)  # fmt: skip


@dataclass
class Markers:
    """Distinct personal values of one connector's test data, each made so that it can be found
    in any byte of what cxbridge writes or prints."""

    prefix: str
    made: list[str] = field(default_factory=list)

    def email(self, role: str) -> str:
        return self._made(f"{self.prefix}-{role}@audit.example")

    def phone(self, n: int) -> str:
        return self._made(f"+44 7700 9{n:05d}")

    def name(self, role: str) -> str:
        return self._made(f"Quill{self.prefix.capitalize()}{role.capitalize()}")

    def ip(self, n: int) -> str:
        return self._made(f"192.0.2.{100 + n}")

    def coordinate(self, n: int) -> float:
        return float(self._made(f"{40 + n}.918273"))

    def _made(self, value: str) -> str:
        self.made.append(value)
        return value

    def searched(self) -> list[str]:
        """Each marker as written, its local part or name, and a phone's digits alone."""
        found = []
        for value in self.made:
            found.append(value.split("@")[0] if "@" in value else value)
            if value.startswith("+"):
                found.append(re.sub(r"\D", "", value))
        return [value.casefold() for value in found]


@dataclass
class World:
    """One connector's fake API with markers in its data, and the source that reads it."""

    serving: Callable[[], AbstractContextManager[Any]]
    source: Callable[[str], dict[str, Any]]
    secrets: dict[str, str]
    written: int
    quarantined: int


def qualtrics_world(mark: Markers) -> World:
    def response(n: int, **changes: Any) -> dict[str, Any]:
        found = qualtrics_api.response(n, **changes)
        found["values"] |= {
            "recipientEmail": mark.email(f"recipient{n}"), "recipientFirstName": mark.name(f"first{n}"),
            "recipientLastName": mark.name(f"last{n}"), "ipAddress": mark.ip(n),
            "locationLatitude": str(mark.coordinate(n)), "locationLongitude": str(-mark.coordinate(10 + n)),
            "Phone": mark.phone(n), "ContactEmail": mark.email(f"embedded{n}"),
            "externalDataReference": mark.email(f"external{n}"), "QID4_TEXT": mark.email(f"typed{n}"),
            "FromLink": mark.email(f"link{n}").replace("@", "%40"), "Twice": mark.email(f"twice{n}").replace("@", "%2540"),
            "Html": mark.email(f"html{n}").replace("@", "&#64;"), "Shown": f"Ann Lee <{mark.email(f'shown{n}')}>",
            "Capital": mark.email(f"capital{n}").upper(), "Cc": f"{mark.email(f'cc{n}')}; {mark.email(f'cc{n}b')}",
            "Mailto": f"mailto:{mark.email(f'mailto{n}')}",
        }  # fmt: skip
        return found

    account = qualtrics_api.QualtricsAccount()
    account.add_survey("SV_audit", "Store visit audit")
    bad = response(2)
    bad["values"]["QID1"] = 11  # off the 0–10 scale: quarantined
    account.put("SV_audit", response(1), bad)
    return World(
        lambda: qualtrics_api.qualtrics(account),
        lambda url: {"connector": "qualtrics", "base_url": url + qualtrics_api.ROOT,
                     "api_token": "${QUALTRICS_API_TOKEN}", "surveys": ["SV_audit"], "poll_interval": 0.01,
                     "columns": {"location_id": "StoreID", "phone": "Phone"}},  # fmt: skip
        {"QUALTRICS_API_TOKEN": qualtrics_api.TOKEN}, written=1, quarantined=1,
    )


def surveymonkey_world(mark: Markers) -> World:
    def response(n: int, **changes: Any) -> dict[str, Any]:
        found = surveymonkey_api.sm_response(n, email=mark.email(f"contact{n}"), **changes)
        contact = next(q for q in found["pages"][0]["questions"] if q["id"] == "108")
        contact["answers"][0]["text"] = mark.name(f"contact{n}")
        contact["answers"][2]["text"] = mark.phone(n)
        found |= {
            "first_name": mark.name(f"first{n}"), "last_name": mark.name(f"last{n}"),
            "email_address": mark.email(f"invited{n}"), "ip_address": mark.ip(n),
            "recipient_id": mark.name(f"recipient{n}"), "custom_value": mark.email(f"custom{n}"),
            "custom_variables": {"store": "S01", "phone": mark.phone(10 + n), "mail": mark.email(f"variable{n}")},
            "metadata": {"contact": {"first_name": {"type": "string", "value": mark.name(f"meta{n}")},
                                     "email": {"type": "string", "value": mark.email(f"meta{n}")},
                                     "phone_number": {"type": "string", "value": mark.phone(20 + n)}}},
        }  # fmt: skip
        return found

    account = surveymonkey_api.SurveyMonkeyAccount()
    bad = response(2)
    next(q for q in bad["pages"][0]["questions"] if q["id"] == "101")["answers"][0]["choice_id"] = "9999"
    account.responses[surveymonkey_api.SURVEY] = [response(1), bad]
    return World(
        lambda: surveymonkey_api.surveymonkey(account),
        lambda url: {"connector": "surveymonkey", "base_url": url, "access_token": "${SURVEYMONKEY_TOKEN}",
                     "surveys": [surveymonkey_api.SURVEY], "columns": {"location_id": "store", "phone": "phone"}},
        {"SURVEYMONKEY_TOKEN": surveymonkey_api.TOKEN}, written=1, quarantined=1,
    )


CONTACT_PARTS = {"last_name": "short_text", "email": "email", "company": "short_text"}  # a contact block's other parts
TYPEFORM_ANSWERS = {"short_text": "text", "email": "email"}


def typeform_world(mark: Markers) -> World:
    form = typeform_api.store_form()
    form["hidden"] += ["email", "phone", "name", "ref"]
    block = next(f for f in form["fields"] if f["type"] == "contact_info")
    block["properties"]["fields"] += [{"id": f"Cnt8{part}", "ref": f"contact_{part}", "title": part, "type": kind}
                                      for part, kind in CONTACT_PARTS.items()]  # fmt: skip

    def response(n: int, **changes: Any) -> dict[str, Any]:
        found = typeform_api.tf_response(n, **changes)
        hidden = {"email": mark.email(f"hidden{n}"), "phone": mark.phone(n), "name": mark.name(f"hidden{n}"),
                  "ref": mark.email(f"link{n}").replace("@", "%40")}
        found["hidden"] |= hidden
        link = f"https://acme.typeform.com/to/{form['id']}?email={hidden['email']}&name={hidden['name']}"
        found["metadata"] |= {"user_agent": f"Mozilla/5.0 {mark.name(f'agent{n}')}", "network_id": mark.name(f"net{n}"),
                              "referer": link}  # fmt: skip
        for answer in found["answers"]:
            if answer["type"] == "email":
                answer["email"] = mark.email(f"answer{n}")
            elif answer["type"] == "phone_number":
                answer["phone_number"] = mark.phone(10 + n)
            elif answer["field"]["ref"] == "first_name":
                answer["text"] = mark.name(f"contact{n}")
        for part, kind in CONTACT_PARTS.items():
            value = mark.email(f"{part}{n}") if kind == "email" else mark.name(f"{part}{n}")
            answer_type = TYPEFORM_ANSWERS[kind]
            found["answers"].append({"field": {"id": f"Cnt8{part}", "type": kind, "ref": f"contact_{part}"},
                                     "type": answer_type, answer_type: value})  # fmt: skip
        return found

    account = typeform_api.TypeformAccount()
    account.add_form(form, response(1), response(2, satisfaction=6))  # 6 on a 1–5 scale: quarantined
    return World(
        lambda: typeform_api.typeform(account),
        lambda url: {"connector": "typeform", "base_url": url, "token": "${TYPEFORM_TOKEN}", "forms": [form["id"]],
                     "columns": {"location_id": "store", "phone": "phone"}, "personal": ["name"]},
        {"TYPEFORM_TOKEN": typeform_api.TOKEN}, written=1, quarantined=1,
    )


PHONE_QUESTION, EMAIL_QUESTION = "3b4c5d6e", "4c5d6e7f"


def google_forms_world(mark: Markers, key: Path) -> World:
    form = google_forms_api.store_form()
    form["items"][-1:-1] = [
        {"itemId": "8192a3b4", "title": "Your phone number",
         "questionItem": {"question": {"questionId": PHONE_QUESTION, "textQuestion": {}}}},
        {"itemId": "92a3b4c5", "title": "Your e-mail",
         "questionItem": {"question": {"questionId": EMAIL_QUESTION, "textQuestion": {}}}},
    ]  # fmt: skip

    def response(n: int, **changes: Any) -> dict[str, Any]:
        found = google_forms_api.form_response(n, **changes)
        found["respondentEmail"] = mark.email(f"respondent{n}")
        for question, value in ((PHONE_QUESTION, mark.phone(n)), (EMAIL_QUESTION, mark.email(f"typed{n}"))):
            found["answers"][question] = {"questionId": question, "textAnswers": {"answers": [{"value": value}]}}
        return found

    account = google_forms_api.FormsAccount()
    account.add_form(form, response(1), response(2, nps=11))  # 11 on a 0–10 scale: quarantined
    return World(
        lambda: google_forms_api.google_forms(account),
        lambda url: {"connector": "google_forms", "base_url": url + "/v1", "forms": [form["formId"]],
                     "credentials_file": key.name, "columns": {"location_name": "7b8c9d0e", "phone": PHONE_QUESTION}},
        {}, written=1, quarantined=1,
    )


def questionpro_world(mark: Markers) -> World:
    def response(n: int, **changes: Any) -> dict[str, Any]:
        found = questionpro_api.qp_response(n, **changes)
        found["ipAddress"] = mark.ip(n)
        found["emailAddress"] = mark.email(f"respondent{n}")
        found["location"] |= {"latitude": mark.coordinate(n), "longitude": -mark.coordinate(10 + n)}
        found["customVariables"] |= {"custom2": mark.email(f"custom{n}"), "custom3": mark.phone(n)}
        return found

    account = questionpro_api.QuestionProAccount()
    account.responses[7654321] = [response(1), response(2, nps=11)]  # 11 on a 0–10 scale: quarantined
    return World(
        lambda: questionpro_api.questionpro(account),
        lambda url: {"connector": "questionpro", "base_url": url, "api_key": "${QUESTIONPRO_API_KEY}",
                     "surveys": [7654321], "columns": {"location_id": "custom1", "email": "custom2", "phone": "custom3"},
                     "questions": {"9002": {"metric": "csat", "scale": [1, 5]}}},  # fmt: skip
        {"QUESTIONPRO_API_KEY": questionpro_api.API_KEY}, written=1, quarantined=1,
    )


def zendesk_world(mark: Markers, *, csat: str = "ratings") -> World:
    def ticket(n: int) -> dict[str, Any]:
        found = zendesk_api.ticket(n, tags=("billing", mark.email(f"tag{n}")))
        found["via"]["source"] = {"from": {"address": mark.email(f"from{n}"), "name": mark.name(f"from{n}")},
                                  "to": {"address": "support@acme.example", "name": "Acme"}, "rel": None}  # fmt: skip
        return found

    account = zendesk_api.ZendeskAccount(filters_scores=False, tickets=[ticket(1), ticket(2)])
    if csat == "ratings":
        account.ratings = [zendesk_api.rating(1), zendesk_api.rating(2, "great")]  # no rating: quarantined
    else:
        account.survey_responses = [zendesk_api.survey_response(1), zendesk_api.survey_response(2, rating=9)]  # off 1–5
    return World(
        lambda: zendesk_api.zendesk(account),
        lambda url: {"connector": "zendesk", "base_url": url, "email": zendesk_api.EMAIL, "csat": csat,
                     "api_token": "${ZENDESK_API_TOKEN}", "start_date": "2026-03-01T00:00:00Z"},  # fmt: skip
        {"ZENDESK_API_TOKEN": zendesk_api.API_TOKEN}, written=1, quarantined=1,
    )


def freshdesk_world(mark: Markers, *, csat_api: str = "classic") -> World:
    helpdesk = freshdesk_api.Helpdesk()
    helpdesk.tickets = [freshdesk_api.ticket(n, tags=("delivery", mark.email(f"tag{n}"))) for n in (1, 2)]
    if csat_api == "classic":
        helpdesk.ratings = [freshdesk_api.rating(1, 103), freshdesk_api.rating(2, 7)]  # 7 is no rating: quarantined
    else:
        helpdesk.csat_surveys = freshdesk_api.CSAT_SURVEYS
        helpdesk.csat_responses = {freshdesk_api.ADVANCED: [
            freshdesk_api.csat_response(n, freshdesk_api.ADVANCED, {"Q_1": rating}) for n, rating in ((1, 5), (2, 9))
        ]}  # 9 on a 1–5 scale: quarantined  # fmt: skip
    return World(
        lambda: freshdesk_api.freshdesk(helpdesk),
        lambda url: {"connector": "freshdesk", "base_url": url, "api_key": "${FRESHDESK_API_KEY}", "csat_api": csat_api,
                     "start_date": "2026-05-01T00:00:00Z"},  # fmt: skip
        {"FRESHDESK_API_KEY": freshdesk_api.API_KEY}, written=1, quarantined=1,
    )


def hubspot_world(mark: Markers) -> World:
    def submission(n: int, value: str) -> dict[str, Any]:
        found = hubspot_api.submission(n, "NPS", value, contact=n)
        found["properties"] |= {"hs_contact_email_rollup": mark.email(f"rollup{n}"),
                                "hs_submission_name": f"NPS survey - {mark.email(f'named{n}')}"}  # fmt: skip
        return found

    def contact(n: int) -> dict[str, Any]:
        found = hubspot_api.contact(n, 1)
        found["properties"] |= {"email": mark.email(f"contact{n}"), "firstname": mark.name(f"first{n}"),
                                "lastname": mark.name(f"last{n}"), "phone": mark.phone(n),
                                "mobilephone": mark.phone(10 + n), "ip_city": mark.name(f"city{n}")}  # fmt: skip
        return found

    bad = submission(2, "9")
    bad["properties"]["hs_response_group"] = "DETRACTOR"  # contradicts its 9: quarantined
    account = hubspot_api.HubSpotAccount()
    account.objects = {"feedback_submissions": [submission(1, "10"), bad], "companies": [hubspot_api.company(1)],
                       "contacts": [contact(1), contact(2)]}  # fmt: skip
    return World(
        lambda: hubspot_api.hubspot(account),
        lambda url: {"connector": "hubspot", "base_url": url, "access_token": "${HUBSPOT_TOKEN}"},
        {"HUBSPOT_TOKEN": hubspot_api.TOKEN}, written=1, quarantined=1,
    )


def salesforce_world(mark: Markers) -> World:
    org = salesforce_api.survey_org()
    for n, row in enumerate(org.rows["Contact"], start=1):
        row |= {"Email": mark.email(f"contact{n}"), "Name": mark.name(f"contact{n}"),
                "FirstName": mark.name(f"first{n}"), "Phone": mark.phone(n), "MobilePhone": mark.phone(10 + n)}  # fmt: skip
    for n, row in enumerate(org.rows["SurveyResponse"], start=1):
        row["IpAddress"] = mark.ip(n)
    for row in org.rows["Account"]:  # an org with Person Accounts: a person's account is named after them
        row["IsPersonAccount"] = False
    org.add("Account", {"Id": "001P1", "Name": mark.name("person1"), "IsPersonAccount": True, "OwnerId": "005U1",
                        "Customer_Segment__c": "Consumer", "SystemModstamp": salesforce_api.stamp(3)})  # fmt: skip
    org.add("NPS_Response__c", *({"Id": f"a0X{n}", "Score__c": score, "Email__c": mark.email(f"custom{n}"),
                                  "Phone__c": mark.phone(20 + n), "Name__c": mark.name(f"custom{n}"),
                                  "CreatedDate": salesforce_api.stamp(n), "SystemModstamp": salesforce_api.stamp(n)}
                                 for n, score in ((1, 9), (2, 12))))  # 12 on a 0–10 scale: quarantined
    custom = {"object": "NPS_Response__c", "personal": ["Name__c"], "attributes": ["Name__c"],
              "columns": {"submitted_at": "CreatedDate", "email": "Email__c", "phone": "Phone__c"},
              "metrics": [{"column": "Score__c", "metric": "nps"}]}  # fmt: skip
    return World(
        lambda: salesforce_api.salesforce(org),
        lambda url: {"connector": "salesforce", "base_url": url, "client_id": salesforce_api.CLIENT_ID,
                     "client_secret": "${SF_CLIENT_SECRET}",
                     "questions": {"0Tx2": {"metric": "csat", "scale": [1, 5]}},
                     "segment_field": "Customer_Segment__c", "custom_objects": [custom]},  # fmt: skip
        {"SF_CLIENT_SECRET": salesforce_api.CLIENT_SECRET}, written=4, quarantined=1,
    )


WORLDS: dict[str, Callable[..., World]] = {
    "qualtrics": qualtrics_world, "surveymonkey": surveymonkey_world, "typeform": typeform_world,
    "google_forms": google_forms_world, "questionpro": questionpro_world, "zendesk": zendesk_world,
    "freshdesk": freshdesk_world, "hubspot": hubspot_world, "salesforce": salesforce_world,
    "zendesk_surveys": partial(zendesk_world, csat="survey_responses"),
    "freshdesk_surveys": partial(freshdesk_world, csat_api="surveys"),
}  # fmt: skip


@pytest.fixture(autouse=True)
def fresh_host(monkeypatch):
    monkeypatch.setattr(plugins_host, "_host", None)


def toml(value: Any) -> str:
    """`value` as a TOML value (tables inline): JSON's strings, numbers and lists are TOML's."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(key)} = {toml(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(map(toml, value)) + "]"
    return json.dumps(value)


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def world_for(connector: str, mark: Markers, tmp_path: Path) -> World:
    if connector != "google_forms":
        return WORLDS[connector](mark)
    key = tmp_path / "user-key.json"  # an authorized-user key whose access token is still valid
    key.write_text(json.dumps({"type": "authorized_user", "client_id": "1234.apps.googleusercontent.com",
                               "client_secret": "cs-1", "refresh_token": "1//refresh-1",
                               "token": google_forms_api.ACCESS_TOKEN, "expiry": "2099-01-01T00:00:00Z"}))  # fmt: skip
    return google_forms_world(mark, key)


@pytest.mark.parametrize("connector", sorted(WORLDS))
def test_no_marker_of_a_personal_field_is_stored_logged_or_shown(connector, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    mark = Markers(connector.replace("_", ""))
    world = world_for(connector, mark, tmp_path)
    for name, value in world.secrets.items():
        monkeypatch.setenv(name, value)
    with world.serving() as api:
        source = world.source(api.url) | {"requests_per_second": 1000}  # unpaced: the API is a local fake
        (tmp_path / "cxbridge.toml").write_text(
            "[sources.audit]\n" + "".join(f"{key} = {toml(value)}\n" for key, value in source.items()), encoding="utf-8"
        )
        synced = run("-vv", "sync")
        with closing(sqlite3.connect(tmp_path / "cxbridge.db")) as db:
            counts = [db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in ("feedback", "quarantine")]
        assert counts == [world.written, world.quarantined], synced
        shown = [synced, run("-vv", "quarantine", "replay"), run("-vv", "status"), run("quarantine", "list"),
                 run("quarantine", "list", "--format", "json"), run("cases", "list", "--format", "json"),
                 run("duplicates"), run("report"), run("report", "--format", "json"),
                 run("report", "--html", "report.html"), (tmp_path / "report.html").read_text(encoding="utf-8")]  # fmt: skip
    shown = [output.casefold() for output in shown]  # once, not once per marker: report.html alone is megabytes
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("cxbridge.db*")).decode("utf-8", "replace").casefold()
    for marker in mark.searched():
        assert marker not in stored, f"{marker} is stored in {connector}'s destination"
        for output in shown:
            assert marker not in output, f"{marker} is shown: {output[:3000]}"
    assert "hashed:" in stored  # the contacts are there, as their keys
