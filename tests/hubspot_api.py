"""HubSpot played on 127.0.0.1 as its CRM API documents it (../shared/reference/api_reference.md §6):
`POST /crm/v3/objects/{type}/search` with filterGroups (GTE/LT on the modification time, epoch
ms), sorts, `limit`, `after`, `total` and the 10,000-result cap (a 400 past it), every property
as text, bearer auth and HubSpot's error bodies; and the v4 associations batch read
(`POST /crm/v4/associations/{from}/{to}/batch/read`, developers.hubspot.com "Retrieve
associations"): `results` of `from`/`to` with `toObjectId` and `associationTypes`, and an
object without associations under `errors` with HTTP 207. Tasks as the tasks API documents them
(developers.hubspot.com/docs/api/crm/tasks): `POST /crm/v3/objects/tasks` with `properties`
(`hs_timestamp` required) and `associations` (`to.id`, `types` of HUBSPOT_DEFINED 204 task → contact,
192 task → company) → 201 with the task; their search by a token of `hs_task_body`
(CONTAINS_TOKEN), and `POST /crm/v3/objects/tasks/batch/read` of `inputs` ids."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from tests.local_api import FakeApi, Reply, Seen, fake_api

REAL_HOST = "https://api.hubapi.com"
TOKEN = "pat-eu1-7c0ffee0-1111-2222-3333-444455556666"
START = datetime(2026, 6, 1, 8, tzinfo=timezone.utc)
MODIFIED = {"feedback_submissions": "hs_lastmodifieddate", "companies": "hs_lastmodifieddate", "contacts": "lastmodifieddate"}


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


# hs_response_group by survey type, as knowledge.hubspot.com "HubSpot's feedback submission properties" lists it:
# the lowest value that is passive and the lowest that is promoter (below both: detractor)
GROUP_THRESHOLDS = {"NPS": (7, 9), "CSAT": (1, 2), "CES": (4, 6)}


def response_group(survey: str, value: int) -> str:
    if survey not in GROUP_THRESHOLDS:
        return ""
    passive, promoter = GROUP_THRESHOLDS[survey]
    return "PROMOTER" if value >= promoter else "PASSIVE" if value >= passive else "DETRACTOR"


def submission(n: int, survey: str = "NPS", value: str = "9", *, minutes: int | None = None, contact: int | None = 1,
               content: str = "") -> dict[str, Any]:  # fmt: skip
    at = START + timedelta(minutes=minutes if minutes is not None else n)
    group = response_group(survey, int(value))
    props = {"hs_object_id": str(700 + n), "hs_survey_type": survey, "hs_value": value, "hs_response_group": group,
             "hs_content": content, "hs_contact_id": str(contact) if contact else "", "hs_contact_email_rollup":
             f"buyer{contact}@example.com" if contact else "", "hs_survey_id": "22", "hs_survey_name":
             f"{survey} survey", "hs_survey_channel": "EMAIL", "hs_submission_timestamp": iso(at),
             "hs_createdate": iso(at), "hs_lastmodifieddate": iso(at + timedelta(seconds=5))}  # fmt: skip
    return {"id": str(700 + n), "properties": props, "createdAt": iso(at), "updatedAt": iso(at), "archived": False}


def company(n: int, *, segment: str = "tier_1", revenue: str = "1200000") -> dict[str, Any]:
    at = START - timedelta(days=10 - n)
    props = {"hs_object_id": str(n), "name": f"Company {n}", "annualrevenue": revenue, "lifecyclestage": "customer",
             "industry": "RETAIL", "country": "Poland", "hubspot_owner_id": "5001", "hs_ideal_customer_profile": segment,
             "hs_lastmodifieddate": iso(at)}  # fmt: skip
    return {"id": str(n), "properties": props, "createdAt": iso(at), "updatedAt": iso(at), "archived": False}


def contact(n: int, company_id: int) -> dict[str, Any]:
    at = START - timedelta(days=5 - n)
    props = {"hs_object_id": str(n), "email": f"buyer{n}@example.com", "associatedcompanyid": str(company_id),
             "lifecyclestage": "customer", "hubspot_owner_id": "5001", "lastmodifieddate": iso(at)}  # fmt: skip
    return {"id": str(n), "properties": props, "createdAt": iso(at), "updatedAt": iso(at), "archived": False}


def _ms(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


PRIMARY_COMPANY = {"category": "HUBSPOT_DEFINED", "typeId": 1, "label": "Primary"}  # contact → its primary company
SUBMISSION_COMPANY = {"category": "HUBSPOT_DEFINED", "typeId": 0, "label": None}  # typeId of this pair: [U]


@dataclass
class HubSpotAccount:
    objects: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {t: [] for t in MODIFIED})
    submission_companies: dict[str, list[str]] = field(default_factory=dict)  # survey response id → company ids
    cap: int = 10_000  # results one search may page through
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)  # made through POST /crm/v3/objects/tasks
    lose_answers: int = 0  # the answers to this many task creations are lost: the connection drops instead

    def serve(self, api: FakeApi) -> None:
        api.route("POST", "/crm/v3/objects/tasks/search")(self.search_tasks)
        api.route("POST", "/crm/v3/objects/tasks/batch/read")(self.read_tasks)
        api.route("POST", "/crm/v3/objects/tasks")(self.create_task)
        api.route("POST", "/crm/v3/objects/([a-z_]+)/search")(self.search)
        api.route("GET", "/crm/v3/objects/([a-z_]+)")(self.list_objects)
        api.route("POST", "/crm/v4/associations/([a-z_]+)/([a-z_]+)/batch/read")(self.associations)

    def refused(self, seen: Seen) -> Reply | None:
        if {k.lower(): v for k, v in seen.headers.items()}.get("authorization") != f"Bearer {TOKEN}":
            return Reply(401, {"status": "error", "message": "Authentication credentials not found.",
                               "correlationId": "0f1e2d3c-0000-4000-8000-000000000001", "category": "INVALID_AUTHENTICATION"})  # fmt: skip
        return None

    def associated(self, from_type: str, to_type: str, object_id: str) -> list[dict[str, Any]]:
        if (from_type, to_type) == ("feedback_submissions", "companies"):
            return [{"toObjectId": company, "associationTypes": [SUBMISSION_COMPANY]}
                    for company in self.submission_companies.get(object_id, [])]  # fmt: skip
        if (from_type, to_type) == ("contacts", "companies"):
            contact = next((c for c in self.objects["contacts"] if c["id"] == object_id), None)
            company = contact and contact["properties"].get("associatedcompanyid")
            return [{"toObjectId": company, "associationTypes": [PRIMARY_COMPANY]}] if company else []
        return []

    def associations(self, seen: Seen, match: Any) -> Any:
        if refused := self.refused(seen):
            return refused
        from_type, to_type = match.groups()
        results, errors = [], []
        for item in seen.json()["inputs"]:
            if found := self.associated(from_type, to_type, str(item["id"])):
                results.append({"from": {"id": str(item["id"])}, "to": found})
            else:
                errors.append({"status": "error", "category": "OBJECT_NOT_FOUND",
                               "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
                               "message": f"No {to_type} is associated with {from_type} {item['id']}.",
                               "context": {"fromObjectId": [str(item["id"])]}})  # fmt: skip
        body: dict[str, Any] = {"status": "COMPLETE", "results": results, "startedAt": iso(START), "completedAt": iso(START)}
        if errors:
            body |= {"numErrors": len(errors), "errors": errors}
        return Reply(207 if errors else 200, body)

    def list_objects(self, seen: Seen, match: Any) -> Any:
        """The first `limit` objects of a type, their default properties (api_reference §6.1)."""
        if refused := self.refused(seen):
            return refused
        found = self.objects.get(match.group(1), [])[: int(seen.query.get("limit", 10))]
        return {"results": [{"id": o["id"], "properties": {"hs_object_id": o["id"]}} for o in found]}

    def search(self, seen: Seen, match: Any) -> Any:
        if refused := self.refused(seen):
            return refused
        kind = match.group(1)
        body = seen.json()
        found = list(self.objects.get(kind, []))
        for f in body["filterGroups"][0]["filters"]:
            value = int(f["value"])
            if f["operator"] == "GTE":
                found = [o for o in found if _ms(o["properties"][f["propertyName"]]) >= value]
            elif f["operator"] == "LT":
                found = [o for o in found if _ms(o["properties"][f["propertyName"]]) < value]
        key = body["sorts"][0]["propertyName"]
        found.sort(key=lambda o: _ms(o["properties"][key]))
        start = int(body.get("after", 0))
        if start >= self.cap:
            return Reply(400, {"status": "error", "message": "There was a problem with the request.",
                               "category": "VALIDATION_ERROR", "correlationId": "0f1e2d3c-0000-4000-8000-000000000002"})  # fmt: skip
        limit = body.get("limit", 10)
        page = found[start : start + limit]
        wanted = set(body.get("properties") or [])
        results = [o | {"properties": {k: v for k, v in o["properties"].items() if k in wanted or k == "hs_object_id"}}
                   for o in page]  # fmt: skip
        reply: dict[str, Any] = {"total": len(found), "results": results}
        if start + limit < len(found):
            reply["paging"] = {"next": {"after": str(start + limit), "link": "?after=" + str(start + limit)}}
        return reply

    def create_task(self, seen: Seen, match: Any) -> Any:
        if refused := self.refused(seen):
            return refused
        given = seen.json()
        properties = given.get("properties") or {}
        associations = given.get("associations") or []
        known = {(204, c["id"]) for c in self.objects["contacts"]} | {(192, c["id"]) for c in self.objects["companies"]}
        bad = [a for a in associations for t in a["types"]
               if t.get("associationCategory") != "HUBSPOT_DEFINED" or (t.get("associationTypeId"), a["to"]["id"]) not in known]  # fmt: skip
        if not properties.get("hs_timestamp") or bad:
            return Reply(400, {"status": "error", "message": "Property values were not valid", "category": "VALIDATION_ERROR",
                               "correlationId": "0f1e2d3c-0000-4000-8000-000000000003"})  # fmt: skip
        task_id = str(91000 + len(self.tasks))
        task = {"id": task_id, "properties": {"hs_object_id": task_id, **properties}, "associations": associations,
                "createdAt": iso(START), "updatedAt": iso(START), "archived": False}  # fmt: skip
        self.tasks[task_id] = task
        if self.lose_answers > 0:
            self.lose_answers -= 1
            return Reply(drop=True)
        return Reply(201, {k: v for k, v in task.items() if k != "associations"})

    def search_tasks(self, seen: Seen, match: Any) -> Any:
        if refused := self.refused(seen):
            return refused
        [wanted] = seen.json()["filterGroups"][0]["filters"]
        assert (wanted["propertyName"], wanted["operator"]) == ("hs_task_body", "CONTAINS_TOKEN")
        found = [t for t in self.tasks.values() if wanted["value"] in t["properties"].get("hs_task_body", "").split()]
        return {"total": len(found), "results": found}

    def read_tasks(self, seen: Seen, match: Any) -> Any:
        if refused := self.refused(seen):
            return refused
        body = seen.json()
        wanted = set(body.get("properties") or [])
        found = [self.tasks[str(item["id"])] for item in body["inputs"] if str(item["id"]) in self.tasks]
        results = [{"id": t["id"], "properties": {k: v for k, v in t["properties"].items() if k in wanted or k == "hs_object_id"},
                    "createdAt": t["createdAt"], "updatedAt": t["updatedAt"], "archived": False} for t in found]  # fmt: skip
        return {"status": "COMPLETE", "results": results, "startedAt": iso(START), "completedAt": iso(START)}


@contextmanager
def hubspot(account: HubSpotAccount) -> Iterator[FakeApi]:
    with fake_api() as api:
        account.serve(api)
        yield api


def crm_account() -> HubSpotAccount:
    account = HubSpotAccount()
    account.objects["feedback_submissions"] = [
        submission(1, "NPS", "10", contact=1, content="Love the app"), submission(2, "NPS", "3", contact=2),
        submission(3, "CSAT", "2", contact=3), submission(4, "CES", "6", contact=None), submission(5, "NPS", "8", contact=3),
    ]  # fmt: skip
    account.objects["companies"] = [company(1), company(2, segment="tier_3", revenue="85000.50")]
    account.objects["contacts"] = [contact(1, 1), contact(2, 2), contact(3, 1)]
    account.submission_companies = {"701": ["1"], "704": ["2"]}  # the CES response has no contact, only its company
    return account
