"""Time bounds of API sources, against real servers on 127.0.0.1 that trickle their answers a
byte at a time or page on for ever: `request_deadline` cuts an answer however it trickles,
`run_deadline` a whole sync (what was read is kept), and empty pages that each name a next one
stop after `MAX_EMPTY_PAGES`. Deadlines are fractions of a second, so nothing here is slow."""

from __future__ import annotations

import time
from typing import Any, Literal

import pytest

import cxbridge
from cxbridge import http
from cxbridge.config import config_from_dict
from cxbridge.deadline import RunDeadline, RunDeadlineError
from cxbridge.errors import SourceError, TransientSourceError
from cxbridge.http.pagination import MAX_EMPTY_PAGES
from cxbridge.plugins_host import create_host
from cxbridge.sources import Stream
from cxbridge.testing.sample_feedback import Responses, raw_record
from local_api import Reply, fake_api, local_api

TRICKLE = {"text": "x" * 300}  # 300 bytes and more: 6 s at 50 per second


def client(url: str, waits: list[float], **options: Any) -> http.ApiClient:
    policy = http.RetryPolicy(attempts=options.pop("attempts", 2), jitter=0)
    return http.ApiClient(base_url=url, policy=policy, sleep=waits.append, timeout=1.0, **options)


def ok(path: str) -> dict[str, str]:
    return {"path": path}


@pytest.mark.parametrize("headers", [False, True], ids=["body", "status line and headers"])
def test_an_answer_trickling_past_the_request_deadline_is_cut_and_retried(headers):
    """Every read gets a byte within `timeout`, so only the deadline ends it (it used to take
    as long as the server liked: 90 s for a `timeout = 3` request)."""
    waits: list[float] = []
    with local_api(ok, [Reply(body=TRICKLE, drip=0.02, drip_headers=headers)] * 2) as api:
        started = time.monotonic()
        with pytest.raises(TransientSourceError) as failed:
            client(api.url, waits, deadline=0.3).get_json("/slow", params={"token": "t0ken"})
        elapsed = time.monotonic() - started
    assert str(failed.value) == (
        f"GET {api.url}/slow: no whole answer within request_deadline (0.3 s) after 2 attempts; re-run later"
    )
    assert api.paths() == ["/slow?token=t0ken"] * 2 and waits == [1.0]
    assert elapsed < 2.5  # two attempts of 0.3 s, not two of 6 s


def test_an_answer_trickling_within_the_deadline_arrives_whole():
    with local_api(ok, [Reply(body={"path": "/slow"}, drip=0.005, drip_headers=True)]) as api:
        assert client(api.url, [], deadline=5).get_json("/slow") == {"path": "/slow"}
    assert api.paths() == ["/slow"]


def test_the_client_goes_on_after_an_answer_was_cut():
    with local_api(ok, [Reply(body=TRICKLE, drip=0.02)]) as api:
        api_client = client(api.url, [], deadline=0.3, attempts=1)
        with pytest.raises(TransientSourceError, match="no whole answer within request_deadline"):
            api_client.get_json("/first")
        assert api_client.get_json("/second") == {"path": "/second"}
        api_client.close()


def test_the_run_deadline_cuts_a_request_short_and_is_not_retried():
    with local_api(ok, [Reply(body=TRICKLE, drip=0.02)] * 3) as api:
        with pytest.raises(RunDeadlineError) as failed:
            client(api.url, [], deadline=60, run=RunDeadline.starting_now(1.5), attempts=3).get_json("/slow")
    assert str(failed.value) == (
        f"stopped: run_deadline (1.5 s) passed during GET {api.url}/slow; what was read is kept and the next sync "
        "goes on from there"
    )
    assert api.paths() == ["/slow"]


def test_a_wait_before_a_retry_that_would_outlast_the_run_stops_at_once():
    waits: list[float] = []
    with local_api(ok, [Reply(429, headers={"Retry-After": "30"})]) as api:
        with pytest.raises(RunDeadlineError, match=r"passed during a 30 s wait before retrying"):
            client(api.url, waits, run=RunDeadline.starting_now(10)).get_json("/limited")
    assert waits == []


def test_a_download_trickling_past_the_run_deadline_stops(tmp_path):
    with fake_api() as api:
        api.route("GET", "/export.zip")(lambda seen, match: Reply(body=b"PK" * 300, drip=0.02))
        with open(tmp_path / "export.zip", "wb") as into, pytest.raises(RunDeadlineError, match="the download of"):
            client(api.url, [], run=RunDeadline.starting_now(1.5)).download("/export.zip", into)


def empty_pages(count: int | None, *, then: list[int] = ()) -> Any:
    """Pages of no items, each naming the next (`count` of them, or for ever), then one page of `then`."""

    def page(seen, match) -> dict[str, Any]:
        number = int(seen.query.get("n", 1))
        if count is not None and number > count:
            return {"items": list(then), "next": None}
        return {"items": [], "next": f"/pages?n={number + 1}"}

    return page


def paging() -> http.NextUrl:
    return http.NextUrl(lambda body: body["next"], items=lambda body: body["items"])


def test_endless_empty_pages_stop_after_a_few():
    with fake_api() as api:
        api.route("GET", "/pages")(empty_pages(None))
        pages = client(api.url, []).pages(http.PageRequest("/pages"), paging())
        with pytest.raises(SourceError, match=f"^{MAX_EMPTY_PAGES} empty pages in a row, each naming a next page"):
            list(pages)
    assert len(api.paths()) == MAX_EMPTY_PAGES


def test_fewer_empty_pages_in_a_row_are_followed_to_the_records_after_them():
    with fake_api() as api:
        api.route("GET", "/pages")(empty_pages(MAX_EMPTY_PAGES - 1, then=[7, 8]))
        pages = list(client(api.url, []).pages(http.PageRequest("/pages"), paging()))
    assert [item for page in pages for item in page["items"]] == [7, 8]


# --- the run deadline through a real sync -----------------------------------------------------


class PagedConfig(http.ApiSourceConfig):
    connector: Literal["paged_feedback"] = "paged_feedback"


class PagedFeedback(http.ApiSource):
    """The sample responses served page by page by a local API."""

    name = "paged_feedback"
    config_model = PagedConfig

    def streams(self) -> list[Stream]:
        return [PagedResponses(self)]


class PagedResponses(Responses):
    def read(self, cursor: Any):
        for page in self.source.client.pages(http.PageRequest("/responses"), paging()):
            yield from page["items"]


class Registering:
    @cxbridge.hookimpl
    def register_sources(self, register):
        register(PagedFeedback)


def test_the_run_deadline_stops_a_sync_keeping_what_was_read(tmp_path):
    with fake_api() as api:
        api.route("GET", "/responses")(lambda seen, match: {"items": [raw_record(n, 1) for n in range(1, 6)],
                                                            "next": "/responses/2"})  # fmt: skip
        api.route("GET", "/responses/2")(lambda seen, match: Reply(body=TRICKLE, drip=0.05))
        host = create_host(load_entry_points=False)
        host.pm.register(Registering())
        source = {"connector": "paged_feedback", "base_url": api.url, "timeout": 5}
        settings = {"settings": {"run_deadline": 3.0}, "sources": {"first": source, "second": source}}
        config = config_from_dict(settings, host, path=tmp_path / "cxbridge.toml")
        started = time.monotonic()
        first, second = cxbridge.sync(config, destination=f"sqlite:///{tmp_path / 'cx.db'}", host=host).results
        elapsed = time.monotonic() - started
    assert (first.status, first.read, first.written) == ("failed", 5, 5)
    assert first.error == (
        f"stopped: run_deadline (3 s) passed during GET {api.url}/responses/2; what was read is kept and the next "
        "sync goes on from there"
    )
    assert (second.status, second.read) == ("failed", 0) and second.error.startswith("stopped: run_deadline (3 s)")
    assert elapsed < 6  # not the 5 attempts of 15 s each the trickling page would take
    status = cxbridge.status(destination=f"sqlite:///{tmp_path / 'cx.db'}")
    assert [cursor["cursor"] for cursor in status.cursors] == [raw_record(5, 1)["updated"]]  # sorted: it moved
