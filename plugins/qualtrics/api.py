"""The Qualtrics v3 endpoints the connector calls: surveys, survey definitions and the
three-step response export (start, poll progress, download the file by its fileId)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

import httpx

from cxbridge.errors import FatalSourceError, SourceError
from cxbridge.http import ApiClient, ApiErrors, NextUrl, PageRequest, json_body

POLL_BACKOFF = 1.5  # each progress check waits this much longer than the one before, up to the cap
_SURVEY_ID = re.compile(r"^SV_[A-Za-z0-9]+$")


class QualtricsErrors(ApiErrors):
    service = "Qualtrics"
    credentials = "the API token (api_token) or OAuth client (client_id, client_secret)"
    one_credential = True
    ids = "the survey ids, datacenter"

    def message(self, response: httpx.Response) -> str | None:
        """`meta.error.errorMessage` (with its errorCode) of the standard envelope."""
        body = json_body(response)
        error = (body.get("meta") or {}).get("error") if isinstance(body, dict) else None
        if isinstance(error, dict) and error.get("errorMessage"):
            code = error.get("errorCode")
            return f"{error['errorMessage']} [{code}]" if code else str(error["errorMessage"])
        return super().message(response)


CLIENT_KEYS = "the OAuth client's id and secret (client_id, client_secret): check them"
REFUSALS = {  # what each OAuth error code (RFC 6749 §5.2) of the token endpoint refuses, client-credentials grant
    "invalid_client": CLIENT_KEYS,
    "invalid_grant": CLIENT_KEYS,
    "unauthorized_client": "the OAuth client (client_id) for the client-credentials grant: check the client's grant "
                           "type in Qualtrics",
    "invalid_scope": "the scopes asked for (scopes): ask only for scopes the OAuth client was granted, such as "
                     "read:surveys read:survey_responses",
}  # fmt: skip


@dataclass(frozen=True)
class Survey:
    id: str
    name: str
    is_active: bool


@dataclass(frozen=True)
class Export:
    """A finished export: the file to download, and the token for the next incremental export."""

    file_id: str
    continuation_token: str | None


def list_surveys(client: ApiClient) -> Iterator[Survey]:
    """Every survey the credentials can see (`GET /surveys`, following `result.nextPage`)."""
    paging = NextUrl(lambda body: _result(body).get("nextPage"), items=lambda body: _result(body).get("elements") or [])
    for page in client.pages(PageRequest("/surveys"), paging):
        for element in _result(page).get("elements") or []:
            yield Survey(str(element["id"]), str(element.get("name") or ""), bool(element.get("isActive")))


def survey_definition(client: ApiClient, survey_id: str) -> dict[str, Any]:
    """`GET /survey-definitions/{surveyId}`: questions, choices, recodes."""
    return client.get_json(f"/survey-definitions/{checked_id(survey_id)}")


def start_export(client: ApiClient, survey_id: str, body: dict[str, Any]) -> str:
    """Step 1: the progress id of a new export."""
    result = _result(client.send_json("POST", f"/surveys/{checked_id(survey_id)}/export-responses", body))
    progress_id = result.get("progressId")
    if not progress_id:
        raise SourceError(f"Qualtrics started an export of {survey_id} without a progressId; re-run later")
    return str(progress_id)


def wait_for_export(
    client: ApiClient,
    survey_id: str,
    progress_id: str,
    *,
    interval: float,
    timeout: float,
    sleep: Callable[[float], None],
) -> Export:
    """Step 2: poll the progress, waiting longer each time, until the export is complete."""
    waited, wait = 0.0, interval
    while True:
        body = client.get_json(f"/surveys/{survey_id}/export-responses/{progress_id}")
        result = _result(body)
        status = result.get("status")
        if status == "complete":
            if not result.get("fileId"):
                raise SourceError(f"the export {progress_id} of {survey_id} completed without a fileId; re-run later")
            return Export(str(result["fileId"]), result.get("continuationToken"))
        if status == "failed":  # percentComplete may be 100 even so: only status says
            request_id = (body.get("meta") or {}).get("requestId") or "none given"
            raise SourceError(
                f"Qualtrics failed the export {progress_id} of {survey_id} (requestId {request_id}); re-run later, "
                "and if it fails again give Qualtrics support the requestId"
            )
        if waited >= timeout:
            raise SourceError(
                f"the export {progress_id} of {survey_id} was not ready after {timeout:.0f} s "
                f"({result.get('percentComplete', 0)}% done); re-run later or raise export_timeout"
            )
        sleep(wait)
        waited += wait
        wait = min(wait * POLL_BACKOFF, 30.0)


def download_export(client: ApiClient, survey_id: str, file_id: str, into: IO[bytes], *, max_bytes: int) -> int:
    """Step 3: the export's ZIP (by fileId, not progressId) streamed into a file."""
    return client.download(f"/surveys/{survey_id}/export-responses/{file_id}/file", into, max_bytes=max_bytes)


def checked_id(survey_id: str) -> str:
    if not _SURVEY_ID.match(survey_id):
        raise FatalSourceError(f"{survey_id!r} is not a Qualtrics survey id (SV_ followed by letters and digits)")
    return survey_id


def _result(body: Any) -> dict[str, Any]:
    result = body.get("result") if isinstance(body, dict) else None
    if not isinstance(result, dict):
        raise SourceError("Qualtrics answered without a result object; re-run later")
    return result
