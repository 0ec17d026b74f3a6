"""The BigQuery REST API as documented (datasets.insert, tables.get/delete, jobs.insert with a
multipart upload for load jobs, jobs.get, jobs.query, jobs.getQueryResults), served on 127.0.0.1
to record the cassettes the BigQuery tests replay. Without an engine it runs no SQL: a query gets
the result its test scripts for it, matched by a pattern, and an empty result otherwise; with one
(tests/bigquery_engine.py) every query runs, for the conformance suite.

Jobs are not done at once, as on the real service: a load job is inserted RUNNING (or PENDING)
and reaches DONE — with `status.errorResult` when its `LoadFailure` says so — only after the
client polls jobs.get; a `Result(slow=True)` query answers jobs.query with `jobComplete: false`,
and the client waits for it with jobs.getQueryResults and reads its job with jobs.get. A result
of more rows than a request's `maxResults` comes a page at a time, each with the `pageToken` of
the next, as the API pages it.

Record again with `CXBRIDGE_RECORD_CASSETTES=1 pytest tests/test_bigquery_destination.py`;
recorded requests are rewritten to https://bigquery.googleapis.com and stripped of credentials.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs

from tests.bigquery_engine import Engine
from tests.local_api import serving

API = "/bigquery/v2/projects/(?P<project>[^/]+)"


@dataclass
class Result:
    """What a query matching `pattern` returns: BigQuery field schemas and rows of strings."""

    pattern: str
    fields: list[dict[str, str]] = field(default_factory=list)
    rows: list[list[str | None]] = field(default_factory=list)
    error: str | None = None
    slow: bool = False  # jobs.query answers jobComplete: false; getQueryResults has the rows
    affected: int | None = None  # a DML statement's numDmlAffectedRows (0: its condition matched no row)


@dataclass
class LoadFailure:
    """A load job into a table matching `pattern` ends DONE with this `status.errorResult`."""

    pattern: str
    message: str
    reason: str = "invalid"


@dataclass
class FakeBigQuery:
    url: str = ""
    location: str = "EU"
    results: list[Result] = field(default_factory=list)
    tables: set[str] = field(default_factory=set)
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    states: dict[str, list[str]] = field(default_factory=dict)  # job id → the states jobs.get reports next
    queries: dict[str, dict[str, Any]] = field(default_factory=dict)  # job id → its getQueryResults reply
    engine: Engine | None = None
    load_states: tuple[str, ...] = ("RUNNING",)  # before DONE, one per poll
    load_failures: list[LoadFailure] = field(default_factory=list)

    def query_response(self, body: dict[str, Any], project: str) -> tuple[int, dict[str, Any]]:
        sql = body["query"]
        result = next((r for r in self.results if re.search(r.pattern, sql, re.S)), Result(""))
        if self.engine is not None:
            result = self.run(body)
        if result.error:
            reason = {"reason": "invalidQuery", "location": "query", "message": result.error}
            return 400, {
                "error": {"code": 400, "message": result.error, "errors": [reason], "status": "INVALID_ARGUMENT"}
            }
        job = self.job_reference(project)
        response: dict[str, Any] = {"kind": "bigquery#queryResponse", "jobReference": job, "jobComplete": True}
        if result.fields:
            response["schema"] = {"fields": [{"mode": "NULLABLE", **f} for f in result.fields]}
            response["rows"] = [{"f": [{"v": value} for value in row]} for row in result.rows]
            response["totalRows"] = str(len(result.rows))
        if result.affected is not None:
            response["numDmlAffectedRows"] = str(result.affected)
        first_page = _page(response, body.get("maxResults"), None)
        if not (result.slow or "pageToken" in first_page):
            return 200, response
        self.queries[job["jobId"]] = {**response, "kind": "bigquery#getQueryResultsResponse"}
        self.jobs[job["jobId"]] = self.query_job(job, body)
        if not result.slow:
            return 200, first_page
        return 200, {"kind": "bigquery#queryResponse", "jobReference": job, "jobComplete": False}

    def query_job(self, reference: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        """The job resource of a finished query, as jobs.get returns it."""
        return {
            "kind": "bigquery#job",
            "id": f"{reference['projectId']}:{self.location}.{reference['jobId']}",
            "jobReference": reference,
            "configuration": {
                "jobType": "QUERY",
                "query": {"query": body["query"], "useLegacySql": False, "defaultDataset": body["defaultDataset"]},
            },
            "status": {"state": "DONE"},
            "statistics": {"query": {"statementType": "SCRIPT" if ";" in body["query"] else "SELECT"}},
        }

    def query_results(self, job_id: str, *, max_results: str | None, page_token: str | None) -> dict[str, Any]:
        """jobs.getQueryResults: done from the first call on; the page of `page_token`, of up to
        `max_results` rows (none with maxResults=0)."""
        return _page(self.queries[job_id], max_results, page_token)

    def job(self, job_id: str) -> dict[str, Any]:
        """jobs.get: a load job moves one state on per call, to DONE (with its failure, if any)."""
        job = self.jobs[job_id]
        if pending := self.states.get(job_id):
            job["status"] = {"state": pending.pop(0)}
            if not pending and (failure := job.pop("_failure", None)):
                job["status"] = {"state": "DONE", "errorResult": failure, "errors": [failure]}
        return job

    def run(self, body: dict[str, Any]) -> Result:
        try:
            fields, rows, affected = self.engine.query(  # type: ignore[union-attr]
                body["query"], body["defaultDataset"]["datasetId"], body.get("queryParameters", [])
            )
        except Exception as exc:
            return Result("", error=f"{type(exc).__name__}: {exc}")
        return Result("", fields, rows, affected=affected)

    def job_reference(self, project: str) -> dict[str, str]:
        return {"projectId": project, "jobId": f"job_{uuid.uuid4().hex[:20]}", "location": self.location}

    def load_job(self, resource: dict[str, Any], data: bytes) -> dict[str, Any]:
        reference = resource["jobReference"]
        load = resource["configuration"]["load"]
        table = load["destinationTable"]
        failure = next((f for f in self.load_failures if re.search(f.pattern, table["tableId"])), None)
        if self.engine is not None and failure is None:
            self.engine.load(table["datasetId"], table["tableId"], load["schema"]["fields"], data)
        first, *later = [*self.load_states, "DONE"]
        job = {
            "kind": "bigquery#job",
            "id": f"{reference['projectId']}:{self.location}.{reference['jobId']}",
            "jobReference": {**reference, "location": self.location},
            "configuration": resource["configuration"],
            "status": {"state": first},
            "statistics": {"load": {"inputFiles": "1", "outputRows": str(data.count(b"\n"))}},
        }
        self.jobs[reference["jobId"]] = job
        self.states[reference["jobId"]] = later
        if failure is not None:
            job["statistics"] = {}
            job["_failure"] = {"reason": failure.reason, "location": "query", "message": failure.message}
        return {key: value for key, value in job.items() if not key.startswith("_")}


def _page(response: dict[str, Any], max_results: int | str | None, page_token: str | None) -> dict[str, Any]:
    """A query's response with the rows of one page: from `page_token` (the offset of its first
    row here; opaque to the client), `max_results` of them, and the next page's token if more."""
    if "rows" not in response or max_results in (0, "0"):  # maxResults=0: whether the job is done
        return {key: value for key, value in response.items() if key != "rows"}
    rows, start = response["rows"], int(page_token or 0)
    end = len(rows) if max_results is None else start + int(max_results)
    page = {**response, "rows": rows[start:end]}
    if end < len(rows):
        page["pageToken"] = str(end)
    return page


def _multipart_parts(body: bytes, content_type: str) -> list[bytes]:
    boundary = re.search(r'boundary="?([^";]+)"?', content_type).group(1).encode()  # type: ignore[union-attr]
    parts = body.split(b"--" + boundary)[1:-1]
    return [part.split(b"\r\n\r\n", 1)[1].removesuffix(b"\r\n") for part in parts]


@contextmanager
def fake_bigquery(
    *results: Result,
    tables: set[str] = frozenset(),
    engine: Engine | None = None,  # type: ignore[assignment]
    load_states: tuple[str, ...] = ("RUNNING",),
    load_failures: tuple[LoadFailure, ...] = (),
) -> Iterator[FakeBigQuery]:
    """The API with scripted query results, or with `engine` running every query for real."""
    api = FakeBigQuery(
        results=list(results), tables=set(tables), engine=engine, load_states=load_states,
        load_failures=list(load_failures),
    )  # fmt: skip

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # the client keeps its connection: a new one a request cost a quarter of a sync's CPU
        disable_nagle_algorithm = True  # headers and body go out in two writes: without it each answer waits ~40 ms for an ACK

        def reply(self, status: int, body: dict[str, Any] | None) -> None:
            payload = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            path = self.path.split("?")[0]
            body = self.body()
            if m := re.fullmatch(API + "/datasets", path):
                dataset = json.loads(body)
                if api.engine is not None:
                    api.engine.create_dataset(dataset["datasetReference"]["datasetId"])
                self.reply(
                    200,
                    {
                        "kind": "bigquery#dataset",
                        "id": f"{m['project']}:{dataset['datasetReference']['datasetId']}",
                        **dataset,
                    },
                )
            elif m := re.fullmatch(API + "/queries", path):
                self.reply(*api.query_response(json.loads(body), m["project"]))
            elif m := re.fullmatch("/upload" + API + "/jobs", path):
                resource, data = _multipart_parts(body, self.headers["Content-Type"])
                self.reply(200, api.load_job(json.loads(resource), data))
            else:
                self.reply(404, {"error": {"code": 404, "message": f"no such method: POST {path}"}})

        def do_GET(self) -> None:  # noqa: N802
            path, _, query = self.path.partition("?")
            if m := re.fullmatch(API + "/jobs/(?P<job>[^/]+)", path):
                job = api.job(m["job"])
                self.reply(200, {key: value for key, value in job.items() if not key.startswith("_")})
            elif m := re.fullmatch(API + "/queries/(?P<job>[^/]+)", path):
                asked = {name: values[0] for name, values in parse_qs(query).items()}
                self.reply(200, api.query_results(m["job"], max_results=asked.get("maxResults"),
                                                  page_token=asked.get("pageToken")))  # fmt: skip
            elif m := re.fullmatch(API + "/datasets/(?P<dataset>[^/]+)/tables/(?P<table>[^/]+)", path):
                if m["table"] in api.tables or (api.engine and api.engine.has_table(m["dataset"], m["table"])):
                    reference = {"projectId": m["project"], "datasetId": m["dataset"], "tableId": m["table"]}
                    self.reply(200, {"kind": "bigquery#table", "tableReference": reference, "type": "TABLE"})
                else:
                    message = f"Not found: Table {m['project']}:{m['dataset']}.{m['table']}"
                    error = {
                        "code": 404,
                        "message": message,
                        "errors": [{"reason": "notFound", "message": message}],
                        "status": "NOT_FOUND",
                    }
                    self.reply(404, {"error": error})
            else:
                self.reply(404, {"error": {"code": 404, "message": f"no such method: GET {path}"}})

        def do_DELETE(self) -> None:  # noqa: N802
            if api.engine is not None and (m := re.fullmatch(API + "/datasets/([^/]+)/tables/([^/?]+).*", self.path)):
                api.engine.drop_table(m[2], m[3])
            self.reply(204, None)

        def log_message(self, *args: Any) -> None:
            pass

    with serving(Handler) as api.url:
        yield api
