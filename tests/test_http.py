"""cxbridge.http retries and errors, against a real local server that plays faults."""

from __future__ import annotations

import io
import logging

import httpx
import pytest

from cxbridge import http
from cxbridge.http import retries
from cxbridge.errors import FatalSourceError, SourceError, TransientSourceError
from cxbridge.logs import redact_value
from local_api import Reply, fake_api, local_api


def ok(path: str) -> dict:
    return {"path": path}


def api_client(url: str, waits: list[float], *, attempts: int = 5, backoff: float = 1.0, **options) -> http.ApiClient:
    policy = http.RetryPolicy(attempts=attempts, backoff=backoff, jitter=0, max_retry_after=60)
    return http.ApiClient(base_url=url, policy=policy, sleep=waits.append, **options)


def test_429_is_retried_after_the_wait_the_server_asks_for():
    waits: list[float] = []
    with local_api(ok, [Reply(429, headers={"Retry-After": "2"})]) as api:
        body = api_client(api.url, waits).get_json("/items", params={"page": 1})
    assert body == {"path": "/items?page=1"}
    assert api.paths() == ["/items?page=1", "/items?page=1"]
    assert waits == [2.0]


def test_429_without_retry_after_backs_off_exponentially():
    waits: list[float] = []
    with local_api(ok, [Reply(429), Reply(429)]) as api:
        api_client(api.url, waits, backoff=0.5).get_json("/x")
    assert waits == [0.5, 1.0]


@pytest.mark.parametrize(
    "fault",
    [Reply(500), Reply(503), Reply(drop=True), Reply(cut_at=5, body={"long": "x" * 100})],
    ids=["500", "503", "dropped connection", "body cut short"],
)
def test_transient_faults_are_retried_until_the_answer_is_whole(fault):
    waits: list[float] = []
    with local_api(ok, [fault]) as api:
        assert api_client(api.url, waits).get_json("/x") == {"path": "/x"}
    assert waits == [1.0]


def test_an_answer_slower_than_the_timeout_is_retried():
    waits: list[float] = []
    with local_api(ok, [Reply(delay=1.0)]) as api:
        assert api_client(api.url, waits, timeout=0.2).get_json("/slow") == {"path": "/slow"}
    assert waits == [1.0]


def test_the_backoff_is_jittered_below_the_cap():
    policy = http.RetryPolicy(backoff=1, max_backoff=4, jitter=0.5)
    waits = [policy.backoff_wait(attempt) for attempt in range(1, 7)]
    assert 1 <= waits[0] <= 1.5 and 2 <= waits[1] <= 3
    assert all(wait == 4 for wait in waits[2:])


@pytest.mark.parametrize("draw", ["lowest", "highest"])
def test_no_backoff_wait_exceeds_max_backoff_whatever_the_jitter_draws(monkeypatch, draw):
    monkeypatch.setattr(retries.random, "uniform", lambda low, high: low if draw == "lowest" else high)
    policy = http.RetryPolicy(backoff=1.5, max_backoff=5, jitter=0.25)
    waits = [policy.backoff_wait(attempt) for attempt in range(1, 8)]
    assert max(waits) == 5
    assert waits[:2] == ([1.5, 3.0] if draw == "lowest" else [1.875, 3.75])
    assert waits[2] == 5  # 6 before the cap, 7.5 with the most jitter: capped either way


def test_giving_up_says_to_rerun_later_without_the_query_string():
    with local_api(ok, [Reply(503)] * 3) as api:
        with pytest.raises(TransientSourceError) as caught:
            api_client(api.url, [], attempts=3).get_json("/x", params={"token": "s3cret"})
    assert "HTTP 503 after 3 attempts; re-run later" in str(caught.value)
    assert "s3cret" not in str(caught.value)


def test_a_retry_after_longer_than_allowed_fails_at_once():
    with local_api(ok, [Reply(429, headers={"Retry-After": "3600"})]) as api:
        with pytest.raises(TransientSourceError, match="rate-limited for 3600 s"):
            api_client(api.url, []).get_json("/x")
        assert len(api.requests) == 1


def test_retry_after_may_be_an_http_date():
    assert http.retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert http.retry_after_seconds("7") == 7.0
    assert http.retry_after_seconds("soon") is None


class QuotaErrors(http.ApiErrors):
    service = "Acme"

    def is_quota_exhausted(self, response: httpx.Response) -> bool:
        return response.status_code == 429 and http.json_body(response) == {"error": {"id": 1013}}


def test_a_spent_quota_fails_fast_instead_of_retrying():
    with local_api(ok, [Reply(429, {"error": {"id": 1013}})]) as api:
        with pytest.raises(FatalSourceError, match="Acme quota is used up"):
            api_client(api.url, [], errors=QuotaErrors()).get_json("/x")
        assert len(api.requests) == 1


@pytest.mark.parametrize(
    ("status", "hint"),
    [(401, "did not accept the credentials"), (403, "lack permission"), (404, "check the ids and base_url")],
)
def test_non_transient_errors_fail_fast_saying_what_to_do(status, hint):
    with local_api(ok, [Reply(status, {"error": {"message": "Invalid thing"}})]) as api:
        with pytest.raises(FatalSourceError) as caught:
            api_client(api.url, []).get_json("/me", params={"api_key": "abc123"})
        assert len(api.requests) == 1
    assert hint in str(caught.value) and "Invalid thing" in str(caught.value)
    assert "abc123" not in str(caught.value)


def test_error_messages_never_repeat_a_secret_the_api_echoes():
    redact_value("echoed-secret-42")
    with local_api(ok, [Reply(401, {"message": "bad key echoed-secret-42"})]) as api:
        with pytest.raises(FatalSourceError) as caught:
            api_client(api.url, []).get_json("/x")
    assert "echoed-secret-42" not in str(caught.value) and "bad key ***" in str(caught.value)


def test_a_success_that_is_not_json_is_a_transient_error():
    with fake_api() as api:
        api.route("GET", "/x")(lambda seen, match: Reply(body="<html>maintenance</html>"))
        with pytest.raises(TransientSourceError, match="not valid JSON"):
            api_client(api.url, []).get_json("/x")


def test_check_keeps_working_for_plain_httpx_clients():
    with local_api(ok, [Reply(401)]) as api:
        response = http.client(base_url=api.url).get("/me?api_key=abc123")
    with pytest.raises(FatalSourceError, match="check them") as caught:
        http.check(response)
    assert "abc123" not in str(caught.value)


def test_a_download_that_breaks_off_starts_again_and_is_whole():
    payload = bytes(range(256)) * 1000
    waits: list[float] = []
    with fake_api() as api:
        api.route("GET", "/file")(lambda seen, match: Reply(body=payload))
        api.fail(Reply(body=payload, cut_at=70_000))
        into = io.BytesIO()
        size = api_client(api.url, waits).download("/file", into)
    assert size == len(payload) and into.getvalue() == payload
    assert waits == [1.0]


def test_a_download_larger_than_allowed_stops():
    with fake_api() as api:
        api.route("GET", "/file")(lambda seen, match: Reply(body=b"x" * 200_000))
        with pytest.raises(SourceError, match="larger than 100000 bytes"):
            api_client(api.url, []).download("/file", io.BytesIO(), max_bytes=100_000)


def test_debug_log_shows_every_exchange_with_credentials_redacted():
    redact_value("value-from-env-99")
    auth = http.HeaderToken("tok-123456", header="X-API-TOKEN", prefix="")
    logger = logging.getLogger("cxbridge.http")
    lines: list[str] = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = lambda record: lines.append(record.getMessage())
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        with local_api(ok) as api:
            client = api_client(api.url, [], auth=auth, headers={"X-Note": "value-from-env-99"})
            client.get_json("/x", params={"apiKey": "k-987654", "page": 2})
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    text = "\n".join(lines)
    assert "GET http://127.0.0.1" in text and "/x?apiKey=%2A%2A%2A&page=2 -> 200" in text
    assert "'x-api-token': '***'" in text
    for secret in ("tok-123456", "k-987654", "value-from-env-99"):
        assert secret not in text


def test_a_low_budget_in_the_answers_headers_pauses_the_next_request_one_window():
    clock, waits = [100.0], []
    limiter = http.RateLimiter(budget=http.HeaderBudget("X-Total", "X-Left", period=60), clock=lambda: clock[0],
                               sleep=waits.append)  # fmt: skip
    limiter.observe({"X-Total": "400", "X-Left": "21"})
    limiter.acquire()
    limiter.observe({"X-Total": "400", "X-Left": "20"})  # 5 % of 400 left: the reserve
    limiter.acquire()
    limiter.observe({"X-Left": "oops"})
    assert waits == [60.0]


class WindowErrors(http.ApiErrors):
    """An API that says when its window resets in a header of its own, not in Retry-After."""

    def retry_after(self, response: httpx.Response) -> float | None:
        return super().retry_after(response) or float(response.headers.get("X-Window-Reset", 0)) or None


def test_an_apis_own_reset_header_sets_the_wait_before_a_retry():
    waits: list[float] = []
    faults = [Reply(429, headers={"X-Window-Reset": "17"}), Reply(503, headers={"Retry-After": "4"})]
    with local_api(ok, faults) as api:
        client = http.ApiClient(base_url=api.url, errors=WindowErrors(), sleep=waits.append,
                                policy=http.RetryPolicy(attempts=3, jitter=0))  # fmt: skip
        assert client.get_json("/x") == ok("/x")
    assert waits == [17.0, 4.0]


def test_a_budget_header_naming_its_reset_pauses_only_until_then():
    clock, waits = [100.0], []
    budget = http.HeaderBudget("X-Total", "X-Left", period=60, reset="X-Reset")
    limiter = http.RateLimiter(budget=budget, clock=lambda: clock[0], sleep=waits.append)
    limiter.observe({"X-Total": "120", "X-Left": "2", "X-Reset": "13"})
    limiter.acquire()
    clock[0] = 200.0
    limiter.observe({"X-Total": "120", "X-Left": "1", "X-Reset": "3600"})  # never longer than the window
    limiter.acquire()
    clock[0] = 300.0
    limiter.observe({"X-Total": "120", "X-Left": "0"})  # no reset given: one whole window
    limiter.acquire()
    assert waits == [13.0, 60.0, 60.0]
