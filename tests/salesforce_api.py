"""A Salesforce org played on 127.0.0.1 as its REST API documents it
(../shared/reference/api_reference.md §7): the query resource with `nextRecordsUrl` pages of
records carrying `attributes`, the OAuth token endpoint (client credentials, refresh token, JWT
bearer; `invalid_grant` for a refresh token it did not issue), `INVALID_SESSION_ID` for an expired
token, `REQUEST_LIMIT_EXCEEDED`, and errors as JSON arrays. Its SOQL understands what the
connector sends: fields, `FROM`, `SystemModstamp >=`, `… IN (…)` and `ORDER BY SystemModstamp,
Id`; a field no row of the object has is `INVALID_FIELD`, a field that is not a name
`MALFORMED_QUERY`, both with Salesforce's own wording; sObject Describe
(`GET /services/data/vXX.X/sobjects/{object}/describe`) names the fields its rows have. Cases
are created as "Create a Record" documents it (`POST /services/data/vXX.X/sobjects/Case` → 201
`{"id", "success", "errors"}`; a ContactId or AccountId the org does not hold: 400
`INVALID_CROSS_REFERENCE_KEY`), and found by `Subject LIKE '%…%'`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from tests.local_api import FakeApi, Reply, Seen, fake_api

REAL_HOST = "https://acme.my.salesforce.com"
VERSION = "v61.0"
CLIENT_ID, CLIENT_SECRET = "3MVG9-connected-app", "sf-secret-0b1c2d"
REFRESH_TOKEN = "5Aep861-refresh-7f3e"
PAGE = 2
_SOQL = re.compile(r"^SELECT (?P<fields>.+?) FROM (?P<object>\w+)(?: WHERE (?P<where>.+?))?(?: ORDER BY .+)?(?: LIMIT (?P<limit>\d+))?$")
_FIELD = re.compile(r"^[A-Za-z]\w*$")
STANDARD_OBJECTS = ("Account", "Contact", "Case")  # in every org, rows or none


def stamp(day: int, minute: int = 0) -> str:
    return f"2026-07-{day:02d}T09:{minute:02d}:00.000+0000"


def survey_org() -> SalesforceOrg:
    org = SalesforceOrg()
    page = {"SurveyPageId": "0Kp1", "PageDisplayOrder": 1}  # one page; QuestionOrder counts from 1 on each
    org.add("SurveyQuestion", {"Id": "0Tx1", "Name": "How likely are you to recommend Acme?", "QuestionType": "NPS",
                               "QuestionOrder": 1, **page},
            {"Id": "0Tx2", "Name": "How satisfied are you with your account manager?", "QuestionType": "Rating",
             "QuestionOrder": 2, **page},
            {"Id": "0Tx3", "Name": "What should we improve?", "QuestionType": "FreeText", "QuestionOrder": 3, **page})  # fmt: skip
    org.rows["SurveyQuestionChoice"] = []  # these questions have no choices: their answers are numbers and text
    for n, (nps, rating, text) in enumerate([(10, 5, "Nothing"), (4, 2, "Faster invoices"), (8, 4, "")], start=1):
        org.add("SurveyResponse", {"Id": f"0Ly{n}", "Name": f"SR-{n}", "SurveyId": "0Kd1", "InvitationId": f"0Ki{n}",
                                   "SubmitterId": f"003C{n}", "Status": "Completed", "CompletionDateTime": stamp(n),
                                   "Language": "en_US", "CreatedDate": stamp(n), "SystemModstamp": stamp(n, 5)})  # fmt: skip
        org.add("SurveyQuestionResponse",
                {"Id": f"0Lz{n}1", "ResponseId": f"0Ly{n}", "QuestionId": "0Tx1", "Datatype": "Number", "NumberValue": nps,
                 "ChoiceValue": None, "ResponseShortText": None, "SystemModstamp": stamp(n, 5)},
                {"Id": f"0Lz{n}2", "ResponseId": f"0Ly{n}", "QuestionId": "0Tx2", "Datatype": "Number",
                 "NumberValue": rating, "ChoiceValue": None, "ResponseShortText": None, "SystemModstamp": stamp(n, 5)},
                *([{"Id": f"0Lz{n}3", "ResponseId": f"0Ly{n}", "QuestionId": "0Tx3", "Datatype": "String",
                    "NumberValue": None, "ChoiceValue": None, "ResponseShortText": text, "SystemModstamp": stamp(n, 5)}]
                  if text else []))  # fmt: skip
    org.add("SurveyInvitation", *({"Id": f"0Ki{n}", "ParticipantId": f"003C{n}", "ResponseStatus": "Completed",
                                   "SystemModstamp": stamp(n)} for n in (1, 2, 3)))  # fmt: skip
    org.add("Account", {"Id": "001A1", "Name": "Acme Retail", "Type": "Customer - Direct", "Customer_Segment__c": "Enterprise",
                        "OwnerId": "005U1", "AnnualRevenue": 4500000.0, "Industry": "Retail", "BillingCountry": "Poland",
                        "SystemModstamp": stamp(1)},
            {"Id": "001A2", "Name": "Corner Shop", "Type": "Customer - Channel", "Customer_Segment__c": "SMB",
             "OwnerId": "005U2", "AnnualRevenue": 90000.0, "Industry": "Retail", "BillingCountry": "Poland",
             "SystemModstamp": stamp(2)})  # fmt: skip
    org.add("Contact", *({"Id": f"003C{n}", "AccountId": "001A1" if n != 2 else "001A2",
                          "Email": f"buyer{n}@example.com", "OwnerId": "005U1", "SystemModstamp": stamp(n)}
                         for n in (1, 2, 3)))  # fmt: skip
    return org


@dataclass
class SalesforceOrg:
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    tokens: set[str] = field(default_factory=set)
    issued: int = 0
    spent: bool = False
    public_key: Any = None  # for JWT bearer assertions
    audience: str = "https://login.salesforce.com"
    cursors: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    lose_answers: int = 0  # the answers to this many Case creations are lost: the connection drops instead

    def add(self, object_name: str, *rows: dict[str, Any]) -> None:
        self.rows.setdefault(object_name, []).extend(rows)

    def serve(self, api: FakeApi) -> None:
        api.route("POST", "/services/oauth2/token")(self.token)
        api.route("GET", f"/services/data/{VERSION}/query")(self.query)
        api.route("GET", f"/services/data/{VERSION}/query/(01g[A-Za-z0-9]+)-(\\d+)")(self.more)
        api.route("GET", f"/services/data/{VERSION}/sobjects/(\\w+)/describe")(self.describe)
        api.route("POST", f"/services/data/{VERSION}/sobjects/Case")(self.create_case)

    def create_case(self, seen: Seen, match: Any) -> Any:
        if refused := self.refused(seen):
            return refused
        given = seen.json()
        for name, target in (("ContactId", "Contact"), ("AccountId", "Account")):
            if name in given and given[name] not in {row["Id"] for row in self.rows.get(target, [])}:
                return Reply(400, [{"message": f"{target} ID: id value of incorrect type: {given[name]}",
                                    "errorCode": "INVALID_CROSS_REFERENCE_KEY", "fields": [name]}])  # fmt: skip
        case_id = f"500A{len(self.rows.get('Case', [])):014d}"
        self.add("Case", {"Id": case_id, "IsClosed": False, "SystemModstamp": stamp(1), **given})
        if self.lose_answers > 0:
            self.lose_answers -= 1
            return Reply(drop=True)
        return Reply(201, {"id": case_id, "errors": [], "success": True})

    def token(self, seen: Seen, match: Any) -> Any:
        form = dict(parse_qsl(seen.body.decode()))
        grant = form.get("grant_type")
        if grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            import jwt

            try:
                jwt.decode(form["assertion"], self.public_key, algorithms=["RS256"], audience=self.audience)
            except jwt.PyJWTError:
                return Reply(400, {"error": "invalid_grant", "error_description": "invalid assertion"})
        elif form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return Reply(400, {"error": "invalid_client", "error_description": "invalid client credentials"})
        elif grant == "refresh_token" and form.get("refresh_token") != REFRESH_TOKEN:
            return Reply(400, {"error": "invalid_grant", "error_description": "expired access/refresh token"})
        self.issued += 1
        token = f"00Dxx!session-{self.issued}"
        self.tokens.add(token)
        return {"access_token": token, "instance_url": REAL_HOST, "id": "https://login.salesforce.com/id/00D/005",
                "token_type": "Bearer", "issued_at": "1783000000000", "signature": "c2lnbmF0dXJl"}  # fmt: skip

    def refused(self, seen: Seen) -> Reply | None:
        bearer = {k.lower(): v for k, v in seen.headers.items()}.get("authorization", "").removeprefix("Bearer ")
        if bearer not in self.tokens:
            return Reply(401, [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}])
        if self.spent:
            return Reply(403, [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}])
        return None

    def query(self, seen: Seen, match: Any) -> Any:
        if refused := self.refused(seen):
            return refused
        parsed = _SOQL.match(seen.query.get("q", ""))
        if parsed is None or parsed["object"] not in self.rows and parsed["object"] not in STANDARD_OBJECTS:
            return Reply(400, [{"message": "unexpected token", "errorCode": "MALFORMED_QUERY"}])
        fields = [f.strip() for f in parsed["fields"].split(",")]
        if refused := self.invalid(parsed["object"], fields):
            return refused
        found = [r for r in self.rows.get(parsed["object"], []) if _matches(r, parsed["where"] or "")]
        found.sort(key=lambda r: (r.get("SystemModstamp", ""), r["Id"]))
        found = found[: int(parsed["limit"])] if parsed["limit"] else found
        records = [{"attributes": {"type": parsed["object"], "url": f"/services/data/{VERSION}/sobjects/{parsed['object']}/{r['Id']}"},
                    **{f: r.get(f) for f in fields}} for r in found]  # fmt: skip
        locator = f"01g{len(self.cursors) + 1:04d}"
        self.cursors[locator] = records
        return self._page(locator, 0)

    def invalid(self, object_name: str, fields: list[str]) -> Reply | None:
        if bad := next((f for f in fields if not _FIELD.match(f)), None):
            return Reply(400, [{"message": f"unexpected token: '{bad.split()[-1]}'", "errorCode": "MALFORMED_QUERY"}])
        known = {key for row in self.rows.get(object_name, []) for key in row}
        if known and (unknown := next((f for f in fields if f not in known), None)):
            message = (f"No such column '{unknown}' on entity '{object_name}'. If you are attempting to use a custom field, "
                       "be sure to append the '__c' after the custom field name. Please reference your WSDL or the "
                       "describe call for the appropriate names.")  # fmt: skip
            return Reply(400, [{"message": message, "errorCode": "INVALID_FIELD"}])
        return None

    def describe(self, seen: Seen, match: Any) -> Any:
        """sObject Describe, cut to what the connector reads: each field's `name` — the fields the
        object's rows have (an org with Person Accounts enabled gives its Accounts `IsPersonAccount`)."""
        if refused := self.refused(seen):
            return refused
        object_name = match.group(1)
        if object_name not in self.rows and object_name not in STANDARD_OBJECTS:
            return Reply(404, [{"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}])
        names = dict.fromkeys(["Id", *(key for row in self.rows.get(object_name, []) for key in row)])
        return {"name": object_name, "fields": [{"name": name, "type": "string"} for name in names]}

    def more(self, seen: Seen, match: Any) -> Any:
        return self.refused(seen) or self._page(match.group(1), int(match.group(2)))

    def _page(self, locator: str, start: int) -> dict[str, Any]:
        records = self.cursors[locator]
        done = start + PAGE >= len(records)
        body = {"totalSize": len(records), "done": done, "records": records[start : start + PAGE]}
        if not done:
            body["nextRecordsUrl"] = f"/services/data/{VERSION}/query/{locator}-{start + PAGE}"
        return body


def _matches(row: dict[str, Any], where: str) -> bool:
    for condition in filter(None, where.split(" AND ")):
        if found := re.match(r"SystemModstamp >= (\S+)$", condition):
            if _utc(row.get("SystemModstamp", "")) < found.group(1):
                return False
        elif found := re.match(r"(\w+) LIKE '%(.*)%'$", condition):
            if found.group(2) not in str(row.get(found.group(1), "")):
                return False
        elif found := re.match(r"(\w+) IN \((.*)\)$", condition):
            if str(row.get(found.group(1))) not in [v.strip(" '") for v in found.group(2).split(",")]:
                return False
    return True


def _utc(salesforce_time: str) -> str:
    """`2026-07-01T09:05:00.000+0000` as the SOQL literal `2026-07-01T09:05:00Z`."""
    return salesforce_time[:19] + "Z"


@contextmanager
def salesforce(org: SalesforceOrg) -> Iterator[FakeApi]:
    with fake_api() as api:
        org.serve(api)
        yield api
