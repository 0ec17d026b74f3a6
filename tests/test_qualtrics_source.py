"""The qualtrics source against cassettes of the documented v3 API (cassettes/qualtrics/, recorded
from tests/qualtrics_api.py with CXBRIDGE_RECORD_CASSETTES=1) and, for faults, against the same
fake account on 127.0.0.1 — always into a real SQLite destination."""

from __future__ import annotations

import io
import json
import random
import zipfile
import sqlite3
from datetime import datetime, timezone
from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction
from functools import partial
from pathlib import Path
from typing import Any

import pytest

import cxbridge
from cxbridge.errors import ConfigError
from cxbridge.plugins.qualtrics.source import QualtricsSource, export_start
from cxbridge.testing import HttpSourceConformance, SourceUnderTest
from cxbridge.testing.cassettes import api_cassette
from tests.conftest import half_up
from tests.local_api import Reply, cut_midway
from tests.sqlite_runs import assert_other_scale_refused, query, sync_source
from tests.weight_warnings import weight_warning
from tests.qualtrics_api import (
    CLIENT_ID, CLIENT_SECRET, REAL_HOST, ROOT, TOKEN, QualtricsAccount, error, qualtrics, response, store_account, store_definition, zipped,
)  # fmt: skip

sync = partial(sync_source, name="stores")
CASSETTES = Path(__file__).resolve().parents[1] / "cassettes" / "qualtrics"


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch) -> list[float]:
    waits: list[float] = []
    monkeypatch.setattr(QualtricsSource, "sleep", staticmethod(waits.append))
    monkeypatch.setenv("QUALTRICS_API_TOKEN", TOKEN)
    monkeypatch.setenv("QUALTRICS_CLIENT_SECRET", CLIENT_SECRET)
    return waits


def entry(base_url: str, **extra: Any) -> dict[str, Any]:
    return {"connector": "qualtrics", "base_url": base_url + ROOT, "api_token": "${QUALTRICS_API_TOKEN}",
            "name_pattern": "^Store visit", "columns": {"location_id": "StoreID"}, **extra}  # fmt: skip




@contextmanager
def cassette(name: str, account: QualtricsAccount) -> Iterator[Any]:
    with qualtrics(account) as api:
        with api_cassette(CASSETTES / f"{name}.yaml", real_url=REAL_HOST, fake_url=api.url,
                          secrets=[TOKEN, CLIENT_SECRET, "at-7f1c"]) as recorded:  # fmt: skip
            yield recorded


def calls(recorded: Any) -> list[str]:
    return [f"{r.method} {r.uri.removeprefix(REAL_HOST + ROOT)}" for r in recorded.requests]


def bodies(recorded: Any, path_end: str) -> list[dict]:
    return [json.loads(r.body) for r in recorded.requests if r.method == "POST" and r.path.endswith(path_end)]


# -- cassettes: the documented API -------------------------------------------------------------


def test_a_full_sync_lists_surveys_reads_definitions_and_exports_responses(tmp_path):
    with cassette("full_sync", store_account()) as recorded:
        result = sync(tmp_path, entry(recorded.base_url))
    assert (result.status, result.read, result.written, result.quarantined) == ("success", 4, 4, 0), result.error
    assert calls(recorded) == [
        "GET /surveys", "GET /surveys?offset=2",
        "GET /survey-definitions/SV_store1", "POST /surveys/SV_store1/export-responses",
        "GET /surveys/SV_store1/export-responses/ES_0001prog", "GET /surveys/SV_store1/export-responses/ES_0001prog",
        "GET /surveys/SV_store1/export-responses/0001-file-def/file",
        "GET /survey-definitions/SV_store2", "POST /surveys/SV_store2/export-responses",
        "GET /surveys/SV_store2/export-responses/ES_0002prog", "GET /surveys/SV_store2/export-responses/ES_0002prog",
        "GET /surveys/SV_store2/export-responses/0002-file-def/file",
    ]  # fmt: skip  (the inactive employee pulse does not match the name pattern: never exported)
    assert bodies(recorded, "export-responses")[0] == {"format": "json", "compress": True, "allowContinuation": True}
    assert all(r.headers.get("X-API-TOKEN") == "REDACTED" for r in recorded.requests)
    rows = query(tmp_path, "SELECT source_record_id, survey_id, survey_name, nps, nps_group, csat, ces, comment, "
                           "location_id, channel, language, status FROM feedback ORDER BY 1")  # fmt: skip
    assert rows[0] == ("R_0001abcd", "SV_store1", "Store visit NPS 2026", 10, "promoter", 4.0, 2.0,
                       "Quick and friendly", "S01", "email", "en", "complete")  # fmt: skip
    assert [(row[0], row[3], row[5], row[6], row[8]) for row in rows[1:]] == [
        ("R_0002abcd", 6, 2.0, 2.0, "S02"), ("R_0003abcd", 8, 4.0, 5.0, "S01"), ("R_0004abcd", 9, 4.0, 2.0, "S03"),
    ]  # fmt: skip


def test_scores_come_from_the_definition_with_scales_directions_and_labels(tmp_path):
    with cassette("full_sync", store_account()) as recorded:
        sync(tmp_path, entry(recorded.base_url))
    scores = query(tmp_path, "SELECT metric, question_id, value, scale_min, scale_max, direction, category "
                             "FROM feedback_scores JOIN feedback USING (record_id) "
                             "WHERE source_record_id = 'R_0003abcd' ORDER BY metric")  # fmt: skip
    assert scores == [
        ("ces", "QID3", 5.0, 1.0, 5.0, "lower_is_better", "high_effort"),
        ("csat", "QID2", 4.0, 1.0, 5.0, "higher_is_better", "satisfied"),
        ("nps", "QID1", 8.0, 0.0, 10.0, "higher_is_better", "passive"),
    ]
    [(answers, respondent_key, raw)] = query(
        tmp_path, "SELECT answers, respondent_key, raw FROM feedback WHERE source_record_id = 'R_0001abcd'"
    )
    answers = json.loads(answers)
    assert answers["QID5_1"] == {"text": "How much do you agree? - Staff were friendly", "value": 4, "label": "Agree"}
    assert answers["QID2"]["label"] == "Satisfied" and "QID1_NPS_GROUP" not in answers
    assert len(respondent_key) == 32 and "@" not in respondent_key  # hashed (raw keeps the payload as sent)
    assert json.loads(raw)["surveyId"] == "SV_store1"


def test_the_next_syncs_export_only_what_changed_since_the_continuation_token(tmp_path):
    account = store_account()
    with cassette("incremental", account) as recorded:
        first = sync(tmp_path, entry(recorded.base_url))
        unchanged = sync(tmp_path, entry(recorded.base_url))
        account.put("SV_store1", response(2, nps=7, csat=3, store="S02"), response(5, nps=3, day=9))
        changed = sync(tmp_path, entry(recorded.base_url))
    assert [(r.read, r.written, r.unchanged) for r in (first, unchanged, changed)] == [(4, 4, 0), (0, 0, 0), (2, 2, 0)]
    exports = bodies(recorded, "export-responses")
    follow_up = {"format": "json", "compress": True, "allowContinuation": True, "continuationToken": "ct-v4"}
    assert exports[2:5] == [follow_up] * 3  # each follow-up asks for the next token too
    assert query(tmp_path, "SELECT nps FROM feedback WHERE source_record_id = 'R_0002abcd'") == [(7,)]
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback") == [(5,)]
    [(cursor,)] = query(tmp_path, "SELECT cursor FROM sync_state")
    assert json.loads(cursor)["SV_store1"] == {"continuationToken": "ct-v6", "recordedDate": "2026-01-09T10:05:00.250Z"}


def test_a_refused_continuation_token_falls_back_to_the_latest_recorded_date(tmp_path):
    with cassette("continuation_refused", store_account()) as recorded:
        sync(tmp_path, entry(recorded.base_url, surveys=["SV_store1"], name_pattern=None))
        with sqlite3.connect(tmp_path / "cxbridge.db") as conn:
            state = {"SV_store1": {"continuationToken": "expired", "recordedDate": "2026-01-05T10:02:00.250Z"}}
            conn.execute("UPDATE sync_state SET cursor = ?", [json.dumps(state)])
        again = sync(tmp_path, entry(recorded.base_url, surveys=["SV_store1"], name_pattern=None))
    assert (again.status, again.read, again.written, again.unchanged) == ("success", 2, 0, 2), again.error
    assert bodies(recorded, "export-responses")[1:] == [
        {"format": "json", "compress": True, "allowContinuation": True, "continuationToken": "expired"},
        {"format": "json", "compress": True, "allowContinuation": True, "startDate": "2026-01-05T10:02:00Z"},
    ]  # the latest recordedDate (…00.250Z) to the second, rounded down: the boundary response comes again
    [(cursor,)] = query(tmp_path, "SELECT cursor FROM sync_state")
    assert json.loads(cursor)["SV_store1"]["continuationToken"] == "ct-v4"  # the refused token replaced


def test_a_follow_up_export_that_returns_no_new_token_keeps_the_last_one(tmp_path):
    account = store_account()
    answer = account.progress

    def without_token(seen, match):
        reply = answer(seen, match)
        if isinstance(reply, dict):
            reply["result"].pop("continuationToken", None)
        return reply

    with qualtrics(account) as api:
        sync(tmp_path, entry(api.url, surveys=["SV_store1"], name_pattern=None))
        account.progress = without_token
        api.routes.clear()
        account.serve(api)
        account.put("SV_store1", response(5, day=9))
        second = sync(tmp_path, entry(api.url, surveys=["SV_store1"], name_pattern=None))
        third = sync(tmp_path, entry(api.url, surveys=["SV_store1"], name_pattern=None))
        asked = [seen.json().get("continuationToken") for seen in api.requests if seen.method == "POST"]
    assert asked == [None, "ct-v4", "ct-v4"]  # never a fall-back to dates, never a lost token
    assert [(r.read, r.written, r.unchanged) for r in (second, third)] == [(1, 1, 0), (1, 0, 1)]


def oauth_entry(**extra: Any) -> dict[str, Any]:
    source = entry("", client_id=CLIENT_ID, client_secret="${QUALTRICS_CLIENT_SECRET}", surveys=["SV_store2"],
                   name_pattern=None)  # fmt: skip
    del source["api_token"]
    return source | extra


def test_oauth_client_credentials_fetch_a_bearer_token_once(tmp_path):
    source = oauth_entry()
    with cassette("oauth", store_account()) as recorded:
        result = sync(tmp_path, source | {"base_url": recorded.base_url + ROOT})
    assert (result.status, result.written) == ("success", 1), result.error
    token_call = recorded.requests[0]
    assert (token_call.method, token_call.uri) == ("POST", f"{REAL_HOST}/oauth2/token")
    assert token_call.body == b"grant_type=client_credentials&scope=read%3Asurveys+read%3Asurvey_responses"
    assert [r.headers.get("Authorization") for r in recorded.requests] == ["REDACTED"] * len(recorded.requests)


@pytest.mark.parametrize(
    ("name", "change", "expected"),
    [
        ("oauth_refused", {"client_secret": "${WRONG_SECRET}"},
         "HTTP 401 (Invalid client credentials); Qualtrics did not accept the OAuth client's id and secret "
         "(client_id, client_secret): check them"),
        ("oauth_scope_refused", {"scopes": ["read:surveys", "manage:everything"]},
         "HTTP 400 (The requested scope is invalid); Qualtrics did not accept the scopes asked for (scopes): "
         "ask only for scopes the OAuth client was granted, such as read:surveys read:survey_responses"),
    ],
)
def test_a_refused_oauth_client_names_the_keys_to_check_never_their_values(tmp_path, monkeypatch, name, change, expected):
    """The token endpoint's refusals (RFC 6749 §5.2 codes) name the keys to check, as Salesforce's do."""
    monkeypatch.setenv("WRONG_SECRET", "qx-secret-revoked")
    with cassette(name, store_account()) as recorded:
        result = sync(tmp_path, oauth_entry(**change) | {"base_url": recorded.base_url + ROOT})
    assert result.status == "failed" and expected in result.error, result.error
    assert "qx-secret" not in result.error and "rejected the request" not in result.error
    assert [r.uri for r in recorded.requests] == [f"{REAL_HOST}/oauth2/token"]  # refused once, never retried


@pytest.mark.parametrize(
    ("name", "change", "expected"),
    [
        ("error_401", {"api_token": "${WRONG_TOKEN}"},
         "HTTP 401 (Invalid API token [AUTH_ERROR]); Qualtrics did not accept the API token"),
        ("error_404", {"surveys": ["SV_gone"], "name_pattern": None},
         "HTTP 404 (Could not find survey [QVAL_1]); not found: check the survey ids"),
        ("error_403", {"surveys": ["SV_pulse"], "name_pattern": None},
         "HTTP 403 (You do not have permission to access this resource [AUTH_ERROR]); the API token (api_token) "
         "or OAuth client (client_id, client_secret) lacks permission for this: check its scopes and permissions"),
        ("export_failed", {"surveys": ["SV_store2"], "name_pattern": None},
         "Qualtrics failed the export ES_0001prog of SV_store2 (requestId 5e0e2a4c-0000-4000-8000-000000000001); "
         "re-run later, and if it fails again give Qualtrics support the requestId"),
    ],
)
def test_documented_errors_fail_the_source_with_what_to_do(tmp_path, monkeypatch, name, change, expected):
    monkeypatch.setenv("WRONG_TOKEN", "qx-token-revoked")
    account = store_account()
    account.forbidden.add("SV_pulse")
    account.failing.add("SV_store2")
    with cassette(name, account) as recorded:
        result = sync(tmp_path, entry(recorded.base_url, **change))
    assert result.status == "failed" and expected in result.error, result.error
    assert "qx-token" not in result.error
    refused = [response for _, response in recorded.cassette.data if response["status"]["code"] >= 400]
    assert len(refused) <= 1  # failed at once: never retried
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback") == [(0,)]


def test_a_429_with_retry_after_is_waited_out_and_recorded(tmp_path, no_waiting):
    with qualtrics(store_account()) as api:
        api.fail(Reply(429, error("429 - Too Many Requests", "Too many requests", "RATE_LIMIT"),
                       headers={"Retry-After": "7"}), match="export-responses")  # fmt: skip
        with api_cassette(CASSETTES / "rate_limited.yaml", real_url=REAL_HOST, fake_url=api.url,
                          secrets=[TOKEN]) as recorded:  # fmt: skip
            result = sync(tmp_path, entry(recorded.base_url, surveys=["SV_store2"], name_pattern=None))
    assert (result.status, result.written) == ("success", 1), result.error
    assert 7.0 in no_waiting
    assert [response["status"]["code"] for _, response in recorded.cassette.data][:3] == [200, 429, 200]


# -- a local server with faults ----------------------------------------------------------------


def test_429_5xx_and_slow_answers_are_retried_and_every_response_lands_once(tmp_path, no_waiting):
    account = store_account()
    with qualtrics(account) as api:
        api.fail(Reply(429, {"meta": {"httpStatus": "429"}}, headers={"Retry-After": "7"}), match="export-responses")
        api.fail(Reply(503), match="ES_0001prog", times=2)
        api.fail(Reply(500), match="survey-definitions")
        api.fail(Reply(200, delay=1.5), match="file")
        result = sync(tmp_path, entry(api.url, timeout=0.5))
    assert (result.status, result.written) == ("success", 4), result.error
    assert 7 in no_waiting  # Retry-After honoured
    assert query(tmp_path, "SELECT COUNT(DISTINCT source_record_id), COUNT(*) FROM feedback") == [(4, 4)]


def test_a_download_cut_short_or_dropped_is_fetched_again(tmp_path):
    account = store_account()
    with qualtrics(account) as api:
        api.fail(Reply(body=b"PK\x03\x04" + b"\x00" * 400, cut_at=120), match="0001-file-def/file")
        api.fail(Reply(drop=True), match="0002-file-def/file")
        result = sync(tmp_path, entry(api.url))
    assert (result.status, result.written) == ("success", 4), result.error


def test_a_survey_that_keeps_failing_leaves_the_others_committed_and_the_rerun_resumes(tmp_path):
    account = store_account()
    with qualtrics(account) as api:
        api.fail(Reply(500), match="SV_store2/export-responses", times=20)
        failed = sync(tmp_path, entry(api.url, max_attempts=2))
        assert failed.status == "failed" and "re-run later" in failed.error
        assert query(tmp_path, "SELECT COUNT(*) FROM feedback") == [(3,)]
        [(cursor,)] = query(tmp_path, "SELECT cursor FROM sync_state")
        assert set(json.loads(cursor)) == {"SV_store1"}  # the survey handed over whole, with the failure
        api.faults.clear()
        resumed = sync(tmp_path, entry(api.url))
    assert (resumed.status, resumed.read, resumed.written) == ("success", 1, 1), resumed.error
    assert query(tmp_path, "SELECT COUNT(DISTINCT source_record_id), COUNT(*) FROM feedback") == [(4, 4)]


def test_429_without_retry_after_backs_off_and_every_response_lands_once(tmp_path, no_waiting):
    with qualtrics(store_account()) as api:
        api.fail(Reply(429, error("429 - Too Many Requests", "Too many requests", "RATE_LIMIT")),
                 match="export-responses", times=2)  # fmt: skip
        result = sync(tmp_path, entry(api.url))
    assert (result.status, result.written) == ("success", 4), result.error
    first, second = no_waiting[:2]  # the 4th and 5th requests: before the client-side pace or any poll waits
    assert 1 <= first <= 1.25 and 2 <= second <= 2.5  # exponential backoff with its jitter
    assert query(tmp_path, "SELECT COUNT(DISTINCT source_record_id), COUNT(*) FROM feedback") == [(4, 4)]


def test_answers_dropped_in_the_middle_of_their_body_are_fetched_again(tmp_path):
    account = store_account()
    account.file = cut_midway(account.file, times=2)  # the ZIP download, streamed: headers, half, then closed
    account.progress = cut_midway(account.progress)
    account.definition = cut_midway(account.definition)
    with qualtrics(account) as api:
        result = sync(tmp_path, entry(api.url))
        files = [seen.path for seen in api.requests if seen.path.endswith("/file")]
    assert (result.status, result.written) == ("success", 4), result.error
    assert files == [f"{ROOT}/surveys/SV_store1/export-responses/0001-file-def/file"] * 3 + [
        f"{ROOT}/surveys/SV_store2/export-responses/0002-file-def/file"
    ]
    assert query(tmp_path, "SELECT COUNT(DISTINCT source_record_id), COUNT(*) FROM feedback") == [(4, 4)]


def test_an_export_over_max_export_bytes_fails_clearly_writes_none_of_it_and_a_rerun_resumes(tmp_path):
    account = store_account()
    words = random.Random(4).choices(["store", "queue", "staff", "price", "fresh", "slow", "kind", "late"], k=6000)
    account.put("SV_store2", response(6) | {"notes": " ".join(words)})  # ~35 KB unpacked, a few KB zipped
    big = zipped("x.json", [record for _, record in account.surveys["SV_store2"].responses.values()])
    assert len(big) < 10_000  # the download is under the cap: the unpacked size is what trips it
    with qualtrics(account) as api:
        failed = sync(tmp_path, entry(api.url, max_export_bytes=10_000))
        assert failed.status == "failed", failed.error
        assert "SV_store2 export: the export unpacks to" in failed.error and "over max_export_bytes" in failed.error
        assert "raise max_export_bytes if the export is genuine" in failed.error
        assert query(tmp_path, "SELECT DISTINCT survey_id FROM feedback") == [("SV_store1",)]
        [(cursor,)] = query(tmp_path, "SELECT cursor FROM sync_state")
        assert set(json.loads(cursor)) == {"SV_store1"}  # nothing of SV_store2 committed, not even its token
        resumed = sync(tmp_path, entry(api.url))
    assert (resumed.status, resumed.read, resumed.written) == ("success", 2, 2), resumed.error
    assert query(tmp_path, "SELECT COUNT(DISTINCT source_record_id), COUNT(*) FROM feedback") == [(5, 5)]


@pytest.mark.parametrize(
    ("member", "records", "message"),
    [
        ("../../etc/cron.d/x.json", [], "unsafe path '../../etc/cron.d/x.json'"),
        ("/abs/responses.json", [], "unsafe path '/abs/responses.json'"),
        ("bomb.json", None, "(a ZIP bomb?)"),
    ],
)
def test_unsafe_export_files_are_refused_and_a_later_run_reads_the_fixed_export(tmp_path, member, records, message):
    account = store_account()
    account.member_name = member
    if records is None:  # 5 MB of spaces inside a valid JSON document: compresses ~1000×
        account.put("SV_store1", response(9) | {"padding": " " * 5_000_000})
    with qualtrics(account) as api:
        refused = sync(tmp_path, entry(api.url, surveys=["SV_store1"], name_pattern=None))
        account.member_name = "Store visit.json"
        account.put("SV_store1", response(9))  # the padded response fixed at the source
        fixed = sync(tmp_path, entry(api.url, surveys=["SV_store1"], name_pattern=None))
    assert refused.status == "failed" and message in refused.error
    assert (fixed.status, fixed.written) == ("success", 4), fixed.error
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback") == [(4,)]


@pytest.mark.parametrize(("member", "kind"), [("Store visit.csv", "a CSV file"), ("Store visit.sav", "a SPSS file"),
                                              ("responses", "a extension-less file")])  # fmt: skip
def test_an_export_in_another_format_than_json_is_refused_naming_it(tmp_path, member, kind):
    account = store_account()
    account.member_name = member
    with qualtrics(account) as api:
        refused = sync(tmp_path, entry(api.url, surveys=["SV_store1"], name_pattern=None))
    assert refused.status == "failed"
    assert f"SV_store1 export: the export holds {member!r}, {kind}, but cxbridge asked Qualtrics for JSON" in refused.error
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback") == [(0,)]


def test_an_ndjson_export_is_read_line_by_line(tmp_path):
    account = store_account()
    account.member_name = "Store visit.ndjson"
    answer = account.file

    def as_ndjson(seen, match):
        export = next(e for e in account.exports.values() if e["file_id"] == match.group(2))
        return Reply(body=zipped(account.member_name, export["records"], "ndjson")) if export else answer(seen, match)

    account.file = as_ndjson
    with qualtrics(account) as api:
        result = sync(tmp_path, entry(api.url, surveys=["SV_store1"], name_pattern=None))
    assert (result.status, result.written) == ("success", 3), result.error


@pytest.mark.parametrize(
    ("given", "sent"),
    [("2024-07-08T16:00:23.994Z", "2024-07-08T16:00:23Z"), ("2024-07-08T18:00:23+02:00", "2024-07-08T16:00:23Z"),
     ("2024-07-08T16:00:23Z", "2024-07-08T16:00:23Z"), (datetime(2024, 1, 1, tzinfo=timezone.utc), "2024-01-01T00:00:00Z")],
)  # fmt: skip
def test_start_date_is_sent_in_utc_to_the_second_never_later_than_given(given, sent):
    assert export_start(given) == sent


def zip_of(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("download", "message"),
    [
        (zip_of("Store visit.json",
                json.dumps({"responses": [response(9) | {"note": "Café"}]}, ensure_ascii=False).encode("cp1252")),
         "SV_store1 export: Store visit.json: not UTF-8 text (invalid continuation byte at byte"),
        (zip_of("Store visit.json", json.dumps({"responses": [response(9)]}).encode("utf-16")),
         "SV_store1 export: Store visit.json: not UTF-8 text"),
        (zip_of("Store visit.json", zipped("Store visit.json", [response(9)])),
         "SV_store1 export: Store visit.json is itself a ZIP archive, not the JSON export; not read"),
        (zip_of("Store visit.zip", zipped("Store visit.json", [response(9)])),
         "SV_store1 export: the export holds 'Store visit.zip', a ZIP file, but cxbridge asked Qualtrics for JSON"),
    ],
    ids=["cp1252-member", "utf16-member", "zip-named-json-in-zip", "zip-in-zip"],
)
def test_an_export_that_is_not_utf8_json_is_a_data_error_naming_the_file(tmp_path, download, message):
    account = store_account()
    with qualtrics(account) as api:
        api.fail(Reply(body=download), match="/file")
        refused = sync(tmp_path, entry(api.url, surveys=["SV_store1"], name_pattern=None))
        fixed = sync(tmp_path, entry(api.url, surveys=["SV_store1"], name_pattern=None))
    assert refused.status == "failed" and message in refused.error, refused.error
    assert "a bug in" not in refused.error and refused.written == 0
    assert (fixed.status, fixed.written) == ("success", 3), fixed.error


def test_a_failed_export_fails_the_source_clearly(tmp_path):
    account = store_account()
    with qualtrics(account) as api:
        api.fail(Reply(body={"result": {"fileId": None, "percentComplete": 100, "status": "failed"},
                             "meta": {"httpStatus": "200 - OK"}}), match="ES_0001prog")  # fmt: skip
        result = sync(tmp_path, entry(api.url))
    assert result.status == "failed" and "Qualtrics failed the export ES_0001prog of SV_store1" in result.error


def test_in_progress_responses_are_included_as_partial_when_asked(tmp_path):
    account = store_account()
    account.surveys["SV_store2"].in_progress.append(response(7, nps=5, finished=0))
    with qualtrics(account) as api:
        result = sync(tmp_path, entry(api.url, include_in_progress=True))
        asked = [seen.json() for seen in api.requests if seen.method == "POST"]
    assert result.written == 5
    assert {"format": "json", "compress": True, "exportResponsesInProgress": True} in asked
    assert query(tmp_path, "SELECT status FROM feedback WHERE source_record_id = 'R_0007abcd'") == [("partial",)]


def typed(n: int, status: int, label: str) -> dict[str, Any]:
    """A response of the response type `status` (`values.status`, its text in `labels.status`)."""
    found = response(n)
    found["values"]["status"], found["labels"]["status"] = status, label
    return found


def test_previews_tests_and_spam_are_left_out_counted_as_skipped_unless_kept(tmp_path):
    account = store_account()  # four responses of respondents (status 0)
    account.put("SV_store2", typed(5, 1, "Survey Preview"), typed(6, 2, "Survey Test"), typed(7, 8, "Spam"),
                typed(8, 16, "Offline"))  # 16: no type cxbridge knows of, kept  # fmt: skip
    with qualtrics(account) as api:
        left = sync(tmp_path, entry(api.url))
        kept = sync(tmp_path, entry(api.url, include_test_responses=True), db="kept.db")

    stored = {rid for (rid,) in query(tmp_path, "SELECT source_record_id FROM feedback")}
    assert stored == {f"R_{n:04d}abcd" for n in (1, 2, 3, 4, 8)}
    assert (left.read, left.written, left.quarantined, left.skipped) == (8, 5, 0, 3)
    assert left.left_out == {"Qualtrics previews/tests": 3}
    assert query(tmp_path, "SELECT records_read, records_skipped FROM sync_runs") == [(8, 3)]
    assert query(tmp_path, "SELECT COUNT(*) FROM quarantine") == [(0,)]
    assert (kept.written, kept.skipped) == (8, 0)


def terminated(n: int, flag: str, *, nps: int) -> dict[str, Any]:
    """A response the survey ended early, flagged in the embedded data `Q_TerminateFlag` as
    Qualtrics' Screen-Out Management and quota "End Current Survey" actions do ("Flag Response As":
    qualtrics.com/support/survey-platform/edit-survey/survey-flow/advanced-elements/screen-out-management;
    the values analysts drop, `Screened` and `QuotaMet`: find_string "Q_TerminateFlag", ids
    49243546669, 28762678307, 52444364497). Embedded data sits in `values` under its name, as
    `StoreID` does (api_reference §1.5)."""
    found = response(n, nps=nps)
    found["values"]["Q_TerminateFlag"] = flag
    return found


def test_a_screened_out_or_over_quota_response_is_left_out_counted_and_in_no_metric(tmp_path):
    """A respondent the survey screened out or turned away over quota gave no feedback: the API
    stream leaves it out and counts it by the rule files follow (`values.screened_out`), also with
    `include_test_responses`, which keeps previews and tests only (before: stored as a complete
    response, its NPS 0 and 2 two detractors — 6 written, none skipped)."""
    account = store_account()  # NPS 10, 6, 8 and 9 from respondents
    account.put("SV_store2", terminated(5, "Screened", nps=0), terminated(6, "QuotaMet", nps=2))
    with qualtrics(account) as api:
        result = sync(tmp_path, entry(api.url))
        kept = sync(tmp_path, entry(api.url, include_test_responses=True), db="kept.db")
    assert (result.status, result.read, result.written, result.quarantined) == ("success", 6, 4, 0), result.error
    assert result.left_out == {"disqualified/screened-out responses": 2}
    assert query(tmp_path, "SELECT records_read, records_skipped FROM sync_runs") == [(6, 2)]
    assert (kept.written, kept.skipped) == (4, 2)
    scores = {rid: nps for rid, nps in query(tmp_path, "SELECT source_record_id, nps FROM feedback")}
    assert scores == {"R_0001abcd": 10, "R_0002abcd": 6, "R_0003abcd": 8, "R_0004abcd": 9}
    promoters, detractors = sum(v >= 9 for v in scores.values()), sum(v <= 6 for v in scores.values())
    assert query(tmp_path, "SELECT SUM(responses), SUM(promoters), SUM(detractors) FROM nps_by_month") == [
        (4, promoters, detractors)]


def test_per_question_overrides_win_over_detection(tmp_path):
    questions = {"QID3": {"ignore": True}, "QID5": {"metric": "custom:agreement", "scale": [1, 5]},
                 "QID2": {"labels": {"Satisfied": 4}, "primary": True}}  # fmt: skip
    with qualtrics(store_account()) as api:
        result = sync(tmp_path, entry(api.url, questions=questions))
    assert result.written == 4, result.error
    metrics = query(tmp_path, "SELECT metric, question_id FROM feedback_scores JOIN feedback USING (record_id) "
                              "WHERE source_record_id = 'R_0001abcd' ORDER BY 2")  # fmt: skip
    assert metrics == [("nps", "QID1"), ("csat", "QID2"), ("custom:agreement", "QID5_1"), ("custom:agreement", "QID5_2")]
    assert query(tmp_path, "SELECT ces FROM feedback WHERE source_record_id = 'R_0001abcd'") == [(None,)]


SHOWN = (0, 3, 6, 7, 8, 9, 10, 10, 10, 9)  # what respondents picked on the 0–10 scale


def recoded_nps_account(selector: str, *, labelled: bool) -> QualtricsAccount:
    """A store survey whose recommend question has the choices 0–10 under Qualtrics' default
    recodes, the choice ids 1–11: each response's value is the recode, its label what was shown."""
    account = store_account()
    definition = store_definition("SV_store1", "Store visit NPS 2026")
    nps = definition["Questions"]["QID1"]
    nps["Selector"] = selector
    nps["Choices"] = {str(shown + 1): {"Display": str(shown)} for shown in range(11)}
    account.definitions["SV_store1"] = definition
    account.surveys["SV_store1"].responses.clear()
    for n, shown in enumerate(SHOWN, start=1):
        record = response(n, nps=shown + 1)
        if labelled:
            record["labels"]["QID1"] = str(shown)
        account.put("SV_store1", record)
    return account


@pytest.mark.parametrize("labelled", [True, False], ids=["export-labels", "definition-labels"])
@pytest.mark.parametrize("selector", ["NPS", "SAVR"])
def test_configured_labels_win_over_the_recodes_of_the_choices_shown(tmp_path, selector, labelled):
    """Qualtrics recodes a 0–10 scale 1–11 by default; the labels a user configures for the
    choices shown ("0" = 0 … "10" = 10) are what the answers score, whether the export names the
    choice shown or only its recode does (the definition names its label)."""
    labels = {str(shown): shown for shown in range(11)}
    account = recoded_nps_account(selector, labelled=labelled)
    with qualtrics(account) as api:
        result = sync(tmp_path, entry(api.url, name_pattern="NPS 2026", questions={"QID1": {"metric": "nps",
                                                                                         "labels": labels}}))
    assert_scored_as_shown(tmp_path, result)


@pytest.mark.parametrize("labelled", [True, False], ids=["export-labels", "definition-labels"])
@pytest.mark.parametrize("selector", ["NPS", "SAVR"])
def test_a_recommend_question_recoded_1_to_11_scores_the_numbers_shown_unconfigured(tmp_path, selector, labelled):
    """Without labels in the config, the choices' own labels 0 … 10 are what its answers score:
    neither shifted by one nor quarantined as 11, nor left unscored."""
    with qualtrics(recoded_nps_account(selector, labelled=labelled)) as api:
        result = sync(tmp_path, entry(api.url, name_pattern="NPS 2026"))
    assert_scored_as_shown(tmp_path, result)


def assert_scored_as_shown(folder: Path, result: Any) -> None:
    assert (result.written, result.quarantined) == (len(SHOWN), 0), result.error
    promoters, detractors = sum(shown >= 9 for shown in SHOWN), sum(shown <= 6 for shown in SHOWN)
    assert query(folder, "SELECT month, responses, promoters, detractors, nps FROM nps_by_month") == [
        ("2026-01", len(SHOWN), promoters, detractors, half_up(Fraction(100 * (promoters - detractors), len(SHOWN)))),
    ]
    assert query(folder, "SELECT nps FROM feedback ORDER BY source_record_id") == [(shown,) for shown in SHOWN]
    [(answer,)] = query(folder, "SELECT json_extract(answers, '$.QID1') FROM feedback ORDER BY source_record_id LIMIT 1")
    assert json.loads(answer) == {"text": "How likely are you to recommend Acme Stores to a friend or colleague?",
                                  "value": 0, "label": "0"}  # fmt: skip


CSAT_SHOWN = (5, 4, 1, 2, 3, 5, 5, 2, 4, 1)  # picked on a 1–5 satisfaction scale: 5 of 10 satisfied (4 or 5)
CES_SHOWN = (7, 6, 1, 3, 4, 7, 2, 6, 5, 7)  # picked on a 1–7 ease scale: 5 of 10 low effort (6 or 7)
RECODES = {"shifted": lambda shown, top: shown + 1, "from-zero": lambda shown, top: shown - 1,
           "reversed": lambda shown, top: top + 1 - shown}  # fmt: skip


def numbered_account(recode: Any, *, labelled: bool, worded_ends: bool) -> QualtricsAccount:
    """A store survey whose satisfaction (QID2, 1–5) and ease (QID3, 1–7) questions show their
    choices as numbers — "1" … "5", or "1 - Very dissatisfied" … "5 - Very satisfied" — recoded
    otherwise (`recode(shown, top)`): each response's value is the recode of what was picked."""
    account = store_account()
    definition = store_definition("SV_store1", "Store visit NPS 2026")
    ends = {1: " - Very dissatisfied", 5: " - Very satisfied"} if worded_ends else {}
    shown_as = {"QID2": {n: f"{n}{ends.get(n, '')}" for n in range(1, 6)}, "QID3": {n: str(n) for n in range(1, 8)}}
    definition["Questions"]["QID3"]["QuestionText"] = "How easy was it to get what you needed today?"
    for qid, labels in shown_as.items():
        question = definition["Questions"][qid]
        question["Choices"] = {str(n): {"Display": label} for n, label in labels.items()}
        question["RecodeValues"] = {str(n): str(recode(n, len(labels))) for n in labels}
    account.definitions["SV_store1"] = definition
    account.surveys["SV_store1"].responses.clear()
    for n, (csat, ces) in enumerate(zip(CSAT_SHOWN, CES_SHOWN), start=1):
        record = response(n, csat=recode(csat, 5), effort=recode(ces, 7))
        record["labels"] = {"QID2": shown_as["QID2"][csat], "QID3": shown_as["QID3"][ces]} if labelled else {}
        account.put("SV_store1", record)
    return account


@pytest.mark.parametrize("scale", [True, False], ids=["scale-configured", "no-scale"])
@pytest.mark.parametrize("labelled", [True, False], ids=["export-labels", "definition-labels"])
@pytest.mark.parametrize("worded_ends", [False, True], ids=["numbers", "numbers-with-worded-ends"])
@pytest.mark.parametrize("recoded", RECODES)
def test_csat_and_ces_questions_showing_numbers_score_the_number_shown_whatever_the_recode(
    tmp_path, recoded, worded_ends, labelled, scale
):
    """A satisfaction and an ease question asked as numbered choices whose recodes are not the
    numbers shown (shifted up, from zero, or reversed, as reordering the choices leaves them):
    with `metric` configured and no `labels`, each answer is the number picked, on the scale of
    the numbers shown — never shifted, quarantined or turned upside down."""
    questions = {"QID2": {"metric": "csat"}, "QID3": {"metric": "ces"}}
    if scale:
        questions = {"QID2": {"metric": "csat", "scale": [1, 5]}, "QID3": {"metric": "ces", "scale": [1, 7]}}
    account = numbered_account(RECODES[recoded], labelled=labelled, worded_ends=worded_ends)
    with qualtrics(account) as api:
        result = sync(tmp_path, entry(api.url, name_pattern="NPS 2026", questions=questions))
    assert (result.written, result.quarantined) == (len(CSAT_SHOWN), 0), result.error
    stored = query(tmp_path, "SELECT question_id, value, scale_min, scale_max FROM feedback_scores JOIN feedback "
                             "USING (record_id) WHERE metric IN ('csat', 'ces') ORDER BY source_record_id, 1")  # fmt: skip
    assert stored == [row for csat, ces in zip(CSAT_SHOWN, CES_SHOWN)
                      for row in (("QID2", csat, 1, 5), ("QID3", ces, 1, 7))]  # fmt: skip
    satisfied, low_effort = sum(n >= 4 for n in CSAT_SHOWN), sum(n >= 6 for n in CES_SHOWN)
    assert query(tmp_path, "SELECT responses, csat_pct FROM csat_by_month") == [
        (len(CSAT_SHOWN), half_up(Fraction(100 * satisfied, len(CSAT_SHOWN))))
    ]
    assert query(tmp_path, "SELECT responses, low_effort_pct FROM ces_by_month") == [
        (len(CES_SHOWN), half_up(Fraction(100 * low_effort, len(CES_SHOWN))))
    ]


@pytest.mark.parametrize("worded_ends", [False, True], ids=["numbers", "numbers-with-worded-ends"])
@pytest.mark.parametrize("recoded", ["as-shown", *RECODES])
def test_numbered_satisfaction_and_ease_questions_without_a_metric_are_detected_as_csat_and_ces(
    tmp_path, recoded, worded_ends
):
    """The same questions with no `questions` configured: "How satisfied…" choices "1" … "5" is
    a CSAT and "How easy…" choices "1" … "7" a CES (higher is better), each answer the number
    picked — detection read numbered choices as "no known scale" and kept them unscored, while
    a file's numbers under the same wording were scored."""
    account = numbered_account(RECODES.get(recoded, lambda shown, top: shown), labelled=True, worded_ends=worded_ends)
    with qualtrics(account) as api:
        result = sync(tmp_path, entry(api.url, name_pattern="NPS 2026"))
    assert (result.written, result.quarantined) == (len(CSAT_SHOWN), 0), result.error
    stored = query(tmp_path, "SELECT question_id, metric, value, scale_min, scale_max, direction FROM feedback_scores "
                             "JOIN feedback USING (record_id) WHERE question_id IN ('QID2', 'QID3') "
                             "ORDER BY source_record_id, 1")  # fmt: skip
    higher = "higher_is_better"
    assert stored == [row for csat, ces in zip(CSAT_SHOWN, CES_SHOWN)
                      for row in (("QID2", "csat", csat, 1, 5, higher), ("QID3", "ces", ces, 1, 7, higher))]  # fmt: skip
    satisfied, low_effort = sum(n >= 4 for n in CSAT_SHOWN), sum(n >= 6 for n in CES_SHOWN)
    assert query(tmp_path, "SELECT responses, csat_pct FROM csat_by_month") == [
        (len(CSAT_SHOWN), half_up(Fraction(100 * satisfied, len(CSAT_SHOWN))))
    ]
    assert query(tmp_path, "SELECT responses, low_effort_pct FROM ces_by_month") == [
        (len(CES_SHOWN), half_up(Fraction(100 * low_effort, len(CES_SHOWN))))
    ]


SCORED = {"from-zero": (RECODES["from-zero"], (0, 4), (0, 6)),
          "points": (lambda shown, top: (shown - 1) * 100 // (top - 1), (0, 100), (0, 100))}  # fmt: skip


@pytest.mark.parametrize("recoded", SCORED)
def test_a_configured_scale_the_numbers_shown_are_not_keeps_the_recodes(tmp_path, recoded):
    """Choices shown 1 … 5 recoded 0 … 4 under `scale = [0, 4]`, or recoded as points 0, 25 … 100
    under `scale = [0, 100]`: the scale says the answers are the recodes, so they are, as before —
    the numbers shown are off the one scale, and do not run from end to end of the other (scored
    as shown, a 5 would be 5 points of 100)."""
    recode, csat_scale, ces_scale = SCORED[recoded]
    account = numbered_account(recode, labelled=True, worded_ends=False)
    questions = {"QID2": {"metric": "csat", "scale": list(csat_scale)}, "QID3": {"metric": "ces",
                                                                              "scale": list(ces_scale)}}  # fmt: skip
    with qualtrics(account) as api:
        result = sync(tmp_path, entry(api.url, name_pattern="NPS 2026", questions=questions))
    assert (result.written, result.quarantined) == (len(CSAT_SHOWN), 0), result.error
    stored = query(tmp_path, "SELECT question_id, value FROM feedback_scores JOIN feedback USING (record_id) "
                             "WHERE metric IN ('csat', 'ces') ORDER BY source_record_id, 1")  # fmt: skip
    assert stored == [row for csat, ces in zip(CSAT_SHOWN, CES_SHOWN)
                      for row in (("QID2", recode(csat, 5)), ("QID3", recode(ces, 7)))]  # fmt: skip


@pytest.mark.parametrize("recoded", ["as-shown", "shifted"])
def test_a_not_applicable_choice_of_a_numbered_question_given_a_metric_carries_no_score(tmp_path, recoded):
    """"1" … "5" and "Not applicable" (recoded 6, or 7 after the numbers' 2 … 6), `metric = "csat"`
    with no scale: the N/A answers carry no score and the scale is the numbers' 1–5 — not 1–6 (or
    1–7) with N/A scored as the most satisfied answer."""
    recode = RECODES["shifted"] if recoded == "shifted" else lambda shown, top: shown
    assert_not_applicable_carries_no_score(tmp_path, recode, 7 if recoded == "shifted" else 6, {"metric": "csat"})


def assert_not_applicable_carries_no_score(tmp_path, recode, not_applicable_as, question_settings):
    """"1" … "5" recoded by `recode`, "Not applicable" recoded `not_applicable_as` and picked by two
    respondents: their answers carry no score, the others the number picked on 1–5."""
    account = numbered_account(recode, labelled=True, worded_ends=False)
    question = account.definitions["SV_store1"]["Questions"]["QID2"]
    question["Choices"]["6"] = {"Display": "Not applicable"}
    question["RecodeValues"]["6"] = str(not_applicable_as)
    not_applicable = {"R_0003abcd", "R_0007abcd"}
    for _, record in account.surveys["SV_store1"].responses.values():
        if record["responseId"] in not_applicable:
            record["values"]["QID2"], record["labels"]["QID2"] = not_applicable_as, "Not applicable"
    questions = {"questions": {"QID2": question_settings}} if question_settings else {}
    with qualtrics(account) as api:
        result = sync(tmp_path, entry(api.url, name_pattern="NPS 2026", **questions))
    assert (result.written, result.quarantined) == (len(CSAT_SHOWN), 0), result.error
    answered = [shown for n, shown in enumerate(CSAT_SHOWN, start=1) if f"R_{n:04d}abcd" not in not_applicable]
    stored = query(tmp_path, "SELECT value, scale_min, scale_max FROM feedback_scores JOIN feedback USING (record_id) "
                             "WHERE question_id = 'QID2' ORDER BY source_record_id")  # fmt: skip
    assert stored == [(shown, 1, 5) for shown in answered]
    satisfied = sum(shown >= 4 for shown in answered)
    assert query(tmp_path, "SELECT responses, csat_pct FROM csat_by_month") == [
        (len(answered), half_up(Fraction(100 * satisfied, len(answered))))
    ]


NOT_APPLICABLE_AS_A_NUMBER = {"from-zero": (RECODES["from-zero"], 5), "shifted": (RECODES["shifted"], 1),
                              "reversed": (RECODES["reversed"], 1)}  # fmt: skip


@pytest.mark.parametrize("configured", [True, False], ids=["metric", "detected"])
@pytest.mark.parametrize("recoded", NOT_APPLICABLE_AS_A_NUMBER)
def test_a_not_applicable_choice_recoded_as_a_number_shown_carries_no_score_and_the_numbers_shown_score(
    tmp_path, recoded, configured
):
    """"1" … "5" recoded 0 … 4 with "Not applicable" recoded 5, recoded 2 … 6 with it recoded 1, or
    reversed with it recoded 1 (as "5" is): the N/A answers carry no score and the others the
    number picked on 1–5 — before, the question kept its recodes (0–4 or 2–6 stored, the scale
    shifted) and, reversed, every "5" was taken for N/A and dropped."""
    recode, not_applicable_as = NOT_APPLICABLE_AS_A_NUMBER[recoded]
    assert_not_applicable_carries_no_score(tmp_path, recode, not_applicable_as, {"metric": "csat"} if configured else {})

def test_configured_labels_set_the_scale_and_direction_over_reversed_recodes(tmp_path):
    """Recodes running best-first (Very satisfied = 1) make a lower-is-better scale; labels the
    user configures best-last score each answer by its label, higher being better."""
    account = store_account()
    definition = store_definition("SV_store1", "Store visit NPS 2026")
    definition["Questions"]["QID2"]["RecodeValues"] = {str(n): str(6 - n) for n in range(1, 6)}
    account.definitions["SV_store1"] = definition
    satisfaction = ["Very dissatisfied", "Dissatisfied", "Neither satisfied nor dissatisfied", "Satisfied",
                    "Very satisfied"]  # fmt: skip
    shown = {"R_0001abcd": "Very satisfied", "R_0002abcd": "Dissatisfied", "R_0003abcd": "Satisfied"}
    for _, record in account.surveys["SV_store1"].responses.values():
        label = shown[record["responseId"]]
        record["values"]["QID2"], record["labels"]["QID2"] = 5 - satisfaction.index(label), label
    labels = {label: place for place, label in enumerate(satisfaction, start=1)}
    with qualtrics(account) as api:
        result = sync(tmp_path, entry(api.url, name_pattern="NPS 2026", questions={"QID2": {"labels": labels}}))
    assert (result.written, result.quarantined) == (3, 0), result.error
    rows = query(tmp_path, "SELECT source_record_id, value, direction, category FROM feedback_scores "
                           "JOIN feedback USING (record_id) WHERE question_id = 'QID2' ORDER BY 1")  # fmt: skip
    assert rows == [(rid, float(labels[label]), "higher_is_better", "satisfied" if labels[label] >= 4 else
                     "neutral" if labels[label] == 3 else "dissatisfied") for rid, label in shown.items()]  # fmt: skip


def test_a_bad_override_fails_before_any_data_moves(tmp_path):
    with qualtrics(store_account()) as api:
        with pytest.raises(ConfigError, match=r"sources.stores.questions.QID2.scale: write the scale low to high"):
            sync(tmp_path, entry(api.url, questions={"QID2": {"metric": "csat", "scale": [5, 1]}}))
        assert not api.requests


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"base_url": None}, "give datacenter"),
        ({"client_id": "c", "client_secret": "${QUALTRICS_CLIENT_SECRET}"}, "not both"),
        ({"api_token": None}, "give api_token"),
        ({"name_pattern": "(store"}, "not a regular expression"),
        ({"datacenter": "https://x"}, "is not a datacenter id"),
        ({"api_token": "plain-text-token"}, "never go into the config file in plain text"),
    ],
)
def test_config_mistakes_name_the_key(tmp_path, change, message):
    source = {key: value for key, value in (entry("http://127.0.0.1:9") | change).items() if value is not None}
    with pytest.raises(ConfigError, match=message):
        sync(tmp_path, source)


def test_the_datacenter_names_the_host():
    from cxbridge.plugins.qualtrics.config import QualtricsConfig
    from cxbridge.sources import SourceContext

    config = QualtricsConfig.model_validate({"datacenter": "fra1", "api_token": "${QUALTRICS_API_TOKEN}"}
                                            | {"api_token": _resolved(TOKEN)})  # fmt: skip
    source = QualtricsSource(config, SourceContext(name="q", base_dir="."))
    assert str(source.client.http.base_url) == "https://fra1.qualtrics.com/API/v3/"


def _resolved(value: str) -> Any:
    from cxbridge.secrets import ResolvedStr

    return ResolvedStr(value)


class TestQualtricsSource(HttpSourceConformance):
    @pytest.fixture
    def source_under_test(self):
        with qualtrics(store_account()) as api:
            yield SourceUnderTest(QualtricsSource, entry(api.url), secrets={"QUALTRICS_API_TOKEN": TOKEN},
                                  personal_data=["shopper1@example.com", "shopper4@example.com", "203.0.113.7"])


def test_a_quarantined_response_is_replayed_after_the_config_is_fixed(tmp_path):
    account = store_account()
    account.put("SV_store1", response(8) | {"values": {**response(8)["values"], "QID1": 11}})
    with qualtrics(account) as api:
        first = sync(tmp_path, entry(api.url, surveys=["SV_store1"], name_pattern=None))
        (tmp_path / "cxbridge.toml").write_text(
            f'[sources.stores]\nconnector = "qualtrics"\nbase_url = "{api.url}{ROOT}"\n'
            'api_token = "${QUALTRICS_API_TOKEN}"\nsurveys = ["SV_store1"]\n'
            '[sources.stores.questions.QID1]\nignore_values = [11]\n',
            encoding="utf-8",
        )
        replayed = cxbridge.quarantine_replay(tmp_path / "cxbridge.toml", destination=f"sqlite:///{tmp_path / 'cxbridge.db'}")
    assert (first.written, first.quarantined) == (3, 1)
    assert replayed.results[0].written == 1
    assert query(tmp_path, "SELECT nps FROM feedback WHERE source_record_id = 'R_0008abcd'") == [(None,)]


def test_a_name_pattern_that_selects_no_survey_warns(tmp_path, caplog):
    with qualtrics(store_account()) as api:
        result = sync(tmp_path, entry(api.url, name_pattern="^Nothing like this", active_only=True))
    assert (result.status, result.read) == ("success", 0)
    assert result.warnings == [
        "name_pattern = '^Nothing like this' with active_only = true selects no surveys: nothing was read; "
        "compare it with the surveys the account lists"
    ]
    assert result.warnings[0] in caplog.text


def test_a_start_date_written_as_a_day_is_midnight_in_the_sources_zone(tmp_path):
    """`start_date = "2026-01-05"` in a source in Asia/Tokyo asks the export from 15:00 UTC on
    4 January; it asked from midnight UTC."""
    with qualtrics(store_account()) as api:
        result = sync(tmp_path, entry(api.url, surveys=["SV_store1"], name_pattern=None, start_date="2026-01-05",
                                      timezone="Asia/Tokyo"))  # fmt: skip
        exports = [json.loads(seen.body) for seen in api.requests if seen.method == "POST" and "export-responses" in seen.path]
    assert result.status == "success", result.error
    assert exports[0]["startDate"] == "2026-01-04T15:00:00Z"


def weighted_account() -> QualtricsAccount:
    """SV_store1's embedded data `Weight_final` holds weights 0.5–1.25 (as text, the way Qualtrics
    exports it) beside a `Parcel weight`; SV_store2's `weight` is 1 for every response."""
    account = QualtricsAccount()
    account.add_survey("SV_store1", "Store visit NPS 2026")
    account.add_survey("SV_store2", "Store visit NPS (pilot)")
    for n, weight in [(1, "0.5"), (2, "1.25"), (3, "0.8")]:
        record = response(n)
        record["values"] |= {"Weight_final": weight, "Parcel weight": 2 * n}
        account.put("SV_store1", record)
    for n in (4, 5):
        record = response(n)
        record["values"]["weight"] = 1
        account.put("SV_store2", record)
    return account


def test_embedded_data_naming_a_weight_is_warned_of_once_per_sync(tmp_path, caplog):
    """A weighted study's embedded data is the file rule's weight column: warned of once, with its
    span, and kept in attributes; one weight for every response and a `Parcel weight` are no survey
    weights."""
    with qualtrics(weighted_account()) as api:
        result = sync(tmp_path, entry(api.url))
    assert (result.status, result.written) == ("success", 5)
    warned = [warning for warning in result.warnings if "weight" in warning]
    assert warned == ["survey SV_store1: " + weight_warning("embedded data 'Weight_final'", "0.5–1.25", "Weight_final")]
    assert caplog.text.count("embedded data 'Weight_final' holds") == 1
    assert query(tmp_path, "SELECT json_extract(attributes, '$.Weight_final') FROM feedback "
                           "WHERE source_record_id = 'R_0002abcd'") == [("1.25",)]  # fmt: skip


def test_embedded_data_the_source_acknowledges_as_a_weight_is_synced_without_its_warning(tmp_path, caplog):
    """The warning said each sync would repeat it and nothing silenced it: the user who read it
    names the field once (in any case) and the syncs after say nothing; the weights are kept."""
    with qualtrics(weighted_account()) as api:
        result = sync(tmp_path, entry(api.url, acknowledged_weights=["weight_final"]))
    assert (result.status, result.written) == ("success", 5), result.error
    assert [warning for warning in result.warnings if "weight" in warning] == []
    assert "weight per response" not in caplog.text
    assert query(tmp_path, "SELECT json_extract(attributes, '$.Weight_final') FROM feedback "
                           "WHERE source_record_id = 'R_0002abcd'") == [("1.25",)]  # fmt: skip


@pytest.mark.parametrize(("acknowledged", "message"), [
    (["Weight_final", "Wieght"], "sources.stores.acknowledged_weights: 'Wieght' names no survey weight (Weight, "
                                 "weight_final, Gewichtung, …), so no weight warning quotes it: write each field as "
                                 'its warning quotes it, e.g. acknowledged_weights = ["weight_final"]'),
    (True, "sources.stores.acknowledged_weights: write a list of the fields the source's weight warnings quote"),
])  # fmt: skip
def test_an_acknowledged_weight_that_names_no_weight_is_a_config_error_naming_the_key(tmp_path, acknowledged, message):
    with pytest.raises(ConfigError) as refused:
        sync(tmp_path, entry("http://127.0.0.1:9", acknowledged_weights=acknowledged))
    assert message in str(refused.value)


def test_a_scale_other_than_the_choices_recodes_quarantines_its_answers_naming_the_scale_to_set(tmp_path):
    """QID2 lists five choices, "Very dissatisfied" … "Very satisfied", recoded 1 … 5 (the survey
    definition's Choices); the config says `scale = [1, 7]`. Before, each answer was read as a point
    of 1–7 — a "Satisfied" 4 a neutral 4 of 7, CSAT % 0.0 where the answers make 75.0 — and nothing
    was said. A scale that agrees reads them."""
    shown = {5: "Very satisfied", 4: "Satisfied", 2: "Dissatisfied"}
    given = [5, 4, 2, 4]
    account = QualtricsAccount()
    account.add_survey("SV_store1", "Store visit NPS 2026")
    for n, csat in enumerate(given, start=1):
        record = response(n, csat=csat)
        record["labels"]["QID2"] = shown[csat]
        account.put("SV_store1", record)
    with qualtrics(account) as api:
        wrong = sync(tmp_path, entry(api.url, questions={"QID2": {"metric": "csat", "scale": [1, 7]}}))
        right = sync(tmp_path, entry(api.url, questions={"QID2": {"metric": "csat", "scale": [1, 5]}}), db="right.db")
    assert_other_scale_refused(tmp_path, wrong, right, scores=given, reason=(
        "question 'QID2' ('Overall, how satisfied were you with your visit?'): its survey's definition gives its "
        "answers as 1–5, not scale = [1, 7], so none of them is scored on it; set scale = [1, 5] (or remove scale: "
        "the definition's own is read) in [sources.stores.questions.QID2], then `cxbridge sync --full-refresh` "
        "reads the answers stored before on it too"))  # fmt: skip
