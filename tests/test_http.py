"""cxbridge.http: retries against a real local server, errors that say what to do."""

from __future__ import annotations

import pytest

from cxbridge import http
from cxbridge.errors import FatalSourceError, TransientSourceError
from local_api import Reply, local_api


def ok(path: str) -> dict:
    return {"path": path}


def make_client(url: str, waits: list[float], **options) -> object:
    transport = http.RetryingTransport(sleep=waits.append, **options)
    return http.httpx.Client(base_url=url, transport=transport)


def test_429_is_retried_after_the_wait_the_server_asks_for():
    waits: list[float] = []
    with local_api(ok, [Reply(429, headers={"Retry-After": "2"})]) as api:
        response = make_client(api.url, waits).get("/items?page=1")
    assert response.json() == {"path": "/items?page=1"}
    assert api.requests == ["/items?page=1", "/items?page=1"]
    assert waits == [2.0]


def test_5xx_and_dropped_connections_back_off_exponentially():
    waits: list[float] = []
    faults = [Reply(503), Reply(drop=True), Reply(500)]
    with local_api(ok, faults) as api:
        response = make_client(api.url, waits, backoff=0.5).get("/x")
    assert response.status_code == 200
    assert len(api.requests) >= 3  # a dropped connection may be re-sent by httpx's pool once more
    assert waits == [0.5, 1.0, 2.0]


def test_giving_up_says_to_rerun_later_without_the_query_string():
    waits: list[float] = []
    with local_api(ok, [Reply(503)] * 3) as api:
        with pytest.raises(TransientSourceError) as caught:
            make_client(api.url, waits, attempts=3).get("/x?token=s3cret")
    assert "HTTP 503 after 3 attempts; re-run later" in str(caught.value)
    assert "s3cret" not in str(caught.value)


def test_a_retry_after_longer_than_allowed_fails_at_once():
    with local_api(ok, [Reply(429, headers={"Retry-After": "3600"})]) as api:
        with pytest.raises(TransientSourceError, match="rate-limited for 3600 s"):
            make_client(api.url, [], max_wait=60).get("/x")
        assert len(api.requests) == 1


def test_retry_after_may_be_an_http_date():
    assert http.retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert http.retry_after_seconds("7") == 7.0
    assert http.retry_after_seconds("soon") is None


def test_check_names_what_to_do_for_bad_credentials():
    with local_api(ok, [Reply(401)]) as api:
        response = http.client(base_url=api.url).get("/me?api_key=abc123")
    with pytest.raises(FatalSourceError, match="check the credentials") as caught:
        http.check(response)
    assert "abc123" not in str(caught.value)
