"""A Qualtrics account played on 127.0.0.1 exactly as the v3 API documents it
(../shared/reference/api_reference.md §1): the `result`/`meta` envelope, `GET /surveys` with
`nextPage`, `GET /survey-definitions/{id}`, the three-step response export (progress ids,
fileIds, a ZIP of `{"responses": [...]}`), continuation tokens (issued only to an export that
asks with `allowContinuation`, a follow-up export included), a failed export, a 403, and
`POST /oauth2/token`.
Tests record cassettes from it and inject faults into it."""

from __future__ import annotations

import base64
import io
import json
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from tests.local_api import FakeApi, Reply, Seen, fake_api

ROOT = "/API/v3"
REAL_HOST = "https://iad1.qualtrics.com"
TOKEN = "qx-token-4c1e9a77"
CLIENT_ID, CLIENT_SECRET = "qx-client", "qx-secret-90d2"
GRANTED_SCOPES = {"read:surveys", "read:survey_responses"}  # what the account's OAuth client may ask for
LIST_PAGE = 2  # surveys per page of GET /surveys
START_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$")  # ISO 8601 to the second


def envelope(result: Any) -> dict[str, Any]:
    return {"result": result, "meta": {"httpStatus": "200 - OK", "requestId": "5e0e2a4c-0000-4000-8000-000000000001"}}


def error(status: str, message: str, code: str) -> dict[str, Any]:
    return {"meta": {"httpStatus": status, "requestId": "5e0e2a4c-0000-4000-8000-000000000002",
                     "error": {"errorMessage": message, "errorCode": code}}}  # fmt: skip


def store_definition(survey_id: str, name: str) -> dict[str, Any]:
    """A survey-definitions `result`: NPS (selector NPS), a 5-point satisfaction question with
    labels, an effort question, a comment box and a two-row agreement matrix."""
    def choices(labels: list[str], first: int = 1) -> dict[str, Any]:
        return {str(n): {"Display": label} for n, label in enumerate(labels, start=first)}

    satisfaction = ["Very dissatisfied", "Dissatisfied", "Neither satisfied nor dissatisfied", "Satisfied",
                    "Very satisfied"]  # fmt: skip
    agreement = ["Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"]
    questions = {
        "QID1": {"QuestionID": "QID1", "DataExportTag": "Q1", "QuestionType": "MC", "Selector": "NPS",
                 "QuestionText": "How likely are you to recommend <b>Acme Stores</b> to a friend or colleague?",
                 "Choices": {str(n): {"Display": str(n)} for n in range(11)}},
        "QID2": {"QuestionID": "QID2", "DataExportTag": "Q2", "QuestionType": "MC", "Selector": "SAVR",
                 "QuestionText": "Overall, how satisfied were you with your visit?", "Choices": choices(satisfaction)},
        "QID3": {"QuestionID": "QID3", "DataExportTag": "Q3", "QuestionType": "MC", "Selector": "SAVR",
                 "QuestionText": "How much effort did you personally have to put forth to get what you needed?",
                 "Choices": choices(["Very low effort", "Low effort", "Moderate effort", "High effort",
                                     "Very high effort"])},
        "QID4": {"QuestionID": "QID4", "DataExportTag": "Q4", "QuestionType": "TE", "Selector": "ESTB",
                 "QuestionText": "What could we do better?"},
        "QID5": {"QuestionID": "QID5", "DataExportTag": "Q5", "QuestionType": "Matrix", "Selector": "Likert",
                 "SubSelector": "SingleAnswer", "QuestionText": "How much do you agree?",
                 "Choices": choices(["Staff were friendly", "Shelves were full"]), "Answers": choices(agreement)},
    }  # fmt: skip
    return {"SurveyID": survey_id, "SurveyName": name, "SurveyStatus": "Active", "QuestionCount": "5",
            "LastModified": "2026-01-02T10:00:00Z", "Questions": questions}  # fmt: skip


def response(n: int, *, nps: int = 9, csat: int = 4, effort: int = 2, comment: str = "", store: str = "S01",
             day: int = 5, finished: int = 1) -> dict[str, Any]:  # fmt: skip
    """One JSON-export record (metadata inside `values`, labels beside them)."""
    recorded = f"2026-01-{day:02d}T10:{n % 60:02d}:00.250Z"
    values = {
        "startDate": recorded[:-5] + "Z", "endDate": recorded[:-5] + "Z", "status": 0, "ipAddress": "203.0.113.7",
        "progress": 100 if finished else 40, "duration": 61, "finished": finished, "recordedDate": recorded,
        "_recordId": f"R_{n:04d}abcd", "recipientEmail": f"shopper{n}@example.com", "recipientFirstName": "Ana",
        "distributionChannel": "email", "userLanguage": "EN", "QID1": nps,
        "QID1_NPS_GROUP": 3 if nps >= 9 else 2 if nps >= 7 else 1, "QID2": csat, "QID3": effort,
        "QID5_1": 4, "QID5_2": 2, "StoreID": store,
    }  # fmt: skip
    if comment:
        values["QID4_TEXT"] = comment
    labels = {"status": "IP Address", "finished": "True" if finished else "False", "QID2": "Satisfied"}
    return {"responseId": f"R_{n:04d}abcd", "values": values, "labels": labels,
            "displayedFields": ["QID1", "QID2", "QID3", "QID4_TEXT", "QID5_1", "QID5_2"], "displayedValues": {}}  # fmt: skip


@dataclass
class Survey:
    id: str
    name: str
    active: bool = True
    responses: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)  # id → (version, record)
    in_progress: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class QualtricsAccount:
    """The account's surveys and responses; every change bumps `version` (continuation tokens
    name the version an export saw)."""

    surveys: dict[str, Survey] = field(default_factory=dict)
    version: int = 0
    exports: dict[str, dict[str, Any]] = field(default_factory=dict)
    polls_before_complete: int = 1
    member_name: str = "Store visit.json"
    forbidden: set[str] = field(default_factory=set)  # surveys the token may not export (403)
    failing: set[str] = field(default_factory=set)  # surveys whose exports end with status "failed"
    definitions: dict[str, dict[str, Any]] = field(default_factory=dict)  # survey id → its definition `result`
    api: FakeApi | None = None

    def add_survey(self, survey_id: str, name: str, *, active: bool = True) -> Survey:
        self.surveys[survey_id] = Survey(survey_id, name, active)
        return self.surveys[survey_id]

    def put(self, survey_id: str, *records: dict[str, Any]) -> None:
        for record in records:
            self.version += 1
            self.surveys[survey_id].responses[record["responseId"]] = (self.version, record)

    # -- the API ---------------------------------------------------------------------------

    def serve(self, api: FakeApi) -> None:
        self.api = api
        api.route("POST", "/oauth2/token")(self.token)
        api.route("GET", f"{ROOT}/surveys")(self.list_surveys)
        api.route("GET", f"{ROOT}/survey-definitions/(SV_[A-Za-z0-9]+)")(self.definition)
        api.route("POST", f"{ROOT}/surveys/(SV_[A-Za-z0-9]+)/export-responses")(self.start_export)
        api.route("GET", f"{ROOT}/surveys/(SV_[A-Za-z0-9]+)/export-responses/(ES_[A-Za-z0-9]+)")(self.progress)
        api.route("GET", f"{ROOT}/surveys/(SV_[A-Za-z0-9]+)/export-responses/([A-Za-z0-9-]+)/file")(self.file)

    def authorized(self, seen: Seen) -> bool:
        headers = {name.lower(): value for name, value in seen.headers.items()}
        return headers.get("x-api-token") == TOKEN or headers.get("authorization") == "Bearer at-7f1c"

    def token(self, seen: Seen, match: Any) -> Any:
        """The client-credentials grant (api_reference §1.2); a refusal in RFC 6749 §5.2's shape,
        since Qualtrics documents no error body of its own for this endpoint."""
        form = dict(parse_qsl(seen.body.decode()))
        if form.get("grant_type") != "client_credentials":
            return Reply(400, {"error": "unsupported_grant_type"})
        basic = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if {name.lower(): value for name, value in seen.headers.items()}.get("authorization") != basic:
            return Reply(401, {"error": "invalid_client", "error_description": "Invalid client credentials"})
        if not set(form.get("scope", "").split()) <= GRANTED_SCOPES:
            return Reply(400, {"error": "invalid_scope", "error_description": "The requested scope is invalid"})
        return {"access_token": "at-7f1c", "token_type": "Bearer", "expires_in": 3599, "scope": form.get("scope", "")}

    def list_surveys(self, seen: Seen, match: Any) -> Any:
        if not self.authorized(seen):
            return Reply(401, error("401 - Unauthorized", "Invalid API token", "AUTH_ERROR"))
        offset = int(seen.query.get("offset", 0))
        ordered = list(self.surveys.values())
        page = ordered[offset : offset + LIST_PAGE]
        elements = [{"id": s.id, "name": s.name, "ownerId": "UR_1", "lastModified": "2026-01-02T10:00:00Z",
                     "creationDate": "2025-11-01T09:00:00Z", "isActive": s.active} for s in page]  # fmt: skip
        more = offset + LIST_PAGE < len(ordered)
        next_page = f"{self.api.url}{ROOT}/surveys?offset={offset + LIST_PAGE}" if more and self.api else None
        return envelope({"elements": elements, "nextPage": next_page})

    def definition(self, seen: Seen, match: Any) -> Any:
        if not self.authorized(seen):
            return Reply(401, error("401 - Unauthorized", "Invalid API token", "AUTH_ERROR"))
        survey = self.surveys.get(match.group(1))
        if survey is None:
            return Reply(404, error("404 - Not Found", "Could not find survey", "QVAL_1"))
        return envelope(self.definitions.get(survey.id) or store_definition(survey.id, survey.name))

    def start_export(self, seen: Seen, match: Any) -> Any:
        if not self.authorized(seen):
            return Reply(401, error("401 - Unauthorized", "Invalid API token", "AUTH_ERROR"))
        survey = self.surveys.get(match.group(1))
        if survey is None:
            return Reply(404, error("404 - Not Found", "Could not find survey", "QVAL_1"))
        if survey.id in self.forbidden:
            return Reply(403, error("403 - Forbidden", "You do not have permission to access this resource",
                                    "AUTH_ERROR"))  # fmt: skip
        body = seen.json()
        if body.get("format") not in ("json", "ndjson"):
            return Reply(400, error("400 - Bad Request", "Invalid format", "RPE_3"))
        token = body.get("continuationToken")
        if token is not None and not str(token).startswith("ct-v"):
            return Reply(400, error("400 - Bad Request", "Invalid continuation token", "RPE_11"))
        if body.get("exportResponsesInProgress"):
            records = list(survey.in_progress)
        else:
            since_version = int(str(token)[4:]) if token else 0
            if body.get("startDate") is not None and not START_DATE.match(body["startDate"]):
                return Reply(400, error("400 - Bad Request", "Invalid startDate", "RPE_2"))
            since = _moment(body.get("startDate") or "1970-01-01T00:00:00Z")
            records = [record for version, record in survey.responses.values()
                       if version > since_version and _moment(record["values"]["recordedDate"]) >= since]  # fmt: skip
        number = len(self.exports) + 1
        progress_id = f"ES_{number:04d}prog"
        issues_token = bool(body.get("allowContinuation"))  # a token is given only when asked for, also after one
        self.exports[progress_id] = {
            "survey": survey.id, "records": records, "format": body["format"], "polls": 0,
            "file_id": f"{number:04d}-file-def", "token": f"ct-v{self.version}" if issues_token else None,
        }  # fmt: skip
        return envelope({"progressId": progress_id, "percentComplete": 0.0, "status": "inProgress"})

    def progress(self, seen: Seen, match: Any) -> Any:
        export = self.exports.get(match.group(2))
        if export is None or export["survey"] != match.group(1):
            return Reply(404, error("404 - Not Found", "Could not find export", "RPE_4"))
        export["polls"] += 1
        if export["polls"] <= self.polls_before_complete:
            return envelope({"percentComplete": 50.0, "status": "inProgress"})
        if export["survey"] in self.failing:  # as documented: 100 percent, no fileId, status failed
            return envelope({"fileId": None, "percentComplete": 100, "status": "failed"})
        result = {"percentComplete": 100.0, "status": "complete", "fileId": export["file_id"]}
        if export["token"]:
            result["continuationToken"] = export["token"]
        return envelope(result)

    def file(self, seen: Seen, match: Any) -> Any:
        export = next((e for e in self.exports.values() if e["file_id"] == match.group(2)), None)
        if export is None:
            return Reply(404, error("404 - Not Found", "Could not find file", "RPE_5"))
        return Reply(body=zipped(self.member_name, export["records"], export["format"]),
                     headers={"Content-Type": "application/octet-stream"})  # fmt: skip


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def zipped(name: str, records: list[dict[str, Any]], fmt: str = "json") -> bytes:
    """The export file as Qualtrics sends it: a ZIP of one JSON (or NDJSON) member, byte-stable."""
    if fmt == "ndjson":
        text = "".join(json.dumps(record) + "\n" for record in records)
    else:
        text = json.dumps({"responses": records})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 5, 10, 0, 0)), text, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


@contextmanager
def qualtrics(account: QualtricsAccount) -> Iterator[FakeApi]:
    with fake_api() as api:
        account.serve(api)
        yield api


def store_account() -> QualtricsAccount:
    """Two store surveys and an employee pulse, three responses to the first, one to the second."""
    account = QualtricsAccount()
    account.add_survey("SV_store1", "Store visit NPS 2026")
    account.add_survey("SV_store2", "Store visit NPS (pilot)")
    account.add_survey("SV_pulse", "Employee pulse", active=False)
    account.put("SV_store1", response(1, nps=10, comment="Quick and friendly"), response(2, nps=6, csat=2, store="S02"),
                response(3, nps=8, effort=5))  # fmt: skip
    account.put("SV_store2", response(4, nps=9, store="S03"))
    return account
